"""The web surface: security headers on every answer, request ids, no stack trace or secret
in an answer or a log line."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from app.security import CSP, JsonFormatter
from tests.app.conftest import Ws


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/login",
        "/api/v1/me",
        "/api/v1/workspaces/nope/suppliers",
        "/static/app.css",
        "/no/such/page",
        "/openapi.json",
    ],
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    """Pages, API answers, errors and static files all get the same strict headers."""
    answer = client.get(path)
    assert answer.headers["content-security-policy"] == CSP
    assert "frame-ancestors 'none'" in CSP
    assert "script-src 'self'" in CSP
    assert "unsafe-inline" not in CSP
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert answer.headers["x-request-id"]


def test_the_swagger_page_that_loads_from_a_cdn_is_gone(client: TestClient) -> None:
    """/docs is the service's own page under the strict policy (tests/app/test_openapi_docs.py),
    /redoc (third-party scripts) is not served; /openapi.json is."""
    assert client.get("/docs").headers["content-security-policy"] == CSP
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "ketenkaart"


def test_a_request_id_is_kept_when_plain_and_made_otherwise(client: TestClient) -> None:
    """A proxy's plain request id is echoed; anything else is replaced by one of ours."""
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\r\nX-Evil: 1"})
    assert made.headers["x-request-id"] != "bad id"
    assert "x-evil" not in made.headers


def test_a_crash_answers_without_a_trace_and_logs_one_json_line(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture, demo_ws: Ws
) -> None:
    """An internal error gives a problem with the request id and no stack trace; the log
    line is JSON with the request id and the error's type, and no token."""
    client = make_client(raise_server_exceptions=False)
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret value kk_should_not_leak")

    client.app.include_router(router)  # type: ignore[attr-defined]
    with caplog.at_level(logging.INFO):
        answer = client.get("/boom", headers={**demo_ws.auth(), "X-Request-ID": "req-42"})
    assert answer.status_code == 500
    assert "Traceback" not in answer.text
    assert "kk_should_not_leak" not in answer.text
    assert "req-42" in answer.json()["detail"]
    lines = [JsonFormatter().format(r) for r in caplog.records]
    error = next(json.loads(x) for x in lines if '"internal error"' in x)
    assert error["request_id"] == "req-42"
    assert error["error"] == "RuntimeError"
    assert "kk_should_not_leak" not in "".join(lines)
    assert demo_ws.tokens["owner"] not in "".join(lines)
    access = next(json.loads(x) for x in lines if '"logger": "ketenkaart.access"' in x)
    assert access == access | {"status": 500, "path": "/boom", "request_id": "req-42"}


def test_an_invitation_secret_is_not_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The access log cuts an invitation's secret out of the path."""
    with caplog.at_level(logging.INFO):
        client.get("/invite/supersecretinvitation")
    served = [r for r in caplog.records if r.name.startswith("ketenkaart")]  # not httpx's
    assert served
    assert "supersecretinvitation" not in "".join(JsonFormatter().format(r) for r in served)
