"""What casebook.book.dump writes reads back as the very values it was given.

For every kind of record dump writes (invoices, payments, credits, actions and handovers,
debtors, the settings of a new book, statement reviews, mail markers, notes with front
matter), Hypothesis fills the fields with hostile text: quotes, colons, `#`, leading and
trailing spaces, newlines, tabs, unicode, YAML's own words (`yes`, `no`, `null`, `~`),
numbers and dates written as strings. The text must load back, with `yaml.safe_load`,
libyaml's C loader and casebook's own reader (casebook.book.yamlfile), to the same values:
amounts as their two-decimal strings, dates as dates, moments as moments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casebook.book import dump
from casebook.book.yamlfile import read_front_matter, read_yaml

ROUNDTRIP = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow])

#: Words YAML 1.1 reads as something else than text, and text that looks like YAML syntax.
SPECIAL = [
    "yes", "no", "Yes", "NO", "on", "off", "y", "n", "true", "False", "null", "Null", "~", "",
    "0", "007", "1.5", "-1", "+1", "1e3", "1_000", "0x1f", "0o17", "0b101", ".inf", "-.inf",
    ".nan", "12:30", "1:20:30", "2026-03-09", "2026-3-9", "2026-03-09 10:00:00", "2026-02-30",
    "1210.00", "€ 1.210,00", "'quoted'", '"double"', "it's", 'say "hi"', "a: b", "a:b", "key:",
    ": x", "# not a comment", "a # b", "a#b", "#", "-", "- x", "--", "---", "...", "? x", "?",
    "!tag", "!!str", "&anchor", "*alias", "<<", "=", "%", "@home", "`cmd`", "{a: 1}", "[1, 2]",
    "a, b", "|", ">", "|-", " lead", "trail ", "  ", " ", "\t", "tab\there", "line\nbreak",
    "\nlead newline", "trail newline\n", "two\n\n", "\n", "a\n---\nb", "a\n...\nb", "\\",
    "back\\slash", "é", "Œuvre", "İstanbul", "日本語", "😀", "\u00a0nbsp", "zero\u200bwidth",
    "\ufeffbom", "a\x85b", "a\u2028b", "a\u2029b", "\x07bell", "a\x00b", "cr\rhere", "crlf\r\n",
    "A" * 120, ("word " * 30).strip(), "+++010/8068/17183+++", "BE68539007547034",
]

text = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=30),
    st.text(alphabet=" \t\n:#'\"-?&*!|>%@`{}[],\\~yesnoul0123456789.+eE_éΩ😀\u00a0\r\x85",
            max_size=40),
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.floats(allow_nan=False).map(repr),
    st.dates().map(date.isoformat),
    st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=4).map(" ".join),
)
amounts = st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False,
                      allow_infinity=False, places=4)
dates = st.dates()
#: Moments as casebook stamps them: whole seconds, UTC or an offset in whole minutes.
moments = st.datetimes(timezones=st.sampled_from(
    [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]))
maybe_text = st.one_of(st.none(), text)


def expected(value: Any) -> Any:
    """What a reader gets back for `value`, as dump documents its writing."""
    if isinstance(value, Decimal):
        return dump.money(value)
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, (list, tuple)):
        return [expected(v) for v in value]
    if isinstance(value, dict):
        return {k: expected(v) for k, v in value.items()}
    return value


def expected_record(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: expected(v) for k, v in mapping.items()
            if v is not None and v != "" and v != [] and v != ()}


def plain(value: Any) -> Any:
    """casebook's reader gives dict and list subclasses that know their lines."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def loads_back(raw: bytes, want: Any) -> None:
    assert isinstance(raw, bytes)
    written = raw.decode("utf-8")
    assert yaml.safe_load(written) == want, written
    if hasattr(yaml, "CSafeLoader"):
        assert yaml.load(written, Loader=yaml.CSafeLoader) == want, written
    data, problems = read_yaml(raw, "record.yaml")
    assert not problems, (problems, written)
    assert plain(data) == want, written


def check(mapping: dict[str, Any]) -> None:
    loads_back(dump.to_yaml(mapping), expected_record(mapping))


@ROUNDTRIP
@given(number=text, issued=dates, due=dates, amount=amounts, currency=text,
       description=text, reference=text, attachment=text,
       extra=st.dictionaries(st.sampled_from(["segment", "order", "yes", "2026", "a b"]),
                             st.one_of(text, dates, amounts), max_size=3))
def test_invoices(number, issued, due, amount, currency, description, reference, attachment,
                  extra):
    fields = {"number": number, "issued": issued, "due": due, "amount": amount,
              "currency": currency, "description": description, "reference": reference,
              "attachment": attachment}
    raw = dump.invoice_file(**fields, extra=extra)
    loads_back(raw, expected_record({**fields, **extra}))


@ROUNDTRIP
@given(when=dates, amount=amounts, invoice=maybe_text, reference=text, origin=text)
def test_payments(when, amount, invoice, reference, origin):
    raw = dump.payment_file(when=when, amount=amount, invoice=invoice, reference=reference,
                            origin=origin)
    loads_back(raw, expected_record({"date": when, "amount": amount, "invoice": invoice,
                                     "reference": reference, "source": origin}))


@ROUNDTRIP
@given(number=text, issued=dates, amount=amounts, invoice=text, currency=text,
       reference=text, description=text, attachment=text)
def test_credits(number, issued, amount, invoice, currency, reference, description, attachment):
    check({"number": number, "issued": issued, "amount": amount, "invoice": invoice,
           "currency": currency, "reference": reference, "description": description,
           "attachment": attachment})


@ROUNDTRIP
@given(day=dates, kind=text, stage=maybe_text, channel=text, balance=amounts, total=amounts,
       deadline=st.one_of(st.none(), dates), invoices=st.lists(text, max_size=4),
       files=st.lists(text, max_size=4), as_tuple=st.booleans())
@example(day=date(2026, 3, 9), kind="reminder", stage="reminder", channel="email",
         balance=Decimal(1210), total=Decimal("1250.5"), deadline=date(2026, 3, 19),
         invoices=["2026-0001"], files=["2026-03-09-reminder.eml"], as_tuple=True)
def test_actions(day, kind, stage, channel, balance, total, deadline, invoices, files, as_tuple):
    wrap = tuple if as_tuple else list
    check({"date": day, "kind": kind, "stage": stage, "channel": channel, "balance": balance,
           "total": total, "deadline": deadline, "invoices": wrap(invoices), "files": files})


@ROUNDTRIP
@given(day=dates, stage=text, balance=amounts, total=amounts, invoices=st.lists(text, max_size=3),
       bundle=text, sha=st.binary(min_size=32, max_size=32).map(bytes.hex))
def test_handovers(day, stage, balance, total, invoices, bundle, sha):
    check({"date": day, "kind": "handover", "stage": stage, "channel": "agency",
           "balance": balance, "total": total, "invoices": invoices, "bundle": bundle,
           "sha256": sha})


address = st.fixed_dictionaries({}, optional={
    "street": text, "postcode": text, "city": text, "country": text})


@ROUNDTRIP
@given(name=text, kind=text, language=text, email=text, phone=text, contact=text,
       vat=maybe_text, address=st.one_of(st.none(), address), owner=text)
def test_debtors(name, kind, language, email, phone, contact, vat, address, owner):
    check({"name": name, "kind": kind, "language": language, "segment": "standard",
           "email": email, "phone": phone, "contact": contact, "address": address, "vat": vat,
           "owner": owner})


@ROUNDTRIP
@given(name=text, address=address, email=text, jurisdiction=text, currency=text,
       timezone_=text, send=st.booleans())
def test_settings(name, address, email, jurisdiction, currency, timezone_, send):
    check({"creditor": {"name": name, "address": address, "email": email},
           "jurisdiction": jurisdiction, "currency": currency, "language": "nl",
           "default_policy": "standard", "timezone": timezone_, "mail": {"send": send}})


def test_settings_of_a_new_book():
    from casebook.book.newbook import BLANK_SETTINGS

    check(BLANK_SETTINGS)


entry = st.fixed_dictionaries({"amount": amounts, "date": dates}, optional={
    "name": text, "iban": text, "text": text, "info": text, "end_to_end": text,
    "reason": text, "suggestion": text})


@ROUNDTRIP
@given(fmt=text, file=text, statement=text, account=text, entries=st.lists(entry, max_size=3))
def test_statement_reviews(fmt, file, statement, account, entries):
    check({"format": fmt, "file": file, "statement": statement, "account": account,
           "entries": entries})


@ROUNDTRIP
@given(message_id=text, started=moments, to=text, response=text, stamp=st.booleans())
def test_mail_markers(message_id, started, to, response, stamp):
    # send.py stamps moments as ISO text; a datetime is written as a timestamp.
    moment = started.isoformat(timespec="seconds") if stamp else started
    check({"message_id": message_id, "started": moment, "to": to, "response": response})


@ROUNDTRIP
@given(day=dates, channel=text, with_=maybe_text, by=text, completes=maybe_text,
       promise=st.one_of(st.none(), st.fixed_dictionaries({"date": dates, "amount": amounts})),
       dispute=st.one_of(st.none(), st.fixed_dictionaries({"invoice": text, "reason": text})),
       plan=st.lists(st.fixed_dictionaries({"due": dates, "amount": amounts}), max_size=3),
       signed=maybe_text,
       body=st.one_of(st.sampled_from(SPECIAL), st.text(max_size=60)).filter(
           lambda b: "\x00" not in b))  # a NUL makes any file unreadable to casebook, by design
def test_notes(day, channel, with_, by, completes, promise, dispute, plan, signed, body):
    meta = {"date": day, "channel": channel, "with": with_, "by": by, "completes": completes,
            "promise": promise, "dispute": dispute, "plan": plan, "signed": signed}
    raw = dump.front_matter(meta, body)
    written = raw.decode("utf-8")
    assert written.startswith("---\n")
    want = expected_record(meta)
    # The front matter between the `---` lines loads back on its own...
    head, _ = written[4:].split("\n---\n\n", 1)
    assert yaml.safe_load(head) == want, written
    # ... and casebook's reader finds the same end of it, and the body.
    data, text_, problems = read_front_matter(raw, "note.md")
    assert not problems, (problems, written)
    assert plain(data) == want, written
    assert text_ == body.replace("\r\n", "\n").replace("\r", "\n").strip("\n"), written


#: Texts the writer once got wrong: NEL read back as a space or a line break; text ending in
#: line breaks lost them at the end of front matter (and `|+` wrote a `...` line); a line
#: `---` or `...`, the text's own or made by folding a long text, ended the front matter.
TRIPPED = ["\x85", "a\x85b", "a\n\x85", "x\n\x85\ny", "trail\n", "two\n\n", "a\n---\nb",
           "a\n...\nb", "---\n", "x " * 49 + "---", "x " * 49 + "..."]


@pytest.mark.parametrize("last", [True, False], ids=["last-key", "first-key"])
@pytest.mark.parametrize("value", TRIPPED)
def test_texts_that_tripped_the_writer(value, last):
    meta = {"date": date(2026, 3, 9), "reason": value} if last else \
        {"reason": value, "by": "operator"}
    check(meta)
    data, body, problems = read_front_matter(dump.front_matter(meta, "body"), "note.md")
    assert not problems and plain(data) == expected_record(meta) and body == "body"
