"""The public holidays one command computed are kept for the next (`casebook.cli.holidaycache`):
the next command gives the same answers without importing the `holidays` package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from casebook.cli import holidaycache

STATUS = ("import sys; from casebook.cli import main\n"
          "try:\n    main(['status', '--book', {root!r}, '--today', '2026-11-24'])\n"
          "except SystemExit:\n    pass\n"
          "print('holidays imported:', 'holidays' in sys.modules)")


def _status(root: Path) -> tuple[str, bool]:
    out = subprocess.run([sys.executable, "-c", STATUS.format(root=str(root))],
                         capture_output=True, text=True, check=True).stdout
    table, _, last = out.rstrip("\n").rpartition("\n")
    return table, last == "holidays imported: True"


def test_the_next_command_takes_the_kept_holidays_and_says_the_same(make_book):
    root = make_book()
    kept = root / ".git/casebook" / holidaycache.NAME
    first, imported = _status(root)
    assert imported and kept.is_file()
    data = json.loads(kept.read_text("utf-8"))
    assert "2026-07-21" in data["sets"]["BE:2026"]  # the national holiday
    again, imported = _status(root)
    assert again == first and not imported
    assert json.loads(kept.read_text("utf-8")) == data  # nothing new: not written again


def test_holidays_kept_by_another_version_or_damaged_are_not_taken(make_book):
    root = make_book()
    kept = root / ".git/casebook" / holidaycache.NAME
    first, _ = _status(root)
    data = json.loads(kept.read_text("utf-8"))
    data["version"] = "another"
    data["sets"]["BE:2026"] = []  # wrong, and must not be believed
    kept.write_text(json.dumps(data), "utf-8")
    again, imported = _status(root)
    assert again == first and imported
    assert json.loads(kept.read_text("utf-8"))["version"] == holidaycache.version()
    kept.write_text("{not json", "utf-8")
    assert _status(root) == (first, True)


def test_a_book_without_git_keeps_nothing(make_book):
    root = make_book(commit=False)
    _status(root)
    assert not (root / ".git").exists()
