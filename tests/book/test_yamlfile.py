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


def _shape(value):
    """A value with the lines of every mapping and list, for comparing two readings."""
    from casebook.book.yamlfile import Mapping, Sequence

    if isinstance(value, Mapping):
        return ("map", value.line, [(_shape(k), _shape(v), value.lines[k]) for k, v in value.items()])
    if isinstance(value, Sequence):
        return ("list", value.line, [_shape(v) for v in value], list(value.lines))
    return (type(value).__name__, value)


def _generic(text: str, first_line: int):
    """What PyYAML's own construction makes of `text` with casebook's constructors."""
    from casebook.book import yamlfile

    loader = yamlfile._Loader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    if first_line != 1:
        yamlfile._shift(data, first_line - 1)
    return data


def _corpus() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    texts = [p.read_text("utf-8") for p in sorted((root / "cases").rglob("*.yaml"))]
    texts += [p.read_text("utf-8").split("---\n")[1] for p in sorted((root / "cases").rglob("*.md"))
              if p.read_text("utf-8").startswith("---\n")]
    return texts + [
        "a: 1\nb: [1, 2, {c: d}]\n", "<<: {a: 1}\nb: 2\n", "= : x\n", "a: 2026-02-30\n",
        "a: 1.10\nb: .inf\nc: yes\nd: ~\ne: 0x1F\nf: 1_000\ng: 2026-01-01T10:00:00Z\n",
        "a: !!set {x, y}\nb: !!binary aGk=\nc: !!pairs [{x: 1}]\nd: !!omap {x: 1}\n",
        "- a\n- - b\n  - {c: [d, e]}\n",
        "a: " + "[" * 49 + "]" * 49 + "\n",
    ]


def test_case_files_are_read_as_pyyaml_itself_would_construct_them():
    from casebook.book.yamlfile import parse

    corpus = _corpus()
    assert len(corpus) > 100  # the example book's files and the odd ones
    for text in corpus:
        for first_line in (1, 2):
            data, problems = parse(text, "f.yaml", first_line=first_line)
            assert problems == [] and _shape(data) == _shape(_generic(text, first_line)), text
    # An alias is the very value of its anchor, with the anchor's line (the generic reading
    # moved a value shared by two keys twice when the text starts further down a note).
    data, _ = parse("a: &x [1]\nb: *x\n", "n.md", first_line=2)
    assert data["a"] is data["b"] and data["b"].line == 2 and data.lines == {"a": 2, "b": 3}


@pytest.mark.parametrize("value", [
    "!!omap [{x: 1}]", "!!seq x", "!!map x", "!!set x", "!!pairs x", "!!binary [1]",
    "!!int [1]", "!!float {a: 1}", "!!str {a: 1}", "=", "!!python/object:os.system x",
    "[" * 60 + "]" * 60, "&a [*a]",
])
def test_a_strange_tag_or_shape_is_a_problem_on_its_line_never_an_exception(value):
    data, problems = read_yaml(f"name: x\ntags: {value}\n".encode(), "d.yaml")
    assert data is None and len(problems) == 1 and problems[0].line == 2, problems


def test_a_key_twice_in_a_notes_front_matter_names_both_lines_of_the_file():
    raw = b"---\ndate: 2026-01-01\nchannel: phone\ndate: 2026-01-02\n---\n\nCalled.\n"
    data, _, problems = read_front_matter(raw, "n.md")
    assert data is None and [str(p) for p in problems] == [
        "n.md:4: YAML syntax error: key 'date' appears twice (first on line 2)"]
