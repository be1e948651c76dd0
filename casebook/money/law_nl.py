"""The Netherlands: wettelijke (handels)rente and buitengerechtelijke incassokosten (WIK).

Business debtor (commercial agreement):
- interest from the day after the due date at the commercial rate (BW 6:119a, `nl-commercial`),
  compounded yearly; a contract rate (`contract.interest_rate`) replaces it as simple interest;
- at least EUR 40 per late invoice (BW 6:96 lid 4), due the day after the due date without a
  reminder, and the WIK scale on the late principal where it is higher.

Consumer debtor:
- interest from the day after the due date at the statutory rate (BW 6:119, `nl-statutory`),
  compounded yearly; a contract rate is not used (general terms may not exceed it safely);
- collection costs by the WIK scale (min 40, max 6 775) only on invoices for which a
  "14-dagenbrief" was sent: a written reminder after the due date whose 14 days, counted from
  the day after receipt, have passed (`law.nl_notice_end`). The letter must state the costs:
  casebook's letters print `Claim.pending`. A recorded deadline shorter than the 14 days makes
  the reminder not count.

Reminder fees are never added: the WIK costs cover all extrajudicial collection work.
"""

from __future__ import annotations

from datetime import timedelta

from casebook.money.costs import NL_B2B_MINIMUM, wik
from casebook.money.interest import accrue, fixed
from casebook.money.law import (
    ZERO,
    Context,
    InvoiceOutcome,
    Outcome,
    cost_line,
    costs_beyond_flat,
    covers,
    flat_compensation,
    is_consumer,
    nl_notice_end,
    rate_periods,
    stage_fee,
    written_reminders,
)
from casebook.book.model import Charge
from casebook.book.wording import phrase


def apply(ctx: Context) -> Outcome:
    outcome = Outcome()
    consumer = is_consumer(ctx)
    for balance in ctx.balances:
        start = balance.invoice.due + timedelta(1)
        result = InvoiceOutcome(charge_from=start)
        if start <= ctx.as_of and ctx.wants(Charge.INTEREST):
            contract = None if consumer else ctx.contract.interest_rate
            if contract is not None:
                periods = accrue(
                    balance=balance, start=start, end=ctx.as_of,
                    rates=fixed(contract, start, ctx.as_of),
                )
            else:
                table = ctx.tables["nl-statutory" if consumer else "nl-commercial"]
                periods = accrue(
                    balance=balance, start=start, end=ctx.as_of,
                    rates=rate_periods(table, start, ctx.as_of, outcome), compound_yearly=True,
                )
            result.periods = periods
        if not consumer and start <= ctx.as_of and ctx.wants(Charge.COMPENSATION):
            result.compensation = NL_B2B_MINIMUM
        if consumer:
            result.charge_from = None
        outcome.invoices[balance.number] = result

    if consumer:
        _consumer_costs(ctx, outcome)
    else:
        _business_costs(ctx, outcome)
    if ctx.fee > 0 or (
        ctx.wants(Charge.FEE)
        and any(stage_fee(ctx, a) > 0 for a in written_reminders(ctx.actions))
    ):
        outcome.warn(phrase("nl-no-fees"))
    return outcome


def _business_costs(ctx: Context, outcome: Outcome) -> None:
    late = ctx.late()
    flat = flat_compensation(ctx, outcome, label="label-nl-compensation", basis="nl-flat",
                             each=NL_B2B_MINIMUM)
    if not ctx.wants(Charge.COSTS) or not late:
        return
    amount, basis = wik(sum((b.open for b in late), ZERO))
    costs_beyond_flat(outcome, code="collection-costs", label="label-wik", amount=amount,
                      basis=basis, flat=flat, less="less-minimum")


def _consumer_costs(ctx: Context, outcome: Outcome) -> None:
    if not ctx.wants(Charge.COSTS):
        return
    late = ctx.late()
    eligible = []
    for balance in late:
        for reminder in written_reminders(ctx.actions):
            if reminder.date <= balance.invoice.due or not covers(reminder, balance):
                continue
            end = nl_notice_end(reminder, ctx.options)
            if reminder.deadline is not None and reminder.deadline < end:
                outcome.warn(phrase(
                    "not-14-dagenbrief", sent=reminder.date, deadline=reminder.deadline))
                continue
            charge_from = end + timedelta(1)
            previous = outcome.invoices[balance.number].charge_from
            if previous is None or charge_from < previous:
                outcome.invoices[balance.number].charge_from = charge_from
        charge_from = outcome.invoices[balance.number].charge_from
        if charge_from is not None and charge_from <= ctx.as_of:
            eligible.append(balance)
    if eligible:
        amount, basis = wik(sum((b.open for b in eligible), ZERO))
        outcome.cost_lines.append(cost_line(
            "collection-costs", (phrase("label-wik"),), amount,
            basis + (phrase("after-14-dagenbrief"),),
        ))
    if late and len(eligible) < len(late):
        amount, basis = wik(sum((b.open for b in late), ZERO))
        outcome.pending.append(cost_line(
            "collection-costs", (phrase("label-wik-pending"),), amount, basis,
        ))
