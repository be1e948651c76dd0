"""When the policy's next step comes: the next stage, the first one, and the thank-you.

Given what a case is (`CaseFacts`) and the anchor invoice, this plans the next action: the
stage after the furthest one taken, timed from the anchor's due date or the stage before,
never before a granted deadline has run out, on a working day, and not below the stage's
minimum balance; or the thank-you once the reminded invoices are paid. Separate from the
derivation (`facts`) and the pauses (`pauses`): this is the policy's timing, the part of
the rules that changes when a policy gains a kind of stage.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Sequence

from casebook.book.model import Action, ActionKind, Channel, Policy
from casebook.engine.facts import DAY, STAGE_KINDS, CaseFacts
from casebook.engine.policy import is_pre_due, nominal_offsets
from casebook.engine.states import ZERO, CaseState, DueAction, NextAction, PhoneTask, Status
from casebook.money.balance import InvoiceBalance
from casebook.money.workdays import is_working_day


def first_stage_date(facts: CaseFacts, balance: InvoiceBalance) -> NextAction | None:
    """When the first stage that still applies to `balance` comes, if any."""
    offsets = nominal_offsets(facts.policy)
    for index, stage in enumerate(facts.policy.stages):
        when = balance.invoice.due + timedelta(days=offsets[index])
        when = facts.acting_day(max(when, facts.window_start(balance)))
        if is_pre_due(stage) and when >= balance.invoice.due:
            continue
        return NextAction(when, stage.id)
    return None


def next_stage(
    facts: CaseFacts,
    anchor: InvoiceBalance,
    episode: Sequence[Action],
    tasks: tuple[PhoneTask, ...],
    last: dict[str, object],
) -> CaseState:
    """The state of a case in collection: its next stage, and that stage's action if due today."""
    today = facts.today
    stages = facts.policy.stages
    offsets = nominal_offsets(facts.policy)
    index_of = {s.id: i for i, s in enumerate(stages)}
    taken = [(index_of[a.stage], a) for a in episode if a.kind in STAGE_KINDS and a.stage in index_of]
    if taken:
        last_index, last_action = max(taken, key=lambda t: (t[0], t[1].date, t[1].id))
        next_index = last_index + 1
    else:
        last_index, last_action, next_index = -1, None, 0
    due_date = anchor.invoice.due
    # A pre-due courtesy note lapses once the invoice is due.
    while next_index < len(stages) and is_pre_due(stages[next_index]) and today >= due_date:
        next_index += 1
    if next_index >= len(stages):
        return facts.base(
            Status.OPEN,
            tasks=tasks,
            waiting="every stage of the policy has been taken: decide by hand",
            **last,
        )
    stage = stages[next_index]
    when = due_date + timedelta(days=offsets[next_index])
    if last_action is not None:
        gap = stage.after_previous if stage.after_previous is not None else (
            offsets[next_index] - offsets[last_index]
        )
        spaced = last_action.date + timedelta(days=max(gap, 1))
        when = spaced if stage.after_due is None else max(when, spaced)
        why = (
            f"{(today - last_action.date).days} days after {last_action.stage} "
            f"on {last_action.date.isoformat()}"
        )
    else:
        when = max(when, facts.window_start(anchor))
        days = (today - due_date).days
        why = (
            f"invoice {anchor.number} due {due_date.isoformat()} "
            + (f"({days} days ago)" if days > 0 else f"(in {-days} days)" if days < 0 else "(today)")
        )
    deadlines = [a.deadline for a in episode if a.deadline is not None]
    # A phone call is contact, not a new demand: it may come within a deadline.
    if deadlines and stage.channel != Channel.PHONE:
        when = max(when, max(deadlines) + DAY)
    # Nothing is done on a weekend or a public holiday: the stage waits for the next
    # working day (and a stage overdue since a working day is not taken on a day off).
    when = facts.acting_day(when)
    if when < today and not is_working_day(today, facts.jurisdiction):
        when = facts.acting_day(today)
    next_action = NextAction(when, stage.id)
    balance = sum((b.open for b in facts.collectable), ZERO)
    if when > today:
        return facts.base(Status.OPEN, tasks=tasks, next_action=next_action, **last)
    if balance < stage.min_balance:
        return facts.base(
            Status.OPEN,
            tasks=tasks,
            next_action=next_action,
            waiting=f"balance {balance} is below the minimum {stage.min_balance} of stage {stage.id}",
            **last,
        )
    if facts.acted_today:
        return facts.base(Status.OPEN, tasks=tasks, next_action=next_action, **last)
    # An email stage for a debtor without an email address goes by post: the case is
    # never blocked, and the action records the channel really used.
    channel = facts.written_channel(stage.channel)
    if channel != stage.channel:
        why += f"; no email address, sent by {channel}"
    kind = ActionKind.HANDOVER if stage.channel == Channel.AGENCY else ActionKind.STAGE
    deadline = facts.deadline(
        today + timedelta(days=stage.deadline_days) if stage.deadline_days else None,
        channel=channel, kind=kind, stage=stage,
    )
    due = DueAction(
        case_id=facts.case.id,
        kind=kind,
        date=today,
        stage=stage,
        channel=channel,
        template=stage.template or stage.id,
        deadline=deadline,
        invoices=tuple(b.number for b in facts.collectable),
        reason=f"{stage.id} (stage {next_index + 1} of {len(stages)}, {facts.policy.name}): {why}",
        balance=balance,
    )
    return facts.base(Status.OPEN, tasks=tasks, next_action=next_action, due=due, **last)


def thanks_due(facts: CaseFacts, anchor: InvoiceBalance | None) -> DueAction | None:
    """The thank-you, when the last reminder's overdue invoices are all paid.

    Due only when the last action was a reminder after the due date (or a plan
    breach), every invoice it demanded is paid, and whatever is still open was not
    part of that round of collection (it fell due after it).
    """
    if not facts.policy.thank_you:
        return None
    last = facts.since_thanks[-1] if facts.since_thanks else None
    if last is None or last.kind in (ActionKind.HANDOVER, ActionKind.THANKS):
        return None
    if last.kind == ActionKind.STAGE and _was_pre_due(facts.policy, last):
        return None
    if anchor is not None and last.date >= facts.window_start(anchor):
        return None
    due_by_number = {i.number: i.due for i in facts.invoices}
    open_numbers = {b.number for b in facts.open}
    demanded = [n for n in last.invoices if n in due_by_number and due_by_number[n] <= last.date]
    if not demanded:
        if any(b.invoice.due <= last.date for b in facts.open):
            return None
    elif any(n in open_numbers for n in demanded):
        return None
    return DueAction(
        case_id=facts.case.id,
        kind=ActionKind.THANKS,
        date=facts.today,
        stage=None,
        channel=facts.written_channel(facts.policy.thank_you_channel),
        template=facts.policy.thank_you,
        deadline=None,
        invoices=tuple(demanded),
        reason=f"paid after {last.stage or last.kind} of {last.date.isoformat()}: thank the customer",
        balance=ZERO,
    )


def _was_pre_due(policy: Policy, action: Action) -> bool:
    stage = policy.stage(action.stage)
    return stage is not None and is_pre_due(stage)
