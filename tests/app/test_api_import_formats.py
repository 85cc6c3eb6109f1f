"""POST /import of every format, GET /export in every format, GET /register-template."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from app import membership, services
from app.audit import COMMAND_LINE
from graph.model import Chain, Kind, Service, Supplier
from importers.register import export_register
from tests.app.conftest import Ws, make_user

DATA = Path(__file__).resolve().parents[1] / "importers" / "data"
PROBLEM = "application/problem+json"
BOM = DATA / "cyclonedx" / "ticker-1.4.json"

REGISTER_CSV = (
    "Supplier,Service,Kind,Used by,Offering\n"
    "Me B.V.,Portal,saas,,yes\n"
    "Cloud Ltd,Hosting,iaas,Portal,\n"
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE bom [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
 <services><service><name>&lol9;</name></service></services>
</bom>
"""


def exported(client: TestClient, ws: Ws, role: str = "viewer") -> dict[str, object]:
    answer = client.get(ws.url("/export"), headers=ws.auth(role))
    assert answer.status_code == 200, answer.text
    loaded = yaml.safe_load(answer.content)
    assert isinstance(loaded, dict)
    return loaded


def ids(document: dict[str, object], section: str) -> set[str]:
    return {entry["id"] for entry in document.get(section, [])}  # type: ignore[attr-defined]


def test_a_cyclonedx_bom_imports_and_exports(client: TestClient, ws: Ws) -> None:
    """A SaaSBOM named by ?filename= is read as CycloneDX: the report lists its entities and
    the export holds them."""
    expected = json.loads((DATA / "cyclonedx" / "ticker-1.4.expected.json").read_text("utf-8"))
    answer = client.post(
        ws.url("/import?filename=ticker.cdx.json"),
        content=BOM.read_bytes(),
        headers=ws.auth("editor"),
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["format"] == "cyclonedx"
    assert sorted(report["created"]["services"]) == sorted(s["id"] for s in expected["services"])
    document = exported(client, ws)
    assert ids(document, "services") == {s["id"] for s in expected["services"]}
    assert document["offerings"] == expected["offerings"]


def test_an_xlsx_register_named_by_content_disposition(client: TestClient, ws: Ws) -> None:
    """A workbook upload, its name in Content-Disposition, is read as an XLSX register."""
    chain = Chain(
        offerings=("app",),
        suppliers={"me": Supplier("me", "Me B.V."), "host": Supplier("host", "Host SE")},
        services={
            "app": Service("app", "App", "me", Kind.SAAS),
            "vm": Service("vm", "VM", "host", Kind.IAAS),
        },
    )
    book = export_register(chain, "xlsx", "nl")
    answer = client.post(
        ws.url("/import"),
        content=book,
        headers={
            **ws.auth("editor"),
            "Content-Disposition": 'attachment; filename="leveranciers.xlsx"',
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["format"] == "xlsx"
    document = exported(client, ws)
    assert {s["name"] for s in document["services"]} == {"App", "VM"}  # type: ignore[attr-defined]
    assert document["offerings"] == ["app"]


def test_a_register_with_an_error_is_refused_whole(client: TestClient, demo_ws: Ws) -> None:
    """A register with a bad cell is 422, naming the row and column, and the register is as it
    was (the file's valid rows are not written either)."""
    before = client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content
    bad = REGISTER_CSV.replace("Hosting,iaas", "Hosting,iaaas").encode()
    answer = client.post(
        demo_ws.url("/import?filename=register.csv"), content=bad, headers=demo_ws.auth("editor")
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    errors = answer.json()["errors"]
    assert any(e["location"].startswith("row 3, column 'Kind'") for e in errors)
    assert client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content == before


def test_a_dry_run_of_another_format_writes_nothing(client: TestClient, ws: Ws) -> None:
    """A dry run reports what a register would create and leaves the workspace empty."""
    answer = client.post(
        ws.url("/import?dry-run=true&format=csv"),
        content=REGISTER_CSV.encode(),
        headers=ws.auth("editor"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["dry_run"] is True
    assert sorted(answer.json()["created"]["services"]) == ["hosting", "portal"]
    assert client.get(ws.url("/services"), headers=ws.auth()).json()["total"] == 0


def test_an_unknown_or_unrecognised_format_is_422(client: TestClient, ws: Ws) -> None:
    """A format that does not exist, or a body no importer recognises, is 422 saying so."""
    answer = client.post(ws.url("/import?format=spdx"), content=b"x", headers=ws.auth("editor"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["location"] == "query.format"
    answer = client.post(
        ws.url("/import?filename=notes.txt"), content=b"hello", headers=ws.auth("editor")
    )
    assert answer.status_code == 422
    assert "not recognised" in answer.json()["detail"]


def test_fedramp_data_joins_the_register(client: TestClient, ws: Ws) -> None:
    """FedRAMP marketplace data is matched against the register's services and adds evidence;
    a product in process is a warning with its place."""
    register = (DATA / "fedramp" / "register.yaml").read_bytes()
    assert client.post(ws.url("/import"), content=register, headers=ws.auth("editor")).is_success
    data = (DATA / "fedramp" / "gsa-marketplace.json").read_bytes()
    expected = json.loads((DATA / "fedramp" / "gsa-marketplace.expected.json").read_text("utf-8"))
    answer = client.post(
        ws.url("/import?filename=marketplace.json"), content=data, headers=ws.auth("editor")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["format"] == "fedramp"
    assert sorted(answer.json()["created"]["evidence"]) == sorted(
        e["id"] for e in expected["chain"]["evidence"]
    )
    warnings = answer.json()["warnings"]
    assert [w["location"] for w in warnings] == [
        i["where"] for i in expected["issues"] if i["severity"] == "warning"
    ]


def test_a_hostile_xml_upload_is_refused_quickly(client: TestClient, ws: Ws) -> None:
    """An XML bomb (nested entities) is refused with 422 before any entity is expanded."""
    started = time.monotonic()
    answer = client.post(
        ws.url("/import?filename=bom.xml"), content=BILLION_LAUGHS, headers=ws.auth("editor")
    )
    assert time.monotonic() - started < 5
    assert answer.status_code == 422
    assert answer.json()["errors"]
    assert client.get(ws.url("/services"), headers=ws.auth()).json()["total"] == 0


def test_a_100_mb_upload_is_413_and_changes_nothing(
    make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """An upload over the body limit is refused with 413 whatever its format."""
    client = make_client()
    body = b"Supplier,Service,Kind\n" + b"x" * (100 * 1024 * 1024)
    answer = client.post(ws.url("/import?format=csv"), content=body, headers=ws.auth("editor"))
    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM
    assert client.get(ws.url("/services"), headers=ws.auth()).json()["total"] == 0


def test_a_viewer_cannot_import(client: TestClient, ws: Ws) -> None:
    """Importing any format needs the editor's role."""
    answer = client.post(
        ws.url("/import?format=csv"), content=REGISTER_CSV.encode(), headers=ws.auth("viewer")
    )
    assert answer.status_code == 403


def test_export_in_every_new_format(client: TestClient, demo_ws: Ws) -> None:
    """CycloneDX, the register (XLSX and CSV) and DORA's zip come with their media type and a
    file name, and hold the register's services."""

    def get(fmt: str, language: str = "en") -> bytes:
        answer = client.get(
            demo_ws.url(f"/export?format={fmt}&language={language}"), headers=demo_ws.auth("viewer")
        )
        assert answer.status_code == 200, answer.text
        assert "attachment; filename=" in answer.headers["content-disposition"]
        return answer.content

    bom = json.loads(get("cyclonedx"))
    assert bom["bomFormat"] == "CycloneDX"
    assert len(bom["services"]) == 10
    assert get("register-csv", "nl").decode("utf-8-sig").startswith("Leverancier;")
    assert load_workbook(io.BytesIO(get("register-xlsx"))).worksheets
    with zipfile.ZipFile(io.BytesIO(get("dora"))) as archive:
        assert len(archive.namelist()) == 2


def _scoped_auditor(engine: Engine, ws: Ws, offering: str) -> dict[str, str]:
    email = f"scoped@{ws.slug}.example"
    user_id = make_user(engine, email)
    with Session(engine) as session:
        workspace = services.workspace_for(session, ws.slug)
        membership.create_grant(
            session,
            workspace=workspace,
            email=email,
            offerings=[offering],
            starts=date(2000, 1, 1),
            ends=date(2999, 12, 31),
            actor=COMMAND_LINE,
        )
        token = services.create_token(
            session, slug=ws.slug, role="auditor", expires=None, user_id=user_id
        )
    return {"Authorization": f"Bearer {token}"}


def test_a_scoped_auditor_exports_only_their_scope(
    client: TestClient, engine: Engine, ws: Ws
) -> None:
    """An auditor whose grant names one offering gets that offering and what lies under it, in
    every export format."""
    two = (
        "ketenkaart: 1\nofferings: [a, b]\n"
        "suppliers: [{id: me, name: Me}, {id: other, name: Other Ltd}]\n"
        "services:\n"
        "  - {id: a, name: Alpha, supplier: me, kind: saas}\n"
        "  - {id: b, name: Beta, supplier: me, kind: saas}\n"
        "  - {id: hidden, name: Hidden Host, supplier: other, kind: iaas}\n"
        "dependencies: [{from: b, to: hidden}]\n"
    )
    assert client.post(ws.url("/import"), content=two.encode(), headers=ws.auth()).is_success
    auditor = _scoped_auditor(engine, ws, "a")
    for fmt in ("yaml", "cyclonedx", "register-csv"):
        answer = client.get(ws.url(f"/export?format={fmt}"), headers=auditor)
        assert answer.status_code == 200, answer.text
        assert b"Alpha" in answer.content
        assert b"Hidden Host" not in answer.content
        assert b"Beta" not in answer.content
    whole = client.get(ws.url("/export?format=register-csv"), headers=ws.auth("viewer")).content
    assert b"Hidden Host" in whole


def test_downloads_neutralise_formulas(client: TestClient, ws: Ws) -> None:
    """A name that starts like a formula reaches the register downloads with a leading quote."""
    chain = (
        "ketenkaart: 1\nofferings: [app]\n"
        'suppliers: [{id: me, name: "=HYPERLINK(\\"http://evil.example\\")"}]\n'
        'services: [{id: app, name: "@SUM(1+1)", supplier: me, kind: saas}]\n'
    )
    assert client.post(ws.url("/import"), content=chain.encode(), headers=ws.auth()).is_success
    text = client.get(ws.url("/export?format=register-csv"), headers=ws.auth()).content
    assert b"'=HYPERLINK" in text
    assert b"'@SUM" in text
    book = client.get(ws.url("/export?format=register-xlsx"), headers=ws.auth()).content
    cells = [
        cell
        for sheet in load_workbook(io.BytesIO(book)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str) and ("HYPERLINK" in cell or "SUM(" in cell)
    ]
    assert cells
    assert not any(cell.startswith(("=", "@", "+", "-")) for cell in cells)


def test_the_register_template(client: TestClient, ws: Ws) -> None:
    """The template comes in CSV and XLSX, in English and Dutch, to any reader."""
    answer = client.get(
        ws.url("/register-template?format=csv&language=nl"), headers=ws.auth("viewer")
    )
    assert answer.status_code == 200
    assert answer.content.decode("utf-8-sig").startswith("Leverancier;")
    assert 'filename="leveranciers.csv"' in answer.headers["content-disposition"]
    answer = client.get(ws.url("/register-template"), headers=ws.auth("auditor"))
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert "Supplier" in [cell.value for cell in next(sheet.iter_rows(max_row=1))]


@pytest.mark.parametrize(("fmt", "language"), [("register-csv", "en"), ("register-xlsx", "nl")])
def test_the_registers_own_export_imports_back_changing_nothing(
    client: TestClient, demo_ws: Ws, fmt: str, language: str
) -> None:
    """The supplier register export holds a part of each entity (no parent company, no bridge
    letter, no reason a link is out of scope, ...). Importing it back unchanged changes
    nothing: what the file has no column for is kept as the register holds it; it used to be
    dropped, and seven links' verdicts changed."""
    before = client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content
    checked = client.get(demo_ws.url("/check?lang=en"), headers=demo_ws.auth()).json()
    data = client.get(
        demo_ws.url(f"/export?format={fmt}&lang={language}"), headers=demo_ws.auth()
    ).content
    ext = "csv" if fmt.endswith("csv") else "xlsx"
    trial = client.post(
        demo_ws.url(f"/import?filename=register.{ext}&dry-run=true"),
        content=data,
        headers=demo_ws.auth("editor"),
    )
    assert trial.status_code == 200, trial.text
    assert trial.json()["changed"] == {}, trial.json()
    answer = client.post(
        demo_ws.url(f"/import?filename=register.{ext}"),
        content=data,
        headers=demo_ws.auth("editor"),
    )
    assert answer.status_code == 200, answer.text
    assert client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content == before
    assert client.get(demo_ws.url("/check?lang=en"), headers=demo_ws.auth()).json() == checked
