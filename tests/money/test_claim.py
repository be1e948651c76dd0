"""Claims (casebook.money.claim): every rule of DOMAIN.md on small cases, and the JSON contract."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings, strategies as st

from casebook.money.claim import claim_for
from casebook.money.costs import book_xix_damages, wik
from casebook.book.model import (
    Action, ActionKind, Book, Case, Channel, Charge, ContractTerms, Creditor, Invoice, Kind,
    Payment, Policy, Settings, Stage,
)

D = Decimal
POLICY = Policy(
    name="standard",
    stages=(
        Stage(id="reminder", channel=Channel.EMAIL, after_due=7),
        Stage(id="call", channel=Channel.PHONE, after_previous=7),
        Stage(id="second", channel=Channel.LETTER, after_previous=7, fee=D("10.00")),
        Stage(id="notice", channel=Channel.REGISTERED, after_previous=7, fee=D("5.00")),
    ),
)


def book(jurisdiction="BE", contract=ContractTerms(), postage=D("0")):
    settings_ = Settings(
        creditor=Creditor(name="Us"), jurisdiction=jurisdiction, contract=contract,
        postage=postage,
    )
    return Book(settings=settings_, policies={"standard": POLICY}, cases={})


def inv(number, due, amount, issued=None):
    return Invoice(number, issued or due - timedelta(30), due, D(amount), "c")


def pay(day, amount, invoice=None, pid=None):
    return Payment(day, D(amount), "c", invoice=invoice, id=pid or f"p-{day}-{amount}")


def act(day, stage, channel, deadline=None, invoices=()):
    return Action(f"{day}-{stage}", day, ActionKind.STAGE, "c", stage=stage, channel=channel,
                  deadline=deadline, invoices=tuple(invoices))


def case(invoices, payments=(), actions=(), kind=Kind.BUSINESS):
    return Case("c", "Debtor", kind=kind, invoices=tuple(invoices), payments=tuple(payments),
                actions=tuple(actions))


# -- Belgium, business -------------------------------------------------------------------


def test_be_business_domain_example_and_json_contract():
    claim = claim_for(book(), case([inv("2025-1", date(2025, 6, 20), "1000")]), date(2025, 7, 20))
    data = claim.to_json()
    assert list(data)[:8] == ["case", "as_of", "currency", "invoices", "principal", "interest",
                              "costs", "total"]
    assert data["invoices"] == [{
        "number": "2025-1", "due": "2025-06-20", "amount": "1000.00", "paid": "0.00",
        "open": "1000.00", "days_late": 30, "interest": "8.90", "compensation": "40.00",
    }]
    assert (data["principal"], data["interest"], data["costs"], data["total"]) == (
        "1000.00", "8.90", "40.00", "1048.90")
    assert data["case"] == "c" and data["as_of"] == "2025-07-20" and data["currency"] == "EUR"
    assert data["warnings"] == []
    assert [(p["days"], p["rate"], p["amount"]) for p in data["periods"]] == [
        (10, "11.5", "3.15"), (20, "10.5", "5.75")]
    json.dumps(data)  # serialisable as is


def test_not_yet_due_invoices_count_in_the_principal_only():
    claim = claim_for(book(), case([inv("A", date(2025, 8, 1), "500")]), date(2025, 7, 20))
    assert (claim.principal, claim.interest, claim.costs, claim.total) == (
        D("500"), 0, 0, D("500"))
    assert claim.invoices[0].days_late == 0
    # On the due date itself nothing is late yet; the day after, it is.
    assert claim_for(book(), case([inv("A", date(2025, 8, 1), "500")]), date(2025, 8, 1)).costs == 0
    assert claim_for(book(), case([inv("A", date(2025, 8, 1), "500")]), date(2025, 8, 2)).costs == 40


def test_claim_ignores_what_happened_after_as_of():
    c = case(
        [inv("A", date(2025, 1, 31), "1000"), inv("B", date(2025, 9, 1), "50", issued=date(2025, 8, 1))],
        [pay(date(2025, 3, 1), "1000", "A")],
        [act(date(2025, 2, 10), "reminder", "email")],
    )
    claim = claim_for(book(), c, date(2025, 2, 28))
    assert [i.number for i in claim.invoices] == ["A"]
    assert claim.invoices[0].open == D("1000")


def test_paid_invoices_leave_the_claim_and_overpayment_is_credit():
    c = case([inv("A", date(2025, 1, 31), "100")], [pay(date(2025, 3, 1), "120")])
    claim = claim_for(book(), c, date(2025, 4, 1))
    assert claim.invoices == () and claim.total == 0 and claim.credit == D("20")
    assert claim.to_json()["credit"] == "20.00"


def test_partial_payment_interest_runs_on_the_rest_and_compensation_stays():
    c = case([inv("A", date(2025, 1, 31), "1000")], [pay(date(2025, 2, 10), "600", "A")])
    claim = claim_for(book(), c, date(2025, 2, 20))
    line = claim.invoices[0]
    assert (line.amount, line.paid, line.open) == (D("1000"), D("600"), D("400"))
    assert [(p.days, p.base, p.amount) for p in line.periods] == [
        (10, D("1000"), D("3.15")), (10, D("400"), D("1.26"))]
    assert line.compensation == D("40.00")


def test_be_business_contract_rate_and_damages_clause():
    terms = ContractTerms(interest_rate=D("12"), damages_percent=D("10"), damages_minimum=D("125"))
    c = case([inv("A", date(2025, 1, 31), "1000"), inv("B", date(2025, 2, 28), "3000")])
    claim = claim_for(book(contract=terms), c, date(2025, 3, 31))
    assert {p.rate for _, p in claim.periods()} == {D("12")}
    # 1000 x 12 % x 59/365 = 19.40 ; 3000 x 12 % x 31/365 = 30.58
    assert [i.interest for i in claim.invoices] == [D("19.40"), D("30.58")]
    codes = {line.code: line.amount for line in claim.cost_lines}
    # 10 % of 4000 = 400, of which the 2 x 40 flat compensation is already claimed.
    assert codes == {"compensation": D("80.00"), "damages": D("320.00")}
    assert claim.costs == D("400.00")
    small = claim_for(book(contract=terms), case([inv("A", date(2025, 1, 31), "300")]),
                      date(2025, 3, 31))
    assert {line.code: line.amount for line in small.cost_lines} == {
        "compensation": D("40.00"), "damages": D("85.00")}


def test_be_business_fees_come_from_the_stages_taken():
    c = case([inv("A", date(2025, 1, 31), "1000")], actions=[
        act(date(2025, 2, 7), "reminder", "email"),
        act(date(2025, 2, 14), "call", "phone"),
        act(date(2025, 2, 21), "second", "letter"),
    ])
    claim = claim_for(book(), c, date(2025, 3, 1), fee=D("5"), channel="registered")
    fees = [line.amount for line in claim.cost_lines if line.code == "reminder-fee"]
    assert fees == [D("10.00"), D("5")]


def test_charges_restrict_to_what_the_stage_asks():
    c = case([inv("A", date(2025, 1, 31), "1000")])
    only_interest = claim_for(book(), c, date(2025, 3, 1), charges=frozenset({Charge.INTEREST}))
    assert only_interest.interest > 0 and only_interest.costs == 0
    assert only_interest.invoices[0].compensation == 0
    nothing = claim_for(book(), c, date(2025, 3, 1), charges=frozenset())
    assert nothing.total == nothing.principal == D("1000")


def test_restrict_to_some_invoices():
    c = case([inv("A", date(2025, 1, 31), "1000"), inv("B", date(2025, 2, 28), "10")])
    claim = claim_for(book(), c, date(2025, 3, 31), invoices={"B"})
    assert [i.number for i in claim.invoices] == ["B"] and claim.principal == D("10")


def test_unknown_rate_is_used_with_a_warning():
    claim = claim_for(book(), case([inv("A", date(2026, 6, 1), "1000")]), date(2026, 8, 1))
    assert claim.interest > 0
    assert any("2026-06-30" in w for w in claim.warnings)
    assert claim.to_json()["warnings"] == list(claim.warnings)


def test_book_rate_overrides_are_used(tmp_path):
    from casebook.book.rates import load_tables

    (tmp_path / "rates").mkdir()
    (tmp_path / "rates" / "be-commercial.yaml").write_text(
        "rates:\n  - {from: 2026-07-01, rate: '36.5', source: test}\n", encoding="utf-8")
    tables, _ = load_tables(tmp_path)
    c = case([inv("A", date(2026, 6, 30), "1000")])
    claim = claim_for(book(), c, date(2026, 7, 10), rates=tables)
    assert claim.interest == D("10.00") and claim.warnings == ()


# -- Belgium, consumer (Book XIX) ----------------------------------------------------------

MON = date(2026, 3, 2)  # a Monday without holidays around it


def consumer(actions=(), invoices=None, payments=()):
    return case(invoices or [inv("A", date(2026, 2, 20), "1000")], payments, actions,
                kind=Kind.CONSUMER)


def test_be_consumer_nothing_before_a_first_reminder():
    claim = claim_for(book(), consumer(), date(2026, 6, 1))
    assert claim.interest == 0 and claim.costs == 0
    assert claim.invoices[0].charge_from is None and claim.invoices[0].compensation == 0
    assert [(p.code, p.amount) for p in claim.pending] == [("damages", D("90.00"))]


def test_be_consumer_email_reminder_waiting_period():
    c = consumer([act(MON, "reminder", "email")])
    # Day 1 is Tuesday 3 March, day 14 Monday 16 March: charges from Tuesday 17 March.
    assert claim_for(book(), c, date(2026, 3, 16)).total == D("1000")
    claim = claim_for(book(), c, date(2026, 3, 17))
    assert claim.invoices[0].charge_from == date(2026, 3, 17)
    # Legal rate 4.5 % (2026) for one day: 1000 x 4.5 % / 365 = 0.12
    assert [(p.start, p.days, p.rate, p.amount) for p in claim.invoices[0].periods] == [
        (date(2026, 3, 17), 1, D("4.50"), D("0.12"))]
    assert {line.code: line.amount for line in claim.cost_lines} == {"damages": D("90.00")}
    assert claim.pending == ()


def test_be_consumer_paper_reminder_starts_on_the_third_working_day():
    c = consumer([act(MON, "reminder", "letter")])
    # Thursday 5 March is day 1, Wednesday 18 March day 14 (DOMAIN's illustration).
    assert claim_for(book(), c, date(2026, 3, 18)).costs == 0
    assert claim_for(book(), c, date(2026, 3, 19)).invoices[0].charge_from == date(2026, 3, 19)


def test_be_consumer_first_reminder_must_be_written_and_after_the_due_date():
    early = consumer([act(date(2026, 2, 15), "reminder", "email"),
                      act(MON, "call", "phone")])
    assert claim_for(book(), early, date(2026, 5, 1)).costs == 0


def test_be_consumer_interest_capped_at_the_b2b_rate():
    terms = ContractTerms(interest_rate=D("15"))
    claim = claim_for(book(contract=terms), consumer([act(MON, "reminder", "email")]),
                      date(2026, 3, 31))
    assert {p.rate for p in claim.invoices[0].periods} == {D("10.5")}
    assert any("above the B2B rate" in w for w in claim.warnings)


def test_be_consumer_damages_clause_lower_than_the_scale_wins():
    terms = ContractTerms(damages_percent=D("5"), damages_minimum=D("25"))
    claim = claim_for(book(contract=terms), consumer([act(MON, "reminder", "email")]),
                      date(2026, 4, 1))
    assert {line.code: line.amount for line in claim.cost_lines} == {"damages": D("50.00")}


def test_be_consumer_later_reminders_cost_at_most_7_50_plus_postage():
    c = consumer([
        act(MON, "reminder", "email"),
        act(date(2026, 3, 9), "second", "letter"),    # inside the waiting period: free
        act(date(2026, 3, 23), "second", "letter"),   # after it: 10 asked, 7.50 + postage
        act(date(2026, 3, 30), "notice", "registered"),  # 5 asked + postage
    ])
    claim = claim_for(book(postage=D("1.95")), c, date(2026, 4, 1))
    fees = [line.amount for line in claim.cost_lines if line.code == "reminder-fee"]
    assert fees == [D("9.45"), D("6.95")]
    assert any("2026-03-09" in w and "free" in w for w in claim.warnings)
    now = claim_for(book(postage=D("1.95")), c, date(2026, 4, 1), fee=D("20"), channel="email")
    assert [line.amount for line in now.cost_lines if line.code == "reminder-fee"][-1] == D("7.50")


def test_be_consumer_policy_cannot_force_charges():
    c = consumer([act(MON, "reminder", "email")])
    asked = frozenset({Charge.INTEREST, Charge.COMPENSATION, Charge.COSTS, Charge.FEE})
    claim = claim_for(book(), c, date(2026, 3, 10), charges=asked, fee=D("25"))
    assert claim.total == D("1000")


# -- the Netherlands -----------------------------------------------------------------------


def test_nl_business_domain_compounding_and_wik():
    c = case([inv("A", date(2024, 6, 30), "10000")])
    claim = claim_for(book("NL"), c, date(2025, 12, 31))
    assert claim.interest == D("1742.01")
    assert claim.invoices[0].periods[-1].base == D("11170.45")
    # WIK on 10 000 = 875, the first 40 as the per-invoice minimum.
    assert claim.invoices[0].compensation == D("40.00")
    assert {line.code: line.amount for line in claim.cost_lines} == {
        "compensation": D("40.00"), "collection-costs": D("835.00")}
    assert claim.costs == D("875.00")


def test_nl_business_minimum_40_per_invoice_beats_a_small_wik():
    c = case([inv("A", date(2025, 1, 31), "100"), inv("B", date(2025, 1, 31), "100")])
    claim = claim_for(book("NL"), c, date(2025, 2, 1))
    assert claim.costs == D("80.00")  # WIK(200) = 40 < 2 x 40


def test_nl_business_fees_are_refused():
    c = case([inv("A", date(2025, 1, 31), "1000")], actions=[act(date(2025, 2, 21), "second", "letter")])
    claim = claim_for(book("NL"), c, date(2025, 3, 1), fee=D("5"))
    assert not any(line.code == "reminder-fee" for line in claim.cost_lines)
    assert any("not charged in the Netherlands" in w for w in claim.warnings)


def test_nl_consumer_statutory_interest_and_14_dagenbrief():
    base = consumer([act(MON, "reminder", "email")])
    # Statutory rate 4 % (2026) from the day after the due date.
    claim = claim_for(book("NL"), base, date(2026, 3, 17))
    assert {p.rate for p in claim.invoices[0].periods} == {D("4")}
    assert claim.invoices[0].periods[0].start == date(2026, 2, 21)
    # Email received Tuesday 3 March; 14 days from Wednesday 4 to Tuesday 17: costs on 18.
    assert claim.costs == 0
    assert [(p.code, p.amount) for p in claim.pending] == [("collection-costs", D("150.00"))]
    after = claim_for(book("NL"), base, date(2026, 3, 18))
    assert {line.code: line.amount for line in after.cost_lines} == {"collection-costs": D("150.00")}
    assert after.invoices[0].compensation == 0 and after.pending == ()


def test_nl_consumer_paper_letter_is_received_two_working_days_later():
    c = consumer([act(MON, "reminder", "letter")])
    assert claim_for(book("NL"), c, date(2026, 3, 18)).costs == 0
    assert claim_for(book("NL"), c, date(2026, 3, 19)).costs == D("150.00")


def test_nl_consumer_short_deadline_is_not_a_14_dagenbrief():
    c = consumer([act(MON, "reminder", "email", deadline=MON + timedelta(14))])
    claim = claim_for(book("NL"), c, date(2026, 5, 1))
    assert claim.costs == 0
    assert any("not a valid 14-dagenbrief" in w for w in claim.warnings)
    ok = consumer([act(MON, "reminder", "email", deadline=date(2026, 3, 17))])
    assert claim_for(book("NL"), ok, date(2026, 5, 1)).costs == D("150.00")


def test_nl_consumer_costs_only_on_invoices_the_letter_was_about():
    c = consumer(
        [act(MON, "reminder", "email", invoices=["A"])],
        invoices=[inv("A", date(2026, 2, 20), "1000"), inv("B", date(2026, 2, 25), "2000")],
    )
    claim = claim_for(book("NL"), c, date(2026, 4, 1))
    assert {line.code: line.amount for line in claim.cost_lines} == {"collection-costs": D("150.00")}
    assert claim.pending[0].amount == D("425.00")  # WIK on both, to announce


# -- against an independent computation ----------------------------------------------------

BE_B2B = [(date(2019, 1, 1), D("8.0")), (date(2023, 1, 1), D("10.5")),
          (date(2023, 7, 1), D("12.0")), (date(2024, 1, 1), D("12.5")),
          (date(2025, 1, 1), D("11.5")), (date(2025, 7, 1), D("10.5"))]


def expected_be_business(invoices, payments, as_of):
    """Written apart from the engine: each day's rate and base, runs summed then rounded."""
    total_interest, comp, principal = D(0), D(0), D(0)
    for invoice in invoices:
        mine = [(p.date, p.amount) for p in payments if p.invoice == invoice.number]
        open_now = invoice.amount - sum(a for d, a in mine)
        if open_now <= 0:
            continue
        principal += open_now
        if invoice.due < as_of:
            comp += 40
        runs: dict[tuple, int] = {}
        order = []
        day = invoice.due + timedelta(1)
        while day <= as_of:
            rate = [r for since, r in BE_B2B if since <= day][-1]
            base = invoice.amount - sum((a for d, a in mine if d < day), D(0))
            key = (rate, base)
            if not order or order[-1] != key:
                order.append(key)
                runs[(len(order), key)] = 0
            runs[(len(order), key)] += 1
            day += timedelta(1)
        for (_, (rate, base)), days in runs.items():
            total_interest += (base * rate * days / 36500).quantize(D("0.01"), ROUND_HALF_UP)
    return principal, total_interest, comp


cents = st.integers(min_value=1000, max_value=2_000_000).map(lambda c: D(c) / 100)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    amounts=st.lists(cents, min_size=1, max_size=3),
    dues=st.lists(st.integers(0, 700), min_size=3, max_size=3),
    paid=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 600), st.integers(1, 90)),
                  max_size=3),
    horizon=st.integers(0, 400),
)
def test_be_business_claim_is_exact_to_the_cent(amounts, dues, paid, horizon):
    invoices = [inv(f"N{i}", date(2023, 3, 1) + timedelta(dues[i]), str(a))
                for i, a in enumerate(amounts)]
    as_of = max(i.due for i in invoices) + timedelta(horizon)
    payments = []
    for k, (which, offset, pct) in enumerate(paid):
        if which < len(invoices):
            target = invoices[which]
            day = min(target.due + timedelta(offset), as_of)
            payments.append(pay(day, str((target.amount * pct / 100).quantize(D("0.01"))),
                                target.number, pid=f"p{k}"))
    # Keep each invoice's payments within its amount, so named payments never spill over.
    for target in invoices:
        mine = [p for p in payments if p.invoice == target.number]
        if sum(p.amount for p in mine) > target.amount:
            payments = [p for p in payments if p.invoice != target.number]
    claim = claim_for(book(), case(invoices, payments), as_of)
    principal, interest, comp = expected_be_business(invoices, payments, as_of)
    assert (claim.principal, claim.interest, claim.costs) == (principal, interest, comp)
    assert claim.total == principal + interest + comp
    data = claim.to_json()
    assert D(data["total"]) == sum(D(data[k]) for k in ("principal", "interest", "costs"))
    assert D(data["interest"]) == sum(D(p["amount"]) for p in data["periods"])
    assert D(data["costs"]) == sum(D(c["amount"]) for c in data["cost_lines"])


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    amounts=st.lists(cents, min_size=1, max_size=3),
    reminders=st.lists(
        st.tuples(st.integers(1, 120), st.sampled_from(["email", "letter", "registered",
                                                        "phone", "sms"]),
                  st.sampled_from(["reminder", "second", "notice"])),
        max_size=4),
    horizon=st.integers(0, 200),
    contract=st.sampled_from([ContractTerms(), ContractTerms(interest_rate=D("25"),
                              damages_percent=D("50"), damages_minimum=D("500"))]),
    postage=st.sampled_from([D("0"), D("1.95")]),
    fee=st.sampled_from([D("0"), D("3"), D("40")]),
)
def test_be_consumer_claim_never_exceeds_the_caps(amounts, reminders, horizon, contract,
                                                  postage, fee):
    due = date(2025, 3, 1)
    invoices = [inv(f"N{i}", due, str(a)) for i, a in enumerate(amounts)]
    actions = [act(due + timedelta(d), s, ch) for d, ch, s in reminders]
    as_of = due + timedelta(horizon)
    b = book(contract=contract, postage=postage)
    claim = claim_for(b, case(invoices, (), actions, kind=Kind.CONSUMER), as_of, fee=fee,
                      channel="letter")
    principal = sum(i.amount for i in invoices)
    written = [a for a in actions if a.channel in {"email", "letter", "registered"}]
    assert claim.principal == principal
    assert all(i.compensation == 0 for i in claim.invoices)
    damages = sum(c.amount for c in claim.cost_lines if c.code == "damages")
    assert damages <= book_xix_damages(principal)[0]
    fees = [c.amount for c in claim.cost_lines if c.code == "reminder-fee"]
    assert all(f <= D("7.50") + postage for f in fees)
    assert len(fees) <= max(len(written) - 1, 0) + 1
    assert {c.code for c in claim.cost_lines} <= {"damages", "reminder-fee"}
    if not written or as_of < min(a.date for a in written) + timedelta(15):
        assert claim.total == principal
    # Interest never above the B2B rate from the day after the due date.
    b2b = claim_for(book(), case(invoices, ()), as_of, charges=frozenset({Charge.INTEREST}))
    assert claim.interest <= b2b.interest
    for line in claim.invoices:
        assert all(p.rate <= D("11.5") for p in line.periods)


@settings(max_examples=30, derandomize=True, deadline=None)
@given(
    amounts=st.lists(cents, min_size=1, max_size=3),
    a=st.integers(0, 500), b=st.integers(0, 500),
    jurisdiction=st.sampled_from(["BE", "NL"]),
    kind=st.sampled_from([Kind.BUSINESS, Kind.CONSUMER]),
)
def test_claims_are_monotone_in_time_and_never_negative(amounts, a, b, jurisdiction, kind):
    due = date(2024, 5, 1)
    invoices = [inv(f"N{i}", due, str(x)) for i, x in enumerate(amounts)]
    c = case(invoices, (), [act(due + timedelta(3), "reminder", "email")], kind=kind)
    early = claim_for(book(jurisdiction), c, due + timedelta(min(a, b)))
    late = claim_for(book(jurisdiction), c, due + timedelta(max(a, b)))
    assert D(0) <= early.interest <= late.interest
    assert D(0) <= early.costs <= late.costs
    assert early.total <= late.total
    if jurisdiction == "NL" and kind == Kind.CONSUMER:
        assert late.costs <= wik(late.principal)[0]
