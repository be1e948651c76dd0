"""What the import parsers produce: plain, frozen values with no knowledge of the book.

A parser turns the bytes of one file into these records or raises one `ImportProblem`;
matching them against the book (`reconcile`) and writing files (`apply`) come after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

_DECIMAL_RE = re.compile(r"[+-]?\d{1,15}(?:\.\d{1,6})?")


def plain_decimal(text: str) -> Decimal | None:
    """A decimal written plainly (`-1234.56`), as banks and invoices write amounts; None
    for anything else (exponents, NaN, thousands separators, absurd sizes)."""
    text = text.strip()
    return Decimal(text) if _DECIMAL_RE.fullmatch(text) else None


class ImportProblem(Exception):
    """A file that cannot be imported, with the place a human must look at."""

    def __init__(self, file: str, message: str, *, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else (
            f"{self.file}: {self.message}"
        )


@dataclass(frozen=True, slots=True)
class Transaction:
    """One transaction inside a batched (globalised) statement entry."""

    amount: Decimal | None
    """The transaction's own amount; None when the bank did not give it."""
    currency: str = ""
    structured_ref: str = ""
    unstructured: str = ""
    payer_name: str = ""
    payer_iban: str = ""
    end_to_end: str = ""


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One movement on the account, as the bank booked it."""

    reference: str
    """The bank's reference for the entry (camt `AcctSvcrRef`, CODA bank reference), or a
    stable hash of its content when the bank gives none. Unique within one parsed file."""
    booking_date: date
    value_date: date | None
    amount: Decimal
    """Always positive; `credit` says the direction."""
    currency: str
    credit: bool
    """True for money coming in (CRDT), False for money going out (DBIT)."""
    reversal: bool = False
    status: str = "BOOK"
    """BOOK (booked), PDNG (pending) or INFO; only booked entries are payments."""
    structured_ref: str = ""
    """Creditor reference as given (Belgian structured communication, RF, or other)."""
    unstructured: str = ""
    """Free remittance text."""
    payer_name: str = ""
    payer_iban: str = ""
    bank_code: str = ""
    """Bank transaction code, e.g. PMNT/RCDT/ESCT (camt) or 00150000 (CODA)."""
    info: str = ""
    """Other text the bank adds (camt AddtlNtryInf/AddtlTxInf, CODA free communication)."""
    end_to_end: str = ""
    details: tuple[Transaction, ...] = ()
    """The transactions of a batched entry (empty when the entry is a single transfer)."""
    line: int = 0
    """Line in the file where the entry starts, when known."""


@dataclass(frozen=True, slots=True)
class Balance:
    amount: Decimal
    """Signed: negative for a debit balance."""
    currency: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """One account statement (a file may hold several)."""

    format: str
    """camt053 or coda."""
    file: str
    """Name of the file it was read from (without folders)."""
    id: str
    """The bank's statement identification."""
    account: str
    """Own account (IBAN or other identification)."""
    currency: str
    created: date | None = None
    opening: Balance | None = None
    closing: Balance | None = None
    entries: tuple[StatementEntry, ...] = ()
    version: str = ""
    """camt.053 message version (e.g. 001.02), CODA version digit."""


@dataclass(frozen=True, slots=True)
class Party:
    """The buyer of a UBL document (our debtor)."""

    name: str
    """Legal (registration) name, else trading name."""
    trading_name: str = ""
    vat: str = ""
    endpoint: str = ""
    """Peppol endpoint as `scheme:id`, e.g. 0208:0123456789."""
    company_id: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class UblDocument:
    """A Peppol BIS Billing 3.0 (UBL 2.1) invoice or credit note."""

    file: str
    credit_note: bool
    number: str
    issued: date
    due: date | None
    payable: Decimal
    currency: str
    buyer: Party
    payment_id: str = ""
    """cac:PaymentMeans/cbc:PaymentID: the payment reference the seller asked for."""
    type_code: str = ""
    billing_reference: str = ""
    """For a credit note: the number of the invoice it corrects."""
    note: str = ""
    customization: str = ""
    pdf: bytes | None = field(default=None, repr=False)
    """The embedded invoice PDF, decoded."""
    pdf_name: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceDraft:
    """An invoice read from a CSV export, before it is placed in a case."""

    file: str
    line: int
    number: str
    issued: date
    due: date | None
    amount: Decimal
    currency: str
    debtor: str
    vat: str = ""
    email: str = ""
    reference: str = ""
    description: str = ""


def content_reference(*parts: object) -> str:
    """A stable reference for an entry the bank gave none: a hash of what identifies it."""
    import hashlib

    text = "\x1f".join(str(p) for p in parts)
    return "H" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20].upper()


def unique_references(entries: list[StatementEntry]) -> list[StatementEntry]:
    """The entries with references made unique within one file (`REF`, `REF#2`, ...).

    Two identical transfers on one day must stay two payments, and a bank that repeats a
    reference must not make the second entry look already imported.
    """
    from dataclasses import replace

    seen: dict[str, int] = {}
    result = []
    for entry in entries:
        count = seen.get(entry.reference, 0) + 1
        seen[entry.reference] = count
        result.append(entry if count == 1 else replace(entry, reference=f"{entry.reference}#{count}"))
    return result
