"""The site's build cache: what a build computed per case, for the next build.

Per case the cache keeps the page key, the overview row and summary, the portfolio row, the
forecast part and the printable letters, under a check made of the loader's fingerprint of
the case folder, its commits and everything else its pages depend on (settings, policies,
rates, templates, the build date, this code). A rebuild takes an unchanged case from here
instead of computing it again; a changed one is computed, and everything shown is still
computed by the same functions (`casebook.engine.portfolio`, `casebook.insight`, the engine).

The cache is private, like the loader's: a `casebook.book.pickled.SplitPickle` in the book's
`.git/casebook/`, one per output folder. Without a `.git` folder nothing is kept.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import io
import os
import pickle
from pathlib import Path
from typing import Any

import jinja2

from casebook import __version__
from casebook.book.pickled import SplitPickle, cache_folder, code_digest

_PACKAGE = Path(__file__).resolve().parent.parent
# Cached values are only valid for the code that computed them: every module of the package
# counts (the site shows figures of the engine, the money rules, the loader...).
CODE_VERSION = code_digest(__version__, _PACKAGE, sorted(_PACKAGE.rglob("*.py")))


def check_of(*parts: str) -> str:
    """A cheap hash of strings that contain no NUL (ids, hashes): one per case per build."""
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


class BuildCache:
    """Per case, its entry (`caseparts.CaseParts`, packed); per block of cases, its part
    (`caseparts.BlockParts`)."""

    def __init__(self, root: Path, out: Path) -> None:
        name = hashlib.sha1(os.fspath(out).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        folder = cache_folder(root)
        self.store = SplitPickle(folder, f"site-{name}", CODE_VERSION, _REDUCERS)
        self.block_store = SplitPickle(folder, f"site-{name}-blocks", CODE_VERSION, _REDUCERS)
        self.entries: dict[str, dict[str, Any]] = self.store.entries
        self.blocks: dict[str, dict[str, Any]] = self.block_store.entries

    def save(self, entries: dict[str, dict[str, Any]], blocks: dict[str, dict[str, Any]]) -> None:
        """Keep `entries` (by case id) and `blocks` (by first case id) for the next build."""
        self.store.save(entries)
        self.block_store.save(blocks)


INDEX = ("check", "key", "printable", "cacheable")
"""What a build reads of every case's entry; the rest stays packed until it is needed."""


def pack(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as kept: its INDEX fields, and the rest as one pickle."""
    bulk = {k: v for k, v in entry.items() if k not in INDEX}
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(bulk)
    return {**{k: entry[k] for k in INDEX}, "packed": out.getvalue()}


def unpack(kept: dict[str, Any]) -> dict[str, Any]:
    entry = {k: v for k, v in kept.items() if k != "packed"}
    entry.update(pickle.loads(kept["packed"]))
    return entry


def _as_call(value: Any) -> tuple[Any, tuple[Any, ...]]:
    """A frozen dataclass stored as `cls(*fields)`: reading it back is a plain call, several
    times faster than the generic `__setstate__` of a dataclass with slots."""
    return type(value), tuple(getattr(value, f.name) for f in dataclasses.fields(value))


def _reducers() -> dict[type, Any]:
    from casebook.engine.portfolio import CaseFigures, Sums
    from casebook.insight.forecast import CaseOutlook, Expected, RiskCase
    from casebook.insight.forecast import Part as ForecastPart
    from casebook.site.parts import Capped, Part

    table = dict(copyreg.dispatch_table)
    for cls in (CaseFigures, CaseOutlook, Expected, RiskCase, Sums, Capped, Part, ForecastPart):
        table[cls] = _as_call
    return table


_REDUCERS = _reducers()


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates as an earlier build compiled them, in `.git/casebook/site-templates/`.

    Compiling the site's templates took longer than rendering the pages of a rebuild after
    one change. Jinja takes a compiled template only for the same source (it compares a
    hash); the key adds this code, whose environment compiled it.
    """

    KEEP = 400
    """Files from which the folder is emptied (each version of casebook leaves its own)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(os.fspath(folder), "%s.cache")
        try:
            if sum(1 for _ in os.scandir(folder)) > self.KEEP:
                self.clear()
        except OSError:
            pass

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return check_of(CODE_VERSION, super().get_cache_key(name, filename))


def compiled_templates(root: Path) -> CompiledTemplates | None:
    """The book's compiled templates; None without a `.git` folder (nothing is kept)."""
    folder = cache_folder(root)
    if folder is None:
        return None
    try:
        return CompiledTemplates(folder / "site-templates")
    except OSError:
        return None
