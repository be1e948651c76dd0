"""Late-payment interest on one invoice, period by period.

Conventions (DOMAIN sections 1 and 3a; the statutes fix no day count, see docs/money.md):
- Interest runs from a first day (the day after the due date, or later for Belgian consumers)
  to the as-of date, both included.
- Day count actual/365: `base x rate / 100 x days / 365`, also in leap years.
- The base is the invoice's open balance: a payment dated D still leaves day D on the old
  balance; the reduced balance accrues from D + 1.
- A new period starts at every rate change, every change of the base and (when compounding)
  every anniversary of the first day.
- Each period's amount is rounded half-up to the cent and the interest is the sum of those
  rounded amounts, so a letter's lines always add up to its total.
- Dutch statutory interest compounds yearly (BW 6:119 lid 2, 6:119a lid 3): at each
  anniversary of the first day the interest of the year just ended (the sum of its rounded
  periods) is added to the base.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from casebook.money.balance import InvoiceBalance
from casebook.book.rates import RatePeriod

CENT = Decimal("0.01")
ZERO = Decimal("0")
DAYS_IN_YEAR = 365


def cents(amount: Decimal) -> Decimal:
    """Half-up to the cent: the only rounding in the money rules."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """Days `start`..`end` (both included) on one base at one rate."""

    start: date
    end: date
    days: int
    rate: Decimal
    """Percent per year."""
    base: Decimal
    """Open principal (plus capitalised interest when compounding)."""
    amount: Decimal
    """Rounded to the cent."""


def fixed(rate: Decimal, start: date, end: date) -> tuple[RatePeriod, ...]:
    """A single rate over the whole span (a contractual rate)."""
    return (RatePeriod(start, end, rate),) if start <= end else ()


def lowest(a: Sequence[RatePeriod], b: Sequence[RatePeriod]) -> tuple[RatePeriod, ...]:
    """Day by day the lower of two rate schedules (a legal cap), over the days both cover."""
    cuts = sorted({p.start for p in (*a, *b)} | {p.end + timedelta(1) for p in (*a, *b)})
    out: list[RatePeriod] = []
    for lo, nxt in zip(cuts, cuts[1:]):
        ra, rb = _rate_at(a, lo), _rate_at(b, lo)
        if ra is None or rb is None:
            continue
        rate, hi = min(ra, rb), nxt - timedelta(1)
        if out and out[-1].rate == rate and out[-1].end + timedelta(1) == lo:
            out[-1] = RatePeriod(out[-1].start, hi, rate)
        else:
            out.append(RatePeriod(lo, hi, rate))
    return tuple(out)


def _rate_at(periods: Sequence[RatePeriod], day: date) -> Decimal | None:
    for p in periods:
        if p.start <= day <= p.end:
            return p.rate
    return None


def anniversary(start: date, years: int) -> date:
    """`start` plus whole years (29 February becomes 1 March)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def accrue(
    *,
    balance: InvoiceBalance,
    start: date,
    end: date,
    rates: Sequence[RatePeriod],
    compound_yearly: bool = False,
) -> tuple[InterestPeriod, ...]:
    """The interest periods of one invoice from `start` to `end` (both included).

    `rates` must cover the span (days outside them bear no interest).
    """
    if end < start:
        return ()
    cuts = {start, end + timedelta(1)}
    cuts |= {p.start for p in rates if start < p.start <= end}
    cuts |= {p.end + timedelta(1) for p in rates if start <= p.end < end}
    # The base drops the day after each payment.
    cuts |= {a.date + timedelta(1) for a in balance.applied if start < a.date + timedelta(1) <= end}
    anniversaries: set[date] = set()
    if compound_yearly:
        years = 1
        while anniversary(start, years) <= end:
            anniversaries.add(anniversary(start, years))
            years += 1
    cuts |= anniversaries
    ordered = sorted(cuts)

    payments = sorted(balance.applied, key=lambda a: a.date)
    periods: list[InterestPeriod] = []
    capitalised = ZERO
    year_interest = ZERO
    for lo, nxt in zip(ordered, ordered[1:]):
        if lo in anniversaries:
            capitalised += year_interest
            year_interest = ZERO
        rate = _rate_at(rates, lo)
        principal = balance.owed - sum((a.amount for a in payments if a.date < lo), ZERO)
        base = principal + capitalised
        if rate is None or rate <= 0 or base <= 0:
            continue
        hi = nxt - timedelta(1)
        days = (nxt - lo).days
        amount = cents(base * rate * days / (100 * DAYS_IN_YEAR))
        year_interest += amount
        last = periods[-1] if periods else None
        if (
            last is not None
            and last.rate == rate
            and last.base == base
            and last.end + timedelta(1) == lo
            and lo not in anniversaries
        ):
            # Same rate and base: one line (a cut from the other schedule changed nothing).
            merged_days = last.days + days
            merged = cents(base * rate * merged_days / (100 * DAYS_IN_YEAR))
            year_interest += merged - last.amount - amount
            periods[-1] = InterestPeriod(last.start, hi, merged_days, rate, base, merged)
        else:
            periods.append(InterestPeriod(lo, hi, days, rate, base, amount))
    return tuple(periods)


def total(periods: Sequence[InterestPeriod]) -> Decimal:
    return sum((p.amount for p in periods), ZERO)
