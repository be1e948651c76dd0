"""Markdown to HTML for letter bodies, and the subject of a rendered letter.

A letter body carries untrusted text (debtor names, invoice descriptions) and is sent as an
email's HTML part, so the Markdown renderer is locked down here: raw HTML off and only the
link schemes a letter needs. Apart from the rendering so that this safety boundary is small
enough to read at once and to fuzz on its own (`tests/letters/test_fuzz_markup.py`).
"""

from __future__ import annotations

import functools
import re
import types
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core.text_join import text_join

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


def _markdown() -> MarkdownIt:
    return _parser(frozenset())


@functools.lru_cache(maxsize=32)
def _parser(skipped: frozenset[str]) -> MarkdownIt:
    # CommonMark with raw HTML off: a template (or a debtor name in it) cannot inject
    # markup; tables are on because a statement of account is a table.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = _letter_link  # type: ignore[method-assign]
    md.core.ruler.at("inline", _inline_once)
    if skipped:
        md.block.ruler.disable(sorted(skipped))
    return md


#: Block rules that cannot match a text without one of these: `fence` opens with ` or ~,
#: `blockquote` with >, `reference` with [, a `table`'s head has |, indented `code` needs
#: four columns of spaces or a tab. markdown-it tries every block rule at every line (and
#: again, as a paragraph's end, at every line of a paragraph): a text without them is
#: parsed without those rules, to the same tokens. `html_block` never matches, HTML off.
_NEEDS = {"fence": ("`", "~"), "blockquote": (">",), "reference": ("[",), "table": ("|",),
          "code": ("\t", "    ")}


def _parser_for(text: str) -> MarkdownIt:
    skipped = {rule for rule, marks in _NEEDS.items() if not any(mark in text for mark in marks)}
    return _parser(frozenset({"html_block", *skipped}))


_INLINE: dict[str, tuple] = {}
_INLINE_LIMIT = 8192


def _inline_once(state: Any) -> None:
    """markdown-it's `inline` core rule, remembering what each text parses to.

    Most paragraphs, headings and table headers of a template come out the same in every
    letter, and parsing their inline markup was a third of a letter's parse. A text's
    tokens depend on the text alone (the parser's options never change), except on the
    link reference definitions of its document: with any, the text is parsed afresh.
    The remembered tokens are stored already joined (`text_join`, the next core rule,
    then leaves them as they are) and shared between letters, as the tokens of one letter
    are already shared between its HTML and its text: nothing that reads them changes them.
    A text with an image is not remembered: the HTML renderer writes its `alt` into it."""
    md, env = state.md, state.env
    for token in state.tokens:
        if token.type != "inline":
            continue
        remembered = None if env else _INLINE.get(token.content)
        if remembered is not None:
            token.children = list(remembered)
            continue
        if token.children is None:
            token.children = []
        md.inline.parse(token.content, md, env, token.children)
        if not env and not any(child.children for child in token.children):
            text_join(types.SimpleNamespace(tokens=[token]))
            if len(_INLINE) >= _INLINE_LIMIT:
                _INLINE.clear()
            _INLINE[token.content] = tuple(token.children)


@functools.lru_cache(maxsize=4)
def tokens(text: str) -> tuple:
    """The parsed Markdown, shared by the HTML here and the plain text of the same letter
    (`casebook.letters.plaintext`): parsing is most of the cost of both, and neither
    renderer changes the tokens."""
    return tuple(_parser_for(text).parse(text))


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
