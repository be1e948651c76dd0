"""The engine's rules one by one, on books built in Python (no disk, no git)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

from casebook.engine import due as engine
from casebook.engine.due import Status
from casebook.book.model import (
    Action,
    ActionKind,
    Book,
    Case,
    Channel,
    Creditor,
    Dispute,
    Installment,
    Invoice,
    Kind,
    Note,
    Payment,
    Plan,
    Policy,
    Promise,
    Settings,
    Stage,
)
from casebook.engine.policy import consumer_deadline

POLICY = Policy(
    name="test",
    stages=(
        Stage("pre-due", Channel.EMAIL, after_due=-5, template="pre-due"),
        Stage("reminder", Channel.EMAIL, after_due=7, template="reminder", deadline_days=10),
        Stage("call", Channel.PHONE, after_previous=3, template="call"),
        Stage("second-reminder", Channel.LETTER, after_previous=7, deadline_days=10),
        Stage("formal-notice", Channel.REGISTERED, after_previous=11, min_balance=D("50")),
        Stage("agency", Channel.AGENCY, after_previous=14),
    ),
)
DUE = date(2026, 3, 1)
INVOICE = Invoice("A-1", date(2026, 2, 1), DUE, D("1000.00"), "acme")


def book_with(case: Case, policy: Policy = POLICY) -> Book:
    return Book(Settings(Creditor("Us"), default_policy=policy.name), {policy.name: policy}, {case.id: case})


def acme(**changes) -> Case:
    return replace(Case("acme", "Acme", email="info@acme.example", invoices=(INVOICE,)), **changes)


def act(day: date, stage: str, *, kind: ActionKind = ActionKind.STAGE, channel: str = "email",
        deadline: date | None = None, invoices: tuple[str, ...] = ("A-1",)) -> Action:
    return Action(f"{day}-{stage}", day, kind, "acme", stage=stage, channel=channel,
                  deadline=deadline, invoices=invoices)


def take_all(case: Case, start: date, end: date, policy: Policy = POLICY) -> list[tuple[date, str]]:
    """Run the engine every day, recording each due action (what advance would do)."""
    taken = []
    day = start
    while day <= end:
        book = book_with(case, policy)
        for due in engine.due_actions(book, day):
            case = replace(case, actions=(*case.actions, engine.as_action(due)))
            taken.append((due.date, due.label))
        day += timedelta(days=1)
    return taken


def test_stage_timing_deadlines_and_phone_calls():
    taken = take_all(acme(), date(2026, 2, 1), date(2026, 6, 1))
    assert taken == [
        (date(2026, 2, 24), "pre-due"),
        (date(2026, 3, 9), "reminder"),         # due + 7 is Sunday 03-08: Monday; deadline 03-19
        (date(2026, 3, 12), "call"),            # reminder + 3: a call may fall within a deadline
        (date(2026, 3, 20), "second-reminder"),  # call + 7 = 03-19 is within the deadline: 03-20
        (date(2026, 3, 31), "formal-notice"),   # + 11
        (date(2026, 4, 14), "agency"),          # + 14
    ]


def test_nothing_is_done_on_weekends_or_public_holidays():
    # The reminder of 03-09 (Monday) is followed by a call 3 days later: Thursday 03-12. With
    # the reminder on Wednesday 03-11 the call falls on Saturday 03-14: Monday 03-16.
    case = acme(actions=(act(date(2026, 3, 11), "reminder", deadline=date(2026, 3, 21)),))
    assert engine.due_actions(book_with(case), date(2026, 3, 14)) == []
    assert engine.due_actions(book_with(case), date(2026, 3, 15)) == []
    state = engine.case_state(book_with(case), case, date(2026, 3, 13))
    assert state.next_action == engine.NextAction(date(2026, 3, 16), "call")
    assert [d.label for d in engine.due_actions(book_with(case), date(2026, 3, 16))] == ["call"]
    # Easter Monday 2026-04-06 is a public holiday in both countries: Tuesday 04-07.
    case = acme(actions=(act(date(2026, 4, 3), "reminder", deadline=date(2026, 4, 13)),))
    assert engine.case_state(book_with(case), case, date(2026, 4, 3)).next_action == (
        engine.NextAction(date(2026, 4, 7), "call"))
    # King's Day (27 April) only in the Netherlands; 1 May only in Belgium.
    case = acme(actions=(act(date(2026, 4, 24), "reminder", deadline=date(2026, 5, 4)),))
    assert engine.case_state(book_with(case), case, date(2026, 4, 24)).next_action.date == date(2026, 4, 27)
    nl = replace(book_with(case), settings=Settings(Creditor("Us"), default_policy="test",
                                                    jurisdiction="NL"))
    assert engine.case_state(nl, case, date(2026, 4, 24)).next_action.date == date(2026, 4, 28)
    # A stage overdue since Friday is not taken when a run happens on Saturday.
    late = acme(actions=(act(date(2026, 3, 9), "reminder", deadline=date(2026, 3, 19)),))
    assert engine.due_actions(book_with(late), date(2026, 3, 21)) == []
    assert engine.case_state(book_with(late), late, date(2026, 3, 21)).next_action == (
        engine.NextAction(date(2026, 3, 23), "call"))
    # A thank-you for a payment recorded on Sunday goes out on Monday.
    paid = acme(actions=(act(date(2026, 3, 9), "reminder"),),
                payments=(Payment(date(2026, 3, 15), D("1000"), "acme", id="p"),))
    assert engine.due_actions(book_with(paid), date(2026, 3, 15)) == []
    assert [d.kind for d in engine.due_actions(book_with(paid), date(2026, 3, 16))] == [ActionKind.THANKS]


def test_schedule_is_the_same_timeline_without_recording():
    timeline = engine.schedule(book_with(acme()), acme(), date(2026, 2, 1), date(2026, 6, 1))
    assert [(d.date, d.label) for d in timeline] == take_all(acme(), date(2026, 2, 1), date(2026, 6, 1))
    assert timeline[1].deadline == date(2026, 3, 19)
    assert timeline[-1].kind == ActionKind.HANDOVER


def test_after_a_gap_only_the_next_stage_and_later_ones_timed_from_it():
    case = acme(actions=(act(date(2026, 2, 24), "pre-due"),))
    # Nothing ran from 02-25 to 05-04: only the reminder, not the whole backlog.
    book = book_with(case)
    due = engine.due_actions(book, date(2026, 5, 4))
    assert [d.label for d in due] == ["reminder"]
    case = replace(case, actions=(*case.actions, engine.as_action(due[0])))
    assert engine.due_actions(book_with(case), date(2026, 5, 4)) == []  # one per case per day
    state = engine.case_state(book_with(case), case, date(2026, 5, 5))
    assert state.next_action == engine.NextAction(date(2026, 5, 7), "call")


def test_a_pre_due_note_lapses_once_the_invoice_is_due():
    # Cron did not run before the due date: no "your invoice falls due soon" afterwards.
    assert engine.due_actions(book_with(acme()), date(2026, 3, 2)) == []
    assert engine.case_state(book_with(acme()), acme(), date(2026, 3, 2)).next_action == (
        engine.NextAction(date(2026, 3, 9), "reminder"))
    assert [d.label for d in engine.due_actions(book_with(acme()), date(2026, 3, 9))] == ["reminder"]


def test_same_day_twice_gives_nothing_the_second_time():
    case = acme(actions=(act(date(2026, 2, 24), "pre-due"),))
    assert engine.due_actions(book_with(case), date(2026, 2, 24)) == []


def test_one_statement_covers_every_open_invoice_and_a_dispute_excludes_one():
    second = Invoice("A-2", date(2026, 2, 10), date(2026, 3, 12), D("200.00"), "acme")
    case = acme(invoices=(INVOICE, second))
    due = engine.due_actions(book_with(case), date(2026, 3, 9))[0]
    assert due.invoices == ("A-1", "A-2") and due.balance == D("1200.00")

    disputed = replace(case, notes=(Note(date(2026, 3, 2), "acme", dispute=Dispute("A-1")),))
    due = engine.due_actions(book_with(disputed), date(2026, 3, 9))
    # A-1 is out of the letter; A-2 becomes the oldest: its pre-due note (Saturday 03-07, so
    # Monday), then its reminder.
    assert [(d.label, d.invoices) for d in due] == [("pre-due", ("A-2",))]
    state = engine.case_state(book_with(disputed), disputed, date(2026, 3, 9))
    assert state.disputed == ("A-1",) and state.balance == D("200.00")
    due = engine.due_actions(book_with(disputed), date(2026, 3, 19))[0]
    assert due.label == "reminder" and due.invoices == ("A-2",)


def test_a_dispute_on_the_only_invoice_pauses_until_resolved():
    notes = (Note(date(2026, 3, 2), "acme", dispute=Dispute("A-1", "not delivered")),)
    case = acme(notes=notes)
    state = engine.case_state(book_with(case), case, date(2026, 3, 20))
    assert state.status == Status.PAUSED and state.paused_by == ("dispute on A-1",)
    assert state.due is None
    resolved = acme(notes=(*notes, Note(date(2026, 4, 1), "acme", resolved="A-1")))
    assert [d.label for d in engine.due_actions(book_with(resolved), date(2026, 4, 1))] == ["reminder"]


def test_promise_pauses_until_its_date_plus_grace():
    case = acme(notes=(Note(date(2026, 3, 5), "acme", promise=Promise(date(2026, 3, 20))),))
    for day in (date(2026, 3, 8), date(2026, 3, 23)):  # grace 3 days
        assert engine.case_state(book_with(case), case, day).status == Status.PAUSED
    assert [d.label for d in engine.due_actions(book_with(case), date(2026, 3, 24))] == ["reminder"]


def test_plan_honoured_pauses_and_one_late_installment_breaks_it_once():
    plan = Plan((Installment(date(2026, 3, 15), D("500")), Installment(date(2026, 4, 15), D("500"))))
    notes = (Note(date(2026, 3, 10), "acme", plan=plan),)
    paid_first = (Payment(date(2026, 3, 15), D("500"), "acme", id="p1"),)
    case = acme(notes=notes, payments=paid_first, actions=(act(date(2026, 3, 8), "reminder",
                                                                deadline=date(2026, 3, 18)),))
    state = engine.case_state(book_with(case), case, date(2026, 4, 20))  # grace 5: still ok
    assert state.status == Status.PAUSED and state.paused_by[0].startswith("payment plan")
    due = engine.due_actions(book_with(case), date(2026, 4, 21))
    assert [(d.kind, d.deadline) for d in due] == [(ActionKind.PLAN_BREACH, date(2026, 5, 1))]
    assert due[0].missed == Installment(date(2026, 4, 15), D("500"))  # the letter names it
    case = replace(case, actions=(*case.actions, engine.as_action(due[0])))
    # Recorded once; escalation resumes (a call may come at once, letters after the deadline).
    assert [d.label for d in engine.due_actions(book_with(case), date(2026, 4, 22))] == ["call"]


def test_plan_paid_in_full_thanks_the_customer():
    plan = Plan((Installment(date(2026, 3, 15), D("500")), Installment(date(2026, 4, 15), D("500"))))
    case = acme(
        notes=(Note(date(2026, 3, 10), "acme", plan=plan),),
        payments=(Payment(date(2026, 3, 15), D("500"), "acme", id="p1"),
                  Payment(date(2026, 4, 14), D("500"), "acme", id="p2")),
        actions=(act(date(2026, 3, 8), "reminder", deadline=date(2026, 3, 18)),),
    )
    assert [d.kind for d in engine.due_actions(book_with(case), date(2026, 4, 14))] == [ActionKind.THANKS]


def test_phone_tasks_stay_open_until_a_note_completes_them():
    actions = (act(date(2026, 3, 8), "reminder", deadline=date(2026, 3, 18)),
               act(date(2026, 3, 11), "call", channel="phone"))
    case = acme(actions=actions)
    state = engine.case_state(book_with(case), case, date(2026, 3, 19))
    assert state.tasks == (engine.PhoneTask("call", date(2026, 3, 11), True),)
    assert state.due is not None and state.due.label == "second-reminder"  # not held back
    done = acme(actions=actions, notes=(Note(date(2026, 3, 12), "acme", completes="call"),))
    assert engine.case_state(book_with(done), done, date(2026, 3, 19)).tasks == ()


def test_min_balance_makes_a_stage_wait():
    actions = (act(date(2026, 3, 8), "reminder", deadline=date(2026, 3, 18)),
               act(date(2026, 3, 11), "call", channel="phone"),
               act(date(2026, 3, 19), "second-reminder", channel="letter", deadline=date(2026, 3, 29)))
    case = acme(actions=actions, payments=(Payment(date(2026, 3, 20), D("960"), "acme", id="p"),))
    state = engine.case_state(book_with(case), case, date(2026, 4, 15))
    assert state.due is None and state.balance == D("40.00")
    assert "below the minimum" in state.waiting and state.next_action.stage == "formal-notice"


def test_partial_payment_moves_the_balance_not_the_stage():
    case = acme(payments=(Payment(date(2026, 3, 5), D("400"), "acme", id="p"),),
                actions=(act(date(2026, 2, 24), "pre-due"),))
    due = engine.due_actions(book_with(case), date(2026, 3, 9))[0]
    assert (due.label, due.balance) == ("reminder", D("600.00"))


def test_thanks_once_after_a_reminder_then_closed_until_a_new_invoice():
    actions = (act(date(2026, 2, 24), "pre-due"), act(date(2026, 3, 8), "reminder"))
    paid = (Payment(date(2026, 3, 10), D("1000"), "acme", id="p"),)
    case = acme(actions=actions, payments=paid)
    due = engine.due_actions(book_with(case), date(2026, 3, 10))
    assert [(d.kind, d.channel, d.invoices) for d in due] == [(ActionKind.THANKS, Channel.EMAIL, ("A-1",))]
    case = replace(case, actions=(*actions, engine.as_action(due[0])))
    assert take_all(case, date(2026, 3, 11), date(2026, 12, 31)) == []
    assert engine.case_state(book_with(case), case, date(2026, 4, 1)).status == Status.CLOSED

    new = Invoice("A-2", date(2026, 6, 1), date(2026, 7, 1), D("90"), "acme")
    reopened = replace(case, invoices=(INVOICE, new))
    assert take_all(reopened, date(2026, 6, 1), date(2026, 7, 10))[:2] == [
        (date(2026, 6, 26), "pre-due"), (date(2026, 7, 8), "reminder")]


def test_no_thanks_after_only_a_pre_due_note_nor_after_the_agency():
    paid = (Payment(date(2026, 2, 28), D("1000"), "acme", id="p"),)
    case = acme(actions=(act(date(2026, 2, 24), "pre-due"),), payments=paid)
    assert engine.due_actions(book_with(case), date(2026, 3, 1)) == []
    handed = acme(actions=(act(date(2026, 4, 1), "agency", kind=ActionKind.HANDOVER, channel="agency"),),
                  payments=(Payment(date(2026, 5, 1), D("1000"), "acme", id="p"),))
    assert engine.case_state(book_with(handed), handed, date(2026, 4, 2)).status == Status.AGENCY
    assert engine.due_actions(book_with(handed), date(2026, 5, 2)) == []


def test_thanks_goes_by_letter_to_a_debtor_without_email():
    case = replace(acme(actions=(act(date(2026, 3, 8), "reminder"),),
                        payments=(Payment(date(2026, 3, 10), D("1000"), "acme", id="p"),)), email="")
    assert engine.due_actions(book_with(case), date(2026, 3, 10))[0].channel == Channel.LETTER


def test_an_email_stage_goes_by_letter_to_a_debtor_without_email():
    due = engine.due_actions(book_with(acme(email="")), date(2026, 3, 9))[0]
    assert (due.label, due.channel, due.stage.channel) == ("reminder", Channel.LETTER, Channel.EMAIL)
    assert "no email address, sent by letter" in due.reason
    assert engine.as_action(due).channel == "letter"


def test_consumer_first_written_reminder_grants_the_legal_wait():
    consumer = acme(kind=Kind.CONSUMER)
    due = engine.due_actions(book_with(consumer), date(2026, 3, 9))[0]  # email on Monday
    assert due.deadline == date(2026, 3, 23)  # 14 days from the day after, not the policy's 10
    assert engine.due_actions(book_with(acme()), date(2026, 3, 9))[0].deadline == date(2026, 3, 19)


def test_consumer_paper_wait_starts_on_the_third_working_day():
    # Friday 6 March: Mon 9, Tue 10, Wed 11 -> day 1 of 14 is Wednesday 11 March.
    assert consumer_deadline(date(2026, 3, 6), Channel.LETTER) == date(2026, 3, 24)
    assert consumer_deadline(date(2026, 3, 6), Channel.EMAIL) == date(2026, 3, 20)
    # Monday 9 Nov 2026: Tue 10, (Wed 11 is Armistice Day), Thu 12, Fri 13 -> 26 Nov.
    assert consumer_deadline(date(2026, 11, 9), "registered") == date(2026, 11, 26)
    # 14-dagenbrief: received the day after an email, two Dutch working days after a letter;
    # the 14 days run from the day after receipt.
    assert consumer_deadline(date(2026, 3, 6), Channel.EMAIL, "NL") == date(2026, 3, 21)
    assert consumer_deadline(date(2026, 3, 6), Channel.LETTER, "NL") == date(2026, 3, 24)


def _nl(case: Case, policy: Policy = POLICY) -> Book:
    return replace(book_with(case, policy), settings=Settings(
        Creditor("Us"), default_policy=policy.name, jurisdiction="NL"))


def test_every_written_demand_to_a_dutch_consumer_is_a_valid_14_dagenbrief():
    from casebook.money.claim import claim_for
    from casebook.book.model import Charge

    consumer = acme(kind=Kind.CONSUMER)
    taken = []
    for day in (date(2026, 3, d) for d in range(1, 32)):
        for due in engine.due_actions(_nl(consumer), day):
            consumer = replace(consumer, actions=(*consumer.actions, engine.as_action(due)))
            taken.append(due)
    reminder, call, second = taken[:3]
    assert (reminder.label, reminder.deadline) == ("reminder", date(2026, 3, 24))  # 03-09 + 1 + 14
    assert call.label == "call" and call.deadline is None
    # The second reminder (a letter) waits for that deadline and grants its own 14 days from
    # receipt: 03-25 + 2 working days = 03-27, + 14 = 04-10 (the policy says 10 days).
    assert (second.label, second.date, second.deadline) == (
        "second-reminder", date(2026, 3, 25), date(2026, 4, 10))
    # The money engine counts each as a 14-dagenbrief: costs from the day after the deadline.
    before = claim_for(_nl(consumer), consumer, reminder.deadline, charges=frozenset({Charge.COSTS}))
    after = claim_for(_nl(consumer), consumer, reminder.deadline + timedelta(days=1),
                      charges=frozenset({Charge.COSTS}))
    assert before.costs == 0 and after.costs == D("150.00")  # WIK: 15 % of 1 000.00
    assert not [w for w in after.warnings if "14-dagenbrief" in w]


def test_a_belgian_consumer_letter_states_the_recorded_deadline(tmp_path):
    from casebook.letters.letter import render_letter

    consumer = acme(kind=Kind.CONSUMER, email="")
    book = book_with(consumer)
    due = engine.due_actions(book, date(2026, 3, 9))[0]  # a letter on Monday 9 March
    # Tue 10, Wed 11, Thu 12 -> day 1 is 12 March, day 14 is 25 March (policy: 10 days).
    assert (due.channel, due.deadline) == (Channel.LETTER, date(2026, 3, 25))
    letter = render_letter(book, consumer, due, book_root=tmp_path)
    assert letter.context["deadline"] == due.deadline


def test_which_actions_get_the_consumers_legal_period():
    from casebook.engine.policy import granted_deadline

    sent, ten = date(2026, 3, 9), date(2026, 3, 19)
    pre_due, reminder = POLICY.stages[0], POLICY.stages[1]

    def granted(kind, stage, channel, consumer=True):
        return granted_deadline(deadline=ten, sent=sent, channel=channel, kind=kind, stage=stage,
                                consumer=consumer, jurisdiction="BE")

    assert granted(ActionKind.STAGE, reminder, "email") == date(2026, 3, 23)
    assert granted(ActionKind.PLAN_BREACH, None, "letter") == date(2026, 3, 25)
    assert granted(ActionKind.STAGE, reminder, "email", consumer=False) == ten
    assert granted(ActionKind.STAGE, pre_due, "email") == ten  # a courtesy note, not a demand
    assert granted(ActionKind.STAGE, POLICY.stages[2], "phone") == ten
    assert granted(ActionKind.THANKS, None, "email") == ten
    assert granted_deadline(deadline=date(2026, 4, 30), sent=sent, channel="email", kind="stage",
                            stage=reminder, consumer=True, jurisdiction="NL") == date(2026, 4, 30)


def test_case_states():
    book = book_with(acme())
    assert engine.case_state(book, acme(), date(2026, 2, 10)).status == Status.NOT_DUE
    assert engine.case_state(book, acme(), date(2026, 2, 10)).next_action == engine.NextAction(
        date(2026, 2, 24), "pre-due")
    assert engine.case_state(book, acme(), date(2026, 3, 2)).status == Status.OPEN
    assert engine.case_state(book, acme(invoices=()), date(2026, 3, 2)).status == Status.CLOSED


def test_future_payments_and_notes_do_not_count_yet():
    case = acme(payments=(Payment(date(2026, 3, 20), D("1000"), "acme", id="p"),),
                notes=(Note(date(2026, 3, 20), "acme", promise=Promise(date(2026, 4, 1))),))
    assert [d.label for d in engine.due_actions(book_with(case), date(2026, 3, 9))] == ["reminder"]


def test_stems():
    due = engine.due_actions(book_with(acme()), date(2026, 3, 9))[0]
    assert due.stem == "2026-03-09-reminder"
    thanks = replace(due, kind=ActionKind.THANKS, stage=None)
    assert thanks.stem == "2026-03-09-thanks"
