"""Imports into real books (git repositories in tmp_path): files written, one commit each,
nothing written on bad input, and a second import of the same file books nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from casebook.money.balance import allocate
from casebook.cli import main
from casebook.imports.apply import ImportFailed, import_statements
from casebook.imports.invoices import DocStatus, import_documents
from casebook.imports.reconcile import Status
from casebook.imports.ubl import parse_ubl
from casebook.book.load import load_book
from tests.conftest import git

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
D = Decimal

BOOK = {
    "cases/transport-peeters/debtor.yaml": "name: Transport Peeters NV\niban: BE19 3630 7488 1212\n",
    "cases/transport-peeters/invoices/2026-0002.yaml":
        'number: "2026-0002"\nissued: 2026-10-01\ndue: 2026-10-31\namount: "500.00"\n',
    "cases/transport-peeters/invoices/2026-0003.yaml":
        'number: "2026-0003"\nissued: 2026-10-15\ndue: 2026-11-14\namount: "750.00"\n',
    "cases/tom-claes/debtor.yaml": "name: Tom Claes\nkind: consumer\n",
    "cases/tom-claes/invoices/2026-0004.yaml":
        'number: "2026-0004"\nissued: 2026-10-01\ndue: 2026-10-31\namount: "300.00"\n'
        "reference: RF47 2026 0004\n",
    "cases/menuiserie-dubois/debtor.yaml": "name: Menuiserie Dubois SRL\n",
    "cases/menuiserie-dubois/invoices/2026-0005.yaml":
        'number: "2026-0005"\nissued: 2026-10-01\ndue: 2026-10-31\namount: "400.00"\n',
}


def fixture(name: str) -> tuple[str, bytes]:
    return (name, (FIXTURES / name).read_bytes())


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def status(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


@pytest.fixture
def book(make_book) -> Path:
    return make_book(BOOK)


def test_belgian_statement_is_booked_in_one_commit(book: Path) -> None:
    before = head(book)
    result = import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053")
    assert git(book, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert result.commit == head(book) and status(book) == ""
    outcomes = [(o.status, o.entry.amount, o.case_id, o.invoice, o.method)
                for o in result.reconciliation.outcomes]
    assert outcomes == [
        (Status.MATCHED, D("1210.00"), "janssens", "2026-0001", "reference"),
        (Status.MATCHED, D("500.00"), "transport-peeters", "2026-0002", "reference"),
        (Status.MATCHED, D("300.00"), "tom-claes", "2026-0004", "reference"),
        (Status.MATCHED, D("250.00"), "transport-peeters", "2026-0003", "invoice-number"),
        (Status.MATCHED, D("500.00"), "transport-peeters", "2026-0003", "iban-amount"),
        (Status.UNMATCHED, D("75.00"), "", None, None),
        (Status.IGNORED, D("45.00"), "", None, None),
        (Status.IGNORED, D("1210.00"), "", None, None),
        (Status.IGNORED, D("20.00"), "", None, None),
        (Status.MATCHED, D("400.00"), "menuiserie-dubois", "2026-0005", "reference"),
        (Status.UNMATCHED, D("60.00"), "", None, None),
    ]
    assert [o.reason for o in result.reconciliation.ignored] == [
        "debit", "reversal", "not booked (status PDNG)"]
    changed = git(book, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == [
        "cases/janssens/payments/2026-11-20-kbc2026112000001.yaml",
        "cases/menuiserie-dubois/payments/2026-11-20-kbc2026112000010-1.yaml",
        "cases/tom-claes/payments/2026-11-20-kbc2026112000003.yaml",
        "cases/transport-peeters/payments/2026-11-20-kbc2026112000002.yaml",
        "cases/transport-peeters/payments/2026-11-20-kbc2026112000004.yaml",
        "cases/transport-peeters/payments/2026-11-20-kbc2026112000005.yaml",
        "imports/unmatched/camt053-kbc-2026-226.yaml",
    ]
    assert (book / changed[0]).read_text() == (
        'date: 2026-11-20\namount: "1210.00"\ninvoice: 2026-0001\n'
        "reference: KBC2026112000001\nsource: camt053:be-camt053-structured.xml\n")
    message = git(book, "log", "-1", "--format=%B")
    assert message.startswith("Import camt053: 6 payments booked, 2 to review\n")
    assert ("- janssens: 1210.00 EUR on 2026-11-20, invoice 2026-0001 (reference "
            "+++010/8068/17183+++ of invoice 2026-0001); entry KBC2026112000001") in message
    assert "Casebook-Import: camt053" in message


def test_the_review_file_keeps_every_unmatched_credit(book: Path) -> None:
    result = import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053")
    (path,) = result.review_files
    review = yaml.safe_load((book / path).read_text())
    assert {k: review[k] for k in ("format", "file", "statement", "account")} == {
        "format": "camt053", "file": "be-camt053-structured.xml", "statement": "KBC-2026-226",
        "account": "BE68539007547034"}
    first, second = review["entries"]
    assert first["reference"].startswith("H") and first["amount"] == "75.00"
    assert (first["payer"], first["iban"], first["text"]) == (
        "Onbekende Betaler", "BE43068999999501", "bedankt voor alles")
    assert first["reason"] == "no reference, invoice number or known IBAN"
    assert (second["reference"], second["amount"], second["payer"]) == (
        "KBC2026112000010/2", "60.00", "Club Sportif")


def test_importing_the_same_statement_twice_books_nothing(book: Path) -> None:
    import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053")
    after_first = head(book)
    again = import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053")
    assert again.commit is None and again.files == {}
    assert head(book) == after_first and status(book) == ""
    assert {o.status for o in again.reconciliation.outcomes} == {Status.SKIPPED, Status.IGNORED}
    assert len(again.reconciliation.skipped) == 8


def test_a_reviewed_entry_booked_by_hand_is_not_imported_again(book: Path) -> None:
    """`casebook pay` (or a person) books a reviewed entry with its reference: the review file
    stays as it was, and the entry stays skipped."""
    result = import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053")
    ref = yaml.safe_load((book / result.review_files[0]).read_text())["entries"][0]["reference"]
    (book / "cases/janssens/payments/manual.yaml").write_text(
        f'date: 2026-11-20\namount: "75.00"\nreference: {ref}\n')
    git(book, "add", "-A")
    git(book, "commit", "-qm", "booked by hand")
    again = import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053")
    assert again.commit is None


def test_payments_reach_the_balances(book: Path) -> None:
    import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053")
    loaded = load_book(book, cache=False)
    assert loaded.problems == []
    for case in loaded.book.cases.values():
        assert allocate(case.invoices, case.payments).open == 0, case.id


def test_coda_statement_books_the_structured_communication(book: Path) -> None:
    result = import_statements(book, [fixture("be-coda-structured.cod")], kind="coda")
    assert [(o.status, o.case_id, o.invoice) for o in result.reconciliation.outcomes] == [
        (Status.MATCHED, "janssens", "2026-0001"),
        (Status.IGNORED, "", None),
        (Status.MATCHED, "transport-peeters", "2026-0003"),
    ]
    payment = yaml.safe_load(
        (book / "cases/janssens/payments/2026-11-20-kbc26112000000000001.yaml").read_text())
    assert payment["reference"] == "KBC26112000000000001-20261120"
    assert payment["source"] == "coda:be-coda-structured.cod"


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("billion-laughs.xml", "camt053", "billion-laughs.xml:3: entity declaration 'lol' refused"),
        ("external-entity.xml", "camt053", "external-entity.xml:3: external entity 'secret'"),
        ("truncated-camt053.xml", "camt053", "truncated-camt053.xml:62: the XML is malformed or "
         "truncated"),
        ("coda-wrong-length.cod", "coda", "coda-wrong-length.cod:5: record is 120 characters"),
    ],
)
def test_a_bad_file_writes_nothing(book: Path, name: str, kind: str, expected: str) -> None:
    good = "be-camt053-structured.xml" if kind == "camt053" else "be-coda-structured.cod"
    before = head(book)
    with pytest.raises(ImportFailed) as caught:
        import_statements(book, [fixture(good), fixture(name)], kind=kind)
    assert [str(p) for p in caught.value.import_problems][0].startswith(expected)
    assert str(caught.value) == "nothing imported: 1 file could not be read"
    assert head(book) == before and status(book) == ""


def test_dry_run_writes_nothing(book: Path) -> None:
    before = head(book)
    result = import_statements(book, [fixture("be-camt053-structured.xml")], kind="camt053",
                               dry_run=True)
    assert len(result.reconciliation.matched) == 6 and result.commit is None
    assert len(result.files) == 7
    assert head(book) == before and status(book) == ""


# -- the command line ------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_camt053(book: Path) -> None:
    path = str(FIXTURES / "be-camt053-structured.xml")
    result = run("import", "camt053", path, "--book", str(book))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: statement KBC-2026-226 (BE68539007547034), 10 entries"
    assert ("  booked   1210.00 EUR 2026-11-20 janssens, invoice 2026-0001: reference "
            "+++010/8068/17183+++ of invoice 2026-0001") in lines
    assert "  ignored  -45.00 EUR 2026-11-20 Immo Verhuur BE30068213097711: debit" in lines
    assert "Unmatched credits kept for review in imports/unmatched/camt053-kbc-2026-226.yaml" in lines
    assert lines[-1].startswith("Committed ") and lines[-1].endswith(
        ": 6 payment(s) booked, 2 kept for review.")
    again = run("import", "camt053", path, "--book", str(book), "--json")
    assert again.exit_code == 0
    data = json.loads(again.output)
    assert data["commit"] is None
    assert {o["status"] for o in data["outcomes"]} == {"skipped", "ignored"}


def test_cli_bad_file_exits_1_with_path_and_line(book: Path) -> None:
    result = CliRunner().invoke(
        main, ["import", "coda", str(FIXTURES / "coda-wrong-length.cod"), "--book", str(book)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{FIXTURES / 'coda-wrong-length.cod'}:5: record is 120 characters long; every CODA "
        "record has 128",
        "Error: nothing imported: 1 file could not be read",
    ]
    assert status(book) == ""


def test_cli_help_of_every_import_command() -> None:
    for name in ("camt053", "coda", "ubl", "csv"):
        result = run("import", name, "--help")
        assert result.exit_code == 0 and "--dry-run" in result.output


# -- invoices ----------------------------------------------------------------------------------

def test_ubl_invoice_credit_note_and_new_debtor(make_book) -> None:
    root = make_book({"cases/janssens/debtor.yaml":
                      "name: Bakkerij Janssens BV\nvat: BE0477472701\n"})
    docs = [parse_ubl((FIXTURES / n).read_bytes(), file=n) for n in (
        "ubl-creditnote.xml", "ubl-invoice-known-debtor.xml", "ubl-invoice-new-debtor.xml")]
    result = import_documents(root, docs, kind="ubl")
    assert [(o.status, o.case_id, o.new_case) for o in result.outcomes] == [
        (DocStatus.IMPORTED, "janssens", False),
        (DocStatus.IMPORTED, "janssens", False),
        (DocStatus.IMPORTED, "garage-de-wilde-bv", True),
    ]
    assert result.outcomes[1].reason == "debtor janssens found by VAT BE0477472701"
    assert status(root) == ""
    assert yaml.safe_load((root / "cases/janssens/invoices/2026-0100.yaml").read_text()) == {
        "number": "2026-0100", "issued": date(2026, 11, 2),
        "due": date(2026, 12, 2), "amount": "1452.00",
        "currency": "EUR", "description": "Webdesign november",
        "reference": "+++020/2611/00019+++", "attachment": "invoices/2026-0100.pdf"}
    assert (root / "cases/janssens/invoices/2026-0100.pdf").read_bytes() == docs[1].pdf
    debtor = yaml.safe_load((root / "cases/garage-de-wilde-bv/debtor.yaml").read_text())
    assert debtor == {"name": "Garage De Wilde BV", "kind": "business",
                      "email": "boekhouding@garagedewilde.be",
                      "address": {"street": "Steenweg 200", "postcode": "8500",
                                  "city": "Kortrijk", "country": "BE"},
                      "vat": "BE0812345603"}
    loaded = load_book(root, cache=False)
    assert loaded.problems == []
    invoice = next(i for i in loaded.book.cases["janssens"].invoices if i.number == "2026-0100")
    assert invoice.credited == D("152.00")
    again = import_documents(root, docs, kind="ubl")
    assert again.commit is None
    assert {o.status for o in again.outcomes} == {DocStatus.SKIPPED}


def test_ubl_credit_note_for_an_unknown_invoice_is_refused(make_book) -> None:
    root = make_book()
    doc = parse_ubl((FIXTURES / "ubl-creditnote.xml").read_bytes(), file="cn.xml")
    result = import_documents(root, [doc], kind="ubl")
    assert [(o.status, o.reason) for o in result.outcomes] == [
        (DocStatus.REJECTED, "it credits invoice 2026-0100, which is not in the book")]
    assert result.commit is None and status(root) == ""


def test_cli_csv(make_book) -> None:
    root = make_book({"cases/frituur/debtor.yaml": "name: Frituur 't Pleintje\n"})
    result = CliRunner().invoke(main, [
        "import", "csv", str(FIXTURES / "invoices-export.csv"), "--book", str(root),
        "--map", "number=Factuurnr,issued=Datum,due=Vervaldatum,amount=Bedrag,debtor=Klant,vat=BTW",
        "--date-format", "%d/%m/%Y", "--decimal-comma"])
    assert result.exit_code == 1  # one row refused; the others are committed
    assert "rejected" in result.stderr and "2026-0202" in result.stderr
    assert "Committed" in result.stdout
    janssens = yaml.safe_load((root / "cases/janssens/invoices/2026-0200.yaml").read_text())
    assert janssens["amount"] == "1815.00"
    new = yaml.safe_load((root / "cases/frituur-t-pleintje/invoices/2026-0201.yaml").read_text())
    assert str(new["due"]) == "2026-12-04"  # no due date: 30 days
    assert yaml.safe_load((root / "cases/frituur-t-pleintje/debtor.yaml").read_text())["vat"] == (
        "BE0654321022")
    assert status(root) == "" and load_book(root, cache=False).problems == []


# -- the example book ----------------------------------------------------------------------------

def test_statement_reconciles_against_the_example_book(tmp_path: Path) -> None:
    from casebook.book.newbook import create_book

    root = create_book(tmp_path / "demo", demo=True)
    result = import_statements(root, [fixture("be-camt053-example-book.xml")], kind="camt053")
    assert [(o.status, o.case_id, o.invoice, o.method) for o in result.reconciliation.outcomes] == [
        (Status.MATCHED, "brasserie-du-marche", "2026-0118", "reference"),
        (Status.MATCHED, "fysio-verbeke", "2026-0134", "reference"),
        (Status.MATCHED, "fysio-verbeke", "2026-0161", "iban-amount"),
        (Status.MATCHED, "northbridge-consulting", "2026-0145", "invoice-number"),
        (Status.MATCHED, "dekker-installatietechniek", "2026-0121", "reference"),
        (Status.UNMATCHED, "", None, None),
        (Status.IGNORED, "", None, None),
    ]
    assert status(root) == ""
    loaded = load_book(root, cache=False)
    fysio = loaded.book.cases["fysio-verbeke"]
    assert allocate(fysio.invoices, fysio.payments).open == 0
