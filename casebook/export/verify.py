"""`casebook verify`: is the evidence trail intact?

What casebook records under `cases/<id>/actions/` (action records, letters, emails, send
markers) is evidence: once committed it is only ever added to. Verify reads the history in
one pass (`casebook.record.history`) and reports, each with the file and the commit:

- an action file modified or deleted after the commit that created it;
- an action commit (one with a `Casebook-Case:` trailer) that changes files outside its
  case folder;
- action files with uncommitted changes in the working tree (edited, deleted, or never
  committed);
- a repository that fails `git fsck`;
- with `signed`, every commit without a good signature;
- with `since`, a commit that is no longer an ancestor of HEAD (history was rewritten).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import git

from casebook.book.errors import BookError
from casebook.record.gitstore import Store
from casebook.record.history import History, read_history


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One thing wrong with the evidence trail."""

    path: str
    """The file concerned (`""` for the repository as a whole)."""
    commit: str
    """The commit concerned (`""` for the working tree or the repository)."""
    message: str

    def __str__(self) -> str:
        where = self.path or "(repository)"
        at = f" (commit {self.commit[:12]})" if self.commit else ""
        return f"{where}: {self.message}{at}"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "commit": self.commit, "message": self.message}


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    commits: int
    """Commits examined."""
    head: str | None

    @property
    def ok(self) -> bool:
        return not self.findings


def is_action_file(path: str) -> bool:
    """Anything under `cases/<id>/actions/`."""
    parts = path.split("/", 3)
    return len(parts) == 4 and parts[0] == "cases" and parts[2] == "actions" and bool(parts[3])


def verify(
    root: Path,
    *,
    since: str | None = None,
    signed: bool = False,
    fsck: bool = True,
    history: History | None = None,
) -> Report:
    """Check the book at `root`; `history` may be passed when the caller already read it."""
    store = Store(Path(root))
    findings: list[Finding] = []
    head = store.head()
    # fsck reads every object: let it run on the other core while the history is read.
    checking = _start_fsck(store) if fsck else None
    base: str | None = None
    if since is not None:
        base, problems = _check_since(store, since, head)
        findings += problems
    if history is None:
        # Never the cache: verify trusts nothing but git's own objects.
        history = read_history(store.root, since=base, cache=False) if head else History(())
    findings += action_changes(history, existing=_action_files_at(store, base) if base else {})
    findings += mixed_action_commits(history)
    findings += uncommitted_actions(store)
    if checking is not None:
        findings += _fsck_result(checking)
    if signed and head:
        findings += _unsigned(store, base)
    return Report(tuple(findings), len(history), head)


def action_changes(history: History, *, existing: dict[str, str] | None = None) -> list[Finding]:
    """Action files changed or deleted after the commit that created them.

    `existing` maps the action files present before the history read (path -> "") when the
    history starts after the book's first commit.
    """
    created: dict[str, str] = dict(existing or {})
    findings: list[Finding] = []
    for commit in history:
        for change in commit.changes:
            if not is_action_file(change.path):
                continue
            origin = created.get(change.path)
            if change.status == "A":
                created[change.path] = commit.sha
                continue
            since = f" created in commit {origin[:12]}" if origin else " recorded earlier"
            verb = "modified" if change.status == "M" else "deleted"
            findings.append(Finding(
                change.path, commit.sha, f"sent/recorded action file {verb} after it was{since}"
            ))
            if change.status == "D":
                created.pop(change.path, None)
    return findings


def mixed_action_commits(history: History) -> list[Finding]:
    """Action commits (with `Casebook-Case:`) that change anything outside their case."""
    findings: list[Finding] = []
    for commit in history:
        case = commit.case
        if not case or commit.is_merge:
            continue
        for change in commit.outside(case):
            findings.append(Finding(
                change.path, commit.sha,
                f"the action commit for case {case} also changes this file "
                "(an action commit must touch only its case folder)",
            ))
    return findings


def uncommitted_actions(store: Store) -> list[Finding]:
    out = store.repo.git.status("--porcelain=v1", "-z", "--untracked-files=all", "--", "cases")
    findings: list[Finding] = []
    entries = out.split("\x00")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            i += 1
        if not is_action_file(path):
            continue
        if code == "??":
            what = "action file never committed"
        elif "D" in code:
            what = "action file deleted in the working tree, not committed"
        else:
            what = "action file changed in the working tree, not committed"
        findings.append(Finding(path, "", what))
    return findings


def _check_since(store: Store, since: str, head: str | None) -> tuple[str | None, list[Finding]]:
    """The commit `since` names when it is an ancestor of HEAD; else what was lost."""
    try:
        sha = store.repo.git.rev_parse("--verify", "-q", f"{since}^{{commit}}")
    except git.GitCommandError:
        return None, [Finding("", "", f"{since!r} is not a commit of this repository "
                                      "(was the history rewritten and the commit dropped?)")]
    if head is not None and store.is_ancestor(sha, head):
        return sha, []
    findings = [Finding("", sha, "this commit is no longer an ancestor of HEAD: the history "
                                 "was rewritten after it")]
    lost = store.repo.git.log("--format=%x00%H", "--name-only", "--no-renames", sha,
                              *(["--not", head] if head else []))
    for block in lost.split("\x00"):
        commit, _, names = block.strip("\n").partition("\n")
        for name in names.split("\n"):
            if name.strip():
                findings.append(Finding(name, commit, "changed by a commit that is no longer "
                                                      "in the history of HEAD"))
    return None, findings


def _action_files_at(store: Store, commit: str) -> dict[str, str]:
    listing = store.repo.git.ls_tree("-r", "-z", "--name-only", commit, "--", "cases")
    return {p: "" for p in listing.split("\x00") if p and is_action_file(p)}


def _start_fsck(store: Store) -> subprocess.Popen:
    return subprocess.Popen(
        ["git", "fsck", "--no-progress", "--no-dangling"], cwd=store.root,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _fsck_result(process: subprocess.Popen) -> list[Finding]:
    output, _ = process.communicate()
    if process.returncode == 0:
        return []
    lines = [line for line in output.splitlines() if line.strip()]
    shown = "; ".join(lines[:5]) + (f"; ... ({len(lines) - 5} more)" if len(lines) > 5 else "")
    return [Finding("", "", f"git fsck failed: {shown or 'exit code ' + str(process.returncode)}")]


def _unsigned(store: Store, base: str | None) -> list[Finding]:
    """Commits without a good signature (`%G?`: G good, U good with unknown trust)."""
    rev = f"{base}..HEAD" if base else "HEAD"
    try:
        out = store.repo.git.log("--format=%H %G?", rev)
    except git.GitCommandError as error:
        raise BookError(f"cannot check signatures: {error}") from None
    labels = {
        "N": "commit is not signed",
        "B": "bad signature",
        "E": "signature cannot be checked (missing key?)",
        "X": "good signature that has expired",
        "Y": "good signature made by an expired key",
        "R": "signature made by a revoked key",
    }
    findings = []
    for line in out.splitlines():
        sha, _, status = line.partition(" ")
        if status not in ("G", "U"):
            findings.append(Finding("", sha, labels.get(status, f"signature status {status}")))
    return findings
