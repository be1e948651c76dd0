"""Every command has help text and is in the README; the README's commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from casebook.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def all_commands() -> list[tuple[str, click.Command]]:
    found = []
    for name, command in main.commands.items():
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
    return sorted(found)


@pytest.mark.parametrize("name, command", all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_command_has_help_and_is_documented(name, command):
    assert command.help and len(command.help.strip()) > 20, f"{name} needs a help text"
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0
    top = name.split()[0]
    assert f"`casebook {top}" in README, f"README does not document `casebook {top}`"


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and re.match(r"casebook, version \d+\.\d+", result.output)


def test_readme_has_exactly_two_setup_commands_marked():
    for marker in ("<!-- demo-command -->", "<!-- test-command -->"):
        assert README.count(marker) == 1
    assert "casebook demo" in README.split("<!-- demo-command -->")[1].split("```")[1]
    assert "pytest" in README.split("<!-- test-command -->")[1].split("```")[1]
