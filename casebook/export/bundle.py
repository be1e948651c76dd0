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
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import git

from casebook.book.crashpoints import crash_point
from casebook.book.dump import free_name, to_yaml
from casebook.book.errors import BookError, Problem
from casebook.export.dossier import claim_json, dossier_files, manifest_text
from casebook.book.fsutil import inside
from casebook.record.gitpack import blob_id, git_time, tree_entries
from casebook.record.gitstore import Store
from casebook.record.history import (
    ORIGINAL_TRAILER,
    CommitInfo,
    History,
    is_cached,
    read_case_history,
    read_history,
)
from casebook.export.mentions import ForeignTerms, scan_repository
from casebook.book.model import ActionKind, Book, Case, Channel, Operator
from casebook.book.schema import SLUG_RE


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
    """Write the agency bundle of `case_id` (default `<case-id>-<today>.bundle` in the current
    folder) and record the handover. Raises `BookError` with the problems that prevent it.

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
        target = Path(out) if out is not None else Path.cwd() / f"{case_id}-{today.isoformat()}.bundle"
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


def _handed_over(
    root: Path, last: CommitInfo, case_id: str, target: Path, today: date
) -> ExportResult | None:
    """The result of an earlier run, when the case's last commit is the handover of this
    very bundle (a rerun after a crash, or twice the same command): nothing to do again."""
    import yaml

    added = [c for c in last.changes_in(case_id) if c.status == "A"]
    if len(added) != 1 or len(last.changes_in(case_id)) != 1:
        return None
    rel = added[0].path
    name = rel.rsplit("/", 1)[-1]
    if not (name.startswith(f"{today.isoformat()}-handover") and name.endswith(".yaml")):
        return None
    try:
        record = yaml.safe_load((root / rel).read_text(encoding="utf-8"))
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(record, dict) or record.get("bundle") != target.name or record.get("sha256") != digest:
        return None
    return ExportResult(
        bundle=target, sha256=digest, commits=0, withheld=(), tip="", source_head=last.parents[0]
        if last.parents else "", handover=last.sha, handover_file=rel, already=True,
    )


# -- which commits, with which message ----------------------------------------------------


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


def _plan(commits: Iterable[CommitInfo], case_id: str, objects: "_Objects", terms: "ForeignTerms") -> list[_Step]:
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


def exported_message(commit: CommitInfo, case_id: str, terms: "ForeignTerms") -> tuple[str, bool]:
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


# -- reading the book's objects -----------------------------------------------------------


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


# -- building the bundle ------------------------------------------------------------------


def _build(
    scratch: Path,
    objects: _Objects,
    steps: list[_Step],
    *,
    folder: str,
    final_files: tuple[tuple[str, str, str], ...],
    extra: dict[str, bytes],
    dossier: dict[str, bytes],
    operator: Operator,
    dated: datetime,
    case_id: str,
    today: date,
    head: str,
) -> str:
    """Fill a new bare repository in `scratch` with the case's history; returns the tip."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(scratch)], check=True)
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet"], cwd=scratch, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    write = process.stdin.write
    marks: dict[str, int] = {}
    mark = 0

    def blob(data: bytes) -> int:
        nonlocal mark
        key = blob_id(data)
        if key not in marks:
            mark += 1
            write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
            marks[key] = mark
        return marks[key]

    def stored(sha: str) -> int:
        return marks[sha] if sha in marks else blob(objects.data(sha))

    def commit(listing: list[tuple[str, str, int]], message: str, author: str, committer: str) -> None:
        nonlocal mark
        mark += 1
        text = message.encode("utf-8", "surrogateescape")
        write(b"commit refs/heads/main\nmark :%d\n" % mark)
        write(f"author {author}\ncommitter {committer}\n".encode("utf-8", "surrogateescape"))
        write(b"data %d\n%s\n" % (len(text), text))
        write(b"deleteall\n")
        for path, mode, ref in listing:
            write(b"M %s :%d %s\n" % (mode.encode(), ref, _fi_path(path)))
        write(b"\n")

    for step in steps:
        c = step.commit
        listing = [(f"{folder}/{p}", m, stored(s)) for p, m, s in objects.files(step.tree)]
        commit(listing, step.message, _ident(c.author_name, c.author_email, c.author_date),
               _ident(c.committer_name, c.committer_email, c.committer_date))

    final = {f"{folder}/{p}": (m, objects.data(s)) for p, m, s in final_files}
    final.update({f"{folder}/{rel}": ("100644", data) for rel, data in extra.items()})
    final.update({name: ("100644", data) for name, data in dossier.items()})
    manifest = manifest_text({path: data for path, (_, data) in final.items()})
    final["MANIFEST.sha256"] = ("100644", manifest.encode("utf-8"))
    # Dated like the book commit it shows: the same book and --today give the same bundle,
    # byte for byte, so anyone holding the book can rebuild it and compare.
    who = _ident(operator.name, operator.email, dated)
    message = (
        f"Dossier for the agency: {case_id} as of {today.isoformat()}\n\n"
        "Adds the claim (claim.json, claim.html), the timeline and MANIFEST.sha256\n"
        "(check it with `sha256sum -c MANIFEST.sha256`) to the case as it stands in the\n"
        "book's commit named below.\n\n"
        f"Casebook-Source-Commit: {head}\n"
    )
    commit([(path, mode, blob(data)) for path, (mode, data) in sorted(final.items())], message, who, who)
    write(b"get-mark :%d\n" % mark)
    process.stdin.flush()
    tip = process.stdout.readline().decode().strip()
    process.stdin.close()
    error = process.stderr.read().decode("utf-8", "replace")
    process.stdout.close()
    process.stderr.close()
    if process.wait() != 0 or len(tip) != 40:
        raise BookError(f"git fast-import failed while building the bundle: {error.strip()}")
    return tip


def _ident(name: str, email: str, moment: datetime) -> str:
    clean = lambda text: "".join(c for c in text if c not in "<>\n")  # noqa: E731
    return f"{clean(name)} <{clean(email)}> {git_time(moment)}"


def _fi_path(path: str) -> bytes:
    raw = path.encode("utf-8", "surrogateescape")
    if raw.startswith(b'"') or b"\n" in raw:
        return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'"'
    return raw


_BOOK_FOLDERS = frozenset({".git", "cases", "policies", "imports", "rates", "site_templates"})


def _check_target(root: Path, out: Path | None) -> None:
    target = (Path(out) if out is not None else Path.cwd() / "x.bundle").resolve()
    if root in target.parents and target.relative_to(root).parts[0] in _BOOK_FOLDERS:
        raise BookError(f"the bundle cannot be written to {target}: it is inside the book's "
                        f"{target.relative_to(root).parts[0]}/ folder; write it outside the book")


def _write_bundle(scratch: Path, target: Path) -> str:
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        result = subprocess.run(
            ["git", "-c", "pack.threads=1", "bundle", "create", "-q", tmp, "HEAD", "main"],
            cwd=scratch,
            capture_output=True,
        )
        if result.returncode != 0:
            raise BookError("git bundle failed: " + result.stderr.decode("utf-8", "replace").strip())
        digest = hashlib.sha256()
        with open(tmp, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return digest.hexdigest()


# -- the handover, recorded in the book ---------------------------------------------------


def _record_handover(
    store: Store,
    book: Book,
    case: Case,
    claim: dict[str, Any],
    result: ExportResult,
    *,
    today: date,
    when: datetime,
) -> tuple[str, str]:
    policy = book.policy_for(case)
    stage = next((s.id for s in policy.stages if s.channel == Channel.AGENCY), "agency") \
        if policy else "agency"
    actions = store.root / case.folder / "actions"
    existing = [p.name for p in actions.iterdir()] if actions.is_dir() else []
    name = free_name(existing, f"{today.isoformat()}-handover", ".yaml")
    rel = f"{case.folder}/actions/{name}"
    record = to_yaml({
        "date": today,
        "kind": str(ActionKind.HANDOVER),
        "stage": stage,
        "channel": str(Channel.AGENCY),
        "balance": Decimal(claim["principal"]),
        "total": Decimal(claim["total"]),
        "invoices": [i["number"] for i in claim["invoices"]],
        "bundle": result.bundle.name,
        "sha256": result.sha256,
    })
    message = (
        f"{case.id}: handover to the agency (agency)\n\n"
        f"Exported {result.commits} commit(s) of the case and the dossier as {result.bundle.name}\n"
        f"(sha256 {result.sha256}); claim as of {today.isoformat()}: "
        f"{claim['total']} {claim.get('currency', '')}.\n\n"
        f"Casebook-Case: {case.id}\n"
        f"Casebook-Stage: {stage}\n"
        f"Casebook-Channel: {Channel.AGENCY}\n"
        f"Casebook-Kind: {ActionKind.HANDOVER}\n"
        f"Casebook-Date: {today.isoformat()}\n"
    )
    # A batch of one: in a book of thousands of cases it is much faster than `git commit`.
    with store.batch() as batch:
        batch.commit({rel: record}, message, author=book.settings.operator, when=when)
    return batch.flushed[-1], rel


