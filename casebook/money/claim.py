"""What a debtor owes on a date: principal, interest and costs, with the working shown.

`claim_for` is pure: the book's values and a date in, a `Claim` out. It looks only at what
had happened by `as_of` (payments, invoices issued, actions taken up to that day).

Rounding: every interest period and every cost line is rounded half-up to the cent; each
total is the plain sum of the rounded lines shown, so a letter always adds up.
Scope: the claim covers the invoices still open on `as_of`. Interest on an invoice that was
paid late but in full is not claimed (it would need its own letter and is rarely pursued);
the interest on a partly paid invoice does include the days before each payment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Collection

from casebook.money import law_be
from casebook.money import law_nl
from casebook.money.balance import allocate
from casebook.money.costs import percent_text
from casebook.money.interest import InterestPeriod, total
from casebook.money.law import ZERO, Context, CostLine, LawOptions
from casebook.book.model import ActionKind, Book, Case, Channel, Charge
from casebook.book.rates import RateTables, shipped_tables
from casebook.book.wording import Text, english

__all__ = ["Claim", "CostLine", "InterestPeriod", "InvoiceClaim", "LawOptions", "claim_for"]


@dataclass(frozen=True, slots=True)
class InvoiceClaim:
    number: str
    issued: date
    due: date
    amount: Decimal
    """What the invoice asks after credit notes."""
    paid: Decimal
    open: Decimal
    days_late: int
    interest: Decimal
    """Sum of `periods` amounts."""
    compensation: Decimal
    """Flat statutory compensation for this invoice (BE 40, NL business 40)."""
    periods: tuple[InterestPeriod, ...] = ()
    charge_from: date | None = None
    """First day costs may be charged for it (consumers: after the reminder period);
    None while no qualifying reminder was sent."""
    reference: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Claim:
    case_id: str
    as_of: date
    currency: str
    invoices: tuple[InvoiceClaim, ...]
    """Open invoices, oldest due first."""
    principal: Decimal
    interest: Decimal
    costs: Decimal
    """Sum of `cost_lines` (which include the invoices' compensations)."""
    total: Decimal
    credit: Decimal = ZERO
    """Overpayment the debtor has with us (not deducted: it only exists when nothing is open)."""
    cost_lines: tuple[CostLine, ...] = ()
    pending: tuple[CostLine, ...] = ()
    """Costs not yet due that a consumer reminder must announce (Book XIX, 14-dagenbrief)."""
    warnings: tuple[str, ...] = field(default=())
    """In English (`casebook claim`, JSON); `notices` holds the same as phrases."""
    notices: tuple[Text, ...] = ()
    """The warnings as phrases (`casebook.book.wording`), for letters in the debtor's language."""

    @property
    def paid(self) -> Decimal:
        return sum((i.paid for i in self.invoices), ZERO)

    def periods(self) -> tuple[tuple[str, InterestPeriod], ...]:
        """Every interest period with its invoice number."""
        return tuple((i.number, p) for i in self.invoices for p in i.periods)

    def to_json(self) -> dict[str, Any]:
        """SPEC section 4, plus `warnings`, `credit`, `cost_lines`, `pending`, `periods`."""
        return {
            "case": self.case_id,
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "invoices": [
                {
                    "number": i.number,
                    "due": i.due.isoformat(),
                    "amount": _s(i.amount),
                    "paid": _s(i.paid),
                    "open": _s(i.open),
                    "days_late": i.days_late,
                    "interest": _s(i.interest),
                    "compensation": _s(i.compensation),
                }
                for i in self.invoices
            ],
            "principal": _s(self.principal),
            "interest": _s(self.interest),
            "costs": _s(self.costs),
            "total": _s(self.total),
            "warnings": list(self.warnings),
            "credit": _s(self.credit),
            "cost_lines": [_line(c) for c in self.cost_lines],
            "pending": [_line(c) for c in self.pending],
            "periods": [
                {
                    "invoice": number,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "days": p.days,
                    "rate": rate_text(p.rate),
                    "base": _s(p.base),
                    "amount": _s(p.amount),
                }
                for number, p in self.periods()
            ],
        }


def _s(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _line(line: CostLine) -> dict[str, str]:
    return {"code": line.code, "label": line.label, "amount": _s(line.amount), "basis": line.basis}


rate_text = percent_text


def claim_for(
    book: Book,
    case: Case,
    as_of: date,
    *,
    charges: frozenset[Charge] | None = None,
    fee: Decimal = Decimal(0),
    channel: Channel | str | None = None,
    invoices: Collection[str] | None = None,
    rates: RateTables | None = None,
    options: LawOptions | None = None,
) -> Claim:
    """The claim against `case` on `as_of`.

    charges: None = everything the law allows on that date (`casebook claim`); a set
        restricts to what a policy stage asks (the law may still refuse some of it).
    fee: the reminder fee of a letter being written now (not yet recorded as an action);
        `channel` is that letter's channel (postage is added to a Belgian consumer's fee
        only for paper). Fees of recorded actions come from their policy stage.
    invoices: restrict to these invoice numbers (a letter about some invoices only).
    rates: the book's rate tables (`rates.load_tables(root)`); default: the shipped ones.
    options: readings of unconfirmed rules (`LawOptions`); default: the cautious ones.
    """
    tables = rates or book.rates or shipped_tables()
    known = [i for i in case.invoices if i.issued <= as_of]
    allocation = allocate(known, [p for p in case.payments if p.date <= as_of])
    wanted = set(invoices) if invoices is not None else None
    balances = tuple(
        b for b in allocation.invoices
        if b.open > 0 and (wanted is None or b.invoice.number in wanted)
    )
    actions = tuple(sorted(
        (a for a in case.actions if a.date <= as_of and a.kind == ActionKind.STAGE),
        key=lambda a: (a.date, a.id),
    ))
    context = Context(
        book=book, case=case, as_of=as_of, balances=balances, tables=tables,
        options=options or LawOptions(), charges=charges, fee=fee if fee > 0 else ZERO,
        channel=str(channel) if channel else None, actions=actions,
    )
    jurisdiction = book.settings_of(case).jurisdiction
    outcome = (law_nl if jurisdiction == "NL" else law_be).apply(context)

    lines = []
    for balance in balances:
        result = outcome.invoices[balance.number]
        inv = balance.invoice
        lines.append(InvoiceClaim(
            number=inv.number,
            issued=inv.issued,
            due=inv.due,
            amount=balance.owed,
            paid=balance.paid,
            open=balance.open,
            days_late=max((as_of - inv.due).days, 0),
            interest=total(result.periods),
            compensation=result.compensation,
            periods=result.periods,
            charge_from=result.charge_from,
            reference=inv.reference,
            description=inv.description,
        ))
    principal = sum((i.open for i in lines), ZERO)
    interest = sum((i.interest for i in lines), ZERO)
    costs = sum((c.amount for c in outcome.cost_lines), ZERO)
    return Claim(
        case_id=case.id,
        as_of=as_of,
        currency=book.settings.currency,
        invoices=tuple(lines),
        principal=principal,
        interest=interest,
        costs=costs,
        total=principal + interest + costs,
        credit=allocation.credit,
        cost_lines=tuple(outcome.cost_lines),
        pending=tuple(outcome.pending),
        warnings=tuple(english(w) for w in outcome.warnings),
        notices=tuple(outcome.warnings),
    )
