"""The site's context: every figure and list the pages show, built before anything is written.

Pure functions of the book, the history and the build date: no clock, no writing. The
overview and forecast are built from the whole portfolio; a debtor page from its case.
Everything is sorted so that the same inputs give the same pages, byte for byte.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from markupsafe import Markup

from .. import __version__
from ..fsutil import inside
from ..model import Book, Case
from . import charts, inputs
from .inputs import BUCKETS, CaseFigures, History, Portfolio, State
from .markup import markdown

ZERO = Decimal("0")
BUCKET_LABELS = ("Not due", "1–30 days", "31–60 days", "61–90 days", "Over 90 days")
BUCKET_CSS = ("b0", "b1", "b2", "b3", "b4")
SOON_DAYS = 7
"""Actions, promises and installments shown as "falling due": the next week."""
FORECAST_WEEKS = 8
MONTHS = 12
SHA_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything read once for a build."""

    root: Path
    book: Book
    today: date
    history: History


def page_path(case_id: str) -> str:
    """Where a debtor page is written, relative to the site root."""
    return f"debtors/{case_id}.html"


def letter_path(case_id: str, name: str) -> str:
    return f"debtors/{case_id}/{name}"


# -- formatting ----------------------------------------------------------------------------


def money_formatter(language: str, currency: str):
    """Amounts as a reader of the book's language writes them (thousands, decimal mark)."""
    symbol = "€" if currency == "EUR" else currency
    thousands, decimal = (",", ".") if language == "en" else (".", ",")

    def fmt(amount: Decimal | None) -> str:
        if amount is None:
            return ""
        value = Decimal(amount).quantize(Decimal("0.01"))
        sign = "−" if value < 0 else ""
        whole, _, cents = f"{abs(value):.2f}".partition(".")
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        return f"{sign}{symbol}\u00a0{thousands.join(groups)}{decimal}{cents}"

    return fmt


def _plus(day: date, days: int) -> date:
    return date.fromordinal(day.toordinal() + days)


def _amount(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


# -- overview ------------------------------------------------------------------------------


def site_info(inp: Inputs, *, root: str) -> dict[str, Any]:
    settings = inp.book.settings
    return {
        "creditor": settings.creditor.name,
        "currency": settings.currency,
        "today": inp.today.isoformat(),
        "root": root,
        "version": __version__,
        "title": settings.site.get("title") or f"{settings.creditor.name} · receivables",
    }


def totals(figures: Portfolio) -> dict[str, Any]:
    """The headline figures, exactly as `casebook status --json` gives them."""
    data = figures.to_json()["totals"]
    return {
        "outstanding": figures.open,
        "overdue": figures.overdue,
        "dso": data["dso"],
        "open_cases": data["open_cases"],
        "cases": data["cases"],
    }


def overview(
    inp: Inputs, *, figures: Portfolio, rows: dict[str, CaseFigures],
    states: dict[str, State], fmt,
) -> dict[str, Any]:
    book, today = inp.book, inp.today
    cases = book.cases
    buckets = [
        {"label": label, "amount": figures.aging[key], "css": css, "key": key}
        for label, css, key in zip(BUCKET_LABELS, BUCKET_CSS, BUCKETS)
    ]
    months = monthly(book, today)
    soon = _plus(today, SOON_DAYS)
    due = [
        {**_who(cases[d.case_id]), "date": d.date, "stage": d.stage, "channel": d.channel}
        for d in inputs.due_within(book, states, today, SOON_DAYS)
    ]
    tasks = sorted(
        (
            {**_who(cases[cid]), "stage": t.stage, "since": t.since,
             "days": (today - t.since).days}
            for cid, st in states.items() for t in st.tasks
        ),
        key=lambda t: (t["since"], t["case"], t["stage"]),
    )
    promised = [p for p in promises(book, today) if p["date"] <= soon]
    return {
        "site": site_info(inp, root=""),
        "totals": totals(figures),
        "buckets": buckets,
        "aging_chart": charts.aging_bars(
            [charts.Bar(b["label"], b["amount"], b["css"]) for b in buckets], fmt=fmt
        ),
        "months": months,
        "monthly_chart": charts.monthly_bars(months, fmt=fmt),
        "stages": _count(_stage_label(st) for st in states.values()),
        "policies": _count(_policy_name(book, c) for c in cases.values()),
        "statuses": _count(st.status for st in states.values()),
        "due": due,
        "tasks": tasks,
        "promises": promised,
        "disputes": disputes(book, states),
        "agency": [
            {**_who(cases[cid]), "open": rows[cid].open}
            for cid, st in sorted(states.items()) if st.handed_over
        ],
        "rows": [table_row(cases[cid], rows[cid], states[cid], book) for cid in sorted(cases)],
    }


def _who(case: Case) -> dict[str, Any]:
    return {"case": case.id, "name": case.name, "href": page_path(case.id)}


def _stage_label(state: State) -> str:
    return state.stage or "(no stage yet)"


def _policy_name(book: Book, case: Case) -> str:
    policy = book.policy_for(case)
    return policy.name if policy else "(none)"


def _count(values: Iterable[str]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return [{"name": k, "count": counts[k]} for k in sorted(counts)]


def table_row(case: Case, row: CaseFigures, state: State, book: Book) -> dict[str, Any]:
    return {
        **_who(case),
        "policy": _policy_name(book, case),
        "stage": state.stage,
        "status": state.status,
        "paused_by": state.paused_by,
        "open": row.open,
        "overdue": row.overdue,
        "days_late": row.days_late,
        "next_stage": state.next_stage,
        "next_date": state.next_date,
        "owner": case.owner,
        "tags": " ".join(sorted(case.tags)),
        "tasks": len(state.tasks),
    }


def promises(book: Book, today: date) -> list[dict[str, Any]]:
    """Promises to pay and plan installments from a week ago on, soonest first."""
    since = _plus(today, -SOON_DAYS)
    found = []
    for case in book.cases.values():
        if not case.invoices:
            continue
        paid_total = sum((p.amount for p in case.payments), ZERO)
        if paid_total >= sum((i.amount - i.credited for i in case.invoices), ZERO):
            continue
        for note in case.notes:
            if note.promise and note.promise.date >= since:
                found.append({**_who(case), "kind": "promise", "date": note.promise.date,
                              "amount": note.promise.amount})
            if note.plan:
                for number, inst in enumerate(note.plan.installments, 1):
                    if inst.due >= since:
                        found.append({**_who(case), "kind": f"installment {number}",
                                      "date": inst.due, "amount": inst.amount})
    for item in found:
        item["days"] = (item["date"] - today).days
    return sorted(found, key=lambda p: (p["date"], p["case"], p["kind"]))


def disputes(book: Book, states: dict[str, State]) -> list[dict[str, Any]]:
    found = []
    for cid, st in sorted(states.items()):
        if st.paused_by != "dispute":
            continue
        case = book.cases[cid]
        resolved = {n.resolved for n in case.notes if n.resolved}
        for note in sorted(case.notes, key=lambda n: (n.date, n.id)):
            if note.dispute and note.dispute.invoice not in resolved:
                found.append({**_who(case), "invoice": note.dispute.invoice,
                              "reason": note.dispute.reason, "since": note.date})
    return found


def monthly(book: Book, today: date) -> list[charts.Month]:
    """Outstanding at each month end and collected in each month, over the last year.

    Each invoice adds its amount in the month it was issued and each payment part applied
    to it takes its amount off in the month it was paid; a running sum gives what was
    open at each month end. One pass over invoices and payments, whatever the window.
    """
    first = (today.year * 12 + today.month - 1) - (MONTHS - 1)
    delta = [ZERO] * MONTHS
    collected = [ZERO] * MONTHS
    start = ZERO

    def add(day: date, amount: Decimal) -> None:
        nonlocal start
        index = day.year * 12 + day.month - 1 - first
        if index < 0:
            start += amount
        elif index < MONTHS:
            delta[index] += amount

    for case in book.cases.values():
        for balance in inputs.allocation(case).invoices:
            add(balance.invoice.issued, balance.owed)
            for part in balance.applied:
                add(part.date, -part.amount)
        for payment in case.payments:
            index = payment.date.year * 12 + payment.date.month - 1 - first
            if 0 <= index < MONTHS:
                collected[index] += payment.amount
    months, running = [], start
    for i in range(MONTHS):
        running += delta[i]
        year, month = divmod(first + i, 12)
        stamp = date(year, month + 1, 1)
        months.append(charts.Month(stamp.strftime("%b"), stamp.strftime("%Y-%m"),
                                   max(running, ZERO), collected[i]))
    return months


# -- forecast ------------------------------------------------------------------------------


def forecast(inp: Inputs, *, rows: dict[str, CaseFigures], states: dict[str, State]) -> dict[str, Any]:
    """What should come in, week by week: invoices falling due, promises, installments."""
    book, today = inp.book, inp.today
    weeks = []
    monday = _plus(today, -today.weekday())
    for w in range(FORECAST_WEEKS):
        start = _plus(monday, 7 * w)
        weeks.append({"start": start, "end": _plus(start, 6), "invoices": ZERO,
                      "promised": ZERO, "items": []})
    horizon = weeks[-1]["end"]

    def week_of(day: date):
        if day < monday or day > horizon:
            return None
        return weeks[(day - monday).days // 7]

    for cid in sorted(book.cases):
        case = book.cases[cid]
        for balance in inputs.allocation(case).open_invoices():
            week = week_of(balance.invoice.due)
            if week is not None and balance.invoice.due >= today:
                week["invoices"] += balance.open
                week["items"].append({**_who(case), "what": f"invoice {balance.invoice.number}",
                                      "date": balance.invoice.due, "amount": balance.open})
    for item in promises(book, today):
        week = week_of(item["date"])
        if week is not None and item["date"] >= today:
            week["promised"] += item["amount"] or ZERO
            week["items"].append({**item, "what": item["kind"]})
    for week in weeks:
        week["items"].sort(key=lambda i: (i["date"], i["case"], i["what"]))
    overdue = sum((r.overdue for r in rows.values()), ZERO)
    return {
        "site": site_info(inp, root=""),
        "weeks": weeks,
        "overdue": overdue,
        "due": [
            {**_who(book.cases[d.case_id]), "date": d.date, "stage": d.stage,
             "channel": d.channel}
            for d in inputs.due_within(book, states, today, FORECAST_WEEKS * 7)
        ],
    }


# -- a debtor ------------------------------------------------------------------------------


def debtor(inp: Inputs, case: Case, *, row: CaseFigures, state: State) -> dict[str, Any]:
    book, today = inp.book, inp.today
    alloc = inputs.allocation(case)
    disputed = _disputed(case)
    invoices = []
    for balance in alloc.invoices:
        inv = balance.invoice
        late = (today - inv.due).days
        if balance.open == 0:
            status = "paid"
        elif inv.number in disputed:
            status = "disputed"
        elif late > 0:
            status = "overdue"
        else:
            status = "open"
        invoices.append({
            "number": inv.number, "issued": inv.issued, "due": inv.due, "amount": inv.amount,
            "credited": inv.credited, "paid": balance.paid, "open": balance.open,
            "paid_on": balance.paid_on, "days_late": max(late, 0) if balance.open else 0,
            "status": status, "description": inv.description, "reference": inv.reference,
        })
    applied: dict[str, list[str]] = {}
    for balance in alloc.invoices:
        for part in balance.applied:
            applied.setdefault(part.payment, []).append(balance.invoice.number)
    payments = [
        {"date": p.date, "amount": p.amount, "invoice": p.invoice or "",
         "applied_to": ", ".join(sorted(set(applied.get(p.id, [])))),
         "reference": p.reference, "origin": p.origin, "id": p.id}
        for p in sorted(case.payments, key=lambda p: (p.date, p.id))
    ]
    policy = book.policy_for(case)
    return {
        "site": site_info(inp, root="../"),
        "case": case,
        "address": case.address.lines(),
        "policy": policy.name if policy else "",
        "language": book.language_of(case),
        "row": row,
        "state": state,
        "invoices": invoices,
        "credit": alloc.credit,
        "payments": payments,
        "claim": inputs.claim(book, case, today),
        "notes": [_note(n) for n in sorted(case.notes, key=lambda n: (n.date, n.id))],
        "letters": letters(inp, case),
        "timeline": timeline(inp, case),
    }


def _disputed(case: Case) -> set[str]:
    resolved = {n.resolved for n in case.notes if n.resolved}
    return {n.dispute.invoice for n in case.notes if n.dispute} - resolved


def _note(note) -> dict[str, Any]:
    return {
        "date": note.date, "channel": note.channel, "with": note.with_, "by": note.by,
        "promise": note.promise, "dispute": note.dispute, "resolved": note.resolved,
        "plan": note.plan, "completes": note.completes, "id": note.id,
        "html": markdown(note.body),
    }


def action_file(inp: Inputs, case: Case, name: str) -> Path | None:
    """An action's file, named relative to the case folder or to its `actions/` folder."""
    folder = inp.root / case.folder
    for relative in (name, f"actions/{name}"):
        found = inside(folder, relative)
        if found is not None and found.is_file():
            return found
    return None


def letters(inp: Inputs, case: Case) -> list[dict[str, Any]]:
    """Every action with its letter or email shown, and the printable copy linked."""
    result = []
    for action in sorted(case.actions, key=lambda a: (a.date, a.id)):
        body, printable, subject, eml = Markup(""), "", "", ""
        for name in sorted(action.files):
            path = action_file(inp, case, name)
            if path is None:
                continue
            suffix = path.suffix.lower()
            if suffix == ".md":
                body = markdown(_front_matter_stripped(path.read_text("utf-8", "replace")))
            elif suffix in (".html", ".htm"):
                printable = letter_path(case.id, path.name)
            elif suffix == ".eml":
                eml = path.name
                subject, text = _email_text(path)
                if not body and text:
                    body = Markup("<pre>") + text + Markup("</pre>")
        result.append({
            "id": action.id, "date": action.date, "kind": str(action.kind),
            "stage": action.stage, "channel": action.channel, "balance": action.balance,
            "total": action.total, "deadline": action.deadline,
            "invoices": ", ".join(action.invoices), "body": body, "printable": printable,
            "subject": subject, "email": eml,
        })
    return result


def printable_sources(inp: Inputs, case: Case) -> list[tuple[str, Path]]:
    """The (site path, source file) of each printable letter of a case."""
    found = []
    for action in case.actions:
        for name in action.files:
            path = action_file(inp, case, name)
            if path is not None and path.suffix.lower() in (".html", ".htm"):
                found.append((letter_path(case.id, path.name), path))
    return sorted(found)


def _front_matter_stripped(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4:].lstrip("\n")
    return text


def _email_text(path: Path) -> tuple[str, str]:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    subject = str(message.get("Subject", ""))
    part = message.get_body(preferencelist=("plain",))
    try:
        text = part.get_content() if part is not None else ""
    except (LookupError, ValueError):
        text = ""
    return subject, text


def timeline(inp: Inputs, case: Case) -> list[dict[str, Any]]:
    """The case's commits, newest first: when, what, who, which commit."""
    items = []
    for commit in reversed(inp.history.for_case(case.id)):
        items.append({
            "when": commit.author_date.strftime("%Y-%m-%d %H:%M"),
            "date": commit.author_date.date(),
            "subject": commit.subject,
            "author": commit.author_name,
            "sha": commit.sha,
            "short": commit.sha[:SHA_SHOWN],
            "stage": commit.stage or "",
        })
    return items
