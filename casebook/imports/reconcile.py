"""Which debtor paid what: bank statement entries matched against the book. Pure.

Only booked credits in the book's currency are payments. Each one is matched, in order:
1. by its structured reference (Belgian structured communication in the structured field or
   written in the free text, with or without `+++`; RF creditor reference) against the
   reference each invoice asks payers to use: its `reference`, or the one casebook generates
   for it when it has none (`casebook.money.refs.invoice_reference`, printed on every letter);
2. by an invoice number written in the free text;
3. by the payer's IBAN, known for a debtor (`iban:` in debtor.yaml), together with an amount
   equal to one open invoice or to the debtor's whole open balance.
Debits, reversals and entries not booked are reported, never booked. An entry whose
reference is already a payment's `reference` in the book (or listed in a review file) is
skipped, which makes importing a statement twice harmless.

Indexes are built once per book, so matching is a few dictionary look-ups per entry.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Iterable

from casebook.money.balance import Allocation, allocate
from casebook.book.model import Book, Payment
from casebook.money.refs import canonical, invoice_reference, normalize_reference
from .records import Statement, StatementEntry

ZERO = Decimal("0")
_TOKEN_SPLIT = re.compile(r"[\s,;:()\[\]{}<>\"'|]+")
_TOKEN_STRIP = ".-/#*+_"


class Status(enum.StrEnum):
    MATCHED = "matched"
    """A payment to book."""
    UNMATCHED = "unmatched"
    """A credit casebook could not place: kept for review."""
    IGNORED = "ignored"
    """Not a payment: a debit, a reversal, an entry not booked."""
    SKIPPED = "skipped"
    """Imported before."""


class Method(enum.StrEnum):
    REFERENCE = "reference"
    INVOICE_NUMBER = "invoice-number"
    IBAN_AMOUNT = "iban-amount"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one statement line."""

    status: Status
    entry: StatementEntry
    """The line: a whole entry, or one transaction of a batched entry."""
    statement: Statement
    reason: str
    """Why it matched (or did not), in words for the person reading the report."""
    case_id: str = ""
    invoice: str | None = None
    """The invoice the payment is for; None: the debtor's oldest open invoices first."""
    method: Method | None = None
    suggestion: str = ""
    """For an unmatched credit: a case that may be the payer (IBAN known, amount differs)."""


@dataclass(frozen=True, slots=True)
class Reconciliation:
    outcomes: tuple[Outcome, ...]

    def with_status(self, status: Status) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == status)

    @property
    def matched(self) -> tuple[Outcome, ...]:
        return self.with_status(Status.MATCHED)

    @property
    def unmatched(self) -> tuple[Outcome, ...]:
        return self.with_status(Status.UNMATCHED)

    @property
    def ignored(self) -> tuple[Outcome, ...]:
        return self.with_status(Status.IGNORED)

    @property
    def skipped(self) -> tuple[Outcome, ...]:
        return self.with_status(Status.SKIPPED)


def payment_lines(entry: StatementEntry) -> list[StatementEntry]:
    """The payments in an entry: its transactions when each has its own amount and they add
    up to the entry (a batch of transfers from several payers), else the entry itself."""
    details = entry.details
    if not details:
        return [entry]
    if any(d.amount is None or d.currency not in ("", entry.currency) for d in details):
        return [entry]
    if sum((d.amount or ZERO for d in details), ZERO) != entry.amount:
        return [entry]
    return [
        replace(
            entry,
            reference=f"{entry.reference}/{i}",
            amount=d.amount or ZERO,
            structured_ref=d.structured_ref,
            unstructured=d.unstructured,
            payer_name=d.payer_name or entry.payer_name,
            payer_iban=d.payer_iban or entry.payer_iban,
            end_to_end=d.end_to_end,
            details=(),
        )
        for i, d in enumerate(details, start=1)
    ]


def normal_iban(text: str) -> str:
    return re.sub(r"[\s.-]", "", text).upper()


class Matcher:
    """The book's indexes for matching, and the payments matched so far in this run."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.currency = book.settings.currency
        self.by_reference: dict[str, set[tuple[str, str]]] = {}
        self.by_number: dict[str, set[tuple[str, str]]] = {}
        self.by_iban: dict[str, list[str]] = {}
        self.known_references: set[str] = set()
        for case in book.cases.values():
            for invoice in case.invoices:
                key = invoice_reference(invoice.reference, invoice.number)
                self.by_reference.setdefault(key, set()).add((case.id, invoice.number))
                number = invoice.number.strip().upper()
                if _searchable(number):
                    self.by_number.setdefault(number, set()).add((case.id, invoice.number))
            for iban in case.iban:
                cases = self.by_iban.setdefault(normal_iban(iban), [])
                if case.id not in cases:
                    cases.append(case.id)
            for payment in case.payments:
                if payment.reference:
                    self.known_references.add(payment.reference)
        self.pending: dict[str, list[Payment]] = {}
        self._allocations: dict[str, Allocation] = {}

    # -- state of a case during the run ---------------------------------------------------
    def allocation(self, case_id: str) -> Allocation:
        cached = self._allocations.get(case_id)
        if cached is None:
            case = self.book.cases[case_id]
            cached = allocate(case.invoices, (*case.payments, *self.pending.get(case_id, ())))
            self._allocations[case_id] = cached
        return cached

    def record(self, outcome: Outcome) -> None:
        """Count a matched payment, so later lines of the run see the balance it leaves."""
        entry = outcome.entry
        self.pending.setdefault(outcome.case_id, []).append(
            Payment(
                date=entry.booking_date,
                amount=entry.amount,
                case_id=outcome.case_id,
                invoice=outcome.invoice,
                reference=entry.reference,
                id=f"~import-{len(self.pending.get(outcome.case_id, ()))}",
            )
        )
        self._allocations.pop(outcome.case_id, None)
        self.known_references.add(entry.reference)

    # -- matching --------------------------------------------------------------------------
    def outcome(self, entry: StatementEntry, statement: Statement) -> Outcome:
        def result(status: Status, reason: str, **kw: object) -> Outcome:
            return Outcome(status, entry, statement, reason, **kw)  # type: ignore[arg-type]

        if entry.reference in self.known_references:
            return result(Status.SKIPPED, "already imported (a payment or review file has "
                          f"reference {entry.reference})")
        if entry.status != "BOOK":
            return result(Status.IGNORED, f"not booked (status {entry.status})")
        if entry.reversal:
            return result(Status.IGNORED, "reversal")
        if not entry.credit:
            return result(Status.IGNORED, "debit")
        if entry.amount <= 0:
            return result(Status.IGNORED, "zero amount")
        if entry.currency and entry.currency != self.currency:
            return result(
                Status.UNMATCHED, f"in {entry.currency}, but the book is in {self.currency}"
            )
        notes: list[str] = []
        for method in (self._by_reference, self._by_number, self._by_iban):
            found = method(entry, notes)
            if found is not None:
                case_id, invoice, how, why = found
                return result(Status.MATCHED, why, case_id=case_id, invoice=invoice, method=how)
        suggestion = ""
        for note in notes:
            if note.startswith("suggest:"):
                suggestion = note.split(":", 1)[1]
        reasons = [n for n in notes if not n.startswith("suggest:")]
        return result(
            Status.UNMATCHED,
            "; ".join(reasons) or "no reference, invoice number or known IBAN",
            suggestion=suggestion,
        )

    def _by_reference(
        self, entry: StatementEntry, notes: list[str]
    ) -> tuple[str, str | None, Method, str] | None:
        structured = canonical(entry.structured_ref) if entry.structured_ref else None
        keys: list[str] = []
        for key in (
            structured,
            normalize_reference(entry.unstructured),
            normalize_reference(entry.info),
        ):
            if key and key not in keys:
                keys.append(key)
        if entry.structured_ref and structured is None:
            notes.append(
                f"structured reference {entry.structured_ref!r} is neither a valid structured "
                "communication nor an RF reference"
            )
        for key in keys:
            hits = self.by_reference.get(key)
            if not hits:
                notes.append(f"reference {key} is on no invoice")
                continue
            if len({case for case, _ in hits}) > 1:
                notes.append(f"reference {key} is on invoices of several debtors")
                continue
            case_id, number = sorted(hits)[0]
            if len(hits) > 1:
                return case_id, None, Method.REFERENCE, f"reference {key} (oldest open first)"
            return case_id, number, Method.REFERENCE, f"reference {key} of invoice {number}"
        return None

    def _by_number(
        self, entry: StatementEntry, notes: list[str]
    ) -> tuple[str, str | None, Method, str] | None:
        if not self.by_number:
            return None
        hits: set[tuple[str, str]] = set()
        for text in (entry.unstructured, entry.info):
            for token in _TOKEN_SPLIT.split(text.upper()):
                token = token.strip(_TOKEN_STRIP)
                found = self.by_number.get(token)
                if found:
                    hits |= found
        if not hits:
            return None
        cases = {case for case, _ in hits}
        numbers = sorted(number for _, number in hits)
        if len(cases) > 1:
            notes.append(f"the text names invoices of several debtors ({', '.join(numbers)})")
            return None
        case_id = cases.pop()
        if len(numbers) == 1:
            return case_id, numbers[0], Method.INVOICE_NUMBER, f"invoice number {numbers[0]} in the text"
        return case_id, None, Method.INVOICE_NUMBER, (
            f"invoice numbers {', '.join(numbers)} in the text (oldest open first)"
        )

    def _by_iban(
        self, entry: StatementEntry, notes: list[str]
    ) -> tuple[str, str | None, Method, str] | None:
        iban = normal_iban(entry.payer_iban)
        cases = self.by_iban.get(iban) if iban else None
        if not cases:
            return None
        candidates = []
        for case_id in cases:
            allocation = self.allocation(case_id)
            same = [b for b in allocation.open_invoices() if b.open == entry.amount]
            if same:
                number = same[0].invoice.number
                candidates.append((case_id, number, f"payer IBAN {iban} and the open amount "
                                   f"of invoice {number}"))
            elif allocation.open == entry.amount:
                candidates.append((case_id, None, f"payer IBAN {iban} and the open balance"))
        if len(candidates) == 1:
            case_id, number, why = candidates[0]
            return case_id, number, Method.IBAN_AMOUNT, why
        if len(candidates) > 1:
            notes.append(f"payer IBAN {iban} belongs to several debtors whose balances match")
            return None
        notes.append(
            f"payer IBAN {iban} is known for {', '.join(cases)}, but {entry.amount} matches "
            "no open invoice nor the open balance"
        )
        if len(cases) == 1:
            notes.append(f"suggest:{cases[0]}")
        return None


def _searchable(number: str) -> bool:
    """Invoice numbers long enough not to be found by accident in any text."""
    if len(number) < 3:
        return False
    return not (number.isdigit() and len(number) < 4)


def reconcile(
    book: Book,
    statements: Iterable[Statement],
    *,
    known_references: Iterable[str] = (),
    matcher: Matcher | None = None,
) -> Reconciliation:
    """Match every line of every statement against `book`, in file order."""
    matcher = matcher or Matcher(book)
    matcher.known_references.update(known_references)
    outcomes: list[Outcome] = []
    for statement in statements:
        for entry in statement.entries:
            if entry.reference in matcher.known_references:
                outcomes.append(matcher.outcome(entry, statement))
                continue
            for line in payment_lines(entry) if entry.credit else [entry]:
                outcome = matcher.outcome(line, statement)
                if outcome.status == Status.MATCHED:
                    matcher.record(outcome)
                elif outcome.status == Status.UNMATCHED:
                    matcher.known_references.add(line.reference)
                outcomes.append(outcome)
    return Reconciliation(tuple(outcomes))
