"""Shared fixtures: small books written inline into tmp_path, as real git repositories."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

# Commits made by tests must not depend on the machine's git configuration.
os.environ.setdefault("GIT_AUTHOR_NAME", "Test Operator")
os.environ.setdefault("GIT_AUTHOR_EMAIL", "operator@example.com")
os.environ.setdefault("GIT_COMMITTER_NAME", "Test Operator")
os.environ.setdefault("GIT_COMMITTER_EMAIL", "operator@example.com")

SETTINGS = """\
creditor:
  name: Studio Noord BV
  address: {street: Kerkstraat 12, postcode: "9000", city: Gent, country: BE}
  vat: BE0403170701
  iban: BE68539007547034
  bic: GKCCBEBB
  email: boekhouding@studionoord.be
jurisdiction: BE
language: nl
default_policy: standard
"""

POLICY = """\
description: Test policy.
stages:
  - {id: reminder, after_due: 7, channel: email, template: reminder, deadline_days: 10}
  - {id: call, after_previous: 7, channel: phone, template: call}
  - {id: formal-notice, after_previous: 14, channel: registered, template: formal-notice,
     deadline_days: 15, charges: [interest, compensation]}
"""

DEBTOR = """\
name: Bakkerij Janssens BV
segment: standard
email: info@janssens.be
"""

INVOICE = """\
number: 2026-0001
issued: 2026-09-01
due: 2026-10-01
amount: "1210.00"
reference: +++010/8068/17183+++
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def make_book(tmp_path: Path):
    """make_book(files, commit=True) -> root: a minimal valid book plus `files`."""

    def make(files: dict[str, str | bytes] | None = None, *, commit: bool = True,
             base: bool = True) -> Path:
        root = tmp_path / "book"
        root.mkdir(exist_ok=True)
        initial: dict[str, str | bytes] = {}
        if base:
            initial = {
                "casebook.yaml": SETTINGS,
                "policies/standard.yaml": POLICY,
                "cases/janssens/debtor.yaml": DEBTOR,
                "cases/janssens/invoices/2026-0001.yaml": INVOICE,
            }
        initial.update(files or {})
        write_files(root, initial)
        if commit:
            if not (root / ".git").exists():
                git(root, "init", "-q", "-b", "main")
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "test book")
        return root

    return make
