"""Hints: what a book may still miss without being wrong, for `casebook check` to say once.

Problems (`casebook.book.errors`) make `check` fail; a hint never does. A book works without
an operator, an IBAN or this half-year's interest rate, but a new user should hear, once and
not on every page, what they change and how to fill them in. A loaded `Book` (or what a
warm `check` knows of it) in, one line of text per hint out; the book's root is only read
for the name of its rate folder.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Protocol

from casebook.book.config import SETTINGS_FILE
from casebook.book.errors import Problem
from casebook.book.model import Operator, Settings
from casebook.book.rates import BOOK_FOLDER, TABLES, RateTable, RateTables, book_folder

_DEFAULT = Operator()


class Configured(Protocol):
    """What hints read of a book: a loaded `Book`, or what a warm `check` knows of it."""

    @property
    def settings(self) -> Settings: ...
    @property
    def rates(self) -> RateTables | None: ...


def hints(book: Configured, problems: Iterable[Problem] = (), *, today: date | None = None,
          root: Path | None = None) -> list[str]:
    """One line per hint, `<file>: ...`, in a fixed order. None while `casebook.yaml` has a
    problem: what it holds is not known then. Rate hints need `today`."""
    found: list[str] = []
    if any(p.path == SETTINGS_FILE for p in problems):
        return found
    if not book.settings.creditor.iban:
        found.append(f"{SETTINGS_FILE}: no `creditor.iban`: letters ask debtors to pay but name "
                     "no account and carry no payment QR code; fill in the account they pay into")
    if book.settings.operator == _DEFAULT:
        found.append(f"{SETTINGS_FILE}: no `operator`: the operator is who casebook records "
                     "actions as; until it is set, commits are made as "
                     f"{_DEFAULT.name} <{_DEFAULT.email}> or as this machine's git user; fill "
                     "in `operator:` with `name:` and `email:` of the person or team")
    if today is not None:
        folder = book_folder(root)[0] if root is not None else BOOK_FOLDER
        prefix = book.settings.jurisdiction.lower() + "-"
        for name in TABLES:
            table = book.rates.tables.get(name)
            if name.startswith(prefix) and table is not None and table.known_until < today:
                found.append(_rate_hint(book, table, folder))
    return found


def _rate_hint(book: Configured, table: RateTable, folder: str) -> str:
    """The first day without a known rate, and the one line that adds its rate. Claims and
    letters still use the last known rate and say so (`casebook.book.rates.split`)."""
    start = table.known_until + timedelta(days=1)
    last = table.rows[-1]
    rel = f"{folder}/{table.name}.yaml"
    row = f'{{from: {start.isoformat()}, rate: "<rate>", source: "<where it is published>"}}'
    if rel in book.rates.overridden:
        how = f"add the row `- {row}` under `rates:` in {rel}"
    else:
        how = f"write `rates: [{row}]` into the new file {rel}"
    return (f"{rel}: no rate yet from {start.isoformat()} (interest since then uses the last "
            f"known, {last.rate} % from {last.start.isoformat()}); when it is published, {how}")
