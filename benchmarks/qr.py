"""Is segno, with a fixed mask, the bottleneck of `advance`? The measurement behind qr.py.

    python benchmarks/qr.py [--symbols 10000] [--debtors 10000]

casebook builds its EPC QR symbols itself (`casebook.money.qr._fast_code`) instead of calling
`segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8", mask=MASK)`. The issue
that questioned it (#10) set the rule: keep our own encoder only if segno with a fixed mask is
the bottleneck of `advance` at 10,000 debtors. This prints, in one run:

1. the time to encode the same EPC payloads with our encoder, with segno and a fixed mask,
   and with segno choosing the mask itself (what a plain `segno.make_qr` does);
2. `advance` on a generated book of `--debtors` cases (one email reminder each, so one QR
   symbol per letter), run twice on copies of the same book: with our encoder, then with
   segno's (our fast path switched off), and the share of the run the difference is.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import segno  # noqa: E402

from casebook.money import qr  # noqa: E402
from casebook.money.refs import make_ogm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from advance import TODAY, make_book  # noqa: E402


def payloads(count: int, rng: random.Random) -> list[str]:
    names = ["Studio Noord BV", "Bakkerij Van den Broeck", "Ébénisterie Lefèvre SRL",
             "Hoveniersbedrijf De Groene Vinger VOF"]
    return [qr.epc_payload(name=rng.choice(names), iban="BE68539007547034", bic="GKCCBEBB",
                           amount=Decimal(rng.randint(1_000, 5_000_000)) / 100,
                           reference=make_ogm(f"{rng.randint(1, 10**10 - 1):010d}"), info=f"factuur 2026-{n:05d}")
            for n in range(count)]


def timed(encode, items: list[str]) -> float:
    started = time.perf_counter()
    for payload in items:
        encode(payload)
    return time.perf_counter() - started


def advance_seconds(book: Path, *, own: bool) -> float:
    from casebook.record.advance import advance

    fast = qr._fast_code
    if not own:
        qr._fast_code = lambda payload: None  # epc_code then asks segno, mask fixed
    try:
        started = time.perf_counter()
        report = advance(book, today=TODAY)
        elapsed = time.perf_counter() - started
    finally:
        qr._fast_code = fast
    assert report.ok and report.taken, report.skipped[:3]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=10_000)
    parser.add_argument("--debtors", type=int, default=10_000)
    args = parser.parse_args()

    items = payloads(args.symbols, random.Random(7))
    for payload in items[:50]:  # the two ways must draw the same symbol
        assert qr._fast_code(payload).matrix == segno.make_qr(
            payload, error="m", boost_error=False, encoding="utf-8", mask=qr.MASK).matrix
    own = timed(qr.epc_code, items)
    fixed = timed(lambda p: segno.make_qr(p, error="m", boost_error=False, encoding="utf-8",
                                          mask=qr.MASK), items)
    auto = timed(lambda p: segno.make_qr(p, error="m", boost_error=False, encoding="utf-8"),
                 items[: max(1, args.symbols // 10)]) * 10
    print(f"{args.symbols} EPC symbols: casebook {own:.2f} s, segno fixed mask {fixed:.2f} s "
          f"({fixed / own:.1f}x), segno choosing the mask ~{auto:.1f} s ({auto / own:.0f}x)")

    scratch = Path(tempfile.mkdtemp(prefix="casebook-bench-qr-"))
    try:
        base = scratch / "book"
        make_book(base, args.debtors)
        copies = {}
        for name in ("own", "segno"):
            copies[name] = scratch / name
            subprocess.run(["cp", "-a", str(base), str(copies[name])], check=True)
        with_own = advance_seconds(copies["own"], own=True)
        with_segno = advance_seconds(copies["segno"], own=False)
        share = (with_segno - with_own) / with_segno
        print(f"advance, {args.debtors} debtors: {with_own:.1f} s with casebook's encoder, "
              f"{with_segno:.1f} s with segno's (fixed mask): segno would be {share:.0%} of the run")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
