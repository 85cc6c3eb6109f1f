"""What the command line's modules share: the exit statuses, the argument parser, dates and the
database option.

:mod:`app.cli` (the entry point and the chain commands) and :mod:`app.cli_admin` (the service's
commands) both build on these; neither imports the other's private names.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import NoReturn

from graph.errors import UsageError
from graph.i18n import gettext

EXIT_OK = 0
EXIT_GAP = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors exit 2 with the message on stderr (argparse's way)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def parse_date(text: str, what: str) -> date:
    """``text`` as a calendar date; a usage error naming the argument ``what`` if it is none.

    >>> parse_date("2026-11-27", "--at")
    datetime.date(2026, 11, 27)
    >>> parse_date("27-11-2026", "--at")
    Traceback (most recent call last):
    graph.errors.UsageError: --at '27-11-2026' is not a calendar date YYYY-MM-DD
    """
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            gettext("{option} '{text}' is not a calendar date YYYY-MM-DD").format(
                option=what, text=text
            )
        ) from None


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` on a command that works on the service's database."""
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=gettext(
            "the database (default: KETENKAART_DATABASE_URL, else sqlite:///ketenkaart.db)"
        ),
    )


@contextmanager
def database_errors() -> Iterator[None]:
    """A database URL that is none, or a database that cannot be used, as a usage error that
    says so in the command's language (the driver's own words after it)."""
    from sqlalchemy.exc import ArgumentError, OperationalError  # noqa: PLC0415 - when used

    try:
        yield
    except ArgumentError as err:
        raise UsageError(
            gettext("the database URL is not valid: {error}").format(error=err)
        ) from None
    except OperationalError as err:
        raise UsageError(
            gettext("cannot use the database: {error}").format(error=str(err.orig).strip())
        ) from None
