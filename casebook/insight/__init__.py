"""Insight: how each debtor pays, which segment that suggests, what cash to expect when,
and how the portfolio and the policy do over time. Pure functions of the book (and, for
the figures per stage, its git history); `casebook.cli.insight` and the site call them.

    behaviour_of(book, case, today)   -> Behaviour        (behaviour.py; promises and
                                                           plans judged in commitments.py)
    suggestion_for(book, case, today) -> Suggestion|None  (suggest.py)
    forecast(book, today, weeks=8)    -> Forecast         (forecast.py; each case's part:
                                                           case_outlook, outlook.py)
    monthly(book, today)              -> tuple[Month]     (trends.py)
    collected_after_stage(book, history) -> tuple[StageCollected]
    forecast_chart(forecast), dso_chart(months) -> inline SVG (chart.py)
    forecast_page(book, today), suggestion_rows(book, today) -> plain data for the site
"""

from .behaviour import Behaviour, behaviour, behaviour_of
from .forecast import Forecast, forecast
from .pages import forecast_page, suggestion_rows
from .suggest import Rules, Suggestion, suggest, suggestion_for, suggestions
from .trends import collected_after_stage, monthly

__all__ = [
    "Behaviour",
    "Forecast",
    "Rules",
    "Suggestion",
    "behaviour",
    "behaviour_of",
    "collected_after_stage",
    "forecast",
    "forecast_page",
    "monthly",
    "suggest",
    "suggestion_for",
    "suggestion_rows",
    "suggestions",
]
