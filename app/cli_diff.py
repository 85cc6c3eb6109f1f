"""``ketenkaart diff OLD NEW``: what changed between two chain files, for a yearly re-scope.

Last year's chain file against this year's: the suppliers, services, links, evidence and
profiles added, removed and changed field by field, and the links whose status or verdict
differs between a check of the old file on ``--at-old`` and of the new one on ``--at-new``
(both today by default), with both verdicts and reasons (:mod:`graph.diff`). As text, JSON,
a Markdown section for the scoping report, or an XLSX workbook (sheets Entities and Links).

It exits 0 when the two files have no difference (``diff``'s own convention), 1 when they have,
and 2 on unusable input or arguments, the error on stderr and nothing on stdout.

:mod:`app.cli` registers the command with :func:`add_parser` and runs it with :func:`run`; this
module imports the judging and the views only when the command runs, so ``ketenkaart --help``
does not pay for them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.cli_base import EXIT_OK, EXIT_USAGE, Parser, parse_date
from app.cli_files import add_profile_option, load, profile_named, write_file
from graph.errors import ChainError, KetenkaartError, UsageError
from graph.i18n import gettext

if TYPE_CHECKING:
    pass

EXIT_DIFFERENT = 1
"""The exit status when the two chains differ (as ``diff`` exits)."""

FORMATS = ("text", "json", "markdown", "xlsx")


def add_parser(commands: argparse._SubParsersAction[Parser], *, file: str) -> None:
    """Add the ``diff`` command to the command line's ``commands``; ``file`` is the metavar
    of a file (``FILE``, in the language of the help)."""
    cmd = commands.add_parser(
        "diff",
        help=gettext("what changed between two chain files"),
        description=gettext(
            "Compare two chain files, say last year's and this year's: list the suppliers, "
            "services, links, evidence and profiles added, removed or changed (field by "
            "field), and the links whose status or verdict differs between a check of the old "
            "file on its date and of the new one on its date, with the reasons on both sides. "
            "Exits 0 when there is no difference, 1 when there is."
        ),
    )
    cmd.add_argument("old", metavar=gettext("OLD"), help=gettext("the earlier chain file"))
    cmd.add_argument("new", metavar=gettext("NEW"), help=gettext("the later chain file"))
    cmd.add_argument(
        "--at-old",
        metavar=gettext("DATE"),
        help=gettext("the date to check the earlier file on, YYYY-MM-DD (default: today)"),
    )
    cmd.add_argument(
        "--at-new",
        metavar=gettext("DATE"),
        help=gettext("the date to check the later file on, YYYY-MM-DD (default: today)"),
    )
    add_profile_option(cmd)
    cmd.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help=gettext("output format; xlsx is a workbook of the changes (needs --output)"),
    )
    cmd.add_argument(
        "--output",
        metavar=file,
        help=gettext("write to {file} instead of stdout").format(file=file),
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``ketenkaart diff`` with parsed ``args``, writing to ``out`` (or ``--output``).

    Returns 0 (no difference), 1 (differences) or 2 (unusable input or arguments: the error
    on stderr).
    """
    try:
        return _run(args, out)
    except ChainError as err:
        sys.stderr.write("".join(f"{issue}\n" for issue in err.issues))
    except KetenkaartError as err:
        sys.stderr.write(gettext("ketenkaart: error: {message}").format(message=err) + "\n")
    return EXIT_USAGE


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.format == "xlsx" and not args.output:
        raise UsageError(
            gettext("--format xlsx writes a workbook: name the file with --output FILE")
        )
    today = date.today()  # noqa: DTZ011 - the auditor's own calendar day
    old_at = parse_date(args.at_old, "--at-old") if args.at_old else today
    new_at = parse_date(args.at_new, "--at-new") if args.at_new else today
    from graph.diff import diff  # noqa: PLC0415 - networkx only when the command runs
    from importers.chainfile import dump_plain  # noqa: PLC0415

    old, new = load([args.old]), load([args.new])
    profile = profile_named(args.profile, (new, old))
    changes = diff(old, new, old_at=old_at, new_at=new_at, plain=dump_plain, profile=profile)
    from app.views import diff as view  # noqa: PLC0415 - the views for this command only

    if args.format == "xlsx":
        data = view.render_xlsx(changes, old, new)
    elif args.format == "json":
        data = (json.dumps(changes.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
    elif args.format == "markdown":
        data = view.render_markdown(changes, old, new).encode("utf-8")
    else:
        data = view.render_text(changes, old, new).encode("utf-8")
    if args.output:
        write_file(Path(args.output), [data])
    else:
        out.write(data.decode("utf-8"))
    return EXIT_OK if changes.empty else EXIT_DIFFERENT
