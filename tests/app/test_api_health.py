"""Liveness and readiness."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app


def test_healthz_answers_200(client: TestClient) -> None:
    """The process answers."""
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_readyz_answers_200_after_upgrade(client: TestClient) -> None:
    """A database at the newest migration is ready."""
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready"}


def test_readyz_answers_503_without_the_schema(blank_engine: Engine) -> None:
    """A database without the schema is not ready: 503 problem details."""
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=blank_engine)) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert "upgrade" in answer.json()["detail"]
