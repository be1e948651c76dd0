"""The walk from a kept layout gives the loader's fingerprint, and sees every change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casebook.book import casefolder, parallelload
from casebook.book.casefolder import folder_fingerprint, walk
from casebook.book.loadcache import CaseCache
from casebook.book.pickled import SplitPickle, cache_folder
from tests.conftest import write_files

CASE = "klant-001"


def age(root: Path, seconds: int = 60) -> None:
    """Every file and folder of the book as if last changed a minute ago (a layout is only
    kept for folders not changed within the last two seconds)."""
    past = (os.stat(root).st_mtime_ns - seconds * 10**9,) * 2
    for folder, _, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(folder, name), ns=past)
        os.utime(folder, ns=past)


def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    write_files(root, {
        f"cases/{CASE}/debtor.yaml": "name: Klant BV\n",
        f"cases/{CASE}/invoices/a.yaml": "number: A\n",
        f"cases/{CASE}/notes/n.md": "---\ndate: 2026-10-05\n---\n",
        f"cases/{CASE}/letters/x.html": "<p>kept out of the signature's files</p>\n",
    })
    age(root)
    return root


def test_a_kept_layout_gives_the_loaders_fingerprint_and_needs_no_listing(tmp_path, monkeypatch):
    root = book(tmp_path)
    fingerprint, layout = walk(root, CASE, None)
    assert fingerprint == folder_fingerprint(root, CASE) and layout is not None
    monkeypatch.setattr(casefolder, "folder_signature", lambda *a: (_ for _ in ()).throw(AssertionError))
    assert walk(root, CASE, layout) == (fingerprint, layout)


def test_every_change_is_seen(tmp_path):
    root = book(tmp_path)
    base = root / "cases" / CASE
    changes = [
        lambda: (base / "invoices/a.yaml").write_text("number: B\n"),  # edited in place
        lambda: (base / "invoices/b.yaml").write_text("number: C\n"),  # added
        lambda: (base / "notes/n.md").unlink(),  # removed
        lambda: (base / "invoices/b.yaml").rename(base / "invoices/c.yaml"),  # renamed
        lambda: (base / "payments").mkdir(),  # a record folder appears
        lambda: (base / "payments/p.yaml").write_text("date: 2026-10-02\namount: 1\n"),
    ]
    _, layout = walk(root, CASE, None)
    for change in changes:
        before = folder_fingerprint(root, CASE)
        change()
        fingerprint, _ = walk(root, CASE, layout)
        assert fingerprint == folder_fingerprint(root, CASE) != before
        age(root)
        _, layout = walk(root, CASE, None)
        assert layout is not None


def test_a_folder_changed_just_now_is_not_taken_on_trust(tmp_path):
    root = book(tmp_path)
    (root / "cases" / CASE / "invoices" / "new.yaml").write_text("number: N\n")
    fingerprint, layout = walk(root, CASE, None)
    assert fingerprint == folder_fingerprint(root, CASE) and layout is None


def test_no_case_no_layout(tmp_path):
    root = book(tmp_path)
    (root / "cases" / CASE / "debtor.yaml").unlink()
    assert walk(root, CASE, None) == (None, None)


@pytest.mark.parametrize("beside_a_thread", [False, True], ids=["in-workers", "in-this-process"])
def test_a_cold_load_lays_out_the_first_walk(tmp_path, monkeypatch, beside_a_thread):
    # `casebook site` loads beside a thread reading the history: no workers are forked
    # then, and the first warm walk listed every folder again (1.5 s at 10,000 cases).
    import threading

    root = book(tmp_path)
    (root / ".git").mkdir()
    age(root)
    monkeypatch.setattr(parallelload, "PARALLEL_MIN_CASES", 1)
    monkeypatch.setattr(parallelload, "cores", lambda: 2)
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait)
    if beside_a_thread:
        beside.start()
    try:
        assert parallelload._can_fork() is not beside_a_thread
        (read,) = parallelload.read_folders(root, [CASE], CaseCache(root))
    finally:
        stop.set()
        if beside_a_thread:
            beside.join()
    layouts = SplitPickle(cache_folder(root), parallelload.WALK_CACHE, parallelload.CACHE_VERSION).entries
    assert read.fingerprint == folder_fingerprint(root, CASE)
    monkeypatch.setattr(casefolder, "folder_signature", lambda *a: (_ for _ in ()).throw(AssertionError))
    assert walk(root, CASE, layouts[CASE]) == (read.fingerprint, layouts[CASE])
