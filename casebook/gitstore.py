"""The book's git repository: commits that record what casebook did.

Every write goes through `Store.commit`, which writes the files atomically, stages exactly
them and commits them, leaving working tree and index as `git add` + `git commit` would.
A book-wide lock keeps two writers (two `advance` runs, `advance` and `pay`) from
interleaving.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator, Mapping

import git

from .errors import BookError
from .fsutil import atomic_write
from .model import Operator

LOCK_NAME = "casebook.lock"


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

    # -- state -------------------------------------------------------------------------
    def head(self) -> str | None:
        try:
            return self.repo.head.commit.hexsha
        except ValueError:
            return None

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
        git_dir = Path(self.repo.git_dir)
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
        path = Path(self.repo.git_dir) / LOCK_NAME
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
            yield
        finally:
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
        self.check_writable()
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
