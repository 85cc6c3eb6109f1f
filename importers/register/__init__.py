"""Supplier registers in CSV and XLSX: read them, write them, and hand out an empty template.

A provider's supplier register is a spreadsheet with one row per service it relies on (and per
certificate of that service). The columns are declared as data in :mod:`importers.layouts`;
this module reads the rows into chain entities and writes chains back in the same layout.

How rows become a chain
-----------------------
- *Supplier* and *Service* name the row's supplier and service; rows with the same supplier
  name (or the same supplier and service name), compared without case and extra spaces, are
  one entity. An empty cell on a repeated row says nothing; a different value contradicts the
  earlier row and is an error naming both rows. A row with a supplier and no service describes
  only the supplier (a parent company that holds a certificate, say).
- *Used by* lists the services that rely on the row's service (one per line, or separated by
  ``;``), by name or by id; each becomes a link ``consumer -> row's service`` with the row's
  *Role* and *Critical*. *Offering* marks the services under audit.
- *Certificate* gives the scheme; with it the row holds one piece of evidence, issued to the
  row's supplier (or to the *Holder*), covering the row's service. Rows with the same
  *Certificate id*, or with equal evidence cells and no id, are one piece covering all their
  services. A row lacking what its scheme needs (a report type, a type 2 period, a
  certificate's expiry date) is an error naming the column to fill.

The id rule: ids are made from names with :func:`importers.layouts.slug` (lower case, accents
dropped, every other run of characters a ``-``, at most 80 characters). A supplier or service
that already exists in the register the import joins (``Source.existing``), by the same name
(and for a service the same supplier), keeps its id. Otherwise a taken id gets ``-2``, ``-3``
...; a service id taken by another supplier's service is first tried as
``<supplier id>-<service>``. Evidence takes its *Certificate id* as id, else
``<holder id>-<scheme>-<year>`` (the year its period, validity or issue date ends in).

Reading is all or nothing: any error gives a result without entities.

The package's modules follow a register from bytes to chain and back:
:mod:`importers.register.rows` (bytes -> rows of cells), :mod:`importers.register.table` (the
heading row, and each row's cells parsed), :mod:`importers.register.assembly` (rows -> the
chain) and :mod:`importers.register.export` (a chain -> a register, and the template).

>>> csv_data = (
...     "Leverancier;Dienst;Soort;Gebruikt door;Dienstverlening;Certificaat;Type;"
...     "Periode van;Periode tot\\n"
...     "KidsPlan B.V.;KidsPlan Online;saas;;ja;;;;\\n"
...     "Polder Hosting B.V.;Polder Compute;iaas;KidsPlan Online;nee;ISAE 3402;2;"
...     "01-07-2025;30-06-2026\\n"
... ).encode("cp1252")
>>> result = CSV_IMPORTER.parse(csv_data, Source("leveranciers.csv"))
>>> result.chain.offerings, list(result.chain.dependencies)
(('kidsplan-online',), [('kidsplan-online', 'polder-compute')])
>>> result.chain.evidence["polder-hosting-b.v-isae3402-2026"].period.days
365
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Final

from graph.model import Chain
from importers.base import MAX_IMPORT_BYTES, ImportIssue, ImportResult, Source, too_big
from importers.layouts import REGISTER, Layout
from importers.register.assembly import read_chain
from importers.register.export import export_register, template
from importers.register.rows import (
    HEADER_ROWS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    OLE_MAGIC,
    ZIP_MAGIC,
    Format,
    RefusedError,
    csv_rows,
    xlsx_rows,
)
from importers.register.table import match_headings

__all__ = [
    "CSV_IMPORTER",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "XLSX_IMPORTER",
    "RegisterImporter",
    "export_register",
    "template",
]


_SPREADSHEET_PART: Final = re.compile(rb"PK\x03\x04.{26}xl/", re.DOTALL)
"""A zip archive's local header of a part under ``xl/``: a spreadsheet's part."""


@dataclass(frozen=True, slots=True)
class RegisterImporter:
    """A supplier register in one file format (``csv`` or ``xlsx``) and one :class:`Layout`."""

    name: str
    description: str
    fmt: Format
    layout: Layout = REGISTER

    def sniff(self, head: bytes, filename: str) -> bool:
        """Whether ``head`` looks like a register. A workbook: a zip archive with a
        spreadsheet's parts (``xl/...``), or called ``.xlsx``. A CSV: by a heading row with the
        required columns, or (for a ``.csv``, ``.tsv`` or ``.txt``) with two of the layout's
        headings; :func:`importers.registry.detect` falls back to the extension when no format
        claims a file, so that a ``.csv`` file that is not a register still reaches the message
        naming the columns it lacks.

        >>> CSV_IMPORTER.sniff(b"Leverancier;Dienst;Soort\\r\\n", "export.txt")
        True
        >>> XLSX_IMPORTER.sniff(b"PK\\x03\\x04...", "leveranciers.xlsx")
        True
        >>> XLSX_IMPORTER.sniff(b"PK\\x03\\x04" + bytes(26) + b"xl/workbook.xml", "upload")
        True
        """
        name = filename.lower()
        if self.fmt == "xlsx":
            return head.startswith(ZIP_MAGIC) and (
                name.endswith((".xlsx", ".xlsm")) or _SPREADSHEET_PART.search(head) is not None
            )
        if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
            return False
        try:
            rows = csv_rows(head)
        except (RefusedError, csv.Error, UnicodeError, ValueError):
            return False
        required = {column.key for column in self.layout.columns if column.required}
        named = name.endswith((".csv", ".tsv", ".txt"))
        for _, cells in rows[:HEADER_ROWS]:
            found = {column.key for column in match_headings(self.layout, cells).values()}
            if required <= found or (named and len(found) >= 2):
                return True
        return False

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The chain a register declares, or every problem with its row and column.

        >>> result = CSV_IMPORTER.parse(b"Supplier,Service\\nAcme,App\\n", Source("r.csv"))
        >>> [str(issue) for issue in result.issues]
        ["row 1: the register has no column 'Kind' (or 'Soort'); the columns found are: 'Supplier', 'Service'"]
        """  # noqa: E501 - a doctest shows the message as it is
        refused = too_big(data, source, MAX_IMPORT_BYTES)
        if refused is not None:
            return refused
        try:
            rows = csv_rows(data) if self.fmt == "csv" else xlsx_rows(data, self.layout)
        except RefusedError as err:
            return ImportResult(
                Chain(offerings=()), (ImportIssue("", str(err)),), filename=source.filename
            )
        return read_chain(self.layout, rows, source)


CSV_IMPORTER: Final = RegisterImporter(
    "csv",
    "a supplier register saved as CSV (',' ';' or tab; UTF-8, UTF-16 or Windows-1252)",
    "csv",
)
XLSX_IMPORTER: Final = RegisterImporter(
    "xlsx", "a supplier register as an Excel workbook (.xlsx)", "xlsx"
)
