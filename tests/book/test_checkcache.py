"""The warm check (`checkcache.check_summary`) finds exactly what a whole load finds, after
every kind of change, and reads only the folders that changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from casebook.book import checkcache
from casebook.book.check import check
from casebook.book.checkcache import check_summary
from tests.book.test_check_output_stable import write_book
from tests.book.test_statwalk import age


def same_as_whole_load(root: Path) -> list:
    book, expected = check(root, cache=False)
    got = check_summary(root)
    assert got.problems == expected
    assert (got.cases, got.invoices) == (len(book.cases), sum(len(c.invoices) for c in book.cases.values()))
    return expected


def touch(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a new stat even within one tick


def test_every_change_gives_the_problems_of_a_whole_load(tmp_path):
    root = tmp_path / "book"
    write_book(root)
    age(root)  # folders the walk takes on trust from their kept layout
    first = same_as_whole_load(root)  # cold: fills the check cache
    assert same_as_whole_load(root) == first  # warm
    # A case's own file, fixed and broken.
    touch(root / "cases/klant-002/invoices/2026-0002.yaml", "number: 2026-0002\nissued: nope\n")
    same_as_whole_load(root)
    # A new payment naming another case's invoice: its message names that case.
    touch(root / "cases/klant-004/payments/p.yaml", "date: 2026-10-02\namount: 10\ninvoice: 2026-0005\n")
    assert any("belongs to case klant-005" in p.message for p in same_as_whole_load(root))
    # The case that holds an invoice number goes: the other case's duplicate is no longer one.
    twice = [p for p in same_as_whole_load(root) if "used twice" in p.message]
    assert twice
    shutil.rmtree(root / "cases/klant-001")
    assert len([p for p in same_as_whole_load(root) if "used twice" in p.message]) < len(twice)
    # The policies change: every case's own rules are judged again.
    touch(root / "policies/gentle.yaml",
          "stages:\n  - {id: reminder, after_due: 7, channel: email, template: reminder}\n")
    assert not any("unknown policy 'gentle'" in p.message for p in same_as_whole_load(root))
    touch(root / "casebook.yaml", (root / "casebook.yaml").read_text() + "currency: EUR\n")
    same_as_whole_load(root)


def test_a_warm_check_reads_only_the_folders_that_changed(tmp_path, monkeypatch):
    root = tmp_path / "book"
    write_book(root)
    check_summary(root)
    read: list[list[str]] = []
    real = checkcache.read_folders
    monkeypatch.setattr(checkcache, "read_folders",
                        lambda r, names, s, *walked: read.append(names) or real(r, names, s, *walked))
    check_summary(root)
    touch(root / "cases/klant-007/notes/n.md", "---\ndate: 2026-10-05\n---\nCalled.\n")
    check_summary(root)
    # The three folders that are no case are never kept; klant-007 is read once, after its change.
    never_kept = ["Janssens BV", "UPPER", "no-debtor"]
    assert read == [never_kept, sorted(never_kept + ["klant-007"])]


def test_without_a_git_folder_or_with_a_damaged_cache_nothing_changes(tmp_path):
    root = tmp_path / "book"
    write_book(root)
    expected = same_as_whole_load(root)
    for kept in (root / ".git" / "casebook").glob("check-cache*"):
        kept.write_bytes(b"not a pickle")
    assert check_summary(root).problems == expected
    shutil.rmtree(root / ".git")
    assert check_summary(root).problems == expected


def test_many_changed_folders_are_walked_once_and_the_walk_keeps_every_layout(tmp_path, monkeypatch):
    from casebook.book import parallelload
    from casebook.book.load import load_book
    from casebook.book.pickled import SplitPickle, cache_folder

    root = tmp_path / "book"
    write_book(root)
    age(root)
    load_book(root)  # the load cache holds every case
    check_summary(root)
    check_summary(root)  # and the walk cache every case folder
    monkeypatch.setattr(checkcache, "PARALLEL_MIN_CASES", 1)  # changed folders read through the load cache
    walked: list[int] = []
    real = parallelload.walks
    monkeypatch.setattr(parallelload, "walks",
                        lambda r, names, layouts: walked.append(len(names)) or real(r, names, layouts))
    touch(root / "cases/klant-003/notes/n.md", "---\ndate: 2026-10-05\n---\nCalled.\n")
    touch(root / "cases/klant-009/notes/n.md", "---\ndate: 2026-10-06\n---\nCalled.\n")
    same_as_whole_load(root)
    layouts = SplitPickle(cache_folder(root), parallelload.WALK_CACHE, parallelload.CACHE_VERSION).entries
    assert walked == [len(os.listdir(root / "cases"))]  # check_summary's own walk, once
    # Every case folder's layout but those of the two changed just now (not trusted yet).
    assert sorted(layouts) == sorted(n for n in os.listdir(root / "cases")
                                     if n.startswith("klant-") and n not in ("klant-003", "klant-009"))
