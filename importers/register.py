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

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final, Literal

from defusedxml import DefusedXmlException

from graph.errors import ChainError
from graph.model import (
    Chain,
    DateRange,
    Dependency,
    Evidence,
    Kind,
    Scheme,
    SchemeClass,
    Service,
    Supplier,
)
from importers.base import (
    MAX_IMPORT_BYTES,
    ImportIssue,
    ImportResult,
    Source,
    safe_cell,
    too_big,
)
from importers.chainfile import dump_plain, load_plain
from importers.layouts import (
    KIND_WORDS,
    REGISTER,
    SCHEME_NAMES,
    CellError,
    CellValue,
    Column,
    Language,
    Layout,
    heading_key,
    parse_text,
    slug,
)

__all__ = [
    "CSV_IMPORTER",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "XLSX_IMPORTER",
    "RegisterImporter",
    "export_register",
    "template",
]

MAX_ROWS: Final = 100_000
"""The most rows a register may have."""
MAX_COLUMNS: Final = 200
"""Columns beyond this many are not read."""
MAX_UNPACKED_BYTES: Final = 64 * 1024 * 1024
"""The most bytes the parts of an XLSX workbook may unpack to together (zip bombs)."""
MAX_ZIP_MEMBERS: Final = 10_000
"""The most parts an XLSX workbook may have."""
HEADER_ROWS: Final = 20
"""The heading row is looked for among this many first non-empty rows (titles may precede it)."""

Format = Literal["csv", "xlsx"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_NEEDS_VALID_UNTIL: Final = frozenset(
    {
        *(s for s in Scheme if s.scheme_class is SchemeClass.MANAGEMENT_SYSTEM),
        Scheme.ZEKER_ONLINE,
        Scheme.EUCS,
    }
)
_FLAG_WORDS: Final[Mapping[Language, tuple[str, str]]] = {"en": ("yes", "no"), "nl": ("ja", "nee")}
_DATE_FORMAT: Final[Mapping[Language, str]] = {"en": "yyyy-mm-dd", "nl": "dd-mm-yyyy"}

_SUPPLIER_KEYS = ("country", "kvk")
_SERVICE_KEYS = ("kind", "description", "offering", "locations", "personal_data")
_LINK_KEYS = ("used_by", "role", "critical")
_EVIDENCE_KEYS = (
    "certificate",
    "holder",
    "type",
    "period_from",
    "period_to",
    "as_of",
    "issued",
    "valid_until",
    "issuer",
    "version",
    "scope",
    "reference",
)


def _norm(name: str) -> str:
    """A name as rows are matched on it: case and repeated white space do not matter."""
    return " ".join(name.split()).casefold()


def _letter(index: int) -> str:
    """The spreadsheet letter of the column at ``index`` (0 is ``A``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _show(value: object) -> str:
    """A parsed value as a message shows it."""
    if isinstance(value, Kind | Scheme):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, DateRange):
        return f"{value.start.isoformat()} to {value.end.isoformat()}"
    if isinstance(value, tuple):
        return ", ".join(_show(item) for item in value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Reading the bytes into rows of cells.


class _RefusedError(Exception):
    """The file cannot be read at all; the message says why."""


Row = tuple[int, Sequence[CellValue]]


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252, else latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as err:
            raise _RefusedError(
                f"the file starts as UTF-8 but byte {err.start + 3} is not UTF-8; "
                "save it again as CSV UTF-8"
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _RefusedError(
                "the file starts as UTF-16 but is not; save it as CSV UTF-8"
            ) from None
    if b"\x00" in data[:4096]:
        raise _RefusedError(
            "the file holds NUL bytes: UTF-16 without a byte order mark, or not a CSV file; "
            "save it as CSV UTF-8"
        )
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(lines: Sequence[str]) -> str:
    """The delimiter giving the most fields in the first lines that have more than one."""
    for line in lines[:HEADER_ROWS]:
        counts = {
            delimiter: len(next(csv.reader([line], delimiter=delimiter), []))
            for delimiter in (",", ";", "\t")
        }
        best = max(counts, key=lambda delimiter: counts[delimiter])
        if counts[best] > 1:
            return best
    return ","


def _csv_rows(data: bytes) -> list[Row]:
    text = _decode(data)
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first.lower().startswith("sep=") and len(first) == 5:
        delimiter = first[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = _delimiter([line for line in lines if line.strip()])
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise _RefusedError(f"the register has more than {MAX_ROWS:,} rows")
            rows.append((number, cells[:MAX_COLUMNS]))
    except csv.Error as err:
        raise _RefusedError(f"row {number + 1}: {err}") from None
    return rows


def _cell(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | bool | date):
        return value
    return str(value)


def _unreadable(err: BaseException) -> _RefusedError:
    """Why openpyxl could not read a workbook; entities that defusedxml refused are named."""
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return _RefusedError(
                "the workbook's XML declares entities (a DTD), which are refused: "
                "save the register again from a spreadsheet program"
            )
        cause = cause.__cause__ or cause.__context__
    return _RefusedError(f"the workbook cannot be read: {err}")


def _xlsx_rows(data: bytes, layout: Layout) -> list[Row]:
    if data.startswith(_OLE_MAGIC):
        raise _RefusedError(
            "this is an old .xls workbook or a password-protected one; "
            "save it as .xlsx without a password"
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _RefusedError("this is not an XLSX workbook (an XLSX file is a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise _RefusedError(f"the workbook is damaged: {err}") from None
    if len(parts) > MAX_ZIP_MEMBERS:
        raise _RefusedError(f"the workbook has {len(parts):,} parts; at most {MAX_ZIP_MEMBERS:,}")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _RefusedError(
            f"the workbook unpacks to {unpacked:,} bytes; at most {MAX_UNPACKED_BYTES:,} are read"
        )
    import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - only XLSX needs it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise _unreadable(err) from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise _RefusedError("the workbook has no worksheet")
        sheet = next(
            (
                sheet
                for sheet in sheets
                if any(word in sheet.title.casefold() for word in layout.sheet_words)
            ),
            sheets[0],
        )
        sheet.reset_dimensions()
        rows: list[Row] = []
        for number, values in enumerate(
            sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            if number > MAX_ROWS:
                raise _RefusedError(f"sheet {sheet.title!r} has more than {MAX_ROWS:,} rows")
            rows.append((number, [_cell(value) for value in values]))
        return rows
    except _RefusedError:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged sheet surfaces while it is read
        raise _unreadable(err) from None
    finally:
        book.close()


# ---------------------------------------------------------------------------------------------
# Rows of cells -> parsed values per column.


@dataclass(slots=True)
class _Problems:
    issues: list[ImportIssue] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        self.issues.append(ImportIssue(where, message))

    def warning(self, where: str, message: str) -> None:
        self.issues.append(ImportIssue(where, message, "warning"))

    @property
    def failed(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)


def _at(row: int, heading: str | None = None) -> str:
    return f"row {row}" if heading is None else f"row {row}, column {heading!r}"


def _empty(value: CellValue) -> bool:
    return parse_text(value) is None


@dataclass(slots=True)
class _Table:
    """The heading row's columns, and each data row's parsed values."""

    layout: Layout
    language: Language
    headings: dict[str, str]  # column key -> heading as the file writes it
    rows: list[tuple[int, dict[str, object]]]

    def heading(self, key: str) -> str:
        """The file's heading of a column, or the layout's one when the file has none."""
        return self.headings.get(key) or self.layout.column(key).heading(self.language)


def _match_headings(layout: Layout, cells: Sequence[CellValue]) -> dict[int, Column]:
    found: dict[int, Column] = {}
    for index, cell in enumerate(cells):
        text = parse_text(cell)
        column = layout.column_for(text) if text else None
        if column is not None:
            found[index] = column
    return found


def _language(layout: Layout, headings: Iterable[str]) -> Language:
    keys = [heading_key(heading) for heading in headings]
    dutch = sum(
        1 for c in layout.columns if heading_key(c.nl) in keys and heading_key(c.en) not in keys
    )
    english = sum(
        1 for c in layout.columns if heading_key(c.en) in keys and heading_key(c.nl) not in keys
    )
    return "nl" if dutch > english else "en"


def _table(layout: Layout, rows: Sequence[Row], problems: _Problems) -> _Table | None:
    filled = [(number, cells) for number, cells in rows if any(not _empty(c) for c in cells)]
    if not filled:
        problems.error("", "the register is empty: no heading row and no rows")
        return None
    required = [column for column in layout.columns if column.required]
    header_at = None
    best: tuple[int, Sequence[CellValue], dict[int, Column]] | None = None
    for position, (number, cells) in enumerate(filled[:HEADER_ROWS]):
        matched = _match_headings(layout, cells)
        if best is None or len(matched) > len(best[2]):
            best = (number, cells, matched)
        if all(column in matched.values() for column in required):
            header_at = position
            break
    if header_at is None:
        assert best is not None  # noqa: S101 - filled is not empty
        number, cells, matched = best
        texts = [text for text in (parse_text(cell) for cell in cells) if text]
        language = _language(layout, texts)
        missing = [column for column in required if column not in matched.values()]
        names = ", ".join(
            f"{c.heading(language)!r} (or {c.heading('en' if language == 'nl' else 'nl')!r})"
            for c in missing
        )
        found = ", ".join(repr(text) for text in texts) or "none"
        plural = "columns" if len(missing) > 1 else "column"
        problems.error(
            _at(number),
            f"the register has no {plural} {names}; the columns found are: {found}",
        )
        return None
    number, cells = filled[header_at]
    matched = _match_headings(layout, cells)
    headings: dict[str, str] = {}
    places: dict[str, int] = {}
    for index, column in matched.items():
        text = parse_text(cells[index]) or ""
        if column.key in headings:
            problems.error(
                _at(number),
                f"columns {headings[column.key]!r} ({_letter(places[column.key])}) and "
                f"{text!r} ({_letter(index)}) both give the {column.en.lower()}; keep one",
            )
            continue
        headings[column.key] = text
        places[column.key] = index
    for index, cell in enumerate(cells):
        other = parse_text(cell)
        if other and index not in matched:
            problems.warning(
                _at(number, other), "not a column ketenkaart knows; its cells are not read"
            )
    language = _language(layout, headings.values())
    table = _Table(layout, language, headings, [])
    for row_number, row_cells in filled[header_at + 1 :]:
        values: dict[str, object] = {}
        for key, index in places.items():
            if index >= len(row_cells):
                continue
            try:
                value = layout.column(key).parse(row_cells[index])
            except CellError as err:
                problems.error(_at(row_number, headings[key]), str(err))
                continue
            if value is not None and value != ():
                values[key] = value
        if values:
            table.rows.append((row_number, values))
    return table


# ---------------------------------------------------------------------------------------------
# Parsed rows -> entities, merged over rows.


@dataclass(slots=True)
class _Stated:
    value: object
    row: int


@dataclass(slots=True)
class _Entity:
    name: str
    row: int
    what: str
    fields: dict[str, _Stated] = field(default_factory=dict)
    id: str = ""

    def settle(self, table: _Table, problems: _Problems, row: int, key: str, value: object) -> None:
        """Take a cell's value, or report that it contradicts an earlier row."""
        if value is None:
            return
        known = self.fields.get(key)
        if known is None:
            self.fields[key] = _Stated(value, row)
        elif known.value != value:
            problems.error(
                _at(row, table.heading(key)),
                f"{_show(value)!r} contradicts row {known.row} ({_show(known.value)!r}) "
                f"for {self.what}",
            )

    def get(self, key: str) -> object:
        stated = self.fields.get(key)
        return None if stated is None else stated.value


@dataclass(slots=True)
class _Link:
    consumer_names: tuple[str, ...]
    provider: tuple[str, str]
    row: int
    role: object
    critical: object


@dataclass(slots=True)
class _Piece:
    """One piece of evidence, over the rows that state it."""

    entity: _Entity
    reference: str | None
    holder: str  # supplier key
    covers: list[tuple[str, str]]


def _unique(base: str, taken: set[str]) -> str:
    made = base
    counter = 1
    while made in taken:
        counter += 1
        made = f"{base}-{counter}"
    taken.add(made)
    return made


class _Assembler:
    """Builds the chain from a table's rows."""

    def __init__(self, table: _Table, problems: _Problems, existing: Chain | None) -> None:
        self.table = table
        self.problems = problems
        self.existing = existing or Chain(offerings=())
        self.suppliers: dict[str, _Entity] = {}
        self.services: dict[tuple[str, str], _Entity] = {}
        self.links: list[_Link] = []
        self.pieces: dict[object, _Piece] = {}
        self.where: dict[tuple[str, int, str], tuple[int, str]] = {}
        self.pending_holders: list[tuple[int, str]] = []

    def heading(self, key: str) -> str:
        return self.table.heading(key)

    def filled_without(
        self, row: int, values: Mapping[str, object], keys: Iterable[str], need: str
    ) -> None:
        for key in keys:
            if key in values:
                self.problems.error(
                    _at(row, self.heading(key)),
                    f"filled, but column {self.heading(need)!r} is empty",
                )

    def read_rows(self) -> None:
        for row, values in self.table.rows:
            name = values.get("supplier")
            if not isinstance(name, str):
                self.problems.error(
                    _at(row, self.heading("supplier")), "empty; every row names its supplier"
                )
                continue
            supplier = self.suppliers.setdefault(
                _norm(name), _Entity(name, row, f"supplier {name!r}")
            )
            for key in _SUPPLIER_KEYS:
                supplier.settle(self.table, self.problems, row, key, values.get(key))
            service_name = values.get("service")
            if not isinstance(service_name, str):
                self.filled_without(
                    row, values, (*_SERVICE_KEYS, *_LINK_KEYS, *_EVIDENCE_KEYS), "service"
                )
                continue
            service_key = (_norm(name), _norm(service_name))
            service = self.services.setdefault(
                service_key, _Entity(service_name, row, f"service {service_name!r}")
            )
            for key in _SERVICE_KEYS:
                service.settle(self.table, self.problems, row, key, values.get(key))
            if "used_by" in values:
                names = values["used_by"]
                assert isinstance(names, tuple)  # noqa: S101 - parse_names gives a tuple
                self.links.append(
                    _Link(names, service_key, row, values.get("role"), values.get("critical"))
                )
            else:
                self.filled_without(row, values, ("role", "critical"), "used_by")
            if "certificate" in values:
                self.read_evidence(row, values, service_key)
            else:
                self.filled_without(row, values, _EVIDENCE_KEYS, "certificate")

    def read_evidence(
        self, row: int, values: Mapping[str, object], service_key: tuple[str, str]
    ) -> None:
        problems, heading = self.problems, self.heading
        found = values["certificate"]
        assert isinstance(found, tuple)  # noqa: S101 - parse_scheme gives a pair
        scheme, named_type = found
        assert isinstance(scheme, Scheme)  # noqa: S101
        report_type = values.get("type")
        if named_type is not None and report_type is not None and named_type != report_type:
            problems.error(
                _at(row, heading("type")),
                f"type {report_type} contradicts the certificate {heading('certificate')!r}, "
                f"which says type {named_type}",
            )
            return
        report_type = report_type if report_type is not None else named_type
        if scheme.scheme_class is not SchemeClass.ASSURANCE_REPORT and report_type is not None:
            if "type" in values:
                problems.warning(
                    _at(row, heading("type")), f"ignored: the {scheme.label} has no report type"
                )
            report_type = None
        start, end = values.get("period_from"), values.get("period_to")
        period = None
        if (start is None) != (end is None):
            empty, other = (
                ("period_from", "period_to") if start is None else ("period_to", "period_from")
            )
            problems.error(
                _at(row, heading(empty)),
                f"empty, but {heading(other)!r} is filled: a period needs both ends",
            )
            return
        if isinstance(start, date) and isinstance(end, date):
            period = DateRange(start, end)
        ok = self.scheme_rules(row, scheme, report_type, period, values)
        holder_name = values.get("holder")
        holder = service_key[0]
        if isinstance(holder_name, str):
            holder = _norm(holder_name)
            if holder not in self.suppliers and not any(
                _norm(s.name) == holder or s.id == holder_name
                for s in self.existing.suppliers.values()
            ):
                self.pending_holders.append((row, holder_name))
        if not ok:
            return
        fields: dict[str, object] = {
            "certificate": scheme,
            "type": report_type,
            "period_from": period,
            "as_of": values.get("as_of"),
            "issued": values.get("issued"),
            "valid_until": values.get("valid_until"),
            "issuer": values.get("issuer"),
            "version": values.get("version"),
            "scope": values.get("scope"),
            "holder": holder,
        }
        reference = values.get("reference")
        identity: object = (
            ("reference", reference)
            if isinstance(reference, str)
            else ("cells", tuple(fields.items()))
        )
        piece = self.pieces.get(identity)
        if piece is None:
            what = f"certificate {reference!r}" if isinstance(reference, str) else "certificate"
            entity = _Entity(scheme.label, row, what)
            piece = _Piece(entity, reference if isinstance(reference, str) else None, holder, [])
            self.pieces[identity] = piece
            entity.fields = {key: _Stated(value, row) for key, value in fields.items()}
        else:
            for key, value in fields.items():
                known = piece.entity.fields[key]
                if known.value != value:
                    shown = "" if value is None else _show(value)
                    was = "" if known.value is None else _show(known.value)
                    self.problems.error(
                        _at(row, heading(key)),
                        f"{shown!r} contradicts row {known.row} ({was!r}) for {piece.entity.what}",
                    )
        if service_key not in piece.covers:
            piece.covers.append(service_key)

    def scheme_rules(
        self,
        row: int,
        scheme: Scheme,
        report_type: object,
        period: DateRange | None,
        values: Mapping[str, object],
    ) -> bool:
        """Whether the row has what its scheme needs; else report the column to fill."""
        problems, heading = self.problems, self.heading
        ok = True
        if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT and report_type is None:
            problems.error(
                _at(row, heading("type")),
                f"the {scheme.label} needs its report type: fill column {heading('type')!r} "
                "with 1 or 2",
            )
            ok = False
        if report_type == 2 and period is None:
            problems.error(
                _at(row, heading("period_from")),
                f"a type 2 report needs its tested period: fill columns "
                f"{heading('period_from')!r} and {heading('period_to')!r}",
            )
            ok = False
        if scheme in _NEEDS_VALID_UNTIL and values.get("valid_until") is None:
            problems.error(
                _at(row, heading("valid_until")),
                f"the {scheme.label} needs its expiry date: fill column {heading('valid_until')!r}",
            )
            ok = False
        return ok

    # -- ids --------------------------------------------------------------------------------

    def assign_ids(self) -> None:
        existing = self.existing
        by_name: dict[str, str] = {}
        for known in existing.suppliers.values():
            by_name.setdefault(_norm(known.name), known.id)
        taken = set(existing.suppliers)
        for key, supplier in self.suppliers.items():
            if key in by_name:
                supplier.id = by_name[key]
                continue
            base = slug(supplier.name)
            if not base:
                self.problems.error(
                    _at(supplier.row, self.heading("supplier")),
                    f"{supplier.name!r} has no letter or digit to make an id of",
                )
            supplier.id = _unique(base or "supplier", taken)
        service_by_name: dict[tuple[str, str], str] = {}
        for offered in existing.services.values():
            service_by_name.setdefault((offered.supplier, _norm(offered.name)), offered.id)
        taken = set(existing.services)
        for (supplier_key, name_key), service in self.services.items():
            supplier_id = self.suppliers[supplier_key].id
            found = service_by_name.get((supplier_id, name_key))
            if found is not None:
                service.id = found
                continue
            base = slug(service.name)
            if not base:
                self.problems.error(
                    _at(service.row, self.heading("service")),
                    f"{service.name!r} has no letter or digit to make an id of",
                )
                base = "service"
            if base in taken:
                base = slug(f"{supplier_id}-{service.name}") or base
            service.id = _unique(base, taken)
        taken = {piece.reference for piece in self.pieces.values() if piece.reference}
        for piece in self.pieces.values():
            if piece.reference:
                piece.entity.id = piece.reference
                continue
            holder_id = self.holder_id(piece.holder)
            scheme = piece.entity.get("certificate")
            assert isinstance(scheme, Scheme)  # noqa: S101
            year = next(
                (
                    day.year
                    for day in (
                        getattr(piece.entity.get("period_from"), "end", None),
                        piece.entity.get("valid_until"),
                        piece.entity.get("issued"),
                        piece.entity.get("as_of"),
                    )
                    if isinstance(day, date)
                ),
                None,
            )
            base = f"{holder_id}-{scheme.value}" + ("" if year is None else f"-{year}")
            piece.entity.id = _unique(slug(base) or "evidence", taken)

    def holder_id(self, key: str) -> str:
        if key in self.suppliers:
            return self.suppliers[key].id
        for supplier in self.existing.suppliers.values():
            if _norm(supplier.name) == key or supplier.id == key:
                return supplier.id
        return slug(key)

    # -- links --------------------------------------------------------------------------------

    def resolve(self, name: str) -> list[str]:
        """The ids a name in *Used by* may mean: by name, then by id, in the register first."""
        key = _norm(name)
        hits = [s.id for (_, name_key), s in self.services.items() if name_key == key]
        if hits:
            return hits
        ids = {s.id for s in self.services.values()}
        if name in ids or name in self.existing.services:
            return [name]
        return [s.id for s in self.existing.services.values() if _norm(s.name) == key]

    def consumers(self, link: _Link) -> list[str]:
        found: list[str] = []
        used_by = self.heading("used_by")
        for piece in link.consumer_names:
            parts = [piece]
            hits = [self.resolve(piece)]
            if not hits[0] and "," in piece:
                split = [part.strip() for part in piece.split(",") if part.strip()]
                split_hits = [self.resolve(part) for part in split]
                if all(split_hits):
                    parts, hits = split, split_hits
            for part, ids in zip(parts, hits, strict=True):
                if not ids:
                    names = sorted({s.name for s in self.services.values()})
                    close = [n for n in names if _norm(n).startswith(_norm(part)[:4])][:3]
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    self.problems.error(
                        _at(link.row, used_by),
                        f"no service {part!r} in the register{hint}",
                    )
                elif len(ids) > 1:
                    self.problems.error(
                        _at(link.row, used_by),
                        f"{part!r} names {len(ids)} services ({', '.join(ids)}); "
                        "write the id of the one meant",
                    )
                elif ids[0] not in found:
                    found.append(ids[0])
        return found

    # -- the chain ------------------------------------------------------------------------------

    def chain(self) -> Chain:
        problems = self.problems
        for row, name in self.pending_holders:
            if _norm(name) not in self.suppliers:
                problems.error(
                    _at(row, self.heading("holder")),
                    f"no supplier {name!r} in the register; add a row with this supplier "
                    "(the service may stay empty)",
                )
        self.assign_ids()
        suppliers: dict[str, Supplier] = {}
        for index, supplier in enumerate(self.suppliers.values()):
            kvk = supplier.get("kvk")
            country = supplier.get("country")
            suppliers[supplier.id] = Supplier(
                id=supplier.id,
                name=supplier.name,
                country=country if isinstance(country, str) else None,
                ids={"kvk": kvk} if isinstance(kvk, str) else {},
            )
            self.mark(
                "suppliers",
                index,
                supplier,
                {"name": "supplier", "country": "country", "ids": "kvk"},
            )
        services: dict[str, Service] = {}
        offerings: list[str] = []
        for index, ((supplier_key, _), service) in enumerate(self.services.items()):
            kind = service.get("kind")
            if not isinstance(kind, Kind):
                problems.error(
                    _at(service.row, self.heading("kind")),
                    f"empty: the kind of service {service.name!r} "
                    f"(one of: {', '.join(k.value for k in Kind)})",
                )
                kind = Kind.OTHER
            locations = service.get("locations")
            description = service.get("description")
            services[service.id] = Service(
                id=service.id,
                name=service.name,
                supplier=self.suppliers[supplier_key].id,
                kind=kind,
                locations=locations if isinstance(locations, tuple) else (),
                personal_data=service.get("personal_data") is True,
                description=description if isinstance(description, str) else None,
            )
            if service.get("offering") is True:
                offerings.append(service.id)
            self.mark(
                "services",
                index,
                service,
                {"name": "service", "id": "service", "supplier": "supplier", "kind": "kind",
                 "locations": "locations", "personal_data": "personal_data",
                 "description": "description"},
            )  # fmt: skip
        dependencies: dict[tuple[str, str], Dependency] = {}
        stated: dict[tuple[str, str], _Link] = {}
        for link in self.links:
            provider = self.services[link.provider].id
            for consumer in self.consumers(link):
                key = (consumer, provider)
                role = link.role if isinstance(link.role, str) else None
                critical = link.critical is True
                earlier = stated.get(key)
                if earlier is not None:
                    before = dependencies[key]
                    if (before.role, before.critical) != (role, critical):
                        problems.error(
                            _at(link.row, self.heading("used_by")),
                            f"the link from {consumer!r} to {provider!r} contradicts row "
                            f"{earlier.row} (role or critical differ)",
                        )
                    continue
                stated[key] = link
                index = len(dependencies)
                dependencies[key] = Dependency(consumer, provider, role=role, critical=critical)
                for path_key, column in (("from", "used_by"), ("to", "service"), ("role", "role")):
                    self.where[("dependencies", index, path_key)] = (
                        link.row,
                        self.heading(column),
                    )
                self.where[("dependencies", index, "")] = (link.row, self.heading("used_by"))
        evidence: dict[str, Evidence] = {}
        for index, piece in enumerate(self.pieces.values()):
            entity = piece.entity

            def value(key: str, entity: _Entity = entity) -> object:
                return entity.get(key)

            scheme = value("certificate")
            report_type = value("type")
            period = value("period_from")
            assert isinstance(scheme, Scheme)  # noqa: S101
            evidence[entity.id] = Evidence(
                id=entity.id,
                scheme=scheme,
                holder=self.holder_id(piece.holder),
                covers=tuple(self.services[key].id for key in piece.covers),
                type=report_type if isinstance(report_type, int) else None,
                period=period if isinstance(period, DateRange) else None,
                as_of=_day(value("as_of")),
                issued=_day(value("issued")),
                valid_until=_day(value("valid_until")),
                issuer=_text(value("issuer")),
                version=_text(value("version")),
                scope=_text(value("scope")),
            )
            self.mark(
                "evidence",
                index,
                entity,
                {"id": "reference", "scheme": "certificate", "holder": "holder",
                 "covers": "service", "type": "type", "period": "period_from",
                 "as_of": "as_of", "issued": "issued", "valid_until": "valid_until",
                 "issuer": "issuer", "version": "version", "scope": "scope"},
            )  # fmt: skip
        return Chain(
            offerings=tuple(offerings),
            suppliers=suppliers,
            services=services,
            dependencies=dependencies,
            evidence=evidence,
        )

    def mark(self, section: str, index: int, entity: _Entity, paths: Mapping[str, str]) -> None:
        """Remember which row and column each field of an entity came from."""
        self.where[(section, index, "")] = (entity.row, "")
        for path_key, column in paths.items():
            stated = entity.fields.get(column)
            row = entity.row if stated is None else stated.row
            self.where[(section, index, path_key)] = (row, self.heading(column))


def _day(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


_PATH = re.compile(r"(suppliers|services|dependencies|evidence)\[([0-9]+)\](?:\.([a-z_]+))?")


def _check(chain: Chain, assembler: _Assembler, source: Source) -> None:
    """Check the chain against the contract, naming row and column of whatever it finds.

    Services and suppliers of the existing register that the rows refer to are lent to the
    check, so references to them resolve.
    """
    existing = assembler.existing
    borrowed_services = {
        service_id: existing.services[service_id]
        for dependency in chain.dependencies.values()
        for service_id in (dependency.consumer,)
        if service_id not in chain.services and service_id in existing.services
    }
    borrowed_suppliers = {
        supplier_id: replace(existing.suppliers[supplier_id], parent=None)
        for supplier_id in (
            *(service.supplier for service in borrowed_services.values()),
            *(piece.holder for piece in chain.evidence.values()),
        )
        if supplier_id not in chain.suppliers and supplier_id in existing.suppliers
    }
    whole = replace(
        chain,
        offerings=chain.offerings or ("-",),
        suppliers={**chain.suppliers, **borrowed_suppliers},
        services={**chain.services, **borrowed_services},
    )
    try:
        load_plain(dump_plain(whole), source=source.filename)
    except ChainError as err:
        for issue in err.issues:
            if issue.path.startswith("offerings") and not chain.offerings:
                continue
            found = _PATH.match(issue.path)
            where = issue.path
            if found:
                section, index, key = found.group(1), int(found.group(2)), found.group(3) or ""
                place = assembler.where.get((section, index, key)) or assembler.where.get(
                    (section, index, "")
                )
                if place is not None:
                    where = _at(place[0], place[1] or None)
            assembler.problems.error(where, issue.message)


def _read_chain(layout: Layout, rows: Sequence[Row], source: Source) -> ImportResult:
    problems = _Problems()
    table = _table(layout, rows, problems)
    if table is None or problems.failed:
        return ImportResult(Chain(offerings=()), tuple(problems.issues), filename=source.filename)
    assembler = _Assembler(table, problems, source.existing)
    assembler.read_rows()
    chain = assembler.chain()
    if not problems.failed:
        _check(chain, assembler, source)
    if problems.failed:
        return ImportResult(Chain(offerings=()), tuple(problems.issues), filename=source.filename)
    return ImportResult(chain, tuple(problems.issues), filename=source.filename)


# ---------------------------------------------------------------------------------------------
# The importers.


@dataclass(frozen=True, slots=True)
class RegisterImporter:
    """A supplier register in one file format (``csv`` or ``xlsx``) and one :class:`Layout`."""

    name: str
    description: str
    fmt: Format
    layout: Layout = REGISTER

    def sniff(self, head: bytes, filename: str) -> bool:
        """Whether ``head`` looks like a register. A workbook: by its extension. A CSV: by a
        heading row with the required columns, or (for a ``.csv``, ``.tsv`` or ``.txt``) with
        two of the layout's headings, so that a register missing a column still reaches the
        message that names it, and other CSV formats are left to their importers.

        >>> CSV_IMPORTER.sniff(b"Leverancier;Dienst;Soort\\r\\n", "export.txt")
        True
        >>> XLSX_IMPORTER.sniff(b"PK\\x03\\x04...", "leveranciers.xlsx")
        True
        """
        name = filename.lower()
        if self.fmt == "xlsx":
            return head.startswith(_ZIP_MAGIC) and name.endswith((".xlsx", ".xlsm"))
        if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
            return False
        try:
            rows = _csv_rows(head)
        except (_RefusedError, csv.Error, UnicodeError, ValueError):
            return False
        required = {column.key for column in self.layout.columns if column.required}
        named = name.endswith((".csv", ".tsv", ".txt"))
        for _, cells in rows[:HEADER_ROWS]:
            found = {column.key for column in _match_headings(self.layout, cells).values()}
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
            rows = _csv_rows(data) if self.fmt == "csv" else _xlsx_rows(data, self.layout)
        except _RefusedError as err:
            return ImportResult(
                Chain(offerings=()), (ImportIssue("", str(err)),), filename=source.filename
            )
        return _read_chain(self.layout, rows, source)


CSV_IMPORTER: Final = RegisterImporter(
    "csv",
    "a supplier register saved as CSV (',' ';' or tab; UTF-8, UTF-16 or Windows-1252)",
    "csv",
)
XLSX_IMPORTER: Final = RegisterImporter(
    "xlsx", "a supplier register as an Excel workbook (.xlsx)", "xlsx"
)


# ---------------------------------------------------------------------------------------------
# Writing: the register's rows of a chain, as CSV or XLSX; the template is an empty register.


def _register_rows(chain: Chain, layout: Layout, language: Language) -> list[list[CellValue]]:
    yes, no = _FLAG_WORDS[language]
    counts: dict[str, int] = {}
    for service in chain.services.values():
        counts[_norm(service.name)] = counts.get(_norm(service.name), 0) + 1

    def reference(service_id: str) -> str:
        service = chain.services.get(service_id)
        if (
            service is not None
            and counts[_norm(service.name)] == 1
            and not re.search(r"[;\r\n]", service.name)
        ):
            return service.name
        return service_id

    def flag(value: bool) -> str:
        return yes if value else no

    consumers: dict[str, dict[tuple[str | None, bool], list[str]]] = {}
    for dependency in chain.dependencies.values():
        by_kind = consumers.setdefault(dependency.provider, {})
        by_kind.setdefault((dependency.role, dependency.critical), []).append(
            reference(dependency.consumer)
        )
    covering: dict[str, list[Evidence]] = {}
    for piece in chain.evidence.values():
        for service_id in piece.covers:
            covering.setdefault(service_id, []).append(piece)
    offered = set(chain.offerings)
    by_supplier: dict[str, list[Service]] = {}
    for service in chain.services.values():
        by_supplier.setdefault(service.supplier, []).append(service)

    rows: list[list[CellValue]] = []
    for supplier in chain.suppliers.values():
        base: dict[str, CellValue] = {
            "supplier": supplier.name,
            "kvk": supplier.ids.get("kvk"),
            "country": supplier.country,
        }
        services = by_supplier.get(supplier.id, [])
        if not services:
            rows.append(_cells(layout, base))
        for service in services:
            service_cells: dict[str, CellValue] = {
                **base,
                "service": service.name,
                "kind": KIND_WORDS[language][service.kind],
                "description": service.description,
                "offering": flag(service.id in offered),
                "locations": ", ".join(service.locations) or None,
                "personal_data": flag(service.personal_data),
            }
            groups = list(consumers.get(service.id, {}).items())
            pieces = covering.get(service.id, [])
            for index in range(max(1, len(groups), len(pieces))):
                cells = dict(service_cells)
                if index < len(groups):
                    (role, critical), names = groups[index]
                    cells.update(used_by="; ".join(names), role=role, critical=flag(critical))
                if index < len(pieces):
                    cells.update(_evidence_cells(chain, pieces[index], language))
                rows.append(_cells(layout, cells))
    return rows


def _evidence_cells(chain: Chain, piece: Evidence, language: Language) -> dict[str, CellValue]:
    holder = chain.suppliers.get(piece.holder)
    return {
        "certificate": SCHEME_NAMES[piece.scheme][0 if language == "en" else 1],
        "holder": holder.name if holder is not None else piece.holder,
        "type": piece.type,
        "period_from": piece.period.start if piece.period else None,
        "period_to": piece.period.end if piece.period else None,
        "as_of": piece.as_of,
        "issued": piece.issued,
        "valid_until": piece.valid_until,
        "issuer": piece.issuer,
        "version": piece.version,
        "scope": piece.scope,
        "reference": piece.id,
    }


def _cells(layout: Layout, values: Mapping[str, CellValue]) -> list[CellValue]:
    """A row in the layout's column order, every text passed through ``safe_cell``."""
    row: list[CellValue] = []
    for column in layout.columns:
        value = values.get(column.key)
        row.append(safe_cell(value) if isinstance(value, str) else value)  # type: ignore[arg-type]
    return row


def _csv_bytes(layout: Layout, rows: Sequence[Sequence[CellValue]], language: Language) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if language == "nl" else ",", lineterminator="\r\n")
    writer.writerow(column.heading(language) for column in layout.columns)
    for row in rows:
        writer.writerow(
            "" if value is None else value.isoformat() if isinstance(value, date) else value
            for value in row
        )
    return out.getvalue().encode("utf-8-sig")


_CHOICES: Final[Mapping[str, Mapping[Language, tuple[str, ...]]]] = {
    "kind": {language: tuple(words.values()) for language, words in KIND_WORDS.items()},
    "scheme": {
        "en": tuple(names[0] for names in SCHEME_NAMES.values()),
        "nl": tuple(names[1] for names in SCHEME_NAMES.values()),
    },
    "flag": {language: (yes, no) for language, (yes, no) in _FLAG_WORDS.items()},
}
_VALIDATED_ROWS: Final = 1000


def _xlsx_bytes(layout: Layout, rows: Sequence[Sequence[CellValue]], language: Language) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - only XLSX needs it
    from openpyxl.styles import Font  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import (  # type: ignore[import-untyped]  # noqa: PLC0415
        DataValidation,
    )

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has its sheet
    titles = layout.sheet_title or {"en": "Register", "nl": "Register"}
    sheet.title = titles[language]
    sheet.append([column.heading(language) for column in layout.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    date_format = _DATE_FORMAT[language]
    for row in rows:
        sheet.append(list(row))
    for index, column in enumerate(layout.columns):
        letter = _letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.parse.__name__ == "parse_day":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = date_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{_letter(len(layout.columns) - 1)}{len(rows) + 1}"
    lists = book.create_sheet("Lists" if language == "en" else "Lijsten")
    lists.sheet_state = "hidden"
    list_column: dict[str, str] = {}
    for number, (name, choices) in enumerate(_CHOICES.items()):
        letter = _letter(number)
        list_column[name] = f"={lists.title}!${letter}$1:${letter}${len(choices[language])}"
        for row_number, choice in enumerate(choices[language], start=1):
            lists[f"{letter}{row_number}"] = choice
    last = max(_VALIDATED_ROWS, len(rows) + 1)
    for index, column in enumerate(layout.columns):
        if column.choices is None:
            continue
        validation = DataValidation(
            type="list",
            formula1=list_column[column.choices],
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        validation.add(f"{_letter(index)}2:{_letter(index)}{last}")
        sheet.add_data_validation(validation)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_register(
    chain: Chain, fmt: Format = "xlsx", language: Language = "en", *, layout: Layout = REGISTER
) -> bytes:
    """Write ``chain`` as a supplier register that :data:`CSV_IMPORTER` or
    :data:`XLSX_IMPORTER` reads back.

    One row per service and certificate (more when its consumers differ in role or
    criticality), a row with only the supplier for a supplier without services. Text that a
    spreadsheet would run as a formula is neutralised with :func:`importers.base.safe_cell`.
    What the layout cannot carry is left out (see ADR 0011): supplier parents, contacts and
    identifiers other than the KvK number; out-of-scope links and a link's own personal data,
    locations and contract; evidence criteria, qualifications, opinions, exceptions,
    sub-services, CUECs, bridge letters, documents; titles, profiles and ``x-`` keys.

    Parameters
    ----------
    chain : Chain
        The chain to write.
    fmt : {"xlsx", "csv"}
        XLSX (a header row that stays in view, filters, drop-down lists), or CSV (UTF-8 with a
        byte order mark; ``;``-separated in Dutch, ``,`` in English).
    language : {"en", "nl"}
        The language of the headings and of the words for kinds, schemes and yes/no.
    layout : Layout, optional
        The column layout, :data:`importers.layouts.REGISTER` by default.

    Returns
    -------
    bytes
        The file's content.

    Examples
    --------
    >>> from graph.model import Kind, Service, Supplier
    >>> chain = Chain(offerings=("app",), suppliers={"me": Supplier("me", "=Me")},
    ...               services={"app": Service("app", "App", "me", Kind.SAAS)})
    >>> export_register(chain, "csv", "nl").decode("utf-8-sig").splitlines()[1][:22]
    "'=Me;;;App;saas;;ja;;;"
    """
    rows = _register_rows(chain, layout, language)
    if fmt == "csv":
        return _csv_bytes(layout, rows, language)
    return _xlsx_bytes(layout, rows, language)


def template(fmt: Format, language: Language, *, layout: Layout = REGISTER) -> bytes:
    """An empty register to fill in: the headings in ``language``, and for XLSX a frozen
    heading row, filters, column widths and drop-down lists for kind, certificate and yes/no.

    >>> template("csv", "en").decode("utf-8-sig").split(",")[:4]
    ['Supplier', 'KvK number', 'Country', 'Service']
    """
    return export_register(Chain(offerings=()), fmt, language, layout=layout)
