"""Invoices exported by accounting software as CSV -> `InvoiceDraft` values.

The user maps casebook's fields to the file's column headers:
`number=Factuurnr,issued=Datum,due=Vervaldatum,amount=Bedrag,debtor=Klant`. The
delimiter (comma, semicolon or tab) is detected; the encoding is UTF-8 (with or without a
byte-order mark), else Windows-1252, which Belgian and Dutch packages still write.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Mapping

from .records import ImportProblem, InvoiceDraft, plain_decimal

REQUIRED = ("number", "issued", "amount", "debtor")
OPTIONAL = ("due", "vat", "email", "currency", "reference", "description")
FIELDS = REQUIRED + OPTIONAL


def parse_mapping(text: str) -> dict[str, str]:
    """`field=Column,field=Column` -> {field: column}; raises ValueError with a clear message."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        field, sep, column = part.partition("=")
        field, column = field.strip().lower(), column.strip()
        if not sep or not column:
            raise ValueError(f"{part.strip()!r} is not field=Column")
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}; fields are {', '.join(FIELDS)}")
        if field in mapping:
            raise ValueError(f"field {field!r} is mapped twice")
        mapping[field] = column
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise ValueError(f"--map must name a column for {', '.join(missing)}")
    return mapping


def parse_csv(
    data: bytes,
    *,
    file: str,
    mapping: Mapping[str, str],
    date_format: str = "%Y-%m-%d",
    decimal_comma: bool = False,
    currency: str = "EUR",
) -> tuple[InvoiceDraft, ...]:
    """One draft per data row; the first bad row raises `ImportProblem` with its line."""
    text = _decode(data)
    if not text.strip():
        raise ImportProblem(file, "the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportProblem(file, "the file is empty") from None
    except csv.Error as error:
        raise ImportProblem(file, f"not a CSV file: {error}", line=1) from None
    columns: dict[str, int] = {}
    for field, column in mapping.items():
        if column not in header:
            raise ImportProblem(
                file,
                f"column {column!r} (for {field}) is not in the header; the columns are "
                + ", ".join(repr(h) for h in header),
                line=1,
            )
        columns[field] = header.index(column)
    drafts = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            drafts.append(
                _draft(
                    row, line, file=file, columns=columns, date_format=date_format,
                    decimal_comma=decimal_comma, currency=currency,
                )
            )
    except csv.Error as error:
        raise ImportProblem(file, f"the CSV is malformed: {error}", line=reader.line_num) from None
    return tuple(drafts)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _draft(
    row: list[str],
    line: int,
    *,
    file: str,
    columns: Mapping[str, int],
    date_format: str,
    decimal_comma: bool,
    currency: str,
) -> InvoiceDraft:
    def cell(field: str) -> str:
        index = columns.get(field)
        if index is None:
            return ""
        if index >= len(row):
            raise ImportProblem(file, f"the row has no column for {field}", line=line)
        return row[index].strip()

    def required(field: str) -> str:
        value = cell(field)
        if not value:
            raise ImportProblem(file, f"{field} is empty", line=line)
        return value

    def day(field: str, value: str) -> date:
        try:
            return datetime.strptime(value, date_format).date()
        except ValueError:
            raise ImportProblem(
                file, f"{field} {value!r} does not match the date format {date_format!r} "
                "(set it with --date-format)", line=line,
            ) from None

    issued = day("issued", required("issued"))
    due_text = cell("due")
    return InvoiceDraft(
        file=file,
        line=line,
        number=required("number"),
        issued=issued,
        due=day("due", due_text) if due_text else None,
        amount=parse_amount(required("amount"), decimal_comma=decimal_comma, file=file, line=line),
        currency=(cell("currency") or currency).upper(),
        debtor=required("debtor"),
        vat=cell("vat"),
        email=cell("email"),
        reference=cell("reference"),
        description=cell("description"),
    )


def parse_amount(value: str, *, decimal_comma: bool, file: str, line: int) -> Decimal:
    """`1234.56` (or `1.234,56` with `decimal_comma`); at most two decimals."""
    cleaned = value.replace("€", "").replace("\u00a0", "").replace(" ", "")
    if cleaned.upper().startswith("EUR"):
        cleaned = cleaned[3:]
    if decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif "," in cleaned:
        raise ImportProblem(
            file, f"amount {value!r} has a comma: use --decimal-comma for amounts like 1.234,56",
            line=line,
        )
    amount = plain_decimal(cleaned)
    if amount is None:
        raise ImportProblem(file, f"amount {value!r} is not a number", line=line)
    if amount != amount.quantize(Decimal("0.01")):
        raise ImportProblem(file, f"amount {value!r} has more than two decimals", line=line)
    return amount


