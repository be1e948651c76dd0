"""The overview and forecast added up from parts kept per block of cases (`casebook.site.parts`)
give the pages of a fresh build, byte for byte, and a rebuild after one change computes one
block again."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from casebook.book.load import load_book
from casebook.insight.forecast import forecast
from casebook.site import build_site, parts

from ..conftest import POLICY, SETTINGS
from .test_site import TODAY, _invoice, commit_files, git, write_site_book


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(".casebook-")}


def _debtor(n: int) -> dict[str, str]:
    """A case of its own kind: paid late or early, a promise, a dispute, or nothing yet."""
    cid = f"d{n:02d}"
    number = f"2026-{500 + n:04d}"
    month = 5 + n % 6
    files = {
        f"cases/{cid}/debtor.yaml": f"name: Debtor {n:02d} BV\nemail: d{n}@example.com\n"
                                    f"owner: {'Lotte' if n % 2 else 'Wim'}\n",
        f"cases/{cid}/invoices/{number}.yaml": _invoice(
            number, f"2026-{month:02d}-0{1 + n % 9}", f"2026-{month + 1:02d}-0{1 + n % 9}",
            f"{100 + 37 * n}.{n:02d}"),
    }
    if n % 4 == 0:
        files[f"cases/{cid}/payments/2026-{month + 1:02d}-2{n % 9}.yaml"] = (
            f'date: 2026-{month + 1:02d}-2{n % 9}\namount: "{100 + 37 * n}.{n:02d}"\n'
            f'invoice: "{number}"\n')
    elif n % 4 == 1:
        files[f"cases/{cid}/notes/2026-11-2{n % 3}-promise.md"] = (
            f"---\ndate: 2026-11-2{n % 3}\nchannel: phone\n"
            f"promise: {{date: 2026-11-2{5 + n % 3}, amount: \"50.00\"}}\n---\n\nPays soon.\n")
    elif n % 4 == 2 and n % 3 == 0:
        files[f"cases/{cid}/notes/2026-11-10-dispute.md"] = (
            f"---\ndate: 2026-11-10\nchannel: email\n"
            f"dispute: {{invoice: \"{number}\", reason: wrong amount}}\n---\n\nDisputed.\n")
    return files


@pytest.fixture
def block_book(tmp_path: Path) -> Path:
    root = write_site_book(tmp_path / "book")
    files: dict[str, str] = {}
    for n in range(30):
        files.update(_debtor(n))
    commit_files(root, "Lotte Maes", "2026-11-21T10:00:00+01:00", "30 more debtors", files)
    return root


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _delay(root: Path) -> int:
    return forecast(load_book(root).book, TODAY).book_delay


def test_pages_from_kept_block_parts_are_those_of_a_fresh_build(
        block_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "BLOCK", 3)  # blocks of 3 cases on average: many blocks
    root, out = block_book, tmp_path / "site"
    assert len(parts.blocks(p.name for p in (root / "cases").iterdir())) >= 6
    made: list[int] = []
    part_of = parts.part_of
    monkeypatch.setattr(parts, "part_of", lambda entries, **kw: made.append(len(entries))
                        or part_of(entries, **kw))

    def same_as_fresh(step: str) -> list[int]:
        made.clear()
        build_site(root, out=out, today=TODAY)
        again = list(made)
        fresh = tmp_path / f"fresh-{step}"  # another folder: a build cache of its own
        build_site(root, out=fresh, today=TODAY)
        assert _pages(out) == _pages(fresh), step
        return again

    same_as_fresh("first")

    (root / "cases/d07/payments").mkdir()
    (root / "cases/d07/payments/2026-11-22.yaml").write_text(
        'date: 2026-11-22\namount: "20.00"\ninvoice: "2026-0507"\n')
    _commit(root, "d07: paid part")
    assert len(same_as_fresh("one payment")) == 1  # one block's part computed again

    commit_files(root, "Wim Vanhove", "2026-11-22T10:00:00+01:00", "a new debtor", _debtor(31))
    same_as_fresh("a new case")

    git(root, "rm", "-q", "-r", "cases/d12")
    _commit(root, "d12: gone")
    same_as_fresh("a case removed")

    before = _delay(root)
    late = {"cases/d05/invoices/2026-9999.yaml": _invoice("2026-9999", "2026-01-02", "2026-01-09",
                                                          "90000.00"),
            "cases/d05/payments/2026-09-30.yaml":
                'date: 2026-09-30\namount: "90000.00"\ninvoice: "2026-9999"\n'}
    commit_files(root, "Wim Vanhove", "2026-11-23T10:00:00+01:00", "d05: a large, late one", late)
    assert _delay(root) != before  # every estimate of a debtor without a delay of its own moves
    same_as_fresh("the book's usual delay changed")

    os.utime(root / "cases/d20/debtor.yaml", ns=(1, 1))  # another fingerprint, the same case
    same_as_fresh("a file touched")


def test_a_block_ends_after_the_same_ids_whatever_else_the_book_holds() -> None:
    ids = [f"case-{n:04d}" for n in range(500)]
    whole = parts.blocks(ids)
    assert sorted(i for block in whole for i in block) == sorted(ids)
    assert 3 < len(whole) < 40  # 64 a block on average
    fewer = parts.blocks(ids[:250] + ids[251:])
    changed = [b for b in whole if b not in fewer]
    assert len(changed) == 1 and ids[250] in changed[0]


def test_the_forecast_of_parts_is_the_forecast_of_the_whole(block_book: Path) -> None:
    from casebook.insight.forecast import book_delay, combine, part_of
    from casebook.insight.outlook import case_outlook

    book = load_book(block_book).book
    outlooks = [case_outlook(book, book.cases[cid], TODAY) for cid in sorted(book.cases)]
    delay = book_delay(o.paid for o in outlooks)
    whole = forecast(book, TODAY)
    for size in (1, 2, 7):
        pieces = [part_of(outlooks[i:i + size], delay, TODAY)
                  for i in range(0, len(outlooks), size)]
        assert combine(pieces, book.settings.currency, delay) == whole
    assert whole.overdue and whole.at_risk is not None and any(w.items for w in whole.weeks)


def test_a_book_without_cases_still_has_its_overview_and_forecast(make_book, tmp_path: Path
                                                                  ) -> None:
    root = make_book({"casebook.yaml": SETTINGS, "policies/standard.yaml": POLICY}, base=False)
    build_site(root, out=tmp_path / "site", today=date(2026, 11, 24))
    assert "forecast" in (tmp_path / "site/forecast.html").read_text("utf-8")
    assert (tmp_path / "site/index.html").is_file()


def test_forecast_items_are_linked_when_a_template_reads_them() -> None:
    from casebook.site.context import Linked
    from casebook.site.texts import Texts

    items = [{"case": "a", "basis": "due 2026-10-01 (usually paid early)", "amount": 1},
             {"case": "b", "amount": 2}]
    linked = Linked(items, Texts("en"))
    assert len(linked) == 2 and bool(linked) and not Linked([], Texts("en"))
    assert [i["href"] for i in linked] == ["debtors/a.html", "debtors/b.html"]
    assert linked[1] == {"case": "b", "amount": 2, "href": "debtors/b.html"}
    assert linked[:1] == [linked[0]] and linked[0]["basis"] == Texts("en").basis(items[0]["basis"])
    assert items[1] == {"case": "b", "amount": 2}  # the page's own items are left as they are
