"""Hand one case to a collection agency: a git bundle of that case's history and nothing else.

The bundle is built, never filtered: a fresh repository receives, through `git fast-import`,
only the blobs of `cases/<id>/` and new commits made from them, one per original commit
that changed the folder (oldest first, as one line of history). Each keeps the original
author, author date, committer and date; its tree holds the folder at the same path, so
`<new>:cases/<id>` has the very tree id of `<original>:cases/<id>` (anyone holding the book
can check it); its message is the original one plus `Casebook-Original-Commit: <sha>`, or a
neutral one when the original commit also changed another case, was a merge, or its message
names another debtor. A last commit adds the dossier at the top: `claim.json`, `claim.html`,
`timeline.md` and `MANIFEST.sha256`. Before the bundle is kept, every object in it is
scanned for the names, emails, IBANs, VAT and invoice numbers of the other debtors.

The handover is then recorded in the book as an action (`kind: handover`) with the
bundle's name and SHA-256, in one commit.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
import hashlib
import json
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

from .crashpoints import crash_point
from .dump import free_name, to_yaml
from .errors import BookError, Problem
from .fsutil import inside
from .gitstore import Store
from .history import ORIGINAL_TRAILER, CommitInfo, History, is_cached, read_history
from .model import ActionKind, Book, Case, Channel, Operator
from .schema import SLUG_RE

DOSSIER = ("claim.json", "claim.html", "timeline.md", "MANIFEST.sha256")
MIN_TERM = 4


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
    from .load import load_book

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

        claim = _claim_json(root, book, case, today)
        timeline = timeline_markdown(book, case, [s.row() for s in steps], today=today, head=head)
        dossier = {
            "claim.json": (json.dumps(claim, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8"),
            "claim.html": claim_html(book, case, claim).encode("utf-8"),
            "timeline.md": timeline.encode("utf-8"),
        }
        with tempfile.TemporaryDirectory(prefix="casebook-export-") as scratch:
            built = _build(
                Path(scratch), objects, steps, folder=folder, final_files=final_files,
                extra=extra, dossier=dossier, operator=book.settings.operator,
                dated=history.get(head).committer_date if head in history else _date_of(store, head),
                case_id=case_id, today=today, head=head,
            )
            found = _scan(Path(scratch), terms)
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
        everything = read_history(root)
        return History(everything.for_case(case_id), everything.head)
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


# -- other debtors' data ------------------------------------------------------------------

_WORD = re.compile(r"[\w@.+/:-]+")
_IBANISH = re.compile(r"\b[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,4})?\b")


def _words(text: str) -> list[str]:
    out: list[str] = []
    for token in _WORD.findall(text.lower()):
        token = token.strip(".:/-+")
        if token:
            out.append(token)
            if "/" in token or ":" in token:
                out += [p for p in re.split(r"[/:]", token) if p]
    return out


class ForeignTerms:
    """Recognises, in any text, what identifies another debtor than `own`.

    Terms: case id, name, contact, email, VAT, IBANs, invoice numbers and references of
    every other case of the book, and the ids of cases seen only in the history. Terms
    shorter than four characters, or shared with the own case, are ignored.
    """

    def __init__(self, book: Book, own: str, *, extra_ids: Iterable[str] = ()) -> None:
        own_case = book.cases.get(own)
        self._own = {" ".join(_words(t)) for t in _terms_of(own_case)} if own_case else set()
        self._own.add(own)
        self._single: dict[str, str] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for case in book.cases.values():
            if case.id != own:
                for term in _terms_of(case):
                    self._add(term, case.id)
        for case_id in extra_ids:
            if case_id != own and case_id not in book.cases:
                self._add(case_id, case_id)

    def _add(self, term: str, case_id: str) -> None:
        words = tuple(_words(term))
        joined = " ".join(words)
        if len(joined) < MIN_TERM or joined in self._own:
            return
        if len(words) == 1:
            self._single.setdefault(words[0], case_id)
        else:
            self._phrases.setdefault(words[0], []).append((words, case_id))

    def find(self, text: str) -> set[str]:
        """Ids of the other cases `text` names."""
        found: set[str] = set()
        words = _words(text)
        for i, word in enumerate(words):
            hit = self._single.get(word)
            if hit:
                found.add(hit)
            for phrase, case_id in self._phrases.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    found.add(case_id)
        for iban in _IBANISH.findall(text.lower()):
            hit = self._single.get(iban.replace(" ", ""))
            if hit:
                found.add(hit)
        return found


def _terms_of(case: Case | None) -> list[str]:
    if case is None:
        return []
    terms = [case.id, case.name, case.contact, case.email, case.vat, *case.iban]
    for invoice in case.invoices:
        terms += [invoice.number, invoice.reference]
    return [t for t in terms if t]


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
        data = self.data(tree)
        out: list[tuple[str, str, str]] = []
        i = 0
        while i < len(data):
            space = data.index(b" ", i)
            nul = data.index(b"\x00", space)
            mode = data[i:space].decode()
            name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
            sha = data[nul + 1 : nul + 21].hex()
            i = nul + 21
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


# -- the claim ----------------------------------------------------------------------------


def _claim_json(root: Path, book: Book, case: Case, today: date) -> dict[str, Any]:
    try:
        from .claim import claim_for
        from .rates import load_tables
    except ImportError:  # without the money engine: the principal only
        return _principal_only(book, case, today)
    tables, _ = load_tables(root)
    return claim_for(book, case, today, rates=tables).to_json()


def _principal_only(book: Book, case: Case, today: date) -> dict[str, Any]:
    from .balance import allocate

    allocation = allocate(
        [i for i in case.invoices if i.issued <= today], [p for p in case.payments if p.date <= today]
    )
    rows = [b for b in allocation.invoices if b.open > 0]
    principal = sum((b.open for b in rows), Decimal(0))
    return {
        "case": case.id,
        "as_of": today.isoformat(),
        "currency": book.settings.currency,
        "invoices": [
            {"number": b.invoice.number, "due": b.invoice.due.isoformat(), "amount": f"{b.owed:.2f}",
             "paid": f"{b.paid:.2f}", "open": f"{b.open:.2f}",
             "days_late": max((today - b.invoice.due).days, 0),
             "interest": "0.00", "compensation": "0.00"}
            for b in rows
        ],
        "principal": f"{principal:.2f}",
        "interest": "0.00",
        "costs": "0.00",
        "total": f"{principal:.2f}",
        "warnings": ["principal only: interest and costs were not computed"],
    }


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
        key = hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()
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


def manifest_text(files: dict[str, bytes]) -> str:
    """`sha256sum` lines for `files` (path -> content), sorted by path."""
    lines = []
    for path in sorted(files):
        digest = hashlib.sha256(files[path]).hexdigest()
        if "\\" in path or "\n" in path:  # sha256sum's escaped form
            lines.append("\\" + digest + "  " + path.replace("\\", "\\\\").replace("\n", "\\n"))
        else:
            lines.append(f"{digest}  {path}")
    return "\n".join(lines) + "\n"


def _ident(name: str, email: str, moment: datetime) -> str:
    clean = lambda text: "".join(c for c in text if c not in "<>\n")  # noqa: E731
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return f"{clean(name)} <{clean(email)}> {int(moment.timestamp())} {zone}"


def _fi_path(path: str) -> bytes:
    raw = path.encode("utf-8", "surrogateescape")
    if raw.startswith(b'"') or b"\n" in raw:
        return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'"'
    return raw


def _scan(scratch: Path, terms: ForeignTerms) -> list[tuple[str, set[str]]]:
    """Every object of the new repository, searched for other debtors' data."""
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "-z", "main"], cwd=scratch, capture_output=True, check=True
    ).stdout.split(b"\x00")
    name_of = {}
    for entry in listing:
        if entry:
            info, _, path = entry.partition(b"\t")
            name_of[info.split()[2].decode()] = path.decode("utf-8", "surrogateescape")
    out = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=scratch, capture_output=True,
        check=True,
    ).stdout
    found: list[tuple[str, set[str]]] = []
    i = 0
    while i < len(out):
        end = out.index(b"\n", i)
        sha, kind, size = out[i:end].decode().split()
        data = out[end + 1 : end + 1 + int(size)]
        i = end + 2 + int(size)
        text = data.decode("utf-8", "replace") if kind != "tree" else _tree_names(data)
        hits = terms.find(text)
        if hits:
            where = name_of.get(sha, f"{kind} {sha[:12]}")
            found.append((where, hits))
    return sorted(found)


def _tree_names(data: bytes) -> str:
    names = []
    i = 0
    while i < len(data):
        space = data.index(b" ", i)
        nul = data.index(b"\x00", space)
        names.append(data[space + 1 : nul].decode("utf-8", "replace"))
        i = nul + 21
    return "\n".join(names)


#: Folders of the book a bundle must never be written into (it would become part of them).
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


# -- the dossier pages --------------------------------------------------------------------

LABELS = {
    "en": {
        "ev_invoice": "invoice {number} issued", "ev_payment": "payment", "ev_note": "note",
        "ev_with": "with", "ev_promise": "promise to pay on", "ev_dispute": "dispute of invoice",
        "ev_resolved": "dispute resolved for", "ev_plan": "payment plan", "ev_completes": "completes",
        "ev_deadline": "deadline", "ev_action": "action",
        "claim": "Claim", "against": "against", "as_of": "as of", "creditor": "Creditor",
        "debtor": "Debtor", "invoices": "Open invoices", "number": "Invoice", "due": "Due",
        "amount": "Amount", "paid": "Paid", "open": "Open", "late": "Days late",
        "interest": "Interest", "compensation": "Compensation", "periods": "Interest periods",
        "from": "From", "to": "To", "days": "Days", "rate": "Rate", "base": "Base",
        "costs": "Costs", "basis": "Basis", "principal": "Principal", "total": "Total",
        "warnings": "Remarks", "timeline": "Timeline", "events": "Events",
        "history": "History (git)", "date": "Date", "event": "Event", "author": "Author",
        "message": "Message", "original": "Original commit",
    },
    "nl": {
        "ev_invoice": "factuur {number} uitgereikt", "ev_payment": "betaling", "ev_note": "notitie",
        "ev_with": "met", "ev_promise": "belofte te betalen op", "ev_dispute": "betwisting van factuur",
        "ev_resolved": "betwisting opgelost voor", "ev_plan": "afbetalingsplan",
        "ev_completes": "rondt af", "ev_deadline": "termijn", "ev_action": "actie",
        "claim": "Vordering", "against": "tegen", "as_of": "op", "creditor": "Schuldeiser",
        "debtor": "Schuldenaar", "invoices": "Openstaande facturen", "number": "Factuur",
        "due": "Vervaldag", "amount": "Bedrag", "paid": "Betaald", "open": "Open",
        "late": "Dagen te laat", "interest": "Interest", "compensation": "Schadevergoeding",
        "periods": "Interestperiodes", "from": "Van", "to": "Tot", "days": "Dagen",
        "rate": "Rentevoet", "base": "Basis", "costs": "Kosten", "basis": "Grondslag",
        "principal": "Hoofdsom", "total": "Totaal", "warnings": "Opmerkingen",
        "timeline": "Tijdlijn", "events": "Gebeurtenissen", "history": "Geschiedenis (git)",
        "date": "Datum", "event": "Gebeurtenis", "author": "Auteur", "message": "Bericht",
        "original": "Oorspronkelijke commit",
    },
    "fr": {
        "ev_invoice": "facture {number} émise", "ev_payment": "paiement", "ev_note": "note",
        "ev_with": "avec", "ev_promise": "promesse de payer le", "ev_dispute": "contestation de la facture",
        "ev_resolved": "contestation résolue pour", "ev_plan": "plan de paiement",
        "ev_completes": "clôture", "ev_deadline": "délai", "ev_action": "action",
        "claim": "Créance", "against": "contre", "as_of": "au", "creditor": "Créancier",
        "debtor": "Débiteur", "invoices": "Factures ouvertes", "number": "Facture",
        "due": "Échéance", "amount": "Montant", "paid": "Payé", "open": "Ouvert",
        "late": "Jours de retard", "interest": "Intérêts", "compensation": "Indemnité",
        "periods": "Périodes d'intérêts", "from": "Du", "to": "Au", "days": "Jours",
        "rate": "Taux", "base": "Base", "costs": "Frais", "basis": "Fondement",
        "principal": "Principal", "total": "Total", "warnings": "Remarques",
        "timeline": "Chronologie", "events": "Événements", "history": "Historique (git)",
        "date": "Date", "event": "Événement", "author": "Auteur", "message": "Message",
        "original": "Commit d'origine",
    },
}

_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}"
    "th,td{border-bottom:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".parties{display:flex;gap:4em}.total td{font-weight:bold;border-top:2px solid #111}"
    "@media print{body{margin:0}}"
)


def claim_html(book: Book, case: Case, claim: dict[str, Any]) -> str:
    """A readable, self-contained page of the claim (no script, no external resource)."""
    from html import escape as e

    t = LABELS.get(book.language_of(case), LABELS["en"])
    cur = claim.get("currency", "")
    creditor = book.settings.creditor

    def party(title: str, name: str, lines: Iterable[str]) -> str:
        rows = "".join(f"<br>{e(line)}" for line in lines if line)
        return f"<div><h2>{e(title)}</h2><p><strong>{e(name)}</strong>{rows}</p></div>"

    def table(headers: list[tuple[str, bool]], rows: list[list[str]]) -> str:
        head = "".join(f'<th class="n">{e(h)}</th>' if n else f"<th>{e(h)}</th>" for h, n in headers)
        body = "".join(
            "<tr>" + "".join(
                f'<td class="n">{e(str(v))}</td>' if n else f"<td>{e(str(v))}</td>"
                for v, (_, n) in zip(row, headers)
            ) + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    parts = [
        "<!doctype html>",
        f'<html lang="{e(book.language_of(case))}"><head><meta charset="utf-8">',
        f"<title>{e(t['claim'])} {e(case.name)} {e(claim['as_of'])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{e(t['claim'])} {e(t['against'])} {e(case.name)} {e(t['as_of'])} {e(claim['as_of'])}</h1>",
        '<div class="parties">',
        party(t["creditor"], creditor.name,
              [*creditor.address.lines(), creditor.vat, creditor.iban, creditor.email]),
        party(t["debtor"], case.name, [*case.address.lines(), case.vat, case.email]),
        "</div>",
        f"<h2>{e(t['invoices'])}</h2>",
        table(
            [(t["number"], False), (t["due"], False), (t["amount"], True), (t["paid"], True),
             (t["open"], True), (t["late"], True), (t["interest"], True), (t["compensation"], True)],
            [[i["number"], i["due"], i["amount"], i["paid"], i["open"], i["days_late"],
              i["interest"], i["compensation"]] for i in claim["invoices"]],
        ),
    ]
    if claim.get("periods"):
        parts += [
            f"<h2>{e(t['periods'])}</h2>",
            table(
                [(t["number"], False), (t["from"], False), (t["to"], False), (t["days"], True),
                 (t["rate"], True), (t["base"], True), (t["amount"], True)],
                [[p["invoice"], p["start"], p["end"], p["days"], p["rate"], p["base"], p["amount"]]
                 for p in claim["periods"]],
            ),
        ]
    if claim.get("cost_lines"):
        parts += [
            f"<h2>{e(t['costs'])}</h2>",
            table([(t["costs"], False), (t["basis"], False), (t["amount"], True)],
                  [[c["label"], c["basis"], c["amount"]] for c in claim["cost_lines"]]),
        ]
    parts += [
        "<table>",
        *(f'<tr><td>{e(t[k])}</td><td class="n">{e(claim[k])} {e(cur)}</td></tr>'
          for k in ("principal", "interest", "costs")),
        f'<tr class="total"><td>{e(t["total"])}</td><td class="n">{e(claim["total"])} {e(cur)}</td></tr>',
        "</table>",
    ]
    if claim.get("warnings"):
        parts.append(f"<h2>{e(t['warnings'])}</h2><ul>"
                     + "".join(f"<li>{e(w)}</li>" for w in claim["warnings"]) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def timeline_markdown(
    book: Book, case: Case, history: list[dict[str, str]], *, today: date, head: str
) -> str:
    """The case's events (from its files) and its history (from git), oldest first."""
    t = LABELS.get(book.language_of(case), LABELS["en"])
    cur = book.settings.currency

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    events: list[tuple[str, str, str]] = []
    for i in case.invoices:
        events.append((i.issued.isoformat(), t["ev_invoice"].format(number=i.number),
                       f"{i.amount:.2f} {cur}, {t['due'].lower()} {i.due.isoformat()}"))
    for p in case.payments:
        events.append((p.date.isoformat(), t["ev_payment"],
                       f"{p.amount:.2f} {cur}" + (f" ({p.invoice})" if p.invoice else "")))
    for n in case.notes:
        what = [n.channel] + [x for x in (
            n.with_ and f"{t['ev_with']} {n.with_}",
            n.promise and f"{t['ev_promise']} {n.promise.date.isoformat()}",
            n.dispute and f"{t['ev_dispute']} {n.dispute.invoice}",
            n.resolved and f"{t['ev_resolved']} {n.resolved}",
            n.plan and f"{t['ev_plan']} ({len(n.plan.installments)})",
            n.completes and f"{t['ev_completes']} {n.completes}",
        ) if x]
        events.append((n.date.isoformat(), f"{t['ev_note']} ({n.id})", ", ".join(what)))
    for a in case.actions:
        details = [a.channel, f"{t['total'].lower()} {a.total:.2f} {cur}"]
        if a.deadline:
            details.append(f"{t['ev_deadline']} {a.deadline.isoformat()}")
        if a.files:
            details.append(", ".join(a.files))
        events.append((a.date.isoformat(), f"{t['ev_action']}: {a.stage or a.kind}",
                       ", ".join(d for d in details if d)))
    lines = [
        f"# {t['timeline']}: {case.name} ({case.id})",
        "",
        f"{book.settings.creditor.name}, {today.isoformat()}; book commit `{head}`.",
        "",
        f"## {t['events']}",
        "",
        f"| {t['date']} | {t['event']} | |",
        "|---|---|---|",
        *(f"| {d} | {cell(what)} | {cell(details)} |" for d, what, details in sorted(events)),
        "",
        f"## {t['history']}",
        "",
        f"| {t['date']} | {t['author']} | {t['message']} | {t['original']} |",
        "|---|---|---|---|",
        *(f"| {r['date']} | {cell(r['author'])} | {cell(r['subject'])} | `{r['original'][:12]}` |"
          for r in history),
        "",
    ]
    return "\n".join(lines)
