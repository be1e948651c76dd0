"""Planning an invoice import: which case each document goes to, and the files it adds.

Pure: the book and the parsed documents in, an outcome per document and the new files out
(`plan_documents`). The debtor is found by VAT number, by the VAT its Peppol endpoint
implies, or (CSV rows) by exact name, else a new case is made from the buyer; a credit note
goes to the case of the invoice it names. Kept apart from `invoices`, which adds what
touches the book on disk (credit notes already there, the lock, the commit), so the
placing rules can be read, and tested, without a repository.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Callable, Sequence

from casebook.book.dump import free_name, invoice_file, slug, to_yaml
from casebook.book.model import Book
from casebook.imports.records import InvoiceDraft, Party, UblDocument
from casebook.money.refs import canonical

DEFAULT_TERM = timedelta(days=30)
"""Due date when a document gives none: the Belgian statutory default term (DOMAIN.md §1)."""


class DocStatus(enum.StrEnum):
    IMPORTED = "imported"
    SKIPPED = "skipped"
    """Already in the book, identical."""
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    status: DocStatus
    file: str
    number: str
    reason: str
    credit_note: bool = False
    case_id: str = ""
    new_case: bool = False
    amount: Decimal | None = None
    currency: str = ""
    paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Doc:
    """A UBL document or CSV row in one shape."""

    file: str
    number: str
    issued: date
    due: date | None
    amount: Decimal
    currency: str
    buyer: Party
    credit_note: bool = False
    invoice: str = ""
    reference: str = ""
    description: str = ""
    pdf: bytes | None = None
    by_name: bool = False
    """Find the debtor by its name too (CSV rows carry no other identity)."""


def _from_ubl(doc: UblDocument) -> _Doc:
    return _Doc(
        file=doc.file,
        number=doc.number,
        issued=doc.issued,
        due=doc.due,
        amount=doc.payable,
        currency=doc.currency,
        buyer=doc.buyer,
        credit_note=doc.credit_note,
        invoice=doc.billing_reference,
        reference=doc.payment_id,
        description=doc.note,
        pdf=doc.pdf,
    )


def _from_draft(draft: InvoiceDraft) -> _Doc:
    return _Doc(
        file=f"{draft.file}:{draft.line}",
        number=draft.number,
        issued=draft.issued,
        due=draft.due,
        amount=draft.amount,
        currency=draft.currency,
        buyer=Party(name=draft.debtor, vat=draft.vat, email=draft.email),
        reference=draft.reference,
        description=draft.description,
        by_name=True,
    )


def compact_vat(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text).upper()


def endpoint_vat(endpoint: str) -> str:
    """The VAT number a Peppol endpoint implies, when it implies one."""
    scheme, _, value = endpoint.partition(":")
    value = compact_vat(value)
    if scheme in ("0208", "9925"):
        digits = value[2:] if value.startswith("BE") else value
        if len(digits) == 10 and digits.isdigit():
            return f"BE{digits}"
    if scheme == "9944" and value.startswith("NL"):
        return value
    return ""


def valid_vat(compact: str) -> bool:
    from stdnum import vatin

    try:
        return compact[:2].isalpha() and bool(vatin.is_valid(compact))
    except Exception:  # an unknown country prefix
        return False


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class _Planner:
    """Places documents in cases, one after another, remembering what this run added."""

    def __init__(self, book: Book, *, taken: Callable[[str], bool],
                 credits: dict[tuple[str, str], tuple[str, Decimal]]) -> None:
        self.book = book
        self.taken = taken
        self.credits = dict(credits)
        self.files: dict[str, bytes] = {}
        self.by_vat: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        self.invoices: dict[str, tuple[str, Decimal, date]] = {}
        self.case_ids = set(book.cases)
        self.case_vat: dict[str, str] = {}
        for case in book.cases.values():
            self._index(case.id, case.vat, case.name)
            for invoice in case.invoices:
                self.invoices[invoice.number] = (case.id, invoice.amount, invoice.issued)
        self.used_names: dict[str, set[str]] = {}
        for case in book.cases.values():
            self.used_names[f"{case.folder}/invoices"] = {
                PurePath(i.source.path).name for i in case.invoices if i.source.path
            }

    def _index(self, case_id: str, vat: str, name: str) -> None:
        if vat:
            self.by_vat.setdefault(compact_vat(vat), set()).add(case_id)
            self.case_vat[case_id] = compact_vat(vat)
        self.by_name.setdefault(_name_key(name), set()).add(case_id)

    def _free(self, folder: str, stem: str, suffix: str) -> str:
        names = self.used_names.setdefault(folder, set())
        while True:
            name = free_name(names, stem, suffix)
            names.add(name)
            if f"{folder}/{name}" not in self.files and not self.taken(f"{folder}/{name}"):
                return name

    # -- a document ----------------------------------------------------------------------
    def place(self, doc: _Doc) -> DocumentOutcome:
        def outcome(status: DocStatus, reason: str, **kw: object) -> DocumentOutcome:
            return DocumentOutcome(status, doc.file, doc.number, reason,  # type: ignore[arg-type]
                                   credit_note=doc.credit_note, amount=doc.amount,
                                   currency=doc.currency, **kw)

        what = "credit note" if doc.credit_note else "invoice"
        if doc.amount <= 0:
            hint = "" if doc.credit_note else " (a correction is sent as a credit note)"
            article = "a" if doc.credit_note else "an"
            return outcome(DocStatus.REJECTED, f"the amount is {doc.amount}: {article} {what} must be "
                           f"for more than zero{hint}")
        if doc.amount != doc.amount.quantize(Decimal("0.01")):
            return outcome(DocStatus.REJECTED, f"the amount {doc.amount} has more than 2 decimals")
        currency = self.book.settings.currency
        if doc.currency != currency:
            return outcome(DocStatus.REJECTED,
                           f"the {what} is in {doc.currency}; the book is in {currency}")
        return self._credit(doc, outcome) if doc.credit_note else self._invoice(doc, outcome)

    def _invoice(self, doc: _Doc, outcome: Callable[..., DocumentOutcome]) -> DocumentOutcome:
        known = self.invoices.get(doc.number)
        if known is not None:
            case_id, amount, issued = known
            if amount == doc.amount and issued == doc.issued:
                return outcome(DocStatus.SKIPPED, f"already in the book (case {case_id})",
                               case_id=case_id)
            return outcome(DocStatus.REJECTED, f"invoice number {doc.number} is already in the "
                           f"book (case {case_id}) with other details")
        due = doc.due or doc.issued + DEFAULT_TERM
        if due < doc.issued:
            return outcome(DocStatus.REJECTED, f"the due date {due} is before the issue date")
        notes = []
        if doc.due is None:
            notes.append(f"no due date given: {due} (30 days, the legal default)")
        case_id, new_files, how = self._case_for(doc, notes)
        if case_id is None:
            return outcome(DocStatus.REJECTED, how)
        folder = f"cases/{case_id}/invoices"
        stem = slug(doc.number, fallback="invoice")
        name = self._free(folder, stem, ".yaml")
        paths = [*new_files, f"{folder}/{name}"]
        attachment = ""
        if doc.pdf:
            pdf_name = self._free(folder, PurePath(name).stem, ".pdf")
            self.files[f"{folder}/{pdf_name}"] = doc.pdf
            attachment = f"invoices/{pdf_name}"
            paths.append(f"{folder}/{pdf_name}")
        reference = canonical(doc.reference) if doc.reference else None
        description = doc.description
        if doc.reference and not reference:
            notes.append(f"payment reference {doc.reference!r} is not a structured one: "
                         "casebook will print its own")
        self.files[f"{folder}/{name}"] = invoice_file(
            number=doc.number,
            issued=doc.issued,
            due=due,
            amount=doc.amount,
            currency=doc.currency,
            description=description,
            reference=reference or "",
            attachment=attachment,
        )
        self.invoices[doc.number] = (case_id, doc.amount, doc.issued)
        return outcome(DocStatus.IMPORTED, "; ".join([how, *notes]), case_id=case_id,
                       new_case=bool(new_files), paths=tuple(paths))

    def _case_for(self, doc: _Doc, notes: list[str]) -> tuple[str | None, list[str], str]:
        buyer = doc.buyer
        for vat, how in ((compact_vat(buyer.vat), "VAT"), (endpoint_vat(buyer.endpoint),
                                                           f"Peppol endpoint {buyer.endpoint}")):
            if not vat:
                continue
            found = self.by_vat.get(vat, set())
            if len(found) == 1:
                case_id = next(iter(found))
                return case_id, [], f"debtor {case_id} found by {how} {vat}"
            if len(found) > 1:
                return None, [], f"{how} {vat} belongs to several cases: {', '.join(sorted(found))}"
        if doc.by_name:
            found = self.by_name.get(_name_key(buyer.name), set())
            if len(found) == 1:
                case_id = next(iter(found))
                return case_id, [], f"debtor {case_id} found by name"
            if len(found) > 1:
                return None, [], f"several cases are called {buyer.name!r}: add a vat column"
        if not buyer.name:
            return None, [], "the buyer has no name: cannot create a case"
        return self._new_case(buyer, notes)

    def _new_case(self, buyer: Party, notes: list[str]) -> tuple[str, list[str], str]:
        stem = slug(buyer.name, fallback="debtor")
        case_id, n = stem, 2
        while case_id in self.case_ids or self.taken(f"cases/{case_id}"):
            case_id, n = f"{stem}-{n}", n + 1
        self.case_ids.add(case_id)
        vat = compact_vat(buyer.vat) or endpoint_vat(buyer.endpoint)
        if vat and not valid_vat(vat):
            notes.append(f"buyer VAT {vat} fails its check digits: not written to debtor.yaml")
            vat = ""
        address = {
            "street": buyer.street,
            "postcode": buyer.postcode,
            "city": buyer.city,
            "country": buyer.country,
        }
        address = {k: v for k, v in address.items() if v}
        path = f"cases/{case_id}/debtor.yaml"
        self.files[path] = to_yaml(
            {
                "name": buyer.name,
                "kind": "business",
                "email": buyer.email if "@" in buyer.email else "",
                "address": address or None,
                "vat": vat,
            }
        )
        self._index(case_id, vat, buyer.name)
        return case_id, [path], f"new case {case_id}"

    def _credit(self, doc: _Doc, outcome: Callable[..., DocumentOutcome]) -> DocumentOutcome:
        if not doc.invoice:
            return outcome(DocStatus.REJECTED, "the credit note names no invoice "
                           "(BillingReference/InvoiceDocumentReference)")
        target = self.invoices.get(doc.invoice)
        if target is None:
            return outcome(DocStatus.REJECTED,
                           f"it credits invoice {doc.invoice}, which is not in the book")
        case_id = target[0]
        buyer_vat = compact_vat(doc.buyer.vat)
        case_vat = self.case_vat.get(case_id, "")
        if buyer_vat and case_vat and buyer_vat != case_vat:
            return outcome(DocStatus.REJECTED, f"invoice {doc.invoice} belongs to case {case_id} "
                           f"(VAT {case_vat}), but the credit note's buyer has VAT {buyer_vat}")
        known = self.credits.get((case_id, doc.number))
        if known is not None:
            if known == (doc.invoice, doc.amount):
                return outcome(DocStatus.SKIPPED, f"already in the book (case {case_id})",
                               case_id=case_id)
            return outcome(DocStatus.REJECTED, f"credit note {doc.number} is already in case "
                           f"{case_id} with other details")
        folder = f"cases/{case_id}/credits"
        name = self._free(folder, slug(doc.number, fallback="credit"), ".yaml")
        paths = [f"{folder}/{name}"]
        attachment = ""
        if doc.pdf:
            pdf_name = self._free(folder, PurePath(name).stem, ".pdf")
            self.files[f"{folder}/{pdf_name}"] = doc.pdf
            attachment = f"credits/{pdf_name}"
            paths.append(f"{folder}/{pdf_name}")
        self.files[paths[0]] = to_yaml(
            {
                "number": doc.number,
                "issued": doc.issued,
                "amount": doc.amount,
                "invoice": doc.invoice,
                "currency": doc.currency,
                "reference": doc.reference,
                "description": doc.description,
                "attachment": attachment,
            }
        )
        self.credits[(case_id, doc.number)] = (doc.invoice, doc.amount)
        return outcome(DocStatus.IMPORTED, f"credits invoice {doc.invoice} of case {case_id}",
                       case_id=case_id, paths=tuple(paths))


def plan_documents(
    book: Book,
    documents: Sequence[UblDocument | InvoiceDraft],
    *,
    credits: dict[tuple[str, str], tuple[str, Decimal]] | None = None,
    taken: Callable[[str], bool] = lambda rel: False,
) -> tuple[tuple[DocumentOutcome, ...], dict[str, bytes]]:
    """Where each document goes and the files that puts there. Invoices are placed before
    credit notes, so a credit note may name an invoice imported in the same run.
    `credits`: credit notes already in the book, (case id, number) -> (invoice, amount)."""
    planner = _Planner(book, taken=taken, credits=credits or {})
    docs = [_from_ubl(d) if isinstance(d, UblDocument) else _from_draft(d) for d in documents]
    order = sorted(range(len(docs)), key=lambda i: (docs[i].credit_note, i))
    placed = {i: planner.place(docs[i]) for i in order}
    return tuple(placed[i] for i in range(len(docs))), planner.files
