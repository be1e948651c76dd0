"""The demo playback: months of collection, every kind of action, recorded as it happens."""

from __future__ import annotations

from datetime import date

from casebook.engine import due as engine
from casebook.book.check import check
from casebook.record.demo import STORY_CASE, play_demo
from casebook.engine.due import Status
from casebook.book.newbook import create_book

from ..engine.test_scenarios_support import git

END = date(2026, 11, 24)


def test_the_story_debtor_lives_through_a_whole_collection_and_stays_a_customer(tmp_path):
    root = tmp_path / "demo"
    create_book(root)  # no example cases: only the demo's own story debtor
    played = play_demo(root, start=date(2026, 8, 1), end=END)
    assert played.kinds == {"stage": 4, "plan-breach": 1, "thanks": 1}
    assert played.recorded == 8
    log = git(root, "log", "--reverse", "--format=%ad %s", "--date=format:%Y-%m-%d %H:%M").splitlines()
    story = [line for line in log if f" {STORY_CASE}: " in line]
    assert [line.split(" ", 2)[0] + " " + line.split(": ", 1)[1] for line in story] == [
        "2026-08-01 new debtor, two invoices",
        "2026-08-28 pre-due (email)",
        "2026-09-09 reminder (email)",
        "2026-09-11 dispute on invoice 2026-9002",
        "2026-09-15 payment of 300.00 on 2026-09-15 on invoice 2026-9001",
        "2026-09-21 call (phone)",               # Sunday 09-20: on Monday
        "2026-09-22 phone note, call done",
        "2026-09-22 promise to pay by 2026-10-02",
        "2026-10-06 second-reminder (letter)",   # the promise was broken
        "2026-10-09 payment plan, 2 installments of 650.00 in total",
        "2026-10-16 payment of 325.00 on 2026-10-16 on invoice 2026-9001",
        "2026-10-19 dispute on invoice 2026-9002 resolved",
        "2026-11-12 plan-breach (email)",         # installment of 11-06 missed, grace to 11-11
        "2026-11-19 payment of 745.00 on 2026-11-19",  # everything, after the breach letter
        "2026-11-20 thanks (email)",              # and the case is closed
    ]
    assert "07:00 " in story[1] and "10:00 " in story[3]  # the nightly run, then the desk
    book, problems = check(root)
    assert problems == []
    assert engine.case_state(book, book.cases[STORY_CASE], END).status == Status.CLOSED
    assert git(root, "status", "--porcelain") == ""
    # Playing the same days again changes nothing.
    head = git(root, "rev-parse", "HEAD")
    again = play_demo(root, start=date(2026, 11, 20), end=END)
    assert sum(again.kinds.values()) == 0 and git(root, "rev-parse", "HEAD") == head


def test_the_demo_collects_without_losing_the_customers(tmp_path):
    root = tmp_path / "demo"
    create_book(root, demo=True)
    played = play_demo(root, start=date(2026, 8, 1), end=END)
    book, problems = check(root)
    assert problems == []
    assert git(root, "status", "--porcelain") == ""
    assert "handover" not in played.kinds and played.kinds["thanks"] >= 8

    def stages(case_id: str) -> list[str]:
        return [a.stage or str(a.kind) for a in sorted(book.cases[case_id].actions,
                                                      key=lambda a: (a.date, a.id))]

    # Only the two cases whose own notes speak of our registered letter get a formal notice.
    formal = sorted(c for c in book.cases if "formal-notice" in stages(c))
    assert formal == ["bakkerij-janssens", "transport-peeters"]
    status = {c: engine.case_state(book, book.cases[c], END).status for c in book.cases}
    assert Status.AGENCY not in status.values()
    # Paid after the pre-due note (no thank-you needed) or after a reminder (thanked).
    assert stages("tom-claes") == ["pre-due"] and status["tom-claes"] == Status.CLOSED
    assert stages("lemaire-architectes") == ["reminder", "thanks"]
    assert stages("immo-vandamme") == ["reminder", "thanks"]
    assert stages("brasserie-du-marche")[-2:] == ["reminder", "thanks"]  # the other is disputed
    assert stages("smits-bouw")[-1] == "pre-due" and status["smits-bouw"] == Status.CLOSED
    # Paid after the phone call, as promised.
    assert stages("fysio-verbeke")[:5] == ["pre-due", "reminder", "call", "thanks", "pre-due"]
    assert stages("garage-de-wilde")[-1] == "thanks" and status["garage-de-wilde"] == Status.CLOSED
    # A partial payment then a promise; plans honoured; the resolved dispute then a promise.
    paused = sorted(c for c, s in status.items() if s == Status.PAUSED)
    assert paused == ["anouk-de-vries", "bakkerij-janssens", "brasserie-du-marche",
                      "frituur-pleintje", "hoogland-retail", "menuiserie-dubois",
                      "northbridge-consulting", "sophie-lambert", "transport-peeters"]
    for case_id in ("sophie-lambert", "transport-peeters", "frituur-pleintje"):
        state = engine.case_state(book, book.cases[case_id], END)
        assert state.paused_by[0].startswith("payment plan"), case_id
    assert engine.case_state(book, book.cases[STORY_CASE], END).status == Status.CLOSED
