"""Untrusted text never runs script on the site.

XSS payloads go into everything a book editor (or an imported file) controls: debtor names,
contacts, addresses, tags, invoice descriptions and numbers, notes (front matter and
Markdown body), payment references and file names. The book is advanced (letters rendered
from those names) and the site built; every HTML page is then parsed and every tag and
attribute checked: no script but the site's own file, no event handler, no `javascript:`
(or `data:`, `vbscript:`) URL, no base, meta refresh, frame or object, and the
Content-Security-Policy meta on every page.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casebook.record.advance import advance
from casebook.site import build_site

from ..conftest import git

PAYLOADS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "\"><svg onload=alert('xss-3')>",
    "javascript:alert('xss-4')",
    "'';!--\"<XSS-5>=&{()}",
    "<a href=\"javascript:alert('xss-6')\">x</a>",
    "[click](javascript:alert('xss-7'))",
    "<iframe src=//evil.example/xss-8></iframe>",
    "</title><script>alert('xss-9')</script>",
    "<style>@import 'http://evil.example/xss-10.css';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-11')>",
    "<<script>script>alert('xss-12')<</script>/script>",
    "&#x6A;avascript:alert('xss-13')",
    "[x](JaVaScRiPt:alert('xss-14'))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxNSk8L3NjcmlwdD4=)",
    "<https://evil.example/\" onmouseover=\"alert('xss-16')>",
    "![img](x\" onerror=\"alert('xss-17'))",
    "<base href=\"//evil.example/xss-18/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('xss-19')\">",
    "{{ 7 * 7 }}{% raw %}xss-20{% endraw %}",
    "<object data=\"javascript:alert('xss-21')\"></object>",
    "<form action=\"javascript:alert('xss-22')\"><button>x</button></form>",
    "<div style=\"background:url(javascript:alert('xss-23'))\">x</div>",
    "\u2028<script>alert('xss-24')</script>\u2029",
    "[a](vbscript:msgbox('xss-25'))",
]
ALL = " ".join(PAYLOADS)

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster",
                  "background", "data", "cite", "longdesc", "ping", "manifest", "codebase"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base",
                  "math", "portal", "xss-5"}
SITE_CSP = "default-src 'none'; script-src 'self'"
LETTER_CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'"


def yaml_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def hostile_book(make_book) -> Path:
    name = yaml_text(PAYLOADS[0] + " " + PAYLOADS[2] + " Bakkerij")
    files = {
        "cases/janssens/debtor.yaml": (
            f"name: {name}\nemail: info@janssens.be\ncontact: {yaml_text(PAYLOADS[1])}\n"
            f"address: {{street: {yaml_text(PAYLOADS[8])}, postcode: '9000', "
            f"city: {yaml_text(PAYLOADS[10])}, country: BE}}\n"
            f"owner: {yaml_text(PAYLOADS[4])}\ntags: [{yaml_text(PAYLOADS[5])}]\n"
        ),
        "cases/janssens/invoices/2026-0002.yaml": (
            "number: " + yaml_text("2026-<b>0002</b>\"'><img src=x onerror=alert('xss-26')>")
            + "\nissued: 2026-09-01\ndue: 2026-10-01\namount: '250.00'\n"
            f"description: {yaml_text(ALL)}\n"
            f"attachment: {yaml_text('invoices/<svg onload=x>.pdf')}\n"
        ),
        "cases/janssens/payments/2026-10-15-1.yaml": (
            f"date: 2026-10-15\namount: '10.00'\nreference: {yaml_text(PAYLOADS[6])}\n"
            f"source: {yaml_text(PAYLOADS[3])}\n"
        ),
        "cases/janssens/notes/2026-10-20-<img src=x onerror=alert('xss-27')>.md": (
            f"---\ndate: 2026-10-20\nchannel: phone\nwith: {yaml_text(PAYLOADS[11])}\n"
            f"by: {yaml_text(PAYLOADS[12])}\n---\n\n" + "\n\n".join(PAYLOADS) + "\n"
        ),
        "cases/janssens/notes/2026-10-21-promise.md": (
            "---\ndate: 2026-10-21\npromise: {date: 2026-10-25}\n"
            f"with: {yaml_text(PAYLOADS[16])}\n---\n\n{PAYLOADS[13]} {PAYLOADS[14]}\n"
        ),
    }
    return make_book(files)


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)


def scheme(value: str) -> str:
    """The URL scheme a browser would see (it drops whitespace and control characters)."""
    cleaned = re.sub(r"[\x00-\x20\x7f-\x9f]", "", value).lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned.split("/", 1)[0] else ""


def problems_of(path: Path, html: str, *, letter: bool) -> list[str]:
    page = Page()
    page.feed(html)
    found = []
    metas = [dict(a) for t, a in page.tags if t == "meta"]
    csp = [m.get("content") or "" for m in metas
           if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    expected = LETTER_CSP if letter else SITE_CSP
    script_policy = ""
    if csp and "script-src" in csp[0]:
        script_policy = csp[0].split("script-src", 1)[1].split(";")[0]
    if not csp or not csp[0].startswith(expected) or "unsafe" in script_policy:
        found.append(f"{path}: no Content-Security-Policy meta ({csp})")
    for tag, attrs in page.tags:
        if tag in FORBIDDEN_TAGS:
            found.append(f"{path}: <{tag}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if letter or not src.endswith("assets/site.js"):
                found.append(f"{path}: <script {attrs}>")
        if tag == "form" and (letter or dict(attrs).get("action") is not None):
            found.append(f"{path}: <form {attrs}>")  # only the site's own search, no action
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            found.append(f"{path}: meta refresh")
        if tag == "link" and (dict(attrs).get("rel") or "").lower() not in ("stylesheet", "icon"):
            found.append(f"{path}: <link {attrs}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                found.append(f"{path}: <{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES:
                used = scheme(value)
                if used in ("javascript", "vbscript") or (
                    used == "data" and not (tag == "img" and value.startswith("data:image/"))
                ):
                    found.append(f"{path}: <{tag} {name}={value!r}>")
            if name == "style" and re.search(r"expression\(|javascript:|url\(", value, re.I):
                found.append(f"{path}: <{tag} style={value!r}>")
    if page.script_text:
        found.append(f"{path}: inline script {page.script_text[:1]}")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from ..conftest import INVOICE, POLICY, SETTINGS, write_files

    class _Maker:
        def __call__(self, files):
            root = tmp_path_factory.mktemp("xss") / "book"
            write_files(root, {"casebook.yaml": SETTINGS, "policies/standard.yaml": POLICY,
                               "cases/janssens/invoices/2026-0001.yaml": INVOICE, **files})
            git(root, "init", "-q", "-b", "main")
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "hostile book")
            return root

    root = hostile_book(_Maker())
    report = advance(root, today=date(2026, 11, 24), send_mail=False)
    assert report.taken, "the hostile names must reach letters too"
    out = root.parent / "site"
    build_site(root, out=out, today=date(2026, 11, 24))
    return root, out


def test_the_hostile_book_is_read_as_written(built):
    from casebook.book.load import load_book

    root, _ = built
    case = load_book(root).book.cases["janssens"]
    assert PAYLOADS[0] in case.name
    assert any(PAYLOADS[22] in invoice.description for invoice in case.invoices)


def test_no_page_of_the_site_can_run_script(built):
    root, out = built
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 3
    found = []
    for path in pages:
        rel = path.relative_to(out).as_posix()
        html = path.read_text(encoding="utf-8")
        letter = re.search(r"/\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.html$", rel) is not None
        found += problems_of(Path(rel), html, letter=letter)
    assert found == []


def test_the_payloads_are_shown_as_text(built):
    root, out = built
    debtor_pages = [p for p in out.rglob("*.html")
                    if "janssens" in p.name or "janssens" in str(p.parent)]
    assert debtor_pages
    text = "".join(p.read_text(encoding="utf-8") for p in debtor_pages)
    assert "&lt;script&gt;alert(" in text  # escaped, visible to the reader
    assert "{{ 7 * 7 }}" in text  # never evaluated as a template


def test_letters_with_hostile_names_stay_inert(built):
    root, _ = built
    letters = sorted(root.glob("cases/janssens/actions/*.html"))
    assert letters
    for path in letters:
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        assert not [t for t, a in page.tags
                    if t == "script" or any(n.startswith("on") for n, _ in a)]
        assert not [a for t, a in page.tags for n, v in a
                    if n in URL_ATTRIBUTES and scheme(v or "") in ("javascript", "vbscript")]
