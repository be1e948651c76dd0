"""What the engine answers: the action due on a day, and where a case stands.

`DueAction`, `CaseState`, `NextAction`, `PhoneTask` and `Status` are plain values, shared by
the derivation (`facts`), the pauses (`pauses`), the stage timing (`stages`) and the public
functions (`due`), and read by everything above the engine. Kept apart so that each of
those modules can build them without importing the others.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from casebook.book.model import ActionKind, Channel, Installment, Stage

ZERO = Decimal("0")


class Status(enum.StrEnum):
    NOT_DUE = "not-due"
    """Open invoices, none of them in the policy's window yet."""
    OPEN = "open"
    """In collection: waiting for the next stage."""
    PAUSED = "paused"
    """Held back by a dispute, a promise or a payment plan."""
    CLOSED = "closed"
    """Nothing due is unpaid (any thank-you is the last action)."""
    AGENCY = "agency"
    """Handed over to the collection agency."""


@dataclass(frozen=True, slots=True)
class DueAction:
    """One action the policy calls for on `date`."""

    case_id: str
    kind: ActionKind
    date: date
    stage: Stage | None
    channel: Channel
    template: str
    deadline: date | None
    invoices: tuple[str, ...]
    """Open invoice numbers the statement covers (all of them but disputed ones)."""
    reason: str
    """Why now, for people: the commit body and the dry-run listing."""
    balance: Decimal = ZERO
    """Principal open on the invoices covered."""
    missed: Installment | None = None
    """A plan breach: the installment that was not paid in time (letters name it)."""

    @property
    def stem(self) -> str:
        """File stem of the action's record and letters: `2026-11-24-reminder`."""
        if self.kind == ActionKind.THANKS:
            return f"{self.date.isoformat()}-thanks"
        if self.kind == ActionKind.PLAN_BREACH:
            return f"{self.date.isoformat()}-plan-breach"
        assert self.stage is not None
        return f"{self.date.isoformat()}-{self.stage.id}"

    @property
    def label(self) -> str:
        """The stage id, or the kind for actions that are no stage (`thanks`)."""
        return self.stage.id if self.stage is not None else str(self.kind)


@dataclass(frozen=True, slots=True)
class PhoneTask:
    stage: str
    since: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class NextAction:
    date: date
    stage: str
    """Stage id, or `thanks` / `plan-breach`."""


@dataclass(frozen=True, slots=True)
class CaseState:
    case_id: str
    policy: str
    status: Status
    last_stage: str | None = None
    last_date: date | None = None
    paused_by: tuple[str, ...] = ()
    tasks: tuple[PhoneTask, ...] = ()
    next_action: NextAction | None = None
    disputed: tuple[str, ...] = ()
    balance: Decimal = ZERO
    """Principal open on the invoices not under dispute."""
    waiting: str = ""
    """Why the next stage is not taken although its date has come (e.g. a minimum balance)."""
    due: DueAction | None = None
    """The action due today, if any."""
