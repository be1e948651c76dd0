"""How fast a large bank statement is parsed and reconciled against a large book.

    python benchmarks/imports.py [--entries 10000] [--debtors 10000] [--seed 7]

Floor (issue 7): a statement of 10,000 entries against a book of 10,000 debtors, parse +
reconcile, under 10 s on a 2-core machine. Everything is built in memory: a camt.053 file
(as bytes) and a CODA file of the same entries, and a `Book` of debtors with one to three
invoices each. The entries mix every way of matching: structured communications (in the
structured field and typed in the free text), RF references, invoice numbers in the text,
known IBANs with the amount of an open invoice, strangers, debits and reversals.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casebook.imports.camt053 import parse_camt053  # noqa: E402
from casebook.imports.coda import parse_coda  # noqa: E402
from casebook.imports.reconcile import Status, reconcile  # noqa: E402
from casebook.book.model import Book, Case, Creditor, Invoice, Settings  # noqa: E402
from casebook.money.refs import make_ogm, make_rf  # noqa: E402

FLOOR_SECONDS = 10.0
DAY = date(2026, 11, 20)


def iban(n: int) -> str:
    """A Belgian IBAN with valid check digits for account number n."""
    bank = f"{n:010d}"
    account = bank + f"{int(bank) % 97 or 97:02d}"
    digits = int(account + "111400")  # "BE00" -> B=11 E=14, then 00
    return f"BE{98 - digits % 97:02d}{account}"


def make_book(debtors: int, rng: random.Random) -> Book:
    cases = {}
    number = 0
    for d in range(debtors):
        case_id = f"debtor-{d:05d}"
        invoices = []
        for _ in range(rng.randint(1, 3)):
            number += 1
            inv = f"2026-{number:06d}"
            kind = number % 3
            reference = (make_ogm(f"{number:010d}") if kind == 0 else
                         make_rf(f"{number}") if kind == 1 else "")
            issued = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
            amount = Decimal(rng.randint(5000, 500000)) / 100
            invoices.append(Invoice(inv, issued, issued + timedelta(days=30), amount, case_id,
                                    reference=reference))
        cases[case_id] = Case(id=case_id, name=f"Debtor {d}", iban=(iban(d),),
                              invoices=tuple(invoices))
    return Book(settings=Settings(creditor=Creditor(name="Us")), policies={}, cases=cases)


def make_entries(book: Book, count: int, rng: random.Random) -> list[dict]:
    cases = list(book.cases.values())
    entries = []
    for i in range(count):
        case = rng.choice(cases)
        inv = rng.choice(case.invoices)
        roll = i % 10
        e = {"ref": f"REF{i:08d}", "amount": inv.amount, "credit": True, "reversal": False,
             "strd": "", "ustrd": "", "iban": case.iban[0], "name": case.name}
        if roll in (0, 1, 2):
            e["strd"] = (inv.reference or "").replace("+", "").replace("/", "")
            e["ustrd"] = "" if inv.reference else f"Factuur {inv.number}"
        elif roll == 3:
            e["ustrd"] = f"betaling {inv.reference or inv.number} bedankt"
        elif roll in (4, 5):
            e["ustrd"] = f"Factuur {inv.number}"
        elif roll == 6:
            pass  # IBAN and amount only
        elif roll == 7:
            e.update(iban=iban(10_000_000 + i), name="Stranger", amount=Decimal("12.34"),
                     ustrd="lidgeld")
        elif roll == 8:
            e["credit"] = False
        else:
            e["reversal"] = True
        entries.append(e)
    return entries


def camt_bytes(entries: list[dict]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n'
             '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
             "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-11-21T06:00:00</CreDtTm></GrpHdr>"
             "<Stmt><Id>BENCH-1</Id><CreDtTm>2026-11-21T06:00:00</CreDtTm>"
             "<Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ccy>EUR</Ccy></Acct>"]
    for e in entries:
        cd = "CRDT" if e["credit"] else "DBIT"
        rmt = ""
        if e["strd"]:
            issuer = "ISO" if e["strd"].startswith("RF") else "BBA"
            rmt += (f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>{issuer}"
                    f"</Issr></Tp><Ref>{e['strd']}</Ref></CdtrRefInf></Strd>")
        if e["ustrd"]:
            rmt = f"<Ustrd>{e['ustrd']}</Ustrd>" + rmt
        parts.append(
            f'<Ntry><Amt Ccy="EUR">{e["amount"]}</Amt><CdtDbtInd>{cd}</CdtDbtInd>'
            + ("<RvslInd>true</RvslInd>" if e["reversal"] else "")
            + f"<Sts>BOOK</Sts><BookgDt><Dt>{DAY}</Dt></BookgDt><ValDt><Dt>{DAY}</Dt></ValDt>"
            f"<AcctSvcrRef>{e['ref']}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
            "</Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
            f"<RltdPties><Dbtr><Nm>{e['name']}</Nm></Dbtr><DbtrAcct><Id><IBAN>{e['iban']}</IBAN>"
            f"</Id></DbtrAcct></RltdPties><RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    parts.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "".join(parts).encode("utf-8")


def _record(fields: list[tuple[int, str]]) -> str:
    line = [" "] * 128
    for start, value in fields:
        line[start - 1:start - 1 + len(value)] = value
    return "".join(line[:128])


def coda_bytes(entries: list[dict]) -> bytes:
    """The same entries as CODA (structured communications only for OGMs)."""
    date6 = DAY.strftime("%d%m%y")
    lines = [_record([(1, "00000"), (6, date6), (12, "725"), (14, "05"), (128, "2")]),
             _record([(1, "12001"), (6, "BE68539007547034"), (40, "EUR"), (43, "0"),
                      (44, "0" * 15), (59, date6), (126, "001")])]
    debit = credit = Decimal(0)
    seq = 0
    for e in entries:
        if e["reversal"]:
            continue
        seq += 1
        amount = f"{int(e['amount'] * 1000):015d}"
        comm = [(62, "0"), (63, e["ustrd"][:53])]
        digits = e["strd"]
        if digits.isdigit() and len(digits) == 12:
            comm = [(62, "1"), (63, "101" + digits)]
        lines.append(_record([(1, "21"), (3, f"{seq % 10000:04d}"), (7, "0000"),
                              (11, e["ref"]), (32, "0" if e["credit"] else "1"), (33, amount),
                              (48, date6), (54, "00150000"), *comm, (116, date6),
                              (122, "001"), (125, "0"), (126, "1"), (128, "0")]))
        lines.append(_record([(1, "22"), (3, f"{seq % 10000:04d}"), (7, "0000"), (126, "1"),
                              (128, "0")]))
        lines.append(_record([(1, "23"), (3, f"{seq % 10000:04d}"), (7, "0000"),
                              (11, e["iban"]), (48, e["name"][:35]), (126, "0"), (128, "0")]))
        if e["credit"]:
            credit += e["amount"]
        else:
            debit += e["amount"]
    lines.append(_record([(1, "8001"), (5, "BE68539007547034"), (39, "EUR"), (42, "0"),
                          (43, "0" * 15), (58, date6)]))
    lines.append(_record([(1, "9"), (17, f"{len(lines) - 1:06d}"),
                          (23, f"{int(debit * 1000):015d}"), (38, f"{int(credit * 1000):015d}"),
                          (128, "2")]))
    return ("\n".join(lines) + "\n").encode("latin-1")


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {elapsed:7.3f} s")
    return value, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    print(f"Building a book of {args.debtors} debtors and a statement of {args.entries} entries")
    book, _ = timed("book (not timed against the floor)", lambda: make_book(args.debtors, rng))
    entries = make_entries(book, args.entries, rng)
    camt = camt_bytes(entries)
    coda = coda_bytes(entries)
    invoices = sum(len(c.invoices) for c in book.cases.values())
    print(f"  {invoices} invoices; camt.053 {len(camt) / 1e6:.1f} MB, CODA {len(coda) / 1e6:.1f} MB")

    failed = False
    for kind, parse, data in (("camt053", parse_camt053, camt), ("coda", parse_coda, coda)):
        print(f"{kind}:")
        statements, t_parse = timed("parse", lambda: parse(data, file=f"bench.{kind}"))
        result, t_match = timed("reconcile (indexes + matching)",
                                lambda: reconcile(book, statements))
        total = t_parse + t_match
        counts = {s: len(result.with_status(s)) for s in Status}
        print(f"  {'total parse + reconcile':<34} {total:7.3f} s  (floor {FLOOR_SECONDS:.0f} s)")
        print("  " + ", ".join(f"{s}: {n}" for s, n in counts.items()))
        methods: dict[str, int] = {}
        for o in result.matched:
            methods[str(o.method)] = methods.get(str(o.method), 0) + 1
        print("  matched by " + ", ".join(f"{m}: {n}" for m, n in sorted(methods.items())))
        if total >= FLOOR_SECONDS:
            failed = True
            print(f"  FAIL: {total:.2f} s is over the floor of {FLOOR_SECONDS:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
