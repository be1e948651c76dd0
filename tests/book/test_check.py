"""`casebook check`: every validation rule, on a deliberately broken book, with exact lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.book.check import check
from casebook.cli import main


def problems_of(root: Path) -> list[str]:
    _, problems = check(root, cache=False)
    return [str(p) for p in problems]


def test_minimal_book_is_clean(make_book):
    assert problems_of(make_book()) == []


@pytest.mark.parametrize(
    "files, expected",
    [
        pytest.param(
            {"cases/janssens/invoices/b.yaml": "number: B-1\nissued: 2026-09-01\ndue: [2026\n"},
            "cases/janssens/invoices/b.yaml:4: YAML syntax error: did not find expected ',' or ']'",
            id="yaml-syntax",
        ),
        pytest.param(
            {"cases/janssens/invoices/b.yaml": "- just\n- a list\n"},
            "cases/janssens/invoices/b.yaml:1: an invoice file must be a mapping of `key: value` "
            "lines, not a list",
            id="not-a-mapping",
        ),
        pytest.param(
            {"cases/janssens/invoices/b.yaml": "number: B-1\nissued: 2026-09-01\ndue: 2026-10-01\n"
                                               "ammount: 10\n"},
            "cases/janssens/invoices/b.yaml:4: unknown key `ammount` in an invoice file "
            "(did you mean `amount`?)",
            id="unknown-key-hint",
        ),
        pytest.param(
            {"cases/janssens/invoices/b.yaml": "number: B-1\nissued: 2026-09-01\ndue: 2026-10-01\n"},
            "cases/janssens/invoices/b.yaml:1: missing required key `amount`",
            id="missing-key",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: -5\n"},
            "cases/janssens/payments/p.yaml:2: `amount`: -5 must be more than 0",
            id="negative-amount",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: 10.001\n"},
            "cases/janssens/payments/p.yaml:2: `amount`: 10.001 has more than 2 decimals",
            id="three-decimals",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: 1.210,50\n"},
            "cases/janssens/payments/p.yaml:2: `amount`: '1.210,50': write amounts with a decimal "
            "point, e.g. 1210.50",
            id="decimal-comma",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": "date: 2026-02-30\namount: 10\n"},
            "cases/janssens/payments/p.yaml:1: `date`: 2026-02-30 is not a real date",
            id="impossible-date",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": "date: 30/10/2026\namount: 10\n"},
            "cases/janssens/payments/p.yaml:1: `date`: '30/10/2026' is not a date as YYYY-MM-DD",
            id="date-format",
        ),
        pytest.param(
            {"cases/janssens/invoices/b.yaml": "number: B-1\nissued: 2026-09-01\ndue: 2026-08-01\n"
                                               "amount: 10\n"},
            "cases/janssens/invoices/b.yaml:3: `due` 2026-08-01 is before `issued` 2026-09-01",
            id="due-before-issued",
        ),
        pytest.param(
            {"cases/peeters/debtor.yaml": "name: Peeters\n",
             "cases/peeters/invoices/x.yaml": "number: 2026-0001\nissued: 2026-09-01\n"
                                              "due: 2026-10-01\namount: 5\n"},
            "cases/peeters/invoices/x.yaml:1: invoice number 2026-0001 is used twice in the book "
            "(also in cases/janssens/invoices/2026-0001.yaml)",
            id="duplicate-invoice-number",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: 10\ninvoice: 2026-0099\n"},
            "cases/janssens/payments/p.yaml:3: the payment names invoice 2026-0099, which is not "
            "in this case",
            id="payment-unknown-invoice",
        ),
        pytest.param(
            {"cases/Janssens BV/debtor.yaml": "name: X\n"},
            "cases/Janssens BV:1: case folder name 'Janssens BV' is not a safe slug (a-z, 0-9 and "
            "dashes, e.g. `bakkerij-janssens`)",
            id="unsafe-slug",
        ),
        pytest.param(
            {"cases/peeters/debtor.yaml": "name: Peeters\nsegment: chronic\n"},
            "cases/peeters/debtor.yaml:2: unknown segment 'chronic': no policy of that name "
            "(policies: standard)",
            id="unknown-segment",
        ),
        pytest.param(
            {"cases/peeters/debtor.yaml": "name: Peeters\npolicy: gentle\n"},
            "cases/peeters/debtor.yaml:2: unknown policy 'gentle' (policies: standard)",
            id="unknown-policy",
        ),
        pytest.param(
            {"cases/peeters/debtor.yaml": "name: Peeters\niban: BE68539007547035\n"},
            "cases/peeters/debtor.yaml:2: `iban`: 'BE68539007547035' is not a valid IBAN "
            "(check digits or length)",
            id="invalid-iban",
        ),
        pytest.param(
            {"cases/peeters/debtor.yaml": "name: Peeters\nvat: BE0403170702\n"},
            "cases/peeters/debtor.yaml:2: `vat`: 'BE0403170702' is not a valid VAT number "
            "(check digits)",
            id="invalid-vat",
        ),
        pytest.param(
            {"cases/janssens/invoices/b.yaml": "number: B-1\nissued: 2026-09-01\ndue: 2026-10-01\n"
                                               "amount: 10\nreference: +++123/4567/89012+++\n"},
            "cases/janssens/invoices/b.yaml:5: `reference`: '+++123/4567/89012+++' is not a valid "
            "structured communication (check digits)",
            id="invalid-ogm",
        ),
        pytest.param(
            {"cases/janssens/notes/n.md": "Called them, no answer.\n"},
            "cases/janssens/notes/n.md:1: a note starts with front matter: a line `---`, YAML "
            "keys, a line `---`",
            id="note-without-front-matter",
        ),
        pytest.param(
            {"cases/janssens/notes/n.md": "---\ndate: 2026-10-05\nwith: [Jan\n---\nBody\n"},
            "cases/janssens/notes/n.md:4: YAML syntax error: did not find expected ',' or ']'",
            id="note-broken-front-matter",
        ),
        pytest.param(
            {"cases/janssens/notes/n.md": "---\ndate: 2026-10-05\nchannel: phone\n"},
            "cases/janssens/notes/n.md:1: the front matter is not closed by a line `---`",
            id="note-unclosed-front-matter",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": b"date: 2026-10-02\namount: 10\nsource: caf\xe9\n"},
            "cases/janssens/payments/p.yaml:3: the file is not UTF-8 text (save it as UTF-8 in "
            "your editor)",
            id="not-utf8",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": ""},
            "cases/janssens/payments/p.yaml:1: the file is empty",
            id="empty-file",
        ),
        pytest.param(
            {"cases/janssens/notes/n.md": "---\ndate: 2026-10-05\ncompletes: visit\n---\n"},
            "cases/janssens/notes/n.md:3: `completes` names stage 'visit', which policy standard "
            "does not have (reminder, call, formal-notice)",
            id="completes-unknown-stage",
        ),
        pytest.param(
            {"cases/peeters/invoices/x.yaml": "number: X-1\nissued: 2026-09-01\ndue: 2026-10-01\n"
                                              "amount: 5\n"},
            "cases/peeters:1: the case folder has no debtor.yaml",
            id="missing-debtor",
        ),
        pytest.param(
            {"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: 10\ndate: 2026-10-03\n"},
            "cases/janssens/payments/p.yaml:3: YAML syntax error: key 'date' appears twice "
            "(first on line 1)",
            id="duplicate-key",
        ),
    ],
)
def test_each_rule_reports_path_line_and_message(make_book, files, expected):
    assert expected in problems_of(make_book(files))


def test_all_problems_at_once_sorted(make_book):
    root = make_book({
        "cases/janssens/payments/a.yaml": "date: 2026-02-30\namount: 0\n",
        "cases/janssens/payments/b.yaml": "",
        "cases/zeta/debtor.yaml": "nam: Zeta\n",
    })
    found = problems_of(root)
    assert found == [
        "cases/janssens/payments/a.yaml:1: `date`: 2026-02-30 is not a real date",
        "cases/janssens/payments/a.yaml:2: `amount`: 0 must be more than 0",
        "cases/janssens/payments/b.yaml:1: the file is empty",
        "cases/zeta/debtor.yaml:1: missing required key `name`",
        "cases/zeta/debtor.yaml:1: unknown key `nam` in debtor.yaml (did you mean `name`?)",
    ]


def test_cli_exit_codes_and_output(make_book):
    root = make_book({"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: -1\n"})
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--book", str(root)])
    assert result.exit_code == 1
    assert "cases/janssens/payments/p.yaml:2: `amount`: -1 must be more than 0" in result.output
    assert "Traceback" not in result.output

    clean = make_book({"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: 1\n"})
    result = runner.invoke(main, ["check", "--book", str(clean)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 1 cases, 1 invoices")


def test_check_without_a_book_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["check", "--book", str(tmp_path)])
    assert result.exit_code == 2
    assert "no book at" in result.output


def test_cache_sees_edits(make_book):
    root = make_book({"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: 1\n"})
    assert check(root)[1] == []
    (root / "cases/janssens/payments/p.yaml").write_text("date: 2026-10-02\namount: -1\n")
    assert [str(p) for p in check(root)[1]] == [
        "cases/janssens/payments/p.yaml:2: `amount`: -1 must be more than 0"
    ]
    (root / "cases/janssens/payments/p.yaml").write_text("date: 2026-10-02\namount: 2\n")
    book, problems = check(root)
    assert problems == []
    assert book.cases["janssens"].payments[0].amount == 2


def test_published_schemas_match_the_spec(tmp_path):
    """The JSON Schemas shipped in the package are the ones the loader enforces."""
    from casebook.book.newbook import schema_files
    from casebook.book.resources import data

    for name, content in schema_files().items():
        assert (data("schemas") / name).read_bytes() == content, f"regenerate {name}: casebook schema --out casebook/data/schemas"


def test_schema_rejects_what_check_rejects():
    import json

    from casebook.book.newbook import schema_files

    invoice = json.loads(schema_files()["invoice.schema.json"])
    assert invoice["required"] == ["number", "issued", "due", "amount"]
    assert invoice["additionalProperties"] is False
    assert "amount" in invoice["properties"]


def test_atomic_write_gives_files_the_usual_mode(tmp_path):
    import os
    import stat

    from casebook.book.fsutil import atomic_write

    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a" / "f.yaml", b"x: 1\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a" / "f.yaml").stat().st_mode) == 0o644
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["f.yaml"]


def test_a_debtor_file_that_is_a_link_or_a_folder_is_named_as_such(make_book):
    root = make_book({"cases/peeters/invoices/x.yaml": "number: X-1\nissued: 2026-09-01\n"
                                                      "due: 2026-10-01\namount: 5\n",
                      "cases/claes/invoices/y.yaml": "number: Y-1\nissued: 2026-09-01\n"
                                                    "due: 2026-10-01\namount: 5\n"})
    (root / "cases/peeters/debtor.yaml").symlink_to(root / "cases/janssens/debtor.yaml")
    (root / "cases/claes/debtor.yaml").mkdir()
    assert problems_of(root) == [
        "cases/claes/debtor.yaml:1: debtor.yaml is not a regular file: put the debtor's "
        "details in the file itself",
        "cases/peeters/debtor.yaml:1: debtor.yaml is a symbolic link: put the debtor's "
        "details in the file itself",
    ]
