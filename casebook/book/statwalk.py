"""The stat of a case folder with the fewest system calls: what a warm run asks of the
disk (`casebook.book.casefolder.walk`), and the fingerprint made of it.

`folder_fingerprint` lists the case folder and each record folder, then stats every file.
Listing a folder costs about four system calls and a stat one, and a folder's own
modification time and inode change whenever an entry is added, removed or renamed in it
(not when a file is edited in place: that the file's own stat shows). So when a folder's
stat is what it was, its names are too, and the walk stats the names it kept instead of
listing the folder again, as `git status` does with its untracked cache. The fingerprint
is the same, byte for byte, whichever way it was reached. A cold load's own listings lay
out the first walk (`casebook.book.parallelload`).

A folder changed within the last `RECENT_NS` is never taken on trust: its time stamp may
not have moved yet for a change made in the same clock tick as the listing.
"""

from __future__ import annotations

import hashlib
import os
import time

RECENT_NS = 2_000_000_000

# ((sub, mtime_ns, inode) of the case folder ("") and of each record folder listed,
#  (sub, name, is_dir) of every entry of the signature, in its order)
Layout = tuple[tuple[tuple[str, int, int], ...], tuple[tuple[str, str, bool], ...]]


def signature_fingerprint(signature: tuple) -> str:
    """The loader's fingerprint of a case folder: a digest of its stat signature
    (`casebook.book.casefolder`)."""
    return hashlib.sha1(repr(signature).encode("utf-8", "surrogateescape")).hexdigest()


def layout_of(base: str, signature: tuple, folders: list[str]) -> Layout | None:
    """The layout of folder `base` as listed for `signature` (the folders listed: "" for
    `base` itself, then its record folders); None when one changed too recently to trust."""
    recent = time.time_ns() - RECENT_NS
    stats = []
    try:
        for sub in folders:
            st = os.lstat(os.path.join(base, sub) if sub else base)
            if st.st_mtime_ns >= recent:
                return None
            stats.append((sub, st.st_mtime_ns, st.st_ino))
    except OSError:
        return None
    return tuple(stats), tuple((item[0], item[1], len(item) == 2) for item in signature)


def from_layout(base: str, layout: Layout) -> str | None:
    """The fingerprint of folder `base` walked from its kept layout; None when a folder
    of it changed (then it has to be listed again)."""
    folders, entries = layout
    lstat = os.lstat
    # Plain string joins: this loop runs for every file of the book (os.path.join was a
    # third of it).
    prefix = {sub: f"{base}/{sub}/" if sub else f"{base}/" for sub, _, _ in folders}
    try:
        for sub, mtime, inode in folders:
            st = lstat(prefix[sub])
            if st.st_mtime_ns != mtime or st.st_ino != inode:
                return None
        found: list[tuple] = []
        for sub, name, is_dir in entries:
            if is_dir:
                found.append((sub, name))
            else:
                st = lstat(prefix[sub] + name)
                found.append((sub, name, st.st_mode, st.st_mtime_ns, st.st_size, st.st_ino))
    except (OSError, KeyError):
        return None
    return signature_fingerprint(tuple(found))
