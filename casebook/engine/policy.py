"""What a policy's stages mean in time, and the legal floor under a consumer's deadline.

`casebook.book.load` turns `policies/*.yaml` into `model.Policy`; this module answers the
questions the engine asks of one: when each stage falls on a plan where everything runs on
time, which stages are courtesy notes before the due date, and how long a consumer must be
given before anything may be charged. Pure functions only.
"""

from __future__ import annotations

from datetime import date

from casebook.money.law import consumer_period_end
from casebook.book.model import ActionKind, Channel, Policy, Stage

#: Channels that put a reminder on a durable medium (the law's "written reminder").
WRITTEN_CHANNELS = frozenset({Channel.EMAIL, Channel.LETTER, Channel.REGISTERED})


def is_pre_due(stage: Stage) -> bool:
    """A courtesy note before the due date: it makes no sense once the invoice is due."""
    return stage.after_due is not None and stage.after_due < 0


def nominal_offsets(policy: Policy) -> tuple[int, ...]:
    """Days after the due date at which each stage falls when every stage runs on time.

    The first stage is timed from the due date even when written with `after_previous`
    (there is no previous stage to count from).
    """
    offsets: list[int] = []
    for stage in policy.stages:
        if stage.after_due is not None:
            offsets.append(stage.after_due)
        else:
            previous = offsets[-1] if offsets else 0
            offsets.append(previous + (stage.after_previous or 0))
    return tuple(offsets)


def window_lead(policy: Policy) -> int:
    """Days before its due date that an invoice enters the policy (0 without a pre-due note)."""
    if policy.stages and policy.stages[0].after_due is not None:
        return max(0, -policy.stages[0].after_due)
    return 0


def consumer_deadline(sent: date, channel: Channel | str, jurisdiction: str = "BE") -> date:
    """The last day of the period a written demand to a consumer must grant: Book XIX's
    waiting period (BE: 14 days from the third working day after a letter is posted, or
    from the day after an email) or the 14-dagenbrief's (NL: 14 days from the day after
    receipt). It is the money engine's own count (`law.consumer_period_end`), so a recorded
    deadline is never shorter than what makes the costs count."""
    return consumer_period_end(sent, str(getattr(channel, "value", channel)), jurisdiction)


def is_written_demand(kind: ActionKind | str, stage: Stage | None, channel: Channel | str) -> bool:
    """A demand for payment on a durable medium after the due date: a stage (not a pre-due
    note) or a plan-breach letter, by email, letter or registered letter."""
    kind = str(getattr(kind, "value", kind))
    if kind == ActionKind.STAGE.value:
        if stage is not None and is_pre_due(stage):
            return False
    elif kind != ActionKind.PLAN_BREACH.value:
        return False
    return str(getattr(channel, "value", channel)) in {c.value for c in WRITTEN_CHANNELS}


def granted_deadline(
    *,
    deadline: date | None,
    sent: date,
    channel: Channel | str,
    kind: ActionKind | str,
    stage: Stage | None,
    consumer: bool,
    jurisdiction: str,
) -> date | None:
    """The payment deadline an action grants: the one recorded in `actions/<stem>.yaml`
    and the one its letter states (the engine and `letters` both ask this function).

    Every written demand to a consumer grants at least the legal period
    (`consumer_deadline`), whatever the policy's `deadline_days`: the letters tell every
    consumer they have 14 days, and in the Netherlands each of them must be a valid
    14-dagenbrief for the collection costs to count. A longer deadline stays.
    """
    if consumer and is_written_demand(kind, stage, channel):
        floor = consumer_deadline(sent, channel, jurisdiction)
        return max(deadline, floor) if deadline else floor
    return deadline
