"""The static site: a portfolio overview and a page per debtor (SPEC section 5).

`build_site(root, out=..., today=...)` reads the book and its git history once, builds the
pages' context and writes only the pages whose inputs changed (see `build`). `context` makes
the overview and forecast, `debtorpage` a debtor's page (with the letters read from its
folder); `caseparts` is what each case brings to a build, kept in the build cache.
"""

from .build import Built, build_site
from .writer import Report

__all__ = ["Built", "Report", "build_site"]
