"""`casebook check` on a book broken in many ways across many cases: its whole output
(stdout, stderr, exit code) stays byte for byte what tests/golden/check/broken-book.txt
holds, cold, warm (from the load cache) and without the cache, with the folders parsed in
this process and with them shared among forked workers (`parallelload`).

Regenerate the golden file only on purpose: CASEBOOK_REGOLD=1 pytest this file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.book import parallelload
from casebook.cli import main
from tests.conftest import write_files

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "check" / "broken-book.txt"
TODAY = "2026-11-24"
CASES = 60

GOOD_DEBTOR = "name: Klant {n} BV\nemail: info{n}@klant.example\n"
GOOD_INVOICE = 'number: 2026-{n:04d}\nissued: 2026-09-01\ndue: 2026-10-01\namount: "{n}1.50"\n'

# One kind of damage per case, in turn: (file under the case folder, content).
DAMAGE = [
    ("invoices/tab.yaml", "number: T-{n}\nissued: 2026-09-01\n\tdue: 2026-10-01\namount: 5\n"),
    ("payments/bad-date.yaml", "date: 2026-02-30\namount: 10\n"),
    ("payments/date-format.yaml", "date: 30/10/2026\namount: 10\n"),
    ("invoices/unknown-key.yaml", "number: U-{n}\nissued: 2026-09-01\ndue: 2026-10-01\nammount: 10\n"),
    ("invoices/missing.yaml", "number: M-{n}\nissued: 2026-09-01\n"),
    ("payments/comma.yaml", "date: 2026-10-02\namount: 1.210,50\n"),
    ("payments/negative.yaml", "date: 2026-10-02\namount: -5\n"),
    ("payments/decimals.yaml", "date: 2026-10-02\namount: 10.001\n"),
    ("invoices/duplicate.yaml", "number: 2026-0001\nissued: 2026-09-01\ndue: 2026-10-01\namount: 5\n"),
    ("payments/unknown-invoice.yaml", "date: 2026-10-02\namount: 10\ninvoice: 2026-9999\n"),
    ("notes/no-front-matter.md", "Called them, no answer.\n"),
    ("notes/broken.md", "---\ndate: 2026-10-05\nwith: [Jan\n---\nBody\n"),
    ("notes/unclosed.md", "---\ndate: 2026-10-05\nchannel: phone\n"),
    ("notes/stage.md", "---\ndate: 2026-10-05\ncompletes: visit\n---\n"),
    ("payments/latin1.yaml", b"date: 2026-10-02\namount: 10\nsource: caf\xe9\n"),
    ("payments/empty.yaml", ""),
    ("payments/twice.yaml", "date: 2026-10-02\namount: 10\ndate: 2026-10-03\n"),
    ("invoices/due-before.yaml", "number: D-{n}\nissued: 2026-09-01\ndue: 2026-08-01\namount: 10\n"),
    ("invoices/ogm.yaml", "number: O-{n}\nissued: 2026-09-01\ndue: 2026-10-01\namount: 10\n"
                          "reference: +++123/4567/89012+++\n"),
    ("debtor.yaml", "name: Klant {n}\niban: BE68539007547035\nvat: BE0403170702\n"),
    ("debtor.yaml", "name: Klant {n}\nsegment: chronic\n"),
    ("debtor.yaml", "name: Klant {n}\npolicy: gentle\n"),
    ("debtor.yaml", "- just\n- a list\n"),
    ("invoices/list.yaml", "- just\n- a list\n"),
]


def write_book(root: Path) -> None:
    files: dict[str, str | bytes] = {
        "casebook.yaml": (
            "creditor:\n  name: Studio Noord BV\n"
            '  address: {street: Kerkstraat 12, postcode: "9000", city: Gent, country: BE}\n'
            "  vat: BE0403170701\n  iban: BE68539007547034\n  bic: GKCCBEBB\n"
            "  email: boekhouding@studionoord.be\n"
            "jurisdiction: BE\nlanguage: nl\ndefault_policy: standard\n"
        ),
        "policies/standard.yaml": (
            "description: Test policy.\nstages:\n"
            "  - {id: reminder, after_due: 7, channel: email, template: reminder, deadline_days: 10}\n"
            "  - {id: call, after_previous: 7, channel: phone, template: call}\n"
        ),
        # Folders that are no case: unsafe names, no debtor file.
        "cases/Janssens BV/debtor.yaml": "name: X\n",
        "cases/Janssens BV/invoices/a.yaml": "number: 2026-0002\nissued: 2026-13-01\n",
        "cases/UPPER/debtor.yaml": "name: Upper\n",
        "cases/no-debtor/invoices/x.yaml": "number: X-1\nissued: 2026-09-01\ndue: 2026-10-01\namount: 5\n",
    }
    for n in range(1, CASES + 1):
        base = f"cases/klant-{n:03d}"
        files[f"{base}/debtor.yaml"] = GOOD_DEBTOR.format(n=n)
        files[f"{base}/invoices/2026-{n:04d}.yaml"] = GOOD_INVOICE.format(n=n)
        for k in range(n % 3 + 1):  # one to three kinds of damage a case
            name, content = DAMAGE[(n * 7 + k * 5) % len(DAMAGE)]
            files[f"{base}/{name}"] = content if isinstance(content, bytes) else content.format(n=n)
    write_files(root, files)
    (root / ".git").mkdir()  # a place for the load cache


def output(root: Path, *extra: str) -> str:
    result = CliRunner().invoke(main, ["check", "--book", str(root), "--today", TODAY, *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    text = f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}--- exit {result.exit_code}\n"
    return text.replace(str(root), "BOOK")


def check_runs(root: Path) -> list[str]:
    return [output(root), output(root), output(root, "--no-cache")]


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "workers"])
def test_broken_book_output_is_golden(tmp_path, monkeypatch, parallel):
    monkeypatch.setattr(parallelload, "PARALLEL_MIN_CASES", 1 if parallel else 10**9)
    if parallel:
        monkeypatch.setattr(parallelload, "cores", lambda: 2)
        workers = []
        real = parallelload._parse_in_workers
        monkeypatch.setattr(parallelload, "_parse_in_workers",
                            lambda *a: workers.append(a) or real(*a))
    root = tmp_path / "book"
    write_book(root)
    cold, warm, uncached = check_runs(root)
    if parallel:  # warm, only the 3 folders that are no case (never cached) are parsed again
        assert [len(names) for _, names, _ in workers] == [CASES + 3, 3, CASES + 3]
    if os.environ.get("CASEBOOK_REGOLD") and not parallel:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(cold, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    assert cold == expected
    assert warm == expected
    assert uncached == expected
