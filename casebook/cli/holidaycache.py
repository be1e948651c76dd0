"""The public holidays one command computed, kept for the next (`casebook.money.workdays`).

Importing the `holidays` package and building its first country took a quarter of a
second, a third of a `casebook status` on a small book, and the sets never change for one
version of it. They are kept in the book's `.git/casebook/holidays.json` (private, like the
other caches: deleting it only costs that quarter of a second once) under that version and
casebook's own rule (the source of `workdays`); a missing, damaged or other version's file
is read as empty. Without a `.git` folder nothing is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from datetime import date
from pathlib import Path

from casebook.book.fsutil import atomic_write
from casebook.book.pickled import cache_folder
from casebook.money import workdays

NAME = "holidays.json"


def version() -> str | None:
    """What the sets depend on: the package's files (found without importing it) and
    casebook's rule; None when the package cannot be found."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return None
    digest = hashlib.sha1(Path(workdays.__file__).read_bytes())
    for name in ("__init__.py", "version.py"):
        with contextlib.suppress(OSError):
            st = os.stat(Path(spec.origin).parent / name)
            digest.update(f"{name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode())
    return digest.hexdigest()


def read(root: Path) -> frozenset[tuple[str, int]]:
    """Hand the kept sets to `workdays`; returns which ones were kept."""
    folder = cache_folder(root)
    kept = version() if folder is not None else None
    if folder is None or kept is None:
        return frozenset()
    try:
        data = json.loads((folder / NAME).read_text("utf-8"))
        if data.get("version") != kept:
            return frozenset()
        sets = {(country, int(year)): [date.fromisoformat(d) for d in days]
                for key, days in data["sets"].items()
                for country, year in [key.split(":")]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return frozenset()
    workdays.remember(sets)
    return frozenset(sets)


def write(root: Path, kept: frozenset[tuple[str, int]]) -> None:
    """Keep every set known now, when this command computed one that was not kept."""
    known = workdays.computed()
    folder = cache_folder(root)
    if folder is None or known.keys() <= kept:
        return
    found = version()
    if found is None:
        return
    data = {"version": found,
            "sets": {f"{c}:{y}": sorted(d.isoformat() for d in days)
                     for (c, y), days in sorted(known.items())}}
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / NAME, json.dumps(data, sort_keys=True).encode("utf-8"))
