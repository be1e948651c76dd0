"""The load cache: whole cases by folder, kept in `.git/casebook/load-cache*.pickle`.

Only a speed-up: deleting it changes nothing but the time taken. Separate so that its
version, a digest of the code whose results it keeps, sits next to the one class that
relies on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from casebook import __version__
from casebook.book.pickled import SplitPickle, cache_folder, code_digest

_HERE = Path(__file__).resolve().parent
# Cached results are only valid for the code that made them. Every module of the book
# counts, not a list of names: a list would silently go stale when code moves between
# modules.
CACHE_VERSION = code_digest(__version__, _HERE, sorted(_HERE.glob("*.py")))


class CaseCache:
    """Whole cases by folder (`cases/<id>`), valid while the stat of every file of the
    folder is unchanged (`casefolder._signature`)."""

    def __init__(self, root: Path) -> None:
        self.store = SplitPickle(cache_folder(root), "load-cache", CACHE_VERSION)
        self.entries: dict[str, tuple[Any, Any]] = self.store.entries
        self.used: dict[str, tuple[Any, Any]] = {}

    def get(self, folder: str, key: Any) -> Any:
        entry = self.entries.get(folder)
        if entry is not None and entry[0] == key:
            self.used[folder] = entry
            return entry[1]
        return None

    def put(self, folder: str, key: Any, result: Any) -> None:
        self.used[folder] = (key, result)

    def save(self) -> None:
        self.store.save(self.used)
