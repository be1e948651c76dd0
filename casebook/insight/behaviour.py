"""How a debtor pays: lateness, reminders needed, promises and plans kept or broken.

Pure: a case and a date in, a `Behaviour` out. Only what is dated on or before `as_of`
counts (invoices issued, payments, notes, actions), so the figures of any past day can be
recomputed exactly. The definitions (docs/insight.md says the same for users):

- An invoice is *assessed* once it is paid (`balance.allocate` says its open balance is 0)
  or overdue (still open after its due date). An invoice that is open and not yet due says
  nothing about the debtor yet and is left out of every lateness figure.
- Its *delay* is `paid_on - due` in days (negative when paid early) or `as_of - due` while
  open; its *days late* are the delay, but never below 0. Paid on time: paid, delay <= 0.
- Averages and medians are weighted by what the invoice asks (amount minus credit notes):
  a late invoice of 10,000 weighs a hundred times one of 100. The median is the lower
  weighted median (`stats.weighted_median`).
- The *usual delay* (what the forecast uses) is the weighted median delay of the paid
  invoices, early payments included as negative days.
- Trend: the last 12 months in four quarters by due date, each with its weighted average
  days late; `worsening`/`improving` when the last quarter with invoices differs from the
  first one by more than `STEADY_DAYS`, else `steady` (`unknown` with fewer than two).
- Reminders an invoice took: the stage actions (and handovers) dated from its due date up
  to the day before it was paid that cover it (an action that lists no invoice covers all).
  The usual number is the median over the paid invoices.
- A promise is kept when enough was paid from the day it was made until its date plus the
  policy's promise grace (no amount: everything then open is paid by then); broken once
  that day has passed without it. A plan is broken when a `plan-breach` action was recorded
  after it, or when an installment is late beyond the plan grace: the payments from the plan
  note up to the installment's due date plus the grace do not cover it and those before it.
  A plan replaced by a later plan before it broke is `replaced`. (Promises and plans are
  judged in `commitments`.)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Sequence

from casebook.book.model import Action, ActionKind, Book, Case, Invoice, Pauses
from casebook.insight.commitments import Commitment, plan_outcomes, promise_outcomes
from casebook.insight.stats import (
    add_months, lower_median, percent, rounded, weighted_mean, weighted_median,
)
from casebook.money.balance import Allocation, allocate

DAY = timedelta(days=1)
REMINDER_KINDS = frozenset({ActionKind.STAGE, ActionKind.HANDOVER})
QUARTERS = 4
"""The trend covers this many quarters (12 months) before the date."""
STEADY_DAYS = 7
"""A change in average days late up to this many days is `steady`."""


class InvoiceRecord(NamedTuple):
    """One assessed invoice (paid, or open past its due date). A tuple: there are many."""

    number: str
    issued: date
    due: date
    amount: Decimal
    """What it asks: amount minus credit notes."""
    paid_on: date | None
    delay: int
    """Days from due date to payment (negative: early), or to `as_of` while open."""
    reminders: int
    """Stage actions covering it from its due date until the day before payment (or as_of)."""

    @property
    def days_late(self) -> int:
        return max(0, self.delay)

    @property
    def on_time(self) -> bool:
        return self.paid_on is not None and self.delay <= 0


@dataclass(frozen=True, slots=True)
class Quarter:
    """Three months of the trend, by due date (both ends included)."""

    start: date
    end: date
    invoices: int
    average_days_late: Decimal | None


@dataclass(frozen=True, slots=True)
class Behaviour:
    """A debtor's payment behaviour as of a date (see the module docstring)."""

    case_id: str
    as_of: date
    invoices: int
    """Invoices issued by `as_of` that ask anything."""
    records: tuple[InvoiceRecord, ...]
    """The assessed invoices, oldest due first."""
    on_time_share: Decimal | None
    """Percentage of the assessed invoices paid on time (exact)."""
    average_days_late: Decimal | None
    median_days_late: int | None
    usual_delay: int | None
    """Weighted median delay of the paid invoices (negative: usually early)."""
    trend: tuple[Quarter, ...]
    trend_direction: str
    reminders_median: int | None
    reminders_average: Decimal | None
    commitments: tuple[Commitment, ...]
    allocation: Allocation = field(compare=False, repr=False)
    """Invoices and payments as of `as_of`, for callers that need the balances too."""

    @property
    def assessed(self) -> int:
        return len(self.records)

    @property
    def paid(self) -> int:
        return sum(1 for r in self.records if r.paid_on is not None)

    @property
    def on_time(self) -> int:
        return sum(1 for r in self.records if r.on_time)

    @property
    def late(self) -> int:
        return self.assessed - self.on_time

    @property
    def late_share(self) -> Decimal | None:
        return percent(self.late, self.assessed)

    def count(self, kind: str, outcome: str | None = None) -> int:
        return sum(1 for c in self.commitments if c.kind == kind and outcome in (None, c.outcome))

    @property
    def promises(self) -> int:
        return self.count("promise")

    @property
    def broken_promises(self) -> int:
        return self.count("promise", "broken")

    @property
    def plans(self) -> int:
        return self.count("plan")

    @property
    def broken_plans(self) -> int:
        return self.count("plan", "broken")

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "as_of": self.as_of.isoformat(),
            "invoices": self.invoices,
            "assessed": self.assessed,
            "paid": self.paid,
            "paid_on_time": self.on_time,
            "paid_late_or_overdue": self.late,
            "on_time_share": rounded(self.on_time_share),
            "average_days_late": rounded(self.average_days_late),
            "median_days_late": self.median_days_late,
            "usual_delay": self.usual_delay,
            "trend": [
                {
                    "from": q.start.isoformat(),
                    "to": q.end.isoformat(),
                    "invoices": q.invoices,
                    "average_days_late": rounded(q.average_days_late),
                }
                for q in self.trend
            ],
            "trend_direction": self.trend_direction,
            "reminders_median": self.reminders_median,
            "reminders_average": rounded(self.reminders_average),
            "promises": self.promises,
            "broken_promises": self.broken_promises,
            "plans": self.plans,
            "broken_plans": self.broken_plans,
            "commitments": [c.to_json() for c in self.commitments],
        }


# -- entry points ------------------------------------------------------------------------------


def behaviour_of(book: Book, case: Case, as_of: date) -> Behaviour:
    """A case's behaviour with the grace periods of the policy that governs it."""
    policy = book.policy_for(case)
    return behaviour(case, as_of, pauses=policy.pauses if policy else Pauses())


def behaviour(case: Case, as_of: date, *, pauses: Pauses = Pauses()) -> Behaviour:
    """A case's payment behaviour as of `as_of` (see the module docstring)."""
    invoices = [i for i in case.invoices if i.issued <= as_of]
    payments = [p for p in case.payments if p.date <= as_of]
    notes = sorted((n for n in case.notes if n.date <= as_of), key=lambda n: (n.date, n.id))
    actions = sorted((a for a in case.actions if a.date <= as_of), key=lambda a: (a.date, a.id))
    allocation = allocate(invoices, payments)
    reminders = [a for a in actions if a.kind in REMINDER_KINDS]

    records: list[InvoiceRecord] = []
    for line in allocation.invoices:
        invoice = line.invoice
        if line.owed <= 0:
            continue
        if line.paid_on is not None:
            delay, until = (line.paid_on - invoice.due).days, line.paid_on
        elif invoice.due < as_of:
            delay, until = (as_of - invoice.due).days, as_of + DAY
        else:
            continue
        records.append(
            InvoiceRecord(
                number=invoice.number,
                issued=invoice.issued,
                due=invoice.due,
                amount=line.owed,
                paid_on=line.paid_on,
                delay=delay,
                reminders=_reminders(invoice, until, reminders) if reminders else 0,
            )
        )

    lateness = [(r.days_late, r.amount) for r in records]
    paid = [r for r in records if r.paid_on is not None]
    trend = _trend(records, as_of)
    return Behaviour(
        case_id=case.id,
        as_of=as_of,
        invoices=sum(1 for line in allocation.invoices if line.owed > 0),
        records=tuple(records),
        on_time_share=percent(sum(1 for r in records if r.on_time), len(records)),
        average_days_late=weighted_mean(lateness),
        median_days_late=weighted_median(lateness),
        usual_delay=weighted_median((r.delay, r.amount) for r in paid),
        trend=trend,
        trend_direction=_direction(trend),
        reminders_median=lower_median(r.reminders for r in paid),
        reminders_average=(
            Decimal(sum(r.reminders for r in paid)) / len(paid) if paid else None
        ),
        commitments=tuple(
            promise_outcomes(notes, payments, allocation, as_of, pauses.promise_grace_days)
            + plan_outcomes(notes, payments, actions, as_of, pauses.plan_grace_days)
        ),
        allocation=allocation,
    )


# -- the parts ---------------------------------------------------------------------------------


def _reminders(invoice: Invoice, until: date, actions: Sequence[Action]) -> int:
    return sum(
        1
        for a in actions
        if invoice.due <= a.date < until and (not a.invoices or invoice.number in a.invoices)
    )


@functools.lru_cache(maxsize=64)
def quarter_bounds(as_of: date) -> tuple[tuple[date, date], ...]:
    """The trend's quarters ending on `as_of`: (first day, last day), oldest first."""
    return tuple(
        (add_months(as_of, -3 * (QUARTERS - k)) + DAY, add_months(as_of, -3 * (QUARTERS - k - 1)))
        for k in range(QUARTERS)
    )


def _trend(records: Sequence[InvoiceRecord], as_of: date) -> tuple[Quarter, ...]:
    bounds = quarter_bounds(as_of)
    first = bounds[0][0]
    buckets: list[list[tuple[int, Decimal]]] = [[] for _ in bounds]
    for r in records:
        if first <= r.due <= as_of:
            k = next(k for k, (_, end) in enumerate(bounds) if r.due <= end)
            buckets[k].append((r.days_late, r.amount))
    return tuple(
        Quarter(start, end, len(items), weighted_mean(items))
        for (start, end), items in zip(bounds, buckets)
    )


def _direction(trend: Sequence[Quarter]) -> str:
    known = [q.average_days_late for q in trend if q.average_days_late is not None]
    if len(known) < 2:
        return "unknown"
    change = known[-1] - known[0]
    if change > STEADY_DAYS:
        return "worsening"
    if change < -STEADY_DAYS:
        return "improving"
    return "steady"
