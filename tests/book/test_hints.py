"""`casebook.book.hints`: what `casebook check` suggests to fill in, without failing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from casebook.book.check import check
from casebook.book.hints import hints
from casebook.cli import main

OPERATOR = 'operator:\n  name: Lotte Maes\n  email: lotte@studionoord.be\n'


def new_book(tmp_path: Path) -> Path:
    root = tmp_path / "b"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    return root


def test_a_new_book_is_told_once_about_operator_and_iban(tmp_path):
    root = new_book(tmp_path)
    book, problems = check(root)
    assert problems == []
    found = hints(book)
    assert [h.split(":", 2)[1].strip() for h in found] == [
        "no `creditor.iban`", "no `operator`"]
    operator = next(h for h in found if "`operator`" in h)
    assert "casebook <casebook@localhost>" in operator and "git" in operator
    assert "name:" in operator and "email:" in operator
    assert all("\n" not in h for h in found)


def test_no_hints_once_filled_in(tmp_path):
    root = new_book(tmp_path)
    text = (root / "casebook.yaml").read_text(encoding="utf-8")
    text = text.replace('  iban: ""', "  iban: BE68 5390 0754 7034")
    text = text.replace('operator:\n  name: ""\n  email: ""\n', OPERATOR)
    (root / "casebook.yaml").write_text(text, encoding="utf-8")
    book, problems = check(root)
    assert problems == []
    assert [h for h in hints(book) if "iban" in h or "operator" in h] == []


def test_books_with_an_operator_get_no_operator_hint(make_book):
    root = make_book({"casebook.yaml": (Path(__file__).parents[2] / "casebook.yaml")
                      .read_text(encoding="utf-8")})
    book, _ = check(root)
    assert [h for h in hints(book) if "operator" in h or "iban" in h] == []


def test_check_prints_the_hints_after_its_verdict_and_still_passes(tmp_path):
    root = new_book(tmp_path)
    result = CliRunner().invoke(main, ["check", "--book", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "ok: 0 cases, 0 invoices"
    assert sum(1 for line in lines if line.startswith("hint: casebook.yaml: no `operator`")) == 1
    assert sum(1 for line in lines if line.startswith("hint: casebook.yaml: no `creditor.iban`")) == 1


def test_no_settings_hints_while_casebook_yaml_has_a_problem(tmp_path):
    root = new_book(tmp_path)
    (root / "casebook.yaml").write_text("creditor: [\n", encoding="utf-8")
    book, problems = check(root)
    assert problems and hints(book, problems) == []
    result = CliRunner().invoke(main, ["check", "--book", str(root)])
    assert result.exit_code == 1 and "hint:" not in result.output
