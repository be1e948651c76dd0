"""Every writing command killed at its crash points, then rerun: the book stays consistent.

For each command the test walks `CASEBOOK_CRASH_AT=*:1, *:2, ...` (every crash point the
command passes, in order: atomic writes, journal, branch move, working tree, index, email
markers) until the command runs to the end untouched. After each kill it waits for any git
process the killed run left behind, reruns the same command and checks:

- the rerun ends normally (no traceback; exit 0, or 1 with a clear message for a refusal);
- `git status` is clean: no half-written file, no leftover temporary file, no file
  without its commit and no commit without its file;
- `casebook check` finds no problem;
- the book holds exactly what an uninterrupted run leaves (same files, same bytes, except
  for the send times inside email markers), so nothing is recorded twice;
- the SMTP server received no email twice, and each email was either sent (`.sent`) or is
  reported as uncertain (`.sending` only; a crash between the server's 250 and the marker);
- each command added exactly as many commits as the uninterrupted run.

The points of a command are counted first (a run that passes them all), so a walk knows
where it ends. By default a command with more than its budget of points (a multi-case
`advance`) walks a seeded sample of them, which keeps the default run near a minute with
more than 200 kill points in all; `CASEBOOK_CRASH_FULL=1` walks every point of every
command. benchmarks/crash_sweep.py prints the counts and timings of the full sweep.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

import casebook.record.advance  # noqa: F401 - imported once here, not in every child
import casebook.export.bundle  # noqa: F401
import casebook.imports.invoices  # noqa: F401
import casebook.insight.segment  # noqa: F401
import casebook.letters.letter  # noqa: F401
import casebook.record.send  # noqa: F401
from casebook.book.check import check
from casebook.cli import main

from ..conftest import POLICY
from ..conftest import SETTINGS as BOOK_SETTINGS
from .test_crash_support import (
    SmtpServer, copy_book, files_of, git, run_cli, scratch, wait_for_orphans,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
TODAY = "2026-11-24"
FULL = os.environ.get("CASEBOOK_CRASH_FULL", "") not in ("", "0")
#: Points walked per command by default (all of them when it has fewer).
BUDGET = {"advance": 60}
DEFAULT_BUDGET = 30
#: Kill points the sweep must walk in all (issue 8).
MIN_POINTS = 200

SETTINGS = BOOK_SETTINGS + """\
operator: {name: Nightly Run, email: nightly@studionoord.be}
mail: {send: true, host: 127.0.0.1, port: PORT}
"""

BOOK = {
    "cases/janssens/debtor.yaml":
        "name: Bakkerij Janssens BV\nvat: BE0477472701\nemail: info@janssens.be\n",
    "cases/janssens/invoices/2026-0001.yaml":
        'number: "2026-0001"\nissued: 2026-09-01\ndue: 2026-10-01\namount: "1210.00"\n'
        "reference: +++010/8068/17183+++\n",
    "cases/janssens/invoices/2026-0010.yaml":
        'number: "2026-0010"\nissued: 2026-10-01\ndue: 2026-11-30\namount: "300.00"\n',
    "cases/janssens/invoices/2026-0011.yaml":
        'number: "2026-0011"\nissued: 2026-10-01\ndue: 2026-11-30\namount: "200.00"\n',
    "cases/janssens/notes/2026-11-02-dispute.md":
        "---\ndate: 2026-11-02\nchannel: phone\ndispute: {invoice: 2026-0011, reason: Late}\n"
        "---\n\nThe delivery came late.\n",
    "cases/janssens/scan.pdf": "%PDF-1.4 signed plan\n",
    "cases/transport-peeters/debtor.yaml":
        "name: Transport Peeters NV\niban: BE19 3630 7488 1212\nemail: boekhouding@peeters.be\n",
    "cases/transport-peeters/invoices/2026-0002.yaml":
        'number: "2026-0002"\nissued: 2026-10-01\ndue: 2026-10-31\namount: "500.00"\n',
    "cases/transport-peeters/invoices/2026-0003.yaml":
        'number: "2026-0003"\nissued: 2026-10-15\ndue: 2026-11-14\namount: "750.00"\n',
    "cases/tom-claes/debtor.yaml": "name: Tom Claes\nkind: consumer\nemail: tom@claes.be\n",
    "cases/tom-claes/invoices/2026-0004.yaml":
        'number: "2026-0004"\nissued: 2026-10-01\ndue: 2026-10-31\namount: "300.00"\n'
        "reference: RF47 2026 0004\n",
    "cases/menuiserie-dubois/debtor.yaml":
        "name: Menuiserie Dubois SRL\nlanguage: fr\nemail: compta@dubois.be\n",
    "cases/menuiserie-dubois/invoices/2026-0005.yaml":
        'number: "2026-0005"\nissued: 2026-10-01\ndue: 2026-10-31\namount: "400.00"\n',
    # More debtors with an email reminder due: the advance run sends one email each.
    **{f"cases/klant-{n}/debtor.yaml": f"name: Klant {n} BV\nemail: boekhouding@klant{n}.be\n"
       for n in range(1, 4)},
    **{f"cases/klant-{n}/invoices/K{n}.yaml":
       f'number: "K-{n}"\nissued: 2026-09-15\ndue: 2026-10-15\namount: "{n}20.00"\n'
       for n in range(1, 4)},
}


def book_args(root: Path) -> list[str]:
    return ["--book", str(root)]


# Each writing command, as a user types it; `{root}` and `{out}` are filled in per run.
COMMANDS: dict[str, list[str]] = {
    "pay": ["pay", "janssens", "50", "--date", "2026-11-20", "--invoice", "2026-0001",
            "--reference", "CRASH-1"],
    "note": ["note", "janssens", "--channel", "phone", "--with", "An De Smet", "--date",
             "2026-11-20", "-m", "Called: she pays on Friday."],
    "promise": ["promise", "janssens", "--date", "2026-12-04", "--amount", "500",
                "--today", TODAY, "-m", "Promised on the phone."],
    "dispute": ["dispute", "janssens", "--invoice", "2026-0010", "--reason",
                "Two cakes were missing", "--today", TODAY],
    "resolve": ["resolve", "janssens", "--invoice", "2026-0011", "--today", TODAY,
                "-m", "Credit note sent."],
    "plan": ["plan", "janssens", "--installment", "2026-12-15:400", "--installment",
             "2027-01-15:410", "--signed", "scan.pdf", "--today", TODAY],
    "import-camt053": ["import", "camt053", str(FIXTURES / "be-camt053-structured.xml")],
    "import-coda": ["import", "coda", str(FIXTURES / "be-coda-structured.cod")],
    "import-csv": ["import", "csv", str(FIXTURES / "invoices-export.csv"), "--map",
                   "number=Factuurnr,issued=Datum,due=Vervaldatum,amount=Bedrag,"
                   "debtor=Klant,vat=BTW",
                   "--date-format", "%d/%m/%Y", "--decimal-comma"],
    "import-ubl": ["import", "ubl", str(FIXTURES / "ubl-creditnote.xml"),
                   str(FIXTURES / "ubl-invoice-known-debtor.xml"),
                   str(FIXTURES / "ubl-invoice-new-debtor.xml")],
    "segment": ["segment", "janssens", "reliable", "--today", TODAY],
    "export": ["export", "janssens", "--today", TODAY, "--out", "{out}/janssens.bundle"],
    "advance": ["advance", "--today", TODAY],  # last: its sample tops the total up to 200
}

#: Files whose bytes legitimately differ between runs (times inside them).
VOLATILE = (".sending", ".sent", "-handover.yaml")


@dataclass
class Sweep:
    name: str
    points: int = 0
    """Kill points walked."""
    total: int = 0
    """Crash points the command passes."""
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Iterator[Path]:
    with scratch(tmp_path_factory.mktemp("crash")) as folder:
        yield folder


@pytest.fixture(scope="module")
def smtp(work: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(work)
    yield server
    server.stop()


def build_pristine(root: Path, smtp_port: int) -> Path:
    files = {"casebook.yaml": SETTINGS.replace("PORT", str(smtp_port)),
             "policies/standard.yaml": POLICY, "policies/reliable.yaml": POLICY, **BOOK}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    assert check(root)[1] == []  # also leaves the loader's cache, which every copy reuses
    return root


@pytest.fixture(scope="module")
def pristine(work: Path, smtp: SmtpServer) -> Path:
    return build_pristine(work / "pristine", smtp.port)


def command_args(name: str, root: Path, out: Path) -> list[str]:
    return [a.replace("{out}", str(out)) for a in COMMANDS[name]] + book_args(root)


def normalised(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: (b"<volatile>" if rel.endswith(VOLATILE) else data) for rel, data in files.items()}


def commit_count(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


@dataclass
class Reference:
    files: dict[str, bytes]
    commits: int
    emails: int
    code: int
    """Exit code of an uninterrupted run (an import with a refused row exits 1)."""


def fresh_copy(pristine: Path, root: Path, out: Path) -> None:
    """The pristine book at `root` (always the same path: caches keyed by the book's folder,
    such as compiled letter templates, stay warm in the forked children)."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    copy_book(pristine, root)
    out.mkdir(parents=True)


def reference_run(name: str, pristine: Path, root: Path, out: Path, smtp: SmtpServer) -> Reference:
    """An uninterrupted run, in this process (which also warms the caches the children
    inherit)."""
    fresh_copy(pristine, root, out)
    before = len(smtp.ids())
    run = CliRunner().invoke(main, command_args(name, root, out))
    assert run.exit_code in (0, 1) and run.exception is None or isinstance(
        run.exception, SystemExit), run.output
    sent = len(smtp.ids()) - before
    return Reference(normalised(files_of(root)), commit_count(root), sent, run.exit_code)


def consistency(name: str, root: Path, reference: Reference, base_commits: int,
                smtp_ids: list[str]) -> list[str]:
    """What is wrong with the book after a kill and a rerun (empty: nothing)."""
    wrong = []
    status = git(root, "status", "--porcelain=v1", "--untracked-files=all")
    if status:
        wrong.append(f"git status not clean: {status.strip()!r}")
    problems = check(root)[1]
    if problems:
        wrong.append(f"check: {[str(p) for p in problems][:3]}")
    files = normalised(files_of(root))
    emails = sorted(rel for rel in files if rel.endswith(".eml"))
    uncertain = {rel[:-4] for rel in emails
                 if rel[:-4] + ".sending" in files and rel[:-4] + ".sent" not in files}
    expected = dict(reference.files)
    for stem in uncertain:  # a send of uncertain outcome keeps its `.sending` only
        expected.pop(stem + ".sent", None)
        expected[stem + ".sending"] = b"<volatile>"
    if files.keys() != expected.keys():
        extra = sorted(files.keys() - expected.keys())
        missing = sorted(expected.keys() - files.keys())
        wrong.append(f"files differ from an uninterrupted run: extra {extra[:4]}, "
                     f"missing {missing[:4]}")
    else:
        changed = sorted(rel for rel in files if files[rel] != expected[rel])
        if changed:
            wrong.append(f"files with other bytes than an uninterrupted run: {changed[:4]}")
    commits = commit_count(root) - base_commits
    # A send whose outcome is uncertain is committed without its `.sent` (same commit count).
    if commits != reference.commits - base_commits:
        wrong.append(f"{commits} commit(s) where an uninterrupted run makes "
                     f"{reference.commits - base_commits}")
    if len(smtp_ids) != len(set(smtp_ids)):
        wrong.append(f"an email reached the server twice: {sorted(smtp_ids)}")
    if len(set(smtp_ids)) > len(emails) or len(set(smtp_ids)) + len(uncertain) < reference.emails:
        wrong.append(f"{len(set(smtp_ids))} email(s) sent, {len(uncertain)} uncertain, "
                     f"for {reference.emails} due")
    return wrong


def count_points(name: str, pristine: Path, root: Path, out: Path) -> int:
    """How many crash points an uninterrupted run of `name` passes."""
    fresh_copy(pristine, root, out)
    counted = root.parent / "points"
    run = run_cli(command_args(name, root, out), crash="*:1000000000", count=counted)
    assert run.code in (0, 1), run.err
    return int(counted.read_text())


def chosen(name: str, total: int, budget: int | None) -> list[int]:
    if budget is None or total <= budget:
        return list(range(1, total + 1))
    rng = random.Random(f"crash-{name}-{total}")
    return sorted(rng.sample(range(1, total + 1), budget))


def sweep(name: str, pristine: Path, work: Path, smtp: SmtpServer,
          budget: int | None = None) -> Sweep:
    """Kill `name` at its crash points (all, or a seeded sample of `budget`), rerun, check."""
    result = Sweep(name)
    started = time.perf_counter()
    root, out = work / "book", work / "out"
    reference = reference_run(name, pristine, root, out, smtp)
    base = commit_count(pristine)
    args = command_args(name, root, out)
    result.total = count_points(name, pristine, root, out)
    for n in chosen(name, result.total, budget):
        fresh_copy(pristine, root, out)
        before = len(smtp.ids())
        killed = run_cli(args, crash=f"*:{n}")
        if not killed.killed:
            result.failures.append(f"{name} was not killed at *:{n} of {result.total}: "
                                   f"{killed.err.strip()[-300:]}")
            continue
        result.points += 1
        wait_for_orphans(root)
        rerun = run_cli(args)
        wrong = []
        if rerun.traceback or rerun.code not in (0, 1):
            wrong.append(f"rerun exit {rerun.code}: {rerun.err.strip()[-300:]}")
        elif rerun.code == 1 and reference.code == 0 and not (
                "Error: " in rerun.err or "UNCERTAIN" in rerun.out):
            # A refusal (the payment is booked already, the dispute exists) is fine when it
            # says why; the checks below prove the book holds the record once.
            wrong.append(f"rerun exit 1 without a reason: {rerun.err.strip()[-300:]}")
        wrong += consistency(name, root, reference, base, smtp.ids()[before:])
        if wrong:
            result.failures.append(f"{name} killed at *:{n}: " + "; ".join(wrong))
    result.seconds = time.perf_counter() - started
    return result


TOTALS: dict[str, Sweep] = {}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_killed_at_every_crash_point_then_rerun_leaves_a_consistent_book(
    name: str, pristine: Path, smtp: SmtpServer, work: Path
) -> None:
    (work / name).mkdir()
    budget = None if FULL else BUDGET.get(name, DEFAULT_BUDGET)
    others = [sweep.points for other, sweep in TOTALS.items() if other != name]
    if budget is not None and name == "advance" and len(others) == len(COMMANDS) - 1:
        budget = max(budget, MIN_POINTS + 10 - sum(others))
    result = sweep(name, pristine, work / name, smtp, budget)
    TOTALS[name] = result
    assert result.points >= 3, f"{name} passed only {result.points} crash point(s)"
    assert not result.failures, "\n".join(result.failures)


def test_at_least_200_kill_points_across_the_writing_commands() -> None:
    if len(TOTALS) < len(COMMANDS):
        pytest.skip("needs the sweep of every command in the same session")
    counted = {name: sweep.points for name, sweep in TOTALS.items()}
    assert sum(counted.values()) >= MIN_POINTS, counted
