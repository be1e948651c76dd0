"""How fast the insight figures are for a large book: behaviour, suggestions, forecast,
figures per month and the amount collected after each stage.

    python benchmarks/insight.py [--debtors 10000] [--invoices 50000] [--keep DIR]

Floor (issue 9): the figures of a generated book of 10,000 debtors in under 10 s on a
2-core machine. Printed: the time of each figure once the book is loaded, their total,
the load itself (warm: the load cache is filled first), and the wall time of the two
commands end to end (`casebook insight --json`, `casebook forecast --json`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import generate_book  # noqa: E402

from casebook.record.history import read_history  # noqa: E402
from casebook.insight.behaviour import behaviour_of  # noqa: E402
from casebook.insight.forecast import forecast  # noqa: E402
from casebook.insight.suggest import Rules, differs, suggest  # noqa: E402
from casebook.insight.trends import collected_after_stage, monthly  # noqa: E402
from casebook.book.load import load_book  # noqa: E402

TODAY = date(2026, 11, 24)
FLOOR = 10.0


def timed(label: str, func, results: dict[str, float]):
    start = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - start
    return value


def command(root: Path, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "casebook", *args, "--book", str(root),
                           "--today", TODAY.isoformat(), "--json"],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"casebook {' '.join(args)} failed: {done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="build the book here (or reuse it) and keep it")
    args = parser.parse_args()
    if args.keep:
        run(args.keep, args)
        return
    folder = Path(tempfile.mkdtemp(prefix="casebook-insight-"))
    try:
        run(folder / "book", args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(root: Path, args: argparse.Namespace) -> None:
    if not (root / "casebook.yaml").is_file():
        start = time.perf_counter()
        counts = generate_book(root, debtors=args.debtors, invoices=args.invoices, today=TODAY)
        print(f"book: {counts} generated in {time.perf_counter() - start:.1f} s")
    else:
        print(f"book: reusing {root}")

    start = time.perf_counter()
    load_book(root)
    print(f"load, cold      : {time.perf_counter() - start:6.2f} s")
    results: dict[str, float] = {}
    book, problems = timed("load, warm", lambda: load_book(root), results)
    cases = len(book.cases)
    invoices = sum(len(c.invoices) for c in book.cases.values())

    behaviours = timed("behaviour", lambda: {
        cid: behaviour_of(book, case, TODAY) for cid, case in book.cases.items()}, results)
    rules = Rules.from_settings(book.settings.insight)
    found = timed("suggestions", lambda: [
        s for cid, b in behaviours.items()
        if (s := differs(suggest(b, rules), book.cases[cid])) is not None], results)
    result = timed("forecast", lambda: forecast(book, TODAY, behaviours=behaviours), results)
    months = timed("monthly", lambda: monthly(book, TODAY, behaviours=behaviours), results)
    history = timed("history", lambda: read_history(root), results)
    stages = timed("collected", lambda: collected_after_stage(book, history), results)

    for label, seconds in results.items():
        print(f"{label:<16}: {seconds:6.2f} s")
    figures = sum(s for k, s in results.items() if k != "load, warm")
    verdict = "ok" if figures < FLOOR else "TOO SLOW"
    print(f"figures, total  : {figures:6.2f} s for {cases} debtors, {invoices} invoices "
          f"(floor {FLOOR:.0f} s: {verdict})")
    print(f"with the load   : {figures + results['load, warm']:6.2f} s")
    print(f"  {len(found)} suggestions, forecast {result.expected} expected in 8 weeks of "
          f"{result.open} open, DSO now {months[-1].dso and round(months[-1].dso, 1)}, "
          f"{len(stages)} stage group(s), {len(problems)} problem(s)")
    print(f"casebook insight --json : {command(root, 'insight'):6.2f} s (wall, whole command)")
    print(f"casebook forecast --json: {command(root, 'forecast'):6.2f} s (wall, whole command)")


if __name__ == "__main__":
    main()
