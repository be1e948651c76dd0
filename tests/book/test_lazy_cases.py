"""The loader's lazy cases: a warm load unpickles a case only when it is read, and the
mapping it hands out behaves as the dict of a cold load everywhere."""

from __future__ import annotations

import copy
import multiprocessing
import pickle

import pytest

from casebook.book import parallelload
from casebook.book.casefolder import folder_fingerprint
from casebook.book.load import case_names, load_book
from casebook.book.pickled import LazyMapping, Pickled


def _lazy(values: dict) -> LazyMapping:
    return LazyMapping({k: Pickled(pickle.dumps(v)) for k, v in values.items()})


def test_a_lazy_mapping_is_the_dict_it_was_made_from():
    plain = {"b": (1, 2), "a": {"x": 1}, "c": None}
    lazy = _lazy(plain)
    assert lazy == plain and plain == lazy and not (lazy != plain)
    assert list(lazy) == list(plain) == ["b", "a", "c"]
    assert list(lazy.items()) == list(plain.items())
    assert list(lazy.values()) == list(plain.values())
    assert len(lazy) == 3 and "a" in lazy and "z" not in lazy
    assert lazy.get("z") is None and lazy.get("a") == {"x": 1}
    assert {**lazy, "d": 4} == {**plain, "d": 4}
    assert (lazy | {"d": 4}) == {**plain, "d": 4}
    assert lazy.keys() - {"a"} == {"b", "c"}
    assert sorted(lazy) == sorted(plain)
    assert repr(lazy) == repr(plain)
    with pytest.raises(KeyError):
        lazy["z"]
    with pytest.raises(TypeError):
        hash(lazy)
    with pytest.raises(TypeError):
        lazy["a"] = 1  # type: ignore[index]


def test_a_lazy_value_is_unpickled_once_and_kept():
    lazy = _lazy({"a": [1]})
    assert lazy["a"] is lazy["a"]


def test_a_lazy_mapping_pickles_and_copies_as_a_plain_dict():
    lazy = _lazy({"a": 1, "b": [2]})
    back = pickle.loads(pickle.dumps(lazy))
    assert type(back) is dict and back == {"a": 1, "b": [2]}
    assert copy.deepcopy(lazy) == {"a": 1, "b": [2]} and lazy.copy() == {"a": 1, "b": [2]}


def _many(make_book, count: int):
    files = {f"cases/d-{i:04d}/debtor.yaml": f"name: D{i} BV\n" for i in range(count)}
    files.update({f"cases/d-{i:04d}/invoices/a.yaml":
                  "number: A-1\nissued: 2026-09-01\ndue: 2026-10-01\namount: 10\n"
                  for i in range(count)})
    return make_book(files)


def test_a_warm_load_reads_only_changed_cases_and_equals_a_cold_one(make_book):
    root = _many(make_book, 30)
    cold = load_book(root, cache=False)
    load_book(root)
    (root / "cases/d-0003/payments").mkdir()
    (root / "cases/d-0003/payments/p.yaml").write_text("date: 2026-10-02\namount: 1\n")
    (root / "cases/d-0004/invoices/a.yaml").write_text("amount: 3\n")
    prints: dict[str, str] = {}
    warm = load_book(root, fingerprints=prints)
    assert isinstance(warm.book.cases, LazyMapping)
    pending = [cid for cid, v in warm.book.cases._data.items() if type(v) is Pickled]
    assert "d-0003" not in pending and "d-0000" in pending and len(pending) == 29
    fresh = load_book(root, cache=False)
    assert warm.book == fresh.book and warm.problems == fresh.problems != cold.problems
    assert warm.book.cases["d-0003"].payments[0].amount == 1
    assert list(warm.book.cases) == list(fresh.book.cases)
    assert prints == {name: folder_fingerprint(root, name) for name in case_names(root)}


def test_lazy_cases_read_in_a_forked_worker_are_the_cases(make_book):
    root = _many(make_book, 5)
    load_book(root)
    book = load_book(root).book
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_invoice_numbers, (book,)) == _invoice_numbers(load_book(root, cache=False).book)
    global _BOOK
    _BOOK = book
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            assert pool.apply(_inherited) == sorted(book.cases)
    finally:
        _BOOK = None


_BOOK = None


def _invoice_numbers(book) -> dict:
    return {cid: tuple(i.number for i in case.invoices) for cid, case in book.cases.items()}


def _inherited() -> list:
    assert _BOOK is not None
    return [case.id for case in _BOOK.cases.values()]


def test_the_walk_over_every_core_gives_the_fingerprints_of_one_core(make_book, monkeypatch):
    root = _many(make_book, 12)
    names = case_names(root)
    alone = [folder_fingerprint(root, name) for name in names]
    monkeypatch.setattr(parallelload, "PARALLEL_MIN_CASES", 2)
    monkeypatch.setattr(parallelload, "cores", lambda: 3)
    assert parallelload.warm_fingerprints(root, names) == alone
    assert None not in alone and len(set(alone)) == 13  # with the base book's case
