"""`casebook export`: one case of a 50-debtor book as a git bundle, opened with plain git."""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from casebook.cli import main
from casebook.book.errors import BookError
from casebook.export.bundle import export_case
from casebook.export.rewrite import with_trailer

TZ = timezone(timedelta(hours=1))
WHEN = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
TODAY = date(2026, 11, 24)
SETTINGS = """\
creditor:
  name: Studio Noord BV
  iban: BE68539007547034
  bic: GKCCBEBB
  email: boekhouding@studionoord.be
jurisdiction: BE
language: nl
default_policy: standard
operator: {name: Casebook Robot, email: robot@studionoord.be}
"""
POLICY = """\
stages:
  - {id: reminder, after_due: 7, channel: email, template: reminder, deadline_days: 10}
  - {id: agency, after_previous: 21, channel: agency, template: handover}
"""
COUNT = 50
CHOSEN = 7


def be_iban(n: int) -> str:
    first = f"{(n * 7919 + 123) % 10**10:010d}"
    bban = f"{first}{int(first) % 97 or 97:02d}"
    return f"BE{98 - int(bban + '111400') % 97:02d}{bban}"


def debtor(n: int) -> dict[str, str]:
    return {
        "id": f"debtor-{n:02d}",
        "name": f"Firma Zeldzaam{n:02d}",
        "email": f"boekhouding{n:02d}@zeldzaam{n:02d}.example",
        "iban": be_iban(n),
        "invoice": f"F2026-{n:02d}77",
    }


def secrets(n: int) -> list[str]:
    d = debtor(n)
    return [d["name"], d["email"], d["iban"], d["invoice"], d["id"]]


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True,
        env={**os.environ, **(env or {})},
    ).stdout


def write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def commit(root: Path, message: str, paths: list[str], *, who: str, day: int) -> str:
    env = {
        "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": f"{who.split()[0].lower()}@studionoord.be",
        "GIT_AUTHOR_DATE": f"2026-{9 + day // 28:02d}-{1 + day % 28:02d}T09:{day % 60:02d}:00+02:00",
        "GIT_COMMITTER_NAME": "Night Run", "GIT_COMMITTER_EMAIL": "cron@studionoord.be",
        "GIT_COMMITTER_DATE": f"2026-{9 + day // 28:02d}-{1 + day % 28:02d}T23:00:00+02:00",
    }
    git(root, "add", "--", *paths)
    git(root, "commit", "-q", "-m", message, "--", *paths, env=env)
    return git(root, "rev-parse", "HEAD").strip()


def case_files(n: int) -> dict[str, str]:
    d = debtor(n)
    base = f"cases/{d['id']}"
    attachment = "attachment: invoice-copy.pdf\n" if n == CHOSEN else ""
    return {
        f"{base}/debtor.yaml": (
            f"name: {d['name']}\nemail: {d['email']}\niban: {d['iban']}\nsegment: standard\n"
        ),
        f"{base}/invoices/{d['invoice']}.yaml": (
            f"number: {d['invoice']}\nissued: 2026-08-01\ndue: 2026-09-01\namount: \"{100 + n}.00\"\n{attachment}"
        ),
    }


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A book of 50 debtors; returns it with the commits that touched the chosen case."""
    root = tmp_path_factory.mktemp("export") / "book"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "casebook.yaml", SETTINGS)
    write(root, "policies/standard.yaml", POLICY)
    write(root, ".gitignore", "*.pdf\n")
    files = {}
    for n in range(COUNT):
        files.update(case_files(n))
    for rel, text in files.items():
        write(root, rel, text)
    touching = [commit(root, "Start the book with 50 debtors", ["."], who="Ann Peeters", day=0)]
    chosen = debtor(CHOSEN)["id"]
    for day in range(1, 40):
        n = day % COUNT
        d = debtor(n)
        rel = f"cases/{d['id']}/notes/2026-09-{day:02d}-call.md"
        write(root, rel, f"---\ndate: 2026-09-{1 + day % 28:02d}\nchannel: phone\n---\n\nCalled {d['name']}.\n")
        sha = commit(root, f"{d['id']}: note of a call with {d['name']}", [rel], who="Bert Maes", day=day)
        if n == CHOSEN:
            touching.append(sha)
        if day % 9 == 0:  # a bank import touching the chosen case and another one
            other = debtor((day * 3) % COUNT if (day * 3) % COUNT != CHOSEN else 1)
            paths = []
            for d2 in (debtor(CHOSEN), other):
                rel = f"cases/{d2['id']}/payments/2026-09-{day:02d}-bank.yaml"
                write(root, rel, f"date: 2026-09-{1 + day % 28:02d}\namount: \"10.00\"\ninvoice: {d2['invoice']}\n")
                paths.append(rel)
            touching.append(commit(root, f"Bank import: payments of {chosen} and {other['name']}",
                                   paths, who="Ann Peeters", day=day))
    # An action commit of the chosen case, and one whose message names another debtor.
    base = f"cases/{chosen}/actions/2026-10-20-reminder"
    write(root, f"{base}.yaml", "date: 2026-10-20\nkind: stage\nstage: reminder\nchannel: email\n")
    write(root, f"{base}.md", f"Geachte {debtor(CHOSEN)['name']}, factuur {debtor(CHOSEN)['invoice']}.\n")
    touching.append(commit(
        root, f"{chosen}: reminder (email)\n\nCasebook-Case: {chosen}\nCasebook-Stage: reminder\n"
              "Casebook-Channel: email", [f"{base}.yaml", f"{base}.md"], who="Casebook Robot", day=50))
    rel = f"cases/{chosen}/notes/2026-10-21-group.md"
    write(root, rel, "---\ndate: 2026-10-21\nchannel: email\n---\n\nSame group, see the other file.\n")
    touching.append(commit(root, f"{chosen}: same owner as {debtor(3)['name']}", [rel],
                           who="Bert Maes", day=51))
    write(root, f"cases/{chosen}/invoice-copy.pdf", b"%PDF-1.4 the invoice copy\n")  # git-ignored
    return root, touching


@pytest.fixture(scope="module")
def exported(book: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory):
    root, touching = book
    out = tmp_path_factory.mktemp("agency") / "case.bundle"
    result = export_case(root, debtor(CHOSEN)["id"], today=TODAY, when=WHEN, out=out)
    clone = out.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(out), str(clone)], check=True)
    return root, touching, result, clone


def test_the_bundle_holds_exactly_the_commits_that_touched_the_case(exported) -> None:
    root, touching, result, clone = exported
    log = git(clone, "log", "--reverse", "--format=%an|%ae|%aI|%cn|%ce|%cI|%(trailers:key=Casebook-Original-Commit,valueonly)%x00")
    entries = [e.strip("\n") for e in log.split("\x00") if e.strip()]
    dossier = entries.pop()  # the last commit adds the dossier, dated like the book's commit
    source = git(root, "log", "-1", "--format=%cI", result.source_head).strip()
    assert dossier.startswith(f"Casebook Robot|robot@studionoord.be|{source}|Casebook Robot|")
    originals = [e.rsplit("|", 1)[1].strip() for e in entries]
    assert originals == touching
    for entry, sha in zip(entries, touching):
        expected = git(root, "log", "-1", "--format=%an|%ae|%aI|%cn|%ce|%cI", sha).strip()
        assert entry.rsplit("|", 1)[0] == expected
    assert result.commits == len(touching)


def test_each_commit_holds_the_case_folder_exactly_as_in_the_original(exported) -> None:
    root, touching, _, clone = exported
    folder = f"cases/{debtor(CHOSEN)['id']}"
    new = git(clone, "rev-list", "--reverse", "HEAD~1").split()
    for mine, original in zip(new, touching):
        assert git(clone, "rev-parse", f"{mine}:{folder}") == git(root, "rev-parse", f"{original}:{folder}")
        assert git(clone, "ls-tree", "--name-only", mine).split() == ["cases"]
        assert git(clone, "ls-tree", "--name-only", f"{mine}:cases").split() == [debtor(CHOSEN)["id"]]


def test_messages_are_kept_unless_they_could_name_another_debtor(exported) -> None:
    root, touching, result, clone = exported
    subjects = git(clone, "log", "--reverse", "--format=%s", "HEAD~1").splitlines()
    chosen = debtor(CHOSEN)["id"]
    assert subjects[0] == "Changes to this case"  # the first commit added all 50 debtors
    assert f"{chosen}: reminder (email)" in subjects
    assert f"{chosen}: note of a call with {debtor(CHOSEN)['name']}" in subjects
    mixed = [s for s in touching
             if len({p.split("/")[1] for p in git(root, "show", "--name-only", "--format=", s).split()
                     if p.startswith("cases/")}) > 1]
    assert len(mixed) == 5  # the first commit and four bank imports
    assert set(result.withheld) == {touching[0], touching[-1], *mixed}
    body = git(clone, "log", "-1", "--format=%B", f"HEAD~{len(touching) - touching.index(touching[1])}")
    assert body.rstrip("\n").endswith(f"\n\nCasebook-Original-Commit: {touching[1]}")


def test_the_clone_is_sound_and_its_manifest_checks(exported) -> None:
    _, _, _, clone = exported
    fsck = subprocess.run(["git", "fsck", "--full", "--strict"], cwd=clone, capture_output=True, text=True)
    assert fsck.returncode == 0 and "error" not in fsck.stderr.lower(), fsck.stderr
    check = subprocess.run(["sha256sum", "-c", "--strict", "MANIFEST.sha256"], cwd=clone,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = {line.split("  ", 1)[1] for line in (clone / "MANIFEST.sha256").read_text().splitlines()}
    tracked = set(git(clone, "ls-files").split()) - {"MANIFEST.sha256"}
    assert listed == tracked
    assert {"claim.json", "claim.html", "timeline.md"} <= tracked
    assert f"cases/{debtor(CHOSEN)['id']}/invoice-copy.pdf" in tracked  # ignored in the book, inside the case


def test_no_object_holds_another_debtors_data(exported) -> None:
    _, _, _, clone = exported
    everything = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=clone, capture_output=True, check=True
    ).stdout.lower()
    assert debtor(CHOSEN)["iban"].lower().encode() in everything  # the scan does see data
    for n in range(COUNT):
        if n == CHOSEN:
            continue
        for secret in secrets(n):
            assert secret.lower().encode() not in everything, (n, secret)


def test_the_dossier_holds_the_claim_and_the_timeline(exported) -> None:
    _, touching, _, clone = exported
    import json

    claim = json.loads((clone / "claim.json").read_text())
    assert claim["case"] == debtor(CHOSEN)["id"] and claim["as_of"] == "2026-11-24"
    assert claim["invoices"][0]["number"] == debtor(CHOSEN)["invoice"]
    paid = len(list((clone / f"cases/{debtor(CHOSEN)['id']}/payments").iterdir())) * 10
    assert paid and claim["principal"] == f"{100 + CHOSEN - paid:.2f}"
    html = (clone / "claim.html").read_text()
    assert "<script" not in html and debtor(CHOSEN)["name"] in html and claim["total"] in html
    timeline = (clone / "timeline.md").read_text()
    assert touching[1][:12] in timeline and "reminder" in timeline


def test_the_handover_is_an_action_committed_in_the_book(exported) -> None:
    root, _, result, _ = exported
    chosen = debtor(CHOSEN)["id"]
    assert result.handover_file == f"cases/{chosen}/actions/2026-11-24-handover.yaml"
    record = yaml.safe_load(git(root, "show", f"HEAD:{result.handover_file}"))
    assert record["kind"] == "handover" and record["channel"] == "agency" and record["stage"] == "agency"
    assert record["bundle"] == "case.bundle"
    assert record["sha256"] == hashlib.sha256(result.bundle.read_bytes()).hexdigest() == result.sha256
    assert git(root, "rev-parse", "HEAD").strip() == result.handover
    trailers = git(root, "log", "-1", "--format=%(trailers:only,unfold)")
    assert f"Casebook-Case: {chosen}" in trailers and "Casebook-Stage: agency" in trailers
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [result.handover_file]
    assert git(root, "status", "--porcelain") == ""
    from casebook.book.load import load_book
    from casebook.export.verify import verify

    book, problems = load_book(root)
    assert not [p for p in problems if p.path == result.handover_file]
    [handover] = [a for a in book.cases[chosen].actions if a.kind == "handover"]
    assert (handover.stage, handover.channel, handover.source.path) == ("agency", "agency", result.handover_file)
    assert verify(root, fsck=False).findings == ()


def test_with_trailer_joins_an_existing_trailer_block() -> None:
    assert with_trailer("a: b\n\nCasebook-Case: x\n", "K: v") == "a: b\n\nCasebook-Case: x\nK: v\n"
    assert with_trailer("subject only\n", "K: v") == "subject only\n\nK: v\n"
    assert with_trailer("Key: looks like a trailer\n", "K: v") == "Key: looks like a trailer\n\nK: v\n"


# -- refusals ------------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "casebook.yaml", SETTINGS)
    write(root, "policies/standard.yaml", POLICY)
    for n in range(2):
        for rel, text in case_files(n).items():
            write(root, rel, text)
    commit(root, "start", ["."], who="Ann Peeters", day=0)
    return root


def test_an_attachment_outside_the_case_folder_is_refused(small: Path) -> None:
    case = debtor(0)["id"]
    inv = f"cases/{case}/invoices/{debtor(0)['invoice']}.yaml"
    write(small, inv, (small / inv).read_text() + "attachment: ../debtor-01/secret.pdf\n")
    commit(small, "attach", [inv], who="Ann Peeters", day=1)
    with pytest.raises(BookError) as error:
        export_case(small, case, today=TODAY, when=WHEN, out=small.parent / "x.bundle")
    assert "attachment" in str(error.value.problems[0]) and inv in str(error.value.problems[0])
    assert not (small.parent / "x.bundle").exists()


def test_a_symlink_leaving_the_case_folder_is_refused(small: Path) -> None:
    case = debtor(0)["id"]
    link = small / f"cases/{case}/invoices/copy.pdf"
    os.symlink(f"../../{debtor(1)['id']}/debtor.yaml", link)
    inv = f"cases/{case}/invoices/{debtor(0)['invoice']}.yaml"
    write(small, inv, (small / inv).read_text() + "attachment: invoices/copy.pdf\n")
    commit(small, "attach", [inv, f"cases/{case}/invoices/copy.pdf"], who="Ann Peeters", day=1)
    with pytest.raises(BookError) as error:
        export_case(small, case, today=TODAY, when=WHEN, out=small.parent / "x.bundle")
    assert "leaves the case folder" in " ".join(str(p) for p in error.value.problems)


def test_a_committed_symlink_is_never_exported(small: Path) -> None:
    case = debtor(0)["id"]
    os.symlink("debtor.yaml", small / f"cases/{case}/alias.yaml")
    commit(small, "alias", [f"cases/{case}/alias.yaml"], who="Ann Peeters", day=1)
    with pytest.raises(BookError, match="links"):
        export_case(small, case, today=TODAY, when=WHEN, out=small.parent / "x.bundle")


def test_uncommitted_changes_in_the_case_are_refused(small: Path) -> None:
    case = debtor(0)["id"]
    write(small, f"cases/{case}/notes/draft.md", "half written\n")
    with pytest.raises(BookError, match="uncommitted changes"):
        export_case(small, case, today=TODAY, when=WHEN, out=small.parent / "x.bundle")


def test_a_file_naming_another_debtor_stops_the_export_unless_allowed(small: Path) -> None:
    case = debtor(0)["id"]
    rel = f"cases/{case}/notes/2026-10-01-x.md"
    write(small, rel, f"---\ndate: 2026-10-01\n---\n\nPaid for by {debtor(1)['name']}.\n")
    commit(small, "note", [rel], who="Ann Peeters", day=1)
    with pytest.raises(BookError) as error:
        export_case(small, case, today=TODAY, when=WHEN, out=small.parent / "x.bundle")
    assert [str(p) for p in error.value.problems] == [f"{rel}:1: names {debtor(1)['id']}"]
    assert not (small.parent / "x.bundle").exists()
    result = export_case(small, case, today=TODAY, when=WHEN, out=small.parent / "x.bundle",
                         allow_mentions=True, record=False)
    assert result.mentions and result.handover is None


def test_the_cli_writes_the_bundle_and_says_how_to_open_it(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "agency.bundle"
    runner = CliRunner()
    result = runner.invoke(main, ["export", debtor(1)["id"], "--book", str(small), "--out", str(out),
                                  "--today", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert "git clone" in result.output and str(out) in result.output
    missing = runner.invoke(main, ["export", "nobody", "--book", str(small), "--out", str(out)])
    assert missing.exit_code == 1 and "no case 'nobody'" in missing.output


def test_side_branch_work_is_exported_in_order_and_the_last_state_wins(small: Path, tmp_path: Path) -> None:
    case = debtor(0)["id"]
    git(small, "checkout", "-q", "-b", "side")
    write(small, f"cases/{case}/notes/2026-10-02-side.md", "---\ndate: 2026-10-02\n---\n\nside\n")
    side = commit(small, "note on a side branch", [f"cases/{case}/notes/2026-10-02-side.md"],
                  who="Bert Maes", day=2)
    git(small, "checkout", "-q", "main")
    write(small, f"cases/{case}/notes/2026-10-03-main.md", "---\ndate: 2026-10-03\n---\n\nmain\n")
    main_note = commit(small, "note on main", [f"cases/{case}/notes/2026-10-03-main.md"],
                       who="Ann Peeters", day=3)
    git(small, "merge", "-q", "--no-edit", "side")
    out = tmp_path / "merged.bundle"
    result = export_case(small, case, today=TODAY, when=WHEN, out=out, record=False)
    clone = tmp_path / "merged"
    subprocess.run(["git", "clone", "-q", str(out), str(clone)], check=True)
    originals = git(clone, "log", "--reverse", "--format=%(trailers:key=Casebook-Original-Commit,valueonly)",
                    "HEAD~1").split()
    assert set(originals) >= {side, main_note} and len(originals) == result.commits
    assert git(clone, "rev-parse", f"HEAD:cases/{case}") == git(small, "rev-parse", f"HEAD:cases/{case}")
    assert git(clone, "rev-list", "--merges", "HEAD") == ""  # one line of history
    subprocess.run(["git", "fsck", "--full", "--strict"], cwd=clone, check=True, capture_output=True)


def test_a_caller_holding_the_lock_passes_its_store(small: Path, tmp_path: Path) -> None:
    from casebook.record.gitstore import Store

    store = Store(small)
    with store.lock():
        result = export_case(small, debtor(0)["id"], today=TODAY, when=WHEN,
                             out=tmp_path / "held.bundle", store=store)
    assert result.handover and git(small, "rev-parse", "HEAD").strip() == result.handover


def test_the_same_book_and_date_give_the_same_bundle_and_a_rerun_records_nothing(
    small: Path, tmp_path: Path
) -> None:
    case = debtor(0)["id"]
    first = export_case(small, case, today=TODAY, when=WHEN, out=tmp_path / "a.bundle", record=False)
    again = export_case(small, case, today=TODAY, when=WHEN + timedelta(hours=3),
                        out=tmp_path / "b.bundle", record=False)
    assert (tmp_path / "a.bundle").read_bytes() == (tmp_path / "b.bundle").read_bytes()
    assert first.sha256 == again.sha256
    recorded = export_case(small, case, today=TODAY, when=WHEN, out=tmp_path / "c.bundle")
    head = git(small, "rev-parse", "HEAD").strip()
    rerun = export_case(small, case, today=TODAY, when=WHEN, out=tmp_path / "c.bundle")
    assert rerun.already and rerun.handover == recorded.handover == head
    assert git(small, "rev-parse", "HEAD").strip() == head
    result = CliRunner().invoke(main, ["export", case, "--book", str(small), "--out",
                                       str(tmp_path / "c.bundle"), "--today", "2026-11-24"])
    assert result.exit_code == 0 and "Already handed over" in result.output
