"""Committing a record: its file written and committed in one step, and who the author is.

The `*_record` builders of `recording` are pure (book + input -> `Record`); this is where a
record meets the repository: refused when its file exists or its exact bytes are already
recorded (a rerun after a crash), then committed through a journalled batch so a crash
leaves it committed with its file or not at all. Kept apart so that the builders need no
git, and so that the crash points of recording are all here.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from casebook.book.crashpoints import crash_point
from casebook.book.errors import BookError
from casebook.book.model import Book, Operator
from casebook.record.gitstore import Store


@dataclass(frozen=True, slots=True)
class Record:
    """One file to add to a case, and the commit that records it."""

    case_id: str
    path: str
    """Relative to the book root."""
    content: bytes
    summary: str
    """What was recorded, for the commit's subject: `<case>: <summary>`."""
    extra: tuple[tuple[str, bytes], ...] = ()
    """Other files the record needs in the same commit (a plan's signed scan)."""

    @property
    def message(self) -> str:
        return f"{self.case_id}: {self.summary}\n\nCasebook-Case: {self.case_id}\n"


def commit_record(store: Store, record: Record, *, author: Operator | None = None) -> str:
    """Write and commit the record's file (the caller holds `store.lock()` and has run
    `store.recover()` before loading the book).

    The commit goes through a batch of one: the branch moves first (with a journal), then
    the file appears, so a crash leaves the record committed with its file or not at all.
    A record whose exact bytes are already a file of the case is refused: that is a rerun
    of a command that was interrupted after it had recorded (or the same thing twice).
    """
    if (store.root / record.path).exists():
        raise BookError(f"{record.path} exists already")  # never overwrite a user's file
    same = _identical(store.root, record)
    if same is not None:
        raise BookError(
            f"{same} already records exactly this (an earlier run?); nothing recorded. To "
            "record a second, identical one, make it differ (a --reference, a message)"
        )
    files: dict[str, bytes | None] = {record.path: record.content}
    extras: set[str] = set()
    for rel, data in record.extra:
        if rel in store.dirty_paths(rel) or not _tracked(store, rel):
            files[rel] = data
            extras.add(rel)
    crash_point("record:before-commit")
    with store.batch() as batch:
        # The scan of a signed plan is the user's own new file, meant to be committed with
        # the plan (with the bytes just read), unlike any other uncommitted edit.
        batch.dirty = batch.dirty - extras
        batch.commit(files, record.message, author=author)
    crash_point("record:committed")
    return batch.flushed[-1]


def _identical(root: Path, record: Record) -> str | None:
    """The case file (same folder) that holds exactly the record's bytes, if any."""
    folder = PurePosixPath(record.path).parent
    try:
        entries = list(os.scandir(root / folder))
    except OSError:
        return None
    for entry in entries:
        try:
            if (entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_size == len(record.content)
                    and Path(entry.path).read_bytes() == record.content):
                return f"{folder}/{entry.name}"
        except OSError:
            continue
    return None


def _tracked(store: Store, rel: str) -> bool:
    return bool(store.repo.git.ls_files("--", rel))


def recorder(store: Store, book: Book) -> tuple[Operator | None, str]:
    """Who records: git's configured identity (the person at the keyboard), else the book's
    operator. Returns the commit author (None: git's own) and the name for `by:`."""
    result = subprocess.run(
        ["git", "var", "GIT_AUTHOR_IDENT"], cwd=store.root, capture_output=True, text=True
    )
    if result.returncode == 0 and result.stdout.strip():
        return None, result.stdout.rsplit("<", 1)[0].strip()
    return book.settings.operator, book.settings.operator.name


__all__ = ["Record", "commit_record", "recorder"]
