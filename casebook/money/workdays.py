"""Working days in Belgium and the Netherlands, for legal periods that count them.

A working day is Monday to Friday and not a public holiday of the debtor's country. The
holidays come from the `holidays` package (`holidays.country_holidays`), one set per country
and year, cached:

- BE: the ten legal public holidays (1 Jan, Easter Monday, 1 May, Ascension, Whit Monday,
  21 Jul, 15 Aug, 1 Nov, 11 Nov, 25 Dec); the package's "public" category. Its "bank"
  category (Good Friday, the Friday after Ascension, 26 Dec) is left out: banks close, courts
  and the post do not.
- NL: 1 Jan, Good Friday, Easter Monday, King's Day (27 Apr, 26 Apr when the 27th is a
  Sunday; Queen's Day 30 Apr before 2014), 5 May, Ascension, Whit Monday, 25 and 26 Dec.
  The package lists 5 May (Liberation Day) as "public" only in lustrum years (2025, 2030,
  ...), the day off most collective agreements give, and as "optional" every year. The
  Algemene termijnenwet (art. 3) names the fifth of May every year, so casebook takes the
  "optional" category too and 5 May is a holiday every year. Good Friday is not in that
  article but is a day off for many; the package has it and so do we.

Where a holiday is only sometimes a day off (NL: Good Friday, 5 May outside jubilee years) it
is treated as a holiday: a legal period then ends a day later, never earlier.

Easter Sunday and Whit Sunday, which the package also lists, are left out of `holidays()`:
they are Sundays, never working days anyway, and the set stays the one casebook always had.
Any country other than "NL" is treated as "BE", as before.

Importing the package and building its first country took a quarter of a second (its
`countries` package imports all of its countries), a third of a `casebook status`. So the
sets this process computed can be handed to the next one: `computed()` gives them,
`remember()` takes them back (the CLI keeps them in the book's `.git/casebook/`, under the
package's version), and the package is only imported for a set not known yet.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable, Mapping

#: The package's categories casebook counts as days off, per country.
_CATEGORIES = {"BE": ("public",), "NL": ("public", "optional")}


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


_KNOWN: dict[tuple[str, int], frozenset[date]] = {}
"""(country, year) -> holidays, as computed or remembered in this process."""


def _holidays(country: str, year: int) -> frozenset[date]:
    from holidays import country_holidays

    days = set(country_holidays(country, years=year, categories=_CATEGORIES[country]))
    sunday = easter(year)
    return frozenset(days - {sunday, sunday + timedelta(49)})


def holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of `country` ("BE" or "NL") in `year`."""
    key = ("NL" if country == "NL" else "BE", year)
    found = _KNOWN.get(key)
    if found is None:
        found = _KNOWN[key] = _holidays(*key)
    return found


def computed() -> dict[tuple[str, int], frozenset[date]]:
    """Every set known in this process, for `remember` in another one."""
    return dict(_KNOWN)


def remember(known: Mapping[tuple[str, int], Iterable[date]]) -> None:
    """Take holiday sets computed by `holidays` elsewhere, with the same package version."""
    for (country, year), days in known.items():
        _KNOWN.setdefault((country, year), frozenset(days))


def is_working_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in holidays(country, day.year)


def add_working_days(day: date, count: int, country: str) -> date:
    """The `count`-th working day after `day` (`day` itself not counted)."""
    while count > 0:
        day += timedelta(1)
        if is_working_day(day, country):
            count -= 1
    return day
