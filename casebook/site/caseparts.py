"""What each case and each block of cases brings to a build, computed once and kept in
the build cache.

A debtor page needs the case's figures and state; the overview and forecast need every
case's summary, overview row, portfolio row and part of the forecast. `CaseParts` computes
those per case, on first use, and hands back what a previous build kept for a case whose
inputs did not change. `BlockParts` adds them up per block of cases (`parts`), and keeps
those sums too, so that a rebuild after one change reads one block's cases only. Kept
apart from `build` (which plans and writes the pages) because this is the build's memory:
what is computed, what is reused, and what is saved.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Any

import jinja2

from casebook.engine.portfolio import case_sales
from casebook.insight.forecast import Forecast, book_delay, combine, horizon
from casebook.insight.forecast import part_of as forecast_part
from casebook.insight.outlook import case_outlook
from casebook.letters.templating import render
from casebook.site import context, debtorpage, inputs, parts
from casebook.site.cache import check_of, pack, unpack
from casebook.site.context import Inputs


class CaseParts:
    """Per case: its figures and state (for its page), and what the overview and forecast
    need of it: summary, overview row, portfolio row (`case_figures`), forecast part
    (`case_outlook`), printable letters.

    Those are kept in the build cache under the case's key (and its fingerprint, when the
    loader gave one), so a rebuild computes them only for the cases that changed. The
    cache holds each entry's bulk packed (`cache.pack`): only the entries a build reads are
    unpacked.
    """

    def __init__(self, inp: Inputs, env: jinja2.Environment, keys: dict[str, str],
                 checks: dict[str, str], known: dict[str, dict[str, Any]],
                 previous: dict[str, dict[str, Any]]) -> None:
        self.inp = inp
        self.env = env
        self.keys = keys
        self.checks = checks
        self.known = known
        """Kept entries valid by fingerprint (their key is in `keys`), still packed."""
        self.previous = previous
        self.fresh: dict[str, dict[str, Any]] = {}
        """Entries computed by this build."""
        self._read: dict[str, dict[str, Any]] = {}
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

    def _kept(self, case_id: str) -> dict[str, Any] | None:
        """The packed entry of the case kept for the same key, if any."""
        if case_id in self.known:
            return self.known[case_id]
        old = self.previous.get(case_id)
        if isinstance(old, dict) and old.get("key") == self.keys[case_id] and "packed" in old:
            return old
        return None

    def has_entry(self, case_id: str) -> bool:
        """Whether the case's entry is known without computing anything."""
        return case_id in self.fresh or self._kept(case_id) is not None

    def entry(self, case_id: str) -> dict[str, Any]:
        found = self.fresh.get(case_id) or self._read.get(case_id)
        if found is not None:
            return found
        kept = self._kept(case_id)
        if kept is not None:
            found = self._read[case_id] = unpack(kept)
            return found
        book, today = self.inp.book, self.inp.today
        case = book.cases[case_id]
        got = self.objects(case_id)
        state = got["state"]
        due = inputs.due_within(book, {case_id: state}, today, context.SOON_DAYS)
        summary = context.summary(self.inp, case, row=got["row"], state=state, due=due)
        html = render(self.env, "debtor_row.html", {"r": summary, "site": {"root": ""}})
        found = self.fresh[case_id] = {
            "check": self.checks.get(case_id), "key": self.keys[case_id],
            "summary": summary, "row": html, "figures": got["row"],
            "outlook": case_outlook(book, case, today), "printable": self.printable(case_id),
            "sales": case_sales(case, today),
            # A letter named by a path outside actions/ is not in the case's fingerprint.
            "cacheable": all("/" not in name for a in case.actions for name in a.files),
        }
        return found

    def memo(self) -> dict[str, Any]:
        """What to keep for the next build: every entry computed or still valid, packed."""
        kept = {}
        for cid, key in sorted(self.keys.items()):
            fresh = self.fresh.get(cid)
            if fresh is not None:
                if fresh["key"] == key and fresh["cacheable"]:
                    kept[cid] = pack(fresh)
                continue
            old = self._kept(cid)
            if old is None or not old.get("cacheable"):
                continue
            check = self.checks.get(cid)
            # The same inputs under another fingerprint (a file touched, say): the same
            # packed bulk under the new check.
            kept[cid] = old if old.get("check") == check else dict(old, check=check)
        return kept


class BlockParts:
    """The overview's and forecast's share of each block of cases (`parts.blocks`), taken
    from the build cache for a block whose cases all have the key they had, computed from
    the cases' entries otherwise; and their sums, the whole book's part and forecast."""

    def __init__(self, inp: Inputs, cases: CaseParts, kept: dict[Any, Any]) -> None:
        self.inp = inp
        self.cases = cases
        self.kept = kept
        self.blocks = parts.blocks(cases.keys)
        self.block_keys = [check_of(*(f"{cid}:{cases.keys[cid]}" for cid in block))
                           for block in self.blocks]
        self.out: dict[str, dict[str, Any]] = {}
        today = inp.today
        self.soon = (today + timedelta(days=context.SOON_DAYS)).isoformat()
        self.horizon = horizon(today).isoformat()

    def _memo(self, index: int) -> dict[str, Any]:
        block, key = self.blocks[index], self.block_keys[index]
        found = self.out.get(block[0])
        if found is None:
            old = self.kept.get(block[0])
            if isinstance(old, dict) and old.get("key") == key:
                found = old
            else:
                entries = [self.cases.entry(cid) for cid in block]
                found = {"key": key, "forecast": None,
                         "part": parts.part_of(entries, soon=self.soon, horizon=self.horizon)}
            self.out[block[0]] = found
        return found

    @cached_property
    def part(self) -> parts.Part:
        return parts.merge([self._memo(i)["part"] for i in range(len(self.blocks))])

    @cached_property
    def forecast(self) -> Forecast:
        delay = book_delay([self.part.paid])
        found = []
        for i, block in enumerate(self.blocks):
            memo = self._memo(i)
            kept = memo["forecast"]
            if kept is None or kept[0] != delay:
                outlooks = (self.cases.entry(cid)["outlook"] for cid in block)
                kept = (delay, forecast_part(outlooks, delay, self.inp.today))
                self.out[block[0]] = {**memo, "forecast": kept}
            found.append(kept[1])
        if not found:
            found = [forecast_part((), delay, self.inp.today)]
        return combine(found, self.inp.book.settings.currency, delay)

    def memo(self) -> dict[str, Any]:
        """What to keep: each block part made or read by this build, else the one kept for
        the same key."""
        kept = {}
        for block, key in zip(self.blocks, self.block_keys):
            found = self.out.get(block[0]) or self.kept.get(block[0])
            if isinstance(found, dict) and found.get("key") == key:
                kept[block[0]] = found
        return kept
