"""The ``ketenkaart`` command line: its entry point and the chain commands.

``check`` and ``validate`` read chain files; ``import`` reads a file of another format
(CycloneDX, a supplier register, OSCAL, FedRAMP, Backstage) as a chain file, or merges it into
one; ``export`` writes chain files in other formats. The service's commands (``db``,
``workspace``, ``user``, ``member``, ``grant``, ``audit``, ``token``, ``serve``, ``demo``,
``backup`` and ``restore``) live in :mod:`app.cli_admin`; they import the service's modules only
when they run, so ``check`` does not pay for FastAPI and SQLAlchemy (nor for the importers'
libraries).

Unusable input or arguments exit with status 2, every error on stderr and nothing on stdout.
``check`` exits 0 when the chain's verdict is ``ok`` or ``conditional`` (with ``--strict`` only
``ok``) and 1 when it is ``gap``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NoReturn, TextIO, cast

from app import cli_admin, cli_diff, cli_history, cli_notify, cli_publishing, cli_words
from app.cli_base import EXIT_GAP, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, Parser, parse_date
from app.cli_files import (
    add_offering_option,
    add_profile_option,
    cannot,
    load,
    profile_named,
    write_file,
)
from app.streams import chunked
from graph import i18n
from graph.dates import parse_period
from graph.errors import ChainError, KetenkaartError, UsageError
from graph.forecast import DEFAULT_DAYS, MAX_DAYS
from graph.i18n import N_, gettext, ngettext
from graph.model import Chain, DateRange
from graph.profiles import ResolvedProfile
from graph.verdicts import Status
from importers.chainfile import MAX_CHAIN_BYTES
from importers.formats import BINARY_FORMATS, EXPORT_FORMATS, IMPORT_FORMATS
from importers.gcpause import paused

if TYPE_CHECKING:
    from graph.verdicts import CheckResult

FORMATS = ("text", "json", "markdown", "xlsx", "csv")


class _Parser(Parser):
    """The commands' parser: its errors in the language of the command (argparse's own words
    through the catalog too, see :mod:`app.cli_words` and ADR 37)."""

    def error(self, message: str) -> NoReturn:
        text = gettext("{prog}: error: {message}").format(prog=self.prog, message=message)
        self.exit(EXIT_USAGE, text + "\n")


def _parser() -> argparse.ArgumentParser:
    """The command line's parser, its help texts in the language of the context: build it
    inside :func:`graph.i18n.using`."""
    cli_words.install()
    parser = _Parser(
        prog="ketenkaart",
        description=gettext(
            "Which links in a cloud service's supply chain lack equivalent certification."
        ),
    )
    commands = cast(  # its commands are _Parsers, which the other modules take as Parsers
        "argparse._SubParsersAction[Parser]",
        parser.add_subparsers(dest="command", required=True, parser_class=_Parser),
    )
    file, chain_file = gettext("FILE"), gettext("CHAIN_FILE")

    chk = commands.add_parser(
        "check",
        help=gettext("judge every link of the chain"),
        description=gettext("Judge every link reachable from the offerings and list the findings."),
    )
    chk.add_argument("files", nargs="+", metavar=file, help=gettext("chain files, merged by id"))
    add_offering_option(chk)
    when = chk.add_mutually_exclusive_group()
    when.add_argument(
        "--at",
        metavar=gettext("DATE"),
        help=gettext("evaluation date, YYYY-MM-DD (default: today)"),
    )
    when.add_argument(
        "--period",
        metavar=gettext("FROM..TO"),
        help=gettext("audit period, YYYY-MM-DD..YYYY-MM-DD"),
    )
    add_profile_option(chk)
    chk.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help=gettext(
            "output format; xlsx is the auditor's worksheet (needs --output), csv its links"
        ),
    )
    chk.add_argument(
        "--output",
        metavar=file,
        help=gettext("write to {file} instead of stdout").format(file=file),
    )
    chk.add_argument(
        "--strict",
        action="store_true",
        help=gettext("exit 1 unless every link is ok (conditional too)"),
    )

    ahead = commands.add_parser(
        "forecast",
        help=gettext("the days on which links change status if no new evidence arrives"),
        description=gettext(
            "List, for the coming days, each day on which a link's status would change if no "
            "new evidence arrived (reports going stale, certificates ending, bridge letters "
            "running out), with the reasons for the new status. Exits 1 when a link turns "
            "conditional or gap within the window."
        ),
    )
    ahead.add_argument("files", nargs="+", metavar=file, help=gettext("chain files, merged by id"))
    add_offering_option(ahead)
    ahead.add_argument(
        "--at",
        metavar=gettext("DATE"),
        help=gettext("evaluation date, YYYY-MM-DD (default: today)"),
    )
    ahead.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        metavar="N",
        help=gettext(
            "how many days after the date to look (default: {days}, at most {most})"
        ).format(days=DEFAULT_DAYS, most=MAX_DAYS),
    )
    add_profile_option(ahead)
    ahead.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    cli_diff.add_parser(commands, file=file)

    val = commands.add_parser(
        "validate",
        help=gettext("check chain files against the format"),
        description=gettext("Check chain files (merged by id) against the chain format."),
    )
    val.add_argument("files", nargs="+", metavar=file)
    _exchange_parsers(commands, file=file, chain_file=chain_file)
    cli_admin.add_parsers(commands)
    cli_publishing.add_parsers(commands)
    cli_notify.add_parsers(commands)
    cli_history.add_parsers(commands)
    _add_lang(parser, default=None)
    return parser


def _add_lang(parser: argparse.ArgumentParser, *, default: object) -> None:
    """``--lang`` on ``parser`` and, recursively, on each of its commands, so that it may stand
    before or after the command's name (a command's own, when given, wins)."""
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=default,
        help=gettext(
            "the language of the output and messages (default: KETENKAART_LANG, else the "
            "locale's LC_ALL, LC_MESSAGES or LANG, else en)"
        ),
    )
    for action in parser._actions:  # argparse keeps a parser's commands only here
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                _add_lang(command, default=argparse.SUPPRESS)


def _exchange_parsers(
    commands: argparse._SubParsersAction[Parser], *, file: str, chain_file: str
) -> None:
    imp = commands.add_parser(
        "import",
        help=gettext("read a file of another format as a chain file"),
        description=gettext(
            "Read {file} (a CycloneDX SaaSBOM, a supplier register in CSV or XLSX, an "
            "OSCAL system security plan, FedRAMP marketplace data, a Backstage catalog or a chain "
            "file) and write it as a chain file on stdout, or merge it into --into. Warnings go "
            "to stderr; any error stops the import with nothing written."
        ).format(file=file),
    )
    imp.add_argument("file", metavar=file)
    imp.add_argument(
        "--format",
        metavar=gettext("FORMAT"),
        help=gettext("the file's format, one of: {formats} (default: found from the file)").format(
            formats=", ".join(sorted(IMPORT_FORMATS))
        ),
    )
    imp.add_argument(
        "--into",
        metavar=chain_file,
        help=gettext(
            "merge into this chain file and rewrite it (all or nothing) instead of printing"
        ),
    )
    imp.add_argument(
        "--existing",
        metavar=chain_file,
        help=gettext(
            "the chain the file's entities join, to match them to its services (FedRAMP "
            "data, register ids); default: the --into file"
        ),
    )
    imp.add_argument(
        "--keep-internal",
        action="store_true",
        help=gettext(
            "keep a provider's own internal components as links (by default they are out of "
            "scope: part of the offering's own system)"
        ),
    )

    exp = commands.add_parser(
        "export",
        help=gettext("write chain files in another format"),
        description=gettext(
            "Write the chain files (merged by id) as a CycloneDX SaaSBOM, a supplier "
            "register (XLSX or CSV) or DORA's register of information (a zip of B_05.01 and "
            "B_05.02); DORA's warnings go to stderr."
        ),
    )
    exp.add_argument(
        "files", nargs="+", metavar=chain_file, help=gettext("chain files, merged by id")
    )
    exp.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    exp.add_argument(
        "--language",
        choices=("en", "nl"),
        help=gettext("a register's headings (default: the language of the command, --lang)"),
    )
    exp.add_argument(
        "--output",
        metavar=file,
        help=gettext("write to {file} (needed for register-xlsx and dora on a terminal)").format(
            file=file
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    return _main(argv, keep=[])


def _main(argv: Sequence[str] | None, *, keep: list[object]) -> int:
    """Run the command line; a check leaves its chain and result in ``keep`` (see :func:`run`).

    The whole command runs in one language: ``--lang``, else :func:`graph.i18n.from_environment`.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    asked = _asked_language(argv)
    try:
        default = i18n.from_environment()
        unusable = None
    except ValueError as err:
        default, unusable = i18n.DEFAULT, err
    try:
        with i18n.using(asked or default):  # the parser's help and errors too (ADR 37)
            args = _parser().parse_args(argv)
        if args.lang is None and unusable is not None:
            sys.stderr.write(f"ketenkaart: error: {unusable}\n")
            return EXIT_USAGE
        with i18n.using(args.lang or default):
            return _command(args, keep=keep)
    except i18n.CatalogError as err:
        sys.stderr.write(f"ketenkaart: error: {err}\n")
        return EXIT_INTERNAL


def _asked_language(argv: Sequence[str]) -> str | None:
    """The language the last ``--lang`` of ``argv`` names (before a ``--``), the one argparse
    will find, so that the parser can write its help and errors in it; ``None`` when there is
    none or it names no language (argparse then says so)."""
    found = None
    for index, word in enumerate(argv):
        if word == "--":
            break
        value = None
        if word == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif word.startswith("--lang="):
            value = word.partition("=")[2]
        if value is not None:
            found = value if value in i18n.LANGUAGES else found
    return found


def _command(args: argparse.Namespace, *, keep: list[object]) -> int:
    try:
        if args.command == "check":
            return _lean(functools.partial(_check, keep=keep), args)
        if args.command == "forecast":
            return _lean(_forecast, args)
        if args.command == "diff":
            return _lean(cli_diff.run, args)
        if args.command == "validate":
            return _lean(_validate, args)
        if args.command == "import":
            return _lean(_import, args)
        if args.command == "export":
            return _lean(_export, args)
        if (done := cli_publishing.run_command(args)) is not None:
            return done
        if (done := cli_notify.run_command(args)) is not None:
            return done
        if (done := cli_history.run_command(args)) is not None:
            return done
        return cli_admin.run_command(args)
    except ChainError as err:
        sys.stderr.write("".join(f"{issue}\n" for issue in err.issues))
        return EXIT_USAGE
    except KetenkaartError as err:
        sys.stderr.write(gettext("ketenkaart: error: {message}").format(message=err) + "\n")
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - the contract promises no traceback, ever
        sys.stderr.write(
            gettext("ketenkaart: internal error ({error}); please report it").format(
                error=f"{type(err).__name__}: {err}"
            )
            + "\n"
        )
        return EXIT_INTERNAL


_ENDS_AFTER = False
"""Whether the process ends when the command returns (the console script, :func:`run`)."""


def _lean(command: Callable[[argparse.Namespace, TextIO], int], args: argparse.Namespace) -> int:
    """Run a one-shot chain command without the cyclic garbage collector.

    One short run builds millions of objects and no garbage cycles worth collecting: the
    collector would only rescan the chain again and again (it halves the time). This is the
    only place ketenkaart pauses it: the service's commands (``serve``, ``demo``) and the
    service itself keep it, as a long-running process must collect what its requests leave.

    From the console script (:func:`run`) the collector stays off to the end: the process ends
    at ``os._exit`` and collects nothing, and switching it back on would make its next
    collection walk every object the command made, once (a sixth of a 20,000-service check).
    """
    if _ENDS_AFTER:
        gc.disable()
        return command(args, sys.stdout)
    with paused():
        return command(args, sys.stdout)


def _parse_period(text: str) -> DateRange:
    try:
        return parse_period(text)
    except UsageError as err:
        raise UsageError(gettext("--period {problem}").format(problem=err)) from None


def _check(args: argparse.Namespace, out: TextIO, *, keep: list[object]) -> int:
    if args.format == "xlsx" and not args.output:
        raise UsageError(
            gettext("--format xlsx writes a workbook: name the file with --output FILE")
        )
    period = _parse_period(args.period) if args.period else None
    at = None if period else (parse_date(args.at, "--at") if args.at else date.today())  # noqa: DTZ011 - the auditor's own calendar day
    from graph.coverage import check  # noqa: PLC0415 - networkx only for the commands that judge

    chain = load(args.files)
    profile = profile_named(args.profile, [chain])
    result = check(chain, offerings=args.offering, profile=profile, at=at, period=period)
    keep += [chain, result]  # for run() to leave to the operating system
    if args.output:
        write_file(Path(args.output), _check_pieces(args.format, result, chain, profile))
    else:
        _print_check(args.format, result, chain, profile, out)
    if result.verdict is Status.GAP or (args.strict and result.verdict is not Status.OK):
        return EXIT_GAP
    return EXIT_OK


def _forecast(args: argparse.Namespace, out: TextIO) -> int:
    if not 1 <= args.days <= MAX_DAYS:
        raise UsageError(
            gettext("--days must be a whole number from 1 to {most}").format(most=MAX_DAYS)
        )
    at = parse_date(args.at, "--at") if args.at else date.today()  # noqa: DTZ011 - the auditor's own calendar day
    from graph.forecast import forecast  # noqa: PLC0415 - networkx only for the commands that judge

    chain = load(args.files)
    profile = profile_named(args.profile, [chain])
    ahead = forecast(chain, at=at, days=args.days, offerings=args.offering, profile=profile)
    if args.format == "json":
        out.write(json.dumps(ahead.to_json(), ensure_ascii=False) + "\n")
    else:
        from app.views import forecast as view  # noqa: PLC0415 - the views for this command only

        render = view.render_markdown if args.format == "markdown" else view.render_text
        out.write(render(ahead, chain))
    return EXIT_GAP if ahead.turns_worse else EXIT_OK


def _print_check(
    fmt: str, result: CheckResult, chain: Chain, profile: ResolvedProfile, out: TextIO
) -> None:
    try:
        if fmt in ("json", "csv"):
            # In pieces: a large chain's document can pass 2 GiB, more than one write may take.
            out.flush()
            for chunk in _check_pieces(fmt, result, chain, profile):
                out.buffer.write(chunk)
        else:
            out.write(_render(fmt, result, chain, profile, out))
        out.flush()
    except BrokenPipeError:  # the reader stopped early, e.g. `| head`; the verdict stands
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())  # so that the flush at exit does not fail again


def _check_pieces(
    fmt: str, result: CheckResult, chain: Chain, profile: ResolvedProfile
) -> Iterator[bytes]:
    """The check in ``fmt``, as bytes in pieces (no colour: for a file or a pipe)."""
    if fmt == "json":
        yield from chunked(result.iter_json())
        yield b"\n"
    elif fmt in ("xlsx", "csv"):
        from importers import worksheet  # noqa: PLC0415 - openpyxl only for this format

        write = worksheet.check_xlsx if fmt == "xlsx" else worksheet.check_csv
        yield write(result, chain, profile=profile)
    elif fmt == "markdown":
        from app.views.markdown import render_markdown  # noqa: PLC0415 - Jinja for this format

        yield render_markdown(result, chain, profile).encode("utf-8")
    else:
        from app.views.terminal import render_text  # noqa: PLC0415 - see _render

        yield render_text(result, chain, colour=False, profile=profile).encode("utf-8")


def _render(
    fmt: str, result: CheckResult, chain: Chain, profile: ResolvedProfile, out: TextIO
) -> str:
    # The views are imported by the format that needs them: `import` and `validate` need none.
    if fmt == "markdown":
        from app.views.markdown import render_markdown  # noqa: PLC0415

        return render_markdown(result, chain, profile)
    from app.views.terminal import render_text, terminal_width, wants_colour  # noqa: PLC0415

    return render_text(
        result, chain, colour=wants_colour(out), width=terminal_width(out), profile=profile
    )


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    chain = load(args.files)
    offerings, suppliers, services = (
        len(chain.offerings),
        len(chain.suppliers),
        len(chain.services),
    )
    dependencies, evidence, profiles = (
        len(chain.dependencies),
        len(chain.evidence),
        len(chain.profiles),
    )
    counts = [
        _count(offerings, ngettext("{count} offering", "{count} offerings", offerings)),
        _count(suppliers, ngettext("{count} supplier", "{count} suppliers", suppliers)),
        _count(services, ngettext("{count} service", "{count} services", services)),
        _count(dependencies, ngettext("{count} dependency", "{count} dependencies", dependencies)),
        _count(
            evidence, ngettext("{count} piece of evidence", "{count} pieces of evidence", evidence)
        ),
        _count(profiles, ngettext("{count} profile", "{count} profiles", profiles)),
    ]
    out.write(
        gettext("{files}: valid: {counts}").format(
            files=", ".join(args.files), counts=", ".join(counts)
        )
        + "\n"
    )
    return EXIT_OK


# --- other formats: import and export ---------------------------------------------------------


def _read_bounded(name: str, limit: int) -> bytes:
    """The bytes of file ``name``, at most ``limit`` of them (more is a usage error)."""
    try:
        with Path(name).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise UsageError(cannot(N_("{name}: cannot read: {error}"), name, err)) from None
    if len(data) > limit:
        raise UsageError(
            gettext("{name}: larger than the limit of {limit} bytes").format(
                name=name, limit=i18n.format_number(limit, grouped=True)
            )
        )
    return data


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from importers import registry  # noqa: PLC0415 - the importers' libraries only here
    from importers.backstage import folder_fetch  # noqa: PLC0415
    from importers.base import MAX_IMPORT_BYTES, Source  # noqa: PLC0415
    from importers.chainfile import dump_chain, merge_chains  # noqa: PLC0415

    data = _read_bounded(args.file, max(MAX_IMPORT_BYTES, MAX_CHAIN_BYTES))
    importer = registry.choose(data, args.file, args.format)
    into = load([args.into]) if args.into else None
    existing = load([args.existing]) if args.existing else into
    fetch = folder_fetch(Path(args.file).resolve().parent) if importer.name == "backstage" else None
    source = Source(args.file, fetch=fetch, existing=existing, keep_internal=args.keep_internal)
    result = registry.run(importer, data, source)
    sys.stderr.write("".join(_warning(args.file, issue) for issue in result.warnings))
    result.raise_for_errors()
    if into is None:
        chain = registry.standalone(result.chain)
        if chain.offerings != result.chain.offerings:
            sys.stderr.write(
                _warning(
                    args.file,
                    gettext(
                        "the file names no offering; the services nothing else in it relies on "
                        "are written as the offerings: {offerings}"
                    ).format(offerings=", ".join(chain.offerings)),
                )
            )
        out.flush()
        out.buffer.write(dump_chain(chain))
        out.flush()
        return EXIT_OK
    merged = merge_chains([into, result.chain], filenames=[args.into, args.file])
    offerings = (*into.offerings, *(o for o in result.chain.offerings if o not in into.offerings))
    merged = dataclasses.replace(merged, offerings=offerings)
    as_json = args.into.lower().endswith(".json")
    write_file(Path(args.into), [dump_chain(merged, fmt="json" if as_json else "yaml")])
    suppliers = len(merged.suppliers) - len(into.suppliers)
    services = len(merged.services) - len(into.services)
    dependencies = len(merged.dependencies) - len(into.dependencies)
    evidence = len(merged.evidence) - len(into.evidence)
    added = [
        _count(suppliers, ngettext("{count} new supplier", "{count} new suppliers", suppliers)),
        _count(services, ngettext("{count} new service", "{count} new services", services)),
        _count(
            dependencies,
            ngettext("{count} new dependency", "{count} new dependencies", dependencies),
        ),
        _count(
            evidence,
            ngettext("{count} new piece of evidence", "{count} new pieces of evidence", evidence),
        ),
    ]
    out.write(
        gettext("{into}: merged {file} ({format}): {added}").format(
            into=args.into, file=args.file, format=importer.name, added=", ".join(added)
        )
        + "\n"
    )
    return EXIT_OK


def _count(n: int, words: str) -> str:
    """``words`` (an ngettext form with ``{count}``) filled in with ``n``."""
    return words.format(count=i18n.format_number(n))


def _warning(source: str, issue: object) -> str:
    """A warning line on stderr: where it comes from, then what it says."""
    return gettext("{source}: warning: {issue}").format(source=source, issue=issue) + "\n"


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from importers import registry  # noqa: PLC0415 - the exporters' libraries only here

    if args.format in BINARY_FORMATS and not args.output and out.isatty():
        raise UsageError(
            gettext(
                "--format {format} writes a binary file: name it with --output FILE or redirect "
                "stdout"
            ).format(format=args.format)
        )
    chain = load(args.files)
    headings: Literal["en", "nl"] = args.language or ("nl" if i18n.current() == "nl" else "en")
    exported = registry.export(chain, args.format, headings)
    sys.stderr.write("".join(_warning(args.format, issue) for issue in exported.warnings))
    if args.output:
        write_file(Path(args.output), [exported.data])
    else:
        out.flush()
        out.buffer.write(exported.data)
        out.flush()
    return EXIT_OK


def run() -> NoReturn:
    """The console script: the command line, then exit without tearing down the heap.

    A check's chain and result are millions of objects; freeing them one by one as the command
    returns and the interpreter shuts down takes longer than some whole checks (a tenth of a
    second for 20,000 services). So the check leaves them in ``kept``, alive until
    ``os._exit`` ends the process at once and the operating system reclaims the memory. Output
    is flushed first; ``atexit`` handlers do not run. ``main()``, for callers that go on
    running, lets them go as it returns.
    """
    global _ENDS_AFTER  # noqa: PLW0603 - set once, by the console script only
    _ENDS_AFTER = True
    kept: list[object] = []
    code = _main(None, keep=kept)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
