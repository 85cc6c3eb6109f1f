"""``ketenkaart subscriptions refresh``: fetch every subscribed publication again, for cron
(ADR 40), against the database (``KETENKAART_DATABASE_URL`` or ``--database-url``).

Each subscription gets one line: its newer version and what it changed, the version held, or
the reason the version fetched was refused. The exit status is 1 when any was refused (cron
mails what a command prints when it fails), else 0.

:mod:`app.cli` adds the parser with :func:`add_parsers` and runs the command with
:func:`run_command`. The service's modules are imported inside the command, never here.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli_base import EXIT_GAP, EXIT_OK, Parser, add_database_option, database_errors
from graph.i18n import gettext, ngettext

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Engine

    from app.publishing import Outcome


def add_parsers(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add ``subscriptions`` and its action to the command line's ``commands``."""
    subscriptions = commands.add_parser(
        "subscriptions", help=gettext("the publications of other services a register builds on")
    )
    actions = subscriptions.add_subparsers(dest="action", required=True, parser_class=Parser)
    refresh = actions.add_parser(
        "refresh",
        help=gettext("fetch each subscribed publication again"),
        description=gettext(
            "Fetch each subscribed publication again and keep a newer version whose signature "
            "holds; a version that does not hold, an older one or another under the version "
            "held is refused and the refusal recorded. Exits 1 when any was refused."
        ),
    )
    refresh.add_argument(
        "--workspace", metavar="SLUG", help=gettext("only this workspace's subscriptions")
    )
    add_database_option(refresh)


def run_command(args: argparse.Namespace) -> int | None:
    """Run ``subscriptions refresh``; ``None`` for any other command (not this module's)."""
    if args.command != "subscriptions":
        return None
    from app.config import Settings  # noqa: PLC0415 - the service's imports only here
    from app.db import make_engine  # noqa: PLC0415
    from app.migrate import upgrade  # noqa: PLC0415

    with database_errors():
        engine = make_engine(args.database_url or Settings().database_url)
        try:
            upgrade(engine)
            lines, refused = refresh(engine, workspace=args.workspace)
        finally:
            engine.dispose()
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return EXIT_GAP if refused else EXIT_OK


def refresh(
    engine: Engine, *, workspace: str | None, at: datetime | None = None
) -> tuple[list[str], bool]:
    """Refresh the subscriptions (of ``workspace``, when given) at ``at`` (default now) as the
    command line does: a line for each, and whether any was refused."""
    from app import publishing  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    outcomes = publishing.refresh_all(engine, workspace=workspace, actor=COMMAND_LINE, at=at)
    lines = [f"{o.workspace}: {o.url}: {_line(o)}" for o in outcomes]
    return lines, any(o.refusal is not None for o in outcomes)


def _line(outcome: Outcome) -> str:
    """What one refresh came to, in words."""
    done = outcome.refreshed
    if done is None:
        return str(outcome.refusal)
    version = done.subscription.version
    if not done.changed:
        return gettext("version {version}, unchanged").format(version=version)
    new = gettext("version {version}, new (was {before})").format(
        version=version, before=done.before
    )
    if done.changes is None:
        return new
    entities, links = len(done.changes.entities), len(done.changes.links)
    return gettext("{new}: {entities}, {links}").format(
        new=new,
        entities=ngettext("{n} entity changed", "{n} entities changed", entities).format(
            n=entities
        ),
        links=ngettext("{n} link changed status", "{n} links changed status", links).format(
            n=links
        ),
    )
