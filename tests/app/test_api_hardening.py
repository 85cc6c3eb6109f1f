"""What a review of the service found, each kept from coming back."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app import services
from tests.app.conftest import Ws

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4


def test_a_body_over_the_limit_is_refused_before_the_token_is_read(
    make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """A stranger cannot make the service read a large body: 413 before any token check."""
    client = make_client(max_upload_bytes=1000)
    big = b'{"id": "x", "name": "' + b"a" * 5000 + b'"}'
    declared = client.post(ws.url("/suppliers"), content=big)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    def pieces() -> Iterator[bytes]:
        yield from (big[i : i + 512] for i in range(0, len(big), 512))

    streamed = client.post(ws.url("/suppliers"), content=pieces(), headers=ws.auth("editor"))
    assert streamed.status_code == 413


def test_ids_longer_than_the_register_stores_are_422(client: TestClient, ws: Ws) -> None:
    """An id over 200 characters is refused with its place, on every backend, never 500."""
    long = "a" * 201
    answer = client.post(
        ws.url("/suppliers"), json={"id": long, "name": "Long"}, headers=ws.auth("editor")
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["location"] == "id"
    chain = (
        "ketenkaart: 1\nofferings: [app]\nsuppliers: [{id: me, name: Me}]\n"
        f"services:\n  - {{id: app, name: App, supplier: me, kind: saas}}\n"
        f"  - {{id: {long}, name: Long, supplier: me, kind: iaas}}\n"
    )
    imported = client.post(ws.url("/import"), content=chain.encode(), headers=ws.auth("editor"))
    assert imported.status_code == 422
    assert imported.json()["errors"][0]["location"] == "services[1]"


def test_an_abandoned_check_download_leaves_the_collector_running(
    client: TestClient, ws: Ws
) -> None:
    """A client that stops reading a large check does not leave garbage collection off."""
    services_ = "".join(
        f"  - {{id: s{i}, name: Service {i}, supplier: me, kind: saas}}\n" for i in range(4000)
    )
    links = "".join(f"  - {{from: s0, to: s{i}}}\n" for i in range(1, 4000))
    chain = (
        "ketenkaart: 1\nofferings: [s0]\nsuppliers: [{id: me, name: Me}]\n"
        f"services:\n{services_}dependencies:\n{links}"
    )
    assert client.post(ws.url("/import"), content=chain.encode(), headers=ws.auth("editor"))
    assert gc.isenabled()
    with client.stream("GET", ws.url("/check?at=2026-11-27"), headers=ws.auth()) as answer:
        first = next(answer.iter_bytes())
        assert first.startswith(b'{"offerings": ["s0"]')
    assert gc.isenabled()


def test_deleting_evidence_removes_its_document_file(
    make_client: Callable[..., TestClient], demo_bytes: bytes, ws: Ws, tmp_path: Path
) -> None:
    """A deleted report does not stay behind in the documents folder."""
    client = make_client(documents_dir=tmp_path)
    assert client.post(ws.url("/import"), content=demo_bytes, headers=ws.auth("editor"))
    uploaded = client.put(
        ws.url("/evidence/veilig-zol/document"),
        params={"filename": "zol.pdf"},
        content=PDF,
        headers={**ws.auth("editor"), "Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.text
    stored = tmp_path / hashlib.sha256(PDF).hexdigest()
    assert stored.exists()
    deleted = client.delete(
        ws.url("/evidence/veilig-zol"), headers={**ws.auth("editor"), "If-Match": "*"}
    )
    assert deleted.status_code == 204
    assert not stored.exists()


def test_writes_to_one_register_take_turns(
    engine: Engine,
    client: TestClient,
    demo_bytes: bytes,
    ws: Ws,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Adding a service of a supplier while another request deletes that supplier cannot
    both succeed: the register stays valid (no write skew)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("in-memory SQLite shares one connection between threads: PostgreSQL only")
    assert client.post(ws.url("/import"), content=demo_bytes, headers=ws.auth("editor"))
    assert client.post(
        ws.url("/suppliers"),
        json={"id": "lonely", "name": "Lonely B.V."},
        headers=ws.auth("editor"),
    )
    both_validated = threading.Barrier(2)

    def slowly(check: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            found = check(*args, **kwargs)
            # With writes taking turns, the other one never gets here while this one waits.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_validated.wait(timeout=2)
            return found

        return wrapped

    # The checks of one change (ADR 26): the add's and the delete's, each held up after it ran
    monkeypatch.setattr(services, "check_write", slowly(services.check_write))
    monkeypatch.setattr(services, "check_delete", slowly(services.check_delete))
    answers: dict[str, int] = {}

    def add() -> None:
        body = {"id": "new-svc", "name": "New", "supplier": "lonely", "kind": "saas"}
        answers["add"] = client.post(
            ws.url("/services"), json=body, headers=ws.auth("editor")
        ).status_code

    def remove() -> None:
        answers["remove"] = client.delete(
            ws.url("/suppliers/lonely"), headers={**ws.auth("editor"), "If-Match": "*"}
        ).status_code

    threads = [threading.Thread(target=add), threading.Thread(target=remove)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    # Whichever comes second sees the first: the supplier is in use (409), or the new
    # service names a supplier that is gone (422).
    assert answers in ({"add": 201, "remove": 409}, {"add": 422, "remove": 204})
    assert client.get(ws.url("/export"), headers=ws.auth()).status_code == 200


def test_an_anonymous_api_write_is_refused_before_its_body_is_read(client: TestClient) -> None:
    """Without a token or a session, an API write answers 401 at once, before its body is
    parsed: a broken body gets the 401, not a 422 about the JSON."""
    answer = client.post(
        "/api/v1/workspaces/acme/suppliers",
        content=b"{" * 100_000,
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "x-request-id" in answer.headers
