"""`casebook.letters.printbatch`: the order letters are printed in and the assembled PDF
(`casebook print` on a real book is in tests/cli/test_print.py)."""

from __future__ import annotations

from datetime import date

from casebook.letters.printbatch import PostItem, cover_html, post_order, print_batch

from .test_pdf import run, text_of


def item(case_id: str, channel: str = "letter", postcode: str = "9000", pages: int = 1,
         debtor: str = "") -> PostItem:
    body = "".join(f"<p style='page-break-before: {'always' if n else 'auto'}'>{case_id} {n}</p>"
                   for n in range(pages))
    return PostItem(case_id=case_id, debtor=debtor or case_id.title(),
                    address=("Straat 1", f"{postcode} Stad", "BE"), postcode=postcode,
                    country="BE", channel=channel, stage="reminder",
                    html=f"<!DOCTYPE html><html><body>{body}</body></html>")


def test_registered_letters_first_then_by_postcode_and_debtor():
    items = [item("c", postcode="3600"), item("a", postcode="9000"), item("r", "registered", "9000"),
             item("b", postcode="1300", debtor="Zeta"), item("d", postcode="1300", debtor="Alfa")]
    assert [i.case_id for i in post_order(items)] == ["r", "d", "b", "c", "a"]


def test_the_batch_has_the_lists_then_every_page_of_every_letter(tmp_path):
    items = [item("anna", pages=2), item("bert", "registered", debtor="Bert <&> Co")]
    printed = print_batch(items, day=date(2026, 10, 22), sender_name="Studio Noord BV",
                          sender_address=("Kerkstraat 12", "9000 Gent"))
    assert [i.case_id for i in printed.items] == ["bert", "anna"]
    assert printed.pages == (1, 2) and printed.front == 2 and printed.total == 5
    out = tmp_path / "batch.pdf"
    out.write_bytes(printed.pdf)
    assert b"Pages:           5" in run("pdfinfo", out)
    assert "Bert <&> Co" in text_of(out, 1) and "Bert <&> Co" in text_of(out, 2)
    assert "Kerkstraat 12" in text_of(out, 2)
    for page, text in ((3, "bert 0"), (4, "anna 0"), (5, "anna 1")):
        assert text in text_of(out, page)


def test_the_cover_says_where_each_letter_starts():
    html = cover_html([item("a"), item("b")], (2, 1), day=date(2026, 10, 22), front=1)
    assert "2\u20133" in html and "<td class=n>4</td></tr></tfoot>" in html
