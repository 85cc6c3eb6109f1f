"""The one exception tree of ketenkaart, and the place of a problem in a file.

>>> str(Issue(path="services[3].supplier", message="unknown supplier 'awz'",
...           file="chain.yaml", line=41))
"chain.yaml:41: services[3].supplier: unknown supplier 'awz'"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in an input, with its place: file, line (where known) and field path."""

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        place = ":".join(
            part for part in (self.file, None if self.line is None else str(self.line)) if part
        )
        where = ": ".join(part for part in (place, self.path) if part)
        return f"{where}: {self.message}" if where else self.message


class KetenkaartError(Exception):
    """Base of every error ketenkaart raises on purpose."""


class ChainError(KetenkaartError):
    """A chain (or profile) input breaks the contract; ``issues`` lists every problem.

    >>> err = ChainError([Issue(path="offerings", message="required", file="a.yaml", line=1)])
    >>> str(err)
    'a.yaml:1: offerings: required'
    """

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class UsageError(KetenkaartError):
    """Arguments that cannot be used: an unknown offering or profile, a bad period."""
