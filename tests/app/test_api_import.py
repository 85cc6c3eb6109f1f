"""POST /import: upsert by id, all or nothing, with a report of what changed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.app.conftest import Ws

PROBLEM = "application/problem+json"


def test_first_import_creates_everything(client: TestClient, ws: Ws, demo_bytes: bytes) -> None:
    """Importing the demo chain into an empty workspace reports every entity as created."""
    answer = client.post(ws.url("/import"), content=demo_bytes, headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert len(report["created"]["suppliers"]) == 10
    assert len(report["created"]["services"]) == 10
    assert len(report["created"]["dependencies"]) == 10
    assert len(report["created"]["evidence"]) == 8
    assert report["changed"] == {}
    assert report["unchanged"] == {}
    assert report["dry_run"] is False


def test_second_import_of_the_same_file_changes_nothing(
    client: TestClient, demo_ws: Ws, demo_bytes: bytes
) -> None:
    """A repeated import reports everything unchanged and leaves the export as it was."""
    before = client.get(demo_ws.url("/export"), headers=demo_ws.auth("viewer")).content
    answer = client.post(demo_ws.url("/import"), content=demo_bytes, headers=demo_ws.auth())
    assert answer.status_code == 200
    report = answer.json()
    assert report["created"] == {}
    assert report["changed"] == {}
    assert sorted(report["unchanged"]) == ["dependencies", "evidence", "services", "suppliers"]
    assert client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content == before


def test_import_reports_a_changed_entity(
    client: TestClient, demo_ws: Ws, demo_bytes: bytes
) -> None:
    """An import that renames one supplier reports it changed, the rest unchanged."""
    edited = demo_bytes.replace(b"name: Postduif Mail ApS", b"name: Postduif Mail A/S")
    answer = client.post(demo_ws.url("/import"), content=edited, headers=demo_ws.auth())
    assert answer.status_code == 200
    assert answer.json()["changed"] == {"suppliers": ["postduif"]}
    supplier = client.get(demo_ws.url("/suppliers/postduif"), headers=demo_ws.auth()).json()
    assert supplier["name"] == "Postduif Mail A/S"
    assert supplier["version"] == 2


def test_dry_run_reports_but_writes_nothing(client: TestClient, ws: Ws, demo_bytes: bytes) -> None:
    """A dry run reports what it would create and leaves the workspace empty."""
    answer = client.post(
        ws.url("/import?dry-run=true"), content=demo_bytes, headers=ws.auth("editor")
    )
    assert answer.status_code == 200
    assert answer.json()["dry_run"] is True
    assert len(answer.json()["created"]["services"]) == 10
    listing = client.get(ws.url("/services"), headers=ws.auth()).json()
    assert listing["total"] == 0


def test_an_import_with_bad_rows_changes_nothing(
    client: TestClient, demo_ws: Ws, demo_bytes: bytes
) -> None:
    """One bad row anywhere rejects the whole file with 422, listing every error with its place,
    and nothing of the file's valid changes is written."""
    before = client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content
    bad = demo_bytes.replace(
        b"name: Postduif Mail ApS", b"name: Postduif Renamed"
    ).replace(  # a valid change
        b"supplier: render, kind: paas", b"supplier: rendr, kind: paas"
    )  # unknown supplier
    bad = bad.replace(b"supplier: sleutel, kind: managed", b"supplier: sleutel, kind: mangaed")
    answer = client.post(demo_ws.url("/import"), content=bad, headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    errors = answer.json()["errors"]
    locations = {e["location"] for e in errors}
    assert "services[7].supplier" in locations
    assert "services[8].kind" in locations
    assert all("line" in e and e["message"] for e in errors)
    assert client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content == before


def test_an_import_that_breaks_the_register_changes_nothing(
    client: TestClient, demo_ws: Ws
) -> None:
    """A file valid on its own that refers to an unknown service of the register is refused
    whole."""
    extra = (
        b"ketenkaart: 1\nofferings: [loonwolk-online]\n"
        b"suppliers: [{id: nieuw, name: Nieuw B.V.}]\n"
        b"services: [{id: loonwolk-online, name: LoonWolk Online, supplier: loonwolk, "
        b"kind: saas}]\n"
        b"dependencies: [{from: loonwolk-online, to: nowhere}]\n"
    )
    before = client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content
    answer = client.post(demo_ws.url("/import"), content=extra, headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert any("nowhere" in e["message"] for e in answer.json()["errors"])
    assert client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content == before


def test_a_body_over_the_limit_is_413(
    make_client: Callable[..., TestClient], ws: Ws, demo_bytes: bytes
) -> None:
    """A chain file larger than max_upload_bytes is refused with 413 and nothing is written."""
    client = make_client(max_upload_bytes=1000)
    answer = client.post(ws.url("/import"), content=demo_bytes, headers=ws.auth("editor"))
    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM
    assert client.get(ws.url("/suppliers"), headers=ws.auth()).json()["total"] == 0


def test_a_streamed_body_over_the_limit_is_413(
    make_client: Callable[..., TestClient], ws: Ws, demo_bytes: bytes
) -> None:
    """A chunked body without Content-Length is cut off at the limit with 413."""
    client = make_client(max_upload_bytes=1000)
    chunks = iter([demo_bytes[i : i + 500] for i in range(0, len(demo_bytes), 500)])
    answer = client.post(ws.url("/import"), content=chunks, headers=ws.auth("editor"))
    assert answer.status_code == 413


def test_a_json_chain_file_imports(client: TestClient, ws: Ws) -> None:
    """A JSON body is read as a chain file too."""
    body = (
        b'{"ketenkaart": 1, "offerings": ["app"], "suppliers": [{"id": "me", "name": "Me"}],'
        b' "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}]}'
    )
    answer = client.post(ws.url("/import"), content=body, headers=ws.auth("editor"))
    assert answer.status_code == 200
    assert answer.json()["created"] == {"suppliers": ["me"], "services": ["app"]}
