"""Record: actions become files and git commits. Stage 4 of the flow.

`gitstore.Store` is the book's repository (lock, commit, history reads); `gitbatch` writes
many commits at once with a journal so a crash never leaves half an action, `gitworktree`
moves their files into the working tree and the index (and `recover`s that step after a
crash), `gitpack` writes the objects as a git pack and `gitobjects` holds git's byte
formats (ids, deltas, tree entries); `recording` turns the recording commands (pay, note,
promise, dispute, plan, ...) into new files, which `committing` commits one at a time;
`history` reads the git log into the `commits` values (`CommitInfo`, `History`); `advance`
takes every action the engine finds due and commits each: `advanceplan` decides which cases
to leave alone and reports, `actionfiles` renders one action's letters, record and commit
message, `gitremote` pulls and pushes for `--push`; `mail` sends the recorded emails;
`demo` plays months of collection on the example book.

May import: `book`, `engine`, `money`, `letters`, git (GitPython and its plumbing). Not
`site`, `export` or click.
"""
