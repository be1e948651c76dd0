"""casebook's commands next to the machine's limit: each figure beside the fastest thing
that does the same work without casebook.

    python benchmarks/compare.py [--debtors 10000] [--keep DIR] [--reuse DIR] [--only check|site|advance]
                                 [--repeat N]

Builds the big book once (genhistory.py: N debtors, 3 N commits of history, about
8.5 files a debtor) and two books where every case has an action due (advance.py: N/5 and
N debtors), then prints one row per line: `what, figure, limit, ratio` (ratio = figure /
limit; 1.0 would be the limit itself):

- check cold (no casebook cache; the book's files read once before, so that both read
  them from the OS's file cache) vs libyaml's C parser alone reading every file of the
  book, once in one process and once with one process per core;
- check with nothing changed, and with one file changed, vs `git status --porcelain`;
- site after one case changed vs a full build;
- advance with N/5 and N due actions vs `git fast-import` writing the very same commits;
- the peak RSS of each command (its own, read with `os.wait4`) vs the issue's 500 MB.

Every command runs as a user runs it: `python -m casebook ...` in a subprocess. `--keep DIR`
builds the books in DIR and keeps them; `--reuse DIR` takes the books a `--keep` run left
there (the same --debtors) and skips building them. `--repeat N` times every row N times,
each run of casebook next to a run of its limit, and prints the medians (the ratio is that
of the medians) with the range of the N runs: this machine's speed drifts within minutes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import advance as advance_bench  # noqa: E402
from genhistory import debtor, generate  # noqa: E402

SITE_TODAY = "2026-01-15"
MEMORY_LIMIT_MB = 500.0
ROWS: list[tuple[str, str, str, str]] = []
REPEAT = 1  # --repeat


def row(what: str, figures: float | list[float], limits: float | list[float], unit: str = "s") -> None:
    """A row of the table: the median of `figures` beside the median of `limits`."""
    figures = figures if isinstance(figures, list) else [figures]
    limits = limits if isinstance(limits, list) else [limits]
    figure, limit = statistics.median(figures), statistics.median(limits)

    def cell(values: list[float], middle: float) -> str:
        spread = f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else ""
        return f"{middle:.2f} {unit}{spread}"

    ROWS.append((what, cell(figures, figure), cell(limits, limit),
                 f"{figure / limit:.2f}" if limit else "-"))
    print(f"  {what}: {cell(figures, figure)} (limit {cell(limits, limit)})", flush=True)


def peak(rss: dict[str, float], what: str, found: float) -> None:
    """The highest peak RSS of `what` over the repeated runs."""
    rss[what] = max(rss.get(what, 0.0), found)


def timed(args: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one command, its own peak (not the largest child so far).
    The peak counts the memory the child had before `exec`, which with vfork is this
    process's: this process keeps no large data (the fast-import stream goes through a
    file), or a later row would report its peak (597 MB for advance 10,000, really 201 MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    err = process.stderr.read() if process.stderr else b""
    if process.returncode not in ok:
        sys.exit(f"{' '.join(args)} failed ({process.returncode}):\n{err.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024  # KB on Linux


def casebook(*args: str, ok: tuple[int, ...] = (0, 1)) -> tuple[float, float]:
    return timed([sys.executable, "-m", "casebook", *args], ok=ok)


# --- libyaml alone -----------------------------------------------------------------------

def book_files(root: Path) -> list[str]:
    found = []
    for folder, _, names in os.walk(root / "cases"):
        found += [os.path.join(folder, n) for n in names if n.endswith((".yaml", ".md"))]
    found.sort()
    return found


def parse_files(paths: list[str]) -> int:
    """Read and parse every file with the C parser alone (a note's front matter only)."""
    count = 0
    for path in paths:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        if path.endswith(".md"):
            text = text.split("---\n", 2)[1] if text.startswith("---\n") else ""
        yaml.load(text, Loader=yaml.CSafeLoader)
        count += 1
    return count


def yaml_floor(root: Path, processes: int) -> float:
    started = time.perf_counter()
    paths = book_files(root)
    if processes == 1:
        parse_files(paths)
    else:
        size = -(-len(paths) // processes)
        chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            pool.map(parse_files, chunks)
    return time.perf_counter() - started


# --- the books -----------------------------------------------------------------------------

def build(base: Path, debtors: int) -> None:
    started = time.perf_counter()
    generate(base / "history", debtors=debtors, commits=3 * debtors)
    print(f"history book: {debtors} debtors, {3 * debtors} commits in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    for count in advance_counts(debtors):
        started = time.perf_counter()
        advance_bench.make_book(base / f"advance-{count}", count)
        print(f"advance book: {count} due actions in {time.perf_counter() - started:.1f} s", flush=True)


def advance_counts(debtors: int) -> tuple[int, int]:
    return (max(1, debtors // 5), debtors)


def drop_caches(root: Path) -> None:
    shutil.rmtree(root / ".git" / "casebook", ignore_errors=True)


def git(root: Path, *args: str) -> str:
    return advance_bench.git(root, *args)


# --- the rows ------------------------------------------------------------------------------

def read_through(root: Path) -> None:
    """Read every file of the book once, so that a cold row measures casebook's own work
    from the OS's file cache, as the libyaml floor it is compared with does. This machine's
    file cache is emptied from outside now and then: the same cold check took 18.2 s and
    10.1 s one after the other, the first one reading from the disk."""
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                while handle.read(1 << 20):
                    pass


def compare_check(root: Path, rss: dict[str, float]) -> None:
    files = len(book_files(root))
    print(f"check, {files} files", flush=True)
    cores = os.cpu_count() or 1
    cold, one_core, all_cores = [], [], []
    for _ in range(REPEAT):
        drop_caches(root)
        read_through(root)
        seconds, found = casebook("check", "--book", str(root))
        cold.append(seconds)
        peak(rss, "check cold", found)
        one_core.append(yaml_floor(root, 1))
        all_cores.append(yaml_floor(root, cores))
    row("check cold vs libyaml alone in 1 process", cold, one_core)
    row(f"check cold vs libyaml alone in {cores} processes", cold, all_cores)

    warm, status = [], []
    for _ in range(REPEAT):
        seconds, found = casebook("check", "--book", str(root))
        warm.append(seconds)
        peak(rss, "check nothing changed", found)
        status.append(timed(["git", "status", "--porcelain"], cwd=root)[0])
    row("check nothing changed vs git status", warm, status)

    one = next(p for p in sorted((root / "cases").iterdir()) if p.is_dir()) / "debtor.yaml"
    kept = one.read_bytes()
    edit, status = [], []
    try:
        for n in range(REPEAT):
            one.write_bytes(kept + f"# changed by compare.py ({n})\n".encode())
            seconds, found = casebook("check", "--book", str(root))
            edit.append(seconds)
            peak(rss, "check one file changed", found)
            status.append(timed(["git", "status", "--porcelain"], cwd=root)[0])
        row("check one file changed vs git status", edit, status)
    finally:
        one.write_bytes(kept)


def compare_site(root: Path, debtors: int, rss: dict[str, float], scratch: Path) -> None:
    print("site", flush=True)
    out = scratch / "site"
    shutil.rmtree(out, ignore_errors=True)
    drop_caches(root)
    site = ("site", "--book", str(root), "--out", str(out), "--today", SITE_TODAY)
    full, rss["site full build"] = casebook(*site, ok=(0,))
    ones, made = [], 0
    try:
        for n in range(REPEAT):
            # A payment in another case each time, committed, then the rebuild.
            case = debtor(debtors // 2 + n)
            rel = f"cases/{case.id}/payments/{SITE_TODAY}-compare.yaml"
            (root / rel).write_text(f'date: {SITE_TODAY}\namount: "25.00"\ninvoice: {case.invoices[0]}\n')
            git(root, "add", "--", rel)
            git(root, "-c", "user.name=bench", "-c", "user.email=bench@example", "commit", "-q",
                "-m", f"{case.id}: payment received")
            made += 1
            seconds, found = casebook(*site, ok=(0,))
            ones.append(seconds)
            peak(rss, "site one case changed", found)
        row("site one case changed vs full build", ones, full)
    finally:  # the book as it was, for --reuse
        if made:
            git(root, "reset", "-q", "--hard", f"HEAD~{made}")


def compare_advance(pristine: Path, count: int, rss: dict[str, float], scratch: Path) -> None:
    print(f"advance, {count} due actions", flush=True)
    figures, limits = [], []
    # Every copy is made before the first run: nothing is deleted between two timed runs
    # (the scratch folder goes at the end). On a file system without a journal (this
    # machine's ext4 has none) a new inode is not taken from those freed in the last 60 to
    # 360 seconds, and each file created looks at every one of them again: after the
    # 2,000-case row's copies were removed, creating a file in the next row cost 0.4-1 ms
    # of kernel time instead of 0.05 ms (perf: `recently_deleted` under `ext4_create`).
    works = [scratch / f"advance-{count}-{n}" for n in range(REPEAT)]
    for work in works:
        subprocess.run(["cp", "-a", str(pristine), str(work)], check=True)
    for n, work in enumerate(works):
        seconds, found = casebook(
            "advance", "--today", advance_bench.TODAY.isoformat(), "--book", str(work), ok=(0,))
        figures.append(seconds)
        peak(rss, f"advance {count}", found)
        commits = int(git(work, "rev-list", "--count", "HEAD")) - 1
        assert commits == count, (commits, count)
        floor_dir = scratch / f"floor-{count}-{n}"
        floor_dir.mkdir()
        limits.append(advance_bench.fast_import_floor(work, floor_dir))
    row(f"advance {count} due actions vs git fast-import", figures, limits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the books here and keep them")
    parser.add_argument("--reuse", type=Path, help="the books a --keep run left here")
    parser.add_argument("--only", choices=("check", "site", "advance"), action="append",
                        help="these rows only (default: all)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="time every row N times and print the medians (default 1)")
    args = parser.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    only = set(args.only or ("check", "site", "advance"))
    scratch = Path(tempfile.mkdtemp(prefix="casebook-compare-"))
    base = args.reuse or args.keep or scratch / "books"
    try:
        if not args.reuse:
            build(base, args.debtors)
        rss: dict[str, float] = {}
        if "check" in only:
            compare_check(base / "history", rss)
        if "site" in only:
            compare_site(base / "history", args.debtors, rss, scratch)
        for count in advance_counts(args.debtors) if "advance" in only else ():
            compare_advance(base / f"advance-{count}", count, rss, scratch)
        for what, peak in rss.items():
            row(f"peak RSS {what} vs 500 MB", peak, MEMORY_LIMIT_MB, "MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{args.debtors} debtors; machine: {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; median of {REPEAT} run(s) a row")
    widths = [max(len(r[i]) for r in ROWS + [("what", "figure", "limit", "ratio")]) for i in range(4)]
    for line in [("what", "figure", "limit", "ratio"), *ROWS]:
        print(", ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(line, widths))))


if __name__ == "__main__":
    main()
