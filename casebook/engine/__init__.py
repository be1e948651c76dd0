"""The engine: model + date -> what is due. Pure.

`due.due_actions(book, today)` lists the actions every case's policy asks for on a day;
`due.case_state` and `due.schedule` say where a case stands and what comes next if nobody
pays. Behind them: `facts` derives what a case is on a day (open invoices, disputes, the
round of collection, phone tasks), `pauses` holds a case for a promise or a payment plan,
`stages` times the next stage and the thank-you, and `states` holds the values answered
(`DueAction`, `CaseState`, `Status`). `policy` holds the stage timing rules; `portfolio` the
open, overdue and DSO figures that `status` and the site print.

May import: `casebook.book` (the model) and `casebook.money`. Never git, the disk, the
clock or click: every function takes the day it works for, so it can be tested day by day.
"""
