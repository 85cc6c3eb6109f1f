"""The pages in English and Dutch (issue 15, ADR 36): every page read in the test-only pseudo
language shows no English outside its markers; the language is chosen by the switch, then the
browser, then the account, then the workspace, else English; the settings go in the trail."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app import audit
from app.models import User, Workspace
from app.routes.pages.fields import FIELDS, SECTIONS
from app.views.graph import GRAPH_TEXTS, graph_words
from graph import i18n, schema
from importers.formats import IMPORT_FORMATS
from tests.app.conftest import DEMO, PASSWORD, Ws
from tests.app.test_pages import sign_in

OPEN, CLOSE = i18n.OPEN, i18n.CLOSE

# Attributes a person reads or hears; every other attribute holds ids, addresses or codes.
READ_ATTRIBUTES = frozenset({"aria-label", "placeholder", "title", "alt"})

# Words that are no English sentence: the product, the switch's own bilingual words, formats,
# schemes and codes the pages print as they are, and the words of the demo data (below).
KNOWN = frozenset(
    [
        "ketenkaart",
        "English",
        "Nederlands",
        "Language",
        "Taal",
        "JSON",
        "YAML",
        "CSV",
        "XLSX",
        "PDF",
        "ZIP",
        "SHA",
        "UTC",
        "RFC",
        "CycloneDX",
        "SaaSBOM",
        "DORA",
        "OSCAL",
        "FedRAMP",
        "Backstage",
        "SaaS",
        "PaaS",
        "IaaS",
        "CUEC",
        "CUECs",
        "ISO",
        "IEC",
        "ISAE",
        "SOC",
        "NEN",
        "NIST",
        "IAF",
        "MLA",
        "BSI",
        "ISMS",
        "NOREA",
        "TPM",
    ]
) | {word for name in IMPORT_FORMATS for word in re.findall(r"[A-Za-z]+", name)}


CODE = re.compile(r"[A-Z]{2}")
"""A country code (ISO 3166-1 alpha-2), as the forms print it beside the country's name."""


class _Text(HTMLParser):
    """The text a person reads on a page: its text nodes and read attributes, not scripts,
    styles, the JSON data blocks or codes."""

    SKIPPED = ("script", "style", "code", "template", "datalist")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "input", "img", "link", "meta"):
            skipped = False
        else:
            skipped = tag in self.SKIPPED
            self._open.append(skipped)
        if not any(self._open):
            for name, value in attrs:
                if name in READ_ATTRIBUTES and value:
                    self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "input", "img", "link", "meta") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if not any(self._open):
            self.parts.append(data)


def _demo_words() -> set[str]:
    """Every word of the demo chain's values (names, ids, roles, descriptions): data, not page
    text."""
    words: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str | int):
            words.update(re.findall(r"[A-Za-z]+", str(value)))

    walk(yaml.safe_load(DEMO.read_text(encoding="utf-8")))
    return words


DEMO_WORDS = _demo_words()


def unmarked_english(page: str, *, allowed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The words of ``page`` a person reads that are outside the pseudo language's markers and
    are neither data of the demo chain nor a known code; each with a little context."""
    parser = _Text()
    parser.feed(page)
    text = " ".join(parser.parts)
    outside, before = text, ""
    while outside != before:  # innermost first: a marked date or number may sit in a sentence
        before, outside = outside, re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", outside)
    outside = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", outside)  # e-mail addresses, links
    outside = re.sub(r"[a-z0-9]+(?:-[a-z0-9]+)+|[a-z0-9_]+(?=: )", " ", outside)  # codes, ids
    found = []
    for match in re.finditer(r"[A-Za-z0-9][A-Za-z0-9'\u2019]*", outside):
        word = re.sub(r"['\u2019]s?$", "", match.group(0))  # a name's possessive: Amsterdam's
        if re.search(r"\d", word) or len(word) < 2:  # a version, a count, 3PAO: codes
            continue
        if word in KNOWN or word in DEMO_WORDS or word in allowed or CODE.fullmatch(word):
            continue
        found.append((word, outside[max(0, match.start() - 40) : match.end() + 40].strip()))
    return found


def test_unmarked_english_finds_a_word_outside_the_markers() -> None:
    """The checker itself: text outside the markers is found, marked text and data are not."""
    page = (
        f"<p>{OPEN}Offering{CLOSE} LoonWolk Online</p><p title='Delete it'>x</p>"
        f"<script>var english = 1;</script><p>{OPEN}a{CLOSE} forgotten</p>"
    )
    assert [word for word, _ in unmarked_english(page)] == ["Delete", "it", "forgotten"]


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the pages on plain HTTP, the pseudo language allowed, the clock fixed."""
    client = make_client(plain_http_localhost=True)
    app = client.app
    assert isinstance(app, FastAPI)
    app.state.clock = lambda: datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    app.state.pseudo_language = True
    return client


def csrf(client: TestClient, path: str = "/account") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return html.unescape(found.group(1))


PEOPLE = frozenset({"acme", "example", "Persoon"})
"""The test workspace's slug, its people's addresses and names (data, not page text)."""


def rename_people(engine: Engine) -> None:
    """Give the test's people names that are no English word (theirs are their roles)."""
    with Session(engine) as session:
        for number, user in enumerate(session.exec(select(User)).all()):
            user.display_name = f"Persoon {number}"
            session.add(user)
        session.commit()


def _pages(demo: str) -> Iterator[tuple[str, int]]:
    """Every page of a workspace with the demo chain, with the status it answers."""
    for path in (
        "",
        "/suppliers",
        "/services",
        "/dependencies",
        "/evidence",
        "/suppliers/stratus",
        "/services/loonwolk-online",
        "/dependencies/loonwolk-online/stratus-postgres",
        "/evidence/stratus-soc2-2026",
        "/evidence/wacht-isae3000-2026",
        "/import",
        "/report/loonwolk-online",
        "/graph/loonwolk-online",
        "/people",
    ):
        yield f"/w/{demo}{path}", 200
    # what changed in the register: with the page's clock before the workspace's trail begins
    # (the clock is fixed, the trail real), the form and its error, else the changes too
    began_later = datetime.now(UTC) > datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    yield f"/w/{demo}/changes", 422 if began_later else 200
    yield "/w/nowhere", 404
    yield "/workspaces", 200
    yield "/account", 200


def test_every_page_in_the_pseudo_language_shows_no_unmarked_english(
    web: TestClient, demo_ws: Ws, engine: Engine, make_client: Callable[..., TestClient]
) -> None:
    """Read in the pseudo language, no page has an English word outside the markers (names,
    ids and codes aside): every word a page writes went through the catalog. The pages: sign-in
    (and its error), every page of a workspace, an entity form with its errors, an import's
    preview, the people page with a new invitation's link, the invitation's page, the account,
    the workspaces, a 404 and a 403 page, and the report's offline graph file."""
    rename_people(engine)
    web.cookies.set("ketenkaart_lang", "pseudo")
    found: dict[str, list[str]] = {}

    def check(name: str, answer: Any, status: int = 200) -> None:
        assert answer.status_code == status, (name, answer.text[:300])
        words = unmarked_english(answer.text, allowed=PEOPLE)
        if words:
            found[name] = sorted({word for word, _ in words})

    check("/login", web.get("/login"))
    check("/docs", web.get("/docs"))
    sign_in(web, demo_ws.emails["owner"])
    for path, status in _pages(demo_ws.slug):
        check(path, web.get(path), status)
    check("/w/acme/report/loonwolk-online.html", web.get("/w/acme/report/loonwolk-online.html"))
    check(
        "/w/acme/suppliers (a form with errors)",
        web.post(
            "/w/acme/suppliers",
            data={
                "csrf_token": csrf(web, "/w/acme/suppliers"),
                "id": "",
                "name": "x",
                "other": "[",
            },
        ),
        422,
    )
    check(
        "/w/acme/import (a preview)",
        web.post(
            "/w/acme/import",
            data={"csrf_token": csrf(web, "/w/acme/import"), "mode": "preview"},
            files={"file": ("more.yaml", DEMO.read_bytes(), "application/yaml")},
        ),
    )
    invited = web.post(
        "/w/acme/people/invitations",
        data={
            "csrf_token": csrf(web, "/w/acme/people"),
            "invite_email": "nieuw@voorbeeld.nl",
            "invite_role": "auditor",
            "invite_starts": "2026-11-01",
            "invite_ends": "2027-01-31",
        },
    )
    check("/w/acme/people (an invitation made)", invited)
    link = re.search(r'value="https://testserver(/invite/[^"]+)"', invited.text)
    assert link is not None
    guest = make_client(plain_http_localhost=True)
    guest.app.state.pseudo_language = True  # type: ignore[attr-defined]
    guest.app.state.clock = web.app.state.clock  # type: ignore[attr-defined]
    guest.cookies.set("ketenkaart_lang", "pseudo")
    check("/invite/...", guest.get(link.group(1)))
    viewer = make_client(plain_http_localhost=True)
    viewer.app.state.pseudo_language = True  # type: ignore[attr-defined]
    viewer.cookies.set("ketenkaart_lang", "pseudo")
    sign_in(viewer, demo_ws.emails["viewer"])
    check("/w/acme/people (as a viewer)", viewer.get("/w/acme/people"), 403)
    for path in ("/w/acme/evidence/wacht-isae3000-2026", "/w/acme/dependencies"):
        check(f"{path} (read only)", viewer.get(path))
    assert found == {}


# --- signing in, the account and invitations ------------------------------------------------------


def pseudo_client(make_client: Callable[..., TestClient], clock: Any) -> TestClient:
    """Another browser of the same service, reading the pseudo language, at the same clock."""
    client = make_client(plain_http_localhost=True)
    client.app.state.pseudo_language = True  # type: ignore[attr-defined]
    client.app.state.clock = clock  # type: ignore[attr-defined]
    client.cookies.set("ketenkaart_lang", "pseudo")
    return client


def try_sign_in(client: TestClient, email: str, password: str, code: str = "") -> Any:
    """One sign-in through the form, whatever its answer."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    return client.post(
        "/login",
        data={"email": email, "password": password, "code": code, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def assert_marked(answer: Any, status: int, *, allowed: frozenset[str] = PEOPLE) -> None:
    """The answer has ``status`` and, read in the pseudo language, no unmarked English."""
    assert answer.status_code == status, answer.text[:300]
    assert sorted({word for word, _ in unmarked_english(answer.text, allowed=allowed)}) == []


def test_a_failed_and_a_throttled_sign_in_in_the_pseudo_language(web: TestClient, ws: Ws) -> None:
    """A wrong password, an unknown account and, past the free tries, the throttle's wait:
    each sign-in page says why in the request's language."""
    web.cookies.set("ketenkaart_lang", "pseudo")
    wrong = try_sign_in(web, ws.emails["viewer"], "not the password at all")
    assert_marked(wrong, 401)
    assert f"{OPEN}the e-mail address, password or code is wrong{CLOSE}" in wrong.text
    assert_marked(try_sign_in(web, "nobody@example.nl", "not the password at all"), 401)
    for _ in range(4):
        try_sign_in(web, ws.emails["viewer"], "not the password at all")
    throttled = try_sign_in(web, ws.emails["viewer"], PASSWORD)
    assert_marked(throttled, 429)
    assert f"{OPEN}too many failed tries; try again in 15 seconds{CLOSE}" in throttled.text


def test_a_failed_sign_in_in_dutch_does_not_say_whether_the_account_exists(
    web: TestClient, ws: Ws
) -> None:
    """In Dutch as in English, a wrong password and an unknown address read alike."""
    dutch = {"Accept-Language": "nl"}

    def error(email: str) -> str:
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text)
        assert token is not None
        answer = web.post(
            "/login",
            data={"email": email, "password": "a wrong guess", "csrf_token": token.group(1)},
            headers=dutch,
        )
        assert answer.status_code == 401
        assert lang_of(answer) == "nl"
        found = re.search(r'<p class="message error" role="alert">([^<]+)</p>', answer.text)
        assert found is not None
        return found.group(1)

    known, unknown = error(ws.emails["viewer"]), error("niemand@voorbeeld.nl")
    assert known == unknown
    assert "e-mailadres" in known


def test_a_second_factor_switched_on_in_the_pseudo_language(
    web: TestClient, ws: Ws, engine: Engine
) -> None:
    """Setting up a second factor on /account: the key shown, a wrong code, a wrong password
    and, at last, the message that the second factor is on, all in the request's language."""
    import pyotp  # noqa: PLC0415 - only this test makes codes

    rename_people(engine)
    web.cookies.set("ketenkaart_lang", "pseudo")
    sign_in(web, ws.emails["viewer"])
    shown = web.post("/account/totp/new", data={"csrf_token": csrf(web)})
    assert_marked(shown, 200)
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', shown.text)
    assert secret is not None
    code = pyotp.TOTP(secret.group(1)).at(web.app.state.clock())  # type: ignore[attr-defined]
    wrong_code = "000000" if code != "000000" else "111111"

    def confirm(code: str, password: str) -> Any:
        data = {"csrf_token": csrf(web), "secret": secret.group(1), "code": code}
        return web.post("/account/totp", data={**data, "password": password})

    assert_marked(confirm(wrong_code, PASSWORD), 422)
    assert_marked(confirm(code, "not my password at all"), 422)
    done = confirm(code, PASSWORD)
    assert_marked(done, 200)
    assert f"{OPEN}The second factor is on.{CLOSE}" in done.text


def test_a_key_the_service_never_made_is_refused_in_the_pages_language(
    web: TestClient, ws: Ws
) -> None:
    """A second factor's form sent back with a key the service never made (edited by hand):
    refused like a wrong code, in Dutch, not an internal error."""
    sign_in(web, ws.emails["viewer"])
    answer = web.post(
        "/account/totp",
        data={"csrf_token": csrf(web), "secret": "abc", "code": "123456", "password": PASSWORD},
        headers={"Accept-Language": "nl"},
    )
    assert answer.status_code == 422
    assert "de code past niet bij deze sleutel" in answer.text
    assert "code: onjuiste of verlopen code" in answer.text


def test_a_password_change_in_the_pseudo_language(web: TestClient, ws: Ws, engine: Engine) -> None:
    """A weak new password's reasons, a wrong current one, and the change done."""
    rename_people(engine)
    web.cookies.set("ketenkaart_lang", "pseudo")
    sign_in(web, ws.emails["viewer"])

    def change(current: str, new: str) -> Any:
        return web.post(
            "/account/password", data={"csrf_token": csrf(web), "current": current, "new": new}
        )

    weak = change(PASSWORD, "ketenkaart")
    assert_marked(weak, 422)
    assert weak.text.count("<li>") == 2  # too short, and the service's name
    assert_marked(change("not my password at all", "seventeen purple giraffes dance"), 422)
    assert_marked(change(PASSWORD, "seventeen purple giraffes dance quietly"), 200)


def test_an_invitation_accepted_in_the_pseudo_language(
    web: TestClient, ws: Ws, engine: Engine, make_client: Callable[..., TestClient]
) -> None:
    """An invitation's link: a weak password and a missing name refused, the invitation
    accepted; for an address with an account, its password asked for; a used link's page."""
    rename_people(engine)
    sign_in(web, ws.emails["owner"])

    def invite(email: str) -> str:
        made = web.post(
            "/w/acme/people/invitations",
            data={
                "csrf_token": csrf(web, "/w/acme/people"),
                "invite_email": email,
                "invite_role": "viewer",
            },
        )
        link = re.search(r'value="https://testserver(/invite/[^"]+)"', made.text)
        assert link is not None, made.text[:300]
        return link.group(1)

    def accept(client: TestClient, path: str, name: str, password: str) -> Any:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
        assert token is not None
        data = {"csrf_token": token.group(1), "display_name": name, "password": password}
        return client.post(path, data=data)

    new, known = invite("nieuw@voorbeeld.nl"), invite(ws.emails["editor"])
    guest = pseudo_client(make_client, web.app.state.clock)  # type: ignore[attr-defined]
    assert_marked(accept(guest, new, "", "seventeen purple giraffes dance quietly"), 422)
    assert_marked(accept(guest, new, "Persoon Nieuw", "short"), 422)
    accepted = accept(guest, new, "Persoon Nieuw", "seventeen purple giraffes dance quietly")
    assert_marked(accepted, 200)
    assert f"<h1>{OPEN}Invitation accepted{CLOSE}</h1>" in accepted.text
    assert_marked(guest.get(new), 404)
    assert_marked(accept(guest, known, "", "not the editor's password"), 422)


def test_the_invitation_throttle_in_the_pseudo_language(
    web: TestClient, ws: Ws, engine: Engine
) -> None:
    """Past the invitations an owner may make in an hour, the people page says how long to
    wait in the request's language."""
    rename_people(engine)
    web.cookies.set("ketenkaart_lang", "pseudo")
    sign_in(web, ws.emails["owner"])
    token = csrf(web, "/w/acme/people")
    for number in range(21):
        answer = web.post(
            "/w/acme/people/invitations",
            data={
                "csrf_token": token,
                "invite_email": f"nieuw{number}@voorbeeld.nl",
                "invite_role": "viewer",
            },
        )
    assert_marked(answer, 429, allowed=PEOPLE | {"nieuw20"})


def test_the_apis_password_problem_is_dutch_but_for_its_codes(web: TestClient, ws: Ws) -> None:
    """The API's answer to a weak new password: in Dutch the same problem (status, title's
    place, locations) with its detail and messages in Dutch; in English as before."""
    sign_in(web, ws.emails["viewer"])
    token = csrf(web, "/workspaces")

    def change(language: str) -> Any:
        answer = web.post(
            "/api/v1/me/password",
            json={"current": PASSWORD, "new": "ketenkaart"},
            headers={"X-CSRF-Token": token, "Accept-Language": language},
        )
        assert answer.status_code == 422
        return answer.json()

    english, dutch = change("en"), change("nl")
    assert english["detail"] == "choose another password"
    assert english["errors"] == [
        {"location": "password", "message": "use at least 15 characters; this has 10"},
        {"location": "password", "message": "do not use the name of this service, ketenkaart"},
    ]
    assert dutch["detail"] == "kies een ander wachtwoord"
    assert dutch["errors"] == [
        {"location": "password", "message": "gebruik ten minste 15 tekens; dit heeft er 10"},
        {"location": "password", "message": "gebruik niet de naam van deze dienst, ketenkaart"},
    ]


# --- choosing the language ---------------------------------------------------------------------


def lang_of(answer: Any) -> str:
    """The language a page says it is in, checked against the answer's header."""
    found = re.search(r'<html lang="([a-z]+)">', answer.text)
    assert found is not None
    assert answer.headers["content-language"] == found.group(1)
    return found.group(1)


def test_without_a_choice_a_page_is_english(web: TestClient) -> None:
    """No switch, no browser language, nobody signed in: English, with the switch offered."""
    answer = web.get("/login")
    assert lang_of(answer) == "en"
    assert "<h1>Sign in</h1>" in answer.text
    assert 'hreflang="nl">Nederlands</a>' in answer.text
    assert "ketenkaart_lang" not in answer.headers.get("set-cookie", "")


def test_the_browsers_language_chooses_dutch(web: TestClient) -> None:
    """Accept-Language naming Dutch (first, or best by quality) answers in Dutch."""
    for header in ("nl", "nl-NL,nl;q=0.9,en;q=0.8", "de, en;q=0.5, nl;q=0.9"):
        answer = web.get("/login", headers={"Accept-Language": header})
        assert lang_of(answer) == "nl", header
        assert "<h1>Inloggen</h1>" in answer.text
    assert lang_of(web.get("/login", headers={"Accept-Language": "en-GB,nl;q=0.5"})) == "en"


def test_the_switch_beats_the_browser_and_is_kept(web: TestClient) -> None:
    """?lang=nl answers in Dutch though the browser asks English, and keeps it in a cookie
    for the next pages; ?lang=en switches back."""
    english = {"Accept-Language": "en-US,en;q=0.9"}
    answer = web.get("/login?lang=nl", headers=english)
    assert lang_of(answer) == "nl"
    assert "ketenkaart_lang=nl" in answer.headers["set-cookie"]
    assert "HttpOnly" in answer.headers["set-cookie"]
    assert lang_of(web.get("/login", headers=english)) == "nl"
    assert lang_of(web.get("/login?lang=en", headers=english)) == "en"
    assert lang_of(web.get("/login", headers=english)) == "en"


def test_the_switch_is_a_link_on_every_page_to_the_same_page(web: TestClient, ws: Ws) -> None:
    """Each page links to itself in each language, keeping its query, the current one marked."""
    sign_in(web, ws.emails["owner"])
    answer = web.get("/w/acme/suppliers?q=x&lang=nl")
    assert lang_of(answer) == "nl"
    assert '<a href="/w/acme/suppliers?q=x&amp;lang=en" lang="en" hreflang="en">English</a>' in (
        answer.text
    )
    assert 'hreflang="nl" aria-current="true">Nederlands</a>' in answer.text
    assert 'aria-label="Language / Taal"' in answer.text


def test_after_a_form_the_switch_leads_back_to_the_forms_page(web: TestClient, ws: Ws) -> None:
    """A form's answer (a POST) switches to the page the form was on when the browser names
    it and it is this site's; otherwise to the start."""
    sign_in(web, ws.emails["owner"])
    token = csrf(web, "/w/acme/suppliers")
    form = {"csrf_token": token, "id": "", "name": "x", "other": "["}
    own = web.post(
        "/w/acme/suppliers", data=form, headers={"Referer": "https://testserver/w/acme/suppliers"}
    )
    assert '<a href="/w/acme/suppliers?lang=nl" lang="nl"' in own.text
    other = web.post(
        "/w/acme/suppliers", data=form, headers={"Referer": "https://elsewhere.example/x"}
    )
    assert '<a href="/?lang=nl" lang="nl"' in other.text


def set_account_language(client: TestClient, language: str) -> Any:
    return client.post(
        "/account/language",
        data={"csrf_token": csrf(client), "language": language},
        follow_redirects=False,
    )


def set_workspace_language(client: TestClient, slug: str, language: str) -> Any:
    return client.post(
        f"/w/{slug}/language",
        data={"csrf_token": csrf(client, f"/w/{slug}/people"), "language": language},
        follow_redirects=False,
    )


def test_the_account_setting_counts_when_the_browser_names_neither_language(
    web: TestClient, ws: Ws
) -> None:
    """Saved on /account, the person's language answers their requests in a browser asking
    for French, and their token's API answers; a browser asking English still gets English."""
    sign_in(web, ws.emails["viewer"])
    saved = set_account_language(web, "nl")
    assert saved.status_code == 303
    assert "ketenkaart_lang=nl" in saved.headers["set-cookie"]  # this browser switches too
    web.cookies.delete("ketenkaart_lang")
    french = {"Accept-Language": "fr-FR,fr"}
    account = web.get("/account", headers=french)
    assert lang_of(account) == "nl"
    assert '<option value="nl" lang="nl" selected>Nederlands</option>' in account.text
    assert lang_of(web.get("/account", headers={"Accept-Language": "en"})) == "en"
    api = web.get(ws.url("/suppliers"), headers=ws.auth("viewer"))
    assert api.headers["content-language"] == "nl"
    assert (
        web.get(ws.url("/suppliers"), headers=ws.auth("editor")).headers["content-language"] == "en"
    )


def test_the_workspace_default_counts_for_its_people_after_their_own(
    web: TestClient, make_client: Callable[..., TestClient], ws: Ws, make_workspace: Any
) -> None:
    """An owner's default answers the workspace's people who chose nothing (pages and API);
    a person's own setting comes first; a stranger's 404 stays English."""
    sign_in(web, ws.emails["owner"])
    assert set_workspace_language(web, "acme", "nl").status_code == 303
    french = {"Accept-Language": "fr"}
    viewer = make_client(plain_http_localhost=True)
    sign_in(viewer, ws.emails["viewer"])
    assert lang_of(viewer.get("/w/acme", headers=french)) == "nl"
    answer = viewer.get(ws.url("/nowhere-at-all"), headers=ws.auth("viewer"))
    assert answer.headers["content-language"] == "nl"
    assert set_account_language(viewer, "en").status_code == 303
    viewer.cookies.delete("ketenkaart_lang")
    assert lang_of(viewer.get("/w/acme", headers=french)) == "en"
    other = make_workspace("other")
    stranger = make_client(plain_http_localhost=True)
    sign_in(stranger, other.emails["owner"])
    refused = stranger.get("/w/acme", headers=french)
    assert refused.status_code == 404
    assert lang_of(refused) == "en"
    token = stranger.get(ws.url(""), headers={**other.auth("owner"), **french})
    assert token.headers["content-language"] == "en"


def test_only_an_owner_sets_the_workspace_default(
    web: TestClient, make_client: Callable[..., TestClient], ws: Ws, engine: Engine
) -> None:
    """An editor's form is refused (403) and changes nothing; an unknown language is refused."""
    sign_in(web, ws.emails["editor"])
    token = csrf(web, "/w/acme")
    refused = web.post("/w/acme/language", data={"csrf_token": token, "language": "nl"})
    assert refused.status_code == 403
    owner = make_client(plain_http_localhost=True)
    sign_in(owner, ws.emails["owner"])
    unknown = set_workspace_language(owner, "acme", "fr")
    assert unknown.status_code == 422
    with Session(engine) as session:
        workspace = session.exec(select(Workspace).where(Workspace.slug == "acme")).one()
        assert workspace.language is None


def test_each_change_of_a_setting_is_in_the_audit_trail(
    web: TestClient, ws: Ws, engine: Engine
) -> None:
    """The account's language in the accounts' trail, the workspace's in its own, each with
    who, before and after; saving the same value again records nothing."""
    sign_in(web, ws.emails["owner"])
    set_account_language(web, "nl")
    set_account_language(web, "nl")
    set_account_language(web, "")
    set_workspace_language(web, "acme", "nl")
    with Session(engine) as session:
        accounts = [
            (e.actor["email"], e.target, e.before, e.after)
            for e in audit.entries(session, audit.GLOBAL)
            if e.action == "user.language"
        ]
        workspace = session.exec(select(Workspace).where(Workspace.slug == "acme")).one()
        own = [
            (e.actor["email"], e.target, e.before, e.after)
            for e in audit.entries(session, audit.chain_of(workspace.id))
            if e.action == "workspace.language"
        ]
        assert audit.verify(session, audit.chain_of(workspace.id)).ok
    owner = ws.emails["owner"]
    assert accounts == [
        (owner, f"user/{owner}", {"language": None}, {"language": "nl"}),
        (owner, f"user/{owner}", {"language": "nl"}, {"language": None}),
    ]
    assert own == [(owner, "workspace/acme", {"language": None}, {"language": "nl"})]


# --- what the pages say in Dutch ------------------------------------------------------------------


def test_a_dutch_page_writes_dates_numbers_and_the_glossarys_words(
    web: TestClient, demo_ws: Ws
) -> None:
    """The overview in Dutch: the date as Dutch readers write it, the offering an "online
    dienst", the statuses in the glossary's words."""
    sign_in(web, demo_ws.emails["owner"])
    answer = web.get("/w/acme", headers={"Accept-Language": "nl"})
    assert lang_of(answer) == "nl"
    assert "<h2>Online diensten op 27 november 2026</h2>" in answer.text
    for word in ("Beoordeling van de keten", "leemte", "voorwaardelijk", "in orde"):
        assert word in answer.text
    english = web.get("/w/acme", headers={"Accept-Language": "en"})
    assert "<h2>Offerings at 2026-11-27</h2>" in english.text


def test_the_api_reference_page_follows_the_language(web: TestClient) -> None:
    """/docs says its language and its own words in it (Swagger UI's are its own)."""
    dutch = web.get("/docs", headers={"Accept-Language": "nl"})
    assert lang_of(dutch) == "nl"
    assert "Deze pagina heeft JavaScript nodig." in dutch.text
    assert "This page needs JavaScript." in web.get("/docs").text


def test_a_dutch_page_escapes_what_goes_into_its_sentences(web: TestClient, ws: Ws) -> None:
    """A file name in a translated sentence ({% trans %} with a variable) is escaped."""
    sign_in(web, ws.emails["owner"])
    hostile = "<img src=x onerror=alert(1)>.yaml"
    answer = web.post(
        "/w/acme/import",
        data={"csrf_token": csrf(web, "/w/acme/import"), "mode": "preview"},
        files={"file": (hostile, b"ketenkaart: 1\nsuppliers: [", "application/yaml")},
        headers={"Accept-Language": "nl"},
    )
    assert answer.status_code in (400, 422)
    assert lang_of(answer) == "nl"
    assert "<img src=x" not in answer.text
    assert "is niet geïmporteerd; elk probleem, met zijn plaats:" in answer.text


def _dutch() -> dict[str, str]:
    """The Dutch catalog's translations, by English text."""
    path = Path(i18n.LOCALE_DIR) / "nl" / "LC_MESSAGES" / "ketenkaart.po"
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if isinstance(m.id, str)}


DUTCH = _dutch()


def _script_texts() -> set[str]:
    """The English texts graph.js and forecast.js look up with t(), as written in them."""
    static = Path(__file__).resolve().parents[2] / "app" / "static"
    script = "\n".join(
        (static / name).read_text(encoding="utf-8") for name in ("graph.js", "forecast.js")
    )
    texts = set()
    for call in re.finditer(r"\bt\(\s*((?:\"(?:[^\"\\]|\\.)*\"\s*\+?\s*)+)", script):
        parts = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", call.group(1))
        texts.add(json.loads('"' + "".join(parts) + '"'))
    for call in re.finditer(r"t\([a-z.]+ \? \"([^\"]*)\" : \"([^\"]*)\"", script):
        texts.update(call.groups())
    return texts


def test_every_text_graph_js_looks_up_is_sent_in_dutch() -> None:
    """Each t() text of graph.js and forecast.js is in the words the page sends, and has its
    Dutch."""
    texts = _script_texts()
    assert len(texts) > 60
    assert texts <= set(GRAPH_TEXTS)
    assert sorted(t for t in texts if not DUTCH.get(t)) == []
    with i18n.using("nl"):
        words = json.loads(str(graph_words()))
    assert words["texts"]["Links by status"] == "Schakels per status"
    assert words["statuses"]["gap"]["label"] == "leemte"
    assert words["thousands"] == "."


def test_every_word_of_the_forms_has_its_dutch() -> None:
    """Every label, legend, hint, row name and choice of the entity forms is in the catalog
    with a Dutch translation, but for names (LEI, EUID, ...) and codes shown as themselves."""
    names = {"LEI", "EUID", "DUNS", "IAF MLA", "CUECs", "SHA-256", "—", "SaaS", "PaaS", "IaaS"}
    missing = []
    for section in SECTIONS:
        for field in FIELDS[section]:
            texts = [field.label, field.group, field.item, field.hint]
            texts += [column.label for column in field.columns]
            texts += [text.split(": ", 1)[-1] for code, text in field.choices if text != code]
            for text in texts:
                if text and text not in names and not DUTCH.get(text):
                    missing.append(f"{section}.{field.name}: {text}")
    assert missing == []


def test_every_label_of_the_chain_format_has_its_dutch() -> None:
    """The changes page names a field by the schema's labels, nested ones too ("Tested period",
    then "Until"): every label is in the catalog with a Dutch translation, but for names."""
    names = {"Id", "LEI", "EUID", "DUNS", "IAF MLA", "CUECs", "SHA-256"}
    missing = []

    def walk(fields: tuple[schema.Field, ...], where: str) -> None:
        for field in fields:
            if field.label not in names and not DUTCH.get(field.label):
                missing.append(f"{where}.{field.key}: {field.label}")
            walk(field.fields, f"{where}.{field.key}")

    for name, section in schema.SECTIONS.items():
        walk(section.fields, name)
    walk(schema.TOP, "chain")
    assert missing == []


def _reasons(page: str) -> list[str]:
    """The reason sentences of a report page, in order."""
    found = re.findall(r"<li><code>[^<]+</code>: (.*?)</li>", page)
    return [re.sub(r"</?span[^>]*>", "", text) for text in found]  # dates and ids kept whole


def test_kept_answers_are_kept_per_language(web: TestClient, demo_ws: Ws) -> None:
    """The check a worker keeps for a register version is kept per language: the report and
    the API's check asked in English, then in Dutch, then in English again, at one version,
    each answer in its own language."""
    sign_in(web, demo_ws.emails["owner"])
    report = "/w/acme/report/loonwolk-online"
    english = _reasons(web.get(report, headers={"Accept-Language": "en"}).text)
    dutch = _reasons(web.get(report, headers={"Accept-Language": "nl"}).text)
    assert len(english) == len(dutch) > 5
    assert set(english) & set(dutch) == {"No access to systems or data"}  # the chain's own words
    assert _reasons(web.get(report, headers={"Accept-Language": "en"}).text) == english

    def messages(language: str) -> list[str]:
        answer = web.get(
            demo_ws.url("/check"), headers={**demo_ws.auth("viewer"), "Accept-Language": language}
        )
        assert answer.status_code in (200, 422), answer.text[:200]
        return re.findall(r'"message": ?"([^"]+)"', answer.text)

    english_api, dutch_api = messages("en"), messages("nl")
    assert len(english_api) == len(dutch_api) > 5
    assert set(english_api) & set(dutch_api) == {"No access to systems or data"}
    assert messages("en") == english_api
