"""The book's git repository: commits that record what casebook did.

Every write goes through `Store.commit` (one commit, through `git add` + `git commit`) or,
for many commits in one run, through `Store.batch()`: both write the files atomically,
stage exactly them and commit exactly them, leaving working tree and index as `git add` +
`git commit` would; a user's edits elsewhere stay where they are, uncommitted.
A book-wide lock keeps two writers (two `advance` runs, `advance` and `pay`) from
interleaving.

How a batch stays safe when it is killed at any moment (SIGKILL, power loss):

1. Objects first. Blobs, trees and commits are written into a pack of the batch's own
   (`objects/pack/tmp_pack_casebook_*`), which each flush seals, indexes and fsyncs before
   git can see it. Until then they are invisible: a crash loses the pending commits and
   nothing else, and since their files were not written yet either, a rerun simply takes
   those actions again (the next batch deletes the unfinished pack).
2. A journal (`.git/casebook-batch.json`: branch, old tip, new tip, every path with its new
   blob) is written and fsynced before the branch moves.
3. The branch moves with `update-ref <new> <old>`: if anyone else moved it meanwhile, git
   refuses and the batch stops with an error (its commits stay unreferenced garbage).
4. Then the working tree (each file written to a temporary name and renamed) and the index
   (`update-index --index-info` for exactly those paths, then `--refresh`).
5. The journal is removed after a `sync`.

`Store.recover()` (run before every commit and batch) finishes an interrupted step 4 from the
journal: when the branch holds the new tip, each journal path whose working file is still
the old version (or already the new one) gets the committed content and index entry; a
file that is neither was edited by someone and is left alone (reported). When the branch
still holds the old tip (the crash came before step 3, or a power loss undid it), files that
already hold the new content go back to the old one. So a rerun always sees, per action,
the commit with its files, or neither; never a commit whose files are missing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Mapping

import git

from .crashpoints import crash_point
from .errors import BookError
from .fsutil import atomic_write
from .model import Operator

LOCK_NAME = "casebook.lock"
JOURNAL_NAME = "casebook-batch.json"
ZERO = "0" * 40
FILE_MODE = "100644"
INDEX_LOCK_RETRIES = 50
_HELD: set[str] = set()  # lock files this process holds


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    email: str


class Store:
    """A book's git repository, opened once per command."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        try:
            self.repo = git.Repo(self.root)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise BookError(
                f"{self.root} is not a git repository: run `git init` there "
                "(or create the book with `casebook init`)"
            ) from None
        self.git_dir = Path(self.repo.git_dir)
        self._locked = False
        self._batch: Batch | None = None

    # -- state -------------------------------------------------------------------------
    def head(self) -> str | None:
        try:
            return self.repo.head.commit.hexsha
        except ValueError:
            return None

    def branch(self) -> str:
        """The full name of the checked-out branch (`refs/heads/main`), born or not."""
        try:
            return self.repo.git.symbolic_ref("-q", "HEAD")
        except git.GitCommandError:
            raise BookError(
                f"HEAD is detached in {self.root}: check out a branch before recording"
            ) from None

    def dirty_paths(self, under: str = "") -> set[str]:
        """Paths (relative, POSIX) below `under` that differ from HEAD or are untracked."""
        args = ["--porcelain=v1", "-z", "--untracked-files=all"]
        if under:
            args += ["--", under]
        out = self.repo.git.status(*args)
        paths: set[str] = set()
        entries = out.split("\x00")
        i = 0
        while i < len(entries):
            entry = entries[i]
            i += 1
            if not entry:
                continue
            status, path = entry[:2], entry[3:]
            paths.add(path)
            if "R" in status or "C" in status:
                i += 1  # the origin path of a rename follows
        return paths

    def check_writable(self) -> None:
        """Refuse to commit in a state where a commit would do damage or surprise."""
        git_dir = self.git_dir
        for marker, what in (
            ("MERGE_HEAD", "a merge"),
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase"),
            ("CHERRY_PICK_HEAD", "a cherry-pick"),
            ("REVERT_HEAD", "a revert"),
        ):
            if (git_dir / marker).exists():
                raise BookError(f"{what} is in progress in {self.root}: finish or abort it first")
        if self.repo.head.is_detached:
            raise BookError(
                f"HEAD is detached in {self.root}: check out a branch before recording"
            )

    # -- writing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, *, wait: bool = True) -> Iterator[None]:
        """Hold the book-wide writer lock (in .git, so it is never committed)."""
        path = self.git_dir / LOCK_NAME
        key = str(path.resolve())
        if key in _HELD:
            # flock would wait for ourselves forever: a second Store on the same book in
            # this process must be handed the first one instead.
            raise BookError("this process already holds the book's lock: pass its Store along")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except OSError as error:
                if error.errno in (errno.EAGAIN, errno.EACCES):
                    raise BookError(
                        "another casebook command is writing to this book; try again later"
                    ) from None
                raise
            self._locked = True
            _HELD.add(key)
            yield
        finally:
            if self._locked:
                _HELD.discard(key)
            self._locked = False
            os.close(fd)

    def commit(
        self,
        files: Mapping[str, bytes | None],
        message: str,
        *,
        author: Operator | None = None,
        when: datetime | None = None,
    ) -> str:
        """Write `files` (relative path -> bytes, None deletes) and commit exactly them.

        Returns the new commit id. The caller holds `lock()`.
        """
        if self._batch is not None:
            raise BookError("a batch is open on this book: commit through the batch")
        self.check_writable()
        self.recover()
        for rel, data in files.items():
            path = self.root / rel
            if data is None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            else:
                atomic_write(path, data)
        paths = sorted(files)
        present = [p for p in paths if files[p] is not None]
        gone = [p for p in paths if files[p] is None]
        if present:
            self.repo.git.add("--", *present)
        if gone:
            self.repo.git.rm("--cached", "--ignore-unmatch", "-q", "--", *gone)
        env = _identity_env(author, when)
        self.repo.git.commit(
            "-q", "--no-verify", "-m", message, "--", *paths, env=env
        )
        return self.repo.head.commit.hexsha

    @contextlib.contextmanager
    def batch(self, *, flush_every: int = 1000) -> Iterator["Batch"]:
        """Many commits, fast: `with store.batch() as b: b.commit(files, message, ...)`.

        Each `b.commit` is one real commit, in order, on the current branch. Commits become
        part of the branch (and their files appear in the working tree and index) at each
        flush: every `flush_every` commits, on `b.flush()` and when the block ends (also when
        it ends with an exception, so actions already committed are kept). Send anything
        that must follow a commit (an email) only after a flush. Takes the lock unless the
        caller holds it.
        """
        if self._batch is not None:
            raise BookError("a batch is already open on this book")
        with contextlib.ExitStack() as stack:
            if not self._locked:
                stack.enter_context(self.lock())
            self.check_writable()
            recovered = self.recover()
            for leftover in (self.git_dir / "objects" / "pack").glob("tmp_*_casebook_*"):
                leftover.unlink()  # an unfinished pack of a batch that was killed
            batch = Batch(self, flush_every=flush_every)
            batch.recovered = recovered
            self._batch = batch
            try:
                yield batch
            except Exception:
                batch.flush()
                raise
            else:
                batch.flush()
            finally:
                self._batch = None
                batch.close()

    # -- crash recovery ----------------------------------------------------------------
    def recover(self) -> list[str]:
        """Finish (or undo) the working-tree step of a batch flush a crash interrupted.

        Returns one message per path left alone because someone edited it meanwhile.
        A no-op (one `stat`) when no journal is present.
        """
        journal = self.git_dir / JOURNAL_NAME
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
            current = self.repo.git.rev_parse("--verify", "-q", branch)
        except git.GitCommandError:
            current = None
        notes: list[str] = []
        if current == old:
            target_rev, theirs_rev, unchanged = old, new, list(paths)
        elif current == new or (current and self._is_ancestor(new, current)):
            target_rev, theirs_rev = new, old
            unchanged = [p for p in paths if current == new or _blob_at(self, current, p) == paths[p]]
        else:
            journal.unlink()
            return [f"the branch {branch} no longer holds the commits of an interrupted batch"]
        updates: dict[str, str | None] = {}
        for rel in unchanged:
            target = paths[rel] if target_rev == new else _blob_at(self, old, rel)
            other = _blob_at(self, theirs_rev, rel) if target_rev == new else paths[rel]
            on_disk = _worktree_blob(self.root / rel)
            _remove_temporaries(self.root / rel)
            if on_disk == target:
                updates[rel] = target
            elif on_disk == other:
                if target is None:
                    _remove(self.root, rel)
                else:
                    _replace(self.root / rel, _blob_data(self, target))
                updates[rel] = target
            else:
                notes.append(f"{rel}: edited since an interrupted batch; left as it is")
                updates[rel] = target
        _update_index(self, updates)
        os.sync()
        journal.unlink()
        return notes

    def _is_ancestor(self, older: str, newer: str) -> bool:
        try:
            self.repo.git.merge_base("--is-ancestor", older, newer)
            return True
        except git.GitCommandError:
            return False


class PendingCommit:
    """What `Batch.commit` returns: the new commit's id (`sha`, also `str(pending)`)."""

    __slots__ = ("sha",)

    def __init__(self, sha: str) -> None:
        self.sha = sha

    def __str__(self) -> str:
        return self.sha

    def __repr__(self) -> str:
        return f"PendingCommit({self.sha})"


class Batch:
    """Commits written as git objects into a pack of our own; see the module docstring."""

    def __init__(self, store: Store, *, flush_every: int) -> None:
        self.store = store
        self.flush_every = max(1, flush_every)
        self.branch = store.branch()
        self.base = store.head()
        """The branch's commit when the last flush moved it (or when the batch began)."""
        self.dirty = frozenset(store.dirty_paths())
        """Paths with uncommitted changes when the batch began: never committed nor overwritten."""
        self.recovered: list[str] = []
        """What `Store.recover` reported when the batch began."""
        self.flushed: list[str] = []
        """Ids of the commits that are part of the branch, in order."""
        self._tip = self.base
        self._root = _Tree(self._read, _tree_of(store, self.base))
        self._pack: _Pack | None = None
        self._pending: list[tuple[str, dict[str, bytes | None]]] = []
        self._failed: str | None = None
        self._idents: dict[str, tuple[str, str]] = {}
        self._reader: _CatFile | None = None
        self._fetched: dict[bytes, bytes] = {}  # trees read ahead by `prefetch`

    # -- the caller's side ---------------------------------------------------------------
    def commit(
        self,
        files: Mapping[str, bytes | None],
        message: str,
        *,
        author: Operator | None = None,
        when: datetime | None = None,
    ) -> PendingCommit:
        """One commit of exactly `files` (relative path -> bytes, None deletes), on top of
        the previous one. Raises `BookError` for a path outside the book or with
        uncommitted changes (the user's half-done edit is never committed nor overwritten).
        """
        if self._failed:
            raise BookError(self._failed)
        checked: dict[str, bytes | None] = {}
        for rel, data in files.items():
            clean = _clean_path(rel)
            if clean in self.dirty:
                raise BookError(
                    f"{clean} has uncommitted changes: commit or undo them first "
                    "(casebook never commits or overwrites a half-done edit)"
                )
            checked[clean] = data
        if not checked:
            raise BookError("nothing to commit: no files given")
        author_line = self._ident("author", author, when)
        committer_line = self._ident("committer", author, when)
        pack = self._pack or self._open_pack()
        try:
            for rel, data in checked.items():
                parts = rel.encode("utf-8").split(b"/")
                if data is None:
                    self._root.remove(parts)
                else:
                    self._root.put(parts, _FILE, pack.add(_BLOB, data))
            tree = self._root.write(pack)
        except BaseException:
            # The trees in memory may hold half of this commit: later ones must not build on it.
            self._failed = "an earlier commit of this batch failed; the batch stopped there"
            raise
        lines = [b"tree " + tree.hex().encode()]
        if self._tip:
            lines.append(b"parent " + self._tip.encode())
        lines.append(b"author " + author_line)
        lines.append(b"committer " + committer_line)
        body = b"\n".join(lines) + b"\n\n" + _clean_message(message).encode("utf-8")
        self._tip = pack.add(_COMMIT, body).hex()
        self._pending.append((self._tip, checked))
        crash_point("batch:commit")
        if len(self._pending) >= self.flush_every:
            self.flush()
        return PendingCommit(self._tip)

    def flush(self) -> None:
        """Make every commit so far part of the branch, its files in the working tree."""
        if not self._pending:
            return
        assert self._pack is not None and self._tip is not None
        pack, self._pack = self._pack, None
        pack.finish()  # durable and visible to git before anything points at it
        crash_point("batch:pack")
        self._root.forget_bases()
        tip = self._tip
        final: dict[str, bytes | None] = {}
        for _, files in self._pending:
            final.update(files)
        blobs = {rel: None if data is None else _blob_id(data) for rel, data in final.items()}
        # The index is updated after the branch moves: if another git holds it (or one died
        # and left its lock), stop now, before the branch moves, not after (a commit whose
        # files the index lacks shows as a staged deletion the user's next commit would take).
        lock = _index_lock_left(self.store)
        if lock is not None:
            self._fail(
                f"{lock} exists: another git command is running in the book, or one was "
                "killed; if none is running, remove that file and try again (the last "
                f"{len(self._pending)} commit(s) were not recorded)"
            )
        journal = self.store.git_dir / JOURNAL_NAME
        state = {"branch": self.branch, "old": self.base, "new": tip, "paths": blobs}
        atomic_write(journal, json.dumps(state).encode("utf-8"))
        try:
            self.store.repo.git.update_ref(
                "-m", f"casebook: {len(self._pending)} commit(s)",
                self.branch, tip, self.base or ZERO,
            )
        except git.GitCommandError:
            journal.unlink()
            self._fail(
                f"the branch {self.branch} moved while casebook was committing (another "
                f"writer?): the last {len(self._pending)} commit(s) were not recorded; "
                "run the command again"
            )
        crash_point("batch:branch")
        self.base = tip
        self.flushed += [sha for sha, _ in self._pending]
        self._pending = []
        for rel, data in final.items():
            if data is None:
                _remove(self.store.root, rel)
            else:
                _replace(self.store.root / rel, data)
            crash_point("batch:tree")
        _update_index(self.store, blobs)
        crash_point("batch:index")
        os.sync()
        journal.unlink()

    def close(self) -> None:
        """Drop what was not flushed (it never reached the branch)."""
        if self._pack is not None:
            self._pack.abandon()
            self._pack = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # -- objects -------------------------------------------------------------------------
    def _open_pack(self) -> "_Pack":
        self._pack = _Pack(self.store.git_dir / "objects" / "pack")
        return self._pack

    def prefetch(self, folders: Iterable[str]) -> None:
        """Read the trees of these folders (and those on the way to them) now, in one
        pipelined pass, for commits about to change them: read one at a time, each commit
        waited for a round trip to `git cat-file`, which on a busy machine cost more than
        the commit itself. Folders that do not exist are skipped."""
        level = [(self._root, _clean_path(folder).encode("utf-8").split(b"/")) for folder in folders]
        while level:
            needed: dict[bytes, None] = {}
            deeper = []
            for tree, parts in level:
                if not parts:
                    continue
                entry = tree._load().get(parts[0])
                if parts[0] not in tree.children and (entry is None or entry[0] != _DIR):
                    continue
                child = tree._child(parts[0], create=False)
                if child is None:
                    continue
                if child.entries is None and child.sha is not None and child.sha not in self._fetched:
                    needed[child.sha] = None
                deeper.append((child, parts[1:]))
            if needed:
                if self._reader is None:
                    self._reader = _CatFile(self.store.repo)
                self._fetched.update(self._reader.read_many(list(needed)))
            level = deeper

    def _read(self, sha: bytes) -> bytes:
        data = self._fetched.get(sha)
        if data is not None:
            return data
        if self._reader is None:
            self._reader = _CatFile(self.store.repo)
        return self._reader.read(sha.hex())

    def _fail(self, message: str) -> None:
        self._failed = message
        self._pending = []
        raise BookError(message)

    def _ident(self, role: str, author: Operator | None, when: datetime | None) -> bytes:
        if author is not None:
            name, email = author.name, author.email
        else:
            if role not in self._idents:
                var = "GIT_AUTHOR_IDENT" if role == "author" else "GIT_COMMITTER_IDENT"
                try:
                    ident = self.store.repo.git.var(var)
                except git.GitCommandError as error:
                    raise BookError(f"git does not know who commits: {error.stderr.strip()}") from None
                name, _, rest = ident.partition(" <")
                self._idents[role] = (name, rest.partition(">")[0])
            name, email = self._idents[role]
        moment = when if when is not None and when.tzinfo else (when or datetime.now()).astimezone()
        offset = moment.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
        return f"{_ident_part(name)} <{_ident_part(email)}> {int(moment.timestamp())} {zone}".encode()


# -- git objects, written by hand ----------------------------------------------------------
#
# `git fast-import` (and `git commit`) re-serialise every tree on the path of a change: in a
# book of 10,000 cases the `cases/` tree is 300 kB, so each commit costs milliseconds of
# formatting and delta search. Here that tree is kept serialised and patched in place (a
# commit only changes the 20-byte id of one case's entry), and is stored in the pack as a
# delta against its last full copy, a delta whose instructions are known without any
# search. Small trees, blobs and commits are stored whole. The pack and its index follow
# git's documented formats (pack v2, idx v2); `git fsck` checks them in the tests.

_COMMIT, _TREE, _BLOB, _OFS_DELTA = 1, 2, 3, 6
_TYPE_NAMES = {_COMMIT: b"commit", _TREE: b"tree", _BLOB: b"blob"}
_FILE, _DIR = b"100644", b"40000"
_DELTA_MIN = 4096  # trees below this size are stored whole
_DELTA_MAX_PATCHES = 64  # then a new full copy, so deltas stay small


class _Tree:
    """A tree being edited: loaded lazily, serialised incrementally."""

    __slots__ = ("_read", "sha", "entries", "children", "data", "offsets", "_layout_dirty",
                 "_dirty", "_changed", "_touched", "base", "patched")

    def __init__(self, read, sha: bytes | None) -> None:
        self._read = read
        self.sha = sha
        self.entries: dict[bytes, list] | None = None  # name -> [mode, sha]
        self.children: dict[bytes, _Tree] = {}
        self.data = bytearray()
        self.offsets: dict[bytes, int] = {}
        self._layout_dirty = True
        self._dirty = False
        self._changed: set[bytes] = set()  # entries whose id changed since the last write
        self._touched: set[bytes] = set()  # children changed since the last write
        self.base: tuple[int, bytes] | None = None  # (pack offset, content) of the last full copy
        self.patched: set[int] = set()

    def _load(self) -> dict[bytes, list]:
        if self.entries is None:
            self.entries = {}
            if self.sha is not None:
                data = self._read(self.sha)
                i = 0
                while i < len(data):
                    space = data.index(b" ", i)
                    nul = data.index(b"\x00", space)
                    self.entries[data[space + 1 : nul]] = [data[i:space], data[nul + 1 : nul + 21]]
                    i = nul + 21
        return self.entries

    def _child(self, name: bytes, create: bool) -> "_Tree | None":
        child = self.children.get(name)
        if child is not None:
            return child
        entry = self._load().get(name)
        if entry is not None and entry[0] == _DIR:
            child = _Tree(self._read, entry[1])
        elif create:
            child = _Tree(self._read, None)
            if entry is not None:  # a file where a folder must go
                del self.entries[name]  # type: ignore[union-attr]
            self._layout_dirty = True
        else:
            return None
        self.children[name] = child
        return child

    def put(self, parts: list[bytes], mode: bytes, sha: bytes) -> None:
        self._dirty = True
        entries = self._load()
        if len(parts) == 1:
            name = parts[0]
            if name in self.children:  # a folder where a file must go
                del self.children[name]
            old = entries.get(name)
            if old is None or old[0] != mode:
                self._layout_dirty = True
            entries[name] = [mode, sha]
            self._changed.add(name)
            return
        child = self._child(parts[0], create=True)
        assert child is not None
        child.put(parts[1:], mode, sha)
        self._touched.add(parts[0])

    def remove(self, parts: list[bytes]) -> None:
        entries = self._load()
        if len(parts) == 1:
            if parts[0] in entries and entries[parts[0]][0] != _DIR:
                del entries[parts[0]]
                self._dirty = self._layout_dirty = True
            return
        child = self._child(parts[0], create=False)
        if child is not None:
            child.remove(parts[1:])
            if child._dirty:
                self._dirty = True
                self._touched.add(parts[0])

    def write(self, pack: "_Pack") -> bytes:
        """Write this tree (and its changed subtrees) to `pack`; returns its id."""
        if not self._dirty:
            assert self.sha is not None or not self._load()
            return self.sha or pack.add(_TREE, b"")
        entries = self._load()
        for name in self._touched:
            child = self.children.get(name)
            if child is not None and child._dirty:
                sha = child.write(pack)
                if child.entries == {} and not child.children:
                    entries.pop(name, None)  # git keeps no empty folder
                    del self.children[name]
                    self._layout_dirty = True
                    continue
                if name not in entries:
                    self._layout_dirty = True
                entries[name] = [_DIR, sha]
                self._changed.add(name)
        self._touched = set()
        if self._layout_dirty:
            self._layout()
        else:
            for name in self._changed:
                at = self.offsets[name]
                sha = entries[name][1]
                if self.data[at : at + 20] != sha:
                    self.data[at : at + 20] = sha
                    self.patched.add(at)
        self._changed = set()
        self.sha = pack.add_tree(self)
        self._dirty = False
        return self.sha

    def _layout(self) -> None:
        entries = self._load()
        order = sorted(entries, key=lambda n: n + b"/" if entries[n][0] == _DIR else n)
        data = bytearray()
        offsets = {}
        for name in order:
            mode, sha = entries[name]
            data += mode + b" " + name + b"\x00"
            offsets[name] = len(data)
            data += sha
        self.data, self.offsets = data, offsets
        self._layout_dirty = False
        self.base = None
        self.patched = set()

    def forget_bases(self) -> None:
        """The pack holding the delta bases is finished: the next copies start anew."""
        self.base = None
        self.patched = set()
        for child in self.children.values():
            child.forget_bases()


class _CatFile:
    """One `git cat-file --batch` for all the trees a batch reads (GitPython's persistent
    reader costs more per object than the reading itself)."""

    def __init__(self, repo: git.Repo) -> None:
        self._handle = repo.git.execute(
            ["git", "cat-file", "--batch"], as_process=True, istream=subprocess.PIPE
        )
        self._process = self._handle.proc

    def read(self, sha: str) -> bytes:
        stdin = self._process.stdin
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        return self._answer(sha)

    def read_many(self, shas: list[bytes], chunk: int = 128) -> Iterator[tuple[bytes, bytes]]:
        """(sha, data) of each object, asking for `chunk` at a time (a few kB of requests:
        never enough to fill the pipe while git waits for us to read its answers)."""
        stdin = self._process.stdin
        for start in range(0, len(shas), chunk):
            part = shas[start : start + chunk]
            stdin.write(b"".join(sha.hex().encode() + b"\n" for sha in part))
            stdin.flush()
            for sha in part:
                yield sha, self._answer(sha.hex())

    def _answer(self, sha: str) -> bytes:
        stdout = self._process.stdout
        header = stdout.readline().split()
        if len(header) != 3:
            raise BookError(f"git cannot read object {sha}: {b' '.join(header).decode()}")
        data = stdout.read(int(header[2]))
        stdout.read(1)
        return data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()


class _Pack:
    """A pack file being written (`objects/pack/tmp_pack_casebook_*` until `finish`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        fd, name = tempfile.mkstemp(dir=folder, prefix="tmp_pack_casebook_")
        self.path = Path(name)
        self.file = os.fdopen(fd, "w+b")
        self.file.write(b"PACK\x00\x00\x00\x02\x00\x00\x00\x00")  # count set at the end
        self.offset = 12
        self.index: dict[bytes, tuple[int, int]] = {}  # sha -> (offset, crc32)

    def add(self, kind: int, data: bytes | bytearray) -> bytes:
        sha = hashlib.sha1(b"%s %d\x00" % (_TYPE_NAMES[kind], len(data)) + data).digest()
        if sha not in self.index:
            self._write(sha, _object_header(kind, len(data)) + zlib.compress(data, 1))
        return sha

    def add_tree(self, tree: _Tree) -> bytes:
        data = tree.data
        sha = hashlib.sha1(b"tree %d\x00" % len(data) + data).digest()
        if sha in self.index:
            return sha
        base = tree.base
        if (
            base is not None
            and len(data) >= _DELTA_MIN
            and len(base[1]) == len(data)
            and len(tree.patched) <= _DELTA_MAX_PATCHES
        ):
            delta = _delta(len(base[1]), data, sorted(tree.patched))
            header = _object_header(_OFS_DELTA, len(delta)) + _ofs(self.offset - base[0])
            self._write(sha, header + zlib.compress(delta, 1))
        else:
            offset = self.offset
            self._write(sha, _object_header(_TREE, len(data)) + zlib.compress(data, 1))
            if len(data) >= _DELTA_MIN:
                tree.base = (offset, bytes(data))
                tree.patched = set()
        return sha

    def _write(self, sha: bytes, entry: bytes) -> None:
        self.file.write(entry)
        self.index[sha] = (self.offset, zlib.crc32(entry))
        self.offset += len(entry)

    def finish(self) -> None:
        """Seal the pack, write its index, fsync both, and move them where git looks."""
        count = len(self.index)
        if count >= 2**32 or self.offset >= 2**31:
            raise BookError("a batch pack grew too large; flush more often")
        self.file.seek(8)
        self.file.write(count.to_bytes(4, "big"))
        self.file.flush()
        self.file.seek(0)
        digest = hashlib.sha1()
        for chunk in iter(lambda: self.file.read(1 << 20), b""):
            digest.update(chunk)
        checksum = digest.digest()
        self.file.seek(0, os.SEEK_END)
        self.file.write(checksum)
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        names = sorted(self.index)
        fanout = [0] * 256
        for sha in names:
            fanout[sha[0]] += 1
        total = 0
        table = bytearray(b"\xfftOc\x00\x00\x00\x02")
        for n in fanout:
            total += n
            table += total.to_bytes(4, "big")
        for sha in names:
            table += sha
        for sha in names:
            table += self.index[sha][1].to_bytes(4, "big")
        for sha in names:
            table += self.index[sha][0].to_bytes(4, "big")
        table += checksum
        table += hashlib.sha1(table).digest()
        stem = self.folder / f"pack-{checksum.hex()}"
        os.chmod(self.path, 0o444)
        os.replace(self.path, stem.with_suffix(".pack"))
        fd, name = tempfile.mkstemp(dir=self.folder, prefix="tmp_idx_casebook_")
        with os.fdopen(fd, "wb") as handle:
            handle.write(table)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, 0o444)
        os.replace(name, stem.with_suffix(".idx"))  # git uses a pack once its .idx exists
        _fsync_folder(self.folder)

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _object_header(kind: int, size: int) -> bytes:
    out = bytearray([(kind << 4) | (size & 0x0F)])
    size >>= 4
    while size:
        out[-1] |= 0x80
        out.append(size & 0x7F)
        size >>= 7
    return bytes(out)


def _ofs(distance: int) -> bytes:
    """An OFS_DELTA base distance in git's offset encoding."""
    out = [distance & 0x7F]
    distance >>= 7
    while distance:
        distance -= 1
        out.append(0x80 | (distance & 0x7F))
        distance >>= 7
    return bytes(reversed(out))


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _copy(out: bytearray, offset: int, size: int) -> None:
    while size:
        step = min(size, 0xFFFFFF)
        command = 0x80
        args = bytearray()
        for i in range(4):
            byte = (offset >> (8 * i)) & 0xFF
            if byte:
                command |= 1 << i
                args.append(byte)
        for i in range(3):
            byte = (step >> (8 * i)) & 0xFF
            if byte:
                command |= 0x10 << i
                args.append(byte)
        out.append(command)
        out += args
        offset += step
        size -= step


def _delta(base_size: int, target: bytearray, patched: list[int]) -> bytes:
    """A delta turning the base into `target`, which differs from it in 20-byte ids at
    `patched` offsets only (sorted)."""
    out = bytearray(_varint(base_size) + _varint(len(target)))
    position = 0
    for at in patched:
        if at > position:
            _copy(out, position, at - position)
        out.append(20)
        out += target[at : at + 20]
        position = at + 20
    if position < len(target):
        _copy(out, position, len(target) - position)
    return bytes(out)


def _tree_of(store: Store, commit: str | None) -> bytes | None:
    if commit is None:
        return None
    return bytes.fromhex(store.repo.git.rev_parse(f"{commit}^{{tree}}"))


# -- helpers -----------------------------------------------------------------------------


def _identity_env(author: Operator | None, when: datetime | None) -> dict[str, str]:
    env: dict[str, str] = {}
    if author is not None:
        env.update(
            GIT_AUTHOR_NAME=author.name,
            GIT_AUTHOR_EMAIL=author.email,
            GIT_COMMITTER_NAME=author.name,
            GIT_COMMITTER_EMAIL=author.email,
        )
    if when is not None:
        stamp = when.isoformat()
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    return env


def _ident_part(text: str) -> str:
    return "".join(c for c in text if c not in "<>\n\r\x00").strip()


def _clean_path(rel: str) -> str:
    """A relative POSIX path inside the book, outside `.git`, or BookError."""
    path = PurePosixPath(rel)
    parts = path.parts
    if (
        not rel
        or path.is_absolute()
        or any(p in ("", ".", "..") for p in parts)
        or parts[0] == ".git"
        or any(c in rel for c in "\x00\n\r\\")
        or str(path) != rel
    ):
        raise BookError(f"{rel!r} is not a plain relative path inside the book")
    return rel


def _fi_path(rel: str) -> bytes:
    """A path as fast-import reads it (C-style quoted when it starts with a quote)."""
    raw = rel.encode("utf-8")
    if raw.startswith(b'"'):
        return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return raw


def _clean_message(message: str) -> str:
    """What `git commit -m` stores: no trailing spaces, no runs of blank lines, one final LF."""
    lines = [line.rstrip() for line in message.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def _worktree_blob(path: Path) -> str | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None if not path.exists() else "?"
        return _blob_id(path.read_bytes())
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


def _replace(path: Path, data: bytes) -> None:
    """Write-then-rename, without fsync: the journal, `recover` and one `sync` per flush
    make the tree durable. The file gets the usual permissions (umask), like git's."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _remove(root: Path, rel: str) -> None:
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


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_temporaries(path: Path) -> None:
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f".{path.name}.*.tmp"):
            leftover.unlink()


def _update_index(store: Store, blobs: Mapping[str, str | None]) -> None:
    """Set the index entries of exactly these paths (None removes), then refresh their stat."""
    if not blobs:
        return
    lines = b"".join(
        (f"0 {ZERO}\t{rel}" if sha is None else f"{FILE_MODE} {sha}\t{rel}").encode("utf-8") + b"\x00"
        for rel, sha in blobs.items()
    )
    _git_with_index(store, ["update-index", "-z", "--index-info"], lines)
    _git_with_index(store, ["update-index", "-q", "--refresh"], b"", allowed=(0, 1))


def _index_lock_left(store: Store) -> Path | None:
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
