"""The walk ahead (`parallelload.walk_ahead`): the same fingerprints as the walk it stands
for, whatever its processes did, and the `casebook site` that uses it unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casebook.book import parallelload
from casebook.book.load import case_names, load_book
from casebook.book.pickled import SplitPickle, cache_folder
from casebook.site.writer import page_sizes
from tests.conftest import write_files

CASES = [f"klant-{n:03d}" for n in range(6)]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A book of a few cases, walked once (so a walk cache is kept), taken as large."""
    monkeypatch.setattr(parallelload, "PARALLEL_MIN_CASES", 1)
    monkeypatch.setattr(parallelload, "cores", lambda: 2)
    root = tmp_path / "book"
    files = {"casebook.yaml": "creditor:\n  name: Acme\n"}
    for name in CASES:
        files[f"cases/{name}/debtor.yaml"] = f"name: {name}\n"
        files[f"cases/{name}/invoices/a.yaml"] = "number: A\n"
    write_files(root, files)
    (root / ".git").mkdir()
    past = (os.stat(root).st_mtime_ns - 60 * 10**9,) * 2
    for folder, _, names in os.walk(root / "cases"):
        for name in names:
            os.utime(os.path.join(folder, name), ns=past)
        os.utime(folder, ns=past)
    parallelload.warm_fingerprints(root, case_names(root))
    return root


def expected(root: Path) -> dict[str, str | None]:
    names = case_names(root)
    return dict(zip(names, parallelload.warm_fingerprints(root, names)))


def test_the_walk_ahead_gives_the_walks_fingerprints(root):
    (root / f"cases/{CASES[4]}/invoices/b.yaml").write_text("number: B\n")  # a change to see
    ahead = parallelload.walk_ahead(root, also=lambda: "done beside")
    assert ahead is not None
    found = ahead.fingerprints()
    assert ahead.also() == "done beside"
    # The walk cache is left as the walk itself leaves it (here without the layout of the
    # folder changed just now: it is not taken on trust).
    kept = SplitPickle(cache_folder(root), parallelload.WALK_CACHE, parallelload.CACHE_VERSION)
    assert set(kept.entries) == set(CASES) - {CASES[4]}
    assert found == expected(root) and None not in found.values()
    assert kept.entries == SplitPickle(cache_folder(root), parallelload.WALK_CACHE,
                                       parallelload.CACHE_VERSION).entries


@pytest.mark.parametrize("how", ["exit", "garbage", "kill"])
def test_a_failed_walking_process_is_walked_again_here(root, monkeypatch, how):
    real = parallelload._walk_share

    def failing(root_, names, layouts):
        if os.getpid() != parent and CASES[0] in names:  # the first share's process
            if how == "exit":
                os._exit(3)
            if how == "kill":
                os.kill(os.getpid(), 9)
            return real(root_, names[:1], layouts)  # a share of the wrong length
        return real(root_, names, layouts)

    parent = os.getpid()
    monkeypatch.setattr(parallelload, "_walk_share", failing)
    ahead = parallelload.walk_ahead(root, also=lambda: 7)
    assert ahead is not None
    monkeypatch.setattr(parallelload, "_walk_share", real)
    assert ahead.fingerprints() == expected(root)
    assert ahead.also() == 7


def test_a_walk_ahead_not_taken_leaves_no_process_and_no_pipe(root):
    ahead = parallelload.walk_ahead(root, also=lambda: 1)
    assert ahead is not None
    children = [(pid, pipe) for _, pid, pipe in ahead._shares]
    ahead.close()
    for pid, pipe in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        with pytest.raises(OSError):
            os.fstat(pipe)
    ahead.close()  # twice is harmless


def test_no_walk_ahead_for_a_small_or_a_cold_book(root, monkeypatch, tmp_path):
    monkeypatch.setattr(parallelload, "PARALLEL_MIN_CASES", len(CASES) + 1)
    assert parallelload.walk_ahead(root) is None
    monkeypatch.setattr(parallelload, "PARALLEL_MIN_CASES", 1)
    for path in cache_folder(root).glob(f"{parallelload.WALK_CACHE}*"):
        path.unlink()
    assert parallelload.walk_ahead(root) is None


def test_a_load_with_the_walk_ahead_is_the_load_without(root):
    (root / f"cases/{CASES[2]}/debtor.yaml").write_text("name: [broken\n")
    plain_prints: dict[str, str] = {}
    plain = load_book(root, fingerprints=plain_prints)
    ahead_prints: dict[str, str] = {}
    with_ahead = load_book(root, fingerprints=ahead_prints, ahead=parallelload.walk_ahead(root))
    assert with_ahead == plain and ahead_prints == plain_prints
    assert any(p.path.startswith(f"cases/{CASES[2]}/") for p in with_ahead.problems)


def test_page_sizes_are_what_the_writer_would_stat(tmp_path):
    from casebook.site.writer import Writer

    out = tmp_path / "site"
    writer = Writer(out)
    writer.add("index.html", "k1", lambda: b"<p>index</p>")
    writer.add("debtors/a.html", "k2", lambda: b"<p>a</p>")
    writer.write()
    (out / "debtors/a.html").write_bytes(b"<p>changed by hand</p>")
    (out / "index.html").unlink()
    sizes = page_sizes(out)
    assert sizes == {"debtors/a.html": len(b"<p>changed by hand</p>")}
    again = Writer(out, sizes)
    again.add("index.html", "k1", lambda: b"<p>index</p>")
    again.add("debtors/a.html", "k2", lambda: b"<p>a</p>")
    assert again.plan() == ["debtors/a.html", "index.html"]
