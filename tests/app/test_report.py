"""The scoping report page and its Markdown download name what an auditor signs: the basis of
every link, the carve-out where it bites, and in audit period mode every piece considered."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.app.conftest import Ws
from tests.app.test_pages import fixed_clock, sign_in, squash

EXAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "examples" / "kinderopvang.yaml"
REPORT = "/w/acme/report/kidsplan-online"
CARVE_OUT = (
    "Carved out of Polder Compute Amsterdam's report polder-isae3402-2026; needs its own evidence."
)


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the pages on plain HTTP (the session cookie is sent), at a fixed time."""
    client = make_client(plain_http_localhost=True)
    assert isinstance(client.app, FastAPI)
    fixed_clock(client.app, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    return client


@pytest.fixture
def kids(web: TestClient, ws: Ws) -> Ws:
    """Workspace ``acme`` with ../shared/examples/kinderopvang.yaml imported."""
    if not EXAMPLE.is_file():
        pytest.skip(f"../shared/examples is not here: {EXAMPLE} does not exist")
    answer = web.post(ws.url("/import"), content=EXAMPLE.read_bytes(), headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    return ws


def rows(page: str) -> dict[str, str]:
    """The links tables' rows by ``consumer -> provider``, as text without tags."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        link = re.search(r"<code>([^<]+)</code> → <code>([^<]+)</code>", row)
        if link:
            inline = re.sub(r"</?span[^>]*>", "", row)  # a date or an id kept on one line
            text = html.unescape(re.sub(r"<[^>]+>", " ", inline))
            found[f"{link.group(1)} -> {link.group(2)}"] = squash(text)
    return found


def test_the_page_names_the_basis_of_every_ok_link_and_the_carve_out(
    web: TestClient, kids: Ws
) -> None:
    """Both ok links show evidence, scheme, period or validity, opinion and issuer; the
    colocation row, and no other, says it is carved out of polder's report."""
    sign_in(web, kids.emails["auditor"])
    page = rows(web.get(REPORT, params={"at": "2026-11-27"}).text)
    assert len(page) == 7
    polder = page["kidsplan-online -> polder-iaas-ams"]
    for part in (
        "polder-isae3402-2026 : ISAE 3402 report, type 2, held by Polder Hosting B.V.",
        "period 2025-07-01 to 2026-06-30",
        "unqualified opinion, reasonable assurance",
        "by Voorbeeld IT-Audit B.V. (RE)",
        "sighted; no document on record",
    ):
        assert part in polder
    kluis = page["polder-iaas-ams -> kluis-backup"]
    assert "kluis-zol : Zeker-OnLine keurmerk" in kluis
    assert "valid 2026-02-01 to 2027-01-31" in kluis and "issuer not on record" in kluis
    for link, text in page.items():
        assert (CARVE_OUT in text) is (link == "polder-iaas-ams -> noord-ams2"), link


def test_the_period_page_keeps_every_piece_considered(web: TestClient, kids: Ws) -> None:
    """Over 2026, evidence that does not count stays on the page with its verdict and reasons."""
    sign_in(web, kids.emails["viewer"])
    page = rows(web.get(REPORT, params={"period": "2026-01-01..2026-12-31"}).text)
    mail = page["kidsplan-online -> nimbus-mail"]
    assert "nimbus-soc2-2026 NOT_EQUIVALENT : SOC 2 report, type 2" in mail
    assert "scope-location : SOC 2 report nimbus-soc2-2026 covers Nimbus Mail Relay" in mail
    colocation = page["polder-iaas-ams -> noord-ams2"]
    assert "noord-iso27001 SUPPORTING_ONLY : ISO/IEC 27001 certificate" in colocation
    assert "management-system-only" in colocation and CARVE_OUT in colocation
    patch = page["kidsplan-online -> patchwerk-pm"]
    assert "patchwerk-soc2-type1 NOT_EQUIVALENT" in patch and "type1 :" in patch


def test_a_stored_document_is_on_record_in_the_page_and_the_markdown(
    web: TestClient, kids: Ws
) -> None:
    """Once polder's report is uploaded, the page links it, and the page, the Markdown and the
    CSV say it is on record."""
    answer = web.put(
        kids.url("/evidence/polder-isae3402-2026/document"),
        params={"filename": "polder.pdf"},
        content=b"%PDF-1.4 report",
        headers={**kids.auth("editor"), "Content-Type": "application/pdf"},
    )
    assert answer.status_code == 201, answer.text
    sign_in(web, kids.emails["auditor"])
    page = web.get(REPORT, params={"at": "2026-11-27"}).text
    assert (
        '<a href="/api/v1/workspaces/acme/evidence/polder-isae3402-2026/document">'
        "<code>polder-isae3402-2026</code></a>" in page
    )
    assert "sighted; document on record" in rows(page)["kidsplan-online -> polder-iaas-ams"]
    text = web.get(REPORT + ".md", params={"at": "2026-11-27"}).text
    line = next(x for x in text.splitlines() if "`kidsplan-online` → `polder-iaas-ams`" in x)
    assert "sighted; document on record" in line
    kluis = next(x for x in text.splitlines() if "`polder-iaas-ams` → `kluis-backup`" in x)
    assert "no document on record" in kluis
    assert CARVE_OUT in text
    worksheet = web.get(REPORT + ".csv", params={"at": "2026-11-27"}).text
    assert "counts until 2027-06-30" in worksheet and "sighted; document on record" in worksheet
    assert "carved out of Polder Compute Amsterdam's report polder-isae3402-2026" in worksheet


def test_the_page_downloads_the_checks_own_json_for_its_moment_and_profile(
    web: TestClient, kids: Ws
) -> None:
    """Beside Markdown, CSV and XLSX, the report links the contract's JSON document: what the
    API and `ketenkaart check --format json` give for the same offering, moment and
    profile, saved under a name that says what it is."""
    sign_in(web, kids.emails["viewer"])
    page = web.get(REPORT, params={"period": "2026-01-01..2026-06-30", "profile": "zeker-online"})
    assert page.status_code == 200, page.text
    found = re.search(r'<a href="([^"]+)" download="kidsplan-online-check.json">JSON', page.text)
    assert found is not None
    document = web.get(html.unescape(found.group(1)))
    assert document.status_code == 200, document.text
    body = document.json()
    assert body["offerings"] == ["kidsplan-online"]
    assert (body["profile"], body["at"]) == ("zeker-online", None)
    assert body["period"] == {"from": "2026-01-01", "to": "2026-06-30"}
