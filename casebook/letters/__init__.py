"""Letters: a due action becomes a letter. Stage 5 of the flow (render).

`templating` is the Jinja sandbox the book's own templates run in (bounded in time and
memory, errors at the template's file and line); `letter` renders an action into Markdown,
a printable HTML page and the email's parts, with the claim, the payment details, the
structured communication and the EPC QR code.

May import: `book`, `engine`, `money`, Jinja, markdown-it. Never git or click: recording
what is rendered is `casebook.record`'s job.
"""
