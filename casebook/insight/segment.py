"""Change a debtor's segment when the user agrees: one line of `debtor.yaml`, one commit.

`debtor.yaml` is the user's file: comments, key order, quoting and line endings are theirs.
Only the value on the top-level `segment:` line changes (or, without one, a `segment:`
line is added at the end); every other line stays byte for byte. The result is read back
and compared with the original, key by key, before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from casebook.book.crashpoints import crash_point
from casebook.book.errors import BookError
from casebook.record.gitstore import Store
from casebook.record.history import CASE_TRAILER
from casebook.book.model import Operator
from casebook.book.schema import SLUG_RE
from casebook.book.yamlfile import read_yaml

_KEY = re.compile(rb"""^(["']?)segment\1[ \t]*:""")
_LINE = re.compile(
    rb"""^(?P<key>(["']?)segment\2[ \t]*:[ \t]*)"""  # the key, as written
    rb"""(?P<value>[^#\r\n]*?)"""  # the value: what is replaced
    rb"""(?P<tail>[ \t]*(?:\#[^\r\n]*)?)"""  # spaces and a comment, kept
    rb"""(?P<eol>\r?\n?)$"""
)


@dataclass(frozen=True, slots=True)
class SegmentChange:
    case_id: str
    old: str
    new: str
    sha: str | None
    """The commit recording the change; None when the segment was already `new`."""


def rewrite_segment(raw: bytes, new: str, *, path: str = "debtor.yaml") -> bytes:
    """`raw` with its `segment:` value set to `new`; BookError when that cannot be done safely."""
    if not SLUG_RE.match(new):
        raise BookError(f"{new!r} is no segment name: use lower-case letters, digits and dashes")
    before, problems = read_yaml(raw, path)
    if problems or not isinstance(before, dict):
        raise BookError(f"{path} cannot be read; fix it first (casebook check)", problems)
    lines = raw.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if _KEY.match(line)]
    if len(at) > 1:
        raise BookError(f"{path} has {len(at)} `segment:` lines; keep one and try again")
    if at:
        i = at[0]
        match = _LINE.match(lines[i])
        if match is None:
            raise BookError(f"{path}:{i + 1}: cannot rewrite this `segment:` line; edit it by hand")
        key, value, tail, eol = (match.group(g) for g in ("key", "value", "tail", "eol"))
        if value.strip():
            lines[i] = key + new.encode() + tail + eol
        else:
            comment = b" " + tail.lstrip() if tail.strip() else b""
            lines[i] = key.rstrip() + b" " + new.encode() + comment + eol
    else:
        newline = b"\r\n" if b"\r\n" in raw else b"\n"
        if lines and not lines[-1].endswith((b"\n", b"\r")):
            lines[-1] += newline
        lines.append(b"segment: " + new.encode() + newline)
    result = b"".join(lines)
    after, problems = read_yaml(result, path)
    if problems or not isinstance(after, dict) or after.get("segment") != new:
        raise BookError(f"{path}: cannot set the segment safely; edit it by hand", problems)
    others = {k: v for k, v in after.items() if k != "segment"}
    if others != {k: v for k, v in before.items() if k != "segment"}:
        raise BookError(f"{path}: changing the segment would change other keys; edit it by hand")
    return result


def set_segment(
    root: Path, case_id: str, new: str, *, reason: str = "", author: Operator | None = None
) -> SegmentChange:
    """Record `new` as the segment of `case_id`: rewrite `debtor.yaml` and commit it alone.

    Refuses when `debtor.yaml` has edits that are not committed (they would be committed
    with it, or lost). `reason` goes in the commit message body; `author` None: git's
    configured identity.
    """
    rel = f"cases/{case_id}/debtor.yaml"
    if not SLUG_RE.match(case_id):
        raise BookError(f"{case_id!r} is no case id")
    path = Path(root) / rel
    store = Store(Path(root))
    with store.lock():
        store.check_writable()
        store.recover()  # finish an interrupted commit before reading the file
        if not path.is_file():
            raise BookError(f"no case {case_id!r}: {rel} does not exist")
        if store.dirty_paths(rel):
            raise BookError(
                f"{rel} has changes that are not committed; commit or undo them first"
            )
        raw = path.read_bytes()
        data, _ = read_yaml(raw, rel)
        old = str(data.get("segment", "")) if isinstance(data, dict) else ""
        if old == new:
            return SegmentChange(case_id, old, new, None)
        updated = rewrite_segment(raw, new, path=rel)
        message = f"{case_id}: segment {old or '(none)'} -> {new}\n"
        if reason:
            message += f"\n{reason}\n"
        message += f"\n{CASE_TRAILER}: {case_id}\n"
        # A batch of one: the branch moves (with a journal), then the file changes, so a
        # crash never leaves the new segment on disk without its commit.
        crash_point("segment:before-commit")
        with store.batch() as batch:
            batch.commit({rel: updated}, message, author=author)
        crash_point("segment:committed")
        sha = batch.flushed[-1]
    return SegmentChange(case_id, old, new, sha)
