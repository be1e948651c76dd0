"""The example book shipped with casebook (`casebook.yaml` and `cases/`) is valid and complete.

Independent of casebook's own loader on purpose: every file is read with `yaml.safe_load`
and every identifier is checked with python-stdnum, so a bug in the loader cannot hide a bad
example, and the example can be trusted as a fixture by everyone else's tests.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from stdnum import iban, iso11649
from stdnum.be import iban as be_iban
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.nl import btw as nl_btw
from stdnum.nl import postcode as nl_postcode

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"
BOOK_TODAY = date(2026, 11, 24)
"""The date the example book is written for: the demo plays up to it."""
SEGMENTS = {"standard", "reliable", "chronic-late", "new-client", "key-account", "hardship"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEBTOR_KEYS = {"name", "kind", "language", "segment", "policy", "email", "phone", "contact",
               "address", "vat", "iban", "owner", "tags"}
INVOICE_KEYS = {"number", "issued", "due", "amount", "currency", "description", "reference",
                "attachment"}
PAYMENT_KEYS = {"date", "amount", "invoice", "reference", "source"}
NOTE_KEYS = {"date", "channel", "with", "by", "promise", "dispute", "resolved", "plan", "signed",
             "completes"}


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: not a mapping"
    return data


def _front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path}: no front matter"
    head, sep, body = text[4:].partition("\n---\n")
    assert sep, f"{path}: front matter not closed"
    meta = yaml.safe_load(head)
    assert isinstance(meta, dict), f"{path}: front matter is not a mapping"
    return meta, body


def _money(value: object) -> Decimal:
    assert isinstance(value, (str, int, float)) and not isinstance(value, bool), value
    amount = Decimal(str(value))
    assert amount > 0 and amount.as_tuple().exponent >= -2, value
    return amount


def _bucket(days_late: int) -> str:
    for top, name in ((0, "not due"), (30, "1-30"), (60, "31-60"), (90, "61-90")):
        if days_late <= top:
            return name
    return ">90"


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    assert isinstance(value, date), value
    return value


class Case:
    def __init__(self, folder: Path) -> None:
        self.id = folder.name
        self.folder = folder
        self.debtor = _load(folder / "debtor.yaml")
        self.invoices = {p: _load(p) for p in sorted(folder.glob("invoices/*.yaml"))}
        self.payments = {p: _load(p) for p in sorted(folder.glob("payments/*.yaml"))}
        self.notes = {p: _front_matter(p) for p in sorted(folder.glob("notes/*.md"))}

    @property
    def numbers(self) -> set[str]:
        return {str(i["number"]) for i in self.invoices.values()}

    def ibans(self) -> list[str]:
        value = self.debtor.get("iban", [])
        return [value] if isinstance(value, str) else list(value)

    def balances(self, today: date) -> tuple[dict[str, Decimal], Decimal]:
        """Open amount per invoice and the credit left, payments up to `today` applied.

        A payment naming an invoice goes to it; one that does not goes to the oldest open
        invoice first (SPEC section 1). Whatever is left over is a credit.
        """
        invoices = sorted(self.invoices.values(), key=lambda i: (i["due"], str(i["number"])))
        open_ = {str(i["number"]): _money(i["amount"]) for i in invoices}
        credit = Decimal("0")
        for payment in sorted(self.payments.values(), key=lambda p: p["date"]):
            if payment["date"] > today:
                continue
            rest = _money(payment["amount"])
            targets = [str(payment["invoice"])] if "invoice" in payment else list(open_)
            for number in targets:
                paid = min(rest, open_[number])
                open_[number] -= paid
                rest -= paid
            credit += rest
        return open_, credit


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    folders = sorted(p for p in CASES.iterdir() if p.is_dir())
    return [Case(folder) for folder in folders]


@pytest.fixture(scope="module")
def settings() -> dict:
    return _load(ROOT / "casebook.yaml")


def test_case_folders_are_safe_slugs_with_only_known_parts(cases):
    for case in cases:
        assert SLUG.match(case.id), case.id
        parts = {p.name for p in case.folder.iterdir()}
        assert "debtor.yaml" in parts, case.id
        assert parts <= {"debtor.yaml", "invoices", "payments", "notes"}, (case.id, parts)
    stray = [p for p in CASES.rglob("*") if p.is_file() and p.suffix not in (".yaml", ".md")]
    assert not stray


def test_every_file_uses_only_the_documented_keys(cases):
    for case in cases:
        assert set(case.debtor) <= DEBTOR_KEYS, case.id
        assert isinstance(case.debtor["name"], str) and case.debtor["name"]
        for path, invoice in case.invoices.items():
            assert set(invoice) <= INVOICE_KEYS, path
            assert {"number", "issued", "due", "amount"} <= set(invoice), path
        for path, payment in case.payments.items():
            assert set(payment) <= PAYMENT_KEYS, path
            assert {"date", "amount"} <= set(payment), path
        for path, (meta, body) in case.notes.items():
            assert set(meta) <= NOTE_KEYS, path
            assert meta["channel"] in {"phone", "email", "letter", "visit", "other"}, path
            assert meta.get("with") and meta.get("by") and body.strip(), path


def test_settings_are_complete_and_the_creditor_identifiers_valid(settings):
    creditor = settings["creditor"]
    assert {"name", "address", "vat", "iban", "bic", "email", "phone"} <= set(creditor)
    assert be_vat.is_valid(creditor["vat"]), creditor["vat"]
    assert be_iban.is_valid(creditor["iban"]), creditor["iban"]
    assert be_iban.to_bic(creditor["iban"]) == creditor["bic"]
    assert settings["jurisdiction"] == "BE" and settings["currency"] == "EUR"
    assert settings["language"] == "nl" and settings["default_policy"] == "standard"
    assert settings["timezone"] == "Europe/Brussels"
    assert settings["mail"]["send"] is False
    assert _money(settings["postage"]) == Decimal("1.50")
    assert {"name", "email"} <= set(settings["operator"])


def test_addresses_ibans_and_vat_numbers_are_valid_for_their_country(cases):
    for case in cases:
        address = case.debtor["address"]
        country = address["country"]
        assert country in ("BE", "NL"), case.id
        postcode = str(address["postcode"])
        if country == "BE":
            assert re.fullmatch(r"[1-9]\d{3}", postcode), case.id
        else:
            assert re.fullmatch(r"\d{4} [A-Z]{2}", postcode), case.id
            assert nl_postcode.is_valid(postcode), case.id
        for account in case.ibans():
            assert iban.is_valid(account), (case.id, account)
            assert account.startswith(country), (case.id, account)
        vat = case.debtor.get("vat")
        if case.debtor.get("kind", "business") == "consumer":
            assert vat is None, case.id
        elif country == "BE":
            assert vat.startswith("BE") and be_vat.is_valid(vat), (case.id, vat)
        else:
            assert vat.startswith("NL") and nl_btw.is_valid(vat), (case.id, vat)


def test_invoice_references_are_valid_structured_communications_or_rf(cases):
    kinds = Counter()
    for case in cases:
        for path, invoice in case.invoices.items():
            reference = invoice.get("reference")
            if reference is None:
                kinds["none"] += 1
            elif reference.startswith("RF"):
                assert iso11649.is_valid(reference), (path, reference)
                kinds["rf"] += 1
            else:
                assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", reference), path
                assert ogm_vcs.is_valid(reference), (path, reference)
                kinds["ogm"] += 1
    assert kinds["ogm"] > 3 * kinds["none"] and kinds["none"] >= 2 and kinds["rf"] >= 1, kinds


def test_invoice_numbers_are_unique_and_name_their_file(cases):
    numbers = Counter()
    for case in cases:
        for path, invoice in case.invoices.items():
            assert isinstance(invoice["number"], str), path
            assert path.stem == invoice["number"], path
            numbers[invoice["number"]] += 1
    assert [n for n, count in numbers.items() if count > 1] == []


def test_invoices_fall_due_30_days_after_issue_within_the_demo_period(cases):
    for case in cases:
        for path, invoice in case.invoices.items():
            issued, due = invoice["issued"], invoice["due"]
            assert isinstance(issued, date) and isinstance(due, date), path
            assert due >= issued and (due - issued).days <= 60, path
            assert (due - issued).days == 30, path
            assert date(2026, 5, 1) <= issued <= BOOK_TODAY, path
            _money(invoice["amount"])


def test_payments_name_an_invoice_of_their_own_case_and_happened_by_today(cases):
    for case in cases:
        for path, payment in case.payments.items():
            assert isinstance(payment["date"], date) and payment["date"] <= BOOK_TODAY, path
            assert path.name.startswith(payment["date"].isoformat()), path
            _money(payment["amount"])
            if "invoice" in payment:
                assert str(payment["invoice"]) in case.numbers, path
            reference = payment.get("reference", "")
            if reference.startswith("+++"):
                assert ogm_vcs.is_valid(reference), path


def test_notes_refer_to_invoices_of_their_case_and_happened_by_today(cases):
    for case in cases:
        for path, (meta, _) in case.notes.items():
            when = _day(meta["date"])
            assert when <= BOOK_TODAY and path.name.startswith(when.isoformat()), path
            if "dispute" in meta:
                assert str(meta["dispute"]["invoice"]) in case.numbers, path
                assert meta["dispute"]["reason"], path
            if "resolved" in meta:
                assert str(meta["resolved"]) in case.numbers, path
            if "promise" in meta:
                assert isinstance(meta["promise"]["date"], date), path
                _money(meta["promise"]["amount"])
            if "plan" in meta:
                assert meta.get("signed") is True, path
                for installment in meta["plan"]:
                    assert isinstance(installment["due"], date), path
                    _money(installment["amount"])


def test_segments_and_policies_are_the_six_shipped_ones(cases):
    for case in cases:
        for key in ("segment", "policy"):
            if key in case.debtor:
                assert case.debtor[key] in SEGMENTS, (case.id, key)
        assert case.debtor.get("kind", "business") in ("business", "consumer"), case.id
        assert case.debtor.get("language") in ("nl", "fr", "en"), case.id


def test_a_note_completes_a_stage_of_its_case_policy(cases, settings):
    for case in cases:
        policy = case.debtor.get("policy") or case.debtor.get("segment") \
            or settings["default_policy"]
        stages = {s["id"] for s in _load(ROOT / "policies" / f"{policy}.yaml")["stages"]}
        for path, (meta, _) in case.notes.items():
            if "completes" in meta:
                assert meta["completes"] in stages, path


def test_the_book_shows_every_kind_of_debtor(cases):
    assert len(cases) >= 14
    segments = Counter(c.debtor.get("segment") for c in cases)
    assert set(segments) - {None} == SEGMENTS
    assert all(segments[s] >= 3 for s in ("standard", "reliable", "new-client")), segments
    assert sum(c.debtor.get("kind") == "consumer" for c in cases) >= 3
    assert sum(c.debtor["address"]["country"] == "NL" for c in cases) >= 3
    languages = Counter(c.debtor["language"] for c in cases)
    assert languages["fr"] >= 3 and languages["en"] >= 2 and languages["nl"] >= 3, languages
    assert any("policy" in c.debtor for c in cases)
    assert any(isinstance(c.debtor.get("iban"), list) for c in cases)
    assert all(1 <= len(c.invoices) <= 5 for c in cases)


def test_the_book_shows_every_event_the_engine_knows(cases):
    metas = [meta for c in cases for meta, _ in c.notes.values()]
    disputed = {str(m["dispute"]["invoice"]) for m in metas if "dispute" in m}
    resolved = {str(m["resolved"]) for m in metas if "resolved" in m}
    assert disputed - resolved, "an open dispute"
    assert resolved and resolved <= disputed, "a resolved dispute"
    assert any("promise" in m and m["promise"]["date"] > BOOK_TODAY for m in metas)
    assert any("plan" in m and m.get("signed") is True for m in metas)
    assert any(m["channel"] == "phone" for m in metas)
    assert any("completes" in m for m in metas), "a phone task closed by a note"
    assert any(isinstance(m["date"], datetime) for m in metas), "a note with a time"
    payments = [p for c in cases for p in c.payments.values()]
    assert any("invoice" not in p for p in payments)
    files = [*payments, *(i for c in cases for i in c.invoices.values())]
    assert any(isinstance(f["amount"], (int, float)) for f in files), "a bare YAML number"
    assert any(isinstance(f["amount"], str) for f in files)


def test_balances_on_the_books_date_cover_every_aging_bucket(cases):
    buckets = Counter()
    partly_paid = fully_paid = with_credit = 0
    for case in cases:
        open_, credit = case.balances(BOOK_TODAY)
        with_credit += credit > 0
        fully_paid += all(v == 0 for v in open_.values())
        for invoice in case.invoices.values():
            left = open_[str(invoice["number"])]
            partly_paid += 0 < left < _money(invoice["amount"])
            if left:
                buckets[_bucket((BOOK_TODAY - invoice["due"]).days)] += 1
    assert set(buckets) == {"not due", "1-30", "31-60", "61-90", ">90"}, buckets
    assert min(buckets.values()) >= 3, buckets
    assert partly_paid >= 3 and fully_paid >= 2 and with_credit >= 1


def test_a_payment_without_invoice_goes_to_the_oldest_open_invoice(cases):
    case = next(c for c in cases if c.id == "garage-de-wilde")
    unnamed = [p for p in case.payments.values() if "invoice" not in p]
    assert len(unnamed) == 1
    open_, credit = case.balances(BOOK_TODAY)
    amounts = {str(i["number"]): _money(i["amount"]) for i in case.invoices.values()}
    oldest, second, newest = sorted(amounts)
    assert open_[oldest] == 0
    assert open_[second] == amounts[oldest] + amounts[second] - _money(unnamed[0]["amount"])
    assert open_[newest] == amounts[newest] and credit == 0
