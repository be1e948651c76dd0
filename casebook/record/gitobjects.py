"""The byte formats of git objects: ids, pack entry headers, deltas, tree entries, times.

Pure encoding, no file and no repository: what an object's id is, how a pack stores an
object whole or as a delta, how a tree's entries and a commit's times are spelled. The pack
writer (`casebook.record.gitpack`) and the batch (`casebook.record.gitbatch`) build on it,
and the export reads trees and hashes blobs with it. Separate from the pack writer because
those readers need the formats and none of the writing.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime
from typing import Iterator

COMMIT, TREE, BLOB, OFS_DELTA = 1, 2, 3, 6
TYPE_NAMES = {COMMIT: b"commit", TREE: b"tree", BLOB: b"blob"}
MODE_FILE, MODE_DIR = b"100644", b"40000"


def blob_id(data: bytes) -> str:
    """The id git gives a blob of `data`."""
    return object_id(BLOB, data).hex()


def object_id(kind: int, data: bytes | bytearray) -> bytes:
    """The 20-byte id of an object of `kind` with content `data`."""
    return hashlib.sha1(b"%s %d\x00" % (TYPE_NAMES[kind], len(data)) + data).digest()


def whole_entry(kind: int, data: bytes | bytearray) -> bytes:
    """An object stored whole in a pack: its header, then its zlib-compressed bytes."""
    return object_header(kind, len(data)) + deflate(data)


def deflate(data: bytes | bytearray) -> bytes:
    """zlib at level 1, with a window and a hash table no larger than the data needs.

    zlib's defaults set up about 256 kB of state for every stream: for a tree of three
    entries that took 60 us, ten times the compressing (an advance writes three such trees
    and four files a commit). A window as large as the data finds the same matches, so
    the output is as small; any inflater reads it (git's among them).
    """
    bits = min(15, max(9, (len(data) - 1).bit_length()))
    stream = zlib.compressobj(1, zlib.DEFLATED, bits, min(8, max(1, bits - 6)))
    return stream.compress(data) + stream.flush()


def tree_entries(data: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    """(mode, name, 20-byte id) of each entry of a tree object's content."""
    i = 0
    while i < len(data):
        space = data.index(b" ", i)
        nul = data.index(b"\x00", space)
        yield data[i:space], data[space + 1 : nul], data[nul + 1 : nul + 21]
        i = nul + 21


def git_time(moment: datetime) -> str:
    """`<seconds> <+hhmm>`, a moment as a commit's author and committer lines give it."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    return f"{int(moment.timestamp())} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


PreparedBlob = tuple[bytes, bytes]
"""(object id, pack entry) of a blob: what `Pack.add(BLOB, data)` computes and writes."""


def prepare_blob(data: bytes) -> PreparedBlob:
    """Hash and compress a blob ahead of `Pack.add_prepared`: the work can be done where
    there is a core to spare (advance renders letters in worker processes)."""
    return object_id(BLOB, data), whole_entry(BLOB, data)


def blob_content(prepared: PreparedBlob) -> bytes:
    """The data of a prepared blob, back from its pack entry."""
    entry = prepared[1]
    start = 0
    while entry[start] & 0x80:  # the header's size bytes
        start += 1
    return zlib.decompress(entry[start + 1 :])


def object_header(kind: int, size: int) -> bytes:
    """A pack entry's type and size, in git's variable-length encoding."""
    out = bytearray([(kind << 4) | (size & 0x0F)])
    size >>= 4
    while size:
        out[-1] |= 0x80
        out.append(size & 0x7F)
        size >>= 7
    return bytes(out)


def ofs(distance: int) -> bytes:
    """An OFS_DELTA base distance in git's offset encoding."""
    out = [distance & 0x7F]
    distance >>= 7
    while distance:
        distance -= 1
        out.append(0x80 | (distance & 0x7F))
        distance >>= 7
    return bytes(reversed(out))


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _copy(offset: int, size: int) -> bytes:
    """The delta instructions copying `size` bytes of the base from `offset`."""
    out = bytearray()
    while size:
        step = min(size, 0xFFFFFF)
        command = 0x80
        args = bytearray()
        for i in range(4):
            byte = (offset >> (8 * i)) & 0xFF
            if byte:
                command |= 1 << i
                args.append(byte)
        for i in range(3):
            byte = (step >> (8 * i)) & 0xFF
            if byte:
                command |= 0x10 << i
                args.append(byte)
        out.append(command)
        out += args
        offset += step
        size -= step
    return bytes(out)


def delta(base_size: int, target: bytearray, patched: list[int],
          copies: dict[tuple[int, int], bytes] | None = None) -> bytes:
    """A delta turning the base into `target`, which differs from it in 20-byte ids at
    `patched` offsets only (sorted).

    `copies`: the copy instructions made for earlier deltas against the same base, kept by
    the caller: the next tree differs from the last one in one more id, so all but one or
    two of its copies were spelled out before.
    """
    if copies is None:
        copies = {}
    parts = [_varint(base_size) + _varint(len(target))]
    position = 0
    for at in list(patched) + [len(target)]:
        if at > position:
            span = (position, at - position)
            instructions = copies.get(span)
            if instructions is None:
                instructions = copies[span] = _copy(*span)
            parts.append(instructions)
        if at < len(target):
            parts.append(b"\x14")  # insert the next 20 bytes
            parts.append(target[at : at + 20])
        position = at + 20
    return b"".join(parts)
