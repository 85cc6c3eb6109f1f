"""A chain written as a supplier register in CSV or XLSX, in English or Dutch; the template is
an empty register. openpyxl is imported when a workbook is written, not with this module.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final

from graph.model import Chain, Evidence, Service
from importers.base import safe_cell
from importers.layouts import KIND_WORDS, REGISTER, SCHEME_NAMES, CellValue, Language, Layout
from importers.register.rows import Format
from importers.register.table import column_letter, norm

_FLAG_WORDS: Final[Mapping[Language, tuple[str, str]]] = {"en": ("yes", "no"), "nl": ("ja", "nee")}
_DATE_FORMAT: Final[Mapping[Language, str]] = {"en": "yyyy-mm-dd", "nl": "dd-mm-yyyy"}


def _register_rows(chain: Chain, layout: Layout, language: Language) -> list[list[CellValue]]:
    yes, no = _FLAG_WORDS[language]
    counts: dict[str, int] = {}
    for service in chain.services.values():
        counts[norm(service.name)] = counts.get(norm(service.name), 0) + 1

    def reference(service_id: str) -> str:
        service = chain.services.get(service_id)
        if (
            service is not None
            and counts[norm(service.name)] == 1
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
    from openpyxl import Workbook  # type: ignore[import-untyped]  # noqa: PLC0415
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
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.parse.__name__ == "parse_day":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = date_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{column_letter(len(layout.columns) - 1)}{len(rows) + 1}"
    lists = book.create_sheet("Lists" if language == "en" else "Lijsten")
    lists.sheet_state = "hidden"
    list_column: dict[str, str] = {}
    for number, (name, choices) in enumerate(_CHOICES.items()):
        letter = column_letter(number)
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
        validation.add(f"{column_letter(index)}2:{column_letter(index)}{last}")
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
