"""Every public sample file in ../shared/samples/ imports, with the figures SOURCES.md lists.

The samples are not part of the repository. They are found through CASEBOOK_SAMPLES
(default: ../shared/samples beside the repository). Without them these tests skip, unless
CASEBOOK_REQUIRE_SAMPLES=1 (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from casebook.imports.camt053 import parse_camt053
from casebook.imports.coda import parse_coda
from casebook.imports.reconcile import Status, payment_lines, reconcile
from casebook.imports.records import Statement
from casebook.imports.ubl import parse_ubl
from casebook.book.model import Book, Case, Creditor, Invoice, Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLES = Path(os.environ.get("CASEBOOK_SAMPLES") or REPO.parent / "shared" / "samples")
D = Decimal


@pytest.fixture(scope="module")
def samples() -> Path:
    if not (SAMPLES / "SOURCES.md").is_file():
        reason = (f"sample files not found at {SAMPLES} (set CASEBOOK_SAMPLES to the folder "
                  "holding SOURCES.md, camt053/, coda/ and ubl/)")
        if os.environ.get("CASEBOOK_REQUIRE_SAMPLES") == "1":
            pytest.fail(reason + "; CASEBOOK_REQUIRE_SAMPLES=1 requires them")
        pytest.skip(reason)
    return SAMPLES


def camt(samples: Path, name: str) -> tuple[Statement, ...]:
    return parse_camt053((samples / "camt053" / name).read_bytes(), file=name)


def coda(samples: Path, name: str) -> tuple[Statement, ...]:
    return parse_coda((samples / "coda" / name).read_bytes(), file=name)


def summary(statement: Statement) -> list[tuple[Decimal, bool, bool]]:
    return [(e.amount, e.credit, e.reversal) for e in statement.entries]


def test_every_sample_file_is_covered(samples: Path) -> None:
    """A sample added to the folder must get its own assertions here."""
    names = {p.relative_to(samples).as_posix() for p in samples.rglob("*") if p.is_file()}
    assert names == {
        "SOURCES.md",
        "camt053/test-camt053",
        "camt053/test-camt053-txdtls",
        "camt053/valid_example_v8.xml",
        "camt053/valid_example_with_batch.xml",
        "camt053/camt053.v4.xml",
        "coda/Ontvangen_CODA.2012-01-11-18.59.15.txt",
        "coda/Coda_iban_v2_3_multi_statements.txt",
        "ubl/base-example.xml",
        "ubl/Allowance-example.xml",
        "ubl/base-creditnote-correction.xml",
        "ubl/base-negative-inv-correction.xml",
        "ubl/Norwegian-example-1.xml",
        "ubl/UBLBE_BE0000000196_V01-15000001.xml",
    }


# -- camt.053 ------------------------------------------------------------------------------

def test_oca_camt053_v02_without_declaration(samples: Path) -> None:
    (s,) = camt(samples, "test-camt053")
    assert (s.version, s.id, s.account, s.currency) == ("001.02", "1234Test/1",
                                                        "NL77ABNA0574908765", "EUR")
    assert s.opening.amount == D("15568.27") and s.closing.amount == D("15121.12")
    assert s.created == date(2014, 1, 6)
    assert summary(s) == [(D("754.25"), False, False), (D("664.05"), False, True),
                          (D("1405.31"), True, False)]
    debit, returned, credit = s.entries
    assert debit.bank_code == "PMNT/RDDT/ESDD"
    assert debit.unstructured == "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014"
    assert debit.end_to_end == "435005714488-ABNO33052620"
    assert debit.payer_name == "INSURANCE COMPANY TESTX"
    assert [t.amount for t in returned.details] == [D("564.05"), D("100.00")]
    assert returned.unstructured == "Direct Debit S14 0410"
    assert (credit.payer_name, credit.payer_iban) == ("3rd party Media", "NL69ABNA0522123643")
    assert (credit.end_to_end, credit.bank_code) == ("115", "PMNT/RCDT/ESCT")
    assert credit.unstructured == "" and credit.structured_ref == ""
    assert credit.info == "#RD PARTY MEDIA CUSNO 90782 4210773"
    assert all(e.booking_date == date(2014, 1, 5) for e in s.entries)
    # No AcctSvcrRef: a stable content reference, the same on every read.
    assert credit.reference == camt(samples, "test-camt053")[0].entries[2].reference
    assert len({e.reference for e in s.entries}) == 3


def test_oca_camt053_v04_swiss_batch(samples: Path) -> None:
    (s,) = camt(samples, "test-camt053-txdtls")
    assert (s.version, s.account, s.currency) == ("001.04", "CH1111000000123456789", "CHF")
    assert (s.opening.amount, s.closing.amount) == (D("75960.15"), D("79443.15"))
    (entry,) = s.entries
    assert (entry.amount, entry.credit, entry.currency) == (D("3483.00"), True, "CHF")
    assert (entry.booking_date, entry.value_date) == (date(2017, 3, 22), date(2017, 3, 23))
    assert entry.bank_code == "PMNT/RCDT/VCOM"
    assert entry.info.startswith("CRÉDIT GROUPÉ BVR")
    assert [(t.amount, t.structured_ref) for t in entry.details] == [
        (D("2187.00"), "302388292000011111111111111"),
        (D("1296.00"), "302388292000022222222222222"),
    ]
    assert {t.payer_name for t in entry.details} == {"Banque Cantonale Vaudoise"}
    # The batch splits into its two transfers, each with its own reference.
    lines = payment_lines(entry)
    assert [(line.amount, line.reference) for line in lines] == [
        (D("2187.00"), "20170323001234567891234567891234/1"),
        (D("1296.00"), "20170323001234567891234567891234/2"),
    ]


def test_viafintech_camt053_v08(samples: Path) -> None:
    (s,) = camt(samples, "valid_example_v8.xml")
    assert (s.version, s.account, s.currency) == ("001.08", "CH1111111111111111111", "CHF")
    assert (s.opening.amount, s.closing.amount) == (D("82721.95"), D("84515.25"))
    assert [(e.amount, e.currency, e.credit) for e in s.entries] == [
        (D("474.4"), "CHF", True), (D("88.85"), "CHF", True), (D("20.97"), "EUR", False)]
    jon, finanz, dhl = s.entries
    assert all(e.status == "BOOK" for e in s.entries)  # v8 <Sts><Cd>BOOK</Cd></Sts>
    assert (jon.payer_name, jon.unstructured) == ("Jon Doe", "INVOICE R77561")
    assert jon.end_to_end == "80000004540000100095"
    assert (finanz.payer_name, finanz.structured_ref) == ("Finanz AG", "RF38000000000000000000552")
    assert (dhl.payer_name, dhl.structured_ref) == ("DHL Express (Schweiz) AG",
                                                    "000000270148751802165444888")


def test_viafintech_camt053_batch_without_amounts(samples: Path) -> None:
    (s,) = camt(samples, "valid_example_with_batch.xml")
    assert (s.version, s.account) == ("001.02", "NL18INGB00012345678")
    assert (s.opening.amount, s.closing.amount) == (D("7329.80"), D("23038.20"))
    assert summary(s) == [(D("4753.74"), False, False), (D("2688.00"), True, False),
                          (D("5000.00"), True, False)]
    _, test, bedrijf = s.entries
    assert (test.payer_name, test.unstructured, test.end_to_end) == (
        "TEST", "TERUGGAAF", "GBSXX21170607391766562")
    assert (bedrijf.payer_name, bedrijf.payer_iban) == ("Bedrijf BV", "NL11INGB0001234567")
    assert bedrijf.unstructured == "" and bedrijf.structured_ref == ""


def test_genkgo_camt053_v04_bba_reference_that_is_no_ogm(samples: Path) -> None:
    (s,) = camt(samples, "camt053.v4.xml")
    assert s.account == "NL26VAYB8060476890"  # Acct/Id/Othr/Id, not IBAN
    assert (s.opening.amount, s.opening.currency) == (D("18.15"), "EUR")
    assert (s.closing.amount, s.closing.currency) == (D("-27.00"), "SEK")
    (entry,) = s.entries
    assert (entry.amount, entry.currency, entry.credit) == (D("8.85"), "EUR", True)
    assert (entry.booking_date, entry.value_date) == (date(2014, 12, 31), date(2015, 1, 2))
    assert entry.structured_ref == "4654654654654654"
    book = _book(Invoice("2026-0001", date(2026, 1, 1), date(2026, 2, 1), D("8.85"), "x"))
    (outcome,) = reconcile(book, [s]).outcomes
    assert outcome.status == Status.UNMATCHED
    assert "neither a valid structured communication nor an RF reference" in outcome.reason


def _book(*invoices: Invoice) -> Book:
    case = Case(id="x", name="X", invoices=invoices)
    return Book(settings=Settings(creditor=Creditor(name="Us")), policies={},
                cases={"x": case})


def test_rf_reference_of_the_v8_sample_reconciles(samples: Path) -> None:
    (s,) = camt(samples, "valid_example_v8.xml")
    invoice = Invoice("R77561", date(2023, 6, 1), date(2023, 6, 30), D("88.85"), "x",
                      currency="CHF", reference="RF38000000000000000000552")
    book = Book(settings=Settings(creditor=Creditor(name="Us"), currency="CHF"), policies={},
                cases={"x": Case(id="x", name="X", invoices=(invoice,))})
    outcomes = reconcile(book, [s]).outcomes
    assert [(o.status, o.invoice, o.method) for o in outcomes] == [
        (Status.MATCHED, "R77561", "invoice-number"),  # "INVOICE R77561" in the text
        (Status.MATCHED, "R77561", "reference"),
        (Status.IGNORED, None, None),
    ]


# -- CODA ----------------------------------------------------------------------------------

def test_ontvangen_coda(samples: Path) -> None:
    (s,) = coda(samples, "Ontvangen_CODA.2012-01-11-18.59.15.txt")
    assert (s.account, s.currency, s.created, s.version) == (
        "BE46737018594236", "EUR", date(2012, 1, 11), "2")
    assert (s.opening.amount, s.opening.date) == (D("11812.70"), date(2010, 7, 27))
    assert (s.closing.amount, s.closing.date) == (D("13646.05"), date(2012, 1, 11))
    assert [(e.amount, e.credit) for e in s.entries] == [
        (D("435.00"), False), (D("3044.45"), True), (D("479.04"), False),
        (D("479.04"), False), (D("63.74"), True)]
    first, ogm, globalised, _, refund = s.entries
    assert (first.bank_code, first.unstructured) == ("00101000", "MEDEDELING")
    assert (first.payer_name, first.payer_iban) == ("PARTNER 1", "BE41063012345610")
    assert ogm.structured_ref == "240283842818"
    assert (ogm.bank_code, ogm.value_date) == ("00150000", date(2012, 1, 11))
    assert (ogm.payer_name, ogm.payer_iban) == ("PARTNER 2", "BE61310126985517")
    assert [t.amount for t in globalised.details] == [D("419.92"), D("59.12")]
    assert globalised.unstructured == "KBC-INVESTERINGSKREDIET 737-6543210-21"
    assert refund.unstructured == "TERUGGAVE 37232481 8400083296 ."
    assert (refund.payer_name, refund.payer_iban) == ("KBC VERZEKERINGEN NV", "BE43730004200601")
    assert len({e.reference for e in s.entries}) == 5


def test_ontvangen_coda_structured_communication_reconciles(samples: Path) -> None:
    (s,) = coda(samples, "Ontvangen_CODA.2012-01-11-18.59.15.txt")
    invoice = Invoice("2012-0007", date(2011, 12, 1), date(2011, 12, 31), D("3044.45"), "x",
                      reference="+++240/2838/42818+++")
    matched = reconcile(_book(invoice), [s]).matched
    assert [(o.entry.amount, o.invoice, o.method) for o in matched] == [
        (D("3044.45"), "2012-0007", "reference")]


def test_coda_two_statements_in_one_file(samples: Path) -> None:
    first, second = coda(samples, "Coda_iban_v2_3_multi_statements.txt")
    assert (first.account, second.account) == ("BE13001676096039", "BE13001676096039")
    assert (first.created, second.created) == (date(2014, 3, 29), date(2014, 3, 31))
    assert (first.opening.amount, first.closing.amount) == (D("39698.09"), D("39575.69"))
    assert (second.opening.amount, second.closing.amount) == (D("39575.69"), D("139575.69"))
    (fee,) = first.entries
    assert (fee.amount, fee.credit, fee.unstructured) == (D("122.40"), False,
                                                          "PREVENTION ET PROTECTION")
    assert (fee.payer_name, fee.payer_iban) == ("VZW SOCIAAL SECRET.SECUREX", "BE11290006307748")
    (transfer,) = second.entries
    assert (transfer.amount, transfer.credit, transfer.bank_code) == (
        D("100000.00"), True, "30150000")
    assert (transfer.payer_name, transfer.payer_iban) == ("LINE MARKET SA", "NL34BKMG0261239759")
    assert transfer.structured_ref == ""  # its detail's type 105 is no structured communication


# -- UBL -----------------------------------------------------------------------------------

def ubl(samples: Path, name: str):
    return parse_ubl((samples / "ubl" / name).read_bytes(), file=name)


def test_peppol_base_example(samples: Path) -> None:
    doc = ubl(samples, "base-example.xml")
    assert (doc.number, doc.credit_note, doc.type_code) == ("Snippet1", False, "380")
    assert (doc.issued, doc.due) == (date(2017, 11, 13), date(2017, 12, 1))
    assert (doc.payable, doc.currency, doc.payment_id) == (D("1656.25"), "EUR", "Snippet1")
    buyer = doc.buyer
    assert (buyer.name, buyer.vat, buyer.endpoint) == (
        "Buyer Official Name", "SE4598375937", "0002:FR23342")
    assert (buyer.country, buyer.email) == ("SE", "lj@buyer.se")
    assert doc.pdf is None


def test_peppol_allowance_example(samples: Path) -> None:
    doc = ubl(samples, "Allowance-example.xml")
    assert (doc.number, doc.payable, doc.currency) == ("Snippet1", D("6125.00"), "EUR")
    assert (doc.issued, doc.due) == (date(2017, 11, 13), date(2017, 12, 1))
    assert doc.buyer.endpoint == "0002:4598375937"


def test_peppol_credit_note(samples: Path) -> None:
    doc = ubl(samples, "base-creditnote-correction.xml")
    assert (doc.credit_note, doc.type_code, doc.number) == (True, "381", "Snippet1")
    assert (doc.billing_reference, doc.due) == ("Snippet1", None)
    assert (doc.issued, doc.payable, doc.currency) == (date(2017, 11, 13), D("1656.25"), "EUR")


def test_peppol_negative_invoice(samples: Path) -> None:
    doc = ubl(samples, "base-negative-inv-correction.xml")
    assert (doc.number, doc.credit_note, doc.payable) == ("Correction1", False, D("-1656.25"))
    assert doc.billing_reference == "Snippet1"


def test_peppol_norwegian_example(samples: Path) -> None:
    doc = ubl(samples, "Norwegian-example-1.xml")
    assert (doc.number, doc.issued, doc.due) == ("TOSL108", date(2013, 6, 30), date(2013, 7, 20))
    assert (doc.payable, doc.currency, doc.payment_id) == (D("802.00"), "NOK", "0003434323213231")
    assert (doc.buyer.name, doc.buyer.endpoint) == ("Buyercompany ASA", "0192:987654325")
    assert doc.pdf is None  # labelled application/pdf, but the content is not a PDF


def test_ubl_be_with_embedded_pdf(samples: Path) -> None:
    doc = ubl(samples, "UBLBE_BE0000000196_V01-15000001.xml")
    assert (doc.number, doc.issued, doc.due) == ("V01/15000001", date(2018, 4, 9), date(2018, 5, 9))
    assert (doc.payable, doc.currency, doc.payment_id) == (D("484"), "EUR", "Invoice 15000001")
    buyer = doc.buyer
    assert (buyer.name, buyer.vat, buyer.endpoint) == (
        "My Customer Company", "BE0000000295", "0208:0000000295")
    assert doc.customization.endswith("urn:UBL.BE:1.0.0.20180214")
    assert doc.pdf_name == "15000001.pdf"
    assert doc.pdf is not None and doc.pdf.startswith(b"%PDF-") and b"%%EOF" in doc.pdf[-16:]


# -- into a book ---------------------------------------------------------------------------

def test_every_statement_sample_imports_into_a_book(samples: Path, make_book) -> None:
    from casebook.imports.apply import import_statements

    root = make_book({
        "cases/partner-2/debtor.yaml": "name: Partner 2 BV\n",
        "cases/partner-2/invoices/2012-0007.yaml": (
            'number: "2012-0007"\nissued: 2011-12-01\ndue: 2011-12-31\namount: "3044.45"\n'
            'reference: +++240/2838/42818+++\n'),
    })
    for kind, folder in (("camt053", "camt053"), ("coda", "coda")):
        files = [(str(p), p.read_bytes()) for p in sorted((samples / folder).iterdir())]
        result = import_statements(root, files, kind=kind)
        assert result.book_problems == 0
        assert result.commit is not None
    assert (root / "cases/partner-2/payments/2012-01-11-ol4414ac8bovsovsovers.yaml").read_text() == (
        'date: 2012-01-11\namount: "3044.45"\ninvoice: 2012-0007\n'
        "reference: OL4414AC8BOVSOVSOVERS-20120111\n"
        "source: coda:Ontvangen_CODA.2012-01-11-18.59.15.txt\n")


def test_every_ubl_sample_imports_or_is_refused(samples: Path, make_book) -> None:
    from casebook.imports.invoices import DocStatus, import_documents

    root = make_book()
    names = ["base-example.xml", "Allowance-example.xml", "base-creditnote-correction.xml",
             "base-negative-inv-correction.xml", "Norwegian-example-1.xml",
             "UBLBE_BE0000000196_V01-15000001.xml"]
    docs = [ubl(samples, name) for name in names]
    result = import_documents(root, docs, kind="ubl")
    got = {(o.file, o.status) for o in result.outcomes}
    assert got == {
        ("base-example.xml", DocStatus.IMPORTED),
        ("Allowance-example.xml", DocStatus.REJECTED),  # the same number, Snippet1
        ("base-creditnote-correction.xml", DocStatus.IMPORTED),
        ("base-negative-inv-correction.xml", DocStatus.REJECTED),
        ("Norwegian-example-1.xml", DocStatus.REJECTED),  # NOK
        ("UBLBE_BE0000000196_V01-15000001.xml", DocStatus.IMPORTED),
    }
    pdf = root / "cases/my-customer-company/invoices/v01-15000001.pdf"
    assert pdf.read_bytes() == docs[-1].pdf
    from casebook.book.load import load_book

    loaded = load_book(root, cache=False)
    assert loaded.problems == []
    snippet = loaded.book.cases["buyer-official-name"].invoices[0]
    assert (snippet.number, snippet.amount, snippet.credited) == ("Snippet1", D("1656.25"),
                                                                  D("1656.25"))
    mine = loaded.book.cases["my-customer-company"]
    assert mine.vat == "BE0000000295"
    assert mine.invoices[0].attachment == "invoices/v01-15000001.pdf"
