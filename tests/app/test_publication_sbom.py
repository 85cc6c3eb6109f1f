"""A publication as a CycloneDX 1.6 SaaSBOM (ADR 40, "The SaaSBOM"): the same chain, its
verdicts and its signature, valid against the 1.6 schema, and imported back with
``ketenkaart import`` to the same chain. On SQLite and, when set, PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonValidator
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app import publishing
from app.cli import main
from app.config import Settings
from app.main import create_app
from importers.base import Source
from importers.chainfile import dump_plain, load_chain
from importers.cyclonedx import IMPORTER, export_saasbom
from tests.app.conftest import Ws
from tests.app.test_publishing import NOW

ROOT = Path(__file__).parents[2]

PROVIDER = b"""\
ketenkaart: 1
offerings: [cloud, other]
suppliers:
  - {id: host, name: Host B.V., country: NL, ids: {kvk: "12345678"}}
  - {id: dc, name: DC Ltd, country: IE}
services:
  - {id: cloud, name: Cloud apps, supplier: host, kind: paas, locations: [NL], personal_data: true}
  - {id: vm, name: VM hosting, supplier: host, kind: iaas, description: Virtual machines}
  - {id: dc-ams, name: Datacenter Amsterdam, supplier: dc, kind: iaas, locations: [NL]}
  - {id: other, name: Other, supplier: host, kind: saas}
dependencies:
  - {from: cloud, to: vm, role: compute, critical: true}
  - {from: vm, to: dc-ams, role: housing, personal_data: false, contract: C-17}
evidence:
  - id: host-iso
    scheme: iso27001
    holder: host
    covers: [cloud, vm]
    issued: 2026-03-01
    valid_until: 2029-02-28
    issuer: Cert B.V.
    issuer_qualification: cb
    accreditation: {iaf_mla: true, body: RvA}
  - id: dc-soc2
    scheme: soc2
    type: 2
    holder: dc
    covers: [dc-ams]
    period: {from: 2025-01-01, to: 2025-12-31}
    issued: 2026-02-15
    criteria: [security, availability]
    issuer: Audit LLP
    issuer_qualification: cpa
    cuecs: [{id: C1, text: Customers review their access, addressed: true}]
"""

SECTIONS = ("suppliers", "services", "dependencies", "evidence")


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The service, its clock at NOW, its public address provider.example."""
    config = Settings(database_url="sqlite://", public_url="https://provider.example")
    app = create_app(config, engine=engine)
    app.state.clock = lambda: NOW
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def host(client: TestClient, make_workspace: Callable[[str], Ws]) -> Ws:
    ws = make_workspace("host")
    answer = client.post(ws.url("/import"), content=PROVIDER, headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    return ws


def publish(client: TestClient, ws: Ws, **body: Any) -> dict[str, Any]:
    answer = client.post(
        ws.url("/publications"),
        json={"name": "cloud", "offerings": ["cloud"], **body},
        headers=ws.auth("owner"),
    )
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def properties(holder: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in holder.get("properties", []):
        found.setdefault(item["name"], []).append(item["value"])
    return found


def sections(plain: dict[str, Any]) -> dict[str, Any]:
    """A chain file's entries by section and key, and its offerings."""
    keyed: dict[str, Any] = {"offerings": plain["offerings"]}
    for section in SECTIONS:
        keyed[section] = {
            (item["from"], item["to"]) if section == "dependencies" else item["id"]: item
            for item in plain.get(section, [])
        }
    return keyed


def test_a_publication_as_a_saasbom_names_it_carries_its_verdicts_and_signature(
    client: TestClient, host: Ws
) -> None:
    """The SaaSBOM of version 1 is valid CycloneDX 1.6; it names the publication and the
    address of the signed original, whose bytes it hashes; its key, signature and the hash of
    the signed bytes let a recipient verify the original; it carries the verdicts as
    signed, and each link's verdict on its consumer."""
    publish(client, host)
    answer = client.get("/pub/host/cloud/1?format=cyclonedx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.cyclonedx+json")
    validator = JsonValidator(SchemaVersion.V1_6)
    assert validator.validate_str(answer.text, all_errors=True) is None
    bom = answer.json()
    named = properties(bom["metadata"])
    url = "https://provider.example/pub/host/cloud/1"
    assert named["ketenkaart:publication:url"] == [url]
    assert named["ketenkaart:publication:publisher"] == ["host"]
    assert named["ketenkaart:publication:name"] == ["cloud"]
    assert named["ketenkaart:publication:version"] == ["1"]
    assert bom["metadata"]["timestamp"].startswith("2026-12-05T09:00:00")
    original = client.get(url.removeprefix("https://provider.example"))
    (reference,) = bom["metadata"]["component"]["externalReferences"]
    assert (reference["type"], reference["url"]) == ("attestation", url)
    assert reference["hashes"] == [
        {"alg": "SHA-256", "content": hashlib.sha256(original.content).hexdigest()}
    ]
    document = original.json()
    signed = publishing.signed_bytes(document)
    assert named["ketenkaart:publication:signed-sha256"] == [hashlib.sha256(signed).hexdigest()]
    (key,), (signature,) = (
        named["ketenkaart:publication:key"],
        named["ketenkaart:publication:signature"],
    )
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key)).verify(
        base64.b64decode(signature), signed
    )
    assert json.loads(named["ketenkaart:publication:verdicts"][0]) == document["verdicts"]
    cloud = next(s for s in bom["services"] if s["bom-ref"] == "cloud")
    (verdict,) = [json.loads(v) for v in properties(cloud)["ketenkaart:publication:verdict"]]
    (link,) = [x for x in document["verdicts"]["links"] if x["from"] == "cloud"]
    assert verdict == link
    assert (
        bom["serialNumber"]
        == client.get("/pub/host/cloud/1?format=cyclonedx").json()["serialNumber"]
    )


def test_the_saasbom_imports_back_to_the_publications_chain(
    client: TestClient, host: Ws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ketenkaart import`` of the SaaSBOM gives the publication's chain: the same offerings,
    suppliers, services, links with their attributes, and evidence, entry for entry."""
    publish(client, host)
    publication = client.get("/pub/host/cloud").json()
    bom = client.get("/pub/host/cloud?format=cyclonedx")
    assert bom.content == client.get("/pub/host/cloud/1?format=cyclonedx").content
    path = tmp_path / "cloud.cdx.json"
    path.write_bytes(bom.content)
    capsys.readouterr()
    assert main(["import", str(path)]) == 0
    back = dump_plain(load_chain(capsys.readouterr().out.encode()))
    assert sections(back) == sections(publication["chain"])
    assert sections(back)["evidence"]["dc-soc2"]["cuecs"][0]["id"] == "C1"
    assert sections(back)["dependencies"]["vm", "dc-ams"]["contract"] == "C-17"


def test_a_saasbom_behind_a_token_needs_the_token(client: TestClient, host: Ws) -> None:
    """The SaaSBOM of a publication behind a token is served only with the token; an unknown
    format is refused."""
    token = publish(client, host, access="token")["token"]
    assert client.get("/pub/host/cloud?format=cyclonedx").status_code == 404
    given = client.get(
        "/pub/host/cloud?format=cyclonedx", headers={"Authorization": f"Bearer {token}"}
    )
    assert given.status_code == 200
    assert given.json()["bomFormat"] == "CycloneDX"
    assert client.get("/pub/host/cloud/1?format=spdx").status_code == 422


def test_every_example_chain_goes_through_a_saasbom_unchanged() -> None:
    """The chain exported as a SaaSBOM (``ketenkaart export --format cyclonedx``) reads back
    entry for entry: locations, link attributes, evidence and all."""
    for path in (ROOT / "examples" / "demo-chain.yaml", ROOT.parent / "shared" / "examples"
                 / "kinderopvang.yaml"):  # fmt: skip
        if not path.exists():
            continue
        chain = load_chain(path.read_bytes())
        result = IMPORTER.parse(export_saasbom(chain), Source("bom.json"))
        assert result.issues == ()
        assert sections(dump_plain(result.chain)) == sections(dump_plain(chain))
        assert result.chain.evidence == chain.evidence


def errors(result: Any) -> list[str]:
    return [str(issue) for issue in result.issues if issue.severity == "error"]


def _bom(chain_properties: list[dict[str, str]], top: list[dict[str, str]]) -> bytes:
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "version": 1,
            "metadata": {"properties": top},
            "services": [
                {
                    "bom-ref": "app",
                    "name": "App",
                    "provider": {"name": "Me"},
                    "properties": chain_properties,
                },
                {"bom-ref": "db", "name": "DB", "provider": {"name": "Me"}},
            ],
            "dependencies": [{"ref": "app", "dependsOn": ["db"]}],
        }
    ).encode()


def test_carried_entries_that_do_not_hold_are_errors_or_left_out_with_a_warning() -> None:
    """An entry that is no JSON object is an error with its place; an entry of a link the BOM
    does not declare, or of another service, is left out with a warning; evidence that covers
    no service of the chain is the chain file's error."""
    link = {"name": "ketenkaart:chain:link", "value": '{"from": "app", "to": "db", "role": "x"}'}
    result = IMPORTER.parse(_bom([link], []), Source("bom.json"))
    assert result.issues == ()
    assert result.chain.dependencies["app", "db"].role == "x"

    broken = {"name": "ketenkaart:chain:service", "value": "{not json"}
    result = IMPORTER.parse(_bom([broken], []), Source("bom.json"))
    assert [str(i) for i in result.issues] == [
        "services[0].properties[ketenkaart:chain:service]: not a chain file's entry as a JSON "
        "object"
    ]

    deep = {
        "name": "ketenkaart:chain:service",
        "value": '{"id": "app", "x-a": ' + "[" * 150 + "]" * 150 + "}",
    }
    assert errors(IMPORTER.parse(_bom([deep], []), Source("bom.json"))) == [
        "services[0].properties[ketenkaart:chain:service]: not a chain file's entry as a JSON "
        "object"
    ]

    elsewhere = {"name": "ketenkaart:chain:link", "value": '{"from": "app", "to": "cache"}'}
    other = {"name": "ketenkaart:chain:service", "value": '{"id": "db", "name": "X"}'}
    result = IMPORTER.parse(_bom([elsewhere, other], []), Source("bom.json"))
    warnings = sorted(str(i) for i in result.issues)
    assert len(warnings) == 2
    assert "app -> cache is not declared in the BOM; left out" in warnings[0]
    assert "an entry about another service than 'app'; left out" in warnings[1]
    assert result.chain.services["db"].name == "DB"

    stray = {
        "name": "ketenkaart:chain:evidence",
        "value": '{"id": "e", "scheme": "iso27001", "holder": "nobody", "covers": ["app"]}',
    }
    result = IMPORTER.parse(_bom([], [stray]), Source("bom.json"))
    assert result.chain.offerings == ()
    assert any("nobody" in str(issue) for issue in result.issues)
