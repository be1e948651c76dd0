"""New debtors and new invoices: `casebook new debtor` and `casebook new invoice`.

A user who adds a debtor or an invoice should not have to write YAML. The builders here
turn the values given (as text, from flags or prompts) into the file `casebook check`
would accept, and refuse anything else: the mapping is dumped with `book.dump`, read back
through the very reader `check` uses (`book.records.read_file`), and run through the
cross-record rules of `book.check` together with the book; any problem is raised as a
`BookError` carrying the problems (`path:line: message`) and nothing is written. Like the
other recording builders (`recording`), they are pure: book + input -> `Record`, which
`committing.commit_record` writes and commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from casebook.book.check import check_book
from casebook.book.dump import free_name, invoice_file, slug, to_yaml
from casebook.book.errors import BookError, Problem
from casebook.book.fields import SLUG_RE
from casebook.book.model import Book, Invoice
from casebook.book.records import read_file
from casebook.record.committing import Record
from casebook.record.recording import find_case, parse_amount, parse_date

#: Payment term when neither a due date nor terms are given (the legal default).
DEFAULT_TERMS = 30

_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")

# Placeholder documents for checking one value on its own (a prompt's answer).
_BASE: dict[str, dict[str, Any]] = {
    "debtor": {"name": "x"},
    "invoice": {"number": "x", "issued": date(2026, 1, 1), "due": date(2026, 1, 1),
                "amount": Decimal(1)},
}


# -- debtors -------------------------------------------------------------------------------


def derive_case_id(name: str) -> str:
    """The case id (folder name) for a debtor's name: `Bakkerij Janssens BV` ->
    `bakkerij-janssens-bv`; always a safe slug (`SLUG_RE`)."""
    return slug(name, fallback="debtor")


def case_id_problem(root: Path, book: Book, case_id: str) -> str | None:
    """Why `case_id` cannot be the folder of a new case, or None."""
    if not SLUG_RE.match(case_id):
        return (f"case id {case_id!r} is not a safe folder name: lower-case letters, digits "
                "and dashes, e.g. `bakkerij-janssens`")
    folder = root / "cases" / case_id
    if case_id in book.cases or folder.exists() or folder.is_symlink():
        known = book.cases.get(case_id)
        who = f" ({known.name})" if known is not None else ""
        return f"cases/{case_id} exists already{who}: choose another case id"
    return None


def debtor_record(
    root: Path,
    book: Book,
    *,
    name: str,
    case_id: str | None = None,
    kind: str = "business",
    language: str = "",
    email: str = "",
    phone: str = "",
    contact: str = "",
    street: str = "",
    postcode: str = "",
    city: str = "",
    country: str = "",
    vat: str = "",
    segment: str = "",
    policy: str = "",
) -> Record:
    """`cases/<case_id>/debtor.yaml` for a new case; `case_id` derived from the name when
    not given. Raises `BookError` when the folder exists or the file would not pass check."""
    name = name.strip()
    if not name:
        raise BookError("give the debtor's name (--name)")
    case_id = (case_id or "").strip() or derive_case_id(name)
    why = case_id_problem(root, book, case_id)
    if why is not None:
        raise BookError(why)
    email = email.strip()
    if email and "@" not in email:
        raise BookError(f"email {email!r} is not an email address")
    address = {"street": street.strip(), "postcode": postcode.strip(), "city": city.strip()}
    if any(address.values()):
        address["country"] = (country.strip() or book.settings.jurisdiction).upper()
    elif country.strip():
        address["country"] = country.strip().upper()
    mapping = {
        "name": name,
        "kind": kind.strip() or "business",
        "language": language.strip(),
        "segment": segment.strip(),
        "policy": policy.strip(),
        "contact": contact.strip(),
        "email": email,
        "phone": phone.strip(),
        "address": {k: v for k, v in address.items() if v} or None,
        "vat": vat.strip(),
    }
    rel = f"cases/{case_id}/debtor.yaml"
    content = to_yaml(mapping)
    case = _read_back("debtor", rel, content, case_id)
    _cross_check(book, replace(book, cases={**book.cases, case_id: case}), rel)
    return Record(case_id, rel, content, f"new debtor {name}")


# -- invoices ------------------------------------------------------------------------------


def number_taken(book: Book, number: str) -> str | None:
    """The file that already holds invoice `number` anywhere in the book, or None."""
    for case in book.cases.values():
        for invoice in case.invoices:
            if invoice.number == number:
                return invoice.source.path or f"{case.folder}/invoices"
    return None


def due_date(issued: date, *, due: str | date | None = None, terms: str | int | None = None) -> date:
    """The due date: `due` itself, or `terms` days after `issued` (30 when neither)."""
    if due is not None and terms is not None:
        raise BookError("give either a due date or payment terms, not both")
    if due is not None:
        return parse_date(due, what="due date")
    if terms is None:
        return issued + timedelta(days=DEFAULT_TERMS)
    text = str(terms).strip().lstrip("+")
    if not text.isdigit() or int(text) > 3650:
        raise BookError(f"terms {str(terms)!r} is not a number of days (0 to 3650)")
    return issued + timedelta(days=int(text))


def invoice_record(
    root: Path,
    book: Book,
    *,
    case_id: str,
    number: str,
    issued: str | date,
    amount: str | Decimal,
    due: str | date | None = None,
    terms: str | int | None = None,
    currency: str = "",
    reference: str = "",
    description: str = "",
) -> Record:
    """`cases/<case_id>/invoices/<number>.yaml`. Raises `BookError` for an unknown case, a
    number already in the book, or a file that would not pass check."""
    case = find_case(book, case_id, root)
    number = number.strip()
    if not number:
        raise BookError("give the invoice number (--number)")
    taken = number_taken(book, number)
    if taken is not None:
        raise BookError(f"invoice number {number} is already in the book: {taken}")
    issued_day = parse_date(issued, what="issue date")
    due_day = due_date(issued_day, due=due, terms=terms)
    value = parse_amount(amount)
    content = invoice_file(
        number=number, issued=issued_day, due=due_day, amount=value,
        currency=currency.strip().upper() or book.settings.currency,
        description=description.strip(), reference=reference.strip(),
    )
    folder = root / case.folder / "invoices"
    existing = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    stem = number if _FILE_NAME.fullmatch(number) else slug(number, fallback="invoice")
    rel = f"{case.folder}/invoices/{free_name(existing, stem, '.yaml')}"
    invoice: Invoice = _read_back("invoice", rel, content, case.id)
    grown = replace(case, invoices=(*case.invoices, invoice))
    _cross_check(book, replace(book, cases={**book.cases, case.id: grown}), rel)
    return Record(case.id, rel, content,
                  f"invoice {number} of {value:.2f}, due {due_day.isoformat()}")


# -- validation ----------------------------------------------------------------------------


def field_problem(kind: str, key: str, value: Any) -> str | None:
    """What `check` would say of `key: value` in a file of type `kind` ("debtor" or
    "invoice"), or None: for checking a prompt's answer before the next question."""
    mapping = {**_BASE[kind], key: value}
    _, problems = read_file(kind, f"{kind}.yaml", to_yaml(mapping), "x")
    return problems[0].message if problems else None


def _read_back(kind: str, rel: str, content: bytes, case_id: str) -> Any:
    """The record `check` reads from `content`; `BookError` with its problems if any."""
    record, problems = read_file(kind, rel, content, case_id)
    if problems or record is None:
        raise BookError(f"nothing written: {rel} would not pass `casebook check`",
                        problems or [Problem(rel, 1, "the file cannot be read back")])
    return record


def _cross_check(before: Book, after: Book, rel: str) -> None:
    """Refuse when adding the file gives the book a problem it did not have."""
    new = set(check_book(after)) - set(check_book(before))
    if new:
        raise BookError(f"nothing written: {rel} would not pass `casebook check`", new)


def prompt_defaults(book: Book) -> Mapping[str, Any]:
    """What the prompts offer when nothing is typed: the book's language, country, policies."""
    return {
        "language": book.settings.language,
        "country": book.settings.jurisdiction,
        "currency": book.settings.currency,
        "policies": tuple(sorted(book.policies)),
        "default_policy": book.settings.default_policy,
    }


__all__ = [
    "DEFAULT_TERMS", "case_id_problem", "debtor_record", "derive_case_id", "due_date",
    "field_problem", "invoice_record", "number_taken", "prompt_defaults",
]
