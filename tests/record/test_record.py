"""Recording commands: one new file, one commit, read back by the loader; bad input writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from casebook.book.load import load_book

from ..conftest import git

SECOND_INVOICE = """\
number: 2026-0002
issued: 2026-10-01
due: 2026-10-31
amount: "350.00"
"""


@pytest.fixture
def book(make_book) -> Path:
    return make_book({"cases/janssens/invoices/2026-0002.yaml": SECOND_INVOICE})


def run(root: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, [*args, "--book", str(root)], input=input,
                              catch_exceptions=False)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def last_commit(root: Path) -> tuple[str, list[str]]:
    message = git(root, "log", "-1", "--format=%B")
    files = git(root, "show", "--name-only", "--format=", "HEAD").split()
    return message, files


def case(root: Path):
    loaded = load_book(root)
    assert loaded.problems == [], loaded.problems
    return loaded.book.cases["janssens"]


# -- pay -------------------------------------------------------------------------------------


def test_pay_writes_a_payment_file_and_commits_it(book: Path) -> None:
    result = run(book, "pay", "janssens", "1210,5", "--date", "2026-11-24",
                 "--invoice", "2026-0001", "--reference", "BANK-77")
    assert result.exit_code == 0, result.output
    assert "Recorded cases/janssens/payments/2026-11-24-1.yaml" in result.output
    path = book / "cases/janssens/payments/2026-11-24-1.yaml"
    assert path.read_text() == (
        'date: 2026-11-24\namount: "1210.50"\ninvoice: 2026-0001\nreference: BANK-77\n'
        "source: casebook pay\n"
    )
    message, files = last_commit(book)
    assert files == ["cases/janssens/payments/2026-11-24-1.yaml"]
    assert message.startswith("janssens: payment of 1210.50 on 2026-11-24 on invoice 2026-0001\n")
    assert "Casebook-Case: janssens" in message
    assert git(book, "status", "--porcelain") == ""
    (payment,) = case(book).payments
    assert (payment.date, payment.amount, payment.invoice) == (date(2026, 11, 24), D("1210.50"), "2026-0001")

    # a second payment the same day gets the next number
    assert run(book, "pay", "janssens", "10", "--date", "2026-11-24").exit_code == 0
    assert (book / "cases/janssens/payments/2026-11-24-2.yaml").is_file()


def test_pay_uses_today_by_default(book: Path) -> None:
    assert run(book, "pay", "janssens", "100", "--today", "2026-12-01").exit_code == 0
    assert (book / "cases/janssens/payments/2026-12-01-1.yaml").is_file()


@pytest.mark.parametrize(
    "args,message",
    [
        (["pay", "jansens", "10"], "no case 'jansens' in this book (did you mean 'janssens'?)"),
        (["pay", "janssens", "10", "--invoice", "2026-9999"],
         "case janssens has no invoice '2026-9999' (its invoices: 2026-0001, 2026-0002)"),
        (["promise", "janssens", "--date", "2026-12-01", "--amount", "-5"], "is not an amount"),
        (["pay", "janssens", "0"], "must be more than zero"),
        (["pay", "janssens", "10.555"], "is not an amount"),
        (["pay", "janssens", "1,210"], "is not an amount"),
        (["pay", "janssens", "1e3"], "is not an amount"),
        (["pay", "janssens", "NaN"], "is not an amount"),
        (["pay", "janssens", "10", "--date", "2026-02-30"], "is not a date"),
        (["pay", "janssens"], "give the AMOUNT paid"),
        (["note", "nobody", "-m", "x"], "no case 'nobody'"),
        (["note", "janssens", "--completes", "cal", "-m", "x"],
         "the case's policy has no such stage (its stages: reminder, call, formal-notice)"),
        (["promise", "janssens", "--date", "2026-13-01"], "is not a date"),
        (["promise", "janssens", "--date", "2026-11-01", "--today", "2026-11-24"],
         "is before the day it is recorded"),
        (["promise", "janssens", "--date", "2026-12-01", "--amount", "abc"], "is not an amount"),
        (["dispute", "janssens", "--invoice", "nope", "--reason", "x"], "has no invoice 'nope'"),
        (["dispute", "janssens", "--invoice", "2026-0001", "--reason", "  "], "give the reason"),
        (["resolve", "janssens", "--invoice", "2026-0001"], "is not under dispute"),
        (["plan", "janssens", "--installment", "2026-12-01"], "is not DATE:AMOUNT"),
        (["plan", "janssens", "--installment", "2026-12-01:0"], "must be more than zero"),
        (["plan", "janssens", "--installment", "2026-12-01:5", "--installment", "2026-12-01:6"],
         "same date"),
        (["plan", "janssens", "--installment", "2026-12-01:5", "--signed", "../../etc/passwd"],
         "inside the case folder"),
        (["plan", "janssens", "--installment", "2026-12-01:5", "--signed", "scan.pdf"],
         "no such file"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(book: Path, args, message) -> None:
    before = head(book)
    result = run(book, *args, "--today", "2026-11-24")
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert head(book) == before
    assert git(book, "status", "--porcelain") == ""


def test_pay_from_a_review_entry(book: Path) -> None:
    review = book / "imports/unmatched/camt053-kbc-226.yaml"
    review.parent.mkdir(parents=True)
    review.write_text(
        "format: camt053\nstatement: KBC-226\nentries:\n"
        "- reference: H5C0A1F3E22B7D94\n  date: 2026-11-20\n  amount: \"75.00\"\n"
        "  payer: Onbekende Betaler\n"
    )
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "import")
    spec = "imports/unmatched/camt053-kbc-226.yaml:H5C0A1F3E22B7D94"
    assert run(book, "pay", "janssens", "80", "--from-review", spec).exit_code == 1
    result = run(book, "pay", "janssens", "--from-review", spec)
    assert result.exit_code == 0, result.output
    (payment,) = case(book).payments
    assert (payment.date, payment.amount, payment.reference) == (
        date(2026, 11, 20), D("75.00"), "H5C0A1F3E22B7D94")
    assert payment.origin == "review imports/unmatched/camt053-kbc-226.yaml"
    again = run(book, "pay", "janssens", "--from-review",
                "imports/unmatched/camt053-kbc-226.yaml:1")
    assert again.exit_code == 1 and "already booked" in again.output


# -- notes -------------------------------------------------------------------------------


def test_note_closes_a_phone_task(book: Path) -> None:
    result = run(book, "note", "janssens", "--channel", "phone", "--with", "An De Smet",
                 "--by", "Els", "--completes", "call", "--date", "2026-11-24",
                 "-m", "Invoice was lost; she pays **Friday**.")
    assert result.exit_code == 0, result.output
    path = book / "cases/janssens/notes/2026-11-24-call.md"
    assert path.read_text() == (
        "---\ndate: 2026-11-24\nchannel: phone\nwith: An De Smet\nby: Els\ncompletes: call\n"
        "---\n\nInvoice was lost; she pays **Friday**.\n"
    )
    message, files = last_commit(book)
    assert files == ["cases/janssens/notes/2026-11-24-call.md"]
    assert message.startswith("janssens: phone note, call done\n")
    (note,) = case(book).notes
    assert (note.completes, note.with_, note.channel) == ("call", "An De Smet", "phone")


def test_note_text_from_standard_input_and_by_from_git(book: Path) -> None:
    result = run(book, "note", "janssens", "--today", "2026-11-24", input="Left a voicemail.\n")
    assert result.exit_code == 0, result.output
    (note,) = case(book).notes
    assert note.body.strip() == "Left a voicemail."
    assert note.by == "Test Operator"  # the git identity of whoever records


def test_promise_dispute_resolve_and_plan(book: Path) -> None:
    day = ["--today", "2026-11-24"]
    assert run(book, "promise", "janssens", "--date", "2026-12-04", "--amount", "500",
               *day).exit_code == 0
    assert run(book, "dispute", "janssens", "--invoice", "2026-0002", "--reason",
               "Two cakes were missing", *day).exit_code == 0
    again = run(book, "dispute", "janssens", "--invoice", "2026-0002", "--reason", "x", *day)
    assert again.exit_code == 1 and "already under dispute since 2026-11-24" in again.output
    assert run(book, "resolve", "janssens", "--invoice", "2026-0002", "-m",
               "Credit note sent.", "--today", "2026-11-30").exit_code == 0
    scan = book / "cases/janssens/documents/plan-signed.pdf"
    scan.parent.mkdir(parents=True)
    scan.write_bytes(b"%PDF-1.4 signed")
    result = run(book, "plan", "janssens", "--installment", "2027-01-15:410",
                 "--installment", "2026-12-15:400,00", "--signed",
                 "documents/plan-signed.pdf", "--today", "2026-12-01")
    assert result.exit_code == 0, result.output
    message, files = last_commit(book)
    assert files == ["cases/janssens/documents/plan-signed.pdf",
                     "cases/janssens/notes/2026-12-01-plan.md"]
    assert message.startswith("janssens: payment plan, 2 installments of 810.00 in total\n")
    assert git(book, "status", "--porcelain") == ""

    notes = {n.id: n for n in case(book).notes}
    assert notes["2026-11-24-promise"].promise.date == date(2026, 12, 4)
    assert notes["2026-11-24-promise"].promise.amount == D("500.00")
    assert notes["2026-11-24-dispute-2026-0002"].dispute.invoice == "2026-0002"
    assert notes["2026-11-24-dispute-2026-0002"].dispute.reason == "Two cakes were missing"
    assert notes["2026-11-30-resolved-2026-0002"].resolved == "2026-0002"
    plan = notes["2026-12-01-plan"].plan
    assert [(i.due, i.amount) for i in plan.installments] == [
        (date(2026, 12, 15), D("400.00")), (date(2027, 1, 15), D("410.00"))]
    assert plan.signed == "documents/plan-signed.pdf"
    log = git(book, "log", "--format=%s").splitlines()
    assert log[:4] == [
        "janssens: payment plan, 2 installments of 810.00 in total",
        "janssens: dispute on invoice 2026-0002 resolved",
        "janssens: dispute on invoice 2026-0002",
        "janssens: promise to pay 500.00 by 2026-12-04",
    ]


def test_plan_signed_without_a_scan(book: Path) -> None:
    result = run(book, "plan", "janssens", "--installment", "2026-12-15:400", "--signed",
                 "--today", "2026-12-01")
    assert result.exit_code == 0, result.output
    (note,) = case(book).notes
    assert note.plan.signed is True


def test_recording_never_overwrites_or_commits_other_edits(book: Path) -> None:
    # An unrelated half-done edit in the same case stays out of the commit.
    debtor = book / "cases/janssens/debtor.yaml"
    debtor.write_text(debtor.read_text() + "phone: '+32 9 000 00 00'\n")
    assert run(book, "pay", "janssens", "5", "--date", "2026-11-24").exit_code == 0
    _, files = last_commit(book)
    assert files == ["cases/janssens/payments/2026-11-24-1.yaml"]
    assert git(book, "status", "--porcelain").strip() == "M cases/janssens/debtor.yaml"
    # An untracked file with the next name is not overwritten: the next number is used.
    (book / "cases/janssens/payments/2026-11-24-2.yaml").write_text("date: 2026-11-24\n")
    assert run(book, "pay", "janssens", "6", "--date", "2026-11-24").exit_code == 0
    assert (book / "cases/janssens/payments/2026-11-24-3.yaml").is_file()


def test_every_recording_command_has_help() -> None:
    for name in ["pay", "note", "promise", "dispute", "resolve", "plan"]:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
        assert main.commands[name].help
