"""Make a realistic synthetic book of any size, the same for the same seed.

    python benchmarks/generate.py OUT --debtors 10000 --invoices 50000 [--seed 1] [--no-git]

Debtors get Belgian or Dutch names, addresses, valid IBANs, VAT numbers and structured
communications; invoices are spread over the last year, some paid, some partly, some late.
Other benchmarks import `generate_book` to build their input.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casebook.book.dump import invoice_file, payment_file, to_yaml  # noqa: E402

FIRST = ["Jan", "An", "Pieter", "Els", "Luc", "Sofie", "Marc", "Lotte", "Koen", "Nele", "Julie",
         "Thomas", "Marie", "Pierre", "Claire", "Daan", "Sanne", "Bram", "Eva", "Tom"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
        "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "De Vries", "Bakker", "Visser",
        "Smit", "Meijer", "Mulder", "Bos"]
TRADES = ["Bakkerij", "Garage", "Schrijnwerkerij", "Brasserie", "Drukkerij", "Apotheek",
          "Bouwbedrijf", "Kapsalon", "Tuinaanleg", "Elektro", "Atelier", "Boekhandel"]
FORMS = ["BV", "NV", "CommV", "VOF", "SRL"]
CITIES_BE = [("9000", "Gent"), ("2000", "Antwerpen"), ("1000", "Brussel"), ("3000", "Leuven"),
             ("8000", "Brugge"), ("4000", "Liège"), ("5000", "Namur"), ("7000", "Mons")]
CITIES_NL = [("1012 AB", "Amsterdam"), ("3011 AD", "Rotterdam"), ("3511 AX", "Utrecht"),
             ("5611 AZ", "Eindhoven"), ("9711 LM", "Groningen")]
SEGMENTS = ["standard"] * 5 + ["reliable"] * 2 + ["chronic-late", "new-client", "key-account", "hardship"]
SERVICES = ["Website onderhoud", "Installatie verwarming", "Grafisch ontwerp", "Advies",
            "Levering materiaal", "Herstelling", "Jaarlijks onderhoud", "Consultancy"]


def _mod97(digits: str) -> int:
    return int(digits) % 97


def be_iban(rng: random.Random) -> str:
    bank = f"{rng.randrange(10**9, 10**10):010d}"
    account = bank + f"{(_mod97(bank) or 97):02d}"
    check = 98 - int(account + "111400") % 97
    return f"BE{check:02d}{account}"


def nl_iban(rng: random.Random) -> str:
    account = f"{rng.randrange(10**9):010d}"
    bank = "ABNA"
    numeric = "".join(str(int(c, 36)) for c in bank + account) + "232100"
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bank}{account}"


def be_vat(rng: random.Random) -> str:
    base = rng.randrange(2_000_000, 9_999_999) * 10 // 10
    number = f"0{base:07d}"
    return f"BE{number}{97 - int(number) % 97:02d}"


def ogm(n: int) -> str:
    base = f"{n:010d}"
    digits = base + f"{(int(base) % 97) or 97:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def generate_book(root: Path, *, debtors: int, invoices: int, seed: int = 1,
                  today: date = date(2026, 11, 24), git: bool = True) -> dict[str, int]:
    """Write the book; return counts of what was written."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "casebook.yaml").write_bytes(to_yaml({
        "creditor": {"name": "Studio Noord BV", "vat": "BE0403170701", "iban": "BE71096123456769",
                     "bic": "GKCCBEBB", "email": "boekhouding@studionoord.be",
                     "address": {"street": "Kerkstraat 12", "postcode": "9000", "city": "Gent",
                                 "country": "BE"}},
        "jurisdiction": "BE", "language": "nl", "default_policy": "standard",
    }))
    counts = {"debtors": 0, "invoices": 0, "payments": 0, "files": 1}
    number = 0
    per_debtor = [invoices // debtors] * debtors
    for i in range(invoices - sum(per_debtor)):
        per_debtor[i % debtors] += 1
    for d in range(debtors):
        dutch = rng.random() < 0.2
        consumer = rng.random() < 0.15
        if consumer:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        else:
            name = f"{rng.choice(TRADES)} {rng.choice(LAST)} {rng.choice(FORMS)}"
        case_id = f"d{d:05d}-" + "-".join(name.lower().replace(" ", "-").split("-")[:2])
        postcode, city = rng.choice(CITIES_NL if dutch else CITIES_BE)
        debtor = {
            "name": name,
            "kind": "consumer" if consumer else "business",
            "language": "nl" if dutch or rng.random() < 0.6 else rng.choice(["fr", "en"]),
            "segment": rng.choice(SEGMENTS),
            "email": f"info{d}@example.com",
            "address": {"street": f"Stationsstraat {rng.randint(1, 200)}", "postcode": postcode,
                        "city": city, "country": "NL" if dutch else "BE"},
            "iban": [nl_iban(rng) if dutch else be_iban(rng)],
        }
        if not consumer and not dutch:
            debtor["vat"] = be_vat(rng)
        folder = root / "cases" / case_id
        (folder / "invoices").mkdir(parents=True)
        (folder / "debtor.yaml").write_bytes(to_yaml(debtor))
        counts["debtors"] += 1
        counts["files"] += 1
        for _ in range(per_debtor[d]):
            number += 1
            issued = today - timedelta(days=rng.randint(0, 365))
            due = issued + timedelta(days=30)
            amount = Decimal(rng.randint(5_000, 500_000)) / 100
            inv = f"2026-{number:06d}"
            (folder / "invoices" / f"{inv}.yaml").write_bytes(invoice_file(
                number=inv, issued=issued, due=due, amount=amount,
                description=rng.choice(SERVICES), reference=ogm(number)))
            counts["invoices"] += 1
            counts["files"] += 1
            roll = rng.random()
            if roll < 0.55 and due < today:
                paid = amount if roll < 0.45 else (amount / 2).quantize(Decimal("0.01"))
                when = min(today, due + timedelta(days=rng.randint(-10, 60)))
                (folder / "payments").mkdir(exist_ok=True)
                (folder / "payments" / f"{inv}.yaml").write_bytes(
                    payment_file(when=when, amount=paid, invoice=inv, reference=f"BANK-{number}"))
                counts["payments"] += 1
                counts["files"] += 1
    if git:
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "-c", "user.name=Generator", "-c", "user.email=gen@example.com",
                        "commit", "-q", "-m", "Generated book"], cwd=root, check=True)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--debtors", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-git", action="store_true")
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    start = time.perf_counter()
    counts = generate_book(args.out, debtors=args.debtors, invoices=args.invoices,
                           seed=args.seed, git=not args.no_git)
    print(f"generated {counts} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
