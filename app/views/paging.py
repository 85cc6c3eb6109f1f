"""Long tables a page at a time: which rows a page shows, and the links to the others.

A table that fits on one page gets no pager at all. A longer one shows its rows ``size`` at a
time, in the table's own stable order, with the count of rows and pages and links to the first,
previous, nearby, next and last page (ADR 29). The page number is read from the query, kept
within the pages there are: a number too large shows the last page, anything that is not a
number the first.

>>> p = Pager.of(total=1_234, size=100, asked="3")
>>> (p.page, p.pages, p.first_row, p.last_row, p.rows)
(3, 13, 201, 300, range(200, 300))
>>> [n for n in p.window]
[1, 2, 3, 4, 5]
>>> Pager.of(total=1_234, size=100, asked="99").page
13
>>> Pager.of(total=0, size=100, asked="x").paged
False
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW = 2
"""Pages linked on either side of the current one."""


@dataclass(frozen=True, slots=True)
class Pager:
    """Page ``page`` of a table of ``total`` rows, ``size`` to a page."""

    total: int
    size: int
    page: int

    @classmethod
    def of(cls, *, total: int, size: int, asked: str | None) -> Pager:
        """The page ``asked`` for (the query's text), kept within the pages there are."""
        try:
            number = int((asked or "1")[:12])
        except ValueError:
            number = 1
        pages = max(1, -(-total // size))
        return cls(total, size, min(max(1, number), pages))

    @property
    def pages(self) -> int:
        """How many pages the table has (at least one, for an empty table)."""
        return max(1, -(-self.total // self.size))

    @property
    def paged(self) -> bool:
        """Whether the table is longer than one page (and so shows a pager)."""
        return self.total > self.size

    @property
    def rows(self) -> range:
        """The indexes of the rows this page shows."""
        start = (self.page - 1) * self.size
        return range(start, min(start + self.size, self.total))

    @property
    def first_row(self) -> int:
        """The first row shown, counted from 1 (0 for an empty table)."""
        return self.rows.start + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        """The last row shown, counted from 1."""
        return self.rows.stop

    @property
    def window(self) -> range:
        """The page numbers linked around the current one."""
        return range(max(1, self.page - WINDOW), min(self.pages, self.page + WINDOW) + 1)
