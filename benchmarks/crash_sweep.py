"""Kill every writing command at each of its crash points, rerun, check; print the figures.

    python benchmarks/crash_sweep.py [COMMAND...]

The same sweep as tests/record/test_crash_sweep.py (which runs it in CI), with a count and the
time per command: how many kill points each command passes and how long the walk takes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import test_crash_sweep as sweep_module  # noqa: E402
from tests.test_crash_support import SmtpServer, scratch  # noqa: E402


def main(names: list[str]) -> int:
    names = names or list(sweep_module.COMMANDS)
    total_points = 0
    failures = 0
    started = time.perf_counter()
    with scratch(Path(tempfile.mkdtemp(prefix="casebook-crash-"))) as folder:
        smtp = SmtpServer(folder)
        try:
            pristine = sweep_module.build_pristine(folder / "pristine", smtp.port)
            print(f"{'command':<16} {'points':>6} {'walked':>6} {'failed':>6} {'seconds':>8} "
                  f"{'s/point':>8}")
            for name in names:
                work = folder / name
                work.mkdir()
                result = sweep_module.sweep(name, pristine, work, smtp)
                total_points += result.points
                failures += len(result.failures)
                per = result.seconds / result.points if result.points else 0.0
                print(f"{name:<16} {result.total:>6} {result.points:>6} {len(result.failures):>6} "
                      f"{result.seconds:>8.1f} {per:>8.2f}", flush=True)
                for line in result.failures:
                    print(f"  {line}")
        finally:
            smtp.stop()
    print(f"{'total':<16} {'':>6} {total_points:>6} {failures:>6} "
          f"{time.perf_counter() - started:>8.1f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
