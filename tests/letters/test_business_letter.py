"""What a business letter carries besides its body: the date, our reference."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from casebook.letters import letter as letters

from .test_support import action, make_book, make_case

NO_BOOK = Path("/nonexistent-book")

#: The templates written to the debtor, with the stage and kind of their action.
DEBTOR_LETTERS = [
    ("pre-due", "pre-due", "stage"),
    ("reminder", "reminder", "stage"),
    ("second-reminder", "second-reminder", "stage"),
    ("formal-notice", "formal-notice", "stage"),
    ("thanks", "thanks", "thanks"),
    ("plan-breach", "plan-breach", "plan-breach"),
    ("plan-offer", "plan-offer", "stage"),
]

DATELINE = {
    "nl": ("Gent, 22 november 2026", "Onze referentie: janssens"),
    "fr": ("Gent, le 22 novembre 2026", "Notre référence : janssens"),
    "en": ("Gent, 22 November 2026", "Our reference: janssens"),
}
GREETING = {"nl": "Geachte", "fr": "Bonjour", "en": "Dear"}


def files_of(language: str, template: str, stage: str, kind: str, channel: str = "email"):
    case = make_case(language=language)
    act = action(template, stage=stage, channel=channel, kind=kind)
    return letters.render_action(make_book(case), case, act, book_root=NO_BOOK), act


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize("template, stage, kind", DEBTOR_LETTERS)
def test_every_letter_to_the_debtor_has_its_date_and_our_reference(language, template, stage,
                                                                   kind) -> None:
    files, act = files_of(language, template, stage, kind)
    md = files[f"actions/{act.stem}.md"].decode("utf-8")
    day, reference = DATELINE[language]
    assert day in md and reference in md, md
    # Above the greeting, below the subject: where a letter has them.
    assert md.index("# ") < md.index(day) < md.index(reference) < md.index(GREETING[language])

    msg = BytesParser(policy=policy.default).parsebytes(files[f"actions/{act.stem}.eml"])
    plain = msg.get_body(("plain",)).get_content()
    assert f"{day}\r\n{reference}\r\n" in plain  # two lines of their own in the email


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_printed_letter_says_its_date_and_reference_once(language) -> None:
    files, act = files_of(language, "reminder", "reminder", "stage", channel="letter")
    html = files[f"actions/{act.stem}.html"].decode("utf-8")
    day, reference = DATELINE[language]
    assert html.count(day) == 1
    assert html.count(reference) == 1


def test_a_books_own_template_gets_the_dateline_and_an_empty_one_opts_out(tmp_path) -> None:
    def rendered(root: Path, files: dict[str, str]) -> str:
        folder = root / "policies" / "letters" / "nl"
        folder.mkdir(parents=True)
        for name, body in files.items():
            (folder / name).write_text(body, encoding="utf-8")
        case = make_case()
        return letters.render_letter(make_book(case), case, action(), book_root=root).markdown

    old_copy = {"reminder.md": "# Even checken\n\nBeste {{ debtor.name }}.\n"}
    assert rendered(tmp_path / "a", old_copy) == (
        "# Even checken\n\nGent, 22 november 2026\\\nOnze referentie: janssens\n\n"
        "Beste Bakkerij Janssens BV.\n")
    assert rendered(tmp_path / "b", {**old_copy, "_dateline.md": ""}) == (
        "# Even checken\n\nBeste Bakkerij Janssens BV.\n")


@pytest.mark.parametrize("template, stage, channel, kind", [
    ("call", "call", "phone", "stage"), ("handover", "agency", "agency", "handover")])
def test_sheets_for_us_and_the_agency_have_no_dateline(template, stage, channel, kind) -> None:
    files, act = files_of("nl", template, stage, kind, channel=channel)
    assert "Onze referentie" not in files[f"actions/{act.stem}.md"].decode("utf-8")
