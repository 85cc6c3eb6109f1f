"""Benchmark a write against a read: PATCH of one supplier against GET of the same supplier.

What it measures, on a synthetic register (``generate.py``, 20,000 services by default) and on
each database backend (SQLite in a fresh file; PostgreSQL in a fresh database
``kk_bench_<random>`` that is dropped afterwards), in the same run:

- ``GET /api/v1/workspaces/{ws}/suppliers/{id}`` of one supplier (the one in the middle of the
  register), from sending the request until the whole answer has arrived;
- ``PATCH`` of the same supplier, a new ``name`` each time, with ``If-Match`` set to the
  ``ETag`` of the previous answer (so every PATCH must succeed: 200, never 412).

After ``--warmup`` untimed pairs, ``--repeat`` timed pairs, alternating which request goes
first. It reports the median (p50) and p95 of each, and the ratio PATCH p50 / GET p50; the bar
is **at most 10x** (issue 13: "writes cost what they change"). The import of the register is
timed once, for scale.

Nothing here imports the project: the schema, the workspace and the editor token are made with
the ``ketenkaart`` command line (``python -m app.cli``), the service runs as a separate uvicorn
process, and the register goes in through the API's import.

Usage::

    python bench/bench_write.py                        # 20,000 services, both backends
    python bench/bench_write.py --services 2000 --backends sqlite --repeat 20 --json

Exit status 0 when everything ran (whatever the figures: PASS/OVER is printed); 1 when
something failed, for instance a PATCH that did not answer 200.
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from served import BenchError, Server, generate, ketenkaart, postgresql_database, serve

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
BAR = 10.0
BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql://127.0.0.1:5432/test"
DEFAULT_UPLOAD_LIMIT = 25 * 1024 * 1024
SLUG = "bench"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Time PATCH of one supplier against GET of it, through the API."
    )
    parser.add_argument("--services", type=int, default=20_000, help="generate this many (20000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    parser.add_argument("--file", type=Path, help="use this chain file instead of generating one")
    parser.add_argument("--repeat", type=int, default=100, help="timed pairs (100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed pairs first (10)")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help=f"a PostgreSQL database to create the bench database from ({DEFAULT_PG_URL})",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per step (1800)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    args.backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = [name for name in args.backends if name not in BACKENDS]
    if unknown or not args.backends:
        parser.error(f"--backends: unknown {', '.join(unknown) or '(none)'}; use sqlite,postgresql")
    return args


def progress(message: str) -> None:
    """A progress line on stderr, so that stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


# --- the register and the command line ---------------------------------------------------------


def prepare(url: str, timeout: float) -> str:
    """Bring the schema up, create the workspace; an editor token for it."""
    ketenkaart(url, "db", "upgrade", timeout=timeout)
    ketenkaart(url, "workspace", "create", SLUG, timeout=timeout)
    token = ketenkaart(
        url, "token", "create", "--workspace", SLUG, "--role", "editor", timeout=timeout
    )
    return token.strip()


# --- databases ---------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    """A fresh SQLite file in ``directory``."""
    yield f"sqlite:///{directory / 'bench-write.db'}"


# --- the server --------------------------------------------------------------------------------


def server(url: str, *, upload_limit: int) -> contextlib.AbstractContextManager[Server]:
    """Start the service on a free port, wait until /healthz answers, stop it afterwards."""
    env = {**os.environ, "KETENKAART_DATABASE_URL": url}
    env["KETENKAART_MAX_UPLOAD_BYTES"] = str(max(upload_limit, DEFAULT_UPLOAD_LIMIT))
    return serve(
        lambda port: [
            *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        env,
        kind=Server,
    )


# --- the timed requests ------------------------------------------------------------------------


@dataclass(slots=True)
class Backend:
    """The figures of one backend."""

    name: str
    import_s: float | None = None
    get_s: list[float] = field(default_factory=list)
    patch_s: list[float] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None


class Supplier:
    """One supplier of the register, read and changed through the API."""

    def __init__(self, client: httpx.Client, token: str, key: str) -> None:
        self.client, self.key = client, key
        self.url = f"/api/v1/workspaces/{SLUG}/suppliers/{key}"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.etag: str | None = None
        self.count = 0

    def get(self) -> float:
        """GET it; the time until the whole answer has arrived."""
        started = time.perf_counter()
        response = self.client.get(self.url, headers=self.headers)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(f"GET answered {response.status_code}: {response.text[:500]}")
        self.etag = response.headers["etag"]
        return seconds

    def patch(self) -> float:
        """PATCH a new name, with If-Match of the last answer; the time until its answer."""
        if self.etag is None:
            self.get()
        self.count += 1
        headers = {**self.headers, "If-Match": self.etag or ""}
        body = {"name": f"Bench supplier {self.key} ({self.count})"}
        started = time.perf_counter()
        response = self.client.patch(self.url, json=body, headers=headers)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(f"PATCH answered {response.status_code}: {response.text[:500]}")
        self.etag = response.headers["etag"]
        return seconds


def api_import(client: httpx.Client, token: str, data: bytes) -> float:
    """POST the chain file to the workspace; the time until the answer has arrived."""
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    response = client.post(f"/api/v1/workspaces/{SLUG}/import", content=data, headers=headers)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise BenchError(f"the import answered {response.status_code}: {response.text[:2000]}")
    return seconds


def middle_supplier(path: Path) -> str:
    """The id of the supplier in the middle of the register."""
    with path.open("rb") as handle:
        chain: dict[str, Any] = json.load(handle)
    suppliers = chain.get("suppliers") or []
    if not suppliers:
        raise BenchError("the chain has no supplier")
    return str(suppliers[len(suppliers) // 2]["id"])


def measure(backend: Backend, url: str, path: Path, args: argparse.Namespace) -> None:
    """Prepare the database, start the server, import, warm up, then time the pairs."""
    token = prepare(url, args.timeout)
    data = path.read_bytes()
    with (
        server(url, upload_limit=len(data) + 2**20) as running,
        httpx.Client(base_url=running.base_url, timeout=args.timeout) as client,
    ):
        backend.import_s = api_import(client, token, data)
        progress(f"  {backend.name}: import {backend.import_s:.1f} s")
        supplier = Supplier(client, token, middle_supplier(path))
        for _ in range(args.warmup):
            supplier.get()
            supplier.patch()
        for number in range(args.repeat):
            if number % 2:
                backend.patch_s.append(supplier.patch())
                backend.get_s.append(supplier.get())
            else:
                backend.get_s.append(supplier.get())
                backend.patch_s.append(supplier.patch())
        running.alive()


# --- the report --------------------------------------------------------------------------------


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def figures(backend: Backend) -> dict[str, Any]:
    """One backend's figures, in milliseconds."""
    out: dict[str, Any] = {"skipped": backend.skipped, "error": backend.error}
    if backend.get_s and backend.patch_s:
        get50, patch50 = statistics.median(backend.get_s), statistics.median(backend.patch_s)
        ratio = patch50 / get50
        out.update(
            {
                "import_s": None if backend.import_s is None else round(backend.import_s, 2),
                "pairs": len(backend.get_s),
                "get_p50_ms": round(get50 * 1000, 2),
                "get_p95_ms": round(p95(backend.get_s) * 1000, 2),
                "patch_p50_ms": round(patch50 * 1000, 2),
                "patch_p95_ms": round(p95(backend.patch_s) * 1000, 2),
                "ratio": round(ratio, 2),
                "bar": BAR,
                "pass": ratio <= BAR,
            }
        )
    return out


def print_table(report: dict[str, Any]) -> None:
    """The results as a table."""
    chain = report["chain"]
    print(f"register: {chain['services']} services, {chain['suppliers']} suppliers")
    print(f"supplier: {report['supplier']}")
    for name, found in report["backends"].items():
        print(f"\n{name}")
        if found["skipped"]:
            print(f"  skipped: {found['skipped']}")
            continue
        if found["error"]:
            print(f"  FAILED: {found['error']}")
        if "ratio" not in found:
            continue
        verdict = "PASS" if found["pass"] else "OVER"
        print(f"  import               {found['import_s']:>9.2f} s")
        print(f"  timed pairs          {found['pairs']:>9}")
        print(f"  GET p50              {found['get_p50_ms']:>9.2f} ms  (p95 {found['get_p95_ms']})")
        print(
            f"  PATCH p50            {found['patch_p50_ms']:>9.2f} ms  "
            f"(p95 {found['patch_p95_ms']})"
        )
        print(f"  PATCH p50 / GET p50  {found['ratio']:>9.2f} x   {verdict} (bar {BAR:.0f}x)")


def benchmark(args: argparse.Namespace, directory: Path) -> int:
    """Generate the register; measure each backend; print the results."""
    path = args.file or generate(
        args.services, args.seed, directory, timeout=args.timeout, say=progress
    )
    with path.open("rb") as handle:
        chain: dict[str, Any] = json.load(handle)
    backends: list[Backend] = []
    for name in args.backends:
        backend = Backend(name)
        backends.append(backend)
        with contextlib.ExitStack() as stack:
            try:
                url = stack.enter_context(
                    sqlite_database(directory)
                    if name == "sqlite"
                    else postgresql_database(args.pg_url, prefix="kk_bench", progress=progress)
                )
            except ConnectionError as err:
                backend.skipped = f"PostgreSQL does not answer: {err}"
                progress(f"  {name}: {backend.skipped}")
                continue
            try:
                measure(backend, url, path, args)
            except (BenchError, httpx.HTTPError, subprocess.SubprocessError) as err:
                backend.error = f"{type(err).__name__}: {err}"
                progress(f"  {name} FAILED: {backend.error}")
    report = {
        "chain": {
            "file": str(path),
            "services": len(chain.get("services") or []),
            "suppliers": len(chain.get("suppliers") or []),
        },
        "supplier": middle_supplier(path),
        "repeat": args.repeat,
        "warmup": args.warmup,
        "backends": {backend.name: figures(backend) for backend in backends},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 1 if any(backend.error for backend in backends) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark in a temporary directory that is removed afterwards."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ketenkaart-bench-write-") as directory:
        return benchmark(args, Path(directory))


if __name__ == "__main__":
    raise SystemExit(main())
