"""The site's context: every figure and list the pages show, built before anything is written.

Pure functions of the book, the history and the build date: no clock, no writing. The
overview and forecast are built from the whole portfolio; a debtor page from its case
(`debtorpage`). Everything is sorted so that the same inputs give the same pages, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from markupsafe import Markup

from casebook import __version__
from casebook.book.model import Book, Case
from casebook.engine.due import open_disputes
from casebook.engine.portfolio import Sums
from casebook.insight.forecast import Forecast
from casebook.insight.pages import forecast_page
from casebook.site import charts, inputs
from casebook.site.inputs import BUCKETS, CaseFigures, State
from casebook.site.parts import MONTHS, Capped, Part
from casebook.site.texts import Texts
from casebook.site.timeline import Timelines

ZERO = Decimal(0)
BUCKET_LABELS = ("bucket.not-due", "bucket.1-30", "bucket.31-60", "bucket.61-90", "bucket.90+")
"""The keys of the aging buckets' names (`casebook.site.catalog`), in the order of BUCKETS."""
BUCKET_CSS = ("b0", "b1", "b2", "b3", "b4")
SOON_DAYS = 7
"""Actions, promises and installments shown as "falling due": the next week."""
FORECAST_WEEKS = 8


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything read once for a build."""

    root: Path
    book: Book
    today: date
    history: Timelines
    texts: Texts
    """The site's words in the book's language."""


def page_path(case_id: str) -> str:
    """Where a debtor page is written, relative to the site root."""
    return f"debtors/{case_id}.html"


# -- formatting ----------------------------------------------------------------------------


def _plus(day: date, days: int) -> date:
    return date.fromordinal(day.toordinal() + days)


# -- overview ------------------------------------------------------------------------------


def site_info(inp: Inputs, *, root: str) -> dict[str, Any]:
    settings = inp.book.settings
    return {
        "creditor": settings.creditor.name,
        "currency": settings.currency,
        "language": inp.texts.language,
        "today": inp.today.isoformat(),
        "root": root,
        "version": __version__,
        "title": settings.site.get("title")
        or inp.texts.text("site.title", creditor=settings.creditor.name),
    }


def totals(figures: Sums) -> dict[str, Any]:
    """The headline figures, exactly as `casebook status --json` gives them."""
    data = figures.totals_json()
    return {
        "outstanding": figures.open,
        "overdue": figures.overdue,
        "dso": data["dso"],
        "open_cases": data["open_cases"],
        "cases": data["cases"],
    }


def summary(inp: Inputs, case: Case, *, row: CaseFigures, state: State,
            due: list[inputs.Due]) -> dict[str, Any]:
    """What the overview and the forecast need of one case, as plain JSON values.

    The build keeps these between runs (keyed like the debtor page), so after one case
    changed only its summary is computed again; every list the overview shows is put
    together from them.
    """
    book, today = inp.book, inp.today
    who = _who(case)
    policy = _policy_name(inp, case)
    since = _plus(today, -SOON_DAYS)
    promised = []
    if row.open > 0:
        for note in case.notes:
            if note.promise and note.promise.date >= since:
                promised.append({"kind": "promise", "number": 0,
                                 "date": note.promise.date.isoformat(),
                                 "amount": _text(note.promise.amount)})
            if note.plan:
                for number, inst in enumerate(note.plan.installments, 1):
                    if inst.due >= since:
                        promised.append({"kind": "installment", "number": number,
                                         "date": inst.due.isoformat(), "amount": _text(inst.amount)})
    disputes = []
    if state.paused_by == "dispute":
        disputed = open_disputes(case.notes)
        for note in sorted(case.notes, key=lambda n: (n.date, n.id)):
            if note.dispute and note.dispute.invoice in disputed:
                disputes.append({"invoice": note.dispute.invoice, "reason": note.dispute.reason,
                                 "since": note.date.isoformat()})
    return {
        **who,
        "policy": policy,
        "stage": state.stage,
        "status": state.status,
        "paused_by": state.paused_by,
        "open": _text(row.open),
        "overdue": _text(row.overdue),
        "days_late": row.days_late,
        "owner": case.owner,
        "tags": " ".join(sorted(case.tags)),
        "next_stage": state.next_stage,
        "next_date": state.next_date.isoformat() if state.next_date else "",
        "next_channel": inputs.stage_channel(book, case, state.next_stage) if state.next_stage else "",
        "handed_over": state.handed_over,
        "tasks": [{"stage": t.stage, "since": t.since.isoformat()} for t in state.tasks],
        "due": [{"date": d.date.isoformat(), "stage": d.stage, "channel": d.channel} for d in due],
        "promises": promised,
        "disputes": disputes,
        "months": _months(case, today),
        "falling_due": [
            {"what": f"invoice {b.invoice.number}", "date": b.invoice.due.isoformat(),
             "amount": _text(b.open)}
            for b in inputs.allocation(case).open_invoices()
            if today <= b.invoice.due <= _plus(today, FORECAST_WEEKS * 7)
        ],
    }


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _months(case: Case, today: date) -> list[list[str]]:
    """This case's share of the monthly chart: [opening balance], then per month
    [change in open balance, collected], for the MONTHS months up to today's."""
    first = (today.year * 12 + today.month - 1) - (MONTHS - 1)
    delta = [ZERO] * MONTHS
    collected = [ZERO] * MONTHS
    start = ZERO

    def index(day: date) -> int:
        return day.year * 12 + day.month - 1 - first

    def add(day: date, amount: Decimal) -> None:
        nonlocal start
        i = index(day)
        if i < 0:
            start += amount
        elif i < MONTHS:
            delta[i] += amount

    # Each invoice adds what it asks in the month it was issued; each payment part applied
    # to it takes its amount off in the month it was paid; a running sum gives the month ends.
    for balance in inputs.allocation(case).invoices:
        add(balance.invoice.issued, balance.owed)
        for part in balance.applied:
            add(part.date, -part.amount)
    for payment in case.payments:
        if 0 <= index(payment.date) < MONTHS:
            collected[index(payment.date)] += payment.amount
    return [[str(start)], *([str(d), str(c)] for d, c in zip(delta, collected))]


def monthly(months: tuple[Decimal, Sequence[Decimal], Sequence[Decimal]], today: date,
            texts: Texts) -> list[charts.Month]:
    """The month ends and collections of the MONTHS months up to today's, from the summed
    `_months` of every case (`parts.Part.months`)."""
    first = (today.year * 12 + today.month - 1) - (MONTHS - 1)
    running, delta, collected = months
    found = []
    for i in range(MONTHS):
        running += delta[i]
        year, month = divmod(first + i, 12)
        stamp = date(year, month + 1, 1)
        found.append(charts.Month(texts.text(f"month.{stamp.month}"), stamp.strftime("%Y-%m"),
                                  max(running, ZERO), collected[i]))
    return found


def overview(inp: Inputs, *, part: Part, fmt) -> dict[str, Any]:
    """The overview page: totals and lists from every case's part (`parts.merge`)."""
    today = inp.today
    texts = inp.texts
    sums = part.sums
    buckets = [
        {"label": texts.text(label), "amount": amount, "css": css, "key": key}
        for label, css, key, amount in zip(BUCKET_LABELS, BUCKET_CSS, BUCKETS, sums.aging)
    ]
    months = monthly(part.months, today, texts)
    tasks = [{**t, "days": (today - date.fromisoformat(t["since"])).days}
             for t in part.tasks.items]
    promised = [{**p, "past": p["date"] < today.isoformat()} for p in part.promises.items]
    return {
        "site": site_info(inp, root=""),
        "totals": totals(sums),
        "buckets": buckets,
        "aging_chart": charts.aging_bars(
            [charts.Bar(b["label"], b["amount"], b["css"]) for b in buckets], fmt=fmt, texts=texts
        ),
        "months": months,
        "monthly_chart": charts.monthly_bars(months, fmt=fmt, texts=texts),
        "stages": _count(part.stages),
        "policies": _count(part.policies),
        "statuses": _count(part.statuses),
        **_capped("due", part.due),
        **_capped("tasks", Capped(tuple(tasks), part.tasks.total)),
        **_capped("promises", Capped(tuple(promised), part.promises.total)),
        **_capped("disputes", part.disputes),
        **_capped("agency", part.agency),
        "rows_html": Markup(part.rows_html),
        "count": part.count,
    }


def _capped(name: str, found: Capped) -> dict[str, Any]:
    """A list for the page, cut at LIST_LIMIT rows, and how many there are in all.

    An agency's book can have thousands of actions due in a week; the page lists the
    first ones (soonest) and says how many more there are; the debtor table has them all.
    """
    return {name: list(found.items), f"{name}_total": found.total}


def _who(case: Case) -> dict[str, Any]:
    return {"case": case.id, "name": case.name, "href": page_path(case.id)}


def _policy_name(inp: Inputs, case: Case) -> str:
    policy = inp.book.policy_for(case)
    return policy.name if policy else inp.texts.text("overview.no-policy")


def _count(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"name": k, "count": counts[k]} for k in sorted(counts)]


# -- forecast ------------------------------------------------------------------------------


def forecast(inp: Inputs, *, result: Forecast, part: Part, fmt) -> dict[str, Any]:
    """Expected cash-in week by week (`casebook.insight`, from every case's forecast part),
    and the next action per case (from every case's part, `parts.merge`)."""
    texts = inp.texts
    data = forecast_page(inp.book, inp.today, fmt=fmt, result=result,
                         words=texts.forecast_chart())
    for week in data["weeks"]:
        week["items"] = Linked(week["items"], texts)
    for key in ("overdue_items", "disputed_items", "at_risk_cases"):
        data[key] = Linked(data[key], texts)
    return {
        "site": site_info(inp, root=""),
        "forecast": data,
        **_capped("planned", part.planned),
    }


class Linked(Sequence[dict[str, Any]]):
    """Forecast items with their page's link and their basis in the site's words, each made
    when a template reads it: the shipped forecast page shows the weeks and the cases at
    risk, not the thousands of items overdue beyond their usual delay of a large book."""

    __slots__ = ("_items", "_texts")

    def __init__(self, items: Sequence[dict[str, Any]], texts: Texts) -> None:
        self._items = items
        self._texts = texts

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._linked(i) for i in self._items[index]]
        return self._linked(self._items[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._linked, self._items)

    def _linked(self, item: dict[str, Any]) -> dict[str, Any]:
        said = {"basis": self._texts.basis(item["basis"])} if "basis" in item else {}
        return {**item, **said, "href": page_path(item["case"])}
