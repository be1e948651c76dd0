"""Problems are values: collected across the whole book, reported as `path:line: message`."""

from __future__ import annotations

from typing import Iterable, NamedTuple

from casebook.book.model import Source


class Problem(NamedTuple):
    """One thing a human must fix, and where."""

    path: str
    line: int
    message: str

    @classmethod
    def at(cls, source: Source, message: str) -> "Problem":
        return cls(source.path, source.line, message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def report(problems: Iterable[Problem]) -> list[str]:
    """The problems as sorted, de-duplicated `path:line: message` lines."""
    return [str(p) for p in sorted(set(problems))]


class BookError(Exception):
    """A command cannot go on; carries the problems that stop it.

    Library code raises this instead of printing or exiting; only the CLI turns it into
    an exit code.
    """

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)
