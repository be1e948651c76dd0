"""Templates are user-editable code: the sandbox keeps them from Python's internals, and
bounds keep a template from hanging the nightly run or eating the machine's memory.

Each hostile template fails with `path:line: message` (a `BookError`), never a traceback,
and within the time bound; a book whose letter template is hostile advances nothing and
says which file is at fault.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.letters import templating
from casebook.cli import main
from casebook.book.errors import BookError

from ..conftest import git

# (template text, what the message must say)
ESCAPES = {
    "class": ("{{ ''.__class__ }}", "unsafe template: access to attribute '__class__'"),
    "mro": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe template"),
    "globals": ("{{ cycler.__init__.__globals__ }}",
                "unsafe template: access to attribute '__init__'"),
    "lipsum": ("{{ lipsum.__globals__['os'].system('id') }}", "attribute '__globals__'"),
    "joiner": ("{{ joiner.__init__.__globals__.__builtins__ }}", "unsafe template"),
    "namespace": ("{{ namespace.__init__.__globals__ }}", "unsafe template"),
    "self": ("{{ self.__init__.__globals__ }}", "unsafe template"),
    "attr filter": ("{{ ''|attr('__class__') }}", "unsafe template"),
    "escaped name": ("{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", "unsafe template"),
    "format": ("{{ '{0.__class__}'.format(1) }}", "unsafe template"),
    "format_map": ("{{ '{a.__class__}'.format_map({'a': 1}) }}", "unsafe template"),
    "getitem": ("{{ ''['__class__'] }}", "unsafe template"),
    "mutation": ("{% set d = {} %}{{ d.update(a=1) }}",
                 "unsafe template: access to attribute 'update'"),
    "list append": ("{% set l = [] %}{{ l.append(1) }}", "unsafe template"),
    "func globals": ("{{ range.__call__.__globals__ }}", "unsafe template"),
    "config": ("{{ config }}", "'config' is undefined"),
    "request": ("{{ request.application }}", "'request' is undefined"),
    "include /etc": ("{% include '/etc/passwd' %}", "template '/etc/passwd' not found"),
    "include ..": ("{% include '../../../../../../etc/passwd' %}", "not found"),
    "import os": ("{% import 'os' as os %}", "not found"),
}

COSTLY = {
    "nested loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                     "{% endfor %}", "it ran for more than"),
    "endless output": ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}"
                       "{% endfor %}", "it ran for more than"),
    "huge range": ("{% for i in range(10**9) %}{% endfor %}", "Range too big"),
    "string bomb": ("{{ 'a' * 10**9 }}", "too large for a template"),
    "list bomb": ("{{ [0] * 10**9 }}", "too large for a template"),
    "power": ("{% set a = 99 %}{{ a ** a ** a }}", "too large a number"),
    "power constant": ("{{ 2 ** 10000000 }}", "too large a number"),
    "replace bomb": ("{{ ('a' * 100000).replace('', 'a' * 100000) }}", "more than"),
    "ljust": ("{{ 'x'.ljust(5000000000) }}", "more than"),
    "format width": ("{{ '%5000000000d'|format(1) }}", "more than"),
    "doubling": ("{% set ns = namespace(s='x') %}{% for i in range(80) %}"
                 "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}", "more than"),
    "recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "calls itself"),
    "deep nesting": ("{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}", "cannot compile"),
    "slice at compile": ("{{ [1]|slice(20000000)|list|length }}", "ran for more than"),
    "lipsum": ("{{ lipsum(n=10000000) }}", "ran for more than"),
}


@pytest.fixture
def bounded(monkeypatch):
    monkeypatch.setattr(templating, "RENDER_SECONDS", 0.3)


def render_one(tmp_path: Path, text: str) -> str:
    folder = tmp_path / "letters"
    folder.mkdir(exist_ok=True)
    (folder / "t.md").write_text("Dear customer,\n" + text + "\n")
    env = templating.environment([folder], html=False, base=tmp_path)
    return templating.render(env, "t.md", {"name": "Janssens"})


@pytest.mark.parametrize("name", list(ESCAPES))
def test_reaching_python_internals_fails_with_file_and_line(tmp_path, bounded, name):
    text, expected = ESCAPES[name]
    with pytest.raises(BookError) as caught:
        render_one(tmp_path, text)
    message = str(caught.value)
    assert "letters/t.md:2: " in message and expected in message, message
    assert [str(p) for p in caught.value.problems][0].startswith("letters/t.md:2: ")


@pytest.mark.parametrize("name", list(COSTLY))
def test_a_costly_template_is_stopped_with_a_message(tmp_path, bounded, name):
    text, expected = COSTLY[name]
    started = time.perf_counter()
    with pytest.raises(BookError) as caught:
        render_one(tmp_path, text)
    # The message proves the bound fired; the time only guards against a hang (loaded CI).
    assert time.perf_counter() - started < 30, "the bound must stop it within seconds"
    message = str(caught.value)
    assert "letters/t.md:" in message and expected in message, message


def test_ordinary_arithmetic_and_loops_still_work(tmp_path, bounded):
    text = ("{{ 3 * 'ab' }} {{ 2 ** 10 }} {{ 1.5 * 2 }} {{ [1, 2] * 3 }} "
            "{% for i in range(3) %}{{ i }}{% endfor %} {{ name|upper }}")
    assert render_one(tmp_path, text).splitlines()[1] == (
        "ababab 1024 3.0 [1, 2, 1, 2, 1, 2] 012 JANSSENS")


def test_the_bounds_are_lifted_after_a_render(tmp_path, bounded):
    import resource
    import signal

    before = resource.getrlimit(resource.RLIMIT_AS), signal.getsignal(signal.SIGALRM)
    with pytest.raises(BookError):
        render_one(tmp_path, COSTLY["nested loops"][0])
    render_one(tmp_path, "{{ name }}")
    assert (resource.getrlimit(resource.RLIMIT_AS), signal.getsignal(signal.SIGALRM)) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.5)  # no late timer fires in the caller's code


SETTINGS_EXTRA = {
    "cases/janssens/debtor.yaml": "name: Bakkerij Janssens BV\nemail: info@janssens.be\n",
}


@pytest.mark.parametrize("text", [
    "# Herinnering\n{{ ''.__class__.__mro__ }}\n",
    "# Herinnering\n\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}\n",
])
def test_advance_with_a_hostile_letter_template_takes_nothing_and_names_the_file(
    make_book, bounded, text
):
    root = make_book({**SETTINGS_EXTRA, "policies/letters/nl/reminder.md": text})
    head = git(root, "rev-parse", "HEAD")
    result = CliRunner().invoke(main, ["advance", "--today", "2026-11-24", "--book", str(root)])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Error: template policies/letters/nl/reminder.md cannot be rendered: " \
           "policies/letters/nl/reminder.md:" in result.output
    assert git(root, "rev-parse", "HEAD") == head
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_hostile_site_template_fails_the_build_with_its_name(make_book, tmp_path, bounded):
    root = make_book({"site_templates/overview.html": "{{ lipsum.__globals__ }}"})
    result = CliRunner().invoke(main, ["site", "--today", "2026-11-24", "--book", str(root),
                                       "--out", str(tmp_path / "site")])
    assert result.exit_code == 1, result.output
    assert "site_templates/overview.html:1: unsafe template" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(("text", "expected"), [
    # Found by tests/letters/test_fuzz_templates.py: Python errors that escaped as tracebacks.
    ("{{ cycler()() }}", "RuntimeError: at least one item has to be provided"),
    ("{{ (0)|wordwrap(5) }}", "AttributeError: 'int' object has no attribute 'splitlines'"),
    ("{{ (0 ~ 0[0]) }}", "int object has no element 0"),
    ("{# never closed", "Missing end of comment tag"),
])
def test_any_python_error_of_a_template_is_a_problem_at_its_line(tmp_path, bounded, text,
                                                                  expected):
    with pytest.raises(BookError) as caught:
        render_one(tmp_path, text)
    assert str(caught.value.problems[0]).startswith("letters/t.md:")
    assert expected in str(caught.value)
