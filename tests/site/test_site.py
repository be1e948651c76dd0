"""The static site: what it writes, how it rebuilds, and that nothing in a note can act.

The book below is shared with the golden-file and browser tests (`site_book`): a few
debtors in every state the overview lists, a hostile one, and a history of several
commits by different people at fixed dates (so commit ids are the same on every run).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from casebook.book.errors import BookError
from casebook.site import build_site
from casebook.site.build import with_csp
from casebook.site.markup import markdown
from casebook.site.writer import MANIFEST, Writer

from ..conftest import POLICY, SETTINGS

TODAY = date(2026, 11, 24)
HOSTILE_NAME = '<img src=x onerror="window.pwned=1">Evil & Co'
HOSTILE_NOTE = """\
---
date: 2026-11-03
channel: email
with: "<b>Mallory</b>"
by: Lotte
dispute: {invoice: "2026-0300", reason: "<script>window.pwned=2</script>"}
---

Please <script>window.pwned = 3; document.title = "pwned";</script> pay.

[click me](javascript:window.pwned=4) and [tab](java\tscript:window.pwned=5)
and [data](data:text/html,<script>window.pwned=6</script>)

<img src="x" onerror="window.pwned=7">

![tracker](https://tracker.example/pixel.png)

A fine link: [our terms](https://example.com/terms) and <mailto:help@example.com>.
"""

def _invoice(number: str, issued: str, due: str, amount: str) -> str:
    return f'number: "{number}"\nissued: {issued}\ndue: {due}\namount: "{amount}"\n'


def _action(day: str, stage: str, channel: str, balance: str, files: list[str]) -> str:
    listed = ", ".join(files)
    return (
        f"date: {day}\nkind: stage\nstage: {stage}\nchannel: {channel}\n"
        f'balance: "{balance}"\ntotal: "{balance}"\ninvoices: ["2026-0001"]\nfiles: [{listed}]\n'
    )


LETTER_HTML = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Herinnering</title>
<style>body { font-family: serif; }</style></head>
<body><h1>Herinnering</h1><p>Factuur 2026-0001: EUR 1.210,00.</p></body></html>
"""

# (author, date, message, files) in the order they are committed.
COMMITS: list[tuple[str, str, str, dict[str, str]]] = [
    ("Lotte Maes", "2026-09-01T09:00:00+02:00", "Start the book", {
        "casebook.yaml": SETTINGS,
        "policies/standard.yaml": POLICY,
        "cases/janssens/debtor.yaml": (
            "name: Bakkerij Janssens BV\nsegment: standard\nemail: info@janssens.example\n"
            "phone: \"+32 9 123 45 67\"\ncontact: Kristel Janssens\nowner: Lotte\n"
            "address: {street: Veldstraat 1, postcode: \"9000\", city: Gent, country: BE}\n"
            "tags: [bakery, gent]\n"
        ),
        "cases/janssens/invoices/2026-0001.yaml": _invoice("2026-0001", "2026-09-01", "2026-10-01", "1210.00"),
        "cases/peeters/debtor.yaml": "name: Transport Peeters NV\nemail: fin@peeters.example\nowner: Wim\n",
        "cases/peeters/invoices/2026-0002.yaml": _invoice("2026-0002", "2026-11-10", "2026-12-10", "800.00"),
        "cases/dubois/debtor.yaml": "name: Menuiserie Dubois SRL\nlanguage: fr\nemail: compta@dubois.example\n",
        "cases/dubois/invoices/2026-0100.yaml": _invoice("2026-0100", "2026-08-15", "2026-09-14", "2420.00"),
        "cases/vermeulen/debtor.yaml": "name: Garage Vermeulen\nemail: garage@vermeulen.example\n",
        "cases/vermeulen/invoices/2026-0050.yaml": _invoice("2026-0050", "2026-07-01", "2026-07-31", "350.00"),
        "cases/hostile/debtor.yaml": f"name: '{HOSTILE_NAME}'\nemail: evil@evil.example\ntags: ['<b>x</b>']\n",
        "cases/hostile/invoices/2026-0300.yaml": _invoice("2026-0300", "2026-09-20", "2026-10-20", "99.00"),
    }),
    ("casebook", "2026-10-08T07:00:00+02:00",
     "janssens: reminder by email\n\nCasebook-Case: janssens\nCasebook-Stage: reminder", {
        "cases/janssens/actions/2026-10-08-reminder.yaml": _action(
            "2026-10-08", "reminder", "email", "1210.00",
            ["2026-10-08-reminder.md", "2026-10-08-reminder.html"]),
        "cases/janssens/actions/2026-10-08-reminder.md": (
            "Beste Kristel,\n\nFactuur **2026-0001** staat nog open.\n"),
        "cases/janssens/actions/2026-10-08-reminder.html": LETTER_HTML,
    }),
    ("Wim Vanhove", "2026-10-09T10:30:00+02:00", "Vermeulen paid", {
        "cases/vermeulen/payments/2026-10-09.yaml": 'date: 2026-10-09\namount: "350.00"\nsource: bank\n',
    }),
    ("casebook", "2026-10-15T07:00:00+02:00",
     "janssens: call by phone\n\nCasebook-Case: janssens\nCasebook-Stage: call", {
        "cases/janssens/actions/2026-10-15-call.yaml": _action(
            "2026-10-15", "call", "phone", "1210.00", []),
    }),
    ("Lotte Maes", "2026-11-02T14:00:00+01:00", "Janssens paid part, Dubois promises", {
        "cases/janssens/payments/2026-11-02.yaml": (
            'date: 2026-11-02\namount: "400.00"\ninvoice: "2026-0001"\nsource: bank\n'),
        "cases/dubois/notes/2026-11-20-promise.md": (
            "---\ndate: 2026-11-20\nchannel: phone\nwith: Marc Dubois\nby: Lotte\n"
            "promise: {date: 2026-11-27, amount: \"1000.00\"}\n---\n\nMarc pays **1000** next week.\n"),
    }),
    ("Lotte Maes", "2026-11-03T16:00:00+01:00", "Note from the hostile debtor", {
        "cases/hostile/notes/2026-11-03-mail.md": HOSTILE_NOTE,
    }),
]


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True,
        env={**os.environ, **(env or {})},
    ).stdout


def commit_files(root: Path, author: str, when: str, message: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    email = author.split()[0].lower() + "@studionoord.example"
    env = {
        "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": when,
    }
    git(root, "add", "--", *files)
    git(root, "commit", "-q", "-m", message, env=env)


def write_site_book(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for author, when, message, files in COMMITS:
        commit_files(root, author, when, message, files)
    return root


@pytest.fixture
def site_book(tmp_path: Path) -> Path:
    return write_site_book(tmp_path / "book")


def build(root: Path, out: Path, today: date = TODAY):
    return build_site(root, out=out, today=today)


def figure(html: str, ident: str) -> str:
    """The machine-readable value of the first <data> inside the element with id `ident`."""
    match = re.search(rf'id="{ident}".*?<data[^>]*value="([^"]*)"', html, re.S)
    assert match, ident
    return match.group(1)


# -- what a build writes --------------------------------------------------------------------


def test_build_writes_every_page_with_relative_links(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    built = build(site_book, out)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert pages == [
        MANIFEST,
        ".casebook-history.json",
        "assets/site.css",
        "assets/site.js",
        "debtors/dubois.html",
        "debtors/hostile.html",
        "debtors/janssens.html",
        "debtors/janssens/2026-10-08-reminder.html",
        "debtors/peeters.html",
        "debtors/vermeulen.html",
        "forecast.html",
        "index.html",
    ]
    assert built.index == out / "index.html"
    for page in out.rglob("*.html"):
        html = page.read_text("utf-8")
        # every link and resource stays inside the site: no scheme, no absolute path
        for url in re.findall(r'(?:href|src)="([^"]*)"', html):
            if page.parent.name != "janssens" and not url.startswith(("https://", "mailto:")):
                assert not re.match(r"^[a-z]+:|^/", url), (page, url)


def test_overview_totals_equal_status_json(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    result = CliRunner().invoke(main, ["status", "--json", "--book", str(site_book),
                                       "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    html = (out / "index.html").read_text("utf-8")
    assert figure(html, "total-outstanding") == status["totals"]["open"]
    assert figure(html, "total-overdue") == status["totals"]["overdue"]
    assert figure(html, "total-dso") == status["totals"]["dso"]
    for bucket, amount in status["aging"].items():
        assert figure(html, "aging") and re.search(
            rf'data-bucket="{re.escape(bucket)}".*?value="{re.escape(amount)}"', html, re.S
        ), bucket
    assert status["totals"]["open"] == "4129.00"  # 810 + 800 + 2420 + 0 + 99: not a vacuous match


def test_overview_lists_the_work_of_the_week(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    html = (out / "index.html").read_text("utf-8")
    section = lambda ident: html.split(f'id="{ident}"', 1)[1].split("</section>", 1)[0]  # noqa: E731
    assert "Bakkerij Janssens BV" in section("tasks") and ">telefoongesprek<" in section("tasks")
    assert "Menuiserie Dubois SRL" in section("promises") and "2026-11-27" in section("promises")
    assert "2026-0300" in section("disputes")
    assert "Evil &amp; Co" in section("disputes")
    assert 'data-case="vermeulen" data-status="closed"' in html


def test_debtor_page_shows_claim_invoices_letters_and_timeline(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    html = (out / "debtors/janssens.html").read_text("utf-8")
    assert figure(html, "claim-principal") == "810.00"
    assert "Kristel Janssens" in html and "Veldstraat 1" in html
    assert 'href="../debtors/janssens/2026-10-08-reminder.html"' in html
    assert "Factuur <strong>2026-0001</strong> staat nog open." in html
    shas = git(site_book, "log", "--format=%H", "--", "cases/janssens").split()
    assert len(shas) == 4
    assert re.findall(r'<li data-sha="([0-9a-f]{40})"', html) == shas  # newest first
    assert "janssens: call by phone" in html and "Wim Vanhove" not in html.split('id="timeline"')[1]


def test_printable_letter_is_copied_with_a_policy_that_forbids_script(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    copy = (out / "debtors/janssens/2026-10-08-reminder.html").read_text("utf-8")
    assert copy.startswith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
                           "content=\"default-src 'none'; style-src 'self' 'unsafe-inline'")
    assert copy.endswith(LETTER_HTML.split("<!DOCTYPE html>", 1)[1])
    assert with_csp(b"<p>x</p>").startswith(b'<meta http-equiv="Content-Security-Policy"')


# -- untrusted text ---------------------------------------------------------------------------


def test_hostile_note_and_name_render_as_text(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    html = (out / "debtors/hostile.html").read_text("utf-8")
    assert "<script>" not in html.replace('<script src="', "")
    assert "<img" not in html and "onerror=" not in html.replace("onerror=&#34;", "").replace(
        "onerror=&quot;", "")
    assert "javascript:" not in re.findall(r'href="([^"]*)"', html).__str__()
    assert "&lt;script&gt;window.pwned = 3;" in html
    assert "[click me](javascript:window.pwned=4)" in html
    assert "tracker.example" not in re.findall(r'src="([^"]*)"', html).__str__()
    assert '<a rel="noopener noreferrer nofollow" href="https://example.com/terms">our terms</a>' in html
    assert "&lt;img src=x onerror=&#34;window.pwned=1&#34;&gt;Evil &amp; Co" in html
    overview = (out / "index.html").read_text("utf-8")
    assert "<img" not in overview and "&lt;b&gt;x&lt;/b&gt;" in overview


@pytest.mark.parametrize("source", [
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](java\tscript:alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](file:///etc/passwd)",
    "[a](relative/page.html)",
    "<javascript:alert(1)>",
    "![a](https://tracker.example/p.png)",
    "<script>alert(1)</script>",
    "<a href=\"https://x.example\" onclick=\"alert(1)\">x</a>",
])
def test_markdown_keeps_no_active_content(source: str) -> None:
    html = str(markdown(source))
    assert "<script" not in html and "<img" not in html and "onclick=\"" not in html
    assert not re.search(r'href="(?!https?:|mailto:)', html), html


def test_markdown_keeps_safe_links_and_formatting() -> None:
    html = str(markdown("**Paid** [bank](https://bank.example) <mailto:a@b.example>"))
    assert "<strong>Paid</strong>" in html
    assert 'href="https://bank.example"' in html and 'href="mailto:a@b.example"' in html


# -- determinism and incremental builds -------------------------------------------------------


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_same_book_gives_byte_identical_sites(site_book: Path, tmp_path: Path) -> None:
    build(site_book, tmp_path / "a")
    build(site_book, tmp_path / "b")
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a)
    build(site_book, tmp_path / "c", today=date(2026, 11, 25))
    assert files_of(tmp_path / "c")["index.html"] != a["index.html"]


def mtimes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_rebuild_after_one_case_changed_rewrites_only_what_depends_on_it(
    site_book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    before = mtimes(out)
    again = build(site_book, out).report
    assert again.written == [] and again.unchanged == [] and mtimes(out) == before
    commit_files(site_book, "Wim Vanhove", "2026-11-23T09:00:00+01:00", "Peeters paid", {
        "cases/peeters/payments/2026-11-23.yaml": 'date: 2026-11-23\namount: "800.00"\n',
    })
    report = build(site_book, out).report
    assert report.written == ["debtors/peeters.html", "forecast.html", "index.html"]
    after = mtimes(out)
    changed = sorted(k for k in after if after[k] != before[k])
    assert changed == [MANIFEST, ".casebook-history.json", "debtors/peeters.html",
                       "forecast.html", "index.html"]
    assert "debtors/janssens.html" in report.skipped
    # the history read since the last build gives the pages a full read gives
    build(site_book, tmp_path / "fresh")
    fresh, rebuilt = files_of(tmp_path / "fresh"), files_of(out)
    assert all(fresh[p] == rebuilt[p] for p in fresh if p.endswith(".html"))
    assert b"Peeters paid" in rebuilt["debtors/peeters.html"]


def test_rendered_again_but_identical_is_not_written(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    before = mtimes(out)
    (out / MANIFEST).unlink()
    report = build(site_book, out).report
    pages = {k: v for k, v in before.items() if not k.startswith(".")}
    assert report.written == [] and report.unchanged == sorted(pages) and len(pages) == 10
    assert {k: v for k, v in mtimes(out).items() if k in pages} == pages


def test_a_deleted_case_loses_its_pages_and_nothing_else(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    (tmp_path / "site").mkdir()
    (out / "notes-of-mine.txt").write_text("not the site's")
    build(site_book, out)
    git(site_book, "rm", "-r", "-q", "cases/janssens")
    git(site_book, "commit", "-q", "-m", "janssens gone")
    report = build(site_book, out).report
    assert report.removed == ["debtors/janssens.html", "debtors/janssens/2026-10-08-reminder.html"]
    assert not (out / "debtors/janssens").exists()
    assert (out / "notes-of-mine.txt").read_text() == "not the site's"


def test_writer_refuses_two_pages_on_one_path_and_paths_outside(tmp_path: Path) -> None:
    writer = Writer(tmp_path / "out")
    writer.add("index.html", "k", lambda: b"")
    with pytest.raises(BookError, match="two pages"):
        writer.add("index.html", "k2", lambda: b"")
    for bad in ("../escape.html", "/etc/passwd", "a/../../b.html", "a//b.html", "", MANIFEST,
                "debtors/x y.html", "debtors\\..\\x.html"):
        with pytest.raises(BookError, match="cannot write"):
            writer.add(bad, "k", lambda: b"")
    assert not (tmp_path / "escape.html").exists()


def test_site_is_never_written_over_the_book(site_book: Path) -> None:
    with pytest.raises(BookError, match="holds the book"):
        build(site_book, site_book)


# -- themes -----------------------------------------------------------------------------------


def test_a_book_overrides_one_template(site_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(site_book, out)
    (site_book / "site_templates").mkdir()
    (site_book / "site_templates/debtor.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="mine">{{ case.name }}</p>{% endblock %}\n'
    )
    report = build(site_book, out).report
    assert "debtors/janssens.html" in report.written
    html = (out / "debtors/janssens.html").read_text("utf-8")
    assert '<p class="mine">Bakkerij Janssens BV</p>' in html
    assert "Content-Security-Policy" in html  # the shipped base.html still frames it
    assert 'id="debtor-table"' in (out / "index.html").read_text("utf-8")


def test_a_hostile_template_fails_with_its_file_and_line(site_book: Path, tmp_path: Path) -> None:
    (site_book / "site_templates").mkdir()
    (site_book / "site_templates/forecast.html").write_text(
        "line one\n{{ site.__class__.__mro__ }}\n"
    )
    with pytest.raises(BookError, match=r"site_templates/forecast.html:2"):
        build(site_book, tmp_path / "site")


# -- the command ------------------------------------------------------------------------------


def test_cli_builds_into_the_book_by_default(site_book: Path) -> None:
    result = CliRunner().invoke(main, ["site", "--book", str(site_book), "--today", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert f"open {site_book / 'site' / 'index.html'}" in result.output
    assert "10 written" in result.output
    again = CliRunner().invoke(main, ["site", "--book", str(site_book), "--today", "2026-11-24"])
    assert "0 written" in again.output and "10 up to date" in again.output


def test_cli_strict_fails_on_book_problems(site_book: Path, tmp_path: Path) -> None:
    (site_book / "cases/peeters/invoices/bad.yaml").write_text("number: [\n")
    args = ["site", "--book", str(site_book), "--today", "2026-11-24", "--out", str(tmp_path / "s")]
    lenient = CliRunner().invoke(main, args)
    assert lenient.exit_code == 0 and "cases/peeters/invoices/bad.yaml:" in lenient.output
    strict = CliRunner().invoke(main, [*args, "--strict"])
    assert strict.exit_code == 1 and "problem(s) in the book" in strict.output


def test_parallel_build_writes_the_same_site(site_book: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from casebook.site import build as site_build

    build_site(site_book, out=tmp_path / "serial", today=TODAY, jobs=1)
    monkeypatch.setattr(site_build, "PARALLEL_FROM", 1)
    report = build_site(site_book, out=tmp_path / "forked", today=TODAY, jobs=2).report
    assert len(report.written) == 10
    serial, forked = files_of(tmp_path / "serial"), files_of(tmp_path / "forked")
    assert serial == forked


def test_a_parallel_build_keeps_the_holidays_its_workers_computed(
        site_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command keeps what this process knows (`casebook.cli.holidaycache`): without the
    # workers' sets, the first rebuild after a full build imported `holidays` again.
    from casebook.money import workdays
    from casebook.site import build as site_build

    monkeypatch.setattr(workdays, "_KNOWN", {})
    monkeypatch.setattr(site_build, "PARALLEL_FROM", 1)
    build_site(site_book, out=tmp_path / "forked", today=TODAY, jobs=2)
    assert ("BE", TODAY.year) in workdays.computed()


def test_long_lists_are_cut_and_counted(site_book: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from casebook.site import parts

    monkeypatch.setattr(parts, "LIST_LIMIT", 1)
    build(site_book, tmp_path / "site")
    planned = (tmp_path / "site/forecast.html").read_text("utf-8").split('id="planned"')[1]
    assert "De eerste 1 van 2." in planned  # the book's language is nl
    assert "Bakkerij Janssens BV" in planned and "Transport Peeters NV" not in planned
    html = (tmp_path / "site/index.html").read_text("utf-8")
    assert html.count('<tr data-case="') == 5  # the debtor table is never cut


def test_a_long_history_read_in_two_parts_gives_the_same_timelines(
    site_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casebook.site import timeline

    whole = timeline.read_timelines(site_book, tmp_path / "a")
    monkeypatch.setattr(timeline, "SPLIT_FROM", 2)
    monkeypatch.setattr(timeline.os, "cpu_count", lambda: 2)
    parts = timeline._read_in_parts(site_book, whole.head)
    assert len(parts) == 2 and {len(p) for p in parts} == {3}
    split = timeline.read_timelines(site_book, tmp_path / "b")
    assert all(whole.for_case(c) == split.for_case(c) for c in
               ("janssens", "peeters", "dubois", "vermeulen", "hostile"))
    assert [e.subject for e in split.for_case("janssens")][0] == "Janssens paid part, Dubois promises"


def test_a_rate_not_yet_published_is_said_once_by_check_not_on_every_debtor_page(
        make_book, tmp_path: Path) -> None:
    root = make_book({"cases/peeters/debtor.yaml": "name: Peeters BV\n",
                      "cases/peeters/invoices/2026-0002.yaml":
                          'number: "2026-0002"\nissued: 2026-01-01\ndue: 2026-01-31\namount: "500.00"\n'})
    later = date(2028, 1, 10)  # beyond the last rate the book knows
    build_site(root, out=tmp_path / "site", today=later)
    pages = sorted((tmp_path / "site" / "debtors").glob("*.html"))
    assert len(pages) == 2
    for page in pages:
        assert "nog niet bekend" not in page.read_text(encoding="utf-8"), page.name
    checked = CliRunner().invoke(main, ["check", "--today", later.isoformat(), "--book", str(root)])
    assert checked.exit_code == 0
    said = [line for line in checked.output.splitlines() if "be-commercial" in line]
    assert len(said) == 1 and "rates/" in said[0], checked.output


def test_the_debtor_page_links_each_letter_as_sent_in_pdf(make_book, tmp_path: Path) -> None:
    root = make_book({"casebook.yaml": SETTINGS + "letters: {pdf: all}\n"})
    assert CliRunner().invoke(main, ["advance", "--today", "2026-10-08", "--book", str(root)]).exit_code == 0
    build_site(root, out=tmp_path / "site", today=date(2026, 10, 9))
    page = (tmp_path / "site" / "debtors" / "janssens.html").read_text(encoding="utf-8")
    [href] = re.findall(r'href="([^"]+\.pdf)"', page)
    assert href == "../debtors/janssens/2026-10-08-reminder.pdf"
    copied = (tmp_path / "site" / "debtors" / "janssens" / "2026-10-08-reminder.pdf").read_bytes()
    assert copied == (root / "cases/janssens/actions/2026-10-08-reminder.pdf").read_bytes()
    assert copied.startswith(b"%PDF-")
