"""Git objects written by hand: a pack of our own for `Store.batch` (`casebook.record.gitbatch`).

`git fast-import` (and `git commit`) re-serialise every tree on the path of a change: in a
book of 10,000 cases the `cases/` tree is 300 kB, so each commit costs milliseconds of
formatting and delta search. Here that tree is kept serialised and patched in place (a
commit only changes the 20-byte id of one case's entry), and is stored in the pack as a
delta against its last full copy, a delta whose instructions are known without any
search. Small trees, blobs and commits are stored whole. The pack and its index follow
git's documented formats (pack v2, idx v2); `git fsck` checks them in the tests.

This module is the writing: `Tree` (a tree being edited), `Pack` (the pack file and its
index) and `CatFile` (the reader of the trees a batch edits). The byte formats themselves
(ids, entry headers, deltas, tree entries, commit times) are `casebook.record.gitobjects`;
the names the export and the batch import from here (`blob_id`, `tree_entries`,
`git_time`, `prepare_blob`, ...) are re-exported from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import tempfile
import zlib
from pathlib import Path
from typing import Callable, Iterator

import git

from casebook.book.errors import BookError
from casebook.record.gitobjects import (
    BLOB,
    COMMIT,
    MODE_DIR,
    MODE_FILE,
    OFS_DELTA,
    TREE,
    PreparedBlob,
    blob_id,
    deflate,
    delta,
    git_time,
    object_header,
    object_id,
    ofs,
    prepare_blob,
    tree_entries,
    whole_entry,
)

# The export and the tests import the formats from here, next to the writers.
__all__ = [
    "BLOB", "COMMIT", "MODE_DIR", "MODE_FILE", "OFS_DELTA", "TREE", "CatFile", "Pack",
    "PreparedBlob", "Tree", "blob_id", "git_time", "prepare_blob", "tree_entries",
]

_DELTA_MIN = 4096  # trees below this size are stored whole
_DELTA_MAX_PATCHES = 64  # then a new full copy, so deltas stay small
# A big tree's id is hashed again from the first changed byte only: the hash state is kept
# at every `_HASH_STEP` bytes of its content. A run takes the cases in id order, so each
# commit changes the `cases/` tree further along: half of it is hashed on average, not all.
_HASH_STEP = 16384


class Tree:
    """A tree being edited: loaded lazily, serialised incrementally."""

    __slots__ = ("_read", "sha", "entries", "children", "data", "offsets", "_layout_dirty",
                 "_dirty", "_changed", "_touched", "base", "patched", "copies", "_marks",
                 "_clean_to")

    def __init__(self, read: Callable[[bytes], bytes], sha: bytes | None) -> None:
        self._read = read
        self.sha = sha
        self.entries: dict[bytes, list] | None = None  # name -> [mode, sha]
        self.children: dict[bytes, Tree] = {}
        self.data = bytearray()
        self.offsets: dict[bytes, int] = {}
        self._layout_dirty = True
        self._dirty = False
        self._changed: set[bytes] = set()  # entries whose id changed since the last write
        self._touched: set[bytes] = set()  # children changed since the last write
        self.base: tuple[int, bytes] | None = None  # (pack offset, content) of the last full copy
        self.patched: set[int] = set()
        self.copies: dict[tuple[int, int], bytes] = {}  # delta copy instructions against `base`
        self._marks: list = []  # sha1 states after the header and each `_HASH_STEP` bytes
        self._clean_to = 0  # the bytes before this offset are those `_marks` hashed

    def load(self) -> dict[bytes, list]:
        if self.entries is None:
            self.entries = {}
            if self.sha is not None:
                for mode, name, sha in tree_entries(self._read(self.sha)):
                    self.entries[name] = [mode, sha]
        return self.entries

    def child(self, name: bytes, create: bool) -> Tree | None:
        child = self.children.get(name)
        if child is not None:
            return child
        entry = self.load().get(name)
        if entry is not None and entry[0] == MODE_DIR:
            child = Tree(self._read, entry[1])
        elif create:
            child = Tree(self._read, None)
            if entry is not None:  # a file where a folder must go
                del self.entries[name]  # type: ignore[union-attr]
            self._layout_dirty = True
        else:
            return None
        self.children[name] = child
        return child

    def put(self, parts: list[bytes], mode: bytes, sha: bytes) -> None:
        self._dirty = True
        entries = self.load()
        if len(parts) == 1:
            name = parts[0]
            if name in self.children:  # a folder where a file must go
                del self.children[name]
            old = entries.get(name)
            if old is None or old[0] != mode:
                self._layout_dirty = True
            entries[name] = [mode, sha]
            self._changed.add(name)
            return
        child = self.child(parts[0], create=True)
        assert child is not None
        child.put(parts[1:], mode, sha)
        self._touched.add(parts[0])

    def remove(self, parts: list[bytes]) -> None:
        entries = self.load()
        if len(parts) == 1:
            if parts[0] in entries and entries[parts[0]][0] != MODE_DIR:
                del entries[parts[0]]
                self._dirty = self._layout_dirty = True
            return
        child = self.child(parts[0], create=False)
        if child is not None:
            child.remove(parts[1:])
            if child._dirty:
                self._dirty = True
                self._touched.add(parts[0])

    def write(self, pack: Pack) -> bytes:
        """Write this tree (and its changed subtrees) to `pack`; returns its id."""
        if not self._dirty:
            assert self.sha is not None or not self.load()
            return self.sha or pack.add(TREE, b"")
        entries = self.load()
        for name in self._touched:
            child = self.children.get(name)
            if child is not None and child._dirty:
                sha = child.write(pack)
                if child.entries == {} and not child.children:
                    entries.pop(name, None)  # git keeps no empty folder
                    del self.children[name]
                    self._layout_dirty = True
                    continue
                if name not in entries:
                    self._layout_dirty = True
                entries[name] = [MODE_DIR, sha]
                self._changed.add(name)
        self._touched = set()
        if self._layout_dirty:
            self._layout()
        else:
            for name in self._changed:
                at = self.offsets[name]
                sha = entries[name][1]
                if self.data[at : at + 20] != sha:
                    self.data[at : at + 20] = sha
                    self.patched.add(at)
                    self._clean_to = min(self._clean_to, at)
        self._changed = set()
        self.sha = pack.add_tree(self)
        self._dirty = False
        return self.sha

    def _layout(self) -> None:
        entries = self.load()
        order = sorted(entries, key=lambda n: n + b"/" if entries[n][0] == MODE_DIR else n)
        data = bytearray()
        offsets = {}
        for name in order:
            mode, sha = entries[name]
            data += mode + b" " + name + b"\x00"
            offsets[name] = len(data)
            data += sha
        self.data, self.offsets = data, offsets
        self._layout_dirty = False
        self.rebase(None)
        self._marks = []
        self._clean_to = 0

    def rebase(self, base: tuple[int, bytes] | None) -> None:
        """Deltas from now on against `base` (pack offset, content of a full copy; None:
        none yet): no id patched against it so far, no copy instruction spelled out."""
        self.base = base
        self.patched = set()
        self.copies = {}

    def object_id(self) -> bytes:
        """The id of the tree as `data` holds it now (`gitobjects.object_id(TREE, data)`),
        hashing only what changed since the last call and what follows it."""
        data = self.data
        if len(data) < 2 * _HASH_STEP:
            return object_id(TREE, data)
        marks = self._marks
        del marks[self._clean_to // _HASH_STEP + 1 :]
        if not marks:
            marks.append(hashlib.sha1(b"tree %d\x00" % len(data)))
        at = (len(marks) - 1) * _HASH_STEP
        state = marks[-1].copy()
        with memoryview(data) as view:
            while at + _HASH_STEP <= len(data):
                state.update(view[at : at + _HASH_STEP])
                at += _HASH_STEP
                marks.append(state.copy())
            state.update(view[at:])
        self._clean_to = len(data)
        return state.digest()

    def forget_bases(self) -> None:
        """The pack holding the delta bases is finished: the next copies start anew."""
        self.rebase(None)
        for child in self.children.values():
            child.forget_bases()


class CatFile:
    """One `git cat-file --batch` for all the trees a batch reads (GitPython's persistent
    reader costs more per object than the reading itself)."""

    def __init__(self, repo: git.Repo) -> None:
        self._handle = repo.git.execute(
            ["git", "cat-file", "--batch"], as_process=True, istream=subprocess.PIPE
        )
        self._process = self._handle.proc

    def read(self, sha: str) -> bytes:
        stdin = self._process.stdin
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        return self._answer(sha)

    def read_many(self, shas: list[bytes], chunk: int = 128) -> Iterator[tuple[bytes, bytes]]:
        """(sha, data) of each object, asking for `chunk` at a time (a few kB of requests:
        never enough to fill the pipe while git waits for us to read its answers)."""
        stdin = self._process.stdin
        for start in range(0, len(shas), chunk):
            part = shas[start : start + chunk]
            stdin.write(b"".join(sha.hex().encode() + b"\n" for sha in part))
            stdin.flush()
            for sha in part:
                yield sha, self._answer(sha.hex())

    def _answer(self, sha: str) -> bytes:
        stdout = self._process.stdout
        header = stdout.readline().split()
        if len(header) != 3:
            raise BookError(f"git cannot read object {sha}: {b' '.join(header).decode()}")
        data = stdout.read(int(header[2]))
        stdout.read(1)
        return data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()


class Pack:
    """A pack file being written (`objects/pack/tmp_pack_casebook_*` until `finish`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        fd, name = tempfile.mkstemp(dir=folder, prefix="tmp_pack_casebook_")
        self.path = Path(name)
        self.file = os.fdopen(fd, "w+b")
        self.file.write(b"PACK\x00\x00\x00\x02\x00\x00\x00\x00")  # count set at the end
        self.offset = 12
        self.index: dict[bytes, tuple[int, int]] = {}  # sha -> (offset, crc32)

    def add(self, kind: int, data: bytes | bytearray) -> bytes:
        sha = object_id(kind, data)
        if sha not in self.index:
            self._write(sha, whole_entry(kind, data))
        return sha

    def add_prepared(self, prepared: PreparedBlob) -> bytes:
        """A blob `prepare_blob` made (maybe in another process): the bytes `add` writes."""
        sha, entry = prepared
        if sha not in self.index:
            self._write(sha, entry)
        return sha

    def add_tree(self, tree: Tree) -> bytes:
        data = tree.data
        sha = tree.object_id()
        if sha in self.index:
            return sha
        base = tree.base
        if (
            base is not None
            and len(data) >= _DELTA_MIN
            and len(base[1]) == len(data)
            and len(tree.patched) <= _DELTA_MAX_PATCHES
        ):
            patch = delta(len(base[1]), data, sorted(tree.patched), tree.copies)
            header = object_header(OFS_DELTA, len(patch)) + ofs(self.offset - base[0])
            self._write(sha, header + deflate(patch))
        else:
            offset = self.offset
            self._write(sha, whole_entry(TREE, data))
            if len(data) >= _DELTA_MIN:
                tree.rebase((offset, bytes(data)))
        return sha

    def _write(self, sha: bytes, entry: bytes) -> None:
        self.file.write(entry)
        self.index[sha] = (self.offset, zlib.crc32(entry))
        self.offset += len(entry)

    def finish(self) -> None:
        """Seal the pack, write its index, fsync both, and move them where git looks."""
        count = len(self.index)
        if count >= 2**32 or self.offset >= 2**31:
            raise BookError("a batch pack grew too large; flush more often")
        self.file.seek(8)
        self.file.write(count.to_bytes(4, "big"))
        self.file.flush()
        self.file.seek(0)
        digest = hashlib.sha1()
        for chunk in iter(lambda: self.file.read(1 << 20), b""):
            digest.update(chunk)
        checksum = digest.digest()
        self.file.seek(0, os.SEEK_END)
        self.file.write(checksum)
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        names = sorted(self.index)
        fanout = [0] * 256
        for sha in names:
            fanout[sha[0]] += 1
        total = 0
        table = bytearray(b"\xfftOc\x00\x00\x00\x02")
        for n in fanout:
            total += n
            table += total.to_bytes(4, "big")
        for sha in names:
            table += sha
        for sha in names:
            table += self.index[sha][1].to_bytes(4, "big")
        for sha in names:
            table += self.index[sha][0].to_bytes(4, "big")
        table += checksum
        table += hashlib.sha1(table).digest()
        stem = self.folder / f"pack-{checksum.hex()}"
        os.chmod(self.path, 0o444)
        os.replace(self.path, stem.with_suffix(".pack"))
        fd, name = tempfile.mkstemp(dir=self.folder, prefix="tmp_idx_casebook_")
        with os.fdopen(fd, "wb") as handle:
            handle.write(table)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, 0o444)
        os.replace(name, stem.with_suffix(".idx"))  # git uses a pack once its .idx exists
        _fsync_folder(self.folder)

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
