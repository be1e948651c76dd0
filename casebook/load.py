"""Files -> model: read a whole book once into `Book`, with every problem found on the way.

Each file is read on its own (`_read_file`), so results can be cached per file: a rerun
on an unchanged book only looks at file sizes and modification times. The cache lives
inside `.git/` (never committed, never part of the book) and is only a speed-up: deleting
it changes nothing but the time taken.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import replace
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from . import __version__
from .errors import Problem
from .model import (
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
from .rates import load_tables
from .resources import shipped
from .schema import FILE_TYPES, SLUG_RE, Reader
from .yamlfile import Mapping, read_front_matter, read_yaml

SETTINGS_FILE = "casebook.yaml"

def _code_version() -> str:
    """Cached results are only valid for the code that made them."""
    digest = hashlib.sha1(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in ("load.py", "schema.py", "yamlfile.py", "model.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


CACHE_VERSION = _code_version()

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


def load_book(root: Path, *, cache: bool = True) -> Loaded:
    """Read the book at `root`. Never raises for bad content: problems come back as values."""
    root = Path(root)
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
            case = _case(root, entry.name, store, problems)
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

def _case(root: Path, case_id: str, store: "_Cache | None", problems: list[Problem]) -> Case | None:
    folder = f"cases/{case_id}"
    if not SLUG_RE.match(case_id):
        problems.append(Problem(folder, 1,
            f"case folder name {case_id!r} is not a safe slug (a-z, 0-9 and dashes, e.g. "
            "`bakkerij-janssens`)"))
        return None
    debtor_rel = f"{folder}/debtor.yaml"
    debtor, found = _cached_read(root, "debtor", debtor_rel, case_id, store)
    problems += found
    if debtor is None:
        if not (root / debtor_rel).is_file():
            problems.append(Problem(folder, 1, "the case folder has no debtor.yaml"))
        return None
    records: dict[str, list[Any]] = {}
    for sub, (suffix, kind) in CASE_FOLDERS.items():
        records[kind] = []
        sub_dir = root / folder / sub
        if not sub_dir.is_dir():
            continue
        for entry in sorted(os.scandir(sub_dir), key=lambda e: e.name):
            if not entry.name.endswith(suffix) or entry.name.startswith("."):
                continue
            if not entry.is_file(follow_symlinks=False):
                problems.append(Problem(f"{folder}/{sub}/{entry.name}", 1,
                                        "not a regular file (symlinks are not followed)"))
                continue
            record, found = _cached_read(root, kind, f"{folder}/{sub}/{entry.name}", case_id, store,
                                         stat=entry.stat(follow_symlinks=False))
            problems += found
            if record is not None:
                records[kind].append(record)
    invoices = _apply_credits(records["invoice"], records["credit"], problems)
    return replace(
        debtor,
        invoices=tuple(sorted(invoices, key=lambda i: (i.due, i.issued, i.number))),
        payments=tuple(sorted(records["payment"], key=lambda p: (p.date, p.id))),
        notes=tuple(sorted(records["note"], key=lambda n: (n.date, n.id))),
        actions=tuple(sorted(records["action"], key=lambda a: (a.date, a.id))),
    )


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
        raw = (root / rel).read_bytes()
    except OSError:
        problems.append(Problem(rel, 1, "the book has no casebook.yaml"))
        return Settings(creditor=Creditor(name="?"))
    data, found = read_yaml(raw, rel)
    problems += found
    reader = Reader(rel, problems)
    v = reader.read(data, FILE_TYPES["settings"]) if not found else None
    if v is None:
        return Settings(creditor=Creditor(name="?"))
    creditor = v.get("creditor", {})
    source = Source(rel, 1, tuple(data.lines.items()))
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
        data, found = read_yaml(path.read_bytes(), rel)
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


# -- the per-file cache ------------------------------------------------------------------

def _cached_read(
    root: Path, kind: str, rel: str, case_id: str, store: "_Cache | None",
    *, stat: os.stat_result | None = None,
) -> tuple[Any, list[Problem]]:
    try:
        st = stat or os.stat(root / rel, follow_symlinks=False)
    except OSError:
        return None, []
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    if store is not None:
        hit = store.get(rel, key)
        if hit is not None:
            return hit
    try:
        raw = (root / rel).read_bytes()
    except OSError as error:
        return None, [Problem(rel, 1, f"cannot read the file: {error.strerror}")]
    result = _read_file(kind, rel, raw, case_id)
    if store is not None:
        store.put(rel, key, result)
    return result


class _Cache:
    """Parsed files by path, valid while size, mtime and inode are unchanged."""

    def __init__(self, root: Path) -> None:
        git_dir = root / ".git"
        self.path = git_dir / "casebook" / "load-cache.pickle" if git_dir.is_dir() else None
        self.entries: dict[str, tuple[tuple[int, int, int], Any]] = {}
        self.used: dict[str, tuple[tuple[int, int, int], Any]] = {}
        self.dirty = False
        if self.path is not None:
            try:
                with open(self.path, "rb") as handle:
                    version, entries = pickle.load(handle)
                if version == CACHE_VERSION:
                    self.entries = entries
            except Exception:  # a missing or damaged cache is only a slower run
                self.entries = {}

    def get(self, rel: str, key: tuple[int, int, int]) -> Any:
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == key:
            self.used[rel] = entry
            return entry[1]
        return None

    def put(self, rel: str, key: tuple[int, int, int], result: Any) -> None:
        self.used[rel] = (key, result)
        self.dirty = True

    def save(self) -> None:
        if self.path is None or (not self.dirty and len(self.used) == len(self.entries)):
            return
        from .fsutil import atomic_write

        try:
            atomic_write(self.path, pickle.dumps((CACHE_VERSION, self.used), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass
