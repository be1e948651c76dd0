"""`casebook export` and `casebook verify`: the evidence trail, handed over and checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from casebook.export.build import EXPORTS

from .common import (
    book_option,
    clock_now,
    clock_today,
    echo_json,
    handle_errors,
    interactive,
    json_option,
    today_option,
)


@click.command("export")
@click.argument("case_id", metavar="CASE-ID")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The bundle to write (default: exports/CASE-ID-DATE.bundle in the book, ignored by git).",
)
@click.option("--yes", "-y", is_flag=True,
              help="Hand the case over without asking (asked only on a terminal).")
@today_option
@click.option(
    "--allow-mentions",
    is_flag=True,
    help="Export even when files of this case name another debtor (check them first).",
)
@click.option("--back", is_flag=True,
              help="In the agency's book: the case's payments and notes, back to its creditor.")
@book_option
@json_option
@handle_errors
def export(
    case_id: str,
    out: Path | None,
    yes: bool,
    today: date | None,
    allow_mentions: bool,
    back: bool,
    book_root: Path,
    as_json: bool,
) -> None:
    """Hand CASE-ID to a collection agency as a git bundle.

    The bundle holds that case's history only (every commit that changed its folder, with
    the original authors and dates, each naming its original commit) and a dossier at the
    top: claim.json, claim.html, timeline.md and MANIFEST.sha256. The agency needs nothing
    but git: `git clone CASE.bundle`.

    Exporting is the handover: it is recorded in the book as an action
    (actions/DATE-handover.yaml, with the bundle's SHA-256) and committed, and casebook
    sends no more reminders on the case. On a terminal it asks first (--yes does not).

    With --back, in the agency's book: a bundle of the payments and notes the agency
    recorded in the case, for its creditor's `casebook receive` (nothing else goes back).

    \b
    Example:
      casebook export bakkerij-janssens --out janssens.bundle
    """
    if back:
        from .agency import export_back

        return export_back(case_id, out, today, book_root, as_json)
    from casebook.export.bundle import export_case
    from casebook.book.load import load_book

    settings = load_book(book_root).book.settings
    as_of = today or clock_today(settings.timezone)
    if not yes and not as_json and interactive():
        click.confirm(
            f"Exporting hands {case_id} over to the collection agency: casebook records the "
            "handover and sends no more reminders on this case. Go on?", abort=True)
    result = export_case(
        book_root, case_id, today=as_of, when=clock_now(settings.timezone), out=out,
        allow_mentions=allow_mentions,
    )
    if as_json:
        echo_json({
            "case": case_id,
            "bundle": str(result.bundle),
            "sha256": result.sha256,
            "commits": result.commits,
            "bundle_commits": result.commits + 1 if not result.already else 0,
            "withheld": list(result.withheld),
            "tip": result.tip,
            "source_head": result.source_head,
            "handover": result.handover,
            "handover_file": result.handover_file,
            "mentions": list(result.mentions),
            "already": result.already,
        })
        return
    if result.already:
        click.echo(f"Already handed over: {result.bundle} (sha256 {result.sha256}) is recorded in "
                   f"{result.handover_file} (commit {(result.handover or '')[:12]}); nothing to do.")
        return
    click.echo(f"Wrote {_shown(result.bundle, book_root)}: {result.commits + 1} commit(s), "
               f"{result.commits} of cases/{case_id}/ and 1 with the dossier "
               f"(sha256 {result.sha256}).")
    if result.withheld:
        click.echo(f"{len(result.withheld)} commit message(s) replaced by a neutral one: those "
                   "commits also concerned other cases or named another debtor.")
    for line in result.mentions:
        click.echo(f"warning: exported although it names another debtor: {line}", err=True)
    if result.handover:
        click.echo(f"Handed over: recorded in {result.handover_file} (commit "
                   f"{result.handover[:12]}); casebook sends no more reminders on {case_id}.")
    if out is None:
        click.echo(f"The bundle is in the book's {EXPORTS}/ folder, which git ignores; "
                   "give that file to the agency.")
    click.echo(f"The agency opens it with plain git:  git clone {result.bundle} {case_id}")


def _shown(path: Path, book_root: Path) -> str:
    """A path inside the book as the user typed the book's: `exports/x.bundle`, else as is."""
    try:
        return str(path.resolve().relative_to(Path(book_root).resolve()))
    except ValueError:
        return str(path)


@click.command("verify")
@click.option("--since", metavar="COMMIT",
              help="Also confirm COMMIT is still in the history (nobody rewrote it); only "
                   "the commits after it are re-examined.")
@click.option("--signed", is_flag=True, help="Also require every commit to carry a good signature.")
@book_option
@json_option
@handle_errors
def verify(since: str | None, signed: bool, book_root: Path, as_json: bool) -> None:
    """Check the evidence trail; exit 1 with a report when something is wrong.

    Reports, with file and commit: an action file (letter, email, record under
    cases/*/actions/) changed or deleted after the commit that created it; an action commit
    that changes files outside its case; uncommitted changes to action files; a repository
    that fails `git fsck`; with --signed, unsigned commits; with --since, a commit that is
    no longer an ancestor of HEAD.

    \b
    Example:
      casebook verify --since 4f2a9c1
    """
    from casebook.export.verify import verify as run

    report = run(book_root, since=since, signed=signed)
    if as_json:
        echo_json({
            "ok": report.ok,
            "head": report.head,
            "commits": report.commits,
            "findings": [f.to_json() for f in report.findings],
        })
    else:
        for finding in report.findings:
            click.echo(str(finding))
        if report.ok:
            click.echo(f"The evidence trail is intact ({report.commits} commit(s) examined).")
        else:
            click.echo(f"{len(report.findings)} problem(s) in the evidence trail.", err=True)
    if not report.ok:
        raise click.exceptions.Exit(1)


COMMANDS = [export, verify]
