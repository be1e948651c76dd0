"""Which payment paid which invoice: open balances per invoice, and the credit left over.

Rules (SPEC section 1, payment files):
- Payments are applied in date order (same day: payments that name an invoice first, then by
  file id), so the result does not depend on the order files were read in.
- A payment that names an invoice goes to that invoice first; what exceeds its open balance
  goes to the other open invoices, oldest first, then to credit.
- A payment that names no invoice (or an invoice this case does not have) goes to the open
  invoices oldest first: by due date, then issue date, then number.
- Credit notes (`Invoice.credited`) reduce what an invoice asks. A credit note larger than
  its invoice leaves the excess as credit.
- An overpayment is kept as `credit`, never dropped. Allocation is recomputed from all files
  every time, so an overpayment made before a later invoice existed pays that invoice (it is
  the oldest open one when the payment is applied); credit is what nothing open can absorb.

Money is never rounded here: amounts come in with at most two decimals and only move.
Everything is pure and linear in the number of payments times open invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Sequence

from casebook.book.model import Invoice, Payment

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Applied:
    """Part of one payment applied to one invoice (or kept as credit)."""

    date: date
    amount: Decimal
    payment: str
    """The payment's id (file stem); empty if the payment has none."""


@dataclass(frozen=True, slots=True)
class InvoiceBalance:
    """One invoice after all payments."""

    invoice: Invoice
    owed: Decimal
    """What the invoice asks: amount minus credit notes (never below zero)."""
    paid: Decimal
    """Sum of the payments applied to it."""
    open: Decimal
    """What is still unpaid: `owed - paid`, never negative."""
    paid_on: date | None
    """The date of the payment that settled it (issue date if credit notes settled it);
    None while anything is open."""
    applied: tuple[Applied, ...]
    """The payments applied to it, in the order they were applied (by date)."""

    @property
    def number(self) -> str:
        return self.invoice.number

    def open_on(self, day: date) -> Decimal:
        """Open balance at the end of `day` (payments dated `day` included)."""
        return self.owed - sum((a.amount for a in self.applied if a.date <= day), ZERO)


@dataclass(frozen=True, slots=True)
class Allocation:
    """The outcome of `allocate`."""

    invoices: tuple[InvoiceBalance, ...]
    """Every invoice, oldest due first (due, issued, number)."""
    credit: Decimal
    """Paid (or credited) beyond everything invoiced: the debtor's credit, never negative."""
    credit_parts: tuple[Applied, ...]
    """Where the credit came from (payment parts that found no open invoice); a credit note
    larger than its invoice appears with its invoice number as `payment`."""
    unknown_invoice: tuple[Payment, ...]
    """Payments that name an invoice this case does not have (allocated oldest first)."""

    @property
    def open(self) -> Decimal:
        return sum((b.open for b in self.invoices), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((b.paid for b in self.invoices), ZERO)

    def of(self, number: str) -> InvoiceBalance | None:
        return next((b for b in self.invoices if b.invoice.number == number), None)

    def open_invoices(self) -> tuple[InvoiceBalance, ...]:
        return tuple(b for b in self.invoices if b.open > 0)


def invoice_order(invoice: Invoice) -> tuple[date, date, str]:
    """Oldest first: by due date, then issue date, then number."""
    return (invoice.due, invoice.issued, invoice.number)


def _payment_order(payment: Payment) -> tuple[date, int, str]:
    return (payment.date, 0 if payment.invoice else 1, payment.id)


def allocate(invoices: Sequence[Invoice], payments: Sequence[Payment]) -> Allocation:
    """Apply `payments` to `invoices` (see the module docstring for the rules)."""
    ordered = sorted(invoices, key=invoice_order)
    owed = [max(inv.amount - inv.credited, ZERO) for inv in ordered]
    open_ = list(owed)
    applied: list[list[Applied]] = [[] for _ in ordered]
    paid_on: list[date | None] = [inv.issued if o == 0 else None for inv, o in zip(ordered, owed)]
    index = {inv.number: i for i, inv in enumerate(ordered)}

    credit_parts = [
        Applied(inv.issued, inv.credited - inv.amount, inv.number)
        for inv in ordered
        if inv.credited > inv.amount
    ]
    unknown: list[Payment] = []
    first_open = 0  # every invoice before this index is fully paid

    def pay(i: int, amount: Decimal, payment: Payment) -> Decimal:
        take = min(amount, open_[i])
        if take > 0:
            open_[i] -= take
            applied[i].append(Applied(payment.date, take, payment.id))
            if open_[i] == 0:
                paid_on[i] = payment.date
        return amount - take

    for payment in sorted(payments, key=_payment_order):
        rest = payment.amount
        if rest <= 0:
            continue
        if payment.invoice:
            target = index.get(payment.invoice)
            if target is None:
                unknown.append(payment)
            else:
                rest = pay(target, rest, payment)
        while first_open < len(ordered) and open_[first_open] == 0:
            first_open += 1
        i = first_open
        while rest > 0 and i < len(ordered):
            if open_[i] > 0:
                rest = pay(i, rest, payment)
            i += 1
        if rest > 0:
            credit_parts.append(Applied(payment.date, rest, payment.id))

    balances = tuple(
        InvoiceBalance(
            invoice=inv,
            owed=owed[i],
            paid=owed[i] - open_[i],
            open=open_[i],
            paid_on=paid_on[i],
            applied=tuple(applied[i]),
        )
        for i, inv in enumerate(ordered)
    )
    return Allocation(
        invoices=balances,
        credit=sum((c.amount for c in credit_parts), ZERO),
        credit_parts=tuple(credit_parts),
        unknown_invoice=tuple(unknown),
    )
