"""Template filters: amounts and dates as people read them, with the machine value kept.

They are Python, not Jinja macros, because a page of 10,000 debtors calls them tens of
thousands of times. Each returns markup built from escaped values only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Callable

from markupsafe import Markup, escape

from casebook.book.dump import money

DASH = Markup('<span class="muted">—</span>')


def as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def cents(value: Any) -> str:
    """`1234.50`: the value for machines (data attributes, sorting)."""
    return money(as_decimal(value))


def money_formatter(language: str, currency: str) -> Callable[[Any], str]:
    """Amounts as a reader of the book's language writes them: `€ 1.234,50`, `€ 1,234.50`."""
    symbol = "€" if currency == "EUR" else currency
    thousands, decimal = (",", ".") if language == "en" else (".", ",")

    def fmt(amount: Any) -> str:
        text = money(as_decimal(amount))
        sign = "−" if text.startswith("-") else ""
        whole, _, part = text.lstrip("-").partition(".")
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        return f"{sign}{symbol}\u00a0{thousands.join(groups)}{decimal}{part}"

    return fmt


def amount_filter(fmt: Callable[[Any], str]) -> Callable[[Any], Markup]:
    """`<data value="1234.50">€ 1.234,50</data>`; a dash for no amount."""

    def amount(value: Any) -> Markup:
        if value is None or value == "":
            return DASH
        # cents() is digits, a sign and a dot; fmt() may carry the book's currency code
        return Markup(f'<data class="amount" value="{cents(value)}">{escape(fmt(value))}</data>')

    return amount


def day(value: date | str | None) -> Markup:
    """`<time datetime="2026-11-24">2026-11-24</time>`; a dash for no date."""
    if not value:
        return DASH
    text = escape(value.isoformat() if isinstance(value, date) else str(value))
    return Markup(f'<time datetime="{text}">{text}</time>')


def number_filter(language: str) -> Callable[[Any], str]:
    """A decimal number (a rate, the DSO) as its reader writes it: `10,5` (nl, fr), `10.5`."""
    comma = language != "en"

    def number(value: Any) -> str:
        text = str(value)
        return text.replace(".", ",") if comma else text

    return number


def filters(language: str, currency: str) -> dict[str, Callable[..., Any]]:
    fmt = money_formatter(language, currency)
    return {"amount": amount_filter(fmt), "money": fmt, "day": day, "cents": cents,
            "decimal": as_decimal, "e": escape, "number": number_filter(language)}
