"""The command table: running a command imports only the module that defines it."""

from __future__ import annotations

import importlib
import subprocess
import sys

from casebook.cli import COMMAND_MODULES


def test_every_module_defines_exactly_the_commands_the_table_names() -> None:
    for module, names in COMMAND_MODULES.items():
        defined = [c.name for c in importlib.import_module(f"casebook.cli.{module}").COMMANDS]
        assert sorted(defined) == sorted(names), module


def test_check_imports_the_book_alone() -> None:
    # A fresh interpreter: what `casebook check` imports, without running it.
    code = ("import sys; from casebook.cli import main; main.get_command(None, 'check'); "
            "print(' '.join(m for m in sys.modules if m.startswith(('casebook.', 'git'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert "casebook.cli.book" in loaded
    assert not [m for m in loaded if m.startswith(("casebook.site", "casebook.imports",
                                                   "casebook.engine", "casebook.money",
                                                   "casebook.cli.site", "git"))]
