"""Hostile command-line arguments: a clear message and exit 1 or 2, never a traceback, and
the book left exactly as it was.

Case ids with `..`, `/`, absolute paths, NUL bytes or thousands of letters; amounts such as
`1e9999`, `NaN`, `-0` or Arabic-Indic digits; dates such as `2026-02-30` or `9999-12-31`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main

from ..conftest import git

CASE_IDS = ["..", "../..", "../../etc", "/etc/passwd", "/tmp", "janssens/../janssens", "a/b",
            "janssens\x00", "janssens/", ".", "", " ", "-", "JANSSENS", "%2e%2e", "~root",
            "a" * 5000, "janssens\n", "cases/janssens", "janssens;rm -rf ~"]

# Every command that takes a CASE-ID; `{}` is the case id.
CASE_COMMANDS = {
    "pay": ["pay", "{}", "10", "--date", "2026-11-20"],
    "note": ["note", "{}", "-m", "x", "--date", "2026-11-20"],
    "promise": ["promise", "{}", "--date", "2027-01-01", "--today", "2026-11-24"],
    "dispute": ["dispute", "{}", "--invoice", "2026-0001", "--reason", "x",
                "--today", "2026-11-24"],
    "resolve": ["resolve", "{}", "--invoice", "2026-0001", "--today", "2026-11-24"],
    "plan": ["plan", "{}", "--installment", "2027-01-01:10", "--today", "2026-11-24"],
    "claim": ["claim", "{}", "--today", "2026-11-24", "--json"],
    "segment": ["segment", "{}", "standard", "--today", "2026-11-24"],
    "insight": ["insight", "{}", "--today", "2026-11-24"],
    "schedule": ["schedule", "{}", "--today", "2026-11-24"],
    "advance": ["advance", "{}", "--today", "2026-11-24", "--dry-run"],
    "export": ["export", "{}", "--today", "2026-11-24", "--out", "{out}"],
}

AMOUNTS = ["1e9999", "1e5", "NaN", "nan", "inf", "-Infinity", "-0", "0", "0.00", "-5", "1.234",
           "1_000", "0x10", "١٢", "１２", "", " ", ".", "5.", "\x00", "1\x00", "10" * 100,
           "9" * 13, "1,2,3", "€12", "12 EUR"]

DATES = ["2026-02-30", "2026-13-01", "2026-00-10", "0000-01-01", "0001-01-01", "9999-12-31",
         "10000-01-01", "1899-12-31", "2200-01-01", "yesterday", "", "\x00", "2026-02-28T10:00",
         "-2026-01-01", "2026/01/01", "26-1-1"]

# Commands taking a date: `{}` is the date.
DATE_COMMANDS = {
    "pay": ["pay", "janssens", "10", "--date", "{}"],
    "note": ["note", "janssens", "-m", "x", "--date", "{}"],
    "promise by": ["promise", "janssens", "--date", "{}", "--today", "2026-11-24"],
    "promise on": ["promise", "janssens", "--date", "2027-01-01", "--today", "{}"],
    "plan": ["plan", "janssens", "--installment", "{}:10", "--today", "2026-11-24"],
    "advance": ["advance", "--today", "{}"],
    "claim": ["claim", "janssens", "--today", "{}"],
    "status": ["status", "--today", "{}"],
    "schedule": ["schedule", "janssens", "--until", "{}", "--today", "2026-11-24"],
    "insight": ["insight", "--today", "{}"],
    "forecast": ["forecast", "--today", "{}"],
    "site": ["site", "--today", "{}", "--out", "{out}"],
    "export": ["export", "janssens", "--today", "{}", "--out", "{out}"],
}


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    from ..conftest import DEBTOR, INVOICE, POLICY, SETTINGS, write_files

    root = tmp_path_factory.mktemp("cli") / "book"
    write_files(root, {"casebook.yaml": SETTINGS, "policies/standard.yaml": POLICY,
                       "cases/janssens/debtor.yaml": DEBTOR,
                       "cases/janssens/invoices/2026-0001.yaml": INVOICE})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    return root


def state(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and rel.parts[0] != ".git":
            digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
    status = git(root, "status", "--porcelain=v1", "--untracked-files=all")
    return git(root, "rev-parse", "HEAD") + status + digest.hexdigest()


def invoke(root: Path, template: list[str], value: str, out: Path) -> tuple[int, str]:
    args = [a.replace("{out}", str(out)).replace("{}", value) for a in template]
    result = CliRunner().invoke(main, [*args, "--book", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args!r} raised {result.exception!r}"
    )
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("command", list(CASE_COMMANDS))
def test_hostile_case_ids_are_refused_and_change_nothing(book, tmp_path, command):
    before = state(book)
    for case_id in CASE_IDS:
        code, output = invoke(book, CASE_COMMANDS[command], case_id, tmp_path / "x.bundle")
        assert code in (1, 2), f"{command} {case_id!r}: exit {code}: {output}"
        assert "Error" in output, f"{command} {case_id!r}: {output}"
        assert state(book) == before, f"{command} {case_id!r} changed the book"
        assert not (tmp_path / "x.bundle").exists()
    assert not any(p.name == "passwd" for p in book.rglob("*"))


@pytest.mark.parametrize("command", ["pay", "promise", "plan"])
def test_hostile_amounts_are_refused_and_change_nothing(book, tmp_path, command):
    templates = {
        "pay": ["pay", "janssens", "{}", "--date", "2026-11-20"],
        "promise": ["promise", "janssens", "--date", "2027-01-01", "--amount", "{}",
                    "--today", "2026-11-24"],
        "plan": ["plan", "janssens", "--installment", "2027-01-01:{}", "--today", "2026-11-24"],
    }
    before = state(book)
    for amount in AMOUNTS:
        code, output = invoke(book, templates[command], amount, tmp_path)
        assert code in (1, 2), f"{command} {amount!r}: exit {code}: {output}"
        assert "Error" in output and "amount" in output.lower(), output
        assert state(book) == before, f"{command} {amount!r} changed the book"


@pytest.mark.parametrize("command", list(DATE_COMMANDS))
def test_impossible_dates_are_refused_and_change_nothing(book, tmp_path, command):
    before = state(book)
    for day in DATES:
        code, output = invoke(book, DATE_COMMANDS[command], day, tmp_path / "out")
        assert code in (1, 2), f"{command} {day!r}: exit {code}: {output}"
        assert "date" in output.lower(), f"{command} {day!r}: {output}"
        assert state(book) == before, f"{command} {day!r} changed the book"
        assert not (tmp_path / "out").exists()


def test_a_decimal_comma_and_spaces_are_read_as_the_user_means(book):
    from casebook.record.recording import parse_amount

    assert str(parse_amount("1,5")) == "1.5"
    assert str(parse_amount("1 210,50")) == "1210.50"
    assert str(parse_amount("999999999999.99")) == "999999999999.99"


def test_a_date_far_in_the_future_in_a_file_is_a_problem_not_a_crash(make_book):
    """A promise "by 9999-12-31" once broke status, advance, site and insight for the whole
    book (date arithmetic past year 9999): it is a problem of that file now."""
    root = make_book({"cases/janssens/notes/2026-11-20-promise.md":
                      "---\ndate: 2026-11-20\npromise: {date: 9999-12-31}\n---\n\nSure.\n",
                      "cases/janssens/payments/p.yaml": "date: 0001-01-01\namount: 5\n"})
    runner = CliRunner()
    checked = runner.invoke(main, ["check", "--book", str(root)])
    assert checked.exit_code == 1
    assert ("cases/janssens/notes/2026-11-20-promise.md:3: `date`: 9999-12-31 is not "
            "a realistic date (between 1900 and 2199)") in checked.output
    assert "cases/janssens/payments/p.yaml:1: `date`: 0001-01-01 is not a realistic date" \
        in checked.output
    for args in (["status", "--today", "2026-11-24"],
                 ["advance", "--dry-run", "--today", "2026-11-24"],
                 ["insight", "--today", "2026-11-24"], ["forecast", "--today", "2026-11-24"]):
        result = runner.invoke(main, [*args, "--book", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args, result.exception)
