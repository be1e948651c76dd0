"""The plain-text part of an email: the letter as text, not as Markdown source."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.book.model import Invoice
from casebook.letters import email
from casebook.letters import letter as letters

from .test_support import INVOICES, action, make_book, make_case

NO_BOOK = Path("/nonexistent-book")
THIRD = Invoice(number="2026-0061", issued=date(2026, 10, 15), due=date(2026, 10, 29),
                amount=D("12480.50"), case_id="janssens", description="Webshop")


def plain_part(template: str, stage: str, language: str = "nl") -> str:
    case = make_case(invoices=(*INVOICES, THIRD), language=language)
    book = make_book(case)
    act = action(template, stage=stage, channel="email",
                 invoices=("2026-0042", "2026-0050", "2026-0061"))
    letter = letters.render_letter(book, case, act, book_root=NO_BOOK)
    msg = BytesParser(policy=policy.default).parsebytes(email.build_email(book, case, act, letter))
    (plain,) = [p for p in msg.walk() if p.get_content_type() == "text/plain"]
    return plain.get_content()


def right_edges(line: str) -> list[int]:
    """Where each column of a table row ends (columns are two spaces or more apart)."""
    return [m.end() for m in re.finditer(r"\S+(?: \S+)*", re.sub(r"[\u00a0\u202f]", " ", line))]


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize("template, stage", [("reminder", "reminder"),
                                             ("formal-notice", "formal-notice")])
def test_plain_text_email_has_no_markdown_and_aligned_columns(template, stage, language) -> None:
    text = plain_part(template, stage, language)
    assert "**" not in text
    assert "|" not in text
    assert not re.search(r"^#+ ", text, re.M)
    rows = [line for line in text.splitlines() if re.match(r"\s*2026-00(42|50|61)  ", line)]
    invoice_rows = rows[:3]  # the statement of the invoices comes first
    assert len(invoice_rows) == 3
    edges = [right_edges(row) for row in invoice_rows]
    assert len({len(e) for e in edges}) == 1 and len(edges[0]) == 6
    for column in (3, 4, 5):  # amount, paid, open: right-aligned
        assert len({e[column] for e in edges}) == 1, "\n".join(invoice_rows)
    starts = [[m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", row)] for row in invoice_rows]
    assert starts[0][:3] == starts[1][:3] == starts[2][:3]  # number and dates: left-aligned
    header = text.splitlines()[text.splitlines().index(invoice_rows[0]) - 2]
    assert right_edges(header)[-1] == edges[0][-1]  # the header's "Open" sits over the amounts
    # Paragraphs are wrapped; only table rows may run longer.
    for line in text.splitlines():
        if "  " not in line.strip():  # not a table row
            assert len(line) <= 76, line


def test_the_text_says_what_the_html_says() -> None:
    text = plain_part("reminder", "reminder")
    flat = re.sub(r"[ \r\n]+", " ", text)
    assert "bedraagt €\u00a013.830,50." in flat
    assert "Gestructureerde mededeling: +++002/0260/06159+++" in flat  # 2026-0061's
    assert "Studio Noord BV" in flat


def test_markdown_to_text_writes_links_lists_and_emphasis_as_text() -> None:
    from casebook.letters.plaintext import markdown_to_text

    text = markdown_to_text(
        "Pay **now** or _later_, see [our terms](https://example.com/terms) or "
        "<https://example.com>.\n\n- one\n- two, a longer item that has to be wrapped "
        "because it runs on and on and on past the width of a line of text\n\n"
        "## Heading\n\n1. first\n2. second\n"
    )
    flat = re.sub(r"[ \r\n]+", " ", text)
    assert "Pay now or later, see our terms (https://example.com/terms) or https://example.com." \
        in flat
    assert "- one\n- two, a longer item" in text
    assert re.search(r"\n  [a-z]", text)  # the item's second line, indented under its text
    assert "Heading\n-------" in text
    assert "1. first\n2. second" in text
    assert "*" not in text and "_" not in text and "[" not in text


def test_a_table_without_header_words_has_no_header_rule() -> None:
    from casebook.letters.plaintext import markdown_to_text

    text = markdown_to_text("| | |\n|---|---:|\n| Saldo | € 1,00 |\n| **Totaal** | **€ 100,00** |\n")
    assert text == "Saldo     € 1,00\nTotaal  € 100,00\n"


def test_wrapping_keeps_french_punctuation_with_its_word() -> None:
    from casebook.letters.plaintext import markdown_to_text

    words = "Intérêts de retard, calculés par période (montant × taux × jours / 365) :"
    for width in range(20, 80):
        text = markdown_to_text(f"{words} ?\n\n« {words} »\n", width=width)
        assert not re.search(r"^[:;!?»]", text, re.M), text
        assert not re.search(r"«$", text, re.M), text
        assert re.sub(r"\s+", " ", text).strip() == f"{words} ? « {words} »"


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from(
    ["**", "_", "# ", "## ", "\n", "\n\n", "- ", "1. ", "> ", "    ", "`", "[a](http://x.be)",
     "<https://x.be>", "![i](x.png)", "| a | b |\n|---|--:|\n| 1 | 2 |\n", "---\n", "  \n",
     " :", "« ", "€\u00a01,00"]), st.text(max_size=8)), max_size=30).map("".join))
def test_any_markdown_becomes_text_without_trailing_spaces(markdown: str) -> None:
    from casebook.letters.plaintext import markdown_to_text

    text = markdown_to_text(markdown)
    assert text == "" or text.endswith("\n")
    assert all(line == line.rstrip(" ") for line in text.split("\n"))
