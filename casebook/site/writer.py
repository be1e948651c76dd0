"""Writing the site: every page planned first, then only what changed is written.

A page is a relative path, a key (a hash of everything the page is made from) and a
function that produces its bytes. The manifest `.casebook-build.json` in the output
folder remembers the key and the hash of every page written. A page whose key has not
changed and whose file is still as written is skipped without being rendered; a page
that is rendered again is compared with the file on disk and only written when its bytes
differ. Pages of an earlier build that are no longer planned are removed (only those: the
writer never deletes a file it did not write).

The writer refuses two pages with the same path and any path that could leave the
output folder, before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from casebook.book.errors import BookError
from casebook.book.fsutil import inside

MANIFEST = ".casebook-build.json"
MANIFEST_VERSION = 1
# Segments that start with a letter, digit or `_` (so never `.` or `..`), one regex for the
# whole path: a build checks tens of thousands of paths.
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9._-]*\n?"
_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


def safe_relative(path: str) -> bool:
    """A plain relative POSIX path: no `..`, no absolute path, no odd characters."""
    return _PATH.fullmatch(path) is not None and path.split("/", 1)[0] != MANIFEST


def digest(*parts: str | bytes) -> str:
    """A stable hash of several values (each length-prefixed, so they cannot run together)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    key: str
    produce: Callable[[], bytes]


@dataclass(slots=True)
class Report:
    """What a build did, by output path."""

    out: Path
    written: list[str] = field(default_factory=list)
    """Rendered and written (new or changed)."""
    unchanged: list[str] = field(default_factory=list)
    """Rendered again, same bytes: not written."""
    skipped: list[str] = field(default_factory=list)
    """Inputs unchanged: not even rendered."""
    removed: list[str] = field(default_factory=list)
    """Written by an earlier build, no longer part of the site."""


def page_sizes(out: Path) -> dict[str, int]:
    """The size of each page of the last build's manifest that is still in `out`: what
    `is_fresh` asks of the disk, which `casebook site` has a walking process take ahead
    (`casebook.book.parallelload.walk_ahead`): 19,000 stats at 10,000 debtors."""
    root = os.fspath(out)
    sizes = {}
    for path in read_manifest(out)[0]:
        try:
            sizes[path] = os.stat(os.path.join(root, path)).st_size
        except OSError:
            pass
    return sizes


class Writer:
    def __init__(self, out: Path, sizes: Mapping[str, int] | None = None) -> None:
        """`sizes`: `page_sizes(out)`, taken just before (pages not in it are looked at)."""
        self.out = out
        self.pages: dict[str, Page] = {}
        self.previous, self.memo = read_manifest(out)
        self._sizes = sizes or {}
        self._folders: dict[str, bool] = {}
        self._stale: list[str] | None = None
        self._root = os.fspath(out)
        self.done: dict[str, tuple[str, int]] = {}
        """Pages already rendered (by `render_pages`, maybe in another process): status, size."""

    def add(self, path: str, key: str, produce: Callable[[], bytes]) -> None:
        """Plan a page. Its folder is checked (links out of the output folder) by `plan`,
        for the pages that are written, before any is."""
        if not safe_relative(path):
            raise BookError(f"the site cannot write {path!r}: not a plain path inside {self.out}")
        if path in self.pages:
            raise BookError(f"two pages of the site would be written to {path}")
        self.pages[path] = Page(path, key, produce)

    def plan(self) -> list[str]:
        """The paths whose page must be rendered (see `stale`), after checking that each
        of their folders stays inside the output folder: nothing is written otherwise."""
        if self._stale is None:
            stale = self.stale()
            for path in stale:
                if not self._folder_inside(path.rpartition("/")[0]):
                    raise BookError(
                        f"the site cannot write {path!r}: not a plain path inside {self.out}")
            self._stale = stale
        return self._stale

    def _folder_inside(self, folder: str) -> bool:
        """The folder stays inside the output once symbolic links are followed (a plain
        path can only leave through a link). Checked once per folder."""
        known = self._folders.get(folder)
        if known is None:
            known = self._folders[folder] = not folder or inside(self.out, folder) is not None
        return known

    def is_fresh(self, path: str, key: str) -> bool:
        """The page was written by the last build from the same inputs and is still there."""
        entry = self.previous.get(path)
        if not entry or entry.get("key") != key:
            return False
        size = self._sizes.get(path)
        if size is None:
            try:
                size = os.stat(os.path.join(self._root, path)).st_size
            except OSError:
                return False
        return size == entry.get("size")

    def stale(self) -> list[str]:
        """Paths whose page must be rendered, in order."""
        return sorted(p for p, page in self.pages.items() if not self.is_fresh(p, page.key))

    def render_pages(self, paths: list[str]) -> dict[str, tuple[str, int]]:
        """Render and write the pages `paths` now; returns path -> ("written"|"unchanged", size).

        Safe to run in a forked worker: it touches only its own pages' files.
        """
        results = {}
        for path in paths:
            data = self.pages[path].produce()
            target = self.out / path
            if _same_bytes(target, data):
                results[path] = ("unchanged", len(data))
            else:
                replace_file(target, data)
                results[path] = ("written", len(data))
        return results

    def write(self, *, memo: Callable[[], dict[str, Any]] | None = None) -> Report:
        """Write what changed; what `memo()` returns after the pages is kept in the
        manifest for the next build."""
        report = Report(self.out)
        stale = set(self.plan())
        self.out.mkdir(parents=True, exist_ok=True)
        manifest: dict[str, dict] = {}
        try:
            for path in sorted(self.pages):
                page = self.pages[path]
                if path not in stale:
                    report.skipped.append(path)
                    manifest[path] = self.previous[path]
                    continue
                if path not in self.done:
                    self.done.update(self.render_pages([path]))
                status, size = self.done[path]
                (report.written if status == "written" else report.unchanged).append(path)
                manifest[path] = {"key": page.key, "size": size}
            for path in sorted(set(self.previous) - set(self.pages)):
                target = inside(self.out, path) if safe_relative(path) else None
                if target is not None and target.is_file():
                    target.unlink()
                    report.removed.append(path)
                    _prune(target.parent, self.out)
        finally:
            # Even a build stopped by an error records what it wrote, so the next one
            # does not redo it; pages not reached are simply absent and built next time.
            for path in set(self.previous) - set(self.pages) - set(report.removed):
                manifest.setdefault(path, self.previous[path])
            self._write_manifest(manifest, memo() if memo else {})
        return report

    # -- manifest ------------------------------------------------------------------------
    def _write_manifest(self, pages: dict[str, dict], memo: dict[str, Any]) -> None:
        text = json.dumps({"version": MANIFEST_VERSION, "pages": pages, "memo": memo},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        data = (text + "\n").encode("utf-8")
        if not _same_bytes(self.out / MANIFEST, data):
            replace_file(self.out / MANIFEST, data)


def read_manifest(out: Path) -> tuple[dict[str, dict], dict[str, Any]]:
    """The pages and the memo of the last build into `out` (empty when there was none)."""
    from casebook.book.pickled import gc_paused

    try:
        with gc_paused():
            data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}, {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}, {}
    pages, memo = data.get("pages"), data.get("memo")
    return (pages if isinstance(pages, dict) else {}), (memo if isinstance(memo, dict) else {})


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    A reader never sees half a page. No fsync: the site is derived data, and a page lost
    to a power cut is simply rebuilt (the manifest's size check notices it).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _prune(folder: Path, top: Path) -> None:
    """Remove folders left empty by removed pages, up to the output folder."""
    top = top.resolve()
    folder = folder.resolve()
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
