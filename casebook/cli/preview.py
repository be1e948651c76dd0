"""`casebook preview`: the next letter of a case, rendered, recorded nowhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from casebook.book.fsutil import atomic_write
from casebook.book.load import load_book
from casebook.record import recording
from casebook.record.preview import preview as next_letter

from .common import book_option, clock_today, handle_errors, today_option


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@today_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the printable HTML letter to FILE instead of printing the Markdown.")
@book_option
@handle_errors
def preview(book_root: Path, case_id: str, today: date | None, out: Path | None) -> None:
    """The letter the case would get next, without recording anything.

    The action due today (what `casebook advance` would take), else the next one
    `casebook schedule` shows. The Markdown goes to standard output (what it is, to
    standard error); no file of the book changes and nothing is committed.
    """
    book = load_book(book_root).book
    case = recording.find_case(book, case_id, book_root)
    day = today or clock_today(book.settings.timezone)
    found = next_letter(book, case.id, day, root=book_root)
    due = found.action
    if due is None:
        state = found.state
        why = "; ".join(filter(None, [str(state.status), *state.paused_by, state.waiting]))
        click.echo(f"{case.id}: nothing is due or scheduled until {found.until.isoformat()}"
                   f" ({why}): no letter to preview.")
        return
    when = "due today" if found.due_today else f"scheduled for {due.date.isoformat()}"
    deadline = f", pay by {due.deadline.isoformat()}" if due.deadline else ""
    click.echo(f"{case.id}: {due.label} ({due.channel}), {when}{deadline}, total {found.total}"
               " (a preview: nothing recorded)", err=True)
    if out is not None:
        html = found.file(".html")
        if html is None:
            raise click.ClickException("this build renders no HTML letters: leave out --out")
        atomic_write(out.resolve(), html)
        click.echo(f"Wrote {out}")
        return
    markdown = found.file(".md") or b""
    click.echo(markdown.decode("utf-8"), nl=False)


COMMANDS = [preview]
