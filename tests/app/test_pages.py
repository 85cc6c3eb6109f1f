"""The browser pages of a workspace, through the test client: sign-in, roles, CSRF, forms with
their errors, the stale-version message, the report and its downloads, and escaping."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import Engine
from sqlmodel import Session, select

from app import services
from app.models import Grant
from app.routes import pages, people_pages
from importers import registry
from tests.app.conftest import PASSWORD, ROOT, Ws

XSS = "<img src=x onerror=alert(1)>"


def with_pages(app: FastAPI) -> FastAPI:
    """The app, whose create_app() mounts the pages and the vis-network files."""
    return app


def fixed_clock(app: FastAPI, when: datetime) -> None:
    app.state.clock = lambda: when


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the service with the pages, on plain HTTP (so the session cookie is sent)."""
    client = make_client(plain_http_localhost=True)
    app = client.app
    assert isinstance(app, FastAPI)
    with_pages(app)
    fixed_clock(app, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    return client


def sign_in(client: TestClient, email: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def squash(text: str) -> str:
    """The text with every run of white space made one space."""
    return " ".join(text.split())


def audit_items(client: TestClient, ws: Ws) -> list[dict[str, object]]:
    answer = client.get(ws.url("/audit?limit=1000"), headers=ws.auth("owner"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def supplier_json(client: TestClient, ws: Ws, key: str) -> dict[str, object]:
    answer = client.get(ws.url(f"/suppliers/{key}"), headers=ws.auth("owner"))
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


def field_error(html: str, name: str) -> str:
    """The error text shown right after the input or select named ``name`` (a date or an id
    in it kept whole by a span of its own, read as its text)."""
    html = re.sub(r'<span class="whole">([^<]*)</span>', r"\1", html)
    found = re.search(
        rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*aria-invalid="true"'
        rf'[^>]*>.*?<span class="field-error" id="error-{name}"[^>]*>([^<]*)</span>',
        html,
        re.DOTALL,
    )
    assert found is not None, f"no error shown next to {name}"
    return found.group(1)


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/w/acme", "/w/acme/suppliers?q=str", "/w/acme/report/loonwolk-online"]
)
def test_a_browser_not_signed_in_is_sent_to_sign_in_and_back(
    web: TestClient, demo_ws: Ws, url: str
) -> None:
    """Without a session every page leads to the sign-in form, which leads back to it."""
    answer = web.get(url, follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/login?next=")
    sign_in(web, demo_ws.emails["viewer"])
    form = web.get(location)  # signed in: the form forwards to the page
    assert form.status_code == 200
    assert str(form.url).endswith(url)


def test_a_workspace_without_access_is_a_404_page_like_one_that_does_not_exist(
    web: TestClient, demo_ws: Ws, make_workspace: Callable[[str], Ws]
) -> None:
    """An account of another workspace sees the same 404 page as for no workspace at all."""
    other = make_workspace("other")
    sign_in(web, other.emails["owner"])
    for url in ("/w/acme", "/w/acme/suppliers/stratus", "/w/acme/graph/loonwolk-online"):
        answer = web.get(url)
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
        assert "no workspace &#39;acme&#39;" in answer.text
    assert "no workspace &#39;nope&#39;" in web.get("/w/nope").text


def test_an_address_with_no_page_is_a_404_page_for_a_browser_and_problem_json_else(
    web: TestClient, demo_ws: Ws
) -> None:
    """A mistyped address in a browser gets a page that says so and leads on, in the
    browser's language; the API, a static file and a client that does not ask for HTML keep
    the problem details."""
    sign_in(web, demo_ws.emails["viewer"])
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for url in ("/w/acme/nonexistent", "/no-such-page"):
        answer = web.get(url, headers=html)
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
        text = squash(re.sub(r"<[^>]+>", " ", answer.text))
        assert "Not Found There is no page at this address. Continue" in text, text
        # the person stays signed in, as on every page, and goes on to their workspaces
        assert "Log out" in text
        assert '<a href="/workspaces">Continue</a>' in answer.text
    dutch = web.get("/no-such-page", headers={**html, "Accept-Language": "nl"})
    assert "Er is geen pagina op dit adres." in dutch.text
    for url, headers in (
        ("/api/v1/nonexistent", html),
        ("/static/nonexistent.css", html),
        ("/w/acme/nonexistent", {"Accept": "application/json"}),
    ):
        answer = web.get(url, headers=headers)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["title"] == "Not Found"


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_readers_see_the_register_but_get_403_on_any_change(
    web: TestClient, demo_ws: Ws, role: str
) -> None:
    """A viewer or auditor reads every page, is shown no forms, and a forged POST is 403."""
    sign_in(web, demo_ws.emails[role])
    listing = web.get("/w/acme/suppliers")
    assert listing.status_code == 200
    assert "Stratus Cloud Nederland B.V." in listing.text
    assert "Add a supplier" not in listing.text
    token = csrf(listing.text)
    answer = web.post("/w/acme/suppliers", data={"csrf_token": token, "id": "x", "name": "X"})
    assert answer.status_code == 403
    assert f"you are {role}" in answer.text
    assert web.get(demo_ws.url("/suppliers/x"), headers=demo_ws.auth()).status_code == 404
    edit = web.post(
        "/w/acme/suppliers/stratus", data={"csrf_token": token, "name": "Taken", "version": "1"}
    )
    assert edit.status_code == 403
    assert supplier_json(web, demo_ws, "stratus")["name"] == "Stratus Cloud Nederland B.V."


def test_a_form_without_the_csrf_token_changes_nothing(web: TestClient, demo_ws: Ws) -> None:
    """Missing or wrong CSRF token: 403 page, the supplier unchanged, nothing in the trail."""
    sign_in(web, demo_ws.emails["editor"])
    before = supplier_json(web, demo_ws, "stratus")
    trail = len(audit_items(web, demo_ws))
    for data in (
        {"name": "Forged", "version": str(before["version"])},
        {"name": "Forged", "version": str(before["version"]), "csrf_token": "guess"},
    ):
        answer = web.post("/w/acme/suppliers/stratus", data=data)
        assert answer.status_code == 403
        assert "the form is stale or forged" in answer.text
    gone = web.post("/w/acme/suppliers/kantoor/delete", data={"version": "1"})
    assert gone.status_code == 403
    assert supplier_json(web, demo_ws, "stratus") == before
    assert supplier_json(web, demo_ws, "kantoor")["id"] == "kantoor"
    assert len(audit_items(web, demo_ws)) == trail


# --- overview, tables and forms -----------------------------------------------------------------


def test_the_overview_shows_each_offering_its_verdict_counts_and_expiring_evidence(
    web: TestClient, demo_ws: Ws
) -> None:
    """The demo at 2026-11-27: loonwolk-online is a gap with 10 links, links to graph and
    report, and every piece of evidence the API calls expiring is listed."""
    sign_in(web, demo_ws.emails["viewer"])
    page = web.get("/w/acme").text
    assert "LoonWolk Online" in page
    assert re.search(r'status-gap">gap</strong></td>\s*<td class="num">10</td>', page)
    assert 'href="/w/acme/graph/loonwolk-online"' in page
    assert 'href="/w/acme/report/loonwolk-online"' in page
    expiring = web.get(demo_ws.url("/expiring?days=90"), headers=demo_ws.auth()).json()
    assert expiring
    for piece in expiring:
        assert f">{piece['evidence']}</a>" in page
        assert piece["stops"] in page
    # named as an auditor names them: the scheme in words, the holder and what it covers by name
    row = re.search(r'evidence/stratus-isae3402-pg">.*?</tr>', page, re.DOTALL)
    assert row is not None, "the demo's report on Stratus Managed PostgreSQL expires soon"
    cells = re.sub(r"<[^>]+>", "|", row.group(0))
    assert "|ISAE 3402 report|" in cells
    assert "|Stratus Cloud Nederland B.V.|" in cells
    assert "Stratus Managed PostgreSQL |stratus-postgres|" in cells


def test_the_evidence_table_says_when_each_piece_stops_counting(
    web: TestClient, demo_ws: Ws
) -> None:
    """A report has no "valid until": the table gives, for every piece, the day it stops
    counting (a report's period end plus twelve months, a certificate's end), marks what has
    passed or comes within 90 days, and says how the day is found."""
    sign_in(web, demo_ws.emails["viewer"])
    page = web.get("/w/acme/evidence").text
    rows = {
        key: squash(re.sub(r"<[^>]+>", " ", html.unescape(row)))
        for key, row in re.findall(r'evidence/([\w-]+)">.*?</a>(.*?)</tr>', page, re.DOTALL)
    }
    assert "Counts until" in page and "Valid until</th>" not in page
    # a SOC 2 report tested to 2026-09-30: counts twelve months on
    assert rows["stratus-soc2-2026"].endswith("2027-09-30")
    assert rows["dijk-iso27001"].endswith("2026-05-31 (past)")
    assert rows["dijk-iso27001-2025"].endswith("2029-05-14")
    assert rows["postduif-trust-page"].endswith("no end date")
    assert "self-declaration self-declaration" not in rows["postduif-trust-page"]  # a stutter
    expiring = web.get(demo_ws.url("/expiring?days=90"), headers=demo_ws.auth()).json()
    # every piece the overview lists as ending soon, and a label whose link decides on
    # another piece: the table is about each piece, the overview about the links' verdicts
    assert {piece["evidence"] for piece in expiring} | {"veilig-zol"} == {
        key for key, row in rows.items() if row.endswith("(within 90 days)")
    }
    for piece in expiring:
        assert rows[piece["evidence"]].endswith(f"{piece['stops']} (within 90 days)")
    assert "plus 12 months" in squash(html.unescape(page))
    assert "8 pieces of evidence." in squash(html.unescape(page))  # not "8 evidence."
    # the overview lists only what a verdict rests on, and says so
    overview = squash(html.unescape(re.sub(r"<[^>]+>", " ", web.get("/w/acme").text)))
    assert "Evidence a verdict rests on that stops counting within 90 days" in overview


def test_deleting_a_supplier_still_in_use_says_what_uses_it(web: TestClient, demo_ws: Ws) -> None:
    """The delete is refused, and the page says which services and evidence still name the
    supplier, not the places of their fields in the register (``services[1].supplier``)."""
    sign_in(web, demo_ws.emails["editor"])
    form = web.get("/w/acme/suppliers/stratus").text
    answer = web.post(
        "/w/acme/suppliers/stratus/delete",
        data={
            "csrf_token": csrf(form),
            "confirm": "yes",
            "version": re.search(r'name="version" value="(\d+)"', form)[1],
        },  # type: ignore[index]
    )
    assert answer.status_code == 409
    text = squash(html.unescape(re.sub(r"<[^>]+>", " ", answer.text)))
    assert "supplier 'stratus' is still named by service stratus-compute-ams (supplier)" in text
    assert "change or delete those first" in text
    assert "services[1]" not in text and "did you mean" not in text


def test_the_filter_box_narrows_the_table(web: TestClient, demo_ws: Ws) -> None:
    """Filtering suppliers by "stratus" lists the two Stratus companies and no other."""
    sign_in(web, demo_ws.emails["viewer"])
    page = web.get("/w/acme/suppliers", params={"q": "stratus"}).text
    assert "Stratus Group S.A." in page and "Stratus Cloud Nederland B.V." in page
    assert "Dijk Datacenters" not in page
    assert "2 suppliers matching" in page


def test_an_editor_adds_edits_and_deletes_a_supplier_and_the_trail_names_them(
    web: TestClient, demo_ws: Ws
) -> None:
    """Add, change and delete through the forms; each lands in the audit trail under the
    editor's e-mail address, as a browser session."""
    sign_in(web, demo_ws.emails["editor"])
    listing = web.get("/w/acme/suppliers")
    token = csrf(listing.text)
    added = web.post(
        "/w/acme/suppliers",
        data={"csrf_token": token, "id": "nieuw", "name": "Nieuw B.V.", "country": "NL"},
    )
    assert added.status_code == 200
    assert "Added nieuw." in added.text
    assert supplier_json(web, demo_ws, "nieuw")["country"] == "NL"
    form = web.get("/w/acme/suppliers/nieuw").text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    changed = web.post(
        "/w/acme/suppliers/nieuw",
        data={
            "csrf_token": token,
            "version": version.group(1),
            "name": "Nieuw Holding B.V.",
            "country": "",
            "ids_kvk": "12345678",
        },
    )
    assert "Saved nieuw." in changed.text
    stored = supplier_json(web, demo_ws, "nieuw")
    assert stored["name"] == "Nieuw Holding B.V."
    assert "country" not in stored  # emptied field: removed
    assert stored["ids"] == {"kvk": "12345678"}
    unconfirmed = web.post(
        "/w/acme/suppliers/nieuw/delete",
        data={"csrf_token": token, "version": str(stored["version"])},
    )
    assert unconfirmed.status_code == 422  # the box "Yes, delete" not ticked
    assert "Nothing was deleted: tick “Yes, delete” to confirm." in html.unescape(unconfirmed.text)
    assert supplier_json(web, demo_ws, "nieuw")["name"] == "Nieuw Holding B.V."
    deleted = web.post(
        "/w/acme/suppliers/nieuw/delete",
        data={"csrf_token": token, "version": str(stored["version"]), "confirm": "yes"},
    )
    assert "Deleted nieuw." in deleted.text
    assert web.get(demo_ws.url("/suppliers/nieuw"), headers=demo_ws.auth()).status_code == 404
    mine = [e for e in audit_items(web, demo_ws) if e["target"] == "supplier/nieuw"]
    assert [e["action"] for e in mine] == ["create", "update", "delete"]
    for entry in mine:
        actor = entry["actor"]
        assert isinstance(actor, dict)
        assert actor["via"] == "session"
        assert actor["email"] == demo_ws.emails["editor"]
        assert actor.get("request_id")


def test_each_dependency_s_link_names_both_its_ends(web: TestClient, demo_ws: Ws) -> None:
    """The dependencies' table links each row from its consumer; a consumer with six
    dependencies gave six links of the same words. Each link's name is its two ends, and no
    two links of the table share a name (what a screen reader's list of links reads)."""
    sign_in(web, demo_ws.emails["viewer"])
    page = re.sub(
        r'<span class="whole">([^<]*)</span>', r"\1", web.get("/w/acme/dependencies").text
    )
    links = re.findall(
        r'<a href="(/w/acme/dependencies/[^"]+)" aria-label="([^"]+)">([^<]+)</a>', page
    )
    assert len(links) == 10
    named = {html.unescape(label): url for url, label, _ in links}
    assert len(named) == 10
    assert named["loonwolk-online → postduif-relay"] == (
        "/w/acme/dependencies/loonwolk-online/postduif-relay"
    )
    assert all(html.unescape(label).startswith(words + " → ") for _, label, words in links)
    suppliers = web.get("/w/acme/suppliers").text  # one id: the words are its name already
    assert re.findall(r'<a href="/w/acme/suppliers/[^"]+"', suppliers)
    assert not re.findall(r'<a href="/w/acme/suppliers/[^"]+" aria-label', suppliers)


def test_a_service_s_kind_is_written_as_the_graph_writes_it(web: TestClient, demo_ws: Ws) -> None:
    """The services' table and the report's scope write a kind as a person reads it (SaaS, a
    managed service), not as the chain file's code alone (saas, managed); in Dutch too."""
    sign_in(web, demo_ws.emails["viewer"])
    table = squash(re.sub(r"<[^>]+>", " ", web.get("/w/acme/services").text))
    assert "wacht-soc WachtPost 24x7 SOC wacht managed service" in table
    assert "loonwolk-online LoonWolk Online loonwolk SaaS" in table
    report = "/w/acme/report/loonwolk-online?at=2026-11-27"
    scope = squash(re.sub(r"<[^>]+>", " ", web.get(report).text))
    assert "Postduif Transactional Mail postduif-relay SaaS Postduif Mail ApS" in scope
    assert "WachtPost 24x7 SOC wacht-soc managed service" in scope
    dutch = squash(re.sub(r"<[^>]+>", " ", web.get(report, headers={"Accept-Language": "nl"}).text))
    assert "WachtPost 24x7 SOC wacht-soc beheerde dienst" in dutch


def test_a_dependency_is_edited_by_its_two_ends(web: TestClient, demo_ws: Ws) -> None:
    """Unticking "relevant" without a reason is refused next to the reason; with one it saves."""
    sign_in(web, demo_ws.emails["editor"])
    url = "/w/acme/dependencies/loonwolk-online/postduif-relay"
    form = web.get(url).text
    token, version = csrf(form), re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    refused = web.post(url, data={"csrf_token": token, "version": version.group(1)})
    assert refused.status_code == 422
    assert "reason" in field_error(refused.text, "reason")
    saved = web.post(
        url,
        data={"csrf_token": token, "version": version.group(1), "reason": "No personal data"},
    )
    assert "Saved loonwolk-online/postduif-relay." in saved.text
    stored = web.get(
        demo_ws.url("/dependencies/loonwolk-online/postduif-relay"), headers=demo_ws.auth()
    ).json()
    assert stored["relevant"] is False and stored["reason"] == "No personal data"
    assert "role" not in stored  # the form sent no role: the field was emptied


def test_a_validation_error_is_shown_next_to_the_field_it_names(
    web: TestClient, demo_ws: Ws
) -> None:
    """Country UK is refused beside the country input, with the hint to GB, and the form keeps
    what was typed; nothing is added."""
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme/suppliers").text)
    answer = web.post(
        "/w/acme/suppliers",
        data={"csrf_token": token, "id": "brits", "name": "Brits Ltd", "country": "UK"},
    )
    assert answer.status_code == 422
    assert "GB" in field_error(answer.text, "country")
    assert 'name="name" value="Brits Ltd"' in answer.text
    assert web.get(demo_ws.url("/suppliers/brits"), headers=demo_ws.auth()).status_code == 404
    missing = web.post("/w/acme/suppliers", data={"csrf_token": token, "id": "x"})
    assert field_error(missing.text, "name")
    broken = web.post(
        "/w/acme/suppliers",
        data={"csrf_token": token, "id": "y", "name": "Y", "other": "{not json"},
    )
    assert field_error(broken.text, "other").startswith("not JSON")


def test_a_stale_version_says_someone_changed_it_and_overwrites_nothing(
    web: TestClient, demo_ws: Ws
) -> None:
    """The form opened at one version, changed meanwhile through the API: the submit shows the
    conflict in words, the other change stands, and the form shows the current values."""
    sign_in(web, demo_ws.emails["editor"])
    form = web.get("/w/acme/suppliers/wacht").text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    meanwhile = web.patch(
        demo_ws.url("/suppliers/wacht"),
        json={"name": "WachtPost Nieuw B.V."},
        headers={**demo_ws.auth("owner"), "If-Match": f'"{version.group(1)}"'},
    )
    assert meanwhile.status_code == 200
    answer = web.post(
        "/w/acme/suppliers/wacht",
        data={"csrf_token": csrf(form), "version": version.group(1), "name": "Mine"},
    )
    assert answer.status_code == 412
    assert "Someone changed this supplier since you opened it" in answer.text
    assert 'value="WachtPost Nieuw B.V."' in answer.text
    assert supplier_json(web, demo_ws, "wacht")["name"] == "WachtPost Nieuw B.V."
    stale_delete = web.post(
        "/w/acme/suppliers/wacht/delete",
        data={"csrf_token": csrf(form), "version": version.group(1), "confirm": "yes"},
    )
    assert stale_delete.status_code == 412
    assert "Nothing was deleted" in stale_delete.text


def test_evidence_takes_a_document_upload_and_links_its_download(
    web: TestClient, demo_ws: Ws
) -> None:
    """A PDF uploaded through the form is listed and downloads with the browser's session;
    an HTML file is refused beside the file input."""
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme/evidence/veilig-zol").text)
    pdf = b"%PDF-1.7\n% the certificate\n"
    answer = web.post(
        "/w/acme/evidence/veilig-zol/document",
        data={"csrf_token": token},
        files={"document": ("zol certificate.pdf", pdf, "application/pdf")},
    )
    assert answer.status_code == 200
    assert "Stored the document of veilig-zol." in answer.text
    link = "/api/v1/workspaces/acme/evidence/veilig-zol/document"
    assert f'href="{link}"' in answer.text and "zol certificate.pdf" in answer.text
    download = web.get(link)
    assert download.status_code == 200 and download.content == pdf
    assert f'href="{link}"' in web.get("/w/acme/evidence").text
    refused = web.post(
        "/w/acme/evidence/veilig-zol/document",
        data={"csrf_token": token},
        files={"document": ("page.html", b"<p>hi</p>", "text/html")},
    )
    assert refused.status_code == 415
    assert "text/html" in field_error(refused.text, "document")
    assert web.get(link).content == pdf


# --- import -------------------------------------------------------------------------------------


def test_import_previews_then_applies_the_same_file(
    web: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """Preview lists what would be added and writes nothing; Apply imports exactly that file."""
    sign_in(web, ws.emails["editor"])
    token = csrf(web.get("/w/acme/import").text)
    preview = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "preview"},
        files={"file": ("demo-chain.yaml", demo_bytes, "application/yaml")},
    )
    assert preview.status_code == 200
    assert "Preview of demo-chain.yaml: nothing is imported yet" in preview.text
    assert "stratus-compute-ams" in preview.text
    assert web.get(ws.url("/suppliers"), headers=ws.auth()).json()["total"] == 0
    carried = re.search(r'name="content" value="([^"]+)"', preview.text)
    assert carried is not None
    applied = web.post(
        "/w/acme/import",
        data={
            "csrf_token": token,
            "mode": "apply",
            "filename": "demo-chain.yaml",
            "content": carried.group(1),
        },
    )
    assert "Imported demo-chain.yaml" in applied.text
    assert web.get(ws.url("/suppliers"), headers=ws.auth()).json()["total"] == 10
    entry = [e for e in audit_items(web, ws) if e["action"] == "import"][-1]
    after = entry["after"]
    assert isinstance(after, dict)
    assert after["sha256"] == hashlib.sha256(demo_bytes).hexdigest()  # byte for byte
    assert entry["actor"] == {
        "via": "session",
        "user_id": entry["actor"]["user_id"],  # type: ignore[index]
        "email": ws.emails["editor"],
        "address": "testclient",
        "request_id": entry["actor"]["request_id"],  # type: ignore[index]
    }


def test_a_file_that_is_not_the_format_chosen_is_refused_in_one_sentence(
    web: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """The chain file imported as CycloneDX: the page says once that it cannot be imported
    as cyclonedx and that nothing was imported, names the file once in that sentence, and
    keeps cyclonedx chosen for the next try."""
    sign_in(web, ws.emails["editor"])
    token = csrf(web.get("/w/acme/import").text)
    answer = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "apply", "format": "cyclonedx"},
        files={"file": ("demo-chain.yaml", demo_bytes, "application/yaml")},
    )
    assert answer.status_code == 422, answer.text
    said = re.search(r'class="message error"[^>]*>\s*([^<]*)<', answer.text)
    assert said is not None, answer.text
    assert html.unescape(said[1]).strip() == (
        "demo-chain.yaml cannot be imported as cyclonedx; nothing was imported."
    )
    assert answer.text.count("nothing was imported") == 1
    assert '<option value="cyclonedx" selected>' in answer.text
    assert web.get(ws.url("/suppliers"), headers=ws.auth()).json()["total"] == 0


def test_a_broken_chain_file_lists_every_error_with_its_place(
    web: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """A file with an unknown supplier: nothing imported, the error named by file, line and
    field path."""
    sign_in(web, ws.emails["editor"])
    token = csrf(web.get("/w/acme/import").text)
    broken = demo_bytes.replace(b"supplier: wacht, kind: managed", b"supplier: awz, kind: managed")
    answer = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "apply"},
        files={"file": ("chain.yaml", broken, "application/yaml")},
    )
    assert answer.status_code in (400, 422)
    assert "nothing was imported" in answer.text
    assert re.search(
        r"<code>chain\.yaml:\d+: services\[4\]\.supplier</code>: [^<]*awz", answer.text
    )
    assert web.get(ws.url("/suppliers"), headers=ws.auth()).json()["total"] == 0
    assert 'href="/api/v1/workspaces/acme/export?format=yaml"' in answer.text


# --- graph and report ---------------------------------------------------------------------------


def test_the_graph_page_checks_at_the_date_asked(web: TestClient, demo_ws: Ws) -> None:
    """The picker's date reaches the check: 3 ok links today, none at 2025-06-01."""
    sign_in(web, demo_ws.emails["viewer"])
    today = web.get("/w/acme/graph/loonwolk-online")
    assert today.status_code == 200
    assert 'value="2026-11-27"' in today.text
    assert "10 links: 4 gap, 2 conditional, 3 ok" in squash(today.text)
    earlier = web.get("/w/acme/graph/loonwolk-online", params={"at": "2025-06-01"}).text
    assert "10 links: 9 gap, 0 conditional, 0 ok" in squash(earlier)
    period = web.get("/w/acme/graph/loonwolk-online", params={"period": "2026-01-01..2026-06-30"})
    assert period.status_code == 200 and '"period":"2026-01-01 to 2026-06-30"' in period.text
    assert web.get("/w/acme/graph/loonwolk-online", params={"at": "2026-02-30"}).status_code == 422
    assert web.get("/w/acme/graph/stratus-postgres").status_code == 404
    assert web.get("/w/acme/graph/loonwolk-online", params={"profile": "nope"}).status_code == 400
    assert web.get("/static/vis/vis-network.min.js").status_code == 200


def test_a_value_the_report_or_graph_cannot_read_leads_back_without_it(
    web: TestClient, demo_ws: Ws
) -> None:
    """A date typed the Dutch way in "Changes since", or a period the wrong way round, answers
    422 saying what is wrong; its link goes back to the same page with the rest of the form
    as it was asked, that field left out (not to the list of workspaces)."""
    sign_in(web, demo_ws.emails["viewer"])
    asked = {
        "/w/acme/report/loonwolk-online": (
            {"at": "2026-11-27", "since": "27-11-2026", "gap_page": "2"},
            "since",
            "/w/acme/report/loonwolk-online?at=2026-11-27",
            "Back to the scoping report, without that value",
        ),
        "/w/acme/graph/loonwolk-online": (
            {"period": "2026-06-30..2026-01-01", "profile": "zeker-online"},
            "period",
            "/w/acme/graph/loonwolk-online?profile=zeker-online",
            "Back to the graph, without that value",
        ),
    }
    for path, (params, field, back, words) in asked.items():
        answer = web.get(path, params=params)
        assert answer.status_code == 422, answer.text
        assert f"'{params[field]}'" in html.unescape(answer.text)  # what was typed, named
        link = re.search(r'<a href="([^"]*)">([^<]*)</a></p>', answer.text)
        assert link is not None, answer.text
        assert (html.unescape(link[1]), link[2]) == (back, words)
        assert web.get(back).status_code == 200


def test_the_report_states_everything_and_its_audit_hash(web: TestClient, demo_ws: Ws) -> None:
    """Offering, date, profile, scope, links by status with reasons, findings, and a
    generated-at line with the register's audit-trail head."""
    sign_in(web, demo_ws.emails["auditor"])
    page = squash(web.get("/w/acme/report/loonwolk-online", params={"at": "2026-11-27"}).text)
    assert "Scoping report: LoonWolk Salarisverwerking" in page
    assert "Evaluated at: 2026-11-27" in page
    assert "<code>zeker-online</code>" in page
    assert "<h2>Scope</h2>" in page and "VeiligOpslag Offsite Backup" in page
    for heading in ("Gaps: links without equivalent certification (4)", "Out of scope (1)"):
        assert heading in page
    assert "No access to systems or data" in page  # the out-of-scope reason
    assert "<h2>Findings</h2>" in page
    head = audit_items(web, demo_ws)[-1]
    assert f'entry {head["seq"]}, hash <code class="hash">{head["hash"]}</code>' in page
    assert "Generated at 2026-11-27T09:00:00+00:00" in page
    assert (
        'href="/w/acme/report/loonwolk-online.xlsx?at=2026-11-27&amp;profile=zeker-online"' in page
    )
    assert '/static/pages.css"' in page and '/static/pages.js"' in page


def test_the_report_downloads_open(web: TestClient, demo_ws: Ws) -> None:
    """Markdown, CSV, XLSX (read back with openpyxl) and the offline graph, as attachments."""
    sign_in(web, demo_ws.emails["viewer"])
    base = "/w/acme/report/loonwolk-online"
    params = {"period": "2026-01-01..2026-06-30"}
    md = web.get(base + ".md", params=params)
    assert md.status_code == 200 and md.text.startswith("# Scoping report: ")
    assert "Audit period: 2026-01-01 to 2026-06-30" in md.text
    assert 'filename="acme-loonwolk-online-scoping.md"' in md.headers["content-disposition"]
    table = web.get(base + ".csv", params=params)
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Rank", "From", "From name"] and len(rows) == 11  # and ten links
    book = load_workbook(io.BytesIO(web.get(base + ".xlsx", params=params).content))
    assert book.sheetnames == ["Links", "Findings", "Evidence", "Check"]
    assert book["Links"].max_row == 11
    offline = web.get(base + ".html")
    assert offline.text.startswith("<!doctype html>")
    assert "attachment" in offline.headers["content-disposition"]


def test_hostile_names_are_escaped_in_every_page_and_report(web: TestClient, demo_ws: Ws) -> None:
    """A supplier, a service, a reason and a document called <img src=x onerror=alert(1)>
    appear escaped on every page and in the Markdown and offline reports, never as a tag."""
    owner = demo_ws.auth("owner")
    for section, body in (
        ("suppliers", {"id": "evil", "name": XSS}),
        ("services", {"id": "evil-svc", "name": XSS, "supplier": "evil", "kind": "saas"}),
        (
            "dependencies",
            {"from": "loonwolk-online", "to": "evil-svc", "relevant": False, "reason": XSS},
        ),
        (
            "dependencies",
            {"from": "stratus-postgres", "to": "evil-svc", "role": XSS},
        ),
    ):
        answer = web.post(demo_ws.url(f"/{section}"), json=body, headers=owner)
        assert answer.status_code == 201, answer.text
    web.put(
        demo_ws.url("/evidence/veilig-zol/document"),
        params={"filename": XSS + ".pdf"},
        content=b"%PDF-1.7",
        headers={**owner, "Content-Type": "application/pdf"},
    )
    sign_in(web, demo_ws.emails["editor"])
    token = csrf(web.get("/w/acme").text)
    bad = web.post("/w/acme/suppliers", data={"csrf_token": token, "id": XSS, "name": XSS})
    urls = [
        "/w/acme",
        "/w/acme/suppliers",
        "/w/acme/suppliers/evil",
        "/w/acme/services",
        "/w/acme/services?q=evil",
        "/w/acme/dependencies",
        "/w/acme/evidence/veilig-zol",
        "/w/acme/graph/loonwolk-online",
        "/w/acme/report/loonwolk-online",
        "/w/acme/report/loonwolk-online.md",
        "/w/acme/report/loonwolk-online.html",
        f"/w/acme/suppliers?q={XSS}",
    ]
    seen = [bad]
    for url in urls:
        answer = web.get(url)
        assert answer.status_code == 200, url
        seen.append(answer)
    for answer in seen:
        assert XSS not in answer.text, answer.url
        assert "<img" not in answer.text.lower(), answer.url
    assert "&lt;img src=x onerror=alert(1)&gt;" in web.get("/w/acme/suppliers").text
    report = web.get("/w/acme/report/loonwolk-online").text
    assert report.count("&lt;img src=x onerror=alert(1)&gt;") >= 3  # supplier, service, reason


def test_the_import_page_reads_every_format_the_service_reads(web: TestClient, ws: Ws) -> None:
    """The page offers the format table's formats, and a CycloneDX SaaSBOM recognised from the
    file is previewed, then applied, as the API would."""
    assert set(pages.IMPORT_FORMATS) == set(registry.names())
    sign_in(web, ws.emails["editor"])
    form = web.get("/w/acme/import").text
    token = csrf(form)
    # each format by its name, not its code
    offered = re.findall(r'<option value="([a-z]+)"[^>]*>([^<]+)</option>', form)
    assert ("chain", "chain file (YAML or JSON)") in offered
    assert ("fedramp", "FedRAMP marketplace data") in offered
    assert [code for code, _ in offered] == list(pages.IMPORT_FORMATS)
    bom = (ROOT / "tests/importers/data/cyclonedx/payroll-1.6.json").read_bytes()
    preview = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "preview", "format": ""},
        files={"file": ("payroll-1.6.json", bom, "application/json")},
    )
    assert preview.status_code == 200, preview.text
    assert "Read as CycloneDX SaaSBOM." in preview.text
    carried = re.search(r'name="content" value="([^"]+)"', preview.text)
    assert carried is not None
    applied = web.post(
        "/w/acme/import",
        data={
            "csrf_token": token,
            "mode": "apply",
            "filename": "payroll-1.6.json",
            "content": carried.group(1),
            "format": "cyclonedx",
        },
    )
    assert "Imported payroll-1.6.json" in applied.text
    assert web.get(ws.url("/services"), headers=ws.auth()).json()["total"] > 0


def test_a_file_of_no_known_format_is_refused_in_one_sentence(web: TestClient, ws: Ws) -> None:
    """A file no importer recognises: the page says so once (it said "bad.yaml: bad.yaml:
    ..." and listed the same sentence again under it), and asks for the format by the page's
    own list, not by an API parameter."""
    sign_in(web, ws.emails["editor"])
    token = csrf(web.get("/w/acme/import").text)
    answer = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "preview", "format": ""},
        files={"file": ("bad.yaml", b"just: [some, yaml]\n", "application/yaml")},
    )
    assert answer.status_code == 422
    text = squash(html.unescape(re.sub(r"<[^>]+>", " ", answer.text)))
    assert "bad.yaml: the format is not recognised" in text
    assert "bad.yaml: bad.yaml" not in text
    assert text.count("the format is not recognised") == 1
    assert "the format parameter" not in text and "the list “Format”" in text


# --- CSRF on every form ---------------------------------------------------------------------------


def test_every_post_form_of_every_template_carries_the_csrf_token() -> None:
    """Each ``<form method="post">`` in the templates sends the session's CSRF token."""
    forms = [
        (template.name, form)
        for template in sorted((ROOT / "app" / "templates").glob("*.html"))
        for form in re.findall(
            r"<form\b[^>]*method=\"post\".*?</form>", template.read_text("utf-8"), re.DOTALL
        )
    ]
    assert len(forms) >= 15  # account, log out, entity forms, upload, import, people, sign-in
    missing = [name for name, form in forms if 'name="csrf_token"' not in form]
    assert missing == []


def test_every_workspace_page_post_without_the_token_is_refused(
    web: TestClient, demo_ws: Ws
) -> None:
    """Every POST route under /w/ answers 403 to a signed-in owner's form without the token,
    and nothing lands in the audit trail."""
    values = {"ws": "acme", "key": "kantoor", "grant_id": "1", "invitation_id": "1"}
    paths = sorted(
        {
            route.path
            for route in (*pages.router.routes, *people_pages.router.routes)
            if isinstance(route, APIRoute) and "POST" in (route.methods or ())
        }
    )
    assert len(paths) >= 10
    sign_in(web, demo_ws.emails["owner"])
    trail = len(audit_items(web, demo_ws))
    for path in paths:
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "kantoor"), path)
        answer = web.post(url, data={"name": "Forged", "version": "1", "role": "owner"})
        assert answer.status_code == 403, url
        assert "the form is stale or forged" in answer.text, url
    assert len(audit_items(web, demo_ws)) == trail


def test_the_markdown_report_carries_the_generated_at_line_and_audit_hash(
    web: TestClient, demo_ws: Ws
) -> None:
    """The Markdown download ends like the page: when it was made and the audit-trail head."""
    sign_in(web, demo_ws.emails["auditor"])
    text = web.get("/w/acme/report/loonwolk-online.md", params={"at": "2026-11-27"}).text
    head = audit_items(web, demo_ws)[-1]
    assert text.rstrip("\n").splitlines()[-1] == (
        "Generated at 2026-11-27T09:00:00+00:00 from workspace `acme`; the register's audit "
        f"trail stood at entry {head['seq']}, hash `{head['hash']}`."
    )


def test_the_workspaces_page_lists_only_the_ones_you_may_reach_with_your_role(
    web: TestClient, ws: Ws, make_workspace: Callable[[str], Ws]
) -> None:
    """A member of acme sees acme with their role, never beta; beta's owner the other way."""
    beta = make_workspace("beta")
    sign_in(web, ws.emails["editor"])
    page = squash(web.get("/workspaces").text)
    assert '<a href="/w/acme">' in page
    assert "<td>editor</td> <td>whole workspace</td>" in page
    assert "/w/beta" not in page
    web.cookies.clear()
    sign_in(web, beta.emails["owner"])
    page = squash(web.get("/workspaces").text)
    assert '<a href="/w/beta">' in page and "<td>owner</td>" in page
    assert "/w/acme" not in page


@pytest.mark.parametrize("scoped", [False, True], ids=["whole", "scoped"])
def test_every_page_reads_the_register_at_most_once(
    web: TestClient, demo_ws: Ws, engine: Engine, monkeypatch: pytest.MonkeyPatch, scoped: bool
) -> None:
    """The overview reads the register once; the graph, the report and its downloads of the
    same version, date and profile read it not at all: they find the register the overview
    judged (ADR 31). The tables and forms of a scoped auditor read it once (the others read
    rows only)."""
    if scoped:
        with Session(engine) as session:
            grant = session.exec(select(Grant)).one()
            grant.offerings = ["loonwolk-online"]
            session.add(grant)
            session.commit()
    reads: list[object] = []
    read = services._register_document  # what register_document and register_chain read by

    def counted(*args: Any, **kwargs: Any) -> tuple[dict[str, Any], bool]:
        reads.append(args)
        return read(*args, **kwargs)

    monkeypatch.setattr(services, "_register_document", counted)
    sign_in(web, demo_ws.emails["auditor"])
    checks = ["/w/acme", "/w/acme/graph/loonwolk-online", "/w/acme/report/loonwolk-online"]
    checks += [f"/w/acme/report/loonwolk-online.{ext}" for ext in ("md", "csv", "xlsx", "html")]
    tables = ["/w/acme/services", "/w/acme/services/stratus-postgres", "/w/acme/evidence"]
    for url in (*checks, *tables):
        reads.clear()
        assert web.get(url).status_code == 200, url
        first = url == checks[0]
        assert len(reads) == (1 if first or (scoped and url not in checks) else 0), url
