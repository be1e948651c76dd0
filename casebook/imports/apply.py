"""Bank statements -> payment files and a review file, committed as one commit.

The steps, each its own function: parse every file (nothing is written if any fails) ->
take the book's writer lock -> load the book -> reconcile -> plan the files -> commit.
Planning is pure: it gets the book and what is already on disk, and returns the files.

Idempotency needs no state file: an entry whose reference already is a payment's
`reference` in the book, or is listed in a review file under `imports/unmatched/`, is
skipped. Review files are never changed once written; `casebook pay` books a reviewed entry
by writing a payment with the entry's reference, which is how casebook knows it is done.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Callable, Iterable, Iterator, Sequence

import yaml

from casebook.book.crashpoints import crash_point
from casebook.book.dump import free_name, payment_file, slug, to_yaml
from casebook.book.errors import BookError, Problem
from casebook.record.gitstore import Store
from casebook.book.model import Book, Operator
from .camt053 import parse_camt053
from .coda import parse_coda
from .reconcile import Outcome, Reconciliation, reconcile
from .records import ImportProblem, Statement

REVIEW_FOLDER = "imports/unmatched"

PARSERS: dict[str, Callable[..., tuple[Statement, ...]]] = {
    "camt053": parse_camt053,
    "coda": parse_coda,
}


class ImportFailed(BookError):
    """Files that could not be read; nothing was imported."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        count = len(problems)
        super().__init__(
            f"nothing imported: {count} file{'s' if count != 1 else ''} could not be read",
            [Problem(p.file, p.line, p.message) for p in problems],
        )
        self.import_problems = list(problems)


def parse_all(
    files: Sequence[tuple[str, bytes]], parse: Callable[..., Any]
) -> list[Any]:
    """Parse every file; if any fails, raise one `ImportFailed` listing every failure."""
    results, problems = [], []
    for name, data in files:
        try:
            results.append(parse(data, file=name))
        except ImportProblem as problem:
            problems.append(problem)
    if problems:
        raise ImportFailed(problems)
    return results


def commit_files(store: Store, files: dict[str, bytes], message: str, *, author: Operator) -> str:
    """One commit of `files`, crash-safe: the branch moves first (with a journal that
    `Store.recover` finishes from), then the files appear; never files without a commit."""
    crash_point("import:before-commit")
    with store.batch() as batch:
        batch.commit(files, message, author=author)
    crash_point("import:committed")
    return batch.flushed[-1]


@contextlib.contextmanager
def opened_book(
    root: Path, *, dry_run: bool, book: Book | None
) -> Iterator[tuple[Store | None, Book, list[Problem]]]:
    """(store, book, its problems) for an import: under the book's writer lock, read after
    an interrupted commit is finished; no store and no lock on a dry run. A `book` the
    caller already holds is used as it is."""
    store = None if dry_run else Store(root)
    if store is not None:
        store.check_writable()
    with store.lock() if store is not None else contextlib.nullcontext():
        if store is not None:
            store.recover()  # finish an interrupted commit before reading the book
        problems: list[Problem] = []
        if book is None:
            from casebook.book.load import load_book

            book, problems = load_book(root)
        yield store, book, problems


# -- statements ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StatementImport:
    """What one `casebook import camt053|coda` did (or would do, on a dry run)."""

    statements: tuple[Statement, ...]
    reconciliation: Reconciliation
    files: dict[str, bytes]
    payment_paths: dict[str, str]
    """Entry reference -> the payment file written for it."""
    review_files: tuple[str, ...]
    message: str
    commit: str | None
    book_problems: int = 0


def import_statements(
    root: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    kind: str,
    dry_run: bool = False,
    book: Book | None = None,
) -> StatementImport:
    """Parse, reconcile and (unless `dry_run`) commit statements of format `kind`.

    `files` are (name shown in messages, content). `book` replaces loading the book from
    `root` (for callers that already hold it)."""
    parse = PARSERS[kind]
    statements = tuple(s for parsed in parse_all(files, parse) for s in parsed)
    with opened_book(root, dry_run=dry_run, book=book) as (store, book, problems):
        reconciliation = reconcile(
            book, statements, known_references=review_references(root)
        )
        planned, payment_paths, review_files = plan_statement_files(
            book, reconciliation, taken=lambda rel: (root / rel).exists()
        )
        message = statement_message(kind, statements, reconciliation, payment_paths, review_files)
        commit = None
        if store is not None and planned:
            commit = commit_files(store, planned, message, author=book.settings.operator)
    return StatementImport(
        statements=statements,
        reconciliation=reconciliation,
        files=planned,
        payment_paths=payment_paths,
        review_files=review_files,
        message=message,
        commit=commit,
        book_problems=len(problems),
    )


def review_references(root: Path) -> set[str]:
    """Entry references already listed in the book's review files."""
    folder = root / REVIEW_FOLDER
    found: set[str] = set()
    if not folder.is_dir():
        return found
    for entry in os.scandir(folder):
        if not entry.name.endswith(".yaml") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            data = yaml.safe_load(Path(entry.path).read_bytes())
        except (OSError, yaml.YAMLError):
            continue
        items = data.get("entries") if isinstance(data, dict) else None
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("reference"):
                found.add(str(item["reference"]))
    return found


def plan_statement_files(
    book: Book,
    reconciliation: Reconciliation,
    *,
    taken: Callable[[str], bool] = lambda rel: False,
) -> tuple[dict[str, bytes], dict[str, str], tuple[str, ...]]:
    """The payment files of the matched lines and one review file per statement with
    unmatched credits: (files, entry reference -> payment path, review file paths)."""
    files: dict[str, bytes] = {}
    payment_paths: dict[str, str] = {}
    used: dict[str, set[str]] = {}
    for outcome in reconciliation.matched:
        entry = outcome.entry
        folder = f"cases/{outcome.case_id}/payments"
        names = used.setdefault(folder, {p.id + ".yaml" for p in book.cases[outcome.case_id].payments})
        day = entry.booking_date
        ref = entry.reference.removesuffix(f"-{day:%Y%m%d}")  # CODA references end with it
        stem = f"{day.isoformat()}-{slug(ref, fallback='bank')[:40]}"
        name = _free(folder, names, stem, taken)
        path = f"{folder}/{name}"
        files[path] = payment_file(
            when=entry.booking_date,
            amount=entry.amount,
            invoice=outcome.invoice,
            reference=entry.reference,
            origin=f"{outcome.statement.format}:{PurePath(outcome.statement.file).name}",
        )
        payment_paths[entry.reference] = path
    review_files = []
    review_names: set[str] = set()
    by_statement: dict[int, list[Outcome]] = {}
    statements: dict[int, Statement] = {}
    for outcome in reconciliation.unmatched:
        by_statement.setdefault(id(outcome.statement), []).append(outcome)
        statements[id(outcome.statement)] = outcome.statement
    for key, outcomes in by_statement.items():
        statement = statements[key]
        stem = f"{statement.format}-{slug(statement.id, fallback='statement')}"
        name = _free(REVIEW_FOLDER, review_names, stem, taken)
        path = f"{REVIEW_FOLDER}/{name}"
        files[path] = review_file(statement, outcomes)
        review_files.append(path)
    return files, payment_paths, tuple(review_files)


def _free(folder: str, names: set[str], stem: str, taken: Callable[[str], bool]) -> str:
    while True:
        name = free_name(names, stem, ".yaml")
        names.add(name)
        if not taken(f"{folder}/{name}"):
            return name


def review_file(statement: Statement, outcomes: Iterable[Outcome]) -> bytes:
    """`imports/unmatched/<format>-<statement>.yaml`: every unmatched credit, in full."""
    entries = []
    for outcome in outcomes:
        entry = outcome.entry
        item = {
            "reference": entry.reference,
            "date": entry.booking_date,
            "value_date": entry.value_date,
            "amount": entry.amount,
            "currency": entry.currency,
            "payer": entry.payer_name,
            "iban": entry.payer_iban,
            "structured": entry.structured_ref,
            "text": entry.unstructured,
            "info": entry.info,
            "end_to_end": entry.end_to_end,
            "bank_code": entry.bank_code,
            "reason": outcome.reason,
            "suggestion": outcome.suggestion,
        }
        entries.append({k: v for k, v in item.items() if v not in (None, "")})
    return to_yaml(
        {
            "format": statement.format,
            "file": PurePath(statement.file).name,
            "statement": statement.id,
            "account": statement.account,
            "entries": entries,
        }
    )


def statement_message(
    kind: str,
    statements: Sequence[Statement],
    reconciliation: Reconciliation,
    payment_paths: dict[str, str],
    review_files: Sequence[str],
) -> str:
    """The commit message: a summary line, then every payment booked and every credit kept
    for review."""
    matched, unmatched = reconciliation.matched, reconciliation.unmatched
    parts = [f"{len(matched)} payment{'s' if len(matched) != 1 else ''} booked"]
    if unmatched:
        parts.append(f"{len(unmatched)} to review")
    lines = [f"Import {kind}: {', '.join(parts)}", ""]
    names = sorted({PurePath(s.file).name for s in statements})
    lines.append(f"Files: {', '.join(names)}")
    if matched:
        lines += ["", "Booked:"]
        for o in matched:
            e = o.entry
            target = f"invoice {o.invoice}" if o.invoice else "oldest open invoices"
            lines.append(
                f"- {o.case_id}: {e.amount:.2f} {e.currency} on {e.booking_date}, {target} "
                f"({o.reason}); entry {e.reference}"
            )
    if unmatched:
        lines += ["", f"To review ({', '.join(review_files)}):"]
        for o in unmatched:
            e = o.entry
            who = " ".join(p for p in (e.payer_name, e.payer_iban) if p) or "unknown payer"
            lines.append(f"- {e.amount:.2f} {e.currency} on {e.booking_date} from {who}: {o.reason}")
    lines += ["", f"Casebook-Import: {kind}"]
    return "\n".join(lines) + "\n"
