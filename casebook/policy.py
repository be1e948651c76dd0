"""What a policy's stages mean in time, and the legal floor under a consumer's deadline.

`casebook.load` turns `policies/*.yaml` into `model.Policy`; this module answers the
questions the engine asks of one: when each stage falls on a plan where everything runs on
time, which stages are courtesy notes before the due date, and how long a consumer must be
given before anything may be charged. Pure functions only.
"""

from __future__ import annotations

from datetime import date, timedelta

from .model import Channel, Kind, Policy, Stage

#: Channels that put a reminder on a durable medium (the law's "written reminder").
WRITTEN_CHANNELS = frozenset({Channel.EMAIL, Channel.LETTER, Channel.REGISTERED})
#: Channels that travel by post: the consumer's waiting period starts later.
PAPER_CHANNELS = frozenset({Channel.LETTER, Channel.REGISTERED})
#: Days a consumer must be given after the first written reminder (BE: CEL XIX.2, NL: 6:96
#: lid 6 BW "14-dagenbrief").
CONSUMER_WAIT_DAYS = 14


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


def third_working_day(sent: date) -> date:
    """The third working day (Monday to Friday) after `sent`; public holidays are ignored."""
    day, counted = sent, 0
    while counted < 3:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def consumer_deadline(sent: date, channel: Channel) -> date:
    """The last day of the waiting period a consumer's first written reminder must grant.

    Belgium (CEL book XIX): at least 14 days, starting the day after an email, or the third
    working day after a letter is posted. The Netherlands (14-dagenbrief): 14 days from the
    day after receipt; we assume a letter is received by the third working day, so the
    Belgian count is used for both (it is never shorter).
    """
    start = third_working_day(sent) if channel in PAPER_CHANNELS else sent + timedelta(days=1)
    return start + timedelta(days=CONSUMER_WAIT_DAYS - 1)


def needs_consumer_floor(kind: Kind, stage: Stage, *, written_before: bool) -> bool:
    """Whether this stage is a consumer's first written reminder after the due date."""
    return (
        kind == Kind.CONSUMER
        and not written_before
        and not is_pre_due(stage)
        and stage.channel in WRITTEN_CHANNELS
    )
