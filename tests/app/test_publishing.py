"""Publishing part of a register and subscribing to another's (ADR 40), in one service.

A provider's and a customer's workspace share this test's database; the customer's fetch of a
publication is a request to the same service (``tests/app/test_two_services.py`` runs two
services over real HTTP). On SQLite and, when set, PostgreSQL.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import accounts, backup, cli_publishing, membership, outbound, publishing, services
from app.audit import COMMAND_LINE
from app.cli_base import Parser
from app.config import Settings
from app.db import make_engine
from app.errors import Invalid
from app.main import create_app
from app.migrate import upgrade
from app.models import Subscription
from graph import i18n
from graph.errors import UsageError
from importers.chainfile import dump_plain, load_chain
from tests.app.conftest import Ws, make_user
from tests.app.test_pages import sign_in

PROVIDER_CHAIN = b"""\
ketenkaart: 1
offerings: [vm-hosting, other-offer]
suppliers:
  - {id: hostco, name: HostCo B.V., country: NL, x-account: "4711"}
services:
  - {id: vm-hosting, name: VM hosting, supplier: hostco, kind: iaas, x-internal: secret}
  - {id: other-offer, name: Other, supplier: hostco, kind: saas}
evidence:
  - id: host-zo
    scheme: zeker-online
    holder: hostco
    covers: [vm-hosting]
    issued: 2026-03-01
    valid_until: VALID_UNTIL
"""

CUSTOMER_CHAIN = b"""\
ketenkaart: 1
offerings: [app, intranet]
suppliers:
  - {id: me, name: Me B.V., country: NL}
  - {id: hostco, name: HostCo, country: NL}
services:
  - {id: app, name: App, supplier: me, kind: saas}
  - {id: intranet, name: Intranet, supplier: me, kind: saas}
  - {id: vm-hosting, name: VM hosting, supplier: hostco, kind: iaas}
dependencies:
  - {from: app, to: vm-hosting, role: hosting}
"""

URL = "https://provider.example/pub/host/hosting"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
"""The service's clock in these tests."""


def provider_chain(valid_until: str = "2027-12-01") -> bytes:
    """The provider's register, its certificate valid until ``valid_until``."""
    return PROVIDER_CHAIN.replace(b"VALID_UNTIL", valid_until.encode())


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """A test client of the service, its clock at NOW."""
    config = Settings(database_url="sqlite://", public_url="https://testserver")
    app = create_app(config, engine=engine)
    app.state.clock = lambda: NOW
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def host(client: TestClient, make_workspace: Callable[[str], Ws]) -> Ws:
    """The provider's workspace ``host`` with its register imported."""
    ws = make_workspace("host")
    answer = client.post(ws.url("/import"), content=provider_chain(), headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    return ws


@pytest.fixture
def shop(client: TestClient, make_workspace: Callable[[str], Ws]) -> Ws:
    """The customer's workspace ``shop``: its app runs on the provider's ``vm-hosting``."""
    ws = make_workspace("shop")
    answer = client.post(ws.url("/import"), content=CUSTOMER_CHAIN, headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    return ws


@pytest.fixture
def served(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Subscriptions fetch from this service; ``served["body"]``, when set, is answered
    instead (a forged or old version)."""
    seen: dict[str, Any] = {"body": None, "tokens": []}

    def fetch(url: str, token: str | None) -> bytes:
        seen["tokens"].append(token)
        given: bytes | None = seen["body"]
        if given is not None:
            return given
        path = url.removeprefix("https://provider.example")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = client.get(path, headers=headers)
        if answer.status_code != 200:
            raise publishing.Refused(f"the publication's address answered {answer.status_code}")
        content: bytes = answer.content
        return content

    monkeypatch.setattr(publishing, "fetch", fetch)
    return seen


def publish(client: TestClient, ws: Ws, **body: Any) -> dict[str, Any]:
    """Publish ``vm-hosting`` as ``hosting`` (or what ``body`` says); the answer."""
    answer = client.post(
        ws.url("/publications"),
        json={"name": "hosting", "offerings": ["vm-hosting"], **body},
        headers=ws.auth("owner"),
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def subscribe(client: TestClient, ws: Ws, key: str, **body: Any) -> Any:
    return client.post(
        ws.url("/subscriptions"),
        json={"url": URL, "public_key": key, **body},
        headers=ws.auth("editor"),
    )


def link_status(client: TestClient, ws: Ws) -> str:
    """The status of the customer's link app -> vm-hosting in its check today."""
    check = client.get(ws.url("/check?at=2026-12-05"), headers=ws.auth("viewer")).json()
    (link,) = [x for x in check["links"] if (x["from"], x["to"]) == ("app", "vm-hosting")]
    return str(link["status"])


def trail(client: TestClient, ws: Ws, action: str) -> list[dict[str, Any]]:
    items = client.get(ws.url("/audit?limit=1000"), headers=ws.auth("owner")).json()["items"]
    return [e for e in items if e["action"] == action]


# --- publishing -------------------------------------------------------------------------------


def test_a_publication_is_the_offerings_sub_chain_signed_at_a_stable_address(
    client: TestClient, host: Ws
) -> None:
    """The chain published is the chosen offering and what lies under it, without x- keys,
    with its verdicts; the signature holds with the key /pub/{ws} serves."""
    made = publish(client, host)
    assert (made["version"], made["url"], made["access"]) == (1, "/pub/host/hosting", "public")
    answer = client.get("/pub/host/hosting")
    assert answer.status_code == 200
    document = answer.json()
    chain = document["chain"]
    assert chain["offerings"] == ["vm-hosting"]
    assert [s["id"] for s in chain["services"]] == ["vm-hosting"]
    assert "x-internal" not in chain["services"][0]
    assert "x-account" not in chain["suppliers"][0]
    assert document["verdicts"]["offerings"] == ["vm-hosting"]
    key = client.get("/pub/host").json()["key"]
    assert key == made["key"] == document["key"]
    signature = base64.b64decode(document["signature"])
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key)).verify(
        signature, publishing.signed_bytes(document)
    )


def test_each_publication_is_a_new_version_and_old_ones_stay(client: TestClient, host: Ws) -> None:
    """A second publication is version 2 at the latest address; version 1 stays as it was,
    signed with the same key."""
    first = client.get("/pub/host/hosting").status_code
    one = publish(client, host)
    two = publish(client, host, extra=["x-internal"])
    assert first == 404
    assert (one["version"], two["version"], one["key"]) == (1, 2, two["key"])
    assert client.get("/pub/host/hosting").json()["version"] == 2
    old = client.get("/pub/host/hosting/1").json()
    assert old["version"] == 1
    assert "x-internal" not in old["chain"]["services"][0]
    latest = client.get("/pub/host/hosting").json()
    assert latest["chain"]["services"][0]["x-internal"] == "secret"
    assert client.get("/pub/host/hosting/3").status_code == 404
    listed = client.get(host.url("/publications"), headers=host.auth("owner")).json()
    assert [p["version"] for p in listed["publications"]] == [2, 1]


def test_only_an_owner_publishes_and_the_trail_records_it(client: TestClient, host: Ws) -> None:
    """An editor may not publish; an owner's publication is an entry of the audit trail."""
    refused = client.post(
        host.url("/publications"),
        json={"name": "hosting", "offerings": ["vm-hosting"]},
        headers=host.auth("editor"),
    )
    assert refused.status_code == 403
    publish(client, host)
    (entry,) = trail(client, host, "publish")
    assert entry["target"] == "publication/hosting"
    assert entry["after"]["version"] == 1
    assert entry["after"]["offerings"] == ["vm-hosting"]


def test_a_publication_names_only_offerings_of_the_register(client: TestClient, host: Ws) -> None:
    """Publishing a service that is not an offering, or a bad name, is refused (422)."""
    for body in (
        {"name": "hosting", "offerings": ["nope"]},
        {"name": "Hosting!", "offerings": ["vm-hosting"]},
    ):
        answer = client.post(host.url("/publications"), json=body, headers=host.auth("owner"))
        assert answer.status_code == 422, answer.text


def test_a_publication_behind_a_token_is_served_only_with_it(client: TestClient, host: Ws) -> None:
    """Without its token, or with another, a publication is not there (404); the next
    version keeps the token unless a new one is asked for; it is never listed in /pub/{ws}."""
    token = publish(client, host, access="token")["token"]
    assert client.get("/pub/host/hosting").status_code == 404
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/pub/host/hosting", headers=wrong).status_code == 404
    right = {"Authorization": f"Bearer {token}"}
    assert client.get("/pub/host/hosting", headers=right).status_code == 200
    again = publish(client, host, access="token")
    assert "token" not in again
    assert client.get("/pub/host/hosting/2", headers=right).status_code == 200
    renewed = publish(client, host, access="token", new_token=True)["token"]
    assert client.get("/pub/host/hosting/3", headers=right).status_code == 404
    fresh = {"Authorization": f"Bearer {renewed}"}
    assert client.get("/pub/host/hosting/3", headers=fresh).status_code == 200
    assert client.get("/pub/host").json()["publications"] == []


# --- subscribing ------------------------------------------------------------------------------


def test_a_subscribed_chain_is_judged_with_the_customers_register(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """The customer's link to the provider's service has no evidence of its own: after
    subscribing, the provider's certificate covers it; each entity it took shows its origin."""
    assert link_status(client, shop) == "gap"
    key = publish(client, host)["key"]
    answer = subscribe(client, shop, key)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["publisher"], answer.json()["version"]) == ("host", 1)
    assert answer.json()["offerings"] == ["vm-hosting"]
    assert link_status(client, shop) == "ok"
    origins = client.get(shop.url("/upstream"), headers=shop.auth("auditor")).json()
    by_id = {(o["section"], o["id"]): o for o in origins}
    assert set(by_id) == {
        ("suppliers", "hostco"),
        ("services", "vm-hosting"),
        ("evidence", "host-zo"),
    }
    origin = by_id["evidence", "host-zo"]
    assert (origin["publisher"], origin["publication"], origin["version"]) == (
        "host",
        "hosting",
        1,
    )
    assert origin["signature_valid"] is True
    assert origin["fetched_at"]
    (entry,) = trail(client, shop, "subscribe")
    assert entry["after"]["url"] == URL


def test_a_new_version_that_turns_a_link_red_shows_after_a_refresh(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """The provider's certificate lapses in version 2: after a refresh the customer's link
    is a gap, the refresh says what changed (the certificate's end, the link's status), and
    the trail holds the change of version."""
    key = publish(client, host)["key"]
    sid = subscribe(client, shop, key).json()["id"]
    assert link_status(client, shop) == "ok"
    client.post(host.url("/import"), content=provider_chain("2026-11-30"), headers=host.auth())
    publish(client, host)
    answer = client.post(shop.url(f"/subscriptions/{sid}/refresh"), headers=shop.auth("editor"))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["version"], answer.json()["changed"]) == (2, True)
    assert link_status(client, shop) == "gap"
    changes = answer.json()["changes"]
    ((entity, fields),) = [((e["section"], e["key"]), e["fields"]) for e in changes["entities"]]
    assert entity == ("evidence", ["host-zo"])
    assert [(f["field"], f["old"], f["new"]) for f in fields] == [
        ("valid_until", "2027-12-01", "2026-11-30")
    ]
    (link,) = changes["links"]
    assert (link["from"], link["to"], link["old"]["status"], link["new"]["status"]) == (
        "app",
        "vm-hosting",
        "ok",
        "gap",
    )
    (entry,) = trail(client, shop, "update")
    assert (entry["before"]["version"], entry["after"]["version"]) == (1, 2)
    assert entry["after"]["changes"] == {"entities": 1, "links": 1}
    same = client.post(shop.url(f"/subscriptions/{sid}/refresh"), headers=shop.auth("editor"))
    assert (same.json()["version"], same.json()["changed"]) == (2, False)


def test_a_scoped_auditor_sees_upstream_entities_only_under_the_scope(
    client: TestClient, engine: Engine, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """An auditor of the offering that relies on the provider sees the provider's entities
    and their origin; an auditor of another offering sees none of them."""
    key = publish(client, host)["key"]
    assert subscribe(client, shop, key).status_code == 201
    seen = {}
    for offering in ("app", "intranet"):
        email = f"{offering}@auditors.example"
        make_user(engine, email)
        with Session(engine) as session:
            workspace = services.workspace_for(session, shop.slug)
            membership.create_grant(
                session,
                workspace=workspace,
                email=email,
                offerings=[offering],
                starts=date(2026, 1, 1),
                ends=date(2999, 12, 31),
                actor=COMMAND_LINE,
            )
            user = accounts.user_by_email(session, email)
            assert user is not None
            token = services.create_token(
                session, slug=shop.slug, role="auditor", expires=None, user_id=user.id
            )
        headers = {"Authorization": f"Bearer {token}"}
        origins = client.get(shop.url("/upstream"), headers=headers).json()
        check = client.get(shop.url("/check?at=2026-12-05"), headers=headers).json()
        seen[offering] = ({o["id"] for o in origins}, {x["to"] for x in check["links"]})
    assert seen["app"] == ({"hostco", "vm-hosting", "host-zo"}, {"vm-hosting"})
    assert seen["intranet"] == (set(), set())


def _forged(client: TestClient) -> bytes:
    document = client.get("/pub/host/hosting").json()
    document["version"] += 1
    document["chain"]["evidence"][0]["valid_until"] = "2099-01-01"
    return json.dumps(document).encode()


def test_a_forged_version_is_refused_recorded_and_the_held_one_stays(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """A version changed after signing is refused (409); the refusal is in the trail and on
    the subscription; the customer keeps judging the version held."""
    key = publish(client, host)["key"]
    sid = subscribe(client, shop, key).json()["id"]
    served["body"] = _forged(client)
    answer = client.post(shop.url(f"/subscriptions/{sid}/refresh"), headers=shop.auth("editor"))
    assert answer.status_code == 409
    assert "signature" in answer.json()["detail"]
    (entry,) = trail(client, shop, "refuse")
    assert entry["after"]["version"] == 2
    assert "signature" in entry["after"]["reason"]
    (held,) = client.get(shop.url("/subscriptions"), headers=shop.auth("viewer")).json()
    assert held["version"] == 1
    assert "signature" in held["refusal"]
    assert link_status(client, shop) == "ok"
    dutch = client.post(
        shop.url(f"/subscriptions/{sid}/refresh"),
        headers={**shop.auth("editor"), "Accept-Language": "nl"},
    )
    assert dutch.json()["detail"].startswith("geweigerd: de handtekening van de publicatie")


def test_a_rolled_back_version_is_refused(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """Version 1 served again after version 2 was fetched is refused, though its signature
    holds: a publication never goes back."""
    key = publish(client, host)["key"]
    old = client.get("/pub/host/hosting/1").content
    sid = subscribe(client, shop, key).json()["id"]
    publish(client, host)
    client.post(shop.url(f"/subscriptions/{sid}/refresh"), headers=shop.auth("editor"))
    served["body"] = old
    answer = client.post(shop.url(f"/subscriptions/{sid}/refresh"), headers=shop.auth("editor"))
    assert answer.status_code == 409
    assert "older" in answer.json()["detail"]
    assert (
        client.get(shop.url("/subscriptions"), headers=shop.auth("viewer")).json()[0]["version"]
        == 2
    )


def test_a_publication_signed_with_another_key_is_refused(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """A subscription with a key that is not the publisher's is refused, and so is a
    version signed (validly) with a new key after subscribing."""
    key = publish(client, host)["key"]
    other = Ed25519PrivateKey.generate()
    wrong = base64.b64encode(publishing._public_raw(other)).decode()
    refused = subscribe(client, shop, wrong)
    assert refused.status_code == 409
    assert "another key" in refused.json()["detail"]
    assert client.get(shop.url("/subscriptions"), headers=shop.auth("viewer")).json() == []
    sid = subscribe(client, shop, key).json()["id"]
    document = client.get("/pub/host/hosting").json()
    document["version"] = 2
    served["body"] = json.dumps(publishing.sign(document, other)).encode()
    answer = client.post(shop.url(f"/subscriptions/{sid}/refresh"), headers=shop.auth("editor"))
    assert answer.status_code == 409
    assert "another key" in answer.json()["detail"]
    assert len(trail(client, shop, "refuse")) == 2


def test_a_subscription_to_a_token_publication_fetches_with_the_token(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """Without the token the publication is not there; with it, it is; the token is never
    shown back."""
    made = publish(client, host, access="token")
    assert subscribe(client, shop, made["key"]).status_code == 409
    answer = subscribe(client, shop, made["key"], token=made["token"])
    assert answer.status_code == 201, answer.text
    assert answer.json()["token"] is True
    assert (
        made["token"]
        not in client.get(shop.url("/subscriptions"), headers=shop.auth("viewer")).text
    )


def test_only_editors_and_owners_subscribe(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """A viewer or an auditor may not subscribe (403)."""
    key = publish(client, host)["key"]
    for role in ("viewer", "auditor"):
        answer = client.post(
            shop.url("/subscriptions"),
            json={"url": URL, "public_key": key},
            headers=shop.auth(role),
        )
        assert answer.status_code == 403


def test_refresh_all_fetches_every_subscription(
    client: TestClient, engine: Engine, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """What a scheduler calls: each subscription gets its newest version, or its refusal."""
    key = publish(client, host)["key"]
    sid = subscribe(client, shop, key).json()["id"]
    publish(client, host)
    (done,) = publishing.refresh_all(engine)
    assert done.refreshed is not None
    assert (done.workspace, done.subscription, done.url) == ("shop", sid, URL)
    assert (done.refreshed.changed, done.refreshed.subscription.version) == (True, 2)
    assert publishing.refresh_all(engine, workspace="host") == []
    served["body"] = _forged(client)
    (refused,) = publishing.refresh_all(engine)
    assert refused.refreshed is None
    assert refused.refusal is not None
    assert "signature" in refused.refusal
    (entry,) = trail(client, shop, "update")
    assert entry["actor"]["via"] == "scheduler"


# --- fetching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "http:///x"])
def test_fetch_takes_only_http_addresses(url: str) -> None:
    """A subscription fetches over HTTP(S) only."""
    with pytest.raises(Invalid):
        publishing.fetch(url, None)


@pytest.fixture
def web() -> Iterator[str]:
    """A small web server on loopback: /big answers more than a publication may be, /moved
    redirects to a file, /ftp to FTP, /to-metadata to a cloud's metadata address."""
    redirects = {
        "/moved": "file:///etc/passwd",
        "/ftp": "ftp://127.0.0.1/x",
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path])
                self.end_headers()
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 2048)

        def log_message(self, *args: object) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_stops_at_its_limit_and_at_a_redirect_away_from_http(
    web: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer larger than the limit is refused, not read whole; so is a redirect to a
    file or to FTP."""
    monkeypatch.setenv(publishing.PRIVATE_TARGETS, "1")  # the test's server is on loopback
    assert publishing.fetch(f"{web}/big", None, limit=4096) == b"x" * 2048
    with pytest.raises(publishing.Refused, match="larger than 1024"):
        publishing.fetch(f"{web}/big", None, limit=1024)
    with pytest.raises(publishing.Refused, match="302"):
        publishing.fetch(f"{web}/moved", None)
    with pytest.raises(publishing.Refused, match="away from HTTP"):
        publishing.fetch(f"{web}/ftp", None)


def seed_subscription(engine: Engine, slug: str, url: str = "http://127.0.0.1:9/pub/h/h") -> int:
    """A subscription of workspace ``slug`` to a publication of the provider's chain, signed
    with a key of its own, as if fetched from ``url`` (nothing answers there): for tests that
    walk every route, such as the route-by-role test. Its id."""
    chain = load_chain(provider_chain())
    fields = {
        "publication": publishing.FORMAT,
        "workspace": "h",
        "name": "h",
        "version": 1,
        "published_at": "2026-12-05T00:00:00+00:00",
        "offerings": ["vm-hosting"],
        "chain": dump_plain(chain),
        "verdicts": {},
    }
    key = Ed25519PrivateKey.generate()
    document = publishing.sign(fields, key)
    with Session(engine) as session:
        workspace = services.workspace_for(session, slug)
        row = Subscription(
            workspace_id=workspace.id or 0,
            url=url,
            public_key=document["key"],
            publisher="h",
            name="h",
            version=1,
            published_at=datetime(2026, 12, 5, tzinfo=UTC),
            fetched_at=datetime(2026, 12, 5, tzinfo=UTC),
            body=json.dumps(document),
        )
        session.add(row)
        session.commit()
        return row.id or 0


def test_a_seeded_subscription_is_judged_and_a_refresh_of_it_is_refused(
    client: TestClient, engine: Engine, shop: Ws
) -> None:
    """The seed of the route walks merges like a fetched one, and its refresh reaches the
    fetch (refused: nothing answers), leaving the register as it was."""
    sid = seed_subscription(engine, shop.slug)
    assert link_status(client, shop) == "ok"
    before = client.get(shop.url("/export"), headers=shop.auth()).content
    answer = client.post(shop.url(f"/subscriptions/{sid}/refresh"), headers=shop.auth("editor"))
    assert answer.status_code == 409
    assert client.get(shop.url("/export"), headers=shop.auth()).content == before


def test_ending_a_subscription_takes_its_chain_out_of_the_register_judged(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """Ending needs If-Match with the version held; then the customer's link is judged on its
    own register again, and the trail records the end."""
    key = publish(client, host)["key"]
    sid = subscribe(client, shop, key).json()["id"]
    url = shop.url(f"/subscriptions/{sid}")
    assert client.delete(url, headers=shop.auth("viewer")).status_code == 403
    assert client.delete(url, headers=shop.auth("editor")).status_code == 428
    stale = client.delete(url, headers={**shop.auth("editor"), "If-Match": '"2"'})
    assert stale.status_code == 412
    assert link_status(client, shop) == "ok"
    done = client.delete(url, headers={**shop.auth("editor"), "If-Match": '"1"'})
    assert done.status_code == 204
    assert link_status(client, shop) == "gap"
    assert client.get(shop.url("/subscriptions"), headers=shop.auth("viewer")).json() == []
    (entry,) = trail(client, shop, "unsubscribe")
    assert (entry["before"]["url"], entry["before"]["version"]) == (URL, 1)


# --- the command line -------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="ketenkaart")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)
    cli_publishing.add_parsers(commands)
    return parser


def test_subscriptions_refresh_says_what_each_came_to(
    client: TestClient, engine: Engine, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """``ketenkaart subscriptions refresh``: a line per subscription, its new version and
    what it changed, or unchanged, or the refusal, which makes the command fail."""
    key = publish(client, host)["key"]
    subscribe(client, shop, key)
    assert cli_publishing.refresh(engine, workspace=None, at=NOW) == (
        [f"shop: {URL}: version 1, unchanged"],
        False,
    )
    with i18n.using("nl"):
        dutch, _ = cli_publishing.refresh(engine, workspace=None, at=NOW)
    assert dutch == [f"shop: {URL}: versie 1, ongewijzigd"]
    client.post(host.url("/import"), content=provider_chain("2026-11-30"), headers=host.auth())
    publish(client, host)
    lines, refused = cli_publishing.refresh(engine, workspace="shop")
    assert lines == [
        f"shop: {URL}: version 2, new (was 1): 1 entity changed, 1 link changed status"
    ]
    assert refused is False
    served["body"] = _forged(client)
    (line,), refused = cli_publishing.refresh(engine, workspace=None, at=NOW)
    assert refused is True
    assert "signature does not hold" in line
    (entry,) = trail(client, shop, "update")
    assert entry["actor"]["via"] == "cli"


def test_subscriptions_refresh_reads_its_arguments_and_refuses_a_bad_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command takes --workspace and --database-url; a database without subscriptions
    prints nothing and succeeds; a URL that is none is a usage error."""
    args = _parser().parse_args(
        ["subscriptions", "refresh", "--workspace", "shop", "--database-url", "sqlite://"]
    )
    assert (args.workspace, args.database_url) == ("shop", "sqlite://")
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert (
        cli_publishing.run_command(
            _parser().parse_args(["subscriptions", "refresh", "--database-url", url])
        )
        == 0
    )
    assert capsys.readouterr().out == ""
    bad = _parser().parse_args(["subscriptions", "refresh", "--database-url", "nope://"])
    with pytest.raises(UsageError):
        cli_publishing.run_command(bad)


def test_a_held_version_changed_in_the_database_shows_its_signature_broken(
    client: TestClient, engine: Engine, shop: Ws
) -> None:
    """The origin's signature is checked again on every read: a stored version edited
    behind the service's back is shown with ``signature_valid`` false."""
    sid = seed_subscription(engine, shop.slug)
    origins = client.get(shop.url("/upstream"), headers=shop.auth("viewer")).json()
    assert {o["signature_valid"] for o in origins} == {True}
    with Session(engine) as session:
        row = session.get(Subscription, sid)
        assert row is not None
        row.body = row.body.replace("2027-12-01", "2099-12-01")
        session.add(row)
        session.commit()
    origins = client.get(shop.url("/upstream"), headers=shop.auth("viewer")).json()
    assert {o["signature_valid"] for o in origins} == {False}


def test_a_backup_restores_the_key_publications_and_subscriptions(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any], tmp_path: Path
) -> None:
    """After a restore the provider signs with the same key (its subscribers' refreshes still
    hold) and the customer holds the same version."""
    key = publish(client, host)["key"]
    subscribe(client, shop, key)
    source = client.app.state.engine  # type: ignore[attr-defined]
    backup.backup(source, tmp_path / "all.zip")
    target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    try:
        upgrade(target)
        backup.restore(target, tmp_path / "all.zip")
        config = Settings(database_url="sqlite://", public_url="https://testserver")
        app = create_app(config, engine=target)
        with TestClient(app, base_url="https://testserver") as restored:
            again = restored.post(
                host.url("/publications"),
                json={"name": "hosting", "offerings": ["vm-hosting"]},
                headers=host.auth("owner"),
            ).json()
            assert (again["version"], again["key"]) == (2, key)
            held = restored.get(shop.url("/subscriptions"), headers=shop.auth("viewer")).json()
            assert [s["version"] for s in held] == [1]
            assert link_status(restored, shop) == "ok"
    finally:
        target.dispose()


# --- the graph page ---------------------------------------------------------------------------


def test_the_graph_page_names_what_comes_from_publications(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """An offering's graph page lists the provider's entities under it with publisher,
    publication, version and signature; another offering's page has no such section."""
    assert "Built on publications" not in _graph(client, shop, "app")
    key = publish(client, host)["key"]
    subscribe(client, shop, key)
    page = _graph(client, shop, "app")
    assert "Built on publications" in page
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td><a [^>]*>(.*?)</a></td>"
        r"<td>(.*?)</td><td>.*?</td><td>(.*?)</td></tr>",
        page,
    )
    assert sorted(rows) == [
        ("Evidence <code>host-zo</code>", "host", "hosting", "1", "holds"),
        ("Service <code>vm-hosting</code>", "host", "hosting", "1", "holds"),
        ("Supplier <code>hostco</code>", "host", "hosting", "1", "holds"),
    ]
    assert "Built on publications" not in _graph(client, shop, "intranet")
    dutch = _graph(client, shop, "app", language="nl")
    assert "Gebouwd op publicaties" in dutch


def _graph(client: TestClient, ws: Ws, offering: str, language: str = "en") -> str:
    """The graph page of ``offering``, as the workspace's viewer sees it."""
    client.cookies.clear()
    sign_in(client, ws.emails["viewer"])
    answer = client.get(f"/w/{ws.slug}/graph/{offering}", headers={"Accept-Language": language})
    assert answer.status_code == 200, answer.text
    text: str = answer.text
    return text


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b"not json",
        b"[]",
        '{"publication": 1, "version": 2}'.encode("utf-16"),
        b'{"publication": 1, "signature": "AA==", "key": NaN}',
    ],
    ids=["nested", "text", "list", "utf-16", "nan"],
)
def test_an_answer_that_is_no_publication_is_refused_not_a_crash(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any], body: bytes
) -> None:
    """Whatever the address answers, a subscription is refused with a reason (409)."""
    key = publish(client, host)["key"]
    served["body"] = body
    answer = subscribe(client, shop, key)
    assert answer.status_code == 409, answer.text
    assert "not a publication" in answer.json()["detail"]


def test_a_publication_never_takes_the_place_of_the_customers_offerings(
    client: TestClient, host: Ws, shop: Ws, served: dict[str, Any]
) -> None:
    """A provider's service that happens to have the id of the customer's offering ``app``
    stays out of the customer's register judged, with the links to and from it and its
    evidence's claim to cover it; the rest of the publication comes in."""
    chain = provider_chain().replace(
        b"  - {id: other-offer,",
        b"  - {id: app, name: Provider App, supplier: hostco, kind: saas}\n  - {id: other-offer,",
    )
    chain = chain.replace(b"covers: [vm-hosting]", b"covers: [vm-hosting, app]")
    chain += b"dependencies:\n  - {from: vm-hosting, to: app, role: monitoring}\n"
    assert client.post(host.url("/import"), content=chain, headers=host.auth()).is_success
    key = publish(client, host)["key"]
    published = client.get("/pub/host/hosting").json()["chain"]
    assert "app" in [s["id"] for s in published["services"]]
    assert subscribe(client, shop, key).status_code == 201
    judged = json.loads(
        client.get(shop.url("/export?format=json"), headers=shop.auth("viewer")).content
    )
    (app,) = [s for s in judged["services"] if s["id"] == "app"]
    assert (app["name"], app["supplier"]) == ("App", "me")
    assert [(d["from"], d["to"]) for d in judged["dependencies"]] == [("app", "vm-hosting")]
    (evidence,) = judged["evidence"]
    assert evidence["covers"] == ["vm-hosting"]
    origins = client.get(shop.url("/upstream"), headers=shop.auth("viewer")).json()
    assert ("services", "app") not in {(o["section"], o["id"]) for o in origins}
    assert link_status(client, shop) == "ok"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/pub/x/y",
        "http://localhost/pub/x/y",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/pub/x/y",
        "http://[::1]/pub/x/y",
    ],
)
def test_a_subscription_never_fetches_from_the_own_network(url: str) -> None:
    """Loopback, private and link-local addresses (written out or named) are refused before
    anything is sent, saying which setting allows them; so is a redirect to one."""
    with pytest.raises(publishing.Refused, match=publishing.PRIVATE_TARGETS):
        publishing.fetch(url, None)


def test_a_redirect_into_the_own_network_is_refused(
    web: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public address that redirects to a private one is refused at the redirect (the
    check runs on every hop; here the first hop is allowed by pretending loopback is public)."""
    real = outbound.is_public
    monkeypatch.setattr(outbound, "is_public", lambda a: a == "127.0.0.1" or real(a))
    with pytest.raises(publishing.Refused, match=publishing.PRIVATE_TARGETS) as refused:
        publishing.fetch(f"{web}/to-metadata", None)
    assert str(refused.value).startswith("a publication at 169.254.169.254 is not fetched")
