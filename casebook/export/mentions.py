"""What identifies another debtor than the one handed over, and where an export names one.

The agency bundle of one case must hold nothing about the other debtors of the book:
`ForeignTerms` recognises their ids, names, contacts, emails, VAT numbers, IBANs, invoice
numbers and references in any text, and `scan_repository` searches every object of the
bundle's repository for them before the bundle is kept.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Iterable

from casebook.record.gitpack import tree_entries
from casebook.book.model import Book, Case

MIN_TERM = 4
_WORD = re.compile(r"[\w@.+/:-]+")
_IBANISH = re.compile(r"\b[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,4})?\b")


_PLAIN = re.compile(r"[\w ]*")


def _words(text: str) -> list[str]:
    lowered = text.lower()
    if _PLAIN.fullmatch(lowered):  # words and spaces only (most names): the same, faster
        return [w for w in lowered.split(" ") if w]
    return _words_of_tokens(lowered)


def _words_of_tokens(lowered: str) -> list[str]:
    """The rule: tokens of word characters and `@.+/:-`, their punctuation trimmed; a token
    with `/` or `:` (a path, a URL) also counts its parts."""
    out: list[str] = []
    for token in _WORD.findall(lowered):
        token = token.strip(".:/-+")
        if token:
            out.append(token)
            if "/" in token or ":" in token:
                out += [p for p in re.split(r"[/:]", token) if p]
    return out


class ForeignTerms:
    """Recognises, in any text, what identifies another debtor than `own`.

    Terms: case id, name, contact, email, VAT, IBANs, invoice numbers and references of
    every other case of the book (in an agency's book also the name, email, VAT and IBAN of
    its creditor, `creditor.yaml`), and the ids of cases seen only in the history. Terms
    shorter than four characters, or shared with the own case, are ignored.
    """

    def __init__(self, book: Book, own: str, *, extra_ids: Iterable[str] = ()) -> None:
        own_case = book.cases.get(own)
        self._own = {" ".join(_words(t)) for t in _terms_of(own_case)} if own_case else set()
        self._own.add(own)
        self._single: dict[str, str] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for case in book.cases.values():
            if case.id != own:
                for term in _terms_of(case):
                    self._add(term, case.id)
        for case_id in extra_ids:
            if case_id != own and case_id not in book.cases:
                self._add(case_id, case_id)

    def _add(self, term: str, case_id: str) -> None:
        words = tuple(_words(term))
        joined = " ".join(words)
        if len(joined) < MIN_TERM or joined in self._own:
            return
        if len(words) == 1:
            self._single.setdefault(words[0], case_id)
        else:
            self._phrases.setdefault(words[0], []).append((words, case_id))

    def find(self, text: str) -> set[str]:
        """Ids of the other cases `text` names."""
        found: set[str] = set()
        words = _words(text)
        for i, word in enumerate(words):
            hit = self._single.get(word)
            if hit:
                found.add(hit)
            for phrase, case_id in self._phrases.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    found.add(case_id)
        for iban in _IBANISH.findall(text.lower()):
            hit = self._single.get(iban.replace(" ", ""))
            if hit:
                found.add(hit)
        return found


def _terms_of(case: Case | None) -> list[str]:
    if case is None:
        return []
    terms = [case.id, case.name, case.contact, case.email, case.vat, *case.iban]
    if case.creditor is not None:  # in an agency's book: whose claim it is counts too
        c = case.creditor.creditor
        terms += [c.name, c.email, c.vat, c.iban]
    for invoice in case.invoices:
        terms += [invoice.number, invoice.reference]
    return [t for t in terms if t]


def scan_repository(scratch: Path, terms: ForeignTerms) -> list[tuple[str, set[str]]]:
    """Every object of the repository in `scratch` (the bundle's), searched for other
    debtors' data: (path, or kind and id, -> ids of the cases it names), sorted."""
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "-z", "main"], cwd=scratch, capture_output=True, check=True
    ).stdout.split(b"\x00")
    name_of = {}
    for entry in listing:
        if entry:
            info, _, path = entry.partition(b"\t")
            name_of[info.split()[2].decode()] = path.decode("utf-8", "surrogateescape")
    out = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=scratch, capture_output=True,
        check=True,
    ).stdout
    found: list[tuple[str, set[str]]] = []
    i = 0
    while i < len(out):
        end = out.index(b"\n", i)
        sha, kind, size = out[i:end].decode().split()
        data = out[end + 1 : end + 1 + int(size)]
        i = end + 2 + int(size)
        text = data.decode("utf-8", "replace") if kind != "tree" else _tree_names(data)
        hits = terms.find(text)
        if hits:
            where = name_of.get(sha, f"{kind} {sha[:12]}")
            found.append((where, hits))
    return sorted(found)


def _tree_names(data: bytes) -> str:
    return "\n".join(name.decode("utf-8", "replace") for _, name, _ in tree_entries(data))
