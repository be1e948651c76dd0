"""Letters as PDF: the printable page (`actions/<stem>.html`) laid out on A4 by WeasyPrint.

`letter_pdf(html, dated=..., window=...)` gives the PDF/A-3b of a letter's printable HTML:
the page's own stylesheet plus `letter_assets/print.css` (the shipped DejaVu Sans fonts,
embedded; page numbers "1/2"; continuation pages with the table header repeated), the
address in the window of a DIN 5008 form B envelope (`window="right"` adds
`window-right.css`), the EPC QR code as the vector drawing it is in the page.

The same HTML gives the same bytes: the PDF's dates are the letter's date, its identifier
a hash of its content. The HTML is built from the book's files (debtor names, notes), so
the renderer fetches nothing but the shipped assets: no network, no other file.

An address too long for the window is set smaller until it fits (down to 7 pt), never cut.
WeasyPrint is imported here only, and this module only when a book asks for PDFs
(`letters: {pdf: ...}` in casebook.yaml): a book without PDFs never loads it.
"""

from __future__ import annotations

import functools
import multiprocessing.util
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from casebook.book.errors import BookError

ASSETS = Path(__file__).resolve().parent / "letter_assets"

#: Which sides a window envelope may have its window on.
WINDOWS = ("left", "right")

#: Font sizes (pt) tried for an address that does not fit the window at the page's 11 pt.
_SMALLER = (10, 9, 8, 7)


def letter_pdf(html: str | bytes, *, dated: date, window: str = "left") -> bytes:
    """The PDF/A-3b of a letter's printable HTML, dated `dated` (see the module docstring)."""
    if window not in WINDOWS:
        raise BookError(f"letters.window: {window!r} is not one of {', '.join(WINDOWS)}")
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    document = letter_document(html, window)
    stamp = dated.isoformat()
    document.metadata.created = stamp
    document.metadata.modified = stamp
    document.metadata.generator = "casebook"
    return document.write_pdf(pdf_variant="pdf/a-3b", pdf_identifier=True)


# -- rendering -----------------------------------------------------------------------------


def letter_document(html: str, window: str = "left") -> Any:
    """The laid-out letter (a WeasyPrint document), its address set smaller until it fits
    the window: what `letter_pdf` writes, and what `casebook print` joins into one PDF."""
    document = _render(html, window, None)
    for size in _SMALLER:
        if _address_fits(document):
            break
        document = _render(html, window, size)
    return document


def page_document(html: str, css: str) -> Any:
    """A page of casebook's own (a cover list, say) laid out with the shipped fonts and
    `css`, fetching nothing but the shipped assets."""
    fonts, fetcher, _ = _setup(os.getpid(), "left")
    base = ASSETS.as_uri() + "/"
    sheet = weasyprint.CSS(string=css, base_url=base, url_fetcher=fetcher, font_config=fonts)
    page = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher)
    return page.render(font_config=fonts, stylesheets=[sheet])


def _render(html: str, window: str, address_pt: int | None) -> Any:
    fonts, fetcher, sheets = _setup(os.getpid(), window)
    if address_pt is not None:
        sheets = [*sheets, _address_size(os.getpid(), address_pt, window)]
    page = weasyprint.HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher)
    return page.render(font_config=fonts, stylesheets=sheets, pdf_variant="pdf/a-3b",
                       output_intent="srgb")


@functools.cache
def _setup(pid: int, window: str) -> tuple[Any, Any, list[Any]]:
    """The font configuration, the fetcher and the print stylesheets, made once per process
    (`pid`: a forked worker makes its own) and window side: parsing them and loading the
    fonts is a good part of a letter's time."""
    fonts = FontConfiguration()
    fetcher = AssetsOnly()
    names = ["print.css"] + (["window-right.css"] if window == "right" else [])
    sheets = [weasyprint.CSS(filename=str(ASSETS / name), url_fetcher=fetcher, font_config=fonts)
              for name in names]
    folder = getattr(fonts, "_folder", None)
    if folder:
        # WeasyPrint copies the @font-face fonts into a temporary folder that it removes when
        # the configuration is collected, which a forked worker never does (it leaves with
        # os._exit). A multiprocessing finalizer runs at the exit of this process, worker or
        # not, and never in another one.
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(str(folder), True), exitpriority=0)
    return fonts, fetcher, sheets


@functools.cache
def _address_size(pid: int, points: int, window: str) -> Any:
    css = (f".window address {{ font-size: {points}pt !important; line-height: 1.2 !important;"
           " padding-top: 1.5mm !important; }")
    fonts, fetcher, _ = _setup(pid, window)
    return weasyprint.CSS(string=css, url_fetcher=fetcher, font_config=fonts)


def _address_fits(document: Any) -> bool:
    """Whether the address ends inside the window on page 1 (the window box clips)."""
    if not document.pages:
        return True
    window = address = None
    for box in _descendants(document.pages[0]._page_box):
        element = getattr(box, "element", None)
        if element is None or getattr(box, "element_tag", "") not in ("div", "address"):
            continue
        if box.element_tag == "div" and "window" in (element.get("class") or "").split():
            window = window or box
        elif box.element_tag == "address" and window is not None:
            address = box
            break
    if window is None or address is None:
        return True
    bottom = window.position_y + window.margin_height()
    return address.position_y + address.margin_height() <= bottom + 0.5


def _descendants(box: Any):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


# -- fetching ------------------------------------------------------------------------------


class _Refused(ValueError):
    pass


def _assets_response(url: str) -> Any:
    """The response for `url` when it names a file of the shipped assets; else refused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise _Refused(f"casebook letters fetch nothing from {url[:80]!r}")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(ASSETS) or not path.is_file():
        raise _Refused(f"casebook letters read no file outside their assets: {url[:80]!r}")
    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _content_type(path)})


def _content_type(path: Path) -> str:
    return {".css": "text/css", ".ttf": "font/ttf"}.get(path.suffix, "application/octet-stream")


class AssetsOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves the shipped letter assets and refuses the rest
    (the page's HTML comes from the book's files: an image or a stylesheet named in a note
    must not make casebook read a URL or a local file). A refused resource is left out of
    the PDF, with WeasyPrint's warning."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> Any:
        return _assets_response(url)


__all__ = ["ASSETS", "WINDOWS", "AssetsOnly", "letter_pdf"]
