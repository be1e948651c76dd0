"""`casebook advance`: take every action the engine finds due, one git commit each.

The engine decides (`casebook.engine.due`, pure); this module records. For each due action it
renders the letter files (`casebook.letters.letter`), writes `actions/<stem>.yaml` and commits
exactly that case's new files, so the history is the evidence trail. Everything needed to
know what was done lives in committed files, which makes a run idempotent (a second run on
the same day finds the actions recorded and does nothing) and crash-safe:

- an action is one commit, written through `Store.batch()` into a pack of its own
  (`casebook.record.gitbatch`): after a crash it is either on the branch with its files or not at
  all (`Store.recover` finishes an interrupted flush), and the rerun takes what is missing;
- files of an action that were written but never committed (a run killed inside a plain
  `Store.commit`) are recognised (they sit in `actions/` with no committed record) and
  removed before the case is looked at again, so the rerun takes the action afresh;
- emails leave only after their action is committed, through `send.send_pending`, which
  records each send so that none is sent twice or lost.

A case whose folder holds anyone else's uncommitted edits is skipped (never committed,
never overwritten). The book lock keeps two runs from interleaving.

This module is the run: the lock, the batch, the crash hooks and the cleanup of an
interrupted run. What to do and the report are `casebook.record.advanceplan`, the files and
message of one action `casebook.record.actionfiles`, `--push` `casebook.record.gitremote`;
their public names are importable from here too.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from casebook.book.crashpoints import crash_point
from casebook.book.model import Book
from casebook.book.errors import BookError
from casebook.engine.due import DueAction
from casebook.record.actionfiles import (
    action_commit,
    action_commits,
    claimed_total,
    commit_message,
    fallback_letter,
    files_of,
    record,
)
from casebook.record.advanceplan import AdvanceReport, Taken, actions_due, plan
from casebook.record.gitremote import PUSH_ATTEMPTS, pull, push_changes
from casebook.record.gitstore import Store

# The command line, the demo, the benchmarks and the tests import these from here.
__all__ = [
    "CRASH_ENV", "INDEX_LOCK_WAIT", "PUSH_ATTEMPTS", "AdvanceReport", "Taken", "action_commit",
    "advance", "claimed_total", "commit_message", "fallback_letter", "pull", "push_changes",
    "record", "recover",
]

#: Test hook: `<phase>:<n>` kills this process with SIGKILL around the n-th action commit
#: (1-based): `before` (files rendered, nothing written), `after` (committed).
CRASH_ENV = "CASEBOOK_TEST_ADVANCE_CRASH"
#: How long to wait for a `.git/index.lock` left by a git command that is still finishing.
INDEX_LOCK_WAIT = 10.0

# Files casebook writes into actions/ (and the temporary files of an atomic write).
_ACTION_FILE = re.compile(
    r"^\.?(?P<stem>\d{4}-\d{2}-\d{2}-[a-z0-9-]+)\.(md|html|pdf|eml|yaml)(\.[^/]*\.tmp)?$"
)


def advance(
    root: Path,
    *,
    today: date,
    case_ids: Sequence[str] = (),
    dry_run: bool = False,
    wait: bool = True,
    push: bool = False,
    when: datetime | None = None,
    send_mail: bool = True,
) -> AdvanceReport:
    """Take every action due on `today` (only for `case_ids` when given).

    `when` is the commit time (None: now); the demo passes simulated times. Raises
    `BookError` when the book as a whole cannot be trusted (problems outside cases).
    """
    from casebook.book.check import check  # the loader and the cross-file rules

    root = Path(root).resolve()
    report = AdvanceReport(today=today, dry_run=dry_run)
    store = Store(root)
    if dry_run:
        book, problems = check(root)
        plan(store, book, problems, case_ids, today, report)
        for due in actions_due(book, report, case_ids, today):
            files = tuple(f"cases/{due.case_id}/{rel}" for rel in files_of(book, due, root, render=False))
            report.taken.append(Taken(due, files))
        return report

    with store.lock(wait=wait):
        store.check_writable()
        _wait_for_index_lock(store)
        store.recover()  # finish the working-tree step of an interrupted batch first
        if push:
            report.push = pull(store)
        # One `git status` for the recovery, the plan and the batch (each asked its own: a
        # second of a 10,000-case run before the first letter), again only if one changed it.
        status = store.status()
        report.recovered = recover(store, status)
        book, problems = check(root)
        head = store.head()
        if send_mail:
            # Records sends that an interrupted run made but did not commit, and sends what
            # an earlier run left pending, before the folders are judged clean or dirty.
            report.mail_lines += _send(root, book, store, quiet_pending=True)
        if report.recovered or store.head() != head:
            status = store.status()
        # Sending commits what it records (the head moves); short of that it only removes
        # the temporaries of killed marker writes, untracked files that are gone now.
        dirty = {path for code, path in status if code != "??" or os.path.lexists(root / path)}
        plan(store, book, problems, case_ids, today, report, dirty)
        due_now = actions_due(book, report, case_ids, today)
        # The names of each action's files only: their contents (the compressed blobs with
        # them) are the batch's until it is flushed, and kept to the end of the run they
        # were half of its memory at 10,000 actions (150 MB).
        pending: list[tuple[DueAction, tuple[str, ...], Any, str]] = []
        if due_now:
            # One batch for the whole run; commits reach the branch (and their files the
            # working tree) when the batch is flushed, at the latest at its end.
            with store.batch(flush_every=_flush_every(len(due_now)), dirty=dirty) as batch, \
                    contextlib.closing(action_commits(book, due_now, root)) as rendered:
                for number, due in enumerate(due_now, start=1):
                    _crash_hook("before", number)
                    crash_point("advance:before-commit")
                    files, message, total = next(rendered)
                    if number == 1:
                        # After the first letter: rendering workers are forked by then and do
                        # not inherit the pipes of the `git cat-file` this starts.
                        batch.prefetch(f"{book.cases[d.case_id].folder}/actions" for d in due_now)
                    sha = batch.commit(files, message, author=book.settings.operator, when=when)
                    pending.append((due, tuple(sorted(files)), sha, total))
                    _crash_hook("after", number)
                    crash_point("advance:after-commit")
                next(rendered, None)  # the rendering workers leave as they should
        report.taken = [Taken(due, names, str(sha), total) for due, names, sha, total in pending]
        if send_mail and pending:
            # Emails leave only once their actions are committed. Sending needs the
            # settings and the committed .eml files, not a fresh book.
            report.mail_lines += _send(root, book, store, only={due.case_id for due, *_ in pending})
        if push:
            report.push = push_changes(store)
    return report


def _flush_every(actions: int) -> int:
    """Commits between two flushes: 1,000, or a quarter of a bigger run. Each flush costs
    about half a second whatever its size (the pack sealed and synced, the branch moved, the
    index rewritten, a `sync`), and a crash loses at most what was not flushed, which the
    next run takes again."""
    return max(1000, -(-actions // 4))


def _send(
    root: Path, book: Book, store: Store, *, only: set[str] | None = None, quiet_pending: bool = False
) -> list[str]:
    try:
        from casebook.record.send import send_pending
    except ImportError:
        return []
    sent = send_pending(root, book, store=store, only=only)
    if quiet_pending:
        sent.pending = []  # said once, after the run
    return sent.lines()


def _crash_hook(phase: str, number: int) -> None:
    if os.environ.get(CRASH_ENV, "") == f"{phase}:{number}":
        os.kill(os.getpid(), signal.SIGKILL)


# -- crash recovery ----------------------------------------------------------------------------


def recover(store: Store, status: list[tuple[str, str]] | None = None) -> list[str]:
    """Remove the files of actions an interrupted run wrote but never committed.

    Only files that casebook itself writes (`actions/<YYYY-MM-DD>-<stage>.<md|html|pdf|eml|yaml>`
    and the temporary files of an atomic write) count, and only when the action's record
    `actions/<stem>.yaml` is not committed: a committed action is whole (one commit) and its
    email markers belong to `send.send_pending`. `status`: `store.status()` just taken (else
    asked). Returns the paths removed.
    """
    candidates: list[tuple[str, str]] = []
    for code, path in store.status("cases") if status is None else status:
        if code not in ("??", "A "):
            continue
        parts = path.split("/")
        if len(parts) != 4 or parts[0] != "cases" or parts[2] != "actions":
            continue
        match = _ACTION_FILE.match(parts[3])
        if match:
            record = f"cases/{parts[1]}/actions/{match['stem']}.yaml"
            candidates.append((path, record))
    if not candidates:
        return []
    records = {record for _, record in candidates}
    committed = set(store.repo.git.ls_tree("--name-only", "HEAD", "--", *sorted(records)).split("\n")) \
        if store.head() else set()
    removed = [path for path, record in candidates if record not in committed]
    if removed:
        store.repo.git.rm("--cached", "--ignore-unmatch", "-q", "--", *removed)
        for path in removed:
            try:
                (store.root / path).unlink()
            except FileNotFoundError:
                pass
    return sorted(removed)


def _wait_for_index_lock(store: Store) -> None:
    """Give a git command that outlived a killed run the time to finish."""
    lock = Path(store.repo.git_dir) / "index.lock"
    deadline = time.monotonic() + INDEX_LOCK_WAIT
    while lock.exists():
        if time.monotonic() > deadline:
            raise BookError(
                f"{lock} exists: another git command is running in the book, or one was "
                "killed; if no git command is running, remove that file and try again"
            )
        time.sleep(0.05)
