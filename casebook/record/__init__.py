"""Record: actions become files and git commits. Stage 4 of the flow.

`gitstore.Store` is the book's repository (lock, commit, history reads); `gitbatch` writes
many commits at once with a journal so a crash never leaves half an action, and `gitpack`
writes the objects as a git pack; `recording` turns the recording commands (pay, note,
promise, dispute, plan, ...) into new files, which `committing` commits one at a time;
`history` reads the git log into the `commits` values (`CommitInfo`, `History`); `advance`
takes every action the engine finds due, renders its letters and commits each; `mail` sends
the recorded emails; `demo` plays months of collection on the example book.

May import: `book`, `engine`, `money`, `letters`, git (GitPython and its plumbing). Not
`site`, `export` or click.
"""
