"""Letters as PDF: what WeasyPrint costs per letter, and what `letters: {pdf: all}` adds to
`advance` at 10,000 debtors.

    python benchmarks/pdf.py [--letters 1000] [--advance-debtors 200]

1. The printable HTML of `--letters` reminders is rendered (a generated book, one case each,
   as in benchmarks/advance.py), then each is laid out as PDF (`casebook.letters.pdf`): in
   one process, then in a pool of 2 forked processes (what `advance` does on this 2-core
   machine). Prints seconds, letters/s and the average PDF size.
2. `advance` on a generated book of `--advance-debtors` cases, with `pdf: none` and with
   `pdf: all` (0 skips it), and the difference per action.
3. The projection for 10,000 debtors: the PDF time at the pool's rate, on top of advance's
   own time, and how much the PDFs add to the repository.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from advance import TODAY, git, make_book  # noqa: E402

_PAGES: list[str] = []


def pages_of(debtors: int, scratch: Path) -> list[str]:
    """The printable HTML of one reminder per debtor of a generated book."""
    from casebook.book.check import check
    from casebook.engine import due as engine
    from casebook.letters.letter import render_letter

    root = scratch / "letters"
    make_book(root, debtors)
    book, problems = check(root)
    assert not problems, problems[:3]
    due = engine.due_actions(book, TODAY)
    return [render_letter(book, book.cases[d.case_id], d, book_root=root).html for d in due]


def _one(index: int) -> int:
    from casebook.letters.pdf import letter_pdf

    return len(letter_pdf(_PAGES[index], dated=TODAY))


def advance_seconds(scratch: Path, debtors: int, setting: str) -> float:
    from casebook.record.advance import advance

    root = scratch / f"advance-{setting}"
    make_book(root, debtors)
    with open(root / "casebook.yaml", "a") as settings:
        settings.write(f"letters: {{pdf: {setting}}}\n")
    git(root, "-c", "user.name=bench", "-c", "user.email=bench@example", "commit", "-qam", "pdf")
    started = time.perf_counter()
    report = advance(root, today=TODAY)
    elapsed = time.perf_counter() - started
    assert report.ok and len(report.taken) == debtors
    pdfs = list(root.glob("cases/*/actions/*.pdf"))
    assert len(pdfs) == (debtors if setting == "all" else 0)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--advance-debtors", type=int, default=200)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="casebook-bench-pdf-"))
    try:
        started = time.perf_counter()
        _PAGES[:] = pages_of(args.letters, scratch)
        html = time.perf_counter() - started
        print(f"{len(_PAGES)} letters' HTML (book generated and loaded too): {html:.1f} s")

        from casebook.letters.pdf import letter_pdf

        letter_pdf(_PAGES[0], dated=TODAY)  # fonts and stylesheets, once per process
        started = time.perf_counter()
        sizes = [_one(i) for i in range(len(_PAGES))]
        one = time.perf_counter() - started
        print(f"PDF, 1 process:   {one:.1f} s = {len(_PAGES) / one:.1f} letters/s "
              f"({1000 * one / len(_PAGES):.0f} ms a letter; {sum(sizes) / len(sizes) / 1024:.1f} KiB a PDF)")

        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(processes=2) as pool:
            pool.map(_one, range(len(_PAGES)), chunksize=16)
            pool.close()
            pool.join()
        two = time.perf_counter() - started
        print(f"PDF, 2 processes: {two:.1f} s = {len(_PAGES) / two:.1f} letters/s "
              f"(each process loads its fonts once)")

        extra = None
        if args.advance_debtors:
            n = args.advance_debtors
            without = advance_seconds(scratch, n, "none")
            with_pdf = advance_seconds(scratch, n, "all")
            extra = (with_pdf - without) / n
            print(f"advance, {n} debtors: {without:.1f} s with pdf: none, {with_pdf:.1f} s with "
                  f"pdf: all = {1000 * extra:.0f} ms more an action")

        per_action = extra if extra is not None else two / len(_PAGES)
        print(f"projected at 10,000 debtors with pdf: all (this machine, "
              f"{len(os.sched_getaffinity(0))} cores): +{10_000 * per_action:.0f} s on advance's own time "
              f"(docs/advance.md: 40-43 s for 10,000 commits), "
              f"+{10_000 * sum(sizes) / len(sizes) / 2**20:.0f} MiB of PDFs in the repository "
              f"(already compressed: git packs them as they are)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
