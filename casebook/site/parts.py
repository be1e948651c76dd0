"""What the overview and the forecast add up over cases, kept per block of cases.

Both pages hold every case of the book. After one case changed, adding up the kept
summaries of 10,000 cases again took most of a rebuild. So the cases are cut into blocks,
each block's part (sums, counts, the first rows of each list, its rows of the debtor table,
its part of the forecast) is kept under the keys of its cases, and a page adds up the
parts: after one case changed, one block is computed again and ~150 parts are added.

A part of all cases at once gives the same pages, byte for byte: a part's lists are its
cases' items in id order, sorted (stably) and cut at LIST_LIMIT; the merge concatenates the
parts in id order, sorts again and cuts again, which keeps the same first items, ties in
the same order. Blocks are contiguous runs of case ids, cut after an id whose hash says so,
so a new or removed case changes its own block only.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from casebook.engine.portfolio import Sums

ZERO = Decimal(0)
MONTHS = 12
LIST_LIMIT = 100
"""Rows shown in each list of the overview and forecast (the rest are counted)."""
BLOCK = 64
"""Cases in a block, on average."""


def blocks(case_ids: Iterable[str]) -> list[list[str]]:
    """The sorted case ids cut into blocks: a block ends after an id whose CRC is 0 modulo
    BLOCK (the same ids always end a block, whatever else the book holds)."""
    found: list[list[str]] = []
    current: list[str] = []
    for cid in sorted(case_ids):
        current.append(cid)
        if zlib.crc32(cid.encode("utf-8", "surrogateescape")) % BLOCK == 0:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


@dataclass(frozen=True, slots=True)
class Capped:
    """The first LIST_LIMIT items of a list (in its order) and how many there are in all."""

    items: tuple[dict[str, Any], ...] = ()
    total: int = 0

    @classmethod
    def of(cls, items: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any] | None = None
           ) -> Capped:
        listed = list(items)
        if key is not None:
            listed.sort(key=key)
        return cls(tuple(listed[:LIST_LIMIT]), len(listed))

    @staticmethod
    def merge(parts: Sequence[Capped], key: Callable[[dict[str, Any]], Any] | None = None
              ) -> Capped:
        merged = Capped.of((i for p in parts for i in p.items), key)
        return Capped(merged.items, sum(p.total for p in parts))


def _due_key(d: dict[str, Any]) -> tuple:
    return (d["date"], d["case"], d["stage"])


def _task_key(t: dict[str, Any]) -> tuple:
    return (t["since"], t["case"], t["stage"])


def _promise_key(p: dict[str, Any]) -> tuple:
    return (p["date"], p["case"], p["kind"], p["number"])


def _planned_key(p: dict[str, Any]) -> tuple:
    return (p["date"], p["case"])


def ref(summary: dict[str, Any]) -> dict[str, Any]:
    return {"case": summary["case"], "name": summary["name"], "href": summary["href"]}


@dataclass(frozen=True, slots=True)
class Part:
    """The overview's and forecast's share of some cases (see the module)."""

    count: int
    sums: Sums
    months: tuple[Decimal, tuple[Decimal, ...], tuple[Decimal, ...]]
    """Opening balance, then per month the change in open balance and what was collected."""
    stages: dict[str, int]
    policies: dict[str, int]
    statuses: dict[str, int]
    due: Capped
    tasks: Capped
    promises: Capped
    disputes: Capped
    agency: Capped
    planned: Capped
    """The forecast's next action per case, up to its horizon."""
    rows_html: str
    paid: tuple[tuple[int, Decimal], ...]
    """(delay, amount) of every paid invoice: the book's usual delay is their median."""


def part_of(entries: Sequence[dict[str, Any]], *, soon: str, horizon: str) -> Part:
    """The part of cases in id order, from their build-cache entries (`caseparts`):
    `soon`, the last day of "falling due"; `horizon`, the forecast's last day."""
    summaries = [e["summary"] for e in entries]
    start = ZERO
    delta = [ZERO] * MONTHS
    collected = [ZERO] * MONTHS
    for s in summaries:
        start += Decimal(s["months"][0][0])
        for i, (d, c) in enumerate(s["months"][1:]):
            if d != "0":  # most months of most cases: nothing to add
                delta[i] += Decimal(d)
            if c != "0":
                collected[i] += Decimal(c)

    def each(field: str) -> list[dict[str, Any]]:
        return [{**ref(s), **item} for s in summaries for item in s[field]]

    return Part(
        count=len(entries),
        sums=Sums.of((e["figures"] for e in entries), (e["sales"] for e in entries)),
        months=(start, tuple(delta), tuple(collected)),
        stages=_count(s["stage"] for s in summaries),
        policies=_count(s["policy"] for s in summaries),
        statuses=_count(s["status"] for s in summaries),
        due=Capped.of(each("due"), _due_key),
        tasks=Capped.of(each("tasks"), _task_key),
        promises=Capped.of((p for p in each("promises") if p["date"] <= soon), _promise_key),
        disputes=Capped.of(each("disputes")),
        agency=Capped.of({**ref(s), "open": s["open"]} for s in summaries if s["handed_over"]),
        planned=Capped.of(
            ({**ref(s), "date": s["next_date"], "stage": s["next_stage"],
              "channel": s["next_channel"]}
             for s in summaries
             if s["next_stage"] and s["next_date"] <= horizon
             and s["status"] not in ("paused", "agency")),
            _planned_key),
        rows_html="".join(e["row"] for e in entries),
        paid=tuple(pair for e in entries for pair in e["outlook"].paid),
    )


def merge(parts: Sequence[Part]) -> Part:
    """The part of the cases of `parts`, taken in order."""
    if not parts:
        return part_of((), soon="", horizon="")
    if len(parts) == 1:
        return parts[0]
    sums = Sums()
    for p in parts:
        sums += p.sums
    return Part(
        count=sum(p.count for p in parts),
        sums=sums,
        months=(sum((p.months[0] for p in parts), ZERO),
                tuple(sum(m, ZERO) for m in zip(*(p.months[1] for p in parts))),
                tuple(sum(m, ZERO) for m in zip(*(p.months[2] for p in parts)))),
        stages=_added(p.stages for p in parts),
        policies=_added(p.policies for p in parts),
        statuses=_added(p.statuses for p in parts),
        due=Capped.merge([p.due for p in parts], _due_key),
        tasks=Capped.merge([p.tasks for p in parts], _task_key),
        promises=Capped.merge([p.promises for p in parts], _promise_key),
        disputes=Capped.merge([p.disputes for p in parts]),
        agency=Capped.merge([p.agency for p in parts]),
        planned=Capped.merge([p.planned for p in parts], _planned_key),
        rows_html="".join(p.rows_html for p in parts),
        paid=tuple(pair for p in parts for pair in p.paid),
    )


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _added(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for found in counts:
        for name, n in found.items():
            total[name] = total.get(name, 0) + n
    return total
