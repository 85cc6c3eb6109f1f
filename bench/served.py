"""What the benchmarks of the running service share: a fresh PostgreSQL database, a free port,
a server process started until ``/healthz`` answers and stopped afterwards, the generated chain
and the command line run against a database.

Like the benchmarks it serves, it imports nothing of the project (the server is a separate
process); ``bench_service.py``, ``bench_pages.py``, ``bench_write.py`` and ``bench_load.py``
import it as their sibling module.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
HEALTH_WAIT_S = 60.0


class BenchError(Exception):
    """Something the benchmark needs did not work; the message says what."""


def generate(
    services: int, seed: int, directory: Path, *, timeout: float, say: Callable[[str], None]
) -> Path:
    """Write a synthetic chain with ``generate.py`` into ``directory``; its path (``say`` gets
    the generator's summary)."""
    path = directory / f"chain-{services}-{seed}.json"
    command = [sys.executable, str(BENCH_DIR / "generate.py"), "--services", str(services)]
    command += ["--seed", str(seed), "--output", str(path)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
    say(completed.stdout.strip())
    return path


def ketenkaart(url: str, *arguments: str, timeout: float, stdin: str | None = None) -> str:
    """Run ``python -m app.cli ARGUMENTS --database-url URL`` in the repository; its stdout, or
    :class:`BenchError` with the command and its stderr."""
    command = [sys.executable, "-m", "app.cli", *arguments, "--database-url", url]
    completed = subprocess.run(
        command,
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(
            f"`ketenkaart {' '.join(arguments)}` failed ({completed.returncode}):\n"
            f"{completed.stderr.rstrip()}"
        )
    return completed.stdout


def free_port() -> int:
    """A TCP port nobody listens on just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def postgresql_database(
    admin_url: str, *, prefix: str, progress: Callable[[str], None]
) -> Iterator[str]:
    """A fresh database ``<prefix>_<random>`` on ``admin_url``'s server, as the same user,
    dropped afterwards; its URL.

    Raises ``ConnectionError`` when the server does not answer.
    """
    import psycopg  # noqa: PLC0415 - only when PostgreSQL is benchmarked
    from psycopg import sql  # noqa: PLC0415

    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        raise ConnectionError(" ".join(str(err).split())) from None
    try:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        progress(f"created database {name}")
        try:
            yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            progress(f"dropped database {name}")
    finally:
        admin.close()


@dataclass(slots=True)
class Server:
    """A running server process of the service."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: IO[bytes]

    def log_text(self) -> str:
        """What the server wrote to stdout and stderr so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", errors="replace").rstrip()

    def alive(self) -> None:
        """Raise when the server process has ended."""
        if self.process.poll() is not None:
            raise BenchError(
                f"the server exited with status {self.process.returncode}:\n{self.log_text()}"
            )


S = TypeVar("S", bound=Server)


@contextlib.contextmanager
def serve(
    command: Callable[[int], list[str]],
    env: dict[str, str],
    *,
    kind: Callable[[subprocess.Popen[bytes], str, IO[bytes]], S],
    ready: Callable[[S], bool] = lambda _: True,
    stop_wait: float = 15.0,
) -> Iterator[S]:
    """Start ``command(port)`` on a free loopback port, its output kept in a temporary file;
    wait until ``/healthz`` answers 200 and ``ready`` holds; stop it afterwards."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command(port), cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
        running = kind(process, f"http://127.0.0.1:{port}", log)
        try:
            _wait_healthy(running, ready)
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_wait)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(running: S, ready: Callable[[S], bool]) -> None:
    """Poll /healthz until it answers 200 and ``ready`` holds, the process ends, or
    ``HEALTH_WAIT_S`` passes."""
    deadline = time.monotonic() + HEALTH_WAIT_S
    with httpx.Client(base_url=running.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            running.alive()
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/healthz").status_code == 200 and ready(running):
                    return
            time.sleep(0.1)
    raise BenchError(f"the server did not answer /healthz in {HEALTH_WAIT_S:.0f} s")
