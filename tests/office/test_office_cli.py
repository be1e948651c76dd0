"""`casebook office ...` over an office of five real books (tests/office/books.py): one
fine, two cloned from a url, one broken, one whose remote refuses every push."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import git

from .books import BOOKS, TODAY, book_root, make_office, run, state, status_json


@pytest.fixture
def office(tmp_path: Path) -> Path:
    return make_office(tmp_path)


def without_timing(data: dict) -> dict:
    for book in data["books"]:
        book.pop("seconds")
        book["notes"] = [n for n in book["notes"] if not n.startswith(("cloned", "pulled"))]
    return data


def summed_status(office: Path) -> dict:
    """What `casebook status --json` says of each book, summed over the books."""
    sums = {"cases": 0, "open_cases": 0, "open": Decimal(0), "overdue": Decimal(0)}
    aging: dict[str, Decimal] = {}
    for name in BOOKS:
        data = status_json(book_root(office, name))
        for key in ("cases", "open_cases"):
            sums[key] += data["totals"][key]
        for key in ("open", "overdue"):
            sums[key] += Decimal(data["totals"][key])
        for bucket, amount in data["aging"].items():
            aging[bucket] = aging.get(bucket, Decimal(0)) + Decimal(amount)
    return {**sums, "aging": aging}


def test_status_says_each_book_and_the_totals(office: Path) -> None:
    code, out, err = run("office", "status", "--office", str(office), "--today", TODAY.isoformat())
    assert code == 0, err
    lines = out.splitlines()
    assert sorted(line.split(":")[0] for line in lines[:-1]) == sorted(BOOKS)
    assert "beta: ok, 3 cases (3 open), open EUR 664.50, overdue EUR 664.50, cloned file://" in out
    assert "broken: ok, 2 cases (2 open)" in out and "1 problem(s): run `casebook check`" in out
    assert lines[-1] == ("5 books, 10 cases (10 open), open EUR 1815.00, overdue EUR 1815.00, "
                         "0 action(s) taken, 0 failed")
    # the url books are cloned into books/<name>/ and pulled the next time
    assert (office / "books" / "beta" / "casebook.yaml").is_file()
    code, out, _ = run("office", "status", "--office", str(office), "--today", TODAY.isoformat(),
                       "--json", "--jobs", "2")
    parallel = json.loads(out)
    assert [b["notes"] for b in parallel["books"] if b["name"] == "gamma"] == [["pulled origin/main"]]
    code, out, _ = run("office", "status", "--office", str(office), "--today", TODAY.isoformat(),
                       "--json", "--jobs", "1")
    assert without_timing(json.loads(out)) == without_timing(parallel)
    expected = summed_status(office)
    eur = parallel["totals"]["currencies"]["EUR"]
    assert (parallel["totals"]["cases"], parallel["totals"]["open_cases"]) == \
        (expected["cases"], expected["open_cases"])
    assert (Decimal(eur["open"]), Decimal(eur["overdue"])) == (expected["open"], expected["overdue"])
    assert {b: Decimal(a) for b, a in eur["aging"].items()} == expected["aging"]


def test_check_fails_the_broken_book_only(office: Path) -> None:
    code, out, err = run("office", "check", "--office", str(office))
    assert code == 1
    assert "broken: FAILED: 1 problem(s): casebook.yaml:8: `jurisdiction`: 'XX' is not one of BE, NL" in err
    assert "  casebook.yaml:8: `jurisdiction`" in err
    assert sum(": ok, " in line for line in out.splitlines()) == 4
    assert out.splitlines()[-1].endswith("0 action(s) taken, 1 failed")


def test_advance_push_over_the_office(office: Path) -> None:
    broken_before = state(book_root(office, "broken"))
    refused = book_root(office, "refused")
    refused_remote = git(office.parent / "remotes" / "refused.git", "rev-parse", "main").strip()
    code, out, err = run("office", "advance", "--push", "--office", str(office),
                         "--today", TODAY.isoformat(), "--json")
    assert code == 1, err
    data = json.loads(out)
    books = {b["name"]: b for b in data["books"]}
    assert [b["name"] for b in data["books"]] == list(BOOKS)  # office.yaml's order
    for name in ("acme", "beta", "gamma"):
        book = books[name]
        assert book["ok"] and book["actions"] == BOOKS[name][1], book
        assert "pushed to origin/main" in book["notes"]
        root = book_root(office, name)
        remote = office.parent / "remotes" / f"{name}.git"
        assert git(root, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
        assert len(git(remote, "log", "--format=%s", "main").splitlines()) == 1 + BOOKS[name][1]
        assert book["figures"]["stages"] == {"reminder": BOOKS[name][1]}
    # the broken book: refused before anything was written
    broken = books["broken"]
    assert not broken["ok"] and broken["actions"] == 0
    assert broken["error"] == ("the book has problems; fix them before advancing (see `casebook "
                               "check`): casebook.yaml:8: `jurisdiction`: 'XX' is not one of BE, NL")
    assert state(book_root(office, "broken")) == broken_before
    # the refused push: the actions are committed and kept, and said
    book = books["refused"]
    assert not book["ok"] and book["actions"] == 2 and book["commits_kept"] == 2
    assert re.search(r"origin kept refusing after 5 attempts: .*pre-receive hook declined.*; "
                     r"2 local commit\(s\) kept, not pushed$", book["error"]), book["error"]
    assert git(office.parent / "remotes" / "refused.git", "rev-parse", "main").strip() == refused_remote
    log = git(refused, "log", "--format=%s", f"{refused_remote}..HEAD").splitlines()
    assert sorted(log) == ["refused-klant-0: reminder (email)", "refused-klant-1: reminder (email)"]
    assert git(refused, "status", "--porcelain") == ""
    totals = data["totals"]
    assert (totals["books"], totals["failed"], totals["actions"]) == (5, 2, 8)
    # the same day again: nothing left to do, the refused book still says its commits
    code, out, err = run("office", "advance", "--push", "--office", str(office),
                         "--today", TODAY.isoformat(), "--jobs", "1")
    assert code == 1
    assert out.splitlines()[-1].endswith("0 action(s) taken, 2 failed")
    assert "refused: FAILED: origin kept refusing" in err and "2 local commit(s) kept" in err
    assert "acme: ok, 2 cases (2 open), open EUR 343.00, overdue EUR 343.00, pulled origin/main, " \
           "pushed to origin/main" in out


def test_the_site_of_the_office(office: Path, tmp_path: Path) -> None:
    run("office", "advance", "--office", str(office), "--today", TODAY.isoformat())
    out_dir = tmp_path / "public"
    code, out, err = run("office", "site", "--office", str(office), "--today", TODAY.isoformat(),
                         "--out", str(out_dir))
    assert code == 0, err
    assert out.splitlines()[-1] == f"open {out_dir / 'index.html'}"
    page = (out_dir / "index.html").read_text()
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';' in page
    assert "<script" not in page
    assert (out_dir / "assets" / "site.css").is_file()
    links = re.findall(r'href="([^"]+)"', page)
    for name in BOOKS:
        assert f"{name}/index.html" in links
        assert (out_dir / name / "index.html").is_file()
        assert (out_dir / name / "forecast.html").is_file()
    for link in links:
        assert (out_dir / link.split("#")[0]).is_file() or link.startswith("#"), link
    # the totals row is the books' `casebook status --json` summed
    expected = summed_status(office)
    row = re.search(r'<tr data-currency="EUR">(.*?)</tr>', page, re.S).group(1)
    values = dict(re.findall(r'data-(?:key|bucket)="([^"]+)"><data class="amount" value="([^"]+)"', row))
    assert Decimal(values.pop("open")) == expected["open"]
    assert Decimal(values.pop("overdue")) == expected["overdue"]
    assert {b: Decimal(a) for b, a in values.items()} == expected["aging"]
    # each book's panel: its own figures, its stages
    acme = status_json(book_root(office, "acme"))
    panel = re.search(r'data-book="acme" aria-labelledby.*?</section>', page, re.S).group(0)
    assert f'value="{acme["totals"]["open"]}"' in panel and 'data-stage="reminder"' in panel
    # built again: the books' sites are brought up to date, nothing rewritten
    code, out, _ = run("office", "site", "--office", str(office), "--today", TODAY.isoformat(),
                       "--out", str(out_dir), "--json")
    assert code == 0
    for book in json.loads(out)["books"]:
        assert [n for n in book["notes"] if n.startswith("site:")] == \
            ["site: 0 written, 0 unchanged"], book


def test_a_missing_book_fails_alone(tmp_path: Path) -> None:
    office = make_office(tmp_path)
    with (office / "office.yaml").open("a") as handle:
        handle.write("  - {name: gone, path: ../nowhere}\n")
        handle.write(f"  - {{name: lost, url: {(tmp_path / 'no-such.git').as_uri()}}}\n")
    code, out, err = run("office", "status", "--office", str(office), "--today", TODAY.isoformat())
    assert code == 1
    assert f"gone: FAILED: no book at {tmp_path / 'nowhere'} (office.yaml line 10)" in err
    assert re.search(r"lost: FAILED: cloning file://\S+ failed: .*", err), err
    assert out.splitlines()[-1].startswith("7 books, 10 cases") and out.endswith("2 failed\n")


def test_usage_errors(tmp_path: Path) -> None:
    code, _, err = run("office", "status", "--office", str(tmp_path))
    assert code == 2 and "no office at" in err
    office = make_office(tmp_path)
    code, _, err = run("office", "site", "--office", str(office), "--out", str(office))
    assert code == 2 and "the office folder itself cannot hold the site" in err
    code, _, err = run("office", "site", "--office", str(office), "--out",
                       str(tmp_path / "acme" / "cases"))
    assert code == 1 and "the site cannot be written to" in err
