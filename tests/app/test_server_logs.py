"""What a running server writes to its log: one JSON line per request, nothing else per
request, no invitation secret (issue 10 item 7, issue 11 point 1).

These start the real server in a process of its own (``ketenkaart serve`` and plain
``uvicorn app.main:app``), send it a few requests on loopback and read its standard error.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Zq9sEcReTiNvItAtIoN4242"  # noqa: S105 - a made-up invitation secret to look for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback only
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return err.code


def serve_and_read(command: list[str], env: dict[str, str], port: int, log: Path) -> list[str]:
    """Start ``command``, wait for /healthz, ask three paths, stop it; its stderr lines."""
    base = f"http://127.0.0.1:{port}"
    with (
        log.open("wb") as err,
        subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT
        ) as server,
    ):
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if get(f"{base}/healthz") == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"the server did not answer: {log.read_text()}")
                time.sleep(0.2)
            assert get(f"{base}/invite/{SECRET}") in (200, 404, 410)
            assert get(f"{base}/no-such-page") == 404
            assert get(f"{base}/readyz", {"X-Forwarded-For": "10.9.9.9"}) in (200, 503)
            time.sleep(0.3)  # the access line is written when the response is done
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return log.read_text(encoding="utf-8").splitlines()


def check_log(lines: list[str]) -> None:
    records = []
    for line in lines:
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line that is not JSON: {line!r}")
    assert SECRET not in "\n".join(lines), "the invitation secret reached the log"
    access = [r for r in records if r.get("logger") == "ketenkaart.access"]
    paths = [r["path"] for r in access]
    # /healthz was polled until it answered: one line per request, the others once each
    assert paths.count("/invite/\u2026") == 1
    assert paths.count("/no-such-page") == 1
    assert {r["status"] for r in access if r["path"] == "/no-such-page"} == {404}
    assert not [r for r in records if r.get("logger") == "uvicorn.access"]
    assert all(r.get("request_id") for r in access)


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENKAART_")}
    env["KETENKAART_DATABASE_URL"] = f"sqlite:///{tmp_path / 'logs.db'}"
    return env


def client_of_readyz(lines: list[str]) -> str:
    (client,) = [
        record["client"]
        for record in map(json.loads, filter(str.strip, lines))
        if record.get("logger") == "ketenkaart.access" and record.get("path") == "/readyz"
    ]
    return str(client)


def test_ketenkaart_serve_logs_one_json_line_per_request(tmp_path: Path) -> None:
    """`ketenkaart serve`: only JSON lines, one per request, the invitation secret cut out;
    an X-Forwarded-For from a proxy that is not trusted changes no address."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    lines = serve_and_read(command, environment(tmp_path), port, tmp_path / "serve.log")
    check_log(lines)
    assert client_of_readyz(lines) == "127.0.0.1"


def test_forwarded_addresses_count_from_trusted_proxies_only(tmp_path: Path) -> None:
    """With KETENKAART_TRUSTED_PROXIES naming the proxy (here loopback), the address it
    forwards is the client's."""
    port = free_port()
    env = {**environment(tmp_path), "KETENKAART_TRUSTED_PROXIES": "127.0.0.1"}
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    lines = serve_and_read(command, env, port, tmp_path / "proxied.log")
    assert client_of_readyz(lines) == "10.9.9.9"


def test_plain_uvicorn_logs_one_json_line_per_request(tmp_path: Path) -> None:
    """`uvicorn app.main:app`, with uvicorn's own logging and access log left on: the service
    takes them over when it starts, so the log is the same JSON lines."""
    env = environment(tmp_path)
    from app.db import make_engine  # noqa: PLC0415 - the schema, as `ketenkaart db upgrade`
    from app.migrate import upgrade  # noqa: PLC0415

    engine = make_engine(env["KETENKAART_DATABASE_URL"])
    upgrade(engine)
    engine.dispose()
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
    lines = serve_and_read(command, env, port, tmp_path / "uvicorn.log")
    check_log(lines)
