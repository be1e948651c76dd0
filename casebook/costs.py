"""The legal scales for costs: pure arithmetic on a principal, with the working shown.

Each function returns the amount (rounded half-up to the cent) and a one-line basis that a
letter can print so the debtor can check it.
"""

from __future__ import annotations

from decimal import Decimal

from .interest import cents

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


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ")


def percent_text(percent: Decimal) -> str:
    """`11.5`, `12.25`, `8`: a percentage without trailing zeros."""
    return f"{percent.normalize():f}"


def book_xix_damages(balance: Decimal) -> tuple[Decimal, str]:
    """Maximum damages clause for a Belgian consumer (CEL art. XIX.4), on the balance due.

    <= 150: 20; 150.01-500: 30 + 10 % of the part above 150; > 500: 65 + 5 % of the part
    above 500, at most 2 000.
    """
    if balance <= 0:
        return D("0.00"), "no balance"
    if balance <= 150:
        return D("20.00"), f"balance {_money(balance)} <= 150.00: 20.00"
    if balance <= 500:
        amount = cents(D(30) + (balance - 150) * D("0.10"))
        return amount, f"30.00 + 10 % of {_money(balance - 150)} (the part above 150.00)"
    amount = min(cents(D(65) + (balance - 500) * D("0.05")), BOOK_XIX_CAP)
    basis = f"65.00 + 5 % of {_money(balance - 500)} (the part above 500.00)"
    if amount == BOOK_XIX_CAP:
        basis += ", capped at 2 000.00"
    return amount, basis


def wik(principal: Decimal) -> tuple[Decimal, str]:
    """Dutch extrajudicial collection costs (Besluit BIK art. 2): the scale, min 40, max 6 775."""
    if principal <= 0:
        return D("0.00"), "no principal"
    rest, total, parts = principal, D(0), []
    for size, share in WIK_BRACKETS:
        part = rest if size is None else min(rest, size)
        if part <= 0:
            break
        total += part * share
        parts.append(f"{percent_text(share * 100)} % of {_money(part)}")
        rest -= part
    amount = cents(total)
    basis = f"on {_money(principal)}: " + " + ".join(parts) + f" = {_money(amount)}"
    if amount < WIK_MINIMUM:
        return WIK_MINIMUM, basis + ", raised to the minimum 40.00"
    if amount > WIK_MAXIMUM:
        return WIK_MAXIMUM, basis + ", capped at 6 775.00"
    return amount, basis


def damages_clause(
    principal: Decimal, *, percent: Decimal | None, minimum: Decimal | None
) -> tuple[Decimal, str] | None:
    """A contractual damages clause: `percent` of the principal, at least `minimum`.
    None when the contract has no such clause."""
    if percent is None and minimum is None:
        return None
    by_percent = cents(principal * (percent or D(0)) / 100)
    floor = minimum or D(0)
    if by_percent >= floor:
        return by_percent, f"{percent_text(percent or D(0))} % of {_money(principal)}"
    if percent is None:
        return floor, f"fixed {_money(floor)}"
    return floor, (
        f"{percent_text(percent)} % of {_money(principal)} = {_money(by_percent)}, "
        f"minimum {_money(floor)}"
    )
