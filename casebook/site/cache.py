"""The site's build cache: what a build computed per case, for the next build.

Per case the cache keeps the page key, the overview row and summary, the portfolio row, the
forecast part and the printable letters, under a check made of the loader's fingerprint of
the case folder, its commits and everything else its pages depend on (settings, policies,
rates, templates, the build date, this code). A rebuild takes an unchanged case from here
instead of computing it again; a changed one is computed, and everything shown is still
computed by the same functions (`casebook.portfolio`, `casebook.insight`, the engine).

The cache is private: it lives in the book's `.git/casebook/` (never committed, never
published with the site), as a pickle, like the loader's cache. Without a `.git` folder
nothing is kept. Deleting it only makes the next build slower. A large file holds the
entries and a small one what changed since, so that a one-case rebuild does not rewrite
the whole cache.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import gc
import hashlib
import io
import os
import pickle
from pathlib import Path
from typing import Any, Iterator

from .. import __version__
from ..fsutil import atomic_write


def _code_version() -> str:
    """Cached values are only valid for the code that computed them: every module of the
    package counts (the site shows figures of the engine, the money rules, the loader...)."""
    digest = hashlib.sha1(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()
DELTA_SHARE = 0.05


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large cache is read: it makes hundreds of
    thousands of objects and no cycles, and the collector would scan them again and again
    (several times slower)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_of(*parts: str) -> str:
    """A cheap hash of strings that contain no NUL (ids, hashes): one per case per build."""
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


class BuildCache:
    def __init__(self, root: Path, out: Path) -> None:
        git_dir = root / ".git"
        folder = git_dir / "casebook" if git_dir.is_dir() else None
        name = hashlib.sha1(os.fspath(out).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.main_path = folder / f"site-{name}.pickle" if folder else None
        self.delta_path = folder / f"site-{name}.delta.pickle" if folder else None
        with gc_paused():
            self.main: dict[str, dict[str, Any]] = self._read(self.main_path) or {}
            delta = self._read(self.delta_path)
        self.entries: dict[str, dict[str, Any]] = dict(self.main)
        if delta:
            for case_id, entry in delta.items():
                if entry is None:
                    self.entries.pop(case_id, None)
                else:
                    self.entries[case_id] = entry

    @staticmethod
    def _read(path: Path | None) -> dict[str, Any] | None:
        if path is None:
            return None
        try:
            with open(path, "rb") as handle:
                version, entries = pickle.load(handle)
        except Exception:  # a missing or damaged cache is only a slower build
            return None
        return entries if version == CODE_VERSION and isinstance(entries, dict) else None

    def save(self, entries: dict[str, dict[str, Any]]) -> None:
        """Keep `entries` (by case id) for the next build."""
        if self.main_path is None or self.delta_path is None:
            return
        main = self.main
        delta: dict[str, Any] = {cid: e for cid, e in entries.items() if main.get(cid) is not e}
        delta.update((cid, None) for cid in main.keys() - entries.keys())
        try:
            if len(delta) <= DELTA_SHARE * max(len(main), 1):
                if delta or self.delta_path.exists():
                    atomic_write(self.delta_path, _dump(delta))
                return
            atomic_write(self.main_path, _dump(entries))
            if self.delta_path.exists():
                self.delta_path.unlink()
        except OSError:
            pass


def _dump(entries: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump((CODE_VERSION, entries))
    return out.getvalue()


def _as_call(value: Any) -> tuple[Any, tuple[Any, ...]]:
    """A frozen dataclass stored as `cls(*fields)`: reading it back is a plain call, several
    times faster than the generic `__setstate__` of a dataclass with slots."""
    return type(value), tuple(getattr(value, f.name) for f in dataclasses.fields(value))


def _reducers() -> dict[type, Any]:
    from ..insight.forecast import CaseOutlook, Expected, RiskCase
    from ..portfolio import CaseFigures

    table = dict(copyreg.dispatch_table)
    for cls in (CaseFigures, CaseOutlook, Expected, RiskCase):
        table[cls] = _as_call
    return table


_REDUCERS = _reducers()
