"""The one interface every file format stands behind, and the table that finds the right one.

An :class:`Importer` turns the bytes of a file into chain entities (a :class:`graph.model.Chain`)
and the problems it met, each with its place. Importers take bytes, never paths, sessions or
uploads; what a format needs beyond its own bytes (a file it refers to, the register the result
will join) comes in a :class:`Source`. The registry (:mod:`importers.registry`) is a plain dict;
:func:`importers.registry.detect` picks the format or says why it cannot.

Importing is all or nothing: a caller that gets a result with errors keeps nothing of it
(:meth:`ImportResult.raise_for_errors`).

>>> from graph.model import Chain
>>> result = ImportResult(
...     Chain(offerings=()),
...     (ImportIssue("row 3, column 'Dienst'", "empty"),),
...     filename="leveranciers.csv",
... )
>>> result.ok
False
>>> try:
...     result.raise_for_errors()
... except ImportFailed as err:
...     print(err)
leveranciers.csv: row 3, column 'Dienst': empty
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from graph.errors import ChainError, Issue
from graph.i18n import format_number, gettext
from graph.model import Chain

MAX_IMPORT_BYTES = 64 * 1024 * 1024
"""The largest file any importer reads (a chain file has its own, larger bound)."""

MAX_ERRORS = 20
"""The errors of one file that an import shows; the rest are counted in one line
(:func:`importers.registry.run`)."""

SUMMARY_EXAMPLES = 3
"""How many examples the one line summarising many warnings of one kind shows."""

SUMMARY_AFTER = 5
"""More warnings of one kind than this are shown as one line (:func:`importers.registry.run`)."""

Fetch = Callable[[str], bytes]
"""Reads a file a format refers to (a Backstage ``Location`` target), relative to the file being
imported; raises :class:`ImportFailed` for a target it will not read (outside the folder, too big,
absent)."""


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """One problem in an imported file: where (row and column, line, or field path) and what.

    ``kind`` names what a warning is about in a few words ("product matches no service"), for
    warnings a file may give many times: more than :data:`SUMMARY_AFTER` of one kind are shown
    as one line with their count and the first :data:`SUMMARY_EXAMPLES`. Empty: every warning
    is shown on its own line.
    """

    where: str
    message: str
    severity: Literal["error", "warning"] = "error"
    kind: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True, slots=True)
class Source:
    """What an importer may know beyond the bytes: the file's name (for messages and sniffing),
    how to read files it refers to, and the chain the result will be merged into (to match
    evidence to services that already exist), and whether a format's internal components (a
    provider's own services nested in or depending on its offering) stay ordinary links
    (``keep_internal``) instead of being written as out of scope."""

    filename: str = "<data>"
    fetch: Fetch | None = None
    existing: Chain | None = None
    keep_internal: bool = False


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The entities a file declares, as a chain (``offerings`` may be empty), and its issues."""

    chain: Chain
    issues: tuple[ImportIssue, ...] = ()
    filename: str = "<data>"

    @property
    def ok(self) -> bool:
        """No issue is an error."""
        return not any(issue.severity == "error" for issue in self.issues)

    @property
    def warnings(self) -> tuple[ImportIssue, ...]:
        """The issues that do not stop the import."""
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    def raise_for_errors(self) -> None:
        """Raise :class:`ImportFailed` with every error, if there is one."""
        errors = [issue for issue in self.issues if issue.severity == "error"]
        if errors:
            raise ImportFailed(errors, filename=self.filename)


class ImportFailed(ChainError):  # noqa: N818 - reads as what happened, like ChainError's users
    """A file could not be imported; ``issues`` names the place of every problem."""

    def __init__(self, problems: Sequence[ImportIssue], *, filename: str) -> None:
        self.problems = tuple(problems)
        super().__init__(
            Issue(path=problem.where, message=problem.message, file=filename)
            for problem in self.problems
        )


class Importer(Protocol):
    """A file format ketenkaart reads."""

    @property
    def name(self) -> str:
        """The format's name for ``--format`` and the API (``cyclonedx``, ``csv``, ...)."""
        ...

    @property
    def description(self) -> str:
        """One line for ``ketenkaart import --help`` and the import page."""
        ...

    def sniff(self, head: bytes, filename: str) -> bool:
        """Whether a file that starts with ``head`` (its first 64 KiB) and is called
        ``filename`` is in this format. Cheap, and never raises."""
        ...

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The chain entities ``data`` declares, and every problem with its place."""
        ...


def too_big(data: bytes, source: Source, limit: int = MAX_IMPORT_BYTES) -> ImportResult | None:
    """An error result when ``data`` is over ``limit`` bytes, else None.

    >>> too_big(b"x" * 11, Source("big.csv"), limit=10).issues[0].message
    'the file has 11 bytes; at most 10 are read'
    """
    if len(data) <= limit:
        return None
    message = gettext("the file has {size} bytes; at most {limit} are read").format(
        size=format_number(len(data), grouped=True), limit=format_number(limit, grouped=True)
    )
    return ImportResult(Chain(offerings=()), (ImportIssue("", message),), filename=source.filename)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> object:
    """A value for a spreadsheet or CSV cell that a spreadsheet will not run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a line break gets a leading ``'``
    (OWASP's advice on CSV injection); anything else is returned as it is.

    >>> safe_cell('=HYPERLINK("http://evil.example","x")')
    '\\'=HYPERLINK("http://evil.example","x")'
    >>> safe_cell("Leaseweb"), safe_cell(3)
    ('Leaseweb', 3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
