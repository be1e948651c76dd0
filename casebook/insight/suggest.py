"""Which segment a debtor's behaviour points to, and why. casebook only suggests.

The rules, first match wins (thresholds from `settings.insight`, defaults in `Rules`):

1. `hardship`: a payment plan was broken, or at least `hardship_broken` promises to pay were.
2. `chronic-late`: at least `min_invoices` assessed invoices, at least `chronic_late_share`
   percent of them paid late or still overdue, and a weighted median of at least
   `chronic_late_days` days late.
3. `reliable`: at least `min_invoices` assessed invoices, at least `reliable_share` percent
   paid on time, and no broken promise or plan.

No rule: no suggestion. A suggestion equal to the segment in `debtor.yaml` is no news:
`suggestion_for` returns None then. Changing the segment is the user's call
(`casebook segment CASE-ID NEW`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from casebook.book.model import Book, Case
from .behaviour import Behaviour, behaviour_of
from .stats import rounded

HARDSHIP = "hardship"
CHRONIC_LATE = "chronic-late"
RELIABLE = "reliable"


@dataclass(frozen=True, slots=True)
class Rules:
    """Thresholds of the suggestion rules (`casebook.yaml` -> `insight:` overrides them)."""

    chronic_late_days: int = 15
    """Weighted median days late from which a mostly-late debtor is chronic-late."""
    chronic_late_share: Decimal = Decimal(50)
    """Percentage of invoices paid late (or still overdue) from which a debtor may be
    chronic-late."""
    reliable_share: Decimal = Decimal(90)
    """Percentage of invoices paid on time from which a debtor is reliable."""
    hardship_broken: int = 2
    """Broken promises to pay from which a debtor looks in hardship (one broken plan suffices)."""
    min_invoices: int = 3
    """Assessed invoices needed before lateness says anything (chronic-late, reliable)."""

    @classmethod
    def from_settings(cls, values: Mapping[str, Any] | None) -> "Rules":
        """The rules with the book's overrides; a value that is no number keeps the default."""
        defaults = cls()
        values = values or {}

        def number(key: str, kind: type) -> Any:
            raw = values.get(key)
            if raw is None or isinstance(raw, bool):
                return getattr(defaults, key)
            try:
                value = Decimal(str(raw))
            except (InvalidOperation, ValueError):
                return getattr(defaults, key)
            if not value.is_finite() or value < 0:
                return getattr(defaults, key)
            return int(value) if kind is int else value

        return cls(
            chronic_late_days=number("chronic_late_days", int),
            chronic_late_share=number("chronic_late_share", Decimal),
            reliable_share=number("reliable_share", Decimal),
            hardship_broken=number("hardship_broken", int),
            min_invoices=max(1, number("min_invoices", int)),
        )


@dataclass(frozen=True, slots=True)
class Suggestion:
    segment: str
    reason: str
    """Why, in one sentence a user can check against the figures."""
    current: str = ""
    """The segment in `debtor.yaml` (empty: none)."""

    def to_json(self) -> dict[str, str]:
        return {"suggested_segment": self.segment, "suggestion_reason": self.reason}


def suggest(behaviour: Behaviour, rules: Rules = Rules()) -> Suggestion | None:
    """The segment the rules point to for this behaviour, whatever the current one is."""
    broken_plans = [c for c in behaviour.commitments if c.kind == "plan" and c.outcome == "broken"]
    broken_promises = [
        c for c in behaviour.commitments if c.kind == "promise" and c.outcome == "broken"
    ]
    if broken_plans:
        last = broken_plans[-1]
        more = f" ({len(broken_plans)} plans broken)" if len(broken_plans) > 1 else ""
        return Suggestion(
            HARDSHIP,
            f"broke the payment plan of {last.made.isoformat()} "
            f"on {last.broken_on.isoformat() if last.broken_on else '?'}{more}",
        )
    if len(broken_promises) >= max(1, rules.hardship_broken):
        return Suggestion(
            HARDSHIP,
            f"broke {len(broken_promises)} promises to pay "
            f"(the last one for {broken_promises[-1].due.isoformat()})",
        )
    assessed = behaviour.assessed
    if assessed < rules.min_invoices:
        return None
    late_share = behaviour.late_share
    median = behaviour.median_days_late
    if (
        late_share is not None
        and median is not None
        and late_share >= rules.chronic_late_share
        and median >= rules.chronic_late_days
    ):
        return Suggestion(
            CHRONIC_LATE,
            f"{behaviour.late} of {assessed} invoices paid late or still overdue "
            f"({rounded(late_share, '1')}%), typically {median} days late "
            f"(weighted median; rule: {rounded(rules.chronic_late_share, '1')}% and "
            f"{rules.chronic_late_days} days)",
        )
    on_time = behaviour.on_time_share
    if on_time is not None and on_time >= rules.reliable_share and not broken_promises:
        return Suggestion(
            RELIABLE,
            f"{behaviour.on_time} of {assessed} invoices paid on time "
            f"({rounded(on_time, '1')}%; rule: {rounded(rules.reliable_share, '1')}%)",
        )
    return None


def differs(suggestion: Suggestion | None, case: Case) -> Suggestion | None:
    """The suggestion when it differs from the case's segment, with `current` filled in."""
    if suggestion is None or suggestion.segment == case.segment:
        return None
    return Suggestion(suggestion.segment, suggestion.reason, case.segment)


def suggestion_for(book: Book, case: Case, today: date) -> Suggestion | None:
    """The segment to suggest for `case` on `today`, or None when there is nothing to change.

    For `casebook status --json` (keys `suggested_segment`, `suggestion_reason`) and the site.
    """
    rules = Rules.from_settings(book.settings.insight)
    return differs(suggest(behaviour_of(book, case, today), rules), case)


def suggestions(book: Book, today: date) -> dict[str, Suggestion]:
    """Every case with a suggestion that differs from its segment, by case id."""
    rules = Rules.from_settings(book.settings.insight)
    found = {}
    for case_id, case in book.cases.items():
        s = differs(suggest(behaviour_of(book, case, today), rules), case)
        if s is not None:
            found[case_id] = s
    return found
