"""A day-by-day driver for scenario tests: a real book in git, advanced like cron would.

Most days only the pure engine is asked whether anything is due; `advance` (render, record,
commit) runs only on days with something to do, which keeps a year per policy fast. Events
(payments, notes) are written and committed as a bookkeeper would, either on a fixed date
or a number of days after a case reached a stage.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from casebook.engine import due as engine
from casebook.record.advance import advance
from casebook.book.check import check
from casebook.book.resources import shipped

from ..conftest import SETTINGS, git
from ..conftest import write_files as write


def new_book(root: Path, policy: str, cases: dict[str, dict[str, str]]) -> Path:
    """A committed book using the shipped policies; `cases` maps id -> {relpath: text}."""
    root.mkdir(parents=True, exist_ok=True)
    write(root, {"casebook.yaml": SETTINGS.replace("default_policy: standard",
                                                   f"default_policy: {policy}")})
    (root / "policies").mkdir(exist_ok=True)
    for source in shipped("policies").glob("*.yaml"):
        shutil.copy(source, root / "policies" / source.name)
    for case_id, files in cases.items():
        write(root, {f"cases/{case_id}/{rel}": text for rel, text in files.items()})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    return root


def debtor(name: str, *, kind: str = "business", policy: str = "") -> str:
    extra = f"policy: {policy}\n" if policy else ""
    return f"name: {name}\nkind: {kind}\nemail: info@example.be\n{extra}"


def invoice(number: str, issued: date, due: date, amount: str = "1210.00") -> str:
    return f'number: {number}\nissued: {issued}\ndue: {due}\namount: "{amount}"\n'


def payment(on: date, amount: str, invoice_number: str = "") -> str:
    named = f"invoice: {invoice_number}\n" if invoice_number else ""
    return f'date: {on}\namount: "{amount}"\n{named}'


def note(on: date, front: str, body: str = "Spoke with the customer.") -> str:
    return f"---\ndate: {on}\nchannel: phone\n{front}---\n\n{body}\n"


@dataclass
class Event:
    """Files a person adds to a case, on a date or some days after a stage was taken."""

    case: str
    make: Callable[[date], dict[str, str]]
    """Files relative to the case folder, given the day they are written."""
    on: date | None = None
    after: str | None = None
    days: int = 0
    fired: bool = field(default=False, compare=False)


@dataclass
class Run:
    root: Path
    commits: int = 0


def play(
    root: Path,
    start: date,
    end: date,
    events: list[Event],
    *,
    down: dict[str, tuple[date, date]] | None = None,
) -> Run:
    """Advance the book every day from `start` to `end` (both included).

    `down` maps a case id to a (first, last) range of days on which no run happens for it
    (cron down).
    """
    down = down or {}
    scheduled: dict[date, list[Event]] = {}
    for event in events:
        if event.on is not None:
            scheduled.setdefault(event.on, []).append(event)
    book, problems = check(root)
    assert not problems, problems
    run = Run(root)
    day = start
    while day <= end:
        todays = scheduled.pop(day, [])
        if todays:
            for event in todays:
                files = {f"cases/{event.case}/{rel}": text for rel, text in event.make(day).items()}
                write(root, files)
                git(root, "add", "--", *files)
                git(root, "commit", "-q", "-m", f"{event.case}: recorded on {day}", "--", *files)
            book, problems = check(root)
            assert not problems, problems
        running = [c for c in book.cases if not (c in down and down[c][0] <= day <= down[c][1])]
        if engine.due_actions(book, day, running):
            report = advance(root, today=day, case_ids=running)
            assert report.ok, (report.skipped, report.problems)
            run.commits += len(report.taken)
            for taken in report.taken:
                for event in events:
                    if (
                        not event.fired
                        and event.after is not None
                        and event.case == taken.action.case_id
                        and event.after == taken.action.label
                    ):
                        event.fired = True
                        scheduled.setdefault(day + timedelta(days=event.days), []).append(event)
            book, problems = check(root)
            assert not problems, problems
        day += timedelta(days=1)
    return run


def sequences(root: Path) -> dict[str, list[tuple[str, str, str]]]:
    """(date, stage, channel) per case, read back from the commit trailers, oldest first."""
    out = git(
        root,
        "log",
        "--reverse",
        "--format=%(trailers:key=Casebook-Case,valueonly,separator=)|"
        "%(trailers:key=Casebook-Date,valueonly,separator=)|"
        "%(trailers:key=Casebook-Stage,valueonly,separator=)|"
        "%(trailers:key=Casebook-Channel,valueonly,separator=)",
    )
    found: dict[str, list[tuple[str, str, str]]] = {}
    for line in out.splitlines():
        case, when, stage, channel = (part.strip() for part in line.split("|"))
        if case and stage:
            found.setdefault(case, []).append((when, stage, channel))
    return found
