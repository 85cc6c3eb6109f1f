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

from app import accounts, membership, repository, services
from app.audit import Actor
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
    """The error text shown right after the input or select named ``name`` (a date or an id
    in it kept whole by a span of its own, read as its text)."""
    html = re.sub(r'<span class="whole">([^<]*)</span>', r"\1", html)
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
        f"{PEOPLE}/invitations",
        data={
            "csrf_token": csrf(overview.text),
            "invite_email": "friend@example.nl",
            "invite_role": "owner",
        },
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
    """Missing or wrong token: 403 page, no member, no invitation, nothing in the trail."""
    owner_page(web, ws)
    before, entries = members(web, ws), len(trail(web, ws))
    for extra in ({}, {"csrf_token": "guess"}):
        for url, data in (
            ("/members/role", {"email": ws.emails["editor"], "role": "owner"}),
            ("/members/remove", {"email": ws.emails["editor"]}),
            ("/invitations", {"invite_email": "x@example.nl", "invite_role": "viewer"}),
            ("/grants/1/revoke", {}),
        ):
            answer = web.post(f"{PEOPLE}{url}", data=data | extra)
            assert answer.status_code == 403
            assert "the form is stale or forged" in answer.text
    assert members(web, ws) == before
    assert len(trail(web, ws)) == entries


# --- members ----------------------------------------------------------------------------------


def invite(web: TestClient, email: str, role: str, **engagement: str) -> str:
    """The owner's invitation of ``email`` as ``role`` from the page; the link's path."""
    token = csrf(web.get(PEOPLE).text)
    fields = {f"invite_{key}": value for key, value in engagement.items()}
    answer = web.post(
        f"{PEOPLE}/invitations",
        data={"csrf_token": token, "invite_email": email, "invite_role": role, **fields},
    )
    assert answer.status_code == 200, answer.text
    link = re.search(r'value="https://testserver(/invite/[^"]+)"', answer.text)
    assert link is not None, answer.text
    return link.group(1)


def accept(client: TestClient, path: str, name: str = "Kim") -> None:
    """Follow an invitation's link and accept it with the fixtures' password."""
    form = client.get(path)
    assert form.status_code == 200, form.text
    accepted = client.post(
        path, data={"display_name": name, "password": PASSWORD, "csrf_token": csrf(form.text)}
    )
    assert accepted.status_code == 200, accepted.text
    assert "Your access is ready" in accepted.text


def test_an_invited_account_joins_when_it_accepts_then_changes_and_leaves(
    web: TestClient, ws: Ws, engine: Engine, make_client: Callable[..., TestClient]
) -> None:
    """An existing account invited as viewer is no member until it accepts with its own
    password; then the owner changes its role and removes it, and /me follows each step."""
    make_user(engine, "Kim@Example.nl", "Kim")
    owner_page(web, ws)
    path = invite(web, "Kim@Example.nl", "viewer")
    page = squash(web.get(PEOPLE).text)
    assert "kim@example.nl viewer" in page  # waiting, in the invitations table
    assert "kim@example.nl" not in members(web, ws)

    kim = make_client()
    kim.app.state.clock = lambda: DAY  # type: ignore[attr-defined]
    sign_in(kim, "kim@example.nl")

    def roles_of_kim() -> dict[str, str]:
        me = kim.get("/api/v1/me").json()
        return {w["slug"]: w["role"] for w in me["workspaces"]}

    assert roles_of_kim() == {}
    accept(kim, path)
    assert roles_of_kim() == {"acme": "viewer"}
    assert "No open invitations." in web.get(PEOPLE).text

    token = csrf(web.get(PEOPLE).text)
    changed = web.post(
        f"{PEOPLE}/members/role",
        data={"csrf_token": token, "email": "kim@example.nl", "role": "editor"},
    )
    assert changed.status_code == 200
    assert "kim@example.nl is now editor." in squash(changed.text)
    assert roles_of_kim() == {"acme": "editor"}

    # one click removes nobody: the box must be ticked
    unconfirmed = web.post(
        f"{PEOPLE}/members/remove", data={"csrf_token": token, "email": "kim@example.nl"}
    )
    assert unconfirmed.status_code == 422
    assert "Nobody was removed: tick “Yes, remove” to confirm." in squash(unconfirmed.text)
    assert roles_of_kim() == {"acme": "editor"}
    removed = web.post(
        f"{PEOPLE}/members/remove",
        data={"csrf_token": token, "email": "kim@example.nl", "confirm": "yes"},
    )
    assert removed.status_code == 200
    assert "Removed kim@example.nl from the workspace." in squash(removed.text)
    assert roles_of_kim() == {}
    assert "kim@example.nl" not in members(web, ws)

    items = trail(web, ws)
    assert by_owner_session(items, ws, "invitation.create") == ["invitation/kim@example.nl"]
    assert by_owner_session(items, ws, "member.set") == ["member/kim@example.nl"]
    assert by_owner_session(items, ws, "member.remove") == ["member/kim@example.nl"]
    joined = [
        e["actor"]
        for e in items
        if e["action"] == "member.set"
        and e["target"] == "member/kim@example.nl"
        and e["before"] is None
    ]
    assert len(joined) == 1
    assert isinstance(joined[0], dict)
    assert joined[0]["email"] == "kim@example.nl"  # kim herself, not the owner


def test_the_page_adds_nobody_without_an_invitation(
    web: TestClient, ws: Ws, engine: Engine
) -> None:
    """There is no form that makes an account a member or an auditor by itself: the old
    routes are gone, and a role change for a non-member answers alike for any address."""
    make_user(engine, "kim@example.nl", "Kim")
    page = owner_page(web, ws)
    token = csrf(page)
    assert 'action="/w/acme/people/members"' not in page
    assert 'action="/w/acme/people/grants"' not in page
    for url, data in (
        ("/members", {"member_email": "kim@example.nl", "member_role": "editor"}),
        ("/grants", {"grant_email": "kim@example.nl", "grant_starts": "2026-11-01"}),
    ):
        assert web.post(f"{PEOPLE}{url}", data={"csrf_token": token, **data}).status_code in (
            404,
            405,
        )
    answers = []
    for email in ("kim@example.nl", "nobody@example.nl"):
        answer = web.post(
            f"{PEOPLE}/members/role",
            data={"csrf_token": token, "email": email, "role": "editor"},
        )
        answers.append((answer.status_code, squash(answer.text).replace(email, "ADDRESS")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    assert "ADDRESS: ADDRESS is no member of this workspace; invite them" in answers[0][1]
    assert set(members(web, ws)) == set(ws.emails.values()) - {ws.emails["auditor"]}


def test_the_last_owner_can_be_neither_removed_nor_demoted(web: TestClient, ws: Ws) -> None:
    """The workspace keeps an owner: the refusal is shown in words, nothing changes."""
    token = csrf(owner_page(web, ws))
    before = members(web, ws)
    for url, data in (
        ("/members/remove", {"email": ws.emails["owner"], "confirm": "yes"}),
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
    with Session(engine) as session:
        workspace = repository.workspace_by_slug(session, "acme")
        assert workspace is not None
        membership.set_member(  # as an operator's `ketenkaart member set` does
            session,
            workspace=workspace,
            email="mallory@example.nl",
            role="viewer",
            actor=Actor(via="cli"),
        )
    html = owner_page(web, ws)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- grants -----------------------------------------------------------------------------------


def test_an_accepted_engagement_lets_the_auditor_read_until_revoked(
    web: TestClient, demo_ws: Ws, engine: Engine, make_client: Callable[..., TestClient]
) -> None:
    """Invite an existing account as auditor of one offering: no grant until it accepts; a
    token made under the grant reads, one made before does not (a grant never revives an
    older token); revoked, it cannot."""
    older = auditor_token(engine, "eva@audit.example")
    assert web.get(demo_ws.url("/services"), headers=older).status_code == 404
    owner_page(web, demo_ws)
    assert 'value="loonwolk-online"' in web.get(PEOPLE).text  # the register's offering
    path = invite(
        web,
        "eva@audit.example",
        "auditor",
        offerings="loonwolk-online",
        starts="2026-11-01",
        ends="2026-12-31",
    )
    assert "eva@audit.example auditor loonwolk-online 2026-11-01 2026-12-31" in squash(
        web.get(PEOPLE).text
    )
    assert "eva@audit.example" not in squash(web.get(PEOPLE).text).split("Invitations")[0]
    eva = make_client()
    eva.app.state.clock = lambda: DAY  # type: ignore[attr-defined]
    accept(eva, path, "eva")

    answer = web.get(PEOPLE)
    text = squash(answer.text)
    row = "eva eva@audit.example loonwolk-online 2026-11-01 2026-12-31 running Yes, revoke Revoke"
    assert row in text
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
    token = csrf(answer.text)
    unconfirmed = web.post(f"{PEOPLE}/grants/{grant_id}/revoke", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert "No access was revoked: tick “Yes, revoke” to confirm." in squash(unconfirmed.text)
    assert web.get(demo_ws.url("/services"), headers=header).status_code == 200
    revoked = web.post(
        f"{PEOPLE}/grants/{grant_id}/revoke", data={"csrf_token": token, "confirm": "yes"}
    )
    assert revoked.status_code == 200
    assert "Revoked the read access of eva@audit.example." in squash(revoked.text)
    assert "eva eva@audit.example loonwolk-online 2026-11-01 2026-12-31 revoked" in squash(
        revoked.text
    )
    assert web.get(demo_ws.url("/services"), headers=header).status_code == 404
    items = trail(web, demo_ws)
    assert by_owner_session(items, demo_ws, "grant.revoke") == [f"grant/{grant_id}"]
    created = [e for e in items if e["action"] == "grant.create"]
    assert [e["target"] for e in created][-1] == f"grant/{grant_id}"
    assert created[-1]["actor"]["email"] == "eva@audit.example"  # type: ignore[index]


def test_engagement_errors_are_shown_next_to_their_fields(web: TestClient, demo_ws: Ws) -> None:
    """A missing first day and a last day before it are named at their inputs; nothing is
    invited and the ticked offering stays ticked."""
    token = csrf(owner_page(web, demo_ws))
    form = {
        "csrf_token": token,
        "invite_email": "eva@audit.example",
        "invite_role": "auditor",
        "invite_offerings": "loonwolk-online",
    }
    missing = web.post(f"{PEOPLE}/invitations", data=form | {"invite_ends": "2026-12-31"})
    assert missing.status_code == 422
    assert field_error(missing.text, "invite_starts") == "required: a date YYYY-MM-DD"
    backwards = web.post(
        f"{PEOPLE}/invitations",
        data=form | {"invite_starts": "2026-12-31", "invite_ends": "2026-01-01"},
    )
    assert backwards.status_code == 422
    assert field_error(backwards.text, "invite_ends") == "the engagement ends before it starts"
    assert re.search(r'value="loonwolk-online" checked', backwards.text)
    assert "No engagements." not in backwards.text  # the fixture's auditor's grant
    assert "No open invitations." in backwards.text
    # every error of the form at once: the address with the dates, not after them
    both = web.post(f"{PEOPLE}/invitations", data=form | {"invite_email": ""})
    assert both.status_code == 422
    assert field_error(both.text, "invite_email") == "required: an e-mail address"
    assert field_error(both.text, "invite_starts") == "required: a date YYYY-MM-DD"
    assert "No open invitations." in both.text


def test_an_invitation_can_be_withdrawn(
    web: TestClient, ws: Ws, make_client: Callable[..., TestClient]
) -> None:
    """Withdrawn, the invitation leaves the table and its link is refused."""
    owner_page(web, ws)
    path = invite(web, "late@example.nl", "editor")
    dutch = squash(web.get(PEOPLE, headers={"Accept-Language": "nl"}).text)
    assert "late@example.nl bewerker 4 december 2026 09:00 UTC" in dutch  # as its dates read
    page = web.get(PEOPLE).text
    found = re.search(r'action="/w/acme/people/invitations/(\d+)/withdraw"', page)
    assert found is not None
    withdrawn = web.post(found.group(0)[8:-1], data={"csrf_token": csrf(page)})
    assert withdrawn.status_code == 200
    assert "Withdrew the invitation of late@example.nl; its link no longer works." in squash(
        withdrawn.text
    )
    assert "No open invitations." in withdrawn.text
    guest = make_client()
    guest.app.state.clock = lambda: DAY  # type: ignore[attr-defined]
    assert guest.get(path).status_code == 404
    assert by_owner_session(trail(web, ws), ws, "invitation.withdraw") == [
        "invitation/late@example.nl"
    ]


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


def test_an_acceptance_without_a_name_names_the_field_as_the_form_does(
    web: TestClient, ws: Ws, make_client: Callable[..., TestClient]
) -> None:
    """A new account left without a name: the error names "Your name", the field's label,
    not the request's key."""
    owner_page(web, ws)
    path = invite(web, "new@example.nl", "viewer")
    guest = make_client()
    guest.app.state.clock = lambda: DAY  # type: ignore[attr-defined]
    form = guest.get(path)
    answer = guest.post(
        path, data={"display_name": "", "password": PASSWORD, "csrf_token": csrf(form.text)}
    )
    assert answer.status_code == 422, answer.text
    text = squash(re.sub(r"<[^>]+>", " ", answer.text))
    assert "Your name: 1 to 200 characters" in text
    assert "display_name" not in text


def test_an_acceptance_the_workspace_cannot_give_is_told_on_the_form(
    web: TestClient, ws: Ws, make_client: Callable[..., TestClient]
) -> None:
    """The only owner, invited as viewer of their own workspace, accepts: the form says why
    not (409), and the workspace keeps its owner."""
    owner_page(web, ws)
    path = invite(web, ws.emails["owner"], "viewer")
    guest = make_client()
    guest.app.state.clock = lambda: DAY  # type: ignore[attr-defined]
    form = guest.get(path)
    answer = guest.post(
        path, data={"display_name": "", "password": PASSWORD, "csrf_token": csrf(form.text)}
    )
    assert answer.status_code == 409
    assert "a workspace keeps at least one owner" in squash(answer.text)
    assert 'name="password"' in answer.text  # the form, not a bare error page
    assert members(web, ws)[ws.emails["owner"]] == "owner"
