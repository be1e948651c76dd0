"""A bundle that arrives: verified, opened in a scratch repository and inspected before
anything of it touches the book.

`casebook receive` takes two kinds of bundle, both one line of history about one case:

- a *handover* (`casebook export` on the creditor's side): every commit holds only
  `cases/<id>/...`, the last one also the dossier at the top (`claim.json`, ...);
- a bundle *back* (`casebook export --back` on the agency's side): every commit holds only
  `cases/<id>/payments/...` and `cases/<id>/notes/...`.

`open_bundle` runs `git bundle verify`, fetches the bundle into a new bare repository (with
`fetch.fsckObjects`), and reads every path and mode of every commit: a bundle with anything
else (another case, other files, links, submodules, merges) is refused here, so that the
book never receives an object of it. Apart from `receive` and `syncback` because both
directions rely on these same checks.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from casebook.book.errors import BookError, Problem
from casebook.book.schema import SLUG_RE
from casebook.export.dossier import DOSSIER

HANDOVER, BACK = "handover", "back"
BACK_FOLDERS = ("payments", "notes")
"""What goes back from the agency to the creditor: its payments and notes, nothing else."""


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, data: bytes | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    """Run git in `cwd`; with `check`, a failure is a `BookError` in git's own words."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, input=data, capture_output=True, check=False,
        env={**os.environ, **env} if env else None,
    )
    if check and result.returncode != 0:
        words = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
        raise BookError(f"git {args[0]} failed: {words}")
    return result


def out(cwd: Path, *args: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return git(cwd, *args, **kwargs).stdout.decode("utf-8", "surrogateescape").strip()


@dataclass(frozen=True, slots=True)
class Incoming:
    scratch: Path
    """The bare repository holding the bundle's objects, and nothing else."""
    bundle: Path
    sha256: str
    tip: str
    kind: str
    """`HANDOVER` or `BACK`."""
    case_id: str
    """The case folder's name in the bundle."""
    commits: tuple[str, ...]
    """Oldest first."""
    top: dict[str, str]
    """Files at the top of the tip (the dossier): name -> blob id."""


def open_bundle(bundle: Path, scratch: Path) -> Incoming:
    """Verify and open `bundle` in the new repository `scratch`; `BookError` when it is not a
    sound casebook bundle of one case."""
    bundle = Path(bundle).resolve()
    if not bundle.is_file():
        raise BookError(f"no bundle at {bundle}")
    git(scratch.parent, "init", "-q", "--bare", str(scratch))
    verified = git(scratch, "bundle", "verify", "-q", str(bundle), check=False)
    if verified.returncode != 0:
        words = verified.stderr.decode("utf-8", "replace").strip()
        raise BookError(f"{bundle.name} is not a sound git bundle (git bundle verify: {words}); "
                        "nothing was received")
    heads = out(scratch, "bundle", "list-heads", str(bundle)).splitlines()
    if not any(line.endswith(" refs/heads/main") for line in heads):
        raise BookError(f"{bundle.name} has no branch main: not a casebook bundle; nothing was received")
    # `bundle verify` reads the header only: the pack itself is checked while it is fetched.
    fetched = git(scratch, "-c", "fetch.fsckObjects=true", "fetch", "-q", "--no-tags", str(bundle),
                  "+refs/heads/main:refs/heads/main", check=False)
    if fetched.returncode != 0:
        words = fetched.stderr.decode("utf-8", "replace").strip().replace("\n", "; ")
        raise BookError(f"{bundle.name} is not a sound git bundle (git bundle verify passed, "
                        f"but reading its objects failed: {words}); nothing was received")
    tip = out(scratch, "rev-parse", "--verify", "main^{commit}")
    if out(scratch, "rev-list", "--merges", "main"):
        raise BookError(f"{bundle.name} holds merges: a casebook bundle is one line of history; "
                        "nothing was received")
    commits = tuple(out(scratch, "rev-list", "--reverse", "main").split())
    paths = _paths(scratch)
    top = {p: "" for p in paths if "/" not in p}
    kind = HANDOVER if "claim.json" in top else BACK
    case_id = _case_of(bundle, paths, kind)
    listing = out(scratch, "ls-tree", "-z", "main").split("\x00")
    top = {}
    for entry in filter(None, listing):
        info, _, name = entry.partition("\t")
        if name != "cases":
            top[name] = info.split()[2]
    return Incoming(scratch, bundle, _sha256(bundle), tip, kind, case_id, commits, top)


def _paths(scratch: Path) -> dict[str, str]:
    """Every path any commit of `main` wrote (path -> its mode); links and submodules
    refused."""
    raw = git(scratch, "log", "--format=", "--raw", "--no-renames", "--root", "-z", "main").stdout
    fields = raw.split(b"\x00")
    paths: dict[str, str] = {}
    bad: list[Problem] = []
    i = 0
    while i < len(fields):
        header = fields[i].strip(b"\n")
        i += 1
        if not header.startswith(b":"):
            continue
        path = fields[i].decode("utf-8", "surrogateescape")
        i += 1
        mode = header.split()[1].decode()
        if mode in ("120000", "160000"):
            bad.append(Problem(path, 1, "a symbolic link or submodule: never received"))
        if mode != "000000":
            paths[path] = mode
    if bad:
        raise BookError("the bundle holds links; nothing was received", bad)
    return paths


def _case_of(bundle: Path, paths: dict[str, str], kind: str) -> str:
    ids = {p.split("/")[1] for p in paths if p.startswith("cases/") and p.count("/") >= 2}
    if len(ids) != 1:
        raise BookError(f"{bundle.name} holds {len(ids)} case folders, not one: not a casebook "
                        "bundle of one case; nothing was received")
    case_id = ids.pop()
    if not SLUG_RE.match(case_id):
        raise BookError(f"{bundle.name}: case folder {case_id!r} is not a safe case id")
    allowed = set(DOSSIER) if kind == HANDOVER else set()
    inside = (f"cases/{case_id}/",) if kind == HANDOVER else tuple(
        f"cases/{case_id}/{sub}/" for sub in BACK_FOLDERS)
    stray = sorted(p for p in paths if p not in allowed and not p.startswith(inside))
    if stray:
        what = ("the case folder and the dossier" if kind == HANDOVER
                else f"cases/{case_id}/payments/ and notes/")
        raise BookError(f"{bundle.name} holds files outside {what}; nothing was received",
                        [Problem(p, 1, "not part of a casebook bundle") for p in stray[:20]])
    return case_id


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_manifest(incoming: Incoming) -> None:
    """`MANIFEST.sha256` of a handover's tip against the files it lists (the whole tip)."""
    scratch, tip = incoming.scratch, incoming.tip
    if "MANIFEST.sha256" not in incoming.top:
        raise BookError(f"{incoming.bundle.name} has no MANIFEST.sha256; nothing was received")
    manifest = git(scratch, "cat-file", "blob", incoming.top["MANIFEST.sha256"]).stdout.decode()
    listing = git(scratch, "ls-tree", "-r", "-z", tip).stdout.split(b"\x00")
    blobs = {}
    for entry in filter(None, listing):
        info, _, name = entry.partition(b"\t")
        blobs[name.decode("utf-8", "surrogateescape")] = info.split()[2].decode()
    listed = {}
    for line in manifest.splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    wrong = sorted(set(blobs) - {"MANIFEST.sha256"} ^ set(listed))
    for name, digest in listed.items():
        if name in blobs:
            data = git(scratch, "cat-file", "blob", blobs[name]).stdout
            if hashlib.sha256(data).hexdigest() != digest:
                wrong.append(name)
    if wrong:
        raise BookError(f"{incoming.bundle.name}: MANIFEST.sha256 does not match the files; "
                        "nothing was received", [Problem(n, 1, "not as the manifest says")
                                                 for n in sorted(set(wrong))[:20]])
