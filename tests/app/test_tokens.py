"""Tokens act for their workspace only, under the grant they were made in, and end with their
user's password or account (issue 11, point 6)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app import accounts, membership, services
from app.audit import COMMAND_LINE
from app.cli import main
from app.models import ApiToken, AuditEntry, Workspace
from tests.app.conftest import PASSWORD, Ws, make_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def auditor_token(engine: Engine, slug: str, email: str, *, starts: date, ends: date) -> str:
    """An auditor with a whole-workspace grant from ``starts`` to ``ends``, and a token of it."""
    with Session(engine) as session:
        if accounts.user_by_email(session, email) is None:
            make_user(engine, email)
        user = accounts.user_by_email(session, email)
        assert user is not None
        workspace = services.workspace_for(session, slug)
        membership.create_grant(
            session,
            workspace=workspace,
            email=email,
            offerings=[],
            starts=starts,
            ends=ends,
            actor=COMMAND_LINE,
        )
        return services.create_token(
            session, slug=slug, role="auditor", expires=None, user_id=user.id
        )


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
def test_a_workspace_token_cannot_use_the_account_routes(
    client: TestClient, engine: Engine, ws: Ws, role: str
) -> None:
    """GET /me and POST /workspaces answer 403 to any token: they are an account's own
    routes, and a token only reaches its workspace's. No workspace is created."""
    headers = ws.auth(role)
    assert client.get("/api/v1/me", headers=headers).status_code == 403
    made = client.post("/api/v1/workspaces", json={"slug": "by-token"}, headers=headers)
    assert made.status_code == 403
    with Session(engine) as session:
        assert (
            session.scalars(select(Workspace).where(Workspace.slug == "by-token")).first() is None
        )


def test_a_new_grant_does_not_revive_an_old_token(
    client: TestClient, engine: Engine, demo_ws: Ws
) -> None:
    """A token made under a grant that ended stays dead when the auditor gets a new grant; a
    token made under the new grant works."""
    today = date.today()  # noqa: DTZ011 - grants run by calendar day
    email = "yearly@auditor.example"
    old = auditor_token(
        engine,
        demo_ws.slug,
        email,
        starts=today - timedelta(days=400),
        ends=today - timedelta(days=35),
    )
    assert client.get(demo_ws.url("/suppliers"), headers=bearer(old)).status_code == 404
    new = auditor_token(
        engine, demo_ws.slug, email, starts=today - timedelta(days=1), ends=today + timedelta(30)
    )
    assert client.get(demo_ws.url("/suppliers"), headers=bearer(new)).status_code == 200
    assert client.get(demo_ws.url("/suppliers"), headers=bearer(old)).status_code == 404


def user_token(engine: Engine, ws: Ws, email: str) -> tuple[int, str]:
    """A member (editor) of ``ws`` and a token of theirs."""
    user_id = make_user(engine, email)
    with Session(engine) as session:
        workspace = services.workspace_for(session, ws.slug)
        membership.set_member(
            session, workspace=workspace, email=email, role="editor", actor=COMMAND_LINE
        )
        token = services.create_token(
            session, slug=ws.slug, role="editor", expires=None, user_id=user_id
        )
    return user_id, token


def test_a_password_change_ends_the_users_tokens(
    client: TestClient, engine: Engine, demo_ws: Ws
) -> None:
    """After a password change, every token of that user is revoked (and recorded)."""
    user_id, token = user_token(engine, demo_ws, "changer@example.com")
    assert client.get(demo_ws.url("/suppliers"), headers=bearer(token)).status_code == 200
    with Session(engine) as session:
        user = accounts.user_by_email(session, "changer@example.com")
        assert user is not None
        accounts.change_password(
            session,
            user=user,
            current=PASSWORD,
            new="a brand new passphrase for the audit season",
            now=datetime.now(UTC),
            actor=COMMAND_LINE,
        )
    assert client.get(demo_ws.url("/suppliers"), headers=bearer(token)).status_code == 401
    with Session(engine) as session:
        (row,) = session.scalars(select(ApiToken).where(ApiToken.user_id == user_id))
        assert row.revoked_at is not None


def test_user_disable_ends_sign_in_sessions_and_tokens(
    client: TestClient, engine: Engine, demo_ws: Ws
) -> None:
    """`ketenkaart user disable EMAIL`: the token stops working at once, and the change is in
    the accounts' audit trail."""
    _, token = user_token(engine, demo_ws, "leaver@example.com")
    assert client.get(demo_ws.url("/suppliers"), headers=bearer(token)).status_code == 200
    with Session(engine) as session:
        accounts.disable_user(
            session, email="leaver@example.com", now=datetime.now(UTC), actor=COMMAND_LINE
        )
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.disable")
        ).all()
        assert [e.target for e in entries] == ["user/leaver@example.com"]
    assert client.get(demo_ws.url("/suppliers"), headers=bearer(token)).status_code == 401


def test_user_disable_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command names the account and says its sessions and tokens ended; an unknown
    address is a usage error (exit 2)."""
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("KETENKAART_DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "create", "gone@example.com", "--name", "Gone", "--password-stdin"]) == 0
    assert main(["user", "disable", "gone@example.com"]) == 0
    assert main(["user", "disable", "nobody@example.com"]) == 2
