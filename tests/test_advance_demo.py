"""The demo playback: months of collection, every kind of action, recorded as it happens."""

from __future__ import annotations

from datetime import date

from casebook.check import check
from casebook.demo import STORY_CASE, play_demo
from casebook.newbook import create_book

from .test_scenarios_support import git


def test_the_story_debtor_lives_through_every_kind_of_action(tmp_path):
    root = tmp_path / "demo"
    create_book(root)  # no example cases: only the demo's own story debtor
    played = play_demo(root, start=date(2026, 8, 1), end=date(2026, 11, 24))
    assert played.kinds == {"stage": 5, "plan-breach": 1}
    assert played.recorded == 7
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
        "2026-11-23 formal-notice (registered)",  # after the breach letter's deadline (Sunday)
    ]
    assert "07:00 " in story[2]  # commits carry the simulated day and hour
    book, problems = check(root)
    assert problems == []
    assert git(root, "status", "--porcelain") == ""
    # Playing the same days again changes nothing.
    head = git(root, "rev-parse", "HEAD")
    again = play_demo(root, start=date(2026, 11, 20), end=date(2026, 11, 24))
    assert sum(again.kinds.values()) == 0 and git(root, "rev-parse", "HEAD") == head
