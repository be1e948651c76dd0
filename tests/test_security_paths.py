"""Paths never leave the book: `..`, absolute paths and symbolic links are refused wherever
a path enters (attachments, a plan's signed scan, policies, settings, rate tables, letter
and site templates, case folders), and what lies outside is never read into the book, a
letter, the site or a commit.

A book is a git repository, and git keeps symbolic links: anyone who can push to the book
can plant a link to `/proc/self/environ` (the nightly run's SMTP password) or `~/.ssh`.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.book.check import check
from casebook.cli import main
from casebook.book.dump import slug

from .conftest import git

SECRET = "CASEBOOK-TEST-SECRET-d41d8cd9"


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the book that must never be read into it."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(f"name: {SECRET}\npassword: {SECRET}\n")
    return path


def cli(root: Path, *args: str):
    result = CliRunner().invoke(main, [*args, "--book", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def no_secret_anywhere(root: Path) -> None:
    """Not in a file of the book, nor in any git object (committed or not)."""
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert SECRET.encode() not in path.read_bytes(), path
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=root,
                             capture_output=True, check=True).stdout
    assert SECRET.encode() not in objects


@pytest.mark.parametrize("attachment", [
    "../../../etc/passwd", "/etc/passwd", "..\\..\\secret.txt", "invoices/../../other/x.pdf",
])
def test_an_attachment_outside_the_case_folder_is_a_problem(make_book, attachment):
    root = make_book({"cases/janssens/invoices/2026-0002.yaml":
                      'number: "2026-0002"\nissued: 2026-10-01\ndue: 2026-10-31\n'
                      f"amount: \"10.00\"\nattachment: '{attachment}'\n"})
    problems = [str(p) for p in check(root)[1]]
    assert problems == [
        f"cases/janssens/invoices/2026-0002.yaml:5: `attachment` {attachment!r} must be a path "
        "inside the case folder"
    ]


def test_an_attachment_that_links_out_is_never_exported(make_book, secret, tmp_path):
    root = make_book({"cases/janssens/invoices/2026-0002.yaml":
                      'number: "2026-0002"\nissued: 2026-10-01\ndue: 2026-10-31\n'
                      'amount: "10.00"\nattachment: invoices/2026-0002.pdf\n'},
                     commit=False)
    os.symlink(secret, root / "cases/janssens/invoices/2026-0002.pdf")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book with a link")
    result = cli(root, "export", "janssens", "--today", "2026-11-24",
                 "--out", str(tmp_path / "j.bundle"))
    assert result.exit_code == 1
    assert "leaves the case folder cases/janssens/: refused, never followed" in result.output
    assert not (tmp_path / "j.bundle").exists()
    no_secret_anywhere(root)


@pytest.mark.parametrize("signed", ["../other/debtor.yaml", "/etc/passwd", "link.pdf",
                                    "invoices/../../../outside/secret.txt"])
def test_a_signed_plan_scan_must_be_a_file_of_the_case(make_book, secret, signed):
    root = make_book({"cases/other/debtor.yaml": "name: Other BV\n"})
    os.symlink(secret, root / "cases/janssens/link.pdf")
    head = git(root, "rev-parse", "HEAD")
    result = cli(root, "plan", "janssens", "--installment", "2026-12-15:100",
                 "--signed", signed, "--today", "2026-11-24")
    assert result.exit_code == 1
    assert f"--signed {signed!r}: give the scan's path inside the case folder" in result.output
    assert git(root, "rev-parse", "HEAD") == head
    no_secret_anywhere(root)


@pytest.mark.parametrize("rel", ["policies/evil.yaml", "rates/be-legal.yaml"])
def test_book_files_that_link_out_are_not_read(make_book, secret, rel):
    root = make_book()
    (root / rel).parent.mkdir(exist_ok=True)
    os.symlink(secret, root / rel)
    problems = [str(p) for p in check(root)[1]]
    assert any(p.startswith(f"{rel}:1: ") and "leads out of the book: not followed" in p
               for p in problems), problems
    assert SECRET not in "\n".join(problems)


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "fifo", "folder"])
def test_a_device_a_pipe_or_a_folder_named_like_a_policy_does_not_hang(make_book, target):
    root = make_book()
    path = root / "policies" / "odd.yaml"
    if target == "fifo":
        os.mkfifo(path)
    elif target == "folder":
        path.mkdir()
    else:
        os.symlink(target, path)
    started = time.perf_counter()
    problems = [str(p) for p in check(root)[1]]
    assert time.perf_counter() - started < 5
    assert any(p.startswith("policies/odd.yaml:1: cannot read the file: ")
               for p in problems), problems


def test_case_files_that_are_links_are_not_followed(make_book, secret):
    root = make_book()
    os.symlink(secret, root / "cases/janssens/notes.md")  # not in notes/: ignored
    (root / "cases/janssens/notes").mkdir()
    os.symlink(secret, root / "cases/janssens/notes/2026-11-20-call.md")
    os.symlink(secret, root / "cases/janssens/payments.yaml")
    os.symlink(secret.parent, root / "cases/elsewhere")
    book, problems = check(root)
    assert "elsewhere" not in book.cases
    assert [str(p) for p in problems] == [
        "cases/janssens/notes/2026-11-20-call.md:1: not a regular file (symlinks are not followed)"
    ]


def test_a_letter_template_that_links_out_is_refused_and_nothing_is_sent_or_committed(
    make_book, secret
):
    root = make_book({"cases/janssens/debtor.yaml":
                      "name: Bakkerij Janssens BV\nemail: info@janssens.be\n"}, commit=False)
    (root / "policies/letters/nl").mkdir(parents=True)
    os.symlink(secret, root / "policies/letters/nl/reminder.md")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    head = git(root, "rev-parse", "HEAD")
    result = cli(root, "advance", "--today", "2026-11-24")
    assert result.exit_code == 1
    assert ("policies/letters/nl/reminder.md:1: unsafe template: the template file cannot be "
            "read: it is a link that leads out of the book: not followed") in result.output
    assert git(root, "rev-parse", "HEAD") == head
    assert SECRET not in result.output
    no_secret_anywhere(root)


def test_a_template_that_links_to_another_template_of_the_book_is_fine(make_book):
    root = make_book({"cases/janssens/debtor.yaml":
                      "name: Bakkerij Janssens BV\nemail: info@janssens.be\n",
                      "policies/letters/shared/reminder.md":
                      "# Herinnering (shared)\n\nGraag betalen.\n"}, commit=False)
    (root / "policies/letters/nl").mkdir(parents=True)
    os.symlink("../shared/reminder.md", root / "policies/letters/nl/reminder.md")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    result = cli(root, "advance", "--today", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert "Herinnering (shared)" in next(
        (root / "cases/janssens/actions").glob("*.md")).read_text()


def test_a_site_template_that_links_out_is_refused(make_book, secret, tmp_path):
    root = make_book()
    (root / "site_templates").mkdir()
    os.symlink(secret, root / "site_templates/overview.html")
    result = cli(root, "site", "--today", "2026-11-24", "--out", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert "site_templates/overview.html:1: unsafe template: the template file cannot be read" \
        in result.output
    for path in (tmp_path / "site").rglob("*") if (tmp_path / "site").exists() else ():
        assert not path.is_file() or SECRET.encode() not in path.read_bytes()


@pytest.mark.parametrize("name", ["../../etc", "/etc/passwd", "..", "Janssens & Zn. / ../x",
                                  "\x00evil", "CON", ".git", "-rf"])
def test_a_new_case_id_made_from_a_name_is_always_a_safe_slug(name):
    from casebook.book.schema import SLUG_RE

    made = slug(name, fallback="debtor")
    assert SLUG_RE.match(made), made
    assert "/" not in made and ".." not in made


@pytest.mark.parametrize("out", [".git", "cases", "cases/janssens", "policies", ".", ".."])
def test_the_site_is_never_written_over_the_books_own_files(make_book, out):
    root = make_book()
    before = git(root, "status", "--porcelain", "--untracked-files=all", "--ignored")
    result = cli(root, "site", "--today", "2026-11-24", "--out", str(root / out))
    assert result.exit_code == 1, result.output
    assert "Error: the site cannot be written to" in result.output
    assert git(root, "status", "--porcelain", "--untracked-files=all", "--ignored") == before
    assert not (root / ".git" / "index.html").exists()


def test_a_huge_case_file_is_refused_without_reading_it(make_book):
    root = make_book()
    (root / "cases/janssens/notes").mkdir()
    with open(root / "cases/janssens/notes/huge.md", "wb") as handle:
        handle.truncate(64 << 20)  # sparse: 64 MB that take no disk
    started = time.perf_counter()
    problems = [str(p) for p in check(root)[1]]
    assert time.perf_counter() - started < 5
    assert "cases/janssens/notes/huge.md:1: cannot read the file: larger than 16 MB" in problems


@pytest.mark.parametrize("out", ["cases/janssens/janssens.bundle", "cases/x.bundle",
                                 ".git/janssens.bundle", "policies/j.bundle"])
def test_the_bundle_is_never_written_into_the_books_own_folders(make_book, out):
    root = make_book()
    head = git(root, "rev-parse", "HEAD")
    result = cli(root, "export", "janssens", "--today", "2026-11-24", "--out", str(root / out))
    assert result.exit_code == 1, result.output
    assert "Error: the bundle cannot be written to" in result.output
    assert not (root / out).exists()
    assert git(root, "rev-parse", "HEAD") == head
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
