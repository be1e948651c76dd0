"""Payment behaviour and segment suggestions, checked against hand computations.

Books are built in Python (model values); every expected figure is worked out in the
comments next to it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from casebook.insight.behaviour import behaviour, behaviour_of
from casebook.insight.suggest import Rules, Suggestion, suggest, suggestion_for, suggestions
from casebook.book.model import (
    Action,
    ActionKind,
    Book,
    Case,
    Creditor,
    Installment,
    Invoice,
    Note,
    Pauses,
    Payment,
    Plan,
    Promise,
    Settings,
)

D = Decimal
AS_OF = date(2026, 11, 24)


def inv(case: str, number: str, due: date, amount: str, issued: date | None = None) -> Invoice:
    return Invoice(number=number, issued=issued or due - timedelta(days=30), due=due,
                   amount=D(amount), case_id=case)


def pay(case: str, on: date, amount: str, invoice: str | None = None, pid: str = "") -> Payment:
    return Payment(date=on, amount=D(amount), case_id=case, invoice=invoice,
                   id=pid or f"{on}-{invoice or 'any'}")


def act(case: str, on: date, stage: str, *numbers: str, kind: ActionKind = ActionKind.STAGE,
        channel: str = "email") -> Action:
    return Action(id=f"{on}-{stage or kind}", date=on, kind=kind, case_id=case, stage=stage,
                  channel=channel, invoices=tuple(numbers))


def book_of(*cases: Case, insight: dict | None = None) -> Book:
    return Book(
        settings=Settings(creditor=Creditor("Studio Noord BV"), insight=insight or {}),
        policies={},
        cases={c.id: c for c in sorted(cases, key=lambda c: c.id)},
    )


# -- three debtors --------------------------------------------------------------------------


def late30() -> Case:
    """Always pays exactly 30 days late, after a reminder and a call; thanked each time."""
    dues = [(date(2026, 1, 31), "1000.00"), (date(2026, 5, 1), "500.00"),
            (date(2026, 7, 31), "2500.00"), (date(2026, 10, 1), "1210.00")]
    invoices, payments, actions = [], [], []
    for n, (due, amount) in enumerate(dues, start=1):
        number = f"L-{n}"
        invoices.append(inv("late30", number, due, amount))
        paid = due + timedelta(days=30)
        payments.append(pay("late30", paid, amount, number))
        actions += [
            act("late30", due - timedelta(days=5), "pre-due", number),
            act("late30", due + timedelta(days=7), "reminder", number),
            act("late30", due + timedelta(days=14), "call", number, channel="phone"),
            act("late30", paid + timedelta(days=1), "", kind=ActionKind.THANKS),
        ]
    return Case(id="late30", name="Always Late BV", segment="standard",
                invoices=tuple(invoices), payments=tuple(payments), actions=tuple(actions))


def ontime() -> Case:
    """Pays on or before the due date; one invoice is not due yet."""
    rows = [("O-1", date(2026, 2, 10), "100.00", -2), ("O-2", date(2026, 4, 10), "200.00", 0),
            ("O-3", date(2026, 6, 10), "300.00", -1), ("O-4", date(2026, 8, 10), "400.00", 0),
            ("O-5", date(2026, 10, 10), "1000.00", -5)]
    invoices = [inv("ontime", n, due, a) for n, due, a, _ in rows]
    payments = [pay("ontime", due + timedelta(days=d), a, n) for n, due, a, d in rows]
    invoices.append(inv("ontime", "O-6", date(2026, 12, 10), "700.00"))
    actions = [act("ontime", due - timedelta(days=5), "pre-due", n) for n, due, _, _ in rows]
    return Case(id="ontime", name="On Time NV", segment="standard",
                invoices=tuple(invoices), payments=tuple(payments), actions=tuple(actions))


def broken_plan(*, breach: date | None = date(2026, 9, 6)) -> Case:
    """3000.00 due 30 June; a plan of three 1000.00 installments; only the first is paid."""
    plan = Plan((Installment(date(2026, 7, 31), D("1000.00")),
                 Installment(date(2026, 8, 31), D("1000.00")),
                 Installment(date(2026, 9, 30), D("1000.00"))), signed=True)
    actions = [act("plan", date(2026, 7, 7), "reminder", "P-1"),
               act("plan", date(2026, 7, 18), "call", "P-1", channel="phone")]
    if breach is not None:
        actions.append(act("plan", breach, "", "P-1", kind=ActionKind.PLAN_BREACH))
    return Case(
        id="plan", name="Broken Plan VOF", segment="standard",
        invoices=(inv("plan", "P-1", date(2026, 6, 30), "3000.00"),),
        payments=(pay("plan", date(2026, 7, 30), "1000.00", "P-1"),),
        notes=(Note(date=date(2026, 7, 20), case_id="plan", plan=plan, id="2026-07-20-plan"),),
        actions=tuple(actions),
    )


def test_always_30_days_late():
    b = behaviour(late30(), AS_OF)
    assert (b.invoices, b.assessed, b.paid, b.on_time, b.late) == (4, 4, 4, 0, 4)
    assert b.on_time_share == 0
    assert b.average_days_late == 30
    assert b.median_days_late == 30
    assert b.usual_delay == 30
    # reminder (+7) and call (+14) for each invoice; the pre-due note and the thanks are no reminders
    assert [r.reminders for r in b.records] == [2, 2, 2, 2]
    assert (b.reminders_median, b.reminders_average) == (2, 2)
    # quarters ending 2026-11-24: each holds one invoice, 30 days late
    assert [(q.start, q.end, q.invoices, q.average_days_late) for q in b.trend] == [
        (date(2025, 11, 25), date(2026, 2, 24), 1, 30),
        (date(2026, 2, 25), date(2026, 5, 24), 1, 30),
        (date(2026, 5, 25), date(2026, 8, 24), 1, 30),
        (date(2026, 8, 25), date(2026, 11, 24), 1, 30),
    ]
    assert b.trend_direction == "steady"
    assert (b.promises, b.broken_promises, b.plans, b.broken_plans) == (0, 0, 0, 0)
    s = suggest(b)
    assert s == Suggestion(
        "chronic-late",
        "4 of 4 invoices paid late or still overdue (100%), typically 30 days late "
        "(weighted median; rule: 50% and 15 days)",
    )


def test_pays_on_time():
    b = behaviour(ontime(), AS_OF)
    # O-6 is open and not due yet: counted as an invoice, not assessed
    assert (b.invoices, b.assessed, b.paid, b.on_time) == (6, 5, 5, 5)
    assert b.on_time_share == 100
    assert b.average_days_late == 0 and b.median_days_late == 0
    # delays by weight: -5 (1000), -2 (100), -1 (300), 0 (200), 0 (400); half of 2000 is
    # reached by the first one already: the lower weighted median is -5
    assert b.usual_delay == -5
    assert b.reminders_median == 0 and b.reminders_average == 0
    assert b.trend_direction == "steady"
    assert suggest(b) == Suggestion("reliable", "5 of 5 invoices paid on time (100%; rule: 90%)")


def test_broken_plan():
    b = behaviour(broken_plan(), AS_OF)
    # P-1 is open: delay 2026-06-30 -> 2026-11-24 = 147 days
    assert (b.invoices, b.assessed, b.paid, b.on_time) == (1, 1, 0, 0)
    assert b.average_days_late == 147 and b.median_days_late == 147
    assert b.usual_delay is None and b.reminders_median is None
    assert b.records[0].reminders == 2  # reminder and call; the breach is no stage
    assert (b.plans, b.broken_plans) == (1, 1)
    plan = b.commitments[0]
    assert (plan.kind, plan.made, plan.due, plan.amount, plan.outcome, plan.broken_on) == (
        "plan", date(2026, 7, 20), date(2026, 9, 30), D("3000.00"), "broken", date(2026, 9, 6))
    assert suggest(b) == Suggestion("hardship", "broke the payment plan of 2026-07-20 on 2026-09-06")


def test_a_broken_plan_is_derived_without_the_breach_action():
    # second installment 1000.00 due 31 August + 5 days grace: by 5 September only 1000.00
    # of the 2000.00 due was paid, so the plan broke on 6 September
    b = behaviour(broken_plan(breach=None), AS_OF)
    assert [(c.outcome, c.broken_on) for c in b.commitments] == [("broken", date(2026, 9, 6))]
    # a breach recorded late (cron down) does not move the day it broke
    late = behaviour(broken_plan(breach=date(2026, 9, 9)), AS_OF)
    assert late.commitments[0].broken_on == date(2026, 9, 6)
    # the same plan seen on 5 September is still pending (grace not over)
    early = behaviour(broken_plan(breach=None), date(2026, 9, 5))
    assert early.commitments[0].outcome == "pending"


def test_plan_kept_and_plan_replaced():
    case = broken_plan(breach=None)
    paid = replace(case, payments=case.payments + (
        pay("plan", date(2026, 9, 4), "1000.00", "P-1", "p2"),
        pay("plan", date(2026, 10, 1), "1000.00", "P-1", "p3")))
    assert behaviour(paid, AS_OF).commitments[0].outcome == "kept"
    newer = Plan((Installment(date(2026, 10, 31), D("2000.00")),))
    replaced = replace(case, notes=case.notes + (
        Note(date=date(2026, 9, 1), case_id="plan", plan=newer, id="2026-09-01-plan"),))
    outcomes = [(c.made, c.outcome) for c in behaviour(replaced, AS_OF).commitments]
    # the first plan was replaced before its second installment ran out of grace; the new
    # one asked 2000.00 by 31 October (+5): nothing was paid since 1 September, so broken
    assert outcomes == [(date(2026, 7, 20), "replaced"), (date(2026, 9, 1), "broken")]


def test_weighted_average_and_median():
    c = "mixed"
    case = Case(
        id=c, name="Mixed", invoices=(
            inv(c, "M-1", date(2026, 3, 1), "900.00"),
            inv(c, "M-2", date(2026, 4, 1), "100.00"),
            inv(c, "M-3", date(2026, 11, 4), "250.00"),   # open, 20 days overdue
            inv(c, "M-4", date(2026, 5, 1), "300.00"),
            inv(c, "M-5", date(2026, 12, 24), "500.00"),  # not due yet
        ),
        payments=(
            pay(c, date(2026, 3, 11), "900.00", "M-1"),   # 10 days late
            pay(c, date(2026, 5, 21), "100.00", "M-2"),   # 50 days late
            pay(c, date(2026, 4, 28), "300.00", "M-4"),   # 3 days early
        ),
    )
    b = behaviour(case, AS_OF)
    assert (b.invoices, b.assessed, b.paid, b.on_time) == (5, 4, 3, 1)
    assert b.on_time_share == 25 and b.late_share == 75
    # (900*10 + 100*50 + 250*20 + 300*0) / (900+100+250+300) = 19000 / 1550
    assert b.average_days_late == D(19000) / D(1550)
    assert b.to_json()["average_days_late"] == "12.3"
    # days late by weight: 0 (300), 10 (900), 20 (250), 50 (100): half of 1550 reached at 10
    assert b.median_days_late == 10
    # paid delays: -3 (300), 10 (900), 50 (100): half of 1300 reached at 10
    assert b.usual_delay == 10
    # 75% late but only 10 days (rule: 15): not chronic-late; 25% on time: not reliable
    assert suggest(b) is None


def test_trend_worsening():
    c = "worse"
    dues = [(date(2026, 1, 15), 2), (date(2026, 4, 15), 10), (date(2026, 7, 15), 20),
            (date(2026, 10, 15), 40)]
    case = Case(
        id=c, name="Worse",
        invoices=tuple(inv(c, f"W-{i}", due, "100.00") for i, (due, _) in enumerate(dues)),
        payments=tuple(pay(c, due + timedelta(days=d), "100.00", f"W-{i}")
                       for i, (due, d) in enumerate(dues)),
    )
    b = behaviour(case, AS_OF)
    assert [q.average_days_late for q in b.trend] == [2, 10, 20, 40]
    assert b.trend_direction == "worsening"  # 40 - 2 > 7
    fewer = behaviour(replace(case, invoices=case.invoices[:1], payments=case.payments[:1]), AS_OF)
    assert fewer.trend_direction == "unknown"


def promise_case(*promises: tuple[date, date, str | None], payments=()) -> Case:
    c = "promiser"
    return Case(
        id=c, name="Promiser",
        invoices=(inv(c, "R-1", date(2026, 9, 1), "500.00"), inv(c, "R-2", date(2026, 10, 1), "400.00")),
        payments=tuple(payments),
        notes=tuple(
            Note(date=made, case_id=c, promise=Promise(when, D(a) if a else None), id=f"{made}-p")
            for made, when, a in promises
        ),
    )


def test_promises_kept_broken_pending():
    case = promise_case(
        (date(2026, 10, 1), date(2026, 10, 10), "500.00"),   # paid 12 Oct: within 3 days grace
        (date(2026, 10, 20), date(2026, 10, 25), "400.00"),  # nothing paid by 28 Oct: broken
        (date(2026, 11, 20), date(2026, 11, 23), None),      # grace until 26 Nov: pending
        payments=[pay("promiser", date(2026, 10, 12), "500.00")],
    )
    b = behaviour(case, AS_OF)
    assert [(c.outcome, c.broken_on) for c in b.commitments] == [
        ("kept", None), ("broken", date(2026, 10, 29)), ("pending", None)]
    assert (b.promises, b.broken_promises) == (3, 1)
    assert suggest(b) is None  # one broken promise: below hardship_broken (2); 2 invoices < 3
    # a longer grace from the policy keeps the second promise pending on 30 October
    later = behaviour(case, date(2026, 10, 30), pauses=Pauses(promise_grace_days=10))
    assert later.commitments[1].outcome == "pending"


def test_two_broken_promises_suggest_hardship():
    case = promise_case(
        (date(2026, 10, 1), date(2026, 10, 10), "500.00"),
        (date(2026, 10, 20), date(2026, 10, 25), None),
    )
    b = behaviour(case, AS_OF)
    assert b.broken_promises == 2
    assert suggest(b) == Suggestion("hardship", "broke 2 promises to pay (the last one for 2026-10-25)")
    assert suggest(b, Rules(hardship_broken=3)) is None


def test_promise_without_amount_is_kept_when_everything_then_open_is_paid():
    case = promise_case(
        (date(2026, 11, 1), date(2026, 11, 5), None),
        payments=[pay("promiser", date(2026, 11, 6), "900.00")],  # within grace (8 Nov)
    )
    assert behaviour(case, AS_OF).commitments[0].outcome == "kept"
    short = promise_case(
        (date(2026, 11, 1), date(2026, 11, 5), None),
        payments=[pay("promiser", date(2026, 11, 6), "899.99")],
    )
    assert behaviour(short, AS_OF).commitments[0].outcome == "broken"


def test_only_what_is_dated_by_as_of_counts():
    b = behaviour(late30(), date(2026, 10, 15))
    # L-4 (due 1 Oct, paid 31 Oct) is open and 14 days late on 15 October
    assert b.records[-1].paid_on is None and b.records[-1].delay == 14
    assert b.paid == 3 and b.assessed == 4
    # L-4 invoice issued 1 Sept is there, nothing issued later exists
    assert behaviour(late30(), date(2026, 1, 1)).invoices == 1


def test_rules_from_settings_override_and_defend():
    rules = Rules.from_settings({"chronic_late_days": 40, "reliable_share": D("80"),
                                 "min_invoices": "junk", "hardship_broken": -1})
    assert rules == Rules(chronic_late_days=40, reliable_share=D(80))
    assert suggest(behaviour(late30(), AS_OF), rules) is None  # 30 days < 40


def test_suggestion_for_only_when_it_differs():
    """The lead's `status --json` adds `suggested_segment`/`suggestion_reason` from this."""
    book = book_of(late30(), ontime(), broken_plan())
    got = {cid: suggestion_for(book, book.cases[cid], AS_OF) for cid in book.cases}
    assert got["late30"] == Suggestion(
        "chronic-late",
        "4 of 4 invoices paid late or still overdue (100%), typically 30 days late "
        "(weighted median; rule: 50% and 15 days)",
        current="standard",
    )
    assert got["ontime"].segment == "reliable"
    assert got["plan"].to_json() == {
        "suggested_segment": "hardship",
        "suggestion_reason": "broke the payment plan of 2026-07-20 on 2026-09-06",
    }
    same = book_of(replace(late30(), segment="chronic-late"))
    assert suggestion_for(same, same.cases["late30"], AS_OF) is None
    assert set(suggestions(book, AS_OF)) == {"late30", "ontime", "plan"}
    # thresholds come from casebook.yaml `insight:`
    strict = book_of(late30(), insight={"chronic_late_days": 31})
    assert suggestion_for(strict, strict.cases["late30"], AS_OF) is None


def test_policy_grace_is_used(tmp_path):
    from casebook.book.model import Policy

    case = promise_case((date(2026, 10, 20), date(2026, 10, 25), "400.00"))
    lenient = Policy("lenient", (), pauses=Pauses(promise_grace_days=30))
    book = Book(settings=Settings(creditor=Creditor("X"), default_policy="lenient"),
                policies={"lenient": lenient}, cases={case.id: case})
    assert behaviour_of(book, case, AS_OF).commitments[0].outcome == "pending"


@pytest.mark.parametrize("as_of", [date(2026, 3, 31), date(2026, 11, 24), date(2027, 2, 28)])
def test_json_is_plain(as_of):
    data = behaviour(late30(), as_of).to_json()
    import json

    assert json.loads(json.dumps(data)) == data
