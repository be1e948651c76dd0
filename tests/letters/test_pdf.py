"""Letters as PDF (`casebook.letters.pdf`), read back with poppler and zbar as a person and a
banking app would: the text, the QR code, where the address sits, the pages, the fonts, the
same bytes twice, nothing fetched; and a whole `advance` whose email carries the PDF."""

from __future__ import annotations

import http.server
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import threading
import zlib
from datetime import date, timedelta
from decimal import Decimal as D
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from casebook.book.check import check
from casebook.book.model import Address, Invoice
from casebook.letters import email as mail
from casebook.letters import letter as letters
from casebook.letters import pdf as pdfs
from casebook.record.advance import advance

from ..conftest import SETTINGS, git
from .test_mail import smtp  # noqa: F401 - the real local SMTP server fixture
from .test_support import action, make_book, make_case

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
MM = 25.4 / 72  # one PDF point in millimetres
#: The DIN 5008 form B address field: x from, x to, y from, y to (mm from the top left).
WINDOW = {"left": (20, 105, 45, 90), "right": (105, 190, 45, 90)}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} not installed (Debian package {'zbar-tools' if name == 'zbarimg' else 'poppler-utils'})"
        if os.environ.get("CASEBOOK_REQUIRE_TOOLS") == "1":
            pytest.fail(reason + " and CASEBOOK_REQUIRE_TOOLS=1")
        pytest.skip(reason)
    return path


def run(*args: str | Path) -> bytes:
    done = subprocess.run([tool(str(args[0])), *map(str, args[1:])], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def letter_of(case=None, **act):
    case = case or make_case()
    act = {"channel": "letter", **act}
    return letters.render_letter(make_book(case), case, action(**act), book_root=Path("/none"))


def text_of(pdf: Path, *pages: int) -> str:
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    text = run("pdftotext", "-layout", *first_last, pdf, "-").decode("utf-8")
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def words(pdf: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """(text, x min, x max, y min, y max) in mm of each word on `page`."""
    out = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), pdf, "-").decode("utf-8")
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                       r"([^<]*)</word>", out)
    return [(w, float(x0) * MM, float(x1) * MM, float(y0) * MM, float(y1) * MM)
            for x0, y0, x1, y1, w in found]


def inflated(pdf: Path) -> bytes:
    """The PDF's compressed streams (the object streams among them), inflated."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S):
        try:
            found.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b"\n".join(found)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, letters.Letter]]:
    """The PDFs of the tests, each rendered once: a reminder by post in nl, fr and en."""
    out = tmp_path_factory.mktemp("pdf")
    made = {}
    for language in ("nl", "fr", "en"):
        letter = letter_of(make_case(language=language))
        path = out / f"reminder-{language}.pdf"
        path.write_bytes(pdfs.letter_pdf(letter.html, dated=date(2026, 11, 22)))
        made[language] = (path, letter)
    return made


# -- what it says ----------------------------------------------------------------------------

EXPECTED = {
    "nl": ["€ 1.350,00", "€ 1.210,00", "€ 210,00", "2 december 2026", "1 oktober 2026"],
    "fr": ["1 350,00 €", "1 210,00 €", "210,00 €", "2 décembre 2026", "1 octobre 2026"],
    "en": ["€1,350.00", "€1,210.00", "€210.00", "2 December 2026", "1 October 2026"],
}


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_text_holds_amounts_invoices_deadline_and_payment_details(rendered, language):
    path, _ = rendered[language]
    text = text_of(path)
    for expected in EXPECTED[language] + ["2026-0042", "2026-0050", "BE68 5390 0754 7034",
                                          "GKCCBEBB", "+++010/8068/17183+++", "Bakkerij Janssens BV"]:
        assert expected in text, f"{expected!r} missing from the {language} PDF"
    assert "1/1" in text  # the page number, in the footer


def test_the_qr_code_on_page_one_scans_to_the_exact_payment(rendered, tmp_path):
    path, letter = rendered["nl"]
    run("pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", "-singlefile", path, tmp_path / "p1")
    decoded = run("zbarimg", "--raw", "-q", "-Sbinary", tmp_path / "p1.png")
    assert decoded.rstrip(b"\n") == letter.qr_payload.rstrip("\n").encode("utf-8")
    assert "EUR1350.00" in letter.qr_payload and "<svg" in letter.html
    # Kept as a vector drawing: the PDF has no image, the QR code is paths.
    assert run("pdfimages", "-list", path).decode().count("\n") <= 2


def test_a_screenshot_of_page_one_for_review(rendered):
    path, _ = rendered["nl"]
    SCREENSHOTS.mkdir(exist_ok=True)  # git-ignored: looked at, never committed
    run("pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", "-singlefile", path,
        SCREENSHOTS / "reminder-nl")
    assert (SCREENSHOTS / "reminder-nl.png").read_bytes().startswith(b"\x89PNG")


# -- where the address is ----------------------------------------------------------------------


def address_words(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    """The words below the return-address line and above the letter body (50 to 100 mm)."""
    return [w for w in words(pdf) if 50 <= w[3] and w[4] <= 100]


def assert_inside_window(pdf: Path, window: str, *lines: str) -> list[tuple]:
    x0, x1, y0, y1 = WINDOW[window]
    found = address_words(pdf)
    assert found
    for text, wx0, wx1, wy0, wy1 in found:
        assert x0 - 0.2 <= wx0 and wx1 <= x1 + 0.2 and y0 <= wy0 and wy1 <= y1 + 0.2, (
            f"{text!r} at x {wx0:.1f}-{wx1:.1f} mm, y {wy0:.1f}-{wy1:.1f} mm is outside the window"
        )
    joined = "".join(w[0] for w in found)
    for line in lines:
        assert line.replace(" ", "") in joined, f"{line!r} is not (whole) in the window"
    return found


@pytest.mark.parametrize("window", ["left", "right"])
def test_the_address_lies_inside_the_envelope_window(window, tmp_path):
    letter = letter_of()
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdfs.letter_pdf(letter.html, dated=date(2026, 11, 22), window=window))
    found = assert_inside_window(path, window, "Bakkerij Janssens BV", "t.a.v. Mevrouw De Smet",
                                 "Stationsstraat 5", "2000 Antwerpen")
    assert min(w[1] for w in found) == pytest.approx(WINDOW[window][0], abs=0.5)
    assert 52 < min(w[3] for w in found) < 56  # under the 5 mm return line and 3 mm space


def test_an_address_too_long_for_the_window_is_set_smaller_never_cut(tmp_path):
    case = make_case(
        name="Vereniging zonder winstoogmerk Koninklijke Harmonie en Fanfare Sint-Cecilia van "
             "Oud-Heverlee-Zuid en Omstreken",
        contact="De heer Maximiliaan Van den Broeck-Vanderlinden de Schoutheete",
        address=Address("Grote Steenweg op Oudenaarde-Kortrijk 1234 bus 56 (achterzijde, tweede "
                        "verdieping, links)", "9000", "Gent-Sint-Amandsberg-Oostakker", "België"),
    )
    path = tmp_path / "long.pdf"
    path.write_bytes(pdfs.letter_pdf(letter_of(case).html, dated=date(2026, 11, 22)))
    found = assert_inside_window(path, "left", "Vereniging zonder winstoogmerk", "Schoutheete",
                                 "(achterzijde, tweede verdieping, links)",
                                 "9000 Gent-Sint-Amandsberg-Oostakker", "België")
    heights = [w[4] - w[3] for w in found]
    assert 2.5 < max(heights) < 4.5  # smaller than the usual 11 pt, still readable (>= 7 pt)


# -- long content -------------------------------------------------------------------------------


def test_a_statement_of_40_invoices_flows_over_pages_with_its_header_repeated(tmp_path):
    invoices = tuple(
        Invoice(number=f"2026-{n:04d}", issued=date(2026, 1, 1) + timedelta(days=n),
                due=date(2026, 2, 1) + timedelta(days=n), amount=D("100.00") + n,
                case_id="janssens", description=f"Werk {n}")
        for n in range(1, 41)
    )
    letter = letter_of(make_case(invoices=invoices, payments=()),
                       invoices=tuple(i.number for i in invoices))
    path = tmp_path / "many.pdf"
    path.write_bytes(pdfs.letter_pdf(letter.html, dated=date(2026, 11, 22)))
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", path).decode())[1])
    assert pages >= 2
    text = text_of(path)
    table_rows = re.findall(r"^ *(2026-\d{4}) +\d+ \w+ 2026 ", text, re.M)
    assert sorted(set(table_rows)) == [f"2026-{n:04d}" for n in range(1, 41)]
    for page in range(1, pages + 1):
        on_page = text_of(path, page)
        assert f"{page}/{pages}" in on_page
        if page <= 2:
            assert "Factuurdatum" in on_page, f"no table header on page {page}"
    assert "€ 4.820,00" in text and "Scan met uw bankapp" in text


# -- the file ---------------------------------------------------------------------------------

RENDER_AGAIN = """
import sys
from datetime import date
from pathlib import Path
from casebook.letters.pdf import letter_pdf
html = Path(sys.argv[1]).read_text("utf-8")
sys.stdout.buffer.write(letter_pdf(html, dated=date(2026, 11, 22)))
"""


def test_the_same_letter_gives_the_same_bytes_in_any_process(rendered, tmp_path):
    path, letter = rendered["nl"]
    again = pdfs.letter_pdf(letter.html, dated=date(2026, 11, 22))
    assert again == path.read_bytes()
    (tmp_path / "page.html").write_text(letter.html, "utf-8")
    other = subprocess.run([sys.executable, "-c", RENDER_AGAIN, str(tmp_path / "page.html")],
                           capture_output=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert other.returncode == 0, other.stderr.decode()
    assert other.stdout == again
    later = pdfs.letter_pdf(letter.html, dated=date(2026, 12, 1))
    assert later != again  # the date is the letter's, not the clock's


def test_pdf_a_with_the_letters_dates_and_every_font_embedded(rendered):
    path, _ = rendered["fr"]
    info = run("pdfinfo", "-isodates", path).decode()
    field = dict(re.findall(r"^([\w ]+):\s+(.*)$", info, re.M))
    assert field["PDF version"] == "1.7" and field["Page size"] == "595.276 x 841.89 pts (A4)"
    assert field["CreationDate"].startswith("2026-11-22T00:00:00")
    assert field["ModDate"].startswith("2026-11-22T00:00:00")
    assert field["Title"].startswith("Rappel") and field["Creator"] == "casebook"
    meta = run("pdfinfo", "-meta", path).decode()
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta  # PDF/A-3b
    assert b"/S /GTS_PDFA1" in inflated(path)  # with its sRGB output intent
    rows = run("pdffonts", path).decode().splitlines()[2:]
    assert rows
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert emb == "yes", row
        assert name.split("+")[1].startswith("Casebook-Sans"), f"not the shipped font: {row}"


def _font_folder_of_a_worker() -> str:
    return str(pdfs._setup(os.getpid(), "left")[0]._folder)


def test_a_forked_worker_removes_its_copy_of_the_fonts_when_it_ends():
    # WeasyPrint copies the shipped fonts into a temporary folder per process; a forked
    # worker (advance renders on every core) must not leave it behind.
    pool = multiprocessing.get_context("fork").Pool(processes=1)
    try:
        folder = pool.apply(_font_folder_of_a_worker)
        assert Path(folder).is_dir() and folder != _font_folder_of_a_worker()
    finally:
        pool.close()
        pool.join()
    assert not Path(folder).exists()


# -- nothing fetched ----------------------------------------------------------------------------


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_letter_fetches_nothing_from_the_network_or_the_disk(tmp_path, caplog):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        # Through the book: an invoice description with Markdown and HTML images.
        bad = Invoice(number="2026-0066", issued=date(2026, 10, 1), due=date(2026, 10, 31),
                      amount=D("10.00"), case_id="janssens",
                      description=f'![x]({url}/md.png) <img src="{url}/html.png"> '
                                  '<img src="file:///etc/passwd">')
        letter = letter_of(make_case(invoices=(bad,), payments=()), invoices=("2026-0066",))
        # And straight in the page, as if the page had been built wrongly.
        html = letter.html.replace("</body>", (
            f'<img src="{url}/raw.png"><img src="file:///etc/passwd"><img src="../../../../etc/hosts">'
            f'<link rel="stylesheet" href="{url}/s.css"><style>@import url("{url}/i.css");'
            f'body {{ background: url("file:///etc/passwd") }}</style>'
            f'<svg><image href="{url}/svg.png" width="10" height="10"/></svg></body>'))
        path = tmp_path / "hostile.pdf"
        path.write_bytes(pdfs.letter_pdf(html, dated=date(2026, 11, 22)))
    finally:
        server.shutdown()
        server.server_close()
    assert _Counting.hits == []
    assert "2026-0066" in text_of(path) and "root:" not in text_of(path)
    assert run("pdfimages", "-list", path).decode().count("\n") <= 2  # no image made it in


def test_the_fetcher_serves_the_shipped_assets_only():
    fetcher = pdfs.AssetsOnly()
    font = pdfs.ASSETS / "fonts" / "DejaVuSans.ttf"
    assert fetcher.fetch(font.as_uri()).read()[:4] == b"\x00\x01\x00\x00"
    for url in ("file:///etc/passwd", (pdfs.ASSETS / ".." / "pdf.py").as_uri(),
                pdfs.ASSETS.as_uri() + "/../pdf.py", "http://example.com/x.png",
                "data:image/png;base64,iVBORw0KGgo=", "file://otherhost/etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# -- the book's setting, the email ------------------------------------------------------------------


def fake_pdf(html, *, dated, window="left"):
    return f"%PDF-fake {dated} {window}".encode()


@pytest.mark.parametrize("setting,channel,expected", [
    (None, "letter", False), ("none", "registered", False), ("paper", "letter", True),
    ("paper", "registered", True), ("paper", "email", False), ("all", "email", True),
    ("all", "phone", False), ("all", "agency", False),
])
def test_which_actions_get_a_pdf(monkeypatch, setting, channel, expected):
    monkeypatch.setattr(pdfs, "letter_pdf", fake_pdf)
    settings = {"letters": {"pdf": setting, "window": "right"}} if setting else {}
    case = make_case()
    files = letters.render_action(make_book(case, **settings), case, action(channel=channel),
                                  book_root=Path("/none"))
    pdf = files.get("actions/2026-11-22-reminder.pdf")
    assert (pdf is not None) == expected
    if expected:
        assert pdf == b"%PDF-fake 2026-11-22 right"


def test_an_email_attaches_the_pdf_beside_the_html_named_in_its_language(monkeypatch):
    monkeypatch.setattr(pdfs, "letter_pdf", fake_pdf)
    for language, name in [("nl", "herinnering-2026-0042-2026-11-22.pdf"),
                           ("fr", "rappel-2026-0042-2026-11-22.pdf"),
                           ("en", "reminder-2026-0042-2026-11-22.pdf")]:
        case = make_case(language=language)
        book = make_book(case, letters={"pdf": "all"})
        raw = letters.render_action(book, case, action(), book_root=Path("/none"))["actions/2026-11-22-reminder.eml"]
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        _, html, attached = msg.iter_parts()
        assert html.get_filename() == "2026-11-22-reminder.html"
        assert attached.get_content_type() == "application/pdf"
        assert attached.get_filename() == name
        assert attached.get_content() == b"%PDF-fake 2026-11-22 left"
        # The fast MIME assembly writes what the email package's own calls write.
        monkeypatch.setattr(mail, "_FAST_MIME", False)
        slow = letters.render_action(book, case, action(), book_root=Path("/none"))["actions/2026-11-22-reminder.eml"]
        monkeypatch.setattr(mail, "_FAST_MIME", True)
        assert slow == raw


def test_pdf_file_names_say_what_the_letter_is_and_are_safe():
    name = letters.pdf_filename
    when = date(2026, 11, 2)
    assert name(language="nl", template="reminder", invoices=["2026-0097"], when=when) == \
        "herinnering-2026-0097-2026-11-02.pdf"
    assert name(language="fr", template="formal-notice", invoices=["F/26 097"], when=when) == \
        "mise-en-demeure-F-26-097-2026-11-02.pdf"
    assert name(language="en", template="thanks", invoices=[], when=when) == "thank-you-2026-11-02.pdf"
    assert name(language="nl", template="my-own", invoices=["../../é"], when=when) == \
        "brief-2026-11-02.pdf"
    assert name(language="de", template="reminder", invoices=["1"], when=when) == "reminder-1-2026-11-02.pdf"


def test_check_names_a_wrong_letters_setting(make_book):
    root = make_book({"casebook.yaml": SETTINGS + "letters: {pdf: sometimes, window: top}\n"})
    _, problems = check(root)
    said = [str(p) for p in problems]
    assert any("casebook.yaml" in p and "sometimes" in p for p in said), said
    assert any("top" in p for p in said), said


# -- end to end ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_advance_commits_the_pdf_and_the_email_carries_it(make_book, smtp, tmp_path):  # noqa: F811
    port, server = smtp
    root = make_book({"casebook.yaml": SETTINGS + "letters: {pdf: all}\n"
                      f"mail: {{send: true, host: 127.0.0.1, port: {port}}}\n"})
    day = date(2026, 10, 8)
    planned = advance(root, today=day, dry_run=True)
    assert "cases/janssens/actions/2026-10-08-reminder.pdf" in planned.taken[0].files

    report = advance(root, today=day)
    assert [t.action.case_id for t in report.taken] == ["janssens"]
    rel = "cases/janssens/actions/2026-10-08-reminder"
    assert f"{rel}.pdf" in report.taken[0].files
    committed = git(root, "show", "--name-only", "--format=", report.taken[0].commit).split()
    assert sorted(committed) == [f"{rel}.{ext}" for ext in ("eml", "html", "md", "pdf", "yaml")]
    assert "- 2026-10-08-reminder.pdf" in (root / f"{rel}.yaml").read_text()
    assert git(root, "status", "--porcelain") == ""

    assert len(server.messages) == 1
    msg = BytesParser(policy=policy.default).parsebytes(server.messages[0][2])
    attached = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert [p.get_filename() for p in attached] == ["herinnering-2026-0001-2026-10-08.pdf"]
    data = attached[0].get_content()
    assert data == (root / f"{rel}.pdf").read_bytes()
    received = tmp_path / "received.pdf"
    received.write_bytes(data)
    text = text_of(received)
    assert "2026-0001" in text and "€ 1.210,00" in text  # the case's balance
