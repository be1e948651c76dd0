"""The stat of a case folder with the fewest system calls: what a warm `check` asks of
the disk.

`folder_fingerprint` lists the case folder and each record folder, then stats every file.
Listing a folder costs about four system calls and a stat one, and a folder's own
modification time and inode change whenever an entry is added, removed or renamed in it
(not when a file is edited in place: that the file's own stat shows). So when a folder's
stat is what it was, its names are too, and the walk stats the names it kept instead of
listing the folder again; as `git status` does with its untracked cache. The fingerprint
is the loader's, byte for byte (`casebook.book.casefolder`), whichever way it was reached.

A folder changed within the last `RECENT_NS` is never taken on trust: its time stamp may
not have moved yet for a change made in the same clock tick as the listing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from casebook.book.casefolder import folder_signature, signature_fingerprint

RECENT_NS = 2_000_000_000

# ((sub, mtime_ns, inode) of the case folder ("") and of each record folder listed,
#  (sub, name, is_dir) of every entry of the signature, in its order)
Layout = tuple[tuple[tuple[str, int, int], ...], tuple[tuple[str, str, bool], ...]]


def walk(root: Path, case_id: str, layout: Layout | None) -> tuple[str | None, Layout | None]:
    """(fingerprint, layout) of folder `cases/<case_id>`: the fingerprint the loader gives
    it (None when the loader would not cache it), and the layout for the next walk (None
    when it cannot be trusted)."""
    base = os.path.join(os.fspath(root), "cases", case_id)
    if layout is not None:
        fingerprint = _from_layout(base, layout)
        if fingerprint is not None:
            return fingerprint, layout
    found = folder_signature(root, case_id)
    if found is None:
        return None, None
    signature, folders = found
    return signature_fingerprint(signature), _layout(base, signature, folders)


def _layout(base: str, signature: tuple, folders: list[str]) -> Layout | None:
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


def _from_layout(base: str, layout: Layout) -> str | None:
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
