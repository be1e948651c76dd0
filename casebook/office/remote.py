"""The books an office names by `url:`: cloned on first use, pulled before each command.

The clone lives in `<office>/books/<name>/`. Pulling is the single-book `--push` pull
(`casebook.record.gitremote.pull`: a rebase, aborted when it fails, so a book with local
commits is never left half rebased), taken under the book's lock.
"""

from __future__ import annotations

import git

from casebook.book.errors import BookError
from casebook.office.config import BookEntry
from casebook.record.gitremote import pull
from casebook.record.gitstore import Store


def bring_up_to_date(entry: BookEntry) -> str:
    """Clone a `url:` book the first time, pull it every other time; "" for a `path:` book."""
    if not entry.url:
        return ""
    if not (entry.root / ".git").exists():
        if entry.root.exists() and any(entry.root.iterdir()):
            raise BookError(f"{entry.root} exists and is not a clone of {entry.url}: "
                            "move it away, casebook clones the book there")
        entry.root.parent.mkdir(parents=True, exist_ok=True)
        try:
            git.Repo.clone_from(entry.url, entry.root, multi_options=["--quiet"])
        except git.GitCommandError as error:
            raise BookError(f"cloning {entry.url} failed: {_said(error)}") from None
        return f"cloned {entry.url}"
    store = Store(entry.root)
    with store.lock():
        try:
            return pull(store).replace("--push: ", "")
        except BookError as error:
            raise BookError(str(error).replace("--push: ", ""), error.problems) from None


def _said(error: git.GitCommandError) -> str:
    """git's own words, on one line, without GitPython's `stderr: '...'` wrapping."""
    text = " ".join(str(error.stderr or error).split())
    if text.startswith("stderr: '") and text.endswith("'"):
        text = text[len("stderr: '"):-1].strip()
    return text[:400]
