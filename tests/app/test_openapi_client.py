"""A client generated from the service's OpenAPI document works: openapi-python-client writes a
package from ``/openapi.json``, and that package adds, reads, changes, lists and removes a
supplier, a service, a dependency and a piece of evidence on a running service."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app
from tests.app.conftest import Ws
from tests.browser.conftest import serve

PACKAGE = "ketenkaart_client"


@pytest.fixture
def generated(tmp_path: Path, client: TestClient) -> Iterator[Callable[[str], ModuleType]]:
    """The client package generated from this service's OpenAPI document, importable; yields
    a function that imports one of its modules."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(client.get("/openapi.json").json()), encoding="utf-8")
    config = tmp_path / "config.yaml"
    # no post hooks: they format the code with ruff, which needs nothing here
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def origin(engine: Engine, demo_ws: Ws) -> Iterator[str]:
    """The service on a free local port (plain HTTP on loopback), on this test's database with
    the demo chain in workspace ``acme``."""
    settings = Settings(database_url="sqlite://", documents_dir=None, plain_http_localhost=True)
    with serve(create_app(settings, engine=engine)) as url:
        yield url


def _etag(entity: Any) -> str:
    return f'"{entity.revision}"'


def test_a_generated_client_round_trips_the_register(
    generated: Callable[[str], ModuleType], origin: str, demo_ws: Ws
) -> None:
    """Supplier, service, dependency and evidence: each added, read back equal, changed,
    found by a filter and removed, through the generated client's typed models; a stale
    change and a body the chain format refuses answer problem details naming the field."""
    api = "api.register_entities."
    models = generated("models")
    base = generated("client")
    ws = demo_ws.slug
    with base.AuthenticatedClient(base_url=origin, token=demo_ws.tokens["editor"]) as http:

        def call(operation: str, *args: Any, **kwargs: Any) -> Any:
            return generated(api + operation).sync(*args, client=http, **kwargs)

        supplier = call(
            "create_supplier",
            ws,
            body=models.SupplierCreate(
                id="nieuw",
                name="Nieuw B.V.",
                country="NL",
                contact=models.SupplierContact(email="security@nieuw.example"),
            ),
        )
        assert isinstance(supplier, models.SupplierPublic)
        assert (supplier.name, supplier.country, supplier.revision) == ("Nieuw B.V.", "NL", 1)
        assert supplier.contact.email == "security@nieuw.example"
        assert call("get_supplier", ws, "nieuw") == supplier

        service = call(
            "create_service",
            ws,
            body=models.ServiceCreate(
                id="nieuw-api",
                name="Nieuw API",
                supplier="nieuw",
                kind=models.Kind.PAAS,
                locations=["NL", "DE"],
            ),
        )
        assert isinstance(service, models.ServicePublic)
        assert (service.kind, service.locations, service.offering) == (
            models.Kind.PAAS,
            ["NL", "DE"],
            False,
        )

        link = call(
            "create_dependency",
            ws,
            body=models.DependencyCreate(
                from_="loonwolk-online", to="nieuw-api", role="signing", critical=True
            ),
        )
        assert isinstance(link, models.DependencyPublic)
        assert (link.from_, link.to, link.critical) == ("loonwolk-online", "nieuw-api", True)
        assert call("get_dependency", ws, "loonwolk-online", "nieuw-api") == link

        evidence = call(
            "create_evidence",
            ws,
            body=models.EvidenceCreate(
                id="nieuw-soc2",
                scheme=models.Scheme.SOC2,
                holder="nieuw",
                covers=["nieuw-api"],
                type_=2,
                period=models.EvidencePeriod(from_=date(2026, 1, 1), to=date(2026, 9, 30)),
                issued=date(2026, 11, 1),
                subservices=models.EvidenceSubservices(
                    method=models.SubservicesMethod.NONE,
                ),
                cuecs=[models.EvidenceCuecsRow(id="CUEC-1", text="Rotate the keys")],
                version="2017",
            ),
        )
        assert isinstance(evidence, models.EvidencePublic)
        assert evidence.period.from_ == date(2026, 1, 1)
        assert evidence.cuecs[0].id == "CUEC-1"
        assert (evidence.scheme, evidence.version, evidence.revision) == (
            models.Scheme.SOC2,
            "2017",
            1,
        )
        assert call("get_evidence", ws, "nieuw-soc2") == evidence

        changed = call(
            "update_supplier",
            ws,
            "nieuw",
            body=models.SupplierUpdate(name="Nieuw Holding B.V."),
            if_match=_etag(supplier),
        )
        assert (changed.name, changed.country, changed.revision) == ("Nieuw Holding B.V.", "NL", 2)
        changed = call(
            "update_service",
            ws,
            "nieuw-api",
            body=models.ServiceUpdate(kind=models.Kind.IAAS),
            if_match=_etag(service),
        )
        assert changed.kind == models.Kind.IAAS
        changed = call(
            "update_dependency",
            ws,
            "loonwolk-online",
            "nieuw-api",
            body=models.DependencyUpdate(role="payslip signing"),
            if_match=_etag(link),
        )
        assert changed.role == "payslip signing"
        changed = call(
            "update_evidence",
            ws,
            "nieuw-soc2",
            body=models.EvidenceUpdate(scope="Key management"),
            if_match=_etag(evidence),
        )
        assert (changed.scope, changed.period.to) == ("Key management", date(2026, 9, 30))

        stale = call(
            "update_supplier",
            ws,
            "nieuw",
            body=models.SupplierUpdate(country="BE"),
            if_match=_etag(supplier),
        )
        assert isinstance(stale, models.Problem)
        assert stale.status == 412
        wrong = call(
            "create_service",
            ws,
            body=models.ServiceCreate(
                id="wees", name="Wees", supplier="niemand", kind=models.Kind.SAAS
            ),
        )
        assert isinstance(wrong, models.Problem)
        assert wrong.status == 422
        assert [e.location for e in wrong.errors] == ["supplier"]

        found = call("list_services", ws, supplier="nieuw", kind=models.Kind.IAAS)
        assert isinstance(found, models.ServicePage)
        assert [s.id for s in found.items] == ["nieuw-api"]
        held = call("list_evidence", ws, holder="nieuw")
        assert [e.id for e in held.items] == ["nieuw-soc2"]

        for operation, keys in (
            ("delete_evidence", ("nieuw-soc2",)),
            ("delete_dependency", ("loonwolk-online", "nieuw-api")),
            ("delete_service", ("nieuw-api",)),
            ("delete_supplier", ("nieuw",)),
        ):
            answer = generated(api + operation).sync_detailed(ws, *keys, client=http, if_match="*")
            assert answer.status_code == 204, (operation, answer.content)
        assert call("list_suppliers", ws, country="NL", q="nieuw").total == 0
