"""What an `advance` run is to do, and what it reports: the planning side of `casebook advance`.

`plan` refuses a book with book-wide problems and notes the cases to leave alone (problems
in the case, or uncommitted edits in its folder); `actions_due` asks the engine for the
actions of the others; `AdvanceReport` and `Taken` carry the answer to the command line,
the dry run and the demo. Separate from the run itself (`casebook.record.advance`: the lock, the
batch, the crash hooks) because a dry run needs this and none of that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Sequence

from casebook.book.errors import BookError, Problem
from casebook.book.model import Book
from casebook.engine import due as engine
from casebook.engine.due import DueAction
from casebook.record.gitstore import Store


@dataclass(frozen=True, slots=True)
class Taken:
    """One action recorded (or, in a dry run, that would be)."""

    action: DueAction
    files: tuple[str, ...]
    """Paths relative to the book root."""
    commit: str = ""
    total: str = ""


@dataclass
class AdvanceReport:
    today: date
    dry_run: bool = False
    taken: list[Taken] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(case id, why) of cases left alone."""
    problems: list[Problem] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    """Files of an interrupted run that were removed."""
    mail_lines: list[str] = field(default_factory=list)
    push: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.skipped


def plan(
    store: Store,
    book: Book,
    problems: list[Problem],
    case_ids: Sequence[str],
    today: date,
    report: AdvanceReport,
    dirty: Iterable[str] | None = None,
) -> None:
    """Refuse on book-wide problems; note the cases that must be left alone (in `report`).
    `dirty`: the book's `Store.dirty_paths()` as the caller just found them (else asked)."""
    book_wide = [p for p in problems if not p.path.startswith("cases/")]
    if book_wide:
        raise BookError("the book has problems; fix them before advancing (see `casebook check`)", book_wide)
    for wanted in case_ids:
        if wanted not in book.cases:
            report.problems.append(Problem(f"cases/{wanted}", 1, f"no case {wanted!r} in the book"))
    concerned = set(case_ids) if case_ids else set(book.cases)
    bad: dict[str, list[Problem]] = {}
    for problem in problems:
        parts = problem.path.split("/")
        if len(parts) > 1 and parts[1] in concerned:
            bad.setdefault(parts[1], []).append(problem)
    for case_id, found in sorted(bad.items()):
        report.problems += found
        report.skipped.append((case_id, f"skipped: {len(found)} problem(s) in the case (see `casebook check`)"))
    edited: dict[str, list[str]] = {}
    for path in store.dirty_paths("cases") if dirty is None else dirty:
        parts = path.split("/")
        if len(parts) > 2 and parts[0] == "cases" and parts[1] in concerned and parts[1] not in bad:
            edited.setdefault(parts[1], []).append(path)
    for case_id, paths in sorted(edited.items()):
        shown = ", ".join(sorted(paths)[:3]) + (" ..." if len(paths) > 3 else "")
        report.skipped.append(
            (case_id, f"skipped: uncommitted changes in the case folder ({shown}); commit or undo them")
        )
    del today


def actions_due(book: Book, report: AdvanceReport, case_ids: Sequence[str], today: date) -> list[DueAction]:
    """The actions due on `today` for the cases wanted and not left alone by `plan`."""
    left_alone = {case_id for case_id, _ in report.skipped}
    wanted = [c for c in (case_ids or book.cases) if c in book.cases and c not in left_alone]
    return engine.due_actions(book, today, wanted)
