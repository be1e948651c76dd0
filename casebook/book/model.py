"""The book as typed, immutable values.

Every record carries the `Source` (file and line) it was read from, so any later
rule can point a human at the place to edit. Money is `Decimal`, dates are `date`.
Nothing here reads files or knows about git: `casebook.book.load` builds these values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from casebook.book.creditors import CaseCreditor
    from casebook.book.rates import RateTables


class Kind(enum.StrEnum):
    """Which law protects the debtor."""

    BUSINESS = "business"
    CONSUMER = "consumer"


class Channel(enum.StrEnum):
    """How a stage reaches the debtor."""

    EMAIL = "email"
    LETTER = "letter"
    REGISTERED = "registered"
    PHONE = "phone"
    SMS = "sms"
    AGENCY = "agency"


class NoteChannel(enum.StrEnum):
    """How a contact recorded in a note took place."""

    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    OTHER = "other"


class Charge(enum.StrEnum):
    """What a stage may add to the claim (the law may still forbid it)."""

    INTEREST = "interest"
    COMPENSATION = "compensation"
    COSTS = "costs"
    FEE = "fee"


class ActionKind(enum.StrEnum):
    """What an action recorded by casebook is."""

    STAGE = "stage"
    THANKS = "thanks"
    PLAN_BREACH = "plan-breach"
    HANDOVER = "handover"


class _Record:
    """Base of the model's records: pickles as `cls(*fields)`.

    The load cache stores tens of thousands of records; the default pickling of frozen
    slot dataclasses looks up every field by name and is several times slower.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple:
        get = _INIT_FIELDS.get(type(self))
        if get is None:
            names = [f.name for f in fields(self) if f.init]  # type: ignore[arg-type]
            # attrgetter of one name gives the value, not a 1-tuple
            get = _INIT_FIELDS[type(self)] = (attrgetter(*names) if len(names) > 1 else
                                              lambda record, n=names: tuple(getattr(record, a) for a in n))
        return (type(self), get(self))


_INIT_FIELDS: dict[type, Callable[[Any], tuple]] = {}


JURISDICTIONS = ("BE", "NL")
LANGUAGES = ("nl", "fr", "en")


@dataclass(frozen=True, slots=True, order=True)
class Source(_Record):
    """Where a value was read: a path relative to the book root (POSIX) and a 1-based line."""

    path: str
    line: int = 1
    keys: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)
    """Line of each top-level key of the record, for messages about one key."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    def at(self, key: str) -> "Source":
        """The place of one key of the record (the record's own line when unknown)."""
        return Source(self.path, dict(self.keys).get(key, self.line))


@dataclass(frozen=True, slots=True)
class Address(_Record):
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""

    def lines(self) -> tuple[str, ...]:
        """The address as it is printed on an envelope."""
        city = " ".join(p for p in (self.postcode, self.city) if p)
        return tuple(p for p in (self.street, city, self.country) if p)


@dataclass(frozen=True, slots=True)
class Creditor:
    """Us: the business whose invoices are collected."""

    name: str
    address: Address = Address()
    vat: str = ""
    iban: str = ""
    bic: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """Clauses of the creditor's general terms that the law lets it apply (business debtors)."""

    interest_rate: Decimal | None = None
    """Yearly rate in percent agreed instead of the statutory one."""
    damages_percent: Decimal | None = None
    """Damages clause as a percentage of the principal."""
    damages_minimum: Decimal | None = None
    """Minimum amount of the damages clause."""


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How emails leave the book. Credentials never live here: they come from the environment."""

    send: bool = False
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    sender: str = ""
    bcc: str = ""


@dataclass(frozen=True, slots=True)
class Operator:
    """Who casebook commits as when it records an action."""

    name: str = "casebook"
    email: str = "casebook@localhost"


@dataclass(frozen=True, slots=True)
class Settings:
    """`casebook.yaml`."""

    creditor: Creditor
    jurisdiction: str = "BE"
    currency: str = "EUR"
    language: str = "nl"
    default_policy: str = "standard"
    timezone: str = "Europe/Brussels"
    operator: Operator = Operator()
    mail: MailSettings = MailSettings()
    contract: ContractTerms = ContractTerms()
    postage: Decimal = Decimal("0.00")
    """Postage of a paper reminder, chargeable to a Belgian consumer on top of the fee."""
    site: dict = field(default_factory=dict)
    insight: dict = field(default_factory=dict)
    """Overrides of the segment-suggestion rules."""
    letters: dict = field(default_factory=dict)
    """`pdf` (`none`, `paper`, `all`: which letters get a PDF) and `window` (`left`, `right`)."""
    source: Source = Source("casebook.yaml")


@dataclass(frozen=True, slots=True)
class Invoice(_Record):
    number: str
    issued: date
    due: date
    amount: Decimal
    case_id: str
    currency: str = "EUR"
    description: str = ""
    reference: str = ""
    """Structured communication or RF reference as written in the file (may be empty)."""
    attachment: str = ""
    credited: Decimal = Decimal("0")
    """Sum of credit notes against this invoice (they reduce what is owed)."""
    source: Source = Source("")


@dataclass(frozen=True, slots=True)
class Payment(_Record):
    date: date
    amount: Decimal
    case_id: str
    invoice: str | None = None
    """Invoice number the payment names; None means "oldest open invoice first"."""
    reference: str = ""
    origin: str = ""
    """The `source:` key of the file: where the payment came from (bank statement, cash...)."""
    id: str = ""
    """File stem, unique in the case."""
    source: Source = Source("")


@dataclass(frozen=True, slots=True)
class Promise(_Record):
    date: date
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Dispute(_Record):
    invoice: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Installment(_Record):
    due: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Plan(_Record):
    installments: tuple[Installment, ...]
    signed: bool | str = False
    """True, or the path of the signed scan."""


@dataclass(frozen=True, slots=True)
class Note(_Record):
    date: date
    case_id: str
    channel: str = "other"
    with_: str = ""
    by: str = ""
    promise: Promise | None = None
    dispute: Dispute | None = None
    resolved: str | None = None
    """Invoice number whose dispute this note ends."""
    plan: Plan | None = None
    completes: str | None = None
    """Stage id of the phone task this note closes."""
    body: str = ""
    id: str = ""
    """File stem, unique in the case."""
    source: Source = Source("")


@dataclass(frozen=True, slots=True)
class Action(_Record):
    """Something casebook did, read back from `cases/<id>/actions/<id>.yaml`."""

    id: str
    date: date
    kind: ActionKind
    case_id: str
    stage: str = ""
    channel: str = ""
    balance: Decimal = Decimal("0")
    """Principal open when the action was taken."""
    total: Decimal = Decimal("0")
    """Everything claimed in it (principal, interest, costs)."""
    deadline: date | None = None
    invoices: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    """Other files of the action (letter, email), relative to the case folder."""
    source: Source = Source("")


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    channel: Channel
    after_due: int | None = None
    """Days relative to the due date of the oldest open invoice (negative: before it)."""
    after_previous: int | None = None
    """Days after the previous stage was taken."""
    template: str = ""
    deadline_days: int = 0
    """Payment deadline the stage grants, in days after it is taken."""
    charges: frozenset[Charge] = frozenset()
    fee: Decimal = Decimal("0")
    """Reminder fee the stage asks (capped by law for consumers)."""
    min_balance: Decimal = Decimal("0")
    """Below this open balance the stage does not act."""
    source: Source = Source("")


@dataclass(frozen=True, slots=True)
class Pauses:
    """What holds a policy back."""

    dispute: bool = True
    promise: bool = True
    plan: bool = True
    promise_grace_days: int = 3
    plan_grace_days: int = 5


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    stages: tuple[Stage, ...]
    description: str = ""
    pauses: Pauses = Pauses()
    thank_you: str = "thanks"
    """Template of the thank-you message on full payment; empty: none."""
    thank_you_channel: Channel = Channel.EMAIL
    source: Source = Source("")

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)


@dataclass(frozen=True, slots=True)
class Case(_Record):
    """One debtor: the folder `cases/<id>/` and everything in it."""

    id: str
    name: str
    kind: Kind = Kind.BUSINESS
    language: str = ""
    """Empty: the book's language."""
    segment: str = ""
    policy: str = ""
    """Explicit policy; empty: the one the segment selects."""
    email: str = ""
    phone: str = ""
    contact: str = ""
    address: Address = Address()
    vat: str = ""
    iban: tuple[str, ...] = ()
    owner: str = ""
    tags: tuple[str, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    payments: tuple[Payment, ...] = ()
    notes: tuple[Note, ...] = ()
    actions: tuple[Action, ...] = ()
    source: Source = Source("")
    creditor: "CaseCreditor | None" = None
    """`creditor.yaml`: whose claim it is, in a book of many creditors (None: the book's)."""

    @property
    def folder(self) -> str:
        return f"cases/{self.id}"


@dataclass(frozen=True, slots=True)
class Book:
    """A whole book, as read at one moment."""

    settings: Settings
    policies: dict[str, Policy]
    cases: Mapping[str, Case]
    """By case id, in sorted order: a dict, or a `pickled.LazyMapping` from the loader."""
    rates: "RateTables | None" = None
    """Interest rate tables in force: the shipped ones with the book's corrections."""

    def policy_for(self, case: Case) -> Policy | None:
        """The policy that governs a case: `policy:`, else its segment, else the default."""
        name = case.policy or case.segment or self.settings.default_policy
        return self.policies.get(name) or (
            None if case.policy else self.policies.get(self.settings.default_policy)
        )

    def language_of(self, case: Case) -> str:
        return case.language or self.settings_of(case).language

    def settings_of(self, case: Case) -> Settings:
        """The settings that apply to `case`: the book's, or its `creditor.yaml`'s values."""
        c = case.creditor
        if c is None:
            return self.settings
        return replace(self.settings, creditor=c.creditor, jurisdiction=c.jurisdiction,
                       currency=c.currency, language=c.language or self.settings.language,
                       contract=c.contract)
