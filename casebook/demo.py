"""The months-long playback behind `casebook demo`.

`play_demo(root, start, end)` advances a book day by day as a nightly run would, each action
a commit dated on its simulated day, so the history, the letters and the site look like a
few months of real collection. The example cases already hold what their debtors did
(payments, promises, disputes, a plan). On top, one more debtor, Kapsalon Lotus, lives
through a story recorded as it happens with the same functions as `casebook pay`, `note`,
`dispute`, `resolve`, `promise` and `plan`: a disputed invoice, a partial payment, a phone
call that closes its task and ends in a promise, the promise broken, a signed payment plan,
an installment missed and the plan broken. So the history shows every kind of action.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from . import engine, recording
from .advance import advance
from .check import check
from .dump import invoice_file, to_yaml
from .errors import BookError
from .gitstore import Store
from .model import Book

STORY_CASE = "kapsalon-lotus"
BY = "Lotte Maes"
RUN_AT = time(7, 0)  # the nightly run
DESK_AT = time(10, 0)  # a bookkeeper records what happened

_FIRST, _SECOND = "2026-9001", "2026-9002"


@dataclass
class Played:
    days: int = 0
    kinds: Counter = field(default_factory=Counter)
    recorded: int = 0

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items()))
        return (f"{self.days} days played: {sum(self.kinds.values())} actions ({kinds}), "
                f"{self.recorded} events recorded")


Step = Callable[[Path, Book, date], recording.Record]


def _story() -> dict[str, list[tuple[int, Step]]]:
    """What Kapsalon Lotus does, in days after each stage it receives."""
    return {
        "reminder": [
            (2, lambda r, b, d: recording.dispute_record(
                r, b, case_id=STORY_CASE, when=d, invoice=_SECOND, by=BY,
                reason="the colouring session of 12 August is billed twice")),
            (6, lambda r, b, d: recording.payment_record(
                r, b, case_id=STORY_CASE, amount="300.00", when=d, invoice=_FIRST)),
            (40, lambda r, b, d: recording.resolve_record(
                r, b, case_id=STORY_CASE, when=d, invoice=_SECOND, by=BY,
                text="Checked the agenda with Lotus: two sessions after all. Invoice stands.")),
        ],
        "call": [
            (1, lambda r, b, d: recording.note_record(
                r, b, case_id=STORY_CASE, when=d, channel="phone", with_="Lotus Peeters", by=BY,
                completes="call", text="Quiet summer in the salon. Will pay the rest within ten days.")),
            (1, lambda r, b, d: recording.promise_record(
                r, b, case_id=STORY_CASE, when=d, promised=d + timedelta(days=10), by=BY,
                with_="Lotus Peeters", text="Promised on the phone.")),
        ],
        "second-reminder": [
            (3, lambda r, b, d: recording.plan_record(
                r, b, case_id=STORY_CASE, when=d, signed=True, by=BY,
                installments=[(d + timedelta(days=7), Decimal("325.00")),
                              (d + timedelta(days=28), Decimal("325.00"))],
                text="Plan signed for the rest of invoice 2026-9001.")),
            (10, lambda r, b, d: recording.payment_record(
                r, b, case_id=STORY_CASE, amount="325.00", when=d, invoice=_FIRST)),
        ],
    }


def play_demo(root: Path, start: date, end: date) -> Played:
    """Advance the book at `root` every day from `start` to `end` (both included)."""
    root = Path(root).resolve()
    store = Store(root)
    book, problems = check(root)
    if problems:
        raise BookError("the demo book has problems", problems)
    zone = ZoneInfo(book.settings.timezone)
    played = Played()
    if STORY_CASE not in book.cases:
        _add_story_case(store, book, start, datetime.combine(start, time(8, 0), zone))
        book, _ = check(root)
    story = _story()
    waiting: dict[date, list[Step]] = {}
    day = start
    while day <= end:
        steps = waiting.pop(day, [])
        for number, step in enumerate(steps):
            record = step(root, book, day)
            when = datetime.combine(day, DESK_AT, zone) + timedelta(minutes=5 * number)
            with store.lock():
                store.commit({record.path: record.content}, record.message,
                             author=book.settings.operator, when=when)
            book, _ = check(root)
            played.recorded += 1
        if engine.due_actions(book, day):
            report = advance(root, today=day, when=datetime.combine(day, RUN_AT, zone))
            for taken in report.taken:
                played.kinds[str(taken.action.kind)] += 1
                if taken.action.case_id == STORY_CASE:
                    for offset, step in story.get(taken.action.label, []):
                        waiting.setdefault(day + timedelta(days=offset), []).append(step)
            book, _ = check(root)
        played.days += 1
        day += timedelta(days=1)
    return played


def _add_story_case(store: Store, book: Book, start: date, when: datetime) -> None:
    folder = f"cases/{STORY_CASE}"
    debtor = to_yaml({
        "name": "Kapsalon Lotus",
        "kind": "business",
        "language": "nl",
        "segment": "standard",
        "email": "info@kapsalon-lotus.example",
        "phone": "+32 3 555 01 23",
        "contact": "Lotus Peeters",
        "address": {"street": "Meir 88", "postcode": "2000", "city": "Antwerpen", "country": "BE"},
        "owner": BY,
    })
    first_issued = start + timedelta(days=2)
    second_issued = start + timedelta(days=19)
    files = {
        f"{folder}/debtor.yaml": debtor,
        f"{folder}/invoices/{_FIRST}.yaml": invoice_file(
            number=_FIRST, issued=first_issued, due=first_issued + timedelta(days=30),
            amount=Decimal("950.00"), description="Salon website: booking module"),
        f"{folder}/invoices/{_SECOND}.yaml": invoice_file(
            number=_SECOND, issued=second_issued, due=second_issued + timedelta(days=30),
            amount=Decimal("420.00"), description="Photo shoot, two sessions"),
    }
    message = f"{STORY_CASE}: new debtor, two invoices\n\nCasebook-Case: {STORY_CASE}\n"
    with store.lock():
        store.commit(files, message, author=book.settings.operator, when=when)
