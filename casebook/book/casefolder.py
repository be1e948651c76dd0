"""A case folder -> one `Case`: which files it holds, the records put together, credit
notes applied, and the whole case cached under the stat of its files.

Separate from `records` (what one file says) and from `load` (the book around the cases):
this is the loop that runs for every folder of the book, where the cache pays.
"""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from casebook.book.errors import Problem
from casebook.book.creditors import CREDITOR_FILE, CaseCreditor
from casebook.book.fields import SLUG_RE
from casebook.book.loadcache import CaseCache, kept
from casebook.book.model import Case, Invoice
from casebook.book.records import Credit, read_entry
from casebook.book.statwalk import Layout, from_layout, layout_of, signature_fingerprint

# Sub-folder of a case -> (file suffix, file type).
CASE_FOLDERS = {
    "invoices": (".yaml", "invoice"),
    "credits": (".yaml", "credit"),
    "payments": (".yaml", "payment"),
    "notes": (".md", "note"),
    "actions": (".yaml", "action"),
}


def read_case(root: Path, case_id: str, store: CaseCache | None, problems: list[Problem],
              fingerprints: dict[str, str] | None = None,
              layouts: dict[str, Layout] | None = None) -> Case | None:
    """The case of folder `cases/<case_id>`, or None (and a problem) when it is no case.
    `layouts` receives the folder's layout for the next walk (`walk`), when it has one."""
    if not SLUG_RE.match(case_id):
        folder = f"cases/{case_id if case_id.isprintable() else repr(case_id)[1:-1]}"
        problems.append(Problem(folder, 1,
            f"case folder name {case_id!r} is not a safe slug (a-z, 0-9 and dashes, e.g. "
            "`bakkerij-janssens`)"))
        # Its files are read all the same, so that one `check` names everything there is to
        # fix, but the folder never becomes a case: a case id ends up in paths and names
        # (site pages, letters, export bundles, commit trailers), where a name like this one
        # could collide with another, break a line or leave its folder. Not cached either
        # (the cache is for cases); rules across cases (`check_book`) do not see its records.
        _read_folder(root, case_id, folder, None, problems, None, None)
        return None
    return _read_folder(root, case_id, f"cases/{case_id}", store, problems, fingerprints, layouts)


def folder_fingerprint(root: Path, case_id: str) -> str | None:
    """The fingerprint `read_case` gives folder `cases/<case_id>`, from the stat of its
    files alone; None when the folder would not be cached (no safe slug, no debtor.yaml, a
    file that cannot be read)."""
    found = folder_signature(root, case_id)
    return signature_fingerprint(found[0]) if found is not None else None


def folder_signature(root: Path, case_id: str) -> tuple[tuple, list[str]] | None:
    """The stat signature the fingerprint is made of, and the folders listed for it (the
    case folder "" first, then its record folders); None as for `folder_fingerprint`."""
    if not SLUG_RE.match(case_id):
        return None
    entries, listing = _scan(root, case_id)
    debtor_entry = entries.get("debtor.yaml")
    if debtor_entry is None or not debtor_entry.is_file(follow_symlinks=False):
        return None
    signature = _signature(entries, listing)
    return (signature, ["", *listing]) if signature else None


def walk(root: Path, case_id: str, layout: Layout | None) -> tuple[str | None, Layout | None]:
    """(fingerprint, layout) of folder `cases/<case_id>`: its `folder_fingerprint`, from the
    layout its last walk kept where that still holds (`casebook.book.statwalk`), and the
    layout for the next walk (None when it cannot be trusted)."""
    base = os.path.join(os.fspath(root), "cases", case_id)
    if layout is not None:
        fingerprint = from_layout(base, layout)
        if fingerprint is not None:
            return fingerprint, layout
    found = folder_signature(root, case_id)
    if found is None:
        return None, None
    signature, folders = found
    return signature_fingerprint(signature), layout_of(base, signature, folders)


def _scan(root: Path, case_id: str) -> tuple[dict[str, os.DirEntry], dict[str, list[os.DirEntry]]]:
    # Plain strings and one scandir per folder: this loop runs for every file of the book.
    base = os.path.join(os.fspath(root), "cases", case_id)
    entries = {e.name: e for e in os.scandir(base)}
    debtor_entry = entries.get("debtor.yaml")
    if debtor_entry is None or not debtor_entry.is_file(follow_symlinks=False):
        return entries, {}
    listing = {sub: list(os.scandir(entries[sub].path)) for sub in CASE_FOLDERS
               if sub in entries and entries[sub].is_dir(follow_symlinks=False)}
    return entries, listing


def _read_folder(root: Path, case_id: str, folder: str, store: CaseCache | None,
                 problems: list[Problem], fingerprints: dict[str, str] | None,
                 layouts: dict[str, Layout] | None) -> Case | None:
    entries, listing = _scan(root, case_id)
    debtor_entry = entries.get("debtor.yaml")
    if debtor_entry is None or not debtor_entry.is_file(follow_symlinks=False):
        problems.append(_no_debtor_file(folder, debtor_entry))
        return None
    # Whole cases are cached, under the stat of every file the folder holds: in a large
    # book most cases are unchanged, and putting a case together from cached files was most
    # of a warm load. Files are not cached one by one: when a case changes, its few files
    # are read again (entries for them would go unused by every later run, and dropping
    # them rewrote the whole cache: a warm run 1.7 s -> 2.9 s at 10,000 cases).
    signature = _signature(entries, listing)
    fingerprint = signature_fingerprint(signature)
    if layouts is not None and signature:
        # The listing just made is as good as a walk's: the next warm run need not list again.
        layout = layout_of(os.path.join(os.fspath(root), folder), signature, ["", *listing])
        if layout is not None:
            layouts[case_id] = layout
    if store is not None and signature:
        hit = store.get(folder, fingerprint)
        if hit is not None:
            problems += hit[1]
            if fingerprints is not None:
                fingerprints[case_id] = fingerprint
            return hit[0]
    before = len(problems)
    case = _assemble(folder, case_id, problems, entries, debtor_entry, listing)
    if fingerprints is not None:
        fingerprints[case_id] = fingerprint
    if store is not None and signature:
        store.put(folder, kept(fingerprint, case, problems[before:]))
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
    debtor, found = read_entry("debtor", f"{folder}/debtor.yaml", case_id, debtor_entry)
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
            record, found = read_entry(kind, rel, case_id, entry)
            problems += found
            if record is not None:
                found_records.append(record)
    invoices = _apply_credits(records["invoice"], records["credit"], problems)
    return replace(
        debtor,
        creditor=_read_creditor(folder, case_id, entries.get(CREDITOR_FILE), problems),
        invoices=tuple(sorted(invoices, key=_invoice_order)),
        payments=tuple(sorted(records["payment"], key=_dated_order)),
        notes=tuple(sorted(records["note"], key=_dated_order)),
        actions=tuple(sorted(records["action"], key=_dated_order)),
    )


def _read_creditor(folder: str, case_id: str, entry: os.DirEntry | None,
                   problems: list[Problem]) -> CaseCreditor | None:
    """`creditor.yaml`: whose claim the case is, in a book of many creditors (an agency's)."""
    if entry is None:
        return None
    rel = f"{folder}/{CREDITOR_FILE}"
    if not entry.is_file(follow_symlinks=False):
        problems.append(Problem(rel, 1, "not a regular file (symlinks are not followed)"))
        return None
    record, found = read_entry("creditor", rel, case_id, entry)
    problems += found
    return record


def _invoice_order(invoice: Invoice) -> tuple:
    return (invoice.due, invoice.issued, invoice.number)


def _dated_order(record: Any) -> tuple:
    return (record.date, record.id)


def _apply_credits(invoices: list[Invoice], credits: list[Credit], problems: list[Problem]) -> list[Invoice]:
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
