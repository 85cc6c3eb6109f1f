"""The OpenAPI document describes every route completely, so clients and schema-driven tools
(code generators, fuzzers) can call each one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.routes.entities import FILTERS
from graph.schema import SECTIONS
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


ENTITY_PATHS = {
    "suppliers": "/api/v1/workspaces/{ws}/suppliers",
    "services": "/api/v1/workspaces/{ws}/services",
    "dependencies": "/api/v1/workspaces/{ws}/dependencies",
    "evidence": "/api/v1/workspaces/{ws}/evidence",
    "profiles": "/api/v1/workspaces/{ws}/profiles",
}


def _schema(spec: dict[str, Any], holder: dict[str, Any]) -> dict[str, Any]:
    """The component a request body or response names by ``$ref``."""
    ref = holder["content"]["application/json"]["schema"]["$ref"]
    return dict(spec["components"]["schemas"][ref.rsplit("/", 1)[-1]])


@pytest.mark.parametrize("section", list(SECTIONS))
def test_entity_bodies_list_the_chain_formats_fields(client: TestClient, section: str) -> None:
    """Every entity body, request and answer, is a schema with the chain format's fields: the
    create body requires what the format requires, the PATCH body nothing, the answer adds
    revision; other keys only with the x- prefix."""
    spec = client.get("/openapi.json").json()
    listing = ENTITY_PATHS[section]
    item = listing + ("/{frm}/{to}" if section == "dependencies" else "/{key}")
    fields = SECTIONS[section]
    required = {f.key for f in fields.fields if f.required}
    create = _schema(spec, spec["paths"][listing]["post"]["requestBody"])
    update = _schema(spec, spec["paths"][item]["patch"]["requestBody"])
    answers = [
        _schema(spec, spec["paths"][listing]["post"]["responses"]["201"]),
        _schema(spec, spec["paths"][item]["get"]["responses"]["200"]),
        _schema(spec, spec["paths"][item]["patch"]["responses"]["200"]),
    ]
    for body in (create, update, *answers):
        assert set(fields.keys) <= set(body["properties"]), body["title"]
        assert body["additionalProperties"] is False
        assert list(body["patternProperties"]) == ["^x-"]
    assert set(create["required"]) == required
    assert "required" not in update
    for answer in answers:
        assert set(answer["required"]) >= required | {"revision"}
    page = _schema(spec, spec["paths"][listing]["get"]["responses"]["200"])
    assert page["properties"]["items"]["items"]["$ref"].endswith(answers[0]["title"])


def test_a_suppliers_name_and_country_are_typed(client: TestClient) -> None:
    """A supplier's name is a string, its country two upper-case letters; a service's kind and
    a piece of evidence's period are schemas of their own (an enum, a nested object)."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    supplier = schemas["SupplierCreate"]["properties"]
    assert supplier["name"]["type"] == "string"
    country = supplier["country"]["anyOf"][0]
    assert country["pattern"] == "^[A-Z]{2}$"
    assert schemas["Kind"]["enum"] == list(SECTIONS["services"].field("kind").choices)
    period = schemas["EvidencePeriod"]
    assert period["required"] == ["from", "to"]
    assert period["properties"]["from"]["format"] == "date"


def test_list_filters_are_the_formats_fields(client: TestClient) -> None:
    """A listing declares its filters, each a field of the chain format (services also
    filter on offering); a choice's filter lists the choices."""
    spec = client.get("/openapi.json").json()
    for section, path in ENTITY_PATHS.items():
        declared = {
            p["name"]: p for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"
        }
        filters = set(declared) - {"limit", "offset", "q"}
        assert filters == {f.key for f in FILTERS[section]} | (
            {"offering"} if section == "services" else set()
        )
        assert filters <= {*SECTIONS[section].keys, "offering"}
    kinds = spec["paths"][ENTITY_PATHS["services"]]["get"]["parameters"]
    kind = next(p for p in kinds if p["name"] == "kind")
    assert kind["schema"] == {"$ref": "#/components/schemas/Kind"}


def test_a_filter_on_a_field_of_the_format_lists_the_matching(
    client: TestClient, demo_ws: Ws
) -> None:
    """Filters made from the schema work as the hand-written ones did: by supplier, by
    offering, by the holder of evidence."""
    headers = demo_ws.auth("viewer")
    stratus = client.get(demo_ws.url("/services?supplier=stratus"), headers=headers).json()
    assert stratus["total"] > 0
    assert {s["supplier"] for s in stratus["items"]} == {"stratus"}
    offerings = client.get(demo_ws.url("/services?offering=true"), headers=headers).json()
    assert offerings["total"] > 0
    assert all(s["offering"] for s in offerings["items"])
    held = client.get(demo_ws.url("/evidence?holder=stratus"), headers=headers).json()
    assert {e["holder"] for e in held["items"]} == {"stratus"}


def test_entity_errors_are_documented_as_problem_details(client: TestClient) -> None:
    """Each entity operation documents its error answers as problem details (RFC 9457), as the
    service sends them, not FastAPI's validation error; a change documents 412 and 428."""
    spec = client.get("/openapi.json").json()
    assert {"Problem", "ProblemError"} <= set(spec["components"]["schemas"])
    for section, path in ENTITY_PATHS.items():
        item = path + ("/{frm}/{to}" if section == "dependencies" else "/{key}")
        for found in (path, item):
            for method, operation in spec["paths"][found].items():
                answers = operation["responses"]
                errors = {s: a for s, a in answers.items() if s.startswith("4")}
                assert {"401", "403", "404", "422"} <= set(errors), (method, found)
                for answer in errors.values():
                    assert answer["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    }
                if method in ("patch", "delete"):
                    assert {"412", "428"} <= set(errors)
