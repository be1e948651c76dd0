"""A day's paper post as one PDF to print: a cover list, the registered-post list, the letters.

`print_batch(items, day=..., sender=...)` lays out the letters (`PostItem`: a debtor, its
address, the channel, the stage and the letter's printable HTML) in the order a person
folds and posts them, and returns one PDF (`Printed`) with its page counts:

1. the cover list: every letter with its debtor, address, channel, stage, its number of
   pages and where it starts in the file, and the total of pages;
2. when there are registered letters, the list a post office counter asks for: the sender,
   each recipient's name and full address, and an empty column for the registration
   number the counter writes or sticks in;
3. the registered letters, then the ordinary letters (`post_order`).

Registered letters come first because they go together to the post office counter with
their list, which is printed right before them: the top of the printed stack (list and
registered letters) goes to the counter, the rest into a postbox, and no registered letter
can slip into the postbox pile. Within each group the letters are in the order of the
address's country and postcode, then the debtor's name (and case id): the order presorted
mail is handed in and the cover list is easy to follow with the stack in hand.

Each letter is laid out from its own HTML exactly as `casebook.letters.pdf.letter_pdf` lays
out its `actions/<stem>.pdf` (the same stylesheets, fonts, window and address fitting), so
its pages and page numbers ("1/2") are those of the letter's own PDF: WeasyPrint cannot
read an existing PDF back, and the HTML is what the PDF was made from. The pages of all
documents are joined with WeasyPrint's `Document.copy`. Pure: no git, no disk, no clock.
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


from casebook.letters import pdf as _pdf

#: The channels printed: a letter by ordinary post, a registered letter.
PAPER_CHANNELS = ("letter", "registered")


@dataclass(frozen=True, slots=True)
class PostItem:
    """One letter to print: whose, where it goes, what it is and its printable HTML."""

    case_id: str
    debtor: str
    address: tuple[str, ...]
    """The lines of the address as on the envelope (street, postcode and city, country)."""
    postcode: str
    country: str
    channel: str
    stage: str
    html: str
    action: str = ""
    """The action's stem (`2026-10-15-reminder`), for the caller's messages."""


@dataclass(frozen=True, slots=True)
class Printed:
    """The PDF and what is in it, in print order."""

    pdf: bytes
    items: tuple[PostItem, ...]
    pages: tuple[int, ...]
    """Each letter's number of pages, in the order of `items`."""
    front: int
    """Pages before the first letter (the cover list and the registered-post list)."""

    @property
    def total(self) -> int:
        return self.front + sum(self.pages)


def post_order(items: Sequence[PostItem]) -> list[PostItem]:
    """Registered letters first, then by country, postcode, debtor and case (module docstring)."""
    return sorted(items, key=lambda i: (i.channel != "registered", i.country.casefold(),
                                        i.postcode.casefold(), i.debtor.casefold(), i.case_id,
                                        i.stage))


def print_batch(items: Sequence[PostItem], *, day: date, sender_name: str,
                sender_address: Sequence[str], window: str = "left", title: str = "") -> Printed:
    """The PDF of `items` in `post_order`, with its cover list and registered-post list."""
    ordered = post_order(items)
    letters = [_letter_document(item.html, window) for item in ordered]
    pages = tuple(len(doc.pages) for doc in letters)
    registered = [item for item in ordered if item.channel == "registered"]
    listing = ([_render_page(registered_list_html(registered, day=day, sender_name=sender_name,
                                                  sender_address=sender_address))]
               if registered else [])
    listed = sum(len(doc.pages) for doc in listing)
    cover_pages = 1
    for _ in range(4):  # the cover names page numbers that depend on its own length
        cover = _render_page(cover_html(ordered, pages, day=day, front=cover_pages + listed,
                                        title=title))
        if len(cover.pages) == cover_pages:
            break
        cover_pages = len(cover.pages)
    documents = [cover, *listing, *letters]
    joined = documents[0].copy([page for doc in documents for page in doc.pages])
    stamp = day.isoformat()
    joined.metadata.title = title or f"Post of {stamp}"
    joined.metadata.created = stamp
    joined.metadata.modified = stamp
    joined.metadata.generator = "casebook"
    return Printed(joined.write_pdf(), tuple(ordered), pages, len(cover.pages) + listed)


# -- the front pages -----------------------------------------------------------------------

_CSS = """
@font-face { font-family: "Casebook Sans"; src: url(fonts/DejaVuSans.ttf); }
@font-face { font-family: "Casebook Sans"; src: url(fonts/DejaVuSans-Bold.ttf);
             font-weight: bold; }
@page { size: A4; margin: 16mm 14mm 16mm 14mm;
        @bottom-right { content: counter(page) "/" counter(pages); font-size: 7.5pt;
                        color: #555; font-family: "Casebook Sans"; } }
body { font-family: "Casebook Sans", sans-serif; font-size: 8.5pt; line-height: 1.3; }
h1 { font-size: 13pt; margin: 0 0 2mm 0; }
p { margin: 0 0 3mm 0; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 1.5mm;
         border-bottom: 0.3pt solid #999; }
th { border-bottom: 0.8pt solid #000; }
td.n, th.n { text-align: right; white-space: nowrap; }
td.blank { width: 45mm; }
tfoot td { font-weight: bold; border-bottom: none; }
.sender { margin-bottom: 5mm; }
.sign { margin-top: 10mm; }
"""


def cover_html(ordered: Sequence[PostItem], pages: Sequence[int], *, day: date, front: int,
               title: str = "") -> str:
    """The cover list: one row per letter, in print order, and the totals."""
    rows, first = [], front + 1
    for number, (item, count) in enumerate(zip(ordered, pages), start=1):
        span = f"{first}" if count == 1 else f"{first}\u2013{first + count - 1}"
        rows.append(
            f"<tr><td class=n>{number}</td><td>{_e(item.debtor)}<br>{_e(item.case_id)}</td>"
            f"<td>{'<br>'.join(_e(line) for line in item.address) or '(no address)'}</td>"
            f"<td>{_e(item.channel)}</td><td>{_e(item.stage)}</td>"
            f"<td class=n>{count}</td><td class=n>{span}</td></tr>")
        first += count
    registered = sum(1 for item in ordered if item.channel == "registered")
    kinds = f"{len(ordered) - registered} by ordinary post, {registered} registered"
    letters = sum(pages)
    return _page(
        title or f"Post of {day.isoformat()}",
        f"<p>{len(ordered)} letter{'s' if len(ordered) != 1 else ''} ({kinds}): "
        f"{letters} page{'s' if letters != 1 else ''} of letters, {front + letters} pages in "
        f"this file. Registered letters first, with their list; then the others, by "
        f"postcode.</p>"
        "<table><thead><tr><th class=n>#</th><th>Debtor</th><th>Address</th><th>Channel</th>"
        "<th>Stage</th><th class=n>Pages</th><th class=n>In file</th></tr></thead><tbody>"
        + "".join(rows) +
        f"</tbody><tfoot><tr><td></td><td colspan=4>Total</td><td class=n>{letters}</td>"
        f"<td class=n>{front + letters}</td></tr></tfoot></table>")


def registered_list_html(registered: Sequence[PostItem], *, day: date, sender_name: str,
                         sender_address: Sequence[str]) -> str:
    """The list of registered letters for the post office counter."""
    rows = "".join(
        f"<tr><td class=n>{n}</td><td>{_e(item.debtor)}</td>"
        f"<td>{'<br>'.join(_e(line) for line in item.address) or '(no address)'}</td>"
        "<td class=blank></td></tr>"
        for n, item in enumerate(registered, start=1))
    return _page(
        f"Registered letters of {day.isoformat()}",
        f"<div class=sender><b>Sender</b><br>{_e(sender_name)}<br>"
        + "<br>".join(_e(line) for line in sender_address) + "</div>"
        f"<p>{len(registered)} registered letter{'s' if len(registered) != 1 else ''}.</p>"
        "<table><thead><tr><th class=n>#</th><th>Recipient</th><th>Address</th>"
        "<th>Registration number</th></tr></thead><tbody>" + rows + "</tbody></table>"
        "<p class=sign>Handed in on ______________ &nbsp; Signature ____________________</p>")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{_e(title)}</title>"
            f"</head><body><h1>{_e(title)}</h1>{body}</body></html>")


def _e(text: str) -> str:
    return _html.escape(str(text), quote=True)


# -- rendering -----------------------------------------------------------------------------


def _letter_document(html: str, window: str) -> Any:
    return _pdf.letter_document(html, window)


def _render_page(html: str) -> Any:
    return _pdf.page_document(html, _CSS)


__all__ = ["PAPER_CHANNELS", "PostItem", "Printed", "cover_html", "post_order", "print_batch",
           "registered_list_html"]
