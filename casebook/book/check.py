"""Rules across records: pure functions from a loaded `Book` to problems.

Rules about a single value (dates, amounts, IBANs, references) are checked while loading
(`casebook.book.fields`); the ones here need to see several files at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator

from casebook.book.errors import Problem
from casebook.book.load import load_book
from casebook.book.model import Book, Channel, Charge, Source

Validator = Callable[[Book], Iterable[Problem]]


def unique_invoice_numbers(book: Book) -> Iterator[Problem]:
    """Per creditor: an agency's book holds invoices of many (`creditor.yaml`)."""
    first: dict[tuple[str, str], Source] = {}
    for case in book.cases.values():
        whose = case.creditor.creditor.name if case.creditor else ""
        for invoice in case.invoices:
            seen = first.setdefault((whose, invoice.number), invoice.source)
            if seen is not invoice.source:
                yield Problem.at(
                    invoice.source.at("number"),
                    f"invoice number {invoice.number} is used twice in the book (also in {seen.path})",
                )


def payments_name_known_invoices(book: Book) -> Iterator[Problem]:
    owner = {i.number: case.id for case in book.cases.values() for i in case.invoices}
    for case in book.cases.values():
        own = {i.number for i in case.invoices}
        for payment in case.payments:
            if payment.invoice is not None and payment.invoice not in own:
                elsewhere = owner.get(payment.invoice)
                hint = f" (it belongs to case {elsewhere})" if elsewhere else ""
                yield Problem.at(
                    payment.source.at("invoice"),
                    f"the payment names invoice {payment.invoice}, which is not in this case{hint}",
                )


def notes_name_known_invoices(book: Book) -> Iterator[Problem]:
    for case in book.cases.values():
        own = {i.number for i in case.invoices}
        for note in case.notes:
            if note.dispute is not None and note.dispute.invoice not in own:
                yield Problem.at(note.source.at("dispute"),
                                 f"the dispute names invoice {note.dispute.invoice}, which is not in this case")
            if note.resolved is not None and note.resolved not in own:
                yield Problem.at(note.source.at("resolved"),
                                 f"`resolved` names invoice {note.resolved}, which is not in this case")


def known_policies(book: Book) -> Iterator[Problem]:
    names = ", ".join(sorted(book.policies)) or "none"
    if book.settings.default_policy not in book.policies:
        yield Problem.at(book.settings.source.at("default_policy"),
                         f"unknown default_policy {book.settings.default_policy!r} (policies: {names})")
    for case in book.cases.values():
        if case.policy and case.policy not in book.policies:
            yield Problem.at(case.source.at("policy"), f"unknown policy {case.policy!r} (policies: {names})")
        if case.segment and not case.policy and case.segment not in book.policies:
            yield Problem.at(case.source.at("segment"),
                             f"unknown segment {case.segment!r}: no policy of that name (policies: {names})")


def completes_known_stages(book: Book) -> Iterator[Problem]:
    for case in book.cases.values():
        policy = book.policy_for(case)
        if policy is None:
            continue
        for note in case.notes:
            if note.completes and policy.stage(note.completes) is None:
                stages = ", ".join(s.id for s in policy.stages)
                yield Problem.at(note.source.at("completes"),
                                 f"`completes` names stage {note.completes!r}, which policy "
                                 f"{policy.name} does not have ({stages})")


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


def plans_in_order(book: Book) -> Iterator[Problem]:
    for case in book.cases.values():
        for note in case.notes:
            if note.plan is None:
                continue
            dues = [i.due for i in note.plan.installments]
            if dues != sorted(dues):
                yield Problem.at(note.source.at("plan"), "the plan's installments are not in date order")


VALIDATORS: list[Validator] = [
    unique_invoice_numbers,
    payments_name_known_invoices,
    notes_name_known_invoices,
    known_policies,
    completes_known_stages,
    sound_policies,
    plans_in_order,
]


def check_book(book: Book) -> list[Problem]:
    """Every cross-record problem of the book."""
    return [problem for validate in VALIDATORS for problem in validate(book)]


def check(root: Path, *, cache: bool = True) -> tuple[Book, list[Problem]]:
    """Load and check a book: all its problems, sorted."""
    book, problems = load_book(root, cache=cache)
    problems = sorted(set(problems + check_book(book)))
    return book, problems
