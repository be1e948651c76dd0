"""The book's git history, read once and indexed by case.

One `git log --raw` pass over the whole history (or the part that concerns some paths) is
parsed as it streams in; every commit becomes a `CommitInfo` with its identities, dates,
message, trailers and the files it added, modified or deleted. The site's timelines, the
agency export and `casebook verify` all read the history through here, so none of them has
to spawn one git process per case.

Output is NUL-separated (`-z`), so no path or message can be misread; fields are taken by
position after a sentinel, so a message may contain anything but a NUL (which git forbids).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import git

from casebook.book.errors import BookError

CASES = "cases/"
ZERO = "0" * 40

CASE_TRAILER = "Casebook-Case"
STAGE_TRAILER = "Casebook-Stage"
CHANNEL_TRAILER = "Casebook-Channel"
ORIGINAL_TRAILER = "Casebook-Original-Commit"

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


def case_of(path: str) -> str | None:
    """The case id of a path inside `cases/<id>/`, else None (`cases/README.md` is no case)."""
    if not path.startswith(CASES):
        return None
    case_id, slash, rest = path[len(CASES) :].partition("/")
    return case_id if slash and rest and case_id else None


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit added ("A"), modified ("M") or deleted ("D").

    A type change (file to symlink) counts as "M"; renames are split into "D" + "A".
    For a merge, only files that differ from every parent are listed (an "evil" merge
    edit), compared with the first parent.
    """

    path: str
    status: str
    old_mode: str = "000000"
    new_mode: str = "000000"
    old_blob: str = ZERO
    new_blob: str = ZERO

    @property
    def case_id(self) -> str | None:
        return case_of(self.path)


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One commit of the book, as read from `git log`."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: datetime
    committer_name: str
    committer_email: str
    committer_date: datetime
    message: str
    """The full message, as git stores it (subject, body, trailers)."""
    trailers: tuple[tuple[str, str], ...]
    """`Key: value` pairs of the message's trailer block, in order, as git parses them."""
    changes: tuple[FileChange, ...]
    cases: frozenset[str] = field(default=frozenset())
    """Ids of the case folders the commit touched."""

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def trailer(self, key: str) -> str | None:
        """The last value of a trailer (keys compare case-insensitively, as git does)."""
        key = key.lower()
        found = None
        for name, value in self.trailers:
            if name.lower() == key:
                found = value
        return found

    @property
    def case(self) -> str | None:
        """`Casebook-Case:`: the case an action commit records an action for."""
        return self.trailer(CASE_TRAILER)

    @property
    def stage(self) -> str | None:
        return self.trailer(STAGE_TRAILER)

    @property
    def channel(self) -> str | None:
        return self.trailer(CHANNEL_TRAILER)

    def changes_in(self, case_id: str) -> tuple[FileChange, ...]:
        prefix = f"{CASES}{case_id}/"
        return tuple(c for c in self.changes if c.path.startswith(prefix))

    def outside(self, case_id: str) -> tuple[FileChange, ...]:
        """Changes to anything but `cases/<case_id>/`."""
        prefix = f"{CASES}{case_id}/"
        return tuple(c for c in self.changes if not c.path.startswith(prefix))


class History:
    """Commits oldest first (every parent before its children), indexed by case and sha."""

    def __init__(self, commits: Iterable[CommitInfo], head: str | None = None) -> None:
        self.commits: tuple[CommitInfo, ...] = tuple(commits)
        self.head = head
        self._by_sha = {c.sha: c for c in self.commits}
        by_case: dict[str, list[CommitInfo]] = defaultdict(list)
        for commit in self.commits:
            for case_id in sorted(commit.cases):
                by_case[case_id].append(commit)
        self._by_case = dict(by_case)

    def __len__(self) -> int:
        return len(self.commits)

    def __iter__(self) -> Iterator[CommitInfo]:
        return iter(self.commits)

    def __contains__(self, sha: object) -> bool:
        return sha in self._by_sha

    def get(self, sha: str) -> CommitInfo | None:
        return self._by_sha.get(sha)

    def for_case(self, case_id: str) -> list[CommitInfo]:
        """Every commit that touched `cases/<case_id>/`, oldest first."""
        return list(self._by_case.get(case_id, ()))

    def case_ids(self) -> list[str]:
        """Every case folder that appears in the history (including deleted ones)."""
        return sorted(self._by_case)


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

