"""No pyflakes finding in the code, its tests and benchmarks: no unused import or variable,
no undefined name, no name shadowed by a loop (ruff's F rules; style is not enforced)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_no_pyflakes_finding() -> None:
    pytest.importorskip("ruff")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F", "--no-cache", "--quiet",
         "casebook", "tests", "benchmarks"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
