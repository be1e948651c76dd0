"""casebook's private caches: dictionaries kept as pickles in the book's `.git/casebook/`.

A cache is never committed and never published; deleting it only makes the next run
slower, and a missing, damaged or outdated one is read as empty. A large main file holds
everything and a small delta file what changed since, so that a run after one edit in a
large book does not rewrite the whole cache.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import pickle
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, TypeVar

from casebook.book.fsutil import atomic_write

K = TypeVar("K")
V = TypeVar("V")

DELTA_SHARE = 0.05
"""Above this share of the main file's entries, changes are folded into a new main file."""


def code_digest(version: str, package: Path, files: Iterable[Path]) -> str:
    """A cache's version: cached values are only valid for the code that computed them."""
    digest = hashlib.sha1(version.encode())
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_folder(root: Path) -> Path | None:
    """Where the book at `root` keeps its caches; None without a `.git` folder."""
    git_dir = root / ".git"
    return git_dir / "casebook" if git_dir.is_dir() else None


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


class SplitPickle:
    """A dictionary kept in `<stem>.pickle` and `<stem>.delta.pickle` of `folder`.

    `entries` is what was kept (the main file with the delta applied); `save` keeps a new
    dictionary. `dispatch_table`: the pickler's reducers (see `copyreg`), for values that
    read back faster written another way.
    """

    def __init__(self, folder: Path | None, stem: str, version: str,
                 dispatch_table: dict | None = None) -> None:
        self.main_path = folder / f"{stem}.pickle" if folder else None
        self.delta_path = folder / f"{stem}.delta.pickle" if folder else None
        self.version = version
        self.dispatch_table = dispatch_table
        with gc_paused():
            self.main: dict[Any, Any] = self._read(self.main_path) or {}
            self.delta: dict[Any, Any] = self._read(self.delta_path) or {}
        self.entries = dict(self.main)
        for key, entry in self.delta.items():
            if entry is None:
                self.entries.pop(key, None)
            else:
                self.entries[key] = entry

    def _read(self, path: Path | None) -> dict | None:
        if path is None:
            return None
        try:
            with open(path, "rb") as handle:
                version, entries = pickle.load(handle)
        except Exception:  # a missing or damaged cache is only a slower run
            return None
        return entries if version == self.version and isinstance(entries, dict) else None

    def save(self, entries: dict[Any, Any]) -> None:
        """Keep `entries` for the next run. Values taken from `self.entries` unchanged
        (the same objects) are not written again."""
        if self.main_path is None or self.delta_path is None:
            return
        main = self.main
        delta = {key: e for key, e in entries.items() if main.get(key) is not e}
        delta.update((key, None) for key in main.keys() - entries.keys())
        try:
            if not delta:
                self.delta_path.unlink(missing_ok=True)
            elif len(delta) <= DELTA_SHARE * max(len(main), 1):
                if not self._same_as_kept(delta):
                    atomic_write(self.delta_path, self._dump(delta))
            else:
                atomic_write(self.main_path, self._dump(entries))
                self.delta_path.unlink(missing_ok=True)
                self.main, delta = dict(entries), {}
        except OSError:
            return
        self.delta, self.entries = delta, dict(entries)

    def _same_as_kept(self, delta: dict[Any, Any]) -> bool:
        kept = self.delta
        return delta.keys() == kept.keys() and all(kept[key] is e for key, e in delta.items())

    def _dump(self, entries: dict[Any, Any]) -> bytes:
        out = io.BytesIO()
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        if self.dispatch_table is not None:
            pickler.dispatch_table = self.dispatch_table
        pickler.dump((self.version, entries))
        return out.getvalue()


class Pickled:
    """A value kept as its pickle until someone reads it (see `LazyMapping`)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class LazyMapping(Mapping[K, V]):
    """A read-only dictionary whose values may still be `Pickled`: each is unpickled on
    first access, then kept.

    A warm run of a large book reads few of its cases: unpickling all of them was most of
    its time. Iteration order is that of the items given, as for a dict; equality, `in`,
    `len` and `{**m}` are a dict's. It pickles (and copies) as a plain dict.
    """

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[K, "V | Pickled"] | Iterable[tuple[K, "V | Pickled"]] = ()) -> None:
        self._data: dict[K, Any] = dict(items)

    def __getitem__(self, key: K) -> V:
        value = self._data[key]
        if type(value) is Pickled:
            value = self._data[key] = pickle.loads(value.data)
        return value

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self):  # type: ignore[override]
        # The dict's own view: set operations and iteration without touching a value.
        return self._data.keys()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __or__(self, other: Mapping[K, V]) -> dict[K, V]:
        return {**self, **other}

    def __reduce__(self) -> tuple:
        return (dict, (dict(self.items()),))

    def copy(self) -> dict[K, V]:
        return dict(self.items())
