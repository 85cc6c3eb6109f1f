"""The OpenAPI document describes every route completely, so clients and schema-driven tools
(code generators, fuzzers) can call each one."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.app.conftest import Ws


def test_every_path_parameter_is_declared(client: TestClient) -> None:
    """Each {name} in a path is a declared, required path parameter of every method on it."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        named = set(re.findall(r"\{(\w+)\}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == named, (method, path, declared)
            assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")


def test_numbers_beyond_sql_are_refused_not_crashed_on(client: TestClient, demo_ws: Ws) -> None:
    """An offset or place past 64 bits is a 422 naming the parameter (schemathesis found 500s)."""
    huge = "10000000000000000001"
    for method, url in (
        ("GET", f"/suppliers?offset={huge}"),
        ("GET", f"/audit?after={huge}"),
        ("DELETE", f"/grants/{huge}"),
    ):
        answer = client.request(method, demo_ws.url(url), headers=demo_ws.auth("owner"))
        assert answer.status_code == 422, (url, answer.text)
