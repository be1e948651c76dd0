"""`office.yaml`: the books of a bookkeeper's office, read with the line of every value.

```
language: nl                       # the overview page's words (nl, fr, en; default en)
books:
  - {name: acme, path: ../acme}    # a book on this machine, relative to office.yaml
  - {name: beta, url: https://git.example.com/beta.git}   # cloned into books/beta/
```

Every mistake is a `Problem` (`office.yaml:4: ...`), all of them reported at once in one
`BookError`, as `casebook check` reports a book's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from casebook.book.errors import BookError, Problem
from casebook.book.yamlfile import Mapping, Sequence, read_yaml

OFFICE_FILE = "office.yaml"
#: Where a book named by `url:` is cloned, inside the office folder.
CLONES = "books"
LANGUAGES = ("nl", "fr", "en")
NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_KEYS = {"name", "path", "url"}


@dataclass(frozen=True, slots=True)
class BookEntry:
    """One book of the office: where it lives, and where it comes from when it is cloned."""

    name: str
    root: Path
    """The book's folder (for a `url:` book, its clone in `books/<name>/`)."""
    url: str = ""
    line: int = 1
    """The line of office.yaml that names it."""


@dataclass(frozen=True, slots=True)
class Office:
    root: Path
    """The folder holding office.yaml."""
    books: tuple[BookEntry, ...]
    language: str = "en"

    def book(self, name: str) -> BookEntry:
        for entry in self.books:
            if entry.name == name:
                return entry
        raise KeyError(name)


def find_office(start: Path) -> Path | None:
    """The first folder from `start` upwards that holds office.yaml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / OFFICE_FILE).is_file():
            return folder
    return None


def load_office(root: Path) -> Office:
    """Read `root/office.yaml`; a `BookError` listing every problem when it is not right."""
    root = Path(root).resolve()
    path = root / OFFICE_FILE
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BookError(f"no office at {root}: cannot read {OFFICE_FILE} "
                        f"({error.strerror or error})") from None
    data, problems = read_yaml(raw, OFFICE_FILE)
    if problems:
        raise BookError(f"{OFFICE_FILE} cannot be read", problems)
    office, problems = _office(root, data)
    if problems:
        raise BookError(f"{OFFICE_FILE} has {len(problems)} problem(s)", sorted(problems))
    assert office is not None
    return office


def _office(root: Path, data: object) -> tuple[Office | None, list[Problem]]:
    problems: list[Problem] = []

    def say(line: int, message: str) -> None:
        problems.append(Problem(OFFICE_FILE, line, message))

    if not isinstance(data, Mapping):
        say(1, "office.yaml holds a mapping with a `books:` list, e.g. "
               "`books: [{name: acme, path: ../acme}]`")
        return None, problems
    for key in data:
        if key not in ("books", "language"):
            say(data.line_of(key), f"unknown key {key!r} (office.yaml knows books, language)")
    language = data.get("language", "en")
    if language not in LANGUAGES:
        say(data.line_of("language"), f"language {language!r}: one of {', '.join(LANGUAGES)}")
        language = "en"
    books = data.get("books")
    if not isinstance(books, Sequence) or not books:
        say(data.line_of("books") if "books" in data else data.line,
            "`books:` is a list of books, each `{name: NAME, path: FOLDER}` or "
            "`{name: NAME, url: GIT-URL}`")
        return None, problems
    entries: list[BookEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(books):
        line = books.line_of(index)
        entry = _entry(root, item, line, say)
        if entry is None:
            continue
        if entry.name in seen:
            say(line, f"book name {entry.name!r} is used twice (also on line {seen[entry.name]})")
            continue
        seen[entry.name] = line
        entries.append(entry)
    return Office(root, tuple(entries), str(language)), problems


def _entry(root: Path, item: object, line: int, say) -> BookEntry | None:  # type: ignore[no-untyped-def]
    if not isinstance(item, Mapping):
        say(line, "a book is a mapping: `{name: NAME, path: FOLDER}` or `{name: NAME, url: GIT-URL}`")
        return None
    bad = False
    for key in item:
        if key not in _KEYS:
            say(item.line_of(key), f"unknown key {key!r} in a book (name, path or url)")
            bad = True
    name = item.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        say(item.line_of("name") if "name" in item else line,
            f"book name {name!r}: a safe slug is needed (a-z, 0-9 and dashes, e.g. acme-bv)"
            if name is not None else "a book needs a `name:` (a-z, 0-9 and dashes)")
        bad = True
    has_path, has_url = "path" in item, "url" in item
    if has_path == has_url:
        say(line, "a book has either `path:` (a folder on this machine) or `url:` (a git "
                  "remote to clone), not " + ("both" if has_path else "neither"))
        return None
    key = "path" if has_path else "url"
    value = item[key]
    if not isinstance(value, str) or not value.strip():
        say(item.line_of(key), f"`{key}:` is a text: the book's "
                               f"{'folder' if has_path else 'git URL'}")
        return None
    if has_url and value.strip().startswith("-"):
        say(item.line_of(key), "a git URL cannot start with a dash")
        return None
    if bad:
        return None
    if has_path:
        return BookEntry(name, (root / value).resolve(), line=line)
    return BookEntry(name, root / CLONES / name, url=value.strip(), line=line)
