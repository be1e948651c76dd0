"""The creditor takes back what the agency recorded: its payments and notes of one case.

A bundle back (`casebook export CASE --back`, `syncback.export_back`) is one line of
history holding only `cases/<id>/payments/` and `cases/<id>/notes/`: first the two folders
as the agency received them (`Casebook-Back-Base`), then one commit per agency commit that
changed them. `receive_back` replays those commits on the creditor's branch, oldest first:
each becomes one commit of the same author, date and message that changes exactly what the
agency's commit changed there (`Casebook-Agency-Commit:` names the agency's commit,
`Casebook-Back-Commit:` the bundle's). Replayed, not merged: the creditor's history stays
one line in which every commit holds the whole case folder, so a later export of the case
(and `casebook verify` of the agency that receives it) sees nothing deleted. What the book
holds already (a second bundle back, the same bundle twice) is not replayed again; a file
both sides changed differently stops the whole receive, with nothing changed.
"""

from __future__ import annotations

from datetime import datetime

from casebook.book.errors import BookError, Problem
from casebook.book.model import ActionKind, Book, Operator
from casebook.export.incoming import BACK, BACK_FOLDERS, Incoming, git, out
from casebook.record.gitstore import Store

BACK_BASE = "Casebook-Back-Base"
BACK_COMMIT = "Casebook-Back-Commit"
AGENCY_COMMIT = "Casebook-Agency-Commit"


def receive_back(store: Store, book: Book, incoming: Incoming, *, when: datetime,
                 as_id: str | None):  # type: ignore[no-untyped-def]
    """Replay the agency's payments and notes of a case in the creditor's book."""
    from casebook.export.receive import ReceiveResult

    root, case_id, scratch = store.root, incoming.case_id, incoming.scratch
    if as_id is not None and as_id != case_id:
        raise BookError(f"a bundle back from the agency goes to the case it names ({case_id}); "
                        "--as does not apply; nothing was received")
    case = book.cases.get(case_id)
    if case is None or not any(a.kind == ActionKind.HANDOVER for a in case.actions):
        raise BookError(f"{incoming.bundle.name} brings payments and notes of case {case_id}, "
                        "which this book never handed over to an agency; nothing was received")
    folder = f"cases/{case_id}"
    dirty = sorted(store.dirty_paths(folder))
    if dirty:
        raise BookError(f"{folder} has uncommitted changes; commit or undo them before receiving",
                        [Problem(p, 1, "uncommitted change") for p in dirty])
    first, *commits = incoming.commits
    if f"\n{BACK_BASE}: " not in out(scratch, "log", "-1", "--format=%n%B", first):
        raise BookError(f"{incoming.bundle.name} does not start with the case as the agency "
                        f"received it ({BACK_BASE}): not a bundle back; nothing was received")
    current = _state(root, "HEAD", folder)
    previous = _state(scratch, first, folder)
    plan: list[tuple[str, dict[str, str | None]]] = []
    conflicts: list[Problem] = []
    for sha in commits:
        state = _state(scratch, sha, folder)
        change: dict[str, str | None] = {}
        for path in sorted(set(state) | set(previous)):
            old, new = previous.get(path), state.get(path)
            if old == new or current.get(path) == new:
                continue  # unchanged by the agency, or the book holds it already
            if current.get(path) != old:
                conflicts.append(Problem(path, 1, f"changed by the agency (commit {sha[:12]}) "
                                                  "and differently in this book"))
                continue
            change[path] = new
        for path, blob in change.items():
            if blob is None:
                current.pop(path, None)
            else:
                current[path] = blob
        if change:
            plan.append((sha, change))
        previous = state
    if conflicts:
        raise BookError(f"{folder}: the agency's payments or notes and this book's differ; "
                        "nothing was received", conflicts[:20])
    if not plan:
        return ReceiveResult(case_id, BACK, None, 0, already=True)
    made: list[str] = []
    files: set[str] = set()
    with store.batch() as batch:
        for sha, change in plan:
            info = out(scratch, "log", "-1", "--format=%an%x00%ae%x00%aI%x00%B", sha).split("\x00", 3)
            data = {p: (git(scratch, "cat-file", "blob", b).stdout if b else None)
                    for p, b in change.items()}
            batch.commit(data, _message(info[3], sha), author=Operator(info[0], info[1]),
                         when=datetime.fromisoformat(info[2]))
            files |= set(change)
    made = batch.flushed
    return ReceiveResult(case_id, BACK, made[-1], len(made), files=tuple(sorted(files)))


def _state(repo, commit: str, folder: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """path -> blob of the case's payments and notes in `commit`."""
    paths = [f"{folder}/{sub}" for sub in BACK_FOLDERS]
    listing = out(repo, "ls-tree", "-r", "-z", commit, "--", *paths).split("\x00")
    state = {}
    for entry in filter(None, listing):
        info, _, path = entry.partition("\t")
        state[path] = info.split()[2]
    return state


def _message(message: str, back: str) -> str:
    """The agency's message, its `Casebook-Original-Commit` (the agency's commit) named
    `Casebook-Agency-Commit`, plus the bundle's commit."""
    lines = message.rstrip("\n").split("\n")
    lines = [f"{AGENCY_COMMIT}: {line.split(': ', 1)[1]}"
             if line.startswith("Casebook-Original-Commit: ") else line for line in lines]
    return "\n".join(lines) + f"\n{BACK_COMMIT}: {back}\n"
