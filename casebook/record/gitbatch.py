"""`Store.batch`: many commits written as git objects, then the branch, the working tree
and the index moved to them; and `recover`, which finishes what a crash interrupted.

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
4. Then the working tree (each file written to a temporary name and renamed; advance's
   rendering workers write those temporaries ahead, `gitworktree.Staged`) and the index
   (`update-index --add --remove --stdin` for exactly those paths).
5. The journal is removed after a `sync`.

`Store.recover()` (run before every commit and batch) finishes an interrupted step 4 from the
journal: when the branch holds the new tip, each journal path whose working file is still
the old version (or already the new one) gets the committed content and index entry; a
file that is neither was edited by someone and is left alone (reported). When the branch
still holds the old tip (the crash came before step 3, or a power loss undid it), files that
already hold the new content go back to the old one. So a rerun always sees, per action,
the commit with its files, or neither; never a commit whose files are missing.

This module is the batch: its commits, its pack and the branch move (steps 1 to 3 and 5).
Step 4 and `recover` are `casebook.record.gitworktree`; the pack and the trees being edited
are `casebook.record.gitpack`.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Iterable, Mapping

import git

from casebook.book.crashpoints import crash_point
from casebook.book.errors import BookError
from casebook.book.fsutil import atomic_write
from casebook.book.model import Operator
from casebook.record.gitobjects import BLOB, COMMIT, MODE_DIR, MODE_FILE, git_time
from casebook.record.gitpack import CatFile, Pack, Tree
from casebook.record.gitworktree import (
    JOURNAL_NAME,
    ZERO,
    Staged,
    discard,
    index_lock_left,
    index_written,
    place_file,
    recover,
    remove_file,
    replace_file,
)

if TYPE_CHECKING:
    from casebook.record.gitstore import Store

# `Store` and the tests import these from here, where the batch's story is told.
__all__ = ["JOURNAL_NAME", "Batch", "PendingCommit", "Staged", "recover"]

Content = bytes | Staged | None
"""A file of a commit: its bytes, the same already written beside it (`Staged`), or None
to delete it."""


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
    """Commits written as git objects into a pack of our own (`casebook.record.gitpack`); see the
    module docstring."""

    def __init__(self, store: Store, *, flush_every: int, dirty: Iterable[str] | None = None) -> None:
        self.store = store
        self.flush_every = max(1, flush_every)
        self.branch = store.branch()
        self.base = store.head()
        """The branch's commit when the last flush moved it (or when the batch began)."""
        self.dirty = frozenset(store.dirty_paths() if dirty is None else dirty)
        """Paths with uncommitted changes when the batch began: never committed nor overwritten."""
        self.recovered: list[str] = []
        """What `Store.recover` reported when the batch began."""
        self.flushed: list[str] = []
        """Ids of the commits that are part of the branch, in order."""
        self._tip = self.base
        self._root = Tree(self._read, _tree_of(store, self.base))
        self._pack: Pack | None = None
        self._pending: list[tuple[str, dict[str, Content]]] = []
        self._shas: dict[str, str | None] = {}  # blob id of each pending path, as of its last commit
        self._failed: str | None = None
        self._idents: dict[str, tuple[str, str]] = {}
        self._who: dict[tuple[str, str], str] = {}  # name, email -> "name <email>" as written
        self._reader: CatFile | None = None
        self._fetched: dict[bytes, bytes] = {}  # trees read ahead by `prefetch`

    # -- the caller's side ---------------------------------------------------------------
    def commit(
        self,
        files: Mapping[str, Content],
        message: str,
        *,
        author: Operator | None = None,
        when: datetime | None = None,
    ) -> PendingCommit:
        """One commit of exactly `files` (relative path -> content, None deletes), on top
        of the previous one. Raises `BookError` for a path outside the book or with
        uncommitted changes (the user's half-done edit is never committed nor overwritten).
        A `Staged` file's blob was hashed and compressed where it was written; the others
        are hashed and compressed here.
        """
        try:
            checked = self._checked(files)
            # One moment for both lines, as git takes it.
            moment = when if when is not None and when.tzinfo else (when or datetime.now()).astimezone()
            stamp = git_time(moment)
            author_line = self._ident("author", author, stamp)
            committer_line = author_line if author is not None else self._ident("committer", None, stamp)
        except BookError:
            _discard_staged(files)  # a commit refused leaves nothing of its files behind
            raise
        pack = self._pack or self._open_pack()
        shas: dict[str, str | None] = {}
        try:
            for rel, data in checked.items():
                parts = rel.encode("utf-8").split(b"/")
                if data is None:
                    self._root.remove(parts)
                    shas[rel] = None
                else:
                    sha = pack.add_prepared(data.blob) if isinstance(data, Staged) else pack.add(BLOB, data)
                    self._root.put(parts, MODE_FILE, sha)
                    shas[rel] = sha.hex()
            tree = self._root.write(pack)
        except BaseException:
            # The trees in memory may hold half of this commit: later ones must not build on it.
            self._failed = "an earlier commit of this batch failed; the batch stopped there"
            _discard_staged(files)
            raise
        lines = [b"tree " + tree.hex().encode()]
        if self._tip:
            lines.append(b"parent " + self._tip.encode())
        lines.append(b"author " + author_line)
        lines.append(b"committer " + committer_line)
        body = b"\n".join(lines) + b"\n\n" + _clean_message(message).encode("utf-8")
        self._tip = pack.add(COMMIT, body).hex()
        self._pending.append((self._tip, checked))
        self._shas.update(shas)
        crash_point("batch:commit")
        if len(self._pending) >= self.flush_every:
            self.flush()
        return PendingCommit(self._tip)

    def _checked(self, files: Mapping[str, Content]) -> dict[str, Content]:
        if self._failed:
            raise BookError(self._failed)
        checked: dict[str, Content] = {}
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
        return checked

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
        final: dict[str, Content] = {}
        for _, files in self._pending:
            for rel, data in files.items():
                _discard_replaced(final.get(rel), data)
                final[rel] = data
        blobs = {rel: self._shas[rel] for rel in final}
        # The index is updated after the branch moves: if another git holds it (or one died
        # and left its lock), stop now, before the branch moves, not after (a commit whose
        # files the index lacks shows as a staged deletion the user's next commit would take).
        lock = index_lock_left(self.store)
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
        self._shas = {}
        for rel, data in final.items():
            if data is None:
                remove_file(self.store.root, rel)
            elif isinstance(data, Staged):
                place_file(self.store.root / rel, data)
            else:
                replace_file(self.store.root / rel, data)
            crash_point("batch:tree")
        index_written(self.store, list(final))
        crash_point("batch:index")
        os.sync()
        journal.unlink()

    def close(self) -> None:
        """Drop what was not flushed (it never reached the branch)."""
        self._drop_pending()
        if self._pack is not None:
            self._pack.abandon()
            self._pack = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # -- objects -------------------------------------------------------------------------
    def _open_pack(self) -> Pack:
        self._pack = Pack(self.store.git_dir / "objects" / "pack")
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
                entry = tree.load().get(parts[0])
                if parts[0] not in tree.children and (entry is None or entry[0] != MODE_DIR):
                    continue
                child = tree.child(parts[0], create=False)
                if child is None:
                    continue
                if child.entries is None and child.sha is not None and child.sha not in self._fetched:
                    needed[child.sha] = None
                deeper.append((child, parts[1:]))
            if needed:
                if self._reader is None:
                    self._reader = CatFile(self.store.repo)
                self._fetched.update(self._reader.read_many(list(needed)))
            level = deeper

    def _read(self, sha: bytes) -> bytes:
        data = self._fetched.get(sha)
        if data is not None:
            return data
        if self._reader is None:
            self._reader = CatFile(self.store.repo)
        return self._reader.read(sha.hex())

    def _fail(self, message: str) -> None:
        self._failed = message
        self._drop_pending()
        raise BookError(message)

    def _drop_pending(self) -> None:
        """Forget the commits not flushed, and remove the files staged for them."""
        for _, files in self._pending:
            _discard_staged(files)
        self._pending = []
        self._shas = {}

    def _ident(self, role: str, author: Operator | None, stamp: str) -> bytes:
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
        who = self._who.get((name, email))
        if who is None:  # cleaned once a run, not twice a commit
            who = self._who[(name, email)] = f"{_ident_part(name)} <{_ident_part(email)}>"
        return f"{who} {stamp}".encode()


def _tree_of(store: Store, commit: str | None) -> bytes | None:
    if commit is None:
        return None
    return bytes.fromhex(store.repo.git.rev_parse(f"{commit}^{{tree}}"))


# -- helpers -----------------------------------------------------------------------------


def _discard_staged(files: Mapping[str, Content]) -> None:
    for data in files.values():
        if isinstance(data, Staged):
            discard(data.tmp)


def _discard_replaced(old: Content, new: Content) -> None:
    """A later commit of the same flush writes this path again: its staged file goes."""
    if isinstance(old, Staged) and (not isinstance(new, Staged) or new.tmp != old.tmp):
        discard(old.tmp)


def _ident_part(text: str) -> str:
    return "".join(c for c in text if c not in "<>\n\r\x00").strip()


def _clean_path(rel: str) -> str:
    """A relative POSIX path inside the book, outside `.git`, or BookError."""
    names = rel.split("/")
    if names[0] not in ("", ".git") and not any(n in ("", ".", "..") for n in names) \
            and not any(c in rel for c in "\x00\n\r\\"):
        return rel  # the usual case, without building a PurePosixPath (40,000 a big run)
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
