"""How long `casebook export` takes in a book with a long history.

    python3 benchmarks/export.py [--debtors 1000] [--commits 30000] [--book PATH]

Generates a book (benchmarks/genhistory.py) of `--debtors` debtors and `--commits` commits
(or uses `--book`, made earlier with genhistory.py), loads it once (as any earlier command
would, filling the loader's cache), then exports three cases, recording the handover each
time: one before the whole-history cache exists, two after. Prints the time of each export
and of reading the whole history (`casebook.record.history.read_history`), cold and cached.
Target: under 5 s per export for 30,000 commits.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from genhistory import debtor, generate  # noqa: E402

from casebook.export.bundle import export_case  # noqa: E402
from casebook.record.history import CACHE_NAME, read_history  # noqa: E402
from casebook.book.load import load_book  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--debtors", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=30000)
    parser.add_argument("--book", type=Path, help="an existing book made by genhistory.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.book
        if root is None:
            root = Path(tmp) / "book"
            started = time.perf_counter()
            generate(root, debtors=args.debtors, commits=args.commits)
            print(f"generated {args.commits} commits, {args.debtors} debtors in "
                  f"{time.perf_counter() - started:.1f} s")
        when = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=1)))
        cache = root / ".git" / CACHE_NAME
        if cache.exists():
            cache.unlink()

        def export(index: int, label: str) -> None:
            case_id = debtor(index).id
            started = time.perf_counter()
            result = export_case(root, case_id, today=date(2026, 11, 24), when=when,
                                 out=Path(tmp) / f"{case_id}.bundle", allow_mentions=True)
            took = time.perf_counter() - started
            print(f"export {case_id} ({label}): {result.commits} commits, "
                  f"{result.bundle.stat().st_size // 1024} KiB bundle, {took:.2f} s "
                  f"({'under' if took < 5 else 'OVER'} 5 s)")

        started = time.perf_counter()
        load_book(root)  # any earlier casebook command leaves the loader's cache warm
        print(f"first load_book of the book (fills the loader's cache): "
              f"{time.perf_counter() - started:.1f} s")
        export(1, "no history cache: git log limited to the folder")
        started = time.perf_counter()
        history = read_history(root)
        print(f"read_history (whole book, one pass, no cache): {len(history)} commits in "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        history = read_history(root)
        print(f"read_history (whole book, from the cache): {len(history)} commits in "
              f"{time.perf_counter() - started:.1f} s")
        debtors = len(history.case_ids())
        export(debtors // 2, "from the history cache")
        export(debtors - 2, "from the history cache")

if __name__ == "__main__":
    main()
