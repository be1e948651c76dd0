"""One file of a case folder -> its record: the debtor, an invoice, a credit note, a
payment, a note, an action or the case's creditor (`creditor.yaml`, in an agency's book).

`read_file` is pure (bytes in, a record and problems out), so it can be fuzzed on its own
and its results cached; `read_entry` adds reading the bytes of one folder entry. Separate
from `casefolder`, which decides which files make a case and puts the records together.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from casebook.book.errors import Problem
from casebook.book.fields import Reader
from casebook.book.fsutil import MAX_READ
from casebook.book.model import (
    Action,
    ActionKind,
    Address,
    Case,
    Dispute,
    Installment,
    Invoice,
    Kind,
    Note,
    Payment,
    Plan,
    Promise,
    Source,
)
from casebook.book.schema import FILE_TYPES
from casebook.book.yamlfile import Mapping, read_front_matter, read_yaml


def read_file(kind: str, rel: str, raw: bytes, case_id: str) -> tuple[Any, list[Problem]]:
    """One file -> its record (or None) and its problems. Pure: bytes in, values out."""
    problems: list[Problem] = []
    reader = Reader(rel, problems)
    body = ""
    if kind == "note":
        data, body, found = read_front_matter(raw, rel)
    else:
        data, found = read_yaml(raw, rel)
    problems += found
    if found:
        return None, problems
    values = reader.read(data, FILE_TYPES[kind])
    if values is None:
        return None, problems
    source = Source(rel, 1, tuple(data.lines.items()) if isinstance(data, Mapping) else ())
    stem = PurePosixPath(rel).stem
    record = _BUILDERS[kind](values, source, case_id, stem, body, reader)
    return record, problems


def _build_debtor(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Case:
    return Case(
        id=case_id,
        name=v.get("name", case_id),
        kind=Kind(v.get("kind", "business")),
        language=v.get("language", ""),
        segment=v.get("segment", ""),
        policy=v.get("policy", ""),
        email=v.get("email", ""),
        phone=v.get("phone", ""),
        contact=v.get("contact", ""),
        address=Address(**v.get("address", {})),
        vat=v.get("vat", ""),
        iban=v.get("iban", ()),
        owner=v.get("owner", ""),
        tags=v.get("tags", ()),
        source=source,
    )


def _build_invoice(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Invoice | None:
    if not {"number", "issued", "due", "amount"} <= v.keys():
        return None
    if v["due"] < v["issued"]:
        r.problem(source.at("due").line, f"`due` {v['due']} is before `issued` {v['issued']}")
    attachment = v.get("attachment", "")
    if attachment and not _stays_inside(attachment):
        r.problem(source.at("attachment").line,
                  f"`attachment` {attachment!r} must be a path inside the case folder")
        attachment = ""
    return Invoice(
        number=v["number"],
        issued=v["issued"],
        due=v["due"],
        amount=v["amount"],
        case_id=case_id,
        currency=v.get("currency", "EUR"),
        description=v.get("description", ""),
        reference=v.get("reference", ""),
        attachment=attachment,
        source=source,
    )


class Credit(NamedTuple):
    """A credit note until `casefolder` takes it off its invoice: the model has none."""

    number: str
    invoice: str
    amount: Decimal
    source: Source


def _build_credit(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Credit | None:
    if not {"number", "invoice", "amount"} <= v.keys():
        return None
    return Credit(v["number"], v["invoice"], v["amount"], source)


def _build_payment(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Payment | None:
    if not {"date", "amount"} <= v.keys():
        return None
    return Payment(
        date=v["date"],
        amount=v["amount"],
        case_id=case_id,
        invoice=v.get("invoice"),
        reference=v.get("reference", ""),
        origin=v.get("source", ""),
        id=stem,
        source=source,
    )


def _build_note(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Note | None:
    if "date" not in v:
        return None
    when = v["date"]
    plan = None
    if "plan" in v:
        installments = tuple(Installment(i["due"], i["amount"]) for _, i in v["plan"]
                             if {"due", "amount"} <= i.keys())
        if not installments:
            r.problem(source.at("plan").line, "`plan` needs at least one installment")
        plan = Plan(installments, signed=v.get("signed", False)) if installments else None
    elif "signed" in v:
        r.problem(source.at("signed").line, "`signed` belongs with a `plan`")
    promise = v.get("promise")
    dispute = v.get("dispute")
    return Note(
        date=when.date() if hasattr(when, "date") and callable(when.date) else when,
        case_id=case_id,
        channel=v.get("channel", "other"),
        with_=v.get("with", ""),
        by=v.get("by", ""),
        promise=Promise(promise["date"], promise.get("amount")) if promise and "date" in promise else None,
        dispute=Dispute(dispute["invoice"], dispute.get("reason", "")) if dispute and "invoice" in dispute else None,
        resolved=v.get("resolved"),
        plan=plan,
        completes=v.get("completes"),
        body=body,
        id=stem,
        source=source,
    )


def _build_action(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Action | None:
    if not {"date", "kind"} <= v.keys():
        return None
    return Action(
        id=stem,
        date=v["date"],
        kind=ActionKind(v["kind"]),
        case_id=case_id,
        stage=v.get("stage", ""),
        channel=v.get("channel", ""),
        balance=v.get("balance", Decimal("0")),
        total=v.get("total", Decimal("0")),
        deadline=v.get("deadline"),
        invoices=v.get("invoices", ()),
        files=v.get("files", ()),
        source=source,
    )


def _build_creditor(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Any:
    from casebook.book.creditors import build_case_creditor

    return build_case_creditor(v, source) if "creditor" in v and "jurisdiction" in v else None


_BUILDERS = {
    "debtor": _build_debtor,
    "invoice": _build_invoice,
    "credit": _build_credit,
    "payment": _build_payment,
    "note": _build_note,
    "action": _build_action,
    "creditor": _build_creditor,
}


def _stays_inside(relative: str) -> bool:
    path = PurePosixPath(relative.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and bool(relative.strip())


def read_entry(kind: str, rel: str, case_id: str, entry: os.DirEntry) -> tuple[Any, list[Problem]]:
    """One case file of the folder listing: its record (or None) and its problems."""
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return None, []
    if st.st_size > MAX_READ:  # a record is a few hundred bytes; this is no record
        return None, [Problem(rel, 1, f"cannot read the file: larger than {MAX_READ >> 20} MB")]
    try:
        with open(entry.path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        return None, [Problem(rel, 1, f"cannot read the file: {error.strerror}")]
    return read_file(kind, rel, raw, case_id)
