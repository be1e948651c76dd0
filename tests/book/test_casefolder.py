"""`casebook.book.casefolder`: one case folder -> one case, and what is wrong inside it."""

from __future__ import annotations

from casebook.book.check import check

UNSAFE = ("cases/Janssens BV:1: case folder name 'Janssens BV' is not a safe slug (a-z, 0-9 "
          "and dashes, e.g. `bakkerij-janssens`)")


def test_a_folder_with_an_unsafe_name_is_reported_with_the_problems_of_its_files(make_book):
    root = make_book({
        "cases/Janssens BV/debtor.yaml": "name: Janssens BV\nemial: x@y.be\n",
        "cases/Janssens BV/invoices/a.yaml": "number: A-1\nissued: 2026-09-01\ndue: 2026-10-01\n"
                                             "amount: -5\n",
        "cases/Janssens BV/notes/n.md": "---\ndate: 2026-11-20\npromise:\n\tdate: 2026-12-01\n"
                                        "---\n\nSure.\n",
    })
    book, problems = check(root, cache=False)
    assert [str(p) for p in problems] == [
        UNSAFE,
        "cases/Janssens BV/debtor.yaml:2: unknown key `emial` in debtor.yaml (did you mean "
        "`email`?)",
        "cases/Janssens BV/invoices/a.yaml:4: `amount`: -5 must be more than 0",
        "cases/Janssens BV/notes/n.md:4: tab character at column 1: indent with spaces",
    ]
    # Read for checking only: the folder's name is no safe case id, so it is not a case.
    assert set(book.cases) == {"janssens"}


def test_an_unsafe_folder_with_good_files_is_still_only_the_name_problem(make_book):
    root = make_book({"cases/Janssens BV/debtor.yaml": "name: Janssens BV\n"})
    book, problems = check(root)
    assert [str(p) for p in problems] == [UNSAFE]
    assert "Janssens BV" not in book.cases
    book, problems = check(root)  # and again, from the load cache
    assert [str(p) for p in problems] == [UNSAFE]


def test_a_folder_name_with_a_line_break_keeps_each_problem_on_one_line(make_book, tmp_path):
    root = make_book()
    folder = root / "cases" / "x\ny"
    (folder / "invoices").mkdir(parents=True)
    (folder / "debtor.yaml").write_text("name: X\n", encoding="utf-8")
    (folder / "invoices" / "a.yaml").write_text("number: A-1\n", encoding="utf-8")
    _, problems = check(root, cache=False)
    lines = [str(p) for p in problems]
    assert all("\n" not in line for line in lines)
    assert lines == [
        "cases/x\\ny:1: case folder name 'x\\ny' is not a safe slug (a-z, 0-9 and dashes, e.g. "
        "`bakkerij-janssens`)",
        "cases/x\\ny/invoices/a.yaml:1: missing required key `amount`",
        "cases/x\\ny/invoices/a.yaml:1: missing required key `due`",
        "cases/x\\ny/invoices/a.yaml:1: missing required key `issued`",
    ]
