"""Working days (casebook.money.workdays): the holidays from the `holidays` package are the
ones casebook kept by hand before, for every year 2020-2040 in both countries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casebook.money import workdays
from casebook.money.workdays import add_working_days, easter, holidays, is_working_day

YEARS = range(2020, 2041)


def old_holidays(country: str, year: int) -> frozenset[date]:
    """The hand-kept list casebook had before it used the `holidays` package (the reference)."""
    sunday = easter(year)
    moving = {sunday + timedelta(1), sunday + timedelta(39), sunday + timedelta(50)}
    if country == "NL":
        kings_day = date(year, 4, 27)
        if kings_day.weekday() == 6:
            kings_day = date(year, 4, 26)
        fixed = {(1, 1), (5, 5), (12, 25), (12, 26)}
        moving |= {sunday - timedelta(2), kings_day}
    else:
        fixed = {(1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25)}
    return frozenset(moving | {date(year, m, d) for m, d in fixed})


@pytest.mark.parametrize("country", ["BE", "NL"])
@pytest.mark.parametrize("year", YEARS)
def test_holidays_are_the_old_list(country, year):
    assert holidays(country, year) == old_holidays(country, year)


@pytest.mark.parametrize("country", ["BE", "NL"])
def test_working_days_are_the_old_ones_every_day(country):
    day, end = date(YEARS[0], 1, 1), date(YEARS[-1], 12, 31)
    while day <= end:
        old = day.weekday() < 5 and day not in old_holidays(country, day.year)
        assert is_working_day(day, country) == old, day
        day += timedelta(1)


def test_liberation_day_every_year_and_kings_day_on_saturday():
    assert not is_working_day(date(2026, 5, 5), "NL")  # not a lustrum year: still a holiday
    assert not is_working_day(date(2025, 4, 26), "NL")  # 27 Apr 2025 is a Sunday
    assert is_working_day(date(2026, 5, 5), "BE")
    assert is_working_day(date(2026, 12, 28), "BE")


def test_any_other_country_is_belgium_and_the_sets_are_cached():
    assert holidays("XX", 2026) == holidays("BE", 2026)
    assert holidays("NL", 2031) is holidays("NL", 2031)
    assert ("NL", 2031) in workdays.computed() and ("XX", 2026) not in workdays.computed()


def test_add_working_days_over_easter():
    # Thursday 2 Apr 2026; Good Friday (NL only), the weekend and Easter Monday follow.
    assert add_working_days(date(2026, 4, 2), 1, "NL") == date(2026, 4, 7)
    assert add_working_days(date(2026, 4, 2), 1, "BE") == date(2026, 4, 3)
