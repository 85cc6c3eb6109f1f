"""Every route of the API, with every role and with a stranger: the route-by-role matrix.

Each route under ``/workspaces/{ws}`` declares the roles it lets in (``app.deps``: Reader,
Writer, Owner, AuditReader). The matrix walks the OpenAPI document, so a route added without a
declaration, or with a parameter this test does not know, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import yaml
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import accounts, membership, services
from app.audit import COMMAND_LINE
from tests.app.conftest import PASSWORD, Ws, make_user
from tests.app.test_notify import seed_rule
from tests.app.test_publishing import seed_subscription

PROBLEM = "application/problem+json"
ROLES = ("viewer", "editor", "owner", "auditor")
METHODS = ("get", "post", "put", "patch", "delete")
TARGET = "target@alpha.example"


def declared_roles(client: TestClient) -> dict[tuple[str, str], tuple[str, ...]]:
    """The roles each workspace route declares, read from its dependencies."""

    def find(dependant: Any) -> tuple[str, ...] | None:
        for sub in dependant.dependencies:
            roles = getattr(sub.call, "roles", None)
            if roles is not None:
                return tuple(roles)
            found = find(sub)
            if found is not None:
                return found
        return None

    def api_routes(routes: list[Any]) -> list[APIRoute]:
        found: list[APIRoute] = []
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):  # FastAPI keeps included routers whole
                found.extend(api_routes(route.original_router.routes))
        return found

    declared = {}
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        # the API's routes; the browser pages (not in the OpenAPI document) check their roles
        # in tests/app/test_pages.py
        if "{ws}" in route.path and route.include_in_schema:
            roles = find(route.dependant)
            assert roles is not None, f"{route.path} declares no role"
            for method in route.methods:
                declared[(method.lower(), "/api/v1" + route.path)] = roles
    return declared


def _seed(client: TestClient, engine: Engine, a: Ws, demo_bytes: bytes) -> dict[str, str]:
    chain = demo_bytes + b"profiles: [{id: strict-buyer, extends: zeker-online}]\n"
    assert client.post(a.url("/import"), content=chain, headers=a.auth("owner")).is_success
    document = client.put(
        a.url("/evidence/stratus-soc2-2026/document?filename=soc2.pdf"),
        content=b"%PDF-1.7 report",
        headers={**a.auth("owner"), "Content-Type": "application/pdf"},
    )
    assert document.is_success, document.text
    make_user(engine, TARGET)
    with Session(engine) as session:
        workspace = services.workspace_for(session, a.slug)
        membership.set_member(
            session, workspace=workspace, email=TARGET, role="viewer", actor=COMMAND_LINE
        )
        grant = membership.create_grant(
            session,
            workspace=workspace,
            email=TARGET,
            offerings=[],
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            actor=COMMAND_LINE,
        )
        _, invitation = membership.invite(
            session,
            workspace=workspace,
            email="invited@example.nl",
            role="viewer",
            now=datetime.now(UTC),
            actor=COMMAND_LINE,
        )
    subscription = seed_subscription(engine, a.slug)
    return {
        "grant_id": str(grant["id"]),
        "invitation_id": str(invitation["id"]),
        "subscription_id": str(subscription),
        "rule_id": str(seed_rule(engine, a.slug)),
    }


def _values(a: Ws, extra: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        "suppliers": {"key": "stratus"},
        "services": {"key": "stratus-postgres"},
        "dependencies": {"frm": "loonwolk-online", "to": "wacht-soc"},
        "evidence": {"key": "stratus-soc2-2026"},
        "profiles": {"key": "strict-buyer"},
        "members": {"email": TARGET},
        "grants": {"grant_id": extra["grant_id"]},
        "invitations": {"invitation_id": extra["invitation_id"]},
        "subscriptions": {"subscription_id": extra["subscription_id"]},
        "notification-rules": {"rule_id": extra["rule_id"]},
        "": {"ws": a.slug},
    }


def _fill(path: str, values: dict[str, dict[str, str]]) -> str:
    filled, collection = [], ""
    for part in path.strip("/").split("/"):
        match = re.fullmatch(r"\{(\w+)\}", part)
        if match is None:
            filled.append(part)
            collection = part if part in values else collection
            continue
        name = match.group(1)
        if name == "ws":
            filled.append(values[""]["ws"])
            continue
        assert name in values.get(collection, {}), f"unknown path parameter {name} in {path}"
        filled.append(values[collection][name])
    return "/" + "/".join(filled)


def _call(client: TestClient, method: str, url: str, auth: dict[str, str]) -> Any:
    # A stale If-Match: an allowed caller gets as far as the version check (412), and nothing
    # of the seeded register is changed by the walk.
    headers = {**auth, "If-Match": '"999"', "Content-Type": "application/json"}
    if method in ("post", "put", "patch"):
        return client.request(method, url, content=b"{}", headers=headers)
    return client.request(method, url, headers=headers)


def test_every_workspace_route_answers_every_role_as_it_declares(
    client: TestClient, engine: Engine, make_workspace: Callable[[str], Ws], demo_bytes: bytes
) -> None:
    """For every method of every {ws} route: a member of another workspace gets 404 whatever
    its role; a caller without the declared role gets 403; one with it gets past the check
    (neither 401, 403 nor 404); and the register is unchanged by the walk."""
    a, b = make_workspace("alpha"), make_workspace("beta")
    values = _values(a, _seed(client, engine, a, demo_bytes))
    declared = declared_roles(client)
    spec = client.get("/openapi.json").json()
    routes = [
        (method, path)
        for path, operations in spec["paths"].items()
        if "{ws}" in path
        for method in operations
        if method in METHODS
    ]
    assert len(routes) > 25, routes
    before = client.get(a.url("/export"), headers=a.auth("owner")).content
    checked = 0
    for method, path in routes:
        url = _fill(path, values)
        allowed = declared[(method, path)]
        for role in ROLES:
            stranger = _call(client, method, url, b.auth(role))
            assert stranger.status_code == 404, (method, url, "stranger", role, stranger.text)
            assert stranger.headers["content-type"] == PROBLEM
            answer = _call(client, method, url, a.auth(role))
            if role in allowed:
                assert answer.status_code not in (401, 403, 404), (method, url, role, answer.text)
            else:
                assert answer.status_code == 403, (method, url, role, answer.text)
            checked += 1
    assert checked == len(routes) * len(ROLES)
    assert client.get(a.url("/export"), headers=a.auth("owner")).content == before


def test_the_roles_are_as_the_issue_says(client: TestClient) -> None:
    """Owners manage members and grants, editors change the register, auditors and owners
    read the audit trail, everyone with access reads the register."""
    declared = declared_roles(client)
    base = "/api/v1/workspaces/{ws}"
    assert declared[("get", base + "/suppliers")] == ("viewer", "editor", "owner", "auditor")
    assert declared[("post", base + "/suppliers")] == ("editor", "owner")
    assert declared[("post", base + "/import")] == ("editor", "owner")
    assert declared[("put", base + "/members/{email}")] == ("owner",)
    assert declared[("post", base + "/grants")] == ("owner",)
    assert declared[("get", base + "/audit")] == ("owner", "auditor")


def test_every_other_route_needs_a_signed_in_user_or_is_public(client: TestClient) -> None:
    """Outside the workspaces, only health and readiness answer without a caller."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        if "{ws}" in path:
            continue
        for method in operations:
            answer = client.request(method, path)
            if path in ("/healthz", "/readyz"):
                assert answer.status_code in (200, 503), path
            else:
                assert answer.status_code == 401, (method, path, answer.text)


# --- auditors' engagements ------------------------------------------------------------------------


def _auditor(engine: Engine, slug: str, email: str, **grant: Any) -> str:
    make_user(engine, email)
    with Session(engine) as session:
        workspace = services.workspace_for(session, slug)
        user = accounts.user_by_email(session, email)
        assert user is not None
        membership.create_grant(
            session, workspace=workspace, email=email, actor=COMMAND_LINE, **grant
        )
        return services.create_token(
            session, slug=slug, role="auditor", expires=None, user_id=user.id
        )


def test_an_expired_grant_ends_by_itself(client: TestClient, engine: Engine, demo_ws: Ws) -> None:
    """An auditor whose engagement ended yesterday sees nothing: 404, as a stranger."""
    today = date.today()  # noqa: DTZ011 - grants run by calendar day
    token = _auditor(
        engine,
        demo_ws.slug,
        "late@auditor.example",
        offerings=[],
        starts=today - timedelta(days=30),
        ends=today - timedelta(days=1),
    )
    answer = client.get(demo_ws.url("/suppliers"), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404


def test_a_grant_that_has_not_started_gives_nothing(
    client: TestClient, engine: Engine, demo_ws: Ws
) -> None:
    """An engagement starting tomorrow does not open the workspace today."""
    today = date.today()  # noqa: DTZ011
    token = _auditor(
        engine,
        demo_ws.slug,
        "early@auditor.example",
        offerings=[],
        starts=today + timedelta(days=1),
        ends=today + timedelta(days=30),
    )
    answer = client.get(demo_ws.url("/suppliers"), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404


def test_the_clock_ends_a_grant(client: TestClient, engine: Engine, demo_ws: Ws) -> None:
    """The same token works on the last day and stops the day after."""
    token = _auditor(
        engine,
        demo_ws.slug,
        "clock@auditor.example",
        offerings=[],
        starts=date(2026, 1, 1),
        ends=date(2026, 6, 30),
    )
    auth = {"Authorization": f"Bearer {token}"}
    client.app.state.clock = lambda: datetime(2026, 6, 30, 23, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert client.get(demo_ws.url("/suppliers"), headers=auth).status_code == 200
    client.app.state.clock = lambda: datetime(2026, 7, 1, 0, 30, tzinfo=UTC)  # type: ignore[attr-defined]
    assert client.get(demo_ws.url("/suppliers"), headers=auth).status_code == 404


@pytest.fixture
def scoped(client: TestClient, engine: Engine, demo_ws: Ws) -> dict[str, str]:
    """An auditor whose grant covers the demo's offering, beside a second offering that shares
    one of its providers."""
    editor = demo_ws.auth("editor")
    for section, body in (
        ("suppliers", {"id": "tweede-bv", "name": "Tweede B.V."}),
        (
            "services",
            {
                "id": "tweede",
                "name": "Tweede",
                "supplier": "tweede-bv",
                "kind": "saas",
                "offering": True,
            },
        ),
        ("dependencies", {"from": "tweede", "to": "stratus-postgres"}),
    ):
        made = client.post(demo_ws.url(f"/{section}"), json=body, headers=editor)
        assert made.status_code == 201, made.text
    offerings = [
        s["id"]
        for s in client.get(
            demo_ws.url("/services?offering=true"), headers=demo_ws.auth("owner")
        ).json()["items"]
    ]
    assert len(offerings) >= 2, offerings
    token = _auditor(
        engine,
        demo_ws.slug,
        "scoped@auditor.example",
        offerings=[offerings[0]],
        starts=date(2000, 1, 1),
        ends=date(2999, 12, 31),
    )
    return {"Authorization": f"Bearer {token}", "offering": offerings[0], "other": offerings[1]}


def test_a_scoped_auditor_sees_the_offering_and_what_lies_under_it(
    client: TestClient, demo_ws: Ws, scoped: dict[str, str]
) -> None:
    """The export of a scoped auditor holds the granted offering only, and the check of that
    offering gives the same links as the owner's check of it."""
    auth = {"Authorization": scoped["Authorization"]}
    part = yaml.safe_load(client.get(demo_ws.url("/export"), headers=auth).content)
    assert part["offerings"] == [scoped["offering"]]
    own = client.get(
        demo_ws.url(f"/check?at=2026-11-27&offering={scoped['offering']}"),
        headers=demo_ws.auth("owner"),
    ).json()
    theirs = client.get(demo_ws.url("/check?at=2026-11-27"), headers=auth).json()
    assert theirs["links"] == own["links"]
    visible = {s["id"] for s in part["services"]}
    assert scoped["other"] not in visible
    listing = client.get(demo_ws.url("/services?limit=1000"), headers=auth).json()
    assert {s["id"] for s in listing["items"]} == visible
    assert listing["total"] == len(visible)


def test_a_scoped_auditor_cannot_read_outside_the_scope(
    client: TestClient, demo_ws: Ws, scoped: dict[str, str]
) -> None:
    """The other offering, read directly by id, is 404 for the scoped auditor."""
    auth = {"Authorization": scoped["Authorization"]}
    assert client.get(demo_ws.url(f"/services/{scoped['other']}"), headers=auth).status_code == 404
    assert client.get(demo_ws.url(f"/services/{scoped['offering']}"), headers=auth).is_success


def _cover_outside(client: TestClient, ws: Ws) -> None:
    """Evidence inside the scope that also covers a service only the other offering uses."""
    editor = ws.auth("editor")
    made = client.post(
        ws.url("/services"),
        json={"id": "tweede-db", "name": "Tweede DB", "supplier": "stratus", "kind": "paas"},
        headers=editor,
    )
    assert made.status_code == 201, made.text
    link = client.post(
        ws.url("/dependencies"), json={"from": "tweede", "to": "tweede-db"}, headers=editor
    )
    assert link.status_code == 201, link.text
    evidence = client.get(ws.url("/evidence/stratus-isae3402-pg"), headers=editor)
    changed = client.patch(
        ws.url("/evidence/stratus-isae3402-pg"),
        json={"covers": ["stratus-postgres", "tweede-db"]},
        headers={**editor, "If-Match": evidence.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text


def test_a_scoped_auditor_sees_evidence_cut_to_the_scope(
    client: TestClient, make_client: Callable[..., TestClient], demo_ws: Ws, scoped: dict[str, str]
) -> None:
    """Evidence that also covers a service outside the scope names only the services inside it,
    in the API's list and item and in the browser's table and page, as in the export."""
    _cover_outside(client, demo_ws)
    auth = {"Authorization": scoped["Authorization"]}
    listing = client.get(demo_ws.url("/evidence?limit=1000"), headers=auth).json()["items"]
    piece = next(e for e in listing if e["id"] == "stratus-isae3402-pg")
    assert piece["covers"] == ["stratus-postgres"]
    one = client.get(demo_ws.url("/evidence/stratus-isae3402-pg"), headers=auth).json()
    assert one["covers"] == ["stratus-postgres"]
    owner = client.get(demo_ws.url("/evidence/stratus-isae3402-pg"), headers=demo_ws.auth())
    assert owner.json()["covers"] == ["stratus-postgres", "tweede-db"]
    browser = make_client()
    page = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    signed = browser.post(
        "/login",
        data={"email": "scoped@auditor.example", "password": PASSWORD, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    for path in ("/w/acme/evidence", "/w/acme/evidence/stratus-isae3402-pg"):
        shown = browser.get(path)
        assert shown.status_code == 200, shown.text
        assert "stratus-postgres" in shown.text
        assert "tweede-db" not in shown.text, path


def test_a_scoped_auditor_cannot_read_the_whole_workspace_trail(
    client: TestClient, demo_ws: Ws, scoped: dict[str, str]
) -> None:
    """The trail holds every value of the whole workspace: an auditor scoped to chosen
    offerings gets 403 on its entries and export, and may still verify it; an auditor of the
    whole workspace reads it."""
    auth = {"Authorization": scoped["Authorization"]}
    for tail in ("/audit", "/audit/export", "/audit/export?format=csv"):
        answer = client.get(demo_ws.url(tail), headers=auth)
        assert answer.status_code == 403, tail
        assert "tweede" not in answer.text
    assert client.get(demo_ws.url("/audit/verify"), headers=auth).json()["ok"] is True
    assert client.get(demo_ws.url("/audit"), headers=demo_ws.auth("auditor")).status_code == 200


def test_a_scoped_auditor_sees_neither_the_workspaces_x_keys_nor_anothers_title(
    client: TestClient, demo_ws: Ws, scoped: dict[str, str]
) -> None:
    """Top-level `x-` keys speak of the whole register (here a note about the other offering),
    and another offering's title is not the scope's: neither reaches a scoped auditor. The
    `x-` keys of an entity the auditor may see stay with it."""
    other = (
        "ketenkaart: 1\ntitle: Tweede - internal review\n"
        "x-internal-note: Tweede's owner may leave; keep this from the auditors\n"
        f"offerings: [{scoped['other']}]\n"
        "suppliers: [{id: tweede-bv, name: Tweede B.V.}]\n"
        "services: [{id: tweede, name: Tweede, supplier: tweede-bv, kind: saas}]\n"
    )
    owner = demo_ws.auth("owner")
    answer = client.post(demo_ws.url("/import?format=chain"), content=other, headers=owner)
    assert answer.status_code == 200, answer.text
    patched = client.patch(
        demo_ws.url("/suppliers/stratus"),
        json={"x-account-manager": "Ria"},
        headers={**owner, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert "x-internal-note" in client.get(demo_ws.url("/export"), headers=owner).text
    auth = {"Authorization": scoped["Authorization"]}
    seen = client.get(demo_ws.url("/export"), headers=auth)
    assert seen.status_code == 200
    assert "x-internal-note" not in seen.text
    assert "Tweede - internal review" not in seen.text
    part = yaml.safe_load(seen.content)
    (stratus,) = [s for s in part["suppliers"] if s["id"] == "stratus"]
    assert stratus.get("x-account-manager") == "Ria"


def test_a_scoped_auditors_filtered_list_stays_in_the_scope(
    client: TestClient, demo_ws: Ws, scoped: dict[str, str]
) -> None:
    """The evidence filters made from the schema (issuer, issuer_qualification) select for an
    owner exactly the pieces with that value, and for a scoped auditor only those of them
    that lie in its scope."""
    auth = {"Authorization": scoped["Authorization"]}
    owner = demo_ws.auth("owner")
    other = client.get(demo_ws.url(f"/services/{scoped['other']}"), headers=owner).json()
    outside = {
        "id": "outside-declaration",
        "scheme": "self-declaration",
        "holder": other["supplier"],
        "covers": [other["id"]],
        "issuer": "Voorbeeld Assurance N.V.",
        "issuer_qualification": "re",
    }
    made = client.post(demo_ws.url("/evidence"), json=outside, headers=owner)
    assert made.status_code == 201, made.text
    every = client.get(demo_ws.url("/evidence?limit=1000"), headers=owner).json()["items"]
    visible = {
        e["id"]
        for e in client.get(demo_ws.url("/evidence?limit=1000"), headers=auth).json()["items"]
    }
    assert visible < {e["id"] for e in every}  # the scope leaves some out
    for key, value in (("issuer_qualification", "re"), ("issuer", "Voorbeeld Assurance N.V.")):
        wanted = {e["id"] for e in every if e.get(key) == value}
        assert wanted, (key, value)
        found = client.get(demo_ws.url("/evidence"), params={key: value}, headers=owner).json()
        assert {e["id"] for e in found["items"]} == wanted
        theirs = client.get(demo_ws.url("/evidence"), params={key: value}, headers=auth).json()
        assert {e["id"] for e in theirs["items"]} == wanted & visible
        assert theirs["total"] == len(wanted & visible)


def test_a_scoped_auditor_never_gets_an_answer_kept_for_the_whole_register(
    client: TestClient, demo_ws: Ws, scoped: dict[str, str]
) -> None:
    """Checks are kept per register version and shared between callers (ADR 31): the owner's
    check of the whole register, asked first, is never the scoped auditor's answer, nor the
    other way round."""
    callers = {
        "owner": demo_ws.auth("owner"),
        "auditor": {"Authorization": scoped["Authorization"]},
    }
    url = demo_ws.url("/check?at=2026-11-27")
    for order in (("owner", "auditor"), ("auditor", "owner")):
        answers = {who: client.get(url, headers=callers[who]).json() for who in order}
        assert answers["auditor"]["offerings"] == [scoped["offering"]]
        seen = {x for link in answers["auditor"]["links"] for x in (link["from"], link["to"])}
        assert scoped["other"] not in seen
        assert scoped["other"] in {link["from"] for link in answers["owner"]["links"]}


def _signed_in(app: Any, email: str) -> TestClient:
    """A browser of ``app`` (sharing its kept answers) signed in as ``email``."""
    browser = TestClient(app, base_url="https://testserver")
    form = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    data = {"email": email, "password": PASSWORD, "csrf_token": token[1]}
    assert browser.post("/login", data=data, follow_redirects=False).status_code == 303
    return browser


def _judged_outside(client: TestClient, ws: Ws, scoped: dict[str, str]) -> None:
    """A supplier with a service under each offering, and a certificate that lists only the
    one outside the scope: the link into the one inside is judged by it, in a sentence that
    counts the services it lists (one in the whole register, none in the scope)."""
    editor = ws.auth("editor")
    for section, body in (
        ("suppliers", {"id": "solo-bv", "name": "Solo B.V."}),
        ("services", {"id": "solo", "name": "Solo", "supplier": "solo-bv", "kind": "paas"}),
        ("services", {"id": "solo-out", "name": "Solo Out", "supplier": "solo-bv", "kind": "paas"}),
        ("dependencies", {"from": scoped["offering"], "to": "solo"}),
        ("dependencies", {"from": scoped["other"], "to": "solo-out"}),
        (
            "evidence",
            {
                "id": "solo-iso",
                "scheme": "iso27001",
                "version": "ISO/IEC 27001:2022",
                "holder": "solo-bv",
                "covers": ["solo-out"],
                "issued": "2026-01-01",
                "valid_until": "2028-12-31",
                "accreditation": {"body": "RvA", "iaf_mla": True},
            },
        ),
    ):
        made = client.post(ws.url(f"/{section}"), json=body, headers=editor)
        assert made.status_code == 201, made.text


WHOLE = "solo-iso does not list Solo (solo): its scope names 1 other service"


@pytest.mark.parametrize("page", ["graph", "report"])
def test_a_scoped_auditor_never_gets_a_page_made_from_the_whole_register(
    make_client: Callable[..., TestClient], demo_ws: Ws, scoped: dict[str, str], page: str
) -> None:
    """The register is judged once per version and shared by the check and the pages (ADR
    31): the owner's page of the offering, asked first, is judged from the whole register (a
    certificate there lists a service outside the scope); the scoped auditor's page of the
    same offering, at the same version, is judged from its part alone, and the other way
    round."""
    app = make_client().app
    _judged_outside(make_client(), demo_ws, scoped)
    browsers = {
        "owner": _signed_in(app, demo_ws.emails["owner"]),
        "auditor": _signed_in(app, "scoped@auditor.example"),
    }
    url = f"/w/{demo_ws.slug}/{page}/{scoped['offering']}?at=2026-11-27"
    for order in (("owner", "auditor"), ("auditor", "owner")):
        answers = {who: browsers[who].get(url) for who in order}
        assert [answers[who].status_code for who in order] == [200, 200]
        seen = {who: re.sub(r"</?span[^>]*>", "", answers[who].text) for who in order}
        assert WHOLE in seen["owner"]  # the page's text, its ids and dates kept whole taken away
        assert WHOLE not in seen["auditor"], order
        assert "solo-out" not in answers["auditor"].text
    assert app.state.flights["judged"].kept == 2  # one whole, one scoped: judged apart
