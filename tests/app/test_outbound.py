"""Subscriptions and webhooks stay off the service's own network also when a name changes its
answer between the check and the request (DNS rebinding, ADR 44).

The tests play the rebinding name's DNS server: ``rebind.example`` answers a public address
the first time it is asked and loopback after that, where a small web server counts what
reaches it. Nothing may reach it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from app import notify, outbound, publishing

PUBLIC = "93.184.216.34"


@pytest.fixture
def own_network() -> Iterator[tuple[int, list[str]]]:
    """A web server on loopback, standing for what the service's own network holds (a cloud's
    metadata address, an internal service): its port, and the requests that reached it."""
    reached: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reached.append(f"GET {self.path}")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"secret": "instance credentials"}')

        def do_POST(self) -> None:
            reached.append(f"POST {self.path}")
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], reached
    server.shutdown()
    server.server_close()


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``rebind.example`` resolves to a public address once, then to 127.0.0.1; other names
    resolve as usual. Gives the addresses it answered, in order."""
    real = socket.getaddrinfo
    answered: list[str] = []

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        address = PUBLIC if not answered else "127.0.0.1"
        answered.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return answered


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_subscription_to_a_rebinding_name_never_reaches_the_own_network(
    own_network: tuple[int, list[str]], rebinding: list[str], scheme: str
) -> None:
    """The name passes the check before the request (public), then leads to loopback when the
    request connects: the connection refuses it, saying which setting allows such addresses.
    Over HTTPS the refusal comes before any TLS is spoken."""
    port, reached = own_network
    with pytest.raises(publishing.Refused, match=publishing.PRIVATE_TARGETS) as refused:
        publishing.fetch(f"{scheme}://rebind.example:{port}/latest/meta-data/", None)
    assert "rebind.example" in str(refused.value)
    assert rebinding == [PUBLIC, "127.0.0.1"]  # checked, then asked again by the connection
    assert reached == []


def test_a_webhook_to_a_rebinding_name_never_reaches_the_own_network(
    own_network: tuple[int, list[str]], rebinding: list[str]
) -> None:
    """Same for a webhook: refused for good (trying again cannot help), nothing posted."""
    port, reached = own_network
    with pytest.raises(notify.Failure, match="KETENKAART_NOTIFY_PRIVATE_TARGETS") as failed:
        notify.post_webhook(
            f"http://rebind.example:{port}/hook",
            secret="s3cret",
            body=b"{}",
            headers={},
            private=False,
        )
    assert failed.value.final
    assert rebinding == [PUBLIC, "127.0.0.1"]
    assert reached == []


def test_the_operator_may_let_requests_reach_the_own_network(
    own_network: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the settings on, loopback is reached as before (a provider on the same network)."""
    port, reached = own_network
    monkeypatch.setenv(publishing.PRIVATE_TARGETS, "1")
    assert publishing.fetch(f"http://127.0.0.1:{port}/pub", None).startswith(b'{"secret"')
    notify.post_webhook(
        f"http://127.0.0.1:{port}/hook", secret="s", body=b"{}", headers={}, private=True
    )
    assert reached == ["GET /pub", "POST /hook"]


def test_a_connection_goes_only_to_an_address_it_checked(
    own_network: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once per connection: a public answer mixed with a private one is
    refused, and the socket connects to an address of the answer it checked."""
    port, _ = own_network

    def mixed(host: Any, port_: Any, *args: Any, **kwargs: Any) -> Any:
        del args, kwargs
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (PUBLIC, port_)),
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("10.0.0.7", port_)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    with pytest.raises(outbound.NotPublicError):
        outbound.connect_public("mixed.example", port, 1.0)

    monkeypatch.undo()
    monkeypatch.setattr(outbound, "is_public", lambda address: address == "127.0.0.1")
    with outbound.connect_public("127.0.0.1", port, 1.0) as sock:
        assert sock.getpeername() == ("127.0.0.1", port)
    # and through an opener, with urllib's own default timeout
    with outbound.opener(private=False).open(f"http://127.0.0.1:{port}/plain") as answer:
        assert answer.status == 200


def test_a_subscription_and_a_webhook_refuse_the_same_names_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One early check for both: ``localhost`` by name, a name with any private address among
    its answers, a literal loopback or link-local address; a public name passes, and a name
    that does not resolve is the resolver's error, for the caller to word."""
    answers = {"mixed.example": [PUBLIC, "10.0.0.7"], "public.example": [PUBLIC]}

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        del args, kwargs
        if "%" in host:  # as a resolver does with a zone the machine has no interface for
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host not in answers:
            if host[0].isdigit() or ":" in host:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    for host in (
        "localhost",
        "LOCALHOST.localdomain",
        "localhost.",
        "mixed.example",
        "127.0.0.1",
        "169.254.169.254",
        "[::1]",
        "[fe80::1%eth0]",  # a link-local address with its zone (from http://[fe80::1%25eth0]/)
    ):
        with pytest.raises(outbound.NotPublicError):
            outbound.check_public(host, 443)
    outbound.check_public("public.example", 443)
    with pytest.raises(OSError, match="not known"):
        outbound.check_public("nowhere.example")

    with pytest.raises(publishing.Refused, match="not fetched"):
        publishing.fetch("https://mixed.example/chain.json", None)
    with pytest.raises(notify.Failure, match="could not be reached") as failed:
        notify.post_webhook(
            "https://nowhere.example/hook", secret="s", body=b"{}", headers={}, private=False
        )
    assert not failed.value.final  # the name may resolve on a later try
