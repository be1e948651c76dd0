"""The history the site shows, read incrementally: only the commits since the last build.

Reading a long history with the files each commit touched is the slowest part of a build
(git diffs every commit's trees), so the site keeps what it needs of each commit in
`.casebook-history.json` beside the manifest, with the commit it was read up to. The next
build asks `casebook.record.history` only for the commits after it; if that commit is no longer
an ancestor of HEAD (history rewritten), everything is read again. What is shown never
depends on which way it was read: timelines are sorted by date and commit id.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from casebook.record.history import History, read_history
from casebook.book.pickled import gc_paused
from .writer import replace_file

CACHE = ".casebook-history.json"
DELTA = ".casebook-history.delta.json"
"""The commits since `CACHE` was written, while they are few: rewriting the whole history
after each commit took a tenth of a rebuild of a large book."""
CACHE_VERSION = 1
DELTA_SHARE = 0.05
"""Above this share of the kept commits, the delta is folded into a new `CACHE`."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One commit as a timeline shows it."""

    sha: str
    author: str
    when: datetime
    """Author date."""
    committed: datetime
    subject: str
    stage: str


class Timelines:
    """Commits per case, newest first."""

    def __init__(self, by_case: dict[str, list[Entry]], head: str | None, *,
                 unsorted: set[str] | None = None) -> None:
        """`unsorted`: the only cases whose lists are not in order yet (default: all)."""
        self.head = head
        self._by_case = {
            cid: _ordered(entries) if unsorted is None or cid in unsorted else entries
            for cid, entries in by_case.items()
        }
        self._shas: dict[str, list[str]] = {}
        """Cases not made into entries yet: their commits (in order) as the cache keeps them."""
        self._stored: dict[str, list[str]] = {}

    @classmethod
    def stored(cls, shas: dict[str, list[str]], commits: dict[str, list[str]],
               head: str | None) -> "Timelines":
        """The timelines as the cache keeps them (each case's commits in order). A case's
        entries are made when they are asked for: a rebuild after one change shows one
        timeline, and making 30,000 entries was most of reading the cache."""
        made = cls({}, head, unsorted=set())
        made._shas, made._stored = shas, commits
        return made

    def for_case(self, case_id: str) -> list[Entry]:
        found = self._by_case.get(case_id)
        if found is None:
            shas = self._shas.pop(case_id, None)
            if shas is None:
                return []
            found = self._by_case[case_id] = [_entry(s, self._stored[s]) for s in shas]
        return found

    def shas(self, case_id: str) -> list[str]:
        """The ids of `for_case(case_id)`, without making its entries."""
        shas = self._shas.get(case_id)
        return shas if shas is not None else [e.sha for e in self.for_case(case_id)]

    def case_ids(self) -> list[str]:
        return [*self._by_case, *self._shas]

    def add(self, history: History) -> None:
        """Add the commits of `history`, and sort the timelines that got one."""
        for case_id in _add(self._by_case, history, self.for_case):
            self._by_case[case_id] = _ordered(self._by_case[case_id])

    @classmethod
    def of(cls, history: History) -> "Timelines":
        by_case: dict[str, list[Entry]] = {}
        _add(by_case, history)
        return cls(by_case, history.head)


def _ordered(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.committed, e.when, e.sha), reverse=True)


def _entry(sha: str, stored: list[str]) -> Entry:
    author, when, committed, subject, stage = stored
    return Entry(sha, author, datetime.fromisoformat(when), datetime.fromisoformat(committed),
                 subject, stage)


def _add(by_case: dict[str, list[Entry]], history: History,
         existing: Any = None) -> set[str]:
    """Add the commits of `history`; returns the cases that got one. `existing(case_id)`:
    the case's entries so far, when `by_case` does not hold them yet."""
    touched: set[str] = set()
    for commit in history:
        entry = Entry(commit.sha, commit.author_name, commit.author_date, commit.committer_date,
                      commit.subject, commit.stage or "")
        for case_id in commit.cases:
            if case_id not in by_case and existing is not None:
                by_case[case_id] = list(existing(case_id))
            by_case.setdefault(case_id, []).append(entry)
            touched.add(case_id)
    return touched


def _head(root: Path) -> str | None:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "-q", "--verify", "HEAD^{commit}"],
                          capture_output=True, text=True)
    return done.stdout.strip() or None


def _is_ancestor(root: Path, old: str, new: str) -> bool:
    return subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", old, new],
                          capture_output=True).returncode == 0


def read_timelines(root: Path, out: Path) -> Timelines:
    """The book's timelines, from the cache in `out` plus the commits made since."""
    head = _head(root)
    cached = _load(out / CACHE, out / DELTA)
    if cached is not None and head is not None and cached.head == head:
        return Timelines.stored(cached.cases, cached.commits, head)
    if cached is not None and head is not None and cached.head and _is_ancestor(root, cached.head, head):
        timelines = Timelines.stored(cached.cases, cached.commits, head)
        timelines.add(read_history(root, since=cached.head))
        _save(out, timelines, cached)
    else:
        by_case: dict[str, list[Entry]] = {}
        for part in _read_in_parts(root, head):
            _add(by_case, part)
        timelines = Timelines(by_case, head)
        _save(out, timelines)
    return timelines


SPLIT_FROM = 2000
"""Commits from which a first read is split in two `git log` runs, one per core."""


def _read_in_parts(root: Path, head: str | None) -> list[History]:
    """The whole history, read by two git processes at once when it is long.

    Most of the time goes into git comparing each commit's trees; the commits reachable
    from a midpoint and those after it are disjoint, so two processes read them in
    parallel and together see every commit exactly once.
    """
    if head is None:
        return [read_history(root)]
    count = int(_git(root, "rev-list", "--count", head) or 0)
    if count < SPLIT_FROM or (os.cpu_count() or 1) < 2:
        return [read_history(root)]
    middle = _git(root, "rev-list", "-1", f"--skip={count // 2}", head)
    with ThreadPoolExecutor(2) as pool:
        older = pool.submit(read_history, root, rev=middle)
        newer = pool.submit(read_history, root, since=middle)
        return [older.result(), newer.result()]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                          text=True).stdout.strip()


@dataclass(frozen=True, slots=True)
class Stored:
    """The cache as read: commits per case (in order), the head they were read up to, each
    commit as stored; and what of it the delta file holds."""

    cases: dict[str, list[str]]
    head: str | None
    commits: dict[str, list[str]]
    main_head: str | None
    delta_cases: frozenset[str] = frozenset()
    delta_commits: frozenset[str] = frozenset()


def _read_json(path: Path) -> Any:
    with gc_paused():
        return json.loads(path.read_text("utf-8"))


def _load(path: Path, delta_path: Path) -> Stored | None:
    """The cache file, with the delta beside it applied when it was written over it."""
    try:
        data = _read_json(path)
        if data.get("version") != CACHE_VERSION:
            return None
        cases, head, commits = data["cases"], data["head"], data["commits"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not (isinstance(cases, dict) and isinstance(commits, dict)):
        return None
    found = Stored(cases, head, commits, head)
    try:
        delta = _read_json(delta_path)
        if delta.get("version") == CACHE_VERSION and delta.get("base") == head:
            more_cases, more_commits = delta["cases"], delta["commits"]
            if isinstance(more_cases, dict) and isinstance(more_commits, dict):
                cases.update(more_cases)
                commits.update(more_commits)
                found = Stored(cases, delta["head"], commits, head, frozenset(more_cases),
                               frozenset(more_commits))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no delta (or a damaged one): the main file's head, and read since
    if not all(sha in commits for shas in cases.values() for sha in shas):
        return None
    return found


def _save(out: Path, timelines: Timelines, known: Stored | None = None) -> None:
    """Write the cache; `known`: the cache as read (its commits are not formatted again).
    The commits since the main file go to the delta file while they are few."""
    commits: dict[str, list[str]] = dict(known.commits) if known else {}
    new: set[str] = set()
    for cid, entries in timelines._by_case.items():
        for e in entries:
            if e.sha not in commits:
                commits[e.sha] = [e.author, e.when.isoformat(), e.committed.isoformat(), e.subject,
                                  e.stage]
                new.add(e.sha)
    since = (known.delta_commits | new) if known else new
    if known is not None and len(since) <= DELTA_SHARE * len(commits):
        changed = known.delta_cases | set(timelines._by_case)
        delta = {"version": CACHE_VERSION, "base": known.main_head, "head": timelines.head,
                 "commits": {sha: commits[sha] for sha in since},
                 "cases": {cid: timelines.shas(cid) for cid in changed}}
        replace_file(out / DELTA, _json_bytes(delta))
        return
    cases = {cid: timelines.shas(cid) for cid in timelines.case_ids()}
    data = {"version": CACHE_VERSION, "head": timelines.head, "commits": commits, "cases": cases}
    replace_file(out / CACHE, _json_bytes(data))
    with contextlib.suppress(OSError):
        (out / DELTA).unlink()


def _json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            + "\n").encode("utf-8")
