"""`casebook office site`: one static page over every book, beside each book's own site.

`<out>/index.html` lists each book (open, overdue, aging buckets, DSO, cases per stage, the
tasks of the day) and links to the book's site, built by `casebook.site.build_site` in
`<out>/<name>/`; the totals are summed per currency, never across currencies. The page is
rendered from `site_templates/office.html` (the office folder's own `site_templates/` first,
the shipped theme second) in the same sandbox with autoescaping as the book site, has a
Content-Security-Policy and no script, and shares the book site's stylesheet
(`<out>/assets/site.css`), so it works from `file://` and any static host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from markupsafe import Markup

from casebook import __version__
from casebook.book.resources import shipped
from casebook.letters.templating import environment, render
from casebook.office.config import Office
from casebook.office.results import BookResult, totals
from casebook.office.texts import say
from casebook.site.build import TEMPLATE_FOLDER
from casebook.site.context import BUCKET_CSS, BUCKET_LABELS
from casebook.site.filters import amount_filter, day, money_formatter, number_filter
from casebook.site.inputs import BUCKETS
from casebook.site.texts import Texts
from casebook.site.writer import replace_file

PAGE = "office.html"
STYLESHEET = "site.css"


def _amounts(language: str) -> Callable[[Any, str], Markup]:
    made: dict[str, Callable[[Any], Markup]] = {}

    def amount(value: Any, currency: str) -> Markup:
        if currency not in made:
            made[currency] = amount_filter(money_formatter(language, currency))
        return made[currency](value)

    return amount


def _buckets(aging: dict[str, str], texts: Texts) -> list[dict[str, Any]]:
    return [{"key": key, "label": texts.text(label), "css": css, "amount": aging[key]}
            for key, label, css in zip(BUCKETS, BUCKET_LABELS, BUCKET_CSS)]


def _row(result: BookResult, texts: Texts) -> dict[str, Any]:
    fig = result.figures
    row: dict[str, Any] = {"name": result.name, "ok": result.ok, "error": result.error,
                           "href": result.site, "figures": fig is not None}
    if fig is not None:
        row.update({
            "creditor": fig["creditor"],
            "currency": fig["currency"],
            "totals": fig["totals"],
            "buckets": _buckets(fig["aging"], texts),
            "stages": [{"name": "" if name == "-" else name, "count": count}
                       for name, count in fig["stages"].items()],
            "open_tasks": fig["open_tasks"],
            "due_today": fig["due_today"],
            "problems": fig["problems"],
        })
    return row


def context(office: Office, results: list[BookResult], texts: Texts) -> dict[str, Any]:
    total = totals(results)
    dates = sorted({r.figures["as_of"] for r in results if r.figures})
    return {
        "site": {"language": texts.language, "version": __version__,
                 "today": " – ".join(dict.fromkeys([dates[0], dates[-1]])) if dates else "",
                 "title": texts.text("site.title", creditor=office.root.name)},
        "books": [_row(r, texts) for r in results],
        "total": total,
        "currencies": [{"currency": currency, **sums, "buckets": _buckets(sums["aging"], texts)}
                       for currency, sums in total["currencies"].items()],
    }


def write_overview(office: Office, results: list[BookResult], out: Path) -> Path:
    """Write `<out>/index.html` and its stylesheet; returns the page's path."""
    folders = [office.root / TEMPLATE_FOLDER, shipped(TEMPLATE_FOLDER)]
    env = environment(folders, html=True, base=office.root)
    money = money_formatter(office.language, "EUR")
    texts = Texts(office.language, money=money)
    env.filters.update({"amount": _amounts(office.language), "day": day,
                        "number": number_filter(office.language)})
    env.globals["t"] = texts
    env.globals["say"] = say(office.language)
    page = render(env, PAGE, context(office, results, texts)).encode("utf-8")
    source, _, _ = env.loader.get_source(env, STYLESHEET)  # type: ignore[union-attr]
    out.mkdir(parents=True, exist_ok=True)
    replace_file(out / "assets" / STYLESHEET, source.encode("utf-8"))
    replace_file(out / "index.html", page)
    return out / "index.html"
