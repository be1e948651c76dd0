"""`casebook export` is the handover to the agency: said before, said after, and every view
of the case agrees on it afterwards (status, schedule, the site's figures)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from casebook.cli import main
from casebook.cli import trail

from ..conftest import git

TODAY = "2026-11-24"


def run(root, *args, **kwargs):
    return CliRunner().invoke(main, [*args, "--book", str(root)], catch_exceptions=False, **kwargs)


@pytest.fixture
def reminded(make_book):
    root = make_book()
    assert run(root, "advance", "--today", "2026-10-08").exit_code == 0  # the reminder
    return root


def test_the_bundle_goes_to_an_ignored_exports_folder_and_the_count_holds_the_dossier(reminded):
    result = run(reminded, "export", "janssens", "--today", TODAY)
    assert result.exit_code == 0, result.output
    bundle = reminded / "exports" / f"janssens-{TODAY}.bundle"
    assert bundle.is_file()
    assert git(reminded, "status", "--porcelain") == ""  # nothing untracked left in the book
    git(reminded.parent, "clone", "-q", str(bundle), "agency")
    count = int(git(reminded.parent / "agency", "rev-list", "--count", "HEAD"))
    assert f"Wrote exports/janssens-{TODAY}.bundle: {count} commit(s)" in result.output
    assert f"{count - 1} of cases/janssens/ and 1 with the dossier" in result.output
    assert "exports/ folder, which git ignores" in result.output
    assert "sends no more reminders on janssens" in result.output


def test_status_schedule_and_the_site_agree_after_the_handover(reminded):
    assert run(reminded, "export", "janssens", "--today", TODAY).exit_code == 0
    data = json.loads(run(reminded, "status", "--today", TODAY, "--json").output)
    row = next(r for r in data["cases"] if r["case"] == "janssens")
    assert row["status"] == "agency" and row["next_action"] is None
    handed = git(reminded, "show", "HEAD:cases/janssens/actions/" + f"{TODAY}-handover.yaml")
    assert f"stage: {row['stage']}" in handed  # the handover's own stage, not the reminder's
    table = run(reminded, "status", "--today", TODAY).output
    line = next(x for x in table.splitlines() if x.startswith("janssens"))
    assert row["stage"] in line and "with the agency" in line and "reminder" not in line
    schedule = run(reminded, "schedule", "janssens", "--today", TODAY).output
    assert "agency" in schedule


def test_on_a_terminal_the_handover_is_asked_first(reminded, monkeypatch):
    monkeypatch.setattr(trail, "interactive", lambda: True)
    head = git(reminded, "rev-parse", "HEAD")
    no = run(reminded, "export", "janssens", "--today", TODAY, input="n\n")
    assert no.exit_code == 1 and "sends no more reminders on this case" in no.output
    assert git(reminded, "rev-parse", "HEAD") == head and not (reminded / "exports").exists()
    yes = run(reminded, "export", "janssens", "--today", TODAY, input="y\n")
    assert yes.exit_code == 0 and "Handed over" in yes.output
    assert git(reminded, "rev-parse", "HEAD") != head


def test_yes_skips_the_question(reminded, monkeypatch):
    monkeypatch.setattr(trail, "interactive", lambda: True)
    result = run(reminded, "export", "janssens", "--today", TODAY, "--yes")
    assert result.exit_code == 0 and "Go on?" not in result.output


def test_status_shows_what_happens_next_and_when(reminded):
    table = run(reminded, "status", "--today", "2026-10-09").output
    header = table.splitlines()[0]
    assert "next action" in header
    line = next(x for x in table.splitlines() if x.startswith("janssens"))
    assert "call 2026-10-15" in line  # the policy's phone call, 7 days after the reminder
