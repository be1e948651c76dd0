"""The words of the money engine's explanations, in English, Dutch and French.

The money engine (`casebook.money.costs`, `law_be`, `law_nl`, `rates`) does not write sentences:
it returns each cost line's label and basis, and each warning, as `Phrase`s, a code with
its parameters (amounts, percentages, dates, counts). This module is the one place where
they become words: `english()` for `casebook claim`, the JSON and the site, `say()` in the
debtor's language for letters, with amounts and dates formatted for the debtor.

A text is a tuple of phrases said one after the other; a phrase's wording carries its own
leading punctuation (", capped at ..."), so a basis reads the same in every language. A
parameter that is itself a tuple of phrases (the brackets of a scale) is said with " + "
between them. Parameter names decide the format: `percent` and `rate` are percentages,
other Decimals amounts, dates are dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable, NamedTuple

LANGUAGES = ("en", "nl", "fr")
_NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class Phrase:
    """One thing the money engine says: `code` names the wording, `params` fill it in."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str) -> Any:
        return dict(self.params).get(name)


Text = tuple[Phrase, ...]


def phrase(code: str, **params: Any) -> Phrase:
    if code not in WORDING:
        raise KeyError(f"no wording for {code!r}")
    return Phrase(code, tuple(params.items()))


class Formats(NamedTuple):
    amount: Callable[[Decimal], str]
    percent: Callable[[Decimal], str]
    day: Callable[[date], str]
    step: Callable[[str], str] = str
    """A stage id (parameter `stage`): as it is for `casebook claim`, in words in letters."""


def _plain_amount(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ")


def _plain_percent(percent: Decimal) -> str:
    return f"{Decimal(percent).normalize():f}"


ENGLISH = Formats(amount=_plain_amount, percent=_plain_percent, day=date.isoformat)
"""How `casebook claim` writes numbers: `1 000.00`, `10.5`, `2026-11-24`."""


def english(text: Text | Phrase) -> str:
    """The English wording with plain numbers and ISO dates (`casebook claim`, JSON)."""
    return say(text, "en", ENGLISH)


def say(text: Text | Phrase, language: str, formats: Formats = ENGLISH) -> str:
    """The wording of `text` in `language` (English when there is none)."""
    phrases = (text,) if isinstance(text, Phrase) else text
    return "".join(_say_one(p, language, formats) for p in phrases)


def _say_one(item: Phrase, language: str, formats: Formats) -> str:
    words = WORDING[item.code]
    params = dict(item.params)
    template = None
    if params.get("count") == 1:
        template = WORDING.get(item.code + "#one", {}).get(language)
    template = template or words.get(language) or words["en"]
    values = {name: _value(name, value, language, formats) for name, value in params.items()}
    return template.format(**values)


def _value(name: str, value: Any, language: str, formats: Formats) -> str:
    if isinstance(value, tuple) and all(isinstance(v, Phrase) for v in value):
        return " + ".join(_say_one(v, language, formats) for v in value)
    if isinstance(value, date):
        return formats.day(value)
    if isinstance(value, Decimal):
        return formats.percent(value) if name in ("percent", "rate") else formats.amount(value)
    if name == "stage":
        return formats.step(str(value))
    return str(value)


def channel_name(channel: str, language: str) -> str:
    """`registered` -> `aangetekende brief`."""
    return CHANNELS.get(language, CHANNELS["en"]).get(channel, channel)


def step_name(stage: str, language: str) -> str:
    """A shipped stage id or action kind in words (`formal-notice` -> `ingebrekestelling`);
    a stage id of the book's own stays as it is."""
    return STEPS.get(language, STEPS["en"]).get(stage, stage)


# -- channels and the shipped policies' steps in words (letters: the `channel` and `step`
# filters, the stage of a reminder fee); a stage id of the book's own is shown as it is.
CHANNELS: dict[str, dict[str, str]] = {
    "nl": {"email": "e-mail", "letter": "brief", "registered": "aangetekende brief",
           "phone": "telefoon", "sms": "sms", "agency": "incassobureau"},
    "fr": {"email": "e-mail", "letter": "lettre", "registered": "recommandé",
           "phone": "téléphone", "sms": "SMS", "agency": "agence de recouvrement"},
    "en": {"email": "email", "letter": "letter", "registered": "registered letter",
           "phone": "phone", "sms": "text message", "agency": "collection agency"},
}
STEPS: dict[str, dict[str, str]] = {
    "nl": {"pre-due": "melding vóór de vervaldag", "reminder": "herinnering",
           "statement": "rekeninguittreksel", "call": "telefoongesprek",
           "second-call": "tweede telefoongesprek", "second-reminder": "tweede herinnering",
           "formal-notice": "ingebrekestelling", "agency": "overdracht",
           "thanks": "bedankbrief", "plan-breach": "afbetalingsplan niet nagekomen",
           "plan-offer": "voorstel afbetalingsplan"},
    "fr": {"pre-due": "avis avant l'échéance", "reminder": "rappel",
           "statement": "relevé de compte", "call": "appel", "second-call": "deuxième appel",
           "second-reminder": "deuxième rappel", "formal-notice": "mise en demeure",
           "agency": "transmission", "thanks": "remerciement",
           "plan-breach": "plan de paiement non respecté",
           "plan-offer": "proposition de plan de paiement"},
    "en": {"pre-due": "pre-due note", "reminder": "reminder", "statement": "statement",
           "call": "phone call", "second-call": "second call",
           "second-reminder": "second reminder", "formal-notice": "formal notice",
           "agency": "handover", "thanks": "thank-you", "plan-breach": "payment plan broken",
           "plan-offer": "payment plan offer"},
}


# Each wording in English (as `casebook claim` prints it), Dutch and French. `<code>#one` is
# used when the phrase's `count` is 1.
WORDING: dict[str, dict[str, str]] = {
    # -- cost line labels ----------------------------------------------------------------
    "label-be-compensation": {
        "en": "Flat compensation for recovery costs",
        "nl": "Forfaitaire vergoeding voor invorderingskosten",
        "fr": "Indemnité forfaitaire pour frais de recouvrement",
    },
    "label-nl-compensation": {
        "en": "Minimum compensation for collection costs",
        "nl": "Minimumvergoeding voor incassokosten",
        "fr": "Indemnité minimale pour frais de recouvrement",
    },
    "label-damages-clause": {
        "en": "Damages clause (general terms)",
        "nl": "Schadebeding (algemene voorwaarden)",
        "fr": "Clause pénale (conditions générales)",
    },
    "label-xix-damages": {
        "en": "Damages (CEL Book XIX scale)",
        "nl": "Schadevergoeding (schaal van boek XIX WER)",
        "fr": "Dommages et intérêts (barème du livre XIX CDE)",
    },
    "label-xix-pending": {
        "en": "Damages if not paid within the waiting period (CEL Book XIX)",
        "nl": "Schadevergoeding als niet betaald wordt binnen de wachttermijn (boek XIX WER)",
        "fr": "Dommages et intérêts en l'absence de paiement dans le délai d'attente "
              "(livre XIX CDE)",
    },
    "label-wik": {
        "en": "Collection costs (WIK scale, Besluit BIK)",
        "nl": "Buitengerechtelijke incassokosten (staffel Besluit BIK)",
        "fr": "Frais de recouvrement extrajudiciaires (barème du Besluit BIK)",
    },
    "label-wik-pending": {
        "en": "Collection costs if not paid within 14 days after receipt of this letter "
              "(WIK scale, BW 6:96 lid 6)",
        "nl": "Buitengerechtelijke incassokosten als niet betaald wordt binnen 14 dagen na "
              "ontvangst van deze brief (staffel Besluit BIK, art. 6:96 lid 6 BW)",
        "fr": "Frais de recouvrement extrajudiciaires en l'absence de paiement dans les "
              "14 jours suivant la réception de cette lettre (barème du Besluit BIK, "
              "art. 6:96 al. 6 BW)",
    },
    "label-fee": {
        "en": "Reminder fee ({stage}, {day})",
        "nl": "Aanmaningskosten ({stage}, {day})",
        "fr": "Frais de rappel ({stage}, {day})",
    },
    "label-fee-now": {
        "en": "Reminder fee (this reminder, {day})",
        "nl": "Aanmaningskosten (deze herinnering, {day})",
        "fr": "Frais de rappel (ce rappel, {day})",
    },
    # -- the bases of cost lines ---------------------------------------------------------
    "no-balance": {"en": "no balance", "nl": "geen saldo", "fr": "pas de solde"},
    "no-principal": {"en": "no principal", "nl": "geen hoofdsom", "fr": "pas de principal"},
    "xix-low": {
        "en": "balance {balance} <= {limit}: {amount}",
        "nl": "saldo {balance} ≤ {limit}: {amount}",
        "fr": "solde {balance} ≤ {limit} : {amount}",
    },
    "xix-above": {
        "en": "{base} + {percent} % of {part} (the part above {limit})",
        "nl": "{base} + {percent}" + _NBSP + "% van {part} (het deel boven {limit})",
        "fr": "{base} + {percent}" + _NBSP + "% de {part} (la partie au-delà de {limit})",
    },
    "capped": {
        "en": ", capped at {cap}",
        "nl": ", begrensd op {cap}",
        "fr": ", plafonné à {cap}",
    },
    "share": {
        "en": "{percent} % of {amount}",
        "nl": "{percent}" + _NBSP + "% van {amount}",
        "fr": "{percent}" + _NBSP + "% de {amount}",
    },
    "wik": {
        "en": "on {principal}: {parts} = {amount}",
        "nl": "op {principal}: {parts} = {amount}",
        "fr": "sur {principal} : {parts} = {amount}",
    },
    "raised-to-minimum": {
        "en": ", raised to the minimum {minimum}",
        "nl": ", verhoogd tot het minimum van {minimum}",
        "fr": ", porté au minimum de {minimum}",
    },
    "clause-fixed": {
        "en": "fixed {amount}",
        "nl": "vast bedrag van {amount}",
        "fr": "montant fixe de {amount}",
    },
    "clause-minimum": {
        "en": "{percent} % of {principal} = {result}, minimum {minimum}",
        "nl": "{percent}" + _NBSP + "% van {principal} = {result}, minimum {minimum}",
        "fr": "{percent}" + _NBSP + "% de {principal} = {result}, minimum {minimum}",
    },
    "be-flat": {
        "en": "{count} late invoice(s) x {each} (law of 2 August 2002, art. 6)",
        "nl": "{count} niet tijdig betaalde facturen × {each} (wet van 2 augustus 2002, art. 6)",
        "fr": "{count} factures non payées à l'échéance × {each} (loi du 2 août 2002, art. 6)",
    },
    "be-flat#one": {
        "nl": "1 niet tijdig betaalde factuur × {each} (wet van 2 augustus 2002, art. 6)",
        "fr": "1 facture non payée à l'échéance × {each} (loi du 2 août 2002, art. 6)",
    },
    "nl-flat": {
        "en": "{count} late invoice(s) x {each} (BW 6:96 lid 4)",
        "nl": "{count} niet tijdig betaalde facturen × {each} (art. 6:96 lid 4 BW)",
        "fr": "{count} factures non payées à l'échéance × {each} (art. 6:96 al. 4 BW)",
    },
    "nl-flat#one": {
        "nl": "1 niet tijdig betaalde factuur × {each} (art. 6:96 lid 4 BW)",
        "fr": "1 facture non payée à l'échéance × {each} (art. 6:96 al. 4 BW)",
    },
    "less-flat": {
        "en": ", less the flat compensation {amount} already claimed",
        "nl": ", min de forfaitaire vergoeding van {amount} die al gevorderd wordt",
        "fr": ", moins l'indemnité forfaitaire de {amount} déjà réclamée",
    },
    "less-minimum": {
        "en": ", less the minimum compensation {amount} already claimed",
        "nl": ", min de minimumvergoeding van {amount} die al gevorderd wordt",
        "fr": ", moins l'indemnité minimale de {amount} déjà réclamée",
    },
    "xix-maximum": {
        "en": "maximum by CEL art. XIX.4 on the balance {balance}: ",
        "nl": "maximum volgens art. XIX.4 WER op het saldo van {balance}: ",
        "fr": "maximum selon l'art. XIX.4 CDE sur le solde de {balance} : ",
    },
    "clause-prefix": {
        "en": "damages clause ",
        "nl": "schadebeding: ",
        "fr": "clause pénale : ",
    },
    "below-xix": {
        "en": " (below the Book XIX maximum {maximum})",
        "nl": " (onder het maximum van boek XIX WER, {maximum})",
        "fr": " (sous le maximum du livre XIX CDE, {maximum})",
    },
    "fee-as-asked": {
        "en": "as the policy asks",
        "nl": "volgens onze voorwaarden",
        "fr": "selon nos conditions",
    },
    "fee": {"en": "{amount}", "nl": "{amount}", "fr": "{amount}"},
    "fee-capped": {
        "en": " (policy asks {asked}; CEL Book XIX allows at most {cap})",
        "nl": " (gevraagd: {asked}; boek XIX WER staat hoogstens {cap} toe)",
        "fr": " (demandé : {asked} ; le livre XIX CDE autorise au plus {cap})",
    },
    "postage": {
        "en": " + postage {amount}",
        "nl": " + portkosten {amount}",
        "fr": " + frais de port {amount}",
    },
    "after-14-dagenbrief": {
        "en": " (after the 14-dagenbrief, BW 6:96 lid 6)",
        "nl": " (na de veertiendagenbrief, art. 6:96 lid 6 BW)",
        "fr": " (après le rappel de 14 jours, art. 6:96 al. 6 BW)",
    },
    # -- warnings ------------------------------------------------------------------------
    "rate-before-first": {
        "en": "{table}: no rate known before {first}; used {rate} % (the first known) from {start}",
        "nl": "{table}: geen rentevoet bekend vóór {first}; de eerst bekende ({rate}"
              + _NBSP + "%) is gebruikt vanaf {start}",
        "fr": "{table} : aucun taux connu avant le {first} ; le premier taux connu ({rate}"
              + _NBSP + "%) est appliqué à partir du {start}",
    },
    "rate-after-last": {
        "en": "{table}: rate after {known} not known yet; used {rate} % (the last known, from "
              "{since}) up to {end}. Add the new rate to the book's {folder}/{table}.yaml.",
        "nl": "{table}: de rentevoet na {known} is nog niet bekend; de laatst bekende ({rate}"
              + _NBSP + "%, sinds {since}) is gebruikt tot {end}",
        "fr": "{table} : le taux après le {known} n'est pas encore connu ; le dernier taux "
              "connu ({rate}" + _NBSP + "%, depuis le {since}) est appliqué jusqu'au {end}",
    },
    "contract-rate-capped": {
        "en": "contract rate {rate} % is above the B2B rate that caps consumer interest "
              "(Book XIX): the lower rate is used",
        "nl": "de contractuele rentevoet van {rate}" + _NBSP + "% ligt boven de rentevoet "
              "voor handelstransacties, die de interest voor consumenten begrenst (boek XIX "
              "WER): de laagste rentevoet is toegepast",
        "fr": "le taux contractuel de {rate}" + _NBSP + "% dépasse le taux des transactions "
              "commerciales, qui plafonne les intérêts des consommateurs (livre XIX CDE) : "
              "le taux le plus bas est appliqué",
    },
    "fee-not-charged": {
        "en": "reminder fee of {stage} on {day} not charged: a consumer's first reminder and "
              "reminders within its waiting period are free (CEL Book XIX)",
        "nl": "geen aanmaningskosten voor {stage} van {day}: de eerste herinnering aan een "
              "consument en herinneringen binnen de wachttermijn zijn kosteloos (boek XIX WER)",
        "fr": "pas de frais de rappel pour {stage} du {day} : le premier rappel adressé à un "
              "consommateur et les rappels pendant le délai d'attente sont gratuits "
              "(livre XIX CDE)",
    },
    "fee-not-charged-now": {
        "en": "reminder fee of this reminder on {day} not charged: a consumer's first reminder "
              "and reminders within its waiting period are free (CEL Book XIX)",
        "nl": "geen aanmaningskosten voor deze herinnering van {day}: de eerste herinnering aan "
              "een consument en herinneringen binnen de wachttermijn zijn kosteloos (boek XIX WER)",
        "fr": "pas de frais pour ce rappel du {day} : le premier rappel adressé à un "
              "consommateur et les rappels pendant le délai d'attente sont gratuits "
              "(livre XIX CDE)",
    },
    "nl-no-fees": {
        "en": "reminder fees are not charged in the Netherlands: the WIK collection costs "
              "cover all extrajudicial collection work",
        "nl": "in Nederland worden geen aanmaningskosten gerekend: de buitengerechtelijke "
              "incassokosten dekken alle incassowerkzaamheden",
        "fr": "aux Pays-Bas, aucun frais de rappel n'est facturé : les frais de recouvrement "
              "extrajudiciaires couvrent l'ensemble du recouvrement amiable",
    },
    "not-14-dagenbrief": {
        "en": "reminder of {sent} gave a deadline ({deadline}) shorter than 14 days after "
              "receipt: it is not a valid 14-dagenbrief (BW 6:96 lid 6)",
        "nl": "de herinnering van {sent} gaf een termijn ({deadline}) korter dan 14 dagen na "
              "ontvangst: dat is geen geldige veertiendagenbrief (art. 6:96 lid 6 BW)",
        "fr": "le rappel du {sent} laissait un délai ({deadline}) de moins de 14 jours après "
              "réception : ce n'est pas un rappel de 14 jours valable (art. 6:96 al. 6 BW)",
    },
}
