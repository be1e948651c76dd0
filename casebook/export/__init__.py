"""Export: one case handed to a collection agency, and the evidence trail checked.

`bundle` writes a git bundle whose history holds that case alone (rewritten from the book's
commits): `rewrite` chooses the commits and their messages, `contents` reads the case's
objects and attachments (links refused), `build` runs `git fast-import` and `git bundle`,
`handover` records the handover in the book. `dossier` adds the claim and the timeline for
the agency, `mentions` scans every object for names of other debtors, `history` reads a
case's commits back, `verify` checks the trail (every action committed once, nothing
rewritten). The agency's side: `incoming` verifies and inspects a bundle that arrives,
`receive` merges a handover into an agency's book of many creditors, `syncback` builds the
bundle of the agency's payments and notes back, `takeback` replays it in the creditor's book.

May import: `book`, `engine`, `money`, `record` (the store and the pack writer). Not `site`
or click.
"""
