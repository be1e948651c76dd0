"""Portfolio figures over time: DSO and the share paid late per month, and the amount
collected after each stage, read from real git histories built in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from casebook.record.history import read_history
from casebook.insight.chart import dso_chart
from casebook.insight.stats import rounded
from casebook.insight.trends import collected_after_stage, month_ends, monthly
from casebook.book.load import load_book
from casebook.book.model import Case
from casebook.engine.portfolio import portfolio

from ..conftest import POLICY, SETTINGS, write_files
from .test_behaviour import AS_OF, book_of, inv, late30, ontime, pay
from ..engine.test_scenarios_support import Event, new_book, play
from ..engine.test_scenarios_support import debtor as scenario_debtor
from ..engine.test_scenarios_support import invoice as scenario_invoice
from ..engine.test_scenarios_support import payment as scenario_payment

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


def test_month_ends():
    assert month_ends(date(2026, 3, 15), 4) == [
        date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15)]


def test_share_paid_late_per_month():
    book = book_of(late30(), ontime())
    months = {m.month: m for m in monthly(book, AS_OF)}
    # due in January: L-1 (late); February: O-1 (on time); April: O-2; May: L-2 (late);
    # June: O-3; July: L-3 (late); August: O-4; October: L-4 (late) and O-5 (on time);
    # December: O-6, not due yet and not in the 12 months anyway
    assert [(k, m.due, m.late) for k, m in months.items() if m.due] == [
        ("2026-01", 1, 1), ("2026-02", 1, 0), ("2026-04", 1, 0), ("2026-05", 1, 1),
        ("2026-06", 1, 0), ("2026-07", 1, 1), ("2026-08", 1, 0), ("2026-10", 2, 1)]
    assert months["2026-10"].late_share == 50
    assert months["2026-03"].late_share is None
    assert months["2026-10"].to_json()["late_share"] == "50.0"


def test_dso_chart():
    months = monthly(book_of(late30(), ontime()), AS_OF)
    svg = str(dso_chart(months))
    assert svg.startswith('<svg class="chart" id="dso-chart"')
    assert '<title id="dso-chart-t">Days sales outstanding per month</title>' in svg
    for m in months:
        shown = "no sales" if m.dso is None else f"{rounded(m.dso)} days"
        assert f"{m.month}: {shown}" in svg
    # no sales in December 2025 (nothing issued in the 90 days before): the line starts after
    assert "2025-12: no sales" in svg and svg.count("<circle") == 11
    assert "<script" not in svg and "style=" not in svg


def test_dso_per_month_equals_the_portfolio_on_each_month_end():
    c = "spill"
    # an overpayment in February that the invoice issued in April absorbs, and a payment in
    # May naming an invoice issued only in July: both reach an invoice before it exists, so
    # on those month ends the sweep must fall back to portfolio.case_figures
    spill = Case(
        id=c, name="Spill",
        invoices=(inv(c, "S-1", date(2026, 2, 28), "100.00", issued=date(2026, 1, 20)),
                  inv(c, "S-2", date(2026, 5, 10), "300.00", issued=date(2026, 4, 10)),
                  inv(c, "S-3", date(2026, 8, 10), "200.00", issued=date(2026, 7, 10))),
        payments=(pay(c, date(2026, 2, 20), "250.00", pid="over"),
                  pay(c, date(2026, 5, 5), "200.00", "S-3", pid="named")),
    )
    book = book_of(late30(), ontime(), spill)
    months = monthly(book, AS_OF)
    for month in months:
        expected = portfolio(book, month.end)
        assert month.open == expected.open, month
        assert month.dso == expected.dso, month
    # the fallback matters: at the end of March the spill case owes nothing (S-1 paid, the
    # 150.00 left is credit), while the full allocation has already spent it on S-2
    march = next(m for m in months if m.month == "2026-03")
    assert portfolio(book_of(spill), march.end).open == 0


def test_dso_per_month_on_a_generated_book(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate_book
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    root = tmp_path / "gen"
    generate_book(root, debtors=40, invoices=200, seed=7, git=False)
    book, problems = load_book(root, cache=False)
    assert problems == []
    today = date(2026, 11, 24)
    for month in monthly(book, today):
        assert month.dso == portfolio(book, month.end).dso


# -- collected after each stage, from a hand-made history -------------------------------------


def commit(root: Path, when: str, files: dict[str, str], message: str) -> None:
    write_files(root, files)
    env = {**os.environ, "GIT_AUTHOR_DATE": f"{when}T18:00:00+01:00",
           "GIT_COMMITTER_DATE": f"{when}T18:00:00+01:00"}
    subprocess.run(["git", "add", "--", *files], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", message, "--", *files], cwd=root, check=True, env=env)


def stage_commit(root: Path, when: str, case: str, on: str, stage: str, *, kind: str = "stage",
                 channel: str = "email") -> None:
    text = f"date: {on}\nkind: {kind}\n" + (f"stage: {stage}\n" if stage else "") + f"channel: {channel}\n"
    stem = f"{on}-{stage or kind}"
    commit(root, when, {f"cases/{case}/actions/{stem}.yaml": text},
           f"{case}: {stage or kind}\n\nCasebook-Case: {case}\nCasebook-Stage: {stage or kind}\n")


def pay_commit(root: Path, when: str, case: str, name: str, on: str, amount: str) -> None:
    commit(root, when, {f"cases/{case}/payments/{name}.yaml": f'date: {on}\namount: "{amount}"\n'},
           f"{case}: payment {amount}")


def invoice_text(number: str, issued: str, due: str, amount: str) -> str:
    return f'number: {number}\nissued: {issued}\ndue: {due}\namount: "{amount}"\n'


@pytest.fixture
def history_book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    commit(root, "2026-01-01", {
        "casebook.yaml": SETTINGS,
        "policies/standard.yaml": POLICY,
        "cases/acme/debtor.yaml": "name: Acme BV\n",
        "cases/acme/invoices/1.yaml": invoice_text("INV-1", "2026-01-01", "2026-01-31", "1000.00"),
        "cases/early/debtor.yaml": "name: Early NV\n",
        "cases/early/invoices/1.yaml": invoice_text("E-1", "2026-01-15", "2026-02-15", "300.00"),
        "cases/beta/debtor.yaml": "name: Beta VOF\n",
        "cases/beta/invoices/1.yaml": invoice_text("B-1", "2026-01-01", "2026-01-15", "2000.00"),
    }, "book")
    stage_commit(root, "2026-01-22", "beta", "2026-01-22", "reminder")
    stage_commit(root, "2026-01-26", "acme", "2026-01-26", "pre-due")
    stage_commit(root, "2026-02-07", "acme", "2026-02-07", "reminder")
    pay_commit(root, "2026-02-10", "acme", "p1", "2026-02-09", "400.00")      # after the reminder
    pay_commit(root, "2026-02-10", "early", "p1", "2026-02-10", "300.00")     # no stage ever
    stage_commit(root, "2026-02-15", "beta", "2026-02-15", "formal-notice", channel="registered")
    pay_commit(root, "2026-02-19", "acme", "p2", "2026-02-18", "100.00")
    # the call is dated 18 February but recorded after the payment of that day was known:
    # it cannot take credit for it
    stage_commit(root, "2026-02-20", "acme", "2026-02-18", "call", channel="phone")
    pay_commit(root, "2026-02-21", "beta", "p1", "2026-02-20", "1500.00")     # after the notice
    pay_commit(root, "2026-02-25", "acme", "p3", "2026-02-24", "500.00")      # after the call
    stage_commit(root, "2026-02-27", "acme", "2026-02-27", "", kind="thanks")
    commit(root, "2026-03-01", {"cases/acme/invoices/2.yaml":
                                invoice_text("INV-2", "2026-03-01", "2026-03-31", "250.00")}, "INV-2")
    pay_commit(root, "2026-03-30", "acme", "p4", "2026-03-30", "250.00")      # new round, no stage
    stage_commit(root, "2026-03-20", "beta", "2026-03-20", "", kind="plan-breach")
    pay_commit(root, "2026-03-26", "beta", "p2", "2026-03-25", "500.00")      # after the breach
    # a payment file nobody committed yet counts as committed last
    write_files(root, {"cases/beta/payments/p3.yaml": 'date: 2026-04-01\namount: "10.00"\n'})
    return root


def test_collected_after_each_stage(history_book):
    book, problems = load_book(history_book)
    assert problems == []
    got = collected_after_stage(book, read_history(history_book))
    assert [(s.label, s.amount, s.payments, s.cases) for s in got] == [
        ("before any reminder", D("550.00"), 2, 2),  # early 300 + acme's INV-2 250 after thanks
        ("reminder", D("500.00"), 2, 1),             # acme 400 + 100 (the late-recorded call ignored)
        ("call", D("500.00"), 1, 1),
        ("formal-notice", D("1500.00"), 1, 1),
        ("plan-breach", D("510.00"), 2, 1),          # 500 + the uncommitted 10
    ]
    # the same question for payments made in February only
    february = collected_after_stage(book, read_history(history_book),
                                     since=date(2026, 2, 1), until=date(2026, 2, 28))
    assert [(s.stage, s.amount) for s in february] == [
        ("", D("300.00")), ("reminder", D("500.00")), ("call", D("500.00")),
        ("formal-notice", D("1500.00"))]


def test_collected_without_history_uses_dates_only(history_book):
    from casebook.record.history import History

    book, _ = load_book(history_book)
    got = {s.stage: s.amount for s in collected_after_stage(book, History(()))}
    # with no commit order known, the call dated 18 February takes acme's payment of that day
    assert got["reminder"] == D("400.00") and got["call"] == D("600.00")


def test_insight_portfolio_json(history_book):
    out = CliRunner().invoke(main, ["insight", "--book", str(history_book), "--today", "2026-04-30",
                                    "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [(s["label"], s["amount"]) for s in data["collected_after_stage"]] == [
        ("before any reminder", "550.00"), ("reminder", "500.00"), ("call", "500.00"),
        ("formal-notice", "1500.00"), ("plan-breach", "510.00")]
    assert [m["month"] for m in data["months"]][-1] == "2026-04"
    april = data["months"][-1]
    # end of April: nothing open (beta overpaid by 10.00, acme and early paid); sales in the
    # 90 days before: INV-2 (250.00, issued 1 March)
    assert (april["open"], april["sales"], april["dso"]) == ("0.00", "250.00", "0.0")
    assert {c["case"] for c in data["cases"]} == {"acme", "beta", "early"}


# -- collected after each stage, from a scenario run with casebook advance ---------------------


def test_collected_after_each_stage_of_an_advance_run(tmp_path):
    """Three debtors on the shipped standard policy, advanced every day like cron would: one
    pays two days after the pre-due note, one three days after the email reminder, one two
    days after the phone call. The amounts come back from the commits, not from counters."""
    issued, due = date(2026, 1, 2), date(2026, 2, 1)
    cases = {
        name: {"debtor.yaml": scenario_debtor(name.title()),
               "invoices/1.yaml": scenario_invoice(f"{name.upper()}-1", issued, due, amount)}
        for name, amount in (("prompt", "100.00"), ("nudged", "200.00"), ("called", "400.00"))
    }
    events = [
        Event("prompt", lambda d: {"payments/1.yaml": scenario_payment(d, "100.00")}, after="pre-due", days=2),
        Event("nudged", lambda d: {"payments/1.yaml": scenario_payment(d, "200.00")}, after="reminder", days=3),
        Event("called", lambda d: {"payments/1.yaml": scenario_payment(d, "400.00")}, after="call", days=2),
    ]
    root = new_book(tmp_path / "scenario", "standard", cases)
    play(root, due - timedelta(days=7), due + timedelta(days=40), events)
    book, problems = load_book(root)
    assert problems == []
    history = read_history(root)
    # the run left one commit per action, with its trailers
    assert {c.stage for c in history if c.case} >= {"pre-due", "reminder", "call", "thanks"}
    got = [(s.stage, s.amount, s.payments) for s in collected_after_stage(book, history)]
    assert got == [("pre-due", D("100.00"), 1), ("reminder", D("200.00"), 1),
                   ("call", D("400.00"), 1)]
