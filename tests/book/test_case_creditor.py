"""`cases/<id>/creditor.yaml`: a case of another creditor in an agency's book."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from casebook.book.check import check

SETTINGS = """\
creditor: {name: Incasso Agentschap NV, iban: BE68539007547034}
jurisdiction: BE
language: nl
"""
CREDITOR = """\
creditor:
  name: Drukkerij Hollands BV
  iban: NL91ABNA0417164300
  address: {city: Utrecht, country: NL}
jurisdiction: NL
language: en
contract: {interest_rate: "9"}
"""


def make(root: Path, creditor: str | None) -> None:
    files = {
        "casebook.yaml": SETTINGS,
        "cases/lamp/debtor.yaml": "name: Lampen Lamp BV\n",
        "cases/lamp/invoices/a.yaml": 'number: "2026-1"\nissued: 2026-01-01\ndue: 2026-02-01\namount: "10.00"\n',
        "cases/mine/debtor.yaml": "name: Mijn Klant BV\n",
        "cases/mine/invoices/a.yaml": 'number: "2026-1"\nissued: 2026-01-01\ndue: 2026-02-01\namount: "12.00"\n',
    }
    if creditor is not None:
        files["cases/lamp/creditor.yaml"] = creditor
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_a_case_carries_its_creditors_settings(tmp_path: Path) -> None:
    make(tmp_path, CREDITOR)
    book, problems = check(tmp_path)
    assert [str(p) for p in problems if "policy" not in p.message] == []  # same number, two creditors
    lamp, mine = book.cases["lamp"], book.cases["mine"]
    settings = book.settings_of(lamp)
    assert (settings.creditor.name, settings.jurisdiction, settings.language) == (
        "Drukkerij Hollands BV", "NL", "en")
    assert settings.contract.interest_rate == Decimal("9")
    assert book.language_of(lamp) == "en" and book.settings_of(mine) is book.settings
    assert lamp.creditor is not None and lamp.creditor.source.path == "cases/lamp/creditor.yaml"


def test_the_file_is_validated(tmp_path: Path) -> None:
    make(tmp_path, CREDITOR.replace("jurisdiction: NL", "jurisdiction: FR") + "colour: red\n")
    _, problems = check(tmp_path, cache=False)
    text = [str(p) for p in problems if p.path == "cases/lamp/creditor.yaml"]
    assert any("jurisdiction" in t and "FR" in t for t in text), text
    assert any("colour" in t for t in text), text


def test_without_it_one_creditor_numbers_invoices_once(tmp_path: Path) -> None:
    make(tmp_path, None)
    _, problems = check(tmp_path, cache=False)
    assert any("used twice" in p.message for p in problems)
