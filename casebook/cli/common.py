"""What many commands share: finding the book, `--today`, `--json`, reporting problems.

The library never prints or exits; this module is where its results and errors meet the
terminal. Library `BookError`s become exit code 1 with their problems listed.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from casebook.book.errors import BookError, Problem, report
from casebook.book.schema import EARLIEST, LATEST

BOOK_FILE = "casebook.yaml"


def find_book(start: Path) -> Path | None:
    """The first folder from `start` upwards that holds `casebook.yaml`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / BOOK_FILE).is_file():
            return folder
    return None


def book_option(func: Callable) -> Callable:
    """`--book PATH` (or `CASEBOOK_BOOK`); the command receives `book_root: Path`."""

    @click.option(
        "--book",
        "book_path",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="CASEBOOK_BOOK",
        help="The book's folder (default: the first folder upwards with casebook.yaml).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, book_path: Path | None, **kwargs: Any) -> Any:
        root = find_book(book_path or Path.cwd())
        if root is None or (book_path is not None and root != book_path.resolve()):
            where = book_path or Path.cwd()
            raise click.UsageError(
                f"no book at {where}: no {BOOK_FILE} here or above "
                "(create one with `casebook init PATH`)"
            )
        from casebook.cli import holidaycache

        kept = holidaycache.read(root)
        try:
            return func(*args, book_root=root, **kwargs)
        finally:
            holidaycache.write(root, kept)

    return wrapper


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise click.BadParameter(f"{value} is not a realistic date "
                                 f"(between {EARLIEST.year} and {LATEST.year})")
    return day


def today_option(func: Callable) -> Callable:
    """`--today YYYY-MM-DD`; the command receives `today: date | None` (None: the clock)."""
    return click.option(
        "--today",
        callback=_parse_date,
        metavar="YYYY-MM-DD",
        help="Act as if today were this date (default: today in the book's timezone).",
    )(func)


def json_option(func: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def clock_now(timezone: str) -> datetime:
    """Now, in the book's timezone: the only place casebook reads the clock."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/Brussels")
    return datetime.now(zone)


def clock_today(timezone: str) -> date:
    """Today's date in the book's timezone."""
    return clock_now(timezone).date()


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False))


def echo_problems(problems: list[Problem]) -> None:
    for line in report(problems):
        click.echo(line, err=True)


def fail(message: str, problems: list[Problem] | None = None) -> "click.exceptions.Exit":
    """Print the message (and problems) and leave with exit code 1."""
    if problems:
        echo_problems(problems)
    click.echo(f"Error: {message}", err=True)
    return click.exceptions.Exit(1)


def handle_errors(func: Callable) -> Callable:
    """Turn library `BookError`s into `Error: ...` on stderr and exit 1; so too what the
    system refuses (a full disk, a folder that cannot be written): the file and why."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BookError as error:
            raise fail(str(error), error.problems) from None
        except OSError as error:
            why = error.strerror or str(error) or type(error).__name__
            raise fail(f"{error.filename}: {why}" if error.filename else why) from None

    return wrapper


def interactive() -> bool:
    """A person at a terminal, who can be asked (not cron, CI or a pipe)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
