"""Legal cost scales (casebook.money.costs) and working days (casebook.money.workdays)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from casebook.money.costs import book_xix_damages, damages_clause, wik
from casebook.book.wording import english
from casebook.money.workdays import add_working_days, easter, is_working_day

D = Decimal


@pytest.mark.parametrize(
    "balance, expected",
    [  # DOMAIN section 2, "checked by arithmetic"
        ("100", "20.00"), ("150", "20.00"), ("150.01", "30.00"), ("400", "55.00"),
        ("500", "65.00"), ("500.01", "65.00"), ("1000", "90.00"), ("10000", "540.00"),
        ("39200", "2000.00"), ("39200.01", "2000.00"), ("1000000", "2000.00"),
    ],
)
def test_book_xix_scale(balance, expected):
    amount, basis = book_xix_damages(D(balance))
    assert amount == D(expected)
    assert basis


@pytest.mark.parametrize(
    "principal, expected",
    [  # DOMAIN section 3b table
        ("100", "40.00"), ("266.67", "40.00"), ("267", "40.05"), ("1000", "150.00"),
        ("2500", "375.00"), ("3000", "425.00"), ("5000", "625.00"), ("7500", "750.00"),
        ("10000", "875.00"), ("25000", "1025.00"), ("200000", "2775.00"),
        ("1000000", "6775.00"), ("5000000", "6775.00"),
    ],
)
def test_wik_scale(principal, expected):
    assert wik(D(principal))[0] == D(expected)


def test_wik_basis_shows_the_brackets():
    assert english(wik(D("3000"))[1]) == "on 3 000.00: 15 % of 2 500.00 + 10 % of 500.00 = 425.00"
    assert english(wik(D("100"))[1]).endswith("raised to the minimum 40.00")
    assert english(wik(D("2000000"))[1]).endswith("capped at 6 775.00")


def test_damages_clause():
    assert damages_clause(D("1000"), percent=None, minimum=None) is None
    assert damages_clause(D("1000"), percent=D("10"), minimum=D("50"))[0] == D("100.00")
    amount, basis = damages_clause(D("300"), percent=D("10"), minimum=D("50"))
    assert (amount, english(basis)) == (D("50"), "10 % of 300.00 = 30.00, minimum 50.00")
    assert damages_clause(D("300"), percent=None, minimum=D("75"))[0] == D("75")


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.integers(min_value=1, max_value=10**9).map(lambda c: D(c) / 100))
def test_scales_stay_within_their_bounds_and_grow(balance):
    xix, _ = book_xix_damages(balance)
    assert D(20) <= xix <= D(2000)
    assert book_xix_damages(balance + D("0.01"))[0] >= xix
    fee, _ = wik(balance)
    assert D(40) <= fee <= D(6775)
    assert wik(balance + D("0.01"))[0] >= fee


def test_easter_and_holidays():
    assert [easter(y) for y in (2024, 2025, 2026)] == [
        date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5)]
    assert not is_working_day(date(2026, 4, 6), "BE")  # Easter Monday
    assert not is_working_day(date(2026, 7, 21), "BE")  # national day
    assert is_working_day(date(2026, 7, 21), "NL")
    assert not is_working_day(date(2026, 4, 27), "NL")  # King's Day
    assert not is_working_day(date(2026, 3, 7), "BE")  # Saturday


def test_add_working_days_skips_weekends_and_holidays():
    assert add_working_days(date(2026, 3, 2), 3, "BE") == date(2026, 3, 5)  # Mon -> Thu
    assert add_working_days(date(2026, 3, 5), 3, "BE") == date(2026, 3, 10)  # Thu -> Tue
    assert add_working_days(date(2026, 4, 2), 3, "BE") == date(2026, 4, 8)  # over Easter Monday
