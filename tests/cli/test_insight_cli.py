"""`casebook insight` and `casebook segment` on real books in git."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from casebook.book.errors import BookError
from casebook.record.history import read_history
from casebook.insight.segment import rewrite_segment
from casebook.insight.suggest import suggestion_for
from casebook.book.load import load_book

from ..conftest import SETTINGS, git

TODAY = "2026-11-24"


def _invoice(number: str, due: date, amount: str) -> str:
    return f'number: {number}\nissued: {due - timedelta(days=30)}\ndue: {due}\namount: "{amount}"\n'


def _payment(on: date, amount: str, number: str) -> str:
    return f'date: {on}\namount: "{amount}"\ninvoice: {number}\n'


def _action(on: date, stage: str, kind: str = "stage", channel: str = "email") -> str:
    return f"date: {on}\nkind: {kind}\n" + (f"stage: {stage}\n" if stage else "") + f"channel: {channel}\n"


def book_files() -> dict[str, str]:
    """The three debtors of test_insight_behaviour as files: always 30 days late, on time,
    and a broken payment plan."""
    files = {"casebook.yaml": SETTINGS}
    late = "cases/late30"
    files[f"{late}/debtor.yaml"] = (
        "# Always late, but a good customer.\nname: Always Late BV\n"
        "segment: standard   # chosen at signup\nemail: late@example.be\n"
    )
    for n, (due, amount) in enumerate([(date(2026, 1, 31), "1000.00"), (date(2026, 5, 1), "500.00"),
                                       (date(2026, 7, 31), "2500.00"), (date(2026, 10, 1), "1210.00")], 1):
        files[f"{late}/invoices/L-{n}.yaml"] = _invoice(f"L-{n}", due, amount)
        files[f"{late}/payments/L-{n}.yaml"] = _payment(due + timedelta(days=30), amount, f"L-{n}")
        files[f"{late}/actions/{due + timedelta(days=7)}-reminder.yaml"] = _action(due + timedelta(days=7), "reminder")
        files[f"{late}/actions/{due + timedelta(days=14)}-call.yaml"] = _action(
            due + timedelta(days=14), "call", channel="phone")
    on = "cases/ontime"
    files[f"{on}/debtor.yaml"] = "name: On Time NV\nsegment: standard\n"
    for n, (due, amount, days) in enumerate([(date(2026, 2, 10), "100.00", -2), (date(2026, 4, 10), "200.00", 0),
                                             (date(2026, 6, 10), "300.00", -1)], 1):
        files[f"{on}/invoices/O-{n}.yaml"] = _invoice(f"O-{n}", due, amount)
        files[f"{on}/payments/O-{n}.yaml"] = _payment(due + timedelta(days=days), amount, f"O-{n}")
    plan = "cases/plan"
    files[f"{plan}/debtor.yaml"] = "name: Broken Plan VOF\n"
    files[f"{plan}/invoices/P-1.yaml"] = _invoice("P-1", date(2026, 6, 30), "3000.00")
    files[f"{plan}/payments/1.yaml"] = _payment(date(2026, 7, 30), "1000.00", "P-1")
    files[f"{plan}/notes/2026-07-20-plan.md"] = (
        "---\ndate: 2026-07-20\nchannel: phone\nplan:\n"
        '  - {due: 2026-07-31, amount: "1000.00"}\n  - {due: 2026-08-31, amount: "1000.00"}\n'
        '  - {due: 2026-09-30, amount: "1000.00"}\nsigned: true\n---\nAgreed on three installments.\n'
    )
    files[f"{plan}/actions/2026-09-06-plan-breach.yaml"] = _action(date(2026, 9, 6), "", kind="plan-breach")
    return files


@pytest.fixture
def root(make_book) -> Path:
    return make_book(book_files(), base=False)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_insight_json_shows_the_suggestion_and_its_reason(root):
    out = run("insight", "late30", "--book", str(root), "--today", TODAY, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["segment"] == "standard"
    assert data["suggested_segment"] == "chronic-late"
    assert data["suggestion_reason"] == (
        "4 of 4 invoices paid late or still overdue (100%), typically 30 days late "
        "(weighted median; rule: 50% and 15 days)")
    assert (data["on_time_share"], data["average_days_late"], data["median_days_late"],
            data["usual_delay"], data["reminders_median"]) == ("0.0", "30.0", 30, 30, 2)
    assert [r["days_late"] for r in data["records"]] == [30, 30, 30, 30]

    plan = json.loads(run("insight", "plan", "--book", str(root), "--today", TODAY, "--json").output)
    assert (plan["broken_plans"], plan["suggested_segment"], plan["suggestion_reason"]) == (
        1, "hardship", "broke the payment plan of 2026-07-20 on 2026-09-06")
    assert plan["commitments"][0]["outcome"] == "broken"

    ontime = json.loads(run("insight", "ontime", "--book", str(root), "--today", TODAY, "--json").output)
    assert (ontime["on_time_share"], ontime["suggested_segment"]) == ("100.0", "reliable")
    assert ontime["suggestion_reason"] == "3 of 3 invoices paid on time (100%; rule: 90%)"


def test_status_fields_come_from_suggestion_for(root):
    """What the lead wires into `status --json`: per case, suggestion_for(...).to_json()
    gives `suggested_segment` and `suggestion_reason`, the same as `insight CASE --json`."""
    book, _ = load_book(root)
    today = date(2026, 11, 24)
    for case_id, case in book.cases.items():
        found = suggestion_for(book, case, today)
        data = json.loads(run("insight", case_id, "--book", str(root), "--today", TODAY, "--json").output)
        assert (data["suggested_segment"], data["suggestion_reason"]) == (
            (found.segment, found.reason) if found else (None, None))
    assert suggestion_for(book, book.cases["plan"], today).to_json() == {
        "suggested_segment": "hardship",
        "suggestion_reason": "broke the payment plan of 2026-07-20 on 2026-09-06",
    }


def test_insight_text(root):
    out = run("insight", "late30", "--book", str(root), "--today", TODAY)
    assert out.exit_code == 0, out.output
    assert "suggested segment: chronic-late (because 4 of 4 invoices paid late" in out.output
    assert "record it with: casebook segment late30 chronic-late" in out.output
    whole = run("insight", "--book", str(root), "--today", TODAY)
    assert whole.exit_code == 0, whole.output
    assert "  late30: standard -> chronic-late (" in whole.output
    assert "  plan: (none) -> hardship (broke the payment plan of 2026-07-20 on 2026-09-06)" in whole.output
    unknown = run("insight", "nobody", "--book", str(root), "--today", TODAY)
    assert unknown.exit_code == 1 and "no case 'nobody'" in unknown.output


def test_every_command_has_help():
    for name in ("insight", "forecast", "segment"):
        out = run(name, "--help")
        assert out.exit_code == 0 and len(out.output.splitlines()) > 5, name


# -- casebook segment ---------------------------------------------------------------------------


def test_segment_rewrites_one_line_and_commits(root):
    before = (root / "cases/late30/debtor.yaml").read_bytes()
    head = git(root, "rev-parse", "HEAD").strip()
    out = run("segment", "late30", "chronic-late", "--book", str(root), "--today", TODAY)
    assert out.exit_code == 0, out.output
    assert "late30: segment standard -> chronic-late (commit " in out.output
    after = (root / "cases/late30/debtor.yaml").read_bytes()
    assert after == before.replace(b"segment: standard   #", b"segment: chronic-late   #")
    # one commit, touching only that file, with the reason and the case trailer
    assert git(root, "rev-list", f"{head}..HEAD").split() == [git(root, "rev-parse", "HEAD").strip()]
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["cases/late30/debtor.yaml"]
    commit = read_history(root).commits[-1]
    assert commit.case == "late30"
    assert commit.subject == "late30: segment standard -> chronic-late"
    assert "Suggested by casebook insight on 2026-11-24: 4 of 4 invoices paid late" in commit.message
    assert git(root, "status", "--porcelain") == ""
    book, problems = load_book(root)
    assert problems == [] and book.cases["late30"].segment == "chronic-late"
    # the suggestion is gone now that the segment matches
    data = json.loads(run("insight", "late30", "--book", str(root), "--today", TODAY, "--json").output)
    assert data["suggested_segment"] is None and data["rule_segment"] == "chronic-late"
    # again: nothing to do, no commit
    again = run("segment", "late30", "chronic-late", "--book", str(root), "--today", TODAY)
    assert again.exit_code == 0 and "already in segment chronic-late" in again.output
    assert len(read_history(root)) == 2


def test_segment_adds_the_line_when_missing(root):
    out = run("segment", "plan", "hardship", "--book", str(root), "--today", TODAY)
    assert out.exit_code == 0, out.output
    assert (root / "cases/plan/debtor.yaml").read_text() == "name: Broken Plan VOF\nsegment: hardship\n"


def test_segment_refuses_uncommitted_edits(root):
    path = root / "cases/ontime/debtor.yaml"
    path.write_text(path.read_text() + "phone: '+32 9 000 00 00'\n")
    out = run("segment", "ontime", "reliable", "--book", str(root))
    assert out.exit_code == 1
    assert "cases/ontime/debtor.yaml has changes that are not committed" in out.output
    assert len(read_history(root)) == 1


def test_segment_refuses_bad_names_and_unknown_cases(root):
    bad = run("segment", "ontime", "Not A Slug", "--book", str(root))
    assert bad.exit_code == 1 and "is no segment name" in bad.output
    unknown = run("segment", "nobody", "reliable", "--book", str(root))
    assert unknown.exit_code == 1 and "no case 'nobody'" in unknown.output
    warned = run("segment", "ontime", "vip", "--book", str(root))
    assert warned.exit_code == 0 and "warning: there is no policy 'vip'" in warned.output
    assert len(read_history(root)) == 2


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"name: A\nsegment: standard\n", b"name: A\nsegment: reliable\n"),
        (b"name: A\r\nsegment: 'standard'  # why\r\nemail: a@b.be\r\n",
         b"name: A\r\nsegment: reliable  # why\r\nemail: a@b.be\r\n"),
        (b"# top\nname: A\nsegment:  # none yet\ntags: [x]\n",
         b"# top\nname: A\nsegment: reliable # none yet\ntags: [x]\n"),
        (b"name: A\nsegment:\n", b"name: A\nsegment: reliable\n"),
        (b"name: A\ntags:\n  - segment: x\n", b"name: A\ntags:\n  - segment: x\nsegment: reliable\n"),
        (b"name: A", b"name: A\nsegment: reliable\n"),
        (b"name: A\r\n", b"name: A\r\nsegment: reliable\r\n"),
        (b'name: A\n"segment": standard\n', b'name: A\n"segment": reliable\n'),
    ],
)
def test_rewrite_segment_keeps_every_other_byte(before, after):
    assert rewrite_segment(before, "reliable") == after


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"name: A\nsegment: a\nsegment: b\n", "cannot be read"),  # duplicate key
        (b"{name: A}\n", "cannot set the segment safely"),
        (b"name: A\nsegment:\n  standard\n", "cannot set the segment safely"),
        (b"name: [\n", "cannot be read"),
    ],
)
def test_rewrite_segment_refuses_what_it_cannot_do_safely(raw, message):
    with pytest.raises(BookError, match=message.replace("`", ".").replace("(", ".")):
        rewrite_segment(raw, "reliable")
