"""Fixtures of the service's tests: a fresh database per test, on every available backend.

SQLite in memory always; PostgreSQL as well when ``KETENKAART_TEST_DATABASE_URL`` names one,
each test in a schema of its own that is dropped afterwards. The schema comes from the
migrations, never from ``create_all``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app import accounts, membership, passwords, services
from app.audit import COMMAND_LINE
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.models import Grant

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"
PG_URL = os.environ.get("KETENKAART_TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple jumps"  # noqa: S105 - the test accounts' password

passwords.use_cheap_hashing()  # argon2id at its cheapest: the tests make many accounts
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
def blank_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on an empty database (no tables): SQLite in memory, or a fresh PostgreSQL
    schema."""
    if request.param == "sqlite":
        engine = make_engine("sqlite://")
        yield engine
        engine.dispose()
        return
    assert PG_URL is not None
    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(PG_URL, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(blank_engine: Engine) -> Engine:
    """An engine on a database brought up to the newest migration."""
    upgrade(blank_engine)
    return blank_engine


@pytest.fixture
def make_client(engine: Engine) -> Iterator[Callable[..., TestClient]]:
    """A factory of test clients on this test's database; keyword arguments override
    settings, and ``raise_server_exceptions=False`` answers a crash as the service would
    (500)."""
    clients: list[TestClient] = []

    def make(*, raise_server_exceptions: bool = True, **settings: Any) -> TestClient:
        defaults: dict[str, Any] = {
            "database_url": "sqlite://",
            "documents_dir": None,
            "max_upload_bytes": 25 * 1024 * 1024,
            "public_url": "https://testserver",
        }
        config = Settings(**(defaults | settings))
        client = TestClient(  # over https, as browsers reach it: the cookies are Secure
            create_app(config, engine=engine),
            raise_server_exceptions=raise_server_exceptions,
            base_url="https://testserver",
        )
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A test client of the service with default settings."""
    return make_client()


@dataclass
class Ws:
    """A workspace of the test, with one token per role (each a member's, or the auditor's
    with a grant to the whole workspace), and the e-mail address of each role's account."""

    slug: str
    tokens: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str = "owner") -> dict[str, str]:
        """The Authorization header of this workspace's token of ``role``."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def url(self, tail: str = "") -> str:
        """The URL of ``tail`` under this workspace."""
        return f"/api/v1/workspaces/{self.slug}{tail}"


def make_user(engine: Engine, email: str, name: str | None = None) -> int:
    """A new account with the test password; its id."""
    with Session(engine) as session:
        user = accounts.create_user(
            session,
            email=email,
            display_name=name or email.split("@", maxsplit=1)[0],
            password=PASSWORD,
            actor=COMMAND_LINE,
        )
        return user.id or 0


@pytest.fixture
def make_workspace(engine: Engine) -> Callable[[str], Ws]:
    """A factory of workspaces, each with a member of each role and an auditor, and a token
    of each."""

    def make(slug: str) -> Ws:
        emails = {role: f"{role}@{slug}.example" for role in services.ROLES}
        ids = {role: make_user(engine, email) for role, email in emails.items()}
        with Session(engine) as session:
            workspace = membership.create_workspace(
                session,
                slug=slug,
                name=None,
                owner=accounts.user_by_email(session, emails["owner"]),
                actor=COMMAND_LINE,
            )
            for role in ("viewer", "editor"):
                membership.set_member(
                    session, workspace=workspace, email=emails[role], role=role, actor=COMMAND_LINE
                )
            session.add(
                Grant(
                    workspace_id=workspace.id or 0,
                    user_id=ids["auditor"],
                    offerings=[],
                    starts=date(2000, 1, 1),
                    ends=date(2999, 12, 31),
                )
            )
            session.commit()
            tokens = {
                role: services.create_token(
                    session, slug=slug, role=role, expires=None, user_id=ids[role]
                )
                for role in services.ROLES
            }
        return Ws(slug, tokens, emails)

    return make


@pytest.fixture
def ws(make_workspace: Callable[[str], Ws]) -> Ws:
    """An empty workspace ``acme``."""
    return make_workspace("acme")


@pytest.fixture
def demo_bytes() -> bytes:
    """The demo chain file, as bytes."""
    return DEMO.read_bytes()


@pytest.fixture
def demo_ws(client: TestClient, ws: Ws, demo_bytes: bytes) -> Ws:
    """Workspace ``acme`` with the demo chain imported."""
    answer = client.post(ws.url("/import"), content=demo_bytes, headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    return ws


def token_for(engine: Engine, slug: str, role: str, expires: date | None) -> str:
    """A new token of ``role`` in workspace ``slug``."""
    with Session(engine) as session:
        return services.create_token(session, slug=slug, role=role, expires=expires)
