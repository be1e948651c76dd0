"""`casebook import camt053|coda|ubl|csv FILE...`: the thin layer over casebook.imports."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

import click

from casebook.imports.apply import ImportFailed, StatementImport, import_statements, parse_all
from casebook.imports.csvimport import parse_csv, parse_mapping
from casebook.imports.invoices import DocStatus, DocumentImport, import_documents
from casebook.imports.reconcile import Status
from casebook.imports.ubl import parse_ubl
from .common import book_option, echo_json, handle_errors, json_option

_FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
_DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Show what would be imported; write and commit nothing."
)


def _read(files: Sequence[Path]) -> list[tuple[str, bytes]]:
    return [(str(path), path.read_bytes()) for path in files]


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _fail_unreadable(error: ImportFailed) -> None:
    for problem in error.import_problems:
        click.echo(str(problem), err=True)
    click.echo(f"Error: {error}", err=True)
    raise click.exceptions.Exit(1)


@click.group("import")
def import_group() -> None:
    """Bring bank statements and invoices into the book.

    Statements (camt053, coda) become payment files in the cases they match; credits that
    match nothing are kept in imports/unmatched/ for review. Invoices (ubl, csv) become
    invoice files, in a new case when the debtor is not known yet. Each import is one
    commit; a file that cannot be read stops the import before anything is written.
    """


def _statement_command(kind: str, label: str) -> click.Command:
    @click.command(kind, help=f"""Import {label} FILES: book the payments they contain.

    Booked credits are matched by structured communication or RF reference, then by an
    invoice number in the text, then by the payer's IBAN (debtor.yaml `iban`) together with
    an amount equal to an open invoice or the balance. Debits and reversals are listed, not
    booked. Entries imported before are skipped, so running it twice is harmless.""")
    @_FILES
    @_DRY_RUN
    @book_option
    @json_option
    @handle_errors
    def command(files: tuple[Path, ...], dry_run: bool, book_root: Path, as_json: bool) -> None:
        try:
            result = import_statements(book_root, _read(files), kind=kind, dry_run=dry_run)
        except ImportFailed as error:
            _fail_unreadable(error)
            return
        if as_json:
            echo_json(_statement_json(result))
        else:
            _print_statements(result, dry_run=dry_run)

    return command


def _outcome_json(o: Any) -> dict[str, Any]:
    e = o.entry
    return {
        "status": str(o.status),
        "reference": e.reference,
        "date": e.booking_date.isoformat(),
        "amount": _money(e.amount),
        "currency": e.currency,
        "credit": e.credit,
        "payer": e.payer_name,
        "iban": e.payer_iban,
        "structured": e.structured_ref,
        "text": e.unstructured,
        "case": o.case_id or None,
        "invoice": o.invoice,
        "method": str(o.method) if o.method else None,
        "reason": o.reason,
        "suggestion": o.suggestion or None,
        "statement": o.statement.id,
        "file": o.statement.file,
    }


def _statement_json(result: StatementImport) -> dict[str, Any]:
    return {
        "statements": [
            {"file": s.file, "id": s.id, "account": s.account, "entries": len(s.entries)}
            for s in result.statements
        ],
        "outcomes": [
            {**_outcome_json(o), "path": result.payment_paths.get(o.entry.reference)}
            for o in result.reconciliation.outcomes
        ],
        "review_files": list(result.review_files),
        "commit": result.commit,
        "book_problems": result.book_problems,
    }


_STATUS_WORD = {
    Status.MATCHED: "booked",
    Status.UNMATCHED: "review",
    Status.IGNORED: "ignored",
    Status.SKIPPED: "skipped",
}


def _print_statements(result: StatementImport, *, dry_run: bool) -> None:
    if result.book_problems:
        click.echo(f"warning: the book has {result.book_problems} problem(s); run `casebook "
                   "check`", err=True)
    for statement in result.statements:
        click.echo(f"{statement.file}: statement {statement.id} ({statement.account}), "
                   f"{len(statement.entries)} entries")
    for o in result.reconciliation.outcomes:
        e = o.entry
        sign = "" if e.credit else "-"
        head = (f"  {_STATUS_WORD[o.status]:<8} {sign}{e.amount:.2f} {e.currency} "
                f"{e.booking_date}")
        if o.status == Status.MATCHED:
            target = f"invoice {o.invoice}" if o.invoice else "oldest open invoices"
            click.echo(f"{head} {o.case_id}, {target}: {o.reason}")
        else:
            who = " ".join(p for p in (e.payer_name, e.payer_iban) if p)
            click.echo(f"{head} {who + ': ' if who else ''}{o.reason}")
    matched, unmatched = result.reconciliation.matched, result.reconciliation.unmatched
    for path in result.review_files:
        click.echo(f"Unmatched credits kept for review in {path}")
    if dry_run:
        click.echo(f"Dry run: {len(matched)} payment(s) would be booked, "
                   f"{len(unmatched)} kept for review; nothing written.")
    elif result.commit:
        click.echo(f"Committed {result.commit[:10]}: {len(matched)} payment(s) booked, "
                   f"{len(unmatched)} kept for review.")
    else:
        click.echo("Nothing new to import.")


def _print_documents(result: DocumentImport, *, dry_run: bool) -> None:
    if result.book_problems:
        click.echo(f"warning: the book has {result.book_problems} problem(s); run `casebook "
                   "check`", err=True)
    for o in result.outcomes:
        what = "credit note" if o.credit_note else "invoice"
        line = (f"  {o.status:<8} {o.file}: {what} {o.number} {_money(o.amount)} "
                f"{o.currency}: {o.reason}")
        click.echo(line, err=o.status == DocStatus.REJECTED)
    imported = sum(1 for o in result.outcomes if o.status == DocStatus.IMPORTED)
    if dry_run:
        click.echo(f"Dry run: {imported} document(s) would be imported; nothing written.")
    elif result.commit:
        click.echo(f"Committed {result.commit[:10]}: {imported} document(s) imported.")
    else:
        click.echo("Nothing new to import.")
    if result.rejected:
        click.echo(f"Error: {len(result.rejected)} document(s) not imported (see above)", err=True)
        raise click.exceptions.Exit(1)


def _documents_json(result: DocumentImport) -> dict[str, Any]:
    return {
        "documents": [
            {
                "status": str(o.status),
                "file": o.file,
                "number": o.number,
                "credit_note": o.credit_note,
                "amount": _money(o.amount),
                "currency": o.currency,
                "case": o.case_id or None,
                "new_case": o.new_case,
                "paths": list(o.paths),
                "reason": o.reason,
            }
            for o in result.outcomes
        ],
        "commit": result.commit,
        "book_problems": result.book_problems,
    }


def _finish_documents(result: DocumentImport, *, dry_run: bool, as_json: bool) -> None:
    if as_json:
        echo_json(_documents_json(result))
        if result.rejected:
            raise click.exceptions.Exit(1)
    else:
        _print_documents(result, dry_run=dry_run)


@click.command("ubl")
@_FILES
@_DRY_RUN
@book_option
@json_option
@handle_errors
def import_ubl(files: tuple[Path, ...], dry_run: bool, book_root: Path, as_json: bool) -> None:
    """Import Peppol BIS Billing 3.0 (UBL) invoices and credit notes from FILES.

    An invoice goes to the case whose VAT number matches the buyer's (or its Peppol
    endpoint's), else to a new case made from the buyer; its embedded PDF is saved beside
    it. A credit note reduces the invoice it names. Zero or negative amounts, another
    currency than the book's and numbers already in the book are reported, not imported
    (exit code 1; the rest is still committed).
    """
    try:
        documents = parse_all(_read(files), parse_ubl)
    except ImportFailed as error:
        _fail_unreadable(error)
        return
    result = import_documents(book_root, documents, kind="ubl", dry_run=dry_run)
    _finish_documents(result, dry_run=dry_run, as_json=as_json)


@click.command("csv")
@_FILES
@click.option(
    "--map",
    "mapping_text",
    required=True,
    metavar="FIELD=COLUMN,...",
    help="Which column holds each field: number, issued, amount and debtor are required; "
    "due, vat, email, currency, reference and description are optional. "
    "E.g. number=Factuurnr,issued=Datum,due=Vervaldatum,amount=Bedrag,debtor=Klant",
)
@click.option("--date-format", default="%Y-%m-%d", show_default=True,
              help="How dates are written, in strftime codes (e.g. %d/%m/%Y).")
@click.option("--decimal-comma", is_flag=True,
              help="Amounts are written 1.234,56 (comma for decimals).")
@_DRY_RUN
@book_option
@json_option
@handle_errors
def import_csv(
    files: tuple[Path, ...],
    mapping_text: str,
    date_format: str,
    decimal_comma: bool,
    dry_run: bool,
    book_root: Path,
    as_json: bool,
) -> None:
    """Import invoices exported as CSV by accounting software, one invoice per row.

    The debtor is found by VAT number, else by exact name, else a new case is created.
    A row without a due date is due 30 days after it was issued.
    """
    try:
        mapping = parse_mapping(mapping_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--map") from None

    def parse(data: bytes, *, file: str) -> Any:
        return parse_csv(data, file=file, mapping=mapping, date_format=date_format,
                         decimal_comma=decimal_comma)

    try:
        drafts = [d for parsed in parse_all(_read(files), parse) for d in parsed]
    except ImportFailed as error:
        _fail_unreadable(error)
        return
    result = import_documents(book_root, drafts, kind="csv", dry_run=dry_run)
    _finish_documents(result, dry_run=dry_run, as_json=as_json)


import_group.add_command(_statement_command("camt053", "ISO 20022 camt.053 bank statement"))
import_group.add_command(_statement_command("coda", "Belgian CODA bank statement"))
import_group.add_command(import_ubl)
import_group.add_command(import_csv)

COMMANDS = [import_group]
