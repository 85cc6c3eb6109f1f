"""Requests the service sends to addresses its users give (subscriptions, webhooks), kept off
the service's own network.

Checking a name before a request does not keep the request off the own network: the request
resolves the name again, and a name may answer a public address to the check and 127.0.0.1 or
169.254.169.254 to the request (DNS rebinding). So the connection itself resolves the name
once, refuses it when any address it gets is not public, and connects only to the addresses it
checked (ADR 44). A redirect opens a new connection, checked the same way. A request through
the operator's proxy (``https_proxy``, ``http_proxy``) connects to the proxy, which resolves
the name itself; the name is still checked before the request.

>>> is_public("8.8.8.8"), is_public("169.254.169.254"), is_public("::ffff:127.0.0.1")
(True, False, False)
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any


def is_public(address: str) -> bool:
    """Whether ``address`` (an IP address, perhaps with an IPv6 zone) is a public one: not
    loopback, private, link-local, shared, reserved or the like."""
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global


class NotPublicError(OSError):
    """A name that leads to an address off the public internet, refused at connecting."""

    def __init__(self, host: str) -> None:
        super().__init__(f"{host} leads to an address that is not public")
        self.host = host


def check_public(host: str, port: int | None = None) -> None:
    """Refuse ``host`` before a request: :class:`NotPublicError` when it is ``localhost`` or any
    address it resolves to is not public; the resolver's :class:`OSError` (or
    :class:`UnicodeError` for a name IDNA cannot encode) when it does not resolve.

    The request's own connection checks again (:func:`connect_public`); this check lets the
    caller refuse early, in its own words, before it builds the request."""
    name = host.strip("[]").split("%", 1)[0]  # an IPv6 zone says which interface, not where
    if name.rstrip(".").lower() in ("localhost", "localhost.localdomain"):
        raise NotPublicError(host)
    _public_addresses(name, port)


def _public_addresses(host: str, port: int | None) -> list[Any]:
    """What the resolver gives for ``host`` (TCP), when every address is public."""
    found = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    if not found or any(not is_public(str(address[0])) for *_, address in found):
        raise NotPublicError(host)
    return found


def connect_public(
    host: str, port: int, timeout: float | None, source: tuple[str, int] | None = None
) -> socket.socket:
    """A TCP connection to ``host``, resolved once; :class:`NotPublicError` when any address the
    name has is not public, as the addresses a rebinding name answers are mixed."""
    found = _public_addresses(host, port)
    last: OSError | None = None
    for family, kind, proto, _, address in found:
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, (int, float)):  # not socket's "use the default" marker
                sock.settimeout(timeout)
            if source is not None:
                sock.bind(source)
            sock.connect(address)
        except OSError as err:
            sock.close()
            last = err
            continue
        return sock
    raise last or OSError(f"{host} could not be reached")


class _Checked:
    """An HTTP(S) connection whose socket comes from :func:`connect_public`, except to the
    operator's proxy for a tunnel."""

    _tunnel_host: str | None

    def _connect_checked(
        self,
        address: tuple[str, int],
        timeout: float | None = None,
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        if self._tunnel_host:  # the proxy's own address: the operator's to choose
            return socket.create_connection(address, timeout, source_address)
        return connect_public(address[0], address[1], timeout, source_address)


class _HTTPConnection(_Checked, http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = self._connect_checked


class _HTTPSConnection(_Checked, http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = self._connect_checked


class _PublicHTTP(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if req.has_proxy():  # plain HTTP through the operator's proxy
            return super().http_open(req)
        return self.do_open(_HTTPConnection, req)


class _PublicHTTPS(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, context=self._context)  # type: ignore[attr-defined] # urllib's own


def opener(*handlers: urllib.request.BaseHandler, private: bool) -> urllib.request.OpenerDirector:
    """An opener with ``handlers`` whose connections reach public addresses only, unless
    ``private`` (the operator let requests reach the own network)."""
    if private:
        return urllib.request.build_opener(*handlers)
    return urllib.request.build_opener(*handlers, _PublicHTTP(), _PublicHTTPS())
