"""Hostile policies and settings through `casebook check`, then through the commands that
read them.

Hypothesis writes `policies/standard.yaml` and `casebook.yaml` (shapes close to real ones,
with wrong types, extreme numbers, unknown channels and charges, hostile timezones and
folders, duplicate and missing keys) into a real book. Every example must give either a
clean check or `path:line: message` problems, never an exception, within a time bound; and
when check finds nothing wrong in them, `advance --dry-run`, `status` and `claim` must run
without a traceback (a policy that passes check is one the engine can follow).

The loader's own fuzz (single files, random bytes) is tests/book/test_load_fuzz.py; this one is
about the book-wide files and what follows from them. Bounded and seeded for CI;
`CASEBOOK_FUZZ_EXAMPLES=N` runs longer.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from casebook.book.check import check
from casebook.cli import main
from casebook.book.errors import Problem

from ..conftest import DEBTOR, INVOICE, SETTINGS, git, write_files

EXAMPLES = int(os.environ.get("CASEBOOK_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

CHANNELS = ["email", "letter", "registered", "phone", "sms", "agency"]
TEMPLATES = ["pre-due", "reminder", "call", "second-reminder", "formal-notice", "handover",
             "thanks", "plan-breach"]
CHARGES = ["interest", "compensation", "costs", "fee"]

junk = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.text(max_size=20), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["1e400", ".nan", "-.inf", "2026-02-30", "../../etc/passwd", "/etc", "~",
                     "\u202e", "0x10", "1_000", "yes", "NO", "12,50", "€ 5"]),
)
days = st.one_of(st.integers(min_value=-60, max_value=120),
                 st.integers(min_value=-400, max_value=400),
                 st.sampled_from([0, -1, 1, 7, 99_999, -99_999, 100_000]))
money = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0,
                    max_value=10**6).map(lambda d: f"{d:.2f}")
text = st.text(max_size=30)

stage = st.tuples(
    st.fixed_dictionaries({
        "id": st.sampled_from(["reminder", "call", "second-reminder", "notice", "agency", "x"]),
        "channel": st.sampled_from(CHANNELS),
        "template": st.sampled_from(TEMPLATES),
    }, optional={
        "deadline_days": st.integers(min_value=0, max_value=100_000),
        "charges": st.lists(st.sampled_from(CHARGES), max_size=4, unique=True),
        "fee": money,
        "min_balance": money,
    }),
    st.one_of(st.fixed_dictionaries({"after_due": days}),
              st.fixed_dictionaries({"after_previous": st.integers(min_value=0, max_value=400)})),
).map(lambda pair: {**pair[0], **pair[1]})

valid_policy = st.fixed_dictionaries({
    "stages": st.lists(stage, min_size=1, max_size=6, unique_by=lambda s: s["id"]),
}, optional={
    "description": text,
    "pauses": st.fixed_dictionaries({}, optional={
        "dispute": st.booleans(), "promise": st.booleans(), "plan": st.booleans(),
        "promise_grace_days": st.integers(min_value=0, max_value=100_000),
        "plan_grace_days": st.integers(min_value=0, max_value=100_000)}),
    "thank_you": st.sampled_from(["thanks", ""]),
    "thank_you_channel": st.sampled_from(CHANNELS),
    "name": st.just("standard"),
})

valid_settings = st.fixed_dictionaries({
    "creditor": st.fixed_dictionaries({"name": st.text(min_size=1, max_size=30)}, optional={
        "address": st.fixed_dictionaries({}, optional={
            "street": text, "postcode": st.sampled_from(["9000", "1000 AB"]), "city": text,
            "country": st.sampled_from(["BE", "NL"])}),
        "vat": st.sampled_from(["BE0403170701", "NL123456789B01"]),
        "iban": st.sampled_from(["BE68539007547034", "NL91ABNA0417164300"]),
        "bic": st.sampled_from(["GKCCBEBB"]),
        "email": st.sampled_from(["a@b.be"]),
    }),
}, optional={
    "jurisdiction": st.sampled_from(["BE", "NL"]),
    "currency": st.just("EUR"),
    "language": st.sampled_from(["nl", "fr", "en"]),
    "default_policy": st.just("standard"),
    "timezone": st.sampled_from(["Europe/Brussels", "UTC", "Pacific/Kiritimati", "Etc/GMT+12",
                                 "Mars/Olympus", "../../etc/passwd", ""]),
    "operator": st.fixed_dictionaries({}, optional={"name": text, "email": text}),
    "mail": st.fixed_dictionaries({}, optional={
        "send": st.just(False), "host": st.sampled_from(["127.0.0.1", ""]),
        "port": st.integers(min_value=-100_000, max_value=100_000), "starttls": st.booleans(),
        "sender": st.sampled_from(["x@y.be", "<>", ""])}),
    "contract": st.fixed_dictionaries({}, optional={
        "interest_rate": st.decimals(min_value=0, max_value=100, places=2).map(str),
        "damages_percent": st.decimals(min_value=0, max_value=100, places=2).map(str),
        "damages_minimum": money}),
    "postage": money,
    "site": st.fixed_dictionaries({}, optional={"title": text}),
    "insight": st.fixed_dictionaries({}, optional={
        "min_invoices": st.integers(min_value=-100_000, max_value=100_000),
        "chronic_late_days": st.integers(min_value=-100_000, max_value=100_000),
        "chronic_late_share": st.decimals(min_value=0, max_value=100, places=1).map(str)}),
    "rates": st.fixed_dictionaries({}, optional={
        "folder": st.sampled_from(["rates", "../..", "/etc", "cases", ""])}),
})


def _places(doc: object, at: tuple = ()):
    """Every (path) inside a document: keys of mappings and items of lists."""
    yield at
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _places(value, at + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _places(value, at + (i,))


@st.composite
def mutated(draw, valid):
    """A valid document, then none, one or a few damages: a value replaced by junk, a key
    removed, an unknown key added."""
    doc = draw(valid)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        places = [p for p in _places(doc) if p]
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent = doc
        for step in place[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["junk", "junk", "drop", "extra"]))
        if action == "junk":
            parent[place[-1]] = draw(junk)
        elif action == "drop" and isinstance(parent, dict):
            del parent[place[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["ammount", "stage", "x", "<<"]))] = draw(junk)
    return doc


policy = mutated(valid_policy)
settings_doc = mutated(valid_settings)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "book"
    write_files(root, {
        "casebook.yaml": SETTINGS,
        "policies/standard.yaml": "stages: []\n",
        "cases/janssens/debtor.yaml": DEBTOR,
        "cases/janssens/invoices/2026-0001.yaml": INVOICE,
        "cases/janssens/notes/2026-10-20-promise.md":
            "---\ndate: 2026-10-20\npromise: {date: 2026-10-25, amount: '100.00'}\n---\n\nOk.\n",
        "cases/janssens/payments/2026-10-30-1.yaml": "date: 2026-10-30\namount: '10.00'\n",
        "cases/consument/debtor.yaml": "name: Tom Claes\nkind: consumer\nemail: t@c.be\n",
        "cases/consument/invoices/1.yaml": INVOICE.replace("2026-0001", "2026-0009"),
    })
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    return root


def assert_reported(root: Path) -> list[Problem]:
    started = time.perf_counter()
    try:
        _, problems = check(root)
    finally:
        assert time.perf_counter() - started < 10, "check must never hang"
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.line >= 1 and problem.message
        assert "Traceback" not in problem.message
        assert not Path(problem.path).is_absolute(), problem
    return problems


def assert_commands_run(root: Path) -> None:
    runner = CliRunner()
    for args in (["advance", "--dry-run", "--today", "2026-11-24"],
                 ["advance", "--dry-run", "--today", "2027-06-30"],
                 ["status", "--today", "2026-11-24", "--json"],
                 ["claim", "janssens", "--today", "2026-11-24", "--json"],
                 ["schedule", "consument", "--today", "2026-11-01"]):
        result = runner.invoke(main, [*args, "--book", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args, repr(result.exception))
        assert result.exit_code in (0, 1), (args, result.output)


def write(root: Path, rel: str, doc: object) -> None:
    (root / rel).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


@seed(20261124)
@FUZZ
@given(doc=policy)
def test_any_policy_is_checked_and_a_valid_one_can_be_followed(book, doc):
    write(book, "casebook.yaml", yaml.safe_load(SETTINGS))
    write(book, "policies/standard.yaml", doc)
    problems = assert_reported(book)
    for problem in problems:
        assert problem.path in ("policies/standard.yaml", "casebook.yaml") or \
            problem.path.startswith("cases/"), problem
    if not [p for p in problems if p.path == "policies/standard.yaml"]:
        assert_commands_run(book)


@seed(20261124)
@FUZZ
@given(doc=settings_doc)
def test_any_settings_are_checked_and_valid_ones_can_be_used(book, doc):
    write(book, "policies/standard.yaml", yaml.safe_load(
        "stages:\n  - {id: reminder, after_due: 7, channel: email, template: reminder}\n"
        "  - {id: notice, after_previous: 14, channel: registered, template: formal-notice,"
        " charges: [interest, compensation, costs]}\n"))
    write(book, "casebook.yaml", doc)
    problems = assert_reported(book)
    if not [p for p in problems if not p.path.startswith("cases/")]:
        assert_commands_run(book)


@seed(20261124)
@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\n abc019.+/\t")),
                    max_size=200),
       which=st.sampled_from(["casebook.yaml", "policies/standard.yaml"]))
def test_yaml_punctuation_soup_in_book_wide_files(book, text, which):
    write(book, "casebook.yaml", yaml.safe_load(SETTINGS))
    write(book, "policies/standard.yaml", {"stages": []})
    (book / which).write_text(text)
    assert_reported(book)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "Europe/Brussels\x00"])
def test_an_unknown_timezone_is_reported_where_it_is_written(book, zone):
    doc = yaml.safe_load(SETTINGS)
    doc["timezone"] = zone
    write(book, "policies/standard.yaml", {"stages": [
        {"id": "reminder", "after_due": 7, "channel": "email", "template": "reminder"}]})
    write(book, "casebook.yaml", doc)
    problems = [str(p) for p in assert_reported(book)]
    line = (book / "casebook.yaml").read_text().splitlines().index(
        next(l for l in (book / "casebook.yaml").read_text().splitlines()
             if l.startswith("timezone:"))) + 1
    assert f"casebook.yaml:{line}: `timezone`: {zone!r} is not a known time zone " \
           "(like Europe/Brussels or Europe/Amsterdam)" in problems
