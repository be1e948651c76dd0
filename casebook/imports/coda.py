"""Belgian CODA 2.x statements (Febelfin, fixed width) -> `Statement` values.

Every record is one line of exactly 128 characters; positions below are 1-based as in the
standard. A file may hold several statements one after another (record 0 ... record 9).

  0        header: creation date 6-11, version 128
  1        old balance: account structure 2, statement number 3-5, account and currency
           6-42, sign 43, balance 44-58 (3 decimals), date 59-64, holder 65-90
  2.1      movement: sequence 3-6, detail 7-10, bank reference 11-31, sign 32 (0 credit,
           1 debit), amount 33-47, value date 48-53, transaction code 54-61, communication
           type 62 (1 = structured), communication 63-115, entry date 116-121
  2.2      communication (cont.) 11-63, customer reference 64-98, counterparty BIC 99-109,
           R-transaction type 113
  2.3      counterparty account 11-47, name 48-82, communication (cont.) 83-125
  3.x      information records (ignored for payments), 4 free communication 33-112
  8        new balance: account and currency 5-41, sign 42, balance 43-57, date 58-63
  9        trailer: number of records 17-22, debit total 23-37, credit total 38-52

A structured communication of type 101 (or 102) in record 2.1 is a Belgian structured
communication: its 12 digits are at 66-77. A movement whose detail number is not 0000
details the globalised movement with the same sequence number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .records import (
    Balance,
    ImportProblem,
    Statement,
    StatementEntry,
    Transaction,
    content_reference,
    unique_references,
)

RECORD_LENGTH = 128
_THOUSANDTH = Decimal("0.001")
_CENT = Decimal("0.01")


def parse_coda(data: bytes, *, file: str) -> tuple[Statement, ...]:
    """Every statement in a CODA file; raises `ImportProblem` naming the line at fault."""
    lines = _lines(data, file)
    if not lines:
        raise ImportProblem(file, "the file is empty")
    statements: list[Statement] = []
    current: _Builder | None = None
    for number, line in lines:
        record = _Record(line, number, file)
        kind = line[0]
        if kind == "0":
            if current is not None:
                raise record.problem("a new header (record 0) before the trailer (record 9)")
            current = _Builder(file=file, header=record)
            continue
        if current is None:
            raise record.problem(f"record {kind} before the header (record 0): not a CODA file")
        if kind == "9":
            statements.append(current.finish(record))
            current = None
        else:
            current.add(record)
    if current is not None:
        raise ImportProblem(
            file,
            "the file ends without a trailer record (9): it is truncated",
            line=lines[-1][0],
        )
    return tuple(statements)


def _lines(data: bytes, file: str) -> list[tuple[int, str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Banks write CODA in a one-byte Latin character set: each byte is one column.
        text = data.decode("latin-1")
    result = []
    raw_lines = text.split("\n")
    for number, raw in enumerate(raw_lines, start=1):
        line = raw.rstrip("\r")
        if not line.strip() and number == len(raw_lines):
            continue
        if len(line) != RECORD_LENGTH:
            raise ImportProblem(
                file,
                f"record is {len(line)} characters long; every CODA record has "
                f"{RECORD_LENGTH}",
                line=number,
            )
        if line[0] not in "0123489":
            raise ImportProblem(
                file, f"unknown record type {line[0]!r} at the start of the line", line=number
            )
        result.append((number, line))
    return result


class _Record:
    """One 128-character line with 1-based field access that reports its own line."""

    def __init__(self, line: str, number: int, file: str) -> None:
        self.line = line
        self.number = number
        self.file = file

    @property
    def kind(self) -> str:
        return self.line[:2] if self.line[0] in "23" else self.line[0]

    def field(self, start: int, end: int) -> str:
        return self.line[start - 1 : end]

    def text(self, start: int, end: int) -> str:
        return self.field(start, end).strip()

    def problem(self, message: str) -> ImportProblem:
        return ImportProblem(self.file, message, line=self.number)

    def digits(self, start: int, end: int, what: str) -> str:
        value = self.field(start, end)
        if not value.isdigit():
            raise self.problem(f"{what} (columns {start}-{end}) is {value!r}, not digits")
        return value

    def amount(self, start: int, end: int, what: str) -> Decimal:
        value = Decimal(self.digits(start, end, what)) * _THOUSANDTH
        # Amounts have three decimals in CODA; the third is nearly always 0.
        cents = value.quantize(_CENT)
        return cents if cents == value else value

    def signed(self, sign_at: int, start: int, end: int, what: str) -> Decimal:
        sign = self.field(sign_at, sign_at)
        if sign not in "01":
            raise self.problem(f"sign of the {what} (column {sign_at}) is {sign!r}, not 0 or 1")
        amount = self.amount(start, end, what)
        return -amount if sign == "1" else amount

    def date(self, start: int, end: int, what: str, *, optional: bool = False) -> date | None:
        value = self.field(start, end)
        if optional and value.strip("0 ") == "":
            return None
        if not value.isdigit():
            raise self.problem(f"{what} (columns {start}-{end}) is {value!r}, not DDMMYY")
        day, month, year = int(value[:2]), int(value[2:4]), int(value[4:])
        try:
            return date(2000 + year if year < 70 else 1900 + year, month, day)
        except ValueError:
            raise self.problem(f"{what} {value!r} (columns {start}-{end}) is not a date") from None


@dataclass
class _Movement:
    """A movement being read: record 2.1 plus its 2.2 / 2.3 continuations."""

    record: _Record
    sequence: str
    detail: str
    bank_ref: str
    amount: Decimal
    credit: bool
    value_date: date | None
    entry_date: date | None
    code: str
    structured: str = ""
    communication: list[str] = field(default_factory=list)
    payer_name: str = ""
    payer_iban: str = ""
    info: list[str] = field(default_factory=list)
    reversal: bool = False
    details: list["_Movement"] = field(default_factory=list)


class _Builder:
    """Collects the records of one statement (header to trailer)."""

    def __init__(self, *, file: str, header: _Record) -> None:
        self.file = file
        self.header = header
        self.created = header.date(6, 11, "creation date")
        self.version = header.field(128, 128)
        self.account = ""
        self.currency = ""
        self.sequence = ""
        self.opening: Balance | None = None
        self.closing: Balance | None = None
        self.movements: list[_Movement] = []
        self.last: _Movement | None = None
        self.count = 0
        self.debit = Decimal("0")
        self.credit = Decimal("0")

    def add(self, record: _Record) -> None:
        self.count += 1
        kind = record.kind
        handler = {
            "1": self._old_balance,
            "21": self._movement,
            "22": self._movement_2,
            "23": self._movement_3,
            "31": self._information,
            "32": self._information,
            "33": self._information,
            "4": self._free,
            "8": self._new_balance,
        }.get(kind)
        if handler is None:
            raise record.problem(f"unknown record type {kind!r}")
        handler(record)

    # -- records ----------------------------------------------------------------------
    def _old_balance(self, record: _Record) -> None:
        structure = record.field(2, 2)
        if structure == "0":
            self.account, self.currency = record.text(6, 17), record.text(19, 21)
        else:
            self.account, self.currency = record.text(6, 39), record.text(40, 42)
        self.sequence = record.text(3, 5)
        amount = record.signed(43, 44, 58, "old balance")
        self.opening = Balance(amount, self.currency, record.date(59, 64, "old balance date"))

    def _new_balance(self, record: _Record) -> None:
        currency = record.text(39, 41) or self.currency
        amount = record.signed(42, 43, 57, "new balance")
        self.closing = Balance(amount, currency, record.date(58, 63, "new balance date"))

    def _movement(self, record: _Record) -> None:
        sign = record.field(32, 32)
        if sign not in "01":
            raise record.problem(f"movement sign (column 32) is {sign!r}, not 0 or 1")
        movement = _Movement(
            record=record,
            sequence=record.digits(3, 6, "sequence number"),
            detail=record.digits(7, 10, "detail number"),
            bank_ref=record.text(11, 31),
            amount=record.amount(33, 47, "amount"),
            credit=sign == "0",
            value_date=record.date(48, 53, "value date", optional=True),
            entry_date=record.date(116, 121, "entry date", optional=True),
            code=record.field(54, 61),
        )
        if record.field(62, 62) == "1":
            kind = record.field(63, 65)
            if kind in ("101", "102"):
                movement.structured = record.field(66, 77)
        else:
            movement.communication.append(record.field(63, 115))
        if movement.detail == "0000":
            self.movements.append(movement)
            if movement.credit:
                self.credit += movement.amount
            else:
                self.debit += movement.amount
        else:
            parent = self.movements[-1] if self.movements else None
            if parent is None or parent.sequence != movement.sequence:
                raise record.problem(
                    f"detail {movement.detail} of movement {movement.sequence} has no "
                    "globalised movement before it"
                )
            parent.details.append(movement)
        self.last = movement

    def _current(self, record: _Record) -> _Movement:
        if self.last is None or self.last.sequence != record.field(3, 6):
            raise record.problem(f"record {record.kind} does not follow its movement (2.1)")
        return self.last

    def _movement_2(self, record: _Record) -> None:
        movement = self._current(record)
        if not movement.structured:
            movement.communication.append(record.field(11, 63))
        movement.reversal = record.field(113, 113).strip() != ""

    def _movement_3(self, record: _Record) -> None:
        movement = self._current(record)
        movement.payer_iban = (record.text(11, 47).split() or [""])[0]
        if len(movement.payer_iban) > 34:
            movement.payer_iban = movement.payer_iban[:34]
        movement.payer_name = record.text(48, 82)
        if not movement.structured:
            movement.communication.append(record.field(83, 125))

    def _information(self, record: _Record) -> None:
        if not self.movements:
            raise record.problem("information record before any movement")

    def _free(self, record: _Record) -> None:
        if self.movements:
            self.movements[-1].info.append(record.text(33, 112))

    # -- end --------------------------------------------------------------------------
    def finish(self, trailer: _Record) -> Statement:
        declared = int(trailer.digits(17, 22, "number of records"))
        if declared != self.count:
            raise trailer.problem(
                f"the trailer counts {declared} records but the statement has {self.count}: "
                "the file is incomplete or damaged"
            )
        for what, start, end, total in (
            ("debit", 23, 37, self.debit),
            ("credit", 38, 52, self.credit),
        ):
            declared_total = trailer.amount(start, end, f"{what} total")
            if declared_total != total:
                raise trailer.problem(
                    f"the trailer's {what} total is {declared_total:.2f} but the movements "
                    f"add up to {total:.2f}: the file is incomplete or damaged"
                )
        if not self.account:
            raise trailer.problem("the statement has no old balance record (1)")
        entries = [self._entry(m) for m in self.movements]
        created = self.created
        return Statement(
            format="coda",
            file=self.file,
            id=f"{self.account}-{created.isoformat() if created else ''}-{self.sequence}",
            account=self.account,
            currency=self.currency,
            created=created,
            opening=self.opening,
            closing=self.closing,
            entries=tuple(unique_references(entries)),
            version=self.version,
        )

    def _entry(self, movement: _Movement) -> StatementEntry:
        booking = movement.entry_date or movement.value_date or self.created
        assert booking is not None  # the header's creation date is required
        reference = (
            f"{movement.bank_ref}-{booking:%Y%m%d}"
            if movement.bank_ref
            else content_reference(
                self.account, booking, movement.amount, movement.credit, movement.sequence,
                movement.code, _join(movement.communication), movement.payer_iban,
            )
        )
        details = tuple(
            Transaction(
                amount=d.amount,
                currency=self.currency,
                structured_ref=d.structured,
                unstructured=_join(d.communication),
                payer_name=d.payer_name or movement.payer_name,
                payer_iban=d.payer_iban or movement.payer_iban,
            )
            for d in movement.details
            if d.credit == movement.credit
        )
        return StatementEntry(
            reference=reference,
            booking_date=booking,
            value_date=movement.value_date,
            amount=movement.amount,
            currency=self.currency,
            credit=movement.credit,
            reversal=movement.reversal,
            structured_ref=movement.structured,
            unstructured=_join(movement.communication),
            payer_name=movement.payer_name,
            payer_iban=movement.payer_iban.upper(),
            bank_code=movement.code,
            info=" ".join(movement.info),
            details=details if len(details) > 1 else (),
            line=movement.record.number,
        )


def _join(parts: list[str]) -> str:
    """Communication split over fixed-width fields, joined back and tidied."""
    return " ".join("".join(parts).split())

