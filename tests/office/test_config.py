"""office.yaml: the books of an office, every mistake said as `office.yaml:line: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.book.errors import BookError
from casebook.office import find_office, load_office


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "office.yaml").write_text(text)
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(BookError) as caught:
        load_office(folder)
    return [str(p) for p in caught.value.problems]


def test_books_by_path_and_by_url(tmp_path: Path) -> None:
    office = load_office(write(tmp_path / "office", """\
        language: nl
        books:
          - {name: acme, path: ../acme}
          - name: beta
            url: https://git.example.com/beta.git
        """.replace("        ", "")))
    assert office.language == "nl"
    acme, beta = office.books
    assert (acme.name, acme.root, acme.url, acme.line) == ("acme", tmp_path / "acme", "", 3)
    assert (beta.root, beta.url, beta.line) == (tmp_path / "office" / "books" / "beta",
                                                "https://git.example.com/beta.git", 4)


def test_every_mistake_with_its_line(tmp_path: Path) -> None:
    found = problems(write(tmp_path, """\
books:
  - {name: acme, path: ../acme}
  - {name: acme, path: ../other}
  - {name: Bad Name, path: x}
  - {name: both, path: x, url: y}
  - {name: neither}
  - {name: odd, path: x, branch: main}
  - just-a-name
  - {name: dash, url: --upload-pack=evil}
colour: blue
"""))
    assert found == [
        "office.yaml:3: book name 'acme' is used twice (also on line 2)",
        "office.yaml:4: book name 'Bad Name': a safe slug is needed (a-z, 0-9 and dashes, e.g. acme-bv)",
        "office.yaml:5: a book has either `path:` (a folder on this machine) or `url:` (a git remote to clone), not both",
        "office.yaml:6: a book has either `path:` (a folder on this machine) or `url:` (a git remote to clone), not neither",
        "office.yaml:7: unknown key 'branch' in a book (name, path or url)",
        "office.yaml:8: a book is a mapping: `{name: NAME, path: FOLDER}` or `{name: NAME, url: GIT-URL}`",
        "office.yaml:9: a git URL cannot start with a dash",
        "office.yaml:10: unknown key 'colour' (office.yaml knows books, language)",
    ]


@pytest.mark.parametrize("text, expected", [
    ("books: []\n", "office.yaml:1: `books:` is a list of books"),
    ("- acme\n", "office.yaml:1: office.yaml holds a mapping"),
    ("books: [{name: a, path: x}]\nlanguage: de\n", "office.yaml:2: language 'de': one of nl, fr, en"),
    ("books:\n  - {name: a, path: [x]\n", "office.yaml:3: YAML syntax error"),
    ("", "office.yaml:1: the file is empty"),
])
def test_a_file_that_is_not_an_office(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(write(tmp_path, text))
    assert found and found[0].startswith(expected), found


def test_no_office_file(tmp_path: Path) -> None:
    with pytest.raises(BookError, match="no office at .*cannot read office.yaml"):
        load_office(tmp_path)


def test_the_office_is_found_from_a_folder_inside_it(tmp_path: Path) -> None:
    office = write(tmp_path / "office", "books: [{name: a, path: a}]\n")
    (office / "books" / "a" / "cases").mkdir(parents=True)
    assert find_office(office / "books" / "a" / "cases") == office
    assert find_office(tmp_path) is None
