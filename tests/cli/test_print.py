"""`casebook print`: the day's paper and registered letters as one PDF, read back with poppler
as the person at the printer would; nothing changes in the book unless `--record`."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.book.check import check
from casebook.book.newbook import create_book
from casebook.cli import main
from casebook.record.advance import advance
from casebook.record.demo import play_demo
from tests.conftest import SETTINGS, git
from tests.letters.test_pdf import run as poppler
from tests.letters.test_pdf import text_of

DAY = date(2026, 10, 22)

POLICY = """\
description: Paper post.
stages:
  - {id: reminder, after_due: 7, channel: letter, template: reminder, deadline_days: 10}
  - {id: formal-notice, after_previous: 14, channel: registered, template: formal-notice,
     deadline_days: 15}
"""


def _debtor(name: str, street: str, postcode: str, city: str) -> str:
    return (f"name: {name}\nsegment: standard\n"
            f"address: {{street: {street}, postcode: \"{postcode}\", city: {city}, country: BE}}\n")


def _invoice(number: str, due: str) -> str:
    return (f'number: "{number}"\nissued: 2026-09-01\ndue: {due}\namount: "1210.00"\n')


@pytest.fixture
def book(make_book) -> Path:
    """Janssens' registered formal notice and two reminders by letter, all on DAY."""
    root = make_book({
        "casebook.yaml": SETTINGS + "letters: {pdf: paper}\n",
        "policies/standard.yaml": POLICY,
        "cases/janssens/debtor.yaml": _debtor("Bakkerij Janssens BV", "Markt 1", "9000", "Gent"),
        "cases/peeters/debtor.yaml": _debtor("Transport Peeters NV", "Europalaan 61", "3600",
                                             "Genk"),
        "cases/peeters/invoices/2026-0002.yaml": _invoice("2026-0002", "2026-10-15"),
        "cases/lambert/debtor.yaml": _debtor("Sophie Lambert", "Rue du Château 18", "1300",
                                             "Wavre"),
        "cases/lambert/invoices/2026-0003.yaml": _invoice("2026-0003", "2026-10-15"),
    })
    advance(root, today=date(2026, 10, 8))
    report = advance(root, today=DAY)
    assert sorted((t.action.case_id, str(t.action.channel)) for t in report.taken) == [
        ("janssens", "registered"), ("lambert", "letter"), ("peeters", "letter")]
    return root


def cli(root: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--book", str(root)])


def state(root: Path) -> tuple[str, str]:
    return (git(root, "rev-parse", "HEAD"),
            git(root, "status", "--porcelain", "--untracked-files=all"))


def pages(pdf: Path) -> int:
    return int(re.search(rb"Pages:\s+(\d+)", poppler("pdfinfo", pdf))[1])


def own_pages(root: Path, day: date, *cases: str) -> int:
    """The pages of the letters' own committed PDFs."""
    found = [pdf for case in cases
             for pdf in (root / "cases" / case / "actions").glob(f"{day}-*.pdf")]
    assert len(found) == len(cases)
    return sum(pages(pdf) for pdf in found)


def test_print_puts_the_days_letters_in_one_pdf_and_changes_nothing(book, tmp_path):
    before = state(book)
    out = tmp_path / "post.pdf"
    result = cli(book, "print", "--today", DAY.isoformat(), "--out", str(out))
    assert result.exit_code == 0, result.output
    # the cover list, the registered-post list, then the letters' own pages
    letters = own_pages(book, DAY, "janssens", "peeters", "lambert")
    assert pages(out) == 1 + 1 + letters
    cover, listing = text_of(out, 1), text_of(out, 2)
    for name in ("Bakkerij Janssens BV", "Transport Peeters NV", "Sophie Lambert"):
        assert name in cover
    assert "registered" in cover and "formal-notice" in cover and "reminder" in cover
    assert f"Total {letters} {letters + 2}" in cover
    # registered first, then the others by postcode: Wavre (1300) before Genk (3600)
    order = [cover.index(n) for n in ("Janssens", "Sophie Lambert", "Transport Peeters")]
    assert order == sorted(order)
    assert "Registered letters of 2026-10-22" in listing and "Studio Noord BV" in listing
    assert "Bakkerij Janssens BV" in listing and "Markt 1" in listing and "9000 Gent" in listing
    assert "Registration number" in listing and "Peeters" not in listing
    assert "Bakkerij Janssens BV" in text_of(out, 3)  # the registered letter comes first
    assert state(book) == before


def test_print_of_some_stages_or_channels_only(book, tmp_path):
    out = tmp_path / "reminders.pdf"
    result = cli(book, "print", "--today", DAY.isoformat(), "--stage", "reminder", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert pages(out) == 1 + own_pages(book, DAY, "peeters", "lambert")  # no registered list
    assert "Janssens" not in text_of(out, 1)
    out = tmp_path / "registered.pdf"
    result = cli(book, "print", "--today", DAY.isoformat(), "--channel", "registered",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    assert pages(out) == 2 + own_pages(book, DAY, "janssens")


def test_nothing_to_print_writes_no_file(book, tmp_path):
    out = tmp_path / "none.pdf"
    for args in (["--today", "2026-10-21"], ["--today", DAY.isoformat(), "--stage", "call"]):
        result = cli(book, "print", *args, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert "Nothing to print" in result.output
        assert not out.exists()


def test_record_commits_one_note_per_case_in_one_commit(book, tmp_path):
    head = git(book, "rev-parse", "HEAD").strip()
    out = tmp_path / "post.pdf"
    result = cli(book, "print", "--today", DAY.isoformat(), "--out", str(out), "--record")
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert git(book, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    changed = sorted(git(book, "show", "--name-only", "--format=", "HEAD").split())
    assert changed == [f"cases/{c}/notes/{DAY}-letter.md" for c in ("janssens", "lambert", "peeters")]
    note = (book / f"cases/janssens/notes/{DAY}-letter.md").read_text()
    assert "channel: letter" in note
    assert "Posted formal-notice letter by registered post (printed in post.pdf)" in note
    assert "Posted reminder letter (printed in post.pdf)" in (
        book / f"cases/peeters/notes/{DAY}-letter.md").read_text()
    assert git(book, "status", "--porcelain") == ""
    assert check(book)[1] == []
    again = cli(book, "print", "--today", DAY.isoformat(), "--out", str(out), "--record")
    assert again.exit_code == 1 and "already records exactly this" in again.output
    assert git(book, "rev-list", "--count", f"{head}..HEAD").strip() == "1"


@pytest.mark.slow
def test_print_on_the_demo_book(tmp_path):
    root = tmp_path / "demo"
    create_book(root, demo=True)
    day = date(2026, 8, 7)  # the demo's first paper letters: two payment plan offers
    play_demo(root, start=date(2026, 8, 1), end=day)
    before = state(root)
    out = tmp_path / "demo.pdf"
    result = cli(root, "print", "--today", day.isoformat(), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert pages(out) == 1 + own_pages(root, day, "frituur-pleintje", "sophie-lambert")
    cover = text_of(out, 1)
    assert "plan-offer" in cover and "Sophie Lambert" in cover and "Pleintje" in cover
    assert state(root) == before
