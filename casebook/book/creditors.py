"""Whose claim a case is, in a book that holds the cases of many creditors (an agency's).

A creditor's own book says who the creditor is in `casebook.yaml`. A collection agency's
book holds cases of many creditors, so each received case carries its creditor's settings
in `cases/<id>/creditor.yaml` (the same keys as `casebook.yaml`'s `creditor`,
`jurisdiction`, `currency`, `language` and `contract`). `Book.settings_of(case)` gives the
settings that apply to one case: the book's, with that file's values in their place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from casebook.book.model import Address, ContractTerms, Creditor, Source, _Record

CREDITOR_FILE = "creditor.yaml"


@dataclass(frozen=True, slots=True)
class CaseCreditor(_Record):
    """`cases/<id>/creditor.yaml`."""

    creditor: Creditor
    jurisdiction: str = "BE"
    currency: str = "EUR"
    language: str = ""
    """Empty: the book's."""
    contract: ContractTerms = ContractTerms()
    source: Source = Source("")
    received: date | None = None
    """The day the agency first received the case (None: not received, or an older file)."""

    def to_mapping(self) -> dict[str, Any]:
        """The file's content (empty values left out), as `creditor_file` writes it."""
        c = self.creditor
        address = {k: getattr(c.address, k) for k in ("street", "postcode", "city", "country")}
        creditor = {"name": c.name, "address": _clean(address), "vat": c.vat, "iban": c.iban,
                    "bic": c.bic, "email": c.email, "phone": c.phone}
        terms = self.contract
        contract = {"interest_rate": terms.interest_rate, "damages_percent": terms.damages_percent,
                    "damages_minimum": terms.damages_minimum}
        return _clean({"creditor": _clean(creditor), "jurisdiction": self.jurisdiction,
                       "currency": self.currency, "language": self.language,
                       "contract": _clean(contract)})


def _clean(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None and v != "" and v != {}}


def build_case_creditor(v: dict, source: Source) -> CaseCreditor:
    """The record of a validated `creditor.yaml` mapping (see `schema.CASE_CREDITOR`)."""
    c = v.get("creditor", {})
    return CaseCreditor(
        creditor=Creditor(
            name=c.get("name", "?"), address=Address(**c.get("address", {})),
            vat=c.get("vat", ""), iban=c.get("iban", ""), bic=c.get("bic", ""),
            email=c.get("email", ""), phone=c.get("phone", ""),
        ),
        jurisdiction=v.get("jurisdiction", "BE"),
        currency=v.get("currency", "EUR"),
        language=v.get("language", ""),
        contract=ContractTerms(**v["contract"]) if "contract" in v else ContractTerms(),
        source=source,
        received=v.get("received"),
    )


def from_settings(settings: Any) -> CaseCreditor:
    """The creditor of a creditor's own book (`casebook.yaml`), as a case would carry it."""
    return CaseCreditor(creditor=settings.creditor, jurisdiction=settings.jurisdiction,
                        currency=settings.currency, language=settings.language,
                        contract=settings.contract)
