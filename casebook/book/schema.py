"""The keys of every file type: one table that validates, hints and publishes JSON Schemas.

Each file type is a `Spec`; `fields.Reader` reads a parsed YAML mapping against it into
checked values and problems with their lines. `json_schema(spec)` publishes the same spec
for editors. A rule about a single value lives in `casebook.book.fields`; rules across
records live in `casebook.book.check`.
"""

from __future__ import annotations

from typing import Any

# EARLIEST and LATEST are not used here: other layers know the book's date range by the
# schema's name, as they know SLUG_RE.
from casebook.book.fields import EARLIEST, LATEST, SLUG_RE, Key, Spec  # noqa: F401

# -- the file types ----------------------------------------------------------------------

ADDRESS = Spec(
    "an address",
    (
        Key("street", "text", doc="Street and number."),
        Key("postcode", "str"),
        Key("city", "text"),
        Key("country", "str", doc="ISO country code (BE, NL, ...) or name."),
    ),
)

CREDITOR = Spec(
    "the creditor",
    (
        Key("name", "text", required=True, doc="Your business name, as on your invoices."),
        Key("address", "object", spec=ADDRESS),
        Key("vat", "vat", doc="Your VAT / enterprise number (BE0123456749)."),
        Key("iban", "iban", doc="The account debtors pay into."),
        Key("bic", "str"),
        Key("email", "str"),
        Key("phone", "str"),
    ),
)

CONTRACT = Spec(
    "the contract terms",
    (
        Key("interest_rate", "percent"),
        Key("damages_percent", "percent"),
        Key("damages_minimum", "amount0"),
    ),
)

SETTINGS = Spec(
    "casebook.yaml",
    (
        Key("creditor", "object", required=True, spec=CREDITOR),
        Key("jurisdiction", "enum", choices=("BE", "NL"), doc="Which late-payment law applies."),
        Key("currency", "enum", choices=("EUR",)),
        Key("language", "enum", choices=("nl", "fr", "en"), doc="Default language of letters."),
        Key("default_policy", "slug", doc="Policy of debtors without segment or policy."),
        Key("timezone", "str", doc="Where 'today' is taken (default Europe/Brussels)."),
        Key(
            "operator",
            "object",
            spec=Spec("the operator", (Key("name", "text"), Key("email", "str"))),
            doc="Who casebook commits as.",
        ),
        Key(
            "mail",
            "object",
            spec=Spec(
                "the mail settings",
                (
                    Key("send", "bool", doc="Send emails over SMTP (default false)."),
                    Key("host", "str"),
                    Key("port", "int"),
                    Key("starttls", "bool"),
                    Key("sender", "str"),
                    Key("bcc", "str"),
                ),
            ),
            doc="SMTP settings; credentials come from the environment only.",
        ),
        Key("contract", "object", spec=CONTRACT,
            doc="Clauses of your general terms (business debtors only)."),
        Key("postage", "amount0", doc="Postage of a paper reminder."),
        Key("site", "object", spec=Spec("the site settings", (Key("title", "text"),))),
        Key("letters", "object", spec=Spec("the letter settings", (
            Key("pdf", "enum", choices=("none", "paper", "all"),
                doc="Which letters also get a PDF/A: none (default), paper (letter and "
                    "registered), all (emails too, attached)."),
            Key("window", "enum", choices=("left", "right"),
                doc="The window side of your envelopes (DIN 5008 form B; default left)."),
        ))),
        Key("insight", "object", spec=Spec("the insight settings", (
            Key("chronic_late_days", "int"),
            Key("chronic_late_share", "percent"),
            Key("reliable_share", "percent"),
            Key("hardship_broken", "int"),
            Key("min_invoices", "int"),
        ))),
        Key("rates", "object", spec=Spec("the rate overrides", (
            Key("folder", "str", doc="Folder of rate tables overriding the shipped ones."),
        ))),
    ),
)

DEBTOR = Spec(
    "debtor.yaml",
    (
        Key("name", "text", required=True, doc="The debtor's legal or full name."),
        Key("kind", "enum", choices=("business", "consumer")),
        Key("language", "enum", choices=("nl", "fr", "en")),
        Key("segment", "slug", doc="Customer profile; selects the policy of the same name."),
        Key("policy", "slug", doc="Explicit policy, overriding the segment."),
        Key("email", "str"),
        Key("phone", "str"),
        Key("contact", "text", doc="The person to address."),
        Key("address", "object", spec=ADDRESS),
        Key("vat", "vat"),
        Key("iban", "ibans", doc="Known account(s) of the debtor, to match bank payments."),
        Key("owner", "text", doc="Who in our team follows the case."),
        Key("tags", "strings"),
    ),
)

INVOICE = Spec(
    "an invoice file",
    (
        Key("number", "str", required=True, doc="Unique in the book."),
        Key("issued", "date", required=True),
        Key("due", "date", required=True),
        Key("amount", "money", required=True, doc="Total incl. VAT, at most 2 decimals."),
        Key("currency", "enum", choices=("EUR",)),
        Key("description", "text"),
        Key("reference", "reference", doc="+++ddd/dddd/ddddd+++ or RF reference."),
        Key("attachment", "str", doc="Path of the invoice PDF, inside the case folder."),
    ),
)

CREDIT = Spec(
    "a credit note file",
    (
        Key("number", "str", required=True),
        Key("issued", "date", required=True),
        Key("amount", "money", required=True),
        Key("invoice", "str", required=True, doc="The invoice it reduces."),
        Key("currency", "enum", choices=("EUR",)),
        Key("reference", "str"),
        Key("description", "text"),
        Key("attachment", "str"),
    ),
)

PAYMENT = Spec(
    "a payment file",
    (
        Key("date", "date", required=True),
        Key("amount", "money", required=True),
        Key("invoice", "str", doc="Invoice number; absent: oldest open invoice first."),
        Key("reference", "str", doc="Bank reference of the payment."),
        Key("source", "text", doc="Where it came from (bank statement, cash...)."),
    ),
)

PROMISE = Spec("a promise", (Key("date", "date", required=True), Key("amount", "money")))
DISPUTE = Spec("a dispute", (Key("invoice", "str", required=True), Key("reason", "text")))
INSTALLMENT = Spec(
    "an installment", (Key("due", "date", required=True), Key("amount", "money", required=True))
)

NOTE = Spec(
    "the note's front matter",
    (
        Key("date", "datetime", required=True),
        Key("channel", "enum", choices=("phone", "email", "letter", "visit", "other")),
        Key("with", "text", doc="The person spoken to."),
        Key("by", "text", doc="The operator."),
        Key("promise", "object", spec=PROMISE, doc="A promise to pay."),
        Key("dispute", "object", spec=DISPUTE),
        Key("resolved", "str", doc="Invoice number whose dispute ends."),
        Key("plan", "list", spec=INSTALLMENT, doc="A payment plan."),
        Key("signed", "flag_or_text", doc="true, or the path of the signed plan."),
        Key("completes", "slug", doc="Stage id of the phone task this note closes."),
    ),
)

STAGE = Spec(
    "a stage",
    (
        Key("id", "slug", required=True),
        Key("channel", "enum", required=True,
            choices=("email", "letter", "registered", "phone", "sms", "agency")),
        Key("after_due", "int", doc="Days after the oldest open invoice's due date."),
        Key("after_previous", "int", doc="Days after the previous stage."),
        Key("template", "str"),
        Key("deadline_days", "int", doc="Payment deadline granted, in days."),
        Key("charges", "strings", doc="interest, compensation, costs, fee"),
        Key("fee", "amount0"),
        Key("min_balance", "amount0"),
    ),
)

POLICY = Spec(
    "a policy file",
    (
        Key("name", "slug"),
        Key("description", "text"),
        Key(
            "pauses",
            "object",
            spec=Spec(
                "the pauses",
                (
                    Key("dispute", "bool"),
                    Key("promise", "bool"),
                    Key("plan", "bool"),
                    Key("promise_grace_days", "int"),
                    Key("plan_grace_days", "int"),
                ),
            ),
        ),
        Key("thank_you", "str"),
        Key("thank_you_channel", "enum",
            choices=("email", "letter", "registered", "phone", "sms", "agency")),
        Key("stages", "list", required=True, spec=STAGE),
    ),
)

ACTION = Spec(
    "an action record",
    (
        Key("date", "date", required=True),
        Key("kind", "enum", required=True, choices=("stage", "thanks", "plan-breach", "handover")),
        Key("stage", "str"),
        Key("channel", "str"),
        Key("balance", "amount0"),
        Key("total", "amount0"),
        Key("deadline", "date"),
        Key("invoices", "strings"),
        Key("files", "strings"),
        Key("bundle", "str"),
        Key("sha256", "str"),
        Key("plan", "str"),
        Key("note", "text"),
    ),
)

CASE_CREDITOR = Spec(
    "creditor.yaml",
    (
        Key("creditor", "object", required=True, spec=CREDITOR,
            doc="Whose claim the case is, when the book holds the cases of many creditors."),
        Key("jurisdiction", "enum", required=True, choices=("BE", "NL"),
            doc="Which late-payment law applies to this creditor's claims."),
        Key("currency", "enum", choices=("EUR",)),
        Key("language", "enum", choices=("nl", "fr", "en"), doc="The creditor's language."),
        Key("contract", "object", spec=CONTRACT, doc="The creditor's general terms."),
        Key("received", "date",
            doc="When the agency first received the case (`casebook receive` writes it): "
                "what was done before is the creditor's history, not the agency's work."),
    ),
)

FILE_TYPES: dict[str, Spec] = {
    "settings": SETTINGS,
    "debtor": DEBTOR,
    "invoice": INVOICE,
    "credit": CREDIT,
    "payment": PAYMENT,
    "note": NOTE,
    "policy": POLICY,
    "action": ACTION,
    "creditor": CASE_CREDITOR,
}

# -- JSON Schema -------------------------------------------------------------------------

_JSON_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": ["string", "number"]},
    "text": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string"},
    "money": {"type": ["string", "number"], "pattern": r"^\d+(\.\d{1,2})?$"},
    "amount0": {"type": ["string", "number"], "pattern": r"^\d+(\.\d{1,2})?$"},
    "percent": {"type": ["string", "number"]},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "flag_or_text": {"type": ["boolean", "string"]},
    "strings": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "iban": {"type": "string"},
    "ibans": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "vat": {"type": "string"},
    "reference": {
        "type": "string",
        "pattern": r"^(\+\+\+\d{3}/\d{4}/\d{5}\+\+\+|\*\*\*\d{3}/\d{4}/\d{5}\*\*\*|\d{12}|RF\d{2}[0-9A-Za-z]{1,21})$",
    },
    "slug": {"type": "string", "pattern": SLUG_RE.pattern},
}


def json_schema(spec: Spec, *, top: bool = True) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a file type, for editors' completion."""
    properties: dict[str, Any] = {}
    for key in spec.keys:
        if key.type == "object":
            assert key.spec is not None
            schema = json_schema(key.spec, top=False)
        elif key.type == "list":
            assert key.spec is not None
            schema = {"type": "array", "items": json_schema(key.spec, top=False)}
        elif key.type == "enum":
            schema = {"enum": list(key.choices)}
        else:
            schema = dict(_JSON_TYPES[key.type])
        if key.doc:
            schema["description"] = key.doc
        properties[key.name] = schema
    out: dict[str, Any] = {}
    if top:
        out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out["title"] = spec.title
    out.update(
        type="object",
        properties=properties,
        additionalProperties=False,
    )
    required = [k.name for k in spec.keys if k.required]
    if required:
        out["required"] = required
    return out
