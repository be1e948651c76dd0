"""Money: what the law allows and how a debtor pays it. Pure.

`balance` allocates payments and credit notes to invoices; `interest` applies the statutory
rate tables period by period; `law` with `law_be` and `law_nl` hold each country's rules
(flat compensation, consumer caps, waiting periods); `costs` and `claim` put them together
into what a debtor owes on a date; `refs` makes structured communications and RF references,
`qr` the EPC scan-to-pay code; `wording` explains every figure in nl, fr and en;
`workdays` knows the public holidays of BE and NL.

May import: `casebook.book` (the model and the rate tables as loaded). Never git, the disk,
the clock or click.
"""
