"""Interest on one invoice (casebook.money.interest), against DOMAIN.md and a day-by-day recount."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from hypothesis import given, settings, strategies as st

from casebook.money.balance import allocate
from casebook.money.interest import accrue, anniversary, fixed, lowest, total
from casebook.book.model import Invoice, Payment
from casebook.book.rates import RatePeriod, shipped_tables, split

D = Decimal
TABLES = shipped_tables()


def balance(amount: str, due: date, payments=()):
    invoice = Invoice("F1", due - timedelta(30), due, D(amount), "c")
    return allocate(
        [invoice],
        [Payment(day, D(a), "c", invoice="F1", id=f"p{i}") for i, (day, a) in enumerate(payments)],
    ).invoices[0]


def table_rates(name, start, end):
    return split(TABLES[name], start, end)[0]


def test_domain_be_example_across_the_rate_change():
    b = balance("1000", date(2025, 6, 20))
    start, end = date(2025, 6, 21), date(2025, 7, 20)
    periods = accrue(balance=b, start=start, end=end, rates=table_rates("be-commercial", start, end))
    assert [(p.days, p.rate, p.amount) for p in periods] == [
        (10, D("11.5"), D("3.15")),
        (20, D("10.5"), D("5.75")),
    ]
    assert total(periods) == D("8.90")


def test_domain_nl_example_compounds_after_a_year():
    b = balance("10000", date(2024, 6, 30))
    start, end = date(2024, 7, 1), date(2025, 12, 31)
    rates = table_rates("nl-commercial", start, end)
    periods = accrue(balance=b, start=start, end=end, rates=rates, compound_yearly=True)
    assert [(p.start, p.days, p.rate, p.base, p.amount) for p in periods] == [
        (date(2024, 7, 1), 184, D("12.25"), D("10000"), D("617.53")),
        (date(2025, 1, 1), 181, D("11.15"), D("10000"), D("552.92")),
        (date(2025, 7, 1), 184, D("10.15"), D("11170.45"), D("571.56")),
    ]
    assert total(periods) == D("1742.01")
    simple = accrue(balance=b, start=start, end=end, rates=rates)
    assert simple[-1].amount == D("511.67")


def test_a_payment_reduces_the_base_from_the_next_day():
    b = balance("1000", date(2025, 1, 31), [(date(2025, 2, 10), "400")])
    periods = accrue(
        balance=b, start=date(2025, 2, 1), end=date(2025, 2, 20),
        rates=fixed(D("10"), date(2025, 2, 1), date(2025, 2, 20)),
    )
    assert [(p.start, p.end, p.days, p.base) for p in periods] == [
        (date(2025, 2, 1), date(2025, 2, 10), 10, D("1000")),
        (date(2025, 2, 11), date(2025, 2, 20), 10, D("600")),
    ]
    assert [p.amount for p in periods] == [D("2.74"), D("1.64")]


def test_fully_paid_invoice_stops_accruing():
    b = balance("1000", date(2025, 1, 31), [(date(2025, 2, 10), "1000")])
    periods = accrue(
        balance=b, start=date(2025, 2, 1), end=date(2025, 3, 31),
        rates=fixed(D("10"), date(2025, 2, 1), date(2025, 3, 31)),
    )
    assert [(p.end, p.days) for p in periods] == [(date(2025, 2, 10), 10)]


def test_leap_year_counts_actual_days_over_365():
    b = balance("3650", date(2023, 12, 31))
    periods = accrue(
        balance=b, start=date(2024, 1, 1), end=date(2024, 12, 31),
        rates=fixed(D("10"), date(2024, 1, 1), date(2024, 12, 31)),
    )
    assert periods[0].days == 366 and periods[0].amount == D("366.00")


def test_lowest_takes_the_lower_rate_day_by_day():
    a = (RatePeriod(date(2025, 1, 1), date(2025, 12, 31), D("9")),)
    b = (RatePeriod(date(2025, 1, 1), date(2025, 6, 30), D("11.5")),
         RatePeriod(date(2025, 7, 1), date(2025, 12, 31), D("8")))
    assert lowest(a, b) == (
        RatePeriod(date(2025, 1, 1), date(2025, 6, 30), D("9")),
        RatePeriod(date(2025, 7, 1), date(2025, 12, 31), D("8")),
    )


def test_anniversary_of_29_february():
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)


# -- an independent recount: day by day, rates hard-coded from DOMAIN.md -------------------

BE_B2B = [  # (from, percent) DOMAIN 1a
    (date(2019, 1, 1), "8.0"), (date(2023, 1, 1), "10.5"), (date(2023, 7, 1), "12.0"),
    (date(2024, 1, 1), "12.5"), (date(2025, 1, 1), "11.5"), (date(2025, 7, 1), "10.5"),
]
NL_B2B = [  # DOMAIN 3a
    (date(2019, 1, 1), "8.00"), (date(2023, 1, 1), "10.50"), (date(2023, 7, 1), "12.00"),
    (date(2024, 1, 1), "12.50"), (date(2024, 7, 1), "12.25"), (date(2025, 1, 1), "11.15"),
    (date(2025, 7, 1), "10.15"),
]


def recount(amount, payments, start, end, table, compound):
    """Interest computed one day at a time, then rounded per run of equal (rate, base)."""
    def rate(day):
        return D([r for since, r in table if since <= day][-1])

    capitalised, year_sum, year_end = D(0), D(0), None
    day = start
    runs = []
    while day <= end:
        if compound and year_end is not None and day == year_end:
            capitalised += year_sum
            year_sum = D(0)
        if compound and (year_end is None or day == year_end):
            year_end = date(day.year + 1, day.month, day.day) if not (
                day.month == 2 and day.day == 29) else date(day.year + 1, 3, 1)
        principal = D(amount) - sum((D(a) for d, a in payments if d < day), D(0))
        base = max(principal, D(0)) + capitalised
        key = (rate(day), base, year_end)
        if principal > 0:
            runs.append((key, day))
        # Close the run when tomorrow differs: summed after the loop, per year for compounding.
        day += timedelta(1)
        if compound:
            # Recompute this year's sum so far from the runs that belong to it.
            year_sum = sum(
                (_rounded(k, len(list(g))) for k, g in groupby(
                    (r for r in runs if r[0][2] == year_end), key=lambda r: r[0])),
                D(0),
            )
    return sum((_rounded(k, len(list(g))) for k, g in groupby(runs, key=lambda r: r[0])), D(0))


def _rounded(key, days):
    rate, base, _ = key
    return (base * rate * days / 36500).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_recount_reproduces_the_domain_examples():
    assert recount("1000", [], date(2025, 6, 21), date(2025, 7, 20), BE_B2B, False) == D("8.90")
    assert recount("10000", [], date(2024, 7, 1), date(2025, 12, 31), NL_B2B, True) == D("1742.01")


money = st.integers(min_value=100, max_value=5_000_000).map(lambda c: D(c) / 100)
dates = st.integers(min_value=0, max_value=900).map(lambda n: date(2023, 1, 1) + timedelta(n))


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    amount=money,
    due=dates,
    length=st.integers(min_value=0, max_value=800),
    pays=st.lists(st.tuples(st.integers(0, 800), st.integers(1, 60)), max_size=3),
    nl=st.booleans(),
)
def test_accrue_matches_the_day_by_day_recount(amount, due, length, pays, nl):
    start = due + timedelta(1)
    end = start + timedelta(length)
    payments = [(start + timedelta(offset), str(amount * pct / 100)) for offset, pct in pays]
    b = balance(str(amount), due, payments)
    name, table = ("nl-commercial", NL_B2B) if nl else ("be-commercial", BE_B2B)
    periods = accrue(balance=b, start=start, end=end, rates=table_rates(name, start, end),
                     compound_yearly=nl)
    assert total(periods) == recount(str(amount), payments, start, end, table, nl)
    assert sum(p.days for p in periods) <= length + 1
    assert all(p.amount >= 0 and p.base > 0 for p in periods)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(amount=money, due=dates, a=st.integers(0, 900), b=st.integers(0, 900), nl=st.booleans())
def test_interest_is_monotone_in_time(amount, due, a, b, nl):
    start = due + timedelta(1)
    early, late = start + timedelta(min(a, b)), start + timedelta(max(a, b))
    inv = balance(str(amount), due)
    name = "nl-commercial" if nl else "be-commercial"

    def upto(end):
        return total(accrue(balance=inv, start=start, end=end,
                            rates=table_rates(name, start, end), compound_yearly=nl))

    assert D(0) <= upto(early) <= upto(late)
