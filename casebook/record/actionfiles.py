"""One action as files and a commit: its letters, its record, its message and its total.

`action_commit` renders an action's letters (`casebook.letters.letter`, or a principal-only
Markdown letter when letters are not installed), writes its `actions/<stem>.yaml` record
and the commit message with its trailers; `action_commits` does that for a whole run,
spread over the machine's cores when the run is big. Separate from the run
(`casebook.record.advance`) because rendering is pure, the slow part, and the part the dry
run and `record` share.
"""

from __future__ import annotations

import multiprocessing
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from casebook.book.dump import money, to_yaml
from casebook.book.fsutil import remove_temporaries
from casebook.book.model import ActionKind, Book, Case
from casebook.engine.due import DueAction
from casebook.record.advanceplan import Taken
from casebook.record.gitobjects import prepare_blob
from casebook.record.gitworktree import Staged, stage_file
from casebook.record.gitstore import Store

Renderer = Callable[[Book, Case, DueAction], dict[str, bytes]]


def action_commit(book: Book, due: DueAction, *, root: Path) -> tuple[dict[str, bytes], str, str]:
    """The files (relative to the book root), message and claimed total of one action."""
    case = book.cases[due.case_id]
    rendered = files_of(book, due, root)
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


def _render_in_worker(due: DueAction) -> tuple[dict[str, Staged], str, str]:
    assert _WORKER is not None
    book, root = _WORKER
    files, message, total = action_commit(book, due, root=root)
    # The files are also written (beside their paths, under temporary names), hashed and
    # compressed for the pack here: the process committing is the busiest one of the run,
    # and only the compressed blobs travel back to it.
    return {rel: Staged(stage_file(root / rel, data), prepare_blob(data))
            for rel, data in files.items()}, message, total


def action_commits(
    book: Book, due_now: Sequence[DueAction], root: Path
) -> Iterator[tuple[dict[str, bytes] | dict[str, Staged], str, str]]:
    """`action_commit` of each due action, in order; from the rendering workers, with the
    files staged (`casebook.record.gitworktree.Staged`). Closed before the end, it removes
    what was staged for the actions it did not hand out (and the last one it did)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(due_now) < PARALLEL_FROM or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for due in due_now:
            yield action_commit(book, due, root=root)
        return
    global _WORKER
    _WORKER = (book, root)
    handed, finished = 0, False
    try:
        with multiprocessing.get_context("fork").Pool(processes=min(cores, 8)) as pool:
            for result in pool.imap(_render_in_worker, due_now, chunksize=8):
                handed += 1
                yield result
            # Workers that leave normally run their exit handlers (the PDF renderer's
            # temporary font copies are removed); `with` alone would kill them.
            pool.close()
            pool.join()
        finished = True
    finally:
        _WORKER = None
        if not finished:
            _remove_unclaimed(book, root, due_now[max(0, handed - 1) :])


def _remove_unclaimed(book: Book, root: Path, dues: Sequence[DueAction]) -> None:
    """After a run stopped early (an error, or the caller closed `action_commits`): what the
    workers, killed by now, staged for these actions. The last one handed out may have been
    committed: its flush writes its files from their blobs instead."""
    for due in dues:
        # `.<stem>.<ext>.<pid>-<n>.tmp`: the temporaries of `<stem>` and of each of its files
        remove_temporaries(root / book.cases[due.case_id].folder / "actions" / due.stem)


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


def files_of(book: Book, due: DueAction, root: Path, *, render: bool = True) -> dict[str, bytes]:
    """The letter files of an action, relative to the case folder."""
    case = book.cases[due.case_id]
    try:
        from casebook.letters.letter import render_action, wants_pdf
    except ImportError:  # letters not installed in this build: principal-only Markdown
        render_action = None
    if not render:
        names = [f"actions/{due.stem}.md"]
        if render_action is not None:
            names.append(f"actions/{due.stem}.html")
            if wants_pdf(book, due.channel):
                names.append(f"actions/{due.stem}.pdf")
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
