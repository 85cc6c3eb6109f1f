"""The API's problem details in the request's language: the same error asked in English and
in Dutch differs only in its ``title``, ``detail`` and ``errors[].message`` texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session

from app import services
from app.errors import NotFound
from graph import i18n
from tests.app.conftest import Ws
from tests.test_pseudo_cli import unmarked

Ask = Callable[[TestClient, Ws, dict[str, str]], Response]

ASKS: dict[str, Ask] = {
    "no-such-supplier": lambda c, w, h: c.get(w.url("/suppliers/weg"), headers=w.auth() | h),
    "exists-already": lambda c, w, h: c.post(
        w.url("/suppliers"),
        json={"id": "loonwolk", "name": "Dubbel B.V."},
        headers=w.auth("editor") | h,
    ),
    "no-if-match": lambda c, w, h: c.patch(
        w.url("/suppliers/loonwolk"), json={"name": "X"}, headers=w.auth("editor") | h
    ),
    "stale": lambda c, w, h: c.patch(
        w.url("/suppliers/loonwolk"),
        json={"name": "X"},
        headers=w.auth("editor") | {"If-Match": '"7"'} | h,
    ),
    "not-an-etag": lambda c, w, h: c.patch(
        w.url("/suppliers/loonwolk"),
        json={"name": "X"},
        headers=w.auth("editor") | {"If-Match": "nope"} | h,
    ),
    "id-missing": lambda c, w, h: c.post(
        w.url("/suppliers"), json={"name": "Zonder Id"}, headers=w.auth("editor") | h
    ),
    "bad-period": lambda c, w, h: c.get(
        w.url("/check"), params={"period": "2026"}, headers=w.auth() | h
    ),
    "at-and-period": lambda c, w, h: c.get(
        w.url("/check"),
        params={"at": "2026-11-27", "period": "2026-01-01..2026-06-30"},
        headers=w.auth() | h,
    ),
    "unknown-profile": lambda c, w, h: c.get(
        w.url("/check"), params={"at": "2026-11-27", "profile": "nope"}, headers=w.auth() | h
    ),
    "no-document": lambda c, w, h: c.get(w.url("/evidence/weg/document"), headers=w.auth() | h),
    "media-type": lambda c, w, h: c.put(
        w.url("/evidence/loonwolk-zol/document"),
        content=b"<html>",
        headers=w.auth("editor") | {"Content-Type": "text/html"} | h,
    ),
    "no-such-route": lambda c, w, h: c.get("/api/v1/nothing-here", headers=w.auth() | h),
    "not-a-date": lambda c, w, h: c.get(
        w.url("/check"), params={"at": "27-11-2026"}, headers=w.auth() | h
    ),
    "limit-below-one": lambda c, w, h: c.get(
        w.url("/suppliers"), params={"limit": "0"}, headers=w.auth() | h
    ),
    "limit-not-a-number": lambda c, w, h: c.get(
        w.url("/suppliers"), params={"limit": "x"}, headers=w.auth() | h
    ),
    "not-json": lambda c, w, h: c.post(
        w.url("/suppliers"),
        content=b"{not json",
        headers=w.auth("editor") | {"Content-Type": "application/json"} | h,
    ),
    "anonymous-write": lambda c, w, h: c.post(w.url("/suppliers"), json={}, headers=h),
}


def _texts(body: dict[str, Any]) -> list[str]:
    """The texts a person reads in a problem: its title, its detail, each error's message."""
    return [body["title"], body["detail"], *(e["message"] for e in body.get("errors", []))]


def _codes(body: dict[str, Any]) -> dict[str, Any]:
    """The problem without those texts: what a program reads."""
    rest = {k: v for k, v in body.items() if k not in ("title", "detail", "errors")}
    rest["errors"] = [
        {k: v for k, v in e.items() if k != "message"} for e in body.get("errors", [])
    ]
    return rest


@pytest.mark.parametrize("ask", list(ASKS), ids=list(ASKS))
def test_a_problem_differs_between_languages_only_in_its_texts(
    client: TestClient, demo_ws: Ws, ask: str
) -> None:
    """English and Dutch answer with the same status, type and locations; every text of the
    Dutch problem is Dutch (none is the English one)."""
    english = ASKS[ask](client, demo_ws, {"Accept-Language": "en"})
    dutch = ASKS[ask](client, demo_ws, {"Accept-Language": "nl"})
    assert english.status_code == dutch.status_code >= 400
    assert english.headers["content-type"] == dutch.headers["content-type"]
    assert english.headers["content-type"].startswith("application/problem+json")
    assert _codes(english.json()) == _codes(dutch.json())
    pairs = list(zip(_texts(english.json()), _texts(dutch.json()), strict=True))
    assert [en for en, nl in pairs if en == nl and en != "Conflict"] == []


def test_english_problems_read_as_before(client: TestClient, demo_ws: Ws) -> None:
    """English answers are those of before, word for word."""
    headers = {"Accept-Language": "en"}
    body = ASKS["no-such-supplier"](client, demo_ws, headers).json()
    assert (body["title"], body["detail"]) == (
        "Not Found",
        f"no supplier 'weg' in workspace '{demo_ws.slug}'",
    )
    body = ASKS["id-missing"](client, demo_ws, headers).json()
    assert body["detail"] == "a supplier needs id"
    assert body["errors"] == [{"location": "id", "message": "required"}]
    body = ASKS["bad-period"](client, demo_ws, headers).json()
    assert body["detail"] == "period '2026' is not FROM..TO with FROM on or before TO"


def test_dutch_problems_use_the_glossarys_words(client: TestClient, demo_ws: Ws) -> None:
    """A Dutch problem names the entity and the status as a Dutch reader does."""
    headers = {"Accept-Language": "nl"}
    body = ASKS["no-such-supplier"](client, demo_ws, headers).json()
    assert (body["title"], body["detail"]) == (
        "Niet gevonden",
        f"geen leverancier 'weg' in werkruimte '{demo_ws.slug}'",
    )
    body = ASKS["unknown-profile"](client, demo_ws, headers).json()
    assert body["detail"] == "onbekend profiel 'nope'; bekende profielen: zeker-online"


@pytest.mark.parametrize("ask", list(ASKS), ids=list(ASKS))
def test_no_word_of_a_problem_misses_the_catalog(client: TestClient, demo_ws: Ws, ask: str) -> None:
    """In the pseudo language every text of each problem is marked, but the ids, codes and
    the values the request sent."""
    client.app.state.pseudo_language = True  # type: ignore[attr-defined]
    answer = ASKS[ask](client, demo_ws, {"Cookie": "ketenkaart_lang=pseudo"})
    known = {demo_ws.slug, "weg", "loonwolk", "nope", "zeker-online", "text/html", "kk_"}
    known |= {"application/pdf", "image/png", "image/jpeg", "application/zip", "Bearer"}
    known |= {"If-Match", "ETag", "id", "offering"}
    left = {text: unmarked(text, known) for text in _texts(answer.json())}
    assert i18n.OPEN in answer.json()["title"]
    assert {text: words for text, words in left.items() if words} == {}


def test_an_unknown_workspace_is_named_in_dutch(engine: Engine) -> None:
    """The service's own lookup of a workspace (the command line's tokens, grants and members
    ask it) says so in the language of the context."""
    with Session(engine) as session:
        with pytest.raises(NotFound) as english:
            services.workspace_for(session, "nope")
        with i18n.using("nl"), pytest.raises(NotFound) as dutch:
            services.workspace_for(session, "nope")
    assert (english.value.detail, dutch.value.detail) == (
        "no workspace 'nope'",
        "geen werkruimte 'nope'",
    )
