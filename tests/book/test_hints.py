"""`casebook.book.hints`: what `casebook check` suggests to fill in, without failing."""

from __future__ import annotations

from datetime import date
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


# -- rates -------------------------------------------------------------------------------

def rate_hints(book, **kw) -> list[str]:
    return [h for h in hints(book, **kw) if "rate" in h.split(":", 2)[1]]


def test_check_says_once_which_rate_period_is_not_known_yet(make_book):
    root = make_book()
    book, _ = check(root)
    assert rate_hints(book, today=date(2026, 6, 30)) == []  # every day so far has its rate
    assert rate_hints(book, today=date(2026, 12, 3)) == [
        "rates/be-commercial.yaml: no rate yet from 2026-07-01 (interest since then uses the "
        "last known, 10.5 % from 2026-01-01); when it is published, write "
        '`rates: [{from: 2026-07-01, rate: "<rate>", source: "<where it is published>"}]` '
        "into the new file rates/be-commercial.yaml"]


def test_the_hinted_line_is_a_rate_file_that_ends_the_hint(make_book):
    root = make_book()
    book, _ = check(root)
    (hint,) = rate_hints(book, today=date(2026, 12, 3), root=root)
    line = hint.split("`")[1].replace("<rate>", "10.5").replace("<where it is published>", "BS")
    (root / "rates").mkdir()
    (root / "rates" / "be-commercial.yaml").write_text(line + "\n", encoding="utf-8")
    book, problems = check(root)
    assert problems == []
    assert rate_hints(book, today=date(2026, 12, 3), root=root) == []
    # The next half-year: the book's file exists now, so the hint says to add a row to it.
    hint, legal = rate_hints(book, today=date(2027, 1, 4), root=root)
    assert legal.startswith("rates/be-legal.yaml: no rate yet from 2027-01-01 (interest since "
                            "then uses the last known, 4.50 % from 2026-01-01)")
    assert legal.endswith("into the new file rates/be-legal.yaml")
    assert hint.startswith("rates/be-commercial.yaml: no rate yet from 2027-01-01 (interest "
                           "since then uses the last known, 10.5 % from 2026-07-01)")
    assert hint.endswith('add the row `- {from: 2027-01-01, rate: "<rate>", source: "<where it '
                         'is published>"}` under `rates:` in rates/be-commercial.yaml')


def test_a_dutch_book_hears_about_the_dutch_tables(make_book):
    root = make_book()
    text = (root / "casebook.yaml").read_text(encoding="utf-8")
    (root / "casebook.yaml").write_text(text.replace("jurisdiction: BE", "jurisdiction: NL"),
                                        encoding="utf-8")
    book, problems = check(root)
    assert problems == []
    found = rate_hints(book, today=date(2026, 12, 3))
    assert [h.split(":")[0] for h in found] == ["rates/nl-commercial.yaml",
                                                "rates/nl-statutory.yaml"]


def test_check_prints_the_rate_hint_once_and_passes(make_book):
    root = make_book({"cases/peeters/debtor.yaml": "name: Peeters BV\n",
                      "cases/peeters/invoices/p.yaml": "number: P-1\nissued: 2026-01-01\n"
                                                       "due: 2026-02-01\namount: 100\n"})
    result = CliRunner().invoke(main, ["check", "--today", "2026-12-03", "--book", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "ok: 2 cases, 2 invoices"
    assert sum(1 for line in lines if "no rate yet from 2026-07-01" in line) == 1
