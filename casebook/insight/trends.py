"""The portfolio over time: DSO per month, share of invoices paid late, and which stage of
the policy the money came after, read from the git history. No stored counters.

- DSO per month: `portfolio.portfolio(book, d).dso` at the end of each of the last months
  (the current month: today). It is computed here in one sweep over dated events instead
  of one portfolio per month, with the same definition (`portfolio.DSO_DAYS`) and the same
  balances (`balance.allocate`): a case whose payments reached an invoice before it was
  issued (an overpayment that a later invoice absorbed) is computed with
  `portfolio.case_figures` itself on that day. The tests compare both on every month.
- Share paid late per month: of the invoices falling due that month and assessed today
  (paid, or overdue), how many were paid after their due date or are still open.
- Collected after each stage: every payment is attributed to the last action of its case
  that was both dated on or before the payment and committed before (or with) the payment
  file, so a reminder recorded after the money arrived never takes credit for it. A
  thank-you ends a round: a payment after it and before any new stage counts as paid
  without a reminder. Files not committed yet count as committed last.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping

from casebook.book.dump import money
from casebook.record.history import History
from casebook.book.model import ActionKind, Book
from casebook.engine.portfolio import DSO_DAYS, case_figures
from .behaviour import Behaviour, behaviour_of
from .stats import ZERO, month_end, percent, rounded

MONTHS = 12
NO_STAGE = ""
"""The label of payments made before any reminder of their round."""
_ACTION_KINDS = frozenset(
    {ActionKind.STAGE, ActionKind.HANDOVER, ActionKind.PLAN_BREACH, ActionKind.THANKS}
)


@dataclass(frozen=True, slots=True)
class Month:
    month: str
    """`2026-03`."""
    end: date
    """The day the balances are taken: the month's last day, or today for this month."""
    open: Decimal
    sales: Decimal
    """Invoiced in the `DSO_DAYS` days up to `end`."""
    dso: Decimal | None
    due: int
    """Invoices falling due in the month, assessed today."""
    late: int

    @property
    def late_share(self) -> Decimal | None:
        return percent(self.late, self.due)

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "end": self.end.isoformat(),
            "open": money(self.open),
            "sales": money(self.sales),
            "dso": rounded(self.dso),
            "invoices_due": self.due,
            "paid_late": self.late,
            "late_share": rounded(self.late_share),
        }


@dataclass(frozen=True, slots=True)
class StageCollected:
    stage: str
    """The stage id (or `plan-breach`); empty: before any reminder."""
    amount: Decimal
    payments: int
    cases: int

    @property
    def label(self) -> str:
        return self.stage or "before any reminder"

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage or None,
            "label": self.label,
            "amount": money(self.amount),
            "payments": self.payments,
            "cases": self.cases,
        }


# -- per month ---------------------------------------------------------------------------------


def month_ends(today: date, months: int = MONTHS) -> list[date]:
    """The last day of each of the last `months` months, oldest first; today for this one."""
    ends = []
    year, month = today.year, today.month
    for _ in range(months):
        ends.append(min(month_end(year, month), today))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


def monthly(
    book: Book,
    today: date,
    *,
    months: int = MONTHS,
    behaviours: Mapping[str, Behaviour] | None = None,
) -> tuple[Month, ...]:
    """DSO and the share paid late for each of the last `months` months (see the docstring)."""
    if behaviours is None:
        behaviours = {cid: behaviour_of(book, case, today) for cid, case in book.cases.items()}
    ends = month_ends(today, months)
    open_events: list[tuple[date, Decimal]] = []
    sale_events: list[tuple[date, Decimal]] = []
    exact: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for case_id, case in book.cases.items():
        for invoice in case.invoices:
            if invoice.issued <= today:
                sale_events.append((invoice.issued, invoice.amount - invoice.credited))
        lines = behaviours[case_id].allocation.invoices
        # Days on which this case's balance cannot be read off the full allocation.
        early = [(min(a.date for a in b.applied), b.invoice.issued)
                 for b in lines if b.applied and min(a.date for a in b.applied) < b.invoice.issued]
        odd = {d for d in ends if any(start <= d < issued for start, issued in early)}
        for d in odd:
            exact[d] += case_figures(book, case, d).open
        for b in lines:
            if not odd:
                open_events.append((b.invoice.issued, b.owed))
                for part in b.applied:
                    open_events.append((max(part.date, b.invoice.issued), -part.amount))
            else:
                for d in ends:
                    if d in odd:
                        continue
                    # Only this case's exceptional days are taken from case_figures.
                    if b.invoice.issued <= d:
                        exact[d] += b.open_on(d)
    open_at = _running(open_events)
    sales_at = _running(sale_events)
    due = defaultdict(int)
    late = defaultdict(int)
    for b in behaviours.values():
        for r in b.records:
            key = (r.due.year, r.due.month)
            due[key] += 1
            if not r.on_time:
                late[key] += 1
    result = []
    for d in ends:
        open_total = open_at(d) + exact[d]
        sales = sales_at(d) - sales_at(d - timedelta(days=DSO_DAYS))
        key = (d.year, d.month)
        result.append(
            Month(
                month=f"{d.year:04d}-{d.month:02d}",
                end=d,
                open=open_total,
                sales=sales,
                dso=open_total / sales * DSO_DAYS if sales > 0 else None,
                due=due[key],
                late=late[key],
            )
        )
    return tuple(result)


def _running(events: list[tuple[date, Decimal]]):
    """A function giving the sum of the event amounts dated on or before a day."""
    events.sort(key=lambda e: e[0])
    days = [d for d, _ in events]
    sums: list[Decimal] = []
    total = ZERO
    for _, amount in events:
        total += amount
        sums.append(total)

    def at(day: date) -> Decimal:
        index = bisect.bisect_right(days, day)
        return sums[index - 1] if index else ZERO

    return at


# -- after each stage --------------------------------------------------------------------------


def collected_after_stage(
    book: Book,
    history: History,
    *,
    since: date | None = None,
    until: date | None = None,
) -> tuple[StageCollected, ...]:
    """Payments (dated from `since` to `until`) by the stage they followed (see the docstring)."""
    committed: dict[str, int] = {}
    for index, commit in enumerate(history.commits):
        for change in commit.changes:
            if change.status == "A":
                committed.setdefault(change.path, index)
    never = len(history.commits)
    amount: dict[str, Decimal] = defaultdict(lambda: ZERO)
    count: dict[str, int] = defaultdict(int)
    cases: dict[str, set[str]] = defaultdict(set)
    for case in book.cases.values():
        actions = [
            (a.date, committed.get(a.source.path, never), a.id, a)
            for a in case.actions
            if a.kind in _ACTION_KINDS
        ]
        for payment in case.payments:
            if (since and payment.date < since) or (until and payment.date > until):
                continue
            at = committed.get(payment.source.path, never)
            before = [t for t in actions if t[0] <= payment.date and t[1] <= at]
            stage = NO_STAGE
            if before:
                last = max(before, key=lambda t: t[:3])[3]
                if last.kind == ActionKind.PLAN_BREACH:
                    stage = "plan-breach"
                elif last.kind != ActionKind.THANKS:
                    stage = last.stage or str(last.kind)
            amount[stage] += payment.amount
            count[stage] += 1
            cases[stage].add(case.id)
    rank = _stage_rank(book, amount)
    return tuple(
        StageCollected(stage, amount[stage], count[stage], len(cases[stage]))
        for stage in sorted(amount, key=rank)
    )


def _stage_rank(book: Book, stages: Iterable[str]):
    """Order: no stage, then as the stages come in the book's policies, then the rest by name."""
    position: dict[str, int] = {NO_STAGE: -1}
    for name in sorted(book.policies):
        for stage in book.policies[name].stages:
            position.setdefault(stage.id, len(position))
    position.setdefault("plan-breach", len(position))
    return lambda stage: (position.get(stage, len(position)), stage)
