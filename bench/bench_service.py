"""Benchmark the service (import and check through the HTTP API) against ``ketenkaart check``.

What it measures, on a synthetic chain and on each database backend (SQLite in a fresh file,
PostgreSQL in a fresh database ``kk_bench_<random>`` that is dropped afterwards), in the same
session, interleaved, ``--repeat`` times each:

- the baseline: ``python -m app.cli check FILE --at 2026-11-27 --format json`` as a process, its
  output to /dev/null, wall time;
- the import: ``POST /api/v1/workspaces/{ws}/import`` with the chain file as the body, to a real
  server process (uvicorn), from sending the request until the answer has arrived; each
  repetition imports into a new, empty workspace;
- the API check: ``GET /api/v1/workspaces/{ws}/check?at=2026-11-27`` on the workspace just
  imported, until the whole streamed body has been read; its bytes must equal the CLI's output.

It reports the medians and the ratios import/check-CLI (the bar: at most 3x) and
API-check/check-CLI (the bar: at most 1.5x) for each backend. It also counts the SQL statements
one check request runs (and one import), in this process, through a ``TestClient`` with a
``before_cursor_execute`` listener on the engine.

Unlike the other benchmarks, this one imports the project: to bring the schema up, to create the
workspaces and tokens before the server starts, and to count statements. Everything that is
timed runs in separate processes (the CLI, the server).

Usage::

    python bench/bench_service.py --services 20000
    python bench/bench_service.py --services 2000 --backends sqlite --repeat 1 --json
    python bench/bench_service.py --file chain.json

Exit status 0 when everything ran and every check answer matched the CLI's output, whatever the
figures (PASS/OVER is printed); 1 when something failed or an answer differed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from served import BenchError, Server, postgresql_database, serve

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
AT = "2026-11-27"
IMPORT_BAR = 3.0
CHECK_BAR = 1.5
BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_UPLOAD_LIMIT = 25 * 1024 * 1024
MIB = 2**20


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Time import and check through the API against `ketenkaart check`."
    )
    parser.add_argument("--services", type=int, default=20_000, help="generate this many (20000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    parser.add_argument("--file", type=Path, help="use this chain file instead of generating one")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (3)")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated, of sqlite and postgresql (both)",
    )
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help=f"a PostgreSQL database to create the bench database from ({DEFAULT_PG_URL})",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (1800)")
    parser.add_argument("--no-count", action="store_true", help="skip counting SQL statements")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = [name for name in args.backends if name not in BACKENDS]
    if unknown or not args.backends:
        parser.error(f"--backends: unknown {', '.join(unknown) or '(none)'}; use sqlite,postgresql")
    return args


def progress(message: str) -> None:
    """A progress line on stderr, so that stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


# --- the chain and the CLI ---------------------------------------------------------------------


def generate(services: int, seed: int, directory: Path, timeout: float) -> Path:
    """Write a synthetic chain with ``generate.py`` and return its path."""
    path = directory / f"chain-{services}-{seed}.json"
    command = [sys.executable, str(BENCH_DIR / "generate.py"), "--services", str(services)]
    command += ["--seed", str(seed), "--output", str(path)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
    progress(completed.stdout.strip())
    return path


def cli_command(path: Path) -> list[str]:
    """The baseline: the check as a process, JSON out."""
    return [sys.executable, "-m", "app.cli", "check", str(path), "--at", AT, "--format", "json"]


def run_cli(path: Path, *, timeout: float, stdout: IO[bytes] | None = None) -> float:
    """Run the CLI check once and return its wall time; exit status 0 or 1 both count."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        try:
            completed = subprocess.run(
                cli_command(path),
                cwd=REPO_ROOT,
                stdout=stdout or subprocess.DEVNULL,
                stderr=stderr,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"the CLI check timed out after {timeout:.0f} s") from None
        seconds = time.perf_counter() - started
        stderr.seek(0)
        text = stderr.read().decode("utf-8", errors="replace")
    if completed.returncode not in (0, 1) or "Traceback (most recent call last)" in text:
        raise BenchError(f"the CLI check failed ({completed.returncode}):\n{text.rstrip()}")
    return seconds


# --- databases ---------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    """A fresh SQLite file in ``directory``."""
    yield f"sqlite:///{directory / 'bench-service.db'}"


@dataclass(frozen=True, slots=True)
class Workspace:
    """A workspace of the bench database and an editor token for it."""

    slug: str
    token: str


def prepare(url: str, slugs: Sequence[str]) -> list[Workspace]:
    """Bring the schema up and create empty workspaces, each with an editor token."""
    from sqlmodel import Session  # noqa: PLC0415 - the project is loaded only for the setup

    from app import membership, services  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415
    from app.db import make_engine  # noqa: PLC0415
    from app.migrate import upgrade  # noqa: PLC0415

    engine = make_engine(url)
    try:
        upgrade(engine)
        made = []
        with Session(engine) as session:
            for slug in slugs:
                membership.create_workspace(
                    session, slug=slug, name=f"bench {slug}", owner=None, actor=COMMAND_LINE
                )
                token = services.create_token(session, slug=slug, role="editor", expires=None)
                made.append(Workspace(slug, token))
        return made
    finally:
        engine.dispose()


# --- the server --------------------------------------------------------------------------------


def server(url: str, *, upload_limit: int) -> contextlib.AbstractContextManager[Server]:
    """Start the service on a free port, wait until /healthz answers, stop it afterwards."""
    env = {**os.environ, "KETENKAART_DATABASE_URL": url}
    if upload_limit > DEFAULT_UPLOAD_LIMIT:
        env["KETENKAART_MAX_UPLOAD_BYTES"] = str(upload_limit)
    return serve(
        lambda port: [
            *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        env,
        kind=Server,
    )


# --- the timed requests ------------------------------------------------------------------------


def api_import(client: httpx.Client, workspace: Workspace, data: bytes) -> float:
    """POST the chain file to the workspace; the time until the answer has arrived."""
    headers = {"Authorization": f"Bearer {workspace.token}"}
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/workspaces/{workspace.slug}/import", content=data, headers=headers
    )
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise BenchError(f"the import answered {response.status_code}: {response.text[:2000]}")
    return seconds


def api_check(client: httpx.Client, workspace: Workspace) -> tuple[float, bytes]:
    """GET the check of the workspace; the time until the whole body is read, and the body."""
    headers = {"Authorization": f"Bearer {workspace.token}"}
    body = bytearray()
    started = time.perf_counter()
    path = f"/api/v1/workspaces/{workspace.slug}/check"
    with client.stream("GET", path, params={"at": AT}, headers=headers) as response:
        for chunk in response.iter_raw():
            body.extend(chunk)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise BenchError(f"the check answered {response.status_code}: {bytes(body[:2000])!r}")
    return seconds, bytes(body)


def difference(got: bytes, expected: bytes) -> str | None:
    """Where ``got`` first differs from ``expected``, or None when they are equal."""
    if got == expected:
        return None
    at = next(
        (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
        min(len(got), len(expected)),
    )
    return (
        f"{len(got):,} bytes against the CLI's {len(expected):,}; first difference at byte {at:,}: "
        f"API {got[max(0, at - 60) : at + 60]!r} / CLI {expected[max(0, at - 60) : at + 60]!r}"
    )


# --- counting statements -----------------------------------------------------------------------


@dataclass(slots=True)
class Statements:
    """The SQL statements an engine ran, by their first word (SELECT, INSERT, ...)."""

    total: int = 0
    executemany: int = 0
    by_verb: Counter[str] = field(default_factory=Counter)

    def figures(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "total": self.total,
            "executemany": self.executemany,
            "by_verb": dict(self.by_verb.most_common()),
        }


def count_statements(
    url: str, check_on: Workspace, import_into: Workspace | None, data: bytes
) -> dict[str, Any]:
    """Run one check (and one import) in this process and count the SQL statements of each."""
    with warnings.catch_warnings():  # starlette asks for httpx2, which is not released
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient  # noqa: PLC0415 - the project, in-process
    from sqlalchemy import event  # noqa: PLC0415

    from app.config import Settings  # noqa: PLC0415
    from app.db import make_engine  # noqa: PLC0415
    from app.main import create_app  # noqa: PLC0415

    engine = make_engine(url)
    counted = Statements()

    def before_cursor_execute(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, executemany: bool
    ) -> None:
        counted.total += 1
        counted.executemany += int(executemany)
        counted.by_verb[statement.lstrip().split(None, 1)[0].upper()] += 1

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    result: dict[str, Any] = {}
    try:
        app = create_app(Settings(database_url=url), engine=engine)
        with TestClient(app) as client:
            for what, workspace in (("import", import_into), ("check", check_on)):
                if workspace is None:
                    continue
                headers = {"Authorization": f"Bearer {workspace.token}"}
                counted.total, counted.executemany, counted.by_verb = 0, 0, Counter()
                started = time.perf_counter()
                if what == "import":
                    path = f"/api/v1/workspaces/{workspace.slug}/import"
                    response = client.post(path, content=data, headers=headers)
                else:
                    path = f"/api/v1/workspaces/{workspace.slug}/check"
                    response = client.get(path, params={"at": AT}, headers=headers)
                seconds = time.perf_counter() - started
                if response.status_code != 200:
                    raise BenchError(f"in-process {what} answered {response.status_code}")
                result[what] = {**counted.figures(), "in_process_s": round(seconds, 3)}
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
        engine.dispose()
    return result


# --- the benchmark -----------------------------------------------------------------------------


@dataclass(slots=True)
class Backend:
    """One database backend: its workspaces, its server, its timed runs."""

    name: str
    url: str = ""
    workspaces: list[Workspace] = field(default_factory=list)
    client: httpx.Client | None = None
    imports: list[float] = field(default_factory=list)
    checks: list[float] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    statements: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None


def round_of(
    backend: Backend, index: int, data: bytes, expected: bytes, *, timed: bool
) -> tuple[float, float]:
    """Import into workspace ``index`` and check it; compare the answer with the CLI's."""
    assert backend.client is not None  # noqa: S101 - started before the rounds
    workspace = backend.workspaces[index]
    imported = api_import(backend.client, workspace, data)
    checked, body = api_check(backend.client, workspace)
    wrong = difference(body, expected)
    if wrong:
        message = f"{backend.name}: the API check of {workspace.slug} differs from the CLI: {wrong}"
        backend.mismatches.append(message)
        progress(f"MISMATCH {message}")
    if timed:
        backend.imports.append(imported)
        backend.checks.append(checked)
    return imported, checked


def measure(
    path: Path,
    backends: list[Backend],
    cli_runs: list[float],
    args: argparse.Namespace,
    expected: bytes,
) -> None:
    """The timed rounds: the CLI and each backend's import and check, alternating the order."""
    data = path.read_bytes()
    for backend in backends:
        imported, checked = round_of(backend, 0, data, expected, timed=False)
        progress(f"  warm-up {backend.name}: import {imported:.2f} s, check {checked:.2f} s")
    for index in range(args.repeat):
        steps: list[Backend | None] = [None, *backends]
        if index % 2:
            steps.reverse()
        for step in steps:
            if step is None:
                seconds = run_cli(path, timeout=args.timeout)
                cli_runs.append(seconds)
                progress(f"  run {index + 1}/{args.repeat} check-CLI: {seconds:.2f} s")
            else:
                imported, checked = round_of(step, index + 1, data, expected, timed=True)
                progress(
                    f"  run {index + 1}/{args.repeat} {step.name}: "
                    f"import {imported:.2f} s, API check {checked:.2f} s"
                )


def start_backends(
    stack: contextlib.ExitStack, args: argparse.Namespace, directory: Path, upload_limit: int
) -> list[Backend]:
    """Create each backend's database, workspaces and server; skip PostgreSQL if it is down."""
    backends = []
    slugs = [f"bench-{index}" for index in range(args.repeat + 1)] + ["bench-count"]
    for name in args.backends:
        backend = Backend(name)
        if name == "postgresql":
            try:
                backend.url = stack.enter_context(
                    postgresql_database(args.pg_url, prefix="kk_bench", progress=progress)
                )
            except ConnectionError as err:
                backend.skipped = f"PostgreSQL does not answer at {args.pg_url}: {err}"
                progress(f"skipping postgresql: {backend.skipped}")
                backends.append(backend)
                continue
        else:
            backend.url = stack.enter_context(sqlite_database(directory))
        backend.workspaces = prepare(backend.url, slugs)
        running = stack.enter_context(server(backend.url, upload_limit=upload_limit))
        backend.client = stack.enter_context(
            httpx.Client(base_url=running.base_url, timeout=args.timeout)
        )
        progress(f"{name}: server at {running.base_url}, database {backend.url}")
        backends.append(backend)
    return backends


def backend_figures(backend: Backend, cli_median: float | None) -> dict[str, Any]:
    """The figures of one backend, JSON-ready."""
    if backend.skipped or not backend.imports or cli_median is None:
        return {"skipped": backend.skipped or "not measured"}
    import_median = statistics.median(backend.imports)
    check_median = statistics.median(backend.checks)
    import_ratio = import_median / cli_median
    check_ratio = check_median / cli_median
    return {
        "import_median_s": round(import_median, 3),
        "import_runs_s": [round(s, 3) for s in backend.imports],
        "check_median_s": round(check_median, 3),
        "check_runs_s": [round(s, 3) for s in backend.checks],
        "import_ratio": round(import_ratio, 3),
        "import_verdict": verdict(import_ratio <= IMPORT_BAR),
        "check_ratio": round(check_ratio, 3),
        "check_verdict": verdict(check_ratio <= CHECK_BAR),
        "check_matches_cli": not backend.mismatches,
        "mismatches": backend.mismatches,
        "statements": backend.statements,
    }


def verdict(passed: bool) -> str:
    """PASS or OVER."""
    return "PASS" if passed else "OVER"


def row(label: str, value: str, note: str = "") -> None:
    """One line of the table: a label, a right-aligned value, a note."""
    print(f"{label:<26}{value:>10}  {note}".rstrip())


def print_table(report: dict[str, Any]) -> None:
    """The results as a small table, one block per backend."""
    row("services", str(report["chain"]["services"]))
    row("chain file", f"{report['chain']['mib']:.1f}", "MiB")
    row("runs of each", str(report["repeat"]))
    if report["cli_median_s"] is not None:
        row("check-CLI median", f"{report['cli_median_s']:.2f}", "s")
        row("check output", f"{report['cli_output_mib']:.1f}", "MiB")
    for name, figures in report["backends"].items():
        print(f"[{name}]")
        if "skipped" in figures:
            row("  skipped", "-", figures["skipped"])
            continue
        row("  import median", f"{figures['import_median_s']:.2f}", "s")
        row(
            "  ratio import/check-CLI",
            f"{figures['import_ratio']:.2f}",
            f"x  {figures['import_verdict']} (bar {IMPORT_BAR:.0f}x)",
        )
        row("  API check median", f"{figures['check_median_s']:.2f}", "s")
        row(
            "  ratio API-check/CLI",
            f"{figures['check_ratio']:.2f}",
            f"x  {figures['check_verdict']} (bar {CHECK_BAR}x)",
        )
        row("  API check = CLI output", "yes" if figures["check_matches_cli"] else "NO")
        for what, counted in figures["statements"].items():
            verbs = ", ".join(f"{verb} {n}" for verb, n in counted["by_verb"].items())
            row(f"  SQL statements, {what}", str(counted["total"]), f"({verbs})")
    if report["error"]:
        print(f"ERROR: {report['error']}")
    for name, figures in report["backends"].items():
        for message in figures.get("mismatches", []):
            print(f"MISMATCH ({name}): {message}")


def benchmark(args: argparse.Namespace, directory: Path) -> int:
    """Prepare the chain, databases and servers; warm up; measure; print the results."""
    path = args.file or generate(args.services, args.seed, directory, args.timeout)
    size = path.stat().st_size
    expected_path = directory / "cli-output.json"
    with expected_path.open("wb") as handle:
        seconds = run_cli(path, timeout=args.timeout, stdout=handle)
    progress(f"  warm-up check-CLI: {seconds:.2f} s")
    expected = expected_path.read_bytes()
    cli_runs: list[float] = []
    error: str | None = None
    backends: list[Backend] = []
    with contextlib.ExitStack() as stack:
        try:
            backends = start_backends(stack, args, directory, size + MIB)
            live = [backend for backend in backends if not backend.skipped]
            measure(path, live, cli_runs, args, expected)
            if not args.no_count:
                data = path.read_bytes()
                for backend in live:
                    progress(f"  counting SQL statements on {backend.name}")
                    backend.statements = count_statements(
                        backend.url, backend.workspaces[0], backend.workspaces[-1], data
                    )
        except (BenchError, httpx.HTTPError, subprocess.CalledProcessError) as err:
            error = f"{type(err).__name__}: {err}"
            progress(f"FAILED: {error}")
    cli_median = statistics.median(cli_runs) if cli_runs else None
    report: dict[str, Any] = {
        "chain": {"file": str(path), "services": count_services(path), "mib": round(size / MIB, 1)},
        "repeat": args.repeat,
        "at": AT,
        "cli_command": cli_command(path),
        "cli_median_s": None if cli_median is None else round(cli_median, 3),
        "cli_runs_s": [round(s, 3) for s in cli_runs],
        "cli_output_mib": round(len(expected) / MIB, 1),
        "import_bar": IMPORT_BAR,
        "check_bar": CHECK_BAR,
        "backends": {backend.name: backend_figures(backend, cli_median) for backend in backends},
        "error": error,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    mismatched = any(backend.mismatches for backend in backends)
    return 1 if error or mismatched else 0


def count_services(path: Path) -> int:
    """How many services the chain file holds."""
    with path.open("rb") as handle:
        chain: dict[str, Any] = json.load(handle)
    return len(chain.get("services") or [])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark in a temporary directory that is removed afterwards."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ketenkaart-bench-service-") as directory:
        return benchmark(args, Path(directory))


if __name__ == "__main__":
    raise SystemExit(main())
