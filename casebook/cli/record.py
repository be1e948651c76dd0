"""`casebook pay`, `note`, `promise`, `dispute`, `resolve`, `plan`: record what happened.

Each writes one new file in the case's folder and commits it; input is validated first and
nothing is written when anything is wrong (exit 1).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Callable

import click

from casebook.record import recording
from casebook.record.gitstore import Store
from casebook.book.load import load_book
from casebook.book.model import NoteChannel
from .common import book_option, clock_today, handle_errors, today_option

_SIGNED_FLAG = "\x00signed"


def _record(book_root: Path, build: Callable[..., recording.Record], **kwargs) -> None:
    """Load the book under the writer lock, build the record, commit it, say what was done."""
    store = Store(book_root)
    with store.lock():
        store.check_writable()
        store.recover()  # an interrupted commit is finished (or undone) before the book is read
        book = load_book(book_root).book
        author, name = recording.recorder(store, book)
        if "by" in kwargs and not kwargs["by"]:
            kwargs["by"] = name
        if kwargs.get("when") is None:
            kwargs["when"] = clock_today(book.settings.timezone)
        record = build(book_root, book, **kwargs)
        sha = recording.commit_record(store, record, author=author)
    click.echo(f"Recorded {record.path} ({sha[:10]}): {record.summary}")


def _day(text: str | None, what: str = "--date") -> date | None:
    return recording.parse_date(text, what=what) if text is not None else None


def _message(message: str | None) -> str:
    if message is not None:
        return message
    if not sys.stdin.isatty():
        return sys.stdin.read()
    return ""


def _message_option(func: Callable) -> Callable:
    return click.option(
        "-m", "--message", help="The note's text (Markdown); default: read from standard input."
    )(func)


def _by_option(func: Callable) -> Callable:
    return click.option(
        "--by", default="", help="Who recorded it (default: your git user name)."
    )(func)


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.argument("amount", required=False)
@click.option("--date", "when", metavar="YYYY-MM-DD", help="Day of the payment (default: today).")
@click.option("--invoice", help="Invoice number the payment is for (default: oldest open first).")
@click.option("--reference", default="", help="Bank reference of the payment.")
@click.option("--from-review", "review", metavar="FILE:ENTRY",
              help="Book an entry of an import review file (ENTRY: its reference or number).")
@today_option
@book_option
@handle_errors
def pay(book_root: Path, case_id: str, amount: str | None, when: str | None, invoice: str | None,
        reference: str, review: str | None, today: date | None) -> None:
    """Record a payment: writes cases/CASE-ID/payments/<date>-<n>.yaml and commits it.

    \b
    casebook pay janssens 1210.00 --date 2026-11-24 --invoice 2026-0042
    casebook pay janssens --from-review imports/unmatched/camt053-kbc-226.yaml:H5C0A1F3E22B7D94
    """
    _record(book_root, recording.payment_record, case_id=case_id, amount=amount,
            when=_day(when) or today, invoice=invoice, reference=reference, review=review)


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--channel", type=click.Choice([c.value for c in NoteChannel]), default="other",
              show_default=True, help="How the contact took place.")
@click.option("--with", "with_", default="", help="The person spoken to.")
@_by_option
@click.option("--completes", metavar="STAGE", help="The phone task (stage id) this note closes.")
@click.option("--date", "when", metavar="YYYY-MM-DD", help="Day of the contact (default: today).")
@_message_option
@today_option
@book_option
@handle_errors
def note(book_root: Path, case_id: str, channel: str, with_: str, by: str, completes: str | None,
         when: str | None, message: str | None, today: date | None) -> None:
    """Record a contact: writes cases/CASE-ID/notes/<date>-<channel>.md and commits it.

    \b
    casebook note janssens --channel phone --with "An De Smet" --completes call \\
        -m "Invoice was lost; she pays Friday."
    """
    _record(book_root, recording.note_record, case_id=case_id, when=_day(when) or today,
            channel=channel, with_=with_, by=by, completes=completes, text=_message(message))


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--date", "promised", required=True, metavar="YYYY-MM-DD",
              help="The day the debtor promised to pay by.")
@click.option("--amount", help="The amount promised (default: everything open).")
@click.option("--with", "with_", default="", help="The person who promised.")
@_by_option
@_message_option
@today_option
@book_option
@handle_errors
def promise(book_root: Path, case_id: str, promised: str, amount: str | None, with_: str,
            by: str, message: str | None, today: date | None) -> None:
    """Record a promise to pay (it pauses the policy until the date plus grace).

    \b
    casebook promise janssens --date 2026-12-04 --amount 500
    """
    _record(book_root, recording.promise_record, case_id=case_id, when=today,
            promised=_day(promised), amount=amount, with_=with_, by=by,
            text=_message(message))


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--invoice", required=True, help="The invoice the debtor disputes.")
@click.option("--reason", required=True, help="Why, in a few words.")
@_by_option
@_message_option
@today_option
@book_option
@handle_errors
def dispute(book_root: Path, case_id: str, invoice: str, reason: str, by: str,
            message: str | None, today: date | None) -> None:
    """Record a dispute on an invoice (no reminders for it until it is resolved).

    \b
    casebook dispute janssens --invoice 2026-0042 --reason "Two cakes were missing"
    """
    _record(book_root, recording.dispute_record, case_id=case_id, when=today, invoice=invoice,
            reason=reason, by=by, text=_message(message))


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--invoice", required=True, help="The disputed invoice.")
@_by_option
@_message_option
@today_option
@book_option
@handle_errors
def resolve(book_root: Path, case_id: str, invoice: str, by: str, message: str | None,
            today: date | None) -> None:
    """Record that a dispute ended (reminders for the invoice resume).

    \b
    casebook resolve janssens --invoice 2026-0042 -m "Credit note 2026-C07 for the missing cakes."
    """
    _record(book_root, recording.resolve_record, case_id=case_id, when=today, invoice=invoice,
            by=by, text=_message(message))


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--installment", "installments", multiple=True, required=True,
              metavar="DATE:AMOUNT", help="One installment; repeat the option for each.")
@click.option("--signed", is_flag=False, flag_value=_SIGNED_FLAG, default=None,
              metavar="[PATH]",
              help="The debtor signed the plan; PATH: the scan, inside the case folder.")
@_by_option
@_message_option
@today_option
@book_option
@handle_errors
def plan(book_root: Path, case_id: str, installments: tuple[str, ...], signed: str | None,
         by: str, message: str | None, today: date | None) -> None:
    """Record a payment plan (it pauses the policy while it is honoured).

    \b
    casebook plan janssens --installment 2026-12-15:400 --installment 2027-01-15:410 \\
        --signed documents/plan-signed.pdf
    """
    signed_value: bool | str = False
    if signed == _SIGNED_FLAG:
        signed_value = True
    elif signed:
        signed_value = signed
    _record(book_root, recording.plan_record, case_id=case_id, when=today,
            installments=list(installments), signed=signed_value, by=by,
            text=_message(message))


COMMANDS = [pay, note, promise, dispute, resolve, plan]
