"""The book's git repository: commits that record what casebook did.

Every write goes through `Store.commit` (one commit, through `git add` + `git commit`) or,
for many commits in one run, through `Store.batch()` (`casebook.record.gitbatch`): both write the
files atomically, stage exactly them and commit exactly them, leaving working tree and index
as `git add` + `git commit` would; a user's edits elsewhere stay where they are, uncommitted.
A book-wide lock keeps two writers (two `advance` runs, `advance` and `pay`) from
interleaving.

A batch is safe when it is killed at any moment: `casebook.record.gitbatch` says how, and
`Store.recover()` (run before every commit and batch) finishes what a crash interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import git

from casebook.book.errors import BookError
from casebook.book.fsutil import atomic_write
from casebook.record.gitbatch import Batch, recover
from casebook.book.model import Operator

LOCK_NAME = "casebook.lock"
_HELD: set[str] = set()  # lock files this process holds


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
        return {path for _, path in self.status(under)}

    def status(self, under: str = "") -> list[tuple[str, str]]:
        """(`git status --porcelain` code, path) of each path below `under` that differs
        from HEAD or is untracked; one `git status` (a second of a big book's run each)."""
        args = ["--porcelain=v1", "-z", "--untracked-files=all"]
        if under:
            args += ["--", under]
        entries = self.repo.git.status(*args).split("\x00")
        found: list[tuple[str, str]] = []
        i = 0
        while i < len(entries):
            entry = entries[i]
            i += 1
            if not entry:
                continue
            found.append((entry[:2], entry[3:]))
            if "R" in entry[:2] or "C" in entry[:2]:
                i += 1  # the origin path of a rename follows
        return found

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether commit `older` is `newer` or one of its ancestors."""
        try:
            self.repo.git.merge_base("--is-ancestor", older, newer)
            return True
        except git.GitCommandError:
            return False

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
    def batch(self, *, flush_every: int = 1000, dirty: Iterable[str] | None = None) -> Iterator["Batch"]:
        """Many commits, fast: `with store.batch() as b: b.commit(files, message, ...)`.

        Each `b.commit` is one real commit, in order, on the current branch. Commits become
        part of the branch (and their files appear in the working tree and index) at each
        flush: every `flush_every` commits, on `b.flush()` and when the block ends (also when
        it ends with an exception, so actions already committed are kept). Send anything
        that must follow a commit (an email) only after a flush. Takes the lock unless the
        caller holds it. `dirty`: `dirty_paths()` as the caller, holding the lock, just
        found them (else the batch asks git).
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
            batch = Batch(self, flush_every=flush_every, dirty=dirty)
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
        A no-op (one `stat`) when no journal is present. See `casebook.record.gitbatch`.
        """
        return recover(self)


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
