"""What the book's history is made of, once read: commits, their file changes, the index.

`CommitInfo` is one commit as `git log` gives it (identities, dates, message, trailers, the
files it changed); `History` holds them oldest first, indexed by sha and by case folder.
Kept apart from `history`, which runs git and parses its output (and keeps the log cache):
the site, the export and insight use these values without needing to know how they are read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator

CASES = "cases/"
ZERO = "0" * 40

CASE_TRAILER = "Casebook-Case"
STAGE_TRAILER = "Casebook-Stage"
CHANNEL_TRAILER = "Casebook-Channel"
ORIGINAL_TRAILER = "Casebook-Original-Commit"


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
