"""`casebook init`: a new book that is a git repository, clean, and set up for editors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from casebook.book.check import check
from casebook.cli import main
from tests.conftest import git

REPO = Path(__file__).resolve().parents[2]


def test_example_book_in_this_repository_is_clean():
    book, problems = check(REPO, cache=False)
    assert [str(p) for p in problems] == []
    assert len(book.cases) >= 12


def test_init_makes_a_clean_committed_book(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    root = tmp_path / "b"
    assert git(root, "status", "--porcelain") == ""
    assert git(root, "log", "--format=%s") == "New book\n"
    book, problems = check(root)
    assert problems == []
    assert set(book.policies) >= {"standard", "reliable", "chronic-late", "new-client",
                                  "key-account", "hardship"}
    hints = json.loads((root / ".vscode/settings.json").read_text())["yaml.schemas"]
    assert hints["./.casebook/schemas/invoice.schema.json"] == ["cases/*/invoices/*.yaml"]
    for schema in hints:
        assert (root / schema).is_file()
    assert "casebook check" in (root / ".pre-commit-config.yaml").read_text()


def test_init_demo_has_the_example_cases(tmp_path):
    result = CliRunner().invoke(main, ["init", "--demo", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    book, problems = check(tmp_path / "b")
    assert problems == []
    assert set(book.cases) == {p.name for p in (REPO / "cases").iterdir() if p.is_dir()}


def test_init_refuses_an_existing_book(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "b")]).exit_code == 0
    result = runner.invoke(main, ["init", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "already holds a book" in result.output


def test_demo_refuses_an_existing_folder_with_advice(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("mine")
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "exists already: remove it" in result.output
    assert (tmp_path / "d" / "x").read_text() == "mine"


def test_demo_command_end_to_end(tmp_path):
    """What a new user sees: a clean book, a history of real actions, a site to open."""
    root = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    index = root / "site" / "index.html"
    assert f"Open the overview in your browser: {index.as_uri()}" in result.output
    assert index.is_file()
    assert check(root)[1] == []
    assert git(root, "status", "--porcelain") == ""
    kinds = set(git(root, "log", "--format=%(trailers:key=Casebook-Kind,valueonly)").split())
    assert {"stage", "thanks", "plan-breach"} <= kinds
    channels = set(git(root, "log", "--format=%(trailers:key=Casebook-Channel,valueonly)").split())
    assert {"email", "letter", "phone", "registered"} <= channels


def test_init_writes_casebook_yaml_as_a_form_with_iban_vat_and_operator(tmp_path):
    """The keys `init` asks the user to fill in are in the file, each under a comment."""
    root = tmp_path / "b"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    lines = (root / "casebook.yaml").read_text(encoding="utf-8").splitlines()
    for key in ('  vat: ""', '  iban: ""', "operator:", '  name: ""', '  email: ""'):
        assert key in lines, key
    for key in ('  vat: ""', '  iban: ""', "operator:"):
        above = lines[lines.index(key) - 1]
        assert above.lstrip().startswith("# ") and len(above) <= 100, above
    book, problems = check(root)
    assert problems == []
    assert book.settings.creditor.iban == "" and book.settings.creditor.vat == ""
    assert book.settings.operator.name == "casebook"  # empty: the default, not a blank name


def test_the_form_holds_the_settings_of_a_new_book():
    import yaml

    from casebook.book.newbook import BLANK_SETTINGS, SETTINGS_FORM

    def filled(value):
        if isinstance(value, dict):
            return {k: filled(v) for k, v in value.items() if v != "" and filled(v) != {}}
        return value

    assert filled(yaml.safe_load(SETTINGS_FORM)) == BLANK_SETTINGS


def test_empty_iban_vat_and_operator_load_as_not_set(make_book):
    settings = (
        'creditor:\n  name: Studio Noord BV\n  vat: ""\n  iban:\n'
        'jurisdiction: BE\ndefault_policy: standard\noperator:\n  name: ""\n  email:\n'
    )
    root = make_book({"casebook.yaml": settings,
                      "cases/peeters/debtor.yaml": 'name: Peeters\niban: ""\nvat: " "\n'})
    book, problems = check(root, cache=False)
    assert [str(p) for p in problems] == []
    assert book.settings.creditor.iban == "" and book.settings.creditor.vat == ""
    assert book.settings.operator.name == "casebook"
    assert book.settings.operator.email == "casebook@localhost"
    assert book.cases["peeters"].iban == () and book.cases["peeters"].vat == ""
