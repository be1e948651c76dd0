"""The one-pass history reader, against real git repositories."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from casebook.record.history import read_history

BRUSSELS = timezone(timedelta(hours=1))


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True, env=full
    ).stdout.strip()


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(root: Path, message: str, *, author: str = "Ann", day: int = 1, committed: int = 0) -> str:
    env = {
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.be",
        "GIT_AUTHOR_DATE": f"2026-03-{day:02d}T09:30:00+01:00",
        "GIT_COMMITTER_NAME": "Robot",
        "GIT_COMMITTER_EMAIL": "robot@example.be",
        "GIT_COMMITTER_DATE": f"2026-03-{(committed or day):02d}T18:00:00+01:00",
    }
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message, env=env)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def test_empty_repository_has_no_history(repo: Path) -> None:
    history = read_history(repo)
    assert len(history) == 0 and history.head is None and history.for_case("acme") == []


def test_commits_are_indexed_by_case_with_identities_dates_and_trailers(repo: Path) -> None:
    write(repo, "casebook.yaml", "creditor: {name: Us}\n")
    write(repo, "cases/acme/debtor.yaml", "name: Acme\n")
    write(repo, "cases/README.md", "not a case\n")
    first = commit(repo, "Add Acme", day=1)
    write(repo, "cases/acme/actions/2026-03-02-reminder.md", "Dear Acme: pay\n")
    write(repo, "cases/bolt nv/debtor.yaml", "name: Bolt\n")
    message = (
        "acme: reminder by email\n\nBody: with a colon, ünïcode.\n\n"
        "Casebook-Case: acme\nCasebook-Stage: reminder\nCasebook-Channel: email"
    )
    second = commit(repo, message, author="Bea", day=2, committed=5)
    (repo / "cases/acme/debtor.yaml").unlink()
    write(repo, "cases/bolt nv/debtor.yaml", "name: Bolt NV\n")
    third = commit(repo, "Acme gone, Bolt renamed", day=3)

    history = read_history(repo)

    assert [c.sha for c in history] == [first, second, third]
    assert history.head == third
    assert [c.sha for c in history.for_case("acme")] == [first, second, third]
    assert [c.sha for c in history.for_case("bolt nv")] == [second, third]
    assert history.case_ids() == ["acme", "bolt nv"]  # cases/README.md is no case
    info = history.get(second)
    assert info is not None
    assert (info.author_name, info.author_email) == ("Bea", "bea@example.be")
    assert info.author_date == datetime(2026, 3, 2, 9, 30, tzinfo=BRUSSELS)
    assert info.committer_date == datetime(2026, 3, 5, 18, 0, tzinfo=BRUSSELS)
    assert info.committer_name == "Robot"
    assert info.subject == "acme: reminder by email"
    assert "ünïcode" in info.message
    assert (info.case, info.stage, info.channel) == ("acme", "reminder", "email")
    assert info.parents == (first,)
    assert {(c.path, c.status) for c in info.changes} == {
        ("cases/acme/actions/2026-03-02-reminder.md", "A"),
        ("cases/bolt nv/debtor.yaml", "A"),
    }
    last = history.get(third)
    assert last is not None and last.case is None
    assert {(c.path, c.status) for c in last.changes_in("acme")} == {("cases/acme/debtor.yaml", "D")}
    assert [c.status for c in last.changes_in("bolt nv")] == ["M"]
    assert [c.path for c in last.outside("acme")] == ["cases/bolt nv/debtor.yaml"]


def test_a_merge_lists_only_what_differs_from_every_parent(repo: Path) -> None:
    write(repo, "cases/acme/notes/a.md", "one\n")
    base = commit(repo, "base", day=1)
    git(repo, "checkout", "-q", "-b", "side")
    write(repo, "cases/acme/notes/b.md", "side\n")
    commit(repo, "side", day=2)
    git(repo, "checkout", "-q", "main")
    write(repo, "cases/acme/notes/a.md", "one, changed on main\n")
    commit(repo, "main", day=3)
    git(repo, "merge", "-q", "--no-commit", "side")
    write(repo, "cases/acme/notes/a.md", "changed in the merge itself\n")
    merge = commit(repo, "merge", day=4)

    history = read_history(repo)

    assert history.commits[0].sha == base
    assert history.commits[-1].sha == merge
    info = history.get(merge)
    assert info is not None and info.is_merge
    assert [(c.path, c.status) for c in info.changes] == [("cases/acme/notes/a.md", "M")]
    order = [c.sha for c in history]
    for c in history:  # parents always come first
        assert all(order.index(p) < order.index(c.sha) for p in c.parents)


def test_limiting_to_a_folder_reads_its_commits_with_their_full_diff(repo: Path) -> None:
    write(repo, "cases/acme/debtor.yaml", "name: Acme\n")
    write(repo, "cases/bolt/debtor.yaml", "name: Bolt\n")
    first = commit(repo, "both", day=1)
    write(repo, "cases/bolt/notes/x.md", "bolt only\n")
    commit(repo, "bolt only", day=2)
    write(repo, "cases/acme/notes/y.md", "acme only\n")
    third = commit(repo, "acme only", day=3)

    history = read_history(repo, paths=["cases/acme/"])

    assert [c.sha for c in history] == [first, third]
    last = history.get(third)
    assert last is not None and last.parents != (first,)  # the real parent
    assert [c.path for c in last.changes] == ["cases/acme/notes/y.md"]
    assert history.get(first).cases == {"acme", "bolt"}  # type: ignore[union-attr]


def test_limiting_to_a_folder_keeps_side_branch_commits(repo: Path) -> None:
    write(repo, "cases/acme/debtor.yaml", "name: Acme\n")
    base = commit(repo, "base", day=1)
    git(repo, "checkout", "-q", "-b", "side")
    write(repo, "cases/acme/notes/side.md", "side\n")
    side = commit(repo, "side", day=2)
    git(repo, "checkout", "-q", "main")
    write(repo, "cases/bolt/debtor.yaml", "name: Bolt\n")
    commit(repo, "bolt on main", day=3)
    git(repo, "merge", "-q", "--no-edit", "side")
    merge = git(repo, "rev-parse", "HEAD")

    shas = [c.sha for c in read_history(repo, paths=["cases/acme/"])]

    assert shas == [base, side, merge]


def test_since_reads_only_the_newer_commits(repo: Path) -> None:
    write(repo, "cases/acme/debtor.yaml", "name: Acme\n")
    first = commit(repo, "one", day=1)
    write(repo, "cases/acme/notes/n.md", "x\n")
    second = commit(repo, "two", day=2)
    assert [c.sha for c in read_history(repo, since=first)] == [second]


def test_the_cache_gives_the_same_history_as_git_after_new_and_rewritten_commits(repo: Path) -> None:
    def same() -> None:
        cached, fresh = read_history(repo), read_history(repo, cache=False)
        assert cached.commits == fresh.commits and cached.head == fresh.head

    write(repo, "cases/acme/debtor.yaml", "name: Acme\n")
    commit(repo, "one", day=1)
    same()
    write(repo, "cases/acme/notes/n.md", "x\n")
    commit(repo, "two\n\nCasebook-Case: acme", day=2)
    same()  # appended to the cache
    git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    write(repo, "cases/bolt/debtor.yaml", "name: Bolt\n")
    commit(repo, "side", day=3)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "side")
    same()
    git(repo, "reset", "-q", "--hard", "HEAD~2")  # history rewritten under the cache
    write(repo, "cases/acme/notes/m.md", "y\n")
    commit(repo, "three", day=4)
    same()
    assert [c.subject for c in read_history(repo)] == ["one", "three"]
    assert (repo / ".git" / "casebook-history.log").exists()
