"""Building the bundle file: a fresh repository filled by `git fast-import`, then bundled.

The rewritten commits (`casebook.export.rewrite`) and the dossier commit are streamed into a
new bare repository, and `git bundle create` writes it to a temporary file that replaces
the target only once complete. Apart from deciding what goes in because this is the only
part that runs git processes and writes outside the book; where the bundle may be written
(never inside the book's own folders) is checked here too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path

from casebook.book.errors import BookError
from casebook.book.model import Operator
from casebook.export.contents import _Objects
from casebook.export.dossier import manifest_text
from casebook.export.rewrite import _Step
from casebook.record.gitpack import blob_id, git_time


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
    clean = lambda text: "".join(c for c in text if c not in "<>\n")
    return f"{clean(name)} <{clean(email)}> {git_time(moment)}"


def _fi_path(path: str) -> bytes:
    raw = path.encode("utf-8", "surrogateescape")
    if raw.startswith(b'"') or b"\n" in raw:
        return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'"'
    return raw


_BOOK_FOLDERS = frozenset({".git", "cases", "policies", "imports", "rates", "site_templates"})


#: Where bundles go unless `--out` says otherwise: inside the book, so they are easy to find,
#: but ignored by git (a bundle is a copy of history, never part of it).
EXPORTS = "exports"


def default_target(root: Path, case_id: str, today: date) -> Path:
    return root / EXPORTS / f"{case_id}-{today.isoformat()}.bundle"


def ignore_exports(root: Path) -> None:
    """Make git ignore `exports/` in this clone when nothing ignores it yet: through
    `.git/info/exclude`, which is no file of the book, so no commit and no merge."""
    probe = subprocess.run(["git", "check-ignore", "-q", f"{EXPORTS}/x.bundle"], cwd=root,
                           capture_output=True, check=False)
    if probe.returncode == 0:
        return
    exclude = root / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    text = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
    with exclude.open("a", encoding="utf-8") as out:
        out.write(("" if not text or text.endswith("\n") else "\n")
                  + f"# agency bundles written by `casebook export`\n/{EXPORTS}/\n")


def _check_target(root: Path, out: Path | None) -> None:
    target = (Path(out) if out is not None else root / EXPORTS / "x.bundle").resolve()
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
            check=False,  # the error is reported below, with git's own words
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
