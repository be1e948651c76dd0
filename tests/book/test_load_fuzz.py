"""Hostile input to the loader: whatever the bytes, a clean load or `path:line: message`.

CI runs a bounded, seeded number of examples; `CASEBOOK_FUZZ_EXAMPLES=100000` runs longer.
"""

from __future__ import annotations

import os
import time

import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from casebook.book.errors import Problem
from casebook.book.records import read_file

EXAMPLES = int(os.environ.get("CASEBOOK_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KINDS = ("debtor", "invoice", "credit", "payment", "note", "action")
KEYS = ["name", "number", "issued", "due", "amount", "date", "invoice", "reference", "iban",
        "vat", "segment", "kind", "promise", "plan", "dispute", "completes", "address", "tags",
        "ammount", "stage", "channel", "signed", "resolved", "<<"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.dates().map(str), st.sampled_from(["2026-02-30", "1e400", ".inf", "-.nan", "0x1F",
                                          "+++123/4567/89002+++", "BE68539007547034", "~",
                                          "2026-13-01", "12,50", "€ 12", "!!binary aGVsbG8="]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    ),
    max_leaves=25,
)
documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=10)


def assert_clean(kind: str, raw: bytes) -> None:
    path = f"cases/x/{kind}.yaml"
    start = time.perf_counter()
    record, problems = read_file(kind, path, raw, "x")
    assert time.perf_counter() - start < 20, "reading one small file must never hang"
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path == path
        assert problem.line >= 1
        assert problem.message and "Traceback" not in problem.message
    assert record is not None or problems, "a file that loads nothing must say why"


@seed(20261124)
@FUZZ
@given(kind=st.sampled_from(KINDS), raw=st.binary(max_size=400))
def test_random_bytes(kind, raw):
    assert_clean(kind, raw)


@seed(20261124)
@FUZZ
@given(kind=st.sampled_from(KINDS), doc=documents, crlf=st.booleans(), bom=st.booleans(),
       tabs=st.booleans())
def test_wrong_types_and_shapes(kind, doc, crlf, bom, tabs):
    text = yaml.safe_dump(doc, allow_unicode=True)
    if kind == "note":
        text = f"---\n{text}---\nBody with <script>alert(1)</script>\n"
    if tabs:
        text = text.replace("  ", "\t", 1)
    if crlf:
        text = text.replace("\n", "\r\n")
    raw = text.encode("utf-8")
    if bom:
        raw = b"\xef\xbb\xbf" + raw
    assert_clean(kind, raw)


@seed(20261124)
@FUZZ
@given(kind=st.sampled_from(KINDS), text=st.text(
    alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\n abc019.+/")), max_size=300))
def test_yaml_punctuation_soup(kind, text):
    assert_clean(kind, text.encode("utf-8"))


def test_alias_bomb_is_refused_quickly():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    record, problems = read_file("debtor", "cases/x/debtor.yaml", "\n".join(lines).encode(), "x")
    assert time.perf_counter() - start < 1
    assert record is None
    assert "aliases" in problems[0].message


def test_deep_nesting_is_refused():
    raw = ("name: " + "[" * 5000 + "]" * 5000).encode()
    record, problems = read_file("debtor", "cases/x/debtor.yaml", raw, "x")
    assert record is None and problems


def test_huge_numbers_are_amount_problems():
    raw = b"date: 2026-01-01\namount: 1.0e+400\n"
    record, problems = read_file("payment", "cases/x/p.yaml", raw, "x")
    assert record is None
    assert [str(p) for p in problems] == ["cases/x/p.yaml:2: `amount`: 1.0E+400 is not a realistic amount"]
    raw = b"date: 2026-01-01\namount: 1e400\n"
    _, problems = read_file("payment", "cases/x/p.yaml", raw, "x")
    assert [str(p) for p in problems] == ["cases/x/p.yaml:2: `amount`: '1e400' is not an amount"]


def test_python_tags_are_refused():
    raw = b"name: !!python/object/apply:os.system ['echo hacked']\n"
    record, problems = read_file("debtor", "cases/x/debtor.yaml", raw, "x")
    assert record is None
    assert "not allowed" in problems[0].message
