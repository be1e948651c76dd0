"""The build's own caches (timelines kept as stored, compiled templates) give the pages of a
fresh build, byte for byte."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casebook.site import build_site
from casebook.site.timeline import Timelines, read_timelines


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(".casebook-")}


def test_stored_timelines_are_the_timelines_read_from_git(make_book, tmp_path):
    root = make_book({"cases/other/debtor.yaml": "name: Other BV\n"})
    out = tmp_path / "site"
    read_timelines(root, out)
    (root / "cases/other/notes").mkdir()
    (root / "cases/other/notes/2026-10-01-call.md").write_text("---\ndate: 2026-10-01\n---\n\nHi\n")
    from tests.conftest import git
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "other: a call")
    since = read_timelines(root, out)  # the cache and one commit read from git
    stored = read_timelines(root, out)  # the cache alone
    whole = Timelines.of(__import__("casebook.record.history", fromlist=["x"]).read_history(root))
    for cid in ("janssens", "other", "nobody"):
        assert stored.shas(cid) == since.shas(cid) == whole.shas(cid)
        assert stored.for_case(cid) == since.for_case(cid) == whole.for_case(cid)
    assert len(whole.for_case("other")) == 2


def test_a_rebuild_with_compiled_templates_gives_the_pages_of_a_fresh_build(make_book, tmp_path):
    root = make_book({"cases/other/debtor.yaml": "name: Other BV\n"})
    today = date(2026, 11, 20)
    build_site(root, out=tmp_path / "a", today=today)
    compiled = root / ".git/casebook/site-templates"
    assert list(compiled.glob("*.cache"))
    (root / "cases/other/payments").mkdir()
    (root / "cases/other/payments/p.yaml").write_text("date: 2026-11-02\namount: 1\n")
    build_site(root, out=tmp_path / "a", today=today)
    for cache in compiled.glob("*.cache"):
        cache.unlink()
    build_site(root, out=tmp_path / "b", today=today)
    assert _pages(tmp_path / "a") == _pages(tmp_path / "b")


def test_timelines_kept_as_a_delta_beside_the_cache_are_the_timelines_read_from_git(
        make_book, tmp_path, monkeypatch):
    from casebook.record.history import read_history
    from casebook.site import timeline
    from tests.conftest import git

    root = make_book({"cases/other/debtor.yaml": "name: Other BV\n"})
    out = tmp_path / "site"
    read_timelines(root, out)
    main = (out / timeline.CACHE).read_bytes()
    monkeypatch.setattr(timeline, "DELTA_SHARE", 10.0)  # every new commit goes to the delta
    for n, case in enumerate(("other", "janssens", "other", "third")):
        notes = root / "cases" / case / "notes"
        notes.mkdir(parents=True, exist_ok=True)
        if case == "third":
            (root / "cases/third/debtor.yaml").write_text("name: Third BV\n")
        (notes / f"2026-10-0{n + 1}-call.md").write_text(f"---\ndate: 2026-10-0{n + 1}\n---\n\nHi\n")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"{case}: call {n}")
        read_timelines(root, out)
        with monkeypatch.context() as no_git:
            no_git.setattr(timeline, "read_history", None)  # the cache and its delta alone
            stored = read_timelines(root, out)
        whole = Timelines.of(read_history(root))
        for cid in ("janssens", "other", "third"):
            assert stored.shas(cid) == whole.shas(cid)
            assert stored.for_case(cid) == whole.for_case(cid)
        assert (out / timeline.CACHE).read_bytes() == main  # only the delta was written
    assert (out / timeline.DELTA).is_file()
    monkeypatch.setattr(timeline, "DELTA_SHARE", 0.0)
    (root / "cases/other/notes/2026-10-09-call.md").write_text("---\ndate: 2026-10-09\n---\n\nHi\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "other: call again")
    folded = read_timelines(root, out)
    assert not (out / timeline.DELTA).exists()  # folded into the main file
    assert read_timelines(root, out).shas("other") == folded.shas("other") == \
        Timelines.of(read_history(root)).shas("other")
    (out / timeline.DELTA).write_text('{"version": 1, "base": "nonsense"')  # damaged: ignored
    assert read_timelines(root, out).shas("third") == Timelines.of(read_history(root)).shas("third")
