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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

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
    ordered = [outlooks[cid] for cid in sorted(book.cases)]
    delay = book_delay(found.paid for found in ordered)
    return combine([part_of(ordered, delay, today, weeks)], book.settings.currency, delay)


def horizon(today: date, weeks: int = DEFAULT_WEEKS) -> date:
    """The last day of a forecast of `weeks` weeks from the one holding `today`."""
    return today - timedelta(days=today.weekday()) + timedelta(days=7 * weeks - 1)


def book_delay(paid: Iterable[Iterable[tuple[int, Decimal]]]) -> int:
    """The book's usual delay from each case's `CaseOutlook.paid` (0 when nobody paid)."""
    found = weighted_median(pair for pairs in paid for pair in pairs)
    return 0 if found is None else found


@dataclass(frozen=True, slots=True)
class Part:
    """The forecast of some of a book's cases, for one usual delay of the book: parts of
    cases in id order, `combine`d in that order, give the forecast of all of them."""

    as_of: date
    weeks: tuple[tuple[Expected, ...], ...]
    later: tuple[Expected, ...]
    overdue: tuple[Expected, ...]
    disputed: tuple[Expected, ...]
    at_risk: tuple[RiskCase, ...]


def part_of(outlooks: Iterable[CaseOutlook], book_delay: int, today: date,
            weeks: int = DEFAULT_WEEKS) -> Part:
    """The forecast of the cases of `outlooks` (in id order), given the book's usual delay."""
    monday = today - timedelta(days=today.weekday())
    last = horizon(today, weeks)
    in_weeks: list[list[Expected]] = [[] for _ in range(weeks)]
    later: list[Expected] = []
    overdue: list[Expected] = []
    disputed: list[Expected] = []
    at_risk: list[RiskCase] = []

    for found in outlooks:
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

    return Part(today, tuple(_ordered(items) for items in in_weeks), _ordered(later),
                _ordered(overdue), _ordered(disputed), tuple(at_risk))


def combine(parts: Sequence[Part], currency: str, book_delay: int) -> Forecast:
    """The forecast of the cases of `parts`, taken in order (each part's cases in id order,
    and after those of the parts before it)."""
    if not parts:
        raise ValueError("a forecast is made of at least one part")
    today = parts[0].as_of
    monday = today - timedelta(days=today.weekday())

    def joined(lists: Iterable[tuple[Expected, ...]]) -> tuple[Expected, ...]:
        if len(parts) == 1:
            return next(iter(lists))
        # Each list is sorted; sorting is stable, so equal items keep the parts' order,
        # as they would sorting all the cases' items at once.
        return _ordered([i for items in lists for i in items])

    return Forecast(
        as_of=today,
        currency=currency,
        weeks=tuple(Week(monday + timedelta(days=7 * k), joined(p.weeks[k] for p in parts))
                    for k in range(len(parts[0].weeks))),
        later=joined(p.later for p in parts),
        overdue=joined(p.overdue for p in parts),
        disputed=joined(p.disputed for p in parts),
        at_risk=tuple(r for p in parts for r in p.at_risk),
        book_delay=book_delay,
    )


def _ordered(items: list[Expected]) -> tuple[Expected, ...]:
    return tuple(sorted(items, key=lambda i: (i.date, i.case_id, i.invoice, i.kind)))
