"""The next letter a case would get, rendered and recorded nowhere: `casebook preview`.

The action is the one due today (as `advance` would take it), else the first one
`casebook schedule` finds (if nobody pays); its files are rendered exactly as
`actionfiles` renders them for `advance`, and kept in memory. Nothing is written to the
book and nothing is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from casebook.book.model import Book
from casebook.engine.due import CaseState, DueAction, case_state, schedule
from casebook.record.actionfiles import claimed_total, files_of

#: How far ahead the next action is looked for when nothing is due today.
HORIZON_DAYS = 365


@dataclass(frozen=True)
class Preview:
    case_id: str
    today: date
    until: date
    state: CaseState
    action: DueAction | None = None
    """The action previewed; None: nothing is due or scheduled until `until`."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Its files, relative to the case folder (`actions/<stem>.md`, `.html`, `.eml`)."""
    total: str = ""

    @property
    def due_today(self) -> bool:
        return self.action is not None and self.action.date == self.today

    def file(self, suffix: str) -> bytes | None:
        return next((data for rel, data in sorted(self.files.items()) if rel.endswith(suffix)), None)


def preview(book: Book, case_id: str, today: date, *, root: Path,
            horizon_days: int = HORIZON_DAYS) -> Preview:
    """The next action of case `case_id` (which must be in `book`) and its letter."""
    case = book.cases[case_id]
    until = today + timedelta(days=horizon_days)
    state = case_state(book, case, today)
    action = state.due
    if action is None:
        upcoming = schedule(book, case, today, until)
        action = upcoming[0] if upcoming else None
    if action is None:
        return Preview(case_id, today, until, state)
    # What the schedule assumes: nothing paid, said or done after today.
    seen = replace(
        case,
        payments=tuple(p for p in case.payments if p.date <= today),
        notes=tuple(n for n in case.notes if n.date <= today),
        actions=tuple(a for a in case.actions if a.date <= today),
    )
    as_seen = replace(book, cases={**book.cases, case_id: seen})
    files = files_of(as_seen, action, root)
    total = claimed_total(as_seen, seen, action)
    return Preview(case_id, today, until, state, action, files, f"{total:.2f}")


__all__ = ["HORIZON_DAYS", "Preview", "preview"]
