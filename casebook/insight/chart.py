"""The forecast and the DSO trend as inline SVG: no script, no style attribute, no request.

Same conventions as the site's charts (`svg.chart`, classes styled by `site.css`, a title
and a description for screen readers, coordinates rounded to one decimal so the output is
byte-stable). Colours are also given as SVG presentation attributes, which a stylesheet
overrides and a Content Security Policy allows, so the chart reads well without CSS too.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Mapping, Sequence

from markupsafe import Markup, escape

from casebook.book.dump import money
from .forecast import Forecast
from .trends import Month

Formatter = Callable[[Decimal], str]
TENTH = Decimal("0.1")

COLOURS = {
    "series-promised": "#2f6f9f",
    "series-estimated": "#8db7d9",
    "series-later": "#c3ccd6",
    "series-overdue": "#e0a84a",
    "series-disputed": "#b49ad6",
    "series-risk": "#c8553d",
}


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _frame(
    *, ident: str, width: int, height: int, title: str, desc: str, body: list[str]
) -> Markup:
    i = escape(ident)
    return Markup(
        f'<svg class="chart" id="{i}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{i}-t {i}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{i}-t">{escape(title)}</title><desc id="{i}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _rect(css: str, x: float, y: float, w: float, h: float, tip: str) -> str:
    return (
        f'<rect class="{css}" fill="{COLOURS[css]}" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" '
        f'height="{_n(h)}"><title>{escape(tip)}</title></rect>'
    )


def _rule(css: str, x1: float, y1: float, x2: float, y2: float) -> str:
    stroke = "#9aa5b1" if css == "axis" else "#dde3ea"
    return (
        f'<line class="{css}" stroke="{stroke}" x1="{_n(x1)}" y1="{_n(y1)}" '
        f'x2="{_n(x2)}" y2="{_n(y2)}"/>'
    )


def _tick(x: float, y: float, text: str, *, anchor: str = "end") -> str:
    baseline = ' dominant-baseline="middle"' if anchor == "end" else ""
    return (
        f'<text class="tick" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{baseline}>'
        f"{escape(text)}</text>"
    )


def _swatch(css: str, x: float, label: str) -> str:
    return (
        f'<rect class="{css}" fill="{COLOURS[css]}" x="{_n(x)}" y="6" width="12" height="12" '
        f'rx="2"/><text x="{_n(x + 18)}" y="16">{escape(label)}</text>'
    )


#: The forecast chart's words in English; the site hands over its own (`words`) in the
#: book's language, with the same keys and `{placeholders}`.
FORECAST_WORDS: dict[str, str] = {
    "title": "Expected cash in per week",
    "later": "Later", "overdue": "Overdue", "disputed": "Disputed", "at-risk": "At risk",
    "promised-legend": "Promised and plan installments",
    "estimated-legend": "Expected from payment history",
    "promised-tip": "{week}: promised {amount}", "estimated-tip": "{week}: expected {amount}",
    "apart-tip": "{label}: {amount}", "tick": "W{week}",
    "desc": "{count} weeks from {first}: {weeks}. Shown apart: {apart}.",
    "desc-week": "{week} {amount} (promised {promised})", "desc-apart": "{label} {amount}",
    "separator": "; ",
}


def forecast_chart(
    forecast: Forecast, *, fmt: Formatter = money, ident: str = "forecast-chart",
    words: Mapping[str, str] = FORECAST_WORDS,
) -> Markup:
    """Stacked bars per week (promised and plan installments below, estimates above), then,
    after a gap, what is shown apart: later, overdue beyond the usual delay, disputed, at risk.
    `words`: the chart's texts (`FORECAST_WORDS`, in another language)."""
    w = words
    apart = [
        (w["later"], "series-later", forecast.later_total),
        (w["overdue"], "series-overdue", forecast.overdue_total),
        (w["disputed"], "series-disputed", forecast.disputed_total),
        (w["at-risk"], "series-risk", forecast.at_risk_total),
    ]
    width, height, left, bottom, top_pad = 640, 280, 80, 44, 34
    plot_h = height - bottom - top_pad
    slots = len(forecast.weeks) + 1 + len(apart)
    slot = (width - left - 10) / slots
    bar_w = max(min(slot - 8, 40), 3)
    top = max([w.amount for w in forecast.weeks] + [a[2] for a in apart] + [Decimal(0)])
    base = height - bottom

    def h(value: Decimal) -> float:
        return float(value / top) * plot_h if top > 0 else 0.0

    body = [
        _rule("axis", left, base, width - 10, base),
        _rule("grid", left, top_pad, width - 10, top_pad),
        _tick(left - 6, top_pad, fmt(top)),
        _tick(left - 6, base, "0"),
        '<g class="legend">'
        + _swatch("series-promised", left, w["promised-legend"])
        + _swatch("series-estimated", left + 250, w["estimated-legend"])
        + "</g>",
    ]
    for k, week in enumerate(forecast.weeks):
        x = left + k * slot + (slot - bar_w) / 2
        low, high = h(week.promised), h(week.estimated)
        if week.promised > 0:
            body.append(_rect("series-promised", x, base - low, bar_w, low,
                              w["promised-tip"].format(week=week.label,
                                                       amount=fmt(week.promised))))
        if week.estimated > 0:
            body.append(_rect("series-estimated", x, base - low - high, bar_w, high,
                              w["estimated-tip"].format(week=week.label,
                                                        amount=fmt(week.estimated))))
        body.append(_tick(x + bar_w / 2, base + 16,
                          w["tick"].format(week=f"{week.start.isocalendar()[1]:02d}"),
                          anchor="middle"))
    for j, (label, css, value) in enumerate(apart):
        x = left + (len(forecast.weeks) + 1 + j) * slot + (slot - bar_w) / 2
        if value > 0:
            body.append(_rect(css, x, base - h(value), bar_w, h(value),
                              w["apart-tip"].format(label=label, amount=fmt(value))))
        body.append(_tick(x + bar_w / 2, base + 16, label, anchor="middle"))
    first = forecast.weeks[0].label if forecast.weeks else ""
    desc = w["desc"].format(
        count=len(forecast.weeks), first=first,
        weeks=w["separator"].join(
            w["desc-week"].format(week=k.label, amount=fmt(k.amount), promised=fmt(k.promised))
            for k in forecast.weeks),
        apart=w["separator"].join(
            w["desc-apart"].format(label=label.lower(), amount=fmt(value))
            for label, _, value in apart),
    )
    return _frame(ident=ident, width=width, height=height, title=w["title"], desc=desc,
                  body=body)


def dso_chart(months: Sequence[Month], *, ident: str = "dso-chart") -> Markup:
    """DSO at the end of each month as a line with a dot per month (gaps where unknown)."""
    width, height, left, bottom, top_pad = 640, 220, 60, 40, 20
    plot_h = height - bottom - top_pad
    known = [m.dso for m in months if m.dso is not None]
    top = max(known + [Decimal(1)])
    slot = (width - left - 10) / max(len(months), 1)
    base = height - bottom

    def days(value: Decimal) -> str:
        return f"{value.quantize(TENTH, rounding=ROUND_HALF_UP)} days"

    body = [
        _rule("axis", left, base, width - 10, base),
        _tick(left - 6, top_pad, days(top)),
        _tick(left - 6, base, "0"),
    ]
    lines: list[list[str]] = [[]]
    for k, month in enumerate(months):
        x = left + k * slot + slot / 2
        body.append(_tick(x, base + 18, month.month[5:], anchor="middle"))
        if month.dso is None:
            lines.append([])  # no sales that month: the line breaks
            continue
        y = base - float(month.dso / top) * plot_h
        lines[-1].append(f"{_n(x)},{_n(y)}")
        body.append(
            f'<circle class="series-dso" fill="#2f6f9f" cx="{_n(x)}" cy="{_n(y)}" r="3.5">'
            f"<title>{escape(month.month)}: DSO {days(month.dso)}</title></circle>"
        )
    for points in lines:
        if len(points) > 1:
            body.insert(1, f'<polyline class="line-dso" fill="none" stroke="#2f6f9f" '
                           f'stroke-width="2" points="{" ".join(points)}"/>')
    desc = "; ".join(
        f"{m.month}: {'no sales' if m.dso is None else days(m.dso)}" for m in months
    )
    return _frame(ident=ident, width=width, height=height,
                  title="Days sales outstanding per month", desc=desc, body=body)
