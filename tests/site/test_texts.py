"""The site speaks the book's language: every text in nl, fr and en, none missing.

The catalog (`casebook.site.texts`) is checked statically (each key in all three languages
with the same placeholders, each key the templates and the site's code name exists, each
status, state and kind the pages show has its words) and by building the site of the
test book in each language.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from casebook.book.model import ActionKind, Kind, NoteChannel
from casebook.engine.states import Status
from casebook.insight.chart import FORECAST_WORDS
from casebook.site import texts
from casebook.site.texts import LANGUAGES, TEXTS, Texts

from .test_site import build, commit_files, write_site_book

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "site_templates"
SITE_CODE = REPO / "casebook" / "site"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# -- the catalog ------------------------------------------------------------------------------


def test_every_key_is_in_every_language_with_the_same_placeholders() -> None:
    assert set(LANGUAGES) == {"nl", "fr", "en"}
    for key, words in TEXTS.items():
        assert set(words) == set(LANGUAGES), f"{key}: {sorted(words)}"
        assert all(isinstance(w, str) and w.strip() for w in words.values()), key
        base = key.split("#", 1)[0]
        wanted = fields(TEXTS[base]["en"]) if base != key else fields(words["en"])
        for language, text in words.items():
            # a singular (`#one`) may say "1" instead of {count}
            got = fields(text) | ({"count"} if base != key else set())
            assert got >= wanted - ({"count"} if base != key else set()) and \
                fields(text) <= wanted | {"count"}, f"{key} [{language}]: {text!r}"
        if base != key:
            assert base in TEXTS, f"{key}: no plural {base}"


def keys_named_in(text: str) -> set[str]:
    """Keys named literally: `t("key")`, `t("key", ...)`, `.text("key")`."""
    return set(re.findall(r'\bt(?:\.text)?\(\s*"([a-z0-9_.-]+)"', text)) | set(
        re.findall(r'\.text\(\s*"([a-z0-9_.-]+)"', text))


def test_every_key_the_templates_use_exists() -> None:
    used: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.glob("*.html")):
        used[path.name] = keys_named_in(path.read_text("utf-8"))
    pages = ("base.html", "overview.html", "debtor.html", "forecast.html")
    assert all(used[name] for name in pages), f"a page names no text: {used}"
    missing = {name: sorted(k for k in keys if k not in TEXTS) for name, keys in used.items()}
    assert not any(missing.values()), missing
    # values said in words by group (`t.of("status", r.status)`): the group exists
    groups = {g for path in TEMPLATES.glob("*.html")
              for g in re.findall(r'\bt\.of\(\s*"([a-z-]+)"', path.read_text("utf-8"))}
    assert groups and all(any(k.startswith(g + ".") for k in TEXTS) for g in groups), groups


FILES = (".html", ".htm", ".css", ".js", ".json", ".yaml", ".py", ".md", ".eml")


def test_every_key_the_site_code_uses_exists() -> None:
    """Every string of the site's code that reads like a key (`"chart.month-end"`, a group
    of the catalog, a dot, a name) is one; the groups said by prefix have their values."""
    groups = {key.split(".", 1)[0] for key in TEXTS}
    used = set()
    for path in sorted(SITE_CODE.glob("*.py")):
        if path.name == "catalog.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            value = node.value if isinstance(node, ast.Constant) else None
            if (isinstance(value, str) and re.fullmatch(r"[a-z-]+\.[a-z0-9+#-]+", value)
                    and not value.endswith(FILES) and value.split(".", 1)[0] in groups):
                used.add(value)
    assert {"site.title", "bucket.90+", "chart.month-end", "overview.no-policy"} <= used
    assert sorted(k for k in used if k not in TEXTS) == []
    assert all(f"month.{n}" in TEXTS for n in range(1, 13))


def test_every_value_the_pages_show_in_words_has_its_words() -> None:
    groups = {
        "status": [str(s) for s in Status],
        "invoice": ["open", "overdue", "disputed", "paid"],
        "paused": ["dispute", "promise", "plan", "other"],
        "kind": [str(k) for k in Kind],
        "forecast-kind": ["promise", "installment", "estimate", "disputed"],
        "language": list(LANGUAGES),
    }
    for language in LANGUAGES:
        t = Texts(language)
        for group, values in groups.items():
            for value in values:
                assert t.of(group, value), (group, value)
        for step in [str(k) for k in ActionKind] + ["reminder", "formal-notice", "my-own-stage"]:
            assert t.step(step)
        for channel in [str(c) for c in NoteChannel] + ["registered", "agency", "sms"]:
            assert t.channel(channel) and (language == "en" or t.channel(channel) != "")
    assert Texts("nl").step("formal-notice") == "ingebrekestelling"
    assert Texts("fr").channel("visit") == "visite"
    assert Texts("nl").step("my-own-stage") == "my-own-stage"  # a book's own stage id


def test_the_forecast_chart_has_its_words_in_every_language() -> None:
    for language in LANGUAGES:
        words = Texts(language).forecast_chart()
        assert set(words) == set(FORECAST_WORDS)
        for key, text in words.items():
            assert fields(text) == fields(FORECAST_WORDS[key]), (language, key)


def test_a_missing_key_fails_instead_of_showing_nothing() -> None:
    t = Texts("nl")
    with pytest.raises(KeyError, match="no-such-key"):
        t("no-such-key")
    with pytest.raises(KeyError):
        t.of("status", "sleeping")
    with pytest.raises(ValueError, match="de"):
        Texts("de")


def test_texts_escape_what_they_are_given_but_keep_markup() -> None:
    from markupsafe import Markup

    t = Texts("en")
    said = t("debtor.credit", amount="<b>1</b>")
    assert "&lt;b&gt;" in said and "<b>" not in said
    assert "<data>1</data>" in t("debtor.credit", amount=Markup("<data>1</data>"))
    assert t("overview.open-cases", count=1, total=3) == "1 open case of 3"
    assert t("overview.open-cases", count=2, total=3) == "2 open cases of 3"
    assert Texts("fr").text("overview.open-cases", count=2, total=3) == "2 dossiers ouverts sur 3"


@pytest.mark.parametrize(("english", "dutch"), [
    ("due 2026-10-01 +12 days (this debtor's usual delay)",
     "vervaldag 2026-10-01 +12 dagen (gebruikelijke betaaltermijn van deze debiteur)"),
    ("due 2026-10-01 +0 days (the book's usual delay)",
     "vervaldag 2026-10-01 +0 dagen (gebruikelijke betaaltermijn van alle debiteuren)"),
    ("due 2026-12-10 (usually paid early)", "vervaldag 2026-12-10 (meestal vroeger betaald)"),
    ("due 2026-10-20, under dispute", "vervaldag 2026-10-20, betwist"),
    ("promised on 2026-11-20 for 2026-11-27", "beloofd op 2026-11-20 tegen 2026-11-27"),
    ("plan of 2026-11-01: installment due 2026-12-01",
     "afbetalingsplan van 2026-11-01: afbetaling op 2026-12-01"),
    ("something casebook does not say yet", "something casebook does not say yet"),
])
def test_the_forecast_says_why_a_date_in_the_book_language(english: str, dutch: str) -> None:
    assert texts.Texts("nl").basis(english) == dutch
    assert texts.Texts("en").basis(english) == english


# -- the site in each language ----------------------------------------------------------------

HEADINGS = {
    "nl": {"index.html": ["Overzicht openstaande vorderingen", "Openstaand saldo", "Vervallen",
                          "Dagen achterstand", "Ouderdomsanalyse", "Debiteuren",
                          "Openstaande telefoontaken", "Naar de inhoud", "telefoongesprek",
                          "Alleen vervallen", "Stand op", "DSO"],
           "forecast.html": ["Prognose", "Week per week", "Geplande acties",
                             "Verwachte ontvangsten per week", "betalingsbelofte"],
           "debtors/janssens.html": ["Stand van het dossier", "Facturen", "Betalingen",
                                     "Brieven en e-mails", "Tijdlijn", "Hoofdsom",
                                     "Vordering op", "Afdrukbare versie", "vervallen"]},
    "fr": {"index.html": ["Aperçu des créances", "Solde ouvert", "Échu", "Jours de retard",
                          "Balance âgée", "Débiteurs", "Appels à passer", "Aller au contenu",
                          "Échus uniquement", "Situation au", "DSO"],
           "forecast.html": ["Prévisions", "Semaine par semaine", "Actions prévues",
                             "Encaissements attendus par semaine", "promesse de paiement"],
           "debtors/janssens.html": ["État du dossier", "Factures", "Paiements",
                                     "Lettres et e-mails", "Chronologie", "Principal",
                                     "Créance au", "Version imprimable", "échue"]},
    "en": {"index.html": ["Receivables overview", "Outstanding", "Overdue", "Days late",
                          "Aging", "Debtors", "Open phone tasks", "Skip to content",
                          "Overdue only", "As of", "DSO"],
           "forecast.html": ["Forecast", "Week by week", "Actions planned",
                             "Expected cash in per week", "promise"],
           "debtors/janssens.html": ["Where the case stands", "Invoices", "Payments",
                                     "Letters and emails", "Timeline", "Principal",
                                     "Claim as of", "Printable version", "overdue"]},
}
ENGLISH_ONLY = ["Receivables overview", "Where the case stands", "Week by week",
                "Skip to content", "Open amounts by days late", "Printable version"]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test book's site in each language (the book's own setting is nl)."""
    built = {}
    for language in LANGUAGES:
        base = tmp_path_factory.mktemp(f"site-{language}")
        book = write_site_book(base / "book")
        settings = (book / "casebook.yaml").read_text("utf-8")
        assert "language: nl\n" in settings
        if language != "nl":
            commit_files(book, "Lotte Maes", "2026-11-10T09:00:00+01:00", "Language", {
                "casebook.yaml": settings.replace("language: nl\n", f"language: {language}\n")})
        build(book, base / "site")
        built[language] = base / "site"
    return built


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_site_speaks_the_book_language(sites: dict[str, Path], language: str) -> None:
    for page, words in HEADINGS[language].items():
        html = (sites[language] / page).read_text("utf-8")
        assert f'<html lang="{language}">' in html, page
        missing = [w for w in words if w not in html]
        assert not missing, f"{language} {page}: {missing}"
        if language != "en":
            english = [w for w in ENGLISH_ONLY if w in html]
            assert not english, f"{language} {page} still says {english}"


def test_the_script_counts_in_the_book_language(sites: dict[str, Path]) -> None:
    for language, text in {"nl": "{shown} van {total} debiteuren",
                           "fr": "{shown} sur {total} débiteurs",
                           "en": "{shown} of {total} debtors"}.items():
        html = (sites[language] / "index.html").read_text("utf-8")
        assert f'data-template="{text}"' in html
    assert " of " not in (SITE_CODE.parents[1] / "site_templates/site.js").read_text("utf-8")


def test_a_changed_wording_rebuilds_the_pages(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    book = write_site_book(tmp_path / "book")
    build(book, tmp_path / "site")
    monkeypatch.setitem(TEXTS, "debtor.timeline", {**TEXTS["debtor.timeline"], "nl": "Historiek"})
    report = build(book, tmp_path / "site").report
    assert "debtors/janssens.html" in report.written and "index.html" in report.unchanged
    assert "Historiek" in (tmp_path / "site/debtors/janssens.html").read_text("utf-8")
