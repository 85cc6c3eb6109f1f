"""Heavy work is shared per register version (ADR 31): the requests that ask the same check or
page of the same register while it is computed wait for that one computation; a request that
comes after a change gets an answer of the changed register, never an older one; a
computation that fails fails each request that waited for it, and the next one starts anew."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.limits import Turns
from app.routes.pages import recent
from app.singleflight import Flights, NotStarted, current
from tests.app.conftest import PASSWORD, Ws

HOLD_S = 30.0
"""How long a test waits, at most, for a thread it holds back (a failing test ends)."""

CHECK = "/check?at=2026-11-27"


class Held:
    """A function of the service wrapped so that its first call waits, after the real one,
    until :attr:`release` is set; it counts its calls, and may make the first one fail."""

    def __init__(self, real: Callable[..., Any], *, fail: BaseException | None = None) -> None:
        self.real = real
        self.fail = fail
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        found = self.real(*args, **kwargs)
        if self.calls == 1:
            self.entered.set()
            self.release.wait(HOLD_S)
            if self.fail is not None:
                raise self.fail
        return found


@pytest.fixture
def held_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    """The register's judging: its first waits until released."""
    held = Held(vars(recent)["prepare"])
    monkeypatch.setattr(recent, "prepare", held)
    yield held
    held.release.set()


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    got: list[Any] = []
    thread = threading.Thread(target=lambda: got.append(call()), daemon=True)
    thread.start()
    return thread, got


def _flights(client: TestClient, name: str) -> Flights[Any]:
    found: Flights[Any] = client.app.state.flights[name]  # type: ignore[attr-defined]
    return found


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + HOLD_S
    while not condition():
        assert time.monotonic() < deadline, "the requests did not come to wait"
        time.sleep(0.01)


def _checks_waiting(client: TestClient, ws: Ws, held: Held, count: int) -> list[Any]:
    """``count`` checks at once: the first is held while judging, the others come to wait
    for it; the threads and their answers."""
    first = _in_thread(lambda: client.get(ws.url(CHECK), headers=ws.auth("viewer")))
    assert held.entered.wait(HOLD_S)
    others = [
        _in_thread(lambda: client.get(ws.url(CHECK), headers=ws.auth("viewer")))
        for _ in range(count - 1)
    ]
    _until(lambda: _flights(client, "check").waiting == count - 1)
    return [first, *others]


def test_checks_of_one_register_version_share_one_judging(
    make_client: Callable[..., TestClient], demo_ws: Ws, held_check: Held
) -> None:
    """Five checks of an unchanged register asked at once: the register is judged once, and
    each caller gets the whole document; a sixth, after, gets it too without a judging."""
    client = make_client(heavy_limit=1, turn_wait=HOLD_S)
    asked = _checks_waiting(client, demo_ws, held_check, 5)
    held_check.release.set()
    for thread, _ in asked:
        thread.join(HOLD_S)
    answers = [got[0] for _, got in asked]
    assert [a.status_code for a in answers] == [200] * 5
    assert answers[0].content.endswith(b"}\n")
    assert all(a.content == answers[0].content for a in answers)
    again = client.get(demo_ws.url(CHECK), headers=demo_ws.auth())
    assert again.content == answers[0].content
    assert held_check.calls == 1


def test_a_failed_judging_fails_each_waiting_caller_and_the_next_one_starts_anew(
    make_client: Callable[..., TestClient], demo_ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the one judging that four callers wait for fails (here: no database connection in
    time), each of them is answered, 503 with Retry-After, none hangs or gets another's
    half; the next check judges again and succeeds."""
    held = Held(vars(recent)["prepare"], fail=PoolTimeout("no connection in time"))
    monkeypatch.setattr(recent, "prepare", held)
    client = make_client(heavy_limit=1, turn_wait=HOLD_S, retry_after=4)
    asked = _checks_waiting(client, demo_ws, held, 4)
    held.release.set()
    for thread, _ in asked:
        thread.join(HOLD_S)
    answers = [got[0] for _, got in asked]
    assert [a.status_code for a in answers] == [503] * 4
    assert all(a.headers["retry-after"] == "4" for a in answers)
    assert held.calls == 1
    after = client.get(demo_ws.url(CHECK), headers=demo_ws.auth())
    assert after.status_code == 200
    assert after.content.endswith(b"}\n")
    assert held.calls == 2


def _sign_in(client: TestClient, ws: Ws, role: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    data = {"email": ws.emails[role], "password": PASSWORD, "csrf_token": token[1]}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


OLD_NAME = "Stratus Cloud Nederland B.V."
NEW_NAME = "Nimbus Hosting Nederland B.V."


def test_a_page_asked_after_a_change_shows_the_change_not_the_older_computation(
    make_client: Callable[..., TestClient], demo_ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A graph page is being computed from the register as it was; a supplier is renamed;
    a visitor who asks the page after the rename does not get the running computation's
    page, but one with the new name."""
    held = Held(vars(recent)["prepare"])
    monkeypatch.setattr(recent, "prepare", held)
    client = make_client(heavy_limit=1, turn_wait=HOLD_S)
    _sign_in(client, demo_ws, "viewer")
    page = f"/w/{demo_ws.slug}/graph/loonwolk-online?at=2026-11-27"
    first, before = _in_thread(lambda: client.get(page))
    assert held.entered.wait(HOLD_S)  # it has read the register with the old name

    supplier = demo_ws.url("/suppliers/stratus")
    etag = client.get(supplier, headers=demo_ws.auth("editor")).headers["etag"]
    renamed = client.patch(
        supplier, json={"name": NEW_NAME}, headers={**demo_ws.auth("editor"), "If-Match": etag}
    )
    assert renamed.status_code == 200, renamed.text

    second, after = _in_thread(lambda: client.get(page))
    _until(lambda: _flights(client, "graphs").waiting == 1)
    held.release.set()
    first.join(HOLD_S)
    second.join(HOLD_S)
    assert before[0].status_code == 200
    assert OLD_NAME in before[0].text  # current while the first visit ran
    assert after[0].status_code == 200
    assert NEW_NAME in after[0].text
    assert OLD_NAME not in after[0].text
    assert held.calls == 2


def test_a_request_that_holds_its_own_turn_waits_for_no_other_computation() -> None:
    """A report's download computes in its own heavy turn: it must not wait for a running
    computation of the same question, whose turn it might be holding (both would wait until
    the turn's wait ran out). It computes for itself; what it made is kept for the next."""
    flights: Flights[str] = Flights(keep=1)
    entered, release = threading.Event(), threading.Event()

    def slow() -> tuple[int, str]:
        entered.set()
        release.wait(HOLD_S)
        return 4, "made by the page"

    running, got = _in_thread(lambda: flights.get(("acme",), at_least=4, compute=slow))
    assert entered.wait(HOLD_S)
    own = flights.get(
        ("acme",), at_least=4, compute=lambda: (4, "made by the download"), wait=1, share=False
    )
    assert own == "made by the download"
    release.set()
    running.join(HOLD_S)
    assert got == ["made by the page"]
    assert flights.get(("acme",), at_least=4, compute=lambda: (9, "not asked")) in (
        "made by the page",
        "made by the download",
    )


def test_a_request_waits_its_own_turn_wait_for_a_computation_to_begin() -> None:
    """Each request that joins a computation still waiting for its turn waits at most its own
    turn wait for it to begin (then 503: NotStarted); the computation keeps its place in line
    as long as a later request would still wait, and that one gets the answer."""
    flights: Flights[str] = Flights(keep=0)
    entered, turn = threading.Event(), threading.Event()
    seen: list[float] = []

    def compute() -> tuple[int, str]:
        running = current()
        assert running is not None
        entered.set()
        turn.wait(HOLD_S)  # in line for the heavy turn
        seen.append(running.start_by())
        running.begun()
        return 3, "answer"

    leader, led = _in_thread(
        lambda: flights.get(("acme",), at_least=3, compute=compute, start_within=0.05)
    )
    assert entered.wait(HOLD_S)
    with pytest.raises(NotStarted):
        flights.get(("acme",), at_least=3, compute=compute, start_within=0.05)
    late, got = _in_thread(
        lambda: flights.get(("acme",), at_least=3, compute=compute, start_within=HOLD_S)
    )
    _until(lambda: flights.waiting == 1)
    asked_at = time.monotonic()
    turn.set()
    leader.join(HOLD_S)
    late.join(HOLD_S)
    assert led == got == ["answer"]
    assert seen[0] > asked_at  # the later request's wait, not the leader's 0.05 s


def test_a_place_in_line_is_kept_while_it_is_wanted() -> None:
    """The heavy turn's line: a wait that runs out keeps its place when ``until`` lies ahead
    (and gets the turn when it comes), and gives it up when it does not."""

    async def run() -> tuple[bool, bool]:
        turns = Turns(1, queue=4)
        assert await turns.take(1.0)
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, turns.give_back)
        kept = await turns.take(0.05, lambda: time.monotonic() + 5)
        gone = await turns.take(0.05, lambda: time.monotonic() - 1)
        return kept, gone

    assert asyncio.run(run()) == (True, False)


def _second_offering(client: TestClient, ws: Ws) -> str:
    """A second offering in the register, on one of the demo's providers (of Stratus)."""
    editor = ws.auth("editor")
    for section, body in (
        ("suppliers", {"id": "tweede-bv", "name": "Tweede B.V."}),
        ("services", {"id": "tweede", "name": "Tweede", "supplier": "tweede-bv", "kind": "saas"}),
        ("dependencies", {"from": "tweede", "to": "stratus-postgres"}),
    ):
        made = client.post(ws.url(f"/{section}"), json=body, headers=editor)
        assert made.status_code == 201, made.text
    service = ws.url("/services/tweede")
    etag = client.get(service, headers=editor).headers["etag"]
    marked = client.patch(service, json={"offering": True}, headers={**editor, "If-Match": etag})
    assert marked.status_code == 200, marked.text
    return "tweede"


def test_the_pages_and_the_check_of_one_version_share_one_judging_until_a_change(
    make_client: Callable[..., TestClient], demo_ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph pages of two offerings, their reports and the whole register's check, at one
    register version and date, judge the register once (ADR 31); after a supplier is
    renamed, each page shows the new name, from one judging more."""
    client = make_client(heavy_limit=1, turn_wait=HOLD_S)
    other = _second_offering(client, demo_ws)
    judgings: list[int] = []
    real = vars(recent)["prepare"]

    def prepare(*args: Any, **kwargs: Any) -> Any:
        judgings.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(recent, "prepare", prepare)
    _sign_in(client, demo_ws, "viewer")
    pages = [
        f"/w/{demo_ws.slug}/{kind}/{offering}?at=2026-11-27"
        for offering in ("loonwolk-online", other)
        for kind in ("graph", "report")
    ]
    for page in pages:
        shown = client.get(page)
        assert shown.status_code == 200, page
        assert OLD_NAME in shown.text
    whole = client.get(demo_ws.url(CHECK), headers=demo_ws.auth("viewer")).json()
    assert whole["offerings"] == ["loonwolk-online", other]
    assert len(judgings) == 1

    supplier = demo_ws.url("/suppliers/stratus")
    etag = client.get(supplier, headers=demo_ws.auth("editor")).headers["etag"]
    renamed = client.patch(
        supplier, json={"name": NEW_NAME}, headers={**demo_ws.auth("editor"), "If-Match": etag}
    )
    assert renamed.status_code == 200, renamed.text
    for page in pages:
        shown = client.get(page)
        assert NEW_NAME in shown.text, page
        assert OLD_NAME not in shown.text, page
    assert len(judgings) == 2
