"""Markdown to HTML for letter bodies, and the subject of a rendered letter.

A letter body carries untrusted text (debtor names, invoice descriptions) and is sent as an
email's HTML part, so the Markdown renderer is locked down here: raw HTML off and only the
link schemes a letter needs. Apart from the rendering so that this safety boundary is small
enough to read at once and to fuzz on its own (`tests/letters/test_fuzz_markup.py`).
"""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt

#: Link schemes a letter keeps; an email client would open any other one (`ms-msdt:`,
#: `search-ms:`, ...) in a local program. Links without a scheme stay too.
_LETTER_SCHEMES = ("http", "https", "mailto", "tel")
_IMAGE_DATA = re.compile(r"data:image/(gif|png|jpeg|webp);")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _letter_link(url: str) -> bool:
    cleaned = _CONTROL.sub("", url).lower()  # browsers ignore them inside a scheme
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    if ":" not in head:
        return True
    return head.split(":", 1)[0] in _LETTER_SCHEMES or bool(_IMAGE_DATA.match(cleaned))


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML off: a template (or a debtor name in it) cannot inject
    # markup; tables are on because a statement of account is a table.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = _letter_link  # type: ignore[method-assign]
    return md


@functools.lru_cache(maxsize=4)
def tokens(text: str) -> tuple:
    """The parsed Markdown, shared by the HTML here and the plain text of the same letter
    (`casebook.letters.plaintext`): parsing is most of the cost of both, and neither
    renderer changes the tokens."""
    return tuple(_markdown().parse(text))


def markdown_to_html(text: str) -> str:
    md = _markdown()
    return md.renderer.render(list(tokens(text)), md.options, {})


def split_subject(markdown: str) -> tuple[str, str]:
    """The first `# ` heading (the subject) and the text without it."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# "):
            rest = lines[:i] + lines[i + 1 :]
            return line[2:].strip(), "\n".join(rest).strip("\n") + "\n"
        if line.strip():
            break
    return "", markdown
