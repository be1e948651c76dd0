"""The book's git repository: commits that record what casebook did.

Every write goes through `Store.commit` (one commit, through `git add` + `git commit`) or,
for many commits in one run, through `Store.batch()`: both write the files atomically,
stage exactly them and commit exactly them, leaving working tree and index as `git add` +
`git commit` would; a user's edits elsewhere stay where they are, uncommitted.
A book-wide lock keeps two writers (two `advance` runs, `advance` and `pay`) from
interleaving.

How a batch stays safe when it is killed at any moment (SIGKILL, power loss):

1. Objects first. Blobs, trees and commits stream into one long-lived `git fast-import`;
   at each flush a `checkpoint` writes them to a finished (fsynced) pack. Until then they
   are invisible: a crash loses the pending commits and nothing else, and since their files
   were not written yet either, a rerun simply takes those actions again.
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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Iterator, Mapping

import git

from .errors import BookError
from .fsutil import atomic_write
from .model import Operator

LOCK_NAME = "casebook.lock"
JOURNAL_NAME = "casebook-batch.json"
BATCH_REF = "refs/casebook/batch"
ZERO = "0" * 40
FILE_MODE = "100644"
INDEX_LOCK_RETRIES = 50


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
            yield
        finally:
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
            with contextlib.suppress(git.GitCommandError):
                self.repo.git.update_ref("-d", BATCH_REF)
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
    """What `Batch.commit` returns: the commit's id, known once git has written it."""

    __slots__ = ("_batch", "mark", "_sha")

    def __init__(self, batch: "Batch", mark: int) -> None:
        self._batch = batch
        self.mark = mark
        self._sha: str | None = None

    @property
    def sha(self) -> str:
        """The commit id (asks fast-import, waiting for it, when not flushed yet)."""
        if self._sha is None:
            self._sha = self._batch._get_mark(self.mark)
        return self._sha

    def __str__(self) -> str:
        return self.sha

    def __repr__(self) -> str:
        return f"PendingCommit({self._sha or ':' + str(self.mark)})"


class Batch:
    """Commits streamed through one `git fast-import`; see the module docstring."""

    def __init__(self, store: Store, *, flush_every: int) -> None:
        self.store = store
        self.flush_every = max(1, flush_every)
        self.branch = store.branch()
        self.base = store.head()
        self.dirty = frozenset(store.dirty_paths())
        """Paths with uncommitted changes when the batch began: never committed nor overwritten."""
        self.recovered: list[str] = []
        """What `Store.recover` reported when the batch began."""
        self.flushed: list[str] = []
        """Ids of the commits that are part of the branch, in order."""
        self._process: subprocess.Popen | None = None
        self._stdin: IO[bytes] | None = None
        self._mark = 0
        self._pending: list[tuple[PendingCommit, dict[str, bytes | None]]] = []
        self._first = True
        self._failed: str | None = None
        self._idents: dict[str, tuple[str, str]] = {}

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
        stdin = self._stream()
        self._mark += 1
        pending = PendingCommit(self, self._mark)
        author_ident = self._ident("author", author, when)
        committer_ident = self._ident("committer", author, when)
        text = _clean_message(message).encode("utf-8")
        out = [
            f"commit {BATCH_REF}\nmark :{self._mark}\n".encode(),
            b"author " + author_ident + b"\ncommitter " + committer_ident + b"\n",
            b"data %d\n%s\n" % (len(text), text),
        ]
        if self._first and self.base:
            out.append(f"from {self.base}\n".encode())
        self._first = False
        for rel, data in checked.items():
            if data is None:
                out.append(b"D " + _fi_path(rel) + b"\n")
            else:
                out.append(b"M " + FILE_MODE.encode() + b" inline " + _fi_path(rel) + b"\n")
                out.append(b"data %d\n" % len(data))
                out.append(data)
                out.append(b"\n")
        out.append(b"\n")
        try:
            stdin.write(b"".join(out))
        except BrokenPipeError:
            self._fail("git fast-import stopped: " + self._stderr())
        self._pending.append((pending, checked))
        if len(self._pending) >= self.flush_every:
            self.flush()
        return pending

    def flush(self) -> None:
        """Make every commit so far part of the branch, its files in the working tree."""
        if self._failed or not self._pending:
            return
        stdin = self._stream()
        last = self._pending[-1][0]
        try:
            stdin.write(b"checkpoint\n")
        except BrokenPipeError:
            self._fail("git fast-import stopped: " + self._stderr())
        tip = self._get_mark(last.mark)  # answered only once the checkpoint is done
        shas = self.store.repo.git.rev_list("--first-parent", "-n", str(len(self._pending)), tip)
        for (pending, _), sha in zip(self._pending, reversed(shas.split())):
            pending._sha = sha
        final: dict[str, bytes | None] = {}
        for _, files in self._pending:
            final.update(files)
        blobs = {rel: None if data is None else _blob_id(data) for rel, data in final.items()}
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
        self.base = tip
        self.flushed += [p.sha for p, _ in self._pending]
        self._pending = []
        for rel, data in final.items():
            if data is None:
                _remove(self.store.root, rel)
            else:
                _replace(self.store.root / rel, data)
        _update_index(self.store, blobs)
        os.sync()
        journal.unlink()

    def close(self) -> None:
        """Stop fast-import; commits not flushed are dropped (they never reached the branch)."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(OSError):
            process.stdout.close()  # type: ignore[union-attr]
            process.stderr.close()  # type: ignore[union-attr]
        with contextlib.suppress(git.GitCommandError):
            self.store.repo.git.update_ref("-d", BATCH_REF)

    # -- fast-import ---------------------------------------------------------------------
    def _stream(self) -> IO[bytes]:
        if self._process is None:
            handle = self.store.repo.git.execute(
                ["git", "fast-import", "--quiet", "--force"],
                as_process=True,
                istream=subprocess.PIPE,
            )
            self._handle = handle  # GitPython ends the process when this handle goes away
            self._process = handle.proc
            self._stdin = self._process.stdin
        assert self._stdin is not None
        return self._stdin

    def _get_mark(self, mark: int) -> str:
        stdin = self._stream()
        try:
            stdin.write(f"get-mark :{mark}\n".encode())
            stdin.flush()
        except BrokenPipeError:
            self._fail("git fast-import stopped: " + self._stderr())
        assert self._process is not None and self._process.stdout is not None
        answer = self._process.stdout.readline().decode().strip()
        if len(answer) != 40:
            self._fail("git fast-import stopped: " + self._stderr())
        return answer

    def _stderr(self) -> str:
        process = self._process
        if process is None or process.stderr is None:
            return "no process"
        with contextlib.suppress(OSError):
            process.stdin.close()  # type: ignore[union-attr]
        process.wait()
        return process.stderr.read().decode("utf-8", "replace").strip()

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
    """Write-then-rename, without fsync: the journal and `recover` make the tree durable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
