"""`casebook.book.yamlfile`: YAML syntax errors a hand-editor makes, named in plain words."""

from __future__ import annotations

import pytest

from casebook.book.check import check
from casebook.book.yamlfile import read_front_matter, read_yaml


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("name: x\naddress:\n\tstreet: y\n",
                     "d.yaml:3: tab character at column 1: indent with spaces", id="mapping"),
        pytest.param("name: x\nlist:\n  - a\n\t- b\n",
                     "d.yaml:4: tab character at column 1: indent with spaces", id="list-item"),
        pytest.param("a:\n  b: 1\n \tc: 2\n",
                     "d.yaml:3: tab character at column 2: indent with spaces", id="after-space"),
        pytest.param("a: |\n  x\n\ty\n",
                     "d.yaml:3: tab character at column 1: indent with spaces", id="block-text"),
        pytest.param("\ta: 1\n",
                     "d.yaml:1: tab character at column 1: indent with spaces", id="first-line"),
    ],
)
def test_a_tab_in_the_indentation_is_named(text, expected):
    data, problems = read_yaml(text.encode(), "d.yaml")
    assert data is None
    assert [str(p) for p in problems] == [expected]


def test_tabs_that_yaml_accepts_are_no_problem():
    data, problems = read_yaml(b'name: "a\tb"\ncity: Gent\t# trailing\n', "d.yaml")
    assert problems == []
    assert data == {"name": "a\tb", "city": "Gent"}


def test_other_syntax_errors_keep_their_yaml_message():
    _, problems = read_yaml(b"due: [2026\n", "d.yaml")
    assert [str(p) for p in problems] == ["d.yaml:2: YAML syntax error: did not find expected "
                                          "',' or ']'"]


def test_a_tab_in_a_notes_front_matter_is_named_with_the_files_line():
    raw = b"---\ndate: 2026-11-20\npromise:\n\tdate: 2026-12-01\n---\n\nSure.\n"
    data, _, problems = read_front_matter(raw, "cases/x/notes/n.md")
    assert data is None
    assert [str(p) for p in problems] == [
        "cases/x/notes/n.md:4: tab character at column 1: indent with spaces"]


def test_check_names_the_tab_in_a_debtor_file(make_book):
    root = make_book({"cases/peeters/debtor.yaml": b"name: Peeters\naddress:\n\tcity: Gent\n"})
    _, problems = check(root, cache=False)
    assert [str(p) for p in problems] == [
        "cases/peeters/debtor.yaml:3: tab character at column 1: indent with spaces"]


def test_a_tab_in_a_books_rate_file_is_named_on_one_line(tmp_path):
    from casebook.book.rates import load_tables

    (tmp_path / "rates").mkdir()
    (tmp_path / "rates" / "be-commercial.yaml").write_text(
        'rates:\n\t- {from: 2026-07-01, rate: "10.5"}\n', encoding="utf-8")
    (tmp_path / "rates" / "be-legal.yaml").write_text("rates: [\n", encoding="utf-8")
    _, problems = load_tables(tmp_path)
    assert sorted(str(p) for p in problems) == [
        "rates/be-commercial.yaml:2: tab character at column 1: indent with spaces",
        "rates/be-legal.yaml:2: YAML syntax error: expected the node content, but found '<stream end>'",
    ]
