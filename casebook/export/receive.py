"""`casebook receive`: the agency takes a handed-over case into its own book, history and all.

An agency's book holds the cases of many creditors. A handover bundle (`casebook export`)
holds one line of history: the creditor's commits of `cases/<id>/` (each naming its original
in `Casebook-Original-Commit`), the last one adding the dossier at the top. Receiving it:

1. `open_bundle` verifies and inspects it in a scratch repository (`incoming`); the
   dossier's MANIFEST.sha256 must match; `creditor.yaml` must be a valid creditor file;
2. refused, with nothing changed, when the case id is already in the book from another
   creditor (or is one of the agency's own cases), or the case folder has uncommitted
   changes;
3. the bundle's commits are fetched into the book and joined by one merge commit (parents:
   the book's HEAD, the bundle's tip) whose tree is the book's with `cases/<id>/` set to the
   case as received: the bundle's case folder, its dossier in `cases/<id>/dossier/` and the
   creditor's settings in `cases/<id>/creditor.yaml` (a subtree-style merge: git never sees
   a file deleted or moved, so `casebook verify` stays clean);
4. a later handover of the same case (new invoices) is merged three-way against what was
   received last time: the creditor's new files arrive, the new dossier replaces the old,
   the agency's own payments, notes and actions stay; every commit the two bundles share
   keeps its id, so the history simply continues.

Every original commit id stays reachable in the agency's book and can be proven against
the creditor's book (`git rev-parse <commit>:cases/<id>` gives the same tree in both).
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from casebook.book.creditors import CREDITOR_FILE, CaseCreditor
from casebook.book.errors import BookError, Problem
from casebook.book.model import Creditor, Operator
from casebook.book.records import read_file
from casebook.book.schema import SLUG_RE
from casebook.export.incoming import HANDOVER, Incoming, check_manifest, git, open_bundle, out
from casebook.record.gitobjects import git_time
from casebook.record.gitstore import Store

DOSSIER_FOLDER = "dossier"
RECEIVED = "Casebook-Received"
"""Trailer of the merge commit: the case id in the agency's book."""
RECEIVED_TIP = "Casebook-Received-Tip"
CREDITOR_CASE = "Casebook-Creditor-Case"
"""Trailer of the merge commit: the case id in the creditor's book (differs with `--as`)."""


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    case_id: str
    kind: str
    """`handover` (a case received from a creditor) or `back` (payments and notes back from
    the agency)."""
    commit: str | None
    """The merge commit made in the book (None when there was nothing to do)."""
    new_commits: int
    """Commits of the bundle the book did not hold yet."""
    creditor: str = ""
    again: bool = False
    """A later handover of a case received before."""
    already: bool = False
    files: tuple[str, ...] = ()
    """Files the merge added or changed in the book."""


def receive_bundle(root: Path, bundle: Path, *, when: datetime, as_id: str | None = None,
                   store: Store | None = None, received_on: date | None = None) -> ReceiveResult:
    """Take `bundle` into the book at `root`: a handover from a creditor, or (recognised by
    its content) the agency's payments and notes of a case back (`syncback`)."""
    from casebook.book.load import load_book

    root = Path(root).resolve()
    if as_id is not None and not SLUG_RE.match(as_id):
        raise BookError(f"--as {as_id!r} is not a case id (a-z, 0-9 and dashes)")
    held = store is not None and store._locked
    store = store or Store(root)
    with contextlib.nullcontext() if held else store.lock(), \
            tempfile.TemporaryDirectory(prefix="casebook-receive-") as tmp:
        store.recover()
        store.check_writable()
        if store.head() is None:
            raise BookError("the book has no commits yet: commit its settings first")
        incoming = open_bundle(bundle, Path(tmp) / "bundle.git")
        book, _ = load_book(root)
        if incoming.kind != HANDOVER:
            from casebook.export.takeback import receive_back

            return receive_back(store, book, incoming, when=when, as_id=as_id)
        return _receive_handover(store, book, incoming, when=when, target=as_id or incoming.case_id,
                                 received_on=received_on or when.date())


def _receive_handover(store: Store, book, incoming: Incoming, *, when: datetime,  # type: ignore[no-untyped-def]
                      target: str, received_on: date) -> ReceiveResult:
    root = store.root
    check_manifest(incoming)
    creditor = _creditor_of(incoming, target)
    folder = f"cases/{target}"
    existing = book.cases.get(target)
    if existing is None and (root / folder).exists():
        raise BookError(f"{folder} exists in the book but is no case (see `casebook check`); "
                        "nothing was received")
    if existing is not None:
        if existing.creditor is None:
            raise BookError(f"case {target} is already in the book as one of its own cases; "
                            f"receive it under another id (--as NEW-ID); nothing was received")
        if not same_creditor(existing.creditor.creditor, creditor.creditor):
            raise BookError(
                f"case {target} is already in the book from another creditor "
                f"({existing.creditor.creditor.name}, not {creditor.creditor.name}); receive it "
                "under another id (--as NEW-ID); nothing was received")
    dirty = sorted(store.dirty_paths(folder))
    if dirty:
        raise BookError(f"{folder} has uncommitted changes; commit or undo them before receiving",
                        [Problem(p, 1, "uncommitted change") for p in dirty])
    head = store.head()
    assert head is not None
    previous = last_received(root, target) if existing is not None else None
    if existing is not None and previous is None:
        raise BookError(f"case {target} is in the book but was never received with `casebook "
                        "receive`; receive it under another id (--as NEW-ID); nothing was received")
    if previous is not None and store_has(root, incoming.tip) and store.is_ancestor(incoming.tip, head):
        return ReceiveResult(target, HANDOVER, None, 0, creditor.creditor.name, again=True, already=True)
    git(root, "fetch", "-q", "--no-tags", str(incoming.scratch), "main")
    new = len(out(root, "rev-list", incoming.tip, "--not", head).split())
    # The first day of the agency's own work on the case, kept through later handovers.
    received = (existing.creditor.received if existing is not None and existing.creditor
                and existing.creditor.received else received_on)
    theirs = arranged(root, incoming.tip, incoming.case_id, received=received)
    if previous is None:
        merged = theirs
    else:
        base = arranged(root, previous[0], previous[1], received=received)
        merged = merge_subtrees(root, base, out(root, "rev-parse", f"HEAD:{folder}"), theirs, folder)
    operator = book.settings.operator
    message = _message(incoming, target, creditor.creditor.name, again=previous is not None)
    commit = commit_case_tree(store, folder, merged, [head, incoming.tip], message, operator, when)
    files = tuple(out(root, "diff", "--name-only", "--no-renames", head, commit).splitlines())
    fast_forward(store, commit, head)
    return ReceiveResult(target, HANDOVER, commit, new, creditor.creditor.name,
                         again=previous is not None, files=files)


def _creditor_of(incoming: Incoming, target: str) -> CaseCreditor:
    blob = incoming.top.get(CREDITOR_FILE)
    if blob is None:
        raise BookError(f"{incoming.bundle.name} carries no {CREDITOR_FILE} (made by an older "
                        "casebook?): an agency's book needs the creditor's settings with the "
                        "case; ask for a new export; nothing was received")
    raw = git(incoming.scratch, "cat-file", "blob", blob).stdout
    record, problems = read_file("creditor", f"cases/{target}/{CREDITOR_FILE}", raw, target)
    if problems or record is None:
        raise BookError(f"the bundle's {CREDITOR_FILE} is not valid; nothing was received",
                        problems or [Problem(CREDITOR_FILE, 1, "no creditor")])
    return record


def same_creditor(a: Creditor, b: Creditor) -> bool:
    """The same business: by VAT number when both have one, else by name."""
    def norm(text: str) -> str:
        return "".join(ch for ch in text.upper() if ch.isalnum())

    if a.vat and b.vat:
        return norm(a.vat) == norm(b.vat)
    return norm(a.name) == norm(b.name)


def store_has(root: Path, sha: str) -> bool:
    return git(root, "cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0


def last_received(root: Path, case_id: str) -> tuple[str, str] | None:
    """(tip, case folder name in it) of the last handover of `case_id` merged into HEAD."""
    tips = received_tips(root, case_id)
    return (tips[0][1], tips[0][2]) if tips else None


def received_tips(root: Path, case_id: str) -> list[tuple[str, str, str]]:
    """(merge commit, bundle tip, creditor's case id) of every handover of `case_id` merged
    into HEAD, newest first."""
    log = out(root, "log", "--format=%x00%H%x00%B", "HEAD", "--",
              f"cases/{case_id}/{CREDITOR_FILE}", f"cases/{case_id}/{DOSSIER_FOLDER}/")
    tips = []
    for sha, body in _commits(log):
        trailers = dict(_trailer_lines(body))
        if trailers.get(RECEIVED) == case_id and RECEIVED_TIP in trailers:
            tips.append((sha, trailers[RECEIVED_TIP], trailers.get(CREDITOR_CASE, case_id)))
    return tips


def _with_received(root: Path, blob: str, received: date) -> str:
    """The creditor's `creditor.yaml` with the day of reception added (a new blob)."""
    text = git(root, "cat-file", "blob", blob).stdout
    if b"\nreceived:" in b"\n" + text:
        return blob
    text = text + (b"" if text.endswith(b"\n") or not text else b"\n")
    text += f"received: {received.isoformat()}\n".encode()
    return out(root, "hash-object", "-w", "--stdin", data=text)


def _commits(log: str) -> list[tuple[str, str]]:
    parts = log.split("\x00")
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def _trailer_lines(body: str) -> list[tuple[str, str]]:
    last = body.strip("\n").rsplit("\n\n", 1)[-1]
    pairs = []
    for line in last.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            pairs.append((key.strip(), value.strip()))
    return pairs


def arranged(root: Path, tip: str, case_id: str, *, received: date) -> str:
    """The tree of the case as received from `tip`: its case folder, the dossier files in
    `dossier/`, `creditor.yaml` at the top of the folder, saying since when the agency
    works the case (`received:`)."""
    listing = out(root, "ls-tree", "-z", tip).split("\x00")
    entries = out(root, "ls-tree", "-z", f"{tip}:cases/{case_id}").split("\x00")
    rows = [e for e in entries if e]
    names = {e.partition("\t")[2] for e in rows}
    dossier = []
    for entry in filter(None, listing):
        info, _, name = entry.partition("\t")
        if name == "cases":
            continue
        if name == CREDITOR_FILE:
            if CREDITOR_FILE in names:
                raise BookError(f"the case folder already holds a {CREDITOR_FILE}; nothing was received")
            mode, kind, blob = info.split()
            rows.append(f"{mode} {kind} {_with_received(root, blob, received)}\t{name}")
        else:
            dossier.append(f"{info}\t{name}")
    if dossier:
        if DOSSIER_FOLDER in names:
            raise BookError(f"the case folder already holds a {DOSSIER_FOLDER}/; nothing was received")
        sub = _mktree(root, dossier)
        rows.append(f"040000 tree {sub}\t{DOSSIER_FOLDER}")
    return _mktree(root, rows)


def _mktree(root: Path, rows: list[str]) -> str:
    data = "".join(f"{row}\x00" for row in rows).encode("utf-8", "surrogateescape")
    return out(root, "mktree", "-z", data=data)


def merge_subtrees(root: Path, base: str, ours: str, theirs: str, folder: str) -> str:
    """Three-way merge of three trees of one case folder (git's own merge, on throw-away
    commits); `BookError` listing the files when both sides changed the same lines."""
    env = {"GIT_AUTHOR_NAME": "casebook", "GIT_AUTHOR_EMAIL": "casebook@localhost",
           "GIT_COMMITTER_NAME": "casebook", "GIT_COMMITTER_EMAIL": "casebook@localhost",
           "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z"}
    b = out(root, "commit-tree", base, "-m", "base", env=env)
    o = out(root, "commit-tree", ours, "-p", b, "-m", "ours", env=env)
    t = out(root, "commit-tree", theirs, "-p", b, "-m", "theirs", env=env)
    result = git(root, "merge-tree", "--write-tree", "--name-only", "-z", o, t, check=False)
    fields = result.stdout.decode("utf-8", "surrogateescape").split("\x00")
    if result.returncode != 0:
        conflicts = sorted({f for f in fields[1:] if f and "\n" not in f})
        raise BookError(f"{folder}: the agency's changes and the creditor's new ones touch the "
                        "same lines; nothing was received",
                        [Problem(f"{folder}/{c}", 1, "changed on both sides") for c in conflicts[:20]])
    return fields[0].strip()


def commit_case_tree(store: Store, folder: str, subtree: str, parents: list[str], message: str,
                     operator: Operator, when: datetime) -> str:
    """A commit whose tree is HEAD's with `folder` set to `subtree`."""
    root = store.root
    head = parents[0]
    has_cases = git(root, "cat-file", "-e", f"{head}:cases", check=False).returncode == 0
    listing = out(root, "ls-tree", "-z", f"{head}:cases").split("\x00") if has_cases else []
    cases = {e.partition("\t")[2]: e for e in listing if e}
    cases[folder.split("/", 1)[1]] = f"040000 tree {subtree}\t{folder.split('/', 1)[1]}"
    top = {e.partition("\t")[2]: e for e in out(root, "ls-tree", "-z", head).split("\x00") if e}
    top["cases"] = f"040000 tree {_mktree(root, list(cases.values()))}\tcases"
    tree = _mktree(root, list(top.values()))
    stamp = git_time(when)
    env = {"GIT_AUTHOR_NAME": operator.name, "GIT_AUTHOR_EMAIL": operator.email,
           "GIT_COMMITTER_NAME": operator.name, "GIT_COMMITTER_EMAIL": operator.email,
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    return out(root, *args, "-F", "-", env=env, data=message.encode("utf-8"))


def fast_forward(store: Store, commit: str, head: str) -> None:
    """Move the branch, index and working tree to `commit` (HEAD is its first parent): git's
    own fast-forward, which refuses to overwrite any local change."""
    result = git(store.root, "merge", "-q", "--ff-only", "--no-verify", commit, check=False)
    if result.returncode != 0 or store.head() != commit:
        words = result.stderr.decode("utf-8", "replace").strip()
        raise BookError(f"the book could not be moved to the merge commit {commit[:12]}: {words}")


def _message(incoming: Incoming, target: str, creditor: str, *, again: bool) -> str:
    source = ""
    log = out(incoming.scratch, "log", "-1", "--format=%(trailers:key=Casebook-Source-Commit,valueonly)",
              incoming.tip)
    if log:
        source = f"Casebook-Source-Commit: {log.splitlines()[0].strip()}\n"
    what = "New handover of" if again else "Received"
    return (
        f"{target}: {what} the case from {creditor}\n\n"
        f"Merges the bundle {incoming.bundle.name} (sha256 {incoming.sha256}): the creditor's\n"
        f"commits of cases/{incoming.case_id}/, each with its own id and naming the creditor's\n"
        f"original commit; the dossier in cases/{target}/{DOSSIER_FOLDER}/ and the creditor's\n"
        f"settings in cases/{target}/{CREDITOR_FILE}.\n\n"
        f"{RECEIVED}: {target}\n"
        f"{RECEIVED_TIP}: {incoming.tip}\n"
        f"{CREDITOR_CASE}: {incoming.case_id}\n"
        f"{source}"
    )
