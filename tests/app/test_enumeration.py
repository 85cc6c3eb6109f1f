"""Issue 11, point 7: no answer tells an owner whether an address has an account, nobody joins
a workspace without accepting an invitation, and invitations are throttled.

Any signed-in person can make a workspace and so become an owner: the owner's forms are an
attacker's probe. Each test asks the same thing about an address with an account and one
without, and wants the same answer."""

from __future__ import annotations

import contextlib
import json
import threading
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app import membership
from tests.app.conftest import Ws, make_user

KNOWN, UNKNOWN = "known@example.nl", "unknown@example.nl"


def alike(answer: Any, email: str) -> tuple[int, str]:
    """An answer's status and body with the asked address, and an invitation's own id, link
    and expiry, taken out: what an owner could tell two addresses apart by."""
    body = answer.json()
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("id", "link", "expires")}
    return answer.status_code, json.dumps(body, sort_keys=True).replace(email, "ADDRESS")


def test_a_grant_answers_alike_for_any_address(
    client: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """Wrong dates: one 422 for both; right dates: one 202 invitation for both, and no grant
    until the auditor accepts."""
    make_user(engine, KNOWN)
    before = client.get(demo_ws.url("/grants"), headers=demo_ws.auth()).json()
    backwards = {"offerings": [], "starts": "2026-12-31", "ends": "2026-01-01"}
    refused = [
        alike(
            client.post(
                demo_ws.url("/grants"), json={"email": e, **backwards}, headers=demo_ws.auth()
            ),
            e,
        )
        for e in (KNOWN, UNKNOWN)
    ]
    assert refused[0] == refused[1]
    assert refused[0][0] == 422
    assert "the engagement ends before it starts" in refused[0][1]

    engagement = {"offerings": ["loonwolk-online"], "starts": "2026-11-01", "ends": "2027-01-31"}
    made = [
        client.post(demo_ws.url("/grants"), json={"email": e, **engagement}, headers=demo_ws.auth())
        for e in (KNOWN, UNKNOWN)
    ]
    assert alike(made[0], KNOWN) == alike(made[1], UNKNOWN)
    assert made[0].status_code == 202
    body = made[0].json()
    assert body["role"] == "auditor"
    assert body["offerings"] == ["loonwolk-online"]
    assert body["link"].startswith("https://testserver/invite/")
    assert client.get(demo_ws.url("/grants"), headers=demo_ws.auth()).json() == before
    waiting = client.get(demo_ws.url("/invitations"), headers=demo_ws.auth()).json()
    assert [(i["email"], i["role"]) for i in waiting] == [(KNOWN, "auditor"), (UNKNOWN, "auditor")]
    assert all("link" not in i for i in waiting)  # the secret is shown once, at its making


def test_a_role_change_for_a_non_member_answers_alike(
    client: TestClient, ws: Ws, engine: Engine
) -> None:
    """PUT …/members/{email} changes a member's role; for anyone else, with an account or
    without, it is the same 404 and nobody becomes a member."""
    make_user(engine, KNOWN)
    answers = [
        alike(client.put(ws.url(f"/members/{e}"), json={"role": "editor"}, headers=ws.auth()), e)
        for e in (KNOWN, UNKNOWN)
    ]
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    assert "ADDRESS is no member of this workspace; invite them" in answers[0][1]
    emails = {m["email"] for m in client.get(ws.url("/members"), headers=ws.auth()).json()}
    assert KNOWN not in emails

    changed = client.put(
        ws.url(f"/members/{ws.emails['viewer']}"), json={"role": "editor"}, headers=ws.auth()
    )
    assert changed.status_code == 200
    assert changed.json()["role"] == "editor"


def test_invitations_alike_and_withdrawn(client: TestClient, ws: Ws, engine: Engine) -> None:
    """An invitation's answer is the same for both addresses; a withdrawn one leaves the list."""
    make_user(engine, KNOWN)
    made = [
        client.post(ws.url("/invitations"), json={"email": e, "role": "editor"}, headers=ws.auth())
        for e in (KNOWN, UNKNOWN)
    ]
    assert alike(made[0], KNOWN) == alike(made[1], UNKNOWN)
    assert made[0].status_code == 201
    gone = client.delete(ws.url(f"/invitations/{made[0].json()['id']}"), headers=ws.auth())
    assert gone.status_code == 204
    again = client.delete(ws.url(f"/invitations/{made[0].json()['id']}"), headers=ws.auth())
    assert again.status_code == 404
    waiting = client.get(ws.url("/invitations"), headers=ws.auth()).json()
    assert [i["email"] for i in waiting] == [UNKNOWN]
    path = made[0].json()["link"].removeprefix("https://testserver")
    assert client.get(path).status_code == 404


def test_invitations_are_throttled(client: TestClient, ws: Ws) -> None:
    """The 21st invitation within the hour, by either route, is a 429 with Retry-After, and
    makes nothing."""
    for n in range(membership.INVITATIONS_PER_HOUR):
        answer = client.post(
            ws.url("/invitations"),
            json={"email": f"p{n}@example.nl", "role": "viewer"},
            headers=ws.auth(),
        )
        assert answer.status_code == 201, answer.text
    for url, body in (
        ("/invitations", {"email": "one.more@example.nl", "role": "viewer"}),
        ("/grants", {"email": "one.more@example.nl", "starts": "2026-01-01", "ends": "2026-12-31"}),
    ):
        refused = client.post(ws.url(url), json=body, headers=ws.auth())
        assert refused.status_code == 429, refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= 3601
        assert "20 invitations in an hour is the most" in refused.json()["detail"]
    waiting = client.get(ws.url("/invitations"), headers=ws.auth()).json()
    assert len(waiting) == membership.INVITATIONS_PER_HOUR


def test_ending_a_non_membership_answers_alike(client: TestClient, ws: Ws, engine: Engine) -> None:
    """DELETE …/members/{email} for an address that is no member: the same 404 whether or not
    it has an account."""
    make_user(engine, KNOWN)
    answers = [
        alike(client.delete(ws.url(f"/members/{e}"), headers=ws.auth()), e)
        for e in (KNOWN, UNKNOWN)
    ]
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    assert "ADDRESS is no member of this workspace" in answers[0][1]


def test_invitations_sent_side_by_side_are_counted_one_after_the_other(
    client: TestClient, ws: Ws, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 19 made, two invitations sent at once: one is made, the other is the 429 (each
    counted alone, both would have seen room for one more)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("in-memory SQLite shares one connection between threads: PostgreSQL only")
    for n in range(membership.INVITATIONS_PER_HOUR - 1):
        answer = client.post(
            ws.url("/invitations"),
            json={"email": f"p{n}@example.nl", "role": "viewer"},
            headers=ws.auth(),
        )
        assert answer.status_code == 201, answer.text
    both_counted = threading.Barrier(2)
    count = membership._made_since

    def slowly(*args: Any) -> list[datetime]:
        made = count(*args)
        # Counted one after the other, the second never gets here while the first waits.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait(timeout=2)
        return made

    monkeypatch.setattr(membership, "_made_since", slowly)
    answers: list[int] = []

    def send(n: int) -> None:
        body = {"email": f"side{n}@example.nl", "role": "viewer"}
        answers.append(
            client.post(ws.url("/invitations"), json=body, headers=ws.auth()).status_code
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 429]
    waiting = client.get(ws.url("/invitations"), headers=ws.auth()).json()
    assert len(waiting) == membership.INVITATIONS_PER_HOUR
