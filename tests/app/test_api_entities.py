"""CRUD of the register's entities, with ETags and optimistic locking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import services
from tests.app.conftest import Ws

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Case:
    section: str
    path: str
    body: dict[str, Any]
    change: dict[str, Any]
    filter: tuple[str, str]


CASES = [
    Case(
        "suppliers",
        "nieuw",
        {"id": "nieuw", "name": "Nieuw B.V.", "country": "NL"},
        {"name": "Nieuw Holding B.V."},
        ("country", "DK"),
    ),
    Case(
        "services",
        "nieuw-api",
        {"id": "nieuw-api", "name": "Nieuw API", "supplier": "loonwolk", "kind": "paas"},
        {"name": "Nieuw API v2"},
        ("kind", "iaas"),
    ),
    Case(
        "dependencies",
        "loonwolk-online/sleutel-hsm",
        {"from": "loonwolk-online", "to": "sleutel-hsm", "role": "signing"},
        {"role": "payslip signing"},
        ("from", "stratus-compute-ams"),
    ),
    Case(
        "evidence",
        "sleutel-decl",
        {
            "id": "sleutel-decl",
            "scheme": "self-declaration",
            "holder": "sleutel",
            "covers": ["sleutel-hsm"],
            "issued": "2026-01-01",
        },
        {"scope": "HSM operations"},
        ("scheme", "iso27001"),
    ),
    Case(
        "profiles",
        "strict-buyer",
        {"id": "strict-buyer", "extends": "zeker-online", "min_period_months": 9},
        {"max_age_months": 12},
        ("extends", "zeker-online"),
    ),
]
IDS = [c.section for c in CASES]


def _url(ws: Ws, case: Case) -> str:
    return ws.url(f"/{case.section}/{case.path}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_create_answers_201_with_an_etag(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """Creating an entity answers 201, the entity with revision 1 and ETag "1"."""
    answer = client.post(
        demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth("editor")
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["etag"] == '"1"'
    assert answer.json()["revision"] == 1
    assert {k: answer.json()[k] for k in case.body} == case.body


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_get_answers_the_entity_with_an_etag(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """Reading an entity answers it with its version as ETag."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    answer = client.get(_url(demo_ws, case), headers=demo_ws.auth("viewer"))
    assert answer.status_code == 200
    assert answer.headers["etag"] == '"1"'
    assert {k: answer.json()[k] for k in case.body} == case.body


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_get_of_an_unknown_id_is_404(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """An id the register does not have answers 404 problem details."""
    answer = client.get(_url(demo_ws, case), headers=demo_ws.auth("viewer"))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_patch_with_if_match_changes_and_counts_the_version(
    client: TestClient, demo_ws: Ws, case: Case
) -> None:
    """PATCH with the current ETag answers 200 with the change and version 2."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    answer = client.patch(
        _url(demo_ws, case), json=case.change, headers={**demo_ws.auth("editor"), "If-Match": '"1"'}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == '"2"'
    assert answer.json()["revision"] == 2
    stored = client.get(_url(demo_ws, case), headers=demo_ws.auth()).json()
    assert {k: stored[k] for k in case.change} == case.change


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_concurrent_patches_keep_the_first_and_refuse_the_second(
    client: TestClient, demo_ws: Ws, case: Case
) -> None:
    """Two clients that read the same version both PATCH: one 200, the other 412, and the first
    change stays."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    etag = client.get(_url(demo_ws, case), headers=demo_ws.auth()).headers["etag"]
    first = client.patch(
        _url(demo_ws, case), json=case.change, headers={**demo_ws.auth("editor"), "If-Match": etag}
    )
    other = {k: "ignored" if isinstance(v, str) else 99 for k, v in case.change.items()}
    second = client.patch(
        _url(demo_ws, case), json=other, headers={**demo_ws.auth("owner"), "If-Match": etag}
    )
    assert first.status_code == 200
    assert second.status_code == 412
    assert second.headers["content-type"] == PROBLEM
    stored = client.get(_url(demo_ws, case), headers=demo_ws.auth()).json()
    assert {k: stored[k] for k in case.change} == case.change
    assert stored["revision"] == 2


def test_evidence_keeps_its_schemes_version_through_the_api(
    client: TestClient, demo_ws: Ws
) -> None:
    """A piece of evidence's `version` is the chain format's field (the scheme's version): the
    API stores, answers and exports it, and the check uses it (ISO/IEC 27001:2013 certificates
    are withdrawn after 2025-10-31); the row's count is `revision`."""
    body = {
        "id": "dijk-iso-2013",
        "scheme": "iso27001",
        "version": "ISO/IEC 27001:2013",
        "holder": "dijk-dc",
        "covers": ["dijk-ams1"],
        "issued": "2024-06-01",
        "valid_until": "2027-05-31",
        "accreditation": {"body": "RvA", "iaf_mla": True},
    }
    made = client.post(demo_ws.url("/evidence"), json=body, headers=demo_ws.auth())
    assert made.status_code == 201, made.text
    assert (made.json()["version"], made.json()["revision"]) == ("ISO/IEC 27001:2013", 1)
    url = demo_ws.url("/evidence/dijk-iso-2013")
    changed = client.patch(
        url,
        json={"version": "ISO/IEC 27001:2013 with 27017"},
        headers={**demo_ws.auth(), "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    read = client.get(url, headers=demo_ws.auth()).json()
    assert (read["version"], read["revision"]) == ("ISO/IEC 27001:2013 with 27017", 2)
    assert (
        "ISO/IEC 27001:2013 with 27017"
        in client.get(demo_ws.url("/export"), headers=demo_ws.auth()).text
    )


def test_other_entities_still_answer_version_as_their_revision(
    client: TestClient, demo_ws: Ws
) -> None:
    """Outside evidence, `version` repeats `revision`, as clients written before it expect."""
    read = client.get(demo_ws.url("/suppliers/stratus"), headers=demo_ws.auth()).json()
    assert read["version"] == read["revision"] == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_patch_without_if_match_is_428(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """A PATCH that does not say which version it read answers 428 and changes nothing."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    answer = client.patch(_url(demo_ws, case), json=case.change, headers=demo_ws.auth())
    assert answer.status_code == 428
    assert client.get(_url(demo_ws, case), headers=demo_ws.auth()).json()["revision"] == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_delete_with_a_stale_etag_is_412(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """DELETE with an ETag that is no longer current answers 412 and keeps the entity."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    client.patch(
        _url(demo_ws, case), json=case.change, headers={**demo_ws.auth(), "If-Match": '"1"'}
    )
    answer = client.delete(_url(demo_ws, case), headers={**demo_ws.auth(), "If-Match": '"1"'})
    assert answer.status_code == 412
    assert client.get(_url(demo_ws, case), headers=demo_ws.auth()).status_code == 200


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_delete_with_the_current_etag_removes(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """DELETE with the current ETag answers 204 and the entity is gone."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    answer = client.delete(_url(demo_ws, case), headers={**demo_ws.auth(), "If-Match": '"1"'})
    assert answer.status_code == 204
    assert client.get(_url(demo_ws, case), headers=demo_ws.auth()).status_code == 404


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_delete_without_if_match_is_428(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """A DELETE that does not say which version it read answers 428."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    assert client.delete(_url(demo_ws, case), headers=demo_ws.auth()).status_code == 428


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_list_filters_and_counts(client: TestClient, demo_ws: Ws, case: Case) -> None:
    """A filter keeps the matching entities, and total counts them all."""
    client.post(demo_ws.url(f"/{case.section}"), json=case.body, headers=demo_ws.auth())
    field, value = case.filter
    answer = client.get(
        demo_ws.url(f"/{case.section}"), params={field: value}, headers=demo_ws.auth("viewer")
    )
    assert answer.status_code == 200
    page = answer.json()
    assert page["total"] >= 1
    assert page["total"] == len(page["items"])
    assert all(item[field] == value for item in page["items"])
    everything = client.get(demo_ws.url(f"/{case.section}"), headers=demo_ws.auth()).json()
    assert page["total"] <= everything["total"]


def test_list_pages_with_limit_and_offset(client: TestClient, demo_ws: Ws) -> None:
    """limit and offset cut a page in register order; total counts every supplier."""
    answer = client.get(
        demo_ws.url("/suppliers?limit=3&offset=2"), headers=demo_ws.auth("viewer")
    ).json()
    assert answer["total"] == 10
    assert answer["limit"] == 3
    assert answer["offset"] == 2
    assert [s["id"] for s in answer["items"]] == ["stratus-group", "dijk-dc", "wacht"]


def test_list_filters_offerings(client: TestClient, demo_ws: Ws) -> None:
    """offering=true lists the offerings only."""
    answer = client.get(demo_ws.url("/services?offering=true"), headers=demo_ws.auth()).json()
    assert [s["id"] for s in answer["items"]] == ["loonwolk-online"]
    assert answer["items"][0]["offering"] is True


def test_list_searches_ids_and_names(client: TestClient, demo_ws: Ws) -> None:
    """q matches part of an id or a name, ignoring case."""
    answer = client.get(demo_ws.url("/suppliers?q=STRATUS"), headers=demo_ws.auth()).json()
    assert {s["id"] for s in answer["items"]} == {"stratus", "stratus-group"}


@pytest.mark.parametrize(("q", "found"), [("%", set()), ("_", set()), ("stratus_", set())])
def test_q_takes_percent_and_underscore_as_themselves(
    client: TestClient, demo_ws: Ws, q: str, found: set[str]
) -> None:
    """`%` and `_` in q are the characters themselves, not LIKE's wildcards (no demo supplier
    has either in its id or name)."""
    answer = client.get(demo_ws.url("/suppliers"), params={"q": q}, headers=demo_ws.auth())
    assert {s["id"] for s in answer.json()["items"]} == found


def test_q_finds_an_underscore_that_is_there(client: TestClient, demo_ws: Ws) -> None:
    """A name that holds `100%_sure` is found by exactly that text."""
    body = {"id": "sure", "name": "100%_sure B.V."}
    assert client.post(demo_ws.url("/suppliers"), json=body, headers=demo_ws.auth()).is_success
    answer = client.get(demo_ws.url("/suppliers"), params={"q": "0%_s"}, headers=demo_ws.auth())
    assert [s["id"] for s in answer.json()["items"]] == ["sure"]


def test_list_refuses_a_limit_out_of_range(client: TestClient, demo_ws: Ws) -> None:
    """limit=0 is a 422 naming the query parameter."""
    answer = client.get(demo_ws.url("/suppliers?limit=0"), headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["location"] == "query.limit"


def test_deleting_a_referenced_supplier_is_409(client: TestClient, demo_ws: Ws) -> None:
    """A supplier still named by services cannot go: 409 listing every reference."""
    answer = client.delete(
        demo_ws.url("/suppliers/stratus"), headers={**demo_ws.auth(), "If-Match": '"1"'}
    )
    assert answer.status_code == 409
    assert answer.headers["content-type"] == PROBLEM
    locations = {e["location"] for e in answer.json()["errors"]}
    assert {"services[1].supplier", "services[2].supplier"} <= locations
    # the sentence names what still names it, as a person reads it
    assert answer.json()["detail"] == (
        "supplier 'stratus' is still named by service stratus-compute-ams (supplier), "
        "service stratus-postgres (supplier), evidence stratus-soc2-2026 (holder), "
        "evidence stratus-isae3402-pg (holder); change or delete those first"
    )
    assert client.get(demo_ws.url("/suppliers/stratus"), headers=demo_ws.auth()).status_code == 200


def test_an_invalid_entity_is_422_with_field_locations(client: TestClient, demo_ws: Ws) -> None:
    """An entity breaking the chain format answers 422 naming each bad field."""
    body = {
        "id": "bad",
        "name": "Bad",
        "supplier": "nobody",
        "kind": "mainframe",
        "locations": ["nl"],
    }
    answer = client.post(demo_ws.url("/services"), json=body, headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    locations = {e["location"] for e in answer.json()["errors"]}
    assert {"supplier", "kind", "locations[0]"} <= locations
    assert client.get(demo_ws.url("/services/bad"), headers=demo_ws.auth()).status_code == 404


def test_an_entity_with_a_bad_id_still_has_what_it_names_checked(
    client: TestClient, demo_ws: Ws
) -> None:
    """ "Every error is listed": a supplier with an id the format refuses, a country code that
    does not exist and a parent that is not in the register gets all three at once, not the
    parent's after the id is put right."""
    body = {"id": "Bad Id", "name": "X", "country": "XX", "parent": "nope"}
    answer = client.post(demo_ws.url("/suppliers"), json=body, headers=demo_ws.auth())
    assert answer.status_code == 422
    errors = {e["location"]: e["message"] for e in answer.json()["errors"]}
    assert sorted(errors) == ["country", "id", "parent"]
    assert errors["parent"] == "unknown supplier 'nope'"


def test_an_entity_without_its_id_is_422(client: TestClient, demo_ws: Ws) -> None:
    """A supplier without an id names the missing field."""
    answer = client.post(demo_ws.url("/suppliers"), json={"name": "X"}, headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"location": "id", "message": "required"}]


def test_a_duplicate_id_is_409(client: TestClient, demo_ws: Ws) -> None:
    """Creating an entity with an id the register has answers 409."""
    body = {"id": "stratus", "name": "Again"}
    assert (
        client.post(demo_ws.url("/suppliers"), json=body, headers=demo_ws.auth()).status_code == 409
    )


def test_patch_cannot_change_the_id(client: TestClient, demo_ws: Ws) -> None:
    """The id in the body must be the id in the path."""
    answer = client.patch(
        demo_ws.url("/suppliers/stratus"),
        json={"id": "other"},
        headers={**demo_ws.auth(), "If-Match": '"1"'},
    )
    assert answer.status_code == 422


def test_patch_with_null_removes_a_field(client: TestClient, demo_ws: Ws) -> None:
    """A field set to null in a PATCH is removed from the entity."""
    answer = client.patch(
        demo_ws.url("/suppliers/stratus"),
        json={"parent": None},
        headers={**demo_ws.auth(), "If-Match": '"1"'},
    )
    assert answer.status_code == 200
    assert "parent" not in answer.json()


def _check_links(client: TestClient, ws: Ws) -> set[tuple[str, str]]:
    result = client.get(ws.url("/check?at=2026-11-27"), headers=ws.auth()).json()
    return {(link["from"], link["to"]) for link in result["links"]}


def test_a_service_created_as_offering_is_checked(client: TestClient, demo_ws: Ws) -> None:
    """offering: true on a new service makes it an offering: check starts from it."""
    service = {
        "id": "loonwolk-app",
        "name": "LoonWolk App",
        "supplier": "loonwolk",
        "kind": "saas",
        "offering": True,
    }
    answer = client.post(demo_ws.url("/services"), json=service, headers=demo_ws.auth())
    assert answer.status_code == 201
    assert answer.json()["offering"] is True
    link = {"from": "loonwolk-app", "to": "postduif-relay"}
    assert client.post(demo_ws.url("/dependencies"), json=link, headers=demo_ws.auth()).is_success
    result = client.get(demo_ws.url("/check?at=2026-11-27"), headers=demo_ws.auth()).json()
    assert result["offerings"] == ["loonwolk-online", "loonwolk-app"]
    assert ("loonwolk-app", "postduif-relay") in _check_links(client, demo_ws)


def test_patching_offering_true_makes_a_service_an_offering(
    client: TestClient, demo_ws: Ws
) -> None:
    """PATCH offering: true on an existing service adds it to the offerings."""
    answer = client.patch(
        demo_ws.url("/services/wacht-soc"),
        json={"offering": True},
        headers={**demo_ws.auth(), "If-Match": '"1"'},
    )
    assert answer.status_code == 200
    assert answer.json()["offering"] is True
    result = client.get(demo_ws.url("/check?at=2026-11-27"), headers=demo_ws.auth()).json()
    assert result["offerings"] == ["loonwolk-online", "wacht-soc"]


def test_offering_must_be_a_boolean(client: TestClient, demo_ws: Ws) -> None:
    """offering: "yes" is a 422 naming the field."""
    service = {"id": "x", "name": "X", "supplier": "loonwolk", "kind": "saas", "offering": "yes"}
    answer = client.post(demo_ws.url("/services"), json=service, headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["location"] == "offering"


def test_x_keys_survive_an_entity_round_trip(client: TestClient, demo_ws: Ws) -> None:
    """x- keys of an entity are kept and exported."""
    body = {"id": "nieuw", "name": "Nieuw", "x-crm": {"account": 42}}
    assert client.post(demo_ws.url("/suppliers"), json=body, headers=demo_ws.auth()).is_success
    assert client.get(demo_ws.url("/suppliers/nieuw"), headers=demo_ws.auth()).json()["x-crm"] == {
        "account": 42
    }
    assert b"x-crm" in client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content


# --- a register without offerings, and concurrent creation ------------------------------------


def test_an_invalid_entity_in_an_empty_workspace_is_422(client: TestClient, ws: Ws) -> None:
    """Validation does not depend on the register having an offering yet: a bad entity in an
    empty workspace is 422 with its field locations."""
    body = {"id": "svc", "name": "S", "supplier": "ghost", "kind": "mainframe"}
    answer = client.post(ws.url("/services"), json=body, headers=ws.auth())
    assert answer.status_code == 422, answer.text
    locations = {e["location"] for e in answer.json()["errors"]}
    assert {"supplier", "kind"} <= locations


def test_a_register_without_offerings_still_refuses_breaking_deletes(
    client: TestClient, demo_ws: Ws
) -> None:
    """After the last offering is unmarked, deleting a supplier still in use is still 409, so
    the register never holds dangling references."""
    auth = demo_ws.auth()
    etag = client.get(demo_ws.url("/services/loonwolk-online"), headers=auth).headers["etag"]
    unmarked = client.patch(
        demo_ws.url("/services/loonwolk-online"),
        json={"offering": False},
        headers={**auth, "If-Match": etag},
    )
    assert unmarked.status_code == 200
    answer = client.delete(demo_ws.url("/suppliers/stratus"), headers={**auth, "If-Match": '"1"'})
    assert answer.status_code == 409, answer.text


def test_a_create_racing_another_is_409_not_500(
    make_client: Callable[..., TestClient], demo_ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When another worker commits the same new id after this request checked and read the
    register but before it commits, the loser answers 409, not 500."""
    client = make_client(raise_server_exceptions=False)
    body = {"id": "nieuw", "name": "Nieuw B.V."}
    assert client.post(demo_ws.url("/suppliers"), json=body, headers=demo_ws.auth()).is_success
    read = services.register_document

    def read_before_the_other_commit(*args: Any, **kwargs: Any) -> dict[str, Any]:
        document = read(*args, **kwargs)
        document["suppliers"] = [s for s in document["suppliers"] if s["id"] != "nieuw"]
        return document

    monkeypatch.setattr(services.repo, "one", lambda *_args, **_kw: None)
    monkeypatch.setattr(services, "register_document", read_before_the_other_commit)
    answer = client.post(demo_ws.url("/suppliers"), json=body, headers=demo_ws.auth())
    assert answer.status_code == 409, answer.text
