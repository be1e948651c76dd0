"""Interest rate tables as data: shipped in `casebook/data/rates/`, overridable from the book.

A table is a list of rows `{from: date, rate: "percent", status: C|S|?, source: text}`; each
row applies from its date until the next row. `period` (`half-year` or `year`) says how long
the last row is known to hold: past that, the last rate is still used, with a warning.

A book may add or correct rows in `rates/<table>.yaml` (same format; `rates:` is the only
required key). Its rows replace shipped rows with the same `from` date and add the others, so
a user who reads the new half-year rate in the Official Gazette adds one line.

Loading reads files, everything else here is pure. The shipped tables are read once.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from casebook.book.errors import Problem
from casebook.book.fsutil import inside, read_inside
from casebook.book.resources import data
from casebook.book.wording import Text, phrase
from casebook.book.yamlfile import syntax_problem

TABLES = ("be-commercial", "be-legal", "nl-commercial", "nl-statutory")
"""The tables casebook needs; a book may define others, they are shown but unused."""

BOOK_FOLDER = "rates"
PERIODS = {"half-year": 6, "year": 12}


@dataclass(frozen=True, slots=True)
class Rate:
    start: date
    rate: Decimal
    """Percent per year."""
    source: str = ""
    status: str = "C"
    """C confirmed, S one secondary source, ? unconfirmed (DOMAIN.md markers)."""
    origin: str = ""
    """File (and line) the row was read from."""


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """Days `start`..`end` (both included) at one rate."""

    start: date
    end: date
    rate: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class RateTable:
    name: str
    rows: tuple[Rate, ...]
    """Sorted by start date, at least one."""
    title: str = ""
    law: str = ""
    period: str = "half-year"
    """How long the last row is known to hold: `half-year` or `year` (empty: half-year)."""
    origin: str = ""
    """The files the table comes from (shipped, then the book's override)."""

    @property
    def known_until(self) -> date:
        """The last day the last row is known to apply."""
        months = PERIODS.get(self.period or "half-year", 6)
        return _add_months(self.rows[-1].start, months) - timedelta(days=1)

    def rate_on(self, day: date) -> Decimal:
        return rate_on(self, day)

    def split(self, start: date, end: date) -> tuple[tuple[RatePeriod, ...], tuple[Text, ...]]:
        return split(self, start, end)


@dataclass(frozen=True, slots=True)
class RateTables:
    tables: Mapping[str, RateTable]
    overridden: tuple[str, ...] = ()
    """Book files that changed the shipped tables."""

    def __getitem__(self, name: str) -> RateTable:
        return self.tables[name]

    def __iter__(self) -> Iterator[RateTable]:
        return iter(self.tables.values())


def rate_on(table: RateTable, day: date) -> Decimal:
    """The rate of the row in force on `day` (the first row before the table starts)."""
    current = table.rows[0]
    for row in table.rows:
        if row.start > day:
            break
        current = row
    return current.rate


def split(
    table: RateTable, start: date, end: date
) -> tuple[tuple[RatePeriod, ...], tuple[Text, ...]]:
    """The days `start`..`end` (included) cut at each rate change, and warnings (phrases,
    `casebook.book.wording`).

    Before the first row the first rate is used, past `known_until` the last one; both say so
    in a warning, so a claim never relies on a guessed rate silently.
    """
    if end < start:
        return (), ()
    warnings: list[Text] = []
    first, last = table.rows[0], table.rows[-1]
    if start < first.start:
        warnings.append((phrase(
            "rate-before-first", table=table.name, first=first.start, rate=first.rate,
            start=start),))
    if end > table.known_until:
        warnings.append((phrase(
            "rate-after-last", table=table.name, known=table.known_until, rate=last.rate,
            since=last.start, end=end, folder=BOOK_FOLDER),))
    periods: list[RatePeriod] = []
    cursor = start
    for i, row in enumerate(table.rows):
        row_end = table.rows[i + 1].start - timedelta(days=1) if i + 1 < len(table.rows) else end
        if i == 0:
            row_begin = min(row.start, start)
        else:
            row_begin = row.start
        lo, hi = max(cursor, row_begin), min(end, row_end)
        if lo <= hi:
            if periods and periods[-1].rate == row.rate and periods[-1].end + timedelta(1) == lo:
                periods[-1] = replace(periods[-1], end=hi)
            else:
                periods.append(RatePeriod(lo, hi, row.rate))
            cursor = hi + timedelta(days=1)
    return tuple(periods), tuple(warnings)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


class _LineLoader(yaml.SafeLoader):
    """Safe loader that remembers the line of every mapping (as `__line__`)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_table(
    name: str, text: str, path: str
) -> tuple[RateTable | None, list[Problem]]:
    """A table from YAML text; `path` names the file in problems and in `origin`."""
    problems: list[Problem] = []
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        return None, [syntax_problem(error, text, path)]
    if not isinstance(doc, dict) or not isinstance(doc.get("rates"), list) or not doc["rates"]:
        message = "a rate table needs `rates:`, a list of {from, rate, source}"
        return None, [Problem(path, 1, message)]
    period = str(doc.get("period", ""))
    if period and period not in PERIODS:
        message = f"period must be one of {', '.join(PERIODS)}"
        problems.append(Problem(path, doc["__line__"], message))
        period = ""
    rows: dict[date, Rate] = {}
    for item in doc["rates"]:
        line = item.get("__line__", 1) if isinstance(item, dict) else 1
        if not isinstance(item, dict):
            problems.append(Problem(path, line, "each rate is a mapping {from, rate, source}"))
            continue
        start, raw = item.get("from"), item.get("rate")
        if not isinstance(start, date):
            problems.append(Problem(path, line, "`from` must be a date YYYY-MM-DD"))
            continue
        try:
            rate = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            rate = Decimal("NaN")
        if isinstance(raw, bool) or not rate.is_finite() or not 0 <= rate <= 100:
            problems.append(Problem(path, line, f"`rate` must be a percentage, not {raw!r}"))
            continue
        if start in rows:
            problems.append(Problem(path, line, f"two rates from {start}"))
        status = str(item.get("status", "C"))
        rows[start] = Rate(start, rate, str(item.get("source", "")), status, f"{path}:{line}")
    if not rows:
        return None, problems
    table = RateTable(
        name=name,
        rows=tuple(sorted(rows.values(), key=lambda r: r.start)),
        title=str(doc.get("title", "")),
        law=str(doc.get("law", "")),
        period=period,
        origin=path,
    )
    return table, problems


def merge(base: RateTable, override: RateTable) -> RateTable:
    """`base` with the rows of `override` replacing those with the same start date."""
    rows = {r.start: r for r in base.rows}
    rows.update({r.start: r for r in override.rows})
    return RateTable(
        name=base.name,
        rows=tuple(sorted(rows.values(), key=lambda r: r.start)),
        title=override.title or base.title,
        law=override.law or base.law,
        period=override.period or base.period,
        origin=f"{base.origin} + {override.origin}",
    )


@functools.cache
def shipped_tables() -> RateTables:
    """The tables shipped with casebook (read once)."""
    tables: dict[str, RateTable] = {}
    for name in TABLES:
        path = data(f"rates/{name}.yaml")
        text = path.read_text(encoding="utf-8")
        table, problems = parse_table(name, text, f"casebook/data/rates/{name}.yaml")
        if table is None or problems:
            raise RuntimeError(f"casebook's own rate table {name} is broken: {problems}")
        tables[name] = table
    return RateTables(tables)


def book_folder(root: Path) -> tuple[str, list[Problem]]:
    """The book's rate folder: `rates.folder` in casebook.yaml, else `rates`."""
    try:
        settings = yaml.safe_load(read_inside(root, "casebook.yaml").decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return BOOK_FOLDER, []  # `casebook check` reports an unreadable casebook.yaml
    section = settings.get("rates") if isinstance(settings, dict) else None
    folder = section.get("folder") if isinstance(section, dict) else None
    if not isinstance(folder, str) or not folder.strip():
        return BOOK_FOLDER, []
    folder = folder.strip().strip("/")
    if inside(root, folder) is None:
        message = f"rates.folder {folder!r} is outside the book"
        return BOOK_FOLDER, [Problem("casebook.yaml", 1, message)]
    return folder, []


def _stamp(path: Path) -> tuple[Any, ...]:
    """What changes when the file at `path` (or what a link there points to) changes."""
    found: list[Any] = []
    for follow in (False, True):
        try:
            st = os.stat(path, follow_symlinks=follow)
        except OSError as error:
            found.append(error.errno)
        else:
            found.append((st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                          st.st_ctime_ns))
    return tuple(found)


# Letters load the tables once per action: reading casebook.yaml and the book's rate files
# again each time was a tenth of a letter's rendering time in a large `advance`. The cache
# is keyed on the files' stat (size, times, inode), so an edited file is read again.
_CACHE: dict[Path, tuple[tuple[Any, ...], RateTables, tuple[Problem, ...]]] = {}
_FOLDERS: dict[Path, tuple[tuple[Any, ...], str, tuple[Problem, ...]]] = {}


def load_tables(root: Path | None) -> tuple[RateTables, list[Problem]]:
    """The shipped tables, with the book's rate files (if any) merged over them.

    The book's files are `<folder>/<table>.yaml`, folder `rates` unless casebook.yaml says
    `rates: {folder: ...}`.
    """
    shipped = shipped_tables()
    if root is None:
        return shipped, []
    settings_stamp = _stamp(root / "casebook.yaml")
    known = _FOLDERS.get(root)
    if known is not None and known[0] == settings_stamp:
        name, problems = known[1], list(known[2])
    else:
        name, problems = book_folder(root)
        _FOLDERS[root] = (settings_stamp, name, tuple(problems))
    folder = root / name
    if not folder.is_dir():
        return shipped, problems
    files = sorted(folder.glob("*.yaml"))
    stamp = (settings_stamp, _stamp(folder), tuple((p.name, _stamp(p)) for p in files))
    cached = _CACHE.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1], list(cached[2])
    tables, problems = _read_tables(root, name, files, shipped, problems)
    _CACHE[root] = (stamp, tables, tuple(problems))
    return tables, problems


def _read_tables(root: Path, name: str, files: list[Path], shipped: RateTables,
                 problems: list[Problem]) -> tuple[RateTables, list[Problem]]:
    tables = dict(shipped.tables)
    overridden: list[str] = []
    for path in files:
        rel = f"{name}/{path.name}"
        try:
            text = read_inside(root, rel).decode("utf-8")
        except OSError as error:
            problems.append(Problem(rel, 1, f"cannot read: {error.strerror or error}"))
            continue
        except UnicodeDecodeError as error:
            problems.append(Problem(rel, 1, f"cannot read: {error}"))
            continue
        table, found = parse_table(path.stem, text, rel)
        problems += found
        if table is None:
            continue
        tables[table.name] = merge(tables[table.name], table) if table.name in tables else table
        overridden.append(rel)
    return RateTables(tables, tuple(overridden)), problems
