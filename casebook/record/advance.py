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
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import git

from casebook.engine import due as engine
from casebook.book.crashpoints import crash_point
from casebook.book.dump import money, to_yaml
from casebook.engine.due import DueAction
from casebook.book.errors import BookError, Problem
from casebook.record.gitpack import PreparedBlob, prepare_blob
from casebook.record.gitstore import Store
from casebook.book.model import ActionKind, Book, Case

#: Test hook: `<phase>:<n>` kills this process with SIGKILL around the n-th action commit
#: (1-based): `before` (files rendered, nothing written), `after` (committed).
CRASH_ENV = "CASEBOOK_TEST_ADVANCE_CRASH"
#: How many times `--push` pulls and pushes again when the remote moved meanwhile.
PUSH_ATTEMPTS = 5
#: How long to wait for a `.git/index.lock` left by a git command that is still finishing.
INDEX_LOCK_WAIT = 10.0

# Files casebook writes into actions/ (and the temporary files of an atomic write).
_ACTION_FILE = re.compile(
    r"^\.?(?P<stem>\d{4}-\d{2}-\d{2}-[a-z0-9-]+)\.(md|html|eml|yaml)(\.[^/]*\.tmp)?$"
)


@dataclass(frozen=True, slots=True)
class Taken:
    """One action recorded (or, in a dry run, that would be)."""

    action: DueAction
    files: tuple[str, ...]
    """Paths relative to the book root."""
    commit: str = ""
    total: str = ""


@dataclass
class AdvanceReport:
    today: date
    dry_run: bool = False
    taken: list[Taken] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(case id, why) of cases left alone."""
    problems: list[Problem] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    """Files of an interrupted run that were removed."""
    mail_lines: list[str] = field(default_factory=list)
    push: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.skipped


Renderer = Callable[[Book, Case, DueAction], dict[str, bytes]]


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
        _plan(store, book, problems, case_ids, today, report)
        for due in _due(book, report, case_ids, today):
            files = tuple(f"cases/{due.case_id}/{rel}" for rel in _files_of(book, due, root, render=False))
            report.taken.append(Taken(due, files))
        return report

    with store.lock(wait=wait):
        store.check_writable()
        _wait_for_index_lock(store)
        store.recover()  # finish the working-tree step of an interrupted batch first
        if push:
            report.push = pull(store)
        report.recovered = recover(store)
        book, problems = check(root)
        if send_mail:
            # Records sends that an interrupted run made but did not commit, and sends what
            # an earlier run left pending, before the folders are judged clean or dirty.
            report.mail_lines += _send(root, book, store, quiet_pending=True)
        _plan(store, book, problems, case_ids, today, report)
        due_now = _due(book, report, case_ids, today)
        pending: list[tuple[DueAction, dict[str, bytes], Any, str]] = []
        if due_now:
            # One batch for the whole run; commits reach the branch (and their files the
            # working tree) when the batch is flushed, at the latest at its end.
            with store.batch() as batch, contextlib.closing(_rendered(book, due_now, root)) as rendered:
                for number, due in enumerate(due_now, start=1):
                    _crash_hook("before", number)
                    crash_point("advance:before-commit")
                    files, message, total, prepared = next(rendered)
                    if number == 1:
                        # After the first letter: rendering workers are forked by then and do
                        # not inherit the pipes of the `git cat-file` this starts.
                        batch.prefetch(f"{book.cases[d.case_id].folder}/actions" for d in due_now)
                    sha = batch.commit(files, message, author=book.settings.operator, when=when,
                                       prepared=prepared)
                    pending.append((due, files, sha, total))
                    _crash_hook("after", number)
                    crash_point("advance:after-commit")
        report.taken = [Taken(due, tuple(sorted(files)), str(sha), total) for due, files, sha, total in pending]
        if send_mail and pending:
            # Emails leave only once their actions are committed. Sending needs the
            # settings and the committed .eml files, not a fresh book.
            report.mail_lines += _send(root, book, store, only={due.case_id for due, *_ in pending})
        if push:
            report.push = push_changes(store)
    return report


def action_commit(book: Book, due: DueAction, *, root: Path) -> tuple[dict[str, bytes], str, str]:
    """The files (relative to the book root), message and claimed total of one action."""
    case = book.cases[due.case_id]
    rendered = _files_of(book, due, root)
    total = claimed_total(book, case, due)
    names = sorted(Path(rel).name for rel in rendered)
    record_file = to_yaml(
        {
            "date": due.date,
            "kind": str(due.kind),
            "stage": due.stage.id if due.stage is not None else None,
            "channel": str(due.channel),
            "balance": due.balance,
            "total": total,
            "deadline": due.deadline,
            "invoices": list(due.invoices),
            "files": names,
        }
    )
    files = {f"{case.folder}/{rel}": data for rel, data in rendered.items()}
    files[f"{case.folder}/actions/{due.stem}.yaml"] = record_file
    return files, commit_message(due), money(total)


# Rendering letters is pure and the slow part of a big run: above this many actions it is
# spread over the machine's cores (forked workers inherit the loaded book).
PARALLEL_FROM = 64
_WORKER: tuple[Book, Path] | None = None


def _render_in_worker(due: DueAction) -> tuple[dict[str, bytes], str, str, dict[str, PreparedBlob]]:
    assert _WORKER is not None
    book, root = _WORKER
    files, message, total = action_commit(book, due, root=root)
    # Hashing and compressing the files for the pack here, too: the process committing is
    # the busiest one of the run.
    return files, message, total, {rel: prepare_blob(data) for rel, data in files.items()}


def _rendered(
    book: Book, due_now: Sequence[DueAction], root: Path
) -> Iterator[tuple[dict[str, bytes], str, str, dict[str, PreparedBlob] | None]]:
    """`action_commit` of each due action, in order, with the files' blobs when prepared."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(due_now) < PARALLEL_FROM or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for due in due_now:
            yield (*action_commit(book, due, root=root), None)
        return
    global _WORKER
    _WORKER = (book, root)
    try:
        with multiprocessing.get_context("fork").Pool(processes=min(cores, 8)) as pool:
            yield from pool.imap(_render_in_worker, due_now, chunksize=8)
    finally:
        _WORKER = None


def record(store: Store, book: Book, due: DueAction, *, root: Path, when: datetime | None = None) -> Taken:
    """Write one action's files and its record, and commit them as one commit."""
    files, message, total = action_commit(book, due, root=root)
    sha = store.commit(files, message, author=book.settings.operator, when=when)
    return Taken(due, tuple(sorted(files)), sha, total)


def commit_message(due: DueAction) -> str:
    """`<case>: <stage> (<channel>)`, why, and the machine-readable trailers."""
    label = due.label
    return (
        f"{due.case_id}: {label} ({due.channel})\n\n"
        f"{due.reason}\n\n"
        f"Casebook-Case: {due.case_id}\n"
        f"Casebook-Stage: {label}\n"
        f"Casebook-Channel: {due.channel}\n"
        f"Casebook-Kind: {due.kind}\n"
        f"Casebook-Date: {due.date.isoformat()}\n"
    )


# -- what to do ------------------------------------------------------------------------------


def _plan(
    store: Store,
    book: Book,
    problems: list[Problem],
    case_ids: Sequence[str],
    today: date,
    report: AdvanceReport,
) -> None:
    """Refuse on book-wide problems; note the cases that must be left alone."""
    book_wide = [p for p in problems if not p.path.startswith("cases/")]
    if book_wide:
        raise BookError("the book has problems; fix them before advancing (see `casebook check`)", book_wide)
    for wanted in case_ids:
        if wanted not in book.cases:
            report.problems.append(Problem(f"cases/{wanted}", 1, f"no case {wanted!r} in the book"))
    concerned = set(case_ids) if case_ids else set(book.cases)
    bad: dict[str, list[Problem]] = {}
    for problem in problems:
        parts = problem.path.split("/")
        if len(parts) > 1 and parts[1] in concerned:
            bad.setdefault(parts[1], []).append(problem)
    for case_id, found in sorted(bad.items()):
        report.problems += found
        report.skipped.append((case_id, f"skipped: {len(found)} problem(s) in the case (see `casebook check`)"))
    dirty: dict[str, list[str]] = {}
    for path in store.dirty_paths("cases"):
        parts = path.split("/")
        if len(parts) > 2 and parts[1] in concerned and parts[1] not in bad:
            dirty.setdefault(parts[1], []).append(path)
    for case_id, paths in sorted(dirty.items()):
        shown = ", ".join(sorted(paths)[:3]) + (" ..." if len(paths) > 3 else "")
        report.skipped.append(
            (case_id, f"skipped: uncommitted changes in the case folder ({shown}); commit or undo them")
        )
    del today


def _due(book: Book, report: AdvanceReport, case_ids: Sequence[str], today: date) -> list[DueAction]:
    left_alone = {case_id for case_id, _ in report.skipped}
    wanted = [c for c in (case_ids or book.cases) if c in book.cases and c not in left_alone]
    return engine.due_actions(book, today, wanted)


def _files_of(book: Book, due: DueAction, root: Path, *, render: bool = True) -> dict[str, bytes]:
    """The letter files of an action, relative to the case folder."""
    case = book.cases[due.case_id]
    try:
        from casebook.letters.letter import render_action
    except ImportError:  # letters not installed in this build: principal-only Markdown
        render_action = None
    if not render:
        names = [f"actions/{due.stem}.md"]
        if render_action is not None:
            names.append(f"actions/{due.stem}.html")
            if str(due.channel) == "email":
                names.append(f"actions/{due.stem}.eml")
        return {name: b"" for name in names}
    if render_action is None:
        return fallback_letter(book, case, due)
    return render_action(book, case, due, book_root=root)


def fallback_letter(book: Book, case: Case, due: DueAction) -> dict[str, bytes]:
    """A principal-only Markdown letter, used only when `casebook.letters.letter` is missing."""
    lines = [f"# {due.label}: {case.name}", "", due.reason, ""]
    for number in due.invoices:
        lines.append(f"- invoice {number}")
    lines += ["", f"Balance: {money(due.balance)} {book.settings.currency}"]
    if due.deadline:
        lines.append(f"Deadline: {due.deadline.isoformat()}")
    return {f"actions/{due.stem}.md": ("\n".join(lines) + "\n").encode("utf-8")}


def claimed_total(book: Book, case: Case, due: DueAction) -> Any:
    if due.kind == ActionKind.THANKS:
        return due.balance
    try:
        from casebook.letters.letter import statement_for
    except ImportError:
        return due.balance
    return statement_for(book, case, due).total


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


def recover(store: Store) -> list[str]:
    """Remove the files of actions an interrupted run wrote but never committed.

    Only files that casebook itself writes (`actions/<YYYY-MM-DD>-<stage>.<md|html|eml|yaml>`
    and the temporary files of an atomic write) count, and only when the action's record
    `actions/<stem>.yaml` is not committed: a committed action is whole (one commit) and its
    email markers belong to `send.send_pending`. Returns the paths removed.
    """
    status = store.repo.git.status("--porcelain=v1", "-z", "--untracked-files=all", "--", "cases")
    candidates: list[tuple[str, str]] = []
    for entry in status.split("\x00"):
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
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


# -- pulling and pushing -------------------------------------------------------------------------


def _upstream(store: Store) -> tuple[str, str]:
    """(remote, branch) to pull from and push to."""
    branch = store.repo.active_branch.name
    try:
        tracking = store.repo.active_branch.tracking_branch()
    except (TypeError, ValueError):
        tracking = None
    if tracking is not None:
        return tracking.remote_name, tracking.remote_head
    if "origin" in [r.name for r in store.repo.remotes]:
        return "origin", branch
    raise BookError("--push: the book has no remote to push to (add one: git remote add origin URL)")


def pull(store: Store) -> str:
    """Bring in what others pushed (payments recorded elsewhere) before deciding anything."""
    remote, branch = _upstream(store)
    try:
        store.repo.git.fetch(remote)
        remote_refs = store.repo.git.ls_remote("--heads", remote, branch)
        if remote_refs.strip():
            store.repo.git.pull("--rebase", "--autostash", "-q", remote, branch)
    except git.GitCommandError as error:
        _abort_rebase(store)
        raise BookError(f"--push: pulling from {remote} failed: {_stderr(error)}") from None
    return f"pulled {remote}/{branch}"


def push_changes(store: Store, attempts: int = PUSH_ATTEMPTS) -> str:
    """Push; when the remote moved meanwhile, rebase on it and push again."""
    remote, branch = _upstream(store)
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            store.repo.git.push("-q", remote, f"HEAD:refs/heads/{branch}")
            return f"pushed to {remote}/{branch}" + (f" (attempt {attempt})" if attempt > 1 else "")
        except git.GitCommandError as error:
            last = _stderr(error)
        try:
            store.repo.git.pull("--rebase", "--autostash", "-q", remote, branch)
        except git.GitCommandError as error:
            _abort_rebase(store)
            # The push's refusal is the news (a hook, permissions); the failed rebase second.
            raise BookError(f"--push: {remote} refused the push: {last}; rebasing on "
                            f"{remote}/{branch} to try again failed: {_stderr(error)}") from None
    raise BookError(f"--push: {remote} kept refusing after {attempts} attempts: {last}")


def _abort_rebase(store: Store) -> None:
    git_dir = Path(store.repo.git_dir)
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        try:
            store.repo.git.rebase("--abort")
        except git.GitCommandError:
            pass


def _stderr(error: git.GitCommandError) -> str:
    text = (error.stderr or str(error)).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:400]
