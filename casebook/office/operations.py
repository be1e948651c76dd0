"""The work an office command does on one book: status, check, advance (with --push), site.

Each takes the book's entry and the command's `Options` and fills a `BookResult`; a
`BookError` it raises is the book's failure, caught by `casebook.office.runner` and said as
that book's line. `advance --push` is the single-book run split in three, each under the
book's lock: pull (rebase), `casebook.record.advance.advance`, push with the single-book
retry (`casebook.record.gitremote.push_changes`); so when the remote refuses the push, the
actions taken are still known and reported, and their commits stay in the book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import git

from casebook.book.check import check as check_book
from casebook.book.check import check_book as book_rules
from casebook.book.errors import BookError, Problem, report
from casebook.book.model import Book
from casebook.book.yamlfile import read_yaml
from casebook.office.config import BookEntry
from casebook.office.results import BookResult, book_figures
from casebook.record.advance import advance as run_advance
from casebook.record.gitremote import pull, push_changes
from casebook.record.gitstore import Store

DEFAULT_TIMEZONE = "Europe/Brussels"
#: Problems shown in a book's error line; the rest are in its details.
SHOWN = 1


@dataclass(frozen=True, slots=True)
class Options:
    today: date | None = None
    """The day to act on; None: `clock(timezone)` of each book."""
    clock: Callable[[str], date] | None = None
    push: bool = False
    out: Path | None = None
    """`office site`: the office site's folder; each book's site goes in `<out>/<name>/`."""
    inner_jobs: int = 1
    """Processes a book's own work (its site's pages) may use."""


def problem_error(message: str, problems: list[Problem]) -> tuple[str, list[str]]:
    """A failure's line (the message and its first problem) and every problem's line."""
    lines = report(problems)
    if not lines:
        return message, []
    more = f" (and {len(lines) - SHOWN} more)" if len(lines) > SHOWN else ""
    return f"{message}: {'; '.join(lines[:SHOWN])}{more}", lines


def _day(root: Path, options: Options, book: Book | None = None) -> date:
    if options.today is not None:
        return options.today
    if options.clock is None:
        raise BookError("no date: pass --today")
    if book is not None:
        return options.clock(book.settings.timezone)
    try:
        settings, _ = read_yaml((root / "casebook.yaml").read_bytes(), "casebook.yaml")
    except OSError:
        settings = None
    zone = settings.get("timezone") if isinstance(settings, dict) else None
    return options.clock(zone if isinstance(zone, str) else DEFAULT_TIMEZONE)


def _figures(entry: BookEntry, options: Options, result: BookResult) -> tuple[Book, list[Problem]]:
    book, problems = check_book(entry.root)
    result.figures = book_figures(book, _day(entry.root, options, book), len(problems))
    return book, problems


def status(entry: BookEntry, options: Options, result: BookResult) -> None:
    _figures(entry, options, result)


def check(entry: BookEntry, options: Options, result: BookResult) -> None:
    _, problems = _figures(entry, options, result)
    if problems:
        result.fail(*problem_error(f"{len(problems)} problem(s)", problems))


def advance(entry: BookEntry, options: Options, result: BookResult) -> None:
    day = _day(entry.root, options)
    store = Store(entry.root)
    try:
        if options.push:
            with store.lock():
                store.check_writable()
                store.recover()  # an interrupted batch is finished before anything is pulled
                result.note(pull(store).removeprefix("--push: "))
        try:
            run = run_advance(entry.root, today=day)
        except BookError as error:
            result.fail(*problem_error(str(error), error.problems))
            return
        result.actions = len(run.taken)
        if run.skipped:
            result.fail(f"skipped {len(run.skipped)} case(s)",
                        [f"{case_id}: {why}" for case_id, why in run.skipped] + report(run.problems))
        elif run.problems:
            result.fail(*problem_error("problems", run.problems))
        result.note(*run.mail_lines)
        if options.push:
            with store.lock():
                try:
                    result.note(push_changes(store).removeprefix("--push: "))
                except BookError as error:
                    result.commits_kept = _unpushed(store)
                    result.fail(f"{str(error).removeprefix('--push: ')}; "
                                f"{result.commits_kept} local commit(s) kept, not pushed")
    finally:
        try:
            _figures(entry, options, result)
        except BookError:
            pass  # the failure above says why


def _unpushed(store: Store) -> int:
    """Commits on the branch that its remote does not have."""
    for upstream in ("@{upstream}", f"origin/{store.repo.active_branch.name}"):
        try:
            return int(store.repo.git.rev_list("--count", f"{upstream}..HEAD"))
        except (git.GitCommandError, ValueError, TypeError):
            continue
    try:
        return int(store.repo.git.rev_list("--count", "HEAD"))
    except (git.GitCommandError, ValueError):
        return 0


def site(entry: BookEntry, options: Options, result: BookResult) -> None:
    from casebook.site import build_site
    from casebook.site.build import check_out
    from casebook.site.inputs import load
    from casebook.site.timeline import read_timelines

    if options.out is None:
        raise BookError("office site: no output folder")
    out = options.out / entry.name
    check_out(entry.root, out)
    fingerprints: dict[str, str] = {}
    timelines = read_timelines(entry.root, out)
    book, problems = load(entry.root, fingerprints=fingerprints)
    day = _day(entry.root, options, book)
    built = build_site(entry.root, out=out, today=day, book=book, timelines=timelines,
                       fingerprints=fingerprints, jobs=options.inner_jobs)
    problems = sorted(set(problems) | set(book_rules(book)))
    result.figures = book_figures(book, day, len(problems))
    result.site = f"{entry.name}/index.html"
    written = built.report
    result.note(f"site: {len(written.written)} written, {len(written.unchanged)} unchanged")


OPERATIONS: dict[str, Callable[[BookEntry, Options, BookResult], None]] = {
    "status": status, "check": check, "advance": advance, "site": site,
}
