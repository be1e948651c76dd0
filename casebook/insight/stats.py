"""Small exact helpers the insight figures share: weighted medians, shares, month steps.

Everything is Decimal or int, so a figure computed here equals a hand computation exactly;
rounding happens only where a figure is shown (`rounded`).
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def weighted_median(pairs: Iterable[tuple[int, Decimal]]) -> int | None:
    """The lower weighted median of `(value, weight)` pairs; None when there is no weight.

    The smallest value at which the weights of it and every smaller value reach half the
    total: with two invoices of equal amount it is the smaller delay, with one invoice of
    900 and one of 100 it is the delay of the 900 one.
    """
    items = sorted((v, w) for v, w in pairs if w > 0)
    total = sum((w for _, w in items), ZERO)
    if total <= 0:
        return None
    reached = ZERO
    for value, weight in items:
        reached += weight
        if reached * 2 >= total:
            return value
    return items[-1][0]  # pragma: no cover - the loop always returns


def weighted_mean(pairs: Iterable[tuple[int, Decimal]]) -> Decimal | None:
    """Sum of value times weight over the sum of the weights (exact Decimal), or None."""
    total = weight_sum = ZERO
    for value, weight in pairs:
        if weight > 0:
            total += weight * value
            weight_sum += weight
    return total / weight_sum if weight_sum > 0 else None


def lower_median(values: Iterable[int]) -> int | None:
    """The middle value (the lower of the two middle ones for an even count), or None."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2] if ordered else None


def percent(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole` (exact), or None when `whole` is 0."""
    return Decimal(part) * HUNDRED / whole if whole else None


def rounded(value: Decimal | None, places: str = "0.1") -> str | None:
    """A figure for people and JSON: half-up to `places`, as a string; None stays None."""
    if value is None:
        return None
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier when negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
