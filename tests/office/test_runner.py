"""One book's failure never stops the others, in turn or in parallel."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.office import Options, load_office, run_office
from casebook.office import operations

from .books import TODAY, make_office


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crash_in_one_book_is_that_book_s_line(tmp_path: Path, monkeypatch, jobs: int) -> None:
    office = load_office(make_office(tmp_path))
    real = operations.OPERATIONS["status"]

    def flaky(entry, options, result):  # type: ignore[no-untyped-def]
        if entry.name == "gamma":
            raise RuntimeError("disk on fire")
        real(entry, options, result)

    monkeypatch.setitem(operations.OPERATIONS, "status", flaky)
    heard: list[str] = []
    results = run_office(office, "status", Options(today=TODAY), jobs=jobs,
                         on_result=lambda r: heard.append(r.name))
    assert [r.name for r in results] == [b.name for b in office.books]
    assert sorted(heard) == sorted(r.name for r in results)
    gamma = next(r for r in results if r.name == "gamma")
    assert not gamma.ok and gamma.error.startswith("RuntimeError: disk on fire (at test_runner.py:")
    assert all(r.ok and r.figures for r in results if r.name != "gamma")


def test_no_clock_and_no_today_is_a_clear_failure(tmp_path: Path) -> None:
    office = load_office(make_office(tmp_path))
    results = run_office(office, "status", Options(), jobs=1)
    assert {r.error for r in results} == {"no date: pass --today"}
