"""Every answer carries the security headers, a crash's 500 included (issue 11, point 4)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from app import deps
from app.security import CSP
from tests.app.conftest import Ws


def _crashing(make_client: Callable[..., TestClient]) -> TestClient:
    client = make_client(raise_server_exceptions=False)
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    client.app.include_router(router)  # type: ignore[attr-defined]
    return client


def _assert_guarded(answer: object) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["cache-control"] == "no-store"
    assert headers["x-request-id"]


def test_a_crash_in_a_route_answers_500_with_the_security_headers(
    make_client: Callable[..., TestClient],
) -> None:
    """A route that raises answers a problem with CSP, nosniff, frame options, HSTS and the
    request id it names."""
    answer = _crashing(make_client).get("/boom", headers={"X-Request-ID": "req-500"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    _assert_guarded(answer)
    assert answer.headers["x-request-id"] == "req-500"
    assert "req-500" in answer.json()["detail"]


def test_a_crash_in_a_dependency_answers_500_with_the_security_headers(
    make_client: Callable[..., TestClient], ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dependency that raises (the database session here) gives the same guarded 500."""
    client = make_client(raise_server_exceptions=False)

    def broken() -> None:
        raise RuntimeError("the database went away")

    client.app.dependency_overrides[deps.get_session] = broken  # type: ignore[attr-defined]
    answer = client.get(ws.url("/suppliers"), headers=ws.auth())
    assert answer.status_code == 500
    _assert_guarded(answer)


def test_a_crash_still_reaches_a_test_client_that_raises(
    make_client: Callable[..., TestClient],
) -> None:
    """With raise_server_exceptions the error still propagates, so tests see it."""
    client = make_client()
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    client.app.include_router(router)  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/boom")


def test_a_crash_is_logged_once(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    """The inner answer and Starlette's outer handler do not both log the error."""
    with caplog.at_level(logging.INFO):
        _crashing(make_client).get("/boom")
    assert [r.name for r in caplog.records].count("ketenkaart.error") == 1
