"""Hand one case to a collection agency: a git bundle of that case's history and nothing else.

The bundle is built, never filtered: a fresh repository receives, through `git fast-import`,
only the blobs of `cases/<id>/` and new commits made from them, one per original commit
that changed the folder (oldest first, as one line of history). Each keeps the original
author, author date, committer and date; its tree holds the folder at the same path, so
`<new>:cases/<id>` has the very tree id of `<original>:cases/<id>` (anyone holding the book
can check it); its message is the original one plus `Casebook-Original-Commit: <sha>`, or a
neutral one when the original commit also changed another case, was a merge, or its message
names another debtor. A last commit adds the dossier at the top (`casebook.export.dossier`):
`claim.json`, `claim.html`, `timeline.md` and `MANIFEST.sha256`. Before the bundle is kept,
every object in it is scanned for the names, emails, IBANs, VAT and invoice numbers of the
other debtors (`casebook.export.mentions`).

The handover is then recorded in the book as an action (`kind: handover`) with the
bundle's name and SHA-256, in one commit.

`export_case` here runs these steps under the book's lock; each lives in its own module:
`rewrite` (which commits, which messages), `contents` (the case's objects and attachments,
links refused), `build` (fast-import and `git bundle create`), `handover` (the record).
"""

from __future__ import annotations

import contextlib
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from casebook.book.crashpoints import crash_point
from casebook.book.errors import BookError, Problem
from casebook.book.schema import SLUG_RE
from casebook.export.build import _build, _check_target, _write_bundle, default_target, ignore_exports
from casebook.export.contents import _attachments, _Objects, _refuse_links
from casebook.export.dossier import claim_json, dossier_files
from casebook.export.handover import _handed_over, _record_handover
from casebook.export.mentions import ForeignTerms, scan_repository
from casebook.export.rewrite import _case_history, _plan
from casebook.record.gitstore import Store


@dataclass(frozen=True, slots=True)
class ExportResult:
    bundle: Path
    sha256: str
    commits: int
    """Commits of the case's history in the bundle (the dossier commit not counted)."""
    withheld: tuple[str, ...]
    """Original commits whose message was replaced by a neutral one."""
    tip: str
    """The dossier commit, the bundle's `main`."""
    source_head: str
    handover: str | None = None
    """The commit recording the handover in the book (None when not recorded)."""
    handover_file: str | None = None
    mentions: tuple[str, ...] = ()
    """Files of this case that name another debtor (exported only with `allow_mentions`)."""
    already: bool = False
    """Nothing was done: this very bundle was handed over and recorded already."""


def export_case(
    root: Path,
    case_id: str,
    *,
    today: date,
    when: datetime,
    out: Path | None = None,
    record: bool = True,
    allow_mentions: bool = False,
    store: Store | None = None,
) -> ExportResult:
    """Write the agency bundle of `case_id` (default `exports/<case-id>-<today>.bundle` in
    the book, a folder git ignores) and record the handover. Raises `BookError` with the problems that prevent it.

    A caller that already holds the book's lock passes its `store` (no batch open on it).
    """
    from casebook.book.load import load_book

    root = Path(root).resolve()
    if not SLUG_RE.match(case_id):  # `..`, `/`, NUL: never a path to look at
        raise BookError(f"no case {case_id!r} in the book at {root}")
    _check_target(root, out)
    held = store is not None and store._locked
    store = store or Store(root)
    folder = f"cases/{case_id}"
    with contextlib.nullcontext() if held else store.lock():
        store.recover()  # finish the working-tree step of an interrupted commit first
        if record:
            store.check_writable()
        head = store.head()
        if head is None:
            raise BookError("the book has no commits yet: nothing to export")
        dirty = sorted(store.dirty_paths(folder))
        if dirty:
            raise BookError(
                f"{folder} has uncommitted changes; commit or undo them before exporting "
                "(the export holds committed history only)",
                [Problem(path, 1, "uncommitted change") for path in dirty],
            )
        # git walks the history on the other core while Python reads the book.
        with ThreadPoolExecutor(max_workers=1) as pool:
            reading = pool.submit(_case_history, root, case_id)
            book, problems = load_book(root)
            history = reading.result()
        case = book.cases.get(case_id)
        if case is None:
            raise BookError(f"no case {case_id!r} in the book at {root}")
        blocking = [p for p in problems if p.path == "casebook.yaml" or p.path.startswith(folder + "/")]
        if blocking:
            raise BookError(f"{folder} has problems; fix them before exporting (see `casebook check`)",
                            blocking)
        if not len(history):
            raise BookError(f"no commit has recorded {folder} yet: commit it before exporting")
        target = Path(out) if out is not None else default_target(root, case_id, today)
        done = _handed_over(root, history.commits[-1], case_id, target, today)
        if done is not None:
            return done
        objects = _Objects(store.repo)
        terms = ForeignTerms(book, case_id, extra_ids={c for commit in history for c in commit.cases})
        steps = _plan(history.commits, case_id, objects, terms)
        final_tree = objects.subtree(head, folder)
        final_files = objects.files(final_tree)
        extra = _attachments(root, case, {path for path, _, _ in final_files})
        _refuse_links([(s.commit.sha, s.tree) for s in steps] + [(head, final_tree)], objects, folder)

        claim = claim_json(root, book, case, today)
        dossier = dossier_files(book, case, claim, [s.row() for s in steps], today=today, head=head)
        with tempfile.TemporaryDirectory(prefix="casebook-export-") as scratch:
            built = _build(
                Path(scratch), objects, steps, folder=folder, final_files=final_files,
                extra=extra, dossier=dossier, operator=book.settings.operator,
                dated=history.get(head).committer_date if head in history else _date_of(store, head),
                case_id=case_id, today=today, head=head,
            )
            found = scan_repository(Path(scratch), terms)
            if found and not allow_mentions:
                raise BookError(
                    f"the export of {case_id} would contain data naming other debtors; nothing "
                    "was written (edit those files, or pass --allow-mentions after checking them)",
                    [Problem(where, 1, f"names {', '.join(sorted(ids))}") for where, ids in found],
                )
            if out is None:
                ignore_exports(root)
            digest = _write_bundle(Path(scratch), target)
            crash_point("export:bundle-written")
        result = ExportResult(
            bundle=target,
            sha256=digest,
            commits=len(steps),
            withheld=tuple(s.commit.sha for s in steps if s.withheld),
            tip=built,
            source_head=head,
            mentions=tuple(f"{where}: names {', '.join(sorted(ids))}" for where, ids in found),
        )
        if record:
            sha, rel = _record_handover(store, book, case, claim, result, today=today, when=when)
            result = replace(result, handover=sha, handover_file=rel)
        store.repo.git.clear_cache()  # ends the cat-file processes the tree reading started
        return result


def _date_of(store: Store, commit: str) -> datetime:
    return datetime.fromisoformat(store.repo.git.log("-1", "--format=%cI", commit))

