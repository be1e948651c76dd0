"""The working-tree and index step of a batch flush (step 4 of `casebook.record.gitbatch`),
and `recover`, which finishes or undoes that step after a crash from the batch's journal.

Files are replaced by write-then-rename and removed as `git rm` would, index entries are set
for exactly the paths a flush committed, and a `.git/index.lock` held by another git is
waited for. Separate from the batch itself (objects, commits, the branch move) because
`recover` needs only this side: it runs before every commit, with no batch open.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, NamedTuple

import git

from casebook.book.errors import BookError
from casebook.book.fsutil import remove_temporaries
from casebook.record.gitobjects import PreparedBlob, blob_content, blob_id

if TYPE_CHECKING:
    from casebook.record.gitstore import Store

JOURNAL_NAME = "casebook-batch.json"
ZERO = "0" * 40
FILE_MODE = "100644"
INDEX_LOCK_RETRIES = 50


def recover(store: Store) -> list[str]:
    """Finish (or undo) the working-tree step of a batch flush a crash interrupted.

    Returns one message per path left alone because someone edited it meanwhile.
    A no-op (one `stat`) when no journal is present.
    """
    journal = store.git_dir / JOURNAL_NAME
    try:
        state = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        journal.unlink()  # torn before its fsync: the branch was never moved after it
        return []
    branch, old, new = state["branch"], state["old"], state["new"]
    paths: dict[str, str | None] = state["paths"]
    try:
        current = store.repo.git.rev_parse("--verify", "-q", branch)
    except git.GitCommandError:
        current = None
    notes: list[str] = []
    if current == old:
        target_rev, theirs_rev, unchanged = old, new, list(paths)
    elif current == new or (current and store.is_ancestor(new, current)):
        target_rev, theirs_rev = new, old
        unchanged = [p for p in paths if current == new or _blob_at(store, current, p) == paths[p]]
    else:
        journal.unlink()
        return [f"the branch {branch} no longer holds the commits of an interrupted batch"]
    updates: dict[str, str | None] = {}
    for rel in unchanged:
        target = paths[rel] if target_rev == new else _blob_at(store, old, rel)
        other = _blob_at(store, theirs_rev, rel) if target_rev == new else paths[rel]
        on_disk = _worktree_blob(store.root / rel)
        remove_temporaries(store.root / rel)
        if on_disk == target:
            updates[rel] = target
        elif on_disk == other:
            if target is None:
                remove_file(store.root, rel)
            else:
                replace_file(store.root / rel, _blob_data(store, target))
            updates[rel] = target
        else:
            notes.append(f"{rel}: edited since an interrupted batch; left as it is")
            updates[rel] = target
    update_index(store, updates)
    os.sync()
    journal.unlink()
    return notes



# -- helpers -----------------------------------------------------------------------------


def _worktree_blob(path: Path) -> str | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None if not path.exists() else "?"
        return blob_id(path.read_bytes())
    except OSError:
        return "?"


def _blob_at(store: Store, rev: str | None, rel: str) -> str | None:
    if not rev:
        return None
    try:
        sha, kind, _ = store.repo.git.get_object_header(f"{rev}:{rel}")
    except ValueError:
        return None
    return _text(sha) if _text(kind) == "blob" else None


def _text(value: str | bytes) -> str:
    """GitPython's persistent cat-file answers in bytes."""
    return value.decode() if isinstance(value, bytes) else value


def _blob_data(store: Store, sha: str) -> bytes:
    return store.repo.git.get_object_data(sha)[3]


class Staged(NamedTuple):
    """A file's new content, already written beside it under a temporary name, and its blob
    for the pack. advance's rendering workers stage the letters they make (creating the
    40,000 files of a 10,000-action run was most of what the committing process did, and
    the workers have the cores), so a flush only renames them into place: the real path still appears only after the branch
    has moved, and a temporary left by a crash is removed by the next run (`recover` here,
    and `casebook.record.advance.recover` for actions that were never committed)."""

    tmp: str
    blob: PreparedBlob


_stagings = itertools.count()


def stage_file(path: Path, data: bytes) -> str:
    """Write `data` to a new temporary beside `path` (its folders made as needed); its name.
    Without fsync: the journal, `recover` and one `sync` per flush make the tree durable.
    The file gets the usual permissions (umask), like git's."""
    tmp = str(path.with_name(f".{path.name}.{os.getpid()}-{next(_stagings)}.tmp"))
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        with memoryview(data) as view:
            written = 0
            while written < len(view):
                written += os.write(fd, view[written:])
    except BaseException:
        os.close(fd)
        discard(tmp)
        raise
    os.close(fd)
    return tmp


def replace_file(path: Path, data: bytes) -> None:
    """Write-then-rename (`stage_file`, then into place)."""
    tmp = stage_file(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise


def place_file(path: Path, staged: Staged) -> None:
    """Rename a staged file into place; if its temporary is gone (removed when the run
    stopped early, see `casebook.record.actionfiles`, or by hand), write the content again
    from its blob."""
    try:
        os.replace(staged.tmp, path)
    except FileNotFoundError:
        replace_file(path, blob_content(staged.blob))


def discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def remove_file(root: Path, rel: str) -> None:
    """Delete a file and the folders it leaves empty, as `git rm` does."""
    path = root / rel
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    folder = path.parent
    while folder != root:
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent


def update_index(store: Store, blobs: Mapping[str, str | None]) -> None:
    """Set the index entries of exactly these paths (None removes), then refresh their stat."""
    if not blobs:
        return
    lines = b"".join(
        (f"0 {ZERO}\t{rel}" if sha is None else f"{FILE_MODE} {sha}\t{rel}").encode("utf-8") + b"\x00"
        for rel, sha in blobs.items()
    )
    _git_with_index(store, ["update-index", "-z", "--index-info"], lines)
    _git_with_index(store, ["update-index", "-q", "--refresh"], b"", allowed=(0, 1))


def index_written(store: Store, paths: list[str]) -> None:
    """Set the index entries of exactly these paths from the working tree, as a flush has
    just written (or removed) them: one `git update-index` that hashes those files (their
    blobs are in the pack already, so no object is written) and stats nothing else. Setting
    the known ids and refreshing the whole index after it, as `recover` does, took two
    processes that each read and wrote the whole index (7 MB at 10,000 cases) and a stat of
    every file in it, every flush."""
    if paths:
        listed = b"".join(rel.encode("utf-8") + b"\x00" for rel in paths)
        _git_with_index(store, ["update-index", "--add", "--remove", "-z", "--stdin"], listed)


def index_lock_left(store: Store) -> Path | None:
    """`.git/index.lock` when it is still there after waiting for its git to finish."""
    lock = store.git_dir / "index.lock"
    for _ in range(INDEX_LOCK_RETRIES):
        if not lock.exists():
            return None
        time.sleep(0.1)
    return lock


def _git_with_index(store: Store, args: list[str], data: bytes, allowed: tuple[int, ...] = (0,)) -> None:
    """Run a git command that takes `index.lock`, waiting while another git holds it."""
    for attempt in range(INDEX_LOCK_RETRIES):
        result = subprocess.run(
            ["git", *args], cwd=store.root, input=data, capture_output=True, check=False
        )
        if result.returncode in allowed:
            return
        message = result.stderr.decode("utf-8", "replace")
        if "index.lock" not in message or attempt == INDEX_LOCK_RETRIES - 1:
            raise BookError(f"git {' '.join(args)} failed: {message.strip()}")
        time.sleep(0.1)
