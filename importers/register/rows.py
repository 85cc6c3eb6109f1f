"""A register's bytes as rows of cells: CSV text in any usual encoding and delimiter, or the
register's sheet of an XLSX workbook, within limits that keep a hostile file small.

openpyxl is imported when a workbook is read, not with this module: the service and the command
line do not pay for it until someone imports an XLSX register.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date
from typing import Final, Literal

from defusedxml import DefusedXmlException

from graph.i18n import format_number, gettext
from importers.layouts import CellValue, Layout

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
"""The file formats a register comes in."""

OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How an old .xls workbook, or a password-protected one, starts."""
ZIP_MAGIC: Final = b"PK\x03\x04"
"""How an XLSX workbook (a zip archive) starts."""


class RefusedError(Exception):
    """The file cannot be read at all; the message says why."""


Row = tuple[int, Sequence[CellValue]]
"""A row's number in the file (from 1), and its cells."""


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252, else latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as err:
            raise RefusedError(
                gettext(
                    "the file starts as UTF-8 but byte {offset} is not UTF-8; "
                    "save it again as CSV UTF-8"
                ).format(offset=err.start + 3)
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RefusedError(
                gettext("the file starts as UTF-16 but is not; save it as CSV UTF-8")
            ) from None
    if b"\x00" in data[:4096]:
        raise RefusedError(
            gettext(
                "the file holds NUL bytes: UTF-16 without a byte order mark, or not a CSV file; "
                "save it as CSV UTF-8"
            )
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


_FIELD_LIMIT: Final = re.compile(r"field larger than field limit \((\d+)\)")


def _csv_words(problem: str) -> str:
    """The csv module's problem in the context's language where the catalog has it.

    >>> _csv_words("field larger than field limit (131072)")
    'field larger than field limit (131072)'
    """
    match = _FIELD_LIMIT.fullmatch(problem)
    if match is not None:
        return gettext("field larger than field limit ({limit})").format(limit=match.group(1))
    if problem == "line contains NUL":
        return gettext("line contains NUL")
    return problem


def _zip_words(problem: str) -> str:
    """zipfile's commonest problem in the context's language; others as zipfile writes them."""
    return gettext("File is not a zip file") if problem == "File is not a zip file" else problem


def csv_rows(data: bytes) -> list[Row]:
    """The rows of CSV ``data``; a ``sep=`` first line names the delimiter, as Excel writes it."""
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
                raise RefusedError(
                    gettext("the register has more than {count} rows").format(
                        count=format_number(MAX_ROWS, grouped=True)
                    )
                )
            rows.append((number, cells[:MAX_COLUMNS]))
    except csv.Error as err:
        place = gettext("row {row}").format(row=number + 1)
        raise RefusedError(f"{place}: {_csv_words(str(err))}") from None
    return rows


def _cell(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | bool | date):
        return value
    return str(value)


def _unreadable(err: BaseException) -> RefusedError:
    """Why openpyxl could not read a workbook; entities that defusedxml refused are named."""
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return RefusedError(
                gettext(
                    "the workbook's XML declares entities (a DTD), which are refused: "
                    "save the register again from a spreadsheet program"
                )
            )
        cause = cause.__cause__ or cause.__context__
    return RefusedError(gettext("the workbook cannot be read: {reason}").format(reason=err))


def xlsx_rows(data: bytes, layout: Layout) -> list[Row]:
    """The rows of the workbook's sheet named like a register (``layout.sheet_words``), else
    of its first sheet."""
    if data.startswith(OLE_MAGIC):
        raise RefusedError(
            gettext(
                "this is an old .xls workbook or a password-protected one; "
                "save it as .xlsx without a password"
            )
        )
    if not data.startswith(ZIP_MAGIC):
        raise RefusedError(gettext("this is not an XLSX workbook (an XLSX file is a zip archive)"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise RefusedError(
            gettext("the workbook is damaged: {reason}").format(reason=_zip_words(str(err)))
        ) from None
    if len(parts) > MAX_ZIP_MEMBERS:
        raise RefusedError(
            gettext("the workbook has {count} parts; at most {most}").format(
                count=format_number(len(parts), grouped=True),
                most=format_number(MAX_ZIP_MEMBERS, grouped=True),
            )
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise RefusedError(
            gettext("the workbook unpacks to {count} bytes; at most {most} are read").format(
                count=format_number(unpacked, grouped=True),
                most=format_number(MAX_UNPACKED_BYTES, grouped=True),
            )
        )
    import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - only XLSX needs it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise _unreadable(err) from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise RefusedError(gettext("the workbook has no worksheet"))
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
                raise RefusedError(
                    gettext("sheet {sheet} has more than {count} rows").format(
                        sheet=repr(sheet.title), count=format_number(MAX_ROWS, grouped=True)
                    )
                )
            rows.append((number, [_cell(value) for value in values]))
        return rows
    except RefusedError:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged sheet surfaces while it is read
        raise _unreadable(err) from None
    finally:
        book.close()
