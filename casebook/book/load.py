"""Files -> model: read a whole book once into `Book`, with every problem found on the way.

Each file is read on its own (`_read_file`), so results can be cached per file: a rerun
on an unchanged book only looks at file sizes and modification times. The cache lives
inside `.git/` (never committed, never part of the book) and is only a speed-up: deleting
it changes nothing but the time taken.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from casebook import __version__
from casebook.book.errors import Problem
from casebook.book.fsutil import MAX_READ, read_inside
from casebook.book.model import (
    Action,
    ActionKind,
    Address,
    Book,
    Case,
    Channel,
    Charge,
    ContractTerms,
    Creditor,
    Dispute,
    Installment,
    Invoice,
    Kind,
    MailSettings,
    Note,
    Operator,
    Pauses,
    Payment,
    Plan,
    Policy,
    Promise,
    Settings,
    Source,
    Stage,
)
from casebook.book.pickled import SplitPickle, cache_folder, code_digest, gc_paused
from casebook.book.rates import load_tables
from casebook.book.resources import shipped
from casebook.book.schema import FILE_TYPES, SLUG_RE, Reader
from casebook.book.yamlfile import Mapping, read_front_matter, read_yaml

SETTINGS_FILE = "casebook.yaml"

_HERE = Path(__file__).resolve().parent
# Cached results are only valid for the code that made them.
CACHE_VERSION = code_digest(__version__, _HERE, (_HERE / name for name in (
    "load.py", "schema.py", "yamlfile.py", "model.py")))

# Sub-folder of a case -> (file suffix, file type).
CASE_FOLDERS = {
    "invoices": (".yaml", "invoice"),
    "credits": (".yaml", "credit"),
    "payments": (".yaml", "payment"),
    "notes": (".md", "note"),
    "actions": (".yaml", "action"),
}


class Loaded(NamedTuple):
    book: Book
    problems: list[Problem]


def load_book(root: Path, *, cache: bool = True, fingerprints: dict[str, str] | None = None) -> Loaded:
    """Read the book at `root`. Never raises for bad content: problems come back as values.

    `fingerprints`, when given, receives per case id a string that changes whenever a file
    of the case folder changes (name, size, modification time, inode; letter and email
    files included): a caller's per-case cache key that costs nothing more to compute.
    """
    # Loading makes hundreds of thousands of small objects and no reference cycles; the
    # cyclic garbage collector would only rescan them again and again (4x slower).
    with gc_paused():
        return _load_book(Path(root), cache=cache, fingerprints=fingerprints)


def _load_book(root: Path, *, cache: bool, fingerprints: dict[str, str] | None = None) -> Loaded:
    store = _Cache(root) if cache else None
    problems: list[Problem] = []

    settings = _settings(root, problems)
    policies = _policies(root, problems)
    cases: dict[str, Case] = {}
    cases_dir = root / "cases"
    if cases_dir.is_dir():
        for entry in sorted(os.scandir(cases_dir), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            case = _case(root, entry.name, store, problems, fingerprints)
            if case is not None:
                cases[case.id] = case
    if store is not None:
        store.save()
    tables, rate_problems = load_tables(root)
    problems += rate_problems
    return Loaded(Book(settings=settings, policies=policies, cases=cases, rates=tables), problems)


# -- one file ----------------------------------------------------------------------------

def _read_file(kind: str, rel: str, raw: bytes, case_id: str) -> tuple[Any, list[Problem]]:
    """One file -> its record (or None) and its problems. Pure: bytes in, values out."""
    problems: list[Problem] = []
    reader = Reader(rel, problems)
    body = ""
    if kind == "note":
        data, body, found = read_front_matter(raw, rel)
    else:
        data, found = read_yaml(raw, rel)
    problems += found
    if found:
        return None, problems
    values = reader.read(data, FILE_TYPES[kind])
    if values is None:
        return None, problems
    source = Source(rel, 1, tuple(data.lines.items()) if isinstance(data, Mapping) else ())
    stem = PurePosixPath(rel).stem
    record = _BUILDERS[kind](values, source, case_id, stem, body, reader)
    return record, problems


def _build_debtor(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Case:
    return Case(
        id=case_id,
        name=v.get("name", case_id),
        kind=Kind(v.get("kind", "business")),
        language=v.get("language", ""),
        segment=v.get("segment", ""),
        policy=v.get("policy", ""),
        email=v.get("email", ""),
        phone=v.get("phone", ""),
        contact=v.get("contact", ""),
        address=Address(**v.get("address", {})),
        vat=v.get("vat", ""),
        iban=v.get("iban", ()),
        owner=v.get("owner", ""),
        tags=v.get("tags", ()),
        source=source,
    )


def _build_invoice(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Invoice | None:
    if not {"number", "issued", "due", "amount"} <= v.keys():
        return None
    if v["due"] < v["issued"]:
        r.problem(source.at("due").line, f"`due` {v['due']} is before `issued` {v['issued']}")
    attachment = v.get("attachment", "")
    if attachment and not _stays_inside(attachment):
        r.problem(source.at("attachment").line,
                  f"`attachment` {attachment!r} must be a path inside the case folder")
        attachment = ""
    return Invoice(
        number=v["number"],
        issued=v["issued"],
        due=v["due"],
        amount=v["amount"],
        case_id=case_id,
        currency=v.get("currency", "EUR"),
        description=v.get("description", ""),
        reference=v.get("reference", ""),
        attachment=attachment,
        source=source,
    )


class _Credit(NamedTuple):
    number: str
    invoice: str
    amount: Decimal
    source: Source


def _build_credit(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> _Credit | None:
    if not {"number", "invoice", "amount"} <= v.keys():
        return None
    return _Credit(v["number"], v["invoice"], v["amount"], source)


def _build_payment(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Payment | None:
    if not {"date", "amount"} <= v.keys():
        return None
    return Payment(
        date=v["date"],
        amount=v["amount"],
        case_id=case_id,
        invoice=v.get("invoice"),
        reference=v.get("reference", ""),
        origin=v.get("source", ""),
        id=stem,
        source=source,
    )


def _build_note(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Note | None:
    if "date" not in v:
        return None
    when = v["date"]
    plan = None
    if "plan" in v:
        installments = tuple(Installment(i["due"], i["amount"]) for _, i in v["plan"]
                             if {"due", "amount"} <= i.keys())
        if not installments:
            r.problem(source.at("plan").line, "`plan` needs at least one installment")
        plan = Plan(installments, signed=v.get("signed", False)) if installments else None
    elif "signed" in v:
        r.problem(source.at("signed").line, "`signed` belongs with a `plan`")
    promise = v.get("promise")
    dispute = v.get("dispute")
    return Note(
        date=when.date() if hasattr(when, "date") and callable(when.date) else when,
        case_id=case_id,
        channel=v.get("channel", "other"),
        with_=v.get("with", ""),
        by=v.get("by", ""),
        promise=Promise(promise["date"], promise.get("amount")) if promise and "date" in promise else None,
        dispute=Dispute(dispute["invoice"], dispute.get("reason", "")) if dispute and "invoice" in dispute else None,
        resolved=v.get("resolved"),
        plan=plan,
        completes=v.get("completes"),
        body=body,
        id=stem,
        source=source,
    )


def _build_action(v: dict, source: Source, case_id: str, stem: str, body: str, r: Reader) -> Action | None:
    if not {"date", "kind"} <= v.keys():
        return None
    return Action(
        id=stem,
        date=v["date"],
        kind=ActionKind(v["kind"]),
        case_id=case_id,
        stage=v.get("stage", ""),
        channel=v.get("channel", ""),
        balance=v.get("balance", Decimal("0")),
        total=v.get("total", Decimal("0")),
        deadline=v.get("deadline"),
        invoices=v.get("invoices", ()),
        files=v.get("files", ()),
        source=source,
    )


_BUILDERS = {
    "debtor": _build_debtor,
    "invoice": _build_invoice,
    "credit": _build_credit,
    "payment": _build_payment,
    "note": _build_note,
    "action": _build_action,
}


def _stays_inside(relative: str) -> bool:
    path = PurePosixPath(relative.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and bool(relative.strip())


# -- a case ------------------------------------------------------------------------------

def _case(root: Path, case_id: str, store: "_Cache | None", problems: list[Problem],
          fingerprints: dict[str, str] | None = None) -> Case | None:
    folder = f"cases/{case_id}"
    if not SLUG_RE.match(case_id):
        problems.append(Problem(folder, 1,
            f"case folder name {case_id!r} is not a safe slug (a-z, 0-9 and dashes, e.g. "
            "`bakkerij-janssens`)"))
        return None
    # Plain strings and one scandir per folder: this loop runs for every file of the book.
    base = os.path.join(os.fspath(root), "cases", case_id)
    entries = {e.name: e for e in os.scandir(base)}
    debtor_entry = entries.get("debtor.yaml")
    if debtor_entry is None or not debtor_entry.is_file(follow_symlinks=False):
        problems.append(_no_debtor_file(folder, debtor_entry))
        return None
    # Whole cases are cached, under the stat of every file the folder holds: in a large
    # book most cases are unchanged, and putting a case together from cached files was most
    # of a warm load. Files are not cached one by one: when a case changes, its few files
    # are read again (entries for them would go unused by every later run, and dropping
    # them rewrote the whole cache: a warm run 1.7 s -> 2.9 s at 10,000 cases).
    listing = {sub: list(os.scandir(entries[sub].path)) for sub in CASE_FOLDERS
               if sub in entries and entries[sub].is_dir(follow_symlinks=False)}
    signature = _signature(entries, listing)
    if store is not None and signature:
        hit = store.get(folder, signature)
        if hit is not None:
            problems += hit[1]
            if fingerprints is not None:
                fingerprints[case_id] = hit[2]
            return hit[0]
    before = len(problems)
    case = _assemble(folder, case_id, problems, entries, debtor_entry, listing)
    fingerprint = hashlib.sha1(repr(signature).encode("utf-8", "surrogateescape")).hexdigest()
    if fingerprints is not None:
        fingerprints[case_id] = fingerprint
    if store is not None and signature:
        store.put(folder, signature, (case, problems[before:], fingerprint))
    return case


def _no_debtor_file(folder: str, entry: os.DirEntry | None) -> Problem:
    if entry is None:
        return Problem(folder, 1, "the case folder has no debtor.yaml")
    # A link could lead anywhere (git keeps links): a case is only ever its own files.
    what = "a symbolic link" if entry.is_symlink() else "not a regular file"
    return Problem(f"{folder}/debtor.yaml", 1,
                   f"debtor.yaml is {what}: put the debtor's details in the file itself")


def _signature(entries: dict[str, os.DirEntry], listing: dict[str, list[os.DirEntry]]) -> tuple:
    """(folder, name, stat) of every entry of the case folder and its record folders; ()
    when one cannot be read (then the case is not cached as a whole)."""
    found: list[tuple] = []
    try:
        for sub, group in (("", entries.values()), *listing.items()):
            for entry in group:
                if entry.is_dir(follow_symlinks=False):  # its files are listed themselves
                    found.append((sub, entry.name))
                else:
                    st = entry.stat(follow_symlinks=False)
                    found.append((sub, entry.name, st.st_mode, st.st_mtime_ns, st.st_size,
                                  st.st_ino))
    except OSError:
        return ()
    found.sort()
    return tuple(found)


def _assemble(
    folder: str, case_id: str, problems: list[Problem],
    entries: dict[str, os.DirEntry], debtor_entry: os.DirEntry,
    listing: dict[str, list[os.DirEntry]],
) -> Case | None:
    debtor, found = _read_entry("debtor", f"{folder}/debtor.yaml", case_id, debtor_entry)
    problems += found
    if debtor is None:
        return None
    records: dict[str, list[Any]] = {kind: [] for _, kind in CASE_FOLDERS.values()}
    for sub, (suffix, kind) in CASE_FOLDERS.items():
        if sub not in listing:
            continue
        found_records = records[kind]
        for entry in listing[sub]:
            name = entry.name
            if not name.endswith(suffix) or name.startswith("."):
                continue
            rel = f"{folder}/{sub}/{name}"
            if not entry.is_file(follow_symlinks=False):
                problems.append(Problem(rel, 1, "not a regular file (symlinks are not followed)"))
                continue
            record, found = _read_entry(kind, rel, case_id, entry)
            problems += found
            if record is not None:
                found_records.append(record)
    invoices = _apply_credits(records["invoice"], records["credit"], problems)
    return replace(
        debtor,
        invoices=tuple(sorted(invoices, key=_invoice_order)),
        payments=tuple(sorted(records["payment"], key=_dated_order)),
        notes=tuple(sorted(records["note"], key=_dated_order)),
        actions=tuple(sorted(records["action"], key=_dated_order)),
    )


def _invoice_order(invoice: Invoice) -> tuple:
    return (invoice.due, invoice.issued, invoice.number)


def _dated_order(record: Any) -> tuple:
    return (record.date, record.id)


def _apply_credits(invoices: list[Invoice], credits: list[_Credit], problems: list[Problem]) -> list[Invoice]:
    if not credits:
        return invoices
    by_number = {i.number: i for i in invoices}
    credited: dict[str, Decimal] = {}
    for credit in credits:
        if credit.invoice not in by_number:
            problems.append(Problem.at(credit.source.at("invoice"),
                                       f"credit note {credit.number} names invoice {credit.invoice}, "
                                       "which is not in this case"))
            continue
        credited[credit.invoice] = credited.get(credit.invoice, Decimal("0")) + credit.amount
    out = []
    for invoice in invoices:
        amount = credited.get(invoice.number)
        if amount is not None:
            if amount > invoice.amount:
                problems.append(Problem.at(invoice.source.at("amount"),
                    f"credit notes ({amount}) exceed invoice {invoice.number} ({invoice.amount})"))
            invoice = replace(invoice, credited=min(amount, invoice.amount))
        out.append(invoice)
    return out


# -- settings and policies ---------------------------------------------------------------

def _settings(root: Path, problems: list[Problem]) -> Settings:
    rel = SETTINGS_FILE
    try:
        raw = read_inside(root, rel)
    except FileNotFoundError:
        problems.append(Problem(rel, 1, "the book has no casebook.yaml"))
        return Settings(creditor=Creditor(name="?"))
    except OSError as error:
        problems.append(Problem(rel, 1, f"cannot read the file: {error.strerror}"))
        return Settings(creditor=Creditor(name="?"))
    data, found = read_yaml(raw, rel)
    problems += found
    reader = Reader(rel, problems)
    v = reader.read(data, FILE_TYPES["settings"]) if not found else None
    if v is None:
        return Settings(creditor=Creditor(name="?"))
    creditor = v.get("creditor", {})
    source = Source(rel, 1, tuple(data.lines.items()))
    if "timezone" in v and not _known_zone(v["timezone"]):
        reader.problem(data.line_of("timezone"), f"`timezone`: {v['timezone']!r} is not a known "
                       "time zone (like Europe/Brussels or Europe/Amsterdam)")
    return Settings(
        creditor=Creditor(
            name=creditor.get("name", "?"),
            address=Address(**creditor.get("address", {})),
            vat=creditor.get("vat", ""),
            iban=creditor.get("iban", ""),
            bic=creditor.get("bic", ""),
            email=creditor.get("email", ""),
            phone=creditor.get("phone", ""),
        ),
        jurisdiction=v.get("jurisdiction", "BE"),
        currency=v.get("currency", "EUR"),
        language=v.get("language", "nl"),
        default_policy=v.get("default_policy", "standard"),
        timezone=v.get("timezone", "Europe/Brussels"),
        operator=Operator(**v["operator"]) if "operator" in v else Operator(),
        mail=MailSettings(**v["mail"]) if "mail" in v else MailSettings(),
        contract=ContractTerms(**v["contract"]) if "contract" in v else ContractTerms(),
        postage=v.get("postage", Decimal("0.00")),
        site=dict(v.get("site", {})),
        insight=dict(v.get("insight", {})),
        source=source,
    )


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def policy_folder(root: Path) -> Path:
    """The book's policies, or the shipped ones when the book has none of its own."""
    own = root / "policies"
    return own if own.is_dir() else shipped("policies")


def _policies(root: Path, problems: list[Problem]) -> dict[str, Policy]:
    folder = policy_folder(root)
    base = root if folder == root / "policies" else folder.parent
    policies: dict[str, Policy] = {}
    for path in sorted(folder.glob("*.yaml")):
        rel = path.relative_to(base).as_posix()
        try:
            raw = read_inside(base, rel)
        except OSError as error:
            problems.append(Problem(rel, 1, f"cannot read the file: {error.strerror}"))
            continue
        data, found = read_yaml(raw, rel)
        problems += found
        if found:
            continue
        reader = Reader(rel, problems)
        v = reader.read(data, FILE_TYPES["policy"])
        if v is None:
            continue
        name = v.get("name", path.stem)
        if name != path.stem:
            reader.problem(data.line_of("name"), f"policy `name` {name!r} differs from the file name {path.stem!r}")
        stages = tuple(_stage(at, s, rel, reader) for at, s in v.get("stages", []))
        pauses = v.get("pauses", {})
        policies[path.stem] = Policy(
            name=path.stem,
            stages=tuple(s for s in stages if s is not None),
            description=v.get("description", ""),
            pauses=Pauses(**pauses),
            thank_you=v.get("thank_you", "thanks"),
            thank_you_channel=Channel(v.get("thank_you_channel", "email")),
            source=Source(rel, 1, tuple(data.lines.items())),
        )
    return policies


def _stage(line: int, v: dict, rel: str, reader: Reader) -> Stage | None:
    if not {"id", "channel"} <= v.keys():
        return None
    timing = [k for k in ("after_due", "after_previous") if k in v]
    if len(timing) != 1:
        reader.problem(line, f"stage {v['id']!r} needs exactly one of `after_due` or `after_previous`")
        return None
    charges = []
    for name in v.get("charges", ()):
        try:
            charges.append(Charge(name))
        except ValueError:
            reader.problem(line, f"stage {v['id']!r}: unknown charge {name!r} "
                                 f"(one of {', '.join(c.value for c in Charge)})")
    return Stage(
        id=v["id"],
        channel=Channel(v["channel"]),
        after_due=v.get("after_due"),
        after_previous=v.get("after_previous"),
        template=v.get("template", v["id"]),
        deadline_days=v.get("deadline_days", 0),
        charges=frozenset(charges),
        fee=v.get("fee", Decimal("0")),
        min_balance=v.get("min_balance", Decimal("0")),
        source=Source(rel, line),
    )


def _read_entry(kind: str, rel: str, case_id: str, entry: os.DirEntry) -> tuple[Any, list[Problem]]:
    """One case file of the folder listing: its record (or None) and its problems."""
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return None, []
    if st.st_size > MAX_READ:  # a record is a few hundred bytes; this is no record
        return None, [Problem(rel, 1, f"cannot read the file: larger than {MAX_READ >> 20} MB")]
    try:
        with open(entry.path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        return None, [Problem(rel, 1, f"cannot read the file: {error.strerror}")]
    return _read_file(kind, rel, raw, case_id)


# -- the cache ---------------------------------------------------------------------------

class _Cache:
    """Whole cases by folder (`cases/<id>`), valid while the stat of every file of the
    folder is unchanged (`_signature`)."""

    def __init__(self, root: Path) -> None:
        self.store = SplitPickle(cache_folder(root), "load-cache", CACHE_VERSION)
        self.entries: dict[str, tuple[Any, Any]] = self.store.entries
        self.used: dict[str, tuple[Any, Any]] = {}

    def get(self, folder: str, key: Any) -> Any:
        entry = self.entries.get(folder)
        if entry is not None and entry[0] == key:
            self.used[folder] = entry
            return entry[1]
        return None

    def put(self, folder: str, key: Any, result: Any) -> None:
        self.used[folder] = (key, result)

    def save(self) -> None:
        self.store.save(self.used)
