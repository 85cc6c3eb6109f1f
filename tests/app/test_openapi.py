"""The OpenAPI document describes every route completely, so clients and schema-driven tools
(code generators, fuzzers) can call each one."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_every_path_parameter_is_declared(client: TestClient) -> None:
    """Each {name} in a path is a declared, required path parameter of every method on it."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        named = set(re.findall(r"\{(\w+)\}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == named, (method, path, declared)
            assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")
