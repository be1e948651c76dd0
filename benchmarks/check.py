"""How fast `casebook check` reads a large book, cold and when nothing changed.

    python benchmarks/check.py [--debtors 10000] [--invoices 50000] [--keep DIR]

Floors (issue 2): 10,000 debtors / 50,000 invoices under 30 s cold, under 5 s warm,
under 1 GB of memory.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import generate_book  # noqa: E402

from casebook.book.resources import shipped  # noqa: E402


def run_check(root: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "casebook", "check", "--book", str(root)],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb, (done.stdout + done.stderr).strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="build the book here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="casebook-bench-")) / "book"
    start = time.perf_counter()
    counts = generate_book(root, debtors=args.debtors, invoices=args.invoices, git=False)
    shutil.copytree(shipped("policies"), root / "policies")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    print(f"book: {counts} generated in {time.perf_counter() - start:.1f} s")

    cold, peak, last = run_check(root)
    print(f"cold check : {cold:6.2f} s  peak RSS {peak / 1024:6.0f} MB  ({last})")
    warm, peak, last = run_check(root)
    print(f"warm check : {warm:6.2f} s  peak RSS {peak / 1024:6.0f} MB  ({last})")
    one = next((root / "cases").iterdir()) / "notes" / "2026-11-24-call.md"
    one.parent.mkdir(exist_ok=True)
    one.write_text("---\ndate: 2026-11-24\nchannel: phone\n---\nCalled.\n")
    edit, peak, last = run_check(root)
    print(f"one edit   : {edit:6.2f} s  peak RSS {peak / 1024:6.0f} MB  ({last})")
    if not args.keep:
        shutil.rmtree(root.parent)


if __name__ == "__main__":
    main()
