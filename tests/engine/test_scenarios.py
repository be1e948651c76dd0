"""Each shipped policy driven day by day over a year against a real git repository.

One book per policy holds one case per scenario (all cases follow the policy under test).
Every invoice is issued 2026-01-02 and due 2026-02-01 (a Sunday) unless said otherwise; the
expected (date, stage, channel) sequences below were worked out by hand from the policy files
and the rules in docs/advance.md, and are read back from the commit trailers. The book is
Belgian: an action that would fall on a Saturday, a Sunday or a Belgian public holiday
(2026: Easter Monday 6 April, 1 May, 21 July, ...) is taken on the next working day, and
later stages are timed from it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from casebook.book.check import check
from casebook.money.workdays import is_working_day

from .test_scenarios_support import (
    Event,
    debtor,
    git,
    invoice,
    new_book,
    note,
    payment,
    play,
    sequences,
)

ISSUED, DUE = date(2026, 1, 2), date(2026, 2, 1)
START, END = date(2026, 1, 1), date(2026, 12, 31)
#: Cron down for this case: 40 days without any run.
DOWN = (date(2026, 2, 10), date(2026, 3, 21))

#: The first stage after the due date that asks for payment in writing, per policy: the
#: scenarios react to it (the customer pays, promises, disputes... after receiving it).
FIRST_DEMAND = {
    "standard": "reminder",
    "reliable": "reminder",
    "chronic-late": "reminder",
    "new-client": "reminder",
    "key-account": "statement",
    "hardship": "plan-offer",
}


def _cases(policy: str) -> tuple[dict[str, dict[str, str]], list[Event]]:
    demand = FIRST_DEMAND[policy]
    cases = {
        name: {"debtor.yaml": debtor(name.title()), "invoices/1.yaml": invoice(f"{name}-1", ISSUED, DUE)}
        for name in (
            "never-pays", "pays", "partial", "dispute", "promise-kept", "promise-broken",
            "plan-kept", "plan-broken", "cron-down", "new-invoice", "two-invoices",
        )
    }
    cases["consumer"] = {
        "debtor.yaml": debtor("Consumer", kind="consumer"),
        "invoices/1.yaml": invoice("consumer-1", ISSUED, DUE),
    }
    cases["two-invoices"]["invoices/2.yaml"] = invoice(
        "two-invoices-2", date(2026, 1, 9), date(2026, 2, 8), "300.00"
    )

    def pay(amount: str, number: str = ""):
        return lambda d: {f"payments/{d}.yaml": payment(d, amount, number)}

    def write_note(front: str, name: str = "note"):
        return lambda d: {f"notes/{d}-{name}.md": note(d, front)}

    def promise(days: int):
        return lambda d: {f"notes/{d}-promise.md": note(d, f"promise: {{date: {d + timedelta(days=days)}}}\n")}

    def plan(d: date) -> dict[str, str]:
        rows = "".join(
            f'  - {{due: {d + timedelta(days=30 * (k + 1))}, amount: "{amount}"}}\n'
            for k, amount in enumerate(("403.33", "403.33", "403.34"))
        )
        return {f"notes/{d}-plan.md": note(d, f"plan:\n{rows}signed: true\n")}

    events = [
        Event("pays", pay("1210.00"), after=demand, days=3),
        Event("partial", pay("500.00"), after=demand, days=2),
        Event("dispute", write_note("dispute: {invoice: dispute-1, reason: not delivered}\n", "dispute"),
              after=demand, days=2),
        Event("dispute", write_note("resolved: dispute-1\n", "resolved"), after=demand, days=32),
        Event("promise-kept", promise(10), after=demand, days=1),
        Event("promise-kept", pay("1210.00"), after=demand, days=11),
        Event("promise-broken", promise(10), after=demand, days=1),
        Event("plan-kept", plan, after=demand, days=1),
        Event("plan-kept", pay("403.33"), after=demand, days=31),
        Event("plan-kept", pay("403.33"), after=demand, days=61),
        Event("plan-kept", pay("403.34"), after=demand, days=91),
        Event("plan-broken", plan, after=demand, days=1),
        Event("plan-broken", pay("403.33"), after=demand, days=31),
        Event("new-invoice", pay("1210.00"), after=demand, days=3),
        Event("new-invoice", lambda d: {"invoices/2.yaml": invoice(
            "new-invoice-2", date(2026, 6, 1), date(2026, 7, 1), "480.00")}, on=date(2026, 6, 1)),
        Event("two-invoices", pay("300.00", "two-invoices-2"), on=date(2026, 2, 20)),
    ]
    return cases, events


def _play(tmp_path: Path, policy: str) -> dict[str, list[tuple[str, str, str]]]:
    cases, events = _cases(policy)
    root = new_book(tmp_path / policy, policy, cases)
    play(root, START, END, events, down={"cron-down": DOWN})
    assert git(root, "status", "--porcelain") == ""
    return sequences(root)



# Worked out by hand from policies/*.yaml (see the module docstring); `MM-DD stage channel`.
EXPECTED = {
    "standard": """
        never-pays:     01-27 pre-due email | 02-09 reminder email | 02-20 call phone
                      | 02-23 second-reminder letter | 03-06 formal-notice registered | 03-23 agency agency
        pays:           01-27 pre-due email | 02-09 reminder email | 02-12 thanks email
        partial:        01-27 pre-due email | 02-09 reminder email | 02-20 call phone
                      | 02-23 second-reminder letter | 03-06 formal-notice registered | 03-23 agency agency
        dispute:        01-27 pre-due email | 02-09 reminder email | 03-13 call phone
                      | 03-16 second-reminder letter | 03-27 formal-notice registered | 04-13 agency agency
        promise-kept:   01-27 pre-due email | 02-09 reminder email | 02-20 thanks email
        promise-broken: 01-27 pre-due email | 02-09 reminder email | 02-24 call phone
                      | 02-27 second-reminder letter | 03-10 formal-notice registered | 03-26 agency agency
        plan-kept:      01-27 pre-due email | 02-09 reminder email | 05-11 thanks email
        plan-broken:    01-27 pre-due email | 02-09 reminder email | 04-17 plan-breach email
                      | 04-20 call phone | 04-28 second-reminder letter | 05-11 formal-notice registered
                      | 05-27 agency agency
        cron-down:      01-27 pre-due email | 02-09 reminder email | 03-23 call phone
                      | 03-26 second-reminder letter | 04-07 formal-notice registered | 04-23 agency agency
        consumer:       01-27 pre-due email | 02-09 reminder email | 02-20 call phone
                      | 02-24 second-reminder letter | 03-13 formal-notice registered | 04-01 agency agency
        new-invoice:    01-27 pre-due email | 02-09 reminder email | 02-12 thanks email
                      | 06-26 pre-due email | 07-08 reminder email | 07-20 call phone
                      | 07-23 second-reminder letter | 08-03 formal-notice registered | 08-19 agency agency
        two-invoices:   01-27 pre-due email | 02-09 reminder email | 02-20 call phone
                      | 02-23 second-reminder letter | 03-06 formal-notice registered | 03-23 agency agency
    """,
    "reliable": """
        never-pays:     02-11 reminder email | 02-26 second-reminder email | 03-09 call phone
                      | 03-16 formal-notice registered | 04-01 agency agency
        pays:           02-11 reminder email | 02-16 thanks email
        partial:        02-11 reminder email | 02-26 second-reminder email | 03-09 call phone
                      | 03-16 formal-notice registered | 04-01 agency agency
        dispute:        02-11 reminder email | 03-16 second-reminder email | 03-27 call phone
                      | 04-03 formal-notice registered | 04-20 agency agency
        promise-kept:   02-11 reminder email | 02-23 thanks email
        promise-broken: 02-11 reminder email | 03-02 second-reminder email | 03-13 call phone
                      | 03-20 formal-notice registered | 04-07 agency agency
        plan-kept:      02-11 reminder email | 05-13 thanks email
        plan-broken:    02-11 reminder email | 04-21 plan-breach email | 05-04 second-reminder email
                      | 05-15 call phone | 05-22 formal-notice registered | 06-08 agency agency
        cron-down:      03-23 reminder email | 04-07 second-reminder email | 04-20 call phone
                      | 04-27 formal-notice registered | 05-13 agency agency
        consumer:       02-11 reminder email | 02-26 second-reminder email | 03-09 call phone
                      | 03-16 formal-notice registered | 04-02 agency agency
        new-invoice:    02-11 reminder email | 02-16 thanks email | 07-13 reminder email
                      | 07-28 second-reminder email | 08-10 call phone | 08-17 formal-notice registered
                      | 09-02 agency agency
        two-invoices:   02-11 reminder email | 02-26 second-reminder email | 03-09 call phone
                      | 03-16 formal-notice registered | 04-01 agency agency
    """,
    "chronic-late": """
        never-pays:     01-26 pre-due email | 02-03 reminder email | 02-11 call phone
                      | 02-12 second-reminder letter | 02-20 formal-notice registered | 03-03 agency agency
        pays:           01-26 pre-due email | 02-03 reminder email | 02-06 thanks email
        partial:        01-26 pre-due email | 02-03 reminder email | 02-11 call phone
                      | 02-12 second-reminder letter | 02-20 formal-notice registered | 03-03 agency agency
        dispute:        01-26 pre-due email | 02-03 reminder email | 03-09 call phone
                      | 03-10 second-reminder letter | 03-18 formal-notice registered | 03-30 agency agency
        promise-kept:   01-26 pre-due email | 02-03 reminder email | 02-16 thanks email
        promise-broken: 01-26 pre-due email | 02-03 reminder email | 02-16 call phone
                      | 02-17 second-reminder letter | 02-25 formal-notice registered | 03-09 agency agency
        plan-kept:      01-26 pre-due email | 02-03 reminder email | 05-05 thanks email
        plan-broken:    01-26 pre-due email | 02-03 reminder email | 04-08 plan-breach email
                      | 04-09 call phone | 04-20 second-reminder letter | 04-28 formal-notice registered
                      | 05-11 agency agency
        cron-down:      01-26 pre-due email | 02-03 reminder email | 03-23 call phone
                      | 03-24 second-reminder letter | 04-01 formal-notice registered | 04-13 agency agency
        consumer:       01-26 pre-due email | 02-03 reminder email | 02-11 call phone
                      | 02-18 second-reminder letter | 03-09 formal-notice registered | 03-26 agency agency
        new-invoice:    01-26 pre-due email | 02-03 reminder email | 02-06 thanks email
                      | 06-24 pre-due email | 07-02 reminder email | 07-10 call phone
                      | 07-13 second-reminder letter | 07-22 formal-notice registered | 08-03 agency agency
        two-invoices:   01-26 pre-due email | 02-03 reminder email | 02-11 call phone
                      | 02-12 second-reminder letter | 02-20 formal-notice registered | 03-03 agency agency
    """,
    "new-client": """
        never-pays:     01-26 pre-due email | 02-09 reminder letter | 02-12 call phone
                      | 02-20 second-reminder letter | 03-03 formal-notice registered | 03-19 agency agency
        pays:           01-26 pre-due email | 02-09 reminder letter | 02-12 thanks email
        partial:        01-26 pre-due email | 02-09 reminder letter | 02-12 call phone
                      | 02-20 second-reminder letter | 03-03 formal-notice registered | 03-19 agency agency
        dispute:        01-26 pre-due email | 02-09 reminder letter | 03-13 call phone
                      | 03-23 second-reminder letter | 04-03 formal-notice registered | 04-20 agency agency
        promise-kept:   01-26 pre-due email | 02-09 reminder letter | 02-20 thanks email
        promise-broken: 01-26 pre-due email | 02-09 reminder letter | 02-24 call phone
                      | 03-04 second-reminder letter | 03-16 formal-notice registered | 04-01 agency agency
        plan-kept:      01-26 pre-due email | 02-09 reminder letter | 05-11 thanks email
        plan-broken:    01-26 pre-due email | 02-09 reminder letter | 04-17 plan-breach email
                      | 04-20 call phone | 04-28 second-reminder letter | 05-11 formal-notice registered
                      | 05-27 agency agency
        cron-down:      01-26 pre-due email | 02-09 reminder letter | 03-23 call phone
                      | 03-31 second-reminder letter | 04-13 formal-notice registered | 04-29 agency agency
        consumer:       01-26 pre-due email | 02-09 reminder letter | 02-12 call phone
                      | 02-26 second-reminder letter | 03-17 formal-notice registered | 04-03 agency agency
        new-invoice:    01-26 pre-due email | 02-09 reminder letter | 02-12 thanks email
                      | 06-24 pre-due email | 07-06 reminder letter | 07-09 call phone
                      | 07-17 second-reminder letter | 07-28 formal-notice registered | 08-13 agency agency
        two-invoices:   01-26 pre-due email | 02-09 reminder letter | 02-12 call phone
                      | 02-20 second-reminder letter | 03-03 formal-notice registered | 03-19 agency agency
    """,
    "key-account": """
        never-pays:     02-04 call phone | 02-05 statement email | 02-20 second-call phone
                      | 02-27 second-reminder letter | 03-16 formal-notice registered
        pays:           02-04 call phone | 02-05 statement email | 02-09 thanks email
        partial:        02-04 call phone | 02-05 statement email | 02-20 second-call phone
                      | 02-27 second-reminder letter | 03-16 formal-notice registered
        dispute:        02-04 call phone | 02-05 statement email | 03-09 second-call phone
                      | 03-16 second-reminder letter | 03-31 formal-notice registered
        promise-kept:   02-04 call phone | 02-05 statement email | 02-16 thanks email
        promise-broken: 02-04 call phone | 02-05 statement email | 02-24 second-call phone
                      | 03-03 second-reminder letter | 03-18 formal-notice registered
        plan-kept:      02-04 call phone | 02-05 statement email | 05-07 thanks email
        plan-broken:    02-04 call phone | 02-05 statement email | 04-20 plan-breach email
                      | 04-21 second-call phone | 05-04 second-reminder letter | 05-19 formal-notice registered
        cron-down:      02-04 call phone | 02-05 statement email | 03-23 second-call phone
                      | 03-30 second-reminder letter | 04-14 formal-notice registered
        consumer:       02-04 call phone | 02-05 statement email | 02-20 second-call phone
                      | 02-27 second-reminder letter | 03-18 formal-notice registered
        new-invoice:    02-04 call phone | 02-05 statement email | 02-09 thanks email
                      | 07-06 call phone | 07-07 statement email | 07-22 second-call phone
                      | 07-29 second-reminder letter | 08-13 formal-notice registered
        two-invoices:   02-04 call phone | 02-05 statement email | 02-20 second-call phone
                      | 02-27 second-reminder letter | 03-16 formal-notice registered
    """,
    "hardship": """
        never-pays:     02-04 call phone | 02-09 plan-offer letter | 03-03 second-call phone
                      | 03-10 second-reminder letter | 04-01 formal-notice registered
        pays:           02-04 call phone | 02-09 plan-offer letter | 02-12 thanks email
        partial:        02-04 call phone | 02-09 plan-offer letter | 03-03 second-call phone
                      | 03-10 second-reminder letter | 04-01 formal-notice registered
        dispute:        02-04 call phone | 02-09 plan-offer letter | 03-13 second-call phone
                      | 03-20 second-reminder letter | 04-13 formal-notice registered
        promise-kept:   02-04 call phone | 02-09 plan-offer letter | 02-20 thanks email
        promise-broken: 02-04 call phone | 02-09 plan-offer letter | 03-03 second-call phone
                      | 03-10 second-reminder letter | 04-01 formal-notice registered
        plan-kept:      02-04 call phone | 02-09 plan-offer letter | 05-11 thanks email
        plan-broken:    02-04 call phone | 02-09 plan-offer letter | 04-17 plan-breach email
                      | 04-20 second-call phone | 04-28 second-reminder letter | 05-20 formal-notice registered
        cron-down:      02-04 call phone | 02-09 plan-offer letter | 03-23 second-call phone
                      | 03-30 second-reminder letter | 04-21 formal-notice registered
        consumer:       02-04 call phone | 02-09 plan-offer letter | 03-03 second-call phone
                      | 03-10 second-reminder letter | 04-01 formal-notice registered
        new-invoice:    02-04 call phone | 02-09 plan-offer letter | 02-12 thanks email
                      | 07-06 call phone | 07-10 plan-offer letter | 08-03 second-call phone
                      | 08-10 second-reminder letter | 09-01 formal-notice registered
        two-invoices:   02-04 call phone | 02-09 plan-offer letter | 03-03 second-call phone
                      | 03-10 second-reminder letter | 04-01 formal-notice registered
    """,
}


def _parse(table: str) -> dict[str, list[tuple[str, str, str]]]:
    found: dict[str, list[tuple[str, str, str]]] = {}
    case = ""
    for raw in table.strip().splitlines():
        line = raw.strip()
        if not line.startswith("|"):
            case, line = (part.strip() for part in line.split(":", 1))
            found[case] = []
        for step in line.strip("| ").split(" | "):
            when, stage, channel = step.split()
            found[case].append((f"2026-{when}", stage, channel))
    return found


def _records(root: Path, case: str) -> list[dict]:
    import yaml

    folder = root / "cases" / case / "actions"
    return [yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yaml")) if p.name.count(".") == 1]


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_policy_over_a_year(tmp_path: Path, policy: str) -> None:
    cases, events = _cases(policy)
    root = new_book(tmp_path / policy, policy, cases)
    run = play(root, START, END, events, down={"cron-down": DOWN})

    assert sequences(root) == _parse(EXPECTED[policy])

    # Exactly one commit per action, each touching only its own case's actions.
    book, problems = check(root)
    assert problems == []
    recorded = sum(len(c.actions) for c in book.cases.values())
    assert run.commits == recorded
    action_commits = git(root, "log", "--format=%H", "--grep=^Casebook-Case:").split()
    assert len(action_commits) == recorded
    for sha in action_commits:
        case = git(root, "log", "-1", "--format=%(trailers:key=Casebook-Case,valueonly)", sha).strip()
        touched = git(root, "show", "--name-only", "--format=", sha).split()
        assert touched and all(path.startswith(f"cases/{case}/actions/") for path in touched)
    assert git(root, "status", "--porcelain") == ""

    # Partial payments move the balance, not the stage.
    partial = _records(root, "partial")
    demand = FIRST_DEMAND[policy]
    first = next(i for i, r in enumerate(partial) if r.get("stage") == demand)
    assert partial[first]["balance"] == "1210.00"
    assert {r["balance"] for r in partial[first + 1:]} == {"710.00"}

    # One statement per debtor: every open invoice, not one letter per invoice.
    two = _records(root, "two-invoices")
    both = ["two-invoices-1", "two-invoices-2"]
    assert all(r["invoices"] == both for r in two if r["date"] < date(2026, 2, 20))
    assert all(r["invoices"] == ["two-invoices-1"] for r in two if r["date"] >= date(2026, 2, 20))

    # A dispute takes the invoice out of the letters; nothing is sent while it runs.
    dispute = _records(root, "dispute")
    opened = next(r["date"] for r in dispute if r.get("stage") == demand) + timedelta(days=2)
    resolved = opened + timedelta(days=30)
    assert not [r for r in dispute if opened <= r["date"] < resolved]
    first_working = resolved
    while not is_working_day(first_working, "BE"):
        first_working += timedelta(days=1)
    assert next(r for r in dispute if r["date"] >= resolved)["date"] == first_working

    # Nothing is dated on a weekend or a Belgian public holiday.
    for case_id, steps in sequences(root).items():
        assert all(is_working_day(date.fromisoformat(day), "BE") for day, _, _ in steps), case_id

    # Consumers get the legal waiting period on every written demand after the due date.
    consumer = [r for r in _records(root, "consumer")
                if r["channel"] in ("email", "letter", "registered") and r["date"] > DUE]
    assert consumer and all((r["deadline"] - r["date"]).days >= 14 for r in consumer)


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_every_shipped_policy_sends_a_dutch_consumer_valid_14_dagenbrieven(tmp_path, policy):
    from dataclasses import replace

    from casebook.engine import due as engine
    from casebook.money.claim import claim_for
    from casebook.money.law import LawOptions, nl_notice_end

    root = new_book(tmp_path / policy, policy, {"klant": {
        "debtor.yaml": debtor("Klant", kind="consumer"),
        "invoices/1.yaml": invoice("klant-1", ISSUED, DUE)}})
    settings = (root / "casebook.yaml").read_text().replace("jurisdiction: BE", "jurisdiction: NL")
    (root / "casebook.yaml").write_text(settings)
    book, problems = check(root)
    assert problems == [] and book.settings.jurisdiction == "NL"
    case = book.cases["klant"]
    timeline = engine.schedule(book, case, START, END)
    written = [d for d in timeline if str(d.channel) in ("email", "letter", "registered")
               and d.date > DUE]
    assert written
    for due in written:
        action = engine.as_action(due)
        assert due.deadline is not None and due.deadline >= nl_notice_end(action, LawOptions())
    # Costs count from the day after the first demand's 14 days, without a warning.
    taken = replace(case, actions=tuple(engine.as_action(d) for d in timeline))
    claim = claim_for(book, taken, written[0].deadline + timedelta(days=1))
    assert claim.costs > 0 and not [w for w in claim.warnings if "14-dagenbrief" in w]


if __name__ == "__main__":  # print the sequences, to check them by hand
    import sys
    import tempfile

    for name in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            found = _play(Path(tmp), name)
            print(f"== {name}")
            for case_id, seq in sorted(found.items()):
                print(f"  {case_id!r}: [")
                for item in seq:
                    print(f"      {item!r},")
                print("  ],")
