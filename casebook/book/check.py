"""Rules across records: pure functions from a loaded `Book` to problems.

Rules about a single value (dates, amounts, IBANs, references) are checked while loading
(`casebook.book.fields`); the ones here need to see several files at once. They come in
three kinds, so that a warm `check` can keep what it found per case
(`casebook.book.checkcache`): rules of the book's own files (settings, policies), rules of
one case in the light of those, and rules across cases, which see only the small
`CaseFacts` of each case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

from casebook.book.errors import Problem
from casebook.book.load import load_book
from casebook.book.model import Book, Case, Channel, Charge


class CaseFacts(NamedTuple):
    """What the rules across cases need of one case: small, so that it can be kept per
    case (`casebook.book.checkcache`) and the rules run without the cases themselves."""

    case_id: str
    creditor: str
    """Whose claim the case is: "" for the book's own, else its `creditor.yaml`'s name."""
    invoices: tuple[tuple[str, str, int], ...]
    """(number, path, line of `number`) of each invoice, in the case's order."""
    foreign_payments: tuple[tuple[str, str, int], ...]
    """(invoice, path, line of `invoice`) of each payment naming an invoice that is not
    its own case's."""


def facts_of(case: Case) -> CaseFacts:
    own = {i.number for i in case.invoices}
    invoices = []
    for invoice in case.invoices:
        where = invoice.source.at("number")
        invoices.append((invoice.number, where.path, where.line))
    foreign = []
    for payment in case.payments:
        if payment.invoice is not None and payment.invoice not in own:
            where = payment.source.at("invoice")
            foreign.append((payment.invoice, where.path, where.line))
    return CaseFacts(case.id, case.creditor.creditor.name if case.creditor else "",
                     tuple(invoices), tuple(foreign))


# --- rules across cases: over the facts of every case, in folder order --------------------

def unique_invoice_numbers(facts: Sequence[CaseFacts]) -> Iterator[Problem]:
    """Per creditor: an agency's book holds invoices of many (`creditor.yaml`)."""
    first: dict[tuple[str, str], str] = {}
    for case in facts:
        for number, path, line in case.invoices:
            seen = first.setdefault((case.creditor, number), path)
            if seen != path:  # one file holds one invoice
                yield Problem(path, line,
                              f"invoice number {number} is used twice in the book (also in {seen})")


def payments_name_known_invoices(facts: Sequence[CaseFacts]) -> Iterator[Problem]:
    owner = {number: case.case_id for case in facts for number, _, _ in case.invoices}
    for case in facts:
        for number, path, line in case.foreign_payments:
            elsewhere = owner.get(number)
            hint = f" (it belongs to case {elsewhere})" if elsewhere else ""
            yield Problem(path, line,
                          f"the payment names invoice {number}, which is not in this case{hint}")


# --- rules of one case, in the light of the book's settings and policies ------------------

def notes_name_known_invoices(book: Book, case: Case) -> Iterator[Problem]:
    own = {i.number for i in case.invoices}
    for note in case.notes:
        if note.dispute is not None and note.dispute.invoice not in own:
            yield Problem.at(note.source.at("dispute"),
                             f"the dispute names invoice {note.dispute.invoice}, which is not in this case")
        if note.resolved is not None and note.resolved not in own:
            yield Problem.at(note.source.at("resolved"),
                             f"`resolved` names invoice {note.resolved}, which is not in this case")


def known_policies(book: Book, case: Case) -> Iterator[Problem]:
    names = ", ".join(sorted(book.policies)) or "none"
    if case.policy and case.policy not in book.policies:
        yield Problem.at(case.source.at("policy"), f"unknown policy {case.policy!r} (policies: {names})")
    if case.segment and not case.policy and case.segment not in book.policies:
        yield Problem.at(case.source.at("segment"),
                         f"unknown segment {case.segment!r}: no policy of that name (policies: {names})")


def completes_known_stages(book: Book, case: Case) -> Iterator[Problem]:
    policy = book.policy_for(case)
    if policy is None:
        return
    for note in case.notes:
        if note.completes and policy.stage(note.completes) is None:
            stages = ", ".join(s.id for s in policy.stages)
            yield Problem.at(note.source.at("completes"),
                             f"`completes` names stage {note.completes!r}, which policy "
                             f"{policy.name} does not have ({stages})")


def plans_in_order(book: Book, case: Case) -> Iterator[Problem]:
    for note in case.notes:
        if note.plan is None:
            continue
        dues = [i.due for i in note.plan.installments]
        if dues != sorted(dues):
            yield Problem.at(note.source.at("plan"), "the plan's installments are not in date order")


# --- rules of the book's own files ----------------------------------------------------------

def known_default_policy(book: Book) -> Iterator[Problem]:
    if book.settings.default_policy not in book.policies:
        names = ", ".join(sorted(book.policies)) or "none"
        yield Problem.at(book.settings.source.at("default_policy"),
                         f"unknown default_policy {book.settings.default_policy!r} (policies: {names})")


def sound_policies(book: Book) -> Iterator[Problem]:
    for policy in book.policies.values():
        seen: set[str] = set()
        if not policy.stages:
            yield Problem.at(policy.source.at("stages"), f"policy {policy.name} has no stages")
        for index, stage in enumerate(policy.stages):
            if stage.id in seen:
                yield Problem.at(stage.source, f"stage id {stage.id!r} appears twice in policy {policy.name}")
            seen.add(stage.id)
            if index == 0 and stage.after_due is None:
                yield Problem.at(stage.source, "the first stage is timed from the due date: use `after_due`")
            if stage.after_previous is not None and stage.after_previous < 0:
                yield Problem.at(stage.source, "`after_previous` cannot be negative")
            if stage.channel in (Channel.PHONE, Channel.AGENCY) and Charge.FEE in stage.charges:
                yield Problem.at(stage.source, f"a {stage.channel} stage cannot charge a reminder fee")


BOOK_RULES: list[Callable[[Book], Iterable[Problem]]] = [known_default_policy, sound_policies]
CASE_RULES: list[Callable[[Book, Case], Iterable[Problem]]] = [
    notes_name_known_invoices,
    known_policies,
    completes_known_stages,
    plans_in_order,
]
CROSS_RULES: list[Callable[[Sequence[CaseFacts]], Iterable[Problem]]] = [
    unique_invoice_numbers,
    payments_name_known_invoices,
]


def book_problems(book: Book) -> list[Problem]:
    """The problems of the book's settings and policies themselves."""
    return [problem for rule in BOOK_RULES for problem in rule(book)]


def case_problems(book: Book, case: Case) -> list[Problem]:
    """The problems of one case that need its other files, the settings or the policies;
    never other cases (those are `cross_problems`)."""
    return [problem for rule in CASE_RULES for problem in rule(book, case)]


def cross_problems(facts: Sequence[CaseFacts]) -> list[Problem]:
    """The problems between cases, from the facts of every case in folder order."""
    return [problem for rule in CROSS_RULES for problem in rule(facts)]


def check_book(book: Book) -> list[Problem]:
    """Every cross-record problem of the book."""
    problems = book_problems(book)
    for case in book.cases.values():
        problems += case_problems(book, case)
    return problems + cross_problems([facts_of(case) for case in book.cases.values()])


def check(root: Path, *, cache: bool = True) -> tuple[Book, list[Problem]]:
    """Load and check a book: all its problems, sorted."""
    book, problems = load_book(root, cache=cache)
    problems = sorted(set(problems + check_book(book)))
    return book, problems
