"""Who may do what: bearer tokens, roles, and workspaces that stay invisible to strangers."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import services
from tests.app.conftest import Ws, token_for

PROBLEM = "application/problem+json"
SUPPLIER = {"id": "nieuw", "name": "Nieuw B.V."}


def test_no_token_is_401_with_a_bearer_challenge(client: TestClient, demo_ws: Ws) -> None:
    """A request without a token answers 401 with WWW-Authenticate: Bearer."""
    answer = client.get(demo_ws.url("/suppliers"))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.headers["content-type"] == PROBLEM


def test_an_unknown_token_is_401(client: TestClient, demo_ws: Ws) -> None:
    """A token the service never issued answers 401."""
    answer = client.get(demo_ws.url("/suppliers"), headers={"Authorization": "Bearer kk_nope"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_another_scheme_is_401(client: TestClient, demo_ws: Ws) -> None:
    """Basic credentials are no bearer token: 401."""
    answer = client.get(demo_ws.url("/suppliers"), headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert answer.status_code == 401


def test_a_revoked_token_is_401(client: TestClient, engine: Engine, demo_ws: Ws) -> None:
    """A token that worked stops working once revoked."""
    token = demo_ws.tokens["viewer"]
    assert client.get(demo_ws.url("/suppliers"), headers=demo_ws.auth("viewer")).is_success
    with Session(engine) as session:
        assert services.revoke_token(session, token=token) == 1
    answer = client.get(demo_ws.url("/suppliers"), headers=demo_ws.auth("viewer"))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_is_401(client: TestClient, engine: Engine, demo_ws: Ws) -> None:
    """A token whose last day has passed answers 401."""
    yesterday = date.today() - timedelta(days=1)  # noqa: DTZ011 - expiry is a calendar day
    token = token_for(engine, demo_ws.slug, "owner", yesterday)
    answer = client.get(demo_ws.url("/suppliers"), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_a_token_expiring_today_still_works(
    client: TestClient, engine: Engine, demo_ws: Ws
) -> None:
    """A token is valid through its expiry day."""
    today = date.today()  # noqa: DTZ011 - expiry is a calendar day
    token = token_for(engine, demo_ws.slug, "viewer", today)
    answer = client.get(demo_ws.url("/suppliers"), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


def test_a_viewer_cannot_write(client: TestClient, demo_ws: Ws) -> None:
    """A viewer may read but not create, change, delete or import: 403."""
    auth = demo_ws.auth("viewer")
    assert client.post(demo_ws.url("/suppliers"), json=SUPPLIER, headers=auth).status_code == 403
    patch = client.patch(
        demo_ws.url("/suppliers/stratus"), json={"name": "X"}, headers={**auth, "If-Match": '"1"'}
    )
    assert patch.status_code == 403
    delete = client.delete(demo_ws.url("/suppliers/wacht"), headers={**auth, "If-Match": '"1"'})
    assert delete.status_code == 403
    assert client.post(demo_ws.url("/import"), content=b"{}", headers=auth).status_code == 403
    assert client.get(demo_ws.url("/suppliers/nieuw"), headers=auth).status_code == 404


def test_an_editor_can_write(client: TestClient, demo_ws: Ws) -> None:
    """An editor may create entities."""
    answer = client.post(demo_ws.url("/suppliers"), json=SUPPLIER, headers=demo_ws.auth("editor"))
    assert answer.status_code == 201


def test_a_missing_workspace_is_404(client: TestClient, demo_ws: Ws) -> None:
    """A workspace that does not exist answers 404 to any valid token."""
    answer = client.get("/api/v1/workspaces/nope/suppliers", headers=demo_ws.auth())
    assert answer.status_code == 404
