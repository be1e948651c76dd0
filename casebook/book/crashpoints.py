"""Named places where a test may kill casebook, to prove a crash there loses nothing.

`CASEBOOK_CRASH_AT=<label>:<n>` kills the process with SIGKILL the n-th time it passes the
point `label`; `*:<n>` counts every point, whatever its label, so a test can walk through
all the kill points of a command by raising n until the command finishes untouched. When
the variable is unset (always, outside tests) a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "CASEBOOK_CRASH_AT"
_seen: Counter[str] = Counter()


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(ENV, "")
    label, _, count = spec.rpartition(":")
    if not label or not count.isdigit():
        return None
    return label, int(count)


def crash_point(label: str) -> None:
    """Die here when the environment asks for it (tests only)."""
    target = _target()
    if target is None:
        return
    wanted, count = target
    key = "*" if wanted == "*" else label
    if key != wanted:
        return
    _seen[key] += 1
    if _seen[key] == count:
        os.kill(os.getpid(), signal.SIGKILL)
