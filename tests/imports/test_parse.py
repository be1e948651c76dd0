"""The parsers on casebook's own fixtures, and every kind of bad file they must refuse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from casebook.imports.camt053 import parse_camt053
from casebook.imports.coda import parse_coda
from casebook.imports.csvimport import parse_csv, parse_mapping
from casebook.imports.records import ImportProblem
from casebook.imports.ubl import parse_ubl

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
D = Decimal


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def problem(parse, name: str, data: bytes | None = None, **kw) -> ImportProblem:
    with pytest.raises(ImportProblem) as caught:
        parse(read(name) if data is None else data, file=name, **kw)
    return caught.value


def test_belgian_camt053_fields() -> None:
    (s,) = parse_camt053(read("be-camt053-structured.xml"), file="x.xml")
    assert (s.id, s.account, s.currency, s.version) == (
        "KBC-2026-226", "BE68539007547034", "EUR", "001.02")
    e = s.entries
    assert [x.amount for x in e] == [D(a) for a in (
        "1210.00", "500.00", "300.00", "250.00", "500.00", "75.00", "45.00", "1210.00", "20.00",
        "460.00")]
    assert e[0].structured_ref == "010806817183" and e[0].end_to_end == "JANS-0001"
    assert e[1].unstructured == "Betaling +++002/0260/00297+++"
    assert e[1].end_to_end == ""  # NOTPROVIDED is no reference
    assert e[5].reference.startswith("H")  # no AcctSvcrRef: content hash
    assert (e[6].credit, e[7].reversal, e[8].status) == (False, True, "PDNG")
    assert [t.amount for t in e[9].details] == [D("400.00"), D("60.00")]


def test_entry_references_stay_unique_within_a_file() -> None:
    data = read("be-camt053-structured.xml").replace(b"KBC2026112000002", b"KBC2026112000001")
    (s,) = parse_camt053(data, file="x.xml")
    refs = [x.reference for x in s.entries]
    assert refs[:2] == ["KBC2026112000001", "KBC2026112000001#2"]
    assert len(set(refs)) == len(refs)


def test_belgian_coda_fields() -> None:
    (s,) = parse_coda(read("be-coda-structured.cod"), file="x.cod")
    assert (s.account, s.currency, s.created) == ("BE68539007547034", "EUR", date(2026, 11, 20))
    assert (s.opening.amount, s.closing.amount) == (D("10000.00"), D("11415.00"))
    ogm, debit, text = s.entries
    assert (ogm.amount, ogm.credit, ogm.structured_ref) == (D("1210.00"), True, "010806817183")
    assert (ogm.payer_name, ogm.payer_iban, ogm.line) == ("BAKKERIJ JANSSENS BV",
                                                          "BE71096123456769", 3)
    assert (debit.amount, debit.credit) == (D("45.00"), False)
    assert text.unstructured == "VOORSCHOT FACTUUR 2026-0003"


# -- bad files -----------------------------------------------------------------------------

@pytest.mark.parametrize("parse", [parse_camt053, parse_ubl])
def test_billion_laughs_is_refused(parse) -> None:
    found = problem(parse, "billion-laughs.xml")
    assert found.line == 3
    assert "entity declaration 'lol' refused" in found.message
    assert "billion laughs" in found.message


@pytest.mark.parametrize("parse", [parse_camt053, parse_ubl])
def test_external_entity_is_refused(parse) -> None:
    found = problem(parse, "external-entity.xml")
    assert str(found) == (
        "external-entity.xml:3: external entity 'secret' (file:///etc/passwd) refused: "
        "casebook never lets an XML file point at other files or URLs")


def test_truncated_statement_says_where_it_broke() -> None:
    found = problem(parse_camt053, "truncated-camt053.xml")
    lines = read("truncated-camt053.xml").decode().split("\n")
    assert found.line == len(lines)
    assert found.message.startswith("the XML is malformed or truncated: no element found")
    assert f"(line {len(lines)}, column {len(lines[-1]) + 1})" in found.message


def test_coda_record_of_the_wrong_length() -> None:
    found = problem(parse_coda, "coda-wrong-length.cod")
    assert str(found) == (
        "coda-wrong-length.cod:5: record is 120 characters long; every CODA record has 128")


def _coda_lines() -> list[str]:
    return read("be-coda-structured.cod").decode("latin-1").split("\r\n")[:-1]


def test_coda_without_trailer_is_truncated() -> None:
    data = "\n".join(_coda_lines()[:-1]).encode("latin-1")
    found = problem(parse_coda, "x.cod", data)
    assert (found.line, found.message) == (
        10, "the file ends without a trailer record (9): it is truncated")


def test_coda_trailer_totals_are_checked() -> None:
    lines = _coda_lines()
    lines[-1] = lines[-1][:37] + "000000000146001" + lines[-1][52:]  # credit total 146.001
    found = problem(parse_coda, "x.cod", "\n".join(lines).encode("latin-1"))
    assert found.line == 11
    assert "credit total is 146.00 but the movements add up to 1460.00" in found.message


def test_coda_bad_amount_names_the_columns() -> None:
    lines = _coda_lines()
    lines[2] = lines[2][:32] + "00000000012100X" + lines[2][47:]
    found = problem(parse_coda, "x.cod", "\n".join(lines).encode("latin-1"))
    assert str(found) == "x.cod:3: amount (columns 33-47) is '00000000012100X', not digits"


def test_coda_refuses_other_files() -> None:
    found = problem(parse_coda, "x.cod", read("be-camt053-structured.xml"))
    assert (found.line, found.message) == (
        1, "record is 38 characters long; every CODA record has 128")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.054.001.02'>"
         b"<BkToCstmrDbtCdtNtfctn/></Document>",
         "not a camt.053 bank statement: the file holds a camt.054 debit/credit notification"),
        (b"<Invoice/>", "not a camt.053 bank statement: the file holds <Invoice>"),
        (b"<Document><BkToCstmrStmt/></Document>", "the statement file holds no statement (Stmt)"),
        (b'<?xml version="1.0" encoding="U-F-8"?><Document/>',
         "the XML declares an unknown encoding"),
    ],
)
def test_camt053_refuses_what_is_not_a_statement(data: bytes, message: str) -> None:
    assert problem(parse_camt053, "x.xml", data).message.startswith(message)


def test_camt053_bad_amount_names_statement_and_entry() -> None:
    data = read("be-camt053-structured.xml").replace(b">300.00<", b">3OO.00<")
    found = problem(parse_camt053, "x.xml", data)
    assert found.message == "statement 1, entry 3: amount '3OO.00' is not a number"


def test_ubl_refuses_a_statement_and_missing_totals() -> None:
    assert problem(parse_ubl, "x.xml", read("be-camt053-structured.xml")).message.startswith(
        "not a UBL invoice or credit note: the root element is <Document>")
    data = read("ubl-invoice-known-debtor.xml").replace(b"PayableAmount", b"DueAmount")
    assert problem(parse_ubl, "x.xml", data).message == (
        "LegalMonetaryTotal/PayableAmount is missing")


def test_ubl_own_fixtures() -> None:
    invoice = parse_ubl(read("ubl-invoice-known-debtor.xml"), file="x")
    assert (invoice.number, invoice.payable, invoice.payment_id) == (
        "2026-0100", D("1452.00"), "+++020/2611/00019+++")
    assert invoice.pdf is not None and invoice.pdf.startswith(b"%PDF-1.4")
    credit = parse_ubl(read("ubl-creditnote.xml"), file="x")
    assert (credit.credit_note, credit.billing_reference, credit.payable) == (
        True, "2026-0100", D("152.00"))


# -- CSV ------------------------------------------------------------------------------------

MAP = "number=Factuurnr,issued=Datum,due=Vervaldatum,amount=Bedrag,debtor=Klant,vat=BTW"


def test_csv_with_semicolons_and_decimal_commas() -> None:
    rows = parse_csv(read("invoices-export.csv"), file="e.csv", mapping=parse_mapping(MAP),
                     date_format="%d/%m/%Y", decimal_comma=True)
    assert [(r.number, r.issued, r.due, r.amount, r.debtor, r.vat, r.line) for r in rows] == [
        ("2026-0200", date(2026, 11, 3), date(2026, 12, 3), D("1815.00"),
         "Bakkerij Janssens BV", "", 2),
        ("2026-0201", date(2026, 11, 4), None, D("242.00"), "Frituur t Pleintje",
         "BE0654321022", 3),
        ("2026-0001", date(2026, 9, 1), date(2026, 10, 1), D("1210.00"),
         "Bakkerij Janssens BV", "", 4),
        ("2026-0202", date(2026, 11, 5), date(2026, 12, 5), D("-50.00"),
         "Bakkerij Janssens BV", "", 5),
    ]


@pytest.mark.parametrize(
    ("kw", "line", "message"),
    [
        ({"date_format": "%Y-%m-%d", "decimal_comma": True}, 2,
         "issued '03/11/2026' does not match the date format '%Y-%m-%d'"),
        ({"date_format": "%d/%m/%Y"}, 2,
         "amount '1.815,00' has a comma: use --decimal-comma"),
    ],
)
def test_csv_row_errors_name_the_line(kw: dict, line: int, message: str) -> None:
    found = problem(parse_csv, "invoices-export.csv", mapping=parse_mapping(MAP), **kw)
    assert found.line == line and found.message.startswith(message)


def test_csv_unknown_column_lists_the_header() -> None:
    mapping = parse_mapping(MAP.replace("Klant", "Debiteur"))
    found = problem(parse_csv, "invoices-export.csv", mapping=mapping)
    assert found.line == 1
    assert found.message.startswith("column 'Debiteur' (for debtor) is not in the header")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("number=A,issued=B,amount=C", "--map must name a column for debtor"),
        ("number=A,issued=B,amount=C,debtor=D,colour=E", "unknown field 'colour'"),
        ("number=A,issued=B,amount=C,debtor", "'debtor' is not field=Column"),
        ("number=A,number=B", "field 'number' is mapped twice"),
    ],
)
def test_csv_mapping_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_mapping(text)
    assert str(caught.value).startswith(message)


# -- never a traceback ----------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PARSERS = [
    (parse_camt053, "be-camt053-structured.xml"),
    (parse_coda, "be-coda-structured.cod"),
    (parse_ubl, "ubl-invoice-known-debtor.xml"),
]


@settings(max_examples=150, deadline=None)
@given(which=st.integers(0, len(_PARSERS) - 1), cut=st.integers(0, 10_000),
       position=st.integers(0, 10_000), byte=st.integers(0, 255))
def test_damaged_files_give_an_import_problem_or_records(
    which: int, cut: int, position: int, byte: int
) -> None:
    """Truncated or corrupted files either still parse or raise ImportProblem, never
    anything else."""
    parse, name = _PARSERS[which]
    data = bytearray(read(name))
    data[position % len(data)] = byte
    damaged = bytes(data[: max(1, cut % (len(data) + 1))])
    try:
        parse(damaged, file=name)
    except ImportProblem as found:
        assert found.file == name and found.message
