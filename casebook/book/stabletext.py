"""A text of a value that is the same in every process: for cache keys made of settings
and policies (the load's `checkcache`, the site's build keys)."""

from __future__ import annotations

import dataclasses
from typing import Any


def stable(value: Any) -> str:
    """A text of `value` that is the same in every process (sets sorted, fields in order).

    `repr` will not do for values holding sets: their order changes with the hash seed.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ",".join(f"{f.name}={stable(getattr(value, f.name))}"
                         for f in dataclasses.fields(value))
        return f"{type(value).__name__}({inner})"
    if isinstance(value, dict):
        return "{" + ",".join(f"{stable(k)}:{stable(v)}" for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(stable(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(stable(v) for v in value) + "]"
    return repr(value)
