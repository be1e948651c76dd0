"""Promises to pay and payment plans: what became of each one (kept, broken, pending).

The rules are those of `behaviour`'s module docstring (and docs/insight.md): a promise is
kept when enough was paid by its date plus the promise grace; a plan breaks on a recorded
`plan-breach` or on an installment late beyond the plan grace. Kept apart from the lateness
figures of `behaviour` because the forecast replays the same rules on its own (`check_plan`,
`promise_deadline`) to know which commitment is still running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Sequence

from casebook.book.dump import money
from casebook.book.model import Action, ActionKind, Note, Payment
from casebook.insight.stats import ZERO
from casebook.money.balance import Allocation

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Commitment:
    """A promise to pay or a payment plan, and what became of it."""

    kind: str
    """`promise` or `plan`."""
    made: date
    """The date of the note that recorded it."""
    due: date
    """The promised date, or the last installment's due date."""
    amount: Decimal | None
    """Promised amount (None: the whole balance) or the plan's total."""
    outcome: str
    """`kept`, `broken`, `pending` or (plans) `replaced`."""
    broken_on: date | None = None
    note: str = ""
    """The note's file stem."""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "made": self.made.isoformat(),
            "due": self.due.isoformat(),
            "amount": money(self.amount) if self.amount is not None else None,
            "outcome": self.outcome,
            "broken_on": self.broken_on.isoformat() if self.broken_on else None,
            "note": self.note,
        }


def _paid_between(payments: Sequence[Payment], first: date, last: date) -> Decimal:
    return sum((p.amount for p in payments if first <= p.date <= last), ZERO)


def promise_deadline(note: Note, grace_days: int) -> date:
    """The last day a promise can still be kept: its date plus the policy's grace."""
    assert note.promise is not None
    return note.promise.date + timedelta(days=grace_days)


def promise_outcomes(
    notes: Sequence[Note],
    payments: Sequence[Payment],
    allocation: Allocation,
    as_of: date,
    grace_days: int,
) -> list[Commitment]:
    """Every promise in `notes` (sorted), with its outcome as of `as_of`."""
    found = []
    for note in notes:
        if note.promise is None:
            continue
        deadline = promise_deadline(note, grace_days)
        if note.promise.amount is not None:
            kept = _paid_between(payments, note.date, deadline) >= note.promise.amount
        else:
            then_open = [
                b for b in allocation.invoices
                if b.invoice.issued <= note.date and b.open_on(note.date) > 0
            ]
            kept = all(b.open_on(min(deadline, as_of)) <= 0 for b in then_open)
        if kept:
            outcome, broken_on = "kept", None
        elif deadline < as_of:
            outcome, broken_on = "broken", deadline + DAY
        else:
            outcome, broken_on = "pending", None
        found.append(
            Commitment("promise", note.date, note.promise.date, note.promise.amount,
                       outcome, broken_on, note.id)
        )
    return found


@dataclass(frozen=True, slots=True)
class PlanCheck:
    """Where a payment plan stands on a day (the engine's rule, replayed)."""

    outcome: str
    broken_on: date | None
    remaining: tuple[tuple[date, Decimal], ...]
    """Installments (due, amount still unpaid) not yet covered by the payments since the note."""


def check_plan(
    note: Note,
    payments: Sequence[Payment],
    actions: Sequence[Action],
    *,
    as_of: date,
    grace_days: int,
    replaced_on: date | None = None,
) -> PlanCheck:
    """The outcome of the plan in `note` as of `as_of`; `replaced_on`: a later plan's date."""
    assert note.plan is not None
    horizon = min(as_of, replaced_on - DAY) if replaced_on else as_of
    grace = timedelta(days=grace_days)
    installments = sorted(note.plan.installments, key=lambda i: i.due)
    since = [p for p in payments if note.date <= p.date <= horizon]
    paid_now = sum((p.amount for p in since), ZERO)
    breach = next(
        (a.date for a in actions
         if a.kind == ActionKind.PLAN_BREACH and note.date <= a.date <= horizon),
        None,
    )
    derived: date | None = None
    required = ZERO
    checked = 0
    for item in installments:
        day = item.due + grace + DAY
        if day > horizon:
            break
        required += item.amount
        if _paid_between(since, note.date, item.due + grace) < required:
            derived = day
            break
        checked += 1
    broken = [d for d in (breach, derived) if d is not None]
    left, remaining = paid_now, []
    for item in installments:
        covered = min(left, item.amount)
        left -= covered
        if item.amount > covered:
            remaining.append((item.due, item.amount - covered))
    if broken:
        return PlanCheck("broken", min(broken), tuple(remaining))
    if not remaining or checked == len(installments):
        return PlanCheck("kept", None, ())
    return PlanCheck("replaced" if replaced_on and replaced_on <= as_of else "pending",
                     None, tuple(remaining))


def plan_outcomes(
    notes: Sequence[Note],
    payments: Sequence[Payment],
    actions: Sequence[Action],
    as_of: date,
    grace_days: int,
) -> list[Commitment]:
    """Every payment plan in `notes` (sorted); a later plan replaces an earlier one."""
    with_plan = [n for n in notes if n.plan is not None and n.plan.installments]
    found = []
    for index, note in enumerate(with_plan):
        assert note.plan is not None
        later = with_plan[index + 1].date if index + 1 < len(with_plan) else None
        check = check_plan(note, payments, actions, as_of=as_of, grace_days=grace_days,
                           replaced_on=later)
        found.append(
            Commitment(
                "plan",
                note.date,
                max(i.due for i in note.plan.installments),
                sum((i.amount for i in note.plan.installments), ZERO),
                check.outcome,
                check.broken_on,
                note.id,
            )
        )
    return found
