"""The cash-in forecast of a constructed book, week by week, to the cent.

The book is written as real files and loaded; every expected amount is worked out in the
comments of `FILES`. Today is Wednesday 25 November 2026: the first week runs from Monday
23 November (2026-W48); eight weeks end on Sunday 17 January 2027 (2027-W02).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from casebook.cli import main
from casebook.insight.chart import forecast_chart
from casebook.insight.forecast import forecast
from casebook.insight.pages import forecast_page
from casebook.book.load import load_book
from casebook.engine.portfolio import portfolio

from ..conftest import SETTINGS

TODAY = date(2026, 11, 25)
D = Decimal


def invoice(number: str, due: str, amount: str, issued: str = "2026-01-01") -> str:
    return f'number: {number}\nissued: {issued}\ndue: {due}\namount: "{amount}"\n'


def payment(on: str, amount: str, number: str = "") -> str:
    return f'date: {on}\namount: "{amount}"\n' + (f"invoice: {number}\n" if number else "")


def action(on: str, kind: str, stage: str = "", channel: str = "email", *numbers: str) -> str:
    text = f"date: {on}\nkind: {kind}\n"
    if stage:
        text += f"stage: {stage}\n"
    text += f"channel: {channel}\n"
    if numbers:
        text += f"invoices: [{', '.join(numbers)}]\n"
    return text


def note(on: str, front: str) -> str:
    return f"---\ndate: {on}\nchannel: phone\n{front}---\nSpoke with them.\n"


def debtor(name: str) -> str:
    return f"name: {name}\nemail: info@example.be\n"


def case(cid: str, name: str, *records: tuple[str, str]) -> dict[str, str]:
    """A case folder: debtor.yaml plus (path inside the case, text) records."""
    out = {f"cases/{cid}/debtor.yaml": debtor(name)}
    out.update({f"cases/{cid}/{rel}": text for rel, text in records})
    return out


FILES: dict[str, str] = {"casebook.yaml": SETTINGS}
# A: always 30 days late (usual delay 30). Open: A-5 due 20 Nov -> 20 Dec (W51);
# A-6 due 10 Dec -> 9 Jan (2027-W01); A-7 due 1 Oct -> 31 Oct, already past: overdue.
FILES |= case(
    "a-late", "A Late BV",
    ("invoices/a1.yaml", invoice("A-1", "2026-01-31", "1000.00")),
    ("invoices/a2.yaml", invoice("A-2", "2026-05-01", "500.00")),
    ("invoices/a3.yaml", invoice("A-3", "2026-07-31", "2500.00")),
    ("invoices/a4.yaml", invoice("A-4", "2026-10-01", "1210.00", issued="2026-09-01")),
    ("invoices/a5.yaml", invoice("A-5", "2026-11-20", "1210.00", issued="2026-10-20")),
    ("invoices/a6.yaml", invoice("A-6", "2026-12-10", "605.50", issued="2026-11-10")),
    ("invoices/a7.yaml", invoice("A-7", "2026-10-01", "300.00", issued="2026-09-01")),
    ("payments/p1.yaml", payment("2026-03-02", "1000.00", "A-1")),
    ("payments/p2.yaml", payment("2026-05-31", "500.00", "A-2")),
    ("payments/p3.yaml", payment("2026-08-30", "2500.00", "A-3")),
    ("payments/p4.yaml", payment("2026-10-31", "1210.00", "A-4")),
)
# B: pays early (delays -2 on 500+500, 0 on 200: usual delay -2). B-4 due 1 Dec -> 29 Nov
# (W48); B-5 due 26 Nov -> 24 Nov is before today but B-5 is not due yet: its due date (W48).
FILES |= case(
    "b-early", "B Early NV",
    ("invoices/b1.yaml", invoice("B-1", "2026-06-10", "500.00")),
    ("invoices/b2.yaml", invoice("B-2", "2026-07-10", "500.00")),
    ("invoices/b3.yaml", invoice("B-3", "2026-08-10", "200.00")),
    ("invoices/b4.yaml", invoice("B-4", "2026-12-01", "999.99", issued="2026-11-01")),
    ("invoices/b5.yaml", invoice("B-5", "2026-11-26", "50.00", issued="2026-10-27")),
    ("payments/p1.yaml", payment("2026-06-08", "500.00", "B-1")),
    ("payments/p2.yaml", payment("2026-07-08", "500.00", "B-2")),
    ("payments/p3.yaml", payment("2026-08-10", "200.00", "B-3")),
)
# C: never paid anything: the book's usual delay. Paid delays in the book by weight:
# -2 (1000), 0 (200), 10 (100), 30 (5210), 61 (100): half of 6610 is reached at 30.
# C-1 due 30 Nov -> 30 Dec (W53); C-2 due 10 Jan -> 9 Feb: later.
FILES |= case(
    "c-new", "C New BV",
    ("invoices/c1.yaml", invoice("C-1", "2026-11-30", "300.00", issued="2026-10-31")),
    ("invoices/c2.yaml", invoice("C-2", "2027-01-10", "1000.00", issued="2026-11-20")),
)
# D: usual delay 10 (D-0). Promise on 20 Nov to pay 600.00 by 5 Dec (W49): it covers 600.00
# of D-1 (oldest first); the other 400.00 of D-1 (due 1 Oct + 10) and D-2 (due 1 Nov + 10)
# are overdue beyond the usual delay.
FILES |= case(
    "d-promise", "D Promise VOF",
    ("invoices/d0.yaml", invoice("D-0", "2026-09-01", "100.00")),
    ("invoices/d1.yaml", invoice("D-1", "2026-10-01", "1000.00")),
    ("invoices/d2.yaml", invoice("D-2", "2026-11-01", "500.00")),
    ("payments/p0.yaml", payment("2026-09-11", "100.00", "D-0")),
    ("notes/promise.md", note("2026-11-20", "promise: {date: 2026-12-05, amount: \"600.00\"}\n")),
)
# E: 900.00 due 1 Sept; plan of 15 Oct: 300.00 on 31 Oct (paid 30 Oct), 30 Nov (W49),
# 31 Dec (W53). The plan covers the 600.00 left: nothing is estimated.
FILES |= case(
    "e-plan", "E Plan BV",
    ("invoices/e1.yaml", invoice("E-1", "2026-09-01", "900.00")),
    ("payments/p1.yaml", payment("2026-10-30", "300.00", "E-1")),
    ("notes/plan.md", note(
        "2026-10-15",
        "plan:\n  - {due: 2026-10-31, amount: \"300.00\"}\n  - {due: 2026-11-30, amount: \"300.00\"}\n"
        "  - {due: 2026-12-31, amount: \"300.00\"}\nsigned: true\n",
    )),
)
# F: formal notice on 10 Nov: 750.00 at risk.
FILES |= case(
    "f-notice", "F Notice NV",
    ("invoices/f1.yaml", invoice("F-1", "2026-09-15", "750.00")),
    ("actions/a1.yaml", action("2026-09-22", "stage", "reminder", "email", "F-1")),
    ("actions/a2.yaml", action("2026-11-10", "stage", "formal-notice", "registered", "F-1")),
)
# G: G-1 400.00 under dispute; G-2 due 15 Dec + 30 (book) -> 14 Jan (2027-W02).
FILES |= case(
    "g-dispute", "G Dispute BV",
    ("invoices/g1.yaml", invoice("G-1", "2026-11-10", "400.00")),
    ("invoices/g2.yaml", invoice("G-2", "2026-12-15", "250.00", issued="2026-11-15")),
    ("notes/dispute.md", note("2026-11-12", "dispute: {invoice: G-1, reason: not delivered}\n")),
)
# H: plan broken (nothing paid by 1 Sept + 5): the estimate takes over, with the book's
# delay: 1 Aug + 30 = 31 Aug, past: overdue beyond the usual delay (1200.00).
FILES |= case(
    "h-broken", "H Broken VOF",
    ("invoices/h1.yaml", invoice("H-1", "2026-08-01", "1200.00")),
    ("notes/plan.md", note(
        "2026-08-20",
        "plan:\n  - {due: 2026-09-01, amount: \"600.00\"}\n  - {due: 2026-10-01, amount: \"600.00\"}\n"
        "signed: true\n",
    )),
)
# I: yesterday's promise to pay everything (1000.00) yesterday, grace until 27 Nov: today (W48).
FILES |= case(
    "i-all", "I All BV",
    ("invoices/i1.yaml", invoice("I-1", "2026-11-01", "800.00")),
    ("invoices/i2.yaml", invoice("I-2", "2026-11-15", "200.00")),
    ("notes/promise.md", note("2026-11-24", "promise: {date: 2026-11-24}\n")),
)
# K: a formal notice, then paid (61 days late) and thanked: no longer at risk. K-2 due
# 1 Dec + 61 -> 31 Jan: later.
FILES |= case(
    "k-thanked", "K Thanked NV",
    ("invoices/k1.yaml", invoice("K-1", "2026-06-01", "100.00")),
    ("invoices/k2.yaml", invoice("K-2", "2026-12-01", "100.00", issued="2026-11-01")),
    ("payments/p1.yaml", payment("2026-08-01", "100.00", "K-1")),
    ("actions/a1.yaml", action("2026-07-15", "stage", "formal-notice", "registered", "K-1")),
    ("actions/a2.yaml", action("2026-08-03", "thanks", "", "email", "K-1")),
)

WEEKS = [
    # label, from, promised, estimated
    ("2026-W48", "2026-11-23", "1000.00", "1049.99"),  # I promise; B-4 999.99 + B-5 50.00
    ("2026-W49", "2026-11-30", "900.00", "0.00"),      # D promise 600.00 + E installment 300.00
    ("2026-W50", "2026-12-07", "0.00", "0.00"),
    ("2026-W51", "2026-12-14", "0.00", "1210.00"),
    ("2026-W52", "2026-12-21", "0.00", "0.00"),
    ("2026-W53", "2026-12-28", "300.00", "300.00"),    # E installment; C-1
    ("2027-W01", "2027-01-04", "0.00", "605.50"),
    ("2027-W02", "2027-01-11", "0.00", "250.00"),      # G-2
]


@pytest.fixture
def book_root(make_book):
    return make_book(FILES, base=False)


def test_forecast_week_by_week(book_root):
    book, problems = load_book(book_root)
    assert problems == []
    result = forecast(book, TODAY, weeks=8)
    assert result.book_delay == 30
    got = [(w.label, w.start.isoformat(), w.promised, w.estimated) for w in result.weeks]
    assert got == [(label, start, D(p), D(e)) for label, start, p, e in WEEKS]
    assert [w.amount for w in result.weeks] == [
        D(x) for x in ("2049.99", "900.00", "0", "1210.00", "0", "600.00", "605.50", "250.00")]
    by_item = {(i.case_id, i.invoice, i.kind): (i.date, i.amount) for w in result.weeks for i in w.items}
    assert by_item[("b-early", "B-5", "estimate")] == (date(2026, 11, 26), D("50.00"))
    assert by_item[("i-all", "", "promise")] == (TODAY, D("1000.00"))
    assert by_item[("d-promise", "", "promise")] == (date(2026, 12, 5), D("600.00"))
    assert sorted((i.case_id, i.invoice, str(i.amount)) for i in result.later) == [
        ("c-new", "C-2", "1000.00"), ("k-thanked", "K-2", "100.00")]
    assert sorted((i.case_id, i.invoice, str(i.amount)) for i in result.overdue) == [
        ("a-late", "A-7", "300.00"), ("d-promise", "D-1", "400.00"),
        ("d-promise", "D-2", "500.00"), ("h-broken", "H-1", "1200.00")]
    assert [(i.invoice, str(i.amount), i.kind) for i in result.disputed] == [("G-1", "400.00", "disputed")]
    assert [(r.case_id, str(r.amount), r.stage, r.since) for r in result.at_risk] == [
        ("f-notice", "750.00", "formal-notice", date(2026, 11, 10))]
    # every cent of the open balance is in exactly one place
    assert result.open == portfolio(book, TODAY).open == D("10265.49")


def test_forecast_json_from_the_command(book_root):
    out = CliRunner().invoke(main, ["forecast", "--book", str(book_root), "--today", "2026-11-25",
                                    "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [(w["week"], w["from"], w["promised"], w["estimated"]) for w in data["weeks"]] == WEEKS
    assert data["later"]["amount"] == "1100.00"
    assert data["overdue_beyond_usual_delay"]["amount"] == "2400.00"
    assert data["disputed"]["amount"] == "400.00"
    assert data["at_risk"]["amount"] == "750.00"
    assert data["at_risk"]["cases"][0]["case"] == "f-notice"
    assert data["open"] == "10265.49"
    assert data["expected"] == "5615.49"  # 2049.99 + 900 + 1210 + 600 + 605.50 + 250


def test_forecast_text_and_weeks_option(book_root):
    out = CliRunner().invoke(main, ["forecast", "--book", str(book_root), "--today", "2026-11-25",
                                    "--weeks", "2"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "Forecast as of 2026-11-25 (EUR); usual delay in the book: +30 days"
    assert lines[2].split() == ["2026-W48", "2026-11-23", "2026-11-29", "1000.00", "1049.99", "2049.99"]
    assert lines[3].split()[0] == "2026-W49"
    assert lines[4].split()[-1] == "2949.99"
    # with two weeks, everything after 6 December is "later"
    assert "later (after 2026-12-06)" in out.output and out.output.count("W5") == 0
    bad = CliRunner().invoke(main, ["forecast", "--book", str(book_root), "--weeks", "0"])
    assert bad.exit_code == 2


def test_broken_promise_falls_back_to_the_estimate(book_root):
    book, _ = load_book(book_root)
    # on 9 December the promise (5 Dec + 3 days grace) has run out: D's 1500.00 is overdue
    result = forecast(book, date(2026, 12, 9), weeks=1)
    d = [i for i in result.overdue if i.case_id == "d-promise"]
    assert sorted((i.invoice, str(i.amount)) for i in d) == [("D-1", "1000.00"), ("D-2", "500.00")]


def test_a_notice_about_paid_invoices_puts_nothing_at_risk(make_book):
    # a policy without thank-you: the notice about K-1 stays the last stage after K-1 was
    # paid (61 days late); K-2 is a new round: 1 Dec + 61 days = 31 Jan, later
    records = [
        ("invoices/k1.yaml", invoice("K-1", "2026-06-01", "100.00")),
        ("invoices/k2.yaml", invoice("K-2", "2026-12-01", "100.00", issued="2026-11-01")),
        ("actions/a1.yaml", action("2026-07-15", "stage", "formal-notice", "registered", "K-1")),
    ]
    paid = ("payments/p1.yaml", payment("2026-08-01", "100.00", "K-1"))
    book, _ = load_book(make_book({"casebook.yaml": SETTINGS} | case("k", "K NV", *records, paid),
                                  base=False))
    result = forecast(book, TODAY)
    assert result.at_risk == ()
    assert [(i.invoice, i.date, i.amount) for i in result.later] == [
        ("K-2", date(2027, 1, 31), D("100.00"))]


def test_a_notice_about_open_invoices_puts_the_whole_case_at_risk(make_book):
    records = [
        ("invoices/k1.yaml", invoice("K-1", "2026-06-01", "100.00")),
        ("invoices/k2.yaml", invoice("K-2", "2026-12-01", "100.00", issued="2026-11-01")),
        ("actions/a1.yaml", action("2026-07-15", "stage", "formal-notice", "registered", "K-1")),
    ]
    book, _ = load_book(make_book({"casebook.yaml": SETTINGS} | case("u", "U NV", *records),
                                  base=False))
    assert [(r.case_id, r.amount) for r in forecast(book, TODAY).at_risk] == [("u", D("200.00"))]


def test_chart_and_page_data(book_root):
    book, _ = load_book(book_root)
    result = forecast(book, TODAY, weeks=8)
    svg = str(forecast_chart(result))
    assert svg.startswith('<svg class="chart" id="forecast-chart"') and svg.endswith("</svg>")
    assert '<title id="forecast-chart-t">Expected cash in per week</title>' in svg
    assert "2026-W48 2049.99 (promised 1000.00)" in svg
    assert "at risk 750.00" in svg
    assert "<script" not in svg and "style=" not in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert svg == str(forecast_chart(forecast(book, TODAY, weeks=8)))  # byte-stable
    page = forecast_page(book, TODAY)
    assert page["weeks"][0]["amount"] == D("2049.99")
    assert page["at_risk_cases"][0]["case"] == "f-notice"
    assert page["open"] == D("10265.49")
    assert str(page["chart"]) == svg
