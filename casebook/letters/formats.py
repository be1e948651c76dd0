"""How a letter writes numbers, dates and names in the debtor's language.

The locale of a debtor (Dutch as written in Belgium or in the Netherlands, French, English),
the Jinja filters the letter templates and the printed page use (`money`, `date`,
`percent`, `iban`, `vat`, `channel`, `step`), VAT and company numbers as their country
writes them (`vat_number`, for the site too), and the money engine's explanations said in
that locale. Apart from the rendering because it is the one place that knows babel: a template,
the page and the email all format through it, so a letter says an amount one way only.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Any

import jinja2
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from stdnum import vatin
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError
from stdnum.nl import btw as nl_btw

from casebook.book import wording
from casebook.book.dump import cents
from casebook.book.model import Book, Case

_NL_COUNTRIES = {"NL", "NLD", "NEDERLAND", "NETHERLANDS", "THE NETHERLANDS", "PAYS-BAS"}


def locale_for(book: Book, case: Case) -> str:
    """The babel locale of a debtor: its language, with Dutch as written in the Netherlands
    for debtors there (or in a Dutch book when the address names no country)."""
    language = book.language_of(case)
    country = case.address.country.strip().upper()
    in_nl = country in _NL_COUNTRIES if country else book.settings.jurisdiction == "NL"
    if language == "nl":
        return "nl_NL" if in_nl else "nl_BE"
    if language == "fr":
        return "fr_BE"
    return "en_IE"


def vat_number(text: str) -> str:
    """A VAT or company number as people write it, from however the book holds it.

    Belgium: the enterprise number in its groups, `BE 0403.170.701` (`0403.170.701` when
    written without the country code); the Netherlands: the btw-id in one piece,
    `NL004495445B01`; another country: compact, with its code. python-stdnum checks and
    compacts the number (it has no `format()` for these); one that it does not accept is
    shown as written. The space after `BE` is a no-break space: a line never splits it."""
    written = str(text or "").strip()
    compact = "".join(c for c in written if c not in " .-\u00a0").upper()
    if not compact:
        return ""
    try:
        if compact.isdigit():  # the Belgian enterprise number, without BE (as `check` allows)
            number = be_vat.validate(compact)
            return f"{number[:4]}.{number[4:7]}.{number[7:]}"
        if compact.startswith("BE"):
            number = be_vat.validate(compact)
            return f"BE\u00a0{number[:4]}.{number[4:7]}.{number[7:]}"
        if compact.startswith("NL"):
            return "NL" + nl_btw.validate(compact)
        return vatin.validate(compact)
    except (ValidationError, ValueError):  # not a number of a country stdnum knows
        return written


def _defined(value: Any) -> Any:
    """Let an undefined name fail as "undefined", not as a conversion error in a filter."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return value


@functools.lru_cache(maxsize=16)
def _babel(locale: str) -> Locale:
    """A parsed Locale: babel parses a locale's name again at every call given one."""
    return Locale.parse(locale)


def _filters(locale: str, currency: str) -> dict[str, Any]:
    # The same amount and the same day come back in every letter of a run (a total, the
    # deadline): each is written once. An amount's text is the key: Decimal 1.5 == 1.50.
    @functools.lru_cache(maxsize=4096)
    def said_amount(amount: str) -> str:
        return format_currency(Decimal(amount), currency, locale=_babel(locale))

    @functools.lru_cache(maxsize=1024)
    def said_day(value: date) -> str:
        return format_date(value, "long", locale=_babel(locale))

    def money(value: Any) -> str:
        return said_amount(str(cents(Decimal(_defined(value)))))

    def long_date(value: date | None) -> str:
        if not _defined(value):
            return ""
        if type(value) is date:
            return said_day(value)
        return format_date(value, "long", locale=_babel(locale))

    def percent(value: Any) -> str:
        return format_decimal(Decimal(_defined(value)), "#,##0.00", locale=_babel(locale)) + "\u00a0%"

    def iban(value: str) -> str:
        compact = str(_defined(value)).replace(" ", "").upper()
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))

    def vat(value: str) -> str:
        return vat_number(str(_defined(value)))

    language = locale.split("_")[0]

    def channel(value: str) -> str:
        return wording.channel_name(str(_defined(value)), language)

    def step(value: str) -> str:
        return wording.step_name(str(_defined(value)), language)

    return {"money": money, "date": long_date, "percent": percent, "iban": iban, "vat": vat,
            "channel": channel, "step": step}


@functools.lru_cache(maxsize=16)
def wording_formats(locale: str) -> wording.Formats:
    """How the money engine's explanations write numbers, dates and steps in a letter:
    `1.210,00`, `10,5`, `22 november 2026`, `ingebrekestelling` (nl_BE)."""
    language = locale.split("_")[0]
    return wording.Formats(
        amount=lambda value: format_decimal(cents(value), "#,##0.00", locale=_babel(locale)),
        percent=lambda value: format_decimal(Decimal(value).normalize(), "#,##0.##",
                                             locale=_babel(locale)),
        day=lambda value: format_date(value, "long", locale=_babel(locale)),
        step=lambda value: wording.step_name(value, language),
    )


def say(text: wording.Text, language: str, locale: str) -> str:
    """A money-engine explanation in the letter's language and formats."""
    return wording.say(text, language, wording_formats(locale))
