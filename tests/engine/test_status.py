"""`casebook status`: figures that add up, computed independently from the raw files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import yaml
from click.testing import CliRunner

from casebook.cli import main

REPO = Path(__file__).resolve().parents[2]


def status_json(root: Path, today: str) -> dict:
    result = CliRunner().invoke(main, ["status", "--book", str(root), "--today", today, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_example_book_totals_equal_invoices_minus_payments():
    invoiced = paid = Decimal("0")
    for path in (REPO / "cases").glob("*/invoices/*.yaml"):
        invoiced += Decimal(str(yaml.safe_load(path.read_text())["amount"]))
    for path in (REPO / "cases").glob("*/payments/*.yaml"):
        paid += Decimal(str(yaml.safe_load(path.read_text())["amount"]))
    for path in (REPO / "cases").glob("*/credits/*.yaml"):
        invoiced -= Decimal(str(yaml.safe_load(path.read_text())["amount"]))
    data = status_json(REPO, "2027-06-30")  # late enough that every invoice and payment counts
    totals = data["totals"]
    assert data["problems"] == 0
    assert Decimal(totals["invoiced"]) == invoiced
    assert Decimal(totals["paid"]) == paid
    assert Decimal(totals["open"]) - Decimal(totals["credit"]) == invoiced - paid
    assert sum(Decimal(c["open"]) for c in data["cases"]) == Decimal(totals["open"])
    assert sum(Decimal(v) for v in data["aging"].values()) == Decimal(totals["open"])


def test_aging_buckets_and_overdue(make_book):
    invoices = {
        f"cases/janssens/invoices/{n}.yaml": f"number: {n}\nissued: 2026-01-01\ndue: {due}\namount: {amt}\n"
        for n, due, amt in [("A-1", "2026-11-30", "100.00"), ("A-2", "2026-11-10", "200.00"),
                            ("A-3", "2026-10-10", "300.00"), ("A-4", "2026-09-10", "400.00"),
                            ("A-5", "2026-06-01", "500.00")]
    }
    invoices["cases/janssens/payments/p.yaml"] = "date: 2026-11-01\namount: 250\ninvoice: A-5\n"
    root = make_book(invoices)
    data = status_json(root, "2026-11-24")
    # The base book's invoice 2026-0001 (1210.00, due 2026-10-01) is 54 days late.
    assert data["aging"] == {"not-due": "100.00", "1-30": "200.00", "31-60": "1510.00",
                             "61-90": "400.00", "90+": "250.00"}
    case = data["cases"][0]
    assert case["open"] == "2460.00"
    assert case["overdue"] == "2360.00"
    assert case["oldest_due"] == "2026-06-01"
    assert case["days_late"] == 176


def test_status_table_lists_every_case():
    result = CliRunner().invoke(main, ["status", "--book", str(REPO), "--today", "2026-11-24"])
    assert result.exit_code == 0
    for folder in (REPO / "cases").iterdir():
        assert folder.name in result.stdout
    assert "aging" in result.stdout


def test_status_json_shows_suggested_segment_and_reason(tmp_path):
    from tests.conftest import write_files
    from tests.cli.test_insight_cli import book_files

    root = tmp_path / "book"
    write_files(root, book_files())
    data = status_json(root, "2026-11-24")
    by_case = {c["case"]: c for c in data["cases"]}
    assert by_case["plan"]["suggested_segment"] == "hardship"
    assert by_case["plan"]["suggestion_reason"] == "broke the payment plan of 2026-07-20 on 2026-09-06"
    assert by_case["late30"]["suggested_segment"] == "chronic-late"
    assert "30 days late" in by_case["late30"]["suggestion_reason"]
    table = CliRunner().invoke(main, ["status", "--book", str(root), "--today", "2026-11-24"]).stdout
    assert "plan: suggested segment: hardship (because broke the payment plan" in table


def test_status_json_shows_where_each_case_stands(make_book):
    root = make_book({"cases/janssens/actions/2026-10-08-reminder.yaml":
                      "date: 2026-10-08\nkind: stage\nstage: reminder\nchannel: email\n"})
    case = status_json(root, "2026-10-10")["cases"][0]
    assert case["status"] == "open"
    assert case["stage"] == "reminder"
    assert case["stage_date"] == "2026-10-08"
    assert case["next_action"] == {"date": "2026-10-15", "stage": "call"}


def test_the_sums_of_two_parts_of_a_book_are_the_books():
    from datetime import date

    from casebook.book.load import load_book
    from casebook.engine.portfolio import Sums, case_figures, case_sales, portfolio

    book = load_book(REPO).book
    today = date(2026, 11, 24)
    ids = sorted(book.cases)
    rows = {cid: case_figures(book, book.cases[cid], today) for cid in ids}
    sales = {cid: case_sales(book.cases[cid], today) for cid in ids}

    def of(part: list[str]) -> Sums:
        return Sums.of((rows[c] for c in part), (sales[c] for c in part))

    whole = portfolio(book, today)
    for cut in (0, 1, len(ids) // 2, len(ids)):
        added = of(ids[:cut]) + of(ids[cut:])
        assert added == of(ids)
        assert added.totals_json() == whole.totals_json()
        assert added.by_bucket == whole.aging and added.dso == whole.dso
    assert whole.dso is not None and of(ids).open_cases > 0
