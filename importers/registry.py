"""The table of file formats: every importer, by name; how a file's format is found (its
content first, then its extension: :func:`detect`, :func:`choose`); and :func:`run`, the one
way every import runs, so that every format follows the same rules (ADR 32).

The table is built here, from each format module's importer instance, so that what ketenkaart
reads does not depend on which modules happen to be imported. A new format is one module and
one entry in :data:`IMPORTERS` (its name in :data:`importers.formats.IMPORT_FORMATS`).

>>> sorted(IMPORTERS)
['backstage', 'chain', 'csv', 'cyclonedx', 'fedramp', 'oscal', 'xlsx']
>>> detect(b"ketenkaart: 1\\nofferings: [app]\\n", "chain.yaml").name
'chain'
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import threading
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Final, Literal, TextIO

from graph.errors import UsageError
from graph.i18n import N_, gettext, ngettext
from graph.model import Chain
from importers import backstage, chainfile_importer, cyclonedx, dora, fedramp, oscal
from importers.base import (
    MAX_ERRORS,
    SUMMARY_AFTER,
    SUMMARY_EXAMPLES,
    Importer,
    ImportFailed,
    ImportIssue,
    ImportResult,
    Source,
)
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
            gettext("no format called {name}; the formats are: {formats}").format(
                name=repr(name), formats=", ".join(names())
            )
        ) from None


_EXTENSIONS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        ".csv": ("csv",),
        ".tsv": ("csv",),
        ".xlsx": ("xlsx",),
        ".xlsm": ("xlsx",),
        ".yaml": ("chain", "backstage", "oscal"),
        ".yml": ("chain", "backstage", "oscal"),
        ".json": ("chain", "cyclonedx", "oscal", "fedramp"),
        ".xml": ("cyclonedx", "oscal"),
    }
)
"""The formats a file's extension allows, for when its content alone does not decide."""

_LOOKS_FOR: Final[Mapping[str, str]] = MappingProxyType(
    {
        "chain": N_("a 'ketenkaart' key"),
        "backstage": N_("a 'backstage.io' apiVersion"),
        "oscal": N_("an OSCAL model with 'oscal-version'"),
        "cyclonedx": N_("'bomFormat': 'CycloneDX' or the CycloneDX XML namespace"),
        "fedramp": N_("marketplace products with 'csp' and 'cso'"),
        "csv": N_("a register's heading row"),
        "xlsx": N_("a workbook"),
    }
)
"""What each format's content is recognised by, for the message when none recognises it
(marked for the catalog, translated where the message is made)."""

_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_BLANK: Final = re.compile(rb"[ \t\r\n\f\v]*\Z")


def _extension(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def refusal(data: bytes, fmt: str | None = None) -> str | None:
    """Why ``data`` is refused before any format reads it, or None: an empty file, a doubled
    byte-order mark, or text in UTF-16 or UTF-32 (which only the CSV register reads, ``fmt``
    ``"csv"``; with ``fmt`` None such a file is not refused here).

    >>> refusal(b"  \\n"), refusal(b"\\xef\\xbb\\xbf\\xef\\xbb\\xbf{}")
    ('the file is empty (it holds only white space)', 'the file starts with two byte-order marks; save it again as UTF-8 (with one mark or none)')
    >>> refusal(b"\\xff\\xfe{\\x00}\\x00", "chain")
    'the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8'
    >>> refusal(b"\\xff\\xfeA\\x00", "csv") is None
    True
    """  # noqa: E501 - a doctest shows the message as it is
    if data.startswith(codecs.BOM_UTF8 * 2):
        return gettext(
            "the file starts with two byte-order marks; save it again as UTF-8 "
            "(with one mark or none)"
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "UTF-16" and fmt in (None, "csv"):
                try:
                    text = data.decode("utf-16")
                except UnicodeDecodeError:
                    return None  # the CSV reader says what is wrong with it
                return None if text.strip() else gettext("the file is empty")
            return gettext(
                "the file is {encoding} (it starts with a {encoding} byte-order mark); "
                "save it as UTF-8"
            ).format(encoding=encoding)
    body = data.removeprefix(codecs.BOM_UTF8)
    if not body:
        return gettext("the file is empty")
    if _BLANK.match(body):
        return gettext("the file is empty (it holds only white space)")
    return None


def _refuse(data: bytes, filename: str, fmt: str | None) -> None:
    reason = refusal(data, fmt)
    if reason is not None:
        raise ImportFailed([ImportIssue("", reason)], filename=filename)


def detect(data: bytes, filename: str) -> Importer:
    """The one importer that recognises ``data`` (its first 64 KiB) called ``filename``: by
    its content first, then by its extension (``.csv``, ``.xlsx``, ``.yaml``, ``.json``,
    ``.xml``) when the content alone does not decide.

    An empty file, a doubled byte-order mark, or UTF-16 or UTF-32 text (except a CSV file)
    raises :class:`ImportFailed` saying so. A file no format recognises, or that more than one
    could be, raises :class:`UsageError` saying why and naming ``--format``.

    >>> detect(b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}', "bom.json").name
    'cyclonedx'
    >>> detect(b"Name,Size\\n", "notes.csv").name
    'csv'
    >>> detect(b"hello", "notes.txt")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: notes.txt: the format is not recognised: the content is none of the formats ketenkaart reads and the name's extension does not say; name it with --format (one of: backstage, chain, csv, cyclonedx, fedramp, oscal, xlsx)
    >>> detect(b"{}", "data.xml")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: data.xml: the format is not recognised: a .xml file may be cyclonedx ('bomFormat': 'CycloneDX' or the CycloneDX XML namespace) or oscal (an OSCAL model with 'oscal-version'), and the content has none of these; name it with --format (one of: backstage, chain, csv, cyclonedx, fedramp, oscal, xlsx)
    """  # noqa: E501 - a doctest shows the message as it is
    head = data[:SNIFF_BYTES]
    unicode = next((name for bom, name in _BOMS if head.startswith(bom)), None)
    _refuse(data, filename, None)
    suffix = _extension(filename)
    allowed = _EXTENSIONS.get(suffix, ())
    found = [importer for importer in IMPORTERS.values() if importer.sniff(head, filename)]
    if len(found) > 1:
        fitting = [importer for importer in found if importer.name in allowed]
        if len(fitting) == 1:
            found = fitting
    elif not found and len(allowed) == 1:
        found = [IMPORTERS[allowed[0]]]
    if unicode is not None and [importer.name for importer in found] != ["csv"]:
        _refuse(data, filename, found[0].name if len(found) == 1 else "")
    if len(found) == 1:
        return found[0]
    choose = gettext("name it with --format (one of: {formats})").format(formats=", ".join(names()))
    if not found and allowed:
        options = gettext(" or ").join(f"{name} ({gettext(_LOOKS_FOR[name])})" for name in allowed)
        raise UsageError(
            gettext(
                "{file}: the format is not recognised: a {suffix} file may be {options}, "
                "and the content has none of these; {choose}"
            ).format(file=filename, suffix=suffix, options=options, choose=choose)
        )
    if not found:
        raise UsageError(
            gettext(
                "{file}: the format is not recognised: the content is none of the formats "
                "ketenkaart reads and the name's extension does not say; {choose}"
            ).format(file=filename, choose=choose)
        )
    both = ", ".join(importer.name for importer in found)
    if suffix:
        message = gettext(
            "{file}: this could be {formats} (its content fits each, and its extension "
            "{suffix} does not decide); name the format with --format"
        )
    else:
        message = gettext(
            "{file}: this could be {formats} (its content fits does not decide); name the "
            "format with --format"
        )
    raise UsageError(message.format(file=filename, formats=both, suffix=suffix))


def choose(data: bytes, filename: str, fmt: str | None = None) -> Importer:
    """The importer for ``data``: the one called ``fmt``, else the one :func:`detect` finds.

    Either way a file that no format can read (empty, a doubled byte-order mark, UTF-16 or
    UTF-32 outside a CSV file) raises :class:`ImportFailed` naming the cause; a format name
    that does not exist, or a file whose format cannot be found, raises :class:`UsageError`.
    """
    if fmt is None:
        return detect(data, filename)
    importer = get(fmt)
    _refuse(data, filename, importer.name)
    return importer


# ---------------------------------------------------------------------------------------------
# The one import run every caller goes through.

_FOR_USERS: Final = (UserWarning, RuntimeWarning, FutureWarning, UnicodeWarning)
"""The warning categories a library raises about the data it reads (not about its own code)."""

_WARNINGS_LOCK: Final = threading.Lock()

_EXTENSION_WARNING: Final = re.compile(
    r"(?P<what>.+?) extension is not supported and will be removed"
)


@contextmanager
def _caught(into: list[warnings.WarningMessage]) -> Iterator[None]:
    """Collect the warnings a library raises about the data in this thread into ``into``.

    ``warnings`` is one process-wide state: one import at a time changes it, and a warning
    another thread raises meanwhile is passed on to be shown as it would have been.
    """
    owner = threading.get_ident()
    with _WARNINGS_LOCK, warnings.catch_warnings():
        passed_on = warnings.showwarning
        for category in _FOR_USERS:
            warnings.simplefilter("always", category)

        def show(  # noqa: PLR0917 - warnings.showwarning's own signature
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if threading.get_ident() == owner and issubclass(category, _FOR_USERS):
                into.append(warnings.WarningMessage(message, category, filename, lineno))
            else:
                passed_on(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def _library(filename: str) -> str:
    """The name of the installed package a warning came from (``openpyxl``), or ''."""
    parts = PurePosixPath(filename.replace("\\", "/")).parts
    for index, part in enumerate(parts[:-1]):
        if part in ("site-packages", "dist-packages"):
            return parts[index + 1].removesuffix(".py")
    return ""


def library_issue(caught: warnings.WarningMessage) -> ImportIssue:
    """A library's warning about the file, as a warning of the import in a user's words.

    >>> import warnings
    >>> caught = warnings.WarningMessage(
    ...     UserWarning("Unknown extension is not supported and will be removed"),
    ...     UserWarning, "/venv/lib/python3.11/site-packages/openpyxl/reader/excel.py", 1)
    >>> print(library_issue(caught))
    the workbook uses a spreadsheet feature this reader does not know (an unknown extension); the feature is left out and the cells are read as they are
    """  # noqa: E501 - a doctest shows the message as it is
    text = " ".join(str(caught.message).split())
    known = _EXTENSION_WARNING.fullmatch(text)
    if known is not None:
        what = known["what"].lower()
        if what[:1] in "aeiou":
            message = gettext(
                "the workbook uses a spreadsheet feature this reader does not know (an "
                "{what} extension); the feature is left out and the cells are read as they are"
            )
        else:
            message = gettext(
                "the workbook uses a spreadsheet feature this reader does not know (a "
                "{what} extension); the feature is left out and the cells are read as they are"
            )
        message = message.format(what=what)
    elif text.startswith("Workbook contains no default style"):
        message = gettext("the workbook has no default style; its cells are read as they are")
    else:
        library = _library(caught.filename) or gettext("a library")
        message = gettext("while reading the file, {library} noted: {text}").format(
            library=library, text=text
        )
    return ImportIssue("", message, "warning", kind="library note")


def _shown(issues: Sequence[ImportIssue]) -> tuple[ImportIssue, ...]:
    """``issues`` as they are shown: at most :data:`MAX_ERRORS` errors and a line counting the
    rest; more than :data:`SUMMARY_AFTER` warnings of one kind as one line, where the first was,
    with their count and the first :data:`SUMMARY_EXAMPLES`.

    >>> lines = _shown([ImportIssue(f"row {n}", "empty") for n in range(1, 31)])
    >>> len(lines), str(lines[-1])
    (21, '… and 10 more errors')
    >>> warned = [ImportIssue(f"products[{n}]", "no match", "warning", "no match") for n in range(9)]
    >>> print(_shown(warned)[0])
    9 warnings of one kind (no match); the first 3: products[0]: no match; products[1]: no match; products[2]: no match
    """  # noqa: E501 - a doctest shows the message as it is
    kinds = Counter(issue.kind for issue in issues if issue.severity == "warning" and issue.kind)
    summarised = {kind for kind, number in kinds.items() if number > SUMMARY_AFTER}
    shown: list[ImportIssue] = []
    examples: dict[str, list[ImportIssue]] = {}
    errors = 0
    for issue in issues:
        if issue.severity == "error":
            errors += 1
            if errors <= MAX_ERRORS:
                shown.append(issue)
        elif issue.kind in summarised:
            if issue.kind not in examples:
                examples[issue.kind] = []
                shown.append(issue)  # replaced by the summary below
            examples[issue.kind].append(issue)
        else:
            shown.append(issue)
    for index, issue in enumerate(shown):
        if issue.severity == "warning" and issue.kind in examples:
            first = examples[issue.kind][:SUMMARY_EXAMPLES]
            shown[index] = ImportIssue(
                "",
                gettext(
                    "{count} warnings of one kind ({kind}); the first {shown}: {examples}"
                ).format(
                    count=kinds[issue.kind],
                    kind=issue.kind,
                    shown=len(first),
                    examples="; ".join(map(str, first)),
                ),
                "warning",
                issue.kind,
            )
    if errors > MAX_ERRORS:
        more = errors - MAX_ERRORS
        message = ngettext("… and {count} more error", "… and {count} more errors", more)
        shown.append(ImportIssue("", message.format(count=more)))
    return tuple(shown)


def _nothing_usable(chain: Chain) -> ImportIssue | None:
    """The error for a chain with no service and no evidence: nothing to import."""
    if chain.services or chain.evidence:
        return None
    found = []
    if chain.suppliers:
        n = len(chain.suppliers)
        found.append(ngettext("{count} supplier", "{count} suppliers", n).format(count=n))
    if chain.dependencies:
        n = len(chain.dependencies)
        found.append(ngettext("{count} dependency", "{count} dependencies", n).format(count=n))
    if not found:
        message = gettext("the file declares no service; there is nothing to import")
    elif len(found) == 1:
        message = gettext(
            "the file declares no service (only {found}); there is nothing to import"
        ).format(found=found[0])
    else:
        message = gettext(
            "the file declares no service (only {first} and {second}); there is nothing to import"
        ).format(first=found[0], second=found[1])
    return ImportIssue("", message)


def run(importer: Importer, data: bytes, source: Source) -> ImportResult:
    """Import ``data`` with ``importer``: the one way every import runs (the command line, the
    service), so that every format follows the same rules.

    - A file no format reads (:func:`refusal`) is refused before the importer runs.
    - A library's warnings about the file (openpyxl's "Unknown extension is not supported")
      become warnings of the import, in a user's words, never lines on stderr.
    - A file that declares no service and no evidence is refused: nothing to import.
    - At most :data:`MAX_ERRORS` errors are listed, then one line counting the rest; many
      warnings of one ``kind`` are one line (:func:`_shown`).

    >>> from importers.base import Source
    >>> print(run(get("csv"), b"", Source("leveranciers.csv")).issues[0])
    the file is empty
    """
    reason = refusal(data, importer.name)
    if reason is not None:
        refused = (ImportIssue("", reason),)
        return ImportResult(Chain(offerings=()), refused, filename=source.filename)
    caught: list[warnings.WarningMessage] = []
    with _caught(caught):
        result = importer.parse(data, source)
    issues = list(result.issues)
    notes = Counter(library_issue(warning) for warning in caught)
    issues.extend(
        issue
        if times == 1
        else dataclasses.replace(
            issue,
            message=gettext("{message} ({times} times)").format(message=issue.message, times=times),
        )
        for issue, times in notes.items()
    )
    empty = _nothing_usable(result.chain) if result.ok else None
    if empty is not None:
        issues.append(empty)
    return ImportResult(result.chain, _shown(issues), filename=source.filename)


def standalone(chain: Chain) -> Chain:
    """``chain`` with offerings, for a chain file of its own: a format that names none gives
    the services no other service of the file relies on, then (in file order) each service
    those do not reach (a cycle's first service), so that every service is checked. A chain
    with offerings, or without services, is returned as it is.

    >>> from graph.model import Dependency, Kind, Service
    >>> services = {s: Service(s, s, "me", Kind.SAAS) for s in ("db", "app", "a", "b")}
    >>> links = {(c, p): Dependency(c, p) for c, p in (("app", "db"), ("a", "b"), ("b", "a"))}
    >>> standalone(Chain(offerings=(), services=services, dependencies=links)).offerings
    ('app', 'a')
    """
    if chain.offerings or not chain.services:
        return chain
    needs: dict[str, list[str]] = {}
    for consumer, provider in chain.dependencies:
        needs.setdefault(consumer, []).append(provider)
    relied_on = {provider for _, provider in chain.dependencies}
    order = [sid for sid in chain.services if sid not in relied_on]
    order += [sid for sid in chain.services if sid in relied_on]
    reached: set[str] = set()
    offerings: list[str] = []
    for start in order:
        if start in reached:
            continue
        offerings.append(start)
        todo = [start]
        while todo:
            sid = todo.pop()
            if sid not in reached:
                reached.add(sid)
                todo.extend(needs.get(sid, ()))
    return dataclasses.replace(chain, offerings=tuple(offerings))


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
        gettext("no export format called {name}; the formats are: {formats}").format(
            name=repr(fmt), formats=", ".join(EXPORT_FORMATS)
        )
    )


XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of an XLSX workbook."""
