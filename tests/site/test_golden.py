"""Golden files: the generated HTML compared with committed copies.

Commit ids, dates, times and the version are replaced by placeholders first, so the golden
files only change when a page's structure or wording does. After an intended change,
regenerate them with `CASEBOOK_REGEN_GOLDEN=1 python3 -m pytest tests/site/test_golden.py`
and review the diff like code.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from casebook import __version__
from tests.site.test_site import build, write_site_book

GOLDEN = Path(__file__).parents[1] / "golden" / "site"
PAGES = ["index.html", "forecast.html", "debtors/janssens.html", "debtors/hostile.html",
         "debtors/dubois.html"]


def placeholders(html: str) -> str:
    html = re.sub(r"\b[0-9a-f]{40}\b", "<SHA>", html)
    html = re.sub(r'(<code class="sha"[^>]*>)[0-9a-f]+<', r"\1<SHORT-SHA><", html)
    html = re.sub(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b", "<DATETIME>", html)
    html = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "<DATE>", html)
    return html.replace(f"casebook {__version__}", "casebook <VERSION>")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("golden")
    out = base / "site"
    build(write_site_book(base / "book"), out)
    return out


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_its_golden_file(site: Path, page: str) -> None:
    actual = placeholders((site / page).read_text("utf-8"))
    golden = GOLDEN / (page.replace("/", "__"))
    if os.environ.get("CASEBOOK_REGEN_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}: run with CASEBOOK_REGEN_GOLDEN=1"
    expected = golden.read_text("utf-8")
    if actual != expected:
        # the first differing line, so the failure says where without a wall of HTML
        for number, (a, e) in enumerate(zip(actual.splitlines(), expected.splitlines()), 1):
            if a != e:
                pytest.fail(f"{page} line {number} differs from {golden.name}:\n"
                            f"  expected: {e[:300]}\n  actual:   {a[:300]}")
        pytest.fail(f"{page}: {len(actual.splitlines())} lines, golden has "
                    f"{len(expected.splitlines())}")


def test_placeholders_hide_what_changes_between_runs() -> None:
    text = ('<li data-sha="' + "a1" * 20 + '"><time>2026-11-02 14:00</time> 2026-11-24 0123456789'
            '<code class="sha" title="x">a1a1a1a1a1</code>')
    assert placeholders(text) == ('<li data-sha="<SHA>"><time><DATETIME></time> <DATE> 0123456789'
                                  '<code class="sha" title="x"><SHORT-SHA></code>')
