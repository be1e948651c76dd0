"""Where the time of `casebook advance` goes: load, engine, render, git writing, other.

    python benchmarks/advance_profile.py [--debtors 2000 10000]

Builds advance.py's book (every case has its email reminder due) for each size, runs
`advance` under cProfile and sums the cumulative time of the functions that make each part
(in the process that commits: the letters rendered in forked workers count as the time
spent waiting for them). Prints one Markdown table a size, for docs/speed.md.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from advance import TODAY, make_book  # noqa: E402

# part -> (file ending, function name) whose cumulative times make it.
PARTS = {
    "load + check (files -> model)": [("book/check.py", "check")],
    "engine (due actions, plan)": [("record/advanceplan.py", "plan"),
                                   ("record/advanceplan.py", "actions_due")],
    "render (letters, emails; forked workers)": [("record/actionfiles.py", "action_commits")],
    "git writing (objects, pack, refs, worktree)": [("record/gitbatch.py", "commit"),
                                                    ("record/gitbatch.py", "prefetch"),
                                                    ("record/gitbatch.py", "flush"),
                                                    ("record/gitbatch.py", "close"),
                                                    ("record/gitbatch.py", "__init__")],
    "sending (mail outbox)": [("record/advance.py", "_send")],
}


def profile(debtors: int, scratch: Path) -> tuple[float, dict[str, float]]:
    root = scratch / f"book-{debtors}"
    make_book(root, debtors)
    from casebook.record.advance import advance

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    report = advance(root, today=TODAY)
    profiler.disable()
    total = time.perf_counter() - started
    assert report.ok and len(report.taken) == debtors, len(report.taken)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    parts = {}
    for part, functions in PARTS.items():
        chosen = {key for key in stats
                  if any(key[0].endswith(end) and key[2] == fn for end, fn in functions)}
        # A function's cumulative time, less what it spent called by another of the part
        # (`commit` flushes every 1,000 commits): each second counts once.
        parts[part] = sum(stats[key][3] - sum(t[3] for caller, t in stats[key][4].items()
                                              if caller in chosen)
                          for key in chosen)
    parts["other (lock, recovery, start)"] = total - sum(parts.values())
    return total, parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, nargs="+", default=[2000, 10000])
    args = parser.parse_args()
    # One scratch folder, removed at the end: a book deleted before the next size is timed
    # slows every file it creates on a file system without a journal (compare.py's
    # compare_advance says why).
    scratch = Path(tempfile.mkdtemp(prefix="casebook-profile-"))
    try:
        for debtors in args.debtors:
            total, parts = profile(debtors, scratch)
            print(f"\n{debtors} due actions, advance() {total:.1f} s under cProfile "
                  f"({debtors / total:.0f} commits/s)\n")
            print("| part | seconds | share |\n|---|---:|---:|")
            for part, seconds in parts.items():
                print(f"| {part} | {seconds:.2f} | {100 * seconds / total:.0f} % |")
            sys.stdout.flush()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
