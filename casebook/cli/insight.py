"""`casebook insight`, `casebook forecast`, `casebook segment`: advice from the book's history."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from casebook.book.dump import money
from casebook.record.gitstore import Store
from casebook.record.history import read_history
from casebook.insight.behaviour import Behaviour, behaviour_of
from casebook.insight.forecast import DEFAULT_WEEKS, Forecast, forecast
from casebook.insight.segment import set_segment
from casebook.insight.stats import rounded
from casebook.insight.suggest import Rules, differs, suggest
from casebook.insight.trends import collected_after_stage, monthly
from casebook.book.load import load_book
from casebook.book.model import Book
from casebook.record.recording import recorder
from .common import (
    book_option,
    clock_today,
    echo_json,
    fail,
    handle_errors,
    json_option,
    today_option,
)


def _load(book_root: Path) -> Book:
    book, problems = load_book(book_root)
    if problems:
        click.echo(
            f"warning: the book has {len(problems)} problem(s); run `casebook check`", err=True
        )
    return book


def _behaviours(book: Book, as_of: date) -> dict[str, Behaviour]:
    return {cid: behaviour_of(book, case, as_of) for cid, case in book.cases.items()}


# -- forecast ----------------------------------------------------------------------------------


@click.command("forecast")
@click.option("--weeks", type=click.IntRange(1, 260), default=DEFAULT_WEEKS, show_default=True,
              help="How many weeks to show, from the one holding today.")
@book_option
@today_option
@json_option
@handle_errors
def forecast_command(book_root: Path, weeks: int, today: date | None, as_json: bool) -> None:
    """Expected cash in per week from the open invoices, promises and plan installments.

    Each debtor's invoices are expected after its own usual delay (the book's for debtors
    that never paid); cases in formal notice or with the agency are shown apart, at risk.
    """
    book = _load(book_root)
    as_of = today or clock_today(book.settings.timezone)
    result = forecast(book, as_of, weeks=weeks)
    if as_json:
        echo_json(result.to_json())
        return
    _print_forecast(result)


def _print_forecast(result: Forecast) -> None:
    click.echo(f"Forecast as of {result.as_of} ({result.currency}); "
               f"usual delay in the book: {result.book_delay:+d} days")
    header = ("week", "from", "to", "promised", "expected", "total")
    rows = [
        (w.label, w.start.isoformat(), w.end.isoformat(), money(w.promised),
         money(w.estimated), money(w.amount))
        for w in result.weeks
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(c.rjust(w) if i >= 3 else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    click.echo(line(header))
    for row in rows:
        click.echo(line(row))
    total_w = sum(widths) + 2 * (len(widths) - 1)

    def apart(label: str, amount) -> None:
        text = money(amount)
        click.echo(label + text.rjust(max(total_w - len(label), len(text) + 2)))

    apart("in these weeks", result.expected)
    apart(f"later (after {result.weeks[-1].end})", result.later_total)
    apart("overdue beyond the usual delay", result.overdue_total)
    apart("under dispute", result.disputed_total)
    apart(f"at risk (formal notice, agency): {len(result.at_risk)} case(s)",
          result.at_risk_total)
    apart("open in total", result.open)


# -- insight -----------------------------------------------------------------------------------


@click.command("insight")
@click.argument("case_id", required=False)
@book_option
@today_option
@json_option
@handle_errors
def insight_command(
    book_root: Path, case_id: str | None, today: date | None, as_json: bool
) -> None:
    """How debtors pay and which segment that suggests; with CASE-ID, one debtor in detail.

    Without CASE-ID: the suggested segment changes, then DSO and the share paid late per
    month, and the amount collected after each stage (read from the git history).
    """
    book = _load(book_root)
    as_of = today or clock_today(book.settings.timezone)
    rules = Rules.from_settings(book.settings.insight)
    if case_id is not None:
        case = book.cases.get(case_id)
        if case is None:
            raise fail(f"no case {case_id!r} in {book_root}")
        found = behaviour_of(book, case, as_of)
        raw = suggest(found, rules)
        shown = differs(raw, case)
        data = {
            **found.to_json(),
            "name": case.name,
            "segment": case.segment,
            "suggested_segment": shown.segment if shown else None,
            "suggestion_reason": shown.reason if shown else None,
            "rule_segment": raw.segment if raw else None,
            "rule_reason": raw.reason if raw else None,
            "records": [
                {"invoice": r.number, "due": r.due.isoformat(), "amount": money(r.amount),
                 "paid_on": r.paid_on.isoformat() if r.paid_on else None,
                 "delay": r.delay, "days_late": r.days_late, "reminders": r.reminders}
                for r in found.records
            ],
        }
        if as_json:
            echo_json(data)
        else:
            _print_case(data)
        return

    behaviours = _behaviours(book, as_of)
    rows: list[dict[str, Any]] = []
    for cid, found in behaviours.items():
        case = book.cases[cid]
        shown = differs(suggest(found, rules), case)
        rows.append({
            "case": cid,
            "name": case.name,
            "segment": case.segment,
            "suggested_segment": shown.segment if shown else None,
            "suggestion_reason": shown.reason if shown else None,
            "assessed": found.assessed,
            "on_time_share": rounded(found.on_time_share),
            "average_days_late": rounded(found.average_days_late),
            "median_days_late": found.median_days_late,
            "usual_delay": found.usual_delay,
            "trend_direction": found.trend_direction,
            "broken_promises": found.broken_promises,
            "broken_plans": found.broken_plans,
        })
    months = monthly(book, as_of, behaviours=behaviours)
    stages = collected_after_stage(book, read_history(book_root), until=as_of)
    if as_json:
        echo_json({
            "as_of": as_of.isoformat(),
            "currency": book.settings.currency,
            "rules": {
                "chronic_late_days": rules.chronic_late_days,
                "chronic_late_share": str(rules.chronic_late_share),
                "reliable_share": str(rules.reliable_share),
                "hardship_broken": rules.hardship_broken,
                "min_invoices": rules.min_invoices,
            },
            "cases": rows,
            "months": [m.to_json() for m in months],
            "collected_after_stage": [s.to_json() for s in stages],
        })
        return
    changes = [r for r in rows if r["suggested_segment"]]
    click.echo(f"Insight as of {as_of} ({book.settings.currency})")
    click.echo()
    if changes:
        click.echo(f"Suggested segments ({len(changes)}); record one with "
                   "`casebook segment CASE-ID SEGMENT`:")
        for r in changes:
            click.echo(f"  {r['case']}: {r['segment'] or '(none)'} -> {r['suggested_segment']}"
                       f" ({r['suggestion_reason']})")
    else:
        click.echo("No segment to change.")
    click.echo()
    click.echo("month     DSO (days)  due  paid late")
    for m in months:
        dso = rounded(m.dso) or "-"
        share = f"{rounded(m.late_share, '1')}%" if m.late_share is not None else "-"
        click.echo(f"{m.month}  {dso:>10}  {m.due:>4}  {m.late:>4} ({share})")
    click.echo()
    click.echo("collected after each stage:")
    total = sum((s.amount for s in stages), 0)
    for s in stages:
        share = f"{rounded(s.amount * 100 / total, '1')}%" if total else "-"
        click.echo(f"  {s.label:<24} {money(s.amount):>14}  {share:>6}  "
                   f"{s.payments} payment(s), {s.cases} case(s)")


def _print_case(data: dict[str, Any]) -> None:
    click.echo(f"{data['case']}: {data['name']}  (segment {data['segment'] or '(none)'})")
    click.echo(f"  invoices {data['invoices']}, assessed {data['assessed']} "
               f"(paid {data['paid']}), on time {data['paid_on_time']}"
               f" ({data['on_time_share'] or '-'}%)")
    click.echo(f"  days late: average {data['average_days_late'] or '-'}, "
               f"median {data['median_days_late'] if data['median_days_late'] is not None else '-'}"
               f" (weighted by amount); usual delay "
               f"{data['usual_delay'] if data['usual_delay'] is not None else '-'} days")
    trend = ", ".join(
        f"{q['from']}..{q['to']}: {q['average_days_late'] or '-'}" for q in data["trend"]
    )
    click.echo(f"  trend ({data['trend_direction']}): {trend}")
    click.echo(f"  reminders usually needed: "
               f"{data['reminders_median'] if data['reminders_median'] is not None else '-'}"
               f" (average {data['reminders_average'] or '-'})")
    click.echo(f"  promises {data['promises']} (broken {data['broken_promises']}), "
               f"plans {data['plans']} (broken {data['broken_plans']})")
    if data["suggested_segment"]:
        click.echo(f"  suggested segment: {data['suggested_segment']} "
                   f"(because {data['suggestion_reason']})")
        click.echo(f"  record it with: casebook segment {data['case']} {data['suggested_segment']}")
    elif data["rule_segment"]:
        click.echo(f"  segment {data['rule_segment']} fits ({data['rule_reason']})")


# -- segment -----------------------------------------------------------------------------------


@click.command("segment")
@click.argument("case_id")
@click.argument("new")
@book_option
@today_option
@handle_errors
def segment_command(book_root: Path, case_id: str, new: str, today: date | None) -> None:
    """Set the segment of CASE-ID to NEW in its debtor.yaml and commit that change.

    Only the `segment:` line changes; comments and every other line stay as they are.
    Refused when debtor.yaml has changes that are not committed.
    """
    book = _load(book_root)
    case = book.cases.get(case_id)
    reason = ""
    if case is not None:
        as_of = today or clock_today(book.settings.timezone)
        raw = suggest(behaviour_of(book, case, as_of), Rules.from_settings(book.settings.insight))
        if raw is not None and raw.segment == new:
            reason = f"Suggested by casebook insight on {as_of}: {raw.reason}."
    if new not in book.policies and not (case is not None and case.policy):
        click.echo(f"warning: there is no policy {new!r}; the case will follow the default "
                   f"policy {book.settings.default_policy!r}", err=True)
    # The person at the keyboard (git's identity), else the book's operator.
    author, _ = recorder(Store(book_root), book)
    change = set_segment(book_root, case_id, new, reason=reason, author=author)
    if change.sha is None:
        click.echo(f"{case_id} is already in segment {new}")
    else:
        click.echo(f"{case_id}: segment {change.old or '(none)'} -> {new} "
                   f"(commit {change.sha[:10]})")


COMMANDS = [insight_command, forecast_command, segment_command]
