"""Cash in per week: when the open invoices should be paid, given how each debtor pays.

Pure: book, date and number of weeks in, a `Forecast` out. The rules (docs/insight.md):

- Weeks are ISO weeks (Monday to Sunday), the first one holding `today`. Nothing is expected
  before `today`.
- A case whose last stage (since its last thank-you) is a formal notice (stage id
  `formal-notice` or channel `registered`) or a handover to the agency (kind `handover` or
  channel `agency`) is *at risk*: its whole open balance is shown apart, in no week. Unless
  none of the invoices that action listed is still open (a policy without a thank-you).
- Invoices under dispute are shown apart too (`disputed`).
- A promise to pay or a payment plan comes first, for the amount it covers: the latest one
  of the case that is still running (a promise until its date plus grace; a plan that is
  neither broken nor paid) minus what was paid since its note. A promise is expected on its
  date, each installment on its due date (today when that has passed within the grace).
  Their amounts are taken off the open invoices oldest first (as a payment would be), never
  more than what is open.
- What is left of each invoice is expected on its due date plus the debtor's *usual delay*
  (weighted median delay of its paid invoices; the book's when it has paid none; 0 when
  nobody has). An invoice not yet due whose estimate falls before today is expected on its
  due date; an overdue invoice already later than that is *overdue beyond its usual delay*:
  no date can be expected, it is shown apart.
- Beyond the last week: `later`.

Every cent of the open balance lands in exactly one place: a week, later, overdue beyond
the usual delay, disputed, or at risk. Amounts are never split or rounded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from casebook.book.dump import money
from casebook.engine.due import open_disputes
from casebook.book.model import Action, ActionKind, Book, Case, Channel, Note, Pauses
from .behaviour import Behaviour, behaviour_of, check_plan, promise_deadline
from .stats import ZERO, weighted_median

AT_RISK_STAGE = "formal-notice"
AT_RISK_CHANNELS = frozenset({Channel.REGISTERED.value, Channel.AGENCY.value})
DEFAULT_WEEKS = 8


@dataclass(frozen=True, slots=True)
class Expected:
    """An amount expected from one case on one day."""

    case_id: str
    name: str
    date: date
    amount: Decimal
    kind: str
    """`promise`, `installment`, `estimate` (or `disputed`, for the disputed invoices)."""
    basis: str
    """Why this date, for people."""
    invoice: str = ""
    """The invoice (estimates only)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "name": self.name,
            "date": self.date.isoformat(),
            "amount": money(self.amount),
            "kind": self.kind,
            "invoice": self.invoice or None,
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    """The Monday."""
    items: tuple[Expected, ...]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def amount(self) -> Decimal:
        return sum((i.amount for i in self.items), ZERO)

    @property
    def promised(self) -> Decimal:
        """Promises and plan installments."""
        return sum((i.amount for i in self.items if i.kind != "estimate"), ZERO)

    @property
    def estimated(self) -> Decimal:
        return sum((i.amount for i in self.items if i.kind == "estimate"), ZERO)

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.label,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "amount": money(self.amount),
            "promised": money(self.promised),
            "estimated": money(self.estimated),
            "items": [i.to_json() for i in self.items],
        }


@dataclass(frozen=True, slots=True)
class RiskCase:
    """A case in formal notice or with the agency: its open balance is at risk."""

    case_id: str
    name: str
    amount: Decimal
    stage: str
    since: date
    channel: str

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "name": self.name,
            "amount": money(self.amount),
            "stage": self.stage,
            "since": self.since.isoformat(),
            "channel": self.channel,
        }


@dataclass(frozen=True, slots=True)
class Forecast:
    as_of: date
    currency: str
    weeks: tuple[Week, ...]
    later: tuple[Expected, ...]
    """Expected after the last week."""
    overdue: tuple[Expected, ...]
    """Overdue beyond the debtor's usual delay (the date is when it was expected)."""
    disputed: tuple[Expected, ...]
    """Invoices under dispute (the date is their due date)."""
    at_risk: tuple[RiskCase, ...]
    book_delay: int
    """The book's usual delay, used for debtors that have paid nothing yet."""

    @property
    def expected(self) -> Decimal:
        return sum((w.amount for w in self.weeks), ZERO)

    @property
    def later_total(self) -> Decimal:
        return _total(self.later)

    @property
    def overdue_total(self) -> Decimal:
        return _total(self.overdue)

    @property
    def disputed_total(self) -> Decimal:
        return _total(self.disputed)

    @property
    def at_risk_total(self) -> Decimal:
        return sum((r.amount for r in self.at_risk), ZERO)

    @property
    def open(self) -> Decimal:
        """Everything open: the weeks, later, overdue, disputed and at risk together."""
        return (
            self.expected + self.later_total + self.overdue_total + self.disputed_total
            + self.at_risk_total
        )

    def to_json(self, *, items: bool = True) -> dict[str, Any]:
        def listed(values: Sequence[Any]) -> list[dict[str, Any]]:
            return [v.to_json() for v in values] if items else []

        weeks = [w.to_json() for w in self.weeks]
        if not items:
            for week in weeks:
                week.pop("items")
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "book_delay": self.book_delay,
            "weeks": weeks,
            "expected": money(self.expected),
            "later": {"amount": money(self.later_total), "items": listed(self.later)},
            "overdue_beyond_usual_delay": {
                "amount": money(self.overdue_total),
                "items": listed(self.overdue),
            },
            "disputed": {"amount": money(self.disputed_total), "items": listed(self.disputed)},
            "at_risk": {
                "amount": money(self.at_risk_total),
                "cases": listed(self.at_risk),
            },
            "open": money(self.open),
        }


def _total(items: Iterable[Expected]) -> Decimal:
    return sum((i.amount for i in items), ZERO)


# -- the forecast ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseOutlook:
    """One case's part of a forecast, before its estimates are dated and put in weeks.

    Everything here depends on the case alone (and the date), so a caller may keep it per
    case between forecasts (the site does); only the estimates of debtors without a usual
    delay of their own depend on the rest of the book (its usual delay)."""

    case_id: str
    name: str
    paid: tuple[tuple[int, Decimal], ...] = ()
    """(delay, amount) of each paid invoice: the book's usual delay is their median."""
    own_delay: int | None = None
    at_risk: RiskCase | None = None
    disputed: tuple[Expected, ...] = ()
    committed: tuple[Expected, ...] = ()
    """The running promise or plan, as far as it covers what is open."""
    rest: tuple[tuple[str, date, Decimal], ...] = ()
    """(invoice, due, amount) still open beyond what is committed, oldest first."""


def case_outlook(book: Book, case: Case, today: date, behaviour: Behaviour | None = None) -> CaseOutlook:
    """The part of `forecast` that depends on `case` alone (see `CaseOutlook`)."""
    found = behaviour if behaviour is not None else behaviour_of(book, case, today)
    paid = tuple((r.delay, r.amount) for r in found.records if r.paid_on is not None)
    base = CaseOutlook(case.id, case.name, paid, found.usual_delay)
    open_lines = found.allocation.open_invoices()
    if not open_lines:
        return base
    actions = sorted((a for a in case.actions if a.date <= today), key=lambda a: (a.date, a.id))
    risk = _risk(actions)
    open_numbers = {b.number for b in open_lines}
    if risk is not None and risk.invoices and not open_numbers & set(risk.invoices):
        risk = None  # the notice was about invoices paid since; what is open came later
    if risk is not None:
        return replace(base, at_risk=RiskCase(
            case.id, case.name, sum((b.open for b in open_lines), ZERO),
            risk.stage or str(risk.kind), risk.date, risk.channel,
        ))
    notes = sorted((n for n in case.notes if n.date <= today), key=lambda n: (n.date, n.id))
    under_dispute = open_disputes(notes)
    collectable = [b for b in open_lines if b.number not in under_dispute]
    disputed = tuple(
        Expected(case.id, case.name, b.invoice.due, b.open, "disputed",
                 f"due {b.invoice.due.isoformat()}, under dispute", b.number)
        for b in open_lines if b.number in under_dispute
    )
    policy = book.policy_for(case)
    pauses = policy.pauses if policy else Pauses()
    left = sum((b.open for b in collectable), ZERO)
    committed: list[Expected] = []
    for when, amount, kind, basis in _commitments(case, notes, actions, today, pauses, left):
        take = min(amount, left)
        if take > 0:
            committed.append(Expected(case.id, case.name, when, take, kind, basis))
            left -= take
    covered = sum((e.amount for e in committed), ZERO)
    rest = []
    for b in collectable:
        take = min(covered, b.open)
        covered -= take
        if b.open - take > 0:
            rest.append((b.number, b.invoice.due, b.open - take))
    return replace(base, disputed=disputed, committed=tuple(committed), rest=tuple(rest))


def forecast(
    book: Book,
    today: date,
    *,
    weeks: int = DEFAULT_WEEKS,
    behaviours: Mapping[str, Behaviour] | None = None,
    outlooks: Mapping[str, CaseOutlook] | None = None,
) -> Forecast:
    """The forecast for `weeks` ISO weeks from the one holding `today`.

    `behaviours` (by case id, as of `today`) saves recomputing them when the caller has them;
    `outlooks` (by case id, `case_outlook` of each case as of `today`) saves even more.
    """
    if weeks < 1:
        raise ValueError("a forecast needs at least one week")
    if outlooks is None:
        outlooks = {
            cid: case_outlook(book, case, today, behaviours[cid] if behaviours is not None else None)
            for cid, case in book.cases.items()
        }
    book_delay = weighted_median(pair for found in outlooks.values() for pair in found.paid)
    book_delay = 0 if book_delay is None else book_delay
    monday = today - timedelta(days=today.weekday())
    last = monday + timedelta(days=7 * weeks - 1)
    in_weeks: list[list[Expected]] = [[] for _ in range(weeks)]
    later: list[Expected] = []
    overdue: list[Expected] = []
    disputed: list[Expected] = []
    at_risk: list[RiskCase] = []

    for case_id in sorted(book.cases):
        found = outlooks[case_id]
        if found.at_risk is not None:
            at_risk.append(found.at_risk)
            continue
        disputed += found.disputed
        expected = list(found.committed)
        own = found.own_delay
        delay = own if own is not None else book_delay
        source = "this debtor's usual delay" if own is not None else "the book's usual delay"
        for number, due, rest in found.rest:
            estimate = due + timedelta(days=delay)
            basis = f"due {due.isoformat()} {delay:+d} days ({source})"
            item = Expected(found.case_id, found.name, estimate, rest, "estimate", basis, number)
            if estimate >= today:
                expected.append(item)
            elif due >= today:
                expected.append(Expected(found.case_id, found.name, due, rest, "estimate",
                                         f"due {due.isoformat()} (usually paid early)", number))
            else:
                overdue.append(item)
        for item in expected:
            if item.date > last:
                later.append(item)
            else:
                in_weeks[(item.date - monday).days // 7].append(item)

    def ordered(items: list[Expected]) -> tuple[Expected, ...]:
        return tuple(sorted(items, key=lambda i: (i.date, i.case_id, i.invoice, i.kind)))

    return Forecast(
        as_of=today,
        currency=book.settings.currency,
        weeks=tuple(Week(monday + timedelta(days=7 * k), ordered(items))
                    for k, items in enumerate(in_weeks)),
        later=ordered(later),
        overdue=ordered(overdue),
        disputed=ordered(disputed),
        at_risk=tuple(at_risk),
        book_delay=book_delay,
    )


def _risk(actions: Sequence[Action]) -> Action | None:
    """The last stage of the current round when it is a formal notice or a handover."""
    last = None
    for action in actions:
        if action.kind == ActionKind.THANKS:
            last = None
        elif action.kind in (ActionKind.STAGE, ActionKind.HANDOVER):
            last = action
    if last is None:
        return None
    if (
        last.kind == ActionKind.HANDOVER
        or last.stage == AT_RISK_STAGE
        or last.channel in AT_RISK_CHANNELS
    ):
        return last
    return None


def _commitments(
    case: Case,
    notes: Sequence[Note],
    actions: Sequence[Action],
    today: date,
    pauses: Pauses,
    balance: Decimal,
) -> list[tuple[date, Decimal, str, str]]:
    """(date, amount, kind, basis) of the running promise or plan, oldest first."""
    payments = [p for p in case.payments if p.date <= today]
    running: list[tuple[Note, list[tuple[date, Decimal, str, str]]]] = []
    promise = next((n for n in reversed(notes) if n.promise is not None), None)
    if promise is not None and promise.promise is not None:
        if promise_deadline(promise, pauses.promise_grace_days) >= today:
            if promise.promise.amount is None:
                wanted = balance  # the whole balance: what is open now
            else:
                paid = sum((p.amount for p in payments if p.date >= promise.date), ZERO)
                wanted = promise.promise.amount - paid
            if wanted > 0:
                running.append((promise, [(
                    max(promise.promise.date, today), wanted, "promise",
                    f"promised on {promise.date.isoformat()} "
                    f"for {promise.promise.date.isoformat()}",
                )]))
    plan = next((n for n in reversed(notes) if n.plan is not None and n.plan.installments), None)
    if plan is not None:
        check = check_plan(plan, payments, actions, as_of=today, grace_days=pauses.plan_grace_days)
        if check.outcome == "pending" and check.remaining:
            running.append((plan, [
                (max(due, today), amount, "installment",
                 f"plan of {plan.date.isoformat()}: installment due {due.isoformat()}")
                for due, amount in check.remaining
            ]))
    if not running:
        return []
    _, items = max(running, key=lambda r: (r[0].date, r[0].id))
    return items
