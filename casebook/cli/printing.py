"""`casebook print`: the day's paper letters as one PDF to print, fold and post."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click

from casebook.book.load import load_book

from .common import book_option, clock_today, handle_errors, today_option


@click.command(name="print")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF to write.")
@click.option("--stage", "stages", multiple=True, metavar="STAGE",
              help="Only letters of this stage (repeat for more).")
@click.option("--channel", "channels", multiple=True,
              type=click.Choice(["letter", "registered"]),
              help="Only letters by this channel (default: both).")
@click.option("--record", "record", is_flag=True,
              help="After writing the PDF, record that the letters were posted: one note per "
                   "case, in one commit.")
@today_option
@book_option
@handle_errors
def print_(book_root: Path, out: Path, stages: tuple[str, ...], channels: tuple[str, ...],
           record: bool, today: date | None) -> None:
    """Print the day's paper and registered letters as one PDF (nothing changes in the book).

    The PDF starts with a cover list (debtor, address, channel, stage, pages of each letter,
    total pages) and, when there are registered letters, the list for the post office
    counter (sender, recipients, an empty column for the registration numbers). The
    registered letters follow, then the ordinary ones, each group by postcode.

    \b
    casebook print --out post.pdf
    casebook print --today 2026-10-15 --stage formal-notice --out notices.pdf --record
    """
    from casebook.letters.printbatch import print_batch
    from casebook.record.printrun import paper_post, record_posted

    book = load_book(book_root).book
    day = today or clock_today(book.settings.timezone)
    items = paper_post(book_root, book, day, stages=stages,
                       channels=channels or ("letter", "registered"))
    if not items:
        click.echo(f"Nothing to print on {day}: no paper or registered letter"
                   + (f" of stage {', '.join(stages)}" if stages else "") + ".")
        return
    creditor = book.settings.creditor
    printed = print_batch(items, day=day, sender_name=creditor.name,
                          sender_address=creditor.address.lines(),
                          window=book.settings.letters.get("window", "left"))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    partial.write_bytes(printed.pdf)
    os.replace(partial, out)
    registered = sum(1 for item in printed.items if item.channel == "registered")
    click.echo(f"Wrote {out}: {len(printed.items)} letters ({registered} registered), "
               f"{printed.total} pages ({printed.front} of lists)")
    for item, pages in zip(printed.items, printed.pages):
        click.echo(f"  {item.case_id:<24} {item.channel:<10} {item.stage:<16} "
                   f"{pages} page{'s' if pages != 1 else ''}")
    if record:
        sha, records = record_posted(book_root, printed.items, day=day, printed_in=out.name)
        click.echo(f"Recorded {len(records)} note{'s' if len(records) != 1 else ''} "
                   f"({sha[:10]}): letters posted")


COMMANDS = [print_]
