"""The layer contract of the package (pyproject.toml, [tool.importlinter]) holds, and the
pure layers neither read the clock nor touch the disk.

import-linter follows imports only; a pure module could still call `date.today()` or open a
file through a name it was handed, so the second test reads the code of `engine` and
`money` for those calls.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "casebook"
PURE = ("engine", "money")
STAGES = ("book", "engine", "money", "record", "letters", "insight", "site", "export",
          "imports", "office", "cli")

#: Calls that read the clock or touch the disk, by the attribute name they end in.
IMPURE_CALLS = {
    "today", "now", "utcnow", "time", "monotonic", "perf_counter",
    "open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink",
    "iterdir", "glob", "rglob", "stat", "exists", "is_file", "is_dir",
}


def test_the_layer_contract_is_kept() -> None:
    lint = pytest.importorskip("importlinter.cli")
    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(REPO)  # import-linter reads pyproject.toml of the working folder
        with contextlib.redirect_stdout(out):
            code = lint.lint_imports(no_cache=True)
    finally:
        os.chdir(cwd)
    assert code == 0, out.getvalue()


@pytest.mark.parametrize("layer", PURE)
def test_pure_layers_call_no_clock_and_no_disk(layer: str) -> None:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in IMPURE_CALLS:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}()")
    assert not found, "\n".join(found)


def test_every_stage_says_its_role_and_what_it_may_import() -> None:
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert doc and len(doc.split()) >= 15, f"casebook/{stage}/__init__.py: no role stated"
    top = sorted(p.name for p in PACKAGE.iterdir() if p.suffix == ".py")
    assert top == ["__init__.py", "__main__.py"], f"modules outside the stages: {top}"


def test_tests_mirror_the_package() -> None:
    for folder in (REPO / "tests").iterdir():
        if folder.is_dir() and (folder / "__init__.py").exists():
            assert (PACKAGE / folder.name).is_dir(), f"tests/{folder.name}/ has no casebook/{folder.name}/"


#: A module one can hold in mind; past this, split it by responsibility (issue #10).
MAX_LINES = 400


def test_no_module_outgrows_what_a_reader_holds_in_mind() -> None:
    long = [f"{path.relative_to(REPO)}: {lines} lines"
            for path in sorted(PACKAGE.rglob("*.py"))
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, "\n".join(long)
