"""What of the book may go into an agency bundle: the case's git objects and attachments.

Trees and blobs are read through one persistent `git cat-file`; symbolic links and
submodules are refused (never followed), and invoice attachments that are inside the case
folder but not committed are picked up, anything leaving the folder refused. Apart from the
rewriting and the building because these are the checks on what may leave the book at all.
"""

from __future__ import annotations

from pathlib import Path

import git

from casebook.book.errors import BookError, Problem
from casebook.book.fsutil import inside
from casebook.book.model import Case
from casebook.record.gitpack import tree_entries


class _Objects:
    """Trees and blobs of the book, read through one persistent `git cat-file`."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self._files: dict[str, tuple[tuple[str, str, str], ...]] = {}

    def subtree(self, commit: str, path: str) -> str | None:
        try:
            sha, kind, _ = self.repo.git.get_object_header(f"{commit}:{path}")
        except ValueError:
            return None
        # GitPython gives bytes here
        sha, kind = (v.decode() if isinstance(v, bytes) else v for v in (sha, kind))
        return sha if kind == "tree" else None

    def files(self, tree: str | None) -> tuple[tuple[str, str, str], ...]:
        """(path, mode, sha) of every entry below `tree`, recursively; trees not listed."""
        if tree is None:
            return ()
        cached = self._files.get(tree)
        if cached is not None:
            return cached
        out: list[tuple[str, str, str]] = []
        for raw_mode, raw_name, raw_sha in tree_entries(self.data(tree)):
            mode, sha = raw_mode.decode(), raw_sha.hex()
            name = raw_name.decode("utf-8", "surrogateescape")
            if mode == "40000":
                out += [(f"{name}/{p}", m, s) for p, m, s in self.files(sha)]
            else:
                out.append((name, mode, sha))
        result = tuple(out)
        self._files[tree] = result
        return result

    def data(self, sha: str) -> bytes:
        return self.repo.git.get_object_data(sha)[3]


def _refuse_links(trees: list[tuple[str, str | None]], objects: _Objects, folder: str) -> None:
    problems: dict[str, Problem] = {}
    for commit, tree in trees:
        for path, mode, _ in objects.files(tree):
            if mode in ("120000", "160000") and path not in problems:
                what = "a symbolic link" if mode == "120000" else "a submodule"
                problems[path] = Problem(
                    f"{folder}/{path}", 1,
                    f"is {what} (in commit {commit[:12]}): not exported, links are never "
                    "followed; replace it with the file itself",
                )
    if problems:
        raise BookError("the case holds links; nothing was exported", list(problems.values()))


def _attachments(root: Path, case: Case, committed: set[str]) -> dict[str, bytes]:
    """Invoice attachments that are inside the case folder but not committed (git-ignored
    PDFs): they join the dossier commit. Anything that leaves the folder is refused."""
    base = root / case.folder
    extra: dict[str, bytes] = {}
    problems: list[Problem] = []
    for invoice in case.invoices:
        if not invoice.attachment:
            continue
        where = invoice.source.at("attachment")
        resolved = inside(base, invoice.attachment)
        if resolved is None:
            problems.append(Problem.at(where, f"attachment {invoice.attachment!r} leaves the case "
                                              f"folder {case.folder}/: refused, never followed"))
            continue
        rel = resolved.relative_to(base.resolve()).as_posix()
        if rel in committed:
            continue
        if not resolved.is_file():
            problems.append(Problem.at(where, f"attachment {invoice.attachment!r} does not exist"))
            continue
        extra[rel] = resolved.read_bytes()
    if problems:
        raise BookError("invoice attachments cannot be exported", problems)
    return extra
