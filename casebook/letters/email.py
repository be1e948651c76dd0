"""Emails: the `.eml` of an action, built from its letter.

Building is pure: the same action gives the same bytes (Message-ID, Date and MIME
boundaries are derived from the book, the case and the action), so an email can be
recognised when it is sent again and rendering never changes a recorded one. Sending it
is `casebook.record.send`.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import re
from datetime import date, datetime, time
from email import contentmanager
from email import policy as email_policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casebook.book.errors import BookError
from casebook.book.model import Book, Case

if TYPE_CHECKING:
    from casebook.letters.letter import ActionLike, Letter


SEND_HOUR = time(9, 0)

# -- building ------------------------------------------------------------------------------


class _Registry(HeaderRegistry):
    """The standard header registry, making each header class once (the standard one builds
    a new class at every lookup)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


_PARSED: dict[tuple[str, str], Any] = {}
_FOLDED: dict[tuple[Any, ...], tuple[Any, bytes]] = {}
_CACHE_LIMIT = 4096


class _SMTPPolicy(email_policy.EmailPolicy):
    """`email.policy.SMTP` that parses and folds a header value once.

    An email carries about thirty headers (most of them the same in every email: content
    types, encodings, `From`), and the email package parses each when it is set and folds
    it again when the message is written: two thirds of the time building an `.eml` took.
    Header objects are immutable, so the same value gives the same object and the same
    folded bytes. Tests compare the bytes with `email.policy.SMTP`'s."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if type(value) is not str:
            return super().header_store_parse(name, value)
        key = (name, value)
        found = _PARSED.get(key)
        if found is None:
            if len(_PARSED) >= _CACHE_LIMIT:
                _PARSED.clear()
            found = _PARSED[key] = super().header_store_parse(name, value)
        return found

    def fold_binary(self, name: str, value: Any) -> bytes:
        if not hasattr(value, "name"):
            return super().fold_binary(name, value)
        # Folding depends on these settings too (a clone may change them).
        key = (id(value), self.max_line_length, self.linesep, self.utf8, self.cte_type,
               self.refold_source)
        found = _FOLDED.get(key)
        if found is None or found[0] is not value:
            if len(_FOLDED) >= _CACHE_LIMIT:
                _FOLDED.clear()
            found = _FOLDED[key] = (value, super().fold_binary(name, value))
        return found[1]


#: The policy emails are built and written with: `email.policy.SMTP`, faster.
EMAIL_POLICY = _SMTPPolicy(header_factory=_Registry(), linesep="\r\n")


def message_id(book: Book, case: Case, stem: str) -> str:
    """`<hash@domain>`, the same for the same book, case and action."""
    creditor = book.settings.creditor
    seed = "\x00".join((creditor.vat or creditor.name, case.id, stem)).encode("utf-8")
    digest = hashlib.sha256(seed).hexdigest()[:32]
    return f"<{digest}.{stem}@{_domain(sender_address(book))}>"


def sender_address(book: Book) -> str:
    return book.settings.mail.sender or book.settings.creditor.email


@functools.lru_cache(maxsize=64)  # the sender's, in every email of a run
def _domain(address: str) -> str:
    parsed = getaddresses([address])
    email_part = parsed[0][1] if parsed else ""
    return email_part.rpartition("@")[2] or "casebook.invalid"


def _zone(book: Book) -> ZoneInfo:
    try:
        return ZoneInfo(book.settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Brussels")


@functools.lru_cache(maxsize=64)  # the day of the run, in every email of it
def _sent_on(day: date, zone: ZoneInfo) -> str:
    return format_datetime(datetime.combine(day, SEND_HOUR, tzinfo=zone))


def build_email(
    book: Book, case: Case, action: "ActionLike", letter: "Letter", *, pdf: bytes | None = None
) -> bytes:
    """The `.eml` of an emailed letter: text (`casebook.letters.plaintext`) and HTML
    alternatives, the printable letter attached, the QR code inline in the HTML part; with
    `pdf`, the letter as PDF attached beside the HTML, named for its reader
    (`casebook.letters.letter.pdf_filename`)."""
    from casebook.letters.markup import split_subject
    from casebook.letters.plaintext import markdown_to_text

    stem = action.stem
    seed = hashlib.sha256(f"{case.id}/{stem}".encode("utf-8")).hexdigest()
    subject, _ = split_subject(letter.markdown)
    text = markdown_to_text(letter.markdown, without_subject=True)  # parsed once, with the HTML
    sender = sender_address(book)
    if not sender:
        raise BookError(
            "no sender address for emails: set mail.sender or creditor.email in casebook.yaml"
        )
    if not case.email:
        raise BookError(f"case {case.id} has no email address for an email stage")

    recipients = [a for _, a in getaddresses([case.email.replace(";", ",")]) if "@" in a]
    if not recipients:
        raise BookError(f"case {case.id}: {case.email!r} is not an email address")
    headers = [
        ("From", formataddr((book.settings.creditor.name, sender))),
        # The first address is the contact's; others (a copy to accounting) go without a name.
        ("To", ", ".join(
            formataddr((case.contact or case.name, a) if i == 0 else ("", a))
            for i, a in enumerate(recipients)
        )),
        ("Subject", subject or letter.context.get("template", "")),
        ("Date", _sent_on(action.date, _zone(book))),
        ("Message-ID", message_id(book, case, stem)),
        ("X-Casebook-Case", case.id),
        ("X-Casebook-Action", stem),
    ]
    html = _email_html(letter, subject)
    png = _qr_png(letter) if letter.qr_payload else None
    attachment = letter.html.encode("utf-8")
    paper = None
    if pdf is not None:
        from casebook.letters.letter import pdf_filename

        name = pdf_filename(language=book.language_of(case), template=str(
            letter.context.get("template", "")), invoices=action.invoices, when=action.date)
        paper = (pdf, name)
    if _FAST_MIME and _SIMPLE_NAME.fullmatch(stem):
        return _mime(headers, text, html, png, attachment, stem=stem, seed=seed, pdf=paper)

    msg = EmailMessage(policy=EMAIL_POLICY)
    for name, value in headers:
        msg[name] = value
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if png is not None:
        html_part = msg.get_payload()[1]
        html_part.add_related(
            png, maintype="image", subtype="png", cid="<qr@casebook>", filename="qr.png",
        )
    msg.add_attachment(attachment, maintype="text", subtype="html", filename=f"{stem}.html")
    if paper is not None:
        msg.add_attachment(paper[0], maintype="application", subtype="pdf", filename=paper[1])
    _fix_boundaries(msg, seed)
    return msg.as_bytes(policy=EMAIL_POLICY)


#: Write the MIME bytes directly (`_mime`) instead of through `set_content` and friends.
_FAST_MIME = hasattr(contentmanager, "_encode_text") and hasattr(contentmanager, "_encode_base64")
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def _mime(
    headers: list[tuple[str, str]], text: str, html: str, png: bytes | None, attachment: bytes,
    *, stem: str, seed: str, pdf: tuple[bytes, str] | None = None,
) -> bytes:
    """The bytes `build_email`'s `set_content`, `add_alternative`, `add_related`,
    `add_attachment`, `_fix_boundaries` and `as_bytes` write, written directly: the same
    headers in the same order, each folded by the policy (`_header`), the bodies encoded by
    the email package's own functions, the parts framed as its generator frames them.
    Building the message objects and letting the generator walk them was most of the time
    an email took. Tests compare the bytes with those of the email package's calls."""
    policy = EMAIL_POLICY
    nl = policy.linesep
    crlf = nl.encode("ascii")

    def part(fields: list[tuple[str, str]], body: bytes) -> bytes:
        return b"".join([*(_header(policy, name, value) for name, value in fields), crlf, body])

    def text_part(body: str, subtype: str, extra: list[tuple[str, str]]) -> bytes:
        cte, payload = contentmanager._encode_text(body, "utf-8", None, policy)
        return part([("Content-Type", f'text/{subtype}; charset="utf-8"'),
                     ("Content-Transfer-Encoding", cte), *extra], _lines(payload, nl))

    def bytes_part(data: bytes, kind: str, name: str, extra: list[tuple[str, str]]) -> bytes:
        return part([("Content-Type", kind), ("Content-Transfer-Encoding", "base64"),
                     ("Content-Disposition", f'attachment; filename="{name}"'), *extra,
                     ("MIME-Version", "1.0")], _base64_lines(data, policy.max_line_length, crlf))

    def multipart(fields: list[tuple[str, str]], kind: str, n: int, parts: list[bytes]) -> bytes:
        boundary = f"=_casebook_{seed[:24]}_{n}"
        head = b"".join([*(_header(policy, name, value) for name, value in fields),
                         _boundary_header(policy, kind, seed[:24], n), crlf])
        dash = f"--{boundary}".encode("ascii")
        between = crlf + dash + crlf
        return b"".join([head, dash, crlf, between.join(parts), crlf, dash, b"--", crlf])

    plain = text_part(text, "plain", [])
    if png is None:
        rich = text_part(html, "html", [("MIME-Version", "1.0")])
    else:
        rich = multipart([("MIME-Version", "1.0")], "related", 3, [
            text_part(html, "html", []),
            bytes_part(png, "image/png", "qr.png", [("Content-ID", "<qr@casebook>")]),
        ])
    alternative = multipart([], "alternative", 1, [plain, rich])
    attached = [bytes_part(attachment, "text/html", f"{stem}.html", [])]
    if pdf is not None:
        attached.append(bytes_part(pdf[0], "application/pdf", pdf[1], []))
    return multipart([*headers, ("MIME-Version", "1.0")], "mixed", 0, [alternative, *attached])


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _lines(payload: str, nl: str) -> bytes:
    """A body as the generator writes it (`_write_lines`): every line ending made `nl`,
    8-bit text (surrogate-escaped by `_encode_text`) back to its bytes. `_encode_text` and
    `_encode_base64` end lines with LF alone: a plain replace does, at a fraction of the cost."""
    lines = payload.replace("\n", nl) if "\r" not in payload else _NEWLINE.sub(nl, payload)
    return lines.encode("ascii", "surrogateescape")


def _base64_lines(data: bytes, max_line_length: int, nl: bytes) -> bytes:
    """`_lines(contentmanager._encode_base64(data, max_line_length), nl)`, encoded at once:
    a line holds a multiple of 3 bytes, so the lines of the whole are those of the pieces."""
    if max_line_length < 4:
        return _lines(contentmanager._encode_base64(data, max_line_length), nl.decode("ascii"))
    if not data:
        return b""
    encoded = binascii.b2a_base64(data, newline=False)
    step = max_line_length // 4 * 4
    return nl.join([encoded[i:i + step] for i in range(0, len(encoded), step)]) + nl


# -- headers, folded ------------------------------------------------------------------------

_HEADERS: dict[tuple[int, str, str], tuple[Any, bytes]] = {}
#: A value the policy writes unchanged on one line: printable ASCII words, single spaces,
#: no encoded word (`=?` would be decoded and encoded again).
_PLAIN_TEXT = re.compile(r"(?!.*=\?)[!-~]+(?: [!-~]+)*")
_UNSTRUCTURED = {"subject", "x-casebook-case", "x-casebook-action"}
#: `Name <address>` with nothing that the address parser quotes, escapes or encodes.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)* <[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*"
    r"@[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*>"
)


def _header(policy: Any, name: str, value: str, *, slotted: bool = False) -> bytes:
    """`name: value` as `policy` folds it when the generator writes a header set to `value`
    (`fold_binary` of `header_store_parse`). Parsing and folding are the cost of a header:
    a value that fits on its line and that the parser keeps as it is (plain text, a plain
    name and address) is written as it is; any other is folded by the policy, once."""
    if len(name) + 2 + len(value) <= policy.max_line_length and (
        (name.lower() in _UNSTRUCTURED and _PLAIN_TEXT.fullmatch(value))
        or (name.lower() in ("to", "from") and _PLAIN_ADDRESS.fullmatch(value))
    ):
        return f"{name}: {value}{policy.linesep}".encode("ascii")
    if not slotted and name.lower() == "message-id" and _MESSAGE_ID.match(value):
        return _slotted(policy, name, value, 1, 32)
    # One lookup for the header as written; the policy's own caches (`_SMTPPolicy`) still
    # build a key per parse and per fold, which cost 0.1-0.2 ms of an email's 0.55 ms.
    key = (id(policy), name, value)
    found = _HEADERS.get(key)
    if found is None or found[0] is not policy:
        if len(_HEADERS) >= _CACHE_LIMIT:
            _HEADERS.clear()
        folded = policy.fold_binary(name, policy.header_store_parse(name, value)[1])
        found = _HEADERS[key] = (policy, folded)
    return found[1]


def _boundary_header(policy: Any, kind: str, seed: str, n: int) -> bytes:
    value = f'multipart/{kind}; boundary="=_casebook_{seed}_{n}"'
    return _slotted(policy, "Content-Type", value, value.index(seed), len(seed))


_MESSAGE_ID = re.compile(r"<[0-9a-f]{32}\.")


def _slotted(policy: Any, name: str, value: str, start: int, size: int) -> bytes:
    """The folded header of a value whose hex digits at `start` (a digest: every email has
    others) are folded with stand-ins and put back: where a header folds depends on the
    lengths of its words, and hex digits are all alike to the parser."""
    digits = value[start:start + size]
    assert len(digits) == size and all(c in "0123456789abcdef" for c in digits), value
    slot = "0" * size
    folded = _header(policy, name, value[:start] + slot + value[start + size:], slotted=True)
    assert folded.count(slot.encode("ascii")) == 1, folded
    return folded.replace(slot.encode("ascii"), digits.encode("ascii"))


def _email_html(letter: "Letter", subject: str) -> str:
    from markupsafe import escape

    qr = ""
    if letter.qr_payload:
        qr = (
            '<p><img src="cid:qr@casebook" width="160" height="160" alt="EPC QR"></p>'
        )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{escape(subject)}</title></head>\n"
        '<body style="font-family: Arial, sans-serif; font-size: 14px; line-height: 1.45; '
        'color: #1b1b1b; max-width: 42em;">\n'
        f"{letter.body_html}{qr}\n</body></html>\n"
    )


def _qr_png(letter: "Letter") -> bytes:
    from casebook.money.qr import epc_code, epc_png

    return epc_png(letter.qr_code or epc_code(letter.qr_payload), scale=4)


def _fix_boundaries(msg: EmailMessage, seed: str) -> None:
    """Deterministic MIME boundaries (the email package draws random ones)."""
    for n, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_casebook_{seed[:24]}_{n}")



def parse_eml(data: bytes) -> Any:
    """An `.eml` read back as an `email.message.EmailMessage`."""
    return BytesParser(policy=email_policy.default).parsebytes(data)


__all__ = ["EMAIL_POLICY", "build_email", "message_id", "parse_eml", "sender_address"]
