"""HEAD answers like GET, without a body (issue 11, point 10)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import Ws


@pytest.mark.parametrize("path", ["/healthz", "/login", "/static/pages.css"])
def test_head_answers_the_gets_status_and_headers_without_a_body(
    client: TestClient, path: str
) -> None:
    """HEAD of a public page: 200 (not 405), the GET's type and length, an empty body."""
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers.get("content-length") == got.headers.get("content-length")
    assert "x-request-id" in head.headers


def test_head_of_an_api_route_keeps_its_access_rules(client: TestClient, demo_ws: Ws) -> None:
    """HEAD is a GET all the way in: without a token 401, with one 200, never a body."""
    assert client.head(demo_ws.url("/suppliers")).status_code == 401
    answer = client.head(demo_ws.url("/suppliers"), headers=demo_ws.auth())
    assert (answer.status_code, answer.content) == (200, b"")


def test_head_does_not_change_anything(client: TestClient, demo_ws: Ws) -> None:
    """HEAD never reaches a POST route: 405 there, as before."""
    assert client.head(demo_ws.url("/import")).status_code == 405
