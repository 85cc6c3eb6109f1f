"""Two services on loopback, a provider and a customer, each with its own database, through
the whole cycle of publishing and subscribing (ADR 40): publish, subscribe, a new version that
turns the customer's link red, a forged version and a rolled-back one refused.

The services are uvicorn processes of :func:`service` (the application with the publications'
routes); the customer fetches the provider's publications over HTTP. SQLite files always;
PostgreSQL, a fresh database per service, when ``KETENKAART_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlmodel import Session

from app import membership, services
from app.audit import COMMAND_LINE
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from tests.app.test_cli_service import (
    BACKENDS,
    database,
    environment,
    free_port,
    stop,
    wait_until_healthy,
)
from tests.app.test_publishing import CUSTOMER_CHAIN, provider_chain

ROOT = Path(__file__).resolve().parents[2]


def service() -> FastAPI:
    """The service as ``ketenkaart serve`` makes it (uvicorn's factory)."""
    return create_app()


@contextlib.contextmanager
def running(url: str) -> Iterator[str]:
    """A service on a free loopback port over the database at ``url``; its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "tests.app.test_two_services:service",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        # the provider is on this machine's loopback, which a subscription refuses by default
        env={**environment(url), "KETENKAART_SUBSCRIBE_PRIVATE_TARGETS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process)
        yield base
    finally:
        stop(process)


def workspace(engine: Engine, slug: str) -> str:
    """A new workspace ``slug`` and an owner's token of it."""
    with Session(engine) as session:
        membership.create_workspace(session, slug=slug, name=None, owner=None, actor=COMMAND_LINE)
        return services.create_token(session, slug=slug, role="owner", expires=None)


class Side:
    """One service of the test: its address, its database and its workspace's token."""

    def __init__(self, base: str, engine: Engine, slug: str, token: str) -> None:
        self.base, self.engine, self.slug = base, engine, slug
        self.headers = {"Authorization": f"Bearer {token}"}

    def api(self, method: str, tail: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.base}/api/v1/workspaces/{self.slug}{tail}"
        return httpx.request(method, url, headers=self.headers, timeout=60.0, **kwargs)

    def link(self) -> str:
        """The status of the customer's link app -> vm-hosting in its check."""
        check = self.api("GET", "/check?at=2026-12-05").json()
        (found,) = [x for x in check["links"] if (x["from"], x["to"]) == ("app", "vm-hosting")]
        return str(found["status"])

    def trail(self, action: str) -> list[dict[str, Any]]:
        items = self.api("GET", "/audit?limit=1000").json()["items"]
        return [entry for entry in items if entry["action"] == action]


@contextlib.contextmanager
def side(backend: str, folder: Path, slug: str, chain: bytes) -> Iterator[Side]:
    """A service with a database of its own, holding workspace ``slug`` with ``chain``."""
    with database(backend, folder) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            token = workspace(engine, slug)
            with running(url) as base:
                made = Side(base, engine, slug, token)
                answer = made.api("POST", "/import", content=chain)
                assert answer.status_code == 200, answer.text
                yield made
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_customer_builds_on_a_providers_publication_over_http(
    backend: str, tmp_path: Path
) -> None:
    """Publish, subscribe, a new version that turns the customer's link red; a forged version
    and a rolled-back one are refused and recorded, and the version held stays."""
    with (
        side(backend, tmp_path, "host", provider_chain()) as provider,
        side(backend, tmp_path, "shop", CUSTOMER_CHAIN) as customer,
    ):
        # publish: the customer's own register has no evidence for its provider's service
        assert customer.link() == "gap"
        body = {"name": "hosting", "offerings": ["vm-hosting"]}
        made = provider.api("POST", "/publications", json=body)
        assert made.status_code == 201, made.text
        key, url = made.json()["key"], provider.base + made.json()["url"]
        assert httpx.get(f"{provider.base}/pub/host").json()["key"] == key

        # subscribe: the provider's certificate now covers the customer's link
        answer = customer.api("POST", "/subscriptions", json={"url": url, "public_key": key})
        assert answer.status_code == 201, answer.text
        sid = answer.json()["id"]
        assert customer.link() == "ok"
        origins = customer.api("GET", "/upstream").json()
        evidence = next(o for o in origins if o["id"] == "host-zo")
        assert (evidence["publisher"], evidence["version"]) == ("host", 1)
        assert evidence["signature_valid"] is True

        # a new version: the certificate lapsed; a refresh turns the customer's link red
        lapsed = provider_chain("2026-11-30")
        assert provider.api("POST", "/import", content=lapsed).status_code == 200
        assert provider.api("POST", "/publications", json=body).json()["version"] == 2
        refreshed = customer.api("POST", f"/subscriptions/{sid}/refresh")
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.json()["version"] == 2
        assert customer.link() == "gap"

        # a forged version 3: the provider's stored document changed after signing
        assert provider.api("POST", "/publications", json=body).json()["version"] == 3
        forged = httpx.get(url).json()
        forged["chain"]["evidence"][0]["valid_until"] = "2099-12-31"
        with provider.engine.begin() as connection:
            connection.execute(
                text("UPDATE publication SET body = :body WHERE version = 3"),
                {"body": json.dumps(forged)},
            )
        refused = customer.api("POST", f"/subscriptions/{sid}/refresh")
        assert refused.status_code == 409
        assert "signature" in refused.json()["detail"]
        assert customer.link() == "gap"

        # a rollback: the provider serves version 1 again (its newer versions gone)
        with provider.engine.begin() as connection:
            connection.execute(text("DELETE FROM publication WHERE version > 1"))
        assert httpx.get(url).json()["version"] == 1
        rolled = customer.api("POST", f"/subscriptions/{sid}/refresh")
        assert rolled.status_code == 409
        assert "older" in rolled.json()["detail"]
        assert customer.link() == "gap"

        (held,) = customer.api("GET", "/subscriptions").json()
        assert held["version"] == 2
        reasons = [entry["after"]["reason"] for entry in customer.trail("refuse")]
        assert len(reasons) == 2
        assert "signature" in reasons[0]
        assert "older" in reasons[1]
