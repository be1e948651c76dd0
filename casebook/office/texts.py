"""The office overview's own words, per key and language (nl, fr, en), as the book site's
catalog (`casebook.site.catalog`) holds the words a book's pages use.

The page (`site_templates/office.html`) says these with `say("office.books")` and reuses
the book site's words (aging buckets, column names, stages) with `t(...)`. A missing key
or language fails the build; `tests/office/test_overview.py` checks every key the page
names is here in every language.
"""

from __future__ import annotations

from casebook.site.texts import Texts

OFFICE_TEXTS: dict[str, dict[str, str]] = {
    "office.title": {"en": "Office overview", "nl": "Kantooroverzicht",
                     "fr": "Vue d'ensemble du cabinet"},
    "office.lead": {
        "en": "{books} books, {cases} cases ({open} open), as of {date}.",
        "nl": "{books} boeken, {cases} dossiers ({open} openstaand), stand op {date}.",
        "fr": "{books} livres, {cases} dossiers ({open} ouverts), situation au {date}.",
    },
    "office.totals": {"en": "Totals across books", "nl": "Totalen over alle boeken",
                      "fr": "Totaux de tous les livres"},
    "office.currency": {"en": "Currency", "nl": "Munt", "fr": "Devise"},
    "office.books": {"en": "Books", "nl": "Boeken", "fr": "Livres"},
    "office.detail": {"en": "Book by book", "nl": "Boek per boek", "fr": "Livre par livre"},
    "office.failed-short": {"en": "failed", "nl": "mislukt", "fr": "en échec"},
    "office.book": {"en": "Book", "nl": "Boek", "fr": "Livre"},
    "office.tasks-today": {"en": "Tasks today", "nl": "Taken vandaag", "fr": "Tâches du jour"},
    "office.tasks-note": {
        "en": "{due} actions due, {tasks} open phone tasks",
        "nl": "{due} acties te nemen, {tasks} openstaande telefoontaken",
        "fr": "{due} actions à prendre, {tasks} tâches téléphoniques ouvertes",
    },
    "office.per-stage": {"en": "Cases per stage", "nl": "Dossiers per stap",
                         "fr": "Dossiers par étape"},
    "office.failed": {"en": "could not be read", "nl": "kon niet gelezen worden",
                      "fr": "n'a pas pu être lu"},
    "office.problems": {"en": "{count} problems: run casebook check",
                        "nl": "{count} problemen: voer casebook check uit",
                        "fr": "{count} problèmes : lancez casebook check"},
    "office.problems#one": {"en": "1 problem: run casebook check",
                            "nl": "1 probleem: voer casebook check uit",
                            "fr": "1 problème : lancez casebook check"},
    "office.open-site": {"en": "Open the book's site", "nl": "Site van het boek openen",
                         "fr": "Ouvrir le site du livre"},
    "office.footer": {
        "en": "Built by casebook {version} from the books of the office, as of {date}.",
        "nl": "Gemaakt door casebook {version} uit de boeken van het kantoor, stand op {date}.",
        "fr": "Généré par casebook {version} à partir des livres du cabinet, situation au {date}.",
    },
}


def say(language: str) -> Texts:
    """The office page's `say(key, ...)`: its own words, looked up as the site's are."""
    return Texts(language, table=OFFICE_TEXTS, where="casebook/office/texts.py")
