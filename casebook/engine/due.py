"""The engine: from a book and a date to the actions that are due. Pure: no clock, disk, git.

Everything a case "is" (its stage, pauses, open phone tasks) is derived from its files each
time; this module is that derivation. The rules (SPEC section 3), with the choices made
where the spec is silent (docs/advance.md explains them to users):

- Only what is dated on or before `today` counts: invoices issued, payments, notes, actions.
- One statement per debtor: an action covers every open invoice that is not under dispute.
- The *anchor* is the oldest open invoice not under dispute (by due date). Stages are timed
  from its due date (`after_due`) or from the stage taken before (`after_previous`).
- An action belongs to the current round of collection when it is dated after the last
  thank-you and on or after the day the anchor entered the policy (its due date minus the
  pre-due lead, never before it was issued). So a paid-up case that gets a new invoice starts
  again at the first stage, and a case whose oldest invoice is paid continues with the next
  invoice from where the letters that already listed it left off.
- Never skip a stage: the next stage is the one after the furthest stage taken. After a gap
  (cron down) it is taken late, and the stages after it keep their spacing from it. Only a
  pre-due courtesy note lapses: once the invoice is due it is no longer sent.
- The next stage never comes before the day after the latest deadline granted: a letter
  that says "pay within 10 days" is followed up when those days are over, not before. A
  phone call is contact rather than a new demand: it may fall within a deadline.
- An email stage for a debtor without an email address is sent as a letter (and recorded
  so): a missing address never blocks a case.
- Working days only: an action whose day falls on a Saturday, a Sunday or a public holiday
  of the book's country (`casebook.money.workdays`) waits for the next working day; a phone call
  is never planned on a day nobody answers, and no letter is dated on a day the post does
  not go. Later stages are timed from the day the action was actually taken.
- At most one action per case per day; an action already recorded for `today` means the
  case is done for the day (this is what makes `advance` idempotent).
- Disputes exclude the disputed invoice from the statement; a case whose only open
  invoices are disputed is paused. A promise pauses until its date plus grace. A payment plan
  pauses while honoured: everything paid since the plan note covers every installment whose
  grace has run out. One installment late beyond grace breaks it: a `plan-breach` action
  (once per plan) and escalation resumes.
- A phone stage opens a task; a note `completes: <stage-id>` dated on or after it closes
  it. An open task never holds back the next stage; it is listed as overdue.
- A stage does not act while the balance is below its `min_balance`: the case waits.
- When nothing due is left unpaid and the last action was a reminder taken after the due
  date (not only a pre-due note, not a handover to the agency), the thank-you is due once;
  then the case is closed until a new invoice falls due.
- A handover stage (channel `agency`) ends casebook's part: the case stays with the agency.
- Consumers: every written demand after the due date grants at least the legal period
  (`policy.granted_deadline`: Book XIX's waiting period, the 14-dagenbrief's 14 days from
  receipt), and since later stages wait for that deadline, no charging stage comes before
  it. Letters state the same deadline. What may be charged is the money engine's call.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Sequence

from casebook.money.balance import InvoiceBalance, allocate
from casebook.book.model import (
    Action,
    ActionKind,
    Book,
    Case,
    Channel,
    Installment,
    Kind,
    Note,
    Policy,
    Stage,
)
from casebook.engine.policy import granted_deadline, is_pre_due, nominal_offsets, window_lead
from casebook.money.workdays import is_working_day

ZERO = Decimal("0")
DAY = timedelta(days=1)
#: Days a debtor gets to pay the whole balance after a broken payment plan.
PLAN_BREACH_DEADLINE_DAYS = 10
_STAGE_KINDS = (ActionKind.STAGE, ActionKind.HANDOVER)


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


# -- the public functions -------------------------------------------------------------------


def due_actions(book: Book, today: date, case_ids: Iterable[str] | None = None) -> list[DueAction]:
    """Every action due on `today`, at most one per case, sorted by case id."""
    wanted = set(case_ids) if case_ids is not None else None
    found: list[DueAction] = []
    for case_id in sorted(book.cases):
        if wanted is not None and case_id not in wanted:
            continue
        state = case_state(book, book.cases[case_id], today)
        if state.due is not None:
            found.append(state.due)
    return found


def case_state(book: Book, case: Case, today: date) -> CaseState:
    """Where a case stands on `today` and what, if anything, is due."""
    policy = book.policy_for(case)
    if policy is None:
        wanted = case.policy or case.segment or book.settings.default_policy
        return CaseState(case.id, "", Status.OPEN, waiting=f"no policy {wanted!r} in the book")
    return _Evaluation(case, policy, today, book.settings.jurisdiction).state()


def schedule(book: Book, case: Case, today: date, until: date) -> list[DueAction]:
    """The actions from `today` to `until` if nobody pays and nobody calls back.

    Payments and notes dated after `today` are ignored; each action is taken as `advance`
    would take it (on its first possible day), so later stages are timed from it.
    """
    policy = book.policy_for(case)
    if policy is None:
        return []
    simulated = replace(
        case,
        payments=tuple(p for p in case.payments if p.date <= today),
        notes=tuple(n for n in case.notes if n.date <= today),
        actions=tuple(a for a in case.actions if a.date <= today),
    )
    timeline: list[DueAction] = []
    day = today
    while day <= until:
        state = _Evaluation(simulated, policy, day, book.settings.jurisdiction).state()
        if state.due is not None:
            timeline.append(state.due)
            simulated = replace(simulated, actions=(*simulated.actions, as_action(state.due)))
            day += DAY
        elif state.next_action is not None and state.next_action.date > day and not state.paused_by:
            day = state.next_action.date
        else:
            day += DAY
    return timeline


def as_action(due: DueAction, *, files: Sequence[str] = (), total: Decimal | None = None) -> Action:
    """The record of a due action once taken (what `actions/<stem>.yaml` holds)."""
    return Action(
        id=due.stem,
        date=due.date,
        kind=due.kind,
        case_id=due.case_id,
        stage=due.stage.id if due.stage is not None else "",
        channel=str(due.channel),
        balance=due.balance,
        total=due.balance if total is None else total,
        deadline=due.deadline,
        invoices=due.invoices,
        files=tuple(files),
    )


# -- the evaluation of one case on one day ----------------------------------------------------


@dataclass
class _Evaluation:
    case: Case
    policy: Policy
    today: date
    jurisdiction: str = "BE"
    """The book's: whose consumer law and working days apply."""
    paused_by: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        today = self.today
        case = self.case
        self.invoices = [i for i in case.invoices if i.issued <= today]
        self.payments = [p for p in case.payments if p.date <= today]
        self.notes = sorted((n for n in case.notes if n.date <= today), key=lambda n: (n.date, n.id))
        self.actions = sorted((a for a in case.actions if a.date <= today), key=lambda a: (a.date, a.id))
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

    # -- helpers ------------------------------------------------------------------------
    def _window_start(self, balance: InvoiceBalance) -> date:
        invoice = balance.invoice
        return max(invoice.issued, invoice.due - timedelta(days=self.lead))

    def _in_window(self, balances: Sequence[InvoiceBalance]) -> list[InvoiceBalance]:
        return [b for b in balances if self._window_start(b) <= self.today]

    def _base(self, status: Status, **values: object) -> CaseState:
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

    def _deadline(
        self, deadline: date | None, *, channel: Channel, kind: ActionKind, stage: Stage | None
    ) -> date | None:
        """The deadline the action grants: the policy's, or the consumer's legal minimum
        (`policy.granted_deadline`, which letters ask too)."""
        return granted_deadline(
            deadline=deadline, sent=self.today, channel=channel, kind=kind, stage=stage,
            consumer=self.case.kind == Kind.CONSUMER, jurisdiction=self.jurisdiction,
        )

    def _acting_day(self, day: date) -> date:
        """`day`, or the next working day when it is a weekend day or a public holiday of
        the book's country (`casebook.money.workdays`)."""
        while not is_working_day(day, self.jurisdiction):
            day += DAY
        return day

    def _written_channel(self, preferred: Channel) -> Channel:
        if preferred == Channel.EMAIL and not self.case.email:
            return Channel.LETTER
        return preferred

    # -- the decision -------------------------------------------------------------------
    def state(self) -> CaseState:
        today = self.today
        in_window = self._in_window(self.collectable)
        anchor = in_window[0] if in_window else None
        thanks = self._thanks(anchor)
        if thanks is not None:
            status = Status.OPEN if anchor else Status.NOT_DUE if self.open else Status.CLOSED
            on = self._acting_day(today)
            return self._base(
                status,
                next_action=NextAction(on, "thanks"),
                due=None if self.acted_today or on != today else thanks,
                **self._last_fields(self.since_thanks),
            )

        if anchor is None:
            disputed = self._in_window([b for b in self.open if b.number in self.disputed])
            if disputed:
                self.paused_by.append("dispute on " + ", ".join(b.number for b in disputed))
                return self._base(Status.PAUSED, **self._last_fields(self.since_thanks))
            next_action = self._first_stage_date(self.collectable[0]) if self.collectable else None
            return self._base(
                Status.NOT_DUE if self.open else Status.CLOSED,
                next_action=next_action,
                **self._last_fields(self.since_thanks),
            )

        episode = self._episode(anchor)
        last = self._last_fields(episode)
        tasks = self._tasks(episode)

        if any(a.kind == ActionKind.HANDOVER for a in episode):
            return self._base(Status.AGENCY, tasks=tasks, **last)

        breach = self._plan()
        if breach is not None:
            on = self._acting_day(today)
            return self._base(
                Status.OPEN,
                tasks=tasks,
                next_action=NextAction(on, "plan-breach"),
                due=None if self.acted_today or on != today else breach,
                **last,
            )
        self._promise()
        if self.paused_by:
            return self._base(Status.PAUSED, tasks=tasks, **last)

        return self._next_stage(anchor, episode, tasks, last)

    def _episode(self, anchor: InvoiceBalance) -> list[Action]:
        """The actions of the current round of collection (see the module docstring)."""
        start = self._window_start(anchor)
        return [a for a in self.since_thanks if a.date >= start]

    def _last_fields(self, episode: Sequence[Action]) -> dict[str, object]:
        stages = [a for a in episode if a.kind in _STAGE_KINDS]
        if not stages:
            return {}
        return {"last_stage": stages[-1].stage, "last_date": stages[-1].date}

    def _first_stage_date(self, balance: InvoiceBalance) -> NextAction | None:
        offsets = nominal_offsets(self.policy)
        for index, stage in enumerate(self.policy.stages):
            when = balance.invoice.due + timedelta(days=offsets[index])
            when = self._acting_day(max(when, self._window_start(balance)))
            if is_pre_due(stage) and when >= balance.invoice.due:
                continue
            return NextAction(when, stage.id)
        return None

    def _next_stage(
        self,
        anchor: InvoiceBalance,
        episode: Sequence[Action],
        tasks: tuple[PhoneTask, ...],
        last: dict[str, object],
    ) -> CaseState:
        today = self.today
        stages = self.policy.stages
        offsets = nominal_offsets(self.policy)
        index_of = {s.id: i for i, s in enumerate(stages)}
        taken = [(index_of[a.stage], a) for a in episode if a.kind in _STAGE_KINDS and a.stage in index_of]
        if taken:
            last_index, last_action = max(taken, key=lambda t: (t[0], t[1].date, t[1].id))
            next_index = last_index + 1
        else:
            last_index, last_action, next_index = -1, None, 0
        due_date = anchor.invoice.due
        # A pre-due courtesy note lapses once the invoice is due.
        while next_index < len(stages) and is_pre_due(stages[next_index]) and today >= due_date:
            next_index += 1
        if next_index >= len(stages):
            return self._base(
                Status.OPEN,
                tasks=tasks,
                waiting="every stage of the policy has been taken: decide by hand",
                **last,
            )
        stage = stages[next_index]
        when = due_date + timedelta(days=offsets[next_index])
        if last_action is not None:
            gap = stage.after_previous if stage.after_previous is not None else (
                offsets[next_index] - offsets[last_index]
            )
            spaced = last_action.date + timedelta(days=max(gap, 1))
            when = spaced if stage.after_due is None else max(when, spaced)
            why = (
                f"{(today - last_action.date).days} days after {last_action.stage} "
                f"on {last_action.date.isoformat()}"
            )
        else:
            when = max(when, self._window_start(anchor))
            days = (today - due_date).days
            why = (
                f"invoice {anchor.number} due {due_date.isoformat()} "
                + (f"({days} days ago)" if days > 0 else f"(in {-days} days)" if days < 0 else "(today)")
            )
        deadlines = [a.deadline for a in episode if a.deadline is not None]
        # A phone call is contact, not a new demand: it may come within a deadline.
        if deadlines and stage.channel != Channel.PHONE:
            when = max(when, max(deadlines) + DAY)
        # Nothing is done on a weekend or a public holiday: the stage waits for the next
        # working day (and a stage overdue since a working day is not taken on a day off).
        when = self._acting_day(when)
        if when < today and not is_working_day(today, self.jurisdiction):
            when = self._acting_day(today)
        next_action = NextAction(when, stage.id)
        balance = sum((b.open for b in self.collectable), ZERO)
        if when > today:
            return self._base(Status.OPEN, tasks=tasks, next_action=next_action, **last)
        if balance < stage.min_balance:
            return self._base(
                Status.OPEN,
                tasks=tasks,
                next_action=next_action,
                waiting=f"balance {balance} is below the minimum {stage.min_balance} of stage {stage.id}",
                **last,
            )
        if self.acted_today:
            return self._base(Status.OPEN, tasks=tasks, next_action=next_action, **last)
        # An email stage for a debtor without an email address goes by post: the case is
        # never blocked, and the action records the channel really used.
        channel = self._written_channel(stage.channel)
        if channel != stage.channel:
            why += f"; no email address, sent by {channel}"
        kind = ActionKind.HANDOVER if stage.channel == Channel.AGENCY else ActionKind.STAGE
        deadline = self._deadline(
            today + timedelta(days=stage.deadline_days) if stage.deadline_days else None,
            channel=channel, kind=kind, stage=stage,
        )
        due = DueAction(
            case_id=self.case.id,
            kind=kind,
            date=today,
            stage=stage,
            channel=channel,
            template=stage.template or stage.id,
            deadline=deadline,
            invoices=tuple(b.number for b in self.collectable),
            reason=f"{stage.id} (stage {next_index + 1} of {len(stages)}, {self.policy.name}): {why}",
            balance=balance,
        )
        return self._base(Status.OPEN, tasks=tasks, next_action=next_action, due=due, **last)

    # -- pauses -------------------------------------------------------------------------
    def _promise(self) -> None:
        pauses = self.policy.pauses
        if not pauses.promise:
            return
        note = next((n for n in reversed(self.current_notes) if n.promise is not None), None)
        if note is None or note.promise is None:
            return
        until = note.promise.date + timedelta(days=pauses.promise_grace_days)
        if self.today <= until:
            self.paused_by.append(
                f"promise to pay by {note.promise.date.isoformat()} (grace until {until.isoformat()})"
            )

    def _plan(self) -> DueAction | None:
        """Pause for an honoured plan, or the breach action of a broken one."""
        pauses = self.policy.pauses
        if not pauses.plan:
            return None
        note = next((n for n in reversed(self.current_notes) if n.plan is not None), None)
        if note is None or note.plan is None:
            return None
        if any(a.kind == ActionKind.PLAN_BREACH and a.date >= note.date for a in self.actions):
            return None  # this plan was broken and recorded; escalation goes on
        grace = timedelta(days=pauses.plan_grace_days)
        installments = sorted(note.plan.installments, key=lambda i: i.due)
        paid = sum((p.amount for p in self.payments if p.date >= note.date), ZERO)
        required = ZERO
        for item in installments:
            if item.due + grace >= self.today:
                break
            required += item.amount
            if paid < required:
                return self._breach(item, paid, required)
        if installments and self.today <= installments[-1].due + grace:
            self.paused_by.append(f"payment plan of {note.date.isoformat()} honoured so far")
        return None

    def _breach(self, missed: Installment, paid: Decimal, required: Decimal) -> DueAction:
        channel = self._written_channel(Channel.EMAIL)
        return DueAction(
            case_id=self.case.id,
            kind=ActionKind.PLAN_BREACH,
            date=self.today,
            stage=None,
            channel=channel,
            template="plan-breach",
            deadline=self._deadline(
                self.today + timedelta(days=PLAN_BREACH_DEADLINE_DAYS),
                channel=channel, kind=ActionKind.PLAN_BREACH, stage=None,
            ),
            invoices=tuple(b.number for b in self.collectable),
            reason=(
                f"payment plan broken: installment of {missed.amount} due "
                f"{missed.due.isoformat()} not paid (paid {paid} of {required} due by now)"
            ),
            balance=sum((b.open for b in self.collectable), ZERO),
            missed=missed,
        )

    def _thanks(self, anchor: InvoiceBalance | None) -> DueAction | None:
        """The thank-you, when the last reminder's overdue invoices are all paid.

        Due only when the last action was a reminder after the due date (or a plan
        breach), every invoice it demanded is paid, and whatever is still open was not
        part of that round of collection (it fell due after it).
        """
        if not self.policy.thank_you:
            return None
        last = self.since_thanks[-1] if self.since_thanks else None
        if last is None or last.kind in (ActionKind.HANDOVER, ActionKind.THANKS):
            return None
        if last.kind == ActionKind.STAGE and _was_pre_due(self.policy, last):
            return None
        if anchor is not None and last.date >= self._window_start(anchor):
            return None
        due_by_number = {i.number: i.due for i in self.invoices}
        open_numbers = {b.number for b in self.open}
        demanded = [n for n in last.invoices if n in due_by_number and due_by_number[n] <= last.date]
        if not demanded:
            if any(b.invoice.due <= last.date for b in self.open):
                return None
        elif any(n in open_numbers for n in demanded):
            return None
        return DueAction(
            case_id=self.case.id,
            kind=ActionKind.THANKS,
            date=self.today,
            stage=None,
            channel=self._written_channel(self.policy.thank_you_channel),
            template=self.policy.thank_you,
            deadline=None,
            invoices=tuple(demanded),
            reason=f"paid after {last.stage or last.kind} of {last.date.isoformat()}: thank the customer",
            balance=ZERO,
        )

    def _tasks(self, episode: Sequence[Action]) -> tuple[PhoneTask, ...]:
        tasks = []
        for action in episode:
            if action.kind != ActionKind.STAGE or action.channel != Channel.PHONE:
                continue
            done = any(n.completes == action.stage and n.date >= action.date for n in self.notes)
            if not done:
                tasks.append(PhoneTask(action.stage, action.date, self.today > action.date))
        return tuple(tasks)


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


def _was_pre_due(policy: Policy, action: Action) -> bool:
    stage = policy.stage(action.stage)
    return stage is not None and is_pre_due(stage)
