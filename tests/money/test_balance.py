"""Allocation of payments to invoices (casebook.money.balance)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from casebook.money.balance import allocate
from casebook.book.model import Invoice, Payment

D = Decimal


def inv(number: str, due: str, amount: str, *, issued: str | None = None, credited: str = "0"):
    due_d = date.fromisoformat(due)
    return Invoice(
        number=number,
        issued=date.fromisoformat(issued) if issued else due_d - timedelta(days=30),
        due=due_d,
        amount=D(amount),
        case_id="acme",
        credited=D(credited),
    )


def pay(day: str, amount: str, invoice: str | None = None, pid: str = ""):
    return Payment(
        date=date.fromisoformat(day), amount=D(amount), case_id="acme", invoice=invoice,
        id=pid or f"{day}-{amount}",
    )


def test_unnamed_payments_go_oldest_due_first():
    a = allocate(
        [inv("B", "2026-02-01", "100"), inv("A", "2026-01-01", "100")],
        [pay("2026-03-01", "150")],
    )
    assert [b.number for b in a.invoices] == ["A", "B"]
    assert (a.of("A").open, a.of("B").open) == (D("0"), D("50"))
    assert a.of("A").paid_on == date(2026, 3, 1)
    assert a.of("B").paid_on is None
    assert a.credit == 0


def test_ties_on_due_date_break_by_issue_then_number():
    a = allocate(
        [
            inv("C", "2026-01-01", "10", issued="2025-12-01"),
            inv("B", "2026-01-01", "10", issued="2025-12-02"),
            inv("A", "2026-01-01", "10", issued="2025-12-02"),
        ],
        [pay("2026-03-01", "15")],
    )
    assert [(b.number, b.open) for b in a.invoices] == [("C", 0), ("A", 5), ("B", 10)]


def test_named_payment_goes_to_its_invoice_then_oldest_then_credit():
    a = allocate(
        [inv("A", "2026-01-01", "100"), inv("B", "2026-02-01", "100"),
         inv("C", "2026-03-01", "100")],
        [pay("2026-03-05", "350", invoice="B")],
    )
    assert [b.open for b in a.invoices] == [0, 0, 0]
    assert a.of("B").applied[0].amount == D("100")
    assert a.of("A").applied[0].amount == D("100")
    assert a.credit == D("50")
    assert a.credit_parts[0].date == date(2026, 3, 5)


def test_payments_apply_in_date_order_whatever_the_input_order():
    invoices = [inv("A", "2026-01-01", "100"), inv("B", "2026-02-01", "100")]
    late, early = pay("2026-04-01", "60", pid="p2"), pay("2026-03-01", "60", pid="p1")
    a = allocate(invoices, [late, early])
    assert [x.date for x in a.of("A").applied] == [date(2026, 3, 1), date(2026, 4, 1)]
    assert [x.amount for x in a.of("A").applied] == [D("60"), D("40")]
    assert a.of("A").paid_on == date(2026, 4, 1)
    assert a.of("B").open == D("80")
    assert a.of("A").open_on(date(2026, 3, 15)) == D("40")
    assert a.of("A").open_on(date(2026, 4, 1)) == D("0")


def test_named_payment_on_a_paid_invoice_flows_to_the_others():
    a = allocate(
        [inv("A", "2026-01-01", "100"), inv("B", "2026-02-01", "100")],
        [pay("2026-03-01", "100", invoice="A"), pay("2026-03-02", "30", invoice="A")],
    )
    assert a.of("B").open == D("70")


def test_unknown_invoice_is_reported_and_allocated_oldest_first():
    a = allocate([inv("A", "2026-01-01", "100")], [pay("2026-03-01", "30", invoice="ZZ")])
    assert a.of("A").open == D("70")
    assert [p.invoice for p in a.unknown_invoice] == ["ZZ"]


def test_credit_notes_reduce_the_invoice_and_excess_becomes_credit():
    a = allocate(
        [inv("A", "2026-01-01", "100", credited="40"), inv("B", "2026-01-02", "50", credited="70")],
        [pay("2026-03-01", "60", invoice="A")],
    )
    assert a.of("A").owed == D("60") and a.of("A").open == 0
    assert a.of("B").owed == 0 and a.of("B").paid_on == a.of("B").invoice.issued
    assert a.credit == D("20")


def test_overpayment_with_no_invoices_is_all_credit():
    a = allocate([], [pay("2026-03-01", "12.34")])
    assert a.credit == D("12.34") and a.invoices == ()


cents = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)
days = st.integers(min_value=0, max_value=400).map(lambda n: date(2025, 1, 1) + timedelta(n))


@st.composite
def books(draw):
    n = draw(st.integers(min_value=0, max_value=6))
    invoices = [
        Invoice(
            number=f"N{i}", issued=(d := draw(days)), due=d + timedelta(draw(st.integers(0, 60))),
            amount=draw(cents), case_id="x",
            credited=draw(st.one_of(st.just(D(0)), cents)),
        )
        for i in range(n)
    ]
    numbers = [i.number for i in invoices] + [None, None, "UNKNOWN"]
    payments = [
        Payment(date=draw(days), amount=draw(cents), case_id="x",
                invoice=draw(st.sampled_from(numbers)), id=f"p{j}")
        for j in range(draw(st.integers(min_value=0, max_value=8)))
    ]
    return invoices, payments


@settings(max_examples=150, derandomize=True, deadline=None)
@given(books())
def test_money_is_conserved_and_never_negative(book):
    invoices, payments = book
    a = allocate(invoices, payments)
    invoiced = sum((i.amount - i.credited for i in invoices), D(0))
    paid = sum((p.amount for p in payments), D(0))
    assert a.open - a.credit == invoiced - paid
    assert a.credit >= 0
    for b in a.invoices:
        assert 0 <= b.open <= b.owed
        assert b.paid == sum((x.amount for x in b.applied), D(0))
        assert b.open + b.paid == b.owed
        assert (b.paid_on is None) == (b.open > 0)
        assert all(x.amount > 0 for x in b.applied)
        assert [x.date for x in b.applied] == sorted(x.date for x in b.applied)
    # Credit only exists when nothing is left open.
    assert a.credit == 0 or a.open == 0 or any(i.credited > i.amount for i in invoices)
    # The input order does not matter.
    assert allocate(list(reversed(invoices)), list(reversed(payments))) == a
