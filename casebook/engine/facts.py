"""What a case is on one day, derived from its files: the reading every decision starts from.

`CaseFacts` keeps only what is dated on or before the day, allocates the payments, finds the
open disputes, the policy's window and the current round of collection (its actions, its
open phone tasks), and knows the working days and the granted deadlines. It decides
nothing: the pauses (`pauses`), the stage timing (`stages`) and the decision (`due`) read
it. Separate because that derivation is the same whatever is decided from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Sequence

from casebook.book.model import Action, ActionKind, Case, Channel, Kind, Note, Policy, Stage
from casebook.engine.policy import granted_deadline, window_lead
from casebook.engine.states import ZERO, CaseState, PhoneTask, Status
from casebook.money.balance import InvoiceBalance, allocate
from casebook.money.workdays import is_working_day

DAY = timedelta(days=1)
STAGE_KINDS = (ActionKind.STAGE, ActionKind.HANDOVER)
"""The action kinds that are a stage of the policy taken."""


@dataclass
class CaseFacts:
    case: Case
    policy: Policy
    today: date
    jurisdiction: str = "BE"
    """The book's: whose consumer law and working days apply."""
    paused_by: list[str] = field(default_factory=list)
    """Why the case is held back, filled in by the pauses as they are looked at."""

    def __post_init__(self) -> None:
        today = self.today
        case = self.case
        self.invoices = [i for i in case.invoices if i.issued <= today]
        self.payments = [p for p in case.payments if p.date <= today]
        self.notes = sorted((n for n in case.notes if n.date <= today), key=lambda n: (n.date, n.id))
        self.actions = sorted((a for a in worked_actions(case) if a.date <= today),
                              key=lambda a: (a.date, a.id))
        self.acted_today = any(a.date == today for a in self.actions)
        allocation = allocate(self.invoices, self.payments)
        self.open = list(allocation.open_invoices())  # oldest due first
        self.disputed = set(open_disputes(self.notes) if self.policy.pauses.dispute else ())
        self.collectable = [b for b in self.open if b.number not in self.disputed]
        self.lead = window_lead(self.policy)
        last_thanks = next((a for a in reversed(self.actions) if a.kind == ActionKind.THANKS), None)
        self.since_thanks = (
            [a for a in self.actions if (a.date, a.id) > (last_thanks.date, last_thanks.id)]
            if last_thanks
            else list(self.actions)
        )
        # A thank-you closes a round: promises and plans made before it are spent.
        self.current_notes = (
            [n for n in self.notes if n.date > last_thanks.date] if last_thanks else self.notes
        )

    def window_start(self, balance: InvoiceBalance) -> date:
        invoice = balance.invoice
        return max(invoice.issued, invoice.due - timedelta(days=self.lead))

    def in_window(self, balances: Sequence[InvoiceBalance]) -> list[InvoiceBalance]:
        return [b for b in balances if self.window_start(b) <= self.today]

    def base(self, status: Status, **values: object) -> CaseState:
        """The case's state with `status`: the fields every answer has, and `values`."""
        disputed_open = tuple(sorted(b.number for b in self.open if b.number in self.disputed))
        return CaseState(
            case_id=self.case.id,
            policy=self.policy.name,
            status=status,
            paused_by=tuple(self.paused_by),
            disputed=disputed_open,
            balance=sum((b.open for b in self.collectable), ZERO),
            **values,  # type: ignore[arg-type]
        )

    def deadline(
        self, deadline: date | None, *, channel: Channel, kind: ActionKind, stage: Stage | None
    ) -> date | None:
        """The deadline the action grants: the policy's, or the consumer's legal minimum
        (`policy.granted_deadline`, which letters ask too)."""
        return granted_deadline(
            deadline=deadline, sent=self.today, channel=channel, kind=kind, stage=stage,
            consumer=self.case.kind == Kind.CONSUMER, jurisdiction=self.jurisdiction,
        )

    def acting_day(self, day: date) -> date:
        """`day`, or the next working day when it is a weekend day or a public holiday of
        the book's country (`casebook.money.workdays`)."""
        while not is_working_day(day, self.jurisdiction):
            day += DAY
        return day

    def written_channel(self, preferred: Channel) -> Channel:
        if preferred == Channel.EMAIL and not self.case.email:
            return Channel.LETTER
        return preferred

    def episode(self, anchor: InvoiceBalance) -> list[Action]:
        """The actions of the current round of collection (see `casebook.engine.due`)."""
        start = self.window_start(anchor)
        return [a for a in self.since_thanks if a.date >= start]

    def last_fields(self, episode: Sequence[Action]) -> dict[str, object]:
        stages = [a for a in episode if a.kind in STAGE_KINDS]
        if not stages:
            return {}
        # A handover ends casebook's part, so it is the last stage even when a reminder of
        # the same day sorts after it (`2026-12-03-handover` < `2026-12-03-reminder`).
        handovers = [a for a in stages if a.kind == ActionKind.HANDOVER]
        last = (handovers or stages)[-1]
        return {"last_stage": last.stage, "last_date": last.date}

    def tasks(self, episode: Sequence[Action]) -> tuple[PhoneTask, ...]:
        """The phone stages of `episode` that no note `completes:` yet."""
        tasks = []
        for action in episode:
            if action.kind != ActionKind.STAGE or action.channel != Channel.PHONE:
                continue
            done = any(n.completes == action.stage and n.date >= action.date for n in self.notes)
            if not done:
                tasks.append(PhoneTask(action.stage, action.date, self.today > action.date))
        return tuple(tasks)


def worked_actions(case: Case) -> Sequence[Action]:
    """The actions this book's policy goes on from. In a case received from a creditor (an
    agency's book: `creditor.yaml`), the creditor's reminders and its handover came with the
    history and stay there as evidence, but the agency's own collection starts on the day it
    received the case: otherwise the creditor's handover would end it before it began."""
    creditor = case.creditor
    if creditor is None:
        return case.actions
    return [a for a in case.actions if a.kind != ActionKind.HANDOVER
            and (creditor.received is None or a.date >= creditor.received)]


def open_disputes(notes: Iterable[Note]) -> dict[str, date]:
    """Invoice number -> date of the dispute still open on it, the notes read in date order
    (a later dispute reopens a resolved one). The one reading of disputes: the engine
    pauses on it, recording, the forecast and the site show it."""
    state: dict[str, date] = {}
    for note in sorted(notes, key=lambda n: (n.date, n.id)):
        if note.dispute is not None:
            state[note.dispute.invoice] = note.date
        if note.resolved:
            state.pop(note.resolved, None)
    return state
