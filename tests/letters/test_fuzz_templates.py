"""Generated templates through the sandbox: whatever the text, a rendered string or a
`BookError` with the template's `path:line`, within the time bound; never another exception,
a hang or the machine's memory. Fragments mix Jinja syntax, Python internals, big numbers
and loops. Seeded and bounded for CI; `CASEBOOK_FUZZ_EXAMPLES=N` runs longer.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from casebook.letters import templating
from casebook.book.errors import BookError

EXAMPLES = int(os.environ.get("CASEBOOK_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

FRAGMENTS = [
    "{{ ", " }}", "{% ", " %}", "{# ", " #}", "for x in ", "endfor", "if ", "endif", "else",
    "set ns = namespace(v='a')", "set ns.v = ns.v ~ ns.v", "macro m() ", "endmacro", "m()",
    "range(", "100000", "10**9", "9**9**9", "99 ** 999", ")", "(", "[", "]", ",", "'a'", "\"b\"",
    " * ", " ** ", " ~ ", " + ", " // ", " % ", "|length", "|list", "|join", "|attr('",
    "|center(", "|format(", "|slice(", "|batch(", "|wordwrap(", "|truncate(", "|string",
    ".__class__", ".__mro__", ".__globals__", ".__init__", ".__subclasses__()", ".mro()",
    "cycler", "joiner", "lipsum(", "namespace", "self", "loop", "dict(", "range",
    ".format(", ".ljust(", ".replace(", ".upper()", ".items()", ".update(", ".append(",
    "include '", "import '", "/etc/passwd", "../", "' as m", "raw", "endraw", "name",
    "amount", "x", "1", "0", "-1", "\n", " ", "\x00", "\u202e", "}}", "%}",
]
soup = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)

# Well-formed expressions, so that most examples get past the parser and run.
atoms = st.one_of(
    st.integers(min_value=-10, max_value=10**6).map(str),
    st.sampled_from(["'a'", "'x' * 3", "name", "amount", "range(5)", "range(100000)", "lipsum",
                     "cycler", "joiner", "namespace", "self", "dict", "[1, 2]", "{'k': 1}",
                     "none", "true", "9", "99", "1.5", "''"]),
)
ATTRS = ["__class__", "__globals__", "__init__", "__mro__", "__dict__", "mro", "upper", "items",
         "update", "append", "format", "ljust", "replace", "real", "gi_frame", "func_globals",
         "__subclasses__", "__builtins__", "keys", "split"]
FILTERS = ["length", "list", "join", "string", "upper", "center(100000)", "center(10**9)",
           "format(1)", "slice(3)", "batch(2)", "wordwrap(5)", "truncate(3)", "attr('__class__')",
           "sum", "first", "last", "unique", "reverse", "sort", "tojson", "int", "float",
           "indent(4)", "replace('a', 'b')", "map('upper')", "select", "groupby('x')"]


def _extend(inner):
    return st.one_of(
        st.tuples(inner, st.sampled_from(["*", "**", "+", "~", "//", "%", "-", "in"]), inner)
        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(ATTRS)).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(inner, st.sampled_from(FILTERS)).map(lambda t: f"({t[0]})|{t[1]}"),
        inner.map(lambda e: f"{e}()"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
    )


expressions = st.recursive(atoms, _extend, max_leaves=8)
statements = st.one_of(
    expressions.map(lambda e: "{{ " + e + " }}"),
    st.tuples(expressions, expressions).map(
        lambda t: "{% for x in " + t[0] + " %}{{ " + t[1] + " }}{% endfor %}"),
    expressions.map(lambda e: "{% set v = " + e + " %}{{ v }}"),
    expressions.map(lambda e: "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ " + e + " }}"),
)
templates = st.one_of(soup, st.lists(statements, min_size=1, max_size=4).map("\n".join))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("templates")


@seed(20261124)
@FUZZ
@given(text=templates)
def test_any_template_renders_or_fails_with_file_and_line(folder, text):
    old = templating.RENDER_SECONDS
    templating.RENDER_SECONDS = 0.5
    try:
        path = folder / "t.md"
        path.write_text(text, encoding="utf-8")
        env = templating.environment([folder], html=False, base=folder.parent)
        started = time.perf_counter()
        try:
            out = templating.render(env, "t.md", {"name": "Janssens", "amount": "12.50"})
            assert isinstance(out, str)
        except BookError as error:
            assert error.problems, str(error)
            problem = error.problems[0]
            assert problem.path == f"{folder.name}/t.md", problem
            assert problem.line >= 1 and problem.message
        assert time.perf_counter() - started < 5
    finally:
        templating.RENDER_SECONDS = old
