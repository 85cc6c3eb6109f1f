"""A subscribed publication's new version fetched on a schedule (ADR 43, "The refresh"): by the
notification round, when ``KETENKAART_REFRESH_INTERVAL`` seconds have passed, once across
senders, and told in the same round. On SQLite (a file: two rounds run in two threads) and,
when set, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app import notify, publishing
from app.models import Notification, Subscription
from tests.app import test_cli_service, test_two_services
from tests.app.conftest import Ws
from tests.app.test_cli_service import BACKENDS
from tests.app.test_notify import Hook, add_rule, seed_rule, verified
from tests.app.test_notify import client as client  # noqa: PLC0414 - the service, as a fixture
from tests.app.test_notify import engine as engine  # noqa: PLC0414 - its database, as a fixture
from tests.app.test_notify import hook as hook  # noqa: PLC0414 - the receiver, as a fixture
from tests.app.test_publishing import CUSTOMER_CHAIN, NOW, provider_chain

URL = "https://provider.example/pub/host/hosting"
PUBLISH = {"name": "hosting", "offerings": ["vm-hosting"]}


def hour() -> notify.NotifySettings:
    """The sender's settings from the environment, with the refresh's default interval."""
    return notify.NotifySettings(refresh_interval=3600)


class Provider:
    """The provider's publication, fetched from the service; each fetch counted."""

    def __init__(self, client: TestClient, host: Ws, shop: Ws) -> None:
        self.client, self.host, self.shop = client, host, shop
        self.fetches: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, url: str, token: str | None) -> bytes:
        with self.lock:
            self.fetches.append(url)
            answer = self.client.get(url.removeprefix("https://provider.example"))
        assert answer.status_code == 200, answer.text
        content: bytes = answer.content
        return content


@pytest.fixture
def provider(
    client: TestClient, make_workspace: Callable[[str], Ws], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Provider]:
    """Workspace ``host`` publishing ``hosting`` (version 1), workspace ``shop`` subscribed to
    it and told of its new versions by webhook; the fetches counted from here on."""
    host, shop = make_workspace("host"), make_workspace("shop")
    for ws, data in ((host, provider_chain()), (shop, CUSTOMER_CHAIN)):
        assert client.post(ws.url("/import"), content=data, headers=ws.auth()).status_code == 200
    fetch = Provider(client, host, shop)
    monkeypatch.setattr(publishing, "fetch", fetch)
    key = client.post(host.url("/publications"), json=PUBLISH, headers=host.auth()).json()["key"]
    answer = client.post(
        shop.url("/subscriptions"), json={"url": URL, "public_key": key}, headers=shop.auth()
    )
    assert answer.status_code == 201, answer.text
    fetch.fetches.clear()
    yield fetch


def lapse(client: TestClient, host: Ws) -> None:
    """The provider's certificate lapses (before NOW), and it publishes that as version 2."""
    lapsed = provider_chain("2026-11-30")
    assert client.post(host.url("/import"), content=lapsed, headers=host.auth()).is_success
    answer = client.post(host.url("/publications"), json=PUBLISH, headers=host.auth())
    assert answer.json()["version"] == 2


def held(engine: Engine) -> int:
    with Session(engine) as session:
        (row,) = session.exec(select(Subscription)).all()
        return row.version


def test_two_rounds_started_together_fetch_the_new_version_once_and_tell_it(
    client: TestClient, engine: Engine, provider: Provider, hook: Hook
) -> None:
    """Version 2 turns the customer's link to the VM a gap. Two rounds in two threads at once:
    one fetches it (once), and the same round posts the signed webhook that names the new
    version and the gap; the other does nothing."""
    shop, host = provider.shop, provider.host
    rule = add_rule(client, shop, event="subscription", channel="webhook", target=hook.url)
    lapse(client, host)
    start = threading.Barrier(2)
    summaries: list[notify.Summary] = []

    def sender() -> None:
        start.wait()
        summaries.append(notify.run_once(engine, NOW, settings=hour()))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(provider.fetches) == 1
    assert held(engine) == 2
    (summary,) = [s for s in summaries if s.leased]
    assert (summary.refreshed, summary.sent, len(summaries)) == (1, 1, 2)
    ((headers, body),) = hook.posts
    assert verified(rule["secret"], headers, body)
    document = json.loads(body)
    assert (document["event"], document["workspace"]) == ("subscription", "shop")
    assert (document["about"]["before"], document["about"]["version"]) == (1, 2)
    assert "App (app) -> VM hosting (vm-hosting): gap" in document["text"]


def test_the_subscriptions_are_fetched_again_only_after_the_interval(
    client: TestClient, engine: Engine, provider: Provider, hook: Hook
) -> None:
    """The first round fetches; rounds within the hour do not, and a version published
    meanwhile waits; the first round after the hour takes it and tells it. With the interval 0
    no round fetches."""
    shop, host = provider.shop, provider.host
    add_rule(client, shop, event="subscription", channel="webhook", target=hook.url)
    assert notify.run_once(engine, NOW, settings=hour()).refreshed == 0
    assert len(provider.fetches) == 1  # version 1 again: nothing changed, nothing told
    lapse(client, host)
    later = notify.run_once(engine, NOW + timedelta(minutes=59), settings=hour())
    assert (later.refreshed, later.sent, len(provider.fetches), held(engine)) == (0, 0, 1, 1)
    off = hour().model_copy(update={"refresh_interval": 0})
    assert notify.run_once(engine, NOW + timedelta(hours=2), settings=off).refreshed == 0
    assert len(provider.fetches) == 1
    due = notify.run_once(engine, NOW + timedelta(hours=1), settings=hour())
    assert (due.refreshed, due.sent, len(provider.fetches), held(engine)) == (1, 1, 2, 2)
    assert json.loads(hook.posts[0][1])["about"]["version"] == 2


def test_a_forged_version_fetched_on_schedule_is_refused_and_told(
    client: TestClient, engine: Engine, provider: Provider, hook: Hook
) -> None:
    """The scheduled fetch verifies as a fetch on request does: a version changed after
    signing is refused, the version held stays, and the refusal is told."""
    shop, host = provider.shop, provider.host
    add_rule(client, shop, event="subscription", channel="webhook", target=hook.url)
    lapse(client, host)
    real = publishing.fetch

    def forged(url: str, token: str | None) -> bytes:
        return real(url, token).replace(b"2026-11-30", b"2099-12-31")

    summary = notify.run_once(engine, NOW, settings=hour(), get=forged)
    assert (summary.refreshed, summary.refused, summary.sent, held(engine)) == (0, 1, 1, 1)
    refusal = json.loads(hook.posts[0][1])
    assert "signature" in refusal["about"]["reason"]


def test_with_sending_off_the_scheduler_still_fetches_and_queues_nothing(
    client: TestClient,
    engine: Engine,
    provider: Provider,
    hook: Hook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """serve with KETENKAART_NOTIFY_INTERVAL=0 (notifications sent by cron) fetches the new
    version every KETENKAART_REFRESH_INTERVAL seconds, and leaves the telling to cron."""
    add_rule(client, provider.shop, event="subscription", channel="webhook", target=hook.url)
    lapse(client, provider.host)
    monkeypatch.setenv("KETENKAART_NOTIFY_INTERVAL", "0")
    monkeypatch.setenv("KETENKAART_REFRESH_INTERVAL", "0.05")

    async def serve() -> None:
        task = notify.start_scheduler(engine)
        assert task is not None
        for _ in range(200):
            if await asyncio.to_thread(held, engine) == 2:
                break
            await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(serve())
    assert held(engine) == 2
    assert hook.posts == []
    with Session(engine) as session:
        assert session.exec(select(Notification)).all() == []
    monkeypatch.setenv("KETENKAART_REFRESH_INTERVAL", "0")

    async def off() -> None:
        assert notify.start_scheduler(engine) is None

    asyncio.run(off())


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_fetches_the_new_version_over_http_and_tells_it(
    backend: str, tmp_path: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two services on loopback (tests/app/test_two_services.py), their schedulers running
    (rounds every 0.2 s, a fetch due every second): after the provider publishes the version
    in which its certificate lapsed, nobody asks the customer to refresh, yet the customer's
    service takes it and posts the signed webhook naming the link that is a gap now."""
    own = test_cli_service.environment  # what test_two_services starts its services with

    def scheduled(url: str) -> dict[str, str]:
        return own(url) | {
            "KETENKAART_NOTIFY_INTERVAL": "0.2",
            "KETENKAART_REFRESH_INTERVAL": "1",
            "KETENKAART_NOTIFY_PRIVATE_TARGETS": "1",
        }

    monkeypatch.setattr(test_two_services, "environment", scheduled)
    shared = "the receiver's secret"
    with (
        test_two_services.side(backend, tmp_path, "host", provider_chain()) as provider,
        test_two_services.side(backend, tmp_path, "shop", CUSTOMER_CHAIN) as customer,
    ):
        made = provider.api("POST", "/publications", json=PUBLISH).json()
        url = provider.base + made["url"]
        answer = customer.api(
            "POST", "/subscriptions", json={"url": url, "public_key": made["key"]}
        )
        assert answer.status_code == 201, answer.text
        seed_rule(customer.engine, "shop", event="subscription", channel="webhook",
                  target=hook.url, secret=shared)  # fmt: skip
        assert provider.api("POST", "/import", content=provider_chain("2026-11-30")).is_success
        assert provider.api("POST", "/publications", json=PUBLISH).json()["version"] == 2
        deadline = time.monotonic() + 60
        while not hook.posts and time.monotonic() < deadline:
            time.sleep(0.1)
        ((headers, body),) = hook.posts
        assert verified(shared, headers, body)
        document = json.loads(body)
        assert (document["about"]["before"], document["about"]["version"]) == (1, 2)
        assert "App (app) -> VM hosting (vm-hosting): gap" in document["text"]
        (held_now,) = customer.api("GET", "/subscriptions").json()
        assert held_now["version"] == 2
        assert customer.link() == "gap"
