"""`casebook new debtor` and `casebook new invoice` on books made by `casebook init`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.book.check import check
from casebook.cli import main
from casebook.cli import new as new_cli
from tests.conftest import git


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "b"
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def terminal(monkeypatch):
    """As if a person were at the keyboard (CliRunner's stdin is no terminal)."""
    monkeypatch.setattr(new_cli, "interactive", lambda: True)


def run(root: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, [*args, "--book", str(root)], input=input)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def assert_clean(root: Path) -> None:
    assert git(root, "status", "--porcelain") == ""
    _, problems = check(root, cache=False)
    assert [str(p) for p in problems] == []


def assert_unchanged(root: Path, before: str) -> None:
    assert head(root) == before
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""


def add_debtor(root: Path, case_id: str = "janssens", name: str = "Bakkerij Janssens BV") -> None:
    result = run(root, "new", "debtor", case_id, "--name", name)
    assert result.exit_code == 0, result.output


# -- debtors ---------------------------------------------------------------------------------


def test_new_debtor_from_flags_writes_one_commit(book):
    before = head(book)
    result = run(book, "new", "debtor", "--name", "Bakkerij Janssens BV",
                 "--email", "info@janssens.be", "--street", "Kerkstraat 1",
                 "--postcode", "9000", "--city", "Gent", "--country", "be",
                 "--kind", "business", "--vat", "BE0403170701", "--language", "fr",
                 "--policy", "reliable")
    assert result.exit_code == 0, result.output
    assert "Recorded cases/bakkerij-janssens-bv/debtor.yaml" in result.output
    text = (book / "cases/bakkerij-janssens-bv/debtor.yaml").read_text()
    assert text == (
        "name: Bakkerij Janssens BV\nkind: business\nlanguage: fr\npolicy: reliable\n"
        "email: info@janssens.be\naddress:\n  street: Kerkstraat 1\n  postcode: '9000'\n"
        "  city: Gent\n  country: BE\nvat: BE0403170701\n"
    )
    assert git(book, "rev-parse", "HEAD~1").strip() == before
    assert git(book, "show", "--name-only", "--format=%s", "HEAD").split() == [
        "bakkerij-janssens-bv:", "new", "debtor", "Bakkerij", "Janssens", "BV",
        "cases/bakkerij-janssens-bv/debtor.yaml"]
    assert "Casebook-Case: bakkerij-janssens-bv" in git(book, "log", "-1", "--format=%B")
    assert git(book, "log", "-1", "--format=%an").strip() == "Test Operator"
    assert_clean(book)
    loaded, _ = check(book)
    assert loaded.cases["bakkerij-janssens-bv"].address.city == "Gent"


def test_the_case_id_is_derived_safely_from_the_name(book):
    result = run(book, "new", "debtor", "--name", "Café Zoë & Co / Gent")
    assert result.exit_code == 0, result.output
    assert (book / "cases/cafe-zoe-co-gent/debtor.yaml").read_text() == (
        "name: Café Zoë & Co / Gent\nkind: business\n")
    assert_clean(book)


def test_a_country_defaults_to_the_jurisdiction_with_an_address(book):
    result = run(book, "new", "debtor", "x", "--name", "X", "--city", "Gent")
    assert result.exit_code == 0, result.output
    assert "  city: Gent\n  country: BE\n" in (book / "cases/x/debtor.yaml").read_text()


def test_missing_name_without_a_terminal_is_a_usage_error(book):
    before = head(book)
    result = run(book, "new", "debtor", "--email", "a@b.be")
    assert result.exit_code == 2
    assert "missing --name" in result.output
    assert_unchanged(book, before)


@pytest.mark.parametrize("args, message", [
    (["--name", "X", "--vat", "BE0403170702"],
     "cases/x/debtor.yaml:3: `vat`: 'BE0403170702' is not a valid VAT number (check digits)"),
    (["--name", "X", "--policy", "nope"], "cases/x/debtor.yaml:3: unknown policy 'nope'"),
    (["--name", "X", "--segment", "Key Account"], "cases/x/debtor.yaml:3: `segment`:"),
    (["--name", "X", "--email", "nobody"], "email 'nobody' is not an email address"),
    (["--name", "   "], "give the debtor's name"),
])
def test_invalid_debtors_are_refused_and_nothing_is_written(book, args, message):
    before = head(book)
    result = run(book, "new", "debtor", "x", *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (book / "cases/x").exists()
    assert_unchanged(book, before)


def test_an_existing_or_unsafe_folder_is_refused(book):
    add_debtor(book)
    before = head(book)
    for case_id, message in [("janssens", "cases/janssens exists already (Bakkerij Janssens BV)"),
                             ("Bad Slug", "is not a safe folder name"),
                             ("../escape", "is not a safe folder name")]:
        result = run(book, "new", "debtor", case_id, "--name", "Other")
        assert result.exit_code == 1, result.output
        assert message in result.stderr
    (book / "cases/leftover").mkdir()  # a folder that is no case yet is not overwritten
    result = run(book, "new", "debtor", "--name", "Leftover")
    assert result.exit_code == 1 and "cases/leftover exists already" in result.stderr
    assert head(book) == before


def test_a_terminal_asks_for_every_value_and_again_for_a_bad_one(book, terminal):
    answers = "\n".join([
        "Hoogland Retail B.V.",   # name
        "",                       # case id: the derived one
        "",                       # kind: business
        "en",                     # language
        "Femke de Graaf",         # contact
        "not-an-email",           # asked again
        "crediteuren@hoogland.example",
        "",                       # phone: none
        "Catharijnesingel 52", "3511 GC", "Utrecht",
        "NL",                     # country
        "NL123",                  # a bad VAT number: asked again
        "NL812450681B01",
        "nope",                   # unknown policy: asked again
        "key-account",
    ]) + "\n"
    result = run(book, "new", "debtor", input=answers)
    assert result.exit_code == 0, result.output
    assert "Case id (folder name) [hoogland-retail-b-v]" in result.output
    assert "is not an email address" in result.output
    assert "is not a valid VAT number" in result.output
    assert "no policy 'nope'" in result.output
    assert (book / "cases/hoogland-retail-b-v/debtor.yaml").read_text() == (
        "name: Hoogland Retail B.V.\nkind: business\nlanguage: en\npolicy: key-account\n"
        "contact: Femke de Graaf\nemail: crediteuren@hoogland.example\naddress:\n"
        "  street: Catharijnesingel 52\n  postcode: 3511 GC\n  city: Utrecht\n  country: NL\n"
        "vat: NL812450681B01\n"
    )
    assert_clean(book)


def test_a_terminal_asks_nothing_when_the_name_is_given(book, terminal):
    result = run(book, "new", "debtor", "--name", "Quick BV", input="")
    assert result.exit_code == 0, result.output
    assert (book / "cases/quick-bv/debtor.yaml").read_text() == "name: Quick BV\nkind: business\n"


# -- invoices --------------------------------------------------------------------------------


def test_new_invoice_from_flags(book):
    add_debtor(book)
    before = head(book)
    result = run(book, "new", "invoice", "janssens", "--number", "2026-0042",
                 "--issued", "2026-09-01", "--terms", "30", "--amount", "1210,5",
                 "--reference", "+++010/8068/17183+++", "--description", "Taarten")
    assert result.exit_code == 0, result.output
    assert "invoice 2026-0042 of 1210.50, due 2026-10-01" in result.output
    assert (book / "cases/janssens/invoices/2026-0042.yaml").read_text() == (
        "number: 2026-0042\nissued: 2026-09-01\ndue: 2026-10-01\namount: \"1210.50\"\n"
        "currency: EUR\ndescription: Taarten\nreference: +++010/8068/17183+++\n"
    )
    assert git(book, "rev-parse", "HEAD~1").strip() == before
    assert git(book, "show", "--name-only", "--format=", "HEAD").split() == [
        "cases/janssens/invoices/2026-0042.yaml"]
    assert_clean(book)
    loaded, _ = check(book)
    assert [i.number for i in loaded.cases["janssens"].invoices] == ["2026-0042"]


def test_an_invoice_number_that_is_no_file_name_gets_a_safe_one(book):
    add_debtor(book)
    result = run(book, "new", "invoice", "janssens", "--number", "F 2026/7",
                 "--issued", "2026-09-01", "--due", "2026-09-15", "--amount", "10")
    assert result.exit_code == 0, result.output
    assert "number: F 2026/7\n" in (book / "cases/janssens/invoices/f-2026-7.yaml").read_text()
    assert_clean(book)


@pytest.mark.parametrize("args, message", [
    (["--number", "2026-0001"], ("invoice number 2026-0001 is already in the book: "
                                 "cases/other/invoices/2026-0001.yaml")),
    (["--number", "N", "--due", "2026-08-01"],
     "cases/janssens/invoices/N.yaml:3: `due` 2026-08-01 is before `issued` 2026-09-01"),
    (["--number", "N", "--amount", "-5"], "amount '-5' is not an amount"),
    (["--number", "N", "--amount", "10.123"], "amount '10.123' is not an amount"),
    (["--number", "N", "--currency", "USD"], "cases/janssens/invoices/N.yaml:5: `currency`"),
    (["--number", "N", "--reference", "+++123/4567/89012+++"],
     "cases/janssens/invoices/N.yaml:6: `reference`"),
    (["--number", "N", "--issued", "2026-02-30"], "issue date '2026-02-30' is not a date"),
    (["--number", "N", "--terms", "soon"], "terms 'soon' is not a number of days"),
])
def test_invalid_invoices_are_refused_and_nothing_is_written(book, args, message):
    add_debtor(book)
    add_debtor(book, "other", "Other BV")
    assert run(book, "new", "invoice", "other", "--number", "2026-0001", "--issued",
               "2026-09-01", "--terms", "30", "--amount", "100").exit_code == 0
    before = head(book)
    defaults = {"--issued": "2026-09-01", "--amount": "100"}
    given = dict(zip(args[::2], args[1::2]))
    if "--due" not in given:
        defaults["--terms"] = "30"
    flags = [x for k, v in {**defaults, **given}.items() for x in (k, v)]
    result = run(book, "new", "invoice", "janssens", *flags)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (book / "cases/janssens/invoices").exists()
    assert_unchanged(book, before)


def test_invoice_usage_errors(book):
    add_debtor(book)
    before = head(book)
    result = run(book, "new", "invoice", "janssens", "--number", "1", "--amount", "5")
    assert result.exit_code == 2
    assert "missing --issued, --due or --terms" in result.output
    result = run(book, "new", "invoice", "janssens", "--number", "1", "--issued", "2026-09-01",
                 "--amount", "5", "--due", "2026-10-01", "--terms", "30")
    assert result.exit_code == 2 and "not both" in result.output
    result = run(book, "new", "invoice", "nobody", "--number", "1", "--issued", "2026-09-01",
                 "--amount", "5", "--terms", "30")
    assert result.exit_code == 1 and "no case 'nobody' in this book" in result.stderr
    assert_unchanged(book, before)


def test_a_terminal_asks_for_the_missing_invoice_values(book, terminal):
    add_debtor(book)
    assert run(book, "new", "invoice", "janssens", "--number", "2026-0001", "--issued",
               "2026-09-01", "--terms", "30", "--amount", "100").exit_code == 0
    answers = "\n".join([
        "2026-0001",     # taken: asked again
        "2026-0002",
        "",              # issue date: today
        "2026-10-01",    # before the issue date: asked again
        "14",            # days after the issue date
        "abc",           # no amount: asked again
        "99,5",
    ]) + "\n"
    result = run(book, "new", "invoice", "janssens", "--today", "2026-11-02", input=answers)
    assert result.exit_code == 0, result.output
    assert "Issue date [2026-11-02]" in result.output
    assert "Due date (YYYY-MM-DD, or days after the issue date) [2026-12-02]" in result.output
    assert "is already in the book" in result.output
    assert "is before the issue date" in result.output
    assert "'abc' is not an amount" in result.output
    assert (book / "cases/janssens/invoices/2026-0002.yaml").read_text() == (
        "number: 2026-0002\nissued: 2026-11-02\ndue: 2026-11-16\namount: \"99.50\"\n"
        "currency: EUR\n"
    )
    assert_clean(book)


def test_a_terminal_checks_the_case_before_asking(book, terminal):
    result = run(book, "new", "invoice", "nobody", input="")
    assert result.exit_code == 1 and "no case 'nobody'" in result.stderr
    assert "Invoice number" not in result.output
