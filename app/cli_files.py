"""The command line's files: chain files read within the size limit, profiles named by id or
file, and files written all or nothing.

:mod:`app.cli`, :mod:`app.cli_diff` and :mod:`app.cli_history` read and write through these, so
that every command says the same about a file it cannot read or write, in the command's
language, with the operating system's own words after it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from graph import i18n
from graph.errors import UsageError
from graph.i18n import N_, gettext
from graph.model import Chain
from graph.profiles import ResolvedProfile, find_profile, resolve_profile
from importers.chainfile import MAX_CHAIN_BYTES, load_chains, load_profile_file


def add_offering_option(parser: argparse.ArgumentParser) -> None:
    """``--offering ID`` (repeatable) on a command that judges the chain from its offerings."""
    parser.add_argument(
        "--offering",
        action="append",
        metavar="ID",
        help=gettext("start from this service instead of the first file's offerings (repeatable)"),
    )


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """``--profile ID|FILE`` (default zeker-online), found by :func:`profile_named`."""
    parser.add_argument(
        "--profile",
        metavar=gettext("ID|FILE"),
        default="zeker-online",
        help=gettext(
            "a built-in profile, one defined in the chain files, or a profile file "
            "(default: zeker-online)"
        ),
    )


def cannot(message: str, name: object, err: OSError) -> str:
    """``message`` (a ``{name}``, an ``{error}``) translated, with the system's own words."""
    return gettext(message).format(name=name, error=err.strerror or err)


def read_files(names: Sequence[str]) -> list[tuple[str, bytes]]:
    """Each file's name and bytes, each at most the chain size limit; a usage error naming
    every file that cannot be read or is too large."""
    loaded, problems = [], []
    for name in names:
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > MAX_CHAIN_BYTES:
                problems.append(
                    gettext(
                        "{name}: {size} bytes is larger than the limit of {limit} bytes"
                    ).format(
                        name=name,
                        size=i18n.format_number(size, grouped=True),
                        limit=i18n.format_number(MAX_CHAIN_BYTES, grouped=True),
                    )
                )
                continue
            loaded.append((name, path.read_bytes()))
        except OSError as err:
            problems.append(cannot(N_("{name}: cannot read: {error}"), name, err))
    if problems:
        raise UsageError("\n".join(problems))
    return loaded


def load(names: Sequence[str]) -> Chain:
    """The chain files ``names``, merged by id."""
    return load_chains(read_files(names))


def profile_named(name: str, chains: Sequence[Chain]) -> ResolvedProfile:
    """A profile file ``name``, else the built-in profile or the first of ``chains`` that
    defines one by that id."""
    if Path(name).is_file():
        return resolve_profile(load_profile_file(read_files([name])[0][1], filename=name))
    for chain in chains:
        if name in chain.profiles:
            return find_profile(name, chain)
    return find_profile(name, chains[0])


def write_file(path: Path, pieces: Iterable[bytes]) -> None:
    """Write ``path`` all or nothing: into a new file beside it, then put in its place (with
    the old file's permissions)."""
    folder = path.parent if str(path.parent) else Path()
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, or removed
            "wb", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as err:
        raise UsageError(cannot(N_("{name}: cannot write: {error}"), path, err)) from None
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
            raise UsageError(cannot(N_("{name}: cannot write: {error}"), path, err)) from None
        raise
