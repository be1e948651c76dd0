"""The pauses of a case: a promise to pay, a payment plan, and the breach of a plan.

A promise holds the case until its date plus grace; a plan holds it while every installment
whose grace has run out is covered by what was paid since the plan note, and one installment
late beyond grace breaks it (a `plan-breach` action, once per plan). Each records why it
holds the case in `CaseFacts.paused_by`. Separate from the stage timing (`stages`): a pause
decides whether the policy acts at all, not when its next stage comes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from casebook.book.model import ActionKind, Channel, Installment
from casebook.engine.facts import CaseFacts
from casebook.engine.states import ZERO, DueAction

#: Days a debtor gets to pay the whole balance after a broken payment plan.
PLAN_BREACH_DEADLINE_DAYS = 10


def promise_pause(facts: CaseFacts) -> None:
    """Hold the case while the latest promise of this round (plus grace) has not passed."""
    pauses = facts.policy.pauses
    if not pauses.promise:
        return
    note = next((n for n in reversed(facts.current_notes) if n.promise is not None), None)
    if note is None or note.promise is None:
        return
    until = note.promise.date + timedelta(days=pauses.promise_grace_days)
    if facts.today <= until:
        facts.paused_by.append(
            f"promise to pay by {note.promise.date.isoformat()} (grace until {until.isoformat()})"
        )


def plan_pause(facts: CaseFacts) -> DueAction | None:
    """Pause for an honoured plan, or the breach action of a broken one."""
    pauses = facts.policy.pauses
    if not pauses.plan:
        return None
    note = next((n for n in reversed(facts.current_notes) if n.plan is not None), None)
    if note is None or note.plan is None:
        return None
    if any(a.kind == ActionKind.PLAN_BREACH and a.date >= note.date for a in facts.actions):
        return None  # this plan was broken and recorded; escalation goes on
    grace = timedelta(days=pauses.plan_grace_days)
    installments = sorted(note.plan.installments, key=lambda i: i.due)
    paid = sum((p.amount for p in facts.payments if p.date >= note.date), ZERO)
    required = ZERO
    for item in installments:
        if item.due + grace >= facts.today:
            break
        required += item.amount
        if paid < required:
            return _breach(facts, item, paid, required)
    if installments and facts.today <= installments[-1].due + grace:
        facts.paused_by.append(f"payment plan of {note.date.isoformat()} honoured so far")
    return None


def _breach(facts: CaseFacts, missed: Installment, paid: Decimal, required: Decimal) -> DueAction:
    channel = facts.written_channel(Channel.EMAIL)
    return DueAction(
        case_id=facts.case.id,
        kind=ActionKind.PLAN_BREACH,
        date=facts.today,
        stage=None,
        channel=channel,
        template="plan-breach",
        deadline=facts.deadline(
            facts.today + timedelta(days=PLAN_BREACH_DEADLINE_DAYS),
            channel=channel, kind=ActionKind.PLAN_BREACH, stage=None,
        ),
        invoices=tuple(b.number for b in facts.collectable),
        reason=(
            f"payment plan broken: installment of {missed.amount} due "
            f"{missed.due.isoformat()} not paid (paid {paid} of {required} due by now)"
        ),
        balance=sum((b.open for b in facts.collectable), ZERO),
        missed=missed,
    )
