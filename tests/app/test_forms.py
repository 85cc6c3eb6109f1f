"""The entity forms without JSON, through the test client: every field of the chain format has
a control, a form builds the body the API takes, an edit form opens with every control filled
(repeated rows too) and, sent back unchanged, changes nothing; errors stay next to their
control."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import services
from app.routes.pages import FIELDS, OTHER, entities
from app.routes.pages.fields import fields_of
from graph import schema
from importers import chainfile
from tests.app.conftest import Ws
from tests.app.test_pages import csrf, field_error, sign_in

FormData = dict[str, list[str]]


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the service on plain HTTP (so the session cookie is sent)."""
    client = make_client(plain_http_localhost=True)
    client.app.state.clock = lambda: datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    return client


class _Form(HTMLParser):
    """The fields a browser would send from the form ``<form class="... entity-form">``:
    inputs with their values, ticked check boxes, chosen options and text areas; nothing from
    inside a ``<template>`` (rows pages.js would add)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.template = 0
        self.select: str | None = None
        self.chosen: str | None = None
        self.first: str | None = None
        self.area: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "entity-form" in a.get("class", "").split():
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.template += 1
        if self.template:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select, self.chosen, self.first = name, None, None
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            if self.first is None:
                self.first = value
            if "selected" in a:
                self.chosen = value
        elif tag == "textarea" and name:
            self.area, self.text = name, ""

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "template":
            self.template -= 1
        elif tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            self.fields.append((self.select, self.chosen or self.first or ""))
            self.select = None
        elif tag == "textarea" and self.area is not None:
            self.fields.append((self.area, self.text.removeprefix("\n")))
            self.area = None

    def handle_data(self, data: str) -> None:
        if self.area is not None:
            self.text += data


def entity_form(html: str) -> FormData:
    """The entity form's fields as a browser would send them, by name."""
    parser = _Form()
    parser.feed(html)
    found: FormData = {}
    for name, value in parser.fields:
        found.setdefault(name, []).append(value)
    return found


def group_error(html: str, name: str) -> str:
    """The error shown with the group of rows ``name``."""
    found = re.search(rf'<span class="field-error" id="error-{name}"[^>]*>([^<]*)</span>', html)
    assert found is not None, f"no error shown with {name}"
    return found.group(1)


def stored(engine: Engine, section: str, key: str) -> tuple[dict[str, Any], int]:
    """The body and version of an entity of workspace acme, as the register holds them (the
    API's JSON shows the row's version where evidence has its scheme version)."""
    with Session(engine) as session:
        workspace = services.find_workspace(session, "acme")
        assert workspace is not None
        row = services.get_entity(session, workspace=workspace, section=section, key=key)
        return dict(row.body), row.version


def entity(engine: Engine, section: str, key: str) -> dict[str, Any]:
    """The stored body of an entity of workspace acme."""
    return stored(engine, section, key)[0]


def add(engine: Engine, section: str, body: dict[str, Any]) -> None:
    """Store an entity in workspace acme, as the API would."""
    with Session(engine) as session:
        workspace = services.find_workspace(session, "acme")
        assert workspace is not None
        services.create_entity(session, workspace=workspace, section=section, body=body)


FULL_REPORT: dict[str, Any] = {
    "id": "full-soc2",
    "scheme": "soc2",
    "holder": "stratus",
    "covers": ["stratus-postgres", "stratus-compute-ams"],
    "type": 2,
    "period": {"from": "2025-10-01", "to": "2026-09-30"},
    "issued": "2026-10-20",
    "locations": ["NL", "DE"],
    "criteria": ["security", "availability", "confidentiality", "CC-custom"],
    "scope": "Stratus compute and databases, Amsterdam",
    "version": "2017 TSC (revised 2022)",
    "issuer": "Voorbeeld Assurance LLP",
    "issuer_qualification": "cpa",
    "accreditation": {"body": "RvA", "iaf_mla": True},
    "assurance": "limited",
    "opinion": "qualified",
    "exceptions": [
        {"criterion": "CC6.1", "description": "Two leavers kept access", "response": "Fixed"},
        {"criterion": "CC7.2", "description": "Alerting gap of 3 days"},
    ],
    "subservices": {
        "method": "carve-out",
        "carved_out": ["dijk-ams1"],
        "included": ["sleutel-hsm"],
    },
    "cuecs": [
        {"id": "CUEC-1", "text": "Customers manage their users", "addressed": True},
        {"id": "CUEC-2", "text": "Customers encrypt backups", "x-owner": "ops"},
    ],
    "bridge_letter": {"from": "2026-10-01", "to": "2026-12-31", "signed_by": "Stratus CFO"},
    "verification": "verified",
    "document": {"name": "stratus-soc2.pdf", "sha256": "ab" * 32},
    "x-ticket": "AUD-17",
}


def form_of_full_report() -> FormData:
    """The add form of FULL_REPORT, filled as a person would (rows numbered as the page does)."""
    return {
        "id": ["full-soc2"],
        "scheme": ["soc2"],
        "holder": ["stratus"],
        "covers": ["stratus-postgres", "stratus-compute-ams", ""],
        "type": ["2"],
        "period_from": ["2025-10-01"],
        "period_to": ["2026-09-30"],
        "as_of": [""],
        "issued": ["2026-10-20"],
        "valid_until": [""],
        "bridge_from": ["2026-10-01"],
        "bridge_to": ["2026-12-31"],
        "bridge_signed_by": ["Stratus CFO"],
        "criteria": ["security", "availability", "confidentiality"],
        "criteria_other": ["CC-custom"],
        "locations": ["NL", "DE"],
        "locations_other": [""],
        "scope": ["Stratus compute and databases, Amsterdam"],
        "scheme_version": ["2017 TSC (revised 2022)"],
        "issuer": ["Voorbeeld Assurance LLP"],
        "issuer_qualification": ["cpa"],
        "accreditation_body": ["RvA"],
        "accreditation_iaf_mla": ["true"],
        "assurance": ["limited"],
        "opinion": ["qualified"],
        "exceptions.0.criterion": ["CC6.1"],
        "exceptions.0.description": ["Two leavers kept access"],
        "exceptions.0.response": ["Fixed"],
        "exceptions.0.x": [""],
        "exceptions.3.criterion": ["CC7.2"],
        "exceptions.3.description": ["Alerting gap of 3 days"],
        "exceptions.4.criterion": [""],
        "subservices_method": ["carve-out"],
        "carved_out": ["dijk-ams1", ""],
        "included": ["", "sleutel-hsm"],
        "cuecs.0.id": ["CUEC-1"],
        "cuecs.0.text": ["Customers manage their users"],
        "cuecs.0.addressed": ["true"],
        "cuecs.1.id": ["CUEC-2"],
        "cuecs.1.text": ["Customers encrypt backups"],
        "cuecs.1.x": ['{"x-owner": "ops"}'],
        "cuecs.2.id": [""],
        "verification": ["verified"],
        "document_name": ["stratus-soc2.pdf"],
        "document_sha256": ["ab" * 32],
        OTHER: ['{"x-ticket": "AUD-17"}'],
    }


# --- every field has a control -------------------------------------------------------------


def test_every_field_of_the_chain_format_has_a_control_of_its_own() -> None:
    """Each contract field of every section is one control's path (no JSON box for them)."""
    contract = {
        "suppliers": {"id", "name", "country", "parent", "ids", "contact"},
        "services": {"id", "name", "supplier", "kind", "locations", "personal_data", "description"},
        "dependencies": {
            "from", "to", "role", "relevant", "reason", "critical", "personal_data",
            "locations", "contract",
        },
        "evidence": set(FULL_REPORT) - {"x-ticket"} | {"as_of", "valid_until"},
    }  # fmt: skip
    nested = {
        "ids": {"kvk", "lei", "euid", "duns", "vat"},
        "contact": {"name", "address", "email"},
        "period": {"from", "to"},
        "accreditation": {"body", "iaf_mla"},
        "subservices": {"method", "carved_out", "included"},
        "bridge_letter": {"from", "to", "signed_by"},
        "document": {"name", "sha256"},
    }
    for section, keys in contract.items():
        paths = {f.path for f in FIELDS[section]}
        for key in keys:
            wanted = {(key, inner) for inner in nested[key]} if key in nested else {(key,)}
            assert wanted <= paths, f"{section}.{key} has no control"
    columns = {f.name: {c.name for c in f.columns} for f in FIELDS["evidence"] if f.columns}
    assert columns == {
        "exceptions": {"criterion", "description", "response"},
        "cuecs": {"id", "text", "addressed"},
    }


def test_every_control_comes_from_the_schema() -> None:
    """Each section's controls are the schema's fields, with their labels and required marks:
    the pages keep no list of fields of their own."""
    for section, controls in FIELDS.items():
        fields = schema.SECTIONS[section].fields
        wanted = {
            (f.key, *((inner.key,) if f.type == "mapping" else ())): (
                inner.label,
                f.required and inner.required,
            )
            for f in fields
            for inner in (f.fields if f.type == "mapping" else (f,))
        }
        assert {c.path for c in controls} == set(wanted), section
        for control in controls:
            label, required = wanted[control.path]
            assert control.label == label
            assert control.required == required, control.path


def test_a_field_added_to_the_schema_gets_its_control(
    web: TestClient, demo_ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new field in a section of graph.schema shows in the form, with its label, without a
    change to the pages: a text, a yes/no question without a default, a choice."""
    extra = (
        schema.Field("sla", "text", "Service level", "The agreed availability."),
        schema.Field("exit_plan", "bool", "Exit plan", "Whether an exit plan exists."),
        schema.Field("tier", "choice", "Tier", "How much rests on it.", choices=("a", "b")),
    )
    services = schema.SECTIONS["services"]
    grown = dataclasses.replace(services, fields=(*services.fields, *extra))
    controls = fields_of(grown)
    assert [(c.name, c.label, c.kind) for c in controls[-3:]] == [
        ("sla", "Service level", "text"),
        ("exit_plan", "Exit plan", "tristate"),
        ("tier", "Tier", "select"),
    ]
    monkeypatch.setitem(FIELDS, "services", controls)
    sign_in(web, demo_ws.emails["editor"])
    html = web.get("/w/acme/services").text
    assert '<label for="f-sla">Service level</label>' in html
    assert '<input id="f-sla" type="text" name="sla" value=""' in html
    assert '<option value="true">yes</option>' in html.split('id="f-exit_plan"')[1]
    assert '<option value="b">b</option>' in html.split('id="f-tier"')[1]


def test_the_add_forms_are_headed_in_plain_english(web: TestClient, demo_ws: Ws) -> None:
    """ "Add a piece of evidence", "Add a supplier", ...: never "Add a evidence"."""
    sign_in(web, demo_ws.emails["editor"])
    wanted = {
        "suppliers": ("Add a supplier", "Add supplier"),
        "services": ("Add a service", "Add service"),
        "dependencies": ("Add a dependency", "Add dependency"),
        "evidence": ("Add a piece of evidence", "Add evidence"),
    }
    for section, (heading, button) in wanted.items():
        html = web.get(f"/w/acme/{section}").text
        assert f'<h2 id="add">{heading}</h2>' in html
        assert f'<button type="submit">{button}</button>' in html
        assert "Add a evidence" not in html
        assert "Other fields" not in html


def test_the_evidence_form_offers_pick_lists_check_boxes_and_rows(
    web: TestClient, demo_ws: Ws
) -> None:
    """References pick from the register's ids (with their names), criteria and locations are
    check boxes, dates are date pickers, and each repeatable group has a blank row and a
    template for more; every control has a label."""
    sign_in(web, demo_ws.emails["editor"])
    html = web.get("/w/acme/evidence").text
    assert re.search(r'name="holder" value="" list="pick-suppliers"', html)
    assert '<option value="stratus">Stratus Cloud Nederland B.V.</option>' in html
    assert '<option value="dijk-ams1">Dijk AMS1 colocation</option>' in html
    # a qualification by what it is, every one the format knows
    assert '<option value="re">RE (registeraccountant, NL)</option>' in html
    assert '<option value="cb">certification body</option>' in html
    offered = re.findall(r'<option value="([a-z0-9]+)">[A-Z0-9]+ \(', html)
    assert {"re", "ra", "cpa", "wp", "qsa", "3pao"} <= set(offered)
    for criterion in ("security", "availability", "processing-integrity", "privacy"):
        assert f'name="criteria" value="{criterion}"' in html
    assert 'name="locations" value="NL"' in html and 'name="locations" value="NO"' in html
    for name in ("period_from", "period_to", "as_of", "issued", "valid_until", "bridge_from"):
        assert re.search(rf'type="date" name="{name}"', html)
    for group in ("covers", "carved_out", "included", "exceptions", "cuecs"):
        assert f'data-rows="{group}" data-next="1"' in html
    assert 'name="cuecs.0.id"' in html and 'name="cuecs.__i__.id"' in html
    assert 'name="exceptions.0.criterion"' in html
    assert '<button type="button" class="add-row" hidden>Add a CUEC</button>' in html
    for legend in ("Bridge letter", "Sub-services", "Tested period (type 2)", "Criteria"):
        assert f"<legend>{legend}" in html
    ids = set(re.findall(r' id="(f-[^"]+)"', html.split("<template>")[0]))
    labelled = set(re.findall(r' for="(f-[^"]+)"', html))
    unlabelled = {i for i in ids - labelled if not i.startswith(("f-criteria", "f-locations"))}
    assert unlabelled == set()


# --- forms build the body the API takes -------------------------------------------------------


def test_a_report_entered_in_the_form_is_the_body_the_api_stores(
    web: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """Every field of a report, its rows too, goes from the form into the stored body; blank
    rows are left out and the rows keep their order."""
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme/evidence").text)
    answer = web.post("/w/acme/evidence", data={"csrf_token": [token], **form_of_full_report()})
    assert "Added full-soc2." in answer.text, answer.text
    assert entity(engine, "evidence", "full-soc2") == FULL_REPORT


def test_every_demo_entity_sent_back_unchanged_changes_nothing(
    web: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """Each entity's edit form opens with every control filled; sent back as it is, it saves
    nothing: same body, same version."""
    sign_in(web, demo_ws.emails["editor"])
    for section in ("suppliers", "services", "dependencies", "evidence"):
        items = web.get(demo_ws.url(f"/{section}?limit=1000"), headers=demo_ws.auth()).json()
        assert items["items"]
        for item in items["items"]:
            key = f"{item['from']}/{item['to']}" if section == "dependencies" else str(item["id"])
            before = stored(engine, section, key)
            html = web.get(f"/w/acme/{section}/{key}").text
            answer = web.post(f"/w/acme/{section}/{key}", data=entity_form(html))
            assert f"Nothing changed in {key}" in answer.text, (section, key)
            assert stored(engine, section, key) == before, (section, key)


def test_a_full_report_opens_prefilled_and_saves_unchanged_then_changed(
    web: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """A report with every field, stated defaults and extension keys: the form shows it all
    (rows included), saves nothing when sent back as it is, and a change of one control keeps
    everything else, extension keys of rows too."""
    stated = {**FULL_REPORT, "cuecs": [*FULL_REPORT["cuecs"], {"id": "C3", "addressed": False}]}
    stated["bridge_letter"] = {**FULL_REPORT["bridge_letter"], "x-ref": "BL-1"}
    add(engine, "evidence", stated)
    sign_in(web, demo_ws.emails["editor"])
    html = web.get("/w/acme/evidence/full-soc2").text
    form = entity_form(html)
    assert form["covers"] == ["stratus-postgres", "stratus-compute-ams", ""]
    assert form["carved_out"] == ["dijk-ams1", ""]
    assert form["criteria"] == ["security", "availability", "confidentiality"]
    assert form["criteria_other"] == ["CC-custom"]
    assert form["locations"] == ["DE", "NL"]  # in the boxes' order; stored order is kept
    assert form["exceptions.1.criterion"] == ["CC7.2"]
    assert form["cuecs.0.addressed"] == ["true"] and "cuecs.2.addressed" not in form
    assert form["cuecs.1.x"] == ['{"x-owner": "ops"}']
    assert form["subservices_method"] == ["carve-out"]
    assert form["accreditation_iaf_mla"] == ["true"]
    assert form["bridge_signed_by"] == ["Stratus CFO"]
    assert '"x-ref": "BL-1"' in form[OTHER][0] and '"x-ticket": "AUD-17"' in form[OTHER][0]
    unchanged = web.post("/w/acme/evidence/full-soc2", data=form)
    assert "Nothing changed in full-soc2" in unchanged.text
    assert entity(engine, "evidence", "full-soc2") == stated
    form["issuer"] = ["Ander Assurance B.V."]
    changed = web.post("/w/acme/evidence/full-soc2", data=form)
    assert "Saved full-soc2." in changed.text
    expected = {**stated, "issuer": "Ander Assurance B.V."}
    expected["cuecs"] = [*FULL_REPORT["cuecs"], {"id": "C3"}]  # addressed: false is the default
    assert entity(engine, "evidence", "full-soc2") == expected


def test_stated_defaults_sent_back_change_nothing_and_an_edit_never_reads_the_register(
    web: TestClient, demo_ws: Ws, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link and a service that state the format's defaults (which the form leaves out) save
    nothing when sent back; a real change saves without reading the whole register as a chain
    (ADR 26: a change is checked by what it can break; the comparison reads each body in a
    chain of its own)."""
    link = {"from": "stratus-postgres", "to": "dijk-ams1", "relevant": True, "critical": False}
    service = {
        "id": "extra",
        "name": "Extra",
        "supplier": "stratus",
        "kind": "paas",
        "personal_data": False,
    }
    add(engine, "services", service)
    add(engine, "dependencies", link)
    everything = len(
        web.get(demo_ws.url("/services?limit=1000"), headers=demo_ws.auth()).json()["items"]
    )
    read: list[int] = []

    def counting(parse: Callable[..., Any]) -> Callable[..., Any]:
        def counted(document: Any, **kwargs: Any) -> Any:
            read.append(len(document.get("services", ())))
            return parse(document, **kwargs)

        return counted

    monkeypatch.setattr(services, "load_plain", counting(chainfile.load_plain))
    monkeypatch.setattr(entities, "load_plain", counting(chainfile.load_plain))
    sign_in(web, demo_ws.emails["editor"])
    for section, key in (("dependencies", "stratus-postgres/dijk-ams1"), ("services", "extra")):
        before = stored(engine, section, key)
        form = entity_form(web.get(f"/w/acme/{section}/{key}").text)
        answer = web.post(f"/w/acme/{section}/{key}", data=form)
        assert f"Nothing changed in {key}" in answer.text, section
        assert stored(engine, section, key) == before
        read.clear()
        form["critical" if section == "dependencies" else "description"] = ["true"]
        answer = web.post(f"/w/acme/{section}/{key}", data=form)
        assert f"Saved {key}." in answer.text, section
        assert everything not in read and len(read) == 2, read


def test_rows_are_removed_by_emptying_them(web: TestClient, demo_ws: Ws, engine: Engine) -> None:
    """Without JavaScript a row goes by clearing its inputs; the others keep their order."""
    add(engine, "evidence", FULL_REPORT)
    sign_in(web, demo_ws.emails["editor"])
    form = entity_form(web.get("/w/acme/evidence/full-soc2").text)
    form["exceptions.0.criterion"] = form["exceptions.0.description"] = [""]
    form["exceptions.0.response"] = [""]
    form["covers"] = ["", "stratus-compute-ams", ""]
    form["carved_out"] = [""]
    form["subservices_method"] = ["inclusive"]
    answer = web.post("/w/acme/evidence/full-soc2", data=form)
    assert "Saved full-soc2." in answer.text
    body = entity(engine, "evidence", "full-soc2")
    assert body["exceptions"] == FULL_REPORT["exceptions"][1:]
    assert body["covers"] == ["stratus-compute-ams"]
    assert body["subservices"] == {"method": "inclusive", "included": ["sleutel-hsm"]}


def test_supplier_service_and_dependency_forms_fill_every_field(
    web: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """Identifiers, contact, locations, personal data (yes, no or as the provider says)."""
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme/suppliers").text)
    supplier = {
        "csrf_token": token, "id": "nova", "name": "Nova B.V.", "country": "NL",
        "parent": "stratus-group", "ids_kvk": "12345678", "ids_lei": "", "ids_vat": "NL0001B01",
        "contact_name": "Privacy desk", "contact_address": "Kade 1\nAmsterdam",
        "contact_email": "privacy@nova.example",
    }  # fmt: skip
    assert "Added nova." in web.post("/w/acme/suppliers", data=supplier).text
    assert entity(engine, "suppliers", "nova") == {
        "id": "nova", "name": "Nova B.V.", "country": "NL", "parent": "stratus-group",
        "ids": {"kvk": "12345678", "vat": "NL0001B01"},
        "contact": {"name": "Privacy desk", "address": "Kade 1\nAmsterdam",
                    "email": "privacy@nova.example"},
    }  # fmt: skip
    service: FormData = {
        "csrf_token": [token], "id": ["nova-app"], "name": ["Nova App"], "supplier": ["nova"],
        "kind": ["saas"], "locations": ["NL", "IE"], "locations_other": ["LU"],
        "personal_data": ["true"], "description": ["Payroll"], "offering": ["true"],
    }  # fmt: skip
    assert "Added nova-app." in web.post("/w/acme/services", data=service).text
    assert entity(engine, "services", "nova-app")["locations"] == ["NL", "IE", "LU"]
    listed = web.get(demo_ws.url("/services/nova-app"), headers=demo_ws.auth()).json()
    assert listed["offering"] is True
    link = {
        "csrf_token": token, "from": "nova-app", "to": "stratus-postgres", "role": "database",
        "relevant": "true", "critical": "true", "personal_data": "false", "locations": "NL",
        "contract": "C-9",
    }  # fmt: skip
    assert "Added nova-app/stratus-postgres." in web.post("/w/acme/dependencies", data=link).text
    assert entity(engine, "dependencies", "nova-app/stratus-postgres") == {
        "from": "nova-app", "to": "stratus-postgres", "role": "database", "critical": True,
        "personal_data": False, "locations": ["NL"], "contract": "C-9",
    }  # fmt: skip
    html = web.get("/w/acme/dependencies/nova-app/stratus-postgres").text
    assert re.search(r'<option value="false" selected>no</option>', html)
    assert 'name="from" value="nova-app" list="pick-services" autocomplete="off"' in html


# --- errors stay next to their control --------------------------------------------------------


def test_errors_of_groups_and_rows_are_shown_next_to_them(web: TestClient, demo_ws: Ws) -> None:
    """A bridge letter ending before it starts, a CUEC without an id and an unknown carved-out
    service: each error next to its control, the rows kept as typed, nothing added."""
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme/evidence").text)
    form = form_of_full_report()
    form["bridge_from"], form["bridge_to"] = ["2026-12-31"], ["2026-10-01"]
    form["cuecs.1.id"] = [""]
    form["carved_out"] = ["nergens", ""]
    answer = web.post("/w/acme/evidence", data={"csrf_token": [token], **form})
    assert answer.status_code == 422
    # in the form's words, not the file's: no "from" and "to" as keys, no YAML
    assert field_error(answer.text, "bridge_from") == (
        "it starts (2026-12-31) after it ends (2026-10-01)"
    )
    assert group_error(answer.text, "cuecs").startswith("cuecs[1].id")
    assert 'name="cuecs.1.id" value="" aria-invalid="true" aria-describedby="error-cuecs"' in (
        answer.text
    )
    assert "nergens" in field_error(answer.text, "carved_out")
    kept = entity_form(answer.text)
    assert kept["cuecs.1.text"] == ["Customers encrypt backups"]
    assert kept["carved_out"] == ["nergens", ""]
    assert kept["criteria"] == ["security", "availability", "confidentiality"]
    missing = web.get(demo_ws.url("/evidence/full-soc2"), headers=demo_ws.auth())
    assert missing.status_code == 404


def test_a_type_2_report_without_its_period_is_told_so_in_plain_words(
    web: TestClient, demo_ws: Ws
) -> None:
    """The form's error says what the tested period is, next to its first field; no
    YAML-like example of the file's syntax."""
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme/evidence").text)
    form = form_of_full_report()
    form["period_from"], form["period_to"] = [""], [""]
    answer = web.post("/w/acme/evidence", data={"csrf_token": [token], **form})
    assert answer.status_code == 422
    said = field_error(answer.text, "period_from")
    assert said == (
        "a type 2 report needs its tested period: its first day (from) and its last day (to)"
    )


def test_the_extension_box_takes_x_keys_only(web: TestClient, demo_ws: Ws, engine: Engine) -> None:
    """A contract field typed as JSON is refused next to the box: it has its own control."""
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme/suppliers").text)
    answer = web.post(
        "/w/acme/suppliers",
        data={"csrf_token": token, "id": "z", "name": "Z", OTHER: '{"ids": {"kvk": "1"}}'},
    )
    assert answer.status_code == 422
    assert "ids&#39; has its own input" in field_error(answer.text, OTHER)
    fine = web.post(
        "/w/acme/suppliers",
        data={"csrf_token": token, "id": "z", "name": "Z", OTHER: '{"x-note": "kept"}'},
    )
    assert "Added z." in fine.text
    assert entity(engine, "suppliers", "z")["x-note"] == "kept"


def test_a_reader_sees_every_field_as_text(web: TestClient, demo_ws: Ws, engine: Engine) -> None:
    """The read-only page of a viewer lists the rows and groups in words, without a form."""
    add(engine, "evidence", FULL_REPORT)
    sign_in(web, demo_ws.emails["viewer"])
    html = web.get("/w/acme/evidence/full-soc2").text
    assert "entity-form" not in html and "<datalist" not in html
    assert "<dt>Bridge letter: Signed by</dt><dd>Stratus CFO</dd>" in html
    assert "CUEC-1 · Customers manage their users · Addressed: yes" in html
    assert "<dt>Sub-services: Carved out</dt><dd>dijk-ams1</dd>" in html
