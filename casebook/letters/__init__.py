"""Letters: a due action becomes a letter. Stage 5 of the flow (render).

`templating` is the Jinja sandbox the book's own templates run in (bounded in time and
memory, errors at the template's file and line); `letter` renders an action into Markdown,
a printable HTML page and the email's parts, with the payment details and the EPC QR code.
It is assembled from `statement` (the amounts of the claim, from the money engine),
`context` (every name a template may use), `formats` (the debtor's locale and the filters
for amounts and dates) and `markup` (the locked-down Markdown and the letter's subject);
`email` writes the `.eml`, its text part written out by `plaintext`.

May import: `book`, `engine`, `money`, Jinja, markdown-it. Never git or click: recording
what is rendered is `casebook.record`'s job.
"""
