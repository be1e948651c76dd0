"""Store.batch(): many real commits through git plumbing, leaving the tree as `git commit` does."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from casebook.book.errors import BookError
from casebook.record.gitbatch import JOURNAL_NAME
from casebook.record.gitstore import Store
from casebook.book.model import Operator

OP = Operator("Casebook Robot", "robot@example.be")
WHEN = datetime(2026, 11, 24, 6, 30, tzinfo=timezone(timedelta(hours=1)))
REPO_ROOT = Path(__file__).resolve().parents[2]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def status(root: Path) -> str:
    return git(root, "status", "--porcelain=v1", "--untracked-files=all")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Ann")
    git(root, "config", "user.email", "ann@example.be")
    for case in ("acme", "bolt", "cora"):
        (root / "cases" / case).mkdir(parents=True)
        (root / "cases" / case / "debtor.yaml").write_text(f"name: {case}\n")
    (root / "casebook.yaml").write_text("creditor: {name: Us}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root


def action(case: str, n: int) -> dict[str, bytes | None]:
    return {
        f"cases/{case}/actions/2026-11-24-r{n}.yaml": f"kind: stage\nn: {n}\n".encode(),
        f"cases/{case}/actions/2026-11-24-r{n}.md": f"Dear {case}, letter {n}\n".encode(),
    }


def message(case: str, n: int) -> str:
    return f"{case}: reminder {n} (email)\n\nCasebook-Case: {case}\nCasebook-Stage: reminder\n"


def test_each_batch_commit_is_one_commit_and_the_tree_is_left_as_git_commit_leaves_it(book: Path) -> None:
    (book / "casebook.yaml").write_text("creditor: {name: Us, edited: by the user}\n")
    (book / "cases/cora/notes").mkdir()
    (book / "cases/cora/notes/draft.md").write_text("half-written note\n")
    (book / "cases/bolt/debtor.yaml").write_text("name: bolt, staged\n")
    git(book, "add", "cases/bolt/debtor.yaml")
    before = status(book)
    store = Store(book)

    with store.batch(flush_every=3) as b:
        pending = [b.commit(action(case, n), message(case, n), author=OP, when=WHEN)
                   for n, case in enumerate(["acme", "bolt", "acme", "bolt", "acme"])]

    log = git(book, "log", "--format=%H|%P|%an|%ae|%aI|%cn|%cI|%B%x00", "-6").split("\x00\n")
    shas = [p.sha for p in pending]
    assert b.flushed == shas
    assert [line.split("|")[0] for line in log[:5]] == list(reversed(shas))
    for n, entry in enumerate(reversed(log[:5])):
        sha, parent, an, ae, ad, cn, cd, body = entry.split("|", 7)
        assert (an, ae, cn) == (OP.name, OP.email, OP.name)
        assert ad == cd == "2026-11-24T06:30:00+01:00"
        assert body.strip("\x00") == message(["acme", "bolt"][n % 2], n)
        assert git(book, "diff-tree", "--no-commit-id", "--name-only", "-r", sha).split() == sorted(
            action(["acme", "bolt"][n % 2], n)
        )
    # The user's edit, untracked file and staged change are exactly as before, uncommitted.
    assert status(book) == before
    assert "edited: by the user" in (book / "casebook.yaml").read_text()
    assert git(book, "show", "HEAD:casebook.yaml") == "creditor: {name: Us}\n"
    assert git(book, "show", "HEAD:cases/bolt/debtor.yaml") == "name: bolt\n"
    # For the written paths, working tree == index == HEAD.
    written = sorted(p for n, c in enumerate(["acme", "bolt", "acme", "bolt", "acme"]) for p in action(c, n))
    assert git(book, "diff", "--name-only", "HEAD", "--", *written) == ""
    assert git(book, "diff", "--cached", "--name-only", "HEAD", "--", *written) == ""
    index = git(book, "ls-files", "-s", "--", *written)
    tree = git(book, "ls-tree", "-r", "HEAD", "--", *written)
    assert [line.split()[1] for line in index.splitlines()] == [line.split()[2] for line in tree.splitlines()]
    assert not (book / ".git" / JOURNAL_NAME).exists()
    git(book, "fsck", "--no-progress")


def test_a_batch_makes_the_same_commits_as_store_commit(tmp_path: Path, book: Path) -> None:
    twin = tmp_path / "twin"
    git(tmp_path, "clone", "-q", str(book), str(twin))
    changes: list[dict[str, bytes | None]] = [
        action("acme", 1),
        {"cases/acme/actions/2026-11-24-r1.md": None, "cases/cora/x.md": b"x\n"},
        {"cases/bolt/debtor.yaml": b"name: Bolt NV\n"},
    ]
    with Store(book).batch() as b:
        for n, files in enumerate(changes):
            b.commit(files, f"change {n}\n\n  trailing spaces  \n\n\n", author=OP, when=WHEN)
    plain = Store(twin)
    with plain.lock():
        for n, files in enumerate(changes):
            plain.commit(files, f"change {n}\n\n  trailing spaces  \n\n\n", author=OP, when=WHEN)
    assert git(book, "rev-parse", "HEAD") == git(twin, "rev-parse", "HEAD")
    assert not (book / "cases/acme/actions/2026-11-24-r1.md").exists()
    assert status(book) == status(twin) == ""


def test_a_path_with_uncommitted_changes_is_never_committed_nor_overwritten(book: Path) -> None:
    (book / "cases/acme/debtor.yaml").write_text("name: acme, half edited\n")
    with Store(book).batch() as b:
        with pytest.raises(BookError, match="cases/acme/debtor.yaml has uncommitted changes"):
            b.commit({"cases/acme/debtor.yaml": b"name: ACME\n"}, "overwrite", author=OP, when=WHEN)
        b.commit(action("bolt", 1), message("bolt", 1), author=OP, when=WHEN)
    assert (book / "cases/acme/debtor.yaml").read_text() == "name: acme, half edited\n"
    assert status(book) == " M cases/acme/debtor.yaml\n"


@pytest.mark.parametrize("bad", ["../outside.txt", "/etc/passwd", ".git/config", "cases//x", "a/./b"])
def test_paths_that_leave_the_book_are_refused(book: Path, bad: str) -> None:
    with Store(book).batch() as b:
        with pytest.raises(BookError, match="not a plain relative path"):
            b.commit({bad: b"x"}, "bad", author=OP, when=WHEN)
    assert git(book, "rev-list", "--count", "HEAD").strip() == "1"


def test_a_branch_moved_by_another_writer_stops_the_batch(book: Path) -> None:
    store = Store(book)
    with pytest.raises(BookError, match="moved while casebook was committing"):
        with store.batch() as b:
            b.commit(action("acme", 1), message("acme", 1), author=OP, when=WHEN)
            (book / "cases/cora/debtor.yaml").write_text("name: cora, by someone else\n")
            git(book, "commit", "-q", "-am", "someone else")
            b.flush()
    assert git(book, "log", "-1", "--format=%s").strip() == "someone else"
    assert git(book, "rev-list", "--count", "HEAD").strip() == "2"
    assert not (book / "cases/acme/actions").exists()
    assert status(book) == ""
    assert not (book / ".git" / JOURNAL_NAME).exists()


def test_store_commit_inside_a_batch_is_refused(book: Path) -> None:
    store = Store(book)
    with store.batch():
        with pytest.raises(BookError, match="a batch is open"):
            store.commit(action("acme", 1), "plain", author=OP, when=WHEN)


def test_a_batch_in_an_empty_repository_makes_the_first_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    with Store(tmp_path).batch() as b:
        b.commit({"casebook.yaml": b"creditor: {name: Us}\n"}, "first", author=OP, when=WHEN)
        b.commit(action("acme", 1), "second", author=OP, when=WHEN)
    assert git(tmp_path, "log", "--format=%s").split() == ["second", "first"]
    assert status(tmp_path) == ""


# -- crashes: a child process is killed at a chosen step, then the next run recovers ---------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime, timezone
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    import casebook.record.gitbatch as gb
    import casebook.record.gitstore as gs
    from casebook.book.model import Operator

    step = {step!r}
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    if step == "before-ref":
        real_write = gb.atomic_write
        def write_then_die(path, data):
            real_write(path, data)
            die()
        gb.atomic_write = write_then_die
    elif step == "half-tree":
        real_replace = gb.replace_file
        count = [0]
        def replace_some(path, data):
            count[0] += 1
            if count[0] > 3:
                die()
            real_replace(path, data)
        gb.replace_file = replace_some
    elif step == "before-index":
        gb.index_written = die
    store = gs.Store(Path({root!r}))
    with store.batch() as b:
        for n in range(4):
            case = ["acme", "bolt"][n % 2]
            b.commit({{f"cases/{{case}}/actions/r{{n}}.yaml": f"n: {{n}}\\n".encode(),
                      f"cases/{{case}}/actions/r{{n}}.md": f"letter {{n}}\\n".encode()}},
                     f"{{case}}: reminder {{n}}", author=Operator("R", "r@x"),
                     when=datetime(2026, 1, 1, tzinfo=timezone.utc))
        if step == "before-flush":
            die()
    """
)


def crash(book: Path, step: str) -> None:
    script = CHILD.format(repo=str(REPO_ROOT), root=str(book), step=step)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr


@pytest.mark.parametrize("step", ["before-flush", "before-ref"])
def test_a_crash_before_the_branch_moves_leaves_no_commit_and_no_file(book: Path, step: str) -> None:
    head = git(book, "rev-parse", "HEAD")
    crash(book, step)
    notes = Store(book).recover()
    assert notes == []
    assert git(book, "rev-parse", "HEAD") == head
    assert status(book) == ""
    assert not (book / ".git" / JOURNAL_NAME).exists()


@pytest.mark.parametrize("step", ["half-tree", "before-index"])
def test_a_crash_after_the_branch_moved_is_finished_by_the_next_run(book: Path, step: str) -> None:
    crash(book, step)
    assert (book / ".git" / JOURNAL_NAME).exists()
    assert git(book, "rev-list", "--count", "HEAD").strip() == "5"
    store = Store(book)
    with store.batch() as b:  # the next run recovers first
        b.commit(action("cora", 9), message("cora", 9), author=OP, when=WHEN)
    assert b.recovered == []
    assert status(book) == ""
    for n in range(4):
        case = ["acme", "bolt"][n % 2]
        assert (book / f"cases/{case}/actions/r{n}.md").read_text() == f"letter {n}\n"
    assert not list(book.glob("cases/*/actions/.*.tmp"))
    git(book, "fsck", "--no-progress")


def test_recovery_leaves_a_file_edited_after_the_crash_alone(book: Path) -> None:
    crash(book, "half-tree")
    edited = book / "cases/bolt/actions/r3.md"  # not written before the crash
    edited.parent.mkdir(parents=True, exist_ok=True)
    edited.write_text("someone typed here\n")
    notes = Store(book).recover()
    assert notes == ["cases/bolt/actions/r3.md: edited since an interrupted batch; left as it is"]
    assert edited.read_text() == "someone typed here\n"
    assert status(book) == " M cases/bolt/actions/r3.md\n"


def test_recovery_rolls_files_back_when_the_branch_never_moved(book: Path) -> None:
    crash(book, "before-ref")  # journal written, branch not moved
    # As after a power loss that kept the files but lost the branch update:
    journal = (book / ".git" / JOURNAL_NAME).read_text()
    (book / "cases/acme/actions").mkdir(parents=True)
    (book / "cases/acme/actions/r0.md").write_text("letter 0\n")
    notes = Store(book).recover()
    assert notes == [] and "r0.md" in journal
    assert status(book) == ""
    assert not (book / "cases/acme/actions").exists()


def test_the_lock_is_taken_when_the_caller_does_not_hold_it(book: Path) -> None:
    probe = (
        f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r}); from pathlib import Path; "
        "from casebook.record.gitstore import Store; from casebook.book.errors import BookError\n"
        f"try:\n    Store(Path({str(book)!r})).lock(wait=False).__enter__(); print('free')\n"
        "except BookError as e:\n    print(e)"
    )

    def other_process() -> str:
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout

    with Store(book).batch():
        assert "another casebook command is writing" in other_process()
    assert other_process().strip() == "free"


def test_a_big_tree_is_written_as_deltas_that_git_reads_back(tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    cases = [f"case-{n:04d}-with-a-long-enough-name" for n in range(300)]
    for case in cases:
        (root / "cases" / case).mkdir(parents=True)
        (root / "cases" / case / "debtor.yaml").write_text(f"name: {case}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    twin = tmp_path / "twin"
    git(tmp_path, "clone", "-q", str(root), str(twin))
    changes = []
    for n in range(320):  # more changes than one delta base takes
        case = cases[(n * 7) % 250]
        files: dict[str, bytes | None] = {f"cases/{case}/actions/a{n}.yaml": f"n: {n}\n".encode()}
        if n >= 305 and n % 2:
            files[f"cases/{cases[250 + (n - 305) // 2]}/debtor.yaml"] = None  # its folder goes
        if n == 302:
            files["cases/new-case/debtor.yaml"] = b"name: new\n"  # the big tree's layout changes
        changes.append(files)
    with Store(root).batch(flush_every=300) as b:  # 300 > the patches one delta base takes
        for n, files in enumerate(changes):
            b.commit(files, f"change {n}", author=OP, when=WHEN)
    assert len(list((root / ".git/objects/pack").glob("pack-*.pack"))) == 2
    subprocess.run(["git", "fsck", "--full", "--strict", "--no-dangling"], cwd=root, check=True,
                   capture_output=True)
    assert status(root) == ""
    plain = Store(twin)
    with plain.lock():
        for n, files in enumerate(changes[:60]):
            plain.commit(files, f"change {n}", author=OP, when=WHEN)
    assert git(twin, "rev-parse", "HEAD") == git(root, "rev-parse", "HEAD~260")
    assert git(root, "rev-parse", "HEAD:cases/new-case/debtor.yaml")
    for case in cases[250:258]:  # folders left empty are gone from tree and disk, as with git rm
        assert not (root / f"cases/{case}").exists()
        assert git(root, "ls-tree", "--name-only", "HEAD", f"cases/{case}") == ""
    assert (root / f"cases/{cases[258]}/debtor.yaml").exists()


def test_a_second_lock_in_the_same_process_fails_instead_of_waiting_forever(book: Path) -> None:
    with Store(book).lock():
        with pytest.raises(BookError, match="already holds the book's lock"):
            with Store(book).lock():
                pass
    with Store(book).lock():  # released
        pass


def test_a_commit_that_fails_half_way_stops_the_batch_and_keeps_the_earlier_ones(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casebook.record.gitpack import Tree

    real_put = Tree.put

    def put(self, parts, mode, sha):  # type: ignore[no-untyped-def]
        if parts[-1] == b"boom.md":
            raise OSError("disk trouble")
        real_put(self, parts, mode, sha)

    monkeypatch.setattr(Tree, "put", put)
    with pytest.raises(OSError):
        with Store(book).batch() as b:
            b.commit(action("acme", 1), message("acme", 1), author=OP, when=WHEN)
            try:
                b.commit({"cases/bolt/a.md": b"a\n", "cases/bolt/boom.md": b"b\n"}, "half", author=OP, when=WHEN)
            except OSError:
                with pytest.raises(BookError, match="an earlier commit of this batch failed"):
                    b.commit(action("cora", 2), message("cora", 2), author=OP, when=WHEN)
                raise
    assert git(book, "log", "-2", "--format=%s").splitlines() == ["acme: reminder 1 (email)", "start"]
    assert status(book) == "" and not (book / "cases/bolt/a.md").exists()
