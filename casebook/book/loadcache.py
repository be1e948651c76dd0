"""The load cache: whole cases by folder, kept in `.git/casebook/load-cache*.pickle`.

Only a speed-up: deleting it changes nothing but the time taken. Separate so that its
version, a digest of the code whose results it keeps, sits next to the one class that
relies on it.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, NamedTuple

from casebook import __version__
from casebook.book.pickled import SplitPickle, cache_folder, code_digest

_HERE = Path(__file__).resolve().parent
# Cached results are only valid for the code that made them. Every module of the book
# counts, not a list of names: a list would silently go stale when code moves between
# modules.
CACHE_VERSION = code_digest(__version__, _HERE, sorted(_HERE.glob("*.py")))


class Kept(NamedTuple):
    """One folder as the cache keeps it. The case is its own pickle: a warm run of a large
    book unpickles only the cases it reads (unpickling every case was most of its time)."""

    fingerprint: str
    case_id: str | None
    """The case's id (None: the folder is no case)."""
    case: bytes | None
    problems: tuple[Any, ...]

    def unpickled(self) -> Any:
        return None if self.case is None else pickle.loads(self.case)


def kept(fingerprint: str, case: Any, problems: list[Any]) -> Kept:
    """What the cache keeps of a folder read whole: `case` (or None) and its problems."""
    data = None if case is None else pickle.dumps(case, protocol=pickle.HIGHEST_PROTOCOL)
    return Kept(fingerprint, None if case is None else case.id, data, tuple(problems))


class CaseCache:
    """Whole cases by folder (`cases/<id>`), valid while the stat of every file of the
    folder is unchanged (its fingerprint, `casefolder.folder_fingerprint`)."""

    def __init__(self, root: Path) -> None:
        self.store = SplitPickle(cache_folder(root), "load-cache", CACHE_VERSION)
        self.entries: dict[str, Any] = self.store.entries
        self.used: dict[str, Kept] = {}

    def entry(self, folder: str, fingerprint: str) -> Kept | None:
        """The folder as kept, if it had this fingerprint (then it is kept again)."""
        entry = self.entries.get(folder)
        if type(entry) is Kept and entry.fingerprint == fingerprint:
            self.used[folder] = entry
            return entry
        return None

    def get(self, folder: str, fingerprint: str) -> tuple[Any, list[Any]] | None:
        entry = self.entry(folder, fingerprint)
        return None if entry is None else (entry.unpickled(), list(entry.problems))

    def put(self, folder: str, entry: Kept) -> None:
        self.used[folder] = entry

    def save(self) -> None:
        self.store.save(self.used)
