"""The statement of the claim a letter makes: which invoices, how much interest and costs.

The figures are the money engine's (`casebook.money.claim.claim_for`); this module picks
what one action charges and copies the result into plain, frozen values a template can
show. It is apart from the rendering so that the amounts can be computed (and tested, and
recorded as an action's total by `casebook.record`) without a template, a locale or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casebook.book.model import Book, Case, Charge, Kind
from casebook.book.wording import Text
from casebook.money import refs

if TYPE_CHECKING:
    from casebook.letters.letter import ActionLike

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    number: str
    issued: date
    due: date
    amount: Decimal
    paid: Decimal
    open: Decimal
    days_late: int
    description: str = ""
    interest: Decimal = ZERO
    compensation: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """One stretch of interest at one rate: shown in the letter so the debtor can check it."""

    invoice: str
    start: date
    end: date
    days: int
    rate: Decimal
    """Yearly rate in percent."""
    base: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CostLine:
    """A compensation, damages clause, collection cost or fee, with what it is based on.

    `label` and `basis` are English; a letter says `label_text` and `basis_text` in the
    debtor's language (`casebook.book.wording`)."""

    code: str
    """`compensation`, `damages`, `collection-costs`, `reminder-fee`."""
    label: str
    basis: str
    amount: Decimal
    label_text: Text = ()
    basis_text: Text = ()


@dataclass(frozen=True, slots=True)
class Statement:
    """What a letter tells the debtor they owe, as of the letter's date."""

    invoices: tuple[InvoiceLine, ...]
    """The open invoices the letter covers, oldest due first."""
    paid: Decimal
    """Already paid on those invoices."""
    principal: Decimal
    interest: Decimal
    interest_periods: tuple[InterestPeriod, ...]
    costs: Decimal
    cost_lines: tuple[CostLine, ...]
    pending: tuple[CostLine, ...] = ()
    """Costs not due yet that a consumer reminder must announce (Book XIX, 14-dagenbrief)."""
    warnings: tuple[str, ...] = ()
    """In English; `notices` are the same as phrases, said in the letter's language."""
    notices: tuple[Text, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.costs


def statement_for(book: Book, case: Case, action: ActionLike, *, book_root: Path | None = None) -> Statement:
    """The amounts of a letter, from the money engine (`casebook.money.claim.claim_for`).

    A stage claims what it charges (the law may refuse some of it); a thank-you or a plan
    breach charges nothing new. The handover to an agency carries the full claim: whatever
    the law allows on that day (principal, interest, costs, fees of earlier reminders),
    unless its stage names `charges` of its own. The book's own rate tables (`rates/`) are
    used when present.
    """
    from casebook.book.rates import load_tables
    from casebook.money.claim import claim_for

    stage = action.stage
    kind = str(getattr(action.kind, "value", action.kind))
    charges: frozenset[Charge] | None = frozenset()
    if stage is not None and kind == "stage":
        charges = stage.charges
    elif kind == "handover":
        charges = stage.charges if stage is not None and stage.charges else None
    fee = stage.fee if stage is not None and kind == "stage" else ZERO
    tables, _ = load_tables(book_root) if book_root is not None else (None, [])
    claim = claim_for(
        book, case, action.date, charges=charges, fee=fee, channel=str(action.channel),
        invoices=action.invoices or None, rates=tables,
    )
    pending = claim.pending
    consumer = case.kind == Kind.CONSUMER
    if not pending and charges is not None and consumer and _policy_charges_costs(book, case):
        # A consumer reminder must announce the costs a later stage will charge (the
        # 14-dagenbrief, Book XIX), even when this stage itself charges none.
        pending = claim_for(
            book, case, action.date, charges=charges | {Charge.COSTS}, fee=fee,
            channel=str(action.channel), invoices=action.invoices or None, rates=tables,
        ).pending
    return Statement(
        invoices=tuple(
            InvoiceLine(
                number=i.number, issued=i.issued, due=i.due, amount=i.amount, paid=i.paid,
                open=i.open, days_late=i.days_late, description=i.description,
                interest=i.interest, compensation=i.compensation,
            )
            for i in claim.invoices
        ),
        paid=claim.paid,
        principal=claim.principal,
        interest=claim.interest,
        interest_periods=tuple(
            InterestPeriod(invoice=number, start=p.start, end=p.end, days=p.days, rate=p.rate,
                           base=p.base, amount=p.amount)
            for number, p in claim.periods()
        ),
        costs=claim.costs,
        cost_lines=tuple(_cost_line(c) for c in claim.cost_lines),
        pending=tuple(_cost_line(c) for c in pending),
        warnings=claim.warnings,
        notices=claim.notices,
    )


def _cost_line(line: Any) -> CostLine:
    return CostLine(line.code, line.label, line.basis, line.amount, line.label_text,
                    line.basis_text)


def _policy_charges_costs(book: Book, case: Case) -> bool:
    policy = book.policy_for(case)
    return policy is not None and any(Charge.COSTS in s.charges for s in policy.stages)


def announced_costs(statement: Statement) -> Decimal | None:
    """The costs a consumer reminder must announce before they may be charged (NL: the WIK
    amount of the 14-dagenbrief; BE: the damages clause within the Book XIX scale), as the
    money engine computed them; None when there is nothing to announce."""
    if not statement.pending:
        return None
    return sum((c.amount for c in statement.pending), ZERO)


def payment_reference(case: Case, statement: Statement) -> str:
    """The structured communication to pay with: the oldest open invoice's own reference,
    else a stable one generated for it (so the bank payment can be matched)."""
    numbers = [line.number for line in statement.invoices]
    invoices = {inv.number: inv for inv in case.invoices}
    if numbers:
        oldest = invoices[numbers[0]]
    elif case.invoices:
        oldest = min(case.invoices, key=lambda i: (i.due, i.issued, i.number))
    else:
        return ""
    return refs.invoice_reference(oldest.reference, oldest.number, case.id)
