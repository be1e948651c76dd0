"""Files -> model: read a whole book once into `Book`, with every problem found on the way.

The book around its cases: the configuration (`config`), every case folder (`casefolder`,
one file at a time by `records`, over every core when many are to be parsed:
`parallelload`) and the rate tables (`rates`). Whole cases are cached
between runs (`loadcache`): a rerun on an unchanged book only looks at file sizes and
modification times. The cache lives inside `.git/` (never committed, never part of the
book) and is only a speed-up: deleting it changes nothing but the time taken.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from casebook.book.casefolder import CASE_FOLDERS
from casebook.book.config import SETTINGS_FILE, policy_folder, read_policies, read_settings
from casebook.book.errors import Problem
from casebook.book.loadcache import CACHE_VERSION, CaseCache
from casebook.book.model import Book
from casebook.book.parallelload import WalkAhead, read_cases
from casebook.book.pickled import gc_paused
from casebook.book.rates import load_tables

# The loader's public names: callers need not know which part of it holds them.
__all__ = ["CACHE_VERSION", "CASE_FOLDERS", "SETTINGS_FILE", "Loaded", "load_book",
           "policy_folder"]


class Loaded(NamedTuple):
    book: Book
    problems: list[Problem]


def load_book(root: Path, *, cache: bool = True, fingerprints: dict[str, str] | None = None,
              ahead: WalkAhead | None = None) -> Loaded:
    """Read the book at `root`. Never raises for bad content: problems come back as values.

    `fingerprints`, when given, receives per case id a string that changes whenever a file
    of the case folder changes (name, size, modification time, inode; letter and email
    files included): a caller's per-case cache key that costs nothing more to compute.
    `ahead`: the walk of the book's files a command started first (`walk_ahead`).
    """
    # Loading makes hundreds of thousands of small objects and no reference cycles; the
    # cyclic garbage collector would only rescan them again and again (4x slower).
    with gc_paused():
        return _load_book(Path(root), cache=cache, fingerprints=fingerprints, ahead=ahead)


def _load_book(root: Path, *, cache: bool, fingerprints: dict[str, str] | None = None,
               ahead: WalkAhead | None = None) -> Loaded:
    store = CaseCache(root) if cache else None
    problems: list[Problem] = []

    settings = read_settings(root, problems)
    policies = read_policies(root, problems)
    cases = read_cases(root, case_names(root), store, problems, fingerprints, ahead)
    if store is not None:
        store.save()
    tables, rate_problems = load_tables(root)
    problems += rate_problems
    return Loaded(Book(settings=settings, policies=policies, cases=cases, rates=tables), problems)


def case_names(root: Path) -> list[str]:
    """The case folders of the book, in sorted order (hidden ones left out)."""
    cases_dir = root / "cases"
    if not cases_dir.is_dir():
        return []
    return [entry.name for entry in sorted(os.scandir(cases_dir), key=lambda e: e.name)
            if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False)]
