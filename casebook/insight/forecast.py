"""Cash in per week: when the open invoices should be paid, given how each debtor pays.

Pure: book, date and number of weeks in, a `Forecast` out. Each case's part (at risk,
disputed, committed, the rest) is its `outlook.CaseOutlook`. The rules (docs/insight.md):

- Weeks are ISO weeks (Monday to Sunday), the first one holding `today`. Nothing is expected
  before `today`.
- A case whose last stage (since its last thank-you) is a formal notice (stage id
  `formal-notice` or channel `registered`) or a handover to the agency (kind `handover` or
  channel `agency`) is *at risk*: its whole open balance is shown apart, in no week. Unless
  none of the invoices that action listed is still open (a policy without a thank-you).
- Invoices under dispute are shown apart too (`disputed`).
- A promise to pay or a payment plan comes first, for the amount it covers: the latest one
  of the case that is still running (a promise until its date plus grace; a plan that is
  neither broken nor paid) minus what was paid since its note. A promise is expected on its
  date, each installment on its due date (today when that has passed within the grace).
  Their amounts are taken off the open invoices oldest first (as a payment would be), never
  more than what is open.
- What is left of each invoice is expected on its due date plus the debtor's *usual delay*
  (weighted median delay of its paid invoices; the book's when it has paid none; 0 when
  nobody has). An invoice not yet due whose estimate falls before today is expected on its
  due date; an overdue invoice already later than that is *overdue beyond its usual delay*:
  no date can be expected, it is shown apart.
- Beyond the last week: `later`.

Every cent of the open balance lands in exactly one place: a week, later, overdue beyond
the usual delay, disputed, or at risk. Amounts are never split or rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from casebook.book.dump import money
from casebook.book.model import Book
from casebook.insight.behaviour import Behaviour
from casebook.insight.outlook import CaseOutlook, Expected, RiskCase, case_outlook
from casebook.insight.stats import ZERO, weighted_median

DEFAULT_WEEKS = 8


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    """The Monday."""
    items: tuple[Expected, ...]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def amount(self) -> Decimal:
        return sum((i.amount for i in self.items), ZERO)

    @property
    def promised(self) -> Decimal:
        """Promises and plan installments."""
        return sum((i.amount for i in self.items if i.kind != "estimate"), ZERO)

    @property
    def estimated(self) -> Decimal:
        return sum((i.amount for i in self.items if i.kind == "estimate"), ZERO)

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.label,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "amount": money(self.amount),
            "promised": money(self.promised),
            "estimated": money(self.estimated),
            "items": [i.to_json() for i in self.items],
        }


@dataclass(frozen=True, slots=True)
class Forecast:
    as_of: date
    currency: str
    weeks: tuple[Week, ...]
    later: tuple[Expected, ...]
    """Expected after the last week."""
    overdue: tuple[Expected, ...]
    """Overdue beyond the debtor's usual delay (the date is when it was expected)."""
    disputed: tuple[Expected, ...]
    """Invoices under dispute (the date is their due date)."""
    at_risk: tuple[RiskCase, ...]
    book_delay: int
    """The book's usual delay, used for debtors that have paid nothing yet."""

    @property
    def expected(self) -> Decimal:
        return sum((w.amount for w in self.weeks), ZERO)

    @property
    def later_total(self) -> Decimal:
        return _total(self.later)

    @property
    def overdue_total(self) -> Decimal:
        return _total(self.overdue)

    @property
    def disputed_total(self) -> Decimal:
        return _total(self.disputed)

    @property
    def at_risk_total(self) -> Decimal:
        return sum((r.amount for r in self.at_risk), ZERO)

    @property
    def open(self) -> Decimal:
        """Everything open: the weeks, later, overdue, disputed and at risk together."""
        return (
            self.expected + self.later_total + self.overdue_total + self.disputed_total
            + self.at_risk_total
        )

    def to_json(self, *, items: bool = True) -> dict[str, Any]:
        def listed(values: Sequence[Any]) -> list[dict[str, Any]]:
            return [v.to_json() for v in values] if items else []

        weeks = [w.to_json() for w in self.weeks]
        if not items:
            for week in weeks:
                week.pop("items")
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "book_delay": self.book_delay,
            "weeks": weeks,
            "expected": money(self.expected),
            "later": {"amount": money(self.later_total), "items": listed(self.later)},
            "overdue_beyond_usual_delay": {
                "amount": money(self.overdue_total),
                "items": listed(self.overdue),
            },
            "disputed": {"amount": money(self.disputed_total), "items": listed(self.disputed)},
            "at_risk": {
                "amount": money(self.at_risk_total),
                "cases": listed(self.at_risk),
            },
            "open": money(self.open),
        }


def _total(items: Iterable[Expected]) -> Decimal:
    return sum((i.amount for i in items), ZERO)


def forecast(
    book: Book,
    today: date,
    *,
    weeks: int = DEFAULT_WEEKS,
    behaviours: Mapping[str, Behaviour] | None = None,
    outlooks: Mapping[str, CaseOutlook] | None = None,
) -> Forecast:
    """The forecast for `weeks` ISO weeks from the one holding `today`.

    `behaviours` (by case id, as of `today`) saves recomputing them when the caller has them;
    `outlooks` (by case id, `case_outlook` of each case as of `today`) saves even more.
    """
    if weeks < 1:
        raise ValueError("a forecast needs at least one week")
    if outlooks is None:
        outlooks = {
            cid: case_outlook(book, case, today, behaviours[cid] if behaviours is not None else None)
            for cid, case in book.cases.items()
        }
    book_delay = weighted_median(pair for found in outlooks.values() for pair in found.paid)
    book_delay = 0 if book_delay is None else book_delay
    monday = today - timedelta(days=today.weekday())
    last = monday + timedelta(days=7 * weeks - 1)
    in_weeks: list[list[Expected]] = [[] for _ in range(weeks)]
    later: list[Expected] = []
    overdue: list[Expected] = []
    disputed: list[Expected] = []
    at_risk: list[RiskCase] = []

    for case_id in sorted(book.cases):
        found = outlooks[case_id]
        if found.at_risk is not None:
            at_risk.append(found.at_risk)
            continue
        disputed += found.disputed
        expected = list(found.committed)
        own = found.own_delay
        delay = own if own is not None else book_delay
        source = "this debtor's usual delay" if own is not None else "the book's usual delay"
        for number, due, rest in found.rest:
            estimate = due + timedelta(days=delay)
            basis = f"due {due.isoformat()} {delay:+d} days ({source})"
            item = Expected(found.case_id, found.name, estimate, rest, "estimate", basis, number)
            if estimate >= today:
                expected.append(item)
            elif due >= today:
                expected.append(Expected(found.case_id, found.name, due, rest, "estimate",
                                         f"due {due.isoformat()} (usually paid early)", number))
            else:
                overdue.append(item)
        for item in expected:
            if item.date > last:
                later.append(item)
            else:
                in_weeks[(item.date - monday).days // 7].append(item)

    def ordered(items: list[Expected]) -> tuple[Expected, ...]:
        return tuple(sorted(items, key=lambda i: (i.date, i.case_id, i.invoice, i.kind)))

    return Forecast(
        as_of=today,
        currency=book.settings.currency,
        weeks=tuple(Week(monday + timedelta(days=7 * k), ordered(items))
                    for k, items in enumerate(in_weeks)),
        later=ordered(later),
        overdue=ordered(overdue),
        disputed=ordered(disputed),
        at_risk=tuple(at_risk),
        book_delay=book_delay,
    )
