"""`casebook verify`: tampering with the evidence trail is reported with file and commit."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from casebook.export.verify import Finding, is_action_file, verify

LETTER = "cases/acme/actions/2026-10-01-reminder.md"
RECORD = "cases/acme/actions/2026-10-01-reminder.yaml"


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(root: Path, message: str, *paths: str) -> str:
    git(root, "add", "-A", "--", *paths)
    git(root, "commit", "-q", "-m", message, "--", *paths)
    return git(root, "rev-parse", "HEAD")


def action_message(case: str) -> str:
    return f"{case}: reminder (email)\n\nCasebook-Case: {case}\nCasebook-Stage: reminder\n"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "casebook.yaml", "creditor: {name: Us}\n")
    write(root, "cases/acme/debtor.yaml", "name: Acme\n")
    write(root, "cases/bolt/debtor.yaml", "name: Bolt\n")
    commit(root, "start", ".")
    write(root, RECORD, "date: 2026-10-01\nkind: stage\n")
    write(root, LETTER, "Dear Acme, please pay 100.00.\n")
    commit(root, action_message("acme"), RECORD, LETTER)
    write(root, "cases/acme/actions/2026-10-01-reminder.sent", "id: x\n")  # added later: fine
    commit(root, "acme: email sent\n\nCasebook-Case: acme", "cases/acme/actions/2026-10-01-reminder.sent")
    return root


def findings(root: Path, **kwargs) -> list[Finding]:
    return list(verify(root, **kwargs).findings)


def test_an_intact_trail_passes(book: Path) -> None:
    report = verify(book)
    assert report.ok and report.commits == 3 and report.head == git(book, "rev-parse", "HEAD")
    result = CliRunner().invoke(main, ["verify", "--book", str(book)])
    assert result.exit_code == 0 and "intact (3 commit(s) examined)" in result.output


def test_editing_a_sent_letter_is_reported(book: Path) -> None:
    created = git(book, "log", "-1", "--format=%H", "--", LETTER)
    write(book, LETTER, "Dear Acme, please pay 10.00.\n")
    edited = commit(book, "fix a typo", LETTER)
    assert findings(book) == [Finding(
        LETTER, edited, f"sent/recorded action file modified after it was created in commit {created[:12]}"
    )]
    result = CliRunner().invoke(main, ["verify", "--book", str(book)])
    assert result.exit_code == 1
    assert f"{LETTER}: sent/recorded action file modified" in result.output
    assert f"(commit {edited[:12]})" in result.output


def test_deleting_a_recorded_action_is_reported(book: Path) -> None:
    git(book, "rm", "-q", RECORD)
    git(book, "commit", "-q", "-m", "tidy up")
    deleted = git(book, "rev-parse", "HEAD")
    [finding] = findings(book)
    assert (finding.path, finding.commit) == (RECORD, deleted)
    assert "deleted" in finding.message


def test_an_action_commit_mixing_two_cases_is_reported(book: Path) -> None:
    write(book, "cases/acme/actions/2026-11-01-call.yaml", "date: 2026-11-01\nkind: stage\n")
    write(book, "cases/bolt/notes/x.md", "---\ndate: 2026-11-01\n---\nbolt\n")
    mixed = commit(book, action_message("acme"), "cases/acme/actions/2026-11-01-call.yaml",
                   "cases/bolt/notes/x.md")
    [finding] = findings(book)
    assert (finding.path, finding.commit) == ("cases/bolt/notes/x.md", mixed)
    assert "action commit for case acme also changes this file" in finding.message


def test_a_bank_import_touching_many_cases_is_no_action_commit(book: Path) -> None:
    write(book, "cases/acme/payments/p.yaml", "date: 2026-11-01\namount: 1\n")
    write(book, "cases/bolt/payments/p.yaml", "date: 2026-11-01\namount: 1\n")
    commit(book, "Import bank statement", "cases/acme/payments/p.yaml", "cases/bolt/payments/p.yaml")
    assert findings(book) == []


def test_rewriting_history_behind_since_is_reported(book: Path) -> None:
    write(book, "cases/bolt/notes/call.md", "---\ndate: 2026-11-02\n---\npromised\n")
    promised = commit(book, "bolt: promise noted", "cases/bolt/notes/call.md")
    assert findings(book, since=promised) == []
    git(book, "reset", "-q", "--hard", "HEAD~1")  # someone drops the commit...
    write(book, "cases/bolt/notes/other.md", "---\ndate: 2026-11-02\n---\nno promise\n")
    commit(book, "bolt: call", "cases/bolt/notes/other.md")  # ...and carries on
    found = findings(book, since=promised)
    assert Finding("", promised, "this commit is no longer an ancestor of HEAD: the history was "
                                 "rewritten after it") in found
    assert Finding("cases/bolt/notes/call.md", promised,
                   "changed by a commit that is no longer in the history of HEAD") in found
    result = CliRunner().invoke(main, ["verify", "--book", str(book), "--since", promised[:10], "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert not data["ok"] and {"path": "cases/bolt/notes/call.md", "commit": promised,
                               "message": "changed by a commit that is no longer in the history of HEAD"
                               } in data["findings"]


def test_since_still_sees_changes_to_actions_recorded_before_it(book: Path) -> None:
    since = git(book, "rev-parse", "HEAD")
    write(book, LETTER, "rewritten letter\n")
    edited = commit(book, "edit", LETTER)
    report = verify(book, since=since)
    assert report.commits == 1
    assert [(f.path, f.commit) for f in report.findings] == [(LETTER, edited)]


def test_an_unknown_since_commit_is_reported(book: Path) -> None:
    [finding] = findings(book, since="0123456789abcdef0123456789abcdef01234567")
    assert "is not a commit of this repository" in finding.message


def test_uncommitted_changes_to_action_files_are_reported(book: Path) -> None:
    write(book, LETTER, "edited, not committed\n")
    (book / RECORD).unlink()
    write(book, "cases/acme/actions/2026-12-01-new.md", "never committed\n")
    write(book, "cases/acme/notes/draft.md", "a draft note is no evidence\n")
    assert findings(book) == [
        Finding("cases/acme/actions/2026-10-01-reminder.md", "", "action file changed in the working tree, not committed"),
        Finding("cases/acme/actions/2026-10-01-reminder.yaml", "", "action file deleted in the working tree, not committed"),
        Finding("cases/acme/actions/2026-12-01-new.md", "", "action file never committed"),
    ]


def test_a_corrupt_repository_fails_fsck(book: Path) -> None:
    blob = git(book, "rev-parse", f"HEAD:{LETTER}")
    path = book / ".git" / "objects" / blob[:2] / blob[2:]
    os.chmod(path, 0o644)
    path.write_bytes(b"not a zlib stream")
    found = findings(book)
    assert any(f.message.startswith("git fsck failed") for f in found)


def test_signed_reports_every_unsigned_commit(book: Path) -> None:
    shas = git(book, "rev-list", "HEAD").split()
    found = findings(book, signed=True)
    assert sorted((f.commit, f.message) for f in found) == sorted((s, "commit is not signed") for s in shas)


def test_what_counts_as_an_action_file() -> None:
    assert is_action_file("cases/acme/actions/2026-10-01-reminder.eml")
    assert is_action_file("cases/acme/actions/sub/x")
    assert not is_action_file("cases/acme/notes/actions/x.md")
    assert not is_action_file("cases/actions/x.md")
    assert not is_action_file("actions/x.md")
