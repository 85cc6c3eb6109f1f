"""Notifications (ADR 43): rules, the outbox, the lease, and delivery by e-mail and webhook,
asserted at the receiving end: a real SMTP server (aiosmtpd) and an HTTP receiver on loopback,
both started by the tests. On SQLite (a file: two senders run in two threads) and, when set,
PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlmodel import Session, col

from app import accounts, cli_notify, membership, notify, publishing, services
from app.audit import COMMAND_LINE
from app.cli_base import Parser
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.models import Notification, Workspace
from tests.app.conftest import Ws, make_user
from tests.app.test_cli_service import BACKENDS
from tests.app.test_publishing import CUSTOMER_CHAIN, provider_chain
from tests.app.test_two_services import side

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
"""The clock of these tests: the service's, and each round's."""


def day(offset: int) -> str:
    """The date ``offset`` days from the tests' today."""
    return (NOW.date() + timedelta(days=offset)).isoformat()


def chain(*, tested_until: int = -345) -> bytes:
    """An app on a VM whose SOC 2 report tests up to ``tested_until`` days from today: it
    counts 12 months after that, so by default the link turns gap in 21 days."""
    return f"""\
ketenkaart: 1
offerings: [app]
suppliers:
  - {{id: me, name: Me B.V., country: NL}}
  - {{id: dc, name: DC B.V., country: NL}}
services:
  - {{id: app, name: App, supplier: me, kind: saas, locations: [NL]}}
  - {{id: vm, name: VM hosting, supplier: dc, kind: iaas, locations: [NL]}}
dependencies:
  - {{from: app, to: vm, role: hosting, critical: true}}
evidence:
  - id: dc-soc2
    scheme: soc2
    type: 2
    holder: dc
    covers: [vm]
    period: {{from: {day(tested_until - 365)}, to: {day(tested_until)}}}
    issued: {day(tested_until + 30)}
    criteria: [security, availability]
    issuer: Voorbeeld Assurance N.V.
    issuer_qualification: re
""".encode()


# --- the database, the service --------------------------------------------------------------


@pytest.fixture
def engine(blank_engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """The test's database at the newest migration; on SQLite a file (not the shared in-memory
    connection), so that two senders in two threads each have their own connection."""
    if blank_engine.dialect.name != "sqlite":
        upgrade(blank_engine)
        yield blank_engine
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'ketenkaart.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The service, its clock at NOW."""
    app = create_app(
        Settings(database_url="sqlite://", public_url="https://testserver"), engine=engine
    )
    app.state.clock = lambda: NOW
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def acme(client: TestClient, make_workspace: Callable[[str], Ws]) -> Ws:
    """Workspace ``acme`` with the app whose link turns gap in 21 days."""
    ws = make_workspace("acme")
    answer = client.post(ws.url("/import"), content=chain(), headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    return ws


def add_rule(client: TestClient, ws: Ws, **body: Any) -> dict[str, Any]:
    answer = client.post(ws.url("/notification-rules"), json=body, headers=ws.auth("owner"))
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def seed_rule(engine: Engine, slug: str, **given: Any) -> int:
    """A notification rule of workspace ``slug``, made as the API makes one (the role walk of
    tests/app/test_roles.py needs one to delete); its id."""
    fields: dict[str, Any] = {
        "event": "expiring",
        "days": 30,
        "profile": "zeker-online",
        "channel": "email",
        "target": "ops@example.nl",
        "secret": None,
    }
    with Session(engine) as session:
        made = notify.create_rule(
            session,
            workspace=services.workspace_for(session, slug),
            actor=COMMAND_LINE,
            at=datetime.now(UTC),
            **(fields | given),
        )
        return made.rule.id or 0


def log(client: TestClient, ws: Ws, role: str = "viewer") -> list[dict[str, Any]]:
    answer = client.get(ws.url("/notifications"), headers=ws.auth(role))
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


# --- the receivers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Inbox:
    """What the test's SMTP server received."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on loopback, named by KETENKAART_SMTP_URL."""
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("KETENKAART_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("KETENKAART_SMTP_FROM", "ketenkaart@acme.example")
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Hook:
    """A webhook receiver on loopback: every POST it got, answered with ``answers`` in turn
    (then 204), each after ``delay`` seconds."""

    url: str
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    """The receiver, with webhooks to loopback allowed for the test."""
    monkeypatch.setenv("KETENKAART_NOTIFY_PRIVATE_TARGETS", "1")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(found.delay)
            with lock:
                found.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = found.answers.pop(0) if found.answers else 204
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found = Hook(f"http://127.0.0.1:{server.server_address[1]}/hooks/ketenkaart?k=1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether a webhook's signature holds, as a receiver checks it."""
    stamp = headers["x-ketenkaart-timestamp"]
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(headers["x-ketenkaart-signature"], f"sha256={expected.hexdigest()}")


# --- e-mail -----------------------------------------------------------------------------------


def test_a_link_that_turns_gap_within_30_days_is_mailed_once(
    client: TestClient, engine: Engine, acme: Ws, inbox: Inbox
) -> None:
    """A rule of 30 days mails the link that turns gap in 21 days, with the day and the
    reason; a rule of 20 days does not; a second round sends nothing new."""
    add_rule(client, acme, event="forecast", days=30, channel="email", target="ops@acme.example")
    add_rule(client, acme, event="forecast", days=20, channel="email", target="late@acme.example")
    summary = notify.run_once(engine, NOW)
    assert (summary.leased, summary.queued, summary.sent, summary.failed) == (True, 1, 1, 0)
    ((to, message),) = inbox.messages
    assert to == ["ops@acme.example"]
    assert message["From"] == "ketenkaart@acme.example"
    assert message["Subject"] == "Link App (app) -> VM hosting (vm) turns gap on 2026-12-26"
    text = message.get_content()
    assert "turns from ok to gap on 2026-12-26, in 21 days" in text
    assert "is stale on 2026-12-26" in text  # the reason, from the engine
    (entry,) = log(client, acme)
    assert (entry["state"], entry["event"], entry["channel"]) == ("sent", "forecast", "email")
    assert entry["about"]["link"] == {"from": "app", "to": "vm"}
    assert [(a["number"], a["ok"]) for a in entry["attempts"]] == [(1, True)]
    again = notify.run_once(engine, NOW + timedelta(hours=1))
    assert (again.queued, again.sent) == (0, 0)
    assert len(inbox.messages) == 1


def test_a_link_no_longer_included_says_why_in_the_mail_and_its_record(
    client: TestClient, engine: Engine, make_workspace: Callable[[str], Ws], inbox: Inbox
) -> None:
    """The VM's report includes its backup until it goes stale: the backup link's notice says
    first that it is no longer included in the VM's report, and why, in the mail and in the
    record a webhook gets, beside the new verdict's reasons."""
    included = (
        chain()
        .decode()
        .replace(
            "  - {id: vm, name: VM hosting, supplier: dc, kind: iaas, locations: [NL]}\n",
            "  - {id: vm, name: VM hosting, supplier: dc, kind: iaas, locations: [NL]}\n"
            "  - {id: backup, name: Backup, supplier: dc, kind: managed, locations: [NL]}\n",
        )
        .replace(
            "  - {from: app, to: vm, role: hosting, critical: true}\n",
            "  - {from: app, to: vm, role: hosting, critical: true}\n  - {from: vm, to: backup}\n",
        )
    )
    included += "    subservices: {method: inclusive, included: [backup]}\n"
    ws = make_workspace("incl")
    answer = client.post(ws.url("/import"), content=included.encode(), headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    add_rule(client, ws, event="forecast", days=30, channel="email", target="ops@acme.example")
    assert notify.run_once(engine, NOW).sent == 2
    (backup,) = [e for e in log(client, ws) if e["about"]["link"]["to"] == "backup"]
    lapsed = backup["about"]["inclusion_lapsed"]
    assert [r["code"] for r in lapsed] == ["report-stale"]
    assert "dc-soc2 for VM hosting (vm)" in lapsed[0]["message"]
    (mail,) = [m for _, m in inbox.messages if "(backup)" in m["Subject"]]
    lead = "- The report of VM hosting (vm) that included it no longer counts: "
    assert lead in mail.get_content()


def test_a_dutch_workspace_is_written_to_in_dutch(
    client: TestClient, engine: Engine, acme: Ws, inbox: Inbox
) -> None:
    """The workspace's language chooses the message's: Dutch words for the status."""
    with Session(engine) as session:
        workspace = session.scalars(select(Workspace).where(col(Workspace.slug) == "acme")).one()
        workspace.language = "nl"
        session.add(workspace)
        session.commit()
    add_rule(client, acme, event="forecast", days=30, channel="email", target="ops@acme.example")
    notify.run_once(engine, NOW)
    ((_, message),) = inbox.messages
    assert "leemte" in message["Subject"]
    assert message["Content-Language"] == "nl"


def test_evidence_that_stops_counting_soon_is_mailed(
    client: TestClient, engine: Engine, acme: Ws, inbox: Inbox
) -> None:
    """An expiring rule names the report and its last day; one of 10 days names nothing."""
    add_rule(client, acme, event="expiring", days=10, channel="email", target="a@acme.example")
    assert notify.run_once(engine, NOW).sent == 0
    add_rule(client, acme, event="expiring", days=30, channel="email", target="b@acme.example")
    assert notify.run_once(engine, NOW).sent == 1
    ((to, message),) = inbox.messages
    assert to == ["b@acme.example"]
    assert message["Subject"] == "Evidence dc-soc2 counts until 2026-12-25"


def test_without_a_mail_server_the_attempt_fails_with_its_reason(
    client: TestClient, engine: Engine, acme: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No KETENKAART_SMTP_URL: the attempt is logged with the reason and tried again later."""
    monkeypatch.delenv("KETENKAART_SMTP_URL", raising=False)
    add_rule(client, acme, event="forecast", days=30, channel="email", target="ops@acme.example")
    assert notify.run_once(engine, NOW).retrying == 1
    (entry,) = log(client, acme)
    assert entry["state"] == "pending"
    assert "KETENKAART_SMTP_URL" in entry["attempts"][0]["error"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_mail_server_that_wants_a_login_gets_the_urls_user_and_password(
    client: TestClient, engine: Engine, acme: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """User and password come from KETENKAART_SMTP_URL, percent-decoded; every address of the
    rule is a recipient; a wrong password is an attempt's error that does not show it."""
    box, port, logins = Inbox(), free_port(), []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"p@ss word", handled=False)

    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        monkeypatch.setenv("KETENKAART_SMTP_URL", f"smtp://me:wrong@127.0.0.1:{port}")
        add_rule(
            client, acme, event="forecast", days=30, channel="email",
            target="ops@acme.example, cto@acme.example",
        )  # fmt: skip
        assert notify.run_once(engine, NOW).retrying == 1
        (entry,) = log(client, acme)
        assert "the mail server did not take the message" in entry["attempts"][0]["error"]
        assert "wrong" not in entry["attempts"][0]["error"]
        monkeypatch.setenv("KETENKAART_SMTP_URL", f"smtp://me:p%40ss%20word@127.0.0.1:{port}")
        assert notify.run_once(engine, NOW + timedelta(minutes=2)).sent == 1
    finally:
        controller.stop()
    assert logins[-1] == (b"me", b"p@ss word")
    ((to, message),) = box.messages
    assert to == ["ops@acme.example", "cto@acme.example"]
    assert message["To"] == "ops@acme.example, cto@acme.example"


# --- webhooks ---------------------------------------------------------------------------------


def test_a_webhook_gets_a_signed_post_and_its_secret_is_shown_once(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook
) -> None:
    """The POST's HMAC-SHA256 over timestamp and body holds under the secret the rule was
    created with (answered once); the body says which link turns what, when."""
    made = add_rule(client, acme, event="forecast", days=30, channel="webhook", target=hook.url)
    secret = made["secret"]
    assert isinstance(secret, str) and len(secret) >= 32
    listed = client.get(acme.url("/notification-rules"), headers=acme.auth("owner")).json()
    assert listed[0]["secret"] is True
    assert listed[0]["target"].endswith("/…") and "k=1" not in listed[0]["target"]
    assert secret not in json.dumps(listed)
    assert notify.run_once(engine, NOW).sent == 1
    ((headers, body),) = hook.posts
    assert verified(secret, headers, body)
    assert not verified("another secret", headers, body)
    assert abs(int(headers["x-ketenkaart-timestamp"]) - time.time()) < 60
    document = json.loads(body)
    assert (document["event"], document["workspace"]) == ("forecast", "acme")
    assert document["about"]["link"] == {"from": "app", "to": "vm"}
    assert (document["about"]["status"], document["about"]["on"]) == ("gap", "2026-12-26")
    assert headers["x-ketenkaart-delivery"] == str(document["id"])


def test_a_failing_receiver_gets_it_on_the_third_attempt_and_the_log_shows_all_three(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook
) -> None:
    """500, 500, then 204: tried again after one minute, then two; not before; the same body
    each time; the log keeps each attempt and its error."""
    add_rule(
        client, acme, event="forecast", days=30, channel="webhook", target=hook.url,
        secret="a shared secret of the receiver",
    )  # fmt: skip
    hook.answers = [500, 500]
    assert notify.run_once(engine, NOW).retrying == 1
    assert notify.run_once(engine, NOW + timedelta(seconds=30)).retrying == 0  # not yet
    assert notify.run_once(engine, NOW + timedelta(seconds=61)).retrying == 1
    assert notify.run_once(engine, NOW + timedelta(seconds=120)).sent == 0  # not yet
    assert notify.run_once(engine, NOW + timedelta(seconds=61 + 121)).sent == 1
    assert len(hook.posts) == 3
    assert len({body for _, body in hook.posts}) == 1
    assert all(verified("a shared secret of the receiver", h, b) for h, b in hook.posts)
    (entry,) = log(client, acme)
    assert entry["state"] == "sent"
    assert [(a["number"], a["ok"], a["error"]) for a in entry["attempts"]] == [
        (1, False, "the webhook answered 500"),
        (2, False, "the webhook answered 500"),
        (3, True, None),
    ]
    assert notify.run_once(engine, NOW + timedelta(hours=1)).sent == 0
    assert len(hook.posts) == 3


def test_a_redirect_is_a_failed_attempt_not_followed(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook
) -> None:
    """A webhook answering 302 is not followed elsewhere: the attempt failed with 302."""
    add_rule(client, acme, event="forecast", days=30, channel="webhook", target=hook.url)
    hook.answers = [302]
    assert notify.run_once(engine, NOW).retrying == 1
    assert len(hook.posts) == 1
    (entry,) = log(client, acme)
    assert entry["attempts"][0]["error"] == "the webhook answered 302"


def test_a_receiver_that_never_takes_it_is_given_up_after_five_attempts(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook
) -> None:
    """Five failed attempts, then the notification is failed and tried no more."""
    add_rule(client, acme, event="forecast", days=30, channel="webhook", target=hook.url)
    hook.answers = [503] * 10
    at = NOW
    for _ in range(notify.MAX_ATTEMPTS):
        notify.run_once(engine, at)
        at += timedelta(hours=1)
    notify.run_once(engine, at)
    assert len(hook.posts) == notify.MAX_ATTEMPTS
    (entry,) = log(client, acme)
    assert entry["state"] == "failed"
    assert len(entry["attempts"]) == notify.MAX_ATTEMPTS


def test_a_webhook_to_a_private_address_is_refused_unless_allowed(
    client: TestClient, acme: Ws
) -> None:
    """Loopback, private and link-local addresses (cloud metadata) are refused by default."""
    for url in ("http://127.0.0.1:8080/x", "http://169.254.169.254/latest", "http://localhost/"):
        answer = client.post(
            acme.url("/notification-rules"),
            json={"event": "forecast", "days": 30, "channel": "webhook", "target": url},
            headers=acme.auth("owner"),
        )
        assert answer.status_code == 422, url
        assert "KETENKAART_NOTIFY_PRIVATE_TARGETS" in answer.text
    with pytest.raises(notify.Failure, match="refused"):
        notify.post_webhook(
            "http://localhost:9/", secret="s", body=b"{}", headers={}, private=False
        )


# --- one sender at a time, each notification once -------------------------------------------


def test_two_senders_started_together_deliver_each_notification_once(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook, inbox: Inbox
) -> None:
    """Two rounds in two threads at once: one holds the lease, the other does nothing; every
    notification reaches its receiver exactly once."""
    add_rule(client, acme, event="forecast", days=30, channel="webhook", target=hook.url)
    add_rule(client, acme, event="expiring", days=30, channel="webhook", target=hook.url)
    add_rule(client, acme, event="forecast", days=30, channel="email", target="o@acme.example")
    hook.delay = 0.2
    start = threading.Barrier(2)
    summaries: list[notify.Summary] = []

    def sender() -> None:
        start.wait()
        summaries.append(notify.run_once(engine, NOW))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(s.leased for s in summaries) == [False, True]
    assert sum(s.sent for s in summaries) == 3
    events = sorted(json.loads(body)["event"] for _, body in hook.posts)
    assert events == ["expiring", "forecast"]
    assert len(inbox.messages) == 1


def test_two_senders_without_the_lease_still_send_each_notification_once(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook
) -> None:
    """Should two senders deliver side by side (a lease run out), each claims a notification
    before it sends it: the receiver gets each once, whichever sender sent it."""
    for days in (25, 26, 27, 28, 29, 30):
        add_rule(client, acme, event="forecast", days=days, channel="webhook", target=hook.url)
    assert notify.fill(engine, now=NOW) == 6
    hook.delay = 0.05
    start = threading.Barrier(2)
    done: list[notify.Delivered] = []

    def sender(name: str) -> None:
        start.wait()
        done.append(notify.deliver(engine, now=NOW, holder=name))

    threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(d.sent for d in done) == 6
    ids = [json.loads(body)["id"] for _, body in hook.posts]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 6
    with Session(engine) as session:
        rows = session.scalars(select(Notification)).all()
        assert {row.state for row in rows} == {"sent"}


def test_the_lease_is_held_by_one_holder_until_it_runs_out_or_is_let_go(engine: Engine) -> None:
    """Taken by one, refused to another while it runs, renewed by its holder, free after its
    time or when let go."""
    assert notify.take_lease(engine, holder="a", now=NOW)
    assert not notify.take_lease(engine, holder="b", now=NOW + timedelta(minutes=1))
    assert notify.take_lease(engine, holder="a", now=NOW + timedelta(minutes=4))  # renewed
    assert not notify.take_lease(engine, holder="b", now=NOW + timedelta(minutes=8))
    assert notify.take_lease(engine, holder="b", now=NOW + timedelta(minutes=10))
    notify.release_lease(engine, holder="a")  # not a's any more: nothing happens
    assert not notify.take_lease(engine, holder="c", now=NOW + timedelta(minutes=11))
    notify.release_lease(engine, holder="b")
    assert notify.take_lease(engine, holder="c", now=NOW + timedelta(minutes=11))


def test_a_sender_that_died_while_sending_leaves_the_notification_to_a_later_round(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook
) -> None:
    """A claim of a sender that never finished holds for its five minutes; then a round sends
    the notification (a second time, should the first have got out)."""
    add_rule(client, acme, event="forecast", days=30, channel="webhook", target=hook.url)
    assert notify.fill(engine, now=NOW, keep_going=lambda: False) == 0  # the lease was lost
    assert notify.fill(engine, now=NOW) == 1
    with Session(engine) as session:
        row = session.scalars(select(Notification)).one()
        row.state, row.claimed_by = "sending", "a sender that died"
        row.claimed_until = NOW + notify.CLAIM_TIME
        session.add(row)
        session.commit()
    assert notify.run_once(engine, NOW + timedelta(minutes=4)).sent == 0
    assert hook.posts == []
    assert notify.run_once(engine, NOW + timedelta(minutes=6)).sent == 1
    assert len(hook.posts) == 1


# --- rules and the log ------------------------------------------------------------------------


def test_rules_are_an_owners_and_their_changes_are_in_the_trail(
    client: TestClient, acme: Ws
) -> None:
    """Only an owner lists, adds and removes rules; every reader reads the log; adding and
    removing are in the audit trail, without the secret."""
    body = {"event": "forecast", "days": 30, "channel": "email", "target": "ops@acme.example"}
    for role in ("editor", "viewer", "auditor"):
        url = acme.url("/notification-rules")
        assert client.post(url, json=body, headers=acme.auth(role)).status_code == 403
        assert client.get(url, headers=acme.auth(role)).status_code == 403
        assert client.get(acme.url("/notifications"), headers=acme.auth(role)).status_code == 200
    made = add_rule(client, acme, **body)
    hooked = add_rule(
        client, acme, event="subscription", channel="webhook", target="https://hooks.example/x"
    )
    gone = client.delete(acme.url(f"/notification-rules/{made['id']}"), headers=acme.auth())
    assert gone.status_code == 204
    again = client.delete(acme.url(f"/notification-rules/{made['id']}"), headers=acme.auth())
    assert again.status_code == 404
    listed = client.get(acme.url("/notification-rules"), headers=acme.auth()).json()
    assert [r["id"] for r in listed] == [hooked["id"]]
    trail = client.get(acme.url("/audit?limit=100"), headers=acme.auth()).json()["items"]
    mine = [(e["action"], e["target"]) for e in trail if "notification-rule" in e["target"]]
    assert sorted(mine) == sorted(
        [
            ("create", f"notification-rule/{made['id']}"),
            ("create", f"notification-rule/{hooked['id']}"),
            ("delete", f"notification-rule/{made['id']}"),
        ]
    )
    assert hooked["secret"] not in json.dumps(trail)


def test_bad_rules_are_refused(client: TestClient, acme: Ws) -> None:
    """Days out of range or missing, a bad address, a URL with a password, an unknown profile."""
    mail = {"event": "forecast", "days": 30, "channel": "email"}
    webhook = {"event": "forecast", "days": 30, "channel": "webhook"}
    bad = [
        {"event": "forecast", "channel": "email", "target": "ops@acme.example"},
        {**mail, "days": 0, "target": "ops@acme.example"},
        {**mail, "target": "ops@acme.example\r\nBcc: x@y.z"},
        {**mail, "target": "not an address"},
        {**mail, "target": ",".join(f"o{i}@acme.example" for i in range(11))},
        {**webhook, "target": "ftp://h.example/"},
        {**webhook, "target": "https://u:p@h.example/"},
        {**mail, "target": "o@acme.example", "profile": "no-such-profile"},
        {**mail, "event": "nonsense", "target": "o@acme.example"},
    ]
    for body in bad:
        answer = client.post(acme.url("/notification-rules"), json=body, headers=acme.auth())
        assert answer.status_code == 422, body


def test_a_rule_may_judge_by_a_profile_the_register_defines(
    client: TestClient, engine: Engine, acme: Ws, inbox: Inbox
) -> None:
    """A profile of the register's own is a rule's profile too; the notification is by it."""
    own = chain() + b"profiles: [{id: strict-buyer, extends: zeker-online}]\n"
    assert client.post(acme.url("/import"), content=own, headers=acme.auth()).is_success
    add_rule(
        client, acme, event="forecast", days=30, channel="email", target="o@acme.example",
        profile="strict-buyer",
    )  # fmt: skip
    assert notify.run_once(engine, NOW).sent == 1
    assert len(inbox.messages) == 1


def test_a_deleted_rules_pending_notification_is_cancelled_not_sent(
    client: TestClient, engine: Engine, acme: Ws, hook: Hook
) -> None:
    """What a rule queued and did not send is not sent once the rule is gone."""
    made = add_rule(client, acme, event="forecast", days=30, channel="webhook", target=hook.url)
    hook.answers = [500]
    notify.run_once(engine, NOW)
    client.delete(acme.url(f"/notification-rules/{made['id']}"), headers=acme.auth())
    notify.run_once(engine, NOW + timedelta(hours=1))
    assert len(hook.posts) == 1
    (entry,) = log(client, acme)
    assert entry["state"] == "cancelled"


def test_a_workspace_sees_only_its_own_notifications(
    client: TestClient,
    engine: Engine,
    acme: Ws,
    make_workspace: Callable[[str], Ws],
    inbox: Inbox,
) -> None:
    """Another workspace's log is empty, and its token does not reach this one's."""
    other = make_workspace("other")
    add_rule(client, acme, event="forecast", days=30, channel="email", target="ops@acme.example")
    notify.run_once(engine, NOW)
    assert len(log(client, acme)) == 1
    assert log(client, other) == []
    foreign = client.get(acme.url("/notifications"), headers=other.auth("owner"))
    assert foreign.status_code == 404


def test_an_auditor_with_a_scope_reads_only_notifications_about_its_offerings(
    client: TestClient, engine: Engine, make_workspace: Callable[[str], Ws], inbox: Inbox
) -> None:
    """Two offerings, a link of each turning gap: the owner reads both notifications, an
    auditor whose engagement covers the app only reads the app's."""
    ws = make_workspace("duo")
    intranet = (
        chain().replace(b"offerings: [app]", b"offerings: [app, intranet]")
        + f"""\
  - id: mx-soc2
    scheme: soc2
    type: 2
    holder: dc
    covers: [mail]
    period: {{from: {day(-720)}, to: {day(-355)}}}
    issued: {day(-300)}
    criteria: [security]
    issuer: Voorbeeld Assurance N.V.
    issuer_qualification: re
""".encode()
    )
    intranet = intranet.replace(
        b"dependencies:\n",
        b"  - {id: intranet, name: Intranet, supplier: me, kind: saas, locations: [NL]}\n"
        b"  - {id: mail, name: Mail, supplier: dc, kind: saas, locations: [NL]}\n"
        b"dependencies:\n  - {from: intranet, to: mail, role: mail}\n",
    )
    answer = client.post(ws.url("/import"), content=intranet, headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    add_rule(client, ws, event="forecast", days=30, channel="email", target="o@duo.example")
    assert notify.run_once(engine, NOW).sent == 2
    make_user(engine, "scoped@auditor.example")
    with Session(engine) as session:
        workspace = services.workspace_for(session, "duo")
        user = accounts.user_by_email(session, "scoped@auditor.example")
        assert user is not None
        membership.create_grant(
            session,
            workspace=workspace,
            email="scoped@auditor.example",
            offerings=["app"],
            starts=NOW.date() - timedelta(days=1),
            ends=NOW.date() + timedelta(days=30),
            actor=COMMAND_LINE,
        )
        token = services.create_token(
            session, slug="duo", role="auditor", expires=None, user_id=user.id
        )
    links = [(e["about"]["link"]["from"], e["about"]["link"]["to"]) for e in log(client, ws)]
    assert sorted(links) == [("app", "vm"), ("intranet", "mail")]
    scoped = client.get(ws.url("/notifications"), headers={"Authorization": f"Bearer {token}"})
    assert [e["about"]["link"] for e in scoped.json()] == [{"from": "app", "to": "vm"}]


def test_a_register_that_changes_is_judged_again_and_a_new_day_is_told(
    client: TestClient, engine: Engine, acme: Ws, inbox: Inbox
) -> None:
    """After a round, a new report that lapses on another day is a new notification; the old
    one is not sent again."""
    add_rule(client, acme, event="forecast", days=30, channel="email", target="o@acme.example")
    assert notify.run_once(engine, NOW).sent == 1
    assert notify.run_once(engine, NOW).sent == 0
    sooner = chain(tested_until=-360)  # stale in 6 days
    assert client.post(acme.url("/import"), content=sooner, headers=acme.auth()).is_success
    assert notify.run_once(engine, NOW).sent == 1
    subjects = [message["Subject"] for _, message in inbox.messages]
    assert subjects == [
        "Link App (app) -> VM hosting (vm) turns gap on 2026-12-26",
        "Link App (app) -> VM hosting (vm) turns gap on 2026-12-11",
    ]


# --- a subscribed publication that changes ----------------------------------------------------

PROVIDER = """\
ketenkaart: 1
offerings: [vm-hosting]
suppliers:
  - {{id: hostco, name: HostCo B.V., country: NL}}
services:
  - {{id: vm-hosting, name: VM hosting, supplier: hostco, kind: iaas}}
evidence:
  - id: host-zo
    scheme: zeker-online
    holder: hostco
    covers: [vm-hosting]
    issued: 2026-03-01
    valid_until: {until}
"""

CUSTOMER = b"""\
ketenkaart: 1
offerings: [app]
suppliers:
  - {id: me, name: Me B.V., country: NL}
  - {id: hostco, name: HostCo, country: NL}
services:
  - {id: app, name: App, supplier: me, kind: saas}
  - {id: vm-hosting, name: VM hosting, supplier: hostco, kind: iaas}
dependencies:
  - {from: app, to: vm-hosting, role: hosting}
"""


def test_a_new_version_of_a_subscribed_publication_that_turns_a_link_red_is_told(
    client: TestClient,
    engine: Engine,
    make_workspace: Callable[[str], Ws],
    hook: Hook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The provider's certificate lapses in version 2: the customer's subscription rule posts
    the new version and the link that is a gap now; a forged version's refusal is told too."""
    host, shop = make_workspace("host"), make_workspace("shop")
    for ws, data in ((host, PROVIDER.format(until="2027-12-01").encode()), (shop, CUSTOMER)):
        assert client.post(ws.url("/import"), content=data, headers=ws.auth()).status_code == 200
    forged: list[bytes] = []

    def fetch(url: str, token: str | None) -> bytes:
        if forged:
            return forged.pop()
        content: bytes = client.get(url.removeprefix("https://provider.example")).content
        return content

    monkeypatch.setattr(publishing, "fetch", fetch)
    publish = {"name": "hosting", "offerings": ["vm-hosting"]}
    key = client.post(host.url("/publications"), json=publish, headers=host.auth()).json()["key"]
    url = "https://provider.example/pub/host/hosting"
    sub = client.post(shop.url("/subscriptions"), json={"url": url, "public_key": key},
                      headers=shop.auth())  # fmt: skip
    assert sub.status_code == 201, sub.text
    add_rule(client, shop, event="subscription", channel="webhook", target=hook.url)
    assert notify.run_once(engine, NOW).queued == 0  # nothing changed since the rule
    lapsed = PROVIDER.format(until="2026-11-30").encode()
    client.post(host.url("/import"), content=lapsed, headers=host.auth())
    client.post(host.url("/publications"), json=publish, headers=host.auth())
    refreshed = client.post(shop.url(f"/subscriptions/{sub.json()['id']}/refresh"),
                            headers=shop.auth())  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    assert notify.run_once(engine, NOW).sent == 1
    ((_, body),) = hook.posts
    document = json.loads(body)
    assert document["event"] == "subscription"
    assert (document["about"]["version"], document["about"]["before"]) == (2, 1)
    assert "App (app) -> VM hosting (vm-hosting): gap" in document["text"]
    forged.append(client.get("/pub/host/hosting/1").content.replace(b"hostco", b"hostc0"))
    client.post(shop.url(f"/subscriptions/{sub.json()['id']}/refresh"), headers=shop.auth())
    assert notify.run_once(engine, NOW).sent == 1
    refusal = json.loads(hook.posts[1][1])
    assert refusal["about"]["url"] == url and refusal["about"]["reason"]
    assert "was refused" in refusal["subject"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_customer_is_told_when_a_version_fetched_over_http_turns_its_link_red(
    backend: str, tmp_path: Path, hook: Hook, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two services on loopback (tests/app/test_two_services.py): after the customer's
    refresh takes the version in which the provider's certificate lapsed, a round of the
    customer's sender posts the signed webhook and mails its owner, naming the link that is a
    gap now; the forged version that follows is told as refused."""
    monkeypatch.setenv("KETENKAART_SUBSCRIBE_PRIVATE_TARGETS", "1")  # the provider is on loopback
    body = {"name": "hosting", "offerings": ["vm-hosting"]}
    shared = "a shared secret of the receiver"
    with (
        side(backend, tmp_path, "host", provider_chain()) as provider,
        side(backend, tmp_path, "shop", CUSTOMER_CHAIN) as customer,
    ):
        made = provider.api("POST", "/publications", json=body).json()
        url = provider.base + made["url"]
        answer = customer.api(
            "POST", "/subscriptions", json={"url": url, "public_key": made["key"]}
        )
        assert answer.status_code == 201, answer.text
        sid = answer.json()["id"]
        seed_rule(customer.engine, "shop", event="subscription", channel="webhook",
                  target=hook.url, secret=shared)  # fmt: skip
        seed_rule(customer.engine, "shop", event="subscription", target="ops@shop.example")
        assert notify.run_once(customer.engine).queued == 0

        assert provider.api("POST", "/import", content=provider_chain("2026-11-30")).is_success
        assert provider.api("POST", "/publications", json=body).json()["version"] == 2
        assert customer.api("POST", f"/subscriptions/{sid}/refresh").status_code == 200
        assert notify.run_once(customer.engine).sent == 2
        ((headers, posted),) = hook.posts
        assert verified(shared, headers, posted)
        document = json.loads(posted)
        assert (document["event"], document["workspace"]) == ("subscription", "shop")
        assert (document["about"]["before"], document["about"]["version"]) == (1, 2)
        assert "App (app) -> VM hosting (vm-hosting): gap" in document["text"]
        ((to, message),) = inbox.messages
        assert to == ["ops@shop.example"]
        assert message["Subject"] == "Publication hosting of host is at version 2"

        assert provider.api("POST", "/publications", json=body).json()["version"] == 3
        forged = httpx.get(url).json()
        forged["chain"]["evidence"][0]["valid_until"] = "2099-12-31"
        with provider.engine.begin() as connection:
            connection.execute(
                text("UPDATE publication SET body = :body WHERE version = 3"),
                {"body": json.dumps(forged)},
            )
        assert customer.api("POST", f"/subscriptions/{sid}/refresh").status_code == 409
        assert notify.run_once(customer.engine).sent == 2
        refusal = json.loads(hook.posts[1][1])
        assert refusal["subject"] == "A version of publication hosting was refused"
        assert "signature" in refusal["about"]["reason"]
        assert inbox.messages[1][1]["Subject"] == "A version of publication hosting was refused"


# --- cron and serve ---------------------------------------------------------------------------


def test_ketenkaart_notify_runs_one_round(
    client: TestClient,
    engine: Engine,
    acme: Ws,
    inbox: Inbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``ketenkaart notify`` sends what is due and says so; run again, it sends nothing new."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the command names its database by URL: the SQLite file")
    add_rule(client, acme, event="forecast", days=3660, channel="email", target="o@acme.example")
    parser = Parser(prog="ketenkaart")
    cli_notify.add_parsers(parser.add_subparsers(dest="command", parser_class=Parser))
    args = parser.parse_args(["notify", "--database-url", engine.url.render_as_string()])
    assert cli_notify.run_command(args) == 0
    assert "1 queued, 1 sent, 0 to try again, 0 failed" in capsys.readouterr().out
    assert len(inbox.messages) == 1
    assert cli_notify.run_command(args) == 0
    assert "0 queued, 0 sent" in capsys.readouterr().out
    assert cli_notify.run_command(argparse.Namespace(command="check")) is None


def test_the_scheduler_sends_every_interval_until_stopped(
    client: TestClient, engine: Engine, acme: Ws, inbox: Inbox
) -> None:
    """serve's scheduler runs a round each interval in the background; none with interval 0."""
    seed_rule(engine, acme.slug, event="forecast", days=3660, target="o@acme.example")

    async def serve() -> None:
        assert notify.start_scheduler(engine, interval=0) is None
        task = notify.start_scheduler(engine, interval=0.05)
        assert task is not None
        for _ in range(400):
            if inbox.messages:
                break
            await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(serve())
    assert len(inbox.messages) == 1
