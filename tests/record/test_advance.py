"""`casebook advance` and `casebook schedule` against real git repositories."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from casebook.record.advance import advance, recover
from casebook.cli import main
from casebook.record.gitstore import Store
from casebook.letters.email import parse_eml
from casebook.record import send as mail

from ..engine.test_scenarios_support import debtor, git, invoice, new_book, write

DAY = date(2026, 2, 9)  # standard policy: the reminder of an invoice due 02-01 is due
CASE_IDS = [f"klant-{n:02d}" for n in range(1, 9)]


def make(tmp_path: Path, case_ids=CASE_IDS, settings_extra: str = "") -> Path:
    cases = {
        case_id: {
            "debtor.yaml": debtor(f"Klant {case_id}"),
            "invoices/1.yaml": invoice(f"{case_id}-1", date(2026, 1, 2), date(2026, 2, 1), f"{100 + n}.00"),
        }
        for n, case_id in enumerate(case_ids)
    }
    root = new_book(tmp_path / "book", "standard", cases)
    if settings_extra:
        with (root / "casebook.yaml").open("a") as handle:
            handle.write(settings_extra)
        git(root, "commit", "-q", "-am", "settings")
    return root


def snapshot(root: Path) -> tuple[str, str, str]:
    """HEAD, the tree it points at, and a hash of every file outside .git."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if ".git" not in p.relative_to(root).parts):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return git(root, "rev-parse", "HEAD"), git(root, "rev-parse", "HEAD^{tree}"), digest.hexdigest()


def test_one_commit_per_action_with_message_and_trailers(tmp_path):
    root = make(tmp_path, CASE_IDS[:2])
    report = advance(root, today=DAY)
    assert report.ok and len(report.taken) == 2
    head = git(root, "log", "-1", "--format=%an <%ae>%n%B")
    assert head.splitlines()[0] == "casebook <casebook@localhost>"  # settings.operator
    assert head.splitlines()[1] == "klant-02: reminder (email)"
    for trailer in ("Casebook-Case: klant-02", "Casebook-Stage: reminder", "Casebook-Channel: email",
                    "Casebook-Date: 2026-02-09"):
        assert trailer in head
    touched = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert touched == [f"cases/klant-02/actions/2026-02-09-reminder.{ext}" for ext in ("eml", "html", "md", "yaml")]
    record = yaml.safe_load((root / "cases/klant-02/actions/2026-02-09-reminder.yaml").read_text())
    assert record["kind"] == "stage" and record["stage"] == "reminder" and record["channel"] == "email"
    assert record["balance"] == "101.00" and record["invoices"] == ["klant-02-1"]
    assert record["deadline"] == date(2026, 2, 19)
    assert record["files"] == [f"2026-02-09-reminder.{ext}" for ext in ("eml", "html", "md")]
    assert git(root, "status", "--porcelain") == ""


def test_an_email_stage_for_a_debtor_without_email_is_posted_not_blocked(tmp_path):
    root = make(tmp_path, CASE_IDS[:2])
    write(root, {"cases/klant-01/debtor.yaml": "name: Klant zonder e-mail\nkind: business\n"})
    git(root, "commit", "-q", "-am", "no email")
    report = advance(root, today=DAY)
    assert report.ok and [t.action.case_id for t in report.taken] == CASE_IDS[:2]
    message = git(root, "log", "-1", "--format=%B", "--", "cases/klant-01")
    assert message.startswith("klant-01: reminder (letter)")
    assert "Casebook-Channel: letter" in message and "Casebook-Stage: reminder" in message
    record = yaml.safe_load((root / "cases/klant-01/actions/2026-02-09-reminder.yaml").read_text())
    assert record["channel"] == "letter"
    assert record["files"] == ["2026-02-09-reminder.html", "2026-02-09-reminder.md"]
    assert git(root, "log", "-1", "--format=%B", "--", "cases/klant-02").startswith(
        "klant-02: reminder (email)")


def test_same_day_twice_leaves_the_repository_byte_identical(tmp_path):
    root = make(tmp_path, CASE_IDS[:3])
    assert len(advance(root, today=DAY).taken) == 3
    before = snapshot(root)
    again = advance(root, today=DAY)
    assert again.taken == [] and again.ok
    assert snapshot(root) == before


def test_dry_run_prints_and_writes_nothing(tmp_path):
    root = make(tmp_path, CASE_IDS[:2])
    before = snapshot(root)
    result = CliRunner().invoke(main, ["advance", "--today", "2026-02-09", "--dry-run", "--book", str(root)])
    assert result.exit_code == 0, result.output
    assert "klant-01: reminder (email), deadline 2026-02-19, balance 100.00" in result.output
    assert "would take 2 action(s)" in result.output
    assert snapshot(root) == before


def test_a_case_with_uncommitted_edits_is_skipped_and_left_alone(tmp_path):
    root = make(tmp_path, CASE_IDS[:2])
    edit = root / "cases/klant-01/notes/draft.md"
    write(root, {"cases/klant-01/notes/draft.md": "---\ndate: 2026-02-08\n---\nhalf"})
    result = CliRunner().invoke(main, ["advance", "--today", "2026-02-09", "--book", str(root)])
    assert result.exit_code == 1
    assert "klant-01: skipped: uncommitted changes in the case folder (cases/klant-01/notes/draft.md)" in result.output
    assert "klant-02: reminder (email)" in result.output
    assert edit.read_text() == "---\ndate: 2026-02-08\n---\nhalf"
    assert git(root, "status", "--porcelain", "-uall") == "?? cases/klant-01/notes/draft.md\n"
    assert not (root / "cases/klant-01/actions").exists()


def test_only_the_named_cases_and_unknown_ones_are_problems(tmp_path):
    root = make(tmp_path, CASE_IDS[:3])
    report = advance(root, today=DAY, case_ids=["klant-02", "nobody"])
    assert [t.action.case_id for t in report.taken] == ["klant-02"]
    assert [str(p) for p in report.problems] == ["cases/nobody:1: no case 'nobody' in the book"]


def test_a_case_with_problems_is_not_advanced(tmp_path):
    root = make(tmp_path, CASE_IDS[:2])
    write(root, {"cases/klant-01/payments/bad.yaml": 'date: 2026-02-03\namount: "-5"\n'})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "bad payment")
    report = advance(root, today=DAY)
    assert [t.action.case_id for t in report.taken] == ["klant-02"]
    assert report.skipped and report.skipped[0][0] == "klant-01"
    assert any(p.path == "cases/klant-01/payments/bad.yaml" for p in report.problems)


def test_a_second_run_waits_for_the_lock_or_refuses(tmp_path):
    root = make(tmp_path, CASE_IDS[:1])
    store = Store(root)
    with store.lock():
        refused = subprocess.run(
            [sys.executable, "-m", "casebook", "advance", "--today", "2026-02-09", "--no-wait",
             "--book", str(root)], capture_output=True, text=True)
        assert refused.returncode == 1
        assert "another casebook command is writing" in refused.stderr
        waiting = subprocess.Popen(
            [sys.executable, "-m", "casebook", "advance", "--today", "2026-02-09", "--book", str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert waiting.poll() is None  # blocked on the lock, has written nothing
        assert not (root / "cases/klant-01/actions").exists()
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert "took 1 action(s)" in out


def test_recover_removes_only_uncommitted_action_files(tmp_path):
    root = make(tmp_path, CASE_IDS[:1])
    advance(root, today=DAY)
    committed = root / f"cases/klant-01/actions/2026-02-09-reminder{mail.SENT}"
    write(root, {
        "cases/klant-01/actions/2026-02-20-call.md": "left by a crash",
        "cases/klant-01/actions/.2026-02-20-call.yaml.x1y2.tmp": "half",
        f"cases/klant-01/actions/2026-02-09-reminder{mail.SENT}": "a mail marker of a committed action",
        "cases/klant-01/notes/mine.md": "a user's file",
    })
    git(root, "add", "cases/klant-01/actions/2026-02-20-call.md")
    assert recover(Store(root)) == [
        "cases/klant-01/actions/.2026-02-20-call.yaml.x1y2.tmp",
        "cases/klant-01/actions/2026-02-20-call.md",
    ]
    assert committed.exists() and (root / "cases/klant-01/notes/mine.md").exists()
    assert git(root, "diff", "--cached", "--name-only") == ""


# -- crash safety ------------------------------------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.ids.append(parse_eml(envelope.content)["Message-ID"])
        return "250 2.0.0 Ok"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_after(args: list[str], env: dict[str, str], delay: float) -> int:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        return process.wait()


def test_killed_at_many_points_then_rerun_gives_one_commit_per_action_and_no_double_email(tmp_path):
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        root = make(tmp_path, CASE_IDS, f"mail: {{send: true, host: 127.0.0.1, port: {controller.port}}}\n")
        args = [sys.executable, "-m", "casebook", "advance", "--today", "2026-02-09", "--book", str(root)]
        env = {**os.environ}
        # Kills at chosen commits (before and after the n-th) ...
        for phase, number in (("before", 1), ("after", 2), ("before", 4), ("after", 5), ("after", 8)):
            _kill_after(args, {**env, "CASEBOOK_TEST_ADVANCE_CRASH": f"{phase}:{number}"}, 60)
        # ... then at random moments, anywhere (inside git, inside a send).
        rng = random.Random(20260209)
        for _ in range(6):
            _kill_after(args, env, rng.uniform(0.2, 1.5))
        final = subprocess.run(args, env=env, capture_output=True, text=True)
        assert final.returncode == 0, final.stderr
    finally:
        controller.stop()

    records = sorted(root.glob("cases/*/actions/*-reminder.yaml"))
    assert len(records) == len(CASE_IDS)
    action_commits = git(root, "log", "--format=%H", "--grep=^Casebook-Stage:").split()
    assert len(action_commits) == len(CASE_IDS)
    assert git(root, "status", "--porcelain") == ""
    # No email reached the server twice; each one went out (`.sent`, received) or is reported
    # as uncertain (`.sending` only: a kill between the server's 250 and the marker, so the
    # server may or may not have it).
    received = [i.strip() for i in collector.ids]
    assert len(received) == len(set(received))
    emails = sorted(root.glob("cases/*/actions/*.eml"))
    assert len(emails) == len(CASE_IDS)
    ids = {e: parse_eml(e.read_bytes())["Message-ID"].strip() for e in emails}
    sent = [e for e in emails if e.with_suffix(mail.SENT).exists()]
    uncertain = [e for e in emails if e.with_suffix(mail.SENDING).exists() and e not in sent]
    assert len(sent) + len(uncertain) == len(emails)
    assert {ids[e] for e in sent} <= set(received) <= set(ids.values())


# -- pushing ------------------------------------------------------------------------------------


def _remote_and_clone(tmp_path: Path) -> tuple[Path, Path]:
    origin = make(tmp_path, CASE_IDS[:2])
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(bare))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    return bare, clone


def test_push_sends_the_commits_to_the_remote(tmp_path):
    bare, clone = _remote_and_clone(tmp_path)
    report = advance(clone, today=DAY, push=True)
    assert report.push == "pushed to origin/main"
    assert git(bare, "rev-parse", "main") == git(clone, "rev-parse", "HEAD")
    assert git(bare, "log", "-1", "--format=%s", "main").strip() == "klant-02: reminder (email)"


def test_push_rebases_and_retries_when_the_remote_moved_meanwhile(tmp_path):
    bare, clone = _remote_and_clone(tmp_path)
    other = tmp_path / "colleague"
    git(tmp_path, "clone", "-q", str(bare), str(other))
    # The colleague pushes a payment between our pull and our push: a pre-push hook in our
    # clone does it once, so our first push is refused.
    hook = clone / ".git/hooks/pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        f"if [ ! -e '{tmp_path}/moved' ]; then touch '{tmp_path}/moved'; cd '{other}' && "
        "mkdir -p cases/klant-01/payments && "
        "printf 'date: 2026-02-09\\namount: \"5.00\"\\n' > cases/klant-01/payments/p.yaml && "
        "git add -A && git commit -qm 'klant-01: payment' && git push -q origin main; fi\n"
    )
    hook.chmod(0o755)
    report = advance(clone, today=DAY, push=True)
    assert report.push == "pushed to origin/main (attempt 2)"
    subjects = git(bare, "log", "--format=%s", "main").splitlines()
    assert subjects[:3] == ["klant-02: reminder (email)", "klant-01: reminder (email)", "klant-01: payment"]
    assert git(clone, "status", "--porcelain") == ""


def test_push_pulls_first_so_a_payment_recorded_elsewhere_counts(tmp_path):
    bare, clone = _remote_and_clone(tmp_path)
    other = tmp_path / "colleague"
    git(tmp_path, "clone", "-q", str(bare), str(other))
    write(other, {"cases/klant-01/payments/p.yaml": 'date: 2026-02-08\namount: "100.00"\n'})
    git(other, "add", "-A")
    git(other, "commit", "-qm", "klant-01 paid")
    git(other, "push", "-q", "origin", "main")
    report = advance(clone, today=DAY, push=True)
    assert [t.action.case_id for t in report.taken] == ["klant-02"]  # klant-01 paid in full


def test_the_documented_nightly_workflow_runs_against_a_bare_remote(tmp_path):
    """The `casebook` steps of docs/examples/casebook-nightly.yml, on a local remote."""
    workflow = yaml.safe_load((Path(__file__).parents[2] / "docs/examples/casebook-nightly.yml").read_text())
    steps = [s["run"] for job in workflow["jobs"].values() for s in job["steps"]
             if "casebook " in s.get("run", "") and "pip install" not in s.get("run", "")]
    assert any("advance --push" in s for s in steps)
    from casebook.cli.common import clock_today
    from datetime import timedelta

    today = clock_today("Europe/Brussels")  # the workflow uses the clock: dates relative to it
    origin = new_book(tmp_path / "book", "standard", {
        "acme": {"debtor.yaml": debtor("Acme"),
                 "invoices/1.yaml": invoice("acme-1", today - timedelta(days=40), today - timedelta(days=8))},
    })
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(bare))
    work = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    for step in steps:
        command = step.replace("casebook ", f"{sys.executable} -m casebook ")
        done = subprocess.run(command, shell=True, cwd=work, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert git(bare, "log", "-1", "--format=%s", "main").strip() == "acme: reminder (email)"


# -- schedule -------------------------------------------------------------------------------------


def test_schedule_prints_the_timeline_and_json(tmp_path):
    root = make(tmp_path, CASE_IDS[:1])
    runner = CliRunner()
    result = runner.invoke(main, ["schedule", "klant-01", "--today", "2026-01-20", "--until", "2026-03-31",
                                  "--book", str(root)])
    assert result.exit_code == 0, result.output
    # The agency stage falls on Sunday 03-22: Monday 03-23.
    assert "2026-01-27  pre-due" in result.output and "2026-03-23  agency" in result.output
    result = runner.invoke(main, ["schedule", "klant-01", "--today", "2026-01-20", "--until", "2026-02-20",
                                  "--json", "--book", str(root)])
    data = json.loads(result.output)
    assert data["case"] == "klant-01" and data["policy"] == "standard"
    assert [(a["date"], a["stage"], a["channel"]) for a in data["actions"]] == [
        ("2026-01-27", "pre-due", "email"), ("2026-02-09", "reminder", "email"), ("2026-02-20", "call", "phone")]
    assert data["actions"][1]["principal"] == "100.00" and data["actions"][1]["deadline"] == "2026-02-19"
    assert runner.invoke(main, ["schedule", "nobody", "--book", str(root)]).exit_code == 1
    # The handover carries the full claim: principal, interest and the flat 40.00.
    result = runner.invoke(main, ["schedule", "klant-01", "--today", "2026-01-20", "--until", "2026-03-31",
                                  "--json", "--book", str(root)])
    agency = json.loads(result.output)["actions"][-1]
    assert (agency["stage"], agency["principal"]) == ("agency", "100.00")
    assert D(agency["total"]) > D("140.00")


def test_schedule_counts_the_earlier_scheduled_reminders_of_a_consumer(tmp_path):
    # Book XIX: nothing may be charged before the first reminder's waiting period, so the
    # amounts of later stages depend on the reminders scheduled before them.
    root = new_book(tmp_path / "book", "standard", {"anna": {
        "debtor.yaml": debtor("Anna", kind="consumer"),
        "invoices/1.yaml": invoice("anna-1", date(2026, 1, 2), date(2026, 2, 1), "600.00")}})
    result = CliRunner().invoke(main, ["schedule", "anna", "--today", "2026-01-20", "--until", "2026-04-30",
                                       "--json", "--book", str(root)])
    rows = {a["stage"]: a for a in json.loads(result.output)["actions"]}
    assert rows["reminder"]["total"] == "600.00"  # the first reminder is free
    # Formal notice: interest since the waiting period and the Book XIX damages (65 + 5 %).
    assert D(rows["formal-notice"]["total"]) > D("670.00")
    assert D(rows["agency"]["total"]) >= D(rows["formal-notice"]["total"])


def test_rendering_spread_over_processes_gives_the_same_commits(tmp_path, monkeypatch):
    import casebook.record.actionfiles as actionfiles

    serial = make(tmp_path / "a", CASE_IDS[:4])
    parallel = make(tmp_path / "b", CASE_IDS[:4])
    advance(serial, today=DAY)
    monkeypatch.setattr(actionfiles, "PARALLEL_FROM", 2)
    report = advance(parallel, today=DAY)
    assert [t.action.case_id for t in report.taken] == CASE_IDS[:4]
    assert git(serial, "rev-parse", "HEAD^{tree}") == git(parallel, "rev-parse", "HEAD^{tree}")
    assert git(serial, "log", "--format=%s%n%b") == git(parallel, "log", "--format=%s%n%b")
    # The workers staged each file beside its path; the flush renamed every one into place.
    assert git(parallel, "status", "--porcelain", "--untracked-files=all") == ""


def test_files_staged_by_workers_for_actions_never_committed_are_removed(tmp_path, monkeypatch):
    """The rendering workers write each letter beside its path before the commit is made:
    when the run stops at the third commit, the two before it are kept with their files and
    nothing staged for the others is left behind."""
    import casebook.record.actionfiles as actionfiles
    from casebook.book.errors import BookError
    from casebook.record.gitbatch import Batch

    root = make(tmp_path / "book", CASE_IDS[:6])
    monkeypatch.setattr(actionfiles, "PARALLEL_FROM", 2)
    commit, calls = Batch.commit, []

    def failing(self, files, *args, **kwargs):
        calls.append(files)
        if len(calls) == 3:
            raise BookError("stopped by the test")
        return commit(self, files, *args, **kwargs)

    monkeypatch.setattr(Batch, "commit", failing)
    try:
        advance(root, today=DAY, send_mail=False)
    except BookError as error:
        assert "stopped by the test" in str(error)
    else:
        raise AssertionError("the run went on")
    assert all(isinstance(data, actionfiles.Staged) for data in calls[2].values())
    assert git(root, "log", "--format=%s").count("(email)") == 2
    assert not [p for p in root.rglob("*.tmp")], "staged files were left behind"
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    # The next run takes the other four.
    monkeypatch.setattr(Batch, "commit", commit)
    assert len(advance(root, today=DAY, send_mail=False).taken) == 4


def test_a_staged_file_whose_temporary_went_is_written_from_its_blob(tmp_path):
    from casebook.record.gitobjects import blob_content, prepare_blob
    from casebook.record.gitworktree import Staged, place_file, stage_file

    path = tmp_path / "actions" / "letter.md"
    data = "Geachte klant,\n".encode() * 100
    staged = Staged(stage_file(path, data), prepare_blob(data))
    assert blob_content(staged.blob) == data and Path(staged.tmp).parent == path.parent
    os.unlink(staged.tmp)
    place_file(path, staged)
    assert path.read_bytes() == data and list(path.parent.iterdir()) == [path]


def test_a_full_disk_in_a_rendering_worker_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    """The workers write the letters: when the disk is full for the third one, the command
    says so (the file and why) and exits 1; what was committed before it keeps its files
    (the results come back in chunks: maybe none), nothing staged is left behind, and the
    next run takes the rest."""
    import errno

    import casebook.record.actionfiles as actionfiles

    root = make(tmp_path / "book", CASE_IDS[:6])
    monkeypatch.setattr(actionfiles, "PARALLEL_FROM", 2)
    stage = actionfiles.stage_file

    def full(path, data):
        if "klant-03" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return stage(path, data)

    monkeypatch.setattr(actionfiles, "stage_file", full)
    result = CliRunner().invoke(main, ["advance", "--today", "2026-02-09", "--book", str(root)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "No space left on device" in result.output and "klant-03" in result.output
    assert "Traceback" not in result.output
    committed = git(root, "log", "--format=%s").count("(email)")
    assert committed <= 2
    assert not [p for p in root.rglob("*.tmp")], "staged files were left behind"
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    monkeypatch.setattr(actionfiles, "stage_file", stage)
    assert len(advance(root, today=DAY, send_mail=False).taken) == 6 - committed


@pytest.mark.parametrize("point", ["batch:commit:3", "batch:pack:1", "batch:branch:1",
                                   "batch:tree:5", "batch:index:1", "advance:after-commit:4"])
def test_a_run_whose_workers_staged_the_letters_killed_then_rerun_is_whole(tmp_path, monkeypatch, point):
    """Killed with SIGKILL at a step of the batch while the rendering workers stage the
    letters: the rerun leaves every case with its one action, its files those committed,
    and no temporary anywhere."""
    import casebook.record.actionfiles as actionfiles
    from .test_crash_support import run_cli

    root = make(tmp_path / "book", CASE_IDS[:6])
    monkeypatch.setattr(actionfiles, "PARALLEL_FROM", 2)  # the forked child inherits it
    killed = run_cli(["advance", "--today", "2026-02-09", "--book", str(root)], crash=point)
    assert killed.killed, (killed.code, killed.err)
    again = run_cli(["advance", "--today", "2026-02-09", "--book", str(root)])
    assert again.code == 0, again.err
    log = git(root, "log", "--format=%s")
    assert sorted(line.split(":")[0] for line in log.splitlines() if "(email)" in line) == CASE_IDS[:6]
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert not [p for p in root.rglob("*.tmp")]
    for case in CASE_IDS[:6]:
        for name in ("md", "html", "eml", "yaml"):
            rel = f"cases/{case}/actions/2026-02-09-reminder.{name}"
            committed = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, check=True,
                                       capture_output=True).stdout
            assert (root / rel).read_bytes() == committed, rel
