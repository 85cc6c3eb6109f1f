"""The service stays up and answers under load (issue 13, ADR 27): heavy work takes turns and
the one that cannot be served in time gets 503 with Retry-After; a request without credentials
takes no database connection; a write waits for the lock instead of failing, and past the
bound it gets 503, never a 500; a check streams to its last byte."""

from __future__ import annotations

import gc
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from app import accounts, membership, services
from app.audit import COMMAND_LINE
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from tests.app.conftest import PASSWORD, Ws, make_user

HOLD_S = 30.0
"""How long a test waits, at most, for a thread it holds back (a failing test ends)."""


@pytest.fixture
def held_check(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The first check that loads its register waits, inside its turn, until ``release`` is
    set; ``entered`` is set once it waits. Every later one goes straight on."""
    entered, release = threading.Event(), threading.Event()
    real = services.register_chain

    def register_chain(*args: Any, **kwargs: Any) -> Any:
        if not entered.is_set():
            entered.set()
            release.wait(HOLD_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "register_chain", register_chain)
    yield entered, release
    release.set()


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    got: list[Any] = []
    thread = threading.Thread(target=lambda: got.append(call()), daemon=True)
    thread.start()
    return thread, got


def test_a_check_beyond_the_heavy_limit_gets_503_with_retry_after(
    make_client: Callable[..., TestClient],
    demo_ws: Ws,
    held_check: tuple[threading.Event, threading.Event],
) -> None:
    """While the worker's only turn for heavy work is taken, a check that needs a computation
    of its own (another date) is answered 503 with Retry-After (not queued for ever, not a
    500); a request without credentials is refused at once; once the turn is given back,
    checks are served again."""
    entered, release = held_check
    client = make_client(heavy_limit=1, turn_wait=0.05, retry_after=7)
    url = demo_ws.url("/check?at=2026-11-27")
    first, answers = _in_thread(lambda: client.get(url, headers=demo_ws.auth("viewer")))
    assert entered.wait(HOLD_S)

    busy = client.get(demo_ws.url("/check?at=2026-11-28"), headers=demo_ws.auth("viewer"))
    assert busy.status_code == 503, busy.text
    assert busy.headers["retry-after"] == "7"
    assert busy.headers["content-type"] == "application/problem+json"
    assert client.get(url).status_code == 401  # no credentials: no turn, no wait

    release.set()
    first.join(HOLD_S)
    assert answers[0].status_code == 200
    assert json.loads(answers[0].content)["summary"]
    assert client.get(url, headers=demo_ws.auth("viewer")).status_code == 200


def test_a_page_of_heavy_work_takes_a_turn_too(
    make_client: Callable[..., TestClient],
    demo_ws: Ws,
    held_check: tuple[threading.Event, threading.Event],
) -> None:
    """The graph page of an offering waits for the same turns as the API's check."""
    entered, release = held_check
    client = make_client(heavy_limit=1, turn_wait=0.05)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    signed = client.post(
        "/login",
        data={"email": demo_ws.emails["viewer"], "password": PASSWORD, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    first, _ = _in_thread(lambda: client.get(demo_ws.url("/check"), headers=demo_ws.auth()))
    assert entered.wait(HOLD_S)

    page = client.get(f"/w/{demo_ws.slug}/graph/loonwolk-online")
    assert page.status_code == 503
    assert "retry-after" in page.headers
    release.set()
    first.join(HOLD_S)


@pytest.fixture
def checkouts(engine: Engine) -> Iterator[list[object]]:
    """Every connection taken from the engine's pool while the test runs."""
    taken: list[object] = []

    def checkout(*args: object) -> None:
        taken.append(args)

    event.listen(engine, "checkout", checkout)
    yield taken
    event.remove(engine, "checkout", checkout)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/workspaces/acme/check",
        "/api/v1/workspaces/acme/services",
        "/api/v1/workspaces/acme/suppliers/s1",
        "/api/v1/workspaces/nowhere/export",
        "/w/acme",
        "/w/acme/graph/shop",
        "/workspaces",
        "/login",
    ],
)
def test_a_request_without_credentials_takes_no_database_connection(
    client: TestClient, ws: Ws, checkouts: list[object], path: str
) -> None:
    """A request with neither a token nor a session cookie is refused (or sent to sign in)
    without a connection from the pool: a crowd of them cannot starve the callers who are
    signed in."""
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in (200, 303, 401), answer.text
    assert checkouts == []


def test_a_signed_in_request_does_take_one(
    client: TestClient, ws: Ws, checkouts: list[object]
) -> None:
    """The counting above sees connections: a request with a token takes one."""
    assert client.get(ws.url("/services"), headers=ws.auth()).status_code == 200
    assert checkouts


# --- SQLite: a file, real concurrency -----------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[str, Engine, str]]:
    """A SQLite file with the schema and workspace ``acme`` (its owner signs in); its URL,
    an engine as the service makes it, and an editor's token."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    engine = make_engine(url)
    upgrade(engine)
    make_user(engine, "owner@acme.example")
    with Session(engine) as session:
        owner = accounts.user_by_email(session, "owner@acme.example")
        membership.create_workspace(
            session, slug="acme", name=None, owner=owner, actor=COMMAND_LINE
        )
        token = services.create_token(session, slug="acme", role="editor", expires=None)
    yield url, engine, token
    engine.dispose()


def _file_client(url: str, engine: Engine, **settings: Any) -> TestClient:
    config = Settings(database_url=url, public_url="https://testserver", **settings)
    return TestClient(create_app(config, engine=engine), base_url="https://testserver")


@pytest.fixture
def writer_lock(sqlite_file: tuple[str, Engine, str]) -> Iterator[Callable[[], None]]:
    """Take SQLite's write lock on the file from another connection, as a long import does;
    calling the fixture's value commits and lets it go."""
    url, _, _ = sqlite_file
    other = sqlite3.connect(
        url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE workspace SET name = 'importing' WHERE slug = 'acme'")
    done = threading.Event()

    def let_go() -> None:
        if not done.is_set():
            done.set()
            other.execute("COMMIT")

    yield let_go
    let_go()
    other.close()


LONG_WRITE_S = 6.0
"""Longer than the 5 s busy timeout the service had: a sign-in behind it answered 500."""


def test_a_sign_in_succeeds_while_a_long_write_transaction_is_open(
    sqlite_file: tuple[str, Engine, str], writer_lock: Callable[[], None]
) -> None:
    """A sign-in records its try (a write) while another writer holds SQLite's lock for
    longer than the old busy timeout: it waits for the lock and signs in, not 500 "database
    is locked"."""
    url, engine, _ = sqlite_file
    writing = threading.Event()

    def note_write(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            writing.set()

    event.listen(engine, "before_cursor_execute", note_write)
    with _file_client(url, engine) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        data = {"email": "owner@acme.example", "password": PASSWORD, "csrf_token": token[1]}
        signing, answers = _in_thread(
            lambda: client.post("/login", data=data, follow_redirects=False)
        )
        assert writing.wait(HOLD_S)  # the sign-in is writing its try: it waits for the lock
        threading.Timer(LONG_WRITE_S, writer_lock).start()
        signing.join(HOLD_S + LONG_WRITE_S)
    event.remove(engine, "before_cursor_execute", note_write)
    assert answers[0].status_code == 303, answers[0].text
    assert client.cookies.get("__Host-ketenkaart")


def test_a_write_that_cannot_get_the_lock_in_time_gets_503_not_500(
    sqlite_file: tuple[str, Engine, str], writer_lock: Callable[[], None]
) -> None:
    """When the lock is not free within the service's bound, the write is answered 503 with
    Retry-After ("try again shortly"), never 500 "database is locked"."""
    url, _, token = sqlite_file
    engine = make_engine(url, wait=0.1)
    with _file_client(url, engine, db_wait=0.1, retry_after=3) as client:
        answer = client.post(
            "/api/v1/workspaces/acme/suppliers",
            json={"id": "s1", "name": "S1"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "3"
        writer_lock()
        again = client.post(
            "/api/v1/workspaces/acme/suppliers",
            json={"id": "s1", "name": "S1"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert again.status_code == 201, again.text
    engine.dispose()


def test_checks_in_parallel_stream_to_their_last_byte(
    make_client: Callable[..., TestClient], demo_ws: Ws
) -> None:
    """Many checks at once with one turn: each answer is the whole JSON document (it parses
    and ends with its newline) or a 503 with Retry-After; never a cut body or a 500."""
    client = make_client(heavy_limit=1, turn_wait=HOLD_S)
    expected = client.get(demo_ws.url("/check?at=2026-11-27"), headers=demo_ws.auth()).content
    assert expected.endswith(b"}\n")
    threads = [
        _in_thread(lambda: client.get(demo_ws.url("/check?at=2026-11-27"), headers=demo_ws.auth()))
        for _ in range(6)
    ]
    for thread, _ in threads:
        thread.join(HOLD_S * 2)
    answers = [got[0] for _, got in threads]
    assert len(answers) == 6
    for answer in answers:
        assert answer.status_code in (200, 503), answer.text
        if answer.status_code == 200:
            assert answer.content == expected
        else:
            assert "retry-after" in answer.headers
    assert any(answer.status_code == 200 for answer in answers)


def test_while_a_check_runs_the_collector_makes_no_full_pass(
    make_client: Callable[..., TestClient],
    demo_ws: Ws,
    held_check: tuple[threading.Event, threading.Event],
) -> None:
    """A full pass of the cyclic collector over a worker holding registers stops every thread
    for seconds (uvicorn's health check too, which then kills the worker): while heavy work
    runs there is none; afterwards the collector is as it was."""
    entered, release = held_check
    before = gc.get_threshold()
    client = make_client()
    first, answers = _in_thread(lambda: client.get(demo_ws.url("/check"), headers=demo_ws.auth()))
    assert entered.wait(HOLD_S)
    during = gc.get_threshold()
    release.set()
    first.join(HOLD_S)
    assert answers[0].status_code == 200
    assert during[2] >= 2**30 > before[2]
    assert gc.get_threshold() == before
