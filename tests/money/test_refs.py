"""Structured communications (OGM/VCS) and RF references (casebook.money.refs)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from stdnum.be import ogm_vcs

from casebook.money import refs


@pytest.mark.parametrize(
    "base, expected",
    [
        ("1234567890", "+++123/4567/89002+++"),
        ("0108068171", "+++010/8068/17183+++"),
        ("1234567888", "+++123/4567/88897+++"),  # 1234567888 % 97 == 0 -> 97
    ],
)
def test_domain_examples(base, expected):
    assert refs.make_ogm(base) == expected
    assert refs.validate_ogm(expected) == expected
    assert ogm_vcs.is_valid(expected)


@pytest.mark.parametrize(
    "text",
    ["+++123/4567/89002+++", "***123/4567/89002***", "123456789002", "123/4567/89002",
     " +++ 123 / 4567 / 89002 +++ ", "123 4567 89002"],
)
def test_accepted_spellings(text):
    assert refs.parse_ogm(text) == "123456789002"
    assert refs.canonical(text) == "+++123/4567/89002+++"


@pytest.mark.parametrize(
    "text", ["+++123/4567/89012+++", "12345678900", "1234567890021", "+++123/4567/88800+++",
             "abc", ""],
)
def test_rejected(text):
    assert refs.parse_ogm(text) is None
    with pytest.raises(ValueError):
        refs.validate_ogm(text)


def test_rf_references():
    assert refs.make_rf("539007547034") == "RF18539007547034"
    assert refs.is_rf("RF18 5390 0754 7034")
    assert refs.parse_rf("rf18 5390 0754 7034") == "RF18539007547034"
    assert not refs.is_rf("RF19539007547034")
    assert refs.format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    with pytest.raises(ValueError):
        refs.make_rf("x" * 22)


def test_reference_for_is_stable_and_readable():
    assert refs.reference_for("2026-0042", "acme") == refs.reference_for("2026-0042", "other")
    assert refs.reference_for("2026-0042") == refs.make_ogm("0020260042")
    assert refs.reference_for("2026-0042") != refs.reference_for("2026-0043")
    hashed = refs.reference_for("INV/ACME/12")
    assert hashed == refs.reference_for("INV/ACME/12") and refs.is_ogm(hashed)
    # Too many digits to write out directly: hashed, still valid.
    assert refs.is_ogm(refs.reference_for("12345678901234"))


def test_invoice_reference_prefers_a_valid_own_reference():
    assert refs.invoice_reference("123456789002", "X") == "+++123/4567/89002+++"
    assert refs.invoice_reference("rf18539007547034", "X") == "RF18539007547034"
    assert refs.invoice_reference("", "2026-1") == refs.reference_for("2026-1")
    assert refs.invoice_reference("garbage", "2026-1") == refs.reference_for("2026-1")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Betaling +++123/4567/89002+++ dank u", "+++123/4567/89002+++"),
        ("MEDEDELING: ***010/8068/17183***", "+++010/8068/17183+++"),
        ("+++ 010 8068 17183 +++", "+++010/8068/17183+++"),
        ("ref 123/4567/89002.", "+++123/4567/89002+++"),
        ("ref 123 4567 89002 thanks", "+++123/4567/89002+++"),
        ("123456789002", "+++123/4567/89002+++"),
        ("RF18 5390 0754 7034 factuur 2026-0042", "RF18539007547034"),
        ("betaling rf18539007547034", "RF18539007547034"),
        ("/RF18539007547034/", "RF18539007547034"),
        ("IBAN BE68539007547034 invoice 42", None),
        ("123456789012", None),  # 12 digits, wrong check digits
        ("order 1234567890021", None),  # 13 digits: not an OGM
        ("", None),
        ("Factuur 2026-0042", None),
    ],
)
def test_normalize_reference_in_free_text(text, expected):
    assert refs.normalize_reference(text) == expected


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_every_generated_ogm_validates(number):
    ogm = refs.reference_for(number, "case")
    assert refs.is_ogm(ogm) and ogm_vcs.is_valid(ogm)
    assert refs.normalize_reference(f"betaling {ogm} ok") == ogm


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=21))
def test_every_made_rf_validates(body):
    rf = refs.make_rf(body)
    assert refs.is_rf(rf)
    assert refs.normalize_reference(f"pay {refs.format_rf(rf)} now") == rf
