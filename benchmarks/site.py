"""How fast `casebook site` builds a large book, and rebuilds it after one case changed.

    python benchmarks/site.py [--debtors 10000] [--commits 30000] [--keep DIR]

Floors (issue 5): a full build of 10,000 debtors (about 100,000 files, 30,000 commits) under
60 s on a 2-core machine; a rebuild after one case changed under 3 s. Each figure is the
wall time of the `casebook site` command, as a user runs it (start-up, loading the book,
reading the history, rendering, writing). The book comes from genhistory.py (one
`git fast-import` stream).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from genhistory import debtor, generate  # noqa: E402

TODAY = "2026-01-15"
FULL_FLOOR, REBUILD_FLOOR = 60.0, 3.0


def site(root: Path, out: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "casebook", "site", "--book", str(root), "--out", str(out),
         "--today", TODAY],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"casebook site failed:\n{done.stdout}\n{done.stderr}")
    summary = next(line for line in done.stdout.splitlines() if line.startswith("site as of"))
    return elapsed, summary


def commit(root: Path, files: dict[str, str], message: str) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run(["git", "add", "--", *files], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=root, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=30_000)
    parser.add_argument("--keep", type=Path, help="build the book here and keep it")
    parser.add_argument("--book", type=Path,
                        help="a book genhistory.py made before (same --debtors): skip generating")
    args = parser.parse_args()
    root = args.book or args.keep or Path(tempfile.mkdtemp(prefix="casebook-site-bench-")) / "book"
    out = root.parent / "site"
    shutil.rmtree(out, ignore_errors=True)

    start = time.perf_counter()
    if args.book:
        people = [debtor(i) for i in range(args.debtors)]
    else:
        people = generate(root, debtors=args.debtors, commits=args.commits)
    files = sum(1 for p in (root / "cases").rglob("*") if p.is_file())
    print(f"book: {len(people)} debtors, {files} files, {args.commits} commits "
          f"generated in {time.perf_counter() - start:.1f} s")

    full, summary = site(root, out)
    pages = sum(1 for p in out.rglob("*.html"))
    print(f"full build          : {full:6.2f} s  ({summary}; {pages} pages)   floor {FULL_FLOOR:.0f} s")
    again, summary = site(root, out)
    print(f"rebuild, no change  : {again:6.2f} s  ({summary})")

    case = people[len(people) // 2]
    stamp = time.strftime("%H%M%S")  # a new file on every run, also on a reused book
    commit(root, {f"cases/{case.id}/payments/{TODAY}-bench-{stamp}.yaml":
                  f'date: {TODAY}\namount: "25.00"\ninvoice: {case.invoices[0]}\n'},
           f"{case.id}: payment received")
    one, summary = site(root, out)
    print(f"rebuild, one case   : {one:6.2f} s  ({summary})   floor {REBUILD_FLOOR:.0f} s")

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          "(other processes slow every figure above)")
    ok = full < FULL_FLOOR and one < REBUILD_FLOOR
    print("within the floors" if ok else "OVER A FLOOR")
    if not (args.keep or args.book):
        shutil.rmtree(root.parent)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
