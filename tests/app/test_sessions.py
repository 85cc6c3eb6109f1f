"""Signing in with a browser: session cookies, fixation, CSRF, logout, throttling, TOTP.

The attacks these tests try: reusing a session id planted before sign-in (fixation); a forged
form or API call from another site riding on the cookie (CSRF, with and without Origin);
a stolen cookie after logout, after "log out everywhere" and after a password change; guessing
passwords fast (per account and per address); replaying a one-time code; an open redirect
after sign-in.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import accounts
from app.audit import COMMAND_LINE
from app.errors import TooManyRequests
from tests.app.conftest import PASSWORD, Ws, make_user

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def forward(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(client: TestClient) -> Clock:
    moving = Clock()
    client.app.state.clock = moving  # type: ignore[attr-defined]
    return moving


def form_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, code: str = "") -> object:
    token = form_token(client)
    return client.post(
        "/login",
        data={"email": email, "password": password, "code": code, "csrf_token": token},
        follow_redirects=False,
    )


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get("__Host-ketenkaart")


def csrf_of(client: TestClient) -> str:
    page = client.get("/workspaces")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_signing_in_sets_a_secure_http_only_cookie(client: TestClient, ws: Ws) -> None:
    """The session cookie is HttpOnly, SameSite, Secure and __Host- prefixed by default."""
    answer = sign_in(client, ws.emails["viewer"])
    assert answer.status_code == 303  # type: ignore[attr-defined]
    header = answer.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "__Host-ketenkaart=" in header
    assert "HttpOnly" in header
    assert "Secure" in header
    assert "SameSite=lax" in header
    assert "Path=/" in header
    me = client.get("/api/v1/me")
    assert me.json()["email"] == ws.emails["viewer"]


def test_plain_http_localhost_drops_secure_only_when_asked(
    make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """With plain_http_localhost set explicitly, the cookie goes without Secure and no HSTS."""
    client = make_client(plain_http_localhost=True)
    answer = sign_in(client, ws.emails["viewer"])
    header = answer.headers["set-cookie"]  # type: ignore[attr-defined]
    assert header.startswith("ketenkaart=")
    assert "Secure" not in header
    assert "strict-transport-security" not in client.get("/healthz").headers


def test_a_wrong_password_says_nothing_about_which_part_was_wrong(
    client: TestClient, ws: Ws
) -> None:
    """An unknown address and a wrong password get the same answer."""
    unknown = sign_in(client, "nobody@nowhere.example")
    wrong = sign_in(client, ws.emails["viewer"], password="not the password at all!")
    assert unknown.status_code == wrong.status_code == 401  # type: ignore[attr-defined]
    assert "e-mail address, password or code is wrong" in unknown.text  # type: ignore[attr-defined]
    assert session_cookie(client) is None


def test_a_planted_session_id_is_never_promoted(client: TestClient, ws: Ws) -> None:
    """Session fixation: a cookie set before sign-in is replaced, and it opens nothing."""
    planted = "attacker-chosen-session-id-0123456789"
    client.cookies.set("__Host-ketenkaart", planted, domain="testserver.local")
    answer = sign_in(client, ws.emails["owner"])
    assert answer.status_code == 303  # type: ignore[attr-defined]
    given = re.search(r"__Host-ketenkaart=([^;]+)", answer.headers["set-cookie"])  # type: ignore[attr-defined]
    assert given is not None
    assert given.group(1) != planted
    with TestClient(
        client.app, base_url="https://testserver", cookies={"__Host-ketenkaart": planted}
    ) as other:
        assert other.get("/api/v1/me").status_code == 401


def test_the_login_form_refuses_a_forged_post(client: TestClient, ws: Ws) -> None:
    """Login CSRF: a POST without the form's token, or from another site, is refused."""
    client.get("/login")
    answer = client.post(
        "/login",
        data={"email": ws.emails["owner"], "password": PASSWORD, "csrf_token": "forged"},
    )
    assert answer.status_code == 403
    token = form_token(client)
    answer = client.post(
        "/login",
        data={"email": ws.emails["owner"], "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert session_cookie(client) is None


def test_a_browser_write_needs_its_csrf_token(client: TestClient, demo_ws: Ws) -> None:
    """CSRF on the API with the cookie: no token, a wrong token or a foreign Origin is 403 and
    changes nothing; the session's own token goes through."""
    sign_in(client, demo_ws.emails["editor"])
    url = demo_ws.url("/suppliers")
    body = {"id": "nieuw", "name": "Nieuw B.V."}
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    token = csrf_of(client)
    foreign = client.post(
        url, json=body, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert client.get(url + "/nieuw").status_code == 404
    assert client.post(url, json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_logout_ends_the_session_in_the_database(client: TestClient, ws: Ws) -> None:
    """A copy of the cookie stops working once its browser signs out."""
    sign_in(client, ws.emails["viewer"])
    stolen = session_cookie(client)
    assert stolen
    answer = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert answer.status_code == 303
    with TestClient(
        client.app, base_url="https://testserver", cookies={"__Host-ketenkaart": stolen}
    ) as thief:
        assert thief.get("/api/v1/me").status_code == 401


def test_logout_everywhere_ends_every_session(
    client: TestClient, make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """ "Log out everywhere" ends the user's sessions in other browsers too."""
    other = make_client()
    sign_in(other, ws.emails["viewer"])
    sign_in(client, ws.emails["viewer"])
    client.post("/logout", data={"csrf_token": csrf_of(client), "everywhere": "true"})
    assert other.get("/api/v1/me").status_code == 401


def test_a_password_change_ends_every_session(
    client: TestClient, make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """Changing the password signs out every browser, including a thief's."""
    thief = make_client()
    sign_in(thief, ws.emails["viewer"])
    sign_in(client, ws.emails["viewer"])
    answer = client.post(
        "/api/v1/me/password",
        json={"current": PASSWORD, "new": "a completely different sentence to remember"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code == 204, answer.text
    assert thief.get("/api/v1/me").status_code == 401


def test_a_weak_new_password_is_refused_with_reasons(client: TestClient, ws: Ws) -> None:
    """A common or short password is refused, the reason naming the password field."""
    sign_in(client, ws.emails["viewer"])
    answer = client.post(
        "/api/v1/me/password",
        json={"current": PASSWORD, "new": "password1"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code == 422
    assert all(e["location"] == "password" for e in answer.json()["errors"])


def test_an_idle_session_ends(client: TestClient, clock: Clock, ws: Ws) -> None:
    """A session unused for an hour no longer opens anything."""
    sign_in(client, ws.emails["viewer"])
    assert client.get("/api/v1/me").status_code == 200
    clock.forward(accounts.SESSION_IDLE.total_seconds() + 1)
    assert client.get("/api/v1/me").status_code == 401


def test_sign_in_leads_only_to_this_site(client: TestClient, ws: Ws) -> None:
    """No open redirect: a next= of another host leads to the workspaces instead."""
    token = form_token(client)
    answer = client.post(
        "/login",
        data={
            "email": ws.emails["viewer"],
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/phish",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/workspaces"


# --- throttling -----------------------------------------------------------------------------------


def test_guessing_slows_down_per_account(client: TestClient, clock: Clock, ws: Ws) -> None:
    """After five wrong passwords the account makes the guesser wait, the wait doubles, and even
    the right password is not tried during it; after the wait the real user gets in."""
    email = ws.emails["viewer"]
    for _ in range(accounts.ACCOUNT_FREE_TRIES):
        assert sign_in(client, email, password="wrong guess number x").status_code == 401  # type: ignore[attr-defined]
    blocked = sign_in(client, email)
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    wait = int(blocked.headers["retry-after"])  # type: ignore[attr-defined]
    assert 0 < wait <= accounts.FIRST_WAIT_SECONDS
    clock.forward(wait)
    assert sign_in(client, email, password="wrong guess again").status_code == 401  # type: ignore[attr-defined]
    again = sign_in(client, email)
    assert again.status_code == 429  # type: ignore[attr-defined]
    assert int(again.headers["retry-after"]) > wait  # type: ignore[attr-defined]
    clock.forward(int(again.headers["retry-after"]))  # type: ignore[attr-defined]
    assert sign_in(client, email).status_code == 303  # type: ignore[attr-defined]


def test_the_longest_wait_is_a_quarter_of_an_hour(client: TestClient, clock: Clock, ws: Ws) -> None:
    """However long the attack, a real user waits at most fifteen minutes."""
    email = ws.emails["viewer"]
    for _ in range(12):
        answer = sign_in(client, email, password="wrong guess number x")
        if answer.status_code == 429:  # type: ignore[attr-defined]
            clock.forward(int(answer.headers["retry-after"]))  # type: ignore[attr-defined]
            sign_in(client, email, password="wrong guess number x")
    clock.forward(accounts.LONGEST_WAIT_SECONDS)
    assert sign_in(client, email).status_code == 303  # type: ignore[attr-defined]


def test_guessing_many_accounts_from_one_address_slows_down(
    client: TestClient, clock: Clock, engine: Engine, ws: Ws
) -> None:
    """Password spraying: twenty failures over many accounts from one address throttle that
    address, while each account stays under its own limit: every further failed guess from it
    answers 429, an unknown account and a known one's wrong password alike."""
    for n in range(accounts.ADDRESS_FREE_TRIES):
        answer = sign_in(client, f"user{n}@spray.example", password="Summer2026!Summer")
        assert answer.status_code == 401  # type: ignore[attr-defined]
    unknown = sign_in(client, "user99@spray.example", password="Summer2026!Summer")
    known = sign_in(client, ws.emails["editor"], password="Summer2026!Summer")
    assert unknown.status_code == known.status_code == 429  # type: ignore[attr-defined]
    # the same answer (the wait grows with every failure, so each says its own number)
    assert "too many failed tries" in unknown.text  # type: ignore[attr-defined]
    assert "too many failed tries" in known.text  # type: ignore[attr-defined]


def test_a_throttled_address_does_not_lock_out_the_right_password(
    client: TestClient, clock: Clock, ws: Ws
) -> None:
    """Everyone behind one NAT or proxy shares its address: after twenty failures from it on
    made-up accounts, a real user's correct password still signs in (issue 11, point 5)."""
    for n in range(accounts.ADDRESS_FREE_TRIES + 5):
        sign_in(client, f"user{n}@spray.example", password="Summer2026!Summer")
    assert sign_in(client, ws.emails["viewer"]).status_code == 303  # type: ignore[attr-defined]


def test_the_account_limit_still_holds_behind_a_throttled_address(
    client: TestClient, clock: Clock, ws: Ws
) -> None:
    """The exemption is for the right password within the account's own limit: past five
    failures on the account itself, even the right password waits."""
    for n in range(accounts.ADDRESS_FREE_TRIES):
        sign_in(client, f"user{n}@spray.example", password="Summer2026!Summer")
    email = ws.emails["viewer"]
    for _ in range(accounts.ACCOUNT_FREE_TRIES):
        sign_in(client, email, password="a wrong guess at the viewer")
    assert sign_in(client, email).status_code == 429  # type: ignore[attr-defined]


# --- the second factor ----------------------------------------------------------------------------


def test_a_second_factor_is_needed_and_a_code_counts_once(
    client: TestClient, clock: Clock, ws: Ws
) -> None:
    """With TOTP set up, the password alone fails, password and code pass, and the same code
    cannot be used again."""
    sign_in(client, ws.emails["editor"])
    started = client.post("/api/v1/me/totp", headers={"X-CSRF-Token": csrf_of(client)}).json()
    otp = pyotp.TOTP(started["secret"])
    confirm = client.post(
        "/api/v1/me/totp/confirm",
        json={"secret": started["secret"], "code": otp.at(clock.now), "password": PASSWORD},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert confirm.status_code == 204, confirm.text
    client.cookies.clear()
    assert sign_in(client, ws.emails["editor"]).status_code == 401  # type: ignore[attr-defined]
    clock.forward(30)
    code = otp.at(clock.now)
    assert sign_in(client, ws.emails["editor"], code=code).status_code == 303  # type: ignore[attr-defined]
    client.cookies.clear()
    assert sign_in(client, ws.emails["editor"], code=code).status_code == 401  # type: ignore[attr-defined]


# --- invitations ----------------------------------------------------------------------------------


def test_an_invited_auditor_signs_up_and_reads_within_the_engagement(
    client: TestClient, make_client: Callable[..., TestClient], demo_ws: Ws
) -> None:
    """An owner invites an auditor for an engagement; the link makes the account and the grant;
    the link works once."""
    answer = client.post(
        demo_ws.url("/invitations"),
        json={
            "email": "new.auditor@firm.example",
            "role": "auditor",
            "starts": "2026-01-01",
            "ends": "2999-12-31",
        },
        headers=demo_ws.auth("owner"),
    )
    assert answer.status_code == 201, answer.text
    path = "/" + answer.json()["link"].split("/", 3)[3]
    browser = make_client()
    token = form_token(browser, path)
    accepted = browser.post(
        path,
        data={
            "display_name": "New Auditor",
            "password": "seventeen purple giraffes dance quietly",
            "csrf_token": token,
        },
    )
    assert accepted.status_code == 200, accepted.text
    assert "Invitation accepted" in accepted.text
    assert (
        sign_in(
            browser, "new.auditor@firm.example", "seventeen purple giraffes dance quietly"
        ).status_code
        == 303
    )  # type: ignore[attr-defined]
    me = browser.get("/api/v1/me").json()
    assert me["workspaces"][0]["role"] == "auditor"
    assert browser.get(demo_ws.url("/suppliers")).status_code == 200
    assert browser.get(path).status_code == 404


def test_the_auditor_cannot_change_the_register(client: TestClient, demo_ws: Ws) -> None:
    """An auditor reads but gets 403 on writes."""
    answer = client.post(
        demo_ws.url("/suppliers"),
        json={"id": "x", "name": "X"},
        headers=demo_ws.auth("auditor"),
    )
    assert answer.status_code == 403


def test_an_account_made_on_the_command_line_signs_in(
    client: TestClient, engine: Engine, ws: Ws
) -> None:
    """user create's account (no membership yet) signs in and sees no workspace."""
    make_user(engine, "fresh@person.example")
    assert sign_in(client, "fresh@person.example").status_code == 303  # type: ignore[attr-defined]
    assert client.get("/api/v1/me").json()["workspaces"] == []
    with Session(engine) as session:
        assert accounts.user_by_email(session, "FRESH@person.example") is not None


def test_an_invitation_is_no_way_around_the_sign_in_throttle(
    client: TestClient, make_client: Callable[..., TestClient], clock: Clock, engine: Engine, ws: Ws
) -> None:
    """Anyone may own a workspace and invite any address; accepting the invitation for an
    existing account checks its password. Guessing it there is throttled like a sign-in (and
    counts toward it): after five wrong passwords even the right one waits, and the invitation
    stays open."""
    make_user(engine, "mallory@evil.example")
    assert sign_in(client, "mallory@evil.example").status_code == 303  # type: ignore[attr-defined]
    made = client.post(
        "/api/v1/workspaces",
        json={"slug": "evil"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert made.status_code == 201, made.text
    invited = client.post(
        "/api/v1/workspaces/evil/invitations",
        json={"email": ws.emails["owner"], "role": "viewer"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert invited.status_code == 201, invited.text
    path = "/" + invited.json()["link"].split("/", 3)[3]
    guesser = make_client()
    guesser.app.state.clock = clock  # type: ignore[attr-defined]
    answers = []
    for n in range(accounts.ACCOUNT_FREE_TRIES):
        token = form_token(guesser, path)
        answers.append(
            guesser.post(path, data={"password": f"guess number {n} wrong", "csrf_token": token})
        )
    assert [a.status_code for a in answers] == [422] * accounts.ACCOUNT_FREE_TRIES
    token = form_token(guesser, path)
    right = guesser.post(path, data={"password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429, right.text
    assert "try again in" in right.text
    assert sign_in(guesser, ws.emails["owner"]).status_code == 429  # type: ignore[attr-defined]
    assert guesser.get(path).status_code == 200  # still open


def test_the_login_form_needs_its_cookie_not_just_a_matching_value(
    make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """A forged sign-in without the form's cookie is refused whatever token it sends, even the
    value that stands in for a missing cookie."""
    browser = make_client()
    for token in ("\0", "", "x"):
        answer = browser.post(
            "/login",
            data={"email": ws.emails["viewer"], "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code in (403, 422), (token, answer.status_code)
        assert session_cookie(browser) is None


def test_a_sprayer_cannot_clear_the_address_count_by_signing_in_to_its_own_account(
    client: TestClient, clock: Clock, engine: Engine, ws: Ws
) -> None:
    """A success clears its account's count, not its address's: an attacker who signs in to an
    account of their own between guesses is still slowed down after twenty failures."""
    make_user(engine, "sprayer@evil.example")
    for n in range(accounts.ADDRESS_FREE_TRIES - 1):
        assert sign_in(client, f"user{n}@spray.example", password="x" * 20).status_code == 401  # type: ignore[attr-defined]
    assert sign_in(client, "sprayer@evil.example").status_code == 303  # type: ignore[attr-defined]
    client.cookies.clear()
    assert sign_in(client, "last@spray.example", password="x" * 20).status_code == 401  # type: ignore[attr-defined]
    assert sign_in(client, ws.emails["viewer"], password="y" * 20).status_code == 429  # type: ignore[attr-defined]


def test_a_stolen_session_cannot_replace_the_second_factor(
    client: TestClient, clock: Clock, ws: Ws
) -> None:
    """Setting up or replacing TOTP needs the account's password, not just the session."""
    sign_in(client, ws.emails["editor"])
    started = client.post("/api/v1/me/totp", headers={"X-CSRF-Token": csrf_of(client)}).json()
    code = pyotp.TOTP(started["secret"]).at(clock.now)
    answer = client.post(
        "/api/v1/me/totp/confirm",
        json={"secret": started["secret"], "code": code, "password": "a guess by the thief!!"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code == 422
    assert client.get("/api/v1/me").json()["second_factor"] is False


def test_a_stolen_session_cannot_guess_the_password_freely(
    client: TestClient, clock: Clock, ws: Ws
) -> None:
    """The current-password check of a password change runs under the sign-in throttle."""
    sign_in(client, ws.emails["viewer"])
    token = csrf_of(client)
    clock.forward(1)  # the guesses come after the sign-in that cleared the account's count
    answers = [
        client.post(
            "/api/v1/me/password",
            json={"current": f"guess number {n} of many", "new": "another long sentence here"},
            headers={"X-CSRF-Token": token},
        ).status_code
        for n in range(accounts.ACCOUNT_FREE_TRIES + 1)
    ]
    assert answers == [422] * accounts.ACCOUNT_FREE_TRIES + [429]


def test_guesses_sent_at_once_do_not_slip_past_the_throttle(
    engine: Engine, ws: Ws, request: pytest.FixtureRequest
) -> None:
    """Twelve wrong passwords for one account sent at the same moment: each try is recorded
    before its password is looked at, so the later ones meet the throttle (before, all twelve
    were checked against a count of none)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("in-memory SQLite shares one connection between threads: PostgreSQL only")

    start = threading.Barrier(12)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        with Session(engine) as session:
            start.wait()
            try:
                accounts.login(
                    session,
                    email=ws.emails["viewer"],
                    password=f"parallel guess {n} of twelve",
                    code=None,
                    address="203.0.113.7",
                    now=START,
                    actor=COMMAND_LINE,
                )
            except accounts.LoginFailed:
                outcomes.append("checked")
            except TooManyRequests:
                outcomes.append("throttled")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 12
    assert outcomes.count("throttled") >= 12 - accounts.ACCOUNT_FREE_TRIES - 2, outcomes


# --- the account page -------------------------------------------------------------------------


def account_token(client: TestClient) -> str:
    return form_token(client, "/account")


def test_the_account_page_sets_up_a_second_factor(client: TestClient, clock: Clock, ws: Ws) -> None:
    """In the browser: ask for a new key, type the app's code and the password, and from then
    on signing in needs a code."""
    sign_in(client, ws.emails["viewer"])
    shown = client.post("/account/totp/new", data={"csrf_token": account_token(client)})
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', shown.text)
    assert secret is not None, shown.text
    assert "otpauth://totp/" in shown.text
    code = pyotp.TOTP(secret.group(1)).at(clock.now)
    wrong = client.post(
        "/account/totp",
        data={
            "csrf_token": account_token(client),
            "secret": secret.group(1),
            "code": code,
            "password": "not my password at all",
        },
    )
    assert wrong.status_code == 422
    assert client.get("/api/v1/me").json()["second_factor"] is False
    done = client.post(
        "/account/totp",
        data={
            "csrf_token": account_token(client),
            "secret": secret.group(1),
            "code": code,
            "password": PASSWORD,
        },
    )
    assert done.status_code == 200, done.text
    assert "The second factor is on." in done.text
    assert client.get("/api/v1/me").json()["second_factor"] is True


def test_the_account_page_changes_the_password_and_signs_out(client: TestClient, ws: Ws) -> None:
    """A password change from the page ends the session; the new password signs in."""
    sign_in(client, ws.emails["viewer"])
    new = "a brand new sentence for this account"
    changed = client.post(
        "/account/password",
        data={"csrf_token": account_token(client), "current": PASSWORD, "new": new},
    )
    assert "Password changed" in changed.text
    assert client.get("/api/v1/me").status_code == 401
    assert sign_in(client, ws.emails["viewer"], password=new).status_code == 303  # type: ignore[attr-defined]


def test_the_account_forms_need_the_csrf_token(client: TestClient, ws: Ws) -> None:
    """A forged post to the account page changes nothing."""
    sign_in(client, ws.emails["viewer"])
    forged = client.post(
        "/account/password",
        data={"csrf_token": "forged", "current": PASSWORD, "new": "a brand new sentence here"},
    )
    assert forged.status_code == 403
    assert client.get("/api/v1/me").status_code == 200
