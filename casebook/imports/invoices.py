"""Peppol invoices, credit notes and CSV rows -> invoice and credit files in the right case.

The debtor is found by VAT number (the buyer's, or the one its Peppol endpoint implies:
scheme 0208 and 9925 carry the Belgian enterprise number), for CSV rows also by exact name;
otherwise a new case is created from the buyer. A credit note goes to the case of the
invoice it names, as `cases/<id>/credits/<number>.yaml`, which the loader subtracts from
that invoice. What cannot be imported (zero or negative amounts, another currency than the
book's, a number already in the book, a credit note for an unknown invoice) is reported and
the rest is committed. Planning is pure (`placement`); `import_documents` adds the lock, load
and commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Sequence

import yaml

from casebook.book.model import Book
from casebook.imports.apply import commit_files, opened_book
from casebook.imports.placement import DocStatus, DocumentOutcome, plan_documents
from casebook.imports.records import InvoiceDraft, UblDocument


@dataclass(frozen=True, slots=True)
class DocumentImport:
    outcomes: tuple[DocumentOutcome, ...]
    files: dict[str, bytes]
    message: str
    commit: str | None
    book_problems: int = 0

    @property
    def rejected(self) -> tuple[DocumentOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == DocStatus.REJECTED)


def existing_credits(root: Path) -> dict[tuple[str, str], tuple[str, Decimal]]:
    """Credit notes already in the book's files: (case id, number) -> (invoice, amount)."""
    found: dict[tuple[str, str], tuple[str, Decimal]] = {}
    for path in sorted((root / "cases").glob("*/credits/*.yaml")):
        try:
            data = yaml.safe_load(path.read_bytes())
            found[(path.parent.parent.name, str(data["number"]))] = (
                str(data["invoice"]), Decimal(str(data["amount"]))
            )
        except Exception:  # an unreadable file is `casebook check`'s to report
            continue
    return found


def documents_message(kind: str, outcomes: Sequence[DocumentOutcome]) -> str:
    imported = [o for o in outcomes if o.status == DocStatus.IMPORTED]
    rejected = [o for o in outcomes if o.status == DocStatus.REJECTED]
    invoices = sum(1 for o in imported if not o.credit_note)
    credits = len(imported) - invoices
    parts = [f"{invoices} invoice{'s' if invoices != 1 else ''}"]
    if credits:
        parts.append(f"{credits} credit note{'s' if credits != 1 else ''}")
    lines = [f"Import {kind}: {', '.join(parts)}", ""]
    for o in imported:
        what = "credit note" if o.credit_note else "invoice"
        lines.append(f"- {o.case_id}: {what} {o.number}, {o.amount:.2f} {o.currency} "
                     f"[{PurePath(o.file).name}] ({o.reason})")
    if rejected:
        lines += ["", "Not imported:"]
        lines += [f"- {PurePath(o.file).name}: {o.number}: {o.reason}" for o in rejected]
    lines += ["", f"Casebook-Import: {kind}"]
    return "\n".join(lines) + "\n"


def import_documents(
    root: Path,
    documents: Sequence[UblDocument | InvoiceDraft],
    *,
    kind: str,
    dry_run: bool = False,
    book: Book | None = None,
) -> DocumentImport:
    """Place parsed documents in the book and (unless `dry_run`) commit them as one commit."""
    with opened_book(root, dry_run=dry_run, book=book) as (store, book, problems):
        outcomes, files = plan_documents(
            book, documents, credits=existing_credits(root),
            taken=lambda rel: (root / rel).exists(),
        )
        message = documents_message(kind, outcomes)
        commit = None
        if store is not None and files:
            commit = commit_files(store, files, message, author=book.settings.operator)
    return DocumentImport(outcomes, files, message, commit, len(problems))


__all__ = [
    "DocStatus",
    "DocumentImport",
    "DocumentOutcome",
    "import_documents",
    "plan_documents",
    "existing_credits",
]
