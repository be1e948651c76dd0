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


# -- VAT and company numbers, written as people write them ---------------------------------


@pytest.mark.parametrize("written, shown", [
    ("BE0403170701", "BE\u00a00403.170.701"),  # the enterprise number, in its groups
    ("be 0403.170.701", "BE\u00a00403.170.701"),
    ("BE403170701", "BE\u00a00403.170.701"),  # the old nine digits
    ("0403170701", "0403.170.701"),  # no country code: the enterprise number alone
    ("NL004495445B01", "NL004495445B01"),  # the Dutch btw-id is written in one piece
    ("nl 0044.95.445.B.01", "NL004495445B01"),
    ("DE 136 695 976", "DE136695976"),  # another EU number: compact, with its country
    ("BE0403170702", "BE0403170702"),  # not a valid number: as written
    ("", ""),
])
def test_vat_numbers_are_written_the_way_their_country_writes_them(written, shown) -> None:
    from casebook.letters.formats import vat_number

    assert vat_number(written) == shown


@pytest.mark.parametrize("language, words", [
    ("nl", ("ondernemingsnummer BE\u00a00403.170.701", "Btw-nummer: BE\u00a00417.497.106")),
    ("fr", ("numéro d'entreprise BE\u00a00403.170.701", "Numéro de TVA : BE\u00a00417.497.106")),
    ("en", ("company number BE\u00a00403.170.701", "VAT number: BE\u00a00417.497.106")),
])
def test_letters_show_the_creditors_and_debtors_numbers_formatted(language, words) -> None:
    case = make_case(language=language, vat="BE0417497106")
    book = make_book(case)
    files = letters.render_action(book, case, action(), book_root=NO_BOOK)
    md, html = files["actions/2026-11-22-reminder.md"].decode(), \
        files["actions/2026-11-22-reminder.html"].decode()
    assert words[0] in md and "BE0403170701" not in md
    # the letterhead, the signature and the footer
    assert html.count("BE\u00a00403.170.701") == 3 and "BE0403170701" not in html
    handover = letters.render_letter(book, case, action("handover", stage="agency",
                                                        channel="agency", kind="handover"),
                                     book_root=NO_BOOK).markdown
    assert words[0] in handover and words[1] in handover


def test_a_template_formats_a_number_of_its_own_with_the_vat_filter(tmp_path) -> None:
    folder = tmp_path / "policies" / "letters" / "nl"
    folder.mkdir(parents=True)
    (folder / "reminder.md").write_text('# Nummer\n\n{{ "nl0044.95.445.b.01" | vat }}\n')
    case = make_case()
    md = letters.render_letter(make_book(case), case, action(), book_root=tmp_path).markdown
    assert md.endswith("\n\nNL004495445B01\n")


@pytest.mark.parametrize("language, label", [("nl", "btw-id NL004495445B01"),
                                             ("fr", "numéro de TVA NL004495445B01"),
                                             ("en", "VAT number NL004495445B01")])
def test_a_dutch_creditors_number_is_called_what_it_is(language, label) -> None:
    from dataclasses import replace

    from .test_support import CREDITOR

    case = make_case(language=language)
    book = replace(make_book(case), settings=replace(make_book(case).settings,
                                                     creditor=replace(CREDITOR, vat="NL004495445B01")))
    md = letters.render_action(book, case, action(), book_root=NO_BOOK)[
        "actions/2026-11-22-reminder.md"].decode()
    assert label in md and "ondernemingsnummer NL" not in md and "entreprise NL" not in md
