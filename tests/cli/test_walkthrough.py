"""A new user's first hour, command by command, as a real process in a real terminal-less
shell: init, fill in the settings, new debtor, new invoice, check, status, schedule,
advance --dry-run, advance, preview, export, site. Each step asserts its exit code and the
lines the user reads, in the order the user takes them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import git

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-10"
CASE = "bakkerij-janssens-bv"


def casebook(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "casebook", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)


def step(cwd: Path, *args: str, code: int = 0) -> str:
    result = casebook(cwd, *args)
    assert result.returncode == code, f"casebook {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout + result.stderr


def test_the_first_hour_of_a_bookkeeper(tmp_path: Path) -> None:
    out = step(tmp_path, "init", "shop")
    book = tmp_path / "shop"
    assert "New book in shop" in out and "casebook.yaml" in out

    # The settings file is the form: the user fills in the empty values and commits.
    settings = (book / "casebook.yaml").read_text(encoding="utf-8")
    for empty, value in (('vat: ""', "vat: BE0403170701"), ('iban: ""', "iban: BE68539007547034"),
                         ('  name: ""', "  name: Els Peeters"),
                         ('  email: ""', "  email: els@studionoord.be")):
        assert empty in settings, f"casebook.yaml has no {empty!r} to fill in"
        settings = settings.replace(empty, value, 1)
    (book / "casebook.yaml").write_text(settings, encoding="utf-8")
    git(book, "commit", "-qam", "our settings")

    out = step(book, "new", "debtor", "--name", "Bakkerij Janssens BV", "--email",
               "info@janssens.be", "--street", "Markt 1", "--postcode", "9000", "--city", "Gent",
               "--country", "BE")
    assert f"cases/{CASE}/debtor.yaml" in out
    out = step(book, "new", "invoice", CASE, "--number", "2026-0001", "--issued", "2026-10-01",
               "--due", "2026-10-31", "--amount", "1210.00")
    assert f"cases/{CASE}/invoices/2026-0001.yaml" in out
    assert git(book, "status", "--porcelain") == ""  # each was committed

    assert "ok: 1 cases, 1 invoices" in step(book, "check")

    out = step(book, "status", "--today", TODAY)
    header, _, row = out.splitlines()[:3]
    assert "next action" in header
    assert row.split()[:2] == [CASE, "standard"] and "reminder now" in row and "1210.00" in row

    out = step(book, "schedule", CASE, "--today", TODAY)
    assert out.index("reminder") < out.index("second-reminder") < out.index("formal-notice")

    head = git(book, "rev-parse", "HEAD")
    out = step(book, "advance", "--dry-run", "--today", TODAY)
    assert f"{CASE}: reminder (email)" in out and "would take 1 action(s)" in out
    assert git(book, "rev-parse", "HEAD") == head

    out = step(book, "advance", "--today", TODAY)
    assert "took 1 action(s)" in out
    assert git(book, "log", "-1", "--format=%s") == f"{CASE}: reminder (email)\n"
    assert git(book, "log", "-1", "--format=%an") == "Els Peeters\n"  # the operator, not the machine
    assert "took 0 action(s)" in step(book, "advance", "--today", TODAY)  # idempotent

    head = git(book, "rev-parse", "HEAD")
    out = step(book, "preview", CASE, "--today", TODAY)
    assert "nothing recorded" in out and "call" in out
    assert git(book, "rev-parse", "HEAD") == head and git(book, "status", "--porcelain") == ""

    out = step(book, "export", CASE, "--today", TODAY)  # no terminal: no question
    assert f"Wrote exports/{CASE}-{TODAY}.bundle" in out
    assert "casebook sends no more reminders" in out
    assert git(book, "status", "--porcelain") == ""
    row = step(book, "status", "--today", TODAY).splitlines()[2]
    assert "with the agency" in row

    out = step(book, "site", "--today", TODAY)
    assert "open " in out and (book / "site" / "index.html").is_file()
    assert git(book, "status", "--porcelain") == ""  # the site is git-ignored too
