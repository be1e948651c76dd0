"""`casebook site`: read the book and its history once, plan every page, write what changed.

The flow is Pelican's: inputs (book, git history) -> context -> templates -> writer.
Every page gets a key: the hash of what it is made from. A debtor page is made from its
case (files and commits), the book's settings and policies, the templates and the build
date; the overview and the forecast from every case. After one case changed, only that
debtor page, its letters, the overview and the forecast are rendered again.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2

from casebook import __version__
from casebook.book.errors import BookError
from casebook.book.model import Book, Case
from casebook.book.resources import shipped
from casebook.book.stabletext import stable
from casebook.letters.templating import environment, render, source
from casebook.money import workdays
from casebook.site import context, debtorpage, inputs
from casebook.site.cache import CODE_VERSION, BuildCache, check_of, compiled_templates
from casebook.site.caseparts import BlockParts, CaseParts
from casebook.site.context import Inputs
from casebook.site.filters import filters
from casebook.site.inputs import History
from casebook.site.texts import TEXTS, Texts
from casebook.site.timeline import Timelines, read_timelines
from casebook.site.writer import Report, Writer, digest

TEMPLATE_FOLDER = "site_templates"
ASSETS = ("site.css", "site.js")
LETTER_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:"
)


#: Folders of the book that a site must never be written into.
BOOK_FOLDERS = frozenset({".git", "cases", "policies", "imports", "rates", TEMPLATE_FOLDER,
                          ".casebook"})


def check_out(root: Path, out: Path) -> None:
    """Refuse an output folder that holds the book or is one of its own folders."""
    root, out = root.resolve(), out.resolve()
    if out == root or out in root.parents:
        raise BookError(f"the site cannot be written to {out}: it holds the book itself")
    if root in out.parents and out.relative_to(root).parts[0] in BOOK_FOLDERS:
        raise BookError(f"the site cannot be written to {out}: it is a folder of the book's "
                        "own files (use site/, or a folder outside the book)")


def template_environment(root: Path) -> jinja2.Environment:
    """The book's `site_templates/` first (override any single file), the shipped theme second."""
    env = environment([root / TEMPLATE_FOLDER, shipped(TEMPLATE_FOLDER)], html=True, base=root)
    # One build renders thousands of pages from the same templates: load each file once
    # instead of checking its modification time at every page.
    env.auto_reload = False
    env.bytecode_cache = compiled_templates(root)
    return env


def _theme_key(env: jinja2.Environment) -> str:
    """A hash of every template and asset as the loader would pick it, and of the words."""
    parts: list[str] = [__version__, stable(TEXTS)]
    for name in sorted(env.list_templates()):
        parts += [name, source(env, name)]  # BookError for a file that cannot be read
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
    timelines: Timelines | None = None,
    jobs: int | None = None,
    fingerprints: dict[str, str] | None = None,
    page_sizes: Mapping[str, int] | None = None,
) -> Built:
    """Build (or bring up to date) the site of the book at `root` in `out`.

    The history comes from `history` (a `casebook.record.history` read), or `timelines` (see
    `read_timelines`), or is read here. `jobs`: processes rendering debtor pages
    (default: one per CPU, for large builds). `fingerprints`: the loader's per-case
    fingerprints of `book` (`load_book(fingerprints=...)`); with them, what an earlier
    build computed for an unchanged case is taken from the build cache instead of being
    computed again (read here when the book is). `page_sizes`: `writer.page_sizes(out)`,
    taken just before.
    """
    jobs = jobs or os.cpu_count() or 1
    root = root.resolve()
    out = out.resolve()
    check_out(root, out)
    if book is None:
        fingerprints = {}
        book, _ = inputs.load(root, fingerprints=fingerprints)
    if timelines is None:
        timelines = Timelines.of(history) if history is not None else read_timelines(root, out)
    env = template_environment(root)
    env.filters.update(filters(book.settings.language, book.settings.currency))
    texts = Texts(book.settings.language, money=env.filters["money"])
    env.globals["t"] = texts
    theme = _theme_key(env)
    inp = Inputs(root=root, book=book, today=today, history=timelines, texts=texts)
    base = digest(theme, today.isoformat(), stable(book.settings), stable(book.policies),
                  stable(book.rates))
    memo = BuildCache(root, out)
    # The book, history and cache are hundreds of thousands of objects that live until the
    # build ends: kept out of the cyclic collector's scans (each full scan took 0.3 s).
    gc.freeze()
    try:
        return _build(root, out, today, book, timelines, fingerprints, env, theme, inp, base,
                      memo, jobs, page_sizes)
    finally:
        gc.unfreeze()


def _build(root: Path, out: Path, today: date, book: Book, timelines: Timelines,
           fingerprints: dict[str, str] | None, env: jinja2.Environment, theme: str,
           inp: Inputs, base: str, memo: BuildCache, jobs: int,
           page_sizes: Mapping[str, int] | None) -> Built:
    checks = {
        cid: check_of(CODE_VERSION, base, fingerprints[cid], *timelines.shas(cid))
        for cid in book.cases if fingerprints and cid in fingerprints
    }
    known = {cid: entry for cid, entry in memo.entries.items()
             if cid in checks and entry.get("check") == checks[cid] and "packed" in entry}
    # Only what is not known is read of a case: the loader unpickles a case on first use.
    case_keys = {cid: known[cid]["key"] if cid in known else _case_key(inp, book.cases[cid], base)
                 for cid in book.cases}
    whole = digest(base, *(f"{cid}:{key}" for cid, key in sorted(case_keys.items())))

    writer = Writer(out, page_sizes)
    cases = CaseParts(inp, env, case_keys, checks, known, memo.entries)
    blocks = BlockParts(inp, cases, memo.blocks)

    def page(name: str, make: Callable[[], dict[str, Any]], kind: str) -> Callable[[], bytes]:
        return lambda: render(env, name, {**make(), "page": kind}).encode("utf-8")

    for asset in ASSETS:
        writer.add(f"assets/{asset}", theme, _asset(env, asset))
    writer.add("index.html", whole, page(
        "overview.html",
        lambda: context.overview(inp, part=blocks.part, fmt=env.filters["money"]),
        "overview",
    ))
    writer.add("forecast.html", whole, page(
        "forecast.html",
        lambda: context.forecast(inp, result=blocks.forecast, part=blocks.part,
                                 fmt=env.filters["money"]),
        "forecast",
    ))
    for cid in sorted(book.cases):
        writer.add(context.page_path(cid), case_keys[cid], page(
            "debtor.html",
            lambda cid=cid: debtorpage.debtor(inp, book.cases[cid], **cases.objects(cid)),
            "debtor",
        ))
        for site_path, letter in cases.printable(cid):
            writer.add(site_path, case_keys[cid],
                       lambda letter=letter: printable_copy(root / letter))
    stale_pages = set(writer.plan())
    stale = [cid for cid in sorted(book.cases) if context.page_path(cid) in stale_pages]
    # Cases whose page is up to date but whose summary is not kept (after casebook itself
    # changed, say) are summed up in the workers too.
    unknown = [cid for cid in sorted(book.cases) if not cases.has_entry(cid)]
    if jobs > 1 and len(set(stale) | set(unknown)) >= PARALLEL_FROM:
        _in_parallel(writer, cases, stale, jobs, unknown)
    report = writer.write()
    memo.save(cases.memo(), blocks.memo())
    return Built(report, out / "index.html")


PARALLEL_FROM = 200
"""Stale debtor pages from which rendering is spread over processes (below, forking costs
more than it saves)."""
_JOB: tuple[Writer, CaseParts, dict[str, list[str]]] | None = None


def _in_parallel(writer: Writer, cases: CaseParts, stale: list[str], jobs: int,
                 unknown: list[str] = ()) -> None:  # type: ignore[assignment]
    """Render the stale debtor pages and case summaries (also those of `unknown` cases) in
    `jobs` forked processes.

    The workers inherit the loaded book, history and templates (fork), each takes every
    `jobs`-th case, writes its pages and sends back what the parent records: page results
    and case summaries. Where fork is unavailable, the parent renders everything itself.
    """
    global _JOB
    try:
        fork = multiprocessing.get_context("fork")
    except ValueError:
        return
    by_case: dict[str, list[str]] = {cid: [] for cid in stale}
    for path, page in writer.pages.items():
        case_id = _case_of_path(path)
        if case_id in by_case:
            by_case[case_id].append(path)
    _JOB = (writer, cases, by_case)
    todo = sorted(set(stale) | set(unknown))
    try:
        with fork.Pool(jobs) as pool:
            for done, entries, holidays in pool.map(_work, [todo[i::jobs] for i in range(jobs)]):
                writer.done.update(done)
                cases.fresh.update(entries)
                # Kept by the command for the next one (`casebook.cli.holidaycache`): the
                # first rebuild after a full build imported the holidays package again.
                workdays.remember(holidays)
    finally:
        _JOB = None


def _case_of_path(path: str) -> str | None:
    if not path.startswith("debtors/"):
        return None
    rest = path[len("debtors/"):]
    return rest[:-5] if "/" not in rest and rest.endswith(".html") else rest.split("/", 1)[0]


def _work(case_ids: list[str]) -> tuple[dict[str, tuple[str, int]], dict[str, Any], dict]:
    assert _JOB is not None
    writer, cases, by_case = _JOB
    done: dict[str, tuple[str, int]] = {}
    entries: dict[str, Any] = {}
    for cid in case_ids:
        entries[cid] = cases.entry(cid)
        if cid in by_case:
            done.update(writer.render_pages(by_case[cid]))
    return done, entries, workdays.computed()


def _case_key(inp: Inputs, case: Case, base: str) -> str:
    """What a case's pages are made of: the case as loaded (no sets in a Case, so its repr
    is stable), the commits that touched it, and the size and time of its letter files."""
    commits = inp.history.shas(case.id)
    stats = []
    for action in case.actions:
        for name in action.files:
            path = debtorpage.action_file(inp, case, name)
            if path is not None:
                st = path.stat()
                stats.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return digest(base, repr(case), *commits, *sorted(stats))


def _asset(env: jinja2.Environment, name: str) -> Callable[[], bytes]:
    def produce() -> bytes:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        return source.encode("utf-8")

    return produce


_DOCTYPE = re.compile(rb"^\s*<!doctype[^>]*>", re.IGNORECASE)


def printable_copy(source: Path) -> bytes:
    """What the site holds of a letter file: the page with its policy (`with_csp`), the PDF
    as sent, or nothing of a file named `.pdf` that is no PDF."""
    data = source.read_bytes()
    if source.suffix.lower() == ".pdf":
        return data if data.startswith(b"%PDF-") else b""
    return with_csp(data)


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
