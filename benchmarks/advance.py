"""Time `casebook advance` on a generated book where every case has an action due.

    python benchmarks/advance.py [--debtors 10000] [--keep DIR]

Each debtor has one invoice, due a week before the run's date, so the standard policy's
email reminder is due for every case: N debtors give N commits, each with its letter
(Markdown, printable HTML) and its email. Prints the time of each step, commits per second,
and, for comparison, how long a bare `git fast-import` takes to write the very same commits
(the floor for any approach that writes real commits). Last, the same run as a user makes it:
`casebook advance` on the command line, on an untouched copy of the book (no load cache yet).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casebook.book.dump import invoice_file, to_yaml  # noqa: E402
from casebook.book.resources import shipped  # noqa: E402

TODAY = date(2026, 3, 9)
SETTINGS = """\
creditor:
  name: Studio Noord BV
  address: {street: Kerkstraat 12, postcode: "9000", city: Gent, country: BE}
  vat: BE0403170701
  iban: BE68539007547034
  bic: GKCCBEBB
  email: boekhouding@studionoord.be
jurisdiction: BE
language: nl
default_policy: standard
"""


def git(root: Path, *args: str, **kwargs) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          **kwargs).stdout


def make_book(root: Path, debtors: int) -> None:
    root.mkdir(parents=True)
    (root / "casebook.yaml").write_text(SETTINGS)
    (root / "policies").mkdir()
    for source in shipped("policies").glob("*.yaml"):
        shutil.copy(source, root / "policies" / source.name)
    due = TODAY - timedelta(days=7)
    for n in range(debtors):
        folder = root / "cases" / f"klant-{n:05d}"
        (folder / "invoices").mkdir(parents=True)
        (folder / "debtor.yaml").write_bytes(to_yaml({
            "name": f"Klant {n:05d} BV", "email": f"boekhouding@klant{n:05d}.example",
            "address": {"street": f"Dorpstraat {n % 200 + 1}", "postcode": "9000", "city": "Gent",
                        "country": "BE"},
        }))
        (folder / "invoices" / f"2026-{n:05d}.yaml").write_bytes(invoice_file(
            number=f"2026-{n:05d}", issued=due - timedelta(days=30), due=due,
            amount=Decimal(100 + n % 900) + Decimal("0.50")))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    # The commit starts `git gc --auto` (tens of thousands of loose objects): in the
    # foreground, so it neither runs beside the timed steps nor packs files under the copy.
    git(root, "-c", "user.name=bench", "-c", "user.email=bench@example", "-c", "gc.autoDetach=false",
        "commit", "-q", "-m", "book")


def fast_import_floor(root: Path, scratch: Path) -> float:
    """Seconds for `git fast-import` to write the same commits into a copy of the base."""
    base = git(root, "rev-list", "--max-parents=0", "HEAD").strip()
    subprocess.run(["git", "fast-export", "--no-data", f"{base}..HEAD"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)  # only checks that the range is exportable
    # The stream goes through a file, not this process's memory: a command started later
    # by this process would report this process's peak as its own (a child's peak RSS
    # counts the memory it had before `exec`, and with vfork that is this process's).
    export = scratch / "export.stream"
    with open(export, "wb") as stream:
        subprocess.run(["git", "fast-export", "--reference-excluded-parents", f"{base}..main"],
                       cwd=root, check=True, stdout=stream)
    clone = scratch / "floor"
    git(scratch, "clone", "-q", "--no-checkout", str(root), str(clone))
    git(clone, "update-ref", "refs/heads/main", base)
    for ref in git(clone, "for-each-ref", "--format=%(refname)", "refs/remotes").split():
        git(clone, "update-ref", "-d", ref)
    git(clone, "reflog", "expire", "--expire=now", "--all")
    git(clone, "gc", "-q", "--prune=now")
    with open(export, "rb") as stream:
        started = time.perf_counter()
        subprocess.run(["git", "fast-import", "--quiet", "--force"], cwd=clone, stdin=stream, check=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="Build the book here and keep it.")
    parser.add_argument("--profile", action="store_true", help="Print the 25 slowest functions.")
    args = parser.parse_args()

    from casebook.engine import due as engine
    from casebook.record.advance import advance
    from casebook.book.check import check

    scratch = Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    root = args.keep or scratch / "book"
    try:
        started = time.perf_counter()
        make_book(root, args.debtors)
        print(f"book of {args.debtors} debtors generated in {time.perf_counter() - started:.1f} s")
        untouched = scratch / "untouched"
        subprocess.run(["cp", "-a", str(root), str(untouched)], check=True)

        started = time.perf_counter()
        book, problems = check(root)
        load = time.perf_counter() - started
        assert not problems, problems[:5]
        started = time.perf_counter()
        due = engine.due_actions(book, TODAY)
        decide = time.perf_counter() - started
        assert len(due) == args.debtors, len(due)
        print(f"load + check (cold): {load:.1f} s; engine, {len(due)} due actions: {decide:.2f} s")

        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = advance(root, today=TODAY)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        assert report.ok and len(report.taken) == args.debtors, (report.skipped[:3], len(report.taken))
        commits = int(git(root, "rev-list", "--count", "HEAD")) - 1
        assert commits == args.debtors
        clean = git(root, "status", "--porcelain") == ""
        print(f"casebook advance: {commits} commits in {elapsed:.1f} s = {commits / elapsed:.0f} commits/s"
              f" (render + record + commit; working tree clean: {clean})")

        started = time.perf_counter()
        again = advance(root, today=TODAY)
        print(f"second run the same day: {len(again.taken)} actions in {time.perf_counter() - started:.1f} s")

        floor = fast_import_floor(root, scratch)
        print(f"git fast-import writing the same {commits} commits: {floor:.1f} s "
              f"= {commits / floor:.0f} commits/s")

        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "casebook", "advance", "--today", TODAY.isoformat(),
                        "--book", str(untouched)], check=True, capture_output=True)
        cli = time.perf_counter() - started
        commits = int(git(untouched, "rev-list", "--count", "HEAD")) - 1
        assert commits == args.debtors and git(untouched, "status", "--porcelain") == ""
        print(f"casebook advance on the command line, untouched book (cold start, load, check, "
              f"advance): {commits} commits in {cli:.1f} s")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
