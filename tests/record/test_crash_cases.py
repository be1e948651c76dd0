"""Crash leftovers met by another command than the one that was killed, and the states a
kill leaves that the sweep cannot reach by a named crash point (inside a git command).

- a recording killed at any point, then the nightly `advance` (not the same command): the
  case is advanced, never skipped as "edited", and the recording is whole or absent;
- an email marker staged but never committed (a kill between `git add` and `git commit`):
  the next run commits it and does not send the email again;
- the temporary file of a marker write that was killed: removed, the case not skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.book.check import check

from .test_crash_support import SmtpServer, copy_book, git, run_cli, scratch, wait_for_orphans
from .test_crash_sweep import FULL, build_pristine, chosen, count_points, fresh_copy

TODAY = "2026-11-24"
PAY = ["pay", "janssens", "50", "--date", "2026-11-20", "--reference", "CRASH-1"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with scratch(tmp_path_factory.mktemp("cases")) as folder:
        smtp = SmtpServer(folder)
        try:
            yield folder, smtp, build_pristine(folder / "pristine", smtp.port)
        finally:
            smtp.stop()


def clean(root: Path) -> None:
    assert git(root, "status", "--porcelain=v1", "--untracked-files=all") == ""
    assert check(root)[1] == []


def test_a_killed_recording_then_advance_instead_of_a_rerun(env):
    folder, smtp, pristine = env
    root, out = folder / "a" / "book", folder / "a" / "out"
    total = count_points("pay", pristine, root, out)
    assert total >= 3
    for n in chosen("pay-then-advance", total, None if FULL else 6):
        fresh_copy(pristine, root, out)
        killed = run_cli([*PAY, "--book", str(root)], crash=f"*:{n}")
        assert killed.killed, n
        wait_for_orphans(root)
        before = len(smtp.ids())
        nightly = run_cli(["advance", "--today", TODAY, "--book", str(root)])
        assert nightly.code == 0, (n, nightly.err)
        assert "skipped" not in nightly.err
        clean(root)
        payments = list((root / "cases/janssens/payments").glob("*.yaml")) \
            if (root / "cases/janssens/payments").is_dir() else []
        assert len(payments) <= 1, n  # whole or absent
        ids = smtp.ids()[before:]
        assert len(ids) == len(set(ids)) == 7, n


def test_an_email_marker_staged_but_not_committed_is_committed_not_resent(env):
    folder, smtp, pristine = env
    root = copy_book(pristine, folder / "b")
    first = run_cli(["advance", "--today", TODAY, "--book", str(root)])
    assert first.code == 0, first.err
    sent = len(smtp.ids())
    marker = "cases/janssens/actions/2026-11-24-reminder.sent"
    # The state of a run killed after `git add` of the markers, before `git commit`.
    data = (root / marker).read_bytes()
    git(root, "rm", "-q", "--cached", marker)
    git(root, "commit", "-q", "-m", "drop the marker from history (test setup)")
    (root / marker).write_bytes(data)
    git(root, "add", marker)
    assert git(root, "status", "--porcelain").strip() == f"A  {marker}"
    again = run_cli(["advance", "--today", TODAY, "--book", str(root)])
    assert again.code == 0, again.err
    assert "recorded earlier send of cases/janssens/actions/2026-11-24-reminder.eml" in again.out
    assert len(smtp.ids()) == sent  # nothing sent twice
    assert marker in git(root, "ls-tree", "-r", "--name-only", "HEAD")
    clean(root)


@pytest.mark.parametrize("marker", ["sending", "sent"])
def test_the_leftover_of_a_killed_marker_write_is_removed(env, marker):
    folder, smtp, pristine = env
    root = copy_book(pristine, folder / f"c-{marker}")
    leftover = root / f"cases/janssens/actions/.2026-11-24-reminder.{marker}.k1ll3d_x.tmp"
    first = run_cli(["advance", "--today", TODAY, "--book", str(root)])
    assert first.code == 0, first.err
    leftover.write_text("half a marker")
    again = run_cli(["advance", "--today", TODAY, "--book", str(root)])
    assert again.code == 0, again.err
    assert "skipped" not in again.err
    assert not leftover.exists()
    clean(root)
