"""ISO 20022 camt.053 (BankToCustomerStatement) -> `Statement` values.

Elements are found by local name, so the versions differ only where the standard changed
shape: the entry status is `<Sts>BOOK</Sts>` up to .001.04 and `<Sts><Cd>BOOK</Cd></Sts>`
from .001.08 on; parties are `Dbtr/Nm` up to .001.04 and `Dbtr/Pty/Nm` later (DOMAIN.md
section 6). A batched entry keeps its transactions (`TxDtls`) as `details`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element

from . import xmlsafe
from .records import (
    Balance,
    ImportProblem,
    Statement,
    StatementEntry,
    Transaction,
    content_reference,
    plain_decimal,
    unique_references,
)
from .xmlsafe import child, children, local, text, texts

_OTHER_MESSAGES = {
    "BkToCstmrAcctRpt": "a camt.052 account report",
    "BkToCstmrDbtCdtNtfctn": "a camt.054 debit/credit notification",
}


def parse_camt053(data: bytes, *, file: str) -> tuple[Statement, ...]:
    """Every statement in a camt.053 file; raises `ImportProblem` when the file is not one."""
    root = xmlsafe.parse(data, file=file)
    body = child(root, "BkToCstmrStmt") if local(root) == "Document" else None
    if body is None:
        first = next(iter(root), None)
        found = local(first) if first is not None and local(root) == "Document" else local(root)
        what = _OTHER_MESSAGES.get(found, f"<{found}>")
        raise ImportProblem(
            file, f"not a camt.053 bank statement: the file holds {what} (expected "
            "Document/BkToCstmrStmt)"
        )
    version = _version(xmlsafe.namespace(root))
    statements = [
        _statement(stmt, number, file=file, version=version)
        for number, stmt in enumerate(children(body, "Stmt"), start=1)
    ]
    if not statements:
        raise ImportProblem(file, "the statement file holds no statement (Stmt)")
    return tuple(statements)


def _version(ns: str) -> str:
    marker = "camt.053."
    return ns.split(marker, 1)[1] if marker in ns else ""


class _Where:
    """Builds messages that say which statement and entry a problem is in."""

    def __init__(self, file: str, statement: int) -> None:
        self.file = file
        self.statement = statement
        self.entry = 0

    def problem(self, message: str) -> ImportProblem:
        where = f"statement {self.statement}"
        if self.entry:
            where += f", entry {self.entry}"
        return ImportProblem(self.file, f"{where}: {message}")


def _statement(stmt: Element, number: int, *, file: str, version: str) -> Statement:
    where = _Where(file, number)
    account = text(stmt, "Acct", "Id", "IBAN") or text(stmt, "Acct", "Id", "Othr", "Id")
    balances = {}
    for bal in children(stmt, "Bal"):
        code = text(bal, "Tp", "CdOrPrtry", "Cd") or text(bal, "Tp", "CdOrPrtry", "Prtry")
        balances.setdefault(code, _balance(bal, where))
    entries: list[StatementEntry] = []
    for index, ntry in enumerate(children(stmt, "Ntry"), start=1):
        where.entry = index
        entries.append(_entry(ntry, where, account=account))
    where.entry = 0
    currency = text(stmt, "Acct", "Ccy")
    if not currency:
        currency = entries[0].currency if entries else ""
    created = _date_or_none(text(stmt, "CreDtTm"), where, "creation date")
    return Statement(
        format="camt053",
        file=file,
        id=text(stmt, "Id") or f"{account}-{created or number}",
        account=account,
        currency=currency,
        created=created,
        opening=balances.get("OPBD") or balances.get("PRCD"),
        closing=balances.get("CLBD"),
        entries=tuple(unique_references(entries)),
        version=version,
    )


def _balance(bal: Element, where: _Where) -> Balance:
    amount, currency = _amount(child(bal, "Amt"), where, "balance amount")
    if text(bal, "CdtDbtInd") == "DBIT":
        amount = -amount
    day = text(bal, "Dt", "Dt") or text(bal, "Dt", "DtTm")
    return Balance(amount, currency, _date_or_none(day, where, "balance date"))


def _entry(ntry: Element, where: _Where, *, account: str) -> StatementEntry:
    amount, currency = _amount(child(ntry, "Amt"), where, "amount")
    direction = text(ntry, "CdtDbtInd")
    if direction not in ("CRDT", "DBIT"):
        raise where.problem(f"credit/debit indicator (CdtDbtInd) is {direction!r}, "
                            "expected CRDT or DBIT")
    status_el = child(ntry, "Sts")
    status = (text(status_el, "Cd") or text(status_el, "Prtry") or text(ntry, "Sts")).upper()
    booking = _date_or_none(_day(child(ntry, "BookgDt")), where, "booking date")
    value = _date_or_none(_day(child(ntry, "ValDt")), where, "value date")
    booking = booking or value
    if booking is None:
        raise where.problem("the entry has neither a booking date nor a value date")
    credit = direction == "CRDT"
    transactions = [_transaction(tx, where, credit=credit) for tx in _transactions(ntry)]
    info = " ".join(
        dict.fromkeys(
            t
            for t in [text(ntry, "AddtlNtryInf")]
            + [t for tx in _transactions(ntry) for t in texts(tx, "AddtlTxInf")]
            if t
        )
    )
    single = transactions[0] if len(transactions) == 1 else None
    shared = _shared(transactions)
    end_to_end = single.end_to_end if single else ""
    reference = text(ntry, "AcctSvcrRef") or content_reference(
        account, booking, value, amount, currency, direction, text(ntry, "RvslInd"),
        text(ntry, "NtryRef"), *(
            (t.end_to_end, t.amount, t.structured_ref, t.unstructured, t.payer_iban)
            for t in transactions
        ),
    )
    return StatementEntry(
        reference=reference,
        booking_date=booking,
        value_date=value,
        amount=amount,
        currency=currency,
        credit=credit,
        reversal=text(ntry, "RvslInd").lower() in ("true", "1"),
        status=status or "BOOK",
        structured_ref=shared.structured_ref,
        unstructured=shared.unstructured,
        payer_name=shared.payer_name,
        payer_iban=shared.payer_iban,
        bank_code=_bank_code(child(ntry, "BkTxCd")),
        info=info,
        end_to_end=end_to_end,
        details=tuple(transactions) if len(transactions) > 1 else (),
    )


def _transactions(ntry: Element) -> list[Element]:
    return [tx for details in children(ntry, "NtryDtls") for tx in children(details, "TxDtls")]


def _shared(transactions: list[Transaction]) -> Transaction:
    """What all transactions of an entry have in common (all of it when there is one)."""
    if not transactions:
        return Transaction(amount=None)

    def common(field: str) -> str:
        values = {getattr(t, field) for t in transactions}
        return values.pop() if len(values) == 1 else ""

    unstructured = " ".join(dict.fromkeys(t.unstructured for t in transactions if t.unstructured))
    return Transaction(
        amount=None,
        structured_ref=common("structured_ref"),
        unstructured=unstructured,
        payer_name=common("payer_name"),
        payer_iban=common("payer_iban"),
    )


def _transaction(tx: Element, where: _Where, *, credit: bool) -> Transaction:
    amount_el = child(tx, "Amt")
    if amount_el is None:
        amount_el = child(tx, "AmtDtls", "TxAmt", "Amt")
    amount, currency = (None, "")
    if amount_el is not None:
        amount, currency = _amount(amount_el, where, "transaction amount")
    structured = ""
    for strd in children(child(tx, "RmtInf"), "Strd"):
        structured = text(strd, "CdtrRefInf", "Ref")
        if structured:
            break
    party = "Dbtr" if credit else "Cdtr"
    parties = child(tx, "RltdPties")
    name = text(parties, party, "Nm") or text(parties, party, "Pty", "Nm")
    iban = text(parties, f"{party}Acct", "Id", "IBAN") or text(
        parties, f"{party}Acct", "Id", "Othr", "Id"
    )
    end_to_end = text(tx, "Refs", "EndToEndId")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    return Transaction(
        amount=amount,
        currency=currency,
        structured_ref=structured,
        unstructured=" ".join(texts(tx, "RmtInf", "Ustrd")),
        payer_name=name,
        payer_iban=iban.replace(" ", "").upper(),
        end_to_end=end_to_end,
    )


def _bank_code(code: Element | None) -> str:
    if code is None:
        return ""
    parts = [
        text(code, "Domn", "Cd"),
        text(code, "Domn", "Fmly", "Cd"),
        text(code, "Domn", "Fmly", "SubFmlyCd"),
    ]
    if any(parts):
        return "/".join(parts)
    return text(code, "Prtry", "Cd")


def _day(element: Element | None) -> str:
    return text(element, "Dt") or text(element, "DtTm")[:10]


def _date_or_none(value: str, where: _Where, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise where.problem(f"{what} {value!r} is not a date") from None


def _amount(element: Element | None, where: _Where, what: str) -> tuple[Decimal, str]:
    raw = (element.text or "").strip() if element is not None else ""
    if not raw:
        raise where.problem(f"{what} is missing")
    amount = plain_decimal(raw)
    if amount is None:
        raise where.problem(f"{what} {raw!r} is not a number")
    if amount < 0:
        raise where.problem(f"{what} {raw!r} is not a positive amount")
    currency = (element.get("Ccy") or "").strip().upper() if element is not None else ""
    return amount, currency
