"""`advance --push`: pull what others pushed before deciding, push the new commits after.

A book shared through a remote (payments recorded on another machine) is pulled with a
rebase before the engine looks at it, and pushed once the actions are committed, pulling
and pushing again while the remote keeps moving. Separate from the run because it is about
the remote, not about what is due; a failed rebase is aborted so the book is left as it was.
"""

from __future__ import annotations

from pathlib import Path

import git

from casebook.book.errors import BookError
from casebook.record.gitstore import Store

#: How many times `--push` pulls and pushes again when the remote moved meanwhile.
PUSH_ATTEMPTS = 5


def _upstream(store: Store) -> tuple[str, str]:
    """(remote, branch) to pull from and push to."""
    branch = store.repo.active_branch.name
    try:
        tracking = store.repo.active_branch.tracking_branch()
    except (TypeError, ValueError):
        tracking = None
    if tracking is not None:
        return tracking.remote_name, tracking.remote_head
    if "origin" in [r.name for r in store.repo.remotes]:
        return "origin", branch
    raise BookError("--push: the book has no remote to push to (add one: git remote add origin URL)")


def pull(store: Store) -> str:
    """Bring in what others pushed (payments recorded elsewhere) before deciding anything."""
    remote, branch = _upstream(store)
    try:
        store.repo.git.fetch(remote)
        remote_refs = store.repo.git.ls_remote("--heads", remote, branch)
        if remote_refs.strip():
            store.repo.git.pull("--rebase", "--autostash", "-q", remote, branch)
    except git.GitCommandError as error:
        _abort_rebase(store)
        raise BookError(f"--push: pulling from {remote} failed: {_stderr(error)}") from None
    return f"pulled {remote}/{branch}"


def push_changes(store: Store, attempts: int = PUSH_ATTEMPTS) -> str:
    """Push; when the remote moved meanwhile, rebase on it and push again."""
    remote, branch = _upstream(store)
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            store.repo.git.push("-q", remote, f"HEAD:refs/heads/{branch}")
            return f"pushed to {remote}/{branch}" + (f" (attempt {attempt})" if attempt > 1 else "")
        except git.GitCommandError as error:
            last = _stderr(error)
        try:
            store.repo.git.pull("--rebase", "--autostash", "-q", remote, branch)
        except git.GitCommandError as error:
            _abort_rebase(store)
            # The push's refusal is the news (a hook, permissions); the failed rebase second.
            raise BookError(f"--push: {remote} refused the push: {last}; rebasing on "
                            f"{remote}/{branch} to try again failed: {_stderr(error)}") from None
    raise BookError(f"--push: {remote} kept refusing after {attempts} attempts: {last}")


def _abort_rebase(store: Store) -> None:
    git_dir = Path(store.repo.git_dir)
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        try:
            store.repo.git.rebase("--abort")
        except git.GitCommandError:
            pass


def _stderr(error: git.GitCommandError) -> str:
    text = (error.stderr or str(error)).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:400]
