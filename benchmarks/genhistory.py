"""Build a large book with a long git history, fast, for benchmarks.

    python3 benchmarks/genhistory.py PATH --debtors 1000 --commits 30000

writes a git repository at PATH (created, must not exist or be empty) holding a loadable
book of N debtors (debtor.yaml and two invoices each) and M commits of history: the first
commit adds the whole book, the others record notes, payments and actions (their letter,
printable copy and email as advance writes them; the `Casebook-Case`/`Casebook-Stage`/
`Casebook-Channel` trailers) one case at a time; every
`--mixed-every`-th commit is a bank import touching two cases. Everything goes through one
`git fast-import` stream, so 30,000 commits take seconds. Each debtor's name, email, IBAN and
invoice numbers are unique strings (see `debtor_secrets`), so privacy tests can grep for them.

Import `generate` from other benchmarks (`sys.path` insert of this folder).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

TZ = timezone(timedelta(hours=1))
START = datetime(2024, 1, 2, 9, 0, tzinfo=TZ)
WORDS = (
    "Bakkerij Brouwerij Garage Atelier Drukkerij Schrijnwerkerij Bouw Transport Hoeve Apotheek "
    "Kapsalon Bloemen Fietsen Elektro Dakwerken Tuinen Meubel Slagerij Optiek Reizen"
).split()
FAMILIES = (
    "Janssens Peeters Maes Jacobs Mertens Willems Claes Goossens Wouters Dubois Lambert "
    "Dupont Martin Simon Laurent Leclercq Hermans Vermeulen Desmet Smets"
).split()
OPERATORS = (("Sofie Claes", "sofie@creditor.example"), ("casebook", "casebook@creditor.example"))
STAGES = (
    ("pre-due", "email"),
    ("reminder", "email"),
    ("call", "phone"),
    ("second-reminder", "letter"),
    ("formal-notice", "registered"),
)


def be_iban(n: int) -> str:
    """A valid Belgian IBAN (national and IBAN check digits) made from `n`."""
    first = f"{(n * 7919 + 123) % 10**10:010d}"
    national = int(first) % 97 or 97
    bban = f"{first}{national:02d}"
    check = 98 - int(bban + "111400") % 97
    return f"BE{check:02d}{bban}"


@dataclass(frozen=True)
class Debtor:
    index: int
    id: str
    name: str
    email: str
    iban: str
    invoices: tuple[str, ...]


def debtor(index: int) -> Debtor:
    word = WORDS[index % len(WORDS)]
    family = FAMILIES[(index // len(WORDS)) % len(FAMILIES)]
    case_id = f"{word.lower()}-{family.lower()}-{index:05d}"
    return Debtor(
        index=index,
        id=case_id,
        name=f"{word} {family} {index:05d} BV",
        email=f"billing.{index:05d}@{family.lower()}-{index:05d}.example",
        iban=be_iban(index),
        invoices=(f"INV{index:05d}-A", f"INV{index:05d}-B"),
    )


def debtor_secrets(d: Debtor) -> tuple[str, ...]:
    """Strings that belong to this debtor alone: none may leak into another case's export."""
    return (d.name, d.email, d.iban, *d.invoices)


def debtor_files(d: Debtor) -> dict[str, bytes]:
    base = f"cases/{d.id}"
    due = date(2024, 1, 1) + timedelta(days=d.index % 300)
    files = {
        f"{base}/debtor.yaml": (
            f"name: {d.name}\nkind: business\nlanguage: nl\nemail: {d.email}\n"
            f"iban: {d.iban}\naddress:\n  street: Kerkstraat {d.index % 200 + 1}\n"
            f"  postcode: '{1000 + d.index % 8000}'\n  city: Gent\n  country: BE\n"
        ).encode(),
    }
    for k, number in enumerate(d.invoices):
        issued = due - timedelta(days=30 - k)
        files[f"{base}/invoices/{number}.yaml"] = (
            f"number: {number}\nissued: {issued.isoformat()}\ndue: {(issued + timedelta(days=30)).isoformat()}\n"
            f'amount: "{100 + (d.index * 37 + k * 11) % 5000}.{d.index % 100:02d}"\n'
            f"description: Levering {number}\n"
        ).encode()
    return files


SETTINGS = (
    b"creditor:\n  name: Voorbeeld Groothandel NV\n  iban: BE71096123456769\n  bic: GKCCBEBB\n"
    b"  email: boekhouding@creditor.example\njurisdiction: BE\nlanguage: nl\n"
    b"default_policy: standard\noperator:\n  name: casebook\n  email: casebook@creditor.example\n"
)


class _Stream:
    """Writes a fast-import stream."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.mark = 0

    def commit(
        self,
        files: dict[str, bytes],
        message: str,
        *,
        when: datetime,
        who: tuple[str, str],
        first: bool = False,
    ) -> None:
        w = self.out.write
        self.mark += 1
        stamp = f"{int(when.timestamp())} +0100"
        w(b"commit refs/heads/main\n")
        w(f"mark :{self.mark}\n".encode())
        w(f"author {who[0]} <{who[1]}> {stamp}\n".encode())
        w(f"committer {who[0]} <{who[1]}> {stamp}\n".encode())
        data = message.encode()
        w(b"data %d\n%s\n" % (len(data), data))
        for path, content in files.items():
            w(f"M 100644 inline {path}\n".encode())
            w(b"data %d\n%s\n" % (len(content), content))
        w(b"\n")


def generate(
    root: Path,
    *,
    debtors: int,
    commits: int,
    mixed_every: int = 50,
    seed: int = 1,
) -> list[Debtor]:
    """Create the repository at `root` and check the book out. Returns the debtors."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    rng = random.Random(seed)
    people = [debtor(i) for i in range(debtors)]
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=root, stdin=subprocess.PIPE
    )
    assert process.stdin is not None
    stream = _Stream(process.stdin)
    first: dict[str, bytes] = {"casebook.yaml": SETTINGS}
    for d in people:
        first.update(debtor_files(d))
    stream.commit(first, "Start the book", when=START, who=OPERATORS[0])
    minutes = max(1, (2 * 365 * 24 * 60) // max(commits, 1))
    stage_of = [0] * debtors
    for n in range(1, commits):
        when = START + timedelta(minutes=n * minutes)
        day = when.date().isoformat()
        if mixed_every and n % mixed_every == 0 and debtors > 1:
            a, b = rng.sample(people, 2)
            files = {
                f"cases/{d.id}/payments/{day}-bank-{n}.yaml": (
                    f"date: {day}\namount: \"{10 + n % 90}.00\"\ninvoice: {d.invoices[0]}\n"
                    f"source: camt053 statement {n}\n"
                ).encode()
                for d in (a, b)
            }
            stream.commit(files, f"Import bank statement {n}: 2 payments", when=when, who=OPERATORS[0])
            continue
        d = people[rng.randrange(debtors)]
        base = f"cases/{d.id}"
        kind = n % 3
        if kind == 0:
            stage, channel = STAGES[stage_of[d.index] % len(STAGES)]
            stage_of[d.index] += 1
            stem = f"{day}-{stage}-{n}"
            letter = f"# {stage}\n\nGeachte {d.name},\n\nFactuur {d.invoices[0]} staat open.\n"
            # What advance writes: the letter, its printable copy (not for a call) and the
            # email as sent (email stages).
            written = {f"{stem}.md": letter.encode()}
            if channel != "phone":
                written[f"{stem}.html"] = (
                    f"<!doctype html>\n<html lang=\"nl\"><meta charset=\"utf-8\"><title>{stage}</title>"
                    f"<body><h1>{stage}</h1><p>Geachte {d.name},</p><p>Factuur {d.invoices[0]} "
                    "staat open.</p></body></html>\n").encode()
            if channel == "email":
                written[f"{stem}.eml"] = (
                    f"From: creditor@creditor.example\r\nTo: {d.email}\r\nSubject: {stage}\r\n"
                    f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{letter}"
                ).encode()
            record = (
                f"date: {day}\nkind: stage\nstage: {stage}\nchannel: {channel}\n"
                f'balance: "{100 + n % 900}.00"\ntotal: "{110 + n % 900}.00"\n'
                f"invoices: [{d.invoices[0]}]\nfiles: [{', '.join(sorted(written))}]\n"
            ).encode()
            message = (
                f"{d.id}: {stage} by {channel}\n\n"
                f"Casebook-Case: {d.id}\nCasebook-Stage: {stage}\nCasebook-Channel: {channel}\n"
            )
            files = {f"{base}/actions/{stem}.yaml": record,
                     **{f"{base}/actions/{name}": data for name, data in written.items()}}
            stream.commit(files, message, when=when, who=OPERATORS[1])
        elif kind == 1:
            note = (
                f"---\ndate: {day}\nchannel: phone\nwith: {d.name}\nby: Sofie\n---\n\n"
                f"Called about {d.invoices[1]}; will pay soon.\n"
            ).encode()
            stream.commit({f"{base}/notes/{day}-call-{n}.md": note}, f"{d.id}: note of a call",
                          when=when, who=OPERATORS[0])
        else:
            payment = (
                f"date: {day}\namount: \"{5 + n % 50}.00\"\ninvoice: {d.invoices[1]}\nsource: cash\n"
            ).encode()
            stream.commit({f"{base}/payments/{day}-cash-{n}.yaml": payment},
                          f"{d.id}: payment received", when=when, who=OPERATORS[0])
    process.stdin.write(b"done\n")
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    return people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--debtors", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=30000)
    parser.add_argument("--mixed-every", type=int, default=50)
    args = parser.parse_args()
    if args.path.exists() and any(args.path.iterdir()):
        sys.exit(f"{args.path} is not empty")
    started = time.perf_counter()
    generate(args.path, debtors=args.debtors, commits=args.commits, mixed_every=args.mixed_every)
    print(
        f"{args.commits} commits, {args.debtors} debtors in {args.path}: "
        f"{time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
