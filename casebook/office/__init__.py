"""The office: many books at once, for a bookkeeper who keeps the books of many clients.

An office is a folder with `office.yaml` naming its books, each a folder on this machine
(`path:`) or a git remote cloned into `books/<name>/` and pulled before every command
(`url:`); `config` reads it with the line of every mistake, `remote` clones and pulls.
`runner.run_office` does one operation (`operations`: status, check, advance with
`--push`, site) on every book, in turn or one process per core, and never lets one book's
failure stop the others: each book answers with a `results.BookResult` (its figures, the
actions taken, or its error line), and `results.totals` sums them per currency. `overview`
writes the office's static page beside each book's own site.

May import: `book`, `engine`, `money`, `letters`, `record`, `insight`, `site`, `export`,
`imports`, git (GitPython). Not click: the command line is `casebook.cli.office`.
"""

from casebook.office.config import OFFICE_FILE, BookEntry, Office, find_office, load_office
from casebook.office.operations import Options
from casebook.office.results import BookResult, book_line, summary_line, totals
from casebook.office.runner import cores, run_office

__all__ = [
    "OFFICE_FILE", "BookEntry", "BookResult", "Office", "Options", "book_line", "cores",
    "find_office", "load_office", "run_office", "summary_line", "totals",
]
