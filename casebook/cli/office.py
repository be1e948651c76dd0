"""`casebook office status|check|advance|site`: one command over every book of an office."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any, Callable

import click

from casebook.office import (
    Office,
    Options,
    book_line,
    find_office,
    load_office,
    run_office,
    summary_line,
    totals,
)
from casebook.office.config import OFFICE_FILE
from .common import clock_today, echo_json, handle_errors, json_option, today_option


def office_options(func: Callable) -> Callable:
    """`--office DIR`, `--jobs N`, `--today`, `--json`; the command receives `office`."""

    @click.option("--office", "office_path", type=click.Path(file_okay=False, path_type=Path),
                  envvar="CASEBOOK_OFFICE",
                  help=f"The office's folder (default: the first folder upwards with {OFFICE_FILE}).")
    @click.option("--jobs", type=click.IntRange(min=1), metavar="N",
                  help="Books worked on at once, one process each (default: one per core).")
    @today_option
    @json_option
    @functools.wraps(func)
    @handle_errors
    def wrapper(*args: Any, office_path: Path | None, **kwargs: Any) -> Any:
        root = find_office(office_path or Path.cwd())
        if root is None or (office_path is not None and root != office_path.resolve()):
            raise click.UsageError(f"no office at {office_path or Path.cwd()}: no {OFFICE_FILE} "
                                   "here or above (see docs/office.md)")
        return func(*args, office=load_office(root), **kwargs)

    return wrapper


def _run(office: Office, operation: str, options: Options, jobs: int | None, as_json: bool,
         after: Callable[[list], dict[str, Any]] | None = None) -> None:
    """Run, print a line per book as it finishes, then the summary (or the JSON); exit 1
    when a book failed. `after` sees the results before the summary and adds to the JSON."""

    def said(result) -> None:  # type: ignore[no-untyped-def]
        if not as_json:
            click.echo(book_line(result), err=not result.ok)
            for line in result.details:
                click.echo(f"  {line}", err=True)

    results = run_office(office, operation, options, jobs=jobs, on_result=said)
    total = totals(results)
    extra = after(results) if after else {}
    if as_json:
        echo_json({"office": str(office.root), "command": operation,
                   "books": [r.to_json() for r in results], "totals": total, **extra})
    else:
        click.echo(summary_line(total))
        for key, value in extra.items():
            click.echo(f"{key} {value}")
    if total["failed"]:
        raise click.exceptions.Exit(1)


def _options(today: date | None, **kwargs: Any) -> Options:
    return Options(today=today, clock=clock_today, **kwargs)


@click.group()
def office() -> None:
    """Many books at once: status, check, advance and the site of every book of an office.

    An office is a folder with office.yaml listing the books (`path:` a folder, `url:` a
    git remote cloned into books/NAME/). One line per book, then the totals; a book that
    fails does not stop the others, and makes the exit code 1 (docs/office.md).
    """


@office.command("status")
@office_options
def office_status(office: Office, today: date | None, jobs: int | None, as_json: bool) -> None:
    """Each book's open balance, overdue amount and cases, and the totals per currency."""
    _run(office, "status", _options(today), jobs, as_json)


@office.command("check")
@office_options
def office_check(office: Office, today: date | None, jobs: int | None, as_json: bool) -> None:
    """Validate every book; a book with problems fails and lists them as path:line: message."""
    _run(office, "check", _options(today), jobs, as_json)


@office.command("advance")
@click.option("--push", is_flag=True,
              help="Per book: pull (rebase) first, push afterwards, retrying when the remote moved.")
@office_options
def office_advance(office: Office, today: date | None, jobs: int | None, as_json: bool,
                   push: bool) -> None:
    """Take every action due in every book, one commit each (see `casebook advance`).

    A book whose remote refuses the push keeps its new commits and is reported failed.
    """
    _run(office, "advance", _options(today, push=push), jobs, as_json)


@office.command("site")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the overview and the books' sites (default: site/ in the office).")
@office_options
def office_site(office: Office, today: date | None, jobs: int | None, as_json: bool,
                out: Path | None) -> None:
    """One overview page over every book, linking to each book's own site built beside it."""
    from casebook.office.overview import write_overview

    from casebook.site.build import check_out

    folder = (out or office.root / "site").resolve()
    if folder == office.root:
        raise click.UsageError("--out: the office folder itself cannot hold the site; "
                               "name a folder such as site/")
    for entry in office.books:
        check_out(entry.root, folder)  # never into a book, nor above one

    def page(results: list) -> dict[str, Any]:
        return {"open": str(write_overview(office, results, folder))}

    _run(office, "site", _options(today, out=folder), jobs, as_json, after=page)


COMMANDS = [office]
