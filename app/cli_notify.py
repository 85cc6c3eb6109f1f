"""``ketenkaart notify``: one round of notifications (ADR 43), for cron: take the sender's
lease, queue what the workspaces' rules call for, deliver what is due, and say what was done.

:mod:`app.cli` adds the parser with :func:`add_parsers` and runs the command with
:func:`run_command`. The service's modules are imported inside the command, never here.
"""

from __future__ import annotations

import argparse

from app.cli_base import EXIT_OK, Parser, add_database_option, database_errors
from graph.i18n import gettext


def add_parsers(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add ``notify`` to the command line's ``commands``."""
    notify = commands.add_parser(
        "notify",
        help=gettext("send the notifications that are due, once (for cron)"),
        description=gettext(
            "Fetch the subscribed publications when KETENKAART_REFRESH_INTERVAL has passed, "
            "queue the notifications the workspaces' rules call for and deliver those that are "
            "due, by e-mail (KETENKAART_SMTP_URL) and webhook; one sender at a time across "
            "machines: while another holds the lease, this one does nothing."
        ),
    )
    add_database_option(notify)


def run_command(args: argparse.Namespace) -> int | None:
    """Run ``notify``; ``None`` for any other command (not this module's)."""
    if args.command != "notify":
        return None
    from datetime import UTC, datetime  # noqa: PLC0415

    from app import notify  # noqa: PLC0415 - the service's imports only here
    from app.config import Settings  # noqa: PLC0415
    from app.db import make_engine  # noqa: PLC0415
    from app.migrate import upgrade  # noqa: PLC0415

    with database_errors():
        engine = make_engine(args.database_url or Settings().database_url)
        try:
            upgrade(engine)
            summary = notify.run_once(engine, datetime.now(UTC))
        finally:
            engine.dispose()
    if not summary.leased:
        print(gettext("another sender holds the lease: nothing done"))  # noqa: T201
        return EXIT_OK
    if summary.refreshed or summary.refused:
        print(  # noqa: T201
            gettext("subscriptions: {taken} new versions taken, {refused} refused").format(
                taken=summary.refreshed, refused=summary.refused
            )
        )
    print(  # noqa: T201
        gettext(
            "notifications: {queued} queued, {sent} sent, {retrying} to try again, {failed} failed"
        ).format(
            queued=summary.queued,
            sent=summary.sent,
            retrying=summary.retrying,
            failed=summary.failed,
        )
    )
    return EXIT_OK
