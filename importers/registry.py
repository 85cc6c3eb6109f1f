"""The table of file formats: every importer, by name, and how a file's format is found.

>>> sorted(IMPORTERS) == sorted(importer.name for importer in IMPORTERS.values())
True
"""

from __future__ import annotations

from graph.errors import UsageError
from importers.base import Importer

IMPORTERS: dict[str, Importer] = {}
"""Every format ketenkaart reads, by name. A new format is one module and one line here."""

SNIFF_BYTES = 64 * 1024


def register(importer: Importer) -> None:
    """Add ``importer`` to the table (its name must be new)."""
    if importer.name in IMPORTERS:
        raise ValueError(f"two importers are called {importer.name!r}")
    IMPORTERS[importer.name] = importer


def get(name: str) -> Importer:
    """The importer called ``name``; a :class:`UsageError` lists the names when there is none."""
    try:
        return IMPORTERS[name]
    except KeyError:
        known = ", ".join(sorted(IMPORTERS))
        raise UsageError(f"no format called {name!r}; the formats are: {known}") from None


def detect(data: bytes, filename: str) -> Importer:
    """The one importer that recognises ``data`` (its first 64 KiB) called ``filename``.

    Raises :class:`UsageError` when none does, or more than one does, naming them and ``--format``.
    """
    head = data[:SNIFF_BYTES]
    found = [importer for importer in IMPORTERS.values() if importer.sniff(head, filename)]
    if len(found) == 1:
        return found[0]
    if not found:
        known = ", ".join(sorted(IMPORTERS))
        raise UsageError(
            f"{filename}: the format is not recognised; name it with --format (one of: {known})"
        )
    names = ", ".join(importer.name for importer in found)
    raise UsageError(f"{filename}: this could be {names}; name the format with --format")
