"""Belgium: late-payment law of 2 August 2002 (business) and CEL Book XIX (consumer).

Business debtor:
- interest from the day after the due date at the half-yearly statutory rate (`be-commercial`),
  or the contract rate (`contract.interest_rate`) when the book sets one; simple interest;
- EUR 40 per late invoice (art. 6, CJEU C-370/21);
- a contractual damages clause (`contract.damages_percent`, `damages_minimum`) on the late
  principal, counting the EUR 40s already claimed towards it (no double compensation);
- reminder fees as the policy's stages ask them.

Consumer debtor (Book XIX, in force 1 Sept 2023):
- nothing before the waiting period after the first written reminder about an invoice has
  passed (see `law.be_consumer_charge_from`); the first reminder itself is free;
- interest from then on at the contract rate (else the legal rate, `be-legal`), never above
  the B2B rate of the same day;
- damages: the Book XIX scale on the balance of the invoices past their waiting period (the
  contract clause if it is lower);
- later reminders: the stage's fee, at most EUR 7.50, plus postage for a paper letter.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from casebook.money.costs import BE_CONSUMER_FEE_CAP, BE_FLAT_COMPENSATION, book_xix_damages, damages_clause
from casebook.money.interest import accrue, fixed, lowest
from casebook.money.law import (
    PAPER,
    ZERO,
    Context,
    InvoiceOutcome,
    Outcome,
    be_consumer_charge_from,
    cost_line,
    costs_beyond_flat,
    covers,
    first_reminder,
    flat_compensation,
    is_consumer,
    rate_periods,
    stage_fee,
    written_reminders,
)
from casebook.book.model import Charge
from casebook.book.rates import RatePeriod
from casebook.book.wording import Text, phrase


def apply(ctx: Context) -> Outcome:
    outcome = Outcome()
    consumer = is_consumer(ctx)
    for balance in ctx.balances:
        due = balance.invoice.due
        result = InvoiceOutcome()
        if consumer:
            reminder = first_reminder(ctx.actions, balance)
            result.charge_from = (
                be_consumer_charge_from(reminder, ctx.options) if reminder else None
            )
        else:
            result.charge_from = due + timedelta(1)
        start = result.charge_from
        if start is not None and start <= ctx.as_of and ctx.wants(Charge.INTEREST):
            result.periods = accrue(
                balance=balance, start=start, end=ctx.as_of, rates=_rates(ctx, start, outcome)
            )
        if not consumer and due < ctx.as_of and ctx.wants(Charge.COMPENSATION):
            result.compensation = BE_FLAT_COMPENSATION
        outcome.invoices[balance.number] = result

    if consumer:
        _consumer_damages(ctx, outcome)
    else:
        _business_costs(ctx, outcome)
    _fees(ctx, outcome)
    return outcome


def _rates(ctx: Context, start: date, outcome: Outcome) -> tuple[RatePeriod, ...]:
    b2b = rate_periods(ctx.tables["be-commercial"], start, ctx.as_of, outcome)
    contract = ctx.contract.interest_rate
    if not is_consumer(ctx):
        return fixed(contract, start, ctx.as_of) if contract is not None else b2b
    agreed = (
        fixed(contract, start, ctx.as_of)
        if contract is not None
        else rate_periods(ctx.tables["be-legal"], start, ctx.as_of, outcome)
    )
    if contract is not None and any(contract > p.rate for p in b2b):
        outcome.warn(phrase("contract-rate-capped", rate=contract))
    return lowest(agreed, b2b)


def _business_costs(ctx: Context, outcome: Outcome) -> None:
    late = ctx.late()
    flat = flat_compensation(ctx, outcome, label="label-be-compensation", basis="be-flat",
                             each=BE_FLAT_COMPENSATION)
    if not ctx.wants(Charge.COSTS) or not late:
        return
    principal = sum((b.open for b in late), ZERO)
    clause = damages_clause(
        principal, percent=ctx.contract.damages_percent, minimum=ctx.contract.damages_minimum
    )
    if clause is None:
        return
    amount, basis = clause
    costs_beyond_flat(outcome, code="damages", label="label-damages-clause", amount=amount,
                      basis=basis, flat=flat, less="less-flat")


def _consumer_damages(ctx: Context, outcome: Outcome) -> None:
    if not ctx.wants(Charge.COSTS):
        return
    late = ctx.late()
    due_now = [
        b for b in late
        if (c := outcome.invoices[b.number].charge_from) is not None and c <= ctx.as_of
    ]
    if due_now:
        amount, basis = _capped_damages(ctx, sum((b.open for b in due_now), ZERO))
        if amount > 0:
            outcome.cost_lines.append(cost_line(
                "damages", (phrase("label-xix-damages"),), amount, basis,
            ))
    if late and len(due_now) < len(late):
        amount, basis = _capped_damages(ctx, sum((b.open for b in late), ZERO))
        already = sum((line.amount for line in outcome.cost_lines if line.code == "damages"), ZERO)
        if amount > already:
            outcome.pending.append(cost_line(
                "damages", (phrase("label-xix-pending"),), amount, basis,
            ))


def _capped_damages(ctx: Context, balance: Decimal) -> tuple[Decimal, Text]:
    amount, basis = book_xix_damages(balance)
    clause = damages_clause(
        balance, percent=ctx.contract.damages_percent, minimum=ctx.contract.damages_minimum
    )
    if clause is not None and clause[0] < amount:
        return clause[0], (
            phrase("clause-prefix"), *clause[1], phrase("below-xix", maximum=amount))
    return amount, (phrase("xix-maximum", balance=balance), *basis)


def _fees(ctx: Context, outcome: Outcome) -> None:
    """Reminder fees of earlier stages (as their policy stage asks) and of the letter now."""
    consumer = is_consumer(ctx)
    asked: list[tuple[date, str, str, Decimal, list]] = []
    if ctx.wants(Charge.FEE):
        for action in written_reminders(ctx.actions):
            fee = stage_fee(ctx, action)
            covered = [b for b in ctx.balances if covers(action, b)]
            if fee > 0 and covered:
                asked.append((action.date, action.stage, str(action.channel), fee, covered))
    if ctx.fee > 0:
        asked.append((ctx.as_of, "", ctx.channel or "", ctx.fee, list(ctx.balances)))
    for day, stage, channel, fee, covered in asked:
        # "" is the letter being written now.
        label = (phrase("label-fee", stage=stage, day=day) if stage
                 else phrase("label-fee-now", day=day),)
        if not consumer:
            outcome.cost_lines.append(
                cost_line("reminder-fee", label, fee, (phrase("fee-as-asked"),)))
            continue
        # Book XIX: only a reminder sent after the waiting period of an invoice it is about.
        allowed = any(
            (c := outcome.invoices[b.number].charge_from) is not None and c <= day
            for b in covered
        )
        if not allowed:
            outcome.warn(phrase("fee-not-charged", stage=stage, day=day) if stage
                         else phrase("fee-not-charged-now", day=day))
            continue
        amount = min(fee, BE_CONSUMER_FEE_CAP)
        basis: Text = (phrase("fee", amount=amount),)
        if fee > BE_CONSUMER_FEE_CAP:
            basis += (phrase("fee-capped", asked=fee, cap=BE_CONSUMER_FEE_CAP),)
        postage = ctx.book.settings.postage
        if channel in PAPER and postage > 0:
            amount += postage
            basis += (phrase("postage", amount=postage),)
        outcome.cost_lines.append(cost_line("reminder-fee", label, amount, basis))
