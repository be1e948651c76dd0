"""A letter's Markdown written as plain text: the text part of an email.

A debtor whose mail program shows the plain-text alternative reads the letter, not its
Markdown source: no `**`, no `|---|`; tables become aligned columns (amounts right-aligned as
the template asks with `---:`), links `text (url)`, paragraphs are wrapped. The Markdown is
parsed by the same locked-down parser as the HTML (`casebook.letters.markup`), so a link the
HTML drops is plain text here too; this module only writes the parsed tokens as text.
"""

from __future__ import annotations

import functools
import re
import textwrap
from typing import Any, Sequence

from casebook.letters.markup import tokens

#: Where paragraphs wrap: what a mail program shows without scrolling (RFC 3676's advice).
WIDTH = 72
_GAP = "  "  # between the columns of a table


def markdown_to_text(markdown: str, width: int = WIDTH, *, without_subject: bool = False) -> str:
    """The text of a letter body: blocks one blank line apart, ending in a newline.
    `without_subject` leaves out a first `# ` heading, the subject an email carries in its
    header (as `markup.split_subject` does, but on the tokens the HTML was made from)."""
    nodes = _tree(tokens(markdown))
    if without_subject and nodes and nodes[0].type == "heading" and nodes[0].tag == "h1" \
            and nodes[0].markup == "#":
        nodes = nodes[1:]
    text = "\n\n".join(_blocks(nodes, width))
    return text.strip("\n") + "\n" if text.strip() else ""


class _Node:
    """A block of markdown-it's `SyntaxTreeNode` tree, with only what the text needs:
    building those (parents, properties, a node for every word and mark) took a third of
    the time of writing a letter as text. An inline token keeps its children as they are
    (`inline`), read in one pass by `_inline_text`."""

    __slots__ = ("type", "tag", "attrs", "content", "markup", "children", "inline")

    def __init__(self, kind: str, token: Any, children: list["_Node"]) -> None:
        self.type = kind
        self.tag, self.attrs, self.content, self.markup = (
            token.tag, token.attrs, token.content, token.markup)
        self.children = children
        self.inline = token.children if kind == "inline" else None


def _tree(tokens: Sequence[Any]) -> list[_Node]:
    """The blocks `SyntaxTreeNode(tokens)` has as children: a token alone, or an `_open`
    ... `_close` pair with the blocks between them."""
    nodes = []
    i, end = 0, len(tokens)
    while i < end:
        token = tokens[i]
        if not token.nesting:
            nodes.append(_Node(token.type, token, []))
            i += 1
            continue
        if token.nesting != 1:
            raise ValueError("Invalid token nesting")
        depth, j = 1, i + 1
        while j < end and depth:
            depth += tokens[j].nesting
            j += 1
        if depth:
            raise ValueError(f"unclosed tokens starting {token}")
        nodes.append(_Node(token.type.removesuffix("_open"), token, _tree(tokens[i + 1:j - 1])))
        i = j
    return nodes


def _blocks(nodes: list[_Node], width: int) -> list[str]:
    return [block for node in nodes if (block := _block(node, width))]


def _block(node: _Node, width: int) -> str:
    kind = node.type
    if kind == "paragraph":
        return _wrap(_inline(node), width)
    if kind == "heading":
        title = _inline(node).strip()
        rule = "=" if node.tag == "h1" else "-"
        return f"{title}\n{rule * len(title.splitlines()[-1])}" if title else ""
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, width)
    if kind == "table":
        return _table(node)
    if kind == "blockquote":
        inner = "\n\n".join(_blocks(node.children, max(width - 2, 20)))
        return "\n".join(f"> {line}".rstrip() for line in inner.splitlines())
    if kind in ("fence", "code_block"):
        return "\n".join(f"    {line}".rstrip() for line in node.content.rstrip("\n").splitlines())
    if kind == "hr":
        return "-" * 24
    return node.content.strip("\n")  # html_block cannot occur: raw HTML is off


def _list(node: _Node, width: int) -> str:
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
    items = []
    for n, item in enumerate(node.children, start):
        marker = f"{n}. " if node.type == "ordered_list" else "- "
        indent = " " * len(marker)
        inner = "\n".join(_blocks(item.children, max(width - len(marker), 20)))
        lines = inner.splitlines() or [""]
        items.append("\n".join(
            [(marker + lines[0]).rstrip()] + [(indent + line).rstrip() for line in lines[1:]]
        ))
    return "\n".join(items)


def _table(node: _Node) -> str:
    rows: list[list[str]] = []
    aligns: list[str] = []
    header = False
    for section in node.children:  # thead, tbody
        for row in section.children:
            cells = [_inline(cell).replace("\n", " ") for cell in row.children]
            if section.type == "thead":
                aligns = [str(cell.attrs.get("style", "")) for cell in row.children]
                header = any(c.strip() for c in cells)
                if not header:
                    continue
            rows.append(cells)
    if not rows:
        return ""
    columns = max(len(r) for r in rows)
    rows = [r + [""] * (columns - len(r)) for r in rows]
    aligns += [""] * (columns - len(aligns))
    widths = [max(len(r[i]) for r in rows) for i in range(columns)]

    def line(cells: list[str]) -> str:
        out = []
        for cell, size, align in zip(cells, widths, aligns):
            if "right" in align:
                out.append(cell.rjust(size))
            elif "center" in align:
                out.append(cell.center(size))
            else:
                out.append(cell.ljust(size))
        return _GAP.join(out).rstrip()

    lines = [line(r) for r in rows]
    if header:
        lines.insert(1, _GAP.join("-" * size for size in widths))
    return "\n".join(lines)


def _inline(node: _Node) -> str:
    """The text of a paragraph, heading or cell: marks dropped, links with their address."""
    parts = []
    for child in node.children:
        if child.inline is not None:
            parts.append(_inline_text(child.inline))
        elif child.type in ("text", "code_inline", "html_inline", "image"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        else:
            parts.append(_inline(child))
    return "".join(parts)


def _inline_text(tokens: Sequence[Any]) -> str:
    """The text of inline tokens, as `_inline` of their tree: the text of marks (strong,
    em, ...) is their content's, a link is its label with its address."""
    parts: list[str] = []
    links: list[tuple[Any, list[str]]] = []  # open links, with the parts outside them
    for token in tokens:
        kind = token.type
        if kind == "text" or kind == "code_inline" or kind == "html_inline" or kind == "image":
            parts.append(token.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "link_open":
            links.append((token, parts))
            parts = []
        elif kind == "link_close" and links:
            label = "".join(parts)
            opening, parts = links.pop()
            href = str(opening.attrs.get("href", ""))
            bare = href.split(":", 1)[1] if href.startswith(("mailto:", "tel:")) else href
            parts.append(label if not href or bare in (label, label.replace(" ", "")) else
                         f"{label} ({href})")
        elif not token.nesting and token.children:
            parts.append(_inline_text(token.children))
    return "".join(parts)


#: Spaces a line does not break at: before French `:` `;` `!` `?` `»`, after `«`.
_KEPT_SPACE = re.compile(r" (?=[:;!?»](?:\s|$))|(?<=«) ")
_HELD = "\x00"  # stands for a kept space while wrapping (not whitespace to textwrap)


@functools.lru_cache(maxsize=1024)  # most paragraphs of a template are the same in every letter
def _wrap(text: str, width: int) -> str:
    """Wrapped at `width`, between words only: an amount (`€ 1.350,00`, with its no-break
    space), an IBAN group or an address is never split, a long word overruns the line."""
    filled = "\n".join(
        textwrap.fill(_KEPT_SPACE.sub(_HELD, line.replace(_HELD, "")), width,
                      break_long_words=False, break_on_hyphens=False).replace(_HELD, " ")
        for line in text.split("\n")
    )
    # A kept space may end a line where a second space let it break (`«  x`).
    return "\n".join(line.rstrip(" ") for line in filled.split("\n"))


__all__ = ["WIDTH", "markdown_to_text"]
