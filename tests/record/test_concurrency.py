"""Several writers at once on one book: real processes, real timing.

- two `advance` runs: the second waits for the first (or refuses with --no-wait); every
  action is taken once and the commits of one run are never interleaved with the other's;
- `advance` while a user edits case files: the edits stay on disk, uncommitted, in no
  commit; the edited cases are skipped, the others advanced;
- `pay` during `advance`: it waits for the lock; both are recorded, nothing interleaves.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from casebook.book.check import check

from ..engine.test_scenarios_support import debtor, git, invoice, new_book

TODAY = "2026-02-09"
CASES = [f"klant-{n:02d}" for n in range(1, 41)]


def make(tmp_path: Path, cases=CASES) -> Path:
    files = {
        case_id: {
            "debtor.yaml": debtor(f"Klant {case_id}"),
            "invoices/1.yaml": invoice(f"{case_id}-1", date(2026, 1, 2), date(2026, 2, 1),
                                       f"{100 + n}.00"),
        }
        for n, case_id in enumerate(cases)
    }
    return new_book(tmp_path / "book", "standard", files)


def casebook(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "casebook", *args, "--book", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def lock_is_held(root: Path) -> bool:
    path = root / ".git" / "casebook.lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def wait_for_lock(root: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not lock_is_held(root):
        assert process.poll() is None, "the first run ended before it took the lock"
        assert time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.005)


def action_commits(root: Path) -> list[tuple[str, str]]:
    """(commit, case) of every action commit, oldest first."""
    out = git(root, "log", "--reverse", "--format=%H %(trailers:key=Casebook-Case,valueonly)",
              "--grep=^Casebook-Stage:")
    return [tuple(line.split()) for line in out.splitlines() if line.strip()]


def assert_consistent(root: Path) -> None:
    assert git(root, "status", "--porcelain=v1", "--untracked-files=all") == ""
    assert check(root)[1] == []


def test_two_advance_runs_at_once_never_interleave(tmp_path):
    root = make(tmp_path)
    first = casebook(root, "advance", "--today", TODAY)
    wait_for_lock(root, first)
    second = casebook(root, "advance", "--today", TODAY)
    refused = casebook(root, "advance", "--today", TODAY, "--no-wait")
    code, out, err = finish(refused)
    assert code == 1 and "another casebook command is writing to this book" in err
    code1, out1, err1 = finish(first)
    code2, out2, err2 = finish(second)
    assert (code1, code2) == (0, 0), err1 + err2
    assert f"took {len(CASES)} action(s)" in out1
    assert "took 0 action(s)" in out2  # it waited, then found everything done
    commits = action_commits(root)
    assert sorted(case for _, case in commits) == CASES  # each case once
    assert_consistent(root)


def test_advance_while_a_user_edits_case_files(tmp_path):
    root = make(tmp_path)
    # An edit in progress before the run starts ...
    before = root / "cases/klant-01/debtor.yaml"
    before.write_text(before.read_text() + "contact: An De Smet  # USER-EDIT-1\n")
    run = casebook(root, "advance", "--today", TODAY)
    wait_for_lock(root, run)
    # ... and edits made while it runs: a debtor file changed, a new note, a new invoice.
    during = root / "cases/klant-30/debtor.yaml"
    during.write_text(during.read_text() + "phone: '+32 9 123 45 67'  # USER-EDIT-2\n")
    note = root / "cases/klant-31/notes/2026-02-09-call.md"
    note.parent.mkdir(parents=True)
    note.write_text("---\ndate: 2026-02-09\nchannel: phone\n---\n\nUSER-EDIT-3\n")
    code, out, err = finish(run)
    assert code == 1, out + err  # a skipped case is reported
    assert "klant-01: skipped: uncommitted changes" in err
    # Nothing of the user's work was lost, overwritten or committed.
    assert "USER-EDIT-1" in before.read_text()
    assert "USER-EDIT-2" in during.read_text()
    assert "USER-EDIT-3" in note.read_text()
    history = git(root, "log", "-p", "--all")
    assert "USER-EDIT" not in history
    status = git(root, "status", "--porcelain=v1", "--untracked-files=all").splitlines()
    assert sorted(status) == [
        " M cases/klant-01/debtor.yaml",
        " M cases/klant-30/debtor.yaml",
        "?? cases/klant-31/notes/2026-02-09-call.md",
    ]
    # Every other case got its action, once.
    cases = sorted(case for _, case in action_commits(root))
    assert "klant-01" not in cases and len(cases) == len(set(cases))
    assert len(cases) >= len(CASES) - 3
    # Once the user commits, the next run takes what is left, and no more.
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "my edits")
    code, out, err = finish(casebook(root, "advance", "--today", TODAY))
    assert code == 0, err
    assert sorted(case for _, case in action_commits(root)) == CASES
    assert_consistent(root)


def test_pay_during_advance_waits_and_both_are_recorded(tmp_path):
    root = make(tmp_path)
    run = casebook(root, "advance", "--today", TODAY)
    wait_for_lock(root, run)
    pay = casebook(root, "pay", "klant-40", "139.00", "--date", "2026-02-08",
                   "--reference", "BANK-1")
    code, out, err = finish(run)
    assert code == 0, err
    code_pay, out_pay, err_pay = finish(pay)
    assert code_pay == 0, err_pay
    assert "Recorded cases/klant-40/payments/2026-02-08-1.yaml" in out_pay
    # The advance run's commits are contiguous; the payment came after them.
    subjects = git(root, "log", "--reverse", "--format=%s").splitlines()[1:]
    assert subjects[-1] == "klant-40: payment of 139.00 on 2026-02-08"
    assert all("reminder" in s for s in subjects[:-1]) and len(subjects) == len(CASES) + 1
    assert_consistent(root)


def test_a_user_commit_during_advance_is_kept(tmp_path):
    """A user who commits by hand (no casebook lock) while advance runs: casebook never
    moves the branch over the user's commit; whatever it could not record is taken next run."""
    root = make(tmp_path)
    run = casebook(root, "advance", "--today", TODAY)
    wait_for_lock(root, run)
    (root / "README.md").write_text("USER-COMMIT\n")
    for attempt in range(200):  # git itself refuses while another git holds index.lock
        done = subprocess.run(["git", "add", "README.md"], cwd=root, capture_output=True)
        if done.returncode == 0:
            done = subprocess.run(["git", "commit", "-q", "-m", "readme by hand"], cwd=root,
                                  capture_output=True)
        if done.returncode == 0:
            break
        assert b"index.lock" in done.stderr, done.stderr
        time.sleep(0.01)
    code, out, err = finish(run)
    # The user's commit came while the run was rendering: the run's commits were not
    # recorded (the branch moved under it), which it says; or it came after them.
    assert code == 0 or "moved while casebook was committing" in err, err
    assert "readme by hand" in git(root, "log", "--format=%s")
    assert (root / "README.md").read_text() == "USER-COMMIT\n"
    code, out, err = finish(casebook(root, "advance", "--today", TODAY))
    assert code == 0, err
    cases = sorted(case for _, case in action_commits(root))
    assert cases == CASES
    assert_consistent(root)
