"""The messages of docs/bad-input.md, file by file: each bad input gives exactly the
documented `path:line: message` through `casebook check` (exit 1), and the rest of the book
still loads."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from casebook.cli import main

PAYMENT = "cases/janssens/payments/p.yaml"
DEBTOR = "cases/janssens/debtor.yaml"
NOTE = "cases/janssens/notes/n.md"

CASES = [
    (PAYMENT, b"date: 2026-01-01\namount: '12,50'\n",
     "2: `amount`: '12,50': write amounts with a decimal point, e.g. 1210.50"),
    (PAYMENT, b"date: 2026-01-01\namount: 1.005\n", "2: `amount`: 1.005 has more than 2 decimals"),
    (PAYMENT, b"date: 2026-01-01\namount: 1000000000000\n",
     "2: `amount`: 1000000000000 is not a realistic amount"),
    (PAYMENT, b"date: 2026-01-01\namount: .nan\n", "2: `amount`: '.nan' is not an amount"),
    (PAYMENT, b"date: 2026-02-30\namount: 5\n", "1: `date`: 2026-02-30 is not a real date"),
    (PAYMENT, b"date: 2300-01-01\namount: 5\n",
     "1: `date`: 2300-01-01 is not a realistic date (between 1900 and 2199)"),
    (DEBTOR, b"name: \xff\xfe\n",
     "1: the file is not UTF-8 text (save it as UTF-8 in your editor)"),
    (DEBTOR, b"name: a\x00b\n", "1: the file holds a NUL byte"),
    (DEBTOR, b"  \n", "1: the file is empty"),
    (DEBTOR, b"name: x\naddress:\n\tstreet: y\n",
     "3: tab character at column 1: indent with spaces"),
    (DEBTOR, b"name: a\nname: b\n",
     "2: YAML syntax error: key 'name' appears twice (first on line 1)"),
    (DEBTOR, b"name: !!python/object/apply:os.system ['id']\n",
     "1: YAML syntax error: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is "
     "not allowed here"),
    (DEBTOR, b"name: [a, b]\n", "1: `name`: expected text, found a list"),
    (DEBTOR, b"- a\n- b\n", "1: debtor.yaml must be a mapping of `key: value` lines, not a list"),
    (NOTE, b"no front matter\n",
     "1: a note starts with front matter: a line `---`, YAML keys, a line `---`"),
    (NOTE, b"---\ndate: 2026-01-01\n", "1: the front matter is not closed by a line `---`"),
]


@pytest.mark.parametrize(("rel", "raw", "message"), CASES,
                         ids=[f"{i}-{c[0].split('/')[-1]}" for i, c in enumerate(CASES)])
def test_each_documented_bad_input_gives_its_message(make_book, rel, raw, message):
    root = make_book({"cases/other/debtor.yaml": "name: Other BV\n"}, commit=False)
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(raw)
    result = CliRunner().invoke(main, ["check", "--book", str(root)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{rel}:{message}" in result.output.splitlines(), result.output
    status = CliRunner().invoke(main, ["status", "--json", "--today", "2026-11-24",
                                       "--book", str(root)])
    assert status.exception is None or isinstance(status.exception, SystemExit)
    assert '"other"' in status.output  # the rest of the book is still there
