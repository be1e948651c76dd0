"""`casebook preview`: the next letter, rendered, and nothing in the book changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from tests.conftest import git


def run(root: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--book", str(root)])


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """`casebook init`, one debtor and one invoice due 2026-10-01 (policy standard)."""
    root = tmp_path / "b"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    for args in (["new", "debtor", "janssens", "--name", "Bakkerij Janssens BV",
                  "--email", "info@janssens.be", "--language", "en"],
                 ["new", "invoice", "janssens", "--number", "2026-0001", "--issued",
                  "2026-09-01", "--due", "2026-10-01", "--amount", "1210.00"]):
        result = run(root, *args)
        assert result.exit_code == 0, result.output
    return root


def state(root: Path) -> tuple[str, str]:
    return (git(root, "rev-parse", "HEAD"),
            git(root, "status", "--porcelain", "--untracked-files=all", "--ignored"))


def test_preview_of_the_next_scheduled_letter_records_nothing(book):
    before = state(book)
    result = run(book, "preview", "janssens", "--today", "2026-09-20")
    assert result.exit_code == 0, result.output
    assert "janssens: pre-due (email), scheduled for 2026-09-28" in result.stderr
    assert "nothing recorded" in result.stderr
    assert "2026-0001" in result.stdout and "1,210.00" in result.stdout
    assert result.stdout.startswith("# ")
    assert state(book) == before
    assert not (book / "cases/janssens/actions").exists()


def test_preview_of_the_action_due_today_is_the_letter_advance_writes(book):
    before = state(book)
    result = run(book, "preview", "janssens", "--today", "2026-10-08")
    assert result.exit_code == 0, result.output
    assert "janssens: reminder (email), due today, pay by" in result.stderr
    assert state(book) == before
    advanced = run(book, "advance", "--today", "2026-10-08")
    assert advanced.exit_code == 0, advanced.output
    letter = book / "cases/janssens/actions/2026-10-08-reminder.md"
    assert letter.read_text("utf-8") == result.stdout


def test_preview_out_writes_the_html_outside_the_book(book, tmp_path):
    before = state(book)
    out = tmp_path / "letter.html"
    result = run(book, "preview", "janssens", "--today", "2026-10-08", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.stdout
    html = out.read_text("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "2026-0001" in html
    assert state(book) == before


def test_nothing_scheduled_is_said_clearly(book):
    assert run(book, "new", "debtor", "empty", "--name", "No Invoices BV").exit_code == 0
    before = state(book)
    result = run(book, "preview", "empty", "--today", "2026-10-08")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("empty: nothing is due or scheduled until 2027-10-08 (closed): "
                             "no letter to preview.\n")
    assert state(book) == before


def test_paid_case_gets_its_thank_you_then_nothing(book):
    assert run(book, "advance", "--today", "2026-10-08").exit_code == 0
    assert run(book, "pay", "janssens", "1210.00", "--date", "2026-10-10").exit_code == 0
    before = state(book)
    result = run(book, "preview", "janssens", "--today", "2026-10-12")
    assert result.exit_code == 0, result.output
    assert "janssens: thanks (email), due today" in result.stderr
    assert state(book) == before


def test_preview_of_an_unknown_case(book):
    result = run(book, "preview", "jansens")
    assert result.exit_code == 1
    assert "no case 'jansens' in this book (did you mean 'janssens'?)" in result.stderr
