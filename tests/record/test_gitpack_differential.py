"""casebook's own git writer against git itself.

`Store.batch` does not call `git commit`: it hashes blobs, lays out and patches trees
(casebook.record.gitpack), spells commits (casebook.record.gitbatch) and writes packs of its
own. Here Hypothesis generates batches of objects (blobs of random bytes, empty and binary;
trees with nested folders and names that sort trickily: `a`, `a.b`, `a-`, folder `a`, which
git sorts as `a/`; files replaced by folders and back; deletions that empty folders;
commits with authors, dates in any time zone, messages and parents) and every id casebook
computes must be the one git computes from the same content in a second repository:
`git hash-object -w --stdin`, `git mktree`, `git commit-tree` (message cleaned by
`git stripspace`, as `git commit -m` does; identity and dates in GIT_AUTHOR_*/GIT_COMMITTER_*).
The repository casebook wrote its packs into must then pass `git fsck --full --strict`, and
`git cat-file -p` must give every object back from those packs.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.book.model import Operator
from casebook.record.gitpack import BLOB, MODE_FILE, Pack, Tree
from casebook.record.gitstore import Store

from ..conftest import git

DIFFERENTIAL = settings(
    max_examples=int(os.environ.get("CASEBOOK_FUZZ_EXAMPLES", "25")), deadline=None,
    derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def git_bytes(root: Path, *args: str, data: bytes = b"",
              env: dict[str, str] | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=root, input=data, capture_output=True,
                          env={**os.environ, **(env or {})}, check=False)
    assert done.returncode == 0, (args, done.stderr.decode(errors="replace"))
    return done.stdout


def new_repo(parent: Path, name: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    git(root, "init", "-q", "-b", "main")
    return root


class Git:
    """The reference: the same objects made by git's own commands, in a repository of their own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._blobs: dict[bytes, str] = {}
        self._trees: dict[tuple, str] = {}

    def blob(self, data: bytes) -> str:
        if data not in self._blobs:
            self._blobs[data] = git_bytes(self.root, "hash-object", "-w", "--stdin",
                                          data=data).decode().strip()
        return self._blobs[data]

    def tree(self, files: dict[str, bytes]) -> str:
        """The id of the tree holding `files` (path -> content), folder by folder."""
        folders: dict[str, dict[str, bytes]] = {}
        entries: list[tuple[str, str, str, str]] = []
        for path, data in files.items():
            head, sep, rest = path.partition("/")
            if sep:
                folders.setdefault(head, {})[rest] = data
            else:
                entries.append(("100644", "blob", self.blob(data), head))
        for name, inner in folders.items():
            entries.append(("040000", "tree", self.tree(inner), name))
        key = tuple(sorted(entries))
        if key not in self._trees:
            # mktree sorts the entries itself, by git's rule: the reference for ours.
            lines = b"".join(f"{mode} {kind} {sha}\t".encode() + name.encode() + b"\x00"
                             for mode, kind, sha, name in entries)
            self._trees[key] = git_bytes(self.root, "mktree", "-z", data=lines).decode().strip()
        return self._trees[key]

    def commit(self, tree: str, parent: str | None, message: str, who: Operator,
               when: datetime) -> str:
        stamp = when.isoformat()
        env = {"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_NAME": who.name,
               "GIT_COMMITTER_EMAIL": who.email, "GIT_COMMITTER_DATE": stamp}
        text = git_bytes(self.root, "stripspace", data=message.encode("utf-8"))
        parents = ["-p", parent] if parent else []
        return git_bytes(self.root, "commit-tree", tree, *parents, data=text,
                         env=env).decode().strip()


def put(state: dict[str, bytes], path: str, data: bytes) -> None:
    """What a commit of `path` leaves: a file where a folder was, a folder where a file was."""
    parts = path.split("/")
    for n in range(1, len(parts)):
        state.pop("/".join(parts[:n]), None)
    for other in [p for p in state if p.startswith(path + "/")]:
        del state[other]
    state[path] = data


def fsck_is_clean(root: Path, *reachable: str) -> None:
    """`git fsck --full --strict` finds nothing, with `reachable` (trees) tagged so that it
    also follows them to every object they name."""
    refs = "".join(f"create refs/tags/checked-{n} {sha}\n" for n, sha in enumerate(reachable))
    git_bytes(root, "update-ref", "--stdin", data=refs.encode())
    done = subprocess.run(["git", "fsck", "--full", "--strict", "--no-dangling"], cwd=root,
                          capture_output=True, text=True, check=False)
    said = [line for line in (done.stdout + done.stderr).splitlines()
            if line.strip() and not line.startswith("notice: HEAD points to an unborn branch")]
    assert done.returncode == 0 and not said, "\n".join(said)


def packed_objects(root: Path) -> dict[str, str]:
    """id -> type of every object in the repository's packs (none of them loose)."""
    found = {}
    for index in (root / ".git" / "objects" / "pack").glob("*.idx"):
        for line in git(root, "verify-pack", "-v", str(index)).splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[1] in ("blob", "tree", "commit"):
                found[fields[0]] = fields[1]
    return found


# -- what is generated ----------------------------------------------------------------------

#: Names whose order in a tree is git's own rule: a folder sorts as if its name ended in `/`.
TRICKY = ["a", "a.b", "a-", "a-b", "a0", "a_", "a b", "aé", "A", "b", ".a", "a.", "-", "_"]
name = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet="ab-._0é +", min_size=1, max_size=4).filter(lambda n: n not in (".", "..")),
)
path = st.lists(name, min_size=1, max_size=3).map("/".join)
content = st.one_of(
    st.just(b""),
    st.binary(max_size=40),
    st.binary(min_size=1, max_size=3000),
    st.sampled_from([b"\x00", b"\n", b"\r\n", b"\xff\xfe", b"name: x\n", b"\x00" * 100]),
)


def _no_crud_at_the_ends(text: str) -> bool:
    # git trims these from the ends of names and emails ("Studio B.V." becomes "Studio B.V");
    # casebook does not: not what this test is about.
    return bool(text) and text == text.strip(" .,:;<>\"\\'\t")


operator = st.builds(
    Operator,
    st.text(alphabet="AZaz éÖ'.-,", min_size=1, max_size=20).filter(_no_crud_at_the_ends),
    st.from_regex(r"[a-z0-9][a-z0-9.+_-]{0,8}@[a-z0-9][a-z0-9.-]{0,8}[a-z]", fullmatch=True),
)
#: Moments in whole seconds, in time zones of whole minutes either side of UTC.
moment = st.builds(
    lambda day, minutes: day.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1975, 1, 1), max_value=datetime(2099, 12, 31)),
    st.sampled_from([0, 60, 120, -300, -30, 30, 330, 345, 525, -570, 840, -720])
    | st.integers(-720, 840),
)
#: Messages as `git commit -m` takes them: some text, any ASCII blanks around its lines.
message = st.text(alphabet="ab Z9#:-.\t\n\r😀é", min_size=1, max_size=80).filter(
    lambda m: m.strip(" \t\n\r"))


# -- the pack writer on its own -------------------------------------------------------------


def _no_reads(sha: bytes) -> bytes:
    raise AssertionError(f"the writer read {sha.hex()}: every tree here is made in memory")


@DIFFERENTIAL
@given(
    commits=st.lists(st.lists(st.tuples(path, st.none() | content), min_size=1, max_size=6),
                     min_size=1, max_size=5),
    flush_every=st.integers(1, 3),
)
def test_blobs_and_trees_are_the_ones_git_makes(tmp_path, commits, flush_every):
    reference = Git(new_repo(tmp_path, "reference"))
    ours = new_repo(tmp_path, "ours")
    folder = ours / ".git" / "objects" / "pack"
    root, pack = Tree(_no_reads, None), Pack(folder)
    state: dict[str, bytes] = {}
    blobs: dict[str, bytes] = {}
    trees: list[str] = []
    for n, changes in enumerate(commits, 1):
        for rel, data in changes:
            parts = rel.encode("utf-8").split(b"/")
            if data is None:
                root.remove(parts)
                state.pop(rel, None)  # a folder is not removed by removing its name
            else:
                sha = pack.add(BLOB, data).hex()
                assert sha == reference.blob(data), data
                blobs[sha] = data
                root.put(parts, MODE_FILE, bytes.fromhex(sha))
                put(state, rel, data)
        tree = root.write(pack).hex()
        assert tree == reference.tree(state), sorted(state)
        trees.append(tree)
        if n % flush_every == 0 or n == len(commits):
            pack.finish()
            root.forget_bases()
            pack = Pack(folder)
    pack.abandon()

    fsck_is_clean(ours, *dict.fromkeys(trees))
    assert set(packed_objects(ours)) >= set(blobs) | set(trees)
    for sha, data in blobs.items():
        assert git_bytes(ours, "cat-file", "-p", sha) == data
    for tree in trees:
        assert git_bytes(ours, "cat-file", "-p", tree) == \
            git_bytes(reference.root, "cat-file", "-p", tree)
        assert git(ours, "ls-tree", "-r", "--name-only", "-z", tree) == \
            git(reference.root, "ls-tree", "-r", "--name-only", "-z", tree)


@pytest.mark.parametrize("cases", [200, 1200])
def test_big_trees_stored_as_deltas_are_the_ones_git_makes(tmp_path, cases):
    """A folder of 200 cases (6 kB of tree): each commit patches one id in place and stores
    the tree as a delta against its last full copy, a new full copy after 64 patches and
    after each finished pack. At 1,200 cases (36 kB) the tree's id is hashed again from the
    first changed byte on (`Tree.object_id`), the cases changed in no order."""
    reference = Git(new_repo(tmp_path, "reference"))
    ours = new_repo(tmp_path, "ours")
    folder = ours / ".git" / "objects" / "pack"
    root, pack = Tree(_no_reads, None), Pack(folder)
    state: dict[str, bytes] = {}
    trees, states = [], []
    for case in range(cases):
        rel = f"cases/c{case:04}/debtor.yaml"
        state[rel] = f"name: c{case}\n".encode()
        root.put(rel.encode().split(b"/"), MODE_FILE, pack.add(BLOB, state[rel]))
    trees.append(root.write(pack).hex())
    states.append(dict(state))
    for n in range(150):
        rel = f"cases/c{(n * 37) % cases:04}/actions/{n}.yaml"
        state[rel] = f"kind: stage\nn: {n}\n".encode()
        root.put(rel.encode().split(b"/"), MODE_FILE, pack.add(BLOB, state[rel]))
        rel = f"cases/c{(n * 53) % cases:04}/debtor.yaml"
        state[rel] = f"name: changed {n}\n".encode()
        root.put(rel.encode().split(b"/"), MODE_FILE, pack.add(BLOB, state[rel]))
        trees.append(root.write(pack).hex())
        states.append(dict(state))
        if n == 100:
            pack.finish()
            root.forget_bases()
            pack = Pack(folder)
    pack.finish()

    for tree, files in zip(trees, states):
        assert tree == reference.tree(files)
    fsck_is_clean(ours, *dict.fromkeys(trees))
    deltas = [line for index in folder.glob("*.idx")
              for line in git(ours, "verify-pack", "-v", str(index)).splitlines()
              if len(line.split()) == 7]  # id, type, sizes, offset, depth, base
    assert len(deltas) > 100, "the trees were not stored as deltas"
    # Every version of the trees that git reads back from the packs is the one git wrote.
    for tree in trees[::7] + trees[-3:]:
        assert git_bytes(ours, "ls-tree", "-r", "-z", tree) == \
            git_bytes(reference.root, "ls-tree", "-r", "-z", tree)


# -- whole commits, as Store.batch writes them ------------------------------------------------


@st.composite
def batch_plan(draw):
    """Commits over a pool of paths of which none is a folder of another (the working tree
    holds them all), each commit writing some of them and deleting some it wrote before."""
    pool = draw(st.lists(path, min_size=1, max_size=8, unique=True).filter(
        lambda paths: not any(q.startswith(p + "/") for p in paths for q in paths)))
    commits = []
    written: set[str] = set()
    for _ in range(draw(st.integers(1, 5))):
        files: dict[str, bytes | None] = {}
        for rel in draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True)):
            delete = rel in written and draw(st.booleans())
            files[rel] = None if delete else draw(content)
            (written.discard if delete else written.add)(rel)
        commits.append((files, draw(message), draw(operator), draw(moment)))
    return commits


@DIFFERENTIAL
@given(plan=batch_plan(), flush_every=st.integers(1, 3))
def test_commits_of_a_batch_are_the_ones_git_makes(tmp_path, plan, flush_every):
    book = new_repo(tmp_path, "book")
    (book / "seed").mkdir()
    (book / "seed" / "casebook.yaml").write_text("creditor: {name: Us}\n")
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "start")
    start = git(book, "rev-parse", "HEAD").strip()
    mirror = Path(tempfile.mkdtemp(prefix="reference-", dir=tmp_path))
    git(tmp_path, "clone", "-q", "--bare", str(book), str(mirror))
    reference = Git(mirror)
    state = {"seed/casebook.yaml": b"creditor: {name: Us}\n"}
    expected: list[str] = []
    blobs: dict[str, bytes] = {}

    with Store(book).batch(flush_every=flush_every) as batch:
        for files, text, who, when in plan:
            pending = batch.commit(files, text, author=who, when=when)
            for rel, data in files.items():
                if data is None:
                    state.pop(rel, None)
                else:
                    state[rel] = data
                    blobs[reference.blob(data)] = data
            parent = expected[-1] if expected else start
            expected.append(reference.commit(reference.tree(state), parent, text, who, when))
            assert pending.sha == expected[-1], git_bytes(
                mirror, "cat-file", "-p", expected[-1]).decode(errors="replace")

    assert batch.flushed == expected
    assert git(book, "rev-parse", "HEAD").strip() == expected[-1]
    fsck_is_clean(book)
    packed = packed_objects(book)
    assert set(expected) <= set(packed) and set(blobs) <= set(packed)
    for sha in expected:
        assert git_bytes(book, "cat-file", "-p", sha) == git_bytes(mirror, "cat-file", "-p", sha)
    for sha, data in blobs.items():
        assert git_bytes(book, "cat-file", "-p", sha) == data
    for rel, data in state.items():
        assert git_bytes(book, "cat-file", "-p", f"HEAD:{rel}") == data
        assert (book / rel).read_bytes() == data
    assert git(book, "status", "--porcelain", "--untracked-files=all") == ""

