"""Books in awkward git states: every writing command says what is wrong (exit 1,
`Error: ...`) and changes nothing, or works as documented.

The states: no git repository yet, a repository without a commit, a detached HEAD, a merge
(and a rebase) in progress, a remote that rejects the push, and no git identity at all
(`user.name` missing and git told not to guess it).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main

from ..conftest import git

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"

EXTRA = {
    "cases/janssens/debtor.yaml": "name: Bakkerij Janssens BV\nsegment: standard\n"
                                  "email: info@janssens.be\nvat: BE0477472701\n",
    "policies/reliable.yaml": (
        "description: Light.\nstages:\n"
        "  - {id: reminder, after_due: 7, channel: email, template: reminder}\n"),
}

# Every command that writes and commits, as a user would type it (the book is added).
WRITERS = {
    "pay": ["pay", "janssens", "100", "--date", "2026-11-20"],
    "note": ["note", "janssens", "-m", "Called.", "--date", "2026-11-20"],
    "promise": ["promise", "janssens", "--date", "2026-12-04", "--today", "2026-11-24"],
    "dispute": ["dispute", "janssens", "--invoice", "2026-0001", "--reason", "Wrong",
                "--today", "2026-11-24"],
    "plan": ["plan", "janssens", "--installment", "2026-12-15:600", "--today", "2026-11-24"],
    "import": ["import", "camt053", str(FIXTURES / "be-camt053-structured.xml")],
    "ubl": ["import", "ubl", str(FIXTURES / "ubl-invoice-known-debtor.xml")],
    "segment": ["segment", "janssens", "reliable", "--today", "2026-11-24"],
    "advance": ["advance", "--today", "2026-11-24"],
    "export": ["export", "janssens", "--today", "2026-11-24", "--out", "OUT"],
}


def run(root: Path, args: list[str], tmp_path: Path) -> tuple[int, str, BaseException | None]:
    args = [str(tmp_path / "janssens.bundle") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(main, [*args, "--book", str(root)])
    error = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, error


def snapshot(root: Path) -> tuple[str, ...]:
    """Everything a refused command must leave as it was."""
    files = sorted(
        (p.relative_to(root).as_posix(), p.read_bytes())
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )
    state = [repr(files)]
    if (root / ".git").exists():
        state += [
            git(root, "status", "--porcelain=v1", "--untracked-files=all"),
            subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=root,
                           capture_output=True, text=True).stdout,
            git(root, "for-each-ref"),
            git(root, "ls-files", "-s"),
        ]
    return tuple(state)


def assert_refused(root: Path, tmp_path: Path, expected: str, names=tuple(WRITERS),
                   bundle_ok: bool = False) -> None:
    for name in names:
        before = snapshot(root)
        code, output, error = run(root, WRITERS[name], tmp_path)
        assert error is None, f"{name}: {error!r}"
        assert code == 1, f"{name}: exit {code}: {output}"
        assert "Error: " in output and expected in output, f"{name}: {output}"
        assert "Traceback" not in output
        assert snapshot(root) == before, f"{name} changed the book"
        if not bundle_ok:
            assert not (tmp_path / "janssens.bundle").exists(), f"{name} wrote a bundle"


def test_a_book_that_is_not_a_git_repository_yet(make_book, tmp_path):
    root = make_book(EXTRA, commit=False)
    assert_refused(root, tmp_path, "is not a git repository: run `git init` there")
    assert not (root / ".git").exists()
    # Reading works without git.
    for args in (["check"], ["status"], ["claim", "janssens", "--today", "2026-11-24", "--json"]):
        code, output, error = run(root, args, tmp_path)
        assert error is None and code == 0, (args, output)


def test_a_detached_head(make_book, tmp_path):
    root = make_book(EXTRA)
    git(root, "checkout", "-q", "--detach")
    assert_refused(root, tmp_path, "HEAD is detached",
                   names=[n for n in WRITERS if n != "export"])
    # An export records the handover, so it needs a branch too.
    assert_refused(root, tmp_path, "HEAD is detached", names=["export"])


def test_a_merge_in_progress(make_book, tmp_path):
    root = make_book(EXTRA)
    git(root, "checkout", "-q", "-b", "other")
    (root / "README.md").write_text("notes\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "readme")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "--no-commit", "other")
    assert (root / ".git" / "MERGE_HEAD").exists()
    assert_refused(root, tmp_path, "a merge is in progress")
    assert (root / ".git" / "MERGE_HEAD").exists()


def test_a_rebase_in_progress(make_book, tmp_path):
    root = make_book(EXTRA)
    (root / ".git" / "rebase-merge").mkdir()
    assert_refused(root, tmp_path, "a rebase is in progress",
                   names=["pay", "import", "segment", "advance"])


def test_a_repository_without_any_commit(make_book, tmp_path):
    root = make_book(EXTRA, commit=False)
    git(root, "init", "-q", "-b", "main")
    code, output, error = run(root, WRITERS["pay"], tmp_path)
    assert error is None and code == 0, output
    # The payment is the first commit; the rest of the book stays the user's to commit.
    assert git(root, "log", "--format=%s").strip() == "janssens: payment of 100.00 on 2026-11-20"
    assert git(root, "ls-files").split() == ["cases/janssens/payments/2026-11-20-1.yaml"]
    code, output, error = run(root, WRITERS["export"], tmp_path)
    assert error is None and code == 1 and "Error: " in output


def _bare_remote_that_rejects(tmp_path: Path, root: Path) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(root), str(remote))
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed for the audit' >&2\nexit 1\n")
    hook.chmod(0o755)
    git(root, "remote", "add", "origin", str(remote))
    return remote


def test_an_empty_remote_that_rejects_the_push_says_why(make_book, tmp_path):
    root = make_book(EXTRA)
    remote = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'this remote is read-only' >&2\nexit 1\n")
    hook.chmod(0o755)
    git(root, "remote", "add", "origin", str(remote))
    code, output, error = run(root, ["advance", "--today", "2026-11-24", "--push"], tmp_path)
    assert error is None and code == 1, output
    assert "Error: --push: origin refused the push: " in output
    assert "this remote is read-only" in output
    assert git(root, "status", "--porcelain") == ""
    assert git(remote, "for-each-ref") == ""


def test_a_remote_that_rejects_the_push(make_book, tmp_path):
    root = make_book(EXTRA)
    remote = _bare_remote_that_rejects(tmp_path, root)
    code, output, error = run(root, ["advance", "--today", "2026-11-24", "--push"], tmp_path)
    assert error is None and code == 1, output
    assert "Error: --push: origin kept refusing" in output
    assert "pushes are closed for the audit" in output
    # The actions are committed locally (nothing lost), nothing reached the remote, and the
    # next run does not take them again.
    assert "Casebook-Stage: reminder" in git(root, "log", "-1", "--format=%B")
    assert git(root, "status", "--porcelain") == ""
    assert git(remote, "rev-list", "--count", "main").strip() == "1"
    code, output, error = run(root, ["advance", "--today", "2026-11-24"], tmp_path)
    assert error is None and code == 0 and "took 0 action(s)" in output


@pytest.fixture
def no_identity(monkeypatch, tmp_path):
    """No name or email anywhere, and git told not to guess one from the machine."""
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (home / ".gitconfig").write_text("[user]\n\tuseConfigOnly = true\n")


SETTINGS_OPERATOR = ("operator: {name: Studio Noord boekhouding, "
                     "email: boekhouding@studionoord.be}\n")


def test_without_a_git_identity_commits_are_made_as_the_books_operator(make_book, tmp_path,
                                                                        no_identity):
    root = make_book(EXTRA, commit=False)
    with (root / "casebook.yaml").open("a") as handle:
        handle.write(SETTINGS_OPERATOR)
    env = {k: v for k, v in os.environ.items()}
    env.update(GIT_AUTHOR_NAME="Setup", GIT_AUTHOR_EMAIL="setup@example.com",
               GIT_COMMITTER_NAME="Setup", GIT_COMMITTER_EMAIL="setup@example.com")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "book"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    assert subprocess.run(["git", "var", "GIT_AUTHOR_IDENT"], cwd=root,
                          capture_output=True).returncode != 0
    for name in ("pay", "note", "segment", "import", "advance"):
        code, output, error = run(root, WRITERS[name], tmp_path)
        assert error is None and code == 0, f"{name}: {output}"
        author = git(root, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip()
        assert author == ("Studio Noord boekhouding <boekhouding@studionoord.be>|"
                          "Studio Noord boekhouding <boekhouding@studionoord.be>"), name
    note = next((root / "cases/janssens/notes").glob("*.md")).read_text()
    assert "by: Studio Noord boekhouding" in note
    assert git(root, "status", "--porcelain") == ""


def test_the_shipped_init_works_without_a_git_identity(tmp_path, no_identity):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "book")])
    assert result.exit_code == 0, result.output
    assert git(tmp_path / "book", "log", "--format=%an").strip() == "casebook"
def test_a_locked_index_is_reported_before_anything_is_committed(make_book, tmp_path,
                                                                 monkeypatch):
    """A `.git/index.lock` left by a git command that died: refuse before the branch moves
    (a commit whose file is missing from the index would show as a staged deletion, which
    the user's next `git commit` would record)."""
    from casebook.record import advance
    from casebook.record import gitworktree

    monkeypatch.setattr(gitworktree, "INDEX_LOCK_RETRIES", 2)
    monkeypatch.setattr(advance, "INDEX_LOCK_WAIT", 0.2)
    root = make_book(EXTRA)
    (root / ".git" / "index.lock").write_text("")
    # (The export may have written its bundle, outside the book, before it came to record
    # the handover: the book is what must be untouched.)
    assert_refused(root, tmp_path, "index.lock",
                   names=["pay", "note", "import", "segment", "advance", "export"], bundle_ok=True)
