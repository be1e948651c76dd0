"""The `casebook` command: a thin layer over the library.

Each group of commands lives in its own module and is registered below.
"""

from __future__ import annotations

import importlib

import click

from casebook import __version__

# Modules that define commands, with the names of the commands each defines (its
# `COMMANDS`, a list of click commands): running one imports only its module.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "book": ("init", "demo", "check", "status", "schema"),
    "site": ("site",),
    "advance": ("advance", "schedule"),
    "imports": ("import",),
    "money": ("rates", "claim"),
    "record": ("pay", "note", "promise", "dispute", "resolve", "plan"),
    "insight": ("insight", "forecast", "segment"),
    "trail": ("export", "verify"),
    "new": ("new",),
    "preview": ("preview",),
    "office": ("office",),
    "agency": ("receive",),
    "printing": ("print",),
    # -- helpers add their module here, one line each --
}
_MODULE_OF = {name: module for module, names in COMMAND_MODULES.items() for name in names}


class _LazyGroup(click.Group):
    """Imports a command's module when the command is run, not every module at start-up:
    `casebook check` need not import what `casebook site` or `casebook import` use (a
    third of a second at every run). An unknown name, `--help` and `main.commands` import
    them all."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self._modules_loaded: set[str] = set()
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:  # type: ignore[override]
        self._load_all()
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def _load(self, module: str) -> None:
        if module not in self._modules_loaded:
            self._modules_loaded.add(module)
            for command in importlib.import_module(f"{__name__}.{module}").COMMANDS:
                self._commands[command.name] = command

    def _load_all(self) -> None:
        for module in COMMAND_MODULES:
            self._load(module)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._commands and cmd_name in _MODULE_OF:
            self._load(_MODULE_OF[cmd_name])
        if cmd_name not in self._commands:
            self._load_all()
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return sorted(self._commands)


@click.group(cls=_LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="casebook")
def main() -> None:
    """casebook: collect unpaid invoices without losing the customer.

    A book is a git repository of plain YAML and Markdown files: one folder per debtor.
    casebook validates it, moves every case through its dunning policy, computes what the
    law allows, writes the letters and commits each action, so git history is the evidence.
    """

