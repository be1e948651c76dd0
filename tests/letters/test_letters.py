"""Letters: what they contain, in which language and format, and how templates are handled."""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from casebook.letters import letter as letters
from casebook.book.errors import BookError
from casebook.book.model import Address, Channel, Charge, ContractTerms, Kind

from .test_support import DueAction, action, make_book, make_case

GOLDEN = Path(__file__).parents[1] / "golden" / "letters"
REGENERATE = os.environ.get("CASEBOOK_REGENERATE_GOLDEN") == "1"
NO_BOOK = Path("/nonexistent-book")  # shipped templates only


def render(book=None, case=None, act=None, root: Path = NO_BOOK) -> dict[str, bytes]:
    case = case or make_case()
    book = book or make_book(case)
    return letters.render_action(book, case, act or action(), book_root=root)


def text(files: dict[str, bytes], suffix: str) -> str:
    (name,) = [n for n in files if n.endswith(suffix)]
    return files[name].decode("utf-8")


# -- golden letters ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_golden_reminder_per_language(language: str) -> None:
    case = make_case(language=language)
    markdown = text(render(make_book(case), case), ".md")
    golden = GOLDEN / f"reminder-{language}.md"
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(markdown, encoding="utf-8")
    assert markdown == golden.read_text(encoding="utf-8")


# -- what a letter contains (SPEC section 3, seed 000) ----------------------------------


def test_reminder_contains_everything_the_seed_lists() -> None:
    files = render()
    assert sorted(files) == [
        "actions/2026-11-22-reminder.eml",
        "actions/2026-11-22-reminder.html",
        "actions/2026-11-22-reminder.md",
    ]
    md = text(files, ".md")
    for expected in [
        # each open invoice: number, issue date, due date, amount
        "| 2026-0042 | 1 oktober 2026 | 31 oktober 2026 | € 1.210,00 | € 210,00 | € 1.000,00 |",
        "| 2026-0050 | 10 oktober 2026 | 9 november 2026 | € 350,00 | € 0,00 | € 350,00 |",
        "al € 210,00 betaald",  # already paid
        "**€ 1.350,00**",  # the balance
        "**2 december 2026**",  # the new deadline
        "IBAN: BE68 5390 0754 7034",
        "BIC: GKCCBEBB",
        "Gestructureerde mededeling: +++010/8068/17183+++",  # the oldest open invoice's own
        "Studio Noord BV",
        "BE 0403.170.701",  # the creditor's enterprise number, as written in Belgium
    ]:
        assert expected.replace(" ", "\u00a0") in md.replace(" ", "\u00a0"), expected
    assert md.startswith("# Betalingsherinnering: facturen 2026-0042, 2026-0050\n")


def test_printable_html_has_window_address_letterhead_and_qr() -> None:
    html = text(render(), ".html")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="nl">' in html
    assert "@page { size: A4; margin: 0; }" in html  # the print stylesheet, inline
    window = re.search(r'<div class="window">(.*?)</div>\s*<main class="body">', html, re.S)
    assert window is not None
    for line in ["Bakkerij Janssens BV", "t.a.v. Mevrouw De Smet", "Stationsstraat 5",
                 "2000 Antwerpen"]:
        assert line in window.group(1)
    assert '<header class="letterhead">' in html and "Ondernemingsnr. BE\u00a00403.170.701" in html
    assert "<svg" in html and "</svg>" in html  # QR code inline
    assert "<table>" in html and "<td>2026-0042</td>" in html
    assert "{{" not in html and "{%" not in html


def test_qr_payload_is_the_exact_total_and_reference() -> None:
    case = make_case()
    letter = letters.render_letter(make_book(case), case, action(), book_root=NO_BOOK)
    lines = letter.qr_payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[4] == "GKCCBEBB"
    assert lines[5] == "Studio Noord BV"
    assert lines[6] == "BE68539007547034"
    assert lines[7] == "EUR1350.00"
    assert lines[9:] == ["", "+++010/8068/17183+++"]  # an OGM goes in line 11 (casebook.money.qr)
    assert letter.context["total"] == D("1350.00")


def test_qr_code_comes_from_casebook_qr_encoded_once_per_action(monkeypatch) -> None:
    from casebook.money import qr

    encoded: list[str] = []
    real_code, real_svg = qr.epc_code, qr.epc_svg

    def counting_code(payload: str):
        encoded.append(payload)
        return real_code(payload)

    monkeypatch.setattr(qr, "epc_code", counting_code)
    monkeypatch.setattr(qr, "epc_svg", lambda code, **kw: real_svg(code, **kw).replace(
        "<svg ", '<svg data-drawn-by="casebook.money.qr" ', 1))
    files = render()  # an email: the SVG in the letter and the PNG in the .eml
    assert "actions/2026-11-22-reminder.eml" in files
    assert len(encoded) == 1 and encoded[0].startswith("BCD\n002")
    assert 'data-drawn-by="casebook.money.qr"' in text(files, ".html")


def test_generated_reference_when_the_oldest_open_invoice_has_none() -> None:
    case = make_case(payments=())
    invoices = tuple(dataclasses.replace(i, reference="") for i in case.invoices)
    case = dataclasses.replace(case, invoices=invoices)
    md = text(render(make_book(case), case), ".md")
    assert "+++002/0260/04240+++" in md  # refs.reference_for("2026-0042"), stable


def test_letter_covers_only_the_actions_invoices() -> None:
    md = text(render(act=action(invoices=("2026-0050",))), ".md")
    assert "2026-0050" in md and "2026-0042" not in md.split("## Betaalgegevens")[0]
    assert "**€\u00a0350,00**" in md


def test_same_input_gives_the_same_bytes() -> None:
    assert render() == render()


# -- languages and locales --------------------------------------------------------------


def test_french_letter_uses_fr_be_formats() -> None:
    case = make_case(language="fr")
    md = text(render(make_book(case), case), ".md")
    assert md.startswith("# Rappel de paiement : factures 2026-0042, 2026-0050")
    assert "1\u202f210,00\xa0€" in md and "31 octobre 2026" in md
    assert "Communication structurée : +++010/8068/17183+++" in md


def test_english_letter_uses_euro_first_formats() -> None:
    case = make_case(language="en")
    md = text(render(make_book(case), case), ".md")
    assert "€1,210.00" in md and "31 October 2026" in md
    assert md.startswith("# Payment reminder: invoices 2026-0042, 2026-0050")


def test_dutch_debtor_gets_nl_nl_locale() -> None:
    case = make_case(address=Address("Damrak 1", "1012 LG", "Amsterdam", "NL"))
    assert letters.locale_for(make_book(case), case) == "nl_NL"
    assert letters.locale_for(make_book(make_case()), make_case()) == "nl_BE"
    nl_book = make_book(make_case(), jurisdiction="NL")
    assert letters.locale_for(nl_book, make_case()) == "nl_NL"
    md = text(render(make_book(case), case), ".md")
    assert "Betalingskenmerk: +++010/8068/17183+++" in md


# -- consumers --------------------------------------------------------------------------


def test_dutch_consumer_reminder_is_a_14_dagenbrief() -> None:
    case = make_case(kind=Kind.CONSUMER)
    book = make_book(case, jurisdiction="NL")
    md = text(render(book, case), ".md")
    assert "14 dagen, te rekenen vanaf de dag na ontvangst van deze brief" in md
    assert "€\u00a0202,50" in md  # WIK: 15 % of 1 350.00
    # No fixed date earlier than the 14 days the law gives: the date is left out.
    assert "2 december 2026" not in md
    assert "binnen 14 dagen na de dag van ontvangst van deze brief" in md


def test_belgian_consumer_gets_at_least_14_days_and_a_free_reminder() -> None:
    case = make_case(kind=Kind.CONSUMER)
    book = make_book(case, contract=ContractTerms(damages_percent=D("10"),
                                                  damages_minimum=D("25")))
    md = text(render(book, case), ".md")
    assert "Deze herinnering is kosteloos" in md
    # Emailed on 22 November: 14 days from the next day, so 6 December, not 2 December.
    assert "**6 december 2026**" in md and "2 december 2026" not in md
    # The clause (10 % of 1 350.00 = 135.00) is capped by Book XIX: 65 + 5 % of 850 = 107.50.
    assert "€\u00a0107,50" in md and "135,00" not in md


def test_a_later_reminder_that_charges_interest_does_not_call_itself_free() -> None:
    from casebook.book.model import Action, ActionKind, Stage

    first = Action("2026-11-02-reminder", date(2026, 11, 2), ActionKind.STAGE, "janssens",
                   stage="reminder", channel="email", deadline=date(2026, 11, 16),
                   invoices=("2026-0042", "2026-0050"))
    case = make_case(kind=Kind.CONSUMER, language="en", actions=(first,))
    second = Stage(id="second-reminder", channel=Channel.LETTER, after_previous=7,
                   template="second-reminder", deadline_days=10,
                   charges=frozenset({Charge.INTEREST}))
    act = DueAction(case_id="janssens", kind="stage", date=date(2026, 11, 30), stage=second,
                    channel="letter", template="second-reminder", deadline=date(2026, 12, 10),
                    invoices=("2026-0042", "2026-0050"))
    letter = letters.render_letter(make_book(case), case, act, book_root=NO_BOOK)
    assert letter.context["interest"] > 0  # since the first reminder's waiting period
    assert "free of charge" not in letter.markdown and "without any interest" not in letter.markdown
    assert "You again have at least 14 calendar days" in letter.markdown
    # Posted Monday 30 Nov: day 1 is Thursday 3 Dec, day 14 is 16 Dec (not the policy's 10 Dec).
    assert letter.context["deadline"] == date(2026, 12, 16)


def test_belgian_consumer_paper_letter_counts_from_the_third_working_day() -> None:
    case = make_case(kind=Kind.CONSUMER)
    # Sent Friday 20 Nov 2026 by post: working days Mon 23, Tue 24, Wed 25 -> day 1 is 25 Nov.
    act = action("reminder", stage="letter-reminder", channel="letter",
                 when=date(2026, 11, 20), deadline=date(2026, 11, 30))
    md = text(render(make_book(case), case, act), ".md")
    assert "**8 december 2026**" in md
    # Posted Monday 9 Nov: Tue 10, (Wed 11 is Armistice Day), Thu 12, Fri 13 -> 26 Nov.
    act = action("reminder", stage="letter-reminder", channel="letter",
                 when=date(2026, 11, 9), deadline=date(2026, 11, 19))
    md = text(render(make_book(case), case, act), ".md")
    assert "**26 november 2026**" in md


# -- every template, every language ------------------------------------------------------

TEMPLATES = [
    ("pre-due", "pre-due", "email", "stage"),
    ("reminder", "reminder", "email", "stage"),
    ("call", "call", "phone", "stage"),
    ("second-reminder", "second-reminder", "letter", "stage"),
    ("formal-notice", "formal-notice", "registered", "stage"),
    ("handover", "agency", "agency", "handover"),
    ("thanks", "thanks", "email", "thanks"),
    ("plan-breach", "plan-breach", "letter", "plan-breach"),
    ("plan-offer", "plan-offer", "letter", "stage"),
]


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize("template,stage,channel,kind", TEMPLATES)
@pytest.mark.parametrize("consumer", [False, True])
def test_every_shipped_template_renders(language, template, stage, channel, kind, consumer):
    case = make_case(language=language, kind=Kind.CONSUMER if consumer else Kind.BUSINESS)
    act = action(template, stage=stage, channel=channel, kind=kind)
    files = render(make_book(case), case, act)
    md = text(files, ".md")
    html = text(files, ".html")
    assert md.startswith("# ") and md.endswith("\n") and "\n\n\n" not in md
    assert "{{" not in md and "{%" not in md and "+%}" not in md
    # A trim_blocks slip glues a list item or table row to the line before it.
    assert not re.search(r"\S- [A-Z]", md.replace(" - ", " ")), md
    assert not re.search(r"[^\n]\| \d{4}-\d{4} \|", md.replace("\n| ", "\n")), md
    assert "Studio Noord BV" in md
    assert ("actions/2026-11-22-" + (stage if kind in ("stage", "handover") else kind) + ".eml"
            in files) == (channel == "email")
    has_qr = "<svg" in html
    assert has_qr == (template != "thanks")
    if template not in ("thanks", "handover"):
        assert "1.350,00" in md or "1\u202f350,00" in md or "1,350.00" in md


@pytest.mark.parametrize("language, words", [
    ("nl", ("Samen een oplossing", "afbetalingsplan", "In schijven betalen", "ondertekent",
            "€\u00a0450,00", "Gestructureerde mededeling", "vóór 9 december 2026")),
    ("fr", ("Trouvons ensemble une solution", "plan de paiement", "Payer en plusieurs fois",
            "vous le signez", "450,00\u00a0€", "Communication structurée",
            "avant le 9 décembre 2026")),
    ("en", ("Let us find a solution together", "payment plan", "Pay in installments",
            "you sign it", "€450.00", "Structured reference", "by 9 December 2026")),
])
def test_plan_offer_proposes_a_plan_warmly_with_the_statement_and_payment(language, words):
    case = make_case(language=language)
    act = action("plan-offer", stage="plan-offer", channel="letter", deadline=date(2026, 12, 9))
    files = render(make_book(case), case, act)
    md, html = text(files, ".md"), text(files, ".html")
    for expected in words:  # 1 350.00 in three installments of 450.00
        assert expected in md, expected
    assert "2026-0042" in md and "2026-0050" in md  # the statement
    assert "<svg" in html and 'class="window"' in html  # QR code, posted letter


def test_plan_offer_to_consumers_keeps_the_legal_notices() -> None:
    act = action("plan-offer", stage="plan-offer", channel="letter", deadline=date(2026, 12, 9))
    case = make_case(kind=Kind.CONSUMER)
    nl = text(render(make_book(case, jurisdiction="NL"), case, act), ".md")
    assert "binnen 14 dagen na ontvangst van deze brief" in nl and "9 december" not in nl
    be = text(render(make_book(case), case, act), ".md")
    assert "Deze herinnering is kosteloos" in be


def test_the_hardship_policy_offers_a_plan_in_its_first_letter() -> None:
    import yaml

    from casebook.book.resources import shipped

    policy_file = shipped("policies") / "hardship.yaml"
    stages = yaml.safe_load(policy_file.read_text("utf-8"))["stages"]
    first_letter = next(s for s in stages if s["channel"] in ("letter", "email"))
    assert first_letter["template"] == "plan-offer" and first_letter["deadline_days"] >= 21


def test_phone_task_sheet_has_what_to_say_and_the_amounts() -> None:
    files = render(act=action("call", stage="call", channel="phone", deadline=None))
    assert sorted(files) == ["actions/2026-11-22-call.html", "actions/2026-11-22-call.md"]
    md = text(files, ".md")
    assert "## Wat u zegt" in md and "+32 470 12 34 56" in md
    assert "**€\u00a01.350,00**" in md
    assert "--completes call" in md
    assert 'class="window"' not in text(files, ".html")  # a task sheet is not posted


def test_handover_carries_the_full_claim_not_just_the_principal() -> None:
    from casebook.money.claim import claim_for
    from casebook.book.model import Stage

    case = make_case()
    book = make_book(case)
    agency = Stage(id="agency", channel=Channel.AGENCY, after_previous=16, template="handover")
    act = DueAction(case_id="janssens", kind="handover", date=date(2026, 12, 20), stage=agency,
                    channel="agency", template="handover", deadline=None,
                    invoices=("2026-0042", "2026-0050"))
    statement = letters.statement_for(book, case, act)
    full = claim_for(book, case, date(2026, 12, 20))
    assert statement.principal == D("1350.00")
    assert statement.interest == full.interest > 0
    assert statement.costs == full.costs == D("80.00")  # 2 x 40.00 (law of 2 August 2002)
    assert statement.total == full.total > statement.principal
    md = letters.render_letter(book, case, act, book_root=NO_BOOK).markdown
    assert "€\u00a080,00" in md and "Totaal te betalen" in md
    # A stage that names its charges keeps them.
    only_interest = dataclasses.replace(act, stage=dataclasses.replace(
        agency, charges=frozenset({Charge.INTEREST})))
    assert letters.statement_for(book, case, only_interest).costs == 0


def test_thank_you_is_warm_and_asks_nothing() -> None:
    case = make_case(payments=())
    act = action("thanks", stage="thanks", kind="thanks", deadline=None)
    files = render(make_book(case), case, act)
    md = text(files, ".md")
    assert md.startswith("# Hartelijk dank voor uw betaling")
    assert "IBAN" not in md and "<svg" not in text(files, ".html")


# -- templates are the user's files ------------------------------------------------------


def test_book_template_overrides_the_shipped_one(tmp_path: Path) -> None:
    folder = tmp_path / "policies" / "letters" / "nl"
    folder.mkdir(parents=True)
    (folder / "reminder.md").write_text(
        "# Even checken\n\nBeste {{ debtor.name }}, nog {{ total | money }} open.\n\n"
        '{% include "_payment.md" %}\n'
    )
    md = text(render(root=tmp_path), ".md")
    assert md.startswith("# Even checken\n\nGent, 22 november 2026\\\nOnze referentie: janssens\n\n"
                         "Beste Bakkerij Janssens BV, nog €\u00a01.350,00 open.")
    assert "IBAN: BE68 5390 0754 7034" in md  # the shipped partial still serves


@pytest.mark.parametrize(
    "body",
    [
        "{{ debtor.__class__ }}",
        "{% set x = creditor.__class__.__mro__ %}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ invoices.append(1) }}",
    ],
)
def test_a_template_reaching_outside_the_sandbox_fails_with_its_file_and_line(tmp_path, body):
    folder = tmp_path / "policies" / "letters" / "nl"
    folder.mkdir(parents=True)
    (folder / "reminder.md").write_text(f"# Hallo\n\nregel 3\n{body}\n")
    with pytest.raises(BookError) as caught:
        render(root=tmp_path)
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == ("policies/letters/nl/reminder.md", 4)
    assert "unsafe template" in problem.message
    assert "policies/letters/nl/reminder.md:4" in str(caught.value)


def test_an_undefined_variable_or_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "policies" / "letters" / "nl"
    folder.mkdir(parents=True)
    (folder / "reminder.md").write_text("# Hallo\n\n{{ totaal | money }}\n")
    with pytest.raises(BookError, match=r"policies/letters/nl/reminder.md:3: 'totaal' is undefined"):
        render(root=tmp_path)
    (folder / "reminder.md").write_text("# Hallo\n{% if %}\n")
    with pytest.raises(BookError, match=r"policies/letters/nl/reminder.md:2: "):
        render(root=tmp_path)


def test_markup_in_debtor_data_cannot_inject_html() -> None:
    case = make_case(name="<script>alert(1)</script> BV", contact='<img src=x onerror="x()">')
    files = render(make_book(case), case)
    html = text(files, ".html")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


# -- every word in the letter's language ------------------------------------------------

#: English wording of the money engine and the engine (what `casebook claim` prints): none
#: of it may reach a Dutch or French letter.
ENGLISH_ONLY = (
    "late invoice", "law of 2 August", "less the", "already claimed", "capped at",
    "policy asks", "as the policy", "postage", "maximum by", "the part above", "Damages",
    "Flat compensation", "Minimum compensation", "Collection costs", "Reminder fee",
    "payment plan broken", "installment of", "not charged", "this reminder", "waiting period",
    "after the 14-dagenbrief", "rate after", "not known yet", "registered letter",
    "collection agency", "second reminder", "formal notice", "| email |", "| registered |",
    "formal-notice", "reminder",
)


def _costly_book(language: str, jurisdiction: str, kind: Kind):
    """A case whose formal notice carries every kind of cost line and a warning or two."""
    from casebook.book.model import Action, ActionKind, Installment, Note, Plan, Policy, Stage

    reminder = Stage(id="reminder", channel=Channel.EMAIL, after_due=7, template="reminder",
                     deadline_days=10, fee=D("5.00"))
    notice = Stage(id="formal-notice", channel=Channel.REGISTERED, after_previous=14,
                   template="formal-notice", deadline_days=15, fee=D("9.00"),
                   charges=frozenset(Charge))
    agency = Stage(id="agency", channel=Channel.AGENCY, after_previous=16, template="handover")
    policy = Policy(name="standard", stages=(reminder, notice, agency))
    earlier = (
        Action("2026-11-16-reminder", date(2026, 11, 16), ActionKind.STAGE, "janssens",
               stage="reminder", channel="email", total=D("1350.00"), deadline=date(2026, 12, 8),
               invoices=("2026-0042", "2026-0050")),
        Action("2026-12-09-formal-notice", date(2026, 12, 9), ActionKind.STAGE, "janssens",
               stage="formal-notice", channel="registered", total=D("1450.00"),
               deadline=date(2026, 12, 28), invoices=("2026-0042", "2026-0050")),
    )
    plan = Plan((Installment(date(2026, 12, 1), D("500.00")),
                 Installment(date(2027, 1, 1), D("850.00"))))
    case = make_case(language=language, kind=kind, actions=earlier,
                     notes=(Note(date(2026, 11, 20), "janssens", plan=plan),))
    book = make_book(case, jurisdiction=jurisdiction, postage=D("1.50"),
                     contract=ContractTerms(damages_percent=D("10"), damages_minimum=D("50")))
    return dataclasses.replace(book, policies={"standard": policy}), case, notice, agency


@pytest.mark.parametrize("language", ["nl", "fr"])
@pytest.mark.parametrize("jurisdiction", ["BE", "NL"])
@pytest.mark.parametrize("kind", [Kind.BUSINESS, Kind.CONSUMER])
def test_a_letter_says_everything_in_its_language(language, jurisdiction, kind) -> None:
    from casebook.book.model import Installment

    book, case, notice, agency = _costly_book(language, jurisdiction, kind)
    when = date(2026, 12, 30)
    acts = [
        DueAction(case_id="janssens", kind="stage", date=when, stage=notice, channel="registered",
                  template="formal-notice", deadline=date(2027, 1, 14),
                  invoices=("2026-0042", "2026-0050")),
        DueAction(case_id="janssens", kind="plan-breach", date=when, stage=None,
                  channel="letter", template="plan-breach", deadline=date(2027, 1, 14),
                  invoices=("2026-0042", "2026-0050"),
                  missed=Installment(date(2026, 12, 1), D("500.00"))),
        DueAction(case_id="janssens", kind="handover", date=when, stage=agency, channel="agency",
                  template="handover", deadline=None, invoices=("2026-0042", "2026-0050")),
    ]
    seen_costs = False
    for act in acts:
        letter = letters.render_letter(book, case, act, book_root=NO_BOOK)
        shown = letter.markdown + "\n".join(letter.context["warnings"])
        found = [w for w in ENGLISH_ONLY if w.lower() in shown.lower()]
        assert not found, (act.template, found, shown)
        seen_costs |= bool(letter.context["cost_lines"])
        if act.kind == "plan-breach":
            assert ("500,00" in letter.markdown and
                    ("1 december 2026" in letter.markdown or "1 décembre 2026" in letter.markdown))
    assert seen_costs
    # The cost lines and warnings really are there, in the letter's language.
    letter = letters.render_letter(book, case, acts[0], book_root=NO_BOOK)
    labels = " ".join(c["label"] + " " + c["basis"] for c in letter.context["cost_lines"])
    assert letter.context["warnings"]  # at least the rate past its last known period
    if language == "nl":
        assert "Aanmaningskosten" in labels or "incassokosten" in labels
    else:
        assert "Frais" in labels or "Indemnité" in labels or "Dommages" in labels


def test_claim_stays_english_while_the_letter_translates() -> None:
    from casebook.money.claim import claim_for

    book, case, notice, _ = _costly_book("nl", "BE", Kind.BUSINESS)
    claim = claim_for(book, case, date(2026, 12, 30))
    assert "2 late invoice(s) x 40.00 (law of 2 August 2002, art. 6)" in [
        c.basis for c in claim.cost_lines]
    act = DueAction(case_id="janssens", kind="stage", date=date(2026, 12, 30), stage=notice,
                    channel="registered", template="formal-notice", deadline=date(2027, 1, 14),
                    invoices=("2026-0042", "2026-0050"))
    md = letters.render_letter(book, case, act, book_root=NO_BOOK).markdown
    assert "2 niet tijdig betaalde facturen × 40,00 (wet van 2 augustus 2002, art. 6)" in md
    assert "Aanmaningskosten (deze herinnering, 30 december 2026)" in md
