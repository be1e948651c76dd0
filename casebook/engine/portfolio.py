"""The portfolio as of a date: open balances, overdue amounts, aging and DSO.

The one place these figures are computed: `casebook status`, the site and the insight
pages all read them from here, so they always agree. Pure: book and date in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from casebook.book.dump import money
from casebook.book.model import Book, Case
from casebook.money.balance import allocate

ZERO = Decimal(0)

BUCKETS = ("not-due", "1-30", "31-60", "61-90", "90+")
"""Aging buckets by days late of each open invoice."""

DSO_DAYS = 90
"""DSO is measured over the invoices issued in this many days before the date."""


def bucket_of(days_late: int) -> str:
    if days_late <= 0:
        return "not-due"
    if days_late <= 30:
        return "1-30"
    if days_late <= 60:
        return "31-60"
    if days_late <= 90:
        return "61-90"
    return "90+"


@dataclass(frozen=True, slots=True)
class CaseFigures:
    """One case's row in the portfolio."""

    case_id: str
    name: str
    kind: str
    segment: str
    policy: str
    invoiced: Decimal
    paid: Decimal
    open: Decimal
    overdue: Decimal
    credit: Decimal
    open_invoices: int
    oldest_due: date | None
    days_late: int
    aging: dict[str, Decimal]

    def to_json(self) -> dict:
        return {
            "case": self.case_id,
            "name": self.name,
            "kind": self.kind,
            "segment": self.segment,
            "policy": self.policy,
            "invoiced": money(self.invoiced),
            "paid": money(self.paid),
            "open": money(self.open),
            "overdue": money(self.overdue),
            "credit": money(self.credit),
            "open_invoices": self.open_invoices,
            "oldest_due": self.oldest_due.isoformat() if self.oldest_due else None,
            "days_late": self.days_late,
            "aging": {b: money(self.aging[b]) for b in BUCKETS},
        }


@dataclass(frozen=True, slots=True)
class Portfolio:
    as_of: date
    currency: str
    cases: tuple[CaseFigures, ...]
    invoiced: Decimal
    paid: Decimal
    open: Decimal
    overdue: Decimal
    credit: Decimal
    aging: dict[str, Decimal]
    dso: Decimal | None
    """Days sales outstanding: open balance / sales of the last DSO_DAYS days * DSO_DAYS."""

    def to_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "totals": self.totals_json(),
            "aging": {b: money(self.aging[b]) for b in BUCKETS},
            "cases": [c.to_json() for c in self.cases],
        }

    def totals_json(self) -> dict:
        """The `totals` of `to_json`, without writing out every case."""
        return totals_json(len(self.cases), sum(1 for c in self.cases if c.open > 0), self)


@dataclass(frozen=True, slots=True)
class Sums:
    """What the portfolio adds up over some of its cases; the sums of two parts of a book
    add up to the book's (cents are exact), so a part can be kept and added again later."""

    cases: int = 0
    open_cases: int = 0
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    open: Decimal = ZERO
    overdue: Decimal = ZERO
    credit: Decimal = ZERO
    sales: Decimal = ZERO
    """Invoiced in the DSO_DAYS days up to the date (`case_sales`)."""
    aging: tuple[Decimal, ...] = (ZERO,) * len(BUCKETS)
    """By bucket, in the order of BUCKETS."""

    @classmethod
    def of(cls, rows: Iterable[CaseFigures], sales: Iterable[Decimal]) -> Sums:
        rows = tuple(rows)
        return cls(
            cases=len(rows),
            open_cases=sum(1 for r in rows if r.open > 0),
            invoiced=sum((r.invoiced for r in rows), ZERO),
            paid=sum((r.paid for r in rows), ZERO),
            open=sum((r.open for r in rows), ZERO),
            overdue=sum((r.overdue for r in rows), ZERO),
            credit=sum((r.credit for r in rows), ZERO),
            sales=sum(sales, ZERO),
            aging=tuple(sum((r.aging[b] for r in rows), ZERO) for b in BUCKETS),
        )

    def __add__(self, other: Sums) -> Sums:
        return Sums(*(a + b if not isinstance(a, tuple) else tuple(x + y for x, y in zip(a, b))
                      for a, b in zip(_fields(self), _fields(other))))

    @property
    def dso(self) -> Decimal | None:
        """Days sales outstanding: open balance / sales of the last DSO_DAYS days * DSO_DAYS."""
        return (self.open / self.sales * DSO_DAYS) if self.sales > 0 else None

    @property
    def by_bucket(self) -> dict[str, Decimal]:
        return dict(zip(BUCKETS, self.aging))

    def totals_json(self) -> dict:
        return totals_json(self.cases, self.open_cases, self)


def _fields(sums: Sums) -> tuple:
    return tuple(getattr(sums, name) for name in Sums.__slots__)  # type: ignore[attr-defined]


def totals_json(cases: int, open_cases: int, figures: Portfolio | Sums) -> dict:
    """The headline figures as `casebook status --json` gives them."""
    dso = figures.dso
    return {
        "cases": cases,
        "open_cases": open_cases,
        "invoiced": money(figures.invoiced),
        "paid": money(figures.paid),
        "open": money(figures.open),
        "overdue": money(figures.overdue),
        "credit": money(figures.credit),
        "dso": str(dso.quantize(Decimal("0.1"))) if dso is not None else None,
    }


def case_figures(book: Book, case: Case, as_of: date) -> CaseFigures:
    """A case's balances as of `as_of`: only invoices issued and payments made by then."""
    invoices = [i for i in case.invoices if i.issued <= as_of]
    payments = [p for p in case.payments if p.date <= as_of]
    allocation = allocate(invoices, payments)
    aging = dict.fromkeys(BUCKETS, ZERO)
    overdue = ZERO
    oldest_due: date | None = None
    open_count = 0
    for line in allocation.invoices:
        if line.open <= 0:
            continue
        open_count += 1
        days_late = (as_of - line.invoice.due).days
        aging[bucket_of(days_late)] += line.open
        if days_late > 0:
            overdue += line.open
        if oldest_due is None or line.invoice.due < oldest_due:
            oldest_due = line.invoice.due
    policy = book.policy_for(case)
    return CaseFigures(
        case_id=case.id,
        name=case.name,
        kind=case.kind.value,
        segment=case.segment,
        policy=policy.name if policy else "",
        invoiced=sum((i.amount - i.credited for i in invoices), ZERO),
        paid=sum((p.amount for p in payments), ZERO),
        open=allocation.open,
        overdue=overdue,
        credit=allocation.credit,
        open_invoices=open_count,
        oldest_due=oldest_due,
        days_late=max(0, (as_of - oldest_due).days) if oldest_due else 0,
        aging=aging,
    )


def case_sales(case: Case, as_of: date) -> Decimal:
    """What the case invoiced in the DSO_DAYS days up to `as_of` (its part of DSO's sales)."""
    since = as_of - timedelta(days=DSO_DAYS)
    return sum((i.amount - i.credited for i in case.invoices if since < i.issued <= as_of), ZERO)


def portfolio(book: Book, as_of: date, *, rows: Mapping[str, CaseFigures] | None = None,
              sales: Mapping[str, Decimal] | None = None) -> Portfolio:
    """The portfolio as of `as_of`. `rows` (by case id, `case_figures` of each case as of
    `as_of`) and `sales` (`case_sales`) are used where given instead of being computed
    again (the site keeps them per case between builds, and then reads no case it has
    them for); the totals always come from the rows."""
    known = rows or {}
    rows = tuple(
        known[cid] if cid in known else case_figures(book, book.cases[cid], as_of)
        for cid in book.cases
    )
    # Sums of cents are exact: adding each case's sum gives the sum of every invoice.
    sold = sales or {}
    sums = Sums.of(rows, (sold[cid] if cid in sold else case_sales(book.cases[cid], as_of)
                          for cid in book.cases))
    return Portfolio(
        as_of=as_of,
        currency=book.settings.currency,
        cases=rows,
        invoiced=sums.invoiced,
        paid=sums.paid,
        open=sums.open,
        overdue=sums.overdue,
        credit=sums.credit,
        aging=sums.by_bucket,
        dso=sums.dso,
    )
