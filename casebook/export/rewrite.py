"""The case's history as the agency gets it: which commits, and with which message.

One step per original commit that changed the case folder (a merge that brings nothing new
is skipped); its message is the original one with a `Casebook-Original-Commit` trailer, or a
neutral one when the original might tell about another debtor. Apart from the building of
the bundle because this is the privacy decision of the export, made from commit metadata
alone, and the dossier's timeline is drawn from the same steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from casebook.export.contents import _Objects
from casebook.export.mentions import ForeignTerms
from casebook.record.history import (
    ORIGINAL_TRAILER,
    CommitInfo,
    History,
    is_cached,
    read_case_history,
    read_history,
)


def _case_history(root: Path, case_id: str) -> History:
    """The commits that changed the case: from the whole-history cache when there is one
    (fast in a big book), else from a `git log` limited to the folder."""
    if is_cached(root):
        return read_case_history(root, case_id)
    return read_history(root, paths=[f"cases/{case_id}/"])


@dataclass(frozen=True, slots=True)
class _Step:
    commit: CommitInfo
    tree: str | None
    """The case folder's tree in that commit (None: the folder did not exist)."""
    message: str
    withheld: bool

    def row(self) -> dict[str, str]:
        return {
            "date": self.commit.author_date.isoformat(),
            "author": self.commit.author_name,
            "subject": self.message.split("\n", 1)[0],
            "original": self.commit.sha,
        }


def _plan(commits: Iterable[CommitInfo], case_id: str, objects: _Objects, terms: ForeignTerms) -> list[_Step]:
    steps: list[_Step] = []
    previous: str | None = None
    for commit in commits:
        tree = objects.subtree(commit.sha, f"cases/{case_id}")
        if commit.is_merge and steps and tree == previous:
            continue  # a merge that brings nothing new to this line of history
        message, withheld = exported_message(commit, case_id, terms)
        steps.append(_Step(commit, tree, message, withheld))
        previous = tree
    return steps


NEUTRAL = (
    "{title}\n\n"
    "The original message is withheld: {why}. The case folder is exactly as it was in that "
    "commit.\n\n"
    f"{ORIGINAL_TRAILER}: {{sha}}\n"
)


def exported_message(commit: CommitInfo, case_id: str, terms: ForeignTerms) -> tuple[str, bool]:
    """The message a commit gets in the export, and whether the original was withheld."""
    if commit.is_merge:
        title, why = "Merge of parallel work on this case", "a merge joins work on other cases too"
    elif commit.cases - {case_id}:
        title, why = "Changes to this case", "that commit also changed other cases"
    elif terms.find(commit.message):
        title, why = "Changes to this case", "it named another debtor"
    else:
        return with_trailer(commit.message, f"{ORIGINAL_TRAILER}: {commit.sha}"), False
    return NEUTRAL.format(title=title, why=why, sha=commit.sha), True


_TRAILER_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*: ")


def with_trailer(message: str, trailer: str) -> str:
    """`message` with one more trailer line, in its trailer block when it has one."""
    text = message.rstrip("\n")
    head, sep, last = text.rpartition("\n\n")
    if sep and head.strip() and all(_TRAILER_LINE.match(line) for line in last.split("\n")):
        return f"{text}\n{trailer}\n"
    return f"{text}\n\n{trailer}\n"
