"""`casebook site`: build the static overview and debtor pages."""

from __future__ import annotations

import functools
import gc
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from casebook.book.parallelload import WalkAhead, walk_ahead
from casebook.site.writer import page_sizes
from .common import book_option, clock_today, echo_problems, fail, handle_errors, today_option

if TYPE_CHECKING:
    from casebook.site.build import Built


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site to (default: site/ in the book).",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) when the book has problems.")
@book_option
@today_option
@handle_errors
def site(book_root: Path, today: date | None, out: Path | None, strict: bool) -> None:
    """Build the static site: portfolio overview, forecast and a page per debtor.

    Only pages whose inputs changed since the last build are written. Open index.html in
    any browser; the site works from file:// and makes no request outside its folder.
    """
    # A short-lived process whose data (the book, its history, the build cache) has no
    # reference cycles: the cyclic collector would only rescan it (0.3 s a rebuild at 10,000
    # debtors), so it stays off for the command's life.
    gc.disable()
    out = out or book_root / "site"
    # The walk of the book's files (and the stat of the pages of the last build) runs in
    # other processes while this one imports the site's code and reads the history: at
    # 10,000 cases 0.2 s and 0.1 s that came before the walk, and 0.1 s after it.
    ahead = walk_ahead(book_root, also=functools.partial(page_sizes, out))
    try:
        built, as_of = _build(book_root, out, today, strict, ahead)
    finally:
        if ahead is not None:
            ahead.close()  # its processes, when the build failed before it took the walk
    report = built.report
    click.echo(
        f"site as of {as_of.isoformat()}: {len(report.written)} written, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} up to date, "
        f"{len(report.removed)} removed"
    )
    click.echo(f"open {built.index}")


def _build(book_root: Path, out: Path, today: date | None, strict: bool,
           ahead: WalkAhead | None) -> tuple[Built, date]:
    """The book loaded and its site built, and the day it was built for. The site's code
    is imported here, once the walk ahead has started."""
    from casebook.site import build_site
    from casebook.site.build import check_out
    from casebook.site.inputs import load
    from casebook.site.timeline import CACHE as TIMELINE_CACHE
    from casebook.site.timeline import read_timelines

    check_out(book_root, out)  # before anything (the history cache) is written there
    fingerprints: dict[str, str] = {}
    if (out / TIMELINE_CACHE).is_file():
        # Reading the commits since the last build is quick Python work: in a thread beside
        # the loader it would only take turns with it (and slow its many small reads down).
        timelines = read_timelines(book_root, out)
        book, problems = load(book_root, fingerprints=fingerprints, ahead=ahead)
    else:
        # git reads the whole history in its own processes while Python loads the book.
        with ThreadPoolExecutor(1) as pool:
            history = pool.submit(read_timelines, book_root, out)
            book, problems = load(book_root, fingerprints=fingerprints, ahead=ahead)
            timelines = history.result()
    if problems:
        echo_problems(problems)
        if strict:
            raise fail(f"{len(problems)} problem(s) in the book (run `casebook check`)")
        click.echo(f"warning: {len(problems)} problem(s) in the book; "
                   "the pages show what could be read", err=True)
    as_of = today or clock_today(book.settings.timezone)
    built = build_site(book_root, out=out, today=as_of, book=book, timelines=timelines,
                       fingerprints=fingerprints,
                       page_sizes=ahead.also() if ahead is not None else None)
    return built, as_of


COMMANDS = [site]
