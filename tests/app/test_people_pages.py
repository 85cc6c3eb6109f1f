"""The people page of a workspace, through the test client: owners manage members, auditors'
grants and invitations; everyone else is turned away; forms need their CSRF token; every
change lands in the audit trail; names stay text."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import accounts, services
from tests.app.conftest import PASSWORD, Ws, make_user

DAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PEOPLE = "/w/acme/people"


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the service over https, its clock on 27 November 2026."""
    client = make_client()
    app = client.app
    assert isinstance(app, FastAPI)
    app.state.clock = lambda: DAY
    return client


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def sign_in(client: TestClient, email: str) -> None:
    token = csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def owner_page(client: TestClient, ws: Ws) -> str:
    """Sign in as the owner; the people page's HTML."""
    sign_in(client, ws.emails["owner"])
    page = client.get(PEOPLE)
    assert page.status_code == 200, page.text
    html: str = page.text
    return html


def squash(html: str) -> str:
    """The page's text: tags gone, entities read, white space made one space."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def field_error(html: str, name: str) -> str:
    """The error text shown right after the input or select named ``name``."""
    found = re.search(
        rf'<(?:input|select)[^>]*name="{name}"[^>]*aria-invalid="true"'
        rf'[^>]*>.*?<span class="field-error" id="error-{name}"[^>]*>([^<]*)</span>',
        html,
        re.DOTALL,
    )
    assert found is not None, f"no error shown next to {name}"
    return unescape(found.group(1))


def members(client: TestClient, ws: Ws) -> dict[str, str]:
    answer = client.get(ws.url("/members"), headers=ws.auth("owner"))
    assert answer.status_code == 200, answer.text
    return {m["email"]: m["role"] for m in answer.json()}


def trail(client: TestClient, ws: Ws) -> list[dict[str, object]]:
    answer = client.get(ws.url("/audit?limit=1000"), headers=ws.auth("owner"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def by_owner_session(items: list[dict[str, object]], ws: Ws, action: str) -> list[object]:
    """The targets of the trail's ``action`` entries made by the owner's browser session."""
    return [
        e["target"]
        for e in items
        if e["action"] == action
        and isinstance(e["actor"], dict)
        and e["actor"].get("via") == "session"
        and e["actor"].get("email") == ws.emails["owner"]
    ]


def auditor_token(engine: Engine, email: str) -> dict[str, str]:
    """A new account ``email`` with an auditor's token of ``acme``; its header."""
    user_id = make_user(engine, email)
    with Session(engine) as session:
        token = services.create_token(
            session, slug="acme", role="auditor", expires=None, user_id=user_id
        )
    return {"Authorization": f"Bearer {token}"}


# --- access -----------------------------------------------------------------------------------


def test_not_signed_in_leads_to_sign_in_and_back(web: TestClient, ws: Ws) -> None:
    """Without a session the page leads to the sign-in form, which leads back to it."""
    answer = web.get(PEOPLE, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fw%2Facme%2Fpeople"


@pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
def test_anyone_but_an_owner_gets_403_on_get_and_post(web: TestClient, ws: Ws, role: str) -> None:
    """A non-owner sees no People link, a 403 page, and a forged form changes nothing."""
    sign_in(web, ws.emails[role])
    overview = web.get("/w/acme")
    assert ">People<" not in overview.text
    answer = web.get(PEOPLE)
    assert answer.status_code == 403
    assert f"you are {role}" in answer.text
    before = members(web, ws)
    forged = web.post(
        f"{PEOPLE}/members",
        data={"csrf_token": csrf(overview.text), "member_email": ws.emails[role]},
    )
    assert forged.status_code == 403
    promoted = web.post(
        f"{PEOPLE}/members/role",
        data={"csrf_token": csrf(overview.text), "email": ws.emails[role], "role": "owner"},
    )
    assert promoted.status_code == 403
    assert members(web, ws) == before


def test_a_stranger_gets_the_404_page(
    web: TestClient, ws: Ws, make_workspace: Callable[[str], Ws]
) -> None:
    """The owner of another workspace sees the same 404 page as for no workspace at all."""
    other = make_workspace("other")
    sign_in(web, other.emails["owner"])
    answer = web.get(PEOPLE)
    assert answer.status_code == 404
    assert "no workspace &#39;acme&#39;" in answer.text


def test_the_owner_sees_the_people_link(web: TestClient, ws: Ws) -> None:
    """The workspace navigation shows an owner the People page."""
    sign_in(web, ws.emails["owner"])
    assert f'href="{PEOPLE}"' in web.get("/w/acme").text


def test_a_post_without_the_csrf_token_changes_nothing(
    web: TestClient, ws: Ws, engine: Engine
) -> None:
    """Missing or wrong token: 403 page, no member, no grant, nothing in the trail."""
    make_user(engine, "new@example.nl")
    owner_page(web, ws)
    before, entries = members(web, ws), len(trail(web, ws))
    for extra in ({}, {"csrf_token": "guess"}):
        for url, data in (
            ("/members", {"member_email": "new@example.nl", "member_role": "editor"}),
            ("/members/remove", {"email": ws.emails["editor"]}),
            ("/grants", {"grant_email": "new@example.nl", "grant_starts": "2026-11-01"}),
            ("/invitations", {"invite_email": "x@example.nl", "invite_role": "viewer"}),
        ):
            answer = web.post(f"{PEOPLE}{url}", data=data | extra)
            assert answer.status_code == 403
            assert "the form is stale or forged" in answer.text
    assert members(web, ws) == before
    assert len(trail(web, ws)) == entries


# --- members ----------------------------------------------------------------------------------


def test_an_owner_adds_changes_and_removes_a_member(
    web: TestClient, ws: Ws, engine: Engine, make_client: Callable[..., TestClient]
) -> None:
    """Add, change the role, remove: the member's own /me follows, the trail names the owner."""
    make_user(engine, "Kim@Example.nl", "Kim")
    token = csrf(owner_page(web, ws))
    added = web.post(
        f"{PEOPLE}/members",
        data={"csrf_token": token, "member_email": "Kim@Example.nl", "member_role": "viewer"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    shown = web.get(added.headers["location"])
    assert "Added kim@example.nl as viewer." in squash(shown.text)
    assert "kim@example.nl Kim" in squash(shown.text)

    kim = make_client()
    kim.app.state.clock = lambda: DAY  # type: ignore[attr-defined]
    sign_in(kim, "kim@example.nl")

    def roles_of_kim() -> dict[str, str]:
        me = kim.get("/api/v1/me").json()
        return {w["slug"]: w["role"] for w in me["workspaces"]}

    assert roles_of_kim() == {"acme": "viewer"}

    changed = web.post(
        f"{PEOPLE}/members/role",
        data={"csrf_token": token, "email": "kim@example.nl", "role": "editor"},
    )
    assert changed.status_code == 200
    assert "kim@example.nl is now editor." in squash(changed.text)
    assert roles_of_kim() == {"acme": "editor"}

    removed = web.post(
        f"{PEOPLE}/members/remove", data={"csrf_token": token, "email": "kim@example.nl"}
    )
    assert removed.status_code == 200
    assert "Removed kim@example.nl from the workspace." in squash(removed.text)
    assert roles_of_kim() == {}
    assert "kim@example.nl" not in members(web, ws)

    items = trail(web, ws)
    assert by_owner_session(items, ws, "member.set") == ["member/kim@example.nl"] * 2
    assert by_owner_session(items, ws, "member.remove") == ["member/kim@example.nl"]


def test_an_unknown_address_is_told_to_invite_next_to_the_field(web: TestClient, ws: Ws) -> None:
    """Adding an address without an account says so next to the e-mail input, keeping it."""
    token = csrf(owner_page(web, ws))
    answer = web.post(
        f"{PEOPLE}/members",
        data={"csrf_token": token, "member_email": "nobody@example.nl", "member_role": "editor"},
    )
    assert answer.status_code == 404
    assert field_error(answer.text, "member_email") == (
        "no account for nobody@example.nl; invite them instead"
    )
    assert 'value="nobody@example.nl"' in answer.text
    assert "nobody@example.nl" not in members(web, ws)


def test_the_last_owner_can_be_neither_removed_nor_demoted(web: TestClient, ws: Ws) -> None:
    """The workspace keeps an owner: the refusal is shown in words, nothing changes."""
    token = csrf(owner_page(web, ws))
    before = members(web, ws)
    for url, data in (
        ("/members/remove", {"email": ws.emails["owner"]}),
        ("/members/role", {"email": ws.emails["owner"], "role": "viewer"}),
    ):
        answer = web.post(f"{PEOPLE}{url}", data={"csrf_token": token, **data})
        assert answer.status_code == 409
        assert (
            f"{ws.emails['owner']}: a workspace keeps at least one owner; "
            "make someone else owner first"
        ) in squash(answer.text)
    assert members(web, ws) == before


def test_an_owner_who_steps_down_leaves_the_page(web: TestClient, ws: Ws) -> None:
    """With a second owner, demoting oneself works and leads to the overview, not a 403."""
    token = csrf(owner_page(web, ws))
    web.post(
        f"{PEOPLE}/members/role",
        data={"csrf_token": token, "email": ws.emails["editor"], "role": "owner"},
    )
    answer = web.post(
        f"{PEOPLE}/members/role",
        data={"csrf_token": token, "email": ws.emails["owner"], "role": "editor"},
    )
    assert answer.status_code == 200
    assert str(answer.url).endswith("/w/acme?done=updated&key=your+role%3A+editor")
    me = web.get("/api/v1/me").json()
    assert [w["role"] for w in me["workspaces"]] == ["editor"]
    assert web.get(PEOPLE).status_code == 403


def test_a_hostile_display_name_stays_text(web: TestClient, ws: Ws, engine: Engine) -> None:
    """A display name like a script tag is shown escaped in the members table."""
    make_user(engine, "mallory@example.nl", "<script>alert(1)</script>")
    token = csrf(owner_page(web, ws))
    answer = web.post(
        f"{PEOPLE}/members",
        data={"csrf_token": token, "member_email": "mallory@example.nl", "member_role": "viewer"},
    )
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


# --- grants -----------------------------------------------------------------------------------


def test_a_grant_from_the_page_lets_the_auditor_read_until_revoked(
    web: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """Grant one offering for a running engagement: a token made under it reads it, one made
    before the grant does not (a grant never revives an older token); revoked, it cannot."""
    older = auditor_token(engine, "eva@audit.example")
    assert web.get(demo_ws.url("/services"), headers=older).status_code == 404
    token = csrf(owner_page(web, demo_ws))
    assert 'value="loonwolk-online"' in web.get(PEOPLE).text  # the register's offering
    answer = web.post(
        f"{PEOPLE}/grants",
        data={
            "csrf_token": token,
            "grant_email": "eva@audit.example",
            "grant_offerings": "loonwolk-online",
            "grant_starts": "2026-11-01",
            "grant_ends": "2026-12-31",
        },
    )
    assert answer.status_code == 200
    text = squash(answer.text)
    assert "Granted eva@audit.example read access." in text
    assert "eva eva@audit.example loonwolk-online 2026-11-01 2026-12-31 running Revoke" in text
    assert web.get(demo_ws.url("/services"), headers=older).status_code == 404
    with Session(engine) as session:
        user = accounts.user_by_email(session, "eva@audit.example")
        assert user is not None
        made = services.create_token(
            session, slug="acme", role="auditor", expires=None, user_id=user.id
        )
    header = {"Authorization": f"Bearer {made}"}
    reading = web.get(demo_ws.url("/services"), headers=header)
    assert reading.status_code == 200, reading.text

    row = re.search(  # the revoke button in eva's row
        r"<tr[^>]*>(?:(?!</tr>).)*eva@audit\.example(?:(?!</tr>).)*grants/(\d+)/revoke",
        answer.text,
        re.DOTALL,
    )
    assert row is not None
    grant_id = row.group(1)
    revoked = web.post(f"{PEOPLE}/grants/{grant_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 200
    assert "Revoked the read access of eva@audit.example." in squash(revoked.text)
    assert "eva eva@audit.example loonwolk-online 2026-11-01 2026-12-31 revoked" in squash(
        revoked.text
    )
    assert web.get(demo_ws.url("/services"), headers=header).status_code == 404
    items = trail(web, demo_ws)
    assert by_owner_session(items, demo_ws, "grant.create") == [f"grant/{grant_id}"]
    assert by_owner_session(items, demo_ws, "grant.revoke") == [f"grant/{grant_id}"]


def test_grant_errors_are_shown_next_to_their_fields(
    web: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """A missing first day and a last day before it are named at their inputs; nothing is
    granted and the ticked offering stays ticked."""
    make_user(engine, "eva@audit.example")
    token = csrf(owner_page(web, demo_ws))
    form = {
        "csrf_token": token,
        "grant_email": "eva@audit.example",
        "grant_offerings": "loonwolk-online",
    }
    missing = web.post(f"{PEOPLE}/grants", data=form | {"grant_ends": "2026-12-31"})
    assert missing.status_code == 422
    assert field_error(missing.text, "grant_starts") == "required: a date YYYY-MM-DD"
    backwards = web.post(
        f"{PEOPLE}/grants",
        data=form | {"grant_starts": "2026-12-31", "grant_ends": "2026-01-01"},
    )
    assert backwards.status_code == 422
    assert field_error(backwards.text, "grant_ends") == "the engagement ends before it starts"
    assert re.search(r'value="loonwolk-online" checked', backwards.text)
    assert "No engagements." not in backwards.text  # the fixture's auditor's grant
    answer = web.get(demo_ws.url("/grants"), headers=demo_ws.auth("owner"))
    assert [g["email"] for g in answer.json()] == [demo_ws.emails["auditor"]]


def test_the_grants_table_states_each_engagement_on_today(web: TestClient, ws: Ws) -> None:
    """The fixture's grant to the whole workspace runs on today's date."""
    text = squash(owner_page(web, ws))
    assert "State on 2026-11-27" in text
    assert f"{ws.emails['auditor']} whole workspace 2000-01-01 2999-12-31 running" in text


# --- invitations ------------------------------------------------------------------------------


def test_an_invitation_link_is_shown_once_and_accepting_it_works(
    web: TestClient, demo_ws: Ws, make_client: Callable[..., TestClient]
) -> None:
    """The link is in the answer (a week, once), not on the page afterwards; the invited
    person follows it, joins as auditor of the offering and a second use is refused."""
    token = csrf(owner_page(web, demo_ws))
    answer = web.post(
        f"{PEOPLE}/invitations",
        data={
            "csrf_token": token,
            "invite_email": "New.Auditor@Example.nl",
            "invite_role": "auditor",
            "invite_offerings": "loonwolk-online",
            "invite_starts": "2026-11-01",
            "invite_ends": "2027-01-31",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    text = squash(answer.text)
    assert "Invited new.auditor@example.nl as auditor." in text
    assert "It works once, for 7 days (until 2026-12-04)." in text
    link = re.search(r'value="(https://testserver/invite/[^"]+)"', answer.text)
    assert link is not None
    assert link.group(1) not in web.get(PEOPLE).text

    guest = make_client()
    guest.app.state.clock = lambda: DAY  # type: ignore[attr-defined]
    path = link.group(1).removeprefix("https://testserver")
    form = guest.get(path)
    assert form.status_code == 200
    assert "You are invited as auditor" in squash(form.text)
    accepted = guest.post(
        path,
        data={"display_name": "Nieuw", "password": PASSWORD, "csrf_token": csrf(form.text)},
    )
    assert accepted.status_code == 200
    assert "Your access is ready" in accepted.text
    sign_in(guest, "new.auditor@example.nl")
    me = guest.get("/api/v1/me").json()
    assert me["workspaces"] == [
        {"slug": "acme", "name": "acme", "role": "auditor", "scope": ["loonwolk-online"]}
    ]
    assert guest.get(path).status_code == 404
    items = trail(web, demo_ws)
    assert by_owner_session(items, demo_ws, "invitation.create") == [
        "invitation/new.auditor@example.nl"
    ]


def test_an_auditors_invitation_needs_its_dates(web: TestClient, ws: Ws) -> None:
    """Without a first day the invitation is refused next to the date, and no link is made."""
    token = csrf(owner_page(web, ws))
    answer = web.post(
        f"{PEOPLE}/invitations",
        data={"csrf_token": token, "invite_email": "a@example.nl", "invite_role": "auditor"},
    )
    assert answer.status_code == 422
    assert field_error(answer.text, "invite_starts") == "required: a date YYYY-MM-DD"
    assert "/invite/" not in answer.text
    assert 'value="a@example.nl"' in answer.text


def test_a_member_invitation_ignores_the_engagement_fields(web: TestClient, ws: Ws) -> None:
    """An editor's invitation needs only the address and role."""
    token = csrf(owner_page(web, ws))
    answer = web.post(
        f"{PEOPLE}/invitations",
        data={"csrf_token": token, "invite_email": "ed@example.nl", "invite_role": "editor"},
    )
    assert answer.status_code == 200
    assert "Invited ed@example.nl as editor." in squash(answer.text)
