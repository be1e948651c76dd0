"""Charts as inline SVG, drawn by casebook itself: no script, no library, no request.

Each chart is a small pure function from numbers to SVG markup. Colours and fonts come
from classes styled in `site.css` (the Content Security Policy forbids inline styles).
Coordinates are rounded to one decimal so the output is byte-stable. Every chart has a
title and a description for screen readers; the page also shows the same figures in a
table, so the chart is never the only way to read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Sequence

from markupsafe import Markup, escape

from casebook.site.texts import Texts

Formatter = Callable[[Decimal], str]


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal
    css: str = ""


@dataclass(frozen=True, slots=True)
class Month:
    label: str
    """Short label under the bars (e.g. `Mar`)."""
    title: str
    """Full name for the tooltip (e.g. `2026-03`)."""
    outstanding: Decimal
    collected: Decimal


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _frame(*, ident: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" id="{escape(ident)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(ident)}-t {escape(ident)}-d" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(ident)}-t">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def aging_bars(bars: Sequence[Bar], *, fmt: Formatter, texts: Texts,
               ident: str = "aging-chart") -> Markup:
    """Horizontal bars, one per aging bucket, each labelled with its amount."""
    row, gap, label_w, value_w, width = 30, 10, 140, 120, 640  # labels: "Meer dan 90 dagen"
    height = len(bars) * (row + gap) + gap
    top = max((b.value for b in bars), default=Decimal(0))
    span = width - label_w - value_w - 20
    body: list[str] = []

    def item(bar: Bar) -> str:
        return texts.text("chart.aging-item", label=bar.label, amount=fmt(bar.value))

    for i, bar in enumerate(bars):
        y = gap + i * (row + gap)
        length = float(bar.value / top) * span if top > 0 else 0.0
        if 0 < length < 2:
            length = 2.0  # a small amount stays visible
        body.append(
            f'<g class="bar {escape(bar.css)}">'
            f'<title>{escape(item(bar))}</title>'
            f'<text class="label" x="{label_w - 8}" y="{_n(y + row / 2)}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(bar.label)}</text>'
            f'<rect class="track" x="{label_w}" y="{y}" width="{span}" height="{row}" rx="3"/>'
            f'<rect class="fill" x="{label_w}" y="{y}" width="{_n(length)}" height="{row}" rx="3"/>'
            f'<text class="value" x="{_n(label_w + span + 10)}" y="{_n(y + row / 2)}" '
            f'dominant-baseline="middle">{escape(fmt(bar.value))}</text>'
            "</g>"
        )
    desc = texts.text("list.separator").join(item(b) for b in bars)
    return _frame(
        ident=ident, width=width, height=height, title=texts.text("overview.aging-caption"),
        desc=desc, body=body,
    )


def monthly_bars(months: Sequence[Month], *, fmt: Formatter, texts: Texts,
                 ident: str = "monthly-chart") -> Markup:
    """Per month: outstanding at the end of the month and collected during it, side by side."""
    width, height, left, bottom, top_pad = 640, 260, 70, 40, 30
    plot_h = height - bottom - top_pad
    top = max(
        (max(m.outstanding, m.collected) for m in months), default=Decimal(0)
    )
    slot = (width - left - 10) / max(len(months), 1)
    bar_w = max(min(slot / 2 - 3, 22), 2)
    body: list[str] = [
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}"/>',
        f'<text class="tick" x="{left - 6}" y="{top_pad}" text-anchor="end" '
        f'dominant-baseline="middle">{escape(fmt(top))}</text>',
        f'<line class="grid" x1="{left}" y1="{top_pad}" x2="{width - 10}" y2="{top_pad}"/>',
        f'<text class="tick" x="{left - 6}" y="{height - bottom}" text-anchor="end" '
        f'dominant-baseline="middle">0</text>',
        f'<g class="legend"><rect class="series-outstanding" x="{left}" y="4" width="12" '
        f'height="12" rx="2"/><text x="{left + 18}" y="14">'
        f'{escape(texts.text("overview.month-end"))}</text>'
        f'<rect class="series-collected" x="{left + 220}" y="4" width="12" height="12" rx="2"/>'
        f'<text x="{left + 238}" y="14">{escape(texts.text("chart.collected-legend"))}</text></g>',
    ]

    def bar_height(value: Decimal) -> float:
        return float(value / top) * plot_h if top > 0 else 0.0

    for i, month in enumerate(months):
        x = left + i * slot + slot / 2
        for value, css, dx, tip in (
            (month.outstanding, "series-outstanding", -bar_w - 1, "chart.month-end"),
            (month.collected, "series-collected", 1, "chart.collected"),
        ):
            h = bar_height(value)
            said = texts.text(tip, month=month.title, amount=fmt(value))
            body.append(
                f'<rect class="{css}" x="{_n(x + dx)}" y="{_n(height - bottom - h)}" '
                f'width="{_n(bar_w)}" height="{_n(h)}"><title>{escape(said)}</title></rect>'
            )
        body.append(
            f'<text class="tick" x="{_n(x)}" y="{height - bottom + 18}" '
            f'text-anchor="middle">{escape(month.label)}</text>'
        )
    desc = texts.text("list.separator").join(
        texts.text("chart.month", month=m.title, outstanding=fmt(m.outstanding),
                   collected=fmt(m.collected))
        for m in months
    )
    return _frame(
        ident=ident, width=width, height=height,
        title=texts.text("overview.months"), desc=desc, body=body,
    )
