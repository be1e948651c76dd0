"""Writing files so that a crash never leaves half of one: temp file, fsync, rename."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Collection

from casebook.book.crashpoints import crash_point


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step; the folder is created when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); a book file gets the usual mode, as an editor
        # or `git checkout` would give it.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            crash_point("write:partial")
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        crash_point("write:before-rename")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)
    crash_point("write:done")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_temporaries(path: Path, names: Collection[str] | None = None) -> list[Path]:
    """Remove what a killed `atomic_write(path, ...)` left: `.<name>.<random>.tmp` beside it.

    `names`: the folder's listing (`folder_names`), when the caller looks at several paths
    of one folder. Only for a caller that holds the book's writer lock (no write of `path`
    is under way).
    """
    if names is None:
        names = folder_names(path.parent)
    prefix = f".{path.name}."
    removed = []
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp") and len(name) >= len(prefix) + 4:
            leftover = path.parent / name
            try:
                leftover.unlink()
                removed.append(leftover)
            except OSError:
                pass
    return removed


def folder_names(folder: Path) -> frozenset[str]:
    """The names in a folder; none when it cannot be listed."""
    try:
        return frozenset(os.listdir(folder))
    except OSError:
        return frozenset()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: Largest file casebook reads from a book (settings, policies, rates, templates).
MAX_READ = 16 << 20


def read_inside(root: Path, relative: str, *, limit: int = MAX_READ) -> bytes:
    """The bytes of the regular file `root/relative`, or OSError (with a message for a
    human) when it is a link that leads out of `root`, not a regular file (a folder, a
    device, a pipe: those would hang or never end) or larger than `limit`.

    Books travel through git, and git keeps symbolic links: a link to `/proc/self/environ`
    or `~/.ssh/id_rsa` must never be read into a letter, the site or a commit.
    """
    path = inside(root, relative)
    if path is None:
        raise OSError(errno.EPERM, "it is a link that leads out of the book: not followed")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit >> 20} MB")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit >> 20} MB")
    return data


def inside(root: Path, relative: str) -> Path | None:
    """`root / relative` when it stays inside `root` (no `..`, absolute path or symlink out)."""
    if not relative or relative.startswith(("/", "\\")) or "\x00" in relative:
        return None
    candidate = (root / relative).resolve()
    root = root.resolve()
    if candidate == root or root in candidate.parents:
        return candidate
    return None
