"""Run one operation over every book of an office: in turn, or one process per core.

A book that fails never stops the others: its `BookError` (or any other exception, or a
worker that died) becomes that book's error line and the run goes on. Books named by `url:`
are cloned or pulled first (`casebook.office.remote`). With `jobs` > 1 the books are shared
among forked processes (`concurrent.futures` workers, which unlike a `multiprocessing.Pool`'s
may fork their own: a big `advance` renders its letters over the cores) that inherit the
office and the options; each sends back its `BookResult`, plain values. Results come back
in the order of office.yaml whatever order the books finish in; `on_result` hears each book
as soon as it is done.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from typing import Callable

from casebook.book.errors import BookError
from casebook.office.config import BookEntry, Office
from casebook.office.operations import OPERATIONS, Options, problem_error
from casebook.office.remote import bring_up_to_date
from casebook.office.results import BookResult

_JOB: tuple[Office, str, Options] | None = None


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def run_book(entry: BookEntry, operation: str, options: Options) -> BookResult:
    """One book's result: never raises for what the book holds."""
    result = BookResult(entry.name)
    start = time.perf_counter()
    try:
        if not entry.root.exists() and not entry.url:
            raise BookError(f"no book at {entry.root} (office.yaml line {entry.line})")
        result.note(bring_up_to_date(entry))
        if not (entry.root / "casebook.yaml").is_file():
            raise BookError(f"{entry.root} is not a book: no casebook.yaml there")
        OPERATIONS[operation](entry, options, result)
    except BookError as error:
        result.fail(*problem_error(str(error), error.problems))
    except Exception as error:  # noqa: BLE001 - one book's bug must not stop the office
        where = traceback.extract_tb(error.__traceback__)[-1]
        result.fail(f"{type(error).__name__}: {error} "
                    f"(at {os.path.basename(where.filename)}:{where.lineno})")
    result.seconds = time.perf_counter() - start
    return result


def _in_worker(index: int) -> BookResult:
    assert _JOB is not None
    office, operation, options = _JOB
    return run_book(office.books[index], operation, options)


def run_office(
    office: Office,
    operation: str,
    options: Options,
    *,
    jobs: int | None = None,
    on_result: Callable[[BookResult], None] | None = None,
) -> list[BookResult]:
    """`operation` ("status", "check", "advance", "site") on every book of `office`."""
    if operation not in OPERATIONS:
        raise ValueError(f"no office operation {operation!r}")
    jobs = max(1, min(jobs or cores(), len(office.books)))
    fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs == 1 or not fork:
        # One book at a time: each may use every core for its own work.
        options = replace(options, inner_jobs=max(options.inner_jobs, cores()))
        results = []
        for entry in office.books:
            results.append(run_book(entry, operation, options))
            if on_result:
                on_result(results[-1])
        return results
    return _parallel(office, operation, replace(options, inner_jobs=1), jobs, on_result)


def _parallel(office: Office, operation: str, options: Options, jobs: int,
              on_result: Callable[[BookResult], None] | None) -> list[BookResult]:
    global _JOB
    _JOB = (office, operation, options)
    found: dict[int, BookResult] = {}
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_in_worker, i): i for i in range(len(office.books))}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 - a worker that died
                    result = BookResult(office.books[index].name)
                    result.fail(f"the process working on the book stopped: "
                                f"{type(error).__name__}: {error}")
                found[index] = result
                if on_result:
                    on_result(result)
    finally:
        _JOB = None
    return [found[i] for i in range(len(office.books))]
