"""Plain data for the site: the forecast page and the suggested segments.

The site engineer owns the pages; these functions hand over values (dates, Decimals,
strings, and the chart as `Markup`) that a template can show without computing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from casebook.book.dump import money
from casebook.book.model import Book

from .behaviour import Behaviour
from .chart import FORECAST_WORDS, forecast_chart
from .forecast import DEFAULT_WEEKS, CaseOutlook, Expected, Forecast, forecast
from .suggest import suggestions


def _item(item: Expected) -> dict[str, Any]:
    return {
        "case": item.case_id,
        "name": item.name,
        "date": item.date,
        "amount": item.amount,
        "kind": item.kind,
        "invoice": item.invoice,
        "basis": item.basis,
    }


def forecast_page(
    book: Book,
    today: date,
    *,
    weeks: int = DEFAULT_WEEKS,
    fmt: Callable[[Decimal], str] = money,
    behaviours: Mapping[str, Behaviour] | None = None,
    outlooks: Mapping[str, CaseOutlook] | None = None,
    words: Mapping[str, str] = FORECAST_WORDS,
    result: Forecast | None = None,
) -> dict[str, Any]:
    """Everything the forecast page shows; `fmt` formats amounts inside the chart, `words`
    are its texts (`chart.FORECAST_WORDS`). `behaviours` or `outlooks` (by case id) save
    computing them again (see `forecast`); `result`, the forecast itself."""
    if result is None:
        result = forecast(book, today, weeks=weeks, behaviours=behaviours, outlooks=outlooks)
    return {
        "as_of": result.as_of,
        "currency": result.currency,
        "book_delay": result.book_delay,
        "weeks": [
            {
                "label": w.label,
                "start": w.start,
                "end": w.end,
                "amount": w.amount,
                "promised": w.promised,
                "estimated": w.estimated,
                "items": [_item(i) for i in w.items],
            }
            for w in result.weeks
        ],
        "expected": result.expected,
        "later": result.later_total,
        "overdue": result.overdue_total,
        "overdue_items": [_item(i) for i in result.overdue],
        "disputed": result.disputed_total,
        "disputed_items": [_item(i) for i in result.disputed],
        "at_risk": result.at_risk_total,
        "at_risk_cases": [
            {"case": r.case_id, "name": r.name, "amount": r.amount, "stage": r.stage,
             "since": r.since, "channel": r.channel}
            for r in result.at_risk
        ],
        "open": result.open,
        "chart": forecast_chart(result, fmt=fmt, words=words),
    }


def suggestion_rows(book: Book, today: date) -> dict[str, dict[str, str]]:
    """By case id, for cases whose suggested segment differs from `debtor.yaml`:
    `{"segment": current, "suggested_segment": ..., "suggestion_reason": ...}`."""
    return {
        case_id: {"segment": s.current, **s.to_json()}
        for case_id, s in suggestions(book, today).items()
    }
