"""The engine: from a book and a date to the actions that are due. Pure: no clock, disk, git.

Everything a case "is" (its stage, pauses, open phone tasks) is derived from its files each
time; this module is the public face of that derivation and the decision that joins its
parts: `facts` reads a case on a day, `pauses` holds it for a promise or a plan, `stages`
times the next stage and the thank-you, and `states` holds the values they answer with.
The rules (SPEC section 3), with the choices made where the spec is silent
(docs/advance.md explains them to users):

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

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from casebook.book.model import Action, ActionKind, Book, Case
from casebook.engine.facts import DAY, CaseFacts, open_disputes
from casebook.engine.pauses import PLAN_BREACH_DEADLINE_DAYS, plan_pause, promise_pause
from casebook.engine.stages import first_stage_date, next_stage, thanks_due
from casebook.engine.states import (
    ZERO,
    CaseState,
    DueAction,
    NextAction,
    PhoneTask,
    Status,
)

# Callers (`from casebook.engine import due as engine`) read the values and the dispute
# reading from here, whichever module defines them.
__all__ = [
    "DAY", "PLAN_BREACH_DEADLINE_DAYS", "ZERO", "CaseState", "DueAction", "NextAction",
    "PhoneTask", "Status", "as_action", "case_state", "due_actions", "open_disputes", "schedule",
]


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
    return _evaluate(CaseFacts(case, policy, today, book.settings_of(case).jurisdiction))


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
        state = _evaluate(CaseFacts(simulated, policy, day, book.settings_of(case).jurisdiction))
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


# -- the decision for one case on one day ----------------------------------------------------


def _evaluate(facts: CaseFacts) -> CaseState:
    """The thank-you first, then the anchor's round: handover, plan, promise, next stage."""
    today = facts.today
    in_window = facts.in_window(facts.collectable)
    anchor = in_window[0] if in_window else None
    thanks = thanks_due(facts, anchor)
    if thanks is not None:
        status = Status.OPEN if anchor else Status.NOT_DUE if facts.open else Status.CLOSED
        on = facts.acting_day(today)
        return facts.base(
            status,
            next_action=NextAction(on, "thanks"),
            due=None if facts.acted_today or on != today else thanks,
            **facts.last_fields(facts.since_thanks),
        )

    if anchor is None:
        disputed = facts.in_window([b for b in facts.open if b.number in facts.disputed])
        if disputed:
            facts.paused_by.append("dispute on " + ", ".join(b.number for b in disputed))
            return facts.base(Status.PAUSED, **facts.last_fields(facts.since_thanks))
        next_action = first_stage_date(facts, facts.collectable[0]) if facts.collectable else None
        return facts.base(
            Status.NOT_DUE if facts.open else Status.CLOSED,
            next_action=next_action,
            **facts.last_fields(facts.since_thanks),
        )

    episode = facts.episode(anchor)
    last = facts.last_fields(episode)
    tasks = facts.tasks(episode)

    if any(a.kind == ActionKind.HANDOVER for a in episode):
        return facts.base(Status.AGENCY, tasks=tasks, **last)

    breach = plan_pause(facts)
    if breach is not None:
        on = facts.acting_day(today)
        return facts.base(
            Status.OPEN,
            tasks=tasks,
            next_action=NextAction(on, "plan-breach"),
            due=None if facts.acted_today or on != today else breach,
            **last,
        )
    promise_pause(facts)
    if facts.paused_by:
        return facts.base(Status.PAUSED, tasks=tasks, **last)

    return next_stage(facts, anchor, episode, tasks, last)
