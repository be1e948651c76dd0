"""What each case brings to a build, computed once and kept in the build cache.

A debtor page needs the case's figures and state; the overview and forecast need every
case's summary, overview row, portfolio row and part of the forecast. `CaseParts` computes
those per case, on first use, and hands back what a previous build kept for a case whose
inputs did not change. Kept apart from `build` (which plans and writes the pages) because
this is the build's memory: what is computed, what is reused, and what is saved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jinja2
from markupsafe import Markup

from casebook.engine.portfolio import case_sales
from casebook.insight.outlook import CaseOutlook, case_outlook
from casebook.letters.templating import render
from casebook.site import context, debtorpage, inputs
from casebook.site.context import Inputs
from casebook.site.inputs import CaseFigures, Portfolio


class PortfolioFigures:
    """The portfolio figures (`casebook.engine.portfolio`), computed once, when a page needs them,
    from each case's `case_figures` row (kept per case between builds)."""

    def __init__(self, inp: Inputs, cases: "CaseParts") -> None:
        self.inp = inp
        self.cases = cases
        self._figures: Portfolio | None = None

    @property
    def figures(self) -> Portfolio:
        if self._figures is None:
            self._figures = inputs.portfolio(self.inp.book, self.inp.today,
                                             rows=self.cases.figure_rows(),
                                             sales=self.cases.sales())
        return self._figures


class CaseParts:
    """Per case: its figures and state (for its page), and what the overview and forecast
    need of it: summary, overview row, portfolio row (`case_figures`), forecast part
    (`case_outlook`), printable letters.

    Those are kept in the build cache under the case's key (and its fingerprint, when the
    loader gave one), so a rebuild computes them only for the cases that changed.
    """

    def __init__(self, inp: Inputs, env: jinja2.Environment, keys: dict[str, str],
                 checks: dict[str, str], known: dict[str, dict[str, Any]],
                 previous: dict[str, dict[str, Any]]) -> None:
        self.inp = inp
        self.env = env
        self.keys = keys
        self.checks = checks
        self.known = known
        """Entries of the build cache valid by fingerprint (their key is in `keys`)."""
        self.previous = previous
        self.memo_out: dict[str, Any] = {}
        self._objects: dict[str, dict[str, Any]] = {}

    def objects(self, case_id: str) -> dict[str, Any]:
        found = self._objects.get(case_id)
        if found is None:
            book, today = self.inp.book, self.inp.today
            case = book.cases[case_id]
            found = {"row": inputs.case_figures(book, case, today),
                     "state": inputs.state(book, case, today)}
            self._objects[case_id] = found
        return found

    def printable(self, case_id: str) -> list[tuple[str, str]]:
        """(site path, source file relative to the book) of the case's printable letters."""
        entry = self.known.get(case_id)
        if entry is not None:
            return entry["printable"]
        root = self.inp.root
        return [(site_path, source.relative_to(root).as_posix())
                for site_path, source in debtorpage.printable_sources(self.inp, self.inp.book.cases[case_id])]

    def has_entry(self, case_id: str) -> bool:
        """Whether the case's entry is known without computing anything."""
        if case_id in self.memo_out or case_id in self.known:
            return True
        old = self.previous.get(case_id)
        return isinstance(old, dict) and old.get("key") == self.keys[case_id]

    def entry(self, case_id: str) -> dict[str, Any]:
        entry = self.memo_out.get(case_id)
        if entry is not None:
            return entry
        key = self.keys[case_id]
        old = self.previous.get(case_id)
        if case_id in self.known:
            entry = self.known[case_id]
        elif isinstance(old, dict) and old.get("key") == key:
            entry = dict(old, check=self.checks.get(case_id))  # same inputs, other fingerprint
        else:
            book, today = self.inp.book, self.inp.today
            case = book.cases[case_id]
            got = self.objects(case_id)
            state = got["state"]
            due = inputs.due_within(book, {case_id: state}, today, context.SOON_DAYS)
            summary = context.summary(self.inp, case, row=got["row"], state=state, due=due)
            html = render(self.env, "debtor_row.html", {"r": summary, "site": {"root": ""}})
            entry = {
                "check": self.checks.get(case_id), "key": key,
                "summary": summary, "row": html, "figures": got["row"],
                "outlook": case_outlook(book, case, today), "printable": self.printable(case_id),
                "sales": case_sales(case, today),
                # A letter named by a path outside actions/ is not in the case's fingerprint.
                "cacheable": all("/" not in name for a in case.actions for name in a.files),
            }
        self.memo_out[case_id] = entry
        return entry

    def memo(self) -> dict[str, Any]:
        """What to keep for the next build: every entry computed or still valid."""
        kept = {}
        for cid, key in sorted(self.keys.items()):
            entry = self.memo_out.get(cid) or self.known.get(cid)
            if isinstance(entry, dict) and entry.get("key") == key and entry.get("cacheable"):
                kept[cid] = entry
        return kept

    def summaries(self) -> dict[str, dict[str, Any]]:
        return {cid: self.entry(cid)["summary"] for cid in sorted(self.keys)}

    def rows_html(self) -> Markup:
        return Markup("".join(self.entry(cid)["row"] for cid in sorted(self.keys)))

    def figure_rows(self) -> dict[str, CaseFigures]:
        return {cid: self.entry(cid)["figures"] for cid in self.keys}

    def sales(self) -> dict[str, Decimal]:
        return {cid: self.entry(cid)["sales"] for cid in self.keys}

    def outlooks(self) -> dict[str, CaseOutlook]:
        return {cid: self.entry(cid)["outlook"] for cid in self.keys}
