"""What one book answers to an office command, and the office's totals: plain values.

A `BookResult` crosses from a worker process to the parent, so it holds only strings,
numbers, lists and dicts (amounts as two-decimal strings, as `casebook status --json` gives
them). `book_figures` is the one place a book's overview figures are taken from the engine:
the portfolio (`casebook.engine.portfolio`, the function `casebook status` prints) and each
case's state (stage, open phone tasks, the action due today).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from casebook.book.dump import money
from casebook.book.model import Book
from casebook.engine.due import case_state
from casebook.engine.portfolio import BUCKETS, portfolio

ZERO = Decimal("0")
#: The figures summed per currency across books.
AMOUNTS = ("invoiced", "paid", "open", "overdue", "credit")


@dataclass
class BookResult:
    name: str
    ok: bool = True
    error: str = ""
    """One line: why the book failed (empty when it did not)."""
    details: list[str] = field(default_factory=list)
    """The problems (`path:line: message`) or skipped cases behind the error, or warnings."""
    notes: list[str] = field(default_factory=list)
    """What was done besides: cloned, pulled, pushed, the site's folder."""
    figures: dict[str, Any] | None = None
    """`book_figures`, when the book could be read."""
    actions: int = 0
    """Actions taken (committed) by `office advance`."""
    commits_kept: int = 0
    """Local commits a refused push left unpushed (kept in the book)."""
    site: str = ""
    """The book's site index, relative to the office site folder."""
    seconds: float = 0.0

    def fail(self, message: str, details: list[str] | None = None) -> None:
        self.ok = False
        self.error = "; ".join(filter(None, (self.error, message)))
        self.details += details or []

    def note(self, *lines: str) -> None:
        """Add what was done, once (a url book pulled before `advance --push` pulls is
        said once)."""
        self.notes += [line for line in lines if line and line not in self.notes]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


def book_figures(book: Book, today: date, problems: int = 0) -> dict[str, Any]:
    """The overview figures of one book on `today`: totals, aging and DSO exactly as
    `casebook status --json` gives them, and the cases per stage, open phone tasks and
    actions due today from the engine."""
    figures = portfolio(book, today)
    stages: dict[str, int] = {}
    tasks = due_today = 0
    for case in book.cases.values():
        state = case_state(book, case, today)
        stage = state.last_stage or "-"
        stages[stage] = stages.get(stage, 0) + 1
        tasks += len(state.tasks)
        due_today += state.due is not None
    return {
        "as_of": today.isoformat(),
        "currency": figures.currency,
        "language": book.settings.language,
        "creditor": book.settings.creditor.name,
        "totals": figures.totals_json(),
        "aging": {b: money(figures.aging[b]) for b in BUCKETS},
        "stages": dict(sorted(stages.items())),
        "open_tasks": tasks,
        "due_today": due_today,
        "problems": problems,
    }


def totals(results: list[BookResult]) -> dict[str, Any]:
    """The office's totals: counts over every book, amounts per currency (never added
    across currencies); books that could not be read count as failures only."""
    per: dict[str, dict[str, Decimal]] = {}
    cases = open_cases = tasks = due_today = 0
    for result in results:
        fig = result.figures
        if fig is None:
            continue
        sums = per.setdefault(fig["currency"], {k: ZERO for k in (*AMOUNTS, *BUCKETS)})
        for key in AMOUNTS:
            sums[key] += Decimal(fig["totals"][key])
        for bucket in BUCKETS:
            sums[bucket] += Decimal(fig["aging"][bucket])
        cases += fig["totals"]["cases"]
        open_cases += fig["totals"]["open_cases"]
        tasks += fig["open_tasks"]
        due_today += fig["due_today"]
    return {
        "books": len(results),
        "failed": sum(1 for r in results if not r.ok),
        "cases": cases,
        "open_cases": open_cases,
        "open_tasks": tasks,
        "due_today": due_today,
        "actions": sum(r.actions for r in results),
        "currencies": {
            currency: {
                **{key: money(sums[key]) for key in AMOUNTS},
                "aging": {b: money(sums[b]) for b in BUCKETS},
            }
            for currency, sums in sorted(per.items())
        },
    }


def per_currency(total: dict[str, Any], key: str) -> str:
    """`EUR 1234.50` or `EUR 1234.50 + USD 10.00`; `0.00` for an office with no figures."""
    parts = [f"{currency} {sums[key]}" for currency, sums in total["currencies"].items()]
    return " + ".join(parts) or "0.00"


def book_line(result: BookResult) -> str:
    """The line a command prints for one book."""
    if not result.ok:
        return f"{result.name}: FAILED: {result.error}"
    parts = ["ok"]
    fig = result.figures
    if fig is not None:
        t = fig["totals"]
        parts.append(f"{t['cases']} case{'' if t['cases'] == 1 else 's'} ({t['open_cases']} open)")
        parts.append(f"open {fig['currency']} {t['open']}, overdue {fig['currency']} {t['overdue']}")
        if fig["problems"]:
            parts.append(f"{fig['problems']} problem(s): run `casebook check`")
    if result.actions:
        parts.append(f"{result.actions} action(s) taken")
    parts += result.notes
    return f"{result.name}: " + ", ".join(parts)


def summary_line(total: dict[str, Any]) -> str:
    return (f"{total['books']} books, {total['cases']} cases ({total['open_cases']} open), "
            f"open {per_currency(total, 'open')}, overdue {per_currency(total, 'overdue')}, "
            f"{total['actions']} action(s) taken, {total['failed']} failed")
