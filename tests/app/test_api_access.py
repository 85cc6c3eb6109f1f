"""Who may do what: bearer tokens, roles, and workspaces that stay invisible to strangers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

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


# --- every route, with a token of another workspace --------------------------------------------

_METHODS = ("get", "post", "put", "patch", "delete")


def _path_values(a: Ws) -> dict[str, dict[str, str]]:
    """Existing ids of workspace A for each path parameter, by the collection they follow."""
    return {
        "suppliers": {"key": "stratus"},
        "services": {"key": "stratus-postgres"},
        "dependencies": {"frm": "loonwolk-online", "to": "wacht-soc"},
        "evidence": {"key": "stratus-soc2-2026"},
        "profiles": {"key": "strict-buyer"},
        "": {"ws": a.slug},
    }


def _fill(path: str, a: Ws) -> str:
    """The path with every parameter replaced by an existing id of workspace A; fails on a
    parameter this test does not know, so a new route cannot slip through."""
    values = _path_values(a)
    parts = path.strip("/").split("/")
    filled: list[str] = []
    collection = ""
    for part in parts:
        match = re.fullmatch(r"\{(\w+)\}", part)
        if match is None:
            filled.append(part)
            collection = part if part in values else collection
            continue
        name = match.group(1)
        if name == "ws":
            filled.append(values[""]["ws"])
            continue
        assert name in values.get(collection, {}), f"unknown path parameter {name} in {path}"
        filled.append(values[collection][name])
    return "/" + "/".join(filled)


def _workspace_routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    found = [
        (method, path)
        for path, operations in spec["paths"].items()
        if "{ws}" in path
        for method in operations
        if method in _METHODS
    ]
    assert len(found) > 20, found
    return found


def _call(client: TestClient, method: str, url: str, auth: dict[str, str]) -> Any:
    headers = {**auth, "If-Match": '"1"', "Content-Type": "application/json"}
    if method in ("post", "put", "patch"):
        return client.request(method, url, content=b"{}", headers=headers)
    return client.request(method, url, headers=headers)


def _seed(client: TestClient, a: Ws, demo_bytes: bytes) -> None:
    chain = demo_bytes + b"profiles: [{id: strict-buyer, extends: zeker-online}]\n"
    assert client.post(a.url("/import"), content=chain, headers=a.auth()).is_success
    document = client.put(
        a.url("/evidence/stratus-soc2-2026/document?filename=soc2.pdf"),
        content=b"%PDF-1.7 report",
        headers={**a.auth(), "Content-Type": "application/pdf"},
    )
    assert document.is_success, document.text


def test_every_workspace_route_hides_a_workspace_from_other_tokens(
    client: TestClient, make_workspace: Callable[[str], Ws], demo_bytes: bytes
) -> None:
    """Every method of every {ws} route of the OpenAPI document answers 404 to a token of
    another workspace, whatever its role, and changes nothing."""
    a, b = make_workspace("alpha"), make_workspace("beta")
    _seed(client, a, demo_bytes)
    before = client.get(a.url("/export"), headers=a.auth()).content
    for method, path in _workspace_routes(client):
        url = _fill(path, a)
        for role in ("viewer", "owner"):
            answer = _call(client, method, url, b.auth(role))
            assert answer.status_code == 404, (method, url, role, answer.text)
            assert answer.headers["content-type"] == PROBLEM
    assert client.get(a.url("/export"), headers=a.auth()).content == before


def test_every_workspace_route_answers_its_own_owner(
    client: TestClient, make_workspace: Callable[[str], Ws], demo_bytes: bytes
) -> None:
    """The same calls with workspace A's owner token are neither 401, 403 nor 404: the ids
    filled in exist, so the 404s above come from the workspace check."""
    a = make_workspace("alpha")
    _seed(client, a, demo_bytes)
    for method, path in _workspace_routes(client):
        url = _fill(path, a)
        answer = _call(client, method, url, a.auth("owner"))
        assert answer.status_code not in (401, 403, 404), (method, url, answer.text)
