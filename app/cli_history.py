"""``ketenkaart history export`` and ``history diff``: a workspace's register as it stood at a
moment, rebuilt from its audit trail in the database (``KETENKAART_DATABASE_URL`` or
``--database-url``), as the chain file an export gave then; and what changed in it between two
moments, as ``ketenkaart diff`` writes it for two files (ADR 39).

:mod:`app.cli` adds the parser with :func:`add_parsers` and runs the command with
:func:`run_command`. The service's modules are imported inside the command, never here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli_base import EXIT_GAP, EXIT_OK, Parser, add_database_option, database_errors
from app.cli_files import write_file
from graph.errors import UsageError
from graph.i18n import gettext


def add_parsers(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add ``history`` and its actions to the command line's ``commands``."""
    history = commands.add_parser("history", help=gettext("a register as it was at a moment"))
    actions = history.add_subparsers(dest="action", required=True, parser_class=Parser)
    export = actions.add_parser(
        "export",
        help=gettext("write a workspace's register as it was at a moment"),
        description=gettext(
            "Write the register of a workspace as it stood at --as-of, rebuilt from its audit "
            "trail: the chain file an export gave at that moment."
        ),
    )
    export.add_argument("workspace", metavar="SLUG")
    export.add_argument(
        "--as-of",
        required=True,
        metavar=gettext("TIMESTAMP"),
        help=gettext("an ISO 8601 timestamp with its time zone, such as {example}").format(
            example="2026-11-27T10:00:00Z"
        ),
    )
    export.add_argument(
        "--format",
        choices=("yaml", "json"),
        default="yaml",
        help=gettext("the chain file's format (default: yaml)"),
    )
    export.add_argument(
        "--output", metavar=gettext("FILE"), help=gettext("write to FILE (default: stdout)")
    )
    add_database_option(export)
    moment = gettext("an ISO 8601 timestamp with its time zone, such as {example}").format(
        example="2026-11-27T10:00:00Z"
    )
    between = actions.add_parser(
        "diff",
        help=gettext("what changed in a workspace's register between two moments"),
        description=gettext(
            "Write what changed in the register of a workspace between --from and --to, "
            "rebuilt from its audit trail: every entity added, removed or changed field by "
            "field, with who changed it last in between and when, and every link whose "
            "verdict differs between a check as of --from on that day and one as of --to on "
            "that day, with both reasons. Exits 0 when there is no difference, 1 when there is."
        ),
    )
    between.add_argument("workspace", metavar="SLUG")
    between.add_argument(
        "--from", dest="since", required=True, metavar=gettext("TIMESTAMP"), help=moment
    )
    between.add_argument(
        "--to",
        metavar=gettext("TIMESTAMP"),
        help=gettext("{moment} (default: now)").format(moment=moment),
    )
    between.add_argument(
        "--profile",
        metavar="ID",
        default="zeker-online",
        help=gettext("the profile both checks judge by (default: zeker-online)"),
    )
    between.add_argument(
        "--format",
        choices=("text", "json", "markdown", "xlsx"),
        default="text",
        help=gettext("output format; xlsx is a workbook of the changes (needs --output)"),
    )
    between.add_argument(
        "--output", metavar=gettext("FILE"), help=gettext("write to FILE (default: stdout)")
    )
    add_database_option(between)


def run_command(args: argparse.Namespace) -> int | None:
    """Run ``history export`` or ``history diff``; ``None`` for any other command (not this
    module's)."""
    if args.command != "history":
        return None
    from app.errors import Problem  # noqa: PLC0415 - the service's imports only here

    if args.action == "diff" and args.format == "xlsx" and not args.output:
        raise UsageError(
            gettext("--format xlsx writes a workbook: name the file with --output FILE")
        )
    exit_status = EXIT_OK
    try:
        with database_errors():
            if args.action == "diff":
                data, different = _diff(args)
                exit_status = EXIT_GAP if different else EXIT_OK
            else:
                data = _export(args)
    except Problem as err:  # the place first when there is one: --as-of: ...
        places = [f"{e['location']}: {e['message']}" for e in err.errors]
        raise UsageError("\n".join(places) or err.detail) from None
    if args.output:
        write_file(Path(args.output), [data])
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return exit_status


def _export(args: argparse.Namespace) -> bytes:
    """The chain file of the register as of ``--as-of``."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from sqlmodel import Session  # noqa: PLC0415

    from app import history, services  # noqa: PLC0415
    from app.config import Settings  # noqa: PLC0415
    from app.db import make_engine  # noqa: PLC0415
    from app.migrate import upgrade  # noqa: PLC0415
    from importers.chainfile import dump_chain  # noqa: PLC0415

    moment = history.parse_moment(args.as_of, where="--as-of")
    url = args.database_url or Settings().database_url
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            workspace = services.workspace_for(session, args.workspace)
            history.check_moment(session, workspace, moment, now=datetime.now(UTC), where="--as-of")
            chain = history.chain_as_of(session, workspace, moment)
    finally:
        engine.dispose()
    return dump_chain(chain, fmt="json" if args.format == "json" else "yaml")


def _diff(args: argparse.Namespace) -> tuple[bytes, bool]:
    """What changed between ``--from`` and ``--to``, in ``--format``; whether anything did."""
    import json  # noqa: PLC0415
    from datetime import UTC, datetime  # noqa: PLC0415

    from sqlmodel import Session  # noqa: PLC0415

    from app import history, services  # noqa: PLC0415
    from app.config import Settings  # noqa: PLC0415
    from app.db import make_engine  # noqa: PLC0415
    from app.errors import Invalid  # noqa: PLC0415
    from app.migrate import upgrade  # noqa: PLC0415

    now = datetime.now(UTC)
    old = history.parse_moment(args.since, where="--from")
    new = now if args.to is None else history.parse_moment(args.to, where="--to")
    if old > new:
        message = gettext("--from is after --to: give the earlier moment as --from")
        raise Invalid(message, errors=[{"location": "--from", "message": message}])
    engine = make_engine(args.database_url or Settings().database_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            workspace = services.workspace_for(session, args.workspace)
            history.check_moment(session, workspace, old, now=now, where="--from")
            history.check_moment(session, workspace, new, now=now, where="--to")
            found = history.register_diff(
                session, workspace, old, new, profile=args.profile, profile_at="--profile"
            )
    finally:
        engine.dispose()
    from app.views import diff as view  # noqa: PLC0415 - the views for this command only

    changes, different = found.changes, not found.changes.empty
    if args.format == "json":
        return (json.dumps(changes.to_json(), ensure_ascii=False) + "\n").encode(), different
    if args.format == "xlsx":
        return view.render_xlsx(changes, found.old, found.new), different
    if args.format == "markdown":
        return view.render_markdown(changes, found.old, found.new).encode(), different
    return view.render_text(changes, found.old, found.new).encode(), different
