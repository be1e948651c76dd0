"""The way back: the agency's payments and notes of a case reach the creditor's book.

On the agency's side, `export_back` (`casebook export CASE --back`) builds a bundle the way
the export does, never by filtering the agency's repository: a new repository receives,
through `git fast-import`, one commit per agency commit that changed `cases/<id>/payments/`
or `cases/<id>/notes/` after the case was received (the creditor's own commits, which came
with the handovers, are left out). Each holds only those two folders as they stood in that
commit, keeps its author, dates and message (or a neutral one when the commit also touched
other cases or names another debtor or creditor), and names the agency's commit in
`Casebook-Original-Commit`. Agency policies, actions and letters stay with the agency: they
are its work, written under its name, and the creditor's book decides nothing from them.
Before the bundle is kept, every object in it is searched for what identifies any other
case or creditor of the agency's book (`mentions.scan_repository`). The same agency
history always gives the same commits, so each bundle back continues the last one.

The bundle's first commit holds the two folders as the agency received them with the
first handover (`Casebook-Back-Base`): what the agency changed is told against that. On the
creditor's side, `casebook receive` recognises such a bundle (every commit holds only
`cases/<id>/payments/` and `notes/`) and `takeback.receive_back` replays it.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import git as gitpython

from casebook.book.errors import BookError, Problem
from casebook.export.build import EXPORTS, _fi_path, _ident, _write_bundle, ignore_exports
from casebook.export.contents import _Objects
from casebook.export.incoming import BACK_FOLDERS, git, out
from casebook.export.mentions import ForeignTerms, scan_repository
from casebook.export.receive import received_tips
from casebook.export.rewrite import exported_message
from casebook.export.takeback import BACK_BASE
from casebook.record.history import CommitInfo, read_history


@dataclass(frozen=True, slots=True)
class BackResult:
    bundle: Path
    sha256: str
    commits: int
    withheld: tuple[str, ...]
    tip: str
    creditor_case: str
    """The case's id in the creditor's book (the bundle's folder)."""


def export_back(root: Path, case_id: str, *, today: date, out_file: Path | None = None) -> BackResult:
    """The bundle of the agency's payments and notes of `case_id`, for its creditor."""
    from casebook.book.load import load_book

    root = Path(root).resolve()
    book, _ = load_book(root)
    case = book.cases.get(case_id)
    if case is None:
        raise BookError(f"no case {case_id!r} in the book at {root}")
    tips = received_tips(root, case_id) if case.creditor is not None else []
    if not tips:
        raise BookError(f"case {case_id} was not received from a creditor (`casebook receive`): "
                        "there is nobody to send its payments and notes back to")
    creditor_case = tips[0][2]
    first_merge = tips[-1][0]
    exclude = [f"{first_merge}^1", *(tip for _, tip, _ in tips)]
    allowed = set(out(root, "rev-list", "HEAD", "--not", *exclude).split())
    allowed -= {merge for merge, _, _ in tips}
    folders = [f"cases/{case_id}/{sub}/" for sub in BACK_FOLDERS]
    history = [c for c in read_history(root, paths=folders) if c.sha in allowed]
    objects = _Objects(gitpython.Repo(root))
    terms = ForeignTerms(book, case_id, extra_ids={c for commit in history for c in commit.cases})

    def files_of(commit: str, folder: str) -> list[tuple[str, str, str]]:
        return [(f"{sub}/{p}", m, s) for sub in BACK_FOLDERS
                for p, m, s in objects.files(objects.subtree(commit, f"{folder}/{sub}"))]

    first_tip, first_case = tips[-1][1], tips[-1][2]
    previous = files_of(first_tip, f"cases/{first_case}")
    steps: list[tuple[CommitInfo, list[tuple[str, str, str]], str, bool]] = [
        (_who_of(root, first_merge), previous, _base_message(first_case, first_tip), False)]
    for commit in history:
        files = files_of(commit.sha, f"cases/{case_id}")
        if files == previous:
            continue  # a merge (or a change elsewhere) that brings nothing new to these folders
        message, withheld = exported_message(commit, case_id, terms)
        if creditor_case != case_id:  # received `--as`: the creditor knows the case by its id
            message = message.replace(f"\nCasebook-Case: {case_id}\n", f"\nCasebook-Case: {creditor_case}\n")
        steps.append((commit, files, message, withheld))
        previous = files
    if len(steps) == 1:
        raise BookError(f"the agency recorded no payment or note in cases/{case_id}/ since it "
                        "received the case: nothing to send back")
    target = Path(out_file) if out_file is not None else root / EXPORTS / f"{case_id}-back-{today.isoformat()}.bundle"
    with tempfile.TemporaryDirectory(prefix="casebook-back-") as scratch:
        tip = _build_back(Path(scratch), objects, steps, f"cases/{creditor_case}")
        found = scan_repository(Path(scratch), terms)
        if found:
            raise BookError(
                f"the bundle back of {case_id} would contain data naming other cases or "
                "creditors of this book; nothing was written (edit those files first)",
                [Problem(where, 1, f"names {', '.join(sorted(ids))}") for where, ids in found])
        if out_file is None:
            ignore_exports(root)
        digest = _write_bundle(Path(scratch), target)
    objects.repo.git.clear_cache()
    return BackResult(target, digest, len(steps) - 1, tuple(s[0].sha for s in steps if s[3]),
                      tip, creditor_case)


def _who_of(root: Path, sha: str) -> CommitInfo:
    """Who made `sha`, and when (the rest of a `CommitInfo` left empty)."""
    name, email, date_, cname, cemail, cdate = out(
        root, "log", "-1", "--format=%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI", sha).split("\x00")
    return CommitInfo(sha, (), name, email, datetime.fromisoformat(date_), cname, cemail,
                      datetime.fromisoformat(cdate), "", (), ())


def _base_message(case_id: str, tip: str) -> str:
    return (
        "Payments and notes of the case as the agency received them\n\n"
        f"cases/{case_id}/payments/ and notes/ as they were in the first handover the agency\n"
        "received (the bundle's tip named below); the commits after this one are the agency's.\n\n"
        f"{BACK_BASE}: {case_id}\n"
        f"Casebook-Received-Tip: {tip}\n"
    )


def _build_back(scratch: Path, objects: _Objects, steps: list, folder: str) -> str:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(scratch)], check=True)
    stream: list[bytes] = []
    marks: dict[str, int] = {}
    mark = 0
    for commit, files, message, _ in steps:
        for _, _, sha in files:
            if sha not in marks:
                mark += 1
                data = objects.data(sha)
                stream.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
                marks[sha] = mark
        mark += 1
        text = message.encode("utf-8", "surrogateescape")
        stream.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        stream.append(f"author {_ident(commit.author_name, commit.author_email, commit.author_date)}\n"
                      f"committer {_ident(commit.committer_name, commit.committer_email, commit.committer_date)}\n"
                      .encode("utf-8", "surrogateescape"))
        stream.append(b"data %d\n%s\ndeleteall\n" % (len(text), text))
        for path, mode, sha in files:
            stream.append(b"M %s :%d %s\n" % (mode.encode(), marks[sha], _fi_path(f"{folder}/{path}")))
        stream.append(b"\n")
    result = subprocess.run(["git", "fast-import", "--quiet"], cwd=scratch, input=b"".join(stream),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise BookError("git fast-import failed while building the bundle back: "
                        + result.stderr.decode("utf-8", "replace").strip())
    return git(scratch, "rev-parse", "main").stdout.decode().strip()
