"""Books, cases and due actions for the letter, mail and recording tests, built in Python.

`DueAction` here is a stand-in with the fields and `stem` of `casebook.engine.due.DueAction`,
so the letter tests do not depend on the engine's rules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

from casebook.book.model import (
    Address,
    Book,
    Case,
    Channel,
    Charge,
    Creditor,
    Installment,
    Invoice,
    Kind,
    MailSettings,
    Payment,
    Policy,
    Settings,
    Stage,
)


@dataclass(frozen=True)
class DueAction:
    case_id: str
    kind: str
    date: date
    stage: Stage | None
    channel: str
    template: str
    deadline: date | None
    invoices: tuple[str, ...]
    reason: str = ""
    missed: Installment | None = None

    @property
    def stem(self) -> str:
        return f"{self.date.isoformat()}-{self.stage.id if self.stage else self.kind}"


CREDITOR = Creditor(
    name="Studio Noord BV",
    address=Address("Kerkstraat 12", "9000", "Gent", "België"),
    vat="BE0403170701",
    iban="BE68539007547034",
    bic="GKCCBEBB",
    email="boekhouding@studionoord.be",
    phone="+32 9 123 45 67",
)

INVOICES = (
    Invoice(number="2026-0042", issued=date(2026, 10, 1), due=date(2026, 10, 31),
            amount=D("1210.00"), case_id="janssens", description="Website",
            reference="+++010/8068/17183+++"),
    Invoice(number="2026-0050", issued=date(2026, 10, 10), due=date(2026, 11, 9),
            amount=D("350.00"), case_id="janssens", description="Hosting"),
)

PAYMENTS = (
    Payment(date=date(2026, 11, 5), amount=D("210.00"), case_id="janssens",
            invoice="2026-0042", id="2026-11-05-1"),
)

STAGES = {
    "reminder": Stage(id="reminder", channel=Channel.EMAIL, after_due=7, template="reminder",
                      deadline_days=10),
    "call": Stage(id="call", channel=Channel.PHONE, after_previous=7, template="call"),
    "formal-notice": Stage(id="formal-notice", channel=Channel.REGISTERED, after_previous=14,
                           template="formal-notice", deadline_days=15,
                           charges=frozenset({Charge.INTEREST, Charge.COMPENSATION, Charge.COSTS})),
}

POLICY = Policy(name="standard", stages=tuple(STAGES.values()))


def make_case(**changes) -> Case:
    case = Case(
        id="janssens",
        name="Bakkerij Janssens BV",
        contact="Mevrouw De Smet",
        email="info@janssens.be",
        phone="+32 470 12 34 56",
        address=Address("Stationsstraat 5", "2000", "Antwerpen"),
        invoices=INVOICES,
        payments=PAYMENTS,
    )
    return dataclasses.replace(case, **changes)


def make_book(case: Case | None = None, *, mail: MailSettings | None = None, **settings) -> Book:
    case = case or make_case()
    return Book(
        settings=Settings(creditor=CREDITOR, mail=mail or MailSettings(), **settings),
        policies={"standard": POLICY},
        cases={case.id: case},
    )


def action(
    template: str = "reminder",
    *,
    stage: str = "reminder",
    channel: str = "email",
    when: date = date(2026, 11, 22),
    deadline: date | None = date(2026, 12, 2),
    invoices: tuple[str, ...] = ("2026-0042", "2026-0050"),
    kind: str = "stage",
) -> DueAction:
    return DueAction(
        case_id="janssens", kind=kind, date=when,
        stage=STAGES.get(stage) or (Stage(id=stage, channel=Channel(channel), template=template)
                                    if kind == "stage" else None),
        channel=channel, template=template, deadline=deadline, invoices=invoices,
    )


__all__ = ["DueAction", "make_book", "make_case", "action", "Kind"]
