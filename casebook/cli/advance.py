"""`casebook advance` and `casebook schedule`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click

from casebook.record.advance import advance as run_advance
from casebook.engine.due import DueAction, as_action, case_state, schedule as engine_schedule
from casebook.book.errors import BookError
from .common import (
    _parse_date,
    book_option,
    clock_today,
    echo_json,
    echo_problems,
    fail,
    handle_errors,
    json_option,
    today_option,
)


def _today(book_root: Path, today: date | None) -> date:
    """`--today`, else the clock in the book's timezone (read without loading every case)."""
    if today is not None:
        return today
    import yaml

    try:
        settings = yaml.safe_load((book_root / "casebook.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        settings = None
    zone = settings.get("timezone") if isinstance(settings, dict) else None
    return clock_today(zone if isinstance(zone, str) else "Europe/Brussels")


def _line(due: DueAction) -> str:
    deadline = f", deadline {due.deadline.isoformat()}" if due.deadline else ""
    return f"{due.case_id}: {due.label} ({due.channel}){deadline}, balance {due.balance}"


@click.command()
@click.argument("case_ids", nargs=-1, metavar="[CASE-ID]...")
@today_option
@click.option("--dry-run", is_flag=True, help="Print what would be done; write nothing.")
@click.option("--push", is_flag=True, help="Pull (rebase) first, push afterwards; retry when the remote moved.")
@click.option("--no-wait", is_flag=True, help="Refuse instead of waiting when another command writes.")
@book_option
@handle_errors
def advance(
    book_root: Path,
    case_ids: tuple[str, ...],
    today: date | None,
    dry_run: bool,
    push: bool,
    no_wait: bool,
) -> None:
    """Take every action that is due: letters, emails, phone tasks, one commit each.

    Without CASE-IDs every case is looked at. Running it twice on the same day does
    nothing the second time. Exit code 1 when a case had to be skipped.
    """
    day = _today(book_root, today)
    report = run_advance(
        book_root, today=day, case_ids=case_ids, dry_run=dry_run, wait=not no_wait, push=push
    )
    for path in report.recovered:
        click.echo(f"removed {path} (left by an interrupted run)", err=True)
    verb = "would take" if dry_run else "took"
    for taken in report.taken:
        suffix = f" [{taken.commit[:10]}]" if taken.commit else ""
        click.echo(f"{_line(taken.action)}{suffix}")
    for line in report.mail_lines:
        click.echo(line)
    if report.push:
        click.echo(report.push)
    for case_id, why in report.skipped:
        click.echo(f"{case_id}: {why}", err=True)
    click.echo(f"{day.isoformat()}: {verb} {len(report.taken)} action(s)" + (
        f", skipped {len(report.skipped)} case(s)" if report.skipped else ""
    ))
    if not report.ok:
        raise fail("some cases were not advanced", report.problems)


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@today_option
@click.option("--until", callback=_parse_date, metavar="YYYY-MM-DD",
              help="Last day to show (default: a year from today).")
@json_option
@book_option
@handle_errors
def schedule(book_root: Path, case_id: str, today: date | None, until: date | None, as_json: bool) -> None:
    """The future timeline of a case if nobody pays: dates, stages, channels, amounts."""
    from casebook.book.check import check

    book, problems = check(book_root)
    case = book.cases.get(case_id)
    if case is None:
        echo_problems(problems)
        raise BookError(f"no case {case_id!r} in the book")
    day = today or clock_today(book.settings.timezone)
    end = until or day + timedelta(days=365)
    state = case_state(book, case, day)
    timeline = engine_schedule(book, case, day, end)
    rows = [_row(book, case, due, earlier=timeline[:n]) for n, due in enumerate(timeline)]
    if as_json:
        echo_json({
            "case": case.id,
            "policy": state.policy,
            "today": day.isoformat(),
            "until": end.isoformat(),
            "status": str(state.status),
            "paused_by": list(state.paused_by),
            "actions": rows,
        })
        return
    click.echo(f"{case.id} ({case.name}) under policy {state.policy or '?'}: {state.status}"
               + (f", paused by {'; '.join(state.paused_by)}" if state.paused_by else ""))
    if not rows:
        click.echo(f"nothing until {end.isoformat()}" + (f" ({state.waiting})" if state.waiting else ""))
    for row in rows:
        deadline = f"  pay by {row['deadline']}" if row["deadline"] else ""
        click.echo(
            f"{row['date']}  {row['stage']:<16} {row['channel']:<10} "
            f"principal {row['principal']:>10}  total {row['total']:>10}{deadline}"
        )


def _row(book, case, due: DueAction, *, earlier: list[DueAction]) -> dict:
    """One scheduled action, its total as of its day: the actions scheduled before it count
    as taken (a consumer's waiting period, earlier reminder fees), as they will be."""
    from dataclasses import replace

    from casebook.record.advance import claimed_total
    from casebook.book.dump import money

    case = replace(case, actions=(*case.actions, *(as_action(d) for d in earlier)))
    return {
        "date": due.date.isoformat(),
        "kind": str(due.kind),
        "stage": due.label,
        "channel": str(due.channel),
        "deadline": due.deadline.isoformat() if due.deadline else None,
        "invoices": list(due.invoices),
        "principal": money(due.balance),
        "total": money(claimed_total(book, case, due)),
    }


COMMANDS = [advance, schedule]
