"""Letters, emails and phone task sheets for the actions the engine decides.

`render_action` turns one due action into the files that record it, relative to the case
folder:

- `actions/<stem>.md`    the letter as rendered from its template (Markdown);
- `actions/<stem>.html`  the printable A4 letter: letterhead, the address placed for a
                         window envelope, the body, the payment details and an EPC QR code;
- `actions/<stem>.eml`   for the email channel, the RFC 5322 message (see `casebook.letters.email`).

Templates are the book's `policies/letters/<lang>/<name>.md` when present, else the shipped
ones; they are rendered in a sandbox (`casebook.letters.templating`). The first `# ` heading of a
rendered letter is its subject. Everything is a pure function of the book and the action:
the same input gives the same bytes, so rendering twice never changes a sent letter.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

import jinja2
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from markdown_it import MarkdownIt

from casebook.money import refs
from casebook.letters import templating
from casebook.book import wording
from casebook.book.dump import cents
from casebook.book.errors import BookError
from casebook.book.model import Book, Case, Channel, Charge, Kind, Stage
from casebook.book.resources import shipped
from casebook.engine.policy import granted_deadline
from casebook.book.wording import Text

ZERO = Decimal("0")
ASSETS = Path(__file__).resolve().parent / "letter_assets"

#: Templates a policy may name that ship with casebook, in every language.
SHIPPED_TEMPLATES = (
    "pre-due",
    "reminder",
    "call",
    "second-reminder",
    "formal-notice",
    "handover",
    "thanks",
    "plan-breach",
    "plan-offer",
)

#: Templates that ask for payment: their letters carry the payment details and a QR code.
_NO_PAYMENT_REQUEST = {"thanks"}

#: Words of the printed page around the letter body (the body itself is the template's).
PAGE_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "vat": "Ondernemingsnr.", "attention": "t.a.v.", "date": "Datum",
        "our_reference": "Ons dossier", "by": "Verzending", "registered": "Aangetekend",
        "pay": "Betalen", "amount": "Bedrag", "communication": "Mededeling",
        "before": "Uiterlijk op", "scan": "Scan met uw bankapp om te betalen",
    },
    "fr": {
        "vat": "N° d'entreprise", "attention": "à l'att. de", "date": "Date",
        "our_reference": "Notre dossier", "by": "Envoi", "registered": "Recommandé",
        "pay": "Paiement", "amount": "Montant", "communication": "Communication",
        "before": "Au plus tard le", "scan": "Scannez avec votre app bancaire pour payer",
    },
    "en": {
        "vat": "VAT / company no.", "attention": "attn.", "date": "Date",
        "our_reference": "Our file", "by": "Sent by", "registered": "Registered post",
        "pay": "Payment", "amount": "Amount", "communication": "Reference",
        "before": "By", "scan": "Scan with your banking app to pay",
    },
}


#: Channels whose document goes to the debtor (and so gets an address window).
_POSTED = {Channel.EMAIL.value, Channel.LETTER.value, Channel.REGISTERED.value}

_NL_COUNTRIES = {"NL", "NLD", "NEDERLAND", "NETHERLANDS", "THE NETHERLANDS", "PAYS-BAS"}


class ActionLike(Protocol):
    """What letters need of a due action (`casebook.engine.due.DueAction` has it)."""

    case_id: str
    kind: Any
    date: date
    stage: Stage | None
    channel: Any
    template: str
    deadline: date | None
    invoices: Sequence[str]
    reason: str

    @property
    def stem(self) -> str: ...


# -- amounts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    number: str
    issued: date
    due: date
    amount: Decimal
    paid: Decimal
    open: Decimal
    days_late: int
    description: str = ""
    interest: Decimal = ZERO
    compensation: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """One stretch of interest at one rate: shown in the letter so the debtor can check it."""

    invoice: str
    start: date
    end: date
    days: int
    rate: Decimal
    """Yearly rate in percent."""
    base: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CostLine:
    """A compensation, damages clause, collection cost or fee, with what it is based on.

    `label` and `basis` are English; a letter says `label_text` and `basis_text` in the
    debtor's language (`casebook.book.wording`)."""

    code: str
    """`compensation`, `damages`, `collection-costs`, `reminder-fee`."""
    label: str
    basis: str
    amount: Decimal
    label_text: Text = ()
    basis_text: Text = ()


@dataclass(frozen=True, slots=True)
class Statement:
    """What a letter tells the debtor they owe, as of the letter's date."""

    invoices: tuple[InvoiceLine, ...]
    """The open invoices the letter covers, oldest due first."""
    paid: Decimal
    """Already paid on those invoices."""
    principal: Decimal
    interest: Decimal
    interest_periods: tuple[InterestPeriod, ...]
    costs: Decimal
    cost_lines: tuple[CostLine, ...]
    pending: tuple[CostLine, ...] = ()
    """Costs not due yet that a consumer reminder must announce (Book XIX, 14-dagenbrief)."""
    warnings: tuple[str, ...] = ()
    """In English; `notices` are the same as phrases, said in the letter's language."""
    notices: tuple[Text, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.costs


def statement_for(book: Book, case: Case, action: ActionLike, *, book_root: Path | None = None) -> Statement:
    """The amounts of a letter, from the money engine (`casebook.money.claim.claim_for`).

    A stage claims what it charges (the law may refuse some of it); a thank-you or a plan
    breach charges nothing new. The handover to an agency carries the full claim: whatever
    the law allows on that day (principal, interest, costs, fees of earlier reminders),
    unless its stage names `charges` of its own. The book's own rate tables (`rates/`) are
    used when present.
    """
    from casebook.money.claim import claim_for
    from casebook.book.rates import load_tables

    stage = action.stage
    kind = str(getattr(action.kind, "value", action.kind))
    charges: frozenset[Charge] | None = frozenset()
    if stage is not None and kind == "stage":
        charges = stage.charges
    elif kind == "handover":
        charges = stage.charges if stage is not None and stage.charges else None
    fee = stage.fee if stage is not None and kind == "stage" else ZERO
    tables, _ = load_tables(book_root) if book_root is not None else (None, [])
    claim = claim_for(
        book, case, action.date, charges=charges, fee=fee, channel=str(action.channel),
        invoices=action.invoices or None, rates=tables,
    )
    pending = claim.pending
    consumer = case.kind == Kind.CONSUMER
    if not pending and charges is not None and consumer and _policy_charges_costs(book, case):
        # A consumer reminder must announce the costs a later stage will charge (the
        # 14-dagenbrief, Book XIX), even when this stage itself charges none.
        pending = claim_for(
            book, case, action.date, charges=charges | {Charge.COSTS}, fee=fee,
            channel=str(action.channel), invoices=action.invoices or None, rates=tables,
        ).pending
    return Statement(
        invoices=tuple(
            InvoiceLine(
                number=i.number, issued=i.issued, due=i.due, amount=i.amount, paid=i.paid,
                open=i.open, days_late=i.days_late, description=i.description,
                interest=i.interest, compensation=i.compensation,
            )
            for i in claim.invoices
        ),
        paid=claim.paid,
        principal=claim.principal,
        interest=claim.interest,
        interest_periods=tuple(
            InterestPeriod(invoice=number, start=p.start, end=p.end, days=p.days, rate=p.rate,
                           base=p.base, amount=p.amount)
            for number, p in claim.periods()
        ),
        costs=claim.costs,
        cost_lines=tuple(_cost_line(c) for c in claim.cost_lines),
        pending=tuple(_cost_line(c) for c in pending),
        warnings=claim.warnings,
        notices=claim.notices,
    )


def _cost_line(line: Any) -> CostLine:
    return CostLine(line.code, line.label, line.basis, line.amount, line.label_text,
                    line.basis_text)


def _policy_charges_costs(book: Book, case: Case) -> bool:
    policy = book.policy_for(case)
    return policy is not None and any(Charge.COSTS in s.charges for s in policy.stages)


# -- formatting ------------------------------------------------------------------------


def locale_for(book: Book, case: Case) -> str:
    """The babel locale of a debtor: its language, with Dutch as written in the Netherlands
    for debtors there (or in a Dutch book when the address names no country)."""
    language = book.language_of(case)
    country = case.address.country.strip().upper()
    in_nl = country in _NL_COUNTRIES if country else book.settings.jurisdiction == "NL"
    if language == "nl":
        return "nl_NL" if in_nl else "nl_BE"
    if language == "fr":
        return "fr_BE"
    return "en_IE"


def _defined(value: Any) -> Any:
    """Let an undefined name fail as "undefined", not as a conversion error in a filter."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return value


def _filters(locale: str, currency: str) -> dict[str, Any]:
    def money(value: Any) -> str:
        return format_currency(cents(Decimal(_defined(value))), currency, locale=locale)

    def long_date(value: date | None) -> str:
        return format_date(value, "long", locale=locale) if _defined(value) else ""

    def percent(value: Any) -> str:
        return format_decimal(Decimal(_defined(value)), "#,##0.00", locale=locale) + "\u00a0%"

    def iban(value: str) -> str:
        compact = str(_defined(value)).replace(" ", "").upper()
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))

    language = locale.split("_")[0]

    def channel(value: str) -> str:
        return wording.channel_name(str(_defined(value)), language)

    def step(value: str) -> str:
        return wording.step_name(str(_defined(value)), language)

    return {"money": money, "date": long_date, "percent": percent, "iban": iban,
            "channel": channel, "step": step}


@functools.lru_cache(maxsize=16)
def wording_formats(locale: str) -> wording.Formats:
    """How the money engine's explanations write numbers, dates and steps in a letter:
    `1.210,00`, `10,5`, `22 november 2026`, `ingebrekestelling` (nl_BE)."""
    language = locale.split("_")[0]
    return wording.Formats(
        amount=lambda value: format_decimal(cents(value), "#,##0.00", locale=locale),
        percent=lambda value: format_decimal(Decimal(value).normalize(), "#,##0.##",
                                             locale=locale),
        day=lambda value: format_date(value, "long", locale=locale),
        step=lambda value: wording.step_name(value, language),
    )


def say(text: wording.Text, language: str, locale: str) -> str:
    """A money-engine explanation in the letter's language and formats."""
    return wording.say(text, language, wording_formats(locale))


# -- templates -------------------------------------------------------------------------


def template_folders(book_root: Path, language: str) -> list[Path]:
    """Where a letter template is looked up: the book first, then the shipped ones."""
    return [
        book_root / "policies" / "letters" / language,
        shipped("policies") / "letters" / language,
    ]


@functools.lru_cache(maxsize=64)
def _letter_environment(book_root: Path, language: str, locale: str, currency: str) -> jinja2.Environment:
    """One environment per book, language and locale: templates are compiled once per run
    (Jinja re-reads a template whose file changed)."""
    return templating.environment(
        template_folders(book_root, language), html=False, filters=_filters(locale, currency),
        base=book_root,
    )


@functools.lru_cache(maxsize=16)
def _page_environment(locale: str, currency: str) -> jinja2.Environment:
    return templating.environment([ASSETS], html=True, filters=_filters(locale, currency), base=ASSETS)


@functools.lru_cache(maxsize=1)
def _stylesheet() -> str:
    return (ASSETS / "letter.css").read_text("utf-8")


#: Link schemes a letter keeps; an email client would open any other one (`ms-msdt:`,
#: `search-ms:`, ...) in a local program. Links without a scheme stay too.
_LETTER_SCHEMES = ("http", "https", "mailto", "tel")
_IMAGE_DATA = re.compile(r"data:image/(gif|png|jpeg|webp);")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _letter_link(url: str) -> bool:
    cleaned = _CONTROL.sub("", url).lower()  # browsers ignore them inside a scheme
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    if ":" not in head:
        return True
    return head.split(":", 1)[0] in _LETTER_SCHEMES or bool(_IMAGE_DATA.match(cleaned))


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML off: a template (or a debtor name in it) cannot inject
    # markup; tables are on because a statement of account is a table.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = _letter_link  # type: ignore[method-assign]
    return md


def markdown_to_html(text: str) -> str:
    return _markdown().render(text)


def split_subject(markdown: str) -> tuple[str, str]:
    """The first `# ` heading (the subject) and the text without it."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# "):
            rest = lines[:i] + lines[i + 1 :]
            return line[2:].strip(), "\n".join(rest).strip("\n") + "\n"
        if line.strip():
            break
    return "", markdown


# -- the letter ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Letter:
    """One rendered action, before it is written as files."""

    subject: str
    markdown: str
    html: str
    """The printable A4 page."""
    body_html: str
    """The letter body alone (for the email's HTML part)."""
    qr_payload: str
    """EPC QR payload; empty when the letter asks for no payment."""
    qr_svg: str
    context: Mapping[str, Any]
    qr_code: Any = None
    """The encoded QR symbol (segno) when the renderer has it; None: encode from the payload."""


def render_letter(book: Book, case: Case, action: ActionLike, *, book_root: Path) -> Letter:
    language = book.language_of(case)
    locale = locale_for(book, case)
    statement = statement_for(book, case, action, book_root=book_root)
    context = letter_context(book, case, action, statement, language=language)

    env = _letter_environment(book_root, language, locale, book.settings.currency)
    name = f"{action.template or _default_template(action)}.md"
    markdown = templating.render(env, name, context).strip("\n") + "\n"
    subject, _ = split_subject(markdown)
    body_html = markdown_to_html(markdown)

    payload, svg, code = "", "", None
    if context["asks_payment"]:
        payload, svg, code = _qr(book, case, amount=statement.total, reference=context["reference"])

    page_env = _page_environment(locale, book.settings.currency)
    page = templating.render(
        page_env,
        "page.html",
        {
            **context,
            "subject": subject,
            "body": jinja2.filters.Markup(body_html),  # our own Markdown render, html off
            "qr_svg": jinja2.filters.Markup(svg),
            "css": jinja2.filters.Markup(_stylesheet()),
            "lang": language,
            "labels": PAGE_LABELS.get(language, PAGE_LABELS["en"]),
            "posted": context["channel"] in _POSTED,
        },
    )
    return Letter(subject, markdown, page, body_html, payload, svg, context, code)


def render_action(book: Book, case: Case, action: ActionLike, *, book_root: Path) -> dict[str, bytes]:
    """The files of one action, relative to the case folder (see the module docstring)."""
    letter = render_letter(book, case, action, book_root=book_root)
    stem = action.stem
    files = {
        f"actions/{stem}.md": letter.markdown.encode("utf-8"),
        f"actions/{stem}.html": letter.html.encode("utf-8"),
    }
    if str(action.channel) == Channel.EMAIL.value:
        from casebook.letters.email import build_email

        files[f"actions/{stem}.eml"] = build_email(book, case, action, letter)
    return files


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
        "creditor": {
            "name": creditor.name,
            "address": list(creditor.address.lines()),
            "city": creditor.address.city,
            "vat": creditor.vat,
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
            "vat": case.vat,
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


def announced_costs(statement: Statement) -> Decimal | None:
    """The costs a consumer reminder must announce before they may be charged (NL: the WIK
    amount of the 14-dagenbrief; BE: the damages clause within the Book XIX scale), as the
    money engine computed them; None when there is nothing to announce."""
    if not statement.pending:
        return None
    return sum((c.amount for c in statement.pending), ZERO)


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


def payment_reference(case: Case, statement: Statement) -> str:
    """The structured communication to pay with: the oldest open invoice's own reference,
    else a stable one generated for it (so the bank payment can be matched)."""
    numbers = [line.number for line in statement.invoices]
    invoices = {inv.number: inv for inv in case.invoices}
    if numbers:
        oldest = invoices[numbers[0]]
    elif case.invoices:
        oldest = min(case.invoices, key=lambda i: (i.due, i.issued, i.number))
    else:
        return ""
    return refs.invoice_reference(oldest.reference, oldest.number, case.id)


def _qr(book: Book, case: Case, *, amount: Decimal, reference: str) -> tuple[str, str, Any]:
    """The EPC QR payload, its inline SVG and the encoded symbol, for paying `amount` with
    `reference` (`casebook.money.qr`). No QR code when the creditor has no usable IBAN."""
    from casebook.money import qr

    creditor = book.settings.creditor
    if not creditor.iban or amount <= 0:
        return "", "", None
    try:
        payload = qr.epc_payload(name=creditor.name, iban=creditor.iban, bic=creditor.bic,
                                 amount=cents(amount), reference=reference)
    except ValueError as error:
        raise BookError(f"no payment QR code for case {case.id}: {error}") from None
    title = PAGE_LABELS.get(book.language_of(case), PAGE_LABELS["en"])["scan"]
    # Encoding is most of a letter's rendering time: encode once, and draw the SVG and an
    # email's PNG (casebook.letters.email) from the same symbol.
    code = qr.epc_code(payload)
    return payload, qr.epc_svg(code, title=title, scale=3), code


__all__ = [
    "ActionLike",
    "Letter",
    "SHIPPED_TEMPLATES",
    "Statement",
    "locale_for",
    "markdown_to_html",
    "payment_reference",
    "render_action",
    "render_letter",
    "statement_for",
]
