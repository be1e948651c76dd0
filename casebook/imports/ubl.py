"""Peppol BIS Billing 3.0 (UBL 2.1) invoices and credit notes -> `UblDocument`.

Fields per DOMAIN.md section 7. A credit note has no root DueDate (its due date, if any, is
`PaymentMeans/PaymentDueDate`) and names the invoice it corrects in
`BillingReference/InvoiceDocumentReference/ID`. Only what casebook needs is read; the
document is not validated against the Peppol schematron.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath
from xml.etree.ElementTree import Element

from . import xmlsafe
from .records import ImportProblem, Party, UblDocument, plain_decimal
from .xmlsafe import child, children, local, text

_UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:"


def parse_ubl(data: bytes, *, file: str) -> UblDocument:
    """The invoice or credit note in `data`; raises `ImportProblem` when it cannot be read."""
    root = xmlsafe.parse(data, file=file)
    kind = local(root)
    ns = xmlsafe.namespace(root)
    if kind not in ("Invoice", "CreditNote") or not ns.startswith(_UBL_NS):
        raise ImportProblem(
            file,
            f"not a UBL invoice or credit note: the root element is <{kind}>"
            + (f" in namespace {ns}" if ns else ""),
        )
    credit_note = kind == "CreditNote"

    def required(*path: str) -> str:
        value = text(root, *path)
        if not value:
            raise ImportProblem(file, f"{'/'.join(path)} is missing")
        return value

    number = required("ID")
    issued = _date(required("IssueDate"), file, "IssueDate")
    due_text = text(root, "DueDate") or text(root, "PaymentMeans", "PaymentDueDate")
    due = _date(due_text, file, "DueDate") if due_text else None
    total = child(root, "LegalMonetaryTotal")
    payable_el = child(total, "PayableAmount")
    if payable_el is None or not (payable_el.text or "").strip():
        raise ImportProblem(file, "LegalMonetaryTotal/PayableAmount is missing")
    payable = _amount(payable_el.text or "", file, "PayableAmount")
    currency = text(root, "DocumentCurrencyCode").upper() or (
        payable_el.get("currencyID") or ""
    ).upper()
    if not currency:
        raise ImportProblem(file, "DocumentCurrencyCode is missing")
    pdf, pdf_name = _pdf(root, file)
    type_code = text(root, "CreditNoteTypeCode" if credit_note else "InvoiceTypeCode")
    return UblDocument(
        file=file,
        credit_note=credit_note,
        number=number,
        issued=issued,
        due=due,
        payable=payable,
        currency=currency,
        buyer=_buyer(child(root, "AccountingCustomerParty", "Party")),
        payment_id=text(root, "PaymentMeans", "PaymentID"),
        type_code=type_code,
        billing_reference=text(root, "BillingReference", "InvoiceDocumentReference", "ID"),
        note=text(root, "Note"),
        customization=text(root, "CustomizationID"),
        pdf=pdf,
        pdf_name=pdf_name,
    )


def _buyer(party: Element | None) -> Party:
    vat = ""
    for scheme in children(party, "PartyTaxScheme"):
        if text(scheme, "TaxScheme", "ID").upper() in ("VAT", ""):
            vat = text(scheme, "CompanyID")
            if vat:
                break
    endpoint_el = child(party, "EndpointID")
    endpoint = ""
    if endpoint_el is not None and (endpoint_el.text or "").strip():
        scheme_id = (endpoint_el.get("schemeID") or "").strip()
        endpoint = f"{scheme_id}:{endpoint_el.text.strip()}" if scheme_id else endpoint_el.text.strip()
    address = child(party, "PostalAddress")
    legal = text(party, "PartyLegalEntity", "RegistrationName")
    trading = text(party, "PartyName", "Name")
    return Party(
        name=legal or trading,
        trading_name=trading,
        vat=vat,
        endpoint=endpoint,
        company_id=text(party, "PartyLegalEntity", "CompanyID"),
        street=text(address, "StreetName"),
        postcode=text(address, "PostalZone"),
        city=text(address, "CityName"),
        country=text(address, "Country", "IdentificationCode"),
        email=text(party, "Contact", "ElectronicMail"),
    )


def _pdf(root: Element, file: str) -> tuple[bytes | None, str]:
    """The first embedded PDF (the invoice as a person reads it), decoded."""
    for reference in children(root, "AdditionalDocumentReference"):
        blob = child(reference, "Attachment", "EmbeddedDocumentBinaryObject")
        if blob is None or not (blob.text or "").strip():
            continue
        mime = (blob.get("mimeCode") or "").lower()
        name = _safe_name(blob.get("filename") or "")
        if mime != "application/pdf" and not name.lower().endswith(".pdf"):
            continue
        try:
            content = base64.b64decode("".join(blob.text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ImportProblem(
                file, f"the embedded document {name or text(reference, 'ID')!r} is not valid "
                "base64"
            ) from None
        if not content.startswith(b"%PDF-"):
            # Labelled as a PDF but is not one (the Norwegian example carries a CSV line):
            # saving it as the invoice's PDF would mislead whoever opens it.
            continue
        return content, name
    return None, ""


def _safe_name(name: str) -> str:
    """The last path part of a file name given by the sender (never a path)."""
    return PurePosixPath(PureWindowsPath(name).name).name.strip()


def _date(value: str, file: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ImportProblem(file, f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _amount(value: str, file: str, what: str) -> Decimal:
    amount = plain_decimal(value)
    if amount is None:
        raise ImportProblem(file, f"{what} {value.strip()!r} is not a number")
    return amount
