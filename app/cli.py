"""The ``ketenkaart`` command line: ``check`` and ``validate``.

Unusable input or arguments exit with status 2, every error on stderr and nothing on stdout.
``check`` exits 0 when the chain's verdict is ``ok`` or ``conditional`` (with ``--strict`` only
``ok``) and 1 when it is ``gap``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO, NoReturn, TextIO

from app.views.markdown import render_markdown
from app.views.terminal import render_text, wants_colour
from graph.coverage import check
from graph.errors import ChainError, KetenkaartError, UsageError
from graph.model import Chain, DateRange
from graph.profiles import ResolvedProfile, find_profile, resolve_profile
from graph.verdicts import CheckResult, Status
from importers.chainfile import MAX_CHAIN_BYTES, load_chains, load_profile_file

EXIT_OK = 0
EXIT_GAP = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

FORMATS = ("text", "json", "markdown")


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
    chk.add_argument("--format", choices=FORMATS, default="text", help="output format")
    chk.add_argument(
        "--strict", action="store_true", help="exit 1 unless every link is ok (conditional too)"
    )

    val = commands.add_parser(
        "validate",
        help="check chain files against the format",
        description="Check chain files (merged by id) against the chain format.",
    )
    val.add_argument("files", nargs="+", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    # One short run that builds millions of objects and no garbage cycles worth collecting:
    # the cyclic collector would only rescan the chain again and again (it halves the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if args.command == "check":
            return _check(args, sys.stdout)
        return _validate(args, sys.stdout)
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
    finally:
        if collecting:
            gc.enable()


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
    start, sep, end = text.partition("..")
    if not sep:
        raise UsageError(f"--period '{text}' is not FROM..TO, e.g. 2026-01-01..2026-12-31")
    period = DateRange(_parse_date(start, "--period start"), _parse_date(end, "--period end"))
    if period.start > period.end:
        raise UsageError(f"--period starts ({period.start}) after it ends ({period.end})")
    return period


def _profile(name: str, chain: Chain) -> ResolvedProfile:
    path = Path(name)
    if path.is_file():
        return resolve_profile(load_profile_file(_read([name])[0][1], filename=name))
    return find_profile(name, chain)


def _check(args: argparse.Namespace, out: TextIO) -> int:
    period = _parse_period(args.period) if args.period else None
    at = None if period else (_parse_date(args.at, "--at") if args.at else date.today())  # noqa: DTZ011 - the auditor's own calendar day
    chain = _load(args.files)
    profile = _profile(args.profile, chain)
    result = check(chain, offerings=args.offering, profile=profile, at=at, period=period)
    try:
        if args.format == "json":
            # In pieces: a large chain's document can pass 2 GiB, more than one write may take.
            out.flush()
            _write_chunked(out.buffer, result.iter_json())
            out.buffer.write(b"\n")
        else:
            out.write(_render(args.format, result, chain, profile, out))
        out.flush()
    except BrokenPipeError:  # the reader stopped early, e.g. `| head`; the verdict stands
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())  # so that the flush at exit does not fail again
    if result.verdict is Status.GAP or (args.strict and result.verdict is not Status.OK):
        return EXIT_GAP
    return EXIT_OK


def _write_chunked(binary: BinaryIO, pieces: Iterable[bytes], size: int = 1 << 20) -> None:
    """Write many small pieces as a few large writes of about ``size`` bytes."""
    chunk: list[bytes] = []
    held = 0
    for piece in pieces:
        chunk.append(piece)
        held += len(piece)
        if held >= size:
            binary.write(b"".join(chunk))
            chunk, held = [], 0
    binary.write(b"".join(chunk))


def _render(
    fmt: str, result: CheckResult, chain: Chain, profile: ResolvedProfile, out: TextIO
) -> str:
    if fmt == "markdown":
        return render_markdown(result, chain, profile)
    return render_text(result, chain, colour=wants_colour(out))


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    chain = _load(args.files)
    out.write(
        f"{', '.join(args.files)}: valid: {len(chain.offerings)} offering(s), "
        f"{len(chain.suppliers)} suppliers, {len(chain.services)} services, "
        f"{len(chain.dependencies)} dependencies, {len(chain.evidence)} pieces of evidence, "
        f"{len(chain.profiles)} profile(s)\n"
    )
    return EXIT_OK


def run() -> NoReturn:
    """The console script: ``main()``, then exit without tearing down the heap.

    Freeing millions of objects one by one at exit takes longer than some whole checks; the
    operating system reclaims the memory at once. Output is flushed first.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
