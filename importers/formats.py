"""The names of the file formats: those ketenkaart reads and those it writes a chain in.

Names only, without the format modules and their libraries, so that the command line offers
them without loading those. :mod:`importers.registry` builds its table of importers in the
order of :data:`IMPORT_FORMATS` and refuses to load when the two differ; everything else that
names the formats (the command line, the API, the import page) takes them from here.

>>> IMPORT_FORMATS[:2], EXPORT_FORMATS[:2]
(('chain', 'cyclonedx'), ('yaml', 'json'))
"""

from __future__ import annotations

from typing import Final, Literal, get_args

IMPORT_FORMATS: Final = ("chain", "cyclonedx", "csv", "xlsx", "oscal", "fedramp", "backstage")
"""Every format ketenkaart reads, most used first (the import page offers them so)."""

ExportFormat = Literal["yaml", "json", "cyclonedx", "register-xlsx", "register-csv", "dora"]
"""A format a chain is written in (the API's ``format`` of an export is one)."""

EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = get_args(ExportFormat)
"""Every format a chain is written in, by name (``ketenkaart export --format``, the API)."""

BINARY_FORMATS: Final[frozenset[ExportFormat]] = frozenset({"register-xlsx", "dora"})
"""The export formats that are not text (a terminal is no place for them)."""
