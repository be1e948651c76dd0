"""Every word of the site in the book's language (`language:` in casebook.yaml: nl, fr, en).

The wordings are in `catalog.TEXTS`, a key with its text per language. Templates get a
`Texts` as `t`: `{{ t("overview.title") }}`, `{{ t("list.more", shown=1, total=3) }}` (the
values fill `{shown}`, `{total}`; they are escaped unless they are markup already, such as
an `amount` or a `day`), `t.status(...)`, `t.step(...)`, `t.channel(...)` for values shown
in words; the site's code says `texts.text("overview.aging")` (plain text, for the charts). With
`count=1`, `<key>#one` is used when there is one.

A key that does not exist raises `KeyError`: the build fails with the template's file and
line instead of showing a blank, and `tests/site/test_texts.py` checks that every key the
templates and the code name exists in all three languages. Stages and channels of the
shipped policies are said as the letters say them (`casebook.book.wording`); a book's own
stage id is shown as it is. To add a language: add it to `catalog.LANGUAGES` and a wording
to every key (the test lists what is missing).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable

from markupsafe import Markup, escape

from casebook.book import wording
from casebook.insight.chart import FORECAST_WORDS
from casebook.site.catalog import LANGUAGES, TEXTS
from casebook.site.filters import number_filter

__all__ = ["LANGUAGES", "TEXTS", "Texts"]

_DAY = r"\d{4}-\d{2}-\d{2}"
#: How `casebook.insight` says why a forecast item falls on its date, and the key that says
#: the same in the book's language (an explanation not listed stays in English).
_BASES = [(re.compile(pattern), key) for pattern, key in (
    (rf"due (?P<due>{_DAY}) (?P<delay>[+-]\d+) days \(this debtor's usual delay\)",
     "basis.own-delay"),
    (rf"due (?P<due>{_DAY}) (?P<delay>[+-]\d+) days \(the book's usual delay\)",
     "basis.book-delay"),
    (rf"due (?P<due>{_DAY}) \(usually paid early\)", "basis.early"),
    (rf"due (?P<due>{_DAY}), under dispute", "basis.disputed"),
    (rf"promised on (?P<on>{_DAY}) for (?P<date>{_DAY})", "basis.promise"),
    (rf"plan of (?P<on>{_DAY}): installment due (?P<date>{_DAY})", "basis.plan"),
)]


class Texts:
    """The site's words in one language."""

    def __init__(self, language: str, money: Callable[[Any], str] | None = None, *,
                 table: dict[str, dict[str, str]] = TEXTS,
                 where: str = "casebook/site/catalog.py") -> None:
        """`table` and `where` (its file, named in errors) for a page with words of its own:
        the office overview's."""
        if language not in LANGUAGES:
            raise ValueError(f"{where} has no words in {language!r} (only {', '.join(LANGUAGES)})")
        self.language = language
        self._money = money or wording.ENGLISH.amount
        self._table, self._where = table, where

    def _wording(self, key: str, params: dict[str, Any]) -> str:
        table = self._table
        words = table.get(key + "#one") if params.get("count") == 1 else None
        words = words or table.get(key)
        if words is None:
            raise KeyError(f"no text {key!r} in {self._where}")
        return words[self.language]

    def __call__(self, key: str, **params: Any) -> Markup:
        """The text of `key` as markup, its values escaped (unless they are markup)."""
        text = escape(self._wording(key, params))
        return text.format(**params) if params else text

    def text(self, key: str, **params: Any) -> str:
        """The text of `key`, plain (the caller escapes it)."""
        text = self._wording(key, params)
        return text.format(**params) if params else text

    def of(self, group: str, value: str) -> str:
        """A value in words: `of("status", "paused")` -> `opgeschort`."""
        return self.text(f"{group}.{value}")

    def status(self, value: str) -> str:
        return self.of("status", value)

    def step(self, stage: str) -> str:
        """A stage id or action kind in words; a book's own stage id as it is."""
        if f"step.{stage}" in TEXTS:
            return self.text(f"step.{stage}")
        return wording.step_name(stage, self.language)

    def channel(self, channel: str) -> str:
        if f"channel.{channel}" in TEXTS:
            return self.text(f"channel.{channel}")
        return wording.channel_name(channel, self.language)

    def basis(self, english: str) -> str:
        """Why a forecast item falls on its date (`casebook.insight` says it in English)."""
        for pattern, key in _BASES:
            found = pattern.fullmatch(english)
            if found:
                return self.text(key, **found.groupdict())
        return english

    def forecast_chart(self) -> dict[str, str]:
        """The forecast chart's words (`casebook.insight.chart.FORECAST_WORDS`)."""
        return {key: self.text(f"fc.{key}") for key in FORECAST_WORDS}

    def formats(self) -> wording.Formats:
        """How the claim's explanations (cost lines, warnings) write numbers and steps."""
        decimal = number_filter(self.language)

        def percent(value: Decimal) -> str:
            return decimal(f"{Decimal(value).normalize():f}")

        return wording.Formats(amount=self._money, percent=percent, day=lambda d: d.isoformat(),
                               step=self.step)

    def say(self, text: wording.Text) -> str:
        """A claim's explanation (`casebook.book.wording`) in the book's language."""
        return wording.say(text, self.language, self.formats())
