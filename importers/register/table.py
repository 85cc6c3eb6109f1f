"""A register's heading row found among its first rows, and each data row's cells parsed by the
column under them (:mod:`importers.layouts` declares the columns); problems named by row and
column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from graph.i18n import current, gettext, ngettext
from importers.base import ImportIssue
from importers.layouts import (
    CellError,
    CellValue,
    Column,
    Language,
    Layout,
    heading_key,
    parse_text,
)
from importers.register.rows import HEADER_ROWS, Row


def norm(name: str) -> str:
    """A name as rows are matched on it: case and repeated white space do not matter."""
    return " ".join(name.split()).casefold()


def column_letter(index: int) -> str:
    """The spreadsheet letter of the column at ``index`` (0 is ``A``).

    >>> column_letter(0), column_letter(25), column_letter(27)
    ('A', 'Z', 'AB')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(slots=True)
class Problems:
    """The errors and warnings found so far; any error fails the import."""

    issues: list[ImportIssue] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        self.issues.append(ImportIssue(where, message))

    def warning(self, where: str, message: str) -> None:
        self.issues.append(ImportIssue(where, message, "warning"))

    @property
    def failed(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)


def at(row: int, heading: str | None = None) -> str:
    """Where a problem is: ``row 3``, or ``row 3, column 'Kind'``, in the context's language.

    >>> at(3), at(3, "Kind")
    ('row 3', "row 3, column 'Kind'")
    """
    if heading is None:
        return gettext("row {row}").format(row=row)
    return gettext("row {row}, column {column}").format(row=row, column=repr(heading))


def _what(column: Column) -> str:
    """What a column gives, for a message: ``service`` in English as the message always wrote
    it; its Dutch heading, quoted, in another language.

    >>> from importers.layouts import REGISTER
    >>> _what(REGISTER.column("service"))
    'service'
    """
    return column.en.lower() if current() == "en" else repr(column.nl)


def _empty(value: CellValue) -> bool:
    return parse_text(value) is None


@dataclass(slots=True)
class Table:
    """The heading row's columns, and each data row's parsed values."""

    layout: Layout
    language: Language
    headings: dict[str, str]  # column key -> heading as the file writes it
    rows: list[tuple[int, dict[str, object]]]

    def heading(self, key: str) -> str:
        """The file's heading of a column, or the layout's one when the file has none."""
        return self.headings.get(key) or self.layout.column(key).heading(self.language)


def match_headings(layout: Layout, cells: Sequence[CellValue]) -> dict[int, Column]:
    """The layout's column of each cell that is one of its headings, by the cell's index."""
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


def read_table(layout: Layout, rows: Sequence[Row], problems: Problems) -> Table | None:
    """The table under the first heading row that has every required column, or ``None``
    with the problem (the columns missing and the ones found) in ``problems``."""
    filled = [(number, cells) for number, cells in rows if any(not _empty(c) for c in cells)]
    if not filled:
        problems.error("", gettext("the register is empty: no heading row and no rows"))
        return None
    required = [column for column in layout.columns if column.required]
    header_at = None
    best: tuple[int, Sequence[CellValue], dict[int, Column]] | None = None
    for position, (number, cells) in enumerate(filled[:HEADER_ROWS]):
        matched = match_headings(layout, cells)
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
            gettext("{heading} (or {other})").format(
                heading=repr(c.heading(language)),
                other=repr(c.heading("en" if language == "nl" else "nl")),
            )
            for c in missing
        )
        found = ", ".join(repr(text) for text in texts) or gettext("none")
        problems.error(
            at(number),
            ngettext(
                "the register has no column {names}; the columns found are: {found}",
                "the register has no columns {names}; the columns found are: {found}",
                len(missing),
            ).format(names=names, found=found),
        )
        return None
    number, cells = filled[header_at]
    matched = match_headings(layout, cells)
    headings: dict[str, str] = {}
    places: dict[str, int] = {}
    for index, column in matched.items():
        text = parse_text(cells[index]) or ""
        if column.key in headings:
            problems.error(
                at(number),
                gettext(
                    "columns {first} ({first_letter}) and {second} ({second_letter}) both give "
                    "the {what}; keep one"
                ).format(
                    first=repr(headings[column.key]),
                    first_letter=column_letter(places[column.key]),
                    second=repr(text),
                    second_letter=column_letter(index),
                    what=_what(column),
                ),
            )
            continue
        headings[column.key] = text
        places[column.key] = index
    for index, cell in enumerate(cells):
        other = parse_text(cell)
        if other and index not in matched:
            problems.warning(
                at(number, other),
                gettext("not a column ketenkaart knows; its cells are not read"),
            )
    language = _language(layout, headings.values())
    table = Table(layout, language, headings, [])
    for row_number, row_cells in filled[header_at + 1 :]:
        values: dict[str, object] = {}
        for key, index in places.items():
            if index >= len(row_cells):
                continue
            try:
                value = layout.column(key).parse(row_cells[index])
            except CellError as err:
                problems.error(at(row_number, headings[key]), str(err))
                continue
            if value is not None and value != ():
                values[key] = value
        if values:
            table.rows.append((row_number, values))
    return table
