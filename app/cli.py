"""The ``ketenkaart`` command line.

``check`` and ``validate`` read chain files; ``import`` reads a file of another format
(CycloneDX, a supplier register, OSCAL, FedRAMP, Backstage) as a chain file, or merges it into
one; ``export`` writes chain files in other formats; ``db upgrade``, ``workspace create``, ``token
create|revoke``, ``serve``, ``demo``, ``backup`` and ``restore`` run the service and look after
its database (``KETENKAART_DATABASE_URL`` or ``--database-url``), whose schema each of them brings
up to date first. The service's modules are imported only by the commands that need them, so
``check`` does not pay for FastAPI and SQLAlchemy (nor for the importers' libraries).

Unusable input or arguments exit with status 2, every error on stderr and nothing on stdout.
``check`` exits 0 when the chain's verdict is ``ok`` or ``conditional`` (with ``--strict`` only
``ok``) and 1 when it is ``gap``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from app.streams import chunked
from app.views.markdown import render_markdown
from app.views.terminal import render_text, terminal_width, wants_colour
from graph.coverage import check
from graph.dates import parse_period
from graph.errors import ChainError, KetenkaartError, UsageError
from graph.model import Chain, DateRange
from graph.profiles import ResolvedProfile, find_profile, resolve_profile
from graph.reasons import count
from graph.verdicts import CheckResult, Status
from importers.chainfile import MAX_CHAIN_BYTES, load_chains, load_profile_file
from importers.formats import BINARY_FORMATS, EXPORT_FORMATS, IMPORT_FORMATS
from importers.gcpause import paused

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import Engine
    from sqlmodel import Session

    from app.config import Settings

EXIT_OK = 0
EXIT_GAP = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

FORMATS = ("text", "json", "markdown", "xlsx", "csv")
ROLES = ("viewer", "editor", "owner", "auditor")
MEMBER_ROLES = ("viewer", "editor", "owner")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_SLUG = 64
MAX_NAME = 200
DEMO_DATABASE = "ketenkaart-demo.db"
DEMO_WORKSPACE = "demo"
DEMO_EMAIL = "demo@ketenkaart.example"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors exit 2 with the message on stderr (argparse's way)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ketenkaart",
        description="Which links in a cloud service's supply chain lack equivalent certification.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    chk = commands.add_parser(
        "check",
        help="judge every link of the chain",
        description="Judge every link reachable from the offerings and list the findings.",
    )
    chk.add_argument("files", nargs="+", metavar="FILE", help="chain files, merged by id")
    chk.add_argument(
        "--offering",
        action="append",
        metavar="ID",
        help="start from this service instead of the first file's offerings (repeatable)",
    )
    when = chk.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="DATE", help="evaluation date, YYYY-MM-DD (default: today)")
    when.add_argument("--period", metavar="FROM..TO", help="audit period, YYYY-MM-DD..YYYY-MM-DD")
    chk.add_argument(
        "--profile",
        metavar="ID|FILE",
        default="zeker-online",
        help="a built-in profile, one defined in the chain files, or a profile file "
        "(default: zeker-online)",
    )
    chk.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output format; xlsx is the auditor's worksheet (needs --output), csv its links",
    )
    chk.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    chk.add_argument(
        "--strict", action="store_true", help="exit 1 unless every link is ok (conditional too)"
    )

    val = commands.add_parser(
        "validate",
        help="check chain files against the format",
        description="Check chain files (merged by id) against the chain format.",
    )
    val.add_argument("files", nargs="+", metavar="FILE")
    _exchange_parsers(commands)
    _service_parsers(commands)
    return parser


def _exchange_parsers(commands: argparse._SubParsersAction[_Parser]) -> None:
    imp = commands.add_parser(
        "import",
        help="read a file of another format as a chain file",
        description="Read FILE (a CycloneDX SaaSBOM, a supplier register in CSV or XLSX, an "
        "OSCAL system security plan, FedRAMP marketplace data, a Backstage catalog or a chain "
        "file) and write it as a chain file on stdout, or merge it into --into. Warnings go to "
        "stderr; any error stops the import with nothing written.",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--format",
        metavar="FORMAT",
        help=f"the file's format, one of: {', '.join(sorted(IMPORT_FORMATS))} (default: found "
        "from the file)",
    )
    imp.add_argument(
        "--into",
        metavar="CHAIN_FILE",
        help="merge into this chain file and rewrite it (all or nothing) instead of printing",
    )
    imp.add_argument(
        "--existing",
        metavar="CHAIN_FILE",
        help="the chain the file's entities join, to match them to its services (FedRAMP "
        "data, register ids); default: the --into file",
    )

    exp = commands.add_parser(
        "export",
        help="write chain files in another format",
        description="Write the chain files (merged by id) as a CycloneDX SaaSBOM, a supplier "
        "register (XLSX or CSV) or DORA's register of information (a zip of B_05.01 and "
        "B_05.02); DORA's warnings go to stderr.",
    )
    exp.add_argument("files", nargs="+", metavar="CHAIN_FILE", help="chain files, merged by id")
    exp.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    exp.add_argument("--language", choices=("en", "nl"), default="en", help="a register's headings")
    exp.add_argument(
        "--output",
        metavar="FILE",
        help="write to FILE (needed for register-xlsx and dora on a terminal)",
    )


def _service_parsers(commands: argparse._SubParsersAction[_Parser]) -> None:
    database = _Parser(add_help=False)
    database.add_argument(
        "--database-url",
        metavar="URL",
        help="the database (default: KETENKAART_DATABASE_URL, else sqlite:///ketenkaart.db)",
    )

    db = commands.add_parser("db", help="look after the database's schema")
    db_actions = db.add_subparsers(dest="action", required=True, parser_class=_Parser)
    db_actions.add_parser(
        "upgrade",
        parents=[database],
        help="bring the schema up to date",
        description="Bring the database's schema up to the newest migration.",
    )

    ws = commands.add_parser("workspace", help="manage workspaces")
    ws_actions = ws.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ws_create = ws_actions.add_parser(
        "create", parents=[database], help="create a workspace", description="Create a workspace."
    )
    ws_create.add_argument("slug", metavar="SLUG", help="its name in URLs: a-z, 0-9 and -")
    ws_create.add_argument("--name", help="its display name (default: the slug)")
    ws_create.add_argument("--owner", metavar="EMAIL", help="the account that becomes its owner")
    _people_parsers(commands, database)
    _token_parsers(commands, database)
    _server_parsers(commands, database)


def _people_parsers(commands: argparse._SubParsersAction[_Parser], database: _Parser) -> None:
    user = commands.add_parser("user", help="manage accounts")
    user_actions = user.add_subparsers(dest="action", required=True, parser_class=_Parser)
    user_create = user_actions.add_parser(
        "create",
        parents=[database],
        help="create an account",
        description="Create an account. The password is asked for twice on a terminal, or read "
        "from the first line of standard input with --password-stdin; it is never a flag.",
    )
    user_create.add_argument("email", metavar="EMAIL")
    user_create.add_argument("--name", required=True, help="the name people see")
    user_create.add_argument("--password-stdin", action="store_true")
    user_disable = user_actions.add_parser(
        "disable",
        parents=[database],
        help="disable an account and end its sessions and tokens",
        description="Disable an account: it can no longer sign in, and every browser session "
        "and token of it ends at once. Its memberships and grants stay, for the record.",
    )
    user_disable.add_argument("email", metavar="EMAIL")

    member = commands.add_parser("member", help="manage who is in a workspace")
    member_actions = member.add_subparsers(dest="action", required=True, parser_class=_Parser)
    member_set = member_actions.add_parser(
        "set",
        parents=[database],
        help="make an account a member, or change its role",
        description="Make an account a member of a workspace, or change its role.",
    )
    member_set.add_argument("email", metavar="EMAIL")
    member_set.add_argument("--workspace", required=True, metavar="SLUG")
    member_set.add_argument("--role", required=True, choices=MEMBER_ROLES)

    grant = commands.add_parser("grant", help="give an auditor read access for an engagement")
    grant_actions = grant.add_subparsers(dest="action", required=True, parser_class=_Parser)
    grant_create = grant_actions.add_parser(
        "create",
        parents=[database],
        help="grant an auditor read access",
        description="Give an auditor's account read access to the whole workspace, or to the "
        "chosen offerings and everything under them, from --from through --to.",
    )
    grant_create.add_argument("email", metavar="EMAIL")
    grant_create.add_argument("--workspace", required=True, metavar="SLUG")
    grant_create.add_argument("--from", dest="starts", required=True, metavar="DATE")
    grant_create.add_argument("--to", dest="ends", required=True, metavar="DATE")
    grant_create.add_argument(
        "--offering", action="append", default=[], help="limit to this offering (repeatable)"
    )

    trail = commands.add_parser("audit", help="the audit trail")
    trail_actions = trail.add_subparsers(dest="action", required=True, parser_class=_Parser)
    verify = trail_actions.add_parser(
        "verify",
        parents=[database],
        help="recompute the audit trail's hashes",
        description="Recompute every chain of the audit trail (every workspace's and the "
        "accounts', found from the workspaces and the entries, or one workspace's) and name the "
        "first broken entry or head; exit 1 when one is broken. --anchor also compares the "
        "trail with an anchor kept earlier, --register the register with its trail.",
    )
    verify.add_argument("--workspace", metavar="SLUG")
    verify.add_argument(
        "--anchor",
        metavar="FILE",
        help="an anchor printed by `audit anchor` earlier: name every chain rewritten since",
    )
    verify.add_argument(
        "--key",
        metavar="FILE",
        help="with --anchor: the anchor must be signed by this key (default: "
        "KETENKAART_ANCHOR_KEY when set)",
    )
    verify.add_argument(
        "--register",
        action="store_true",
        help="also name every entity whose row differs from what the trail says it is",
    )
    anchor = trail_actions.add_parser(
        "anchor",
        parents=[database],
        help="print each chain's head hash, signed",
        description="Print, as JSON, each chain's last entry and hash signed with an Ed25519 "
        "key kept outside the database (--key FILE, else KETENKAART_ANCHOR_KEY: PEM, or the "
        "32-byte seed in base64; make one with `openssl genpkey -algorithm ed25519`). Keep it: "
        "`audit verify --anchor FILE` finds any later rewrite.",
    )
    anchor.add_argument("--workspace", metavar="SLUG", help="this workspace's chain only")
    anchor.add_argument("--key", metavar="FILE", help="the Ed25519 private key")


def _token_parsers(commands: argparse._SubParsersAction[_Parser], database: _Parser) -> None:
    tok = commands.add_parser("token", help="manage API tokens")
    tok_actions = tok.add_subparsers(dest="action", required=True, parser_class=_Parser)
    tok_create = tok_actions.add_parser(
        "create",
        parents=[database],
        help="create a token and print it (once)",
        description="Create a bearer token for a workspace; it is printed alone on stdout, once.",
    )
    tok_create.add_argument("--workspace", required=True, metavar="SLUG")
    tok_create.add_argument("--role", required=True, choices=ROLES)
    tok_create.add_argument(
        "--user", metavar="EMAIL", help="the account it belongs to (needed for an auditor's)"
    )
    tok_create.add_argument(
        "--expires", metavar="DATE", help="last day it works, YYYY-MM-DD (default: never)"
    )
    tok_revoke = tok_actions.add_parser(
        "revoke",
        parents=[database],
        help="revoke a token",
        description="Revoke a token, given whole or by its first 10 characters.",
    )
    tok_revoke.add_argument("token", metavar="TOKEN")


def _server_parsers(commands: argparse._SubParsersAction[_Parser], database: _Parser) -> None:
    serve = commands.add_parser(
        "serve",
        parents=[database],
        help="run the service",
        description="Run the HTTP service; flags override the KETENKAART_* environment.",
    )
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default: 1)")

    demo = commands.add_parser(
        "demo",
        help="serve the demo chain",
        description=f"Load the demo chain into {DEMO_DATABASE} in this folder, print a token "
        "and serve it on 127.0.0.1.",
    )
    demo.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")

    backup = commands.add_parser(
        "backup",
        parents=[database],
        help="archive every workspace",
        description="Write a consistent zip archive of the whole database; the service may run.",
    )
    backup.add_argument("file", metavar="FILE")
    restore = commands.add_parser(
        "restore",
        parents=[database],
        help="load an archive into an empty database",
        description="Load a backup archive into an empty database, all or nothing.",
    )
    restore.add_argument("file", metavar="FILE")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    return _main(argv, keep=[])


def _main(argv: Sequence[str] | None, *, keep: list[object]) -> int:
    """Run the command line; a check leaves its chain and result in ``keep`` (see :func:`run`)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _lean(functools.partial(_check, keep=keep), args)
        if args.command == "validate":
            return _lean(_validate, args)
        if args.command == "import":
            return _lean(_import, args)
        if args.command == "export":
            return _lean(_export, args)
        return _service_command(args)
    except ChainError as err:
        sys.stderr.write("".join(f"{issue}\n" for issue in err.issues))
        return EXIT_USAGE
    except KetenkaartError as err:
        sys.stderr.write(f"ketenkaart: error: {err}\n")
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - the contract promises no traceback, ever
        sys.stderr.write(
            f"ketenkaart: internal error ({type(err).__name__}: {err}); please report it\n"
        )
        return EXIT_INTERNAL


def _lean(command: Callable[[argparse.Namespace, TextIO], int], args: argparse.Namespace) -> int:
    """Run a one-shot chain command without the cyclic garbage collector.

    One short run builds millions of objects and no garbage cycles worth collecting: the
    collector would only rescan the chain again and again (it halves the time). This is the
    only place ketenkaart pauses it: the service's commands (``serve``, ``demo``) and the
    service itself keep it, as a long-running process must collect what its requests leave.
    """
    with paused():
        return command(args, sys.stdout)


def _read(files: Sequence[str]) -> list[tuple[str, bytes]]:
    """Read every file, each at most the chain size limit; collect every unreadable one."""
    loaded, problems = [], []
    for name in files:
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > MAX_CHAIN_BYTES:
                problems.append(
                    f"{name}: {size:,} bytes is larger than the limit of {MAX_CHAIN_BYTES:,} bytes"
                )
                continue
            loaded.append((name, path.read_bytes()))
        except OSError as err:
            problems.append(f"{name}: cannot read: {err.strerror or err}")
    if problems:
        raise UsageError("\n".join(problems))
    return loaded


def _load(files: Sequence[str]) -> Chain:
    return load_chains(_read(files))


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} '{text}' is not a calendar date YYYY-MM-DD") from None


def _parse_period(text: str) -> DateRange:
    try:
        return parse_period(text)
    except UsageError as err:
        raise UsageError(f"--period {err}") from None


def _profile(name: str, chain: Chain) -> ResolvedProfile:
    path = Path(name)
    if path.is_file():
        return resolve_profile(load_profile_file(_read([name])[0][1], filename=name))
    return find_profile(name, chain)


def _check(args: argparse.Namespace, out: TextIO, *, keep: list[object]) -> int:
    if args.format == "xlsx" and not args.output:
        raise UsageError("--format xlsx writes a workbook: name the file with --output FILE")
    period = _parse_period(args.period) if args.period else None
    at = None if period else (_parse_date(args.at, "--at") if args.at else date.today())  # noqa: DTZ011 - the auditor's own calendar day
    chain = _load(args.files)
    profile = _profile(args.profile, chain)
    result = check(chain, offerings=args.offering, profile=profile, at=at, period=period)
    keep += [chain, result]  # for run() to leave to the operating system
    if args.output:
        _write_file(Path(args.output), _check_pieces(args.format, result, chain, profile))
    else:
        _print_check(args.format, result, chain, profile, out)
    if result.verdict is Status.GAP or (args.strict and result.verdict is not Status.OK):
        return EXIT_GAP
    return EXIT_OK


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

        yield (worksheet.check_xlsx if fmt == "xlsx" else worksheet.check_csv)(result, chain)
    elif fmt == "markdown":
        yield render_markdown(result, chain, profile).encode("utf-8")
    else:
        yield render_text(result, chain, colour=False).encode("utf-8")


def _write_file(path: Path, pieces: Iterable[bytes]) -> None:
    """Write ``path`` all or nothing: into a new file beside it, then put in its place."""
    folder = path.parent if str(path.parent) else Path()
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, or removed
            "wb", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as err:
        raise UsageError(f"{path}: cannot write: {err.strerror or err}") from None
    try:
        with handle:
            for piece in pieces:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, handle.name)
        Path(handle.name).replace(path)
    except BaseException as err:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise UsageError(f"{path}: cannot write: {err.strerror or err}") from None
        raise


def _render(
    fmt: str, result: CheckResult, chain: Chain, profile: ResolvedProfile, out: TextIO
) -> str:
    if fmt == "markdown":
        return render_markdown(result, chain, profile)
    return render_text(result, chain, colour=wants_colour(out), width=terminal_width(out))


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    chain = _load(args.files)
    out.write(
        f"{', '.join(args.files)}: valid: {count(len(chain.offerings), 'offering')}, "
        f"{count(len(chain.suppliers), 'supplier')}, {count(len(chain.services), 'service')}, "
        f"{count(len(chain.dependencies), 'dependency', 'dependencies')}, "
        f"{count(len(chain.evidence), 'piece of evidence', 'pieces of evidence')}, "
        f"{count(len(chain.profiles), 'profile')}\n"
    )
    return EXIT_OK


# --- other formats: import and export ---------------------------------------------------------


def _read_bounded(name: str, limit: int) -> bytes:
    """The bytes of file ``name``, at most ``limit`` of them (more is a usage error)."""
    try:
        with Path(name).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise UsageError(f"{name}: cannot read: {err.strerror or err}") from None
    if len(data) > limit:
        raise UsageError(f"{name}: larger than the limit of {limit:,} bytes")
    return data


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from importers import registry  # noqa: PLC0415 - the importers' libraries only here
    from importers.backstage import folder_fetch  # noqa: PLC0415
    from importers.base import MAX_IMPORT_BYTES, Source  # noqa: PLC0415
    from importers.chainfile import dump_chain, merge_chains  # noqa: PLC0415

    importer = registry.get(args.format) if args.format else None
    data = _read_bounded(args.file, max(MAX_IMPORT_BYTES, MAX_CHAIN_BYTES))
    if importer is None:
        importer = registry.detect(data, args.file)
    into = _load([args.into]) if args.into else None
    existing = _load([args.existing]) if args.existing else into
    fetch = folder_fetch(Path(args.file).resolve().parent) if importer.name == "backstage" else None
    result = importer.parse(data, Source(args.file, fetch=fetch, existing=existing))
    sys.stderr.write("".join(f"{args.file}: warning: {issue}\n" for issue in result.warnings))
    result.raise_for_errors()
    if into is None:
        out.flush()
        out.buffer.write(dump_chain(result.chain))
        out.flush()
        return EXIT_OK
    merged = merge_chains([into, result.chain], filenames=[args.into, args.file])
    offerings = (*into.offerings, *(o for o in result.chain.offerings if o not in into.offerings))
    merged = dataclasses.replace(merged, offerings=offerings)
    as_json = args.into.lower().endswith(".json")
    _write_file(Path(args.into), [dump_chain(merged, fmt="json" if as_json else "yaml")])
    out.write(
        f"{args.into}: merged {args.file} ({importer.name}): "
        + ", ".join(
            count(len(new) - len(old), one, many)
            for new, old, one, many in (
                (merged.suppliers, into.suppliers, "new supplier", None),
                (merged.services, into.services, "new service", None),
                (merged.dependencies, into.dependencies, "new dependency", "new dependencies"),
                (merged.evidence, into.evidence, "new piece of evidence", "new pieces of evidence"),
            )
        )
        + "\n"
    )
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from importers import registry  # noqa: PLC0415 - the exporters' libraries only here

    if args.format in BINARY_FORMATS and not args.output and out.isatty():
        raise UsageError(
            f"--format {args.format} writes a binary file: name it with --output FILE "
            "or redirect stdout"
        )
    chain = _load(args.files)
    exported = registry.export(chain, args.format, args.language)
    sys.stderr.write("".join(f"{args.format}: warning: {issue}\n" for issue in exported.warnings))
    if args.output:
        _write_file(Path(args.output), [exported.data])
    else:
        out.flush()
        out.buffer.write(exported.data)
        out.flush()
    return EXIT_OK


# --- the service and its database -------------------------------------------------------------


def _service_command(args: argparse.Namespace) -> int:
    """Run a command of the service, with its errors as usage errors (exit 2)."""
    from pydantic import ValidationError  # noqa: PLC0415 - the service's imports only here
    from sqlalchemy.exc import ArgumentError, OperationalError  # noqa: PLC0415

    from app.errors import Problem  # noqa: PLC0415

    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "db": _db_upgrade,
        "workspace": _workspace_create,
        "user": _user_disable if getattr(args, "action", None) == "disable" else _user_create,
        "member": _member_set,
        "grant": _grant_create,
        "audit": _audit_anchor if getattr(args, "action", None) == "anchor" else _audit_verify,
        "token": _token_create if getattr(args, "action", None) == "create" else _token_revoke,
        "serve": _serve,
        "demo": _demo,
        "backup": _backup,
        "restore": _restore,
    }
    try:
        return commands[args.command](args)
    except Problem as err:
        details = "".join(f"\n  {e['location']}: {e['message']}" for e in err.errors)
        raise UsageError(f"{err.detail}{details}") from None
    except ValidationError as err:
        problems = "; ".join(
            f"KETENKAART_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in err.errors()
        )
        raise UsageError(f"the configuration is not valid: {problems}") from None
    except ArgumentError as err:
        raise UsageError(f"the database URL is not valid: {err}") from None
    except OperationalError as err:
        raise UsageError(f"cannot use the database: {str(err.orig).strip()}") from None


def _settings(args: argparse.Namespace, **flags: object) -> Settings:
    """The environment's settings, with the flags given on the command line over them."""
    from app.config import Settings  # noqa: PLC0415

    given = {k: v for k, v in flags.items() if v is not None}
    if getattr(args, "database_url", None):
        given["database_url"] = args.database_url
    return Settings(**given)  # type: ignore[arg-type]


def _database(url: str) -> Engine:
    """An engine for ``url``, its schema brought up to date."""
    from app.db import make_engine  # noqa: PLC0415
    from app.migrate import upgrade  # noqa: PLC0415

    engine = make_engine(url)
    upgrade(engine)
    return engine


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Session]:
    """A session on the database the settings and flags name, its schema brought up to date;
    the engine is let go afterwards."""
    from sqlmodel import Session  # noqa: PLC0415 - the service's imports only here

    engine = _database(_settings(args).database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _db_upgrade(args: argparse.Namespace) -> int:
    from app.backup import current_head  # noqa: PLC0415

    engine = _database(_settings(args).database_url)
    engine.dispose()
    print(f"{_shown(engine)}: schema at revision {current_head()} (the newest)")  # noqa: T201
    return EXIT_OK


def _workspace_create(args: argparse.Namespace) -> int:

    from app import accounts  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    slug: str = args.slug
    problems = []
    if not SLUG.fullmatch(slug) or len(slug) > MAX_SLUG:
        problems.append(
            f"workspace '{slug}': a slug is 1-{MAX_SLUG} characters a-z, 0-9 and -, "
            "starting with a letter or digit"
        )
    if args.name is not None and not 1 <= len(args.name.strip()) <= MAX_NAME:
        problems.append(f"--name: 1-{MAX_NAME} characters")
    if problems:
        raise UsageError("\n".join(problems))
    with _session(args) as session:
        owner = None
        if args.owner is not None:
            owner = accounts.user_by_email(session, args.owner)
            if owner is None:
                raise UsageError(
                    f"no account for {args.owner}; create it with `ketenkaart user create`"
                )
        workspace = accounts.create_workspace(
            session, slug=slug, name=args.name, owner=owner, actor=COMMAND_LINE
        )
        print(f"created workspace '{workspace.slug}' ({workspace.name})")  # noqa: T201
    return EXIT_OK


def _token_create(args: argparse.Namespace) -> int:

    from app import accounts, services  # noqa: PLC0415

    expires = _parse_date(args.expires, "--expires") if args.expires else None
    if expires is not None and expires < date.today():  # noqa: DTZ011 - the caller's calendar day
        raise UsageError(f"--expires {expires} is in the past")
    with _session(args) as session:
        user_id = None
        if args.user:
            user = accounts.user_by_email(session, args.user)
            if user is None:
                raise UsageError(f"--user: no account for {args.user}")
            user_id = user.id
        token = services.create_token(
            session, slug=args.workspace, role=args.role, expires=expires, user_id=user_id
        )
    print(token)  # noqa: T201 - alone on stdout, for scripts
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    import getpass  # noqa: PLC0415

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask the password on: use --password-stdin")
    first = getpass.getpass("Password (at least 15 characters): ")
    if getpass.getpass("Once more: ") != first:
        raise UsageError("the two passwords differ")
    return first


def _user_create(args: argparse.Namespace) -> int:

    from app import accounts  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    password = _read_password(args)
    with _session(args) as session:
        user = accounts.create_user(
            session,
            email=args.email,
            display_name=args.name,
            password=password,
            actor=COMMAND_LINE,
        )
        print(f"created the account of {user.display_name} <{user.email}>")  # noqa: T201
    return EXIT_OK


def _user_disable(args: argparse.Namespace) -> int:

    from datetime import UTC, datetime  # noqa: PLC0415

    from app import accounts  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    with _session(args) as session:
        user = accounts.disable_user(
            session, email=args.email, now=datetime.now(UTC), actor=COMMAND_LINE
        )
        print(  # noqa: T201
            f"disabled the account of {user.display_name} <{user.email}>; its sessions and "
            "tokens have ended"
        )
    return EXIT_OK


def _member_set(args: argparse.Namespace) -> int:

    from app import accounts, services  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    with _session(args) as session:
        workspace = services.workspace_for(session, args.workspace)
        found = accounts.set_member(
            session, workspace=workspace, email=args.email, role=args.role, actor=COMMAND_LINE
        )
        print(f"{found['email']} is {found['role']} of '{workspace.slug}'")  # noqa: T201
    return EXIT_OK


def _grant_create(args: argparse.Namespace) -> int:

    from app import accounts, services  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    starts, ends = _parse_date(args.starts, "--from"), _parse_date(args.ends, "--to")
    with _session(args) as session:
        workspace = services.workspace_for(session, args.workspace)
        found = accounts.create_grant(
            session,
            workspace=workspace,
            email=args.email,
            offerings=args.offering,
            starts=starts,
            ends=ends,
            actor=COMMAND_LINE,
        )
    scope = ", ".join(found["offerings"]) or "the whole workspace"
    print(  # noqa: T201
        f"grant {found['id']}: {found['email']} may read {scope} of '{args.workspace}' "
        f"from {found['starts']} through {found['ends']}"
    )
    return EXIT_OK


def _audit_verify(args: argparse.Namespace) -> int:

    from app import audit, services  # noqa: PLC0415

    kept = _anchor_file(args.anchor) if args.anchor else None
    key = _anchor_key(args.key) if args.key or kept is not None else None
    with _session(args) as session:
        if args.workspace:
            workspaces = [services.workspace_for(session, args.workspace)]
            chains = [audit.chain_of(workspaces[0].id)]
        else:
            workspaces = audit.workspaces(session)
            chains = audit.chains(session)
        verdicts = [audit.verify(session, chain) for chain in chains]
        lines = [str(v) for v in verdicts]
        ok = all(v.ok for v in verdicts)
        if kept is not None:
            try:
                checks = audit.check_anchor(session, kept, key=key)
            except audit.AnchorError as err:
                raise UsageError(f"--anchor {args.anchor}: {err}") from None
            lines += [f"anchor: {c}" for c in checks if not args.workspace or c.chain in chains]
            ok = ok and all(c.ok for c in checks if not args.workspace or c.chain in chains)
        if args.register:
            for workspace in workspaces:
                found = audit.register_differences(session, workspace)
                lines += [f"{workspace.slug}: {f}" for f in found]
                lines += [] if found else [f"{workspace.slug}: the register matches its trail"]
                ok = ok and not found
    for line in lines:
        print(line)  # noqa: T201
    return EXIT_OK if ok else EXIT_GAP


def _audit_anchor(args: argparse.Namespace) -> int:

    import json  # noqa: PLC0415

    from app import audit, services  # noqa: PLC0415

    key = _anchor_key(args.key)
    if key is None:
        raise UsageError(
            f"no anchor key: give --key FILE or set {audit.ANCHOR_KEY_VARIABLE} (an Ed25519 key "
            "in PEM, e.g. from `openssl genpkey -algorithm ed25519`, or its seed in base64)"
        )
    with _session(args) as session:
        if args.workspace:
            chains = [audit.chain_of(services.workspace_for(session, args.workspace).id)]
        else:
            chains = audit.chains(session)
        made = audit.anchor(session, key, chains)
    print(json.dumps(made, indent=2))  # noqa: T201 - alone on stdout, to keep
    return EXIT_OK


def _anchor_key(path: str | None) -> Ed25519PrivateKey | None:
    """The anchor key from ``--key FILE``, else from the environment; ``None`` if neither."""
    from app import audit  # noqa: PLC0415

    try:
        if path is None:
            return audit.key_from_environment()
        return audit.load_key(Path(path).read_bytes())
    except OSError as err:
        raise UsageError(f"--key {path}: cannot read: {err.strerror or err}") from None
    except audit.AnchorError as err:
        raise UsageError(f"{path or audit.ANCHOR_KEY_VARIABLE}: {err}") from None


def _anchor_file(path: str) -> dict[str, object]:
    import json  # noqa: PLC0415

    try:
        kept = json.loads(Path(path).read_bytes())
    except OSError as err:
        raise UsageError(f"--anchor {path}: cannot read: {err.strerror or err}") from None
    except ValueError as err:
        raise UsageError(f"--anchor {path}: not JSON: {err}") from None
    if not isinstance(kept, dict):
        raise UsageError(f"--anchor {path}: not an anchor of ketenkaart")
    return kept


def _token_revoke(args: argparse.Namespace) -> int:

    from app import services  # noqa: PLC0415

    token: str = args.token.strip()
    if len(token) < 10:  # the prefix the service keeps
        raise UsageError("give the whole token, or its first 10 characters")
    with _session(args) as session:
        count = services.revoke_token(session, token=token)
    print(f"revoked {count} token{'s' if count != 1 else ''}")  # noqa: T201
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args, host=args.host, port=args.port, workers=args.workers)
    return _run_server(settings)


def _run_server(settings: Settings) -> int:
    """Upgrade the schema once, then serve; the workers read the settings from the environment."""
    import uvicorn  # noqa: PLC0415

    from app.config import get_settings  # noqa: PLC0415
    from app.security import UVICORN_LOG_CONFIG, configure_logging  # noqa: PLC0415

    if not 0 < settings.port < 65536:
        raise UsageError(f"--port {settings.port} is not a TCP port (1-65535)")
    if settings.workers < 1:
        raise UsageError(f"--workers {settings.workers}: at least 1")
    _database(settings.database_url).dispose()
    # Every worker process builds its app from the environment: hand it what the flags said.
    os.environ.update(
        KETENKAART_DATABASE_URL=settings.database_url,
        KETENKAART_HOST=settings.host,
        KETENKAART_PORT=str(settings.port),
        KETENKAART_WORKERS=str(settings.workers),
        KETENKAART_TRUSTED_PROXIES=settings.trusted_proxies,
    )
    if settings.plain_http_localhost:
        os.environ["KETENKAART_PLAIN_HTTP_LOCALHOST"] = "1"
    get_settings.cache_clear()
    configure_logging()
    sys.stdout.flush()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=UVICORN_LOG_CONFIG,
        access_log=False,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: only the
        # proxies named in KETENKAART_TRUSTED_PROXIES are (ADR 21)
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or "",
    )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from sqlmodel import Session  # noqa: PLC0415

    import app  # noqa: PLC0415
    from app import accounts, passwords, services  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415
    from app.config import Settings  # noqa: PLC0415
    from app.errors import NotFound  # noqa: PLC0415

    chain = Path(app.__file__).resolve().parents[1] / "examples" / "demo-chain.yaml"
    if not chain.is_file():
        raise UsageError(f"the demo chain is not installed with this copy ({chain} is missing)")
    database = Path.cwd() / DEMO_DATABASE
    settings = Settings(
        database_url=f"sqlite:///{database}",
        host="127.0.0.1",
        port=args.port,
        plain_http_localhost=True,  # a person's own machine, no TLS: the cookie goes without Secure
    )
    engine = _database(settings.database_url)
    try:
        with Session(engine) as session:
            password = secrets.token_urlsafe(12)
            user = accounts.user_by_email(session, DEMO_EMAIL)
            if user is None:
                user = accounts.create_user(
                    session,
                    email=DEMO_EMAIL,
                    display_name="Demo owner",
                    password=password,
                    actor=COMMAND_LINE,
                )
            else:  # a new password each run, printed below (the old one is not kept anywhere)
                user.password_hash = passwords.hash_password(password)
                session.add(user)
                session.commit()
            try:
                workspace = services.workspace_for(session, DEMO_WORKSPACE)
            except NotFound:
                workspace = accounts.create_workspace(
                    session,
                    slug=DEMO_WORKSPACE,
                    name="ketenkaart demo",
                    owner=user,
                    actor=COMMAND_LINE,
                )
            if not services.register_document(session, workspace)["offerings"]:
                services.import_chain(
                    session,
                    workspace=workspace,
                    name=str(chain),
                    data=chain.read_bytes(),
                    dry_run=False,
                )
            token = services.create_token(
                session, slug=DEMO_WORKSPACE, role="owner", expires=None, user_id=user.id
            )
    finally:
        engine.dispose()
    base = f"http://127.0.0.1:{settings.port}"
    print(  # noqa: T201
        f"ketenkaart demo: workspace '{DEMO_WORKSPACE}' in {database}\n"
        f"  open {base}/login and sign in as {DEMO_EMAIL} with password {password}\n"
        f"  API: {base}/api/v1 (described by {base}/openapi.json)\n"
        f"  owner token (shown once):  {token}\n"
        f"  try: curl -H 'Authorization: Bearer {token}' "
        f"{base}/api/v1/workspaces/{DEMO_WORKSPACE}/check\n"
        "  stop with Ctrl-C"
    )
    return _run_server(settings)


def _backup(args: argparse.Namespace) -> int:
    from app import backup  # noqa: PLC0415

    engine = _database(_settings(args).database_url)
    try:
        summary = backup.backup(
            engine, Path(args.file), documents_dir=_settings(args).documents_dir
        )
    finally:
        engine.dispose()
    print(  # noqa: T201
        f"{args.file}: {summary.rows} rows of {len(summary.counts)} tables, "
        f"schema revision {summary.revision}"
    )
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from app import backup  # noqa: PLC0415

    engine = _database(_settings(args).database_url)
    try:
        summary = backup.restore(
            engine, Path(args.file), documents_dir=_settings(args).documents_dir
        )
    finally:
        engine.dispose()
    print(  # noqa: T201
        f"restored {summary.rows} rows of {len(summary.counts)} tables from {args.file} "
        f"into {_shown(engine)}"
    )
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
    kept: list[object] = []
    code = _main(None, keep=kept)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
