"""`casebook new debtor` and `casebook new invoice`: add a case or an invoice without YAML.

On a terminal, what is missing is asked for (an answer `check` would refuse is asked
again); from a script (standard input not a terminal) a missing required flag is a usage
error (exit 2). Everything is validated as `casebook check` validates it before anything
is written (exit 1 and `path:line: message` otherwise); the file is committed on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from casebook.book.errors import BookError
from casebook.book.load import load_book
from casebook.book.model import Book
from casebook.record import newfiles, recording
from casebook.record.gitstore import Store

from .common import book_option, clock_today, handle_errors, interactive, today_option


def _commit(book_root: Path, build: Callable[..., recording.Record], **kwargs: Any) -> None:
    """Load the book under the writer lock, build the record, commit it, say what was done."""
    store = Store(book_root)
    with store.lock():
        store.check_writable()
        store.recover()  # an interrupted commit is finished (or undone) before the book is read
        book = load_book(book_root).book
        author, _ = recording.recorder(store, book)
        record = build(book_root, book, **kwargs)
        sha = recording.commit_record(store, record, author=author)
    click.echo(f"Recorded {record.path} ({sha[:10]}): {record.summary}")


def _missing(flags: list[str]) -> click.UsageError:
    return click.UsageError(
        f"missing {', '.join(flags)} (asked for only on a terminal; give the flags in a script)"
    )


def _checked(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """A prompt's `value_proc`: a `BookError` (or a message returned) asks again."""

    def run(text: str) -> Any:
        try:
            value = check(text.strip())
        except BookError as error:
            raise click.UsageError(str(error)) from None
        return value

    return run


def _required(what: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if not text:
            raise BookError(f"{what} cannot be empty")
        return text

    return check


def _field(kind: str, key: str) -> Callable[[str], str]:
    """Checks an optional answer as `check` checks that key (Enter: left out)."""

    def check(text: str) -> str:
        problem = newfiles.field_problem(kind, key, text) if text else None
        if problem:
            raise BookError(problem)
        return text

    return check


def _optional(text: str, check: Callable[[str], str] | None = None) -> str:
    return click.prompt(f"{text} (Enter: none)", default="", show_default=False,
                        value_proc=_checked(check or (lambda v: v)))


# -- casebook new debtor -------------------------------------------------------------------

_DEBTOR_FLAGS = ("kind", "language", "email", "phone", "contact", "street", "postcode",
                 "city", "country", "vat", "segment", "policy")


@click.group()
def new() -> None:
    """Add a debtor or an invoice to the book (each one file and one commit)."""


@new.command()
@click.argument("case_id", metavar="[SLUG]", required=False)
@click.option("--name", help="The debtor's legal or full name (required).")
@click.option("--kind", type=click.Choice(["business", "consumer"]),
              help="business (default) or consumer.")
@click.option("--language", type=click.Choice(["nl", "fr", "en"]),
              help="Language of the letters (default: the book's).")
@click.option("--email", help="Where emails go.")
@click.option("--phone", help="Phone number, for phone stages.")
@click.option("--contact", help="The person to address.")
@click.option("--street", help="Street and number.")
@click.option("--postcode")
@click.option("--city")
@click.option("--country", help="ISO code (default: the book's jurisdiction, with an address).")
@click.option("--vat", help="VAT / enterprise number, e.g. BE0403170701.")
@click.option("--segment", help="Customer profile: selects the policy of that name.")
@click.option("--policy", help="Explicit policy (default: by segment, else the book's).")
@book_option
@handle_errors
def debtor(book_root: Path, case_id: str | None, name: str | None, **values: str | None) -> None:
    """A new case: writes cases/SLUG/debtor.yaml and commits it.

    SLUG (the case id, the folder's name) is derived from the name when left out. On a
    terminal, without --name, every value is asked for in turn.

    \b
    casebook new debtor --name "Bakkerij Janssens BV" --email info@janssens.be \\
        --street "Kerkstraat 1" --postcode 9000 --city Gent --vat BE0403170701
    """
    given = {k: v for k, v in values.items() if v is not None}
    if name is None:
        if not interactive():
            raise _missing(["--name"])
        book = load_book(book_root).book
        name, case_id, given = _ask_debtor(book_root, book, case_id, given)
    _commit(book_root, newfiles.debtor_record, name=name, case_id=case_id, **given)


def _ask_debtor(root: Path, book: Book, case_id: str | None,
                given: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    """The debtor's values, asked for one by one (those given as flags are not asked)."""
    defaults = newfiles.prompt_defaults(book)
    name = click.prompt("Name", value_proc=_checked(_required("the name")))

    def free_case_id(text: str) -> str:
        why = newfiles.case_id_problem(root, book, text)
        if why:
            raise BookError(why)
        return text

    if case_id is None:
        case_id = click.prompt("Case id (folder name)", default=newfiles.derive_case_id(name),
                               value_proc=_checked(free_case_id))
    answers = dict(given)

    def ask(key: str, ask_it: Callable[[], str]) -> None:
        if key not in answers:
            answers[key] = ask_it()

    ask("kind", lambda: click.prompt("Kind", type=click.Choice(["business", "consumer"]),
                                     default="business"))
    ask("language", lambda: click.prompt("Language of letters", type=click.Choice(["nl", "fr", "en"]),
                                         default=defaults["language"]))
    ask("contact", lambda: _optional("Person to address"))
    ask("email", lambda: _optional("Email", _email))
    ask("phone", lambda: _optional("Phone"))
    ask("street", lambda: _optional("Street and number"))
    ask("postcode", lambda: _optional("Postcode"))
    ask("city", lambda: _optional("City"))
    if any(answers.get(k) for k in ("street", "postcode", "city")):
        ask("country", lambda: click.prompt("Country", default=defaults["country"]))
    ask("vat", lambda: _optional("VAT number", _field("debtor", "vat")))
    policies = defaults["policies"]

    def known_policy(text: str) -> str:
        if text and text not in policies:
            raise BookError(f"no policy {text!r} (policies: {', '.join(policies)})")
        return text

    if "policy" not in answers and "segment" not in answers:
        answers["policy"] = _optional(
            f"Policy ({', '.join(policies)}; Enter: {defaults['default_policy']})", known_policy)
    return name, case_id, answers


def _email(text: str) -> str:
    if text and "@" not in text:
        raise BookError(f"{text!r} is not an email address")
    return text


# -- casebook new invoice ------------------------------------------------------------------


@new.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--number", help="The invoice number, unique in the book (required).")
@click.option("--issued", metavar="YYYY-MM-DD", help="Issue date (required).")
@click.option("--due", metavar="YYYY-MM-DD", help="Due date (or --terms).")
@click.option("--terms", metavar="DAYS", help="Days after the issue date it is due (or --due).")
@click.option("--amount", help="Total including VAT, e.g. 1210.50 (required).")
@click.option("--currency", help="Currency (default: the book's, EUR).")
@click.option("--reference", help="Structured communication or RF reference (default: generated).")
@click.option("--description", help="What was invoiced.")
@today_option
@book_option
@handle_errors
def invoice(book_root: Path, case_id: str, number: str | None, issued: str | None,
            due: str | None, terms: str | None, amount: str | None, currency: str | None,
            reference: str | None, description: str | None, today: date | None) -> None:
    """A new invoice: writes cases/CASE-ID/invoices/NUMBER.yaml and commits it.

    \b
    casebook new invoice janssens --number 2026-0042 --issued 2026-10-01 --terms 30 \\
        --amount 1210.00
    """
    if due is not None and terms is not None:
        raise click.UsageError("give --due or --terms, not both")
    missing = [flag for flag, value in (("--number", number), ("--issued", issued),
                                        ("--amount", amount)) if value is None]
    if due is None and terms is None:
        missing.append("--due or --terms")
    if missing:
        if not interactive():
            raise _missing(missing)
        book = load_book(book_root).book
        recording.find_case(book, case_id, book_root)  # before any question
        number, issued, due, terms, amount = _ask_invoice(
            book, number, issued, due, terms, amount,
            today or clock_today(book.settings.timezone))
    _commit(book_root, newfiles.invoice_record, case_id=case_id, number=number,
            issued=issued, due=due, terms=terms, amount=amount, currency=currency or "",
            reference=reference or "", description=description or "")


def _ask_invoice(book: Book, number: str | None, issued: str | None, due: str | None,
                 terms: str | None, amount: str | None, today: date) -> tuple:
    def free_number(text: str) -> str:
        taken = newfiles.number_taken(book, _required("the number")(text))
        if taken:
            raise BookError(f"invoice number {text} is already in the book: {taken}")
        return text

    if number is None:
        number = click.prompt("Invoice number", value_proc=_checked(free_number))
    issued_day = recording.parse_date(issued, what="issue date") if issued is not None else \
        click.prompt("Issue date", default=today.isoformat(),
                     value_proc=_checked(lambda t: recording.parse_date(t, what="issue date")))

    def due_or_days(text: str) -> date:
        plain = text.lstrip("+")
        day = (newfiles.due_date(issued_day, terms=plain) if plain.isdigit()
               else recording.parse_date(text, what="due date"))
        if day < issued_day:
            raise BookError(f"the due date {day} is before the issue date {issued_day}")
        return day

    if due is None and terms is None:
        due = click.prompt(
            "Due date (YYYY-MM-DD, or days after the issue date)",
            default=(issued_day + timedelta(days=newfiles.DEFAULT_TERMS)).isoformat(),
            value_proc=_checked(due_or_days),
        ).isoformat()
    if amount is None:
        amount = str(click.prompt("Amount incl. VAT",
                                  value_proc=_checked(recording.parse_amount)))
    return number, issued_day.isoformat(), due, terms, amount


COMMANDS = [new]
