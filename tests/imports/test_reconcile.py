"""The matching rules, on Book values built in Python (pure: no files, no git)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from casebook.imports.reconcile import Method, Status, reconcile
from casebook.imports.records import Statement, StatementEntry, Transaction
from casebook.book.model import Book, Case, Creditor, Invoice, Payment, Settings

D = Decimal
DAY = date(2026, 11, 20)


def invoice(number: str, amount: str, case: str, reference: str = "", due: int = 1) -> Invoice:
    return Invoice(number, date(2026, 9, 1), date(2026, 10, due), D(amount), case,
                   reference=reference)


def make_book(*cases: Case) -> Book:
    return Book(settings=Settings(creditor=Creditor(name="Us")), policies={},
                cases={c.id: c for c in cases})


def entry(amount: str, ref: str = "E1", **kw: object) -> StatementEntry:
    base = dict(reference=ref, booking_date=DAY, value_date=DAY, amount=D(amount),
                currency="EUR", credit=True)
    base.update(kw)
    return StatementEntry(**base)  # type: ignore[arg-type]


def run(book: Book, *entries: StatementEntry, known: tuple[str, ...] = ()):
    statement = Statement("camt053", "s.xml", "S1", "BE68539007547034", "EUR",
                          entries=entries)
    return reconcile(book, [statement], known_references=known).outcomes


ACME = Case(id="acme", name="Acme", iban=("BE71 0961 2345 6769",), invoices=(
    invoice("2026-0010", "100.00", "acme", "+++010/8068/17183+++"),
    invoice("2026-0011", "250.00", "acme", due=15),
))
BETA = Case(id="beta", name="Beta", iban=("BE19363074881212",), invoices=(
    invoice("2026-0020", "100.00", "beta", "RF18539007547034"),
))


def test_structured_reference_in_every_written_form() -> None:
    book = make_book(ACME, BETA)
    forms = [
        entry("100.00", structured_ref="010806817183"),
        entry("100.00", structured_ref="+++010/8068/17183+++"),
        entry("100.00", unstructured="betaling ***010/8068/17183*** dank u"),
        entry("100.00", unstructured="010/8068/17183"),
        entry("100.00", info="MEDEDELING 010806817183"),
    ]
    for form in forms:
        (o,) = run(book, form)
        assert (o.status, o.case_id, o.invoice, o.method) == (
            Status.MATCHED, "acme", "2026-0010", Method.REFERENCE), form


def test_rf_reference_structured_or_in_text() -> None:
    book = make_book(ACME, BETA)
    for form in (entry("100.00", structured_ref="RF18 5390 0754 7034"),
                 entry("100.00", unstructured="ref RF18 5390 0754 7034 thanks")):
        (o,) = run(book, form)
        assert (o.case_id, o.invoice, o.method) == ("beta", "2026-0020", Method.REFERENCE)


def test_generated_reference_of_an_invoice_without_one_matches() -> None:
    # 2026-0011 has no reference; its letters print the one casebook generates.
    (o,) = run(make_book(ACME), entry("250.00", unstructured="+++002/0260/01109+++"))
    assert (o.case_id, o.invoice, o.method) == ("acme", "2026-0011", Method.REFERENCE)


def test_reference_wins_over_invoice_number_and_iban() -> None:
    e = entry("250.00", structured_ref="RF18539007547034", unstructured="factuur 2026-0011",
              payer_iban="BE71096123456769")
    (o,) = run(make_book(ACME, BETA), e)
    assert (o.case_id, o.method) == ("beta", Method.REFERENCE)


def test_invoice_number_in_free_text() -> None:
    (o,) = run(make_book(ACME, BETA), entry("30.00", unstructured="Factuur nr. 2026-0011."))
    assert (o.case_id, o.invoice, o.method) == ("acme", "2026-0011", Method.INVOICE_NUMBER)
    (o,) = run(make_book(ACME), entry("30.00", unstructured="2026-0010 en 2026-0011"))
    assert (o.case_id, o.invoice) == ("acme", None)  # two invoices: oldest open first
    (o,) = run(make_book(ACME, BETA), entry("30.00", unstructured="2026-0010 2026-0020"))
    assert o.status == Status.UNMATCHED
    assert o.reason == "the text names invoices of several debtors (2026-0010, 2026-0020)"


def test_short_invoice_numbers_are_not_searched_in_text() -> None:
    case = Case(id="c", name="C", invoices=(invoice("12", "10.00", "c"),
                                            invoice("123", "10.00", "c")))
    (o,) = run(make_book(case), entry("10.00", unstructured="order 12 of 123 items"))
    assert o.status == Status.UNMATCHED


def test_iban_with_the_amount_of_an_open_invoice_or_the_balance() -> None:
    book = make_book(ACME)
    (o,) = run(book, entry("250.00", payer_iban="BE71096123456769"))
    assert (o.invoice, o.method) == ("2026-0011", Method.IBAN_AMOUNT)
    (o,) = run(book, entry("350.00", payer_iban="BE71096123456769"))
    assert (o.case_id, o.invoice, o.reason) == ("acme", None,
                                                "payer IBAN BE71096123456769 and the open balance")
    (o,) = run(book, entry("99.00", payer_iban="be71 0961 2345 6769"))
    assert (o.status, o.suggestion) == (Status.UNMATCHED, "acme")
    assert o.reason == ("payer IBAN BE71096123456769 is known for acme, but 99.00 matches no "
                        "open invoice nor the open balance")


def test_payments_of_the_same_run_count() -> None:
    """The second transfer of 100.00 pays what the first left open, not the same invoice."""
    book = make_book(Case(id="a", name="A", iban=("BE19363074881212",), invoices=(
        invoice("1001", "100.00", "a"), invoice("1002", "100.00", "a", due=20))))
    first, second, third = run(book, *(entry("100.00", f"E{i}", payer_iban="BE19363074881212")
                                       for i in range(3)))
    assert (first.invoice, second.invoice) == ("1001", "1002")
    assert third.status == Status.UNMATCHED  # nothing open any more


def test_payments_already_in_the_book_count() -> None:
    paid = Payment(date(2026, 10, 5), D("100.00"), "acme", invoice="2026-0010", reference="X")
    book = make_book(Case(id="acme", name="Acme", iban=ACME.iban, invoices=ACME.invoices,
                          payments=(paid,)))
    (o,) = run(book, entry("250.00", payer_iban="BE71096123456769"))
    assert o.invoice == "2026-0011"
    (o,) = run(book, entry("100.00", payer_iban="BE71096123456769"))
    assert o.status == Status.UNMATCHED


def test_shared_iban_with_two_matching_debtors_is_not_guessed() -> None:
    a = Case(id="a", name="A", iban=("BE19363074881212",), invoices=(invoice("1", "50.00", "a"),))
    b = Case(id="b", name="B", iban=("BE19363074881212",), invoices=(invoice("2", "50.00", "b"),))
    (o,) = run(make_book(a, b), entry("50.00", payer_iban="BE19363074881212"))
    assert o.status == Status.UNMATCHED
    assert o.reason == "payer IBAN BE19363074881212 belongs to several debtors whose balances match"


def test_only_booked_credits_in_the_book_currency_are_payments() -> None:
    book = make_book(ACME)
    ref = dict(structured_ref="010806817183")
    outcomes = run(
        book,
        entry("100.00", "D", credit=False, **ref),
        entry("100.00", "R", reversal=True, **ref),
        entry("100.00", "P", status="PDNG", **ref),
        entry("100.00", "C", currency="CHF", **ref),
        entry("0", "Z", **ref),
    )
    assert [(o.status, o.reason) for o in outcomes] == [
        (Status.IGNORED, "debit"),
        (Status.IGNORED, "reversal"),
        (Status.IGNORED, "not booked (status PDNG)"),
        (Status.UNMATCHED, "in CHF, but the book is in EUR"),
        (Status.IGNORED, "zero amount"),
    ]


def test_known_references_are_skipped() -> None:
    outcomes = run(make_book(ACME), entry("100.00", "E1", structured_ref="010806817183"),
                   entry("100.00", "E1", structured_ref="010806817183"), known=("E1",))
    assert [o.status for o in outcomes] == [Status.SKIPPED, Status.SKIPPED]


def test_batch_is_split_only_when_its_transactions_add_up() -> None:
    parts = (Transaction(D("100.00"), "EUR", structured_ref="010806817183"),
             Transaction(D("100.00"), "EUR", structured_ref="RF18539007547034"))
    outcomes = run(make_book(ACME, BETA), entry("200.00", "B", details=parts))
    assert [(o.entry.reference, o.case_id) for o in outcomes] == [("B/1", "acme"), ("B/2", "beta")]
    (whole,) = run(make_book(ACME, BETA), entry("250.00", "B", details=parts))
    assert (whole.entry.reference, whole.status) == ("B", Status.UNMATCHED)


def test_unknown_reference_is_reported() -> None:
    (o,) = run(make_book(ACME), entry("5.00", structured_ref="+++123/4567/89002+++"))
    assert o.status == Status.UNMATCHED
    assert o.reason == "reference +++123/4567/89002+++ is on no invoice"
