"""`check` of a large book where little changed: what the rules found per case, kept in
`.git/casebook/check-cache*.pickle`.

A case folder whose files have the stat they had (the loader's fingerprint) and whose book
has the same settings and policies gives back its problems and its `CaseFacts` from here:
it is neither read nor unpickled. Only the changed folders are read; the rules across
cases run every time, on the facts of every case (a few milliseconds). Nothing else is
asked of the disk than one stat of each file, as `git status` does.

Like the load cache, only a speed-up: deleting it changes nothing but the time taken, and
the problems are those `check` finds with a whole load (`tests/book/test_checkcache.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casebook.book.check import CaseFacts, book_problems, case_problems, cross_problems, facts_of
from casebook.book.config import read_policies, read_settings
from casebook.book.errors import Problem
from casebook.book.load import case_names
from casebook.book.loadcache import CACHE_VERSION, CaseCache
from casebook.book.model import Book, Policy, Settings
from casebook.book.parallelload import PARALLEL_MIN_CASES, read_folders, warm_fingerprints
from casebook.book.pickled import SplitPickle, cache_folder, gc_paused
from casebook.book.rates import RateTables, load_tables
from casebook.book.stabletext import stable


@dataclass(frozen=True)
class Checked:
    """What `check` says of a book: its problems, sorted, and how much it holds."""

    settings: Settings
    policies: dict[str, Policy]
    rates: RateTables
    problems: list[Problem]
    cases: int
    invoices: int


# Per folder: ((fingerprint, rules key), (problems of the folder, its facts or None)).


def check_summary(root: Path, *, cache: bool = True) -> Checked:
    """The problems of the book at `root`, as `casebook.book.check.check` finds them, and
    its counts; with `cache`, unchanged cases come from the check cache."""
    with gc_paused():
        return _check_summary(Path(root), cache)


def _check_summary(root: Path, cache: bool) -> Checked:
    problems: list[Problem] = []
    settings = read_settings(root, problems)
    policies = read_policies(root, problems)
    rates, rate_problems = load_tables(root)
    problems += rate_problems
    book = Book(settings=settings, policies=policies, cases={}, rates=rates)
    problems += book_problems(book)
    # A case's own rules read the settings and policies, so they are part of its key.
    rules = hashlib.sha1((stable(settings) + stable(policies)).encode("utf-8", "surrogateescape")).hexdigest()
    store = SplitPickle(cache_folder(root), "check-cache", CACHE_VERSION) if cache else None
    kept: dict[str, Any] = store.entries if store is not None else {}
    now: dict[str, Any] = {}
    names = case_names(root)
    found: dict[str, tuple[tuple[Problem, ...], CaseFacts | None]] = {}
    todo: list[str] = []
    # With nothing kept (a first run), every folder is read anyway: no walk before.
    walked = warm_fingerprints(root, names) if kept else [None] * len(names)
    for name, fingerprint in zip(names, walked):
        entry = kept.get(name)
        if fingerprint is not None and entry is not None and entry[0] == (fingerprint, rules):
            found[name] = entry[1]
            now[name] = entry
        else:
            todo.append(name)
    # Many changed folders: the load cache (and its workers) read them faster than one by one.
    loads = CaseCache(root) if cache and len(todo) >= PARALLEL_MIN_CASES else None
    # The walk above covered every folder: the load cache is matched against it, not a second walk.
    for read in read_folders(root, todo, loads, dict(zip(names, walked)) if kept else None):
        facts = None
        folder_problems = list(read.problems)
        if read.case is not None:
            folder_problems += case_problems(book, read.case)
            facts = facts_of(read.case)
        found[read.name] = (tuple(folder_problems), facts)
        if read.fingerprint is not None:
            now[read.name] = ((read.fingerprint, rules), found[read.name])
    if loads is not None:
        loads.save()
    if store is not None:
        store.save(now)
    every = [found[name][1] for name in names if found[name][1] is not None]
    for name in names:
        problems += found[name][0]
    problems += cross_problems(every)  # type: ignore[arg-type]
    return Checked(settings, policies, rates, sorted(set(problems)), len(every),
                   sum(len(facts.invoices) for facts in every))  # type: ignore[union-attr]
