"""How fast the money engine is: allocation and claims for 10,000 generated cases.

    python3 benchmarks/money.py [CASES]

Prints the time per step. Pure Python, no disk: this is the engine's own cost.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from casebook.money.balance import allocate
from casebook.money.claim import claim_for
from casebook.book.model import (
    Action, ActionKind, Book, Case, Channel, Creditor, Invoice, Kind, Payment, Policy,
    Settings, Stage,
)
from casebook.money.refs import reference_for

POLICY = Policy("standard", (
    Stage("reminder", Channel.EMAIL, after_due=7),
    Stage("second", Channel.LETTER, after_previous=14, fee=Decimal("10")),
))


def generate(count: int, rng: random.Random) -> list[Case]:
    cases = []
    for n in range(count):
        cid = f"case-{n:05d}"
        invoices, payments, actions = [], [], []
        for k in range(rng.randint(1, 6)):
            issued = date(2024, 1, 1) + timedelta(rng.randint(0, 900))
            amount = Decimal(rng.randint(5_000, 2_000_000)) / 100
            invoices.append(Invoice(f"{n}-{k}", issued, issued + timedelta(30), amount, cid))
            if rng.random() < 0.5:
                paid = (amount * Decimal(rng.randint(10, 120)) / 100).quantize(Decimal("0.01"))
                payments.append(Payment(issued + timedelta(rng.randint(10, 200)), paid, cid,
                                        invoice=f"{n}-{k}" if rng.random() < 0.5 else None,
                                        id=f"p{k}"))
        first_due = min(i.due for i in invoices)
        for j, stage in enumerate(("reminder", "second")):
            day = first_due + timedelta(7 + 14 * j)
            actions.append(Action(f"{day}-{stage}", day, ActionKind.STAGE, cid, stage=stage,
                                  channel="email" if j == 0 else "letter"))
        kind = Kind.CONSUMER if rng.random() < 0.3 else Kind.BUSINESS
        cases.append(Case(cid, cid, kind=kind, invoices=tuple(invoices),
                          payments=tuple(payments), actions=tuple(actions)))
    return cases


def timed(label: str, func) -> float:
    start = time.perf_counter()
    func()
    took = time.perf_counter() - start
    print(f"{label:<44} {took:8.3f} s")
    return took


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    cases = generate(count, random.Random(4))
    invoices = sum(len(c.invoices) for c in cases)
    print(f"{count} cases, {invoices} invoices, "
          f"{sum(len(c.payments) for c in cases)} payments")
    as_of = date(2026, 11, 24)
    timed("allocate every case", lambda: [allocate(c.invoices, c.payments) for c in cases])
    timed("reference_for every invoice",
          lambda: [reference_for(i.number, c.id) for c in cases for i in c.invoices])
    for jurisdiction in ("BE", "NL"):
        book = Book(Settings(Creditor("Us"), jurisdiction=jurisdiction),
                    {"standard": POLICY}, {})
        took = timed(f"claim_for every case ({jurisdiction})",
                     lambda: [claim_for(book, c, as_of) for c in cases])
        print(f"{'':<44} {took / count * 1e6:8.0f} us per case")


if __name__ == "__main__":
    main()
