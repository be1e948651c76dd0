"""An office of small real books in a temporary folder, for the office tests.

Five books, each a git repository written with `tests.conftest.write_files`:

- `acme`   a folder (`path:`) with a bare remote it pushes to;
- `beta`, `gamma`  named by `url:` (a bare repository), cloned into `books/` on first use;
- `broken` a folder whose casebook.yaml has a problem (`casebook check` fails on it);
- `refused` a folder whose remote refuses every push (a pre-receive hook that exits 1).

Every case has one invoice due on DUE, so on TODAY the first reminder is due for each.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from casebook.cli import main
from tests.conftest import POLICY, SETTINGS, git, write_files

DUE = date(2026, 10, 1)
TODAY = date(2026, 10, 12)
#: name -> (how the office names it, number of debtors)
BOOKS = {"acme": ("path", 2), "beta": ("url", 3), "gamma": ("url", 1),
         "broken": ("path", 2), "refused": ("path", 2)}


def _book(root: Path, name: str, debtors: int) -> None:
    files: dict[str, str] = {
        "casebook.yaml": SETTINGS.replace("Studio Noord BV", f"{name.title()} BV"),
        "policies/standard.yaml": POLICY,
    }
    for n in range(debtors):
        case = f"{name}-klant-{n}"
        files[f"cases/{case}/debtor.yaml"] = (
            f"name: Klant {n} van {name}\nsegment: standard\nemail: klant{n}@example.com\n")
        files[f"cases/{case}/invoices/{name}-{n}.yaml"] = (
            f"number: {name.upper()}-{n:04d}\nissued: 2026-09-01\ndue: {DUE.isoformat()}\n"
            f"amount: \"{100 * (n + 1) + 21}.50\"\n")
    if name == "broken":
        files["casebook.yaml"] = files["casebook.yaml"].replace("jurisdiction: BE",
                                                                "jurisdiction: XX")
    write_files(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"book {name}")


def _bare(path: Path, source: Path, *, refuse: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    git(path.parent, "init", "-q", "--bare", "-b", "main", str(path))
    git(source, "push", "-q", str(path), "main")
    if refuse:  # after the first push: from now on, every push is refused
        hook = path / "hooks" / "pre-receive"
        hook.write_text("#!/bin/sh\necho 'pushes are closed for the audit' >&2\nexit 1\n")
        hook.chmod(0o755)
    return path


def make_office(base: Path) -> Path:
    """The office folder (`base/office`); the books and remotes sit beside it."""
    office = base / "office"
    office.mkdir(parents=True)
    lines = ["language: en", "books:"]
    for name, (kind, debtors) in BOOKS.items():
        root = base / name if kind == "path" else base / "seed" / name
        root.parent.mkdir(parents=True, exist_ok=True)
        _book(root, name, debtors)
        remote = _bare(base / "remotes" / f"{name}.git", root, refuse=name == "refused")
        if kind == "path":
            git(root, "remote", "add", "origin", str(remote))
            git(root, "fetch", "-q", "origin")
            git(root, "branch", "-q", "--set-upstream-to=origin/main")
            lines.append(f"  - {{name: {name}, path: ../{name}}}")
        else:
            lines.append(f"  - name: {name}\n    url: {remote.as_uri()}")
    (office / "office.yaml").write_text("\n".join(lines) + "\n")
    return office


def book_root(office: Path, name: str) -> Path:
    kind = BOOKS[name][0]
    return office / "books" / name if kind == "url" else office.parent / name


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def status_json(root: Path, today: date = TODAY) -> dict:
    code, out, err = run("status", "--json", "--today", today.isoformat(), "--book", str(root))
    assert code == 0, err
    return json.loads(out)


def state(root: Path) -> tuple[str, str]:
    """HEAD and the working tree's changes (git status), to see that nothing moved."""
    return git(root, "rev-parse", "HEAD").strip(), git(root, "status", "--porcelain",
                                                         "--untracked-files=all")


os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")
