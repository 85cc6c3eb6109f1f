"""Evidence documents: upload and download, in the database or in a documents folder."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import DocumentRow
from tests.app.conftest import Ws

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
EVIDENCE = "stratus-soc2-2026"
PROBLEM = "application/problem+json"


@pytest.fixture(params=["database", "folder"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Path | None:
    """Where documents go: the database, or a documents folder."""
    return tmp_path / "documents" if request.param == "folder" else None


@pytest.fixture
def doc_client(make_client: Callable[..., TestClient], storage: Path | None) -> TestClient:
    """A client whose service stores documents in ``storage``, with a 64 KiB upload limit."""
    return make_client(documents_dir=storage, max_upload_bytes=64 * 1024)


@pytest.fixture
def doc_ws(doc_client: TestClient, ws: Ws, demo_bytes: bytes) -> Ws:
    """Workspace ``acme`` with the demo chain."""
    assert doc_client.post(ws.url("/import"), content=demo_bytes, headers=ws.auth()).is_success
    return ws


def _url(ws: Ws, evidence: str = EVIDENCE) -> str:
    return ws.url(f"/evidence/{evidence}/document")


def _put(
    client: TestClient,
    ws: Ws,
    content: bytes = PDF,
    *,
    media: str = "application/pdf",
    filename: str | None = "soc2-2026.pdf",
    role: str = "editor",
    evidence: str = EVIDENCE,
) -> Response:
    params = {"filename": filename} if filename is not None else {}
    return client.put(
        _url(ws, evidence),
        params=params,
        content=content,
        headers={**ws.auth(role), "Content-Type": media},
    )


def test_upload_answers_201_with_the_digest(doc_client: TestClient, doc_ws: Ws) -> None:
    """A first upload answers 201 with the document's SHA-256, size and media type."""
    answer = _put(doc_client, doc_ws)
    assert answer.status_code == 201, answer.text
    digest = hashlib.sha256(PDF).hexdigest()
    assert answer.json() == {
        "evidence": EVIDENCE,
        "filename": "soc2-2026.pdf",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": digest,
        "version": 1,
    }
    assert answer.headers["etag"] == f'"{digest}"'


def test_download_answers_the_same_bytes_safely(doc_client: TestClient, doc_ws: Ws) -> None:
    """The download is the uploaded bytes, with its media type, as an attachment, nosniff, and
    its SHA-256 as ETag."""
    _put(doc_client, doc_ws)
    answer = doc_client.get(_url(doc_ws), headers=doc_ws.auth("viewer"))
    assert answer.status_code == 200
    assert answer.content == PDF
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["etag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"soc2-2026.pdf\"; filename*=UTF-8''soc2-2026.pdf"
    )


def test_download_with_the_current_etag_is_304(doc_client: TestClient, doc_ws: Ws) -> None:
    """If-None-Match with the document's ETag answers 304 without a body."""
    etag = _put(doc_client, doc_ws).headers["etag"]
    answer = doc_client.get(_url(doc_ws), headers={**doc_ws.auth(), "If-None-Match": etag})
    assert answer.status_code == 304
    assert answer.content == b""


def test_a_second_upload_replaces_the_first(doc_client: TestClient, doc_ws: Ws) -> None:
    """Uploading again answers 200 and the download is the new file."""
    _put(doc_client, doc_ws)
    new = b"PNG\x89 not really" * 10
    answer = _put(doc_client, doc_ws, new, media="image/png", filename="scan.png")
    assert answer.status_code == 200
    assert answer.json()["version"] == 2
    download = doc_client.get(_url(doc_ws), headers=doc_ws.auth())
    assert download.content == new
    assert download.headers["content-type"] == "image/png"
    assert "scan.png" in download.headers["content-disposition"]


def test_the_folder_holds_files_named_by_digest_only(
    doc_client: TestClient, doc_ws: Ws, storage: Path | None, engine: Engine
) -> None:
    """With a documents folder the content is a file named by its SHA-256 (never the user's
    name), the row holds no content, and a replaced file is removed; without one the content
    is in the row."""
    _put(doc_client, doc_ws, filename="../../etc/passwd")
    second = b"second version" * 5
    _put(doc_client, doc_ws, second, media="text/plain", filename="../../etc/passwd")
    with Session(engine) as session:
        row = session.exec(select(DocumentRow)).one()
    digest = hashlib.sha256(second).hexdigest()
    assert row.filename == "passwd"
    if storage is None:
        assert row.content == second
        assert row.path is None
    else:
        assert row.content is None
        assert row.path == digest
        assert sorted(p.name for p in storage.iterdir()) == [digest]
        assert (storage / digest).read_bytes() == second


def test_the_same_file_for_two_pieces_of_evidence_is_kept_for_both(
    doc_client: TestClient, doc_ws: Ws
) -> None:
    """Replacing one evidence's document does not take away another's with the same bytes."""
    _put(doc_client, doc_ws)
    _put(doc_client, doc_ws, evidence="dijk-iso27001")
    _put(doc_client, doc_ws, b"other", media="text/plain")
    answer = doc_client.get(_url(doc_ws, "dijk-iso27001"), headers=doc_ws.auth())
    assert answer.status_code == 200
    assert answer.content == PDF


@pytest.mark.parametrize(
    ("given", "fallback", "encoded"),
    [
        ("../../secret\r\nX-Evil: 1.pdf", "secretX-Evil: 1.pdf", "secretX-Evil%3A%201.pdf"),
        ("C:\\Users\\me\\rapport.pdf", "rapport.pdf", "rapport.pdf"),
        ("verklaring café “2026”.pdf", "verklaring caf_ _2026_.pdf", None),
        ('a"b.pdf', "a_b.pdf", "a%22b.pdf"),
        ("..", EVIDENCE, EVIDENCE),
    ],
    ids=["traversal-and-crlf", "windows-path", "unicode", "quote", "dots"],
)
def test_the_download_names_a_safe_filename(
    doc_client: TestClient, doc_ws: Ws, given: str, fallback: str, encoded: str | None
) -> None:
    """Path separators and control characters are stripped from the file name, and it is
    given as an ASCII fallback plus RFC 6266 filename*."""
    assert _put(doc_client, doc_ws, filename=given).status_code == 201
    header = doc_client.get(_url(doc_ws), headers=doc_ws.auth()).headers["content-disposition"]
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert "\r" not in header
    assert "\n" not in header
    assert "/" not in header
    assert "\\" not in header
    if encoded is not None:
        assert header.endswith(f"''{encoded}")
    else:
        assert header.endswith("''verklaring%20caf%C3%A9%20%E2%80%9C2026%E2%80%9D.pdf")


def test_a_missing_filename_names_the_evidence(doc_client: TestClient, doc_ws: Ws) -> None:
    """Without a filename the document is named after the evidence."""
    assert _put(doc_client, doc_ws, filename=None).json()["filename"] == EVIDENCE


@pytest.mark.parametrize(
    "media",
    [
        "image/jpeg",
        "text/plain; charset=utf-8",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "Application/PDF",
    ],
)
def test_safe_media_types_are_accepted(doc_client: TestClient, doc_ws: Ws, media: str) -> None:
    """Each media type of the safe list is stored, without its parameters."""
    answer = _put(doc_client, doc_ws, media=media)
    assert answer.status_code == 201
    assert answer.json()["media_type"] == media.partition(";")[0].lower()


@pytest.mark.parametrize(
    "media",
    ["text/html", "image/svg+xml", "application/octet-stream", "application/javascript", ""],
)
def test_other_media_types_are_415(doc_client: TestClient, doc_ws: Ws, media: str) -> None:
    """Anything off the safe list (a browser could run it, or it says nothing) is 415."""
    answer = _put(doc_client, doc_ws, media=media)
    assert answer.status_code == 415
    assert answer.headers["content-type"] == PROBLEM
    assert doc_client.get(_url(doc_ws), headers=doc_ws.auth()).status_code == 404


def test_a_document_over_the_limit_is_413(doc_client: TestClient, doc_ws: Ws) -> None:
    """A body larger than max_upload_bytes answers 413 and stores nothing."""
    answer = _put(doc_client, doc_ws, b"x" * (64 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM
    assert doc_client.get(_url(doc_ws), headers=doc_ws.auth()).status_code == 404


def test_a_streamed_document_over_the_limit_is_413(doc_client: TestClient, doc_ws: Ws) -> None:
    """A chunked body without Content-Length is cut off once it passes the limit."""

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"y" * 4096

    answer = doc_client.put(
        _url(doc_ws),
        content=chunks(),
        headers={**doc_ws.auth(), "Content-Type": "application/pdf"},
    )
    assert answer.status_code == 413
    assert doc_client.get(_url(doc_ws), headers=doc_ws.auth()).status_code == 404


def test_a_document_at_the_limit_is_stored(doc_client: TestClient, doc_ws: Ws) -> None:
    """A body of exactly max_upload_bytes is accepted."""
    assert _put(doc_client, doc_ws, b"z" * (64 * 1024)).status_code == 201


def test_an_empty_document_is_422(doc_client: TestClient, doc_ws: Ws) -> None:
    """An empty body is no document."""
    assert _put(doc_client, doc_ws, b"").status_code == 422


def test_upload_to_unknown_evidence_is_404(doc_client: TestClient, doc_ws: Ws) -> None:
    """Evidence the register does not have cannot get a document."""
    assert _put(doc_client, doc_ws, evidence="nope").status_code == 404


def test_download_of_unknown_evidence_is_404(doc_client: TestClient, doc_ws: Ws) -> None:
    """Downloading the document of unknown evidence answers 404."""
    assert doc_client.get(_url(doc_ws, "nope"), headers=doc_ws.auth()).status_code == 404


def test_download_without_a_document_is_404(doc_client: TestClient, doc_ws: Ws) -> None:
    """Evidence without a document answers 404 problem details."""
    answer = doc_client.get(_url(doc_ws), headers=doc_ws.auth())
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM


def test_a_viewer_cannot_upload_but_can_download(doc_client: TestClient, doc_ws: Ws) -> None:
    """Uploading needs an editor (403 for a viewer); a viewer may download."""
    assert _put(doc_client, doc_ws, role="viewer").status_code == 403
    _put(doc_client, doc_ws)
    assert doc_client.get(_url(doc_ws), headers=doc_ws.auth("viewer")).status_code == 200


def test_documents_stay_in_their_workspace(
    doc_client: TestClient, doc_ws: Ws, make_workspace: Callable[[str], Ws], demo_bytes: bytes
) -> None:
    """Another workspace with the same evidence id neither sees nor replaces the document."""
    other = make_workspace("other")
    assert doc_client.post(
        other.url("/import"), content=demo_bytes, headers=other.auth()
    ).is_success
    _put(doc_client, doc_ws)
    assert doc_client.get(_url(other), headers=other.auth()).status_code == 404
    assert _put(doc_client, other, b"theirs", media="text/plain").status_code == 201
    assert doc_client.get(_url(doc_ws), headers=doc_ws.auth()).content == PDF


def test_the_document_of_deleted_evidence_is_404(doc_client: TestClient, doc_ws: Ws) -> None:
    """Once its evidence is deleted, its document is no longer served."""
    _put(doc_client, doc_ws, evidence="renderpeak-fedramp")
    deleted = doc_client.delete(
        doc_ws.url("/evidence/renderpeak-fedramp"), headers={**doc_ws.auth(), "If-Match": '"1"'}
    )
    assert deleted.status_code == 204
    answer = doc_client.get(_url(doc_ws, "renderpeak-fedramp"), headers=doc_ws.auth())
    assert answer.status_code == 404


def test_upload_is_in_the_openapi_document(doc_client: TestClient) -> None:
    """The OpenAPI document lists the accepted media types of an upload."""
    spec = doc_client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/workspaces/{ws}/evidence/{key}/document"]["put"]
    assert "application/pdf" in operation["requestBody"]["content"]
    assert "text/html" not in operation["requestBody"]["content"]


def test_evidence_recreated_with_the_same_id_has_no_document(
    doc_client: TestClient, doc_ws: Ws
) -> None:
    """Deleting evidence takes its document with it: a new piece of evidence that reuses the id
    does not inherit the old file."""
    _put(doc_client, doc_ws, evidence="renderpeak-fedramp")
    old = doc_client.get(doc_ws.url("/evidence/renderpeak-fedramp"), headers=doc_ws.auth()).json()
    deleted = doc_client.delete(
        doc_ws.url("/evidence/renderpeak-fedramp"), headers={**doc_ws.auth(), "If-Match": '"1"'}
    )
    assert deleted.status_code == 204
    body = {k: v for k, v in old.items() if k != "version"}
    created = doc_client.post(doc_ws.url("/evidence"), json=body, headers=doc_ws.auth())
    assert created.status_code == 201
    answer = doc_client.get(_url(doc_ws, "renderpeak-fedramp"), headers=doc_ws.auth())
    assert answer.status_code == 404


def test_unfinished_uploads_are_swept_when_the_service_starts(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    """An upload killed mid-way leaves a `.upload-*` file; the next start removes those older
    than an hour and leaves a fresh one (an upload in progress) and stored documents alone."""
    folder = tmp_path / "documents"
    folder.mkdir()
    old, fresh, stored = folder / ".upload-old1", folder / ".upload-new1", folder / ("a" * 64)
    for path in (old, fresh, stored):
        path.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(stored, (two_hours_ago, two_hours_ago))
    make_client(documents_dir=folder)
    assert not old.exists()
    assert fresh.exists()
    assert stored.exists()
