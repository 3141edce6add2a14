"""The CTG exchange format, version 1: one JSON document holds one whole convention.

`docs/format-echange.md` describes the format as this package implements it (and where it
departs from the contract it comes from). `importer.import_document` validates the whole document first and
reports every error with its JSON path and a French message; only then does it write, all or
nothing, in one transaction. `exporter.export_document` gives back the same shape, in a bounded
number of queries.

Validation runs in two passes over the document:
1. a declarative schema (`schema`, built from the types of `types`: `Obj`, `ListOf`, `Text`,
   `Choice`…) checks keys, types, formats and vocabularies, and returns a cleaned tree whose
   values are ready for the database (dates parsed, absent optional strings as "", absent lists
   as []); each cleaned object remembers its `_path`;
2. `checks.Validator` checks what crosses objects: references, uniqueness, dates, numbers in force.

Modules: `reading` (JSON text or file to Python, French errors, `ExchangeError`), `types`,
`schema`, `checks`, `fields` (fields that go unchanged between JSON and models), `importer`,
`replacing` (`--replace`: an existing convention takes a document's content, keeping what the
format does not carry), `exporter`. This app sits on the top floor: it may import every other app, none imports it.
Import each name from the module that defines it; this package re-exports nothing.
"""
