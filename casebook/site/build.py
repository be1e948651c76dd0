"""`casebook site`: read the book and its history once, plan every page, write what changed.

The flow is Pelican's: inputs (book, git history) -> context -> templates -> writer.
Every page gets a key: the hash of what it is made from. A debtor page is made from its
case (files and commits), the book's settings and policies, the templates and the build
date; the overview and the forecast from every case. After one case changed, only that
debtor page, its letters, the overview and the forecast are rendered again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

import jinja2

from .. import __version__
from ..dump import money
from ..errors import BookError
from ..model import Book, Case
from ..resources import shipped
from ..templating import environment, render
from . import context, inputs
from .context import Inputs
from .inputs import History
from .writer import Report, Writer, digest, safe_relative

TEMPLATE_FOLDER = "site_templates"
ASSETS = ("site.css", "site.js")
LETTER_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:"
)


def template_environment(root: Path) -> jinja2.Environment:
    """The book's `site_templates/` first (override any single file), the shipped theme second."""
    env = environment(
        [root / TEMPLATE_FOLDER, shipped(TEMPLATE_FOLDER)],
        html=True,
        base=root,
        filters={"cents": _cents, "decimal": _decimal},
    )
    return env


def _cents(value: Any) -> str:
    return money(_decimal(value))


def _decimal(value: Any):
    from decimal import Decimal

    return value if isinstance(value, Decimal) else Decimal(str(value))


def _theme_key(env: jinja2.Environment) -> str:
    """A hash of every template and asset as the loader would pick it."""
    parts: list[str] = [__version__]
    for name in sorted(env.list_templates()):
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        parts += [name, source]
    return digest(*parts)


@dataclass(frozen=True, slots=True)
class Built:
    report: Report
    index: Path


def build_site(
    root: Path,
    *,
    out: Path,
    today: date,
    book: Book | None = None,
    history: History | None = None,
) -> Built:
    """Build (or bring up to date) the site of the book at `root` in `out`."""
    root = root.resolve()
    out = out.resolve()
    if out == root or out in root.parents:
        raise BookError(f"the site cannot be written to {out}: it holds the book itself")
    if book is None:
        book, _ = inputs.load(root)
    if history is None:
        history = inputs.history(root)
    env = template_environment(root)
    theme = _theme_key(env)
    inp = Inputs(root=root, book=book, today=today, history=history)
    base = digest(theme, today.isoformat(), repr(book.settings), repr(sorted(book.policies.items())))
    case_keys = {cid: _case_key(inp, case, base) for cid, case in book.cases.items()}
    whole = digest(base, *(f"{cid}:{key}" for cid, key in sorted(case_keys.items())))

    writer = Writer(out)
    for asset in ASSETS:
        writer.add(f"assets/{asset}", theme, _asset(env, asset))
    stale_cases = {
        cid for cid, key in case_keys.items()
        if not writer.is_fresh(context.page_path(cid), key)
    }
    need_whole = not (
        writer.is_fresh("index.html", whole) and writer.is_fresh("forecast.html", whole)
    )
    shared = _Shared(inp, need_all=need_whole, cases=stale_cases)
    fmt = context.money_formatter(book.settings.language, book.settings.currency)
    env.filters["money"] = fmt

    def page(name: str, make: Callable[[], dict[str, Any]], kind: str) -> Callable[[], bytes]:
        return lambda: render(env, name, {**make(), "page": kind}).encode("utf-8")

    writer.add("index.html", whole, page(
        "overview.html",
        lambda: context.overview(inp, figures=shared.figures, rows=shared.rows,
                                 states=shared.states, fmt=fmt),
        "overview",
    ))
    writer.add("forecast.html", whole, page(
        "forecast.html",
        lambda: context.forecast(inp, rows=shared.rows, states=shared.states),
        "forecast",
    ))
    for cid in sorted(book.cases):
        case = book.cases[cid]
        writer.add(context.page_path(cid), case_keys[cid], page(
            "debtor.html",
            lambda case=case: context.debtor(
                inp, case, row=shared.rows[case.id], state=shared.states[case.id]
            ),
            "debtor",
        ))
        for site_path, source in context.printable_sources(inp, case):
            if safe_relative(site_path):
                writer.add(site_path, case_keys[cid], lambda source=source: with_csp(source.read_bytes()))
    report = writer.write()
    return Built(report, out / "index.html")


class _Shared:
    """Portfolio figures and case states, computed once and only when a page needs them.

    A rebuild that renders only some debtor pages and not the overview computes the state
    of those cases alone.
    """

    def __init__(self, inp: Inputs, *, need_all: bool, cases: set[str]) -> None:
        self.inp = inp
        self.need_all = need_all
        self.cases = cases
        self._done = False

    def _compute(self) -> None:
        if self._done:
            return
        book, today = self.inp.book, self.inp.today
        if self.need_all:
            self._figures = inputs.portfolio(book, today)
            self._rows = {row.case_id: row for row in self._figures.cases}
            ids = sorted(book.cases)
        else:
            ids = sorted(self.cases)
            self._rows = {cid: inputs.case_figures(book, book.cases[cid], today) for cid in ids}
        self._states = {cid: inputs.state(book, book.cases[cid], today) for cid in ids}
        self._done = True

    @property
    def figures(self):
        self._compute()
        return self._figures

    @property
    def rows(self):
        self._compute()
        return self._rows

    @property
    def states(self):
        self._compute()
        return self._states


def _case_key(inp: Inputs, case: Case, base: str) -> str:
    commits = [c.sha for c in inp.history.for_case(case.id)]
    stats = []
    for site_path, source in context.printable_sources(inp, case):
        st = source.stat()
        stats.append(f"{site_path}:{st.st_size}:{st.st_mtime_ns}")
    for action in case.actions:
        for name in action.files:
            path = context.action_file(inp, case, name)
            if path is not None and path.suffix.lower() in (".md", ".eml"):
                st = path.stat()
                stats.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return digest(base, repr(case), *commits, *sorted(stats))


def _asset(env: jinja2.Environment, name: str) -> Callable[[], bytes]:
    def produce() -> bytes:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        return source.encode("utf-8")

    return produce


_DOCTYPE = re.compile(rb"^\s*<!doctype[^>]*>", re.IGNORECASE)


def with_csp(html: bytes) -> bytes:
    """A printable letter as copied into the site: no script can run in it, whatever it holds.

    The letter is casebook's own output, but it sits in the book where anyone may edit it,
    so its copy gets a Content Security Policy that allows its own styles and images only.
    The policy goes first, right after the doctype: the parser puts it at the top of the
    head, before anything the file itself holds.
    """
    meta = f'<meta http-equiv="Content-Security-Policy" content="{LETTER_CSP}">'.encode()
    doctype = _DOCTYPE.match(html)
    at = doctype.end() if doctype else 0
    return html[:at] + meta + html[at:]
