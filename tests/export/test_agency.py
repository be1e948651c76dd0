"""The agency's side: a creditor's case handed over (`export`), taken into an agency's book of
many creditors (`receive`), worked there (`pay`, `note`) and its payments and notes sent
back (`export --back`, `receive` in the creditor's book), both on git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from casebook.cli import main
from tests.export.test_export import be_iban

CASE = "bakkerij-janssens"
POLICY = """\
stages:
  - {id: reminder, after_due: 7, channel: email, template: reminder, deadline_days: 10}
  - {id: agency, after_previous: 21, channel: agency, template: handover}
"""


def settings(name: str, iban: str, email: str, *, jurisdiction: str = "BE", language: str = "nl") -> str:
    return (f"creditor: {{name: {name}, iban: {iban}, email: {email}}}\njurisdiction: {jurisdiction}\n"
            f"language: {language}\ndefault_policy: standard\n"
            f"operator: {{name: Robot of {name}, email: robot@{email.split('@')[1]}}}\n")


# Three creditors (the agency's clients) and their debtors. Everything here but the chosen
# case of Studio Noord must stay where it is.
STUDIO = ("Studio Noord BV", "BE68539007547034", "boekhouding@studionoord.example")
OTHERS = {
    "drukkerij": ("Drukkerij Hollands BV", "NL91ABNA0417164300", "debiteuren@hollands.example", "NL", "en"),
    "garage": ("Garage Vermeulen Zeldzaam", be_iban(801), "admin@vermeulengarage.example", "BE", "fr"),
}
DEBTORS = {  # book -> case id -> (name, email, iban, invoice number)
    "studio": {
        CASE: ("Bakkerij Janssens BV", "info@janssens.example", be_iban(1), "SN-2026-0042"),
        "bolt-kortrijk": ("Bolt Kortrijk Uniek NV", "factuur@boltuniek.example", be_iban(2), "SN-2026-0777"),
    },
    "drukkerij": {
        "lampen-lamp": ("Lampenwinkel Lumen Uniek", "inkoop@lumenuniek.example", be_iban(3), "DH-9931"),
    },
    "garage": {
        "chez-quelquun": ("Chez Quelquun Rare SPRL", "compta@quelquunrare.example", be_iban(4), "GV-5512"),
    },
}
AGENCY = ("Incasso Agentschap NV", be_iban(900), "dossiers@incassoagent.example")


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.output


def fails(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 1, (args, result.output)
    return result.stderr


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def commit(root: Path, message: str, *paths: str) -> None:
    git(root, "add", "--", *paths)
    git(root, "commit", "-q", "-m", message, "--", *paths)


def make_book(root: Path, text: str, cases: dict[str, tuple[str, str, str, str]]) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    write(root, "casebook.yaml", text)
    write(root, "policies/standard.yaml", POLICY)
    for case_id, (name, email, iban, number) in cases.items():
        write(root, f"cases/{case_id}/debtor.yaml", f"name: {name}\nemail: {email}\niban: {iban}\n")
        write(root, f"cases/{case_id}/invoices/{number}.yaml",
              f"number: {number}\nissued: 2026-08-01\ndue: 2026-09-01\namount: \"1210.00\"\n")
    commit(root, "New book", ".")
    for case_id, (name, *_rest) in cases.items():
        write(root, f"cases/{case_id}/notes/2026-10-01-call.md",
              f"---\ndate: 2026-10-01\nchannel: phone\n---\n\nCalled {name}.\n")
        commit(root, f"{case_id}: note of a call with {name}", f"cases/{case_id}/notes/2026-10-01-call.md")
    return root


def secrets(*books: str, but: str = CASE) -> list[str]:
    """What identifies the other cases and creditors."""
    found = []
    for book, cases in DEBTORS.items():
        if book in books:
            for case_id, values in cases.items():
                if case_id != but:
                    found += [case_id, *values]
    for book in books:
        if book in OTHERS:
            found += list(OTHERS[book][:3])
    return found


def objects_of(bundle: Path, tmp: Path) -> bytes:
    """Every object that crossed: all objects of the bundle, as `git cat-file` shows them."""
    scratch = tmp / f"scan-{bundle.name}"
    git(tmp, "init", "-q", "--bare", str(scratch))
    git(scratch, "fetch", "-q", str(bundle), "+refs/heads/main:refs/heads/main")
    return subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=scratch,
                          capture_output=True, check=True).stdout.lower()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("agency")
    studio = make_book(tmp / "studio", settings(*STUDIO), DEBTORS["studio"])
    agency = make_book(tmp / "agency", settings(*AGENCY), {})
    for key, (name, iban, email, jurisdiction, language) in OTHERS.items():
        book = make_book(tmp / key, settings(name, iban, email, jurisdiction=jurisdiction,
                                             language=language), DEBTORS[key])
        for case_id in DEBTORS[key]:
            out = tmp / f"{key}-{case_id}.bundle"
            run("export", case_id, "--yes", "--out", str(out), "--today", "2026-11-20", "--book", str(book))
            run("receive", str(out), "--book", str(agency))
    return {"tmp": tmp, "studio": studio, "agency": agency}


@pytest.fixture(scope="module")
def handed(world: dict[str, Path]) -> dict[str, Path]:
    tmp, studio, agency = world["tmp"], world["studio"], world["agency"]
    bundle = tmp / "janssens-1.bundle"
    run("export", CASE, "--yes", "--out", str(bundle), "--today", "2026-11-24", "--book", str(studio))
    said = run("receive", str(bundle), "--today", "2026-11-25", "--book", str(agency))
    assert f"Received cases/{CASE}/ from Studio Noord BV" in said
    # The agency works the case: a payment, a call, a letter of its own, and a bank import
    # that also books a payment of another creditor's case.
    run("pay", CASE, "100.00", "--date", "2026-12-01", "--reference", "AG-0001", "--book", str(agency))
    run("note", CASE, "--channel", "phone", "--with", "Mevrouw Janssens", "--date", "2026-12-02",
        "-m", "Pays the rest in two parts.", "--book", str(agency))
    write(agency, f"cases/{CASE}/actions/2026-12-03-agency-letter.md", "Our own letter, our own policy.\n")
    commit(agency, f"{CASE}: agency letter", f"cases/{CASE}/actions/2026-12-03-agency-letter.md")
    paths = []
    for case_id in (CASE, "lampen-lamp"):
        rel = f"cases/{case_id}/payments/2026-12-04-bank.yaml"
        write(agency, rel, "date: 2026-12-04\namount: \"10.00\"\nreference: AG-BANK-77\n")
        paths.append(rel)
    commit(agency, "Bank import: Lampenwinkel Lumen Uniek and Bakkerij Janssens", *paths)
    back = tmp / "janssens-back-1.bundle"
    said = run("export", CASE, "--back", "--out", str(back), "--book", str(agency), "--today", "2026-12-05")
    assert "3 commit(s)" in said
    studio_head = git(studio, "rev-parse", "HEAD").strip()
    said = run("receive", str(back), "--book", str(studio))
    assert "Received from the agency" in said
    return {**world, "bundle": bundle, "back": back, "studio_before_back": Path(studio_head)}


def test_the_case_arrives_with_its_history_and_its_creditor(handed) -> None:
    studio, agency, bundle = handed["studio"], handed["agency"], handed["bundle"]
    folder = agency / "cases" / CASE
    creditor = yaml.safe_load((folder / "creditor.yaml").read_text())
    assert creditor["creditor"]["name"] == "Studio Noord BV" and creditor["jurisdiction"] == "BE"
    assert {p.name for p in (folder / "dossier").iterdir()} == {
        "claim.json", "claim.html", "timeline.md", "MANIFEST.sha256"}
    tip = git(agency, "bundle", "list-heads", str(bundle)).split()[0]
    pairs = git(agency, "log", "--format=%H %(trailers:key=Casebook-Original-Commit,valueonly)", f"{tip}~1")
    lines = [line for line in pairs.splitlines() if line.strip()]
    assert len(lines) == 2  # the new book (its message withheld: other cases) and the note
    for line in lines:
        mine, original = line.split()
        assert git(agency, "merge-base", "--is-ancestor", mine, "HEAD") == ""
        assert git(agency, "rev-parse", f"{mine}:cases/{CASE}") == git(studio, "rev-parse", f"{original}:cases/{CASE}")
    # The other creditors' cases are there, each with its own creditor.
    for key, cases in DEBTORS.items():
        if key in OTHERS:
            for case_id in cases:
                text = (agency / "cases" / case_id / "creditor.yaml").read_text()
                assert OTHERS[key][0] in text


def test_both_books_check_and_verify_clean(handed) -> None:
    for book in (handed["studio"], handed["agency"]):
        run("check", "--book", str(book))
        run("verify", "--book", str(book))
        assert git(book, "status", "--porcelain") == ""


def back_folders(path: str) -> bool:
    return path.startswith((f"cases/{CASE}/payments/", f"cases/{CASE}/notes/"))


def test_payments_and_notes_come_back_and_nothing_else(handed) -> None:
    studio, agency, before = handed["studio"], handed["agency"], str(handed["studio_before_back"])
    changed = git(studio, "diff", "--name-only", before, "HEAD").split()
    assert len(changed) == 3 and all(back_folders(p) for p in changed), changed
    assert not (studio / f"cases/{CASE}/actions/2026-12-03-agency-letter.md").exists()
    replayed = git(studio, "rev-list", "--reverse", f"{before}..HEAD").split()
    assert len(replayed) == 3  # the payment, the note, the bank import: one commit each
    for sha in replayed:
        assert git(studio, "rev-list", "--parents", "-1", sha).split()[1:] != []  # one line
        touched = git(studio, "show", "--name-only", "--format=", sha).split()
        assert touched and all(back_folders(p) for p in touched), touched
        agency_commit = git(studio, "log", "-1", "--format=%(trailers:key=Casebook-Agency-Commit,valueonly)", sha).strip()
        assert git(agency, "cat-file", "-t", agency_commit).strip() == "commit"
        assert git(studio, "log", "-1", "--format=%an %aI", sha) == git(agency, "log", "-1", "--format=%an %aI", agency_commit)
    subjects = git(studio, "log", "--format=%s", f"{before}..HEAD").splitlines()
    assert "Changes to this case" in subjects  # the bank import also booked another creditor's case
    assert "lampenwinkel" not in git(studio, "log", "--format=%B", f"{before}..HEAD").lower()
    assert "Already received" in run("receive", str(handed["back"]), "--book", str(studio))


def test_no_object_that_crossed_names_another_case_or_creditor(handed) -> None:
    tmp = handed["tmp"]
    there = objects_of(handed["bundle"], tmp)
    back = objects_of(handed["back"], tmp)
    assert DEBTORS["studio"][CASE][2].lower().encode() in there  # the scan sees data
    assert b"100.00" in back and b"pays the rest" in back
    for secret in secrets("studio", "drukkerij", "garage"):
        assert secret.lower().encode() not in there, secret
        assert secret.lower().encode() not in back, secret


def test_a_second_handover_continues_the_history(handed) -> None:
    tmp, studio, agency = handed["tmp"], handed["studio"], handed["agency"]
    first_tip = git(agency, "bundle", "list-heads", str(handed["bundle"])).split()[0]
    write(studio, f"cases/{CASE}/invoices/SN-2026-0099.yaml",
          "number: SN-2026-0099\nissued: 2026-11-01\ndue: 2026-12-01\namount: \"500.00\"\n")
    commit(studio, f"{CASE}: invoice SN-2026-0099", f"cases/{CASE}/invoices/SN-2026-0099.yaml")
    bundle = tmp / "janssens-2.bundle"
    run("export", CASE, "--yes", "--out", str(bundle), "--today", "2026-12-10", "--book", str(studio))
    before = git(agency, "rev-parse", "HEAD").strip()
    said = run("receive", str(bundle), "--book", str(agency))
    assert "New handover of" in said
    second_tip = git(agency, "bundle", "list-heads", str(bundle)).split()[0]
    assert git(agency, "merge-base", "--is-ancestor", f"{first_tip}~1", second_tip) == ""  # shared ids
    files = git(agency, "ls-files", f"cases/{CASE}").split()
    assert f"cases/{CASE}/invoices/SN-2026-0099.yaml" in files
    assert len([f for f in files if "/payments/2026-12-01" in f]) == 1  # the agency's, once
    assert f"cases/{CASE}/actions/2026-12-03-agency-letter.md" in files  # stays with the agency
    assert len([f for f in files if "dossier/" in f]) == 4 and len(files) == len(set(files))
    assert "SN-2026-0099" in (agency / f"cases/{CASE}/dossier/claim.json").read_text()
    changed = git(agency, "diff", "--name-only", before, "HEAD").split()
    assert all(p.startswith(f"cases/{CASE}/") for p in changed)
    assert not [p for p in changed if "/payments/" in p or "/notes/" in p]  # it had them
    # The same bundle again changes nothing.
    assert "Already received" in run("receive", str(bundle), "--book", str(agency))
    # ... and the way back continues too.
    run("pay", CASE, "200.00", "--date", "2026-12-15", "--book", str(agency))
    back = tmp / "janssens-back-2.bundle"
    run("export", CASE, "--back", "--out", str(back), "--book", str(agency), "--today", "2026-12-16")
    before = git(studio, "rev-parse", "HEAD").strip()
    said = run("receive", str(back), "--book", str(studio))
    assert "1 new commit(s)" in said  # the payments and the note sent back before are not again
    [new] = git(studio, "diff", "--name-only", before, "HEAD").split()
    assert new.startswith(f"cases/{CASE}/payments/2026-12-15")
    for book in (studio, agency):
        run("check", "--book", str(book))
        run("verify", "--book", str(book))


def test_a_bad_bundle_is_refused_and_nothing_changes(handed) -> None:
    tmp, agency = handed["tmp"], handed["agency"]
    bad = tmp / "broken.bundle"
    data = handed["bundle"].read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    head, status = git(agency, "rev-parse", "HEAD"), git(agency, "status", "--porcelain")
    assert "git bundle verify" in fails("receive", str(bad), "--book", str(agency))
    assert (git(agency, "rev-parse", "HEAD"), git(agency, "status", "--porcelain")) == (head, status)
    bad.write_bytes(b"# v2 git bundle\nnot a bundle at all\n")
    assert "not a sound git bundle" in fails("receive", str(bad), "--book", str(agency))
    assert (git(agency, "rev-parse", "HEAD"), git(agency, "status", "--porcelain")) == (head, status)


def test_a_case_id_of_another_creditor_is_refused(handed) -> None:
    tmp, agency = handed["tmp"], handed["agency"]
    other = make_book(tmp / "rival", settings("Rival Studio BV", be_iban(77), "x@rival.example"),
                      {"lampen-lamp": ("Lampen Lamp Twee BV", "y@lamp2.example", be_iban(78), "RS-1")})
    bundle = tmp / "rival.bundle"
    run("export", "lampen-lamp", "--yes", "--out", str(bundle), "--today", "2026-12-01", "--book", str(other))
    head = git(agency, "rev-parse", "HEAD")
    assert "from another creditor" in fails("receive", str(bundle), "--book", str(agency))
    assert git(agency, "rev-parse", "HEAD") == head
    run("receive", str(bundle), "--as", "lampen-lamp-rival", "--book", str(agency))
    assert (agency / "cases/lampen-lamp-rival/creditor.yaml").read_text().count("Rival Studio BV") == 1
    run("check", "--book", str(agency))
    run("verify", "--book", str(agency))


def test_uncommitted_changes_in_the_folder_are_refused(handed) -> None:
    agency = handed["agency"]
    draft = agency / f"cases/{CASE}/notes/draft.md"
    draft.write_text("half written\n")
    try:
        assert "uncommitted changes" in fails("receive", str(handed["bundle"]), "--book", str(agency))
    finally:
        os.unlink(draft)


def test_the_agency_works_the_case_under_its_own_policy(handed) -> None:
    """The creditor's reminders and handover came with the history (the second handover
    brings the record of the first); the agency's collection starts on the day it received
    the case, under its own policy, and is not ended by the creditor's handover."""
    agency = handed["agency"]
    files = git(agency, "ls-files", f"cases/{CASE}/actions").split()
    assert f"cases/{CASE}/actions/2026-11-24-handover.yaml" in files
    creditor = yaml.safe_load((agency / f"cases/{CASE}/creditor.yaml").read_text())
    assert str(creditor["received"]) == "2026-11-25"  # the first reception, kept
    data = yaml.safe_load(run("status", "--json", "--today", "2026-12-28", "--book", str(agency)))
    row = next(r for r in data["cases"] if r["case"] == CASE)
    assert row["status"] == "open" and row["next_action"]["stage"] == "reminder", row
    said = run("advance", CASE, "--today", "2026-12-28", "--book", str(agency))
    assert "took 1 action(s)" in said, (row, said) and f"{CASE}: " in said
    run("check", "--book", str(agency))
    run("verify", "--book", str(agency))
