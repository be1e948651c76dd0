"""One case's part of the cash-in forecast: what is at risk, disputed, promised or open.

`forecast` puts every case's outlook in weeks; the rules each outlook follows (at risk,
disputes, the running promise or plan, what is left) are those of `forecast`'s module
docstring. Kept apart because an outlook depends on its case alone (and the date), so the
site keeps one per case between builds and computes it again only for a changed case;
`forecast` is the part that needs the whole book (its usual delay, the weeks).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from casebook.book.dump import money
from casebook.book.model import Action, ActionKind, Book, Case, Channel, Note, Pauses
from casebook.engine.due import open_disputes
from casebook.insight.behaviour import Behaviour, behaviour_of
from casebook.insight.commitments import check_plan, promise_deadline
from casebook.insight.stats import ZERO

AT_RISK_STAGE = "formal-notice"
AT_RISK_CHANNELS = frozenset({Channel.REGISTERED.value, Channel.AGENCY.value})


@dataclass(frozen=True, slots=True)
class Expected:
    """An amount expected from one case on one day."""

    case_id: str
    name: str
    date: date
    amount: Decimal
    kind: str
    """`promise`, `installment`, `estimate` (or `disputed`, for the disputed invoices)."""
    basis: str
    """Why this date, for people."""
    invoice: str = ""
    """The invoice (estimates only)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "name": self.name,
            "date": self.date.isoformat(),
            "amount": money(self.amount),
            "kind": self.kind,
            "invoice": self.invoice or None,
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class RiskCase:
    """A case in formal notice or with the agency: its open balance is at risk."""

    case_id: str
    name: str
    amount: Decimal
    stage: str
    since: date
    channel: str

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "name": self.name,
            "amount": money(self.amount),
            "stage": self.stage,
            "since": self.since.isoformat(),
            "channel": self.channel,
        }


@dataclass(frozen=True, slots=True)
class CaseOutlook:
    """One case's part of a forecast, before its estimates are dated and put in weeks.

    Everything here depends on the case alone (and the date), so a caller may keep it per
    case between forecasts (the site does); only the estimates of debtors without a usual
    delay of their own depend on the rest of the book (its usual delay)."""

    case_id: str
    name: str
    paid: tuple[tuple[int, Decimal], ...] = ()
    """(delay, amount) of each paid invoice: the book's usual delay is their median."""
    own_delay: int | None = None
    at_risk: RiskCase | None = None
    disputed: tuple[Expected, ...] = ()
    committed: tuple[Expected, ...] = ()
    """The running promise or plan, as far as it covers what is open."""
    rest: tuple[tuple[str, date, Decimal], ...] = ()
    """(invoice, due, amount) still open beyond what is committed, oldest first."""


def case_outlook(book: Book, case: Case, today: date,
                 behaviour: Behaviour | None = None) -> CaseOutlook:
    """The part of `forecast` that depends on `case` alone (see `CaseOutlook`)."""
    found = behaviour if behaviour is not None else behaviour_of(book, case, today)
    paid = tuple((r.delay, r.amount) for r in found.records if r.paid_on is not None)
    base = CaseOutlook(case.id, case.name, paid, found.usual_delay)
    open_lines = found.allocation.open_invoices()
    if not open_lines:
        return base
    actions = sorted((a for a in case.actions if a.date <= today), key=lambda a: (a.date, a.id))
    risk = _risk(actions)
    open_numbers = {b.number for b in open_lines}
    if risk is not None and risk.invoices and not open_numbers & set(risk.invoices):
        risk = None  # the notice was about invoices paid since; what is open came later
    if risk is not None:
        return replace(base, at_risk=RiskCase(
            case.id, case.name, sum((b.open for b in open_lines), ZERO),
            risk.stage or str(risk.kind), risk.date, risk.channel,
        ))
    notes = sorted((n for n in case.notes if n.date <= today), key=lambda n: (n.date, n.id))
    under_dispute = open_disputes(notes)
    collectable = [b for b in open_lines if b.number not in under_dispute]
    disputed = tuple(
        Expected(case.id, case.name, b.invoice.due, b.open, "disputed",
                 f"due {b.invoice.due.isoformat()}, under dispute", b.number)
        for b in open_lines if b.number in under_dispute
    )
    policy = book.policy_for(case)
    pauses = policy.pauses if policy else Pauses()
    left = sum((b.open for b in collectable), ZERO)
    committed: list[Expected] = []
    for when, amount, kind, basis in _commitments(case, notes, actions, today, pauses, left):
        take = min(amount, left)
        if take > 0:
            committed.append(Expected(case.id, case.name, when, take, kind, basis))
            left -= take
    covered = sum((e.amount for e in committed), ZERO)
    rest = []
    for b in collectable:
        take = min(covered, b.open)
        covered -= take
        if b.open - take > 0:
            rest.append((b.number, b.invoice.due, b.open - take))
    return replace(base, disputed=disputed, committed=tuple(committed), rest=tuple(rest))


def _risk(actions: Sequence[Action]) -> Action | None:
    """The last stage of the current round when it is a formal notice or a handover."""
    last = None
    for action in actions:
        if action.kind == ActionKind.THANKS:
            last = None
        elif action.kind in (ActionKind.STAGE, ActionKind.HANDOVER):
            last = action
    if last is None:
        return None
    if (
        last.kind == ActionKind.HANDOVER
        or last.stage == AT_RISK_STAGE
        or last.channel in AT_RISK_CHANNELS
    ):
        return last
    return None


def _commitments(
    case: Case,
    notes: Sequence[Note],
    actions: Sequence[Action],
    today: date,
    pauses: Pauses,
    balance: Decimal,
) -> list[tuple[date, Decimal, str, str]]:
    """(date, amount, kind, basis) of the running promise or plan, oldest first."""
    payments = [p for p in case.payments if p.date <= today]
    running: list[tuple[Note, list[tuple[date, Decimal, str, str]]]] = []
    promise = next((n for n in reversed(notes) if n.promise is not None), None)
    if promise is not None and promise.promise is not None:
        if promise_deadline(promise, pauses.promise_grace_days) >= today:
            if promise.promise.amount is None:
                wanted = balance  # the whole balance: what is open now
            else:
                paid = sum((p.amount for p in payments if p.date >= promise.date), ZERO)
                wanted = promise.promise.amount - paid
            if wanted > 0:
                running.append((promise, [(
                    max(promise.promise.date, today), wanted, "promise",
                    f"promised on {promise.date.isoformat()} "
                    f"for {promise.promise.date.isoformat()}",
                )]))
    plan = next((n for n in reversed(notes) if n.plan is not None and n.plan.installments), None)
    if plan is not None:
        check = check_plan(plan, payments, actions, as_of=today, grace_days=pauses.plan_grace_days)
        if check.outcome == "pending" and check.remaining:
            running.append((plan, [
                (max(due, today), amount, "installment",
                 f"plan of {plan.date.isoformat()}: installment due {due.isoformat()}")
                for due, amount in check.remaining
            ]))
    if not running:
        return []
    _, items = max(running, key=lambda r: (r[0].date, r[0].id))
    return items
