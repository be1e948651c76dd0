"""The months-long playback behind `casebook demo`.

`play_demo(root, start, end)` advances a book day by day as a nightly run would, each action
a commit dated on its simulated day, so the history, the letters and the site look like a
few months of real collection. The example cases already hold what their debtors did
(payments, promises, disputes, a plan). On top of that, the debtors answer the letters as
customers do, recorded as it happens with the same functions as `casebook pay`, `note`,
`promise` and `plan`, so that the demo shows what casebook is for: being paid without losing
the customer. Several pay after the pre-due note or the first reminder and are thanked, some
after a phone call, some in part; promises are kept, plans honoured, disputes resolved; only
two cases, whose own notes speak of our registered letter, get a formal notice, and none goes
to the agency.

One more debtor, Kapsalon Lotus, lives through a longer story: a disputed invoice, a partial
payment, a phone call that closes its task and ends in a promise, the promise broken, a signed
payment plan, an installment missed and the plan broken, the dispute resolved, and the whole
balance paid after the breach letter: a thank-you closes the case.

Each day the nightly run comes first (07:00); what the debtors do that day is recorded at the
desk afterwards (10:00, working days only), so the next morning's run sees it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from casebook.engine import due as engine
from casebook.record import recording
from casebook.record.advance import advance
from casebook.money.balance import allocate
from casebook.book.check import check
from casebook.book.dump import invoice_file, to_yaml
from casebook.book.errors import BookError
from casebook.record.gitstore import Store
from casebook.book.model import Book
from casebook.money.workdays import is_working_day

STORY_CASE = "kapsalon-lotus"
BY = "Lotte Maes"
RUN_AT = time(7, 0)  # the nightly run
DESK_AT = time(10, 0)  # a bookkeeper records what happened

_FIRST, _SECOND = "2026-9001", "2026-9002"


@dataclass
class Played:
    days: int = 0
    kinds: Counter = field(default_factory=Counter)
    recorded: int = 0

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items()))
        return (f"{self.days} days played: {sum(self.kinds.values())} actions ({kinds}), "
                f"{self.recorded} events recorded")


Step = Callable[[Path, Book, date], "recording.Record | None"]
"""Something a debtor does on a day: the record to commit, or None when it no longer applies
(nothing left to pay)."""
Story = dict[str, list[tuple[int, Step]]]
"""Stage (or action kind) -> what happens that many days after the case received it."""


# -- what the debtors do --------------------------------------------------------------------


def _open(book: Book, case_id: str, day: date, invoice: str | None = None) -> Decimal:
    """What is open on `day`, on one invoice or on the whole case."""
    case = book.cases[case_id]
    allocation = allocate([i for i in case.invoices if i.issued <= day],
                          [p for p in case.payments if p.date <= day])
    if invoice is None:
        return allocation.open
    found = allocation.of(invoice)
    return found.open if found is not None else Decimal(0)


def _pays(case_id: str, invoice: str | None = None, amount: str | None = None) -> Step:
    """A bank payment: `amount`, else what is open that day (on `invoice`, else on the case:
    a transfer naming no invoice pays the oldest first)."""
    def step(root: Path, book: Book, day: date) -> recording.Record | None:
        value = Decimal(amount) if amount is not None else _open(book, case_id, day, invoice)
        if value <= 0:
            return None
        return recording.payment_record(root, book, case_id=case_id, amount=value, when=day,
                                        invoice=invoice)
    return step


def _promises(case_id: str, promised: date, *, amount: str | None = None, with_: str,
              text: str) -> Step:
    def step(root: Path, book: Book, day: date) -> recording.Record | None:
        if promised < day:
            return None
        return recording.promise_record(root, book, case_id=case_id, when=day,
                                        promised=promised, amount=amount, by=BY, with_=with_,
                                        text=text)
    return step


def _calls(case_id: str, *, with_: str, text: str, completes: str | None = None,
           channel: str = "phone") -> Step:
    def step(root: Path, book: Book, day: date) -> recording.Record:
        return recording.note_record(root, book, case_id=case_id, when=day, channel=channel,
                                     with_=with_, by=BY, completes=completes, text=text)
    return step


def _signs_plan(case_id: str, installments: list[tuple[date, str]], *, text: str) -> Step:
    def step(root: Path, book: Book, day: date) -> recording.Record | None:
        if _open(book, case_id, day) <= 0:
            return None
        return recording.plan_record(
            root, book, case_id=case_id, when=day, signed=True, by=BY, text=text,
            installments=[(due, Decimal(amount)) for due, amount in installments])
    return step


def _stories() -> dict[str, Story]:
    """How each debtor answers: what it does so many days after each stage it receives.

    The example cases' own files already tell part of each story (docs/example-book.md);
    what is added here follows on from them and never contradicts an amount they state."""
    D = date
    lotus = STORY_CASE
    return {
        lotus: {
            "reminder": [
                (2, lambda r, b, d: recording.dispute_record(
                    r, b, case_id=lotus, when=d, invoice=_SECOND, by=BY,
                    reason="the colouring session of 12 August is billed twice")),
                (6, _pays(lotus, _FIRST, "300.00")),
                (40, lambda r, b, d: recording.resolve_record(
                    r, b, case_id=lotus, when=d, invoice=_SECOND, by=BY,
                    text="Checked the agenda with Lotus: two sessions after all. Invoice stands.")),
            ],
            "call": [
                (1, _calls(lotus, with_="Lotus Peeters", completes="call",
                           text="Quiet summer in the salon. Will pay the rest within ten days.")),
                (1, lambda r, b, d: recording.promise_record(
                    r, b, case_id=lotus, when=d, promised=d + timedelta(days=10), by=BY,
                    with_="Lotus Peeters", text="Promised on the phone.")),
            ],
            "second-reminder": [
                (3, lambda r, b, d: recording.plan_record(
                    r, b, case_id=lotus, when=d, signed=True, by=BY,
                    installments=[(d + timedelta(days=7), Decimal("325.00")),
                                  (d + timedelta(days=28), Decimal("325.00"))],
                    text="Plan signed for the rest of invoice 2026-9001.")),
                (10, _pays(lotus, _FIRST, "325.00")),
            ],
            # After the breach letter Lotus pays everything: the thank-you closes the case.
            "plan-breach": [(7, _pays(lotus))],
        },
        "anouk-de-vries": {
            "second-reminder": [(18, _promises(
                "anouk-de-vries", D(2026, 11, 30), amount="607.50", with_="Anouk de Vries",
                text="Anouk belt na onze tweede brief: ze betaalt de resterende 607,50 euro "
                     "met haar eerste salaris, op 30 november."))],
        },
        "bakkerij-janssens": {
            "formal-notice": [(36, _promises(
                "bakkerij-janssens", D(2026, 11, 30), with_="Kristel Janssens",
                text="1.000 euro ontvangen op 6 oktober, zoals beloofd. Het saldo van de "
                     "webshop en de hosting betaalt Kristel na de eindejaarsbestellingen, "
                     "uiterlijk 30 november."))],
        },
        "brasserie-du-marche": {
            "reminder": [(3, _pays("brasserie-du-marche", "2026-0151"))],
        },
        "dekker-installatietechniek": {
            "reminder": [(6, _promises(
                "dekker-installatietechniek", D(2026, 10, 21), amount="3450.00",
                with_="Ruud Dekker",
                text="Mail van Ruud Dekker: factuur 2026-0121 is goedgekeurd en gaat mee in "
                     "hun betaalrun van 21 oktober."))],
            "second-reminder": [(9, _pays("dekker-installatietechniek", "2026-0121"))],
            # The pre-due note of the next invoice: paid the same day.
            "pre-due": [(0, _pays("dekker-installatietechniek", "2026-0153"))],
        },
        "frituur-pleintje": {
            "second-reminder": [
                (4, _promises(
                    "frituur-pleintje", D(2026, 10, 30), amount="468.70", with_="Dirk Mertens",
                    text="Dirk kwam 100 euro cash brengen. De rest belooft hij eind oktober, "
                         "als de eerste fase van de werken op de Vismarkt klaar is.")),
                (59, _signs_plan(
                    "frituur-pleintje",
                    [(D(2027, 1, 15), "117.17"), (D(2027, 2, 15), "117.17"),
                     (D(2027, 3, 15), "117.18"), (D(2027, 4, 15), "117.18")],
                    text="Afbetalingsplan zoals besproken op 28 oktober, door Dirk Mertens "
                         "ondertekend terugbezorgd: vier maandelijkse schijven vanaf januari.")),
            ],
        },
        "fysio-verbeke": {  # its own note of the call day gives the new address
            "call": [
                (2, _promises("fysio-verbeke", D(2026, 10, 30), amount="2710.40",
                              with_="Ellen Verbeke",
                              text="Ellen belt terug: haar boekhouder heeft de factuur "
                                   "nagekeken, alles klopt. Betaling eind oktober.")),
                (14, _pays("fysio-verbeke", "2026-0134")),
            ],
        },
        "garage-de-wilde": {
            "call": [
                (0, _calls("garage-de-wilde", with_="Marc De Wilde", completes="call",
                           text="Marc was de facturen uit het oog verloren tijdens de "
                                "vakantie. Hij stort begin september 1.000 euro.")),
                (0, _promises("garage-de-wilde", D(2026, 9, 4), amount="1000.00",
                              with_="Marc De Wilde", text="Beloofd aan de telefoon.")),
            ],
            "second-reminder": [
                (2, _promises(
                    "garage-de-wilde", D(2026, 11, 13), with_="Marc De Wilde",
                    text="Marc na onze brief: het saldo volgt half november, na de drukte "
                         "van de winterbanden.")),
                (66, _pays("garage-de-wilde")),
            ],
        },
        "immo-vandamme": {
            "reminder": [(3, _pays("immo-vandamme", "2026-0148"))],
        },
        "menuiserie-dubois": {
            "second-reminder": [
                (1, _promises(
                    "menuiserie-dubois", D(2026, 10, 9), amount="1500.00",
                    with_="Philippe Dubois",
                    text="M. Dubois paiera 2026-0108 en plusieurs fois, comme d'habitude : "
                         "1 500 € le 9 octobre.")),
                (23, _promises(
                    "menuiserie-dubois", D(2026, 11, 27), with_="Philippe Dubois",
                    text="1 500 € reçus. Le solde suivra le paiement du chantier de "
                         "Gosselies, attendu fin novembre.")),
            ],
        },
        "northbridge-consulting": {
            "second-call": [(1, _promises(
                "northbridge-consulting", D(2026, 11, 13), with_="James Whitfield",
                text="James: the invoice re-sent to the AP mailbox is in their approval "
                     "flow; payment expected with the run of 13 November."))],
        },
        "smits-bouw": {
            "call": [
                (0, _calls("smits-bouw", with_="Jeroen Smits", completes="call",
                           text="Van Loon Administratie betaalt 2026-0086 op 25 augustus, "
                                "met hun maandelijkse betaalrun.")),
                (0, _promises("smits-bouw", D(2026, 8, 25), amount="1980.00",
                              with_="Jeroen Smits", text="Beloofd aan de telefoon.")),
            ],
            "second-reminder": [(4, _pays("smits-bouw", "2026-0107"))],
            "pre-due": [(2, _pays("smits-bouw", "2026-0141"))],
        },
        "sophie-lambert": {
            "second-reminder": [(16, _promises(
                "sophie-lambert", D(2026, 10, 15), amount="302.50", with_="Sophie Lambert",
                text="Proposition de plan envoyée par courrier. Mme Lambert la signera ; "
                     "première mensualité le 15 octobre."))],
        },
        "transport-peeters": {
            "formal-notice": [
                (8, _promises(
                    "transport-peeters", D(2026, 9, 25), amount="2000.00",
                    with_="Sandra Geerts",
                    text="Sandra belt na de aangetekende brief: 2.000 euro op 2026-0087 in "
                         "de betaalrun van 25 september.")),
                (32, _signs_plan(
                    "transport-peeters",
                    [(D(2026, 11, 3), "1500.00"), (D(2027, 1, 15), "2861.70")],
                    text="2.000 euro ontvangen. Afbetalingsplan voor de rest, ondertekend: "
                         "1.500 euro begin november, het saldo van 2026-0087, 2026-0101 en "
                         "2026-0128 na de jaarafsluiting van de vloot.")),
            ],
        },
    }


def _desk_day(day: date, country: str) -> date:
    """The bookkeeper records on working days; the bank books on them too."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def play_demo(root: Path, start: date, end: date) -> Played:
    """Advance the book at `root` every day from `start` to `end` (both included)."""
    root = Path(root).resolve()
    store = Store(root)
    book, problems = check(root)
    if problems:
        raise BookError("the demo book has problems", problems)
    zone = ZoneInfo(book.settings.timezone)
    country = book.settings.jurisdiction
    played = Played()
    if STORY_CASE not in book.cases:
        _add_story_case(store, book, start, datetime.combine(start, time(8, 0), zone))
        book, _ = check(root)
    stories = _stories()
    waiting: dict[date, list[Step]] = {}
    day = start
    while day <= end:
        if engine.due_actions(book, day):
            report = advance(root, today=day, when=datetime.combine(day, RUN_AT, zone))
            for taken in report.taken:
                played.kinds[str(taken.action.kind)] += 1
                story = stories.get(taken.action.case_id, {})
                for offset, step in story.get(taken.action.label, []):
                    when = _desk_day(day + timedelta(days=offset), country)
                    waiting.setdefault(when, []).append(step)
            book, _ = check(root)
        number = 0
        for step in waiting.pop(day, []):
            record = step(root, book, day)
            if record is None:
                continue
            when = datetime.combine(day, DESK_AT, zone) + timedelta(minutes=5 * number)
            with store.lock():
                store.commit({record.path: record.content}, record.message,
                             author=book.settings.operator, when=when)
            book, _ = check(root)
            played.recorded += 1
            number += 1
        played.days += 1
        day += timedelta(days=1)
    return played


def _add_story_case(store: Store, book: Book, start: date, when: datetime) -> None:
    folder = f"cases/{STORY_CASE}"
    debtor = to_yaml({
        "name": "Kapsalon Lotus",
        "kind": "business",
        "language": "nl",
        "segment": "standard",
        "email": "info@kapsalon-lotus.example",
        "phone": "+32 3 555 01 23",
        "contact": "Lotus Peeters",
        "address": {"street": "Meir 88", "postcode": "2000", "city": "Antwerpen", "country": "BE"},
        "owner": BY,
    })
    first_issued = start + timedelta(days=2)
    second_issued = start + timedelta(days=19)
    files = {
        f"{folder}/debtor.yaml": debtor,
        f"{folder}/invoices/{_FIRST}.yaml": invoice_file(
            number=_FIRST, issued=first_issued, due=first_issued + timedelta(days=30),
            amount=Decimal("950.00"), description="Salon website: booking module"),
        f"{folder}/invoices/{_SECOND}.yaml": invoice_file(
            number=_SECOND, issued=second_issued, due=second_issued + timedelta(days=30),
            amount=Decimal("420.00"), description="Photo shoot, two sessions"),
    }
    message = f"{STORY_CASE}: new debtor, two invoices\n\nCasebook-Case: {STORY_CASE}\n"
    with store.lock():
        store.commit(files, message, author=book.settings.operator, when=when)
