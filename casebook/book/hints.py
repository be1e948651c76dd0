"""Hints: what a book may still miss without being wrong, for `casebook check` to say once.

Problems (`casebook.book.errors`) make `check` fail; a hint never does. A book works without
an operator or an IBAN, but a new user should hear, once and not on every page, what they
change and how to fill them in. Pure: a loaded `Book` in, one line of text per hint out.
"""

from __future__ import annotations

from typing import Iterable

from casebook.book.config import SETTINGS_FILE
from casebook.book.errors import Problem
from casebook.book.model import Book, Operator

_DEFAULT = Operator()


def hints(book: Book, problems: Iterable[Problem] = ()) -> list[str]:
    """One line per hint, `casebook.yaml: ...`, in a fixed order. None about the settings
    while `casebook.yaml` has a problem: what it holds is not known then."""
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
    return found
