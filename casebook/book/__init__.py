"""The book: files in, model out. Stage 1 and 2 of the flow (load, check).

Reads `casebook.yaml` and the policies (`config`), the rate tables (`rates`) and every case
folder (`casefolder`, file by file in `records`) into the frozen values of `model`, each
with the file and line it came from (`yamlfile`); `load` puts the book together. Values are
validated against the schemas of the file types (`schema`, read by `fields`) and the
cross-file rules (`check`); whole cases are cached between runs (`loadcache`, on
`pickled`). Problems are values (`errors.Problem`), collected across the book.
Also here: writing new files safely (`fsutil`, `dump`), the files shipped with casebook
(`resources`) and a new book (`newbook`).

May import: the standard library, PyYAML. Nothing else of casebook: every other layer
builds on this one.
"""
