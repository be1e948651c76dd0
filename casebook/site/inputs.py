"""What the site reads from the rest of casebook, in the shapes its pages need.

The site computes nothing of its own about money or stages: the portfolio figures come
from `casebook.engine.portfolio` (the function `casebook status` prints, so the two always
agree), claims from `casebook.money.claim`, stages, pauses and tasks from `casebook.engine.due`, the
timeline from `casebook.record.history` (one pass over git for the whole book). This module is
the one place that knows those interfaces; the pages see the small views below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from casebook.engine import due as engine
from casebook.money.balance import Allocation, allocate
from casebook.money.claim import CostLine, claim_for
from casebook.record.history import History
from casebook.book.load import load_book
from casebook.book.parallelload import WalkAhead
from casebook.book.model import Book, Case, Channel
from casebook.book.wording import Text, english
from casebook.engine.portfolio import BUCKETS, CaseFigures, Portfolio, case_figures, portfolio

__all__ = [
    "BUCKETS", "CaseFigures", "Portfolio", "History", "State", "Due", "ClaimView",
    "allocation", "case_figures", "claim", "due_within", "load", "portfolio", "state",
]

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class State:
    """Where a case stands today (from the engine)."""

    stage: str
    """Last stage taken in the current round ("" before the first)."""
    status: str
    """not-due, open, paused, closed, agency."""
    paused_by: str
    """dispute, promise, plan or "" (what holds the case back)."""
    paused_why: str
    """The engine's words for it ("dispute on 2026-0042")."""
    tasks: tuple[engine.PhoneTask, ...]
    next_stage: str
    next_date: date | None
    waiting: str

    @property
    def handed_over(self) -> bool:
        return self.status == engine.Status.AGENCY


@dataclass(frozen=True, slots=True)
class Due:
    date: date
    case_id: str
    stage: str
    channel: str


#: Notices that concern the whole book, not one debtor.
BOOK_WIDE = frozenset({"rate-after-last"})


@dataclass(frozen=True, slots=True)
class ClaimView:
    json: dict[str, Any]
    periods: tuple[dict[str, Any], ...]
    """Interest periods: invoice, start, end, days, rate, base, amount."""
    costs: tuple[dict[str, Any], ...]
    """Cost lines: label, basis, amount."""
    pending: tuple[dict[str, Any], ...]
    """Costs a consumer reminder announces but that may not be charged yet."""
    warnings: tuple[str, ...]


def load(root: Path, *, fingerprints: dict[str, str] | None = None,
         ahead: WalkAhead | None = None) -> tuple[Book, list]:
    """The book and its problems; `fingerprints` receives the loader's per-case ones."""
    loaded = load_book(root, fingerprints=fingerprints, ahead=ahead)
    return loaded.book, list(loaded.problems)


def allocation(case: Case) -> Allocation:
    return allocate(case.invoices, case.payments)


def _pause_kind(text: str) -> str:
    for word, kind in (("dispute", "dispute"), ("promise", "promise"), ("plan", "plan")):
        if word in text:
            return kind
    return "other"


def state(book: Book, case: Case, today: date) -> State:
    s = engine.case_state(book, case, today)
    why = "; ".join(s.paused_by)
    return State(
        stage=s.last_stage or "",
        status=str(s.status),
        paused_by=_pause_kind(s.paused_by[0]) if s.paused_by else "",
        paused_why=why,
        tasks=s.tasks,
        next_stage=s.next_action.stage if s.next_action else "",
        # A stage whose date has passed is taken at the next run: today.
        next_date=max(s.next_action.date, today) if s.next_action else None,
        waiting=s.waiting,
    )


def due_within(book: Book, states: dict[str, State], today: date, days: int) -> list[Due]:
    """The actions the engine's schedule takes in the next `days` days, soonest first.

    Only cases whose next action falls in the window are simulated, so the cost follows
    the work of the week, not the size of the book.
    """
    until = today + timedelta(days=days)
    found: list[Due] = []
    for case_id in sorted(states):
        st = states[case_id]
        if st.next_date is None or st.next_date > until or st.status in ("paused", "agency"):
            continue
        for action in engine.schedule(book, book.cases[case_id], today, until):
            found.append(Due(action.date, case_id, action.label, str(action.channel)))
    return sorted(found, key=lambda d: (d.date, d.case_id, d.stage))


def stage_channel(book: Book, case: Case, stage_id: str) -> str:
    policy = book.policy_for(case)
    stage = policy.stage(stage_id) if policy else None
    return str(stage.channel) if stage else str(Channel.EMAIL) if stage_id == "thanks" else ""


def claim(book: Book, case: Case, today: date,
          say: Callable[[Text], str] = english) -> ClaimView:
    """The claim as of `today`, with its interest periods and cost lines (`claim_for`);
    `say` words the cost lines and warnings (default: English, as `casebook claim`)."""
    found = claim_for(book, case, today)
    data = found.to_json()

    def lines(json: list[dict[str, Any]],
              costs: tuple[CostLine, ...]) -> tuple[dict[str, Any], ...]:
        return tuple({**j, "label": say(c.label_text) if c.label_text else c.label,
                      "basis": say(c.basis_text) if c.basis_text else c.basis}
                     for j, c in zip(json, costs))

    return ClaimView(
        json=data,
        periods=tuple(data.get("periods", ())),
        costs=lines(data.get("cost_lines", []), found.cost_lines),
        pending=lines(data.get("pending", []), found.pending),
        # A rate not published yet concerns the whole book, not this debtor: `casebook check`
        # says it once, with the line to add, instead of every debtor page.
        warnings=tuple(say(n) for n in found.notices
                       if not any(p.code in BOOK_WIDE for p in n)),
    )
