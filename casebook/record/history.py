"""The book's git history, read once and indexed by case.

One `git log --raw` pass over the whole history (or the part that concerns some paths) is
parsed as it streams in; every commit becomes a `CommitInfo` with its identities, dates,
message, trailers and the files it added, modified or deleted. The site's timelines, the
agency export and `casebook verify` all read the history through here, so none of them has
to spawn one git process per case.

Output is NUL-separated (`-z`), so no path or message can be misread; fields are taken by
position after a sentinel, so a message may contain anything but a NUL (which git forbids).
The values read (`CommitInfo`, `FileChange`, `History`) live in `commits`; they are
importable from here too, where their readers have always found them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Iterator, Sequence

import git

from casebook.book.errors import BookError
from casebook.record.commits import (
    CASE_TRAILER, CASES, CHANNEL_TRAILER, ORIGINAL_TRAILER, STAGE_TRAILER, ZERO, CommitInfo,
    FileChange, History, case_of,
)

_SENTINEL = "\x01casebook-commit"
_FIELDS = (
    "%H",  # sha
    "%P",  # parents (rewritten ones when the log is limited to paths)
    "%an",
    "%ae",
    "%aI",
    "%cn",
    "%ce",
    "%cI",
    "%(trailers:only=true,unfold=true)",
    "%B",
)
_FORMAT = _SENTINEL + "%x00" + "%x00".join(_FIELDS) + "%x00"


def read_history(
    root: Path,
    *,
    rev: str = "HEAD",
    since: str | None = None,
    paths: Sequence[str] = (),
    full_diff: bool = True,
    cache: bool = True,
) -> History:
    """Read the history reachable from `rev` (excluding what `since` reaches).

    With `paths`, only the commits that changed something under them are read (every such
    commit, also on side branches: `--full-history`; a merge when it differs there from its
    first parent); `parents` stay the real parents and `full_diff` keeps every file each
    commit changed (against its first parent), not only those under `paths`.
    A repository without commits gives an empty history.

    A whole-history read keeps git's output in `.git/casebook-history.log` (with `cache`):
    commits never change, so the next read only asks git for the commits added since, as
    long as the cached tip is still an ancestor of `rev` (else it reads everything again).
    """
    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise BookError(f"{root} is not a git repository") from None
    try:
        head = repo.git.rev_parse("--verify", "-q", f"{rev}^{{commit}}")
    except git.GitCommandError:
        if rev == "HEAD":
            return History((), None)
        raise BookError(f"{rev!r} is not a commit of {root}") from None
    if cache and since is None and not paths:
        data = _cached_log(repo, head)
        return History(_parse(_split(data)), head)
    args = _LOG_ARGS + [head if since is None else f"{since}..{head}"]
    if paths:
        args[2:2] = ["--full-history"] + (["--full-diff"] if full_diff else [])
        args += ["--", *paths]
    process = repo.git.execute(args, as_process=True, stdout_as_string=False)
    try:
        commits = list(_parse(_tokens(process.proc.stdout)))
        stderr = process.proc.stderr.read().decode("utf-8", "replace")
        code = process.proc.wait()
    finally:
        process.proc.stdout.close()
        process.proc.stderr.close()
    if code != 0:
        raise BookError(f"cannot read the history of {root}: {stderr.strip()}")
    return History(commits, head)


_LOG_ARGS = [
    "git",
    "log",
    "-z",
    "--raw",
    "-c",
    "--no-renames",
    "--no-abbrev",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--topo-order",
    "--reverse",
    f"--format={_FORMAT}",
]
CACHE_NAME = "casebook-history.log"
_CACHE_KEY = hashlib.sha1(" ".join(_LOG_ARGS).encode()).hexdigest()[:12]


def _cached_log(repo: git.Repo, head: str) -> bytes:
    """git's log output for everything `head` reaches, reusing what an earlier read kept.

    The cache is the raw output, so a commit added on top is one more `git log old..head`
    appended: ancestors of the old tip come first, the rest follow in topological order.
    """
    path = Path(repo.git_dir) / CACHE_NAME
    cached_head, data = None, b""
    with contextlib.suppress(OSError, ValueError):
        raw = path.read_bytes()
        header, _, data = raw.partition(b"\n")
        key, cached_head = header.decode().split()
        if key != _CACHE_KEY:
            cached_head, data = None, b""
    if cached_head == head:
        return data
    if cached_head and _is_ancestor(repo, cached_head, head):
        data = data.rstrip(b"\n") + b"\x00" + _log(repo, [f"{cached_head}..{head}"])
    else:
        data = _log(repo, [head])
    with contextlib.suppress(OSError):  # a read-only repository just gets no cache
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{CACHE_NAME}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(f"{_CACHE_KEY} {head}\n".encode() + data)
        os.replace(tmp, path)
    return data


def read_case_history(root: Path, case_id: str) -> History:
    """The commits that changed `cases/<case_id>/` (as `read_history(root).for_case`), from
    the whole-history cache: only the commits whose log entry names the folder are parsed
    (parsing all 30,000 commits of a large book took a second). Without the cache it is read
    as `read_history` reads it (then kept)."""
    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise BookError(f"{root} is not a git repository") from None
    try:
        head = repo.git.rev_parse("--verify", "-q", "HEAD^{commit}")
    except git.GitCommandError:
        return History((), None)
    data = _cached_log(repo, head)
    needle = f"{CASES}{case_id}/".encode("utf-8", "surrogateescape")
    sentinel = b"\x00" + _SENTINEL.encode() + b"\x00"
    segments: list[bytes] = []
    at = data.find(needle)
    while at != -1:
        start = data.rfind(sentinel, 0, at)
        start = 0 if start == -1 else start + 1
        end = data.find(sentinel, at)
        end = len(data) if end == -1 else end
        segments.append(data[start:end])
        at = data.find(needle, end)
    commits = (c for segment in segments for c in _parse(_split(segment)))
    return History((c for c in commits if case_id in c.cases), head)


def is_cached(root: Path) -> bool:
    """Whether a whole-history read would start from a cache (then it is the fast way)."""
    with contextlib.suppress(git.InvalidGitRepositoryError, git.NoSuchPathError):
        return (Path(git.Repo(root).git_dir) / CACHE_NAME).is_file()
    return False


def _log(repo: git.Repo, revs: list[str]) -> bytes:
    try:
        return repo.git.execute(_LOG_ARGS + revs, stdout_as_string=False, strip_newline_in_stdout=False)
    except git.GitCommandError as error:
        raise BookError(f"cannot read the history: {error.stderr.strip()}") from None


def _is_ancestor(repo: git.Repo, older: str, newer: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", older, newer)
        return True
    except git.GitCommandError:
        return False


def _split(data: bytes) -> Iterator[str]:
    for part in data.split(b"\x00"):
        yield part.decode("utf-8", "surrogateescape")


def _tokens(stream) -> Iterator[str]:
    """NUL-separated tokens of a byte stream, decoded as UTF-8 (undecodable bytes kept)."""
    pending = b""
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        parts = (pending + chunk).split(b"\x00")
        pending = parts.pop()
        for part in parts:
            yield part.decode("utf-8", "surrogateescape")
    if pending:
        yield pending.decode("utf-8", "surrogateescape")


def _parse(tokens: Iterator[str]) -> Iterator[CommitInfo]:
    token = next(tokens, None)
    while token is not None:
        if token != _SENTINEL:
            if token.strip("\n"):
                raise BookError(f"unexpected output from git log: {token[:80]!r}")
            token = next(tokens, None)
            continue
        values = [next(tokens) for _ in _FIELDS]
        sha, parents, an, ae, ad, cn, ce, cd, trailers, message = values
        changes: list[FileChange] = []
        token = next(tokens, None)
        while token is not None:
            header = token.lstrip("\n")
            if header.startswith(":"):
                changes.append(_change(header, next(tokens)))
            elif token.strip("\n"):
                break  # the next commit's sentinel
            token = next(tokens, None)
        yield CommitInfo(
            sha=sha,
            parents=tuple(parents.split()),
            author_name=an,
            author_email=ae,
            author_date=datetime.fromisoformat(ad),
            committer_name=cn,
            committer_email=ce,
            committer_date=datetime.fromisoformat(cd),
            message=message,
            trailers=_trailers(trailers),
            changes=tuple(changes),
            cases=frozenset(filter(None, (c.case_id for c in changes))),
        )


def _change(header: str, path: str) -> FileChange:
    """One raw diff entry: `:old new oldsha newsha S` (or `::` with one column per parent)."""
    parents = len(header) - len(header.lstrip(":"))
    fields = header[parents:].split()
    modes, shas, status = fields[: parents + 1], fields[parents + 1 : 2 * parents + 2], fields[-1]
    new_mode, new_blob = modes[-1], shas[-1]
    if parents == 1:
        letter = status[0]
    elif new_mode == "000000":
        letter = "D"
    elif all(s == "A" for s in status):
        letter = "A"
    else:
        letter = "M"
    if letter == "T":
        letter = "M"
    return FileChange(path, letter, modes[0], new_mode, shas[0], new_blob)


def _trailers(block: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


__all__ = [
    "CACHE_NAME", "CASE_TRAILER", "CASES", "CHANNEL_TRAILER", "ORIGINAL_TRAILER",
    "STAGE_TRAILER", "ZERO", "CommitInfo", "FileChange", "History", "case_of", "is_cached",
    "read_case_history", "read_history",
]
