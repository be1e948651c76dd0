"""The `casebook` command: a thin layer over the library.

Each group of commands lives in its own module and is registered below.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

# Modules that define commands; each exposes `COMMANDS`, a list of click commands.
COMMAND_MODULES = [
    "book",
    "site",
    "advance",
    "imports",
    "money",
    "record",
    "insight",
    "trail",
    # -- helpers add their module here, one line each --
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="casebook")
def main() -> None:
    """casebook: collect unpaid invoices without losing the customer.

    A book is a git repository of plain YAML and Markdown files: one folder per debtor.
    casebook validates it, moves every case through its dunning policy, computes what the
    law allows, writes the letters and commits each action, so git history is the evidence.
    """


for _name in COMMAND_MODULES:
    for _command in importlib.import_module(f"{__name__}.{_name}").COMMANDS:
        main.add_command(_command)
