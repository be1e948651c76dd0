"""The static site: a portfolio overview and a page per debtor (SPEC section 5).

`build_site(root, out=..., today=...)` reads the book and its git history once, builds the
pages' context and writes only the pages whose inputs changed (see `build`). `context` makes
the overview and forecast, `debtorpage` a debtor's page (with the letters read from its
folder); `caseparts` is what each case brings to a build, kept in the build cache.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Built", "Report", "build_site"]
_HOME = {"Built": "build", "build_site": "build", "Report": "writer"}


def __getattr__(name: str) -> Any:
    # Imported on first use: `casebook site` reads the writer's manifest in a forked
    # process before it imports the rest of the site's code (`casebook.cli.site`).
    if name in _HOME:
        return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
