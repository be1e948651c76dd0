"""The context of a letter template: every name a template may use.

Turns a case, a due action and its statement into the plain values documented in
docs/letters.md (creditor, debtor, invoices, interest periods, costs, deadline, payment
reference, plan, history). Apart from the rendering because this mapping is the contract
between casebook and the book's own templates: it changes only with that documentation.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from casebook.book.model import Book, Case, Kind
from casebook.engine.policy import granted_deadline
from casebook.letters.formats import locale_for, say, vat_number
from casebook.letters.statement import (
    InterestPeriod,
    InvoiceLine,
    Statement,
    announced_costs,
    payment_reference,
)

if TYPE_CHECKING:
    from casebook.letters.letter import ActionLike

#: Templates that ask for payment: their letters carry the payment details and a QR code.
_NO_PAYMENT_REQUEST = {"thanks"}


def _default_template(action: ActionLike) -> str:
    kind = str(getattr(action.kind, "value", action.kind))
    if kind in ("thanks", "plan-breach", "handover"):
        return kind
    return action.stage.template if action.stage is not None and action.stage.template else "reminder"


def letter_context(
    book: Book, case: Case, action: ActionLike, statement: Statement, *, language: str
) -> dict[str, Any]:
    """Everything a template may use (documented in docs/letters.md)."""
    settings = book.settings
    creditor = settings.creditor
    kind = str(getattr(action.kind, "value", action.kind))
    channel = str(getattr(action.channel, "value", action.channel))
    template = action.template or _default_template(action)
    consumer = case.kind == Kind.CONSUMER
    stage = action.stage
    charges = sorted(c.value for c in stage.charges) if stage is not None else []
    open_invoices = statement.invoices
    asks_payment = template not in _NO_PAYMENT_REQUEST and statement.total > 0
    locale = locale_for(book, case)
    return {
        "language": language,
        "locale": locale,
        "kind": kind,
        "channel": channel,
        "template": template,
        "stage": {"id": stage.id if stage else "", "charges": charges},
        "reason": getattr(action, "reason", "") or "",
        "letter_date": action.date,
        "deadline": shown_deadline(book, case, action),
        "case_id": case.id,
        # Our file number, for the debtor to quote: the case (with the letter's date it names
        # the letter; the action's stem would put English stage ids in every language).
        "our_reference": case.id,
        "creditor": {
            "name": creditor.name,
            "address": list(creditor.address.lines()),
            "city": creditor.address.city,
            "vat": vat_number(creditor.vat),  # as written on a letter: BE 0403.170.701
            "iban": creditor.iban,
            "bic": creditor.bic,
            "email": creditor.email,
            "phone": creditor.phone,
        },
        "debtor": {
            "name": case.name,
            "contact": case.contact,
            "address": list(case.address.lines()),
            "email": case.email,
            "phone": case.phone,
            "vat": vat_number(case.vat),
            "consumer": consumer,
        },
        "consumer": consumer,
        "jurisdiction": settings.jurisdiction,
        # Dutch consumers: costs are only due after a "14-dagenbrief" (art. 6:96 lid 6 BW).
        "nl_consumer": consumer and settings.jurisdiction == "NL",
        # Belgian consumers: nothing may be charged before the waiting period (Book XIX CEL).
        "be_consumer": consumer and settings.jurisdiction == "BE",
        "invoices": [_line_dict(line) for line in open_invoices],
        "invoice_numbers": [line.number for line in open_invoices] or list(action.invoices),
        "paid": statement.paid,
        "principal": statement.principal,
        "interest": statement.interest,
        "interest_periods": [_period_dict(p) for p in statement.interest_periods],
        "costs": statement.costs,
        "cost_lines": [
            {"label": say(c.label_text, language, locale) if c.label_text else c.label,
             "basis": say(c.basis_text, language, locale) if c.basis_text else c.basis,
             "amount": c.amount, "code": c.code}
            for c in statement.cost_lines
        ],
        "total": statement.total,
        "warnings": [say(w, language, locale) for w in statement.notices],
        "reference": payment_reference(case, statement),
        "announced_costs": announced_costs(statement),
        "asks_payment": asks_payment,
        "paid_invoices": _paid_invoices(case, action),
        "plan": _plan(case),
        "missed": _missed(action),
        "history": [
            {"date": a.date, "stage": a.stage or a.kind.value, "channel": a.channel, "total": a.total}
            for a in sorted(case.actions, key=lambda a: (a.date, a.id))
        ],
    }


def shown_deadline(book: Book, case: Case, action: ActionLike) -> date | None:
    """The payment deadline a letter states: the one the engine records for the action,
    computed by the same function (`policy.granted_deadline`). A consumer's written demand
    gets at least the legal period (Book XIX's waiting period, the 14-dagenbrief's 14 days
    after receipt), so a shorter deadline is lengthened, never shortened; for an action the
    engine decided the value is unchanged."""
    return granted_deadline(
        deadline=action.deadline, sent=action.date, channel=action.channel, kind=action.kind,
        stage=action.stage, consumer=case.kind == Kind.CONSUMER,
        jurisdiction=book.settings.jurisdiction,
    )


def _line_dict(line: InvoiceLine) -> dict[str, Any]:
    return {
        "number": line.number,
        "issued": line.issued,
        "due": line.due,
        "amount": line.amount,
        "paid": line.paid,
        "open": line.open,
        "days_late": line.days_late,
        "description": line.description,
        "interest": line.interest,
        "compensation": line.compensation,
    }


def _period_dict(period: InterestPeriod) -> dict[str, Any]:
    return {
        "invoice": period.invoice,
        "start": period.start,
        "end": period.end,
        "days": period.days,
        "rate": period.rate,
        "base": period.base,
        "amount": period.amount,
    }


def _paid_invoices(case: Case, action: ActionLike) -> list[dict[str, Any]]:
    """For a thank-you: the invoices it thanks for (the action's, else all of the case)."""
    wanted = set(action.invoices)
    return [
        {"number": inv.number, "issued": inv.issued, "amount": inv.amount}
        for inv in sorted(case.invoices, key=lambda i: (i.due, i.number))
        if not wanted or inv.number in wanted
    ]


def _missed(action: ActionLike) -> dict[str, Any] | None:
    """For a plan breach: the installment that was not paid in time."""
    missed = getattr(action, "missed", None)
    return {"due": missed.due, "amount": missed.amount} if missed is not None else None


def _plan(case: Case) -> dict[str, Any] | None:
    """The latest payment plan recorded in the notes (for a plan-breach letter)."""
    notes = [n for n in case.notes if n.plan is not None]
    if not notes:
        return None
    latest = max(notes, key=lambda n: (n.date, n.id))
    assert latest.plan is not None
    return {
        "date": latest.date,
        "installments": [{"due": i.due, "amount": i.amount} for i in latest.plan.installments],
    }
