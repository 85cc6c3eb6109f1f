"""The table of file formats: every importer, by name, and how a file's format is found.

The table is built here, from each format module's importer instance, so that what ketenkaart
reads does not depend on which modules happen to be imported. A new format is one module and
one entry in :data:`IMPORTERS` (its name in :data:`importers.formats.IMPORT_FORMATS`).

>>> sorted(IMPORTERS)
['backstage', 'chain', 'csv', 'cyclonedx', 'fedramp', 'oscal', 'xlsx']
>>> detect(b"ketenkaart: 1\\nofferings: [app]\\n", "chain.yaml").name
'chain'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from graph.errors import UsageError
from graph.model import Chain
from importers import backstage, chainfile_importer, cyclonedx, dora, fedramp, oscal
from importers.base import Importer, ImportIssue
from importers.chainfile import dump_chain
from importers.formats import EXPORT_FORMATS, IMPORT_FORMATS
from importers.register import CSV_IMPORTER, XLSX_IMPORTER, export_register

SNIFF_BYTES = 64 * 1024


def _table(importers: Iterable[Importer]) -> Mapping[str, Importer]:
    """The importers by name, in the order of :data:`IMPORT_FORMATS` (which names exactly
    them); two with one name are a mistake in this module."""
    table: dict[str, Importer] = {}
    for importer in importers:
        if importer.name in table:
            raise ValueError(f"two importers are called {importer.name!r}")
        table[importer.name] = importer
    if tuple(table) != IMPORT_FORMATS:
        raise ValueError(
            f"the importers {tuple(table)} are not importers.formats.IMPORT_FORMATS "
            f"{IMPORT_FORMATS}, in that order"
        )
    return MappingProxyType(table)


IMPORTERS: Mapping[str, Importer] = _table(
    (
        chainfile_importer.IMPORTER,
        cyclonedx.IMPORTER,
        CSV_IMPORTER,
        XLSX_IMPORTER,
        oscal.IMPORTER,
        fedramp.IMPORTER,
        backstage.IMPORTER,
    )
)
"""Every format ketenkaart reads, by name (read-only)."""


def names() -> tuple[str, ...]:
    """The formats' names, sorted (for ``--format`` choices and messages).

    >>> names()[:2]
    ('backstage', 'chain')
    """
    return tuple(sorted(IMPORTERS))


def get(name: str) -> Importer:
    """The importer called ``name``; a :class:`UsageError` lists the names when there is none.

    >>> get("cyclonedx").name
    'cyclonedx'
    >>> get("spdx")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: no format called 'spdx'; the formats are: backstage, chain, csv, cyclonedx, fedramp, oscal, xlsx
    """  # noqa: E501 - a doctest shows the message as it is
    try:
        return IMPORTERS[name]
    except KeyError:
        raise UsageError(
            f"no format called {name!r}; the formats are: {', '.join(names())}"
        ) from None


def detect(data: bytes, filename: str) -> Importer:
    """The one importer that recognises ``data`` (its first 64 KiB) called ``filename``.

    Raises :class:`UsageError` when none does, or more than one does, naming them and ``--format``.

    >>> detect(b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}', "bom.json").name
    'cyclonedx'
    >>> detect(b"hello", "notes.txt")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: notes.txt: the format is not recognised; name it with --format (one of: backstage, chain, csv, cyclonedx, fedramp, oscal, xlsx)
    """  # noqa: E501 - a doctest shows the message as it is
    head = data[:SNIFF_BYTES]
    found = [importer for importer in IMPORTERS.values() if importer.sniff(head, filename)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(
            f"{filename}: the format is not recognised; name it with --format "
            f"(one of: {', '.join(names())})"
        )
    both = ", ".join(importer.name for importer in found)
    raise UsageError(f"{filename}: this could be {both}; name the format with --format")


# ---------------------------------------------------------------------------------------------
# Writing: the formats a chain is exported to, :data:`EXPORT_FORMATS`.


@dataclass(frozen=True, slots=True)
class Exported:
    """A chain written in one format: the bytes, their media type, the file name's ending, and
    what the reader of the file should check (DORA's gaps)."""

    data: bytes
    media_type: str
    suffix: str
    warnings: tuple[ImportIssue, ...] = ()


def export(chain: Chain, fmt: str, language: Literal["en", "nl"] = "en") -> Exported:
    """``chain`` written as ``fmt``, one of :data:`EXPORT_FORMATS`.

    ``yaml`` and ``json`` are chain files; ``cyclonedx`` a CycloneDX 1.6 SaaSBOM;
    ``register-xlsx`` and ``register-csv`` a supplier register in ``language``; ``dora`` a zip
    of DORA's templates B_05.01 and B_05.02 as CSV, with warnings for what the chain lacks.

    >>> from graph.model import Kind, Service, Supplier
    >>> chain = Chain(offerings=("app",), suppliers={"me": Supplier("me", "Me")},
    ...               services={"app": Service("app", "App", "me", Kind.SAAS)})
    >>> export(chain, "register-csv").data.decode("utf-8-sig").splitlines()[1][:10]
    'Me,,,App,s'
    >>> export(chain, "pdf")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: no export format called 'pdf'; the formats are: yaml, json, cyclonedx, register-xlsx, register-csv, dora
    """  # noqa: E501 - a doctest shows the message as it is
    if fmt in ("yaml", "json"):
        media = "application/json" if fmt == "json" else "application/yaml"
        return Exported(dump_chain(chain, fmt="json" if fmt == "json" else "yaml"), media, fmt)
    if fmt == "cyclonedx":
        return Exported(
            cyclonedx.export_saasbom(chain), "application/vnd.cyclonedx+json", "cdx.json"
        )
    if fmt == "register-xlsx":
        return Exported(export_register(chain, "xlsx", language), XLSX_MEDIA_TYPE, "xlsx")
    if fmt == "register-csv":
        return Exported(export_register(chain, "csv", language), "text/csv; charset=utf-8", "csv")
    if fmt == "dora":
        register = dora.export_register(chain)
        return Exported(register.to_zip(), "application/zip", "dora.zip", register.warnings)
    raise UsageError(
        f"no export format called {fmt!r}; the formats are: {', '.join(EXPORT_FORMATS)}"
    )


XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of an XLSX workbook."""
