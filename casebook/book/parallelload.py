"""Every case folder of the book, read with every core when many have to be parsed.

The cached cases are taken in this process (a stat of their files each); the folders left
over are shared, in folder order and in chunks, among forked worker processes that parse
them and send back what `read_case` makes of each: the case, its problems (with their exact
`path:line`), its fingerprint and its entry for the load cache. The results are merged in
folder order, so problems, cases and the cache come out exactly as from the sequential
loop. Below `PARALLEL_MIN_CASES` folders to parse, starting the workers costs more than it
saves, and the loop stays in this process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import threading
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple

from casebook.book.casefolder import read_case, walk
from casebook.book.errors import Problem
from casebook.book.loadcache import CACHE_VERSION, CaseCache, Kept
from casebook.book.model import Case
from casebook.book.pickled import LazyMapping, Pickled, SplitPickle, cache_folder
from casebook.book.statwalk import Layout

PARALLEL_MIN_CASES = 600
"""Folders to parse from which the work is shared among the cores. Measured on 2 cores
(load_book without the cache, 5 invoices a debtor): 300 folders 0.38 s in this process,
0.44 s with workers; 600 0.74 / 0.71 s; 1,000 1.66 / 1.08 s; 2,000 2.45 / 1.70 s."""
CHUNKS_PER_WORKER = 4
"""More chunks than workers, so that a worker given large cases does not hold up the end."""

_ROOT: Path | None = None  # the book, for the forked workers


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _can_fork() -> bool:
    # Forking beside another thread could copy a lock that thread holds; a pool's own
    # (daemonic) workers may not start processes of their own.
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


class _Recorder:
    """The cache as a worker sees it: nothing cached (the parent took the hits), and what
    `read_case` would keep noted, to be kept by the parent."""

    def __init__(self) -> None:
        self.put_entry: tuple[str, Kept] | None = None

    def get(self, folder: str, fingerprint: str) -> None:
        return None

    def put(self, folder: str, entry: Kept) -> None:
        self.put_entry = (folder, entry)


def _read_chunk(names: list[str]) -> list[tuple[Case | None, list[Problem], str | None, Any, Layout | None]]:
    assert _ROOT is not None
    out = []
    for name in names:
        recorder = _Recorder()
        problems: list[Problem] = []
        fingerprints: dict[str, str] = {}
        layouts: dict[str, Layout] = {}
        case = read_case(_ROOT, name, recorder, problems, fingerprints, layouts)  # type: ignore[arg-type]
        out.append((case, problems, fingerprints.get(name), recorder.put_entry, layouts.get(name)))
    return out


class FolderRead(NamedTuple):
    """What `read_case` makes of one folder."""

    name: str
    case: Case | None
    problems: list[Problem]
    fingerprint: str | None


def read_cases(root: Path, names: list[str], store: CaseCache | None, problems: list[Problem],
               fingerprints: dict[str, str] | None,
               ahead: "WalkAhead | None" = None) -> LazyMapping[str, Case]:
    """The case of each folder `cases/<name>` (in the order of `names`), as `read_case`
    reads them one after the other, problems appended in that order. Cases from the cache
    stay pickled until they are read. `ahead`: the walk of the book started earlier
    (`walk_ahead`), taken instead of walking now."""
    hits = _hits(root, names, store, ahead.fingerprints() if ahead is not None else None)
    results = _read(root, [name for name in names if name not in hits], store)
    cases: dict[str, Case | Pickled] = {}
    for name in names:
        hit = hits.get(name)
        if hit is not None:
            problems += hit.problems
            fingerprint: str | None = hit.fingerprint
            if hit.case is not None:
                cases[hit.case_id] = Pickled(hit.case)  # type: ignore[index]
        else:
            case, found, fingerprint = results[name]
            problems += found
            if case is not None:
                cases[case.id] = case
        if fingerprints is not None and fingerprint is not None:
            fingerprints[name] = fingerprint
    return LazyMapping(cases)


def read_folders(root: Path, names: list[str], store: CaseCache | None,
                 walked: Mapping[str, str | None] | None = None) -> list[FolderRead]:
    """What `read_case` makes of each folder `cases/<name>`, in the order of `names`.
    `walked`: the folders' fingerprints when the caller has just walked them (then they
    are not walked again)."""
    hits = _hits(root, names, store, walked)
    results = _read(root, [name for name in names if name not in hits], store)
    out = []
    for name in names:
        hit = hits.get(name)
        if hit is not None:
            out.append(FolderRead(name, hit.unpickled(), list(hit.problems), hit.fingerprint))
        else:
            out.append(FolderRead(name, *results[name]))
    return out


def _hits(root: Path, names: list[str], store: CaseCache | None,
          walked: Mapping[str, str | None] | None = None) -> dict[str, Kept]:
    """The folders whose case the cache holds: the stat of every file of the book (over
    every core, unless `walked` has them), compared with what the cache kept. No walk with
    nothing kept."""
    if store is None or not store.entries:
        return {}
    hits = {}
    prints = [walked.get(name) for name in names] if walked is not None else warm_fingerprints(root, names)
    for name, fingerprint in zip(names, prints):
        if fingerprint is not None:
            entry = store.entry(f"cases/{name}", fingerprint)
            if entry is not None:
                hits[name] = entry
    return hits


def _read(root: Path, todo: list[str], store: CaseCache | None) -> dict[str, tuple]:
    """(case, problems, fingerprint) of each folder of `todo`, read from its files."""
    workers = min(cores(), 8)
    out = {}
    layouts: dict[str, Layout] = {}
    if len(todo) < PARALLEL_MIN_CASES or workers < 2 or not _can_fork():
        for name in todo:
            problems: list[Problem] = []
            prints: dict[str, str] = {}
            case = read_case(root, name, store, problems, prints, layouts)
            out[name] = (case, problems, prints.get(name))
    else:
        for name, (case, problems, fingerprint, entry, layout) in zip(
                todo, _parse_in_workers(root, todo, workers)):
            if store is not None and entry is not None:
                store.put(*entry)
            if layout is not None:
                layouts[name] = layout
            out[name] = (case, problems, fingerprint)
    if store is not None and layouts and len(todo) >= PARALLEL_MIN_CASES:
        # Many folders read (a cold load): their listings lay out the next warm walk.
        walked = SplitPickle(cache_folder(root), WALK_CACHE, CACHE_VERSION)
        walked.save({**walked.entries, **layouts})
    return out


def _parse_in_workers(root: Path, todo: list[str], workers: int) -> list[tuple]:
    size = max(1, -(-len(todo) // (workers * CHUNKS_PER_WORKER)))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    global _ROOT
    _ROOT = root
    try:
        with multiprocessing.get_context("fork").Pool(processes=workers) as pool:
            return [result for chunk in pool.imap(_read_chunk, chunks) for result in chunk]
    finally:
        _ROOT = None


WALK_CACHE = "walk-cache"


def warm_fingerprints(root: Path, names: list[str]) -> list[str | None]:
    """`folder_fingerprint` of each folder `cases/<name>`, in the order of `names`: the
    stat of every file of the book, over every core when the book is large (the walk is
    mostly Python's own work per file, which one core does at half the speed of two), each
    folder walked from the layout its last walk kept (`statwalk`), in
    `.git/casebook/walk-cache*.pickle`: for the warm runs of check, site and the rest."""
    store = SplitPickle(cache_folder(root), WALK_CACHE, CACHE_VERSION)
    return _kept(store, names, walks(root, names, store.entries))


def _kept(store: SplitPickle, names: list[str],
          found: list[tuple[str | None, Layout | None]]) -> list[str | None]:
    """The fingerprints of a walk of `names` (`walks`' pairs), the layouts it found kept
    in `store` for the next walk."""
    store.save({name: layout for name, (_, layout) in zip(names, found) if layout is not None})
    return [fingerprint for fingerprint, _ in found]


def walks(root: Path, names: list[str], layouts: Mapping[str, Layout]) -> list[tuple[str | None, Layout | None]]:
    """`statwalk.walk` of each folder `cases/<name>` (fingerprint, layout), in the order of
    `names`, over every core when the book is large; `layouts`: the last walk's, by name."""
    global _LAYOUTS
    _LAYOUTS = layouts
    try:
        found = _over_cores(_walk_chunk, root, names)
    finally:
        _LAYOUTS = {}
    return _given(names, found, layouts)


def _given(names: list[str], found: list[tuple[str | None, Any]],
           layouts: Mapping[str, Layout]) -> list[tuple[str | None, Layout | None]]:
    """`_walk_share`'s pairs with each `_SAME` replaced by the layout it stands for."""
    return [(fingerprint, layouts.get(name) if layout == _SAME else layout)
            for name, (fingerprint, layout) in zip(names, found)]


class WalkAhead:
    """`warm_fingerprints` of every case folder, walked by forked processes while this one
    goes on (`walk_ahead`). A share whose process failed is walked here when it is asked
    for: the walk ahead only ever saves time."""

    def __init__(self, root: Path, names: list[str], store: SplitPickle,
                 shares: list[tuple[list[str], int, int]], also: Callable[[], Any] | None) -> None:
        self._root, self._names, self._store, self._shares = root, names, store, shares
        self._also = also
        self._found: dict[str, str | None] | None = None
        self._also_found: Any = None

    def fingerprints(self) -> dict[str, str | None]:
        """Each folder's fingerprint, by name (the folders there were when the walk began:
        a folder made since is not in it, and is read from its files)."""
        if self._found is None:
            found: list[tuple[str | None, Any]] = []
            for names, pid, pipe in self._shares:
                share, also = _collect(pid, pipe)
                if share is None or len(share) != len(names):
                    share = _walk_share(self._root, names, self._store.entries)
                found += share
                if also is not None:
                    self._also_found, self._also = also, None
            self._shares = []
            prints = _kept(self._store, self._names,
                           _given(self._names, found, self._store.entries))
            self._found = dict(zip(self._names, prints))
        return self._found

    def close(self) -> None:
        """Stop the walking processes not asked yet (the command failed before it needed
        the walk): none is left waiting on its pipe, no pipe left open."""
        for _, pid, pipe in self._shares:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.close(pipe)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self._shares = []

    def also(self) -> Any:
        """What `also` (given to `walk_ahead`) returned in the last walking process (or
        returns here, when that process failed)."""
        self.fingerprints()
        if self._also is not None:
            self._also_found, self._also = (self._also(),), None
        return self._also_found[0] if self._also_found is not None else None


def walk_ahead(root: Path, also: Callable[[], Any] | None = None) -> WalkAhead | None:
    """Start the warm walk of the book at `root` in one forked process per core, for a
    command that has its own code to import and files to read before it needs the walk
    (at 10,000 cases: 0.2 s of imports, and a walk of 0.3 s on two cores). `also`: more
    of the same kind of work (stats: its result is pickled back), done by the last
    process after its share. None where a walk would not be taken (a small or a cold book)
    or processes cannot be forked."""
    folder = cache_folder(root)
    if folder is None or not (folder / f"{WALK_CACHE}.pickle").is_file() or not _can_fork():
        return None
    from casebook.book.load import case_names

    names = case_names(root)
    workers = min(cores(), 8)
    if len(names) < PARALLEL_MIN_CASES or workers < 2:
        return None
    store = SplitPickle(folder, WALK_CACHE, CACHE_VERSION)
    size = -(-len(names) // workers)
    shares = [names[i:i + size] for i in range(0, len(names), size)]
    return WalkAhead(root, names, store, [
        (share, *_fork_walk(root, share, store.entries, also if i == len(shares) - 1 else None))
        for i, share in enumerate(shares)], also)


def _fork_walk(root: Path, names: list[str], layouts: Mapping[str, Layout],
               also: Callable[[], Any] | None) -> tuple[int, int]:
    """A forked process walking `names` (then calling `also`), its results pickled into a
    pipe: (pid, pipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        status = 1
        try:
            os.close(read_end)
            found = _walk_share(root, names, layouts)
            data = pickle.dumps((found, (also(),) if also is not None else None),
                                pickle.HIGHEST_PROTOCOL)
            with open(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            # No exit handlers, no flushing of buffers copied from the parent.
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, pipe: int) -> tuple[list | None, tuple | None]:
    """What the walking process `pid` wrote into `pipe`: (its share, (also's result,) or
    None); (None, None) when it failed."""
    with open(pipe, "rb") as handle:
        data = handle.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None, None
    try:
        found, also = pickle.loads(data)
    except Exception:  # a process that died halfway: its share is walked again
        return None, None
    return (found if isinstance(found, list) else None), (also if isinstance(also, tuple) else None)


def _walk_share(root: Path, names: list[str], layouts: Mapping[str, Layout]) -> list[tuple[str | None, Any]]:
    """(fingerprint, layout or `_SAME`) of each folder of `names`."""
    out = []
    for name in names:
        given = layouts.get(name)
        fingerprint, layout = walk(root, name, given)
        out.append((fingerprint, _SAME if layout is given and given is not None else layout))
    return out


def _over_cores(work: Callable[[list[str]], list[Any]], root: Path, names: list[str]) -> list[Any]:
    """`work` over `names` in shares, one a core when there are many, results in order."""
    global _ROOT
    _ROOT = root
    try:
        workers = min(cores(), 8)
        if len(names) < PARALLEL_MIN_CASES or workers < 2 or not _can_fork():
            return work(names)
        size = -(-len(names) // workers)
        chunks = [names[i:i + size] for i in range(0, len(names), size)]
        # This process walks the first share while the workers walk the others: one fork
        # fewer, and no core waits.
        with multiprocessing.get_context("fork").Pool(processes=len(chunks) - 1) as pool:
            others = pool.map_async(work, chunks[1:])
            first = work(chunks[0])
            parts = [first, *others.get()]
    finally:
        _ROOT = None
    return [result for part in parts for result in part]


_LAYOUTS: Mapping[str, Layout] = {}  # the last walk's layouts, for the forked workers
_SAME = 0  # a layout as it was given: not sent back from a worker


def _walk_chunk(names: list[str]) -> list[tuple[str | None, Any]]:
    assert _ROOT is not None
    return _walk_share(_ROOT, names, _LAYOUTS)
