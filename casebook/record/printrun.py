"""`casebook print`'s book side: which letters go on paper today, their committed pages, and
the notes that record they were posted.

`paper_post(root, book, day)` finds every action dated `day` on a paper channel (`letter`,
`registered`; optionally only some stages) and reads its printable page
`actions/<stem>.html` as committed (git HEAD; the working tree for a file not committed
yet), so the print is the letter the book recorded; `casebook.letters.printbatch` lays them
out. Printing changes nothing in the book. `record_posted` is the separate step of saying
the letters went out: one note per case (`notes/<date>-letter.md`, channel `letter`, as
`casebook note` writes it), all committed in one commit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from casebook.book.errors import BookError
from casebook.book.load import load_book
from casebook.book.model import Book
from casebook.letters.printbatch import PAPER_CHANNELS, PostItem
from casebook.record.committing import Record, recorder
from casebook.record.gitstore import Store
from casebook.record.recording import note_record


def paper_post(root: Path, book: Book, day: date, *, stages: Iterable[str] = (),
               channels: Iterable[str] = PAPER_CHANNELS) -> list[PostItem]:
    """The paper letters of `day` (in the book's order; `post_order` sorts them for print)."""
    wanted_stages, wanted_channels = set(stages), set(channels) & set(PAPER_CHANNELS)
    store = Store(root)
    items, missing = [], []
    for case in book.cases.values():
        for action in case.actions:
            label = action.stage or str(action.kind)
            if (action.date != day or action.channel not in wanted_channels
                    or (wanted_stages and label not in wanted_stages)):
                continue
            rel = f"{case.folder}/actions/{action.id}.html"
            page = _committed(store, rel)
            if page is None:
                missing.append(rel)
                continue
            address = case.address
            items.append(PostItem(
                case_id=case.id, debtor=case.name, address=address.lines(),
                postcode=address.postcode, country=address.country, channel=action.channel,
                stage=label, html=page.decode("utf-8"), action=action.id))
    if missing:
        raise BookError("no printable page for " + ", ".join(missing)
                        + ": these letters were recorded without their HTML; nothing printed")
    return items


def _committed(store: Store, rel: str) -> bytes | None:
    """The file as in git HEAD, else as in the working tree, else None."""
    try:
        return store.repo.head.commit.tree[rel].data_stream.read()
    except (KeyError, ValueError):
        pass
    path = store.root / rel
    return path.read_bytes() if path.is_file() else None


def posted_text(stages: Sequence[tuple[str, str]], printed_in: str) -> str:
    """`Posted reminder letter (printed in post.pdf)`; registered ones say so."""
    parts = [f"{stage} letter" + (" by registered post" if channel == "registered" else "")
             for stage, channel in stages]
    return f"Posted {' and '.join(parts)} (printed in {printed_in})"


def record_posted(root: Path, items: Sequence[PostItem], *, day: date, printed_in: str,
                  by: str = "") -> tuple[str, list[Record]]:
    """One note per case of `items` saying its letters were posted, in ONE commit.

    Under the writer lock, after recovery, on the book as it is then; refused (nothing
    recorded) when a case already has exactly this note (the same print recorded twice).
    Returns the commit id and the records.
    """
    per_case: dict[str, list[tuple[str, str]]] = {}
    for item in items:
        per_case.setdefault(item.case_id, []).append((item.stage, item.channel))
    store = Store(root)
    with store.lock():
        store.check_writable()
        store.recover()
        book = load_book(root).book
        author, name = recorder(store, book)
        records = [note_record(root, book, case_id=case_id, when=day, channel="letter",
                               by=by or name, text=posted_text(stages, printed_in))
                   for case_id, stages in sorted(per_case.items())]
        for record in records:
            same = _identical(root, record)
            if same is not None:
                raise BookError(f"{same} already records exactly this (printed and recorded "
                                "before?); nothing recorded")
        count = len(records)
        message = (f"Posted {len(items)} letter{'s' if len(items) != 1 else ''} of {day} to "
                   f"{count} debtor{'s' if count != 1 else ''} (printed in {printed_in})\n\n"
                   + "".join(f"- {r.case_id}: {r.path}\n" for r in records))
        sha = store.commit({r.path: r.content for r in records}, message, author=author)
    return sha, records


def _identical(root: Path, record: Record) -> str | None:
    folder = (root / record.path).parent
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return None
    for entry in entries:
        if (entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_size == len(record.content)
                and Path(entry.path).read_bytes() == record.content):
            return f"{Path(record.path).parent.as_posix()}/{entry.name}"
    return None


__all__ = ["paper_post", "posted_text", "record_posted"]
