"""`casebook claim` and `casebook rates` on real books in tmp_path."""

from __future__ import annotations

import json

from click.testing import CliRunner

from casebook.cli import main

CONSUMER = """\
name: Anouk Peeters
kind: consumer
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_claim_json_is_the_spec_shape(make_book):
    root = make_book()
    result = run("claim", "janssens", "--book", str(root), "--today", "2026-10-31", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # 1 210.00 x 10.5 % x 30 / 365 = 10.44; EUR 40 flat compensation.
    assert data["invoices"] == [{
        "number": "2026-0001", "due": "2026-10-01", "amount": "1210.00", "paid": "0.00",
        "open": "1210.00", "days_late": 30, "interest": "10.44", "compensation": "40.00",
    }]
    assert (data["principal"], data["interest"], data["costs"], data["total"]) == (
        "1210.00", "10.44", "40.00", "1260.44")
    assert data["case"] == "janssens" and data["as_of"] == "2026-10-31"
    # 2026 H2 is not in the shipped table: the claim says so.
    assert len(data["warnings"]) == 1 and "2026-06-30" in data["warnings"][0]


def test_claim_text_shows_each_period_and_cost(make_book):
    root = make_book({
        "cases/janssens/payments/p1.yaml": "date: 2026-10-11\namount: \"210.00\"\n",
    })
    result = run("claim", "janssens", "--book", str(root), "--today", "2026-10-31")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "interest 2026-10-02 to 2026-10-11    10 days  10.50 %  on     1 210.00        3.48" in out
    assert "interest 2026-10-12 to 2026-10-31    20 days  10.50 %  on     1 000.00        5.75" in out
    assert "Flat compensation for recovery costs: 40.00" in out
    assert "Total 1 049.23" in " ".join(out.split())
    assert "Warnings:" in out


def test_claim_for_a_consumer_before_any_reminder(make_book):
    root = make_book({"cases/peeters/debtor.yaml": CONSUMER,
                      "cases/peeters/invoices/a.yaml": "number: C-1\nissued: 2026-09-01\n"
                                                       "due: 2026-10-01\namount: \"400.00\"\n"})
    result = run("claim", "peeters", "--book", str(root), "--today", "2026-12-01", "--json")
    data = json.loads(result.stdout)
    assert data["total"] == "400.00" and data["costs"] == "0.00"
    assert data["pending"][0]["amount"] == "55.00"


def test_unknown_case_is_an_error(make_book):
    root = make_book()
    result = run("claim", "nobody", "--book", str(root), "--today", "2026-10-31")
    assert result.exit_code == 1
    assert "Error: no case 'nobody'" in result.stderr


def test_rates_shows_the_tables_and_the_book_override(make_book):
    root = make_book({
        "casebook.yaml": "creditor: {name: Us}\njurisdiction: BE\nrates: {folder: law/rates}\n",
        "law/rates/be-commercial.yaml": "rates:\n  - {from: 2026-07-01, rate: '9.5', source: BS}\n",
    })
    result = run("rates", "--book", str(root), "--today", "2026-08-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["overrides"] == ["law/rates/be-commercial.yaml"]
    be = next(t for t in data["tables"] if t["name"] == "be-commercial")
    assert be["rate_on_as_of"] == "9.5" and be["known_until"] == "2026-12-31"
    assert be["origin"] == "casebook/data/rates/be-commercial.yaml + law/rates/be-commercial.yaml"
    assert be["rates"][-1] == {"from": "2026-07-01", "rate": "9.5", "status": "C",
                               "source": "BS", "origin": "law/rates/be-commercial.yaml:2"}
    text = run("rates", "--book", str(root), "--today", "2026-08-01").output
    assert "  * 2026-07-01    9.50 %  [C]  BS" in text
    assert "book overrides: law/rates/be-commercial.yaml" in text
    claim = run("claim", "janssens", "--book", str(root), "--today", "2026-10-31", "--json")
    assert json.loads(claim.stdout)["warnings"] == []


def test_rates_without_a_book_shows_the_shipped_tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEBOOK_BOOK", raising=False)
    result = run("rates", "--today", "2026-12-01")
    assert result.exit_code == 0
    assert "WARNING: 2026-12-01 is past it" in result.output
    assert "nl-statutory" in result.output


def test_rates_reports_a_broken_override(make_book):
    root = make_book({"rates/nl-statutory.yaml": "rates:\n  - {from: 2026-07-01, rate: x}\n"})
    result = run("rates", "--book", str(root), "--today", "2026-08-01")
    assert result.exit_code == 1
    assert "rates/nl-statutory.yaml:2: `rate` must be a percentage, not 'x'" in result.stderr


def test_help_texts():
    for command in ("claim", "rates"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "--today" in result.output
