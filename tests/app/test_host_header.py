"""Links and redirects are not built from a Host header the sender chose (issue 11, point 10):
an invitation link that pointed at the sender's own site would hand them its secret."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.models import Invitation
from tests.app.conftest import Ws

INVITE = {"email": "someone@firm.example", "role": "viewer"}


def invitations(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Invitation)) or 0)


def test_without_a_public_url_a_foreign_host_gets_no_link(
    make_client: Callable[..., TestClient], engine: Engine, ws: Ws
) -> None:
    """Unconfigured, an invitation asked for under another Host is refused (409, naming
    KETENKAART_PUBLIC_URL), and no invitation is made."""
    client = make_client(public_url=None)
    before = invitations(engine)
    answer = client.post(
        ws.url("/invitations"), json=INVITE, headers={**ws.auth("owner"), "host": "evil.example"}
    )
    assert answer.status_code == 409
    assert "KETENKAART_PUBLIC_URL" in answer.json()["detail"]
    assert invitations(engine) == before


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000"])
def test_without_a_public_url_loopback_gets_its_own_link(
    make_client: Callable[..., TestClient], ws: Ws, host: str
) -> None:
    """On one's own machine (`ketenkaart demo`), the link uses the loopback address asked."""
    client = make_client(public_url=None)
    answer = client.post(
        ws.url("/invitations"), json=INVITE, headers={**ws.auth("owner"), "host": host}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["link"].startswith(f"https://{host}/invite/")


def test_a_public_url_wins_over_any_host(make_client: Callable[..., TestClient], ws: Ws) -> None:
    """With KETENKAART_PUBLIC_URL set, the link points there whatever Host said."""
    client = make_client(public_url="https://keten.example.nl/")
    answer = client.post(
        ws.url("/invitations"), json=INVITE, headers={**ws.auth("owner"), "host": "evil.example"}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["link"].startswith("https://keten.example.nl/invite/")


def test_no_redirect_is_built_from_the_host_header(client: TestClient) -> None:
    """A trailing slash is not redirected to an absolute URL on the Host the sender chose."""
    answer = client.get("/workspaces/", headers={"host": "evil.example"}, follow_redirects=False)
    assert "evil.example" not in answer.headers.get("location", "")
    assert answer.status_code == 404
