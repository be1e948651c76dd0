"""The site's context: every figure and list the pages show, built before anything is written.

Pure functions of the book, the history and the build date: no clock, no writing. The
overview and forecast are built from the whole portfolio; a debtor page from its case
(`debtorpage`). Everything is sorted so that the same inputs give the same pages, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

from markupsafe import Markup

from casebook import __version__
from casebook.book.model import Book, Case
from casebook.engine.due import open_disputes
from casebook.insight.outlook import CaseOutlook
from casebook.insight.pages import forecast_page
from casebook.site import charts, inputs
from casebook.site.inputs import BUCKETS, CaseFigures, Portfolio, State
from casebook.site.texts import Texts
from casebook.site.timeline import Timelines

ZERO = Decimal("0")
BUCKET_LABELS = ("bucket.not-due", "bucket.1-30", "bucket.31-60", "bucket.61-90", "bucket.90+")
"""The keys of the aging buckets' names (`casebook.site.catalog`), in the order of BUCKETS."""
BUCKET_CSS = ("b0", "b1", "b2", "b3", "b4")
SOON_DAYS = 7
"""Actions, promises and installments shown as "falling due": the next week."""
FORECAST_WEEKS = 8
MONTHS = 12
LIST_LIMIT = 100
"""Rows shown in each list of the overview and forecast (the rest are counted)."""


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


def totals(figures: Portfolio) -> dict[str, Any]:
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


def monthly(summaries: Iterable[dict[str, Any]], today: date,
            texts: Texts) -> list[charts.Month]:
    first = (today.year * 12 + today.month - 1) - (MONTHS - 1)
    running = ZERO
    delta = [ZERO] * MONTHS
    collected = [ZERO] * MONTHS
    for s in summaries:
        running += Decimal(s["months"][0][0])
        for i, (d, c) in enumerate(s["months"][1:]):
            if d != "0":  # most months of most cases: nothing to add
                delta[i] += Decimal(d)
            if c != "0":
                collected[i] += Decimal(c)
    months = []
    for i in range(MONTHS):
        running += delta[i]
        year, month = divmod(first + i, 12)
        stamp = date(year, month + 1, 1)
        months.append(charts.Month(texts.text(f"month.{stamp.month}"), stamp.strftime("%Y-%m"),
                                   max(running, ZERO), collected[i]))
    return months


def overview(
    inp: Inputs, *, figures: Portfolio, summaries: dict[str, dict[str, Any]],
    rows_html: Markup, fmt,
) -> dict[str, Any]:
    """The overview page: totals from the portfolio, lists from the case summaries."""
    today = inp.today
    ordered = [summaries[cid] for cid in sorted(summaries)]
    texts = inp.texts
    buckets = [
        {"label": texts.text(label), "amount": figures.aging[key], "css": css, "key": key}
        for label, css, key in zip(BUCKET_LABELS, BUCKET_CSS, BUCKETS)
    ]
    months = monthly(ordered, today, texts)
    soon = _plus(today, SOON_DAYS).isoformat()

    def each(field: str) -> list[dict[str, Any]]:
        return [{**_ref(s), **item} for s in ordered for item in s[field]]

    tasks = sorted(each("tasks"), key=lambda t: (t["since"], t["case"], t["stage"]))
    for task in tasks:
        task["days"] = (today - date.fromisoformat(task["since"])).days
    promised = sorted((p for p in each("promises") if p["date"] <= soon),
                      key=lambda p: (p["date"], p["case"], p["kind"], p["number"]))
    for item in promised:
        item["past"] = item["date"] < today.isoformat()
    return {
        "site": site_info(inp, root=""),
        "totals": totals(figures),
        "buckets": buckets,
        "aging_chart": charts.aging_bars(
            [charts.Bar(b["label"], b["amount"], b["css"]) for b in buckets], fmt=fmt, texts=texts
        ),
        "months": months,
        "monthly_chart": charts.monthly_bars(months, fmt=fmt, texts=texts),
        "stages": _count(s["stage"] for s in ordered),
        "policies": _count(s["policy"] for s in ordered),
        "statuses": _count(s["status"] for s in ordered),
        **_capped("due", sorted(each("due"), key=lambda d: (d["date"], d["case"], d["stage"]))),
        **_capped("tasks", tasks),
        **_capped("promises", promised),
        **_capped("disputes", each("disputes")),
        **_capped("agency", [{**_ref(s), "open": s["open"]} for s in ordered if s["handed_over"]]),
        "rows_html": rows_html,
        "count": len(ordered),
    }


def _capped(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A list for the page, cut at LIST_LIMIT rows, and how many there are in all.

    An agency's book can have thousands of actions due in a week; the page lists the
    first ones (soonest) and says how many more there are; the debtor table has them all.
    """
    return {name: items[:LIST_LIMIT], f"{name}_total": len(items)}


def _ref(summary: dict[str, Any]) -> dict[str, Any]:
    return {"case": summary["case"], "name": summary["name"], "href": summary["href"]}


def _who(case: Case) -> dict[str, Any]:
    return {"case": case.id, "name": case.name, "href": page_path(case.id)}


def _policy_name(inp: Inputs, case: Case) -> str:
    policy = inp.book.policy_for(case)
    return policy.name if policy else inp.texts.text("overview.no-policy")


def _count(values: Iterable[str]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return [{"name": k, "count": counts[k]} for k in sorted(counts)]


# -- forecast ------------------------------------------------------------------------------


def forecast(inp: Inputs, *, summaries: dict[str, dict[str, Any]], fmt,
             outlooks: Mapping[str, CaseOutlook] | None = None) -> dict[str, Any]:
    """Expected cash-in week by week (`casebook.insight`), and the next action per case.
    `outlooks`: each case's part of the forecast, when the build has them."""
    texts = inp.texts
    data = forecast_page(inp.book, inp.today, fmt=fmt, outlooks=outlooks,
                         words=texts.forecast_chart())
    for week in data["weeks"]:
        week["items"] = [_linked(i, texts) for i in week["items"]]
    for key in ("overdue_items", "disputed_items", "at_risk_cases"):
        data[key] = [_linked(i, texts) for i in data[key]]
    horizon = data["weeks"][-1]["end"].isoformat() if data["weeks"] else inp.today.isoformat()
    planned = [
        {**_ref(s), "date": s["next_date"], "stage": s["next_stage"], "channel": s["next_channel"]}
        for s in (summaries[cid] for cid in sorted(summaries))
        if s["next_stage"] and s["next_date"] <= horizon and s["status"] not in ("paused", "agency")
    ]
    return {
        "site": site_info(inp, root=""),
        "forecast": data,
        **_capped("planned", sorted(planned, key=lambda p: (p["date"], p["case"]))),
    }


def _linked(item: dict[str, Any], texts: Texts) -> dict[str, Any]:
    said = {"basis": texts.basis(item["basis"])} if "basis" in item else {}
    return {**item, **said, "href": page_path(item["case"])}
