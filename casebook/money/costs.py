"""The legal scales for costs: pure arithmetic on a principal, with the working shown.

Each function returns the amount (rounded half-up to the cent) and its basis, the working a
letter prints so the debtor can check it, as phrases (`casebook.book.wording`) that a letter says
in the debtor's language and `casebook claim` in English.
"""

from __future__ import annotations

from decimal import Decimal

from casebook.money.interest import cents
from casebook.book.wording import Text, phrase

D = Decimal

BE_FLAT_COMPENSATION = D("40.00")
"""Law of 2 Aug 2002 art. 6: per late invoice (CJEU C-370/21)."""

BE_CONSUMER_FEE_CAP = D("7.50")
"""Book XIX: a later reminder costs at most this, plus postage."""

BOOK_XIX_CAP = D("2000.00")

WIK_BRACKETS = (
    (D("2500"), D("0.15")),
    (D("2500"), D("0.10")),
    (D("5000"), D("0.05")),
    (D("190000"), D("0.01")),
    (None, D("0.005")),
)
WIK_MINIMUM = D("40.00")
WIK_MAXIMUM = D("6775.00")
NL_B2B_MINIMUM = D("40.00")
"""BW 6:96 lid 4: at least this for a late commercial payment."""


def percent_text(percent: Decimal) -> str:
    """`11.5`, `12.25`, `8`: a percentage without trailing zeros."""
    return f"{percent.normalize():f}"


def book_xix_damages(balance: Decimal) -> tuple[Decimal, Text]:
    """Maximum damages clause for a Belgian consumer (CEL art. XIX.4), on the balance due.

    <= 150: 20; 150.01-500: 30 + 10 % of the part above 150; > 500: 65 + 5 % of the part
    above 500, at most 2 000.
    """
    if balance <= 0:
        return D("0.00"), (phrase("no-balance"),)
    if balance <= 150:
        return D("20.00"), (phrase("xix-low", balance=balance, limit=D(150), amount=D(20)),)
    if balance <= 500:
        amount = cents(D(30) + (balance - 150) * D("0.10"))
        return amount, (phrase("xix-above", base=D(30), percent=D(10), part=balance - 150,
                               limit=D(150)),)
    amount = min(cents(D(65) + (balance - 500) * D("0.05")), BOOK_XIX_CAP)
    basis: Text = (phrase("xix-above", base=D(65), percent=D(5), part=balance - 500,
                          limit=D(500)),)
    if amount == BOOK_XIX_CAP:
        basis += (phrase("capped", cap=BOOK_XIX_CAP),)
    return amount, basis


def wik(principal: Decimal) -> tuple[Decimal, Text]:
    """Dutch extrajudicial collection costs (Besluit BIK art. 2): the scale, min 40, max 6 775."""
    if principal <= 0:
        return D("0.00"), (phrase("no-principal"),)
    rest, total, parts = principal, D(0), []
    for size, share in WIK_BRACKETS:
        part = rest if size is None else min(rest, size)
        if part <= 0:
            break
        total += part * share
        parts.append(phrase("share", percent=share * 100, amount=part))
        rest -= part
    amount = cents(total)
    basis: Text = (phrase("wik", principal=principal, parts=tuple(parts), amount=amount),)
    if amount < WIK_MINIMUM:
        return WIK_MINIMUM, basis + (phrase("raised-to-minimum", minimum=WIK_MINIMUM),)
    if amount > WIK_MAXIMUM:
        return WIK_MAXIMUM, basis + (phrase("capped", cap=WIK_MAXIMUM),)
    return amount, basis


def damages_clause(
    principal: Decimal, *, percent: Decimal | None, minimum: Decimal | None
) -> tuple[Decimal, Text] | None:
    """A contractual damages clause: `percent` of the principal, at least `minimum`.
    None when the contract has no such clause."""
    if percent is None and minimum is None:
        return None
    by_percent = cents(principal * (percent or D(0)) / 100)
    floor = minimum or D(0)
    if by_percent >= floor:
        return by_percent, (phrase("share", percent=percent or D(0), amount=principal),)
    if percent is None:
        return floor, (phrase("clause-fixed", amount=floor),)
    return floor, (phrase("clause-minimum", percent=percent, principal=principal,
                          result=by_percent, minimum=floor),)
