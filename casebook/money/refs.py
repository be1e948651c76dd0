"""Payment references: Belgian structured communications (OGM/VCS) and ISO 11649 RF references.

OGM (DOMAIN section 4): 12 digits grouped 3/4/5 and wrapped in `+++` or `***`; the last two
digits are the first ten modulo 97, with 0 written as 97.
RF (ISO 11649): `RF`, two check digits, then up to 21 letters or digits (ISO 7064 mod 97-10).

Canonical forms used everywhere in casebook (compare references only in these forms):
OGM `+++123/4567/89002+++`, RF compact upper case `RF18539007547034`.
"""

from __future__ import annotations

import hashlib
import re

from stdnum import iso11649

_OGM_WRAPPED = re.compile(
    r"(?:\+{3}|\*{3})\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?:\+{3}|\*{3})"
)
_OGM_BARE = re.compile(r"(?<![\d/])(\d{3})[ /]?(\d{4})[ /]?(\d{5})(?![\d/])")
_RF_START = re.compile(r"(?<![A-Za-z0-9])RF ?\d{2}", re.IGNORECASE)
_DIRECT_NUMBER = re.compile(r"[0-9][0-9 ./-]*")
_ALNUM = re.compile(r"[A-Za-z0-9]+")


def ogm_check_digits(base: str) -> str:
    """The two check digits of a 10-digit base (0 becomes 97)."""
    if len(base) != 10 or not base.isdigit():
        raise ValueError(f"an OGM base is 10 digits, not {base!r}")
    return f"{int(base) % 97 or 97:02d}"


def format_ogm(digits: str) -> str:
    """`+++ddd/dddd/ddddd+++` from 12 digits (not checked: see `parse_ogm`)."""
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def make_ogm(base: str) -> str:
    """The formatted OGM for a 10-digit base."""
    return format_ogm(base + ogm_check_digits(base))


def parse_ogm(text: str) -> str | None:
    """The 12 digits of a valid OGM written as `+++ddd/dddd/ddddd+++`, `***...***` or bare
    (12 digits, optionally with `/` or spaces between the groups); None if not valid."""
    text = text.strip()
    match = _OGM_WRAPPED.fullmatch(text) or _OGM_BARE.fullmatch(text)
    if match is None:
        return None
    digits = "".join(match.groups())
    return digits if is_ogm_digits(digits) else None


def is_ogm_digits(digits: str) -> bool:
    return (
        len(digits) == 12
        and digits.isdigit()
        and ogm_check_digits(digits[:10]) == digits[10:]
    )


def is_ogm(text: str) -> bool:
    return parse_ogm(text) is not None


def validate_ogm(text: str) -> str:
    """The canonical `+++ddd/dddd/ddddd+++` form, or ValueError saying what is wrong."""
    digits = parse_ogm(text)
    if digits is None:
        raise ValueError(
            f"{text!r} is not a valid structured communication "
            "(12 digits as +++ddd/dddd/ddddd+++, the last two = first ten mod 97)"
        )
    return format_ogm(digits)


def rf_check_digits(body: str) -> str:
    """The two ISO 11649 check digits for a reference body (letters and digits)."""
    body = body.replace(" ", "").upper()
    if not body or len(body) > 21 or not body.isalnum() or not body.isascii():
        raise ValueError(f"an RF reference body is 1-21 letters or digits, not {body!r}")
    number = int("".join(str(int(c, 36)) for c in body + "RF00"))
    return f"{98 - number % 97:02d}"


def make_rf(body: str) -> str:
    """The compact RF reference for `body`, e.g. make_rf('539007547034') == 'RF18539007547034'."""
    body = body.replace(" ", "").upper()
    return f"RF{rf_check_digits(body)}{body}"


def parse_rf(text: str) -> str | None:
    """The compact upper-case RF reference, or None if `text` is not a valid one."""
    compact = re.sub(r"\s", "", text).upper()
    if not compact.startswith("RF") or not compact.isascii():
        return None
    return compact if iso11649.is_valid(compact) else None


def is_rf(text: str) -> bool:
    return parse_rf(text) is not None


def format_rf(text: str) -> str:
    """Printed form in groups of four: `RF18 5390 0754 7034`."""
    return iso11649.format(text)


def canonical(text: str) -> str | None:
    """The canonical form of a reference written on its own (OGM or RF); None if invalid."""
    digits = parse_ogm(text)
    if digits is not None:
        return format_ogm(digits)
    return parse_rf(text)


def reference_for(invoice_number: str, case_id: str = "") -> str:
    """A stable OGM for an invoice that has none.

    It depends only on the invoice number (unique in the book), so it never changes when a
    case is renamed or an invoice moves. Numbers made of digits and the separators ` ./-`,
    with at most 10 digits, are written out directly (zero-padded), so `2026-0042` gets
    `+++002/0260/042cc+++`: readable, and distinct for any one numbering scheme. Other
    numbers get the first 10 digits of a BLAKE2b hash; with tens of thousands of such
    numbers two may share a reference, which `casebook check` can report.
    `case_id` is accepted for callers that have it; it does not change the result.
    """
    del case_id
    number = invoice_number.strip()
    digits = re.sub(r"\D", "", number)
    if _DIRECT_NUMBER.fullmatch(number) and len(digits) <= 10 and int(digits) > 0:
        base = digits.zfill(10)
    else:
        hashed = hashlib.blake2b(number.encode("utf-8"), digest_size=16).digest()
        base = f"{int.from_bytes(hashed, 'big') % 10**10:010d}"
        if base == "0000000000":
            base = "0000000001"
    return make_ogm(base)


def invoice_reference(reference: str, invoice_number: str, case_id: str = "") -> str:
    """The reference to print for an invoice: its own (canonical) if valid, else generated."""
    own = canonical(reference) if reference else None
    return own or reference_for(invoice_number, case_id)


def normalize_reference(text: str) -> str | None:
    """The first OGM or RF reference found in free text, in canonical form; None if none.

    Looks for, in this order: a wrapped OGM (`+++`/`***`, spaces and slashes optional), an RF
    reference (spaces between its groups allowed), then 12 bare digits (optionally grouped
    3/4/5 by `/` or spaces). Every candidate must pass its check digits.
    """
    if not text:
        return None
    for match in _OGM_WRAPPED.finditer(text):
        digits = "".join(match.groups())
        if is_ogm_digits(digits):
            return format_ogm(digits)
    found = _find_rf(text)
    if found:
        return found
    for match in _OGM_BARE.finditer(text):
        digits = "".join(match.groups())
        if is_ogm_digits(digits):
            return format_ogm(digits)
    return None


def _find_rf(text: str) -> str | None:
    for start in _RF_START.finditer(text):
        # The reference may be printed in groups separated by spaces: take the following
        # groups one by one and keep the longest prefix that validates.
        compact, best, end = "", None, start.start()
        for group in _ALNUM.finditer(text, start.start()):
            if text[end:group.start()].strip() or not group.group().isascii():
                break
            compact += group.group().upper()
            end = group.end()
            if len(compact) > 25:
                break
            if len(compact) >= 5 and iso11649.is_valid(compact):
                best = compact
        if best:
            return best
    return None
