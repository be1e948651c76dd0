"""The book: files in, model out. Stage 1 and 2 of the flow (load, check).

Reads `casebook.yaml`, the policies, the rate tables and every case folder into the frozen
values of `model`, each with the file and line it came from (`yamlfile`), validates them
against the schemas (`schema`) and the cross-file rules (`check`), and caches whole cases
between runs (`pickled`). Problems are values (`errors.Problem`), collected across the book.
Also here: writing new files safely (`fsutil`, `dump`), the files shipped with casebook
(`resources`) and a new book (`newbook`).

May import: the standard library, PyYAML. Nothing else of casebook: every other layer
builds on this one.
"""
