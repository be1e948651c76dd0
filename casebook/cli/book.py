"""The commands a new user meets first: init, demo, check, status, schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from casebook.book.check import check as check_book
from casebook.book.checkcache import check_summary
from casebook.book.dump import money
from casebook.book.hints import hints as book_hints
# Creating books and the engine's figures are imported by the commands that use them:
# `casebook check` starts without GitPython, the engine and the money rules.
from .common import (
    book_option,
    clock_today,
    echo_json,
    echo_problems,
    fail,
    handle_errors,
    json_option,
    today_option,
)


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--demo", is_flag=True, help="Add the example cases.")
@handle_errors
def init(path: Path, demo: bool) -> None:
    """Create a new book at PATH: a git repository with settings, policies and letters."""
    from casebook.book.newbook import create_book

    create_book(path, demo=demo)
    click.echo(f"New book in {path}")
    click.echo("Next: fill in casebook.yaml (your name, IBAN, VAT, operator) and commit it,")
    click.echo("then add debtors and invoices:  casebook new debtor,  casebook new invoice CASE")
    click.echo("(or write cases/<debtor>/ folders by hand), and run  casebook check.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--no-cache", is_flag=True, help="Read every file again, ignoring the load cache.")
@book_option
@today_option
def check(book_root: Path, as_json: bool, no_cache: bool, today: date | None) -> None:
    """Validate the whole book; print every problem as `path:line: message`, then hints."""
    book = check_summary(book_root, cache=not no_cache)
    problems = book.problems
    if as_json:
        echo_json([{"path": p.path, "line": p.line, "message": p.message} for p in problems])
    else:
        echo_problems(problems)
    if not as_json:
        if problems:
            click.echo(f"{len(problems)} problem(s) in {book_root}", err=True)
        else:
            click.echo(f"ok: {book.cases} cases, {book.invoices} invoices")
    # After the verdict, on stderr: a hint never fails the check, nor changes its JSON.
    as_of = today or clock_today(book.settings.timezone)
    for hint in book_hints(book, problems, today=as_of, root=book_root):
        click.echo(f"hint: {hint}", err=True)
    if problems:
        raise click.exceptions.Exit(1)


@click.command()
@book_option
@today_option
@json_option
def status(book_root: Path, today: date | None, as_json: bool) -> None:
    """The portfolio: open balance, overdue, oldest due date and aging per case."""
    book, problems = check_book(book_root)
    as_of = today or clock_today(book.settings.timezone)
    from casebook.engine.portfolio import portfolio

    figures = portfolio(book, as_of)
    extra = _case_extras(book, as_of)
    if as_json:
        data = figures.to_json()
        for row in data["cases"]:
            row.update(extra[row["case"]])
        data["problems"] = len(problems)
        echo_json(data)
        return
    if problems:
        click.echo(f"warning: the book has {len(problems)} problem(s); run `casebook check`", err=True)
    _print_table(figures, extra)


def _case_extras(book, as_of: date) -> dict[str, dict]:
    """Per case: where it stands in its policy, and the segment its history suggests."""
    from casebook.engine.due import case_state
    from casebook.insight.suggest import suggestion_for

    extras = {}
    for case in book.cases.values():
        state = case_state(book, case, as_of)
        suggestion = suggestion_for(book, case, as_of)
        extras[case.id] = {
            "status": state.status.value,
            "stage": state.last_stage,
            "stage_date": state.last_date.isoformat() if state.last_date else None,
            "paused_by": list(state.paused_by),
            "open_tasks": [t.stage for t in state.tasks],
            "next_action": ({"date": state.next_action.date.isoformat(), "stage": state.next_action.stage}
                            if state.next_action else None),
            "suggested_segment": suggestion.segment if suggestion else None,
            "suggestion_reason": suggestion.reason if suggestion else None,
        }
    return extras


def _next_cell(extra: dict, as_of: date) -> str:
    """What happens next to a case, and when: `second-reminder 2026-12-17`, `reminder now`
    (due on the next `advance`), or why nothing will (`with the agency`, `paused`)."""
    status = extra.get("status")
    if status == "agency":
        return "with the agency"
    if status == "paused":
        return "paused"
    upcoming = extra.get("next_action")
    if not upcoming:
        return "-"
    when = "now" if upcoming["date"] <= as_of.isoformat() else upcoming["date"]
    return f"{upcoming['stage']} {when}"


def _print_table(figures, extra: dict[str, dict] | None = None) -> None:
    from casebook.engine.portfolio import BUCKETS

    extra = extra or {}
    header = ("case", "policy", "stage", "next action", "open", "overdue", "oldest due", "late")
    rows = [
        (c.case_id, c.policy, (extra.get(c.case_id, {}).get("stage") or "-"),
         _next_cell(extra.get(c.case_id, {}), figures.as_of), money(c.open),
         money(c.overdue), c.oldest_due.isoformat() if c.oldest_due else "-",
         str(c.days_late) if c.open > 0 else "-")
        for c in figures.cases
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    right = {4, 5, 7}

    def line(cells) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    click.echo(line(header))
    click.echo(line(["-" * w for w in widths]))
    for row in rows:
        click.echo(line(row))
    click.echo()
    click.echo(f"as of {figures.as_of}  ({figures.currency})")
    click.echo(f"open     {money(figures.open):>12}   overdue {money(figures.overdue):>12}"
               f"   credit {money(figures.credit)}")
    click.echo("aging    " + "   ".join(f"{b}: {money(figures.aging[b])}" for b in BUCKETS))
    if figures.dso is not None:
        click.echo(f"DSO      {figures.dso:.1f} days")
    hints = [(case_id, e) for case_id, e in sorted(extra.items()) if e.get("suggested_segment")]
    if hints:
        click.echo()
        for case_id, e in hints:
            click.echo(f"{case_id}: suggested segment: {e['suggested_segment']} "
                       f"(because {e['suggestion_reason']})")


@click.command()
@click.argument("kind", required=False)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write every schema into this folder instead of printing one.")
def schema(kind: str | None, out: Path | None) -> None:
    """Print the JSON Schema of a file type (settings, debtor, invoice, ...) for editors."""
    from casebook.book.newbook import schema_files

    files = schema_files()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (out / name).write_bytes(data)
        click.echo(f"{len(files)} schemas in {out}")
        return
    names = sorted(n.removesuffix(".schema.json") for n in files)
    if kind not in names:
        raise click.UsageError(f"name a file type: {', '.join(names)}")
    click.echo(files[f"{kind}.schema.json"].decode(), nl=False)


DEMO_START = date(2026, 8, 1)
DEMO_TODAY = date(2026, 11, 24)
"""The example book's story runs from the first of August to this day."""


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--today", "end", default=DEMO_TODAY.isoformat(), show_default=True,
              metavar="YYYY-MM-DD", help="Play the collection up to this day.")
@handle_errors
def demo(path: Path | None, end: str) -> None:
    """Build a demo book, play months of collection on it and build its site.

    The first thing to run: it creates PATH (default ./casebook-demo) with the example
    cases, advances every case day by day from August to --today (letters, calls,
    payments, a promise, a dispute, a payment plan), each action a git commit, then
    builds the site and prints where to open it.
    """
    from casebook.book.newbook import create_book
    from casebook.engine.portfolio import portfolio
    from casebook.record.demo import play_demo
    from casebook.site import build_site

    try:
        last = date.fromisoformat(end)
    except ValueError:
        raise click.BadParameter(f"{end!r} is not a date as YYYY-MM-DD", param_hint="--today")
    if last <= DEMO_START:
        raise click.BadParameter(f"the demo starts on {DEMO_START}: choose a later day",
                                 param_hint="--today")
    root = (path or Path("casebook-demo")).resolve()
    if root.exists() and any(root.iterdir()):
        raise fail(f"{root} exists already: remove it (rm -rf {root}) or name another folder, "
                   "e.g. `casebook demo /tmp/casebook-demo`")
    click.echo(f"1. A new book with the example cases in {root}")
    create_book(root, demo=True)
    click.echo(f"2. Collection from {DEMO_START} to {last}, day by day (one commit per action)")
    played = play_demo(root, start=DEMO_START, end=last)
    click.echo(f"   {played}")
    book, problems = check_book(root)
    if problems:
        raise fail("the demo book has problems", problems)
    click.echo("3. The portfolio today")
    _print_table(portfolio(book, last), _case_extras(book, last))
    click.echo("4. The site")
    built = build_site(root, out=root / "site", today=last, book=book)
    click.echo()
    click.echo(f"Open the overview in your browser: {built.index.as_uri()}")
    click.echo(f"Look around the book: cd {root} && git log --stat")


COMMANDS = [init, demo, check, status, schema]
