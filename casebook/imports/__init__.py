"""Imports: bank statements (camt.053, CODA) become payments, e-invoices (Peppol UBL) and CSV
exports become invoices.

The flow, one module per step:
  xmlsafe   untrusted XML in, safely (no entity expansion, no external entities)
  camt053 / coda / ubl / csvimport   bytes -> records (frozen values in `records`)
  reconcile statement entries -> which case and invoice each payment is for (pure)
  apply     matched payments -> payment files + review file, one commit
  placement invoices and credit notes -> the right case (or a new one): files planned (pure)
  invoices  the planned files committed, one commit
"""

from .records import (
    ImportProblem,
    InvoiceDraft,
    Party,
    Statement,
    StatementEntry,
    Transaction,
    UblDocument,
)

__all__ = [
    "ImportProblem",
    "InvoiceDraft",
    "Party",
    "Statement",
    "StatementEntry",
    "Transaction",
    "UblDocument",
]
