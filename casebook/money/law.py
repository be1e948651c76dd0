"""What the Belgian and Dutch rules share: the inputs, the outputs and the reminder timeline.

`casebook.money.claim` builds a `Context` and hands it to `law_be.apply` or `law_nl.apply`, which
return an `Outcome`. The options marked [?] in DOMAIN.md are fields of `LawOptions`, with the
cautious reading as default (a later date, a lower amount).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Sequence

from casebook.money.balance import InvoiceBalance
from casebook.money.interest import InterestPeriod
from casebook.book.model import Action, ActionKind, Book, Case, Channel, Charge, ContractTerms, Kind
from casebook.book.rates import RatePeriod, RateTable, RateTables, split
from casebook.book.wording import Phrase, Text, english, phrase
from casebook.money.workdays import add_working_days

ZERO = Decimal("0")

WRITTEN = frozenset({Channel.EMAIL.value, Channel.LETTER.value, Channel.REGISTERED.value})
"""Channels of a durable, written reminder (a phone call or SMS is not a first reminder)."""
PAPER = frozenset({Channel.LETTER.value, Channel.REGISTERED.value})


@dataclass(frozen=True, slots=True)
class LawOptions:
    """Readings of rules that DOMAIN.md marks unconfirmed [?]; defaults err for the debtor."""

    be_waiting_days: int = 14
    """Book XIX: days the consumer has after the first reminder before anything is charged."""
    be_paper_start_working_day: int = 3
    """Book XIX: a paper reminder's period starts on this working day after sending."""
    be_email_start_days: int = 1
    """Book XIX: an electronic reminder's period starts this many days after sending."""
    nl_notice_days: int = 14
    """BW 6:96 lid 6: days the 14-dagenbrief gives, from the day after receipt."""
    nl_receipt_paper_working_days: int = 2
    """A paper letter is taken as received this many working days after sending."""
    nl_receipt_email_days: int = 1
    """An email is taken as received this many days after sending."""


@dataclass(frozen=True, slots=True)
class CostLine:
    """One cost in a claim, with what it is based on (letters print it).

    `label` and `basis` are the English wording (`casebook claim`, JSON, the site);
    `label_text` and `basis_text` the same as phrases, which letters say in the debtor's
    language (`casebook.book.wording`). Build one with `cost_line`."""

    code: str
    """`compensation`, `damages`, `collection-costs` or `reminder-fee`."""
    label: str
    amount: Decimal
    basis: str
    label_text: Text = ()
    basis_text: Text = ()


def cost_line(code: str, label: Text, amount: Decimal, basis: Text) -> CostLine:
    return CostLine(code, english(label), amount, english(basis), label, basis)


@dataclass(frozen=True, slots=True)
class Context:
    book: Book
    case: Case
    as_of: date
    balances: tuple[InvoiceBalance, ...]
    """The invoices the claim covers: open > 0 on `as_of`, oldest due first."""
    tables: RateTables
    options: LawOptions
    charges: frozenset[Charge] | None
    fee: Decimal
    channel: str | None
    actions: tuple[Action, ...]
    """The case's stage actions up to `as_of`, by date."""

    @property
    def kind(self) -> Kind:
        return self.case.kind

    @property
    def contract(self) -> ContractTerms:
        return self.book.settings_of(self.case).contract

    def wants(self, charge: Charge) -> bool:
        return self.charges is None or charge in self.charges

    def late(self) -> tuple[InvoiceBalance, ...]:
        return tuple(b for b in self.balances if b.invoice.due < self.as_of)


@dataclass(slots=True)
class InvoiceOutcome:
    periods: tuple[InterestPeriod, ...] = ()
    compensation: Decimal = ZERO
    charge_from: date | None = None
    """First day interest or costs may run (None: not yet known, e.g. no reminder yet)."""


@dataclass(slots=True)
class Outcome:
    invoices: dict[str, InvoiceOutcome] = field(default_factory=dict)
    cost_lines: list[CostLine] = field(default_factory=list)
    pending: list[CostLine] = field(default_factory=list)
    """Costs not yet due that a reminder must announce (Book XIX, 14-dagenbrief)."""
    warnings: list[Text] = field(default_factory=list)
    """As phrases: `Claim.warnings` is their English wording, letters say them."""

    def warn(self, message: Text | Phrase) -> None:
        text = (message,) if isinstance(message, Phrase) else message
        if text not in self.warnings:
            self.warnings.append(text)


def rate_periods(
    table: RateTable, start: date, end: date, outcome: Outcome
) -> tuple[RatePeriod, ...]:
    periods, warnings = split(table, start, end)
    for warning in warnings:
        outcome.warn(warning)
    return periods


def flat_compensation(ctx: Context, outcome: Outcome, *, label: str, basis: str,
                      each: Decimal) -> Decimal:
    """The fixed compensation per late invoice (BE law of 2 August 2002 art. 6, NL BW 6:96
    lid 4) as one cost line, worded by the phrases `label` and `basis`; returns its total,
    which further costs count towards (`costs_beyond_flat`)."""
    late = ctx.late()
    flat = sum((outcome.invoices[b.number].compensation for b in late), ZERO)
    if flat:
        count = sum(1 for b in late if outcome.invoices[b.number].compensation)
        outcome.cost_lines.append(cost_line(
            "compensation", (phrase(label),), flat, (phrase(basis, count=count, each=each),),
        ))
    return flat


def costs_beyond_flat(outcome: Outcome, *, code: str, label: str, amount: Decimal,
                      basis: Text, flat: Decimal, less: str) -> None:
    """A cost line for what `amount` (a damages clause, the WIK scale) asks beyond the flat
    compensation already claimed: no double compensation. `less` words the deduction."""
    if amount > flat:
        if flat:
            basis += (phrase(less, amount=flat),)
        outcome.cost_lines.append(cost_line(code, (phrase(label),), amount - flat, basis))


def written_reminders(actions: Sequence[Action]) -> tuple[Action, ...]:
    """Stage actions on a written channel, by date."""
    return tuple(
        a for a in actions if a.kind == ActionKind.STAGE and str(a.channel) in WRITTEN
    )


def covers(action: Action, balance: InvoiceBalance) -> bool:
    """Whether a reminder is about this invoice (an action naming no invoice covers all)."""
    return not action.invoices or balance.invoice.number in action.invoices


def first_reminder(actions: Sequence[Action], balance: InvoiceBalance) -> Action | None:
    """The first written reminder about this invoice sent after its due date."""
    return next(
        (
            a for a in written_reminders(actions)
            if a.date > balance.invoice.due and covers(a, balance)
        ),
        None,
    )


def be_waiting_end(sent: date, channel: str, options: LawOptions) -> date:
    """Book XIX: the last day of the waiting period of a reminder sent on `sent`.

    The period starts on the 3rd working day after a paper reminder is sent, or the day
    after an electronic one; that start day is day 1 of the 14.
    """
    if str(channel) in PAPER:
        start = add_working_days(sent, options.be_paper_start_working_day, "BE")
    else:
        start = sent + timedelta(options.be_email_start_days)
    return start + timedelta(options.be_waiting_days - 1)


def be_consumer_charge_from(reminder: Action, options: LawOptions) -> date:
    """Book XIX: the first day anything may be charged after the (free) first reminder:
    the day after its waiting period."""
    return be_waiting_end(reminder.date, reminder.channel, options) + timedelta(1)


def nl_notice_end_on(sent: date, channel: str, options: LawOptions) -> date:
    """BW 6:96 lid 6: the last day of the 14 days that start the day after receipt of a
    reminder sent on `sent`."""
    if str(channel) in PAPER:
        received = add_working_days(sent, options.nl_receipt_paper_working_days, "NL")
    else:
        received = sent + timedelta(options.nl_receipt_email_days)
    return received + timedelta(options.nl_notice_days)


def nl_notice_end(reminder: Action, options: LawOptions) -> date:
    """`nl_notice_end_on` for a recorded reminder."""
    return nl_notice_end_on(reminder.date, reminder.channel, options)


def consumer_period_end(sent: date, channel: str, jurisdiction: str,
                        options: LawOptions | None = None) -> date:
    """The last day of the period a written demand to a consumer must leave free of costs:
    the Book XIX waiting period (BE) or the 14 days of the 14-dagenbrief (NL). The engine
    records it as the deadline's floor, letters print it, and the money engine counts from
    it: one computation for all three."""
    options = options or LawOptions()
    if jurisdiction == "NL":
        return nl_notice_end_on(sent, channel, options)
    return be_waiting_end(sent, channel, options)


def stage_fee(ctx: Context, action: Action) -> Decimal:
    """The fee the policy's stage of a past action asked (0 when unknown)."""
    policy = ctx.book.policy_for(ctx.case)
    stage = policy.stage(action.stage) if policy else None
    return stage.fee if stage else ZERO


def is_consumer(ctx: Context) -> bool:
    return ctx.kind == Kind.CONSUMER
