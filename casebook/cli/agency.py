"""`casebook receive` and `casebook export --back`: the agency's side of a handover."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .common import book_option, clock_now, clock_today, echo_json, handle_errors, json_option, today_option


@click.command("receive")
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "as_id", metavar="CASE-ID",
              help="Take the case in under this id (when its own is taken in this book).")
@today_option
@book_option
@json_option
@handle_errors
def receive(bundle: Path, as_id: str | None, today: date | None, book_root: Path,
            as_json: bool) -> None:
    """Take a bundle into the book: a case handed over, or its payments and notes back.

    In the agency's book, a handover bundle (`casebook export` of a creditor) becomes the
    case folder cases/CASE-ID/, its history merged in with every original commit id kept,
    the dossier in cases/CASE-ID/dossier/ and the creditor's settings in
    cases/CASE-ID/creditor.yaml. A later handover of the same case continues that history.
    In the creditor's book, a bundle back (`casebook export CASE-ID --back` of the agency)
    merges the agency's payments and notes of the case, nothing else.

    Refused, with nothing changed: a bundle that fails `git bundle verify`, a case id
    already in the book from another creditor, a case folder with uncommitted changes.

    \b
    Example:
      casebook receive bakkerij-janssens.bundle --book ~/agency-book
    """
    from casebook.book.load import load_book
    from casebook.export.receive import receive_bundle

    settings = load_book(book_root).book.settings
    when = clock_now(settings.timezone)
    result = receive_bundle(book_root, bundle, when=when, as_id=as_id,
                            received_on=today or when.date())
    if as_json:
        echo_json({"case": result.case_id, "kind": result.kind, "commit": result.commit,
                   "new_commits": result.new_commits, "creditor": result.creditor,
                   "again": result.again, "already": result.already, "files": list(result.files)})
        return
    if result.already:
        click.echo(f"Already received: every commit of {bundle} is in the book; nothing to do.")
        return
    if result.kind == "back":
        click.echo(f"Received from the agency: {len(result.files)} file(s) of cases/"
                   f"{result.case_id}/payments/ and notes/ in {result.new_commits} new commit(s), "
                   f"the last {result.commit[:12] if result.commit else ''}.")
        return
    what = "New handover of" if result.again else "Received"
    click.echo(f"{what} cases/{result.case_id}/ from {result.creditor}: {result.new_commits} new "
               f"commit(s), merged in commit {result.commit[:12] if result.commit else ''}; the "
               f"dossier is in cases/{result.case_id}/dossier/.")


def export_back(case_id: str, out: Path | None, today: date | None, book_root: Path,
                as_json: bool) -> None:
    """`casebook export CASE-ID --back`, on the agency's side."""
    from casebook.book.load import load_book
    from casebook.export.syncback import export_back as build

    settings = load_book(book_root).book.settings
    result = build(book_root, case_id, today=today or clock_today(settings.timezone), out_file=out)
    if as_json:
        echo_json({"case": case_id, "bundle": str(result.bundle), "sha256": result.sha256,
                   "commits": result.commits, "withheld": list(result.withheld),
                   "tip": result.tip, "creditor_case": result.creditor_case})
        return
    click.echo(f"Wrote {result.bundle}: {result.commits} commit(s) of cases/{case_id}/payments/ "
               f"and notes/ (sha256 {result.sha256}).")
    if result.withheld:
        click.echo(f"{len(result.withheld)} commit message(s) replaced by a neutral one: those "
                   "commits also concerned other cases or named another debtor or creditor.")
    click.echo(f"The creditor takes it in with:  casebook receive {result.bundle.name}")


COMMANDS = [receive]
