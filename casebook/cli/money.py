"""`casebook rates` and `casebook claim`: the rate tables in force and what a debtor owes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from casebook.money.claim import Claim, claim_for, rate_text
from casebook.book.errors import Problem
from casebook.book.model import Case, Kind
from casebook.book.rates import RateTables, load_tables, rate_on
from .common import (
    clock_today,
    echo_json,
    echo_problems,
    fail,
    find_book,
    handle_errors,
    json_option,
    today_option,
)


def _amount(value) -> str:
    return f"{value:,.2f}".replace(",", " ")


# -- rates -----------------------------------------------------------------------------


@click.command()
@click.option(
    "--book", "book_path", type=click.Path(file_okay=False, path_type=Path),
    envvar="CASEBOOK_BOOK",
    help="The book whose rates/ folder overrides the shipped tables (default: the first "
    "folder upwards with casebook.yaml; none: the shipped tables only).",
)
@today_option
@json_option
@handle_errors
def rates(book_path: Path | None, today: date | None, as_json: bool) -> None:
    """Show the interest rate tables in force, with their sources.

    casebook ships the Belgian and Dutch statutory rates; a book can add or correct rows
    in rates/<table>.yaml. The row in force on --today is marked with `*`.
    """
    root = find_book(book_path or Path.cwd())
    if book_path is not None and root is None:
        raise click.UsageError(f"no book at {book_path}")
    tables, problems = load_tables(root)
    as_of = today or clock_today("Europe/Brussels")
    if as_json:
        echo_json(_rates_json(tables, as_of, problems))
    else:
        _print_rates(tables, as_of)
    if problems:
        echo_problems(problems)
        raise click.exceptions.Exit(1)


def _rates_json(tables: RateTables, as_of: date, problems: list[Problem]) -> dict:
    return {
        "as_of": as_of.isoformat(),
        "overrides": list(tables.overridden),
        "tables": [
            {
                "name": t.name,
                "title": t.title,
                "law": t.law,
                "period": t.period or "half-year",
                "origin": t.origin,
                "known_until": t.known_until.isoformat(),
                "rate_on_as_of": rate_text(rate_on(t, as_of)),
                "rates": [
                    {"from": r.start.isoformat(), "rate": rate_text(r.rate), "status": r.status,
                     "source": r.source, "origin": r.origin}
                    for r in t.rows
                ],
            }
            for t in tables
        ],
        "problems": [str(p) for p in problems],
    }


def _print_rates(tables: RateTables, as_of: date) -> None:
    for i, table in enumerate(tables):
        if i:
            click.echo()
        click.echo(f"{table.name}: {table.title}")
        click.echo(f"  file: {table.origin}")
        known = table.known_until
        click.echo(
            f"  known until {known}"
            + ("" if as_of <= known else f"  (WARNING: {as_of} is past it; claims use the "
               "last rate and say so)")
        )
        current = max((r for r in table.rows if r.start <= as_of), key=lambda r: r.start,
                      default=None)
        for row in table.rows:
            mark = "*" if row is current else " "
            click.echo(
                f"  {mark} {row.start}  {row.rate:>6.2f} %  [{row.status}]  {row.source}"
            )
    if tables.overridden:
        click.echo()
        click.echo("book overrides: " + ", ".join(tables.overridden))
    click.echo()
    click.echo(
        f"* = in force on {as_of}.  [C] confirmed, [S] one secondary source, [?] unconfirmed."
    )


# -- claim -----------------------------------------------------------------------------


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option(
    "--book", "book_path", type=click.Path(file_okay=False, path_type=Path),
    envvar="CASEBOOK_BOOK",
    help="The book's folder (default: the first folder upwards with casebook.yaml).",
)
@today_option
@json_option
@handle_errors
def claim(case_id: str, book_path: Path | None, today: date | None, as_json: bool) -> None:
    """What CASE-ID owes on a date: principal, statutory interest and costs.

    Interest is shown period by period (days, rate, amount) and every cost with what it is
    based on, as the law of the book's jurisdiction allows on that date.
    """
    from casebook.book.load import load_book

    root = find_book(book_path or Path.cwd())
    if root is None or (book_path is not None and root != book_path.resolve()):
        raise click.UsageError(
            f"no book at {book_path or Path.cwd()}: no casebook.yaml here or above"
        )
    book, problems = load_book(root)
    case = book.cases.get(case_id)
    if case is None:
        raise fail(f"no case {case_id!r} in the book at {root}")
    tables, rate_problems = load_tables(root)
    if problems or rate_problems:
        click.echo(
            f"warning: the book has {len(problems) + len(rate_problems)} problem(s); "
            "run `casebook check`",
            err=True,
        )
    as_of = today or clock_today(book.settings.timezone)
    result = claim_for(book, case, as_of, rates=tables)
    if as_json:
        echo_json(result.to_json())
    else:
        _print_claim(result, case, book.settings.jurisdiction)


def _print_claim(claim: Claim, case: Case, jurisdiction: str) -> None:
    kind = "consumer" if case.kind == Kind.CONSUMER else "business"
    law = {"BE": "Belgian", "NL": "Dutch"}.get(jurisdiction, jurisdiction)
    click.echo(f"Claim against {case.name} ({case.id}) as of {claim.as_of}, in {claim.currency}")
    click.echo(f"{law} law, {kind} debtor")
    if not claim.invoices:
        click.echo()
        credit = f" Credit: {_amount(claim.credit)}" if claim.credit else ""
        click.echo("Nothing is open." + credit)
    for line in claim.invoices:
        click.echo()
        late = f"{line.days_late} days late" if line.days_late else "not late"
        click.echo(f"Invoice {line.number}  issued {line.issued}  due {line.due}  {late}")
        click.echo(f"  amount {_amount(line.amount)}   paid {_amount(line.paid)}   "
                   f"open {_amount(line.open)}")
        for p in line.periods:
            click.echo(
                f"  interest {p.start} to {p.end}  {p.days:>4} days  {p.rate:>5.2f} %"
                f"  on {_amount(p.base):>12}  {_amount(p.amount):>10}"
            )
        if line.periods:
            click.echo(f"  interest total: {_amount(line.interest)}")
        if line.compensation:
            click.echo(f"  compensation: {_amount(line.compensation)}")
        if case.kind == Kind.CONSUMER and line.days_late:
            if line.charge_from is None:
                click.echo("  no costs yet: no qualifying written reminder was sent")
            elif line.charge_from > claim.as_of:
                click.echo(f"  costs may be charged from {line.charge_from}")
    if claim.cost_lines:
        click.echo()
        click.echo("Costs")
        for cost in claim.cost_lines:
            click.echo(f"  {cost.label}: {_amount(cost.amount)}")
            click.echo(f"      {cost.basis}")
    click.echo()
    width = 14
    click.echo(f"Principal {_amount(claim.principal):>{width}}")
    click.echo(f"Interest  {_amount(claim.interest):>{width}}")
    click.echo(f"Costs     {_amount(claim.costs):>{width}}")
    click.echo(f"Total     {_amount(claim.total):>{width}}")
    if claim.credit and claim.invoices:
        click.echo(f"Credit    {_amount(claim.credit):>{width}}")
    if claim.pending:
        click.echo()
        click.echo("Not yet due (a reminder must announce these):")
        for cost in claim.pending:
            click.echo(f"  {cost.label}: {_amount(cost.amount)} ({cost.basis})")
    if claim.warnings:
        click.echo()
        click.echo("Warnings:")
        for warning in claim.warnings:
            click.echo(f"  - {warning}")


COMMANDS = [rates, claim]
