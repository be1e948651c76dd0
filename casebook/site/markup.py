"""Notes and letters are untrusted Markdown: render them so that nothing in them can act.

Raw HTML is off (a `<script>` shows as text), images are off (an image would make the
browser fetch a URL the moment the page opens), and a link keeps its `href` only when it
is `http:`, `https:` or `mailto:`; any other link (`javascript:`, `data:`, `file:`, a
relative path) stays in the page as the literal Markdown text. The result is inserted
into pages that are autoescaped everywhere else, so this module is the one place that
produces markup from data.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_SCHEMES = ("http:", "https:", "mailto:")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _safe_link(url: str) -> bool:
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    return _CONTROL.sub("", url).lower().startswith(SAFE_SCHEMES)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_inline", "html_block"])
    md.validateLink = _safe_link  # type: ignore[method-assign]
    return md


_MD = _parser()


def markdown(text: str) -> Markup:
    """`text` rendered as safe HTML (see the module docstring)."""
    if not text.strip():
        return Markup("")
    html = _MD.render(text)
    # Links leave the site: never send who we are, never give the new page a handle on ours.
    html = html.replace("<a href=", '<a rel="noopener noreferrer nofollow" href=')
    return Markup(html)
