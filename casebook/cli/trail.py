"""`casebook export` and `casebook verify`: the evidence trail, handed over and checked."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .common import book_option, clock_today, echo_json, handle_errors, json_option, today_option


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Brussels")


@click.command("export")
@click.argument("case_id", metavar="CASE-ID")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The bundle to write (default: CASE-ID-DATE.bundle in the current folder).",
)
@today_option
@click.option(
    "--allow-mentions",
    is_flag=True,
    help="Export even when files of this case name another debtor (check them first).",
)
@book_option
@json_option
@handle_errors
def export(
    case_id: str,
    out: Path | None,
    today: date | None,
    allow_mentions: bool,
    book_root: Path,
    as_json: bool,
) -> None:
    """Hand CASE-ID to a collection agency as a git bundle.

    The bundle holds that case's history only (every commit that changed its folder, with
    the original authors and dates, each naming its original commit) and a dossier at the
    top: claim.json, claim.html, timeline.md and MANIFEST.sha256. The agency needs nothing
    but git: `git clone CASE.bundle`. The handover is recorded in the book as an action
    (actions/DATE-handover.yaml, with the bundle's SHA-256) and committed.

    \b
    Example:
      casebook export bakkerij-janssens --out janssens.bundle
    """
    from casebook.export.bundle import export_case
    from casebook.book.load import load_book

    settings = load_book(book_root).book.settings
    zone = _zone(settings.timezone)
    as_of = today or clock_today(settings.timezone)
    result = export_case(
        book_root, case_id, today=as_of, when=datetime.now(zone), out=out,
        allow_mentions=allow_mentions,
    )
    if as_json:
        echo_json({
            "case": case_id,
            "bundle": str(result.bundle),
            "sha256": result.sha256,
            "commits": result.commits,
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
    click.echo(f"Wrote {result.bundle}: {result.commits} commit(s) of cases/{case_id}/ and the "
               f"dossier (sha256 {result.sha256}).")
    if result.withheld:
        click.echo(f"{len(result.withheld)} commit message(s) replaced by a neutral one: those "
                   "commits also concerned other cases or named another debtor.")
    for line in result.mentions:
        click.echo(f"warning: exported although it names another debtor: {line}", err=True)
    if result.handover:
        click.echo(f"Recorded the handover in {result.handover_file} (commit {result.handover[:12]}).")
    click.echo(f"The agency opens it with plain git:  git clone {result.bundle} {case_id}")


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
