"""How fast casebook commits actions in a large book.

    python3 benchmarks/commits.py [--cases 10000] [--commits 10000] [--plain 200]

Builds a book of `--cases` case folders (3 files each, one commit), then commits
`--commits` actions, each adding 3 files to its own case folder, three ways:

- raw `git fast-import` writing the same commits to a side branch (the floor: git alone);
- `Store.batch()` (what `casebook advance` uses): the same commits on the checked-out
  branch, working tree and index updated, `git status` clean afterwards;
- plain `Store.commit` (`git add` + `git commit` per action), `--plain` commits only,
  since it is far slower; its rate is extrapolated.

Prints commits per second for each, and the time the batch takes for all of them
(target: under 60 s for 10,000 on a 2-core machine).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from genhistory import generate  # noqa: E402

from casebook.record.gitstore import Store  # noqa: E402
from casebook.book.model import Operator  # noqa: E402

OPERATOR = Operator("casebook", "casebook@creditor.example")
WHEN = datetime(2026, 11, 24, 6, 0, tzinfo=timezone(timedelta(hours=1)))


def action(case_id: str, n: int) -> tuple[dict[str, bytes], str]:
    stem = f"actions/2026-11-24-reminder-{n}"
    record = (
        f"date: 2026-11-24\nkind: stage\nstage: reminder\nchannel: email\n"
        f'balance: "{100 + n % 900}.00"\ntotal: "{100 + n % 900}.00"\n'
        f"files: [{stem[8:]}.md, {stem[8:]}.eml]\n"
    ).encode()
    letter = f"# Reminder\n\nDear customer {case_id},\n\nInvoice {n} is open.\n".encode() * 4
    email = b"From: us@example\nTo: them@example\nSubject: Reminder\n\n" + letter
    files = {
        f"cases/{case_id}/{stem}.yaml": record,
        f"cases/{case_id}/{stem}.md": letter,
        f"cases/{case_id}/{stem}.eml": email,
    }
    message = (
        f"{case_id}: reminder (email)\n\nFirst reminder after the due date.\n\n"
        f"Casebook-Case: {case_id}\nCasebook-Stage: reminder\nCasebook-Channel: email\n"
    )
    return files, message


def raw_fast_import(root: Path, case_ids: list[str], count: int) -> float:
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    started = time.perf_counter()
    process = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=root, stdin=subprocess.PIPE)
    assert process.stdin is not None
    stamp = f"{int(WHEN.timestamp())} +0100"
    for n in range(count):
        files, message = action(case_ids[n % len(case_ids)], n)
        data = message.encode()
        chunks = [
            b"commit refs/heads/raw-fast-import\n",
            f"author casebook <casebook@creditor.example> {stamp}\n".encode(),
            f"committer casebook <casebook@creditor.example> {stamp}\n".encode(),
            b"data %d\n%s\n" % (len(data), data),
        ]
        if n == 0:
            chunks.append(f"from {base}\n".encode())
        for path, content in files.items():
            chunks.append(f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n")
        process.stdin.write(b"".join(chunks) + b"\n")
    process.stdin.close()
    process.wait()
    return time.perf_counter() - started


def batch(root: Path, case_ids: list[str], count: int) -> float:
    store = Store(root)
    started = time.perf_counter()
    with store.batch() as b:
        for n in range(count):
            files, message = action(case_ids[n % len(case_ids)], n)
            b.commit(files, message, author=OPERATOR, when=WHEN)
    return time.perf_counter() - started


def plain(root: Path, case_ids: list[str], count: int, offset: int) -> float:
    store = Store(root)
    started = time.perf_counter()
    with store.lock():
        for n in range(offset, offset + count):
            files, message = action(case_ids[n % len(case_ids)], n)
            store.commit(files, message, author=OPERATOR, when=WHEN)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--commits", type=int, default=10000)
    parser.add_argument("--plain", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the book here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "book"
        started = time.perf_counter()
        people = generate(root, debtors=args.cases, commits=1)
        files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout
        print(
            f"book: {args.cases} case folders, {files.count(chr(10))} files, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        case_ids = [p.id for p in people]
        n = args.commits
        took = raw_fast_import(root, case_ids, n)
        print(f"git fast-import (raw, side branch): {n} commits in {took:.1f} s = {n / took:.0f} commits/s")
        took = batch(root, case_ids, n)
        print(f"Store.batch():                      {n} commits in {took:.1f} s = {n / took:.0f} commits/s")
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True
        ).stdout
        print(f"  git status after the batch: {'clean' if not status else status[:200]}")
        took = plain(root, case_ids, args.plain, n)
        rate = args.plain / took
        print(
            f"Store.commit (git add + commit):    {args.plain} commits in {took:.1f} s = "
            f"{rate:.1f} commits/s (10,000 would take ~{10000 / rate / 60:.0f} min)"
        )


if __name__ == "__main__":
    main()
