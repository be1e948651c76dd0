"""Working days in Belgium and the Netherlands, for legal periods that count them.

A working day is Monday to Friday and not a public holiday of the debtor's country. Where a
holiday is only sometimes a day off (NL: Good Friday, 5 May outside jubilee years) it is
treated as a holiday: a legal period then ends a day later, never earlier.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta


def easter(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.cache
def holidays(country: str, year: int) -> frozenset[date]:
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


def is_working_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in holidays(country, day.year)


def add_working_days(day: date, count: int, country: str) -> date:
    """The `count`-th working day after `day` (`day` itself not counted)."""
    while count > 0:
        day += timedelta(1)
        if is_working_day(day, country):
            count -= 1
    return day
