"""Time `casebook office` against the same work done book by book in a shell loop.

    python benchmarks/office.py [--books 100] [--debtors 100]
                                [--advance-books 20] [--advance-debtors 500] [--keep DIR]

1. `casebook office status` over BOOKS books of DEBTORS debtors each (generate.py books),
   cold (no load cache yet) and warm, beside
   `for b in ...; do casebook status --book $b; done` (warm);
2. `casebook office advance` over ADVANCE-BOOKS books of ADVANCE-DEBTORS debtors where every
   case has its reminder due (advance.py's make_book: one commit per debtor), beside the
   same loop of `casebook advance` on an untouched copy of the same books.

Every figure is the wall time of the commands as a user runs them (start-up included).
`--jobs` is passed to `casebook office` (default: one process per core).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from advance import TODAY as ADVANCE_TODAY  # noqa: E402
from advance import make_book  # noqa: E402
from generate import generate_book  # noqa: E402

STATUS_TODAY = "2026-11-24"
CASEBOOK = [sys.executable, "-m", "casebook"]


def write_office(folder: Path, books: list[Path]) -> Path:
    folder.mkdir(parents=True)
    lines = ["books:"] + [f"  - {{name: {b.name}, path: {b}}}" for b in books]
    (folder / "office.yaml").write_text("\n".join(lines) + "\n")
    return folder


def timed(args: list[str], *, ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"{' '.join(args[:6])}... failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def loop(books: list[Path], command: str, today: str) -> float:
    """`for b in ...; do casebook COMMAND --book $b --today D; done` in bash."""
    casebook = " ".join(CASEBOOK)
    script = (f'for b in "$@"; do {casebook} {command} --book "$b" --today {today} '
              '> /dev/null || exit 1; done')
    elapsed, _ = timed(["bash", "-c", script, "loop", *map(str, books)])
    return elapsed


def office(folder: Path, command: str, today: str, jobs: int | None) -> tuple[float, str]:
    args = [*CASEBOOK, "office", command, "--office", str(folder), "--today", today]
    if jobs:
        args += ["--jobs", str(jobs)]
    elapsed, out = timed(args)
    return elapsed, out.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=100)
    parser.add_argument("--debtors", type=int, default=100)
    parser.add_argument("--advance-books", type=int, default=20)
    parser.add_argument("--advance-debtors", type=int, default=500)
    parser.add_argument("--jobs", type=int, help="--jobs for casebook office (default: cores)")
    parser.add_argument("--keep", type=Path, help="Build the books here and keep them.")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="casebook-office-bench-"))
    try:
        run(base, args)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


def run(base: Path, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    books = []
    for n in range(args.books):
        root = base / "status" / f"book-{n:03d}"
        generate_book(root, debtors=args.debtors, invoices=args.debtors * 3, seed=n + 1)
        books.append(root)
    folder = write_office(base / "status-office", books)
    print(f"{args.books} books of {args.debtors} debtors generated in "
          f"{time.perf_counter() - start:.1f} s")
    cold, summary = office(folder, "status", STATUS_TODAY, args.jobs)
    warm, _ = office(folder, "status", STATUS_TODAY, args.jobs)
    one, _ = office(folder, "status", STATUS_TODAY, 1)
    shell = loop(books, "status", STATUS_TODAY)
    print(f"  {summary}")
    print(f"status   office {cold:6.1f} s cold, {warm:6.1f} s warm, {one:6.1f} s warm with "
          f"--jobs 1;  shell loop {shell:6.1f} s warm  ({shell / warm:.1f}x)")

    start = time.perf_counter()
    ours, theirs = [], []
    for n in range(args.advance_books):
        root = base / "advance" / f"book-{n:03d}"
        make_book(root, args.advance_debtors)
        copy = base / "advance-loop" / root.name
        shutil.copytree(root, copy, symlinks=True)
        ours.append(root)
        theirs.append(copy)
    folder = write_office(base / "advance-office", ours)
    print(f"{args.advance_books} books of {args.advance_debtors} debtors (every case due) made in "
          f"{time.perf_counter() - start:.1f} s")
    today = ADVANCE_TODAY.isoformat()
    taken, summary = office(folder, "advance", today, args.jobs)
    shell = loop(theirs, "advance", today)
    actions = args.advance_books * args.advance_debtors
    print(f"  {summary}")
    print(f"advance  office {taken:6.1f} s ({actions / taken:.0f} commits/s);  shell loop "
          f"{shell:6.1f} s ({actions / shell:.0f} commits/s)  ({shell / taken:.1f}x)")


if __name__ == "__main__":
    main()
