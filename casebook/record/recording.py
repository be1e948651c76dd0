"""Recording what happened: payments, notes, promises, disputes, resolutions, payment plans.

Each recording is one new file in the case's folder, committed on its own, so a bookkeeper
never types YAML and git keeps who recorded what, when. Everything is validated against
the book as it is when the writer lock is held; on any problem nothing is written.

Building a record is pure (`*_record` functions: book + input -> `Record`); `commit_record`
(in `committing`, re-exported here) writes and commits it. Input arrives as text (from the
command line) and is parsed here, so the messages are the same wherever it comes from.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping, Sequence

import yaml

from casebook.book.dump import free_name, front_matter, payment_file, slug
from casebook.book.errors import BookError
from casebook.book.fsutil import inside
from casebook.book.model import Book, Case, NoteChannel
from casebook.book.schema import EARLIEST, LATEST, SLUG_RE
from casebook.engine import due as engine
from casebook.record.committing import Record, commit_record, recorder

_AMOUNT_RE = re.compile(r"(?P<int>\d{1,12})(?:[.,](?P<dec>\d{1,2}))?", re.ASCII)


# -- parsing input ------------------------------------------------------------------------


def parse_amount(text: str | Decimal, *, what: str = "amount") -> Decimal:
    """A positive amount with at most two decimals: `1210`, `1210.5`, `1210,50`."""
    raw = str(text).strip().replace("\u00a0", "").replace(" ", "")
    match = _AMOUNT_RE.fullmatch(raw)
    if match is None:
        raise BookError(
            f"{what} {str(text)!r} is not an amount: write a positive number with at most "
            "two decimals, like 1210.50"
        )
    amount = Decimal(f"{match['int']}.{match['dec'] or '0'}")
    if amount <= 0:
        raise BookError(f"{what} {str(text)!r} must be more than zero")
    return amount


def parse_date(text: str | date, *, what: str = "date") -> date:
    if isinstance(text, date):
        return text
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise BookError(f"{what} {str(text)!r} is not a date: write it as YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise BookError(f"{what} {day.isoformat()} is not a realistic date "
                        f"(between {EARLIEST.year} and {LATEST.year})")
    return day


def parse_installment(text: str) -> tuple[date, Decimal]:
    """`DATE:AMOUNT`, e.g. `2026-12-15:250.00`."""
    day, sep, amount = text.partition(":")
    if not sep:
        raise BookError(f"installment {text!r} is not DATE:AMOUNT, like 2026-12-15:250.00")
    return (
        parse_date(day, what=f"installment {text!r}: date"),
        parse_amount(amount, what=f"installment {text!r}: amount"),
    )


# -- what the book knows -------------------------------------------------------------------


def find_case(book: Book, case_id: str, root: Path | None = None) -> Case:
    case = book.cases.get(case_id)
    if case is not None:
        return case
    # Only a slug can name a case folder; anything else (`..`, `/`, NUL, 5000 letters) is
    # never looked up on disk.
    if (root is not None and SLUG_RE.match(case_id)
            and (root / "cases" / case_id / "debtor.yaml").is_file()):
        raise BookError(
            f"case {case_id!r} cannot be read: run `casebook check` and fix its files first"
        )
    hint = _closest(case_id, book.cases)
    raise BookError(f"no case {case_id!r} in this book" + (f" (did you mean {hint!r}?)" if hint else ""))


def find_invoice(case: Case, number: str) -> str:
    numbers = [inv.number for inv in case.invoices]
    if number in numbers:
        return number
    listed = ", ".join(numbers) or "none"
    raise BookError(f"case {case.id} has no invoice {number!r} (its invoices: {listed})")


def _closest(word: str, choices: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def open_disputes(case: Case) -> dict[str, date]:
    """Invoice number -> date of the dispute still open on it."""
    return engine.open_disputes(case.notes)


# -- building records ----------------------------------------------------------------------


def _case_files(root: Path, case_id: str, folder: str) -> list[str]:
    path = root / "cases" / case_id / folder
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def payment_record(
    root: Path,
    book: Book,
    *,
    case_id: str,
    amount: str | Decimal | None,
    when: date,
    invoice: str | None = None,
    reference: str = "",
    review: str | None = None,
) -> Record:
    """`cases/<id>/payments/<date>-<n>.yaml`; `review` is `FILE:ENTRY` of an import review."""
    case = find_case(book, case_id, root)
    origin = "casebook pay"
    if review is not None:
        entry, review_file = review_entry(root, review)
        entry_amount = parse_amount(str(entry.get("amount", "")), what="review entry amount")
        if amount is not None and parse_amount(amount) != entry_amount:
            raise BookError(
                f"amount {amount} differs from the review entry's {entry_amount}: "
                "book the entry's amount, or leave AMOUNT out"
            )
        amount = entry_amount
        when = parse_date(entry.get("date", ""), what="review entry date")
        reference = str(entry["reference"])
        origin = f"review {review_file}"
    if amount is None:
        raise BookError("give the AMOUNT paid (or --from-review FILE:ENTRY)")
    value = parse_amount(amount)
    if invoice:
        invoice = find_invoice(case, invoice)
    if reference:
        for other in book.cases.values():
            for payment in other.payments:
                if payment.reference == reference:
                    raise BookError(
                        f"a payment with reference {reference!r} is already booked: "
                        f"{payment.source.path}"
                    )
    name = _numbered(_case_files(root, case_id, "payments"), when.isoformat(), ".yaml")
    content = payment_file(when=when, amount=value, invoice=invoice, reference=reference,
                           origin=origin)
    target = f" on invoice {invoice}" if invoice else ""
    return Record(case_id, f"cases/{case_id}/payments/{name}", content,
                  f"payment of {value:.2f} on {when.isoformat()}{target}")


def review_entry(root: Path, spec: str) -> tuple[dict[str, Any], str]:
    """The entry `ENTRY` (its reference, or its 1-based position) of review file `FILE`."""
    file_part, sep, entry_part = spec.rpartition(":")
    if not sep or not file_part or not entry_part:
        raise BookError(f"--from-review {spec!r} is not FILE:ENTRY (ENTRY: the entry's reference or number)")
    path = Path(file_part)
    if not path.is_absolute():
        candidates = [root / file_part, Path.cwd() / file_part]
        path = next((p for p in candidates if p.is_file()), candidates[0])
    try:
        data = yaml.safe_load(path.read_bytes())
    except (OSError, yaml.YAMLError) as error:
        raise BookError(f"cannot read review file {file_part}: {error}") from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise BookError(f"{file_part} is not a review file (no `entries:` list)")
    chosen = None
    for n, item in enumerate(entries, start=1):
        if isinstance(item, dict) and (str(item.get("reference", "")) == entry_part or str(n) == entry_part):
            chosen = item
            break
    if chosen is None or not chosen.get("reference"):
        raise BookError(f"{file_part} has no entry {entry_part!r}")
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = file_part
    return chosen, shown


def note_record(
    root: Path,
    book: Book,
    *,
    case_id: str,
    when: date,
    channel: str = "other",
    with_: str = "",
    by: str = "",
    completes: str | None = None,
    text: str = "",
) -> Record:
    case = find_case(book, case_id, root)
    if channel not in {c.value for c in NoteChannel}:
        raise BookError(f"channel {channel!r} is not one of {', '.join(c.value for c in NoteChannel)}")
    if completes:
        policy = book.policy_for(case)
        stages = [s.id for s in policy.stages] if policy else []
        if completes not in stages:
            raise BookError(
                f"--completes {completes!r}: the case's policy has no such stage "
                f"(its stages: {', '.join(stages) or 'none'})"
            )
    meta = {"date": when, "channel": channel, "with": with_, "by": by, "completes": completes}
    what = f"{channel} note" + (f", {completes} done" if completes else "")
    return _note(root, case_id, when, slug(completes or channel), meta, text, what)


def promise_record(
    root: Path, book: Book, *, case_id: str, when: date, promised: date,
    amount: str | Decimal | None = None, by: str = "", with_: str = "", text: str = "",
) -> Record:
    find_case(book, case_id, root)
    if promised < when:
        raise BookError(f"the promised date {promised} is before the day it is recorded ({when})")
    promise: dict[str, Any] = {"date": promised}
    if amount is not None:
        promise["amount"] = parse_amount(amount)
    meta = {"date": when, "channel": "other", "with": with_, "by": by, "promise": promise}
    what = f"promise to pay {promise['amount']:.2f} by {promised}" if amount is not None else \
        f"promise to pay by {promised}"
    return _note(root, case_id, when, "promise", meta, text, what)


def dispute_record(
    root: Path, book: Book, *, case_id: str, when: date, invoice: str, reason: str,
    by: str = "", text: str = "",
) -> Record:
    case = find_case(book, case_id, root)
    invoice = find_invoice(case, invoice)
    if not reason.strip():
        raise BookError("give the reason of the dispute (--reason TEXT)")
    since = open_disputes(case).get(invoice)
    if since is not None:
        raise BookError(f"invoice {invoice} is already under dispute since {since}")
    meta = {"date": when, "by": by, "dispute": {"invoice": invoice, "reason": reason.strip()}}
    return _note(root, case_id, when, f"dispute-{slug(invoice)}", meta, text,
                 f"dispute on invoice {invoice}")


def resolve_record(
    root: Path, book: Book, *, case_id: str, when: date, invoice: str, by: str = "",
    text: str = "",
) -> Record:
    case = find_case(book, case_id, root)
    invoice = find_invoice(case, invoice)
    if invoice not in open_disputes(case):
        raise BookError(f"invoice {invoice} is not under dispute")
    meta = {"date": when, "by": by, "resolved": invoice}
    return _note(root, case_id, when, f"resolved-{slug(invoice)}", meta, text,
                 f"dispute on invoice {invoice} resolved")


def plan_record(
    root: Path, book: Book, *, case_id: str, when: date,
    installments: Sequence[str | tuple[date, Decimal]], signed: bool | str = False,
    by: str = "", text: str = "",
) -> Record:
    find_case(book, case_id, root)
    parsed = sorted(
        parse_installment(i) if isinstance(i, str) else (i[0], parse_amount(i[1]))
        for i in installments
    )
    if not parsed:
        raise BookError("a plan needs at least one --installment DATE:AMOUNT")
    days = [d for d, _ in parsed]
    if len(set(days)) != len(days):
        raise BookError("two installments fall on the same date: merge them into one")
    if days[0] < when:
        raise BookError(f"installment of {days[0]} is before the day the plan is recorded ({when})")
    extra: tuple[tuple[str, bytes], ...] = ()
    if isinstance(signed, str):
        scan = PurePosixPath(signed)
        # `inside` also refuses a symbolic link that leads out of the case folder: its
        # target's bytes would otherwise be committed into the book.
        path = inside(root / "cases" / case_id, signed)
        if scan.is_absolute() or ".." in scan.parts or path is None:
            raise BookError(f"--signed {signed!r}: give the scan's path inside the case folder")
        if not path.is_file():
            raise BookError(f"--signed {signed!r}: no such file in cases/{case_id}/")
        extra = ((f"cases/{case_id}/{scan.as_posix()}", path.read_bytes()),)
    meta = {
        "date": when, "by": by,
        "plan": [{"due": d, "amount": a} for d, a in parsed],
        "signed": signed if signed else None,
    }
    total = sum((a for _, a in parsed), Decimal(0))
    what = f"payment plan, {len(parsed)} installment{'s' if len(parsed) != 1 else ''} of {total:.2f} in total"
    record = _note(root, case_id, when, "plan", meta, text, what)
    return Record(record.case_id, record.path, record.content, record.summary, extra)


def _note(
    root: Path, case_id: str, when: date, kind: str, meta: Mapping[str, Any], text: str,
    summary: str,
) -> Record:
    name = free_name(_case_files(root, case_id, "notes"), f"{when.isoformat()}-{kind}", ".md")
    return Record(case_id, f"cases/{case_id}/notes/{name}", front_matter(meta, text), summary)


def _numbered(existing: Sequence[str], stem: str, suffix: str) -> str:
    n = 1
    taken = set(existing)
    while f"{stem}-{n}{suffix}" in taken:
        n += 1
    return f"{stem}-{n}{suffix}"


__all__ = [
    "Record", "commit_record", "dispute_record", "find_case", "note_record", "open_disputes",
    "parse_amount", "parse_date", "parse_installment", "payment_record", "plan_record",
    "promise_record", "recorder", "resolve_record",
]

