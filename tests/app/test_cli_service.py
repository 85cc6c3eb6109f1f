"""The service's commands as an operator runs them: ``ketenkaart workspace|token|db|serve``.

Every test runs the console script in a subprocess against a temporary SQLite file, and against
a fresh PostgreSQL database too when ``KETENKAART_TEST_DATABASE_URL`` is set. The helpers here
(databases, the command, a served app) are shared with ``test_ops.py``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from app import accounts, cli_admin
from app.config import Settings
from app.main import create_app

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"
TEST_DATABASE_URL = os.environ.get("KETENKAART_TEST_DATABASE_URL")
KETENKAART = Path(sys.executable).with_name("ketenkaart")
COMMAND = [str(KETENKAART)] if KETENKAART.exists() else [sys.executable, "-m", "app.cli"]
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not TEST_DATABASE_URL, reason="set KETENKAART_TEST_DATABASE_URL to test PostgreSQL"
        ),
    ),
]
READY_WITHIN = 20.0


# --- helpers, shared with test_ops.py ----------------------------------------------------------


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; yields its URL."""
    import psycopg  # noqa: PLC0415 - only PostgreSQL tests need it

    assert TEST_DATABASE_URL
    name = f"kk_{secrets.token_hex(6)}"
    admin = make_url(TEST_DATABASE_URL)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A new empty database of ``backend``; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'kk-{secrets.token_hex(4)}.db'}"
    else:
        with postgres_database() as url:
            yield url


def environment(url: str) -> dict[str, str]:
    """This process's environment without our settings, then the database at ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENKAART_")}
    env["KETENKAART_DATABASE_URL"] = url
    return env


def cli(url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``ketenkaart ARGS`` against the database at ``url``."""
    return subprocess.run(
        [*COMMAND, *args],
        env=environment(url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(url: str, *args: str) -> str:
    """Run a command that must succeed; its stdout."""
    done = cli(url, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    """Poll /healthz for at most READY_WITHIN seconds."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with status {process.returncode} before answering")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"the server did not answer /healthz within {READY_WITHIN:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a server we started (its own process group: uvicorn's workers with it)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def served(url: str, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``ketenkaart serve ARGS`` on a free port, healthy; yields its base URL and process."""
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port), *args],
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process)
        yield base, process
    finally:
        stop(process)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    with database(request.param, tmp_path) as url:
        yield url


def client(url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=url)))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- workspace and token ------------------------------------------------------------------------


def test_workspace_create_then_again_is_refused(database_url: str) -> None:
    """A second workspace with the same slug exits 2 and says so on stderr only."""
    ok(database_url, "workspace", "create", "acme", "--name", "Acme B.V.")
    again = cli(database_url, "workspace", "create", "acme")
    assert again.returncode == 2
    assert again.stdout == ""
    assert "exists already" in again.stderr


def test_workspace_create_with_an_owner_needs_the_account(database_url: str) -> None:
    """--owner names an account that exists; an unknown one exits 2 and creates nothing."""
    done = cli(database_url, "workspace", "create", "acme", "--owner", "nobody@example.nl")
    assert (done.returncode, done.stdout) == (2, "")
    assert "no account for nobody@example.nl; create it with `ketenkaart user create`" in (
        done.stderr
    )
    assert "created workspace 'acme'" in ok(database_url, "workspace", "create", "acme")


@pytest.mark.parametrize("slug", ["Acme", "-acme", "ac_me", "a" * 65, ""])
def test_workspace_create_refuses_a_bad_slug(tmp_path: Path, slug: str) -> None:
    """A slug outside [a-z0-9][a-z0-9-]*, or longer than 64, exits 2."""
    done = cli(f"sqlite:///{tmp_path / 'kk.db'}", "workspace", "create", slug)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "slug" in done.stderr.lower()
    assert "Traceback" not in done.stderr


def test_token_create_prints_the_token_alone(database_url: str) -> None:
    """token create writes exactly one line: the token."""
    ok(database_url, "workspace", "create", "acme")
    out = ok(database_url, "token", "create", "--workspace", "acme", "--role", "editor")
    lines = out.splitlines()
    assert len(lines) == 1
    assert out == lines[0] + "\n"
    assert lines[0].startswith("kk_")
    assert len(lines[0]) > 40


def test_token_works_and_revoking_it_ends_it(database_url: str) -> None:
    """A created token opens the workspace; after revoke (by its 10-char prefix) it gets 401."""
    ok(database_url, "workspace", "create", "acme")
    token = ok(database_url, "token", "create", "--workspace", "acme", "--role", "viewer").strip()
    with client(database_url) as http:
        assert http.get("/api/v1/workspaces/acme/suppliers", headers=auth(token)).status_code == 200
        assert "revoked 1 token" in ok(database_url, "token", "revoke", token[:10])
        answer = http.get("/api/v1/workspaces/acme/suppliers", headers=auth(token))
    assert answer.status_code == 401


def test_token_revoke_by_the_whole_token(tmp_path: Path) -> None:
    """revoke takes the whole token too."""
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    ok(url, "workspace", "create", "acme")
    token = ok(url, "token", "create", "--workspace", "acme", "--role", "owner").strip()
    ok(url, "token", "revoke", token)
    with client(url) as http:
        assert http.get("/api/v1/workspaces/acme/suppliers", headers=auth(token)).status_code == 401


def test_token_revoke_of_an_unknown_token_exits_2(tmp_path: Path) -> None:
    """Revoking a token nobody issued is unusable input."""
    done = cli(f"sqlite:///{tmp_path / 'kk.db'}", "token", "revoke", "kk_" + "x" * 43)
    assert (done.returncode, done.stdout) == (2, "")
    assert "no such token" in done.stderr


def test_token_with_a_bad_role_exits_2(tmp_path: Path) -> None:
    """An unknown role is refused by the arguments, with the roles listed."""
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    ok(url, "workspace", "create", "acme")
    done = cli(url, "token", "create", "--workspace", "acme", "--role", "admin")
    assert (done.returncode, done.stdout) == (2, "")
    assert "viewer" in done.stderr and "owner" in done.stderr


def test_token_for_an_unknown_workspace_exits_2(database_url: str) -> None:
    """A token for a workspace that does not exist exits 2 and names it."""
    done = cli(database_url, "token", "create", "--workspace", "nope", "--role", "viewer")
    assert (done.returncode, done.stdout) == (2, "")
    assert "no workspace 'nope'" in done.stderr


@pytest.mark.parametrize(
    ("expires", "message"),
    [("2026-02-30", "not a calendar date"), ("2000-01-01", "in the past")],
)
def test_token_with_a_bad_expiry_exits_2(tmp_path: Path, expires: str, message: str) -> None:
    """--expires must be a calendar date, today or later."""
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    ok(url, "workspace", "create", "acme")
    done = cli(
        url, "token", "create", "--workspace", "acme", "--role", "viewer", "--expires", expires
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr


# --- database, configuration, serve ------------------------------------------------------------


def test_db_upgrade_makes_the_database_ready(database_url: str) -> None:
    """After db upgrade the app's /readyz says ready."""
    ok(database_url, "db", "upgrade")
    with client(database_url) as http:
        assert http.get("/readyz").json() == {"status": "ready"}


def test_database_url_flag_overrides_the_environment(tmp_path: Path) -> None:
    """--database-url wins over KETENKAART_DATABASE_URL."""
    chosen = tmp_path / "chosen.db"
    ok(f"sqlite:///{tmp_path / 'env.db'}", "db", "upgrade", "--database-url", f"sqlite:///{chosen}")
    assert chosen.exists()
    assert not (tmp_path / "env.db").exists()


def test_an_unreachable_database_exits_2(tmp_path: Path) -> None:
    """A database that cannot be opened is unusable input: exit 2, one message, no traceback."""
    done = cli(f"sqlite:///{tmp_path / 'missing' / 'kk.db'}", "workspace", "create", "acme")
    assert (done.returncode, done.stdout) == (2, "")
    assert "cannot use the database" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_setting_in_the_environment_exits_2(tmp_path: Path) -> None:
    """KETENKAART_PORT that is no number is named in the error."""
    env = environment(f"sqlite:///{tmp_path / 'kk.db'}") | {"KETENKAART_PORT": "eighty"}
    done = subprocess.run(
        [*COMMAND, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert "KETENKAART_PORT" in done.stderr


def test_check_does_not_load_the_service() -> None:
    """Importing the command line loads neither FastAPI nor SQLAlchemy (check stays quick)."""
    probe = (
        "import sys, app.cli; "
        "print(sorted(m for m in ('fastapi', 'sqlalchemy', 'sqlmodel', 'uvicorn', 'alembic') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_serve_upgrades_the_schema_and_answers(database_url: str) -> None:
    """serve on a new database brings its schema up to date and is ready."""
    with served(database_url) as (base, _):
        assert httpx.get(f"{base}/readyz", timeout=5).json() == {"status": "ready"}


def test_demo_serves_the_demo_chain_with_the_token_it_prints(tmp_path: Path) -> None:
    """demo loads the demo chain into ketenkaart-demo.db here and prints a token that checks it,
    and an account a person signs in with in the browser."""
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "demo", "--port", str(port)],
        env=environment("sqlite:///elsewhere.db"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process)
        assert process.stdout is not None
        printed = "".join(process.stdout.readline() for _ in range(5))
        assert f"open {base}/login" in printed
        token = printed.split("shown once):", 1)[1].split()[0]
        email, password = re.search(r"sign in as (\S+) with password (\S+)", printed).groups()  # type: ignore[union-attr]
        with httpx.Client(base_url=base, timeout=30) as browser:
            form = browser.get("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
            signed = browser.post(
                "/login", data={"email": email, "password": password, "csrf_token": csrf}
            )
            assert signed.status_code == 303, signed.text
            me = browser.get("/api/v1/me").json()
            assert me["workspaces"] == [
                {"slug": "demo", "name": "ketenkaart demo", "role": "owner", "scope": None}
            ]
        answer = httpx.get(
            f"{base}/api/v1/workspaces/demo/check?at=2026-11-27", headers=auth(token), timeout=30
        )
        assert answer.status_code == 200
        assert answer.json()["verdict"] == "gap"
    finally:
        stop(process)
    assert (tmp_path / "ketenkaart-demo.db").exists()
    assert not (tmp_path / "elsewhere.db").exists()


def test_the_command_line_offers_the_service_roles() -> None:
    """The CLI spells the roles out (it must not import the service to start fast); they are
    the service's own."""
    assert cli_admin.ROLES == accounts.ROLES
    assert cli_admin.MEMBER_ROLES == accounts.MEMBER_ROLES
