"""The office overview page: its words in every language, nothing from a book unescaped."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from casebook.office import BookResult, load_office
from casebook.office.overview import write_overview
from casebook.office.texts import OFFICE_TEXTS
from casebook.site.catalog import LANGUAGES

PAGE = Path(__file__).resolve().parents[2] / "site_templates" / "office.html"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_word_the_page_says_is_in_every_language() -> None:
    used = set(re.findall(r'\bsay\(\s*"([a-z0-9_.-]+)"', PAGE.read_text()))
    assert used and used <= set(OFFICE_TEXTS), used - set(OFFICE_TEXTS)
    for key, words in OFFICE_TEXTS.items():
        assert set(words) == set(LANGUAGES), key
        base = OFFICE_TEXTS[key.split("#")[0]]["en"]
        for text in words.values():
            assert fields(text) <= fields(base) | {"count"}, (key, text)


def figures(creditor: str, open_: str = "100.00") -> dict:
    return {
        "as_of": "2026-10-12", "currency": "EUR", "language": "nl", "creditor": creditor,
        "totals": {"cases": 1, "open_cases": 1, "invoiced": open_, "paid": "0.00", "open": open_,
                   "overdue": open_, "credit": "0.00", "dso": "12.5"},
        "aging": {"not-due": "0.00", "1-30": open_, "31-60": "0.00", "61-90": "0.00", "90+": "0.00"},
        "stages": {"-": 1}, "open_tasks": 0, "due_today": 1, "problems": 0,
    }


@pytest.mark.parametrize("language, words", [("nl", "Kantooroverzicht"), ("fr", "Vue d&#39;ensemble"),
                                             ("en", "Office overview")])
def test_the_page_escapes_what_books_say(tmp_path: Path, language: str, words: str) -> None:
    (tmp_path / "office.yaml").write_text(f"language: {language}\nbooks: [{{name: a, path: a}}]\n")
    office = load_office(tmp_path)
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    results = [BookResult("a", figures=figures(hostile), site="a/index.html"),
               BookResult("b", ok=False, error=f"cannot read {hostile}")]
    page = write_overview(office, results, tmp_path / "out").read_text()
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert words in page
    assert '<a href="a/index.html">a</a>' in page
    assert 'data-book="b"' in page and "<a href=\"b/" not in page  # no site, no link
    # amounts in the office's language, for each currency
    assert ("€\xa0100,00" if language != "en" else "€\xa0100.00") in page


def test_totals_are_kept_per_currency(tmp_path: Path) -> None:
    (tmp_path / "office.yaml").write_text("books: [{name: a, path: a}]\n")
    usd = figures("Dollar Inc", "50.00")
    usd["currency"] = "USD"
    results = [BookResult("a", figures=figures("A")), BookResult("b", figures=figures("B")),
               BookResult("c", figures=usd)]
    page = write_overview(load_office(tmp_path), results, tmp_path / "out").read_text()
    rows = dict(re.findall(r'<tr data-currency="([A-Z]+)"><th scope="row">[A-Z]+</th>'
                           r'<td class="num" data-key="open"><data class="amount" value="([^"]+)"',
                           page))
    assert rows == {"EUR": "200.00", "USD": "50.00"}
