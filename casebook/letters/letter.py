"""Letters, emails and phone task sheets for the actions the engine decides.

`render_action` turns one due action into the files that record it, relative to the case
folder:

- `actions/<stem>.md`    the letter as rendered from its template (Markdown);
- `actions/<stem>.html`  the printable A4 letter: letterhead, the address placed for a
                         window envelope, the body, the payment details and an EPC QR code;
- `actions/<stem>.eml`   for the email channel, the RFC 5322 message (see `casebook.letters.email`).
- `actions/<stem>.pdf`   when the book asks for PDFs (`letters: {pdf: paper | all}`), the
                         printable page as PDF/A (`casebook.letters.pdf`), attached to the email.

Templates are the book's `policies/letters/<lang>/<name>.md` when present, else the shipped
ones; they are rendered in a sandbox (`casebook.letters.templating`). The first `# ` heading of a
rendered letter is its subject. Everything is a pure function of the book and the action:
the same input gives the same bytes, so rendering twice never changes a sent letter.

This module puts a letter together; its parts live beside it: the amounts in
`casebook.letters.statement`, the names a template may use in `casebook.letters.context`,
locales and filters in `casebook.letters.formats`, the locked-down Markdown in
`casebook.letters.markup`. `statement_for`, `locale_for`, `markdown_to_html`, `say` and
`payment_reference` stay importable from here, the documented entry point of the letters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import jinja2

from casebook.book.dump import cents
from casebook.book.errors import BookError
from casebook.book.model import Book, Case, Channel, Stage
from casebook.book.resources import shipped
from casebook.letters import templating
from casebook.letters.context import _default_template, letter_context
from casebook.letters.formats import _filters, locale_for, say  # noqa: F401 - documented here
from casebook.letters.markup import markdown_to_html, split_subject
from casebook.letters.statement import Statement, payment_reference, statement_for

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

#: The partial a letter to the debtor opens with, under its subject: place and date, our
#: reference. Added to every template's letter (a book's own templates, copied from older
#: shipped ones, included); a book that empties its copy of it opts out.
DATELINE = "_dateline.md"

#: Words of the printed page around the letter body (the body itself is the template's).
PAGE_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "vat": "Ondernemingsnr.", "attention": "t.a.v.", "by": "Verzending",
        "registered": "Aangetekend", "pay": "Betalen",
        "amount": "Bedrag", "communication": "Mededeling",
        "before": "Uiterlijk op", "scan": "Scan met uw bankapp om te betalen",
    },
    "fr": {
        "vat": "N° d'entreprise", "attention": "à l'att. de", "by": "Envoi",
        "registered": "Recommandé", "pay": "Paiement",
        "amount": "Montant", "communication": "Communication",
        "before": "Au plus tard le", "scan": "Scannez avec votre app bancaire pour payer",
    },
    "en": {
        "vat": "VAT / company no.", "attention": "attn.", "by": "Sent by",
        "registered": "Registered post", "pay": "Payment",
        "amount": "Amount", "communication": "Reference",
        "before": "By", "scan": "Scan with your banking app to pay",
    },
}


#: Channels whose document goes to the debtor (and so gets an address window).
_POSTED = {Channel.EMAIL.value, Channel.LETTER.value, Channel.REGISTERED.value}

#: Which channels get a PDF, by the book's `letters: {pdf: ...}` (absent: none).
PDF_CHANNELS = {
    "none": frozenset(),
    "paper": frozenset({Channel.LETTER.value, Channel.REGISTERED.value}),
    "all": frozenset({Channel.LETTER.value, Channel.REGISTERED.value, Channel.EMAIL.value}),
}

#: What a PDF attachment is called, by template and language (other templates: a letter).
PDF_WORDS: dict[str, dict[str, str]] = {
    "pre-due": {"nl": "vervaldag", "fr": "echeance", "en": "due-date"},
    "reminder": {"nl": "herinnering", "fr": "rappel", "en": "reminder"},
    "second-reminder": {"nl": "tweede-herinnering", "fr": "second-rappel", "en": "second-reminder"},
    "formal-notice": {"nl": "ingebrekestelling", "fr": "mise-en-demeure", "en": "formal-notice"},
    "thanks": {"nl": "bedankt", "fr": "merci", "en": "thank-you"},
    "plan-offer": {"nl": "afbetalingsplan", "fr": "plan-de-paiement", "en": "payment-plan"},
    "plan-breach": {"nl": "afbetalingsplan-niet-nageleefd", "fr": "plan-de-paiement-non-respecte",
                    "en": "payment-plan-missed"},
    "": {"nl": "brief", "fr": "lettre", "en": "letter"},
}


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
    if context["channel"] in _POSTED:
        markdown = _dated(markdown, templating.render(env, DATELINE, context))
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


def _dated(markdown: str, dateline: str) -> str:
    """The letter with its place, date and our reference under the subject (above the
    greeting, where a business letter has them); unchanged when the dateline is empty."""
    dateline = dateline.strip("\n")
    if not dateline.strip():
        return markdown
    if not markdown.startswith("# "):
        return f"{dateline}\n\n{markdown}"
    subject, _, body = markdown.partition("\n")
    body = body.lstrip("\n")
    return f"{subject}\n\n{dateline}\n\n{body}" if body else f"{subject}\n\n{dateline}\n"


def render_action(book: Book, case: Case, action: ActionLike, *, book_root: Path) -> dict[str, bytes]:
    """The files of one action, relative to the case folder (see the module docstring)."""
    letter = render_letter(book, case, action, book_root=book_root)
    stem = action.stem
    files = {
        f"actions/{stem}.md": letter.markdown.encode("utf-8"),
        f"actions/{stem}.html": letter.html.encode("utf-8"),
    }
    pdf = None
    if wants_pdf(book, action.channel):
        from casebook.letters.pdf import letter_pdf  # WeasyPrint: loaded only when asked for

        window = book.settings.letters.get("window", "left")
        pdf = files[f"actions/{stem}.pdf"] = letter_pdf(letter.html, dated=action.date, window=window)
    if str(action.channel) == Channel.EMAIL.value:
        from casebook.letters.email import build_email

        files[f"actions/{stem}.eml"] = build_email(book, case, action, letter, pdf=pdf)
    return files


def wants_pdf(book: Book, channel: Any) -> bool:
    """Whether an action on `channel` gets a PDF in this book (`letters: {pdf: ...}`)."""
    return str(channel) in PDF_CHANNELS.get(book.settings.letters.get("pdf", "none"), ())


def pdf_filename(*, language: str, template: str, invoices: Sequence[str], when: date) -> str:
    """A PDF's name for the person who receives it, in the letter's language:
    `herinnering-2026-0097-2026-11-02.pdf` (what it is, the first invoice, the date)."""
    words = PDF_WORDS.get(template) or PDF_WORDS[""]
    parts = [words.get(language, words["en"]), *invoices[:1], when.isoformat()]
    safe = (re.sub(r"[^A-Za-z0-9]+", "-", part).strip("-") for part in parts)
    return "-".join(part for part in safe if part)[:120] + ".pdf"


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
    "SHIPPED_TEMPLATES",
    "ActionLike",
    "Letter",
    "Statement",
    "locale_for",
    "markdown_to_html",
    "payment_reference",
    "pdf_filename",
    "render_action",
    "render_letter",
    "statement_for",
    "wants_pdf",
]
