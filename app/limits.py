"""A bound on every request body, enforced before anything reads it.

FastAPI parses a declared JSON body before it checks the caller's token, so the bound cannot be
left to the routes: this middleware refuses a body whose ``Content-Length`` is over the limit at
once, and stops one that streams past it, with 413. An API write that carries no credentials at
all is answered 401 before its body is read.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import PLAIN_HTTP_SESSION_COOKIE, SESSION_COOKIE
from app.errors import problem_response


class BodyLimit:
    """ASGI middleware: at most ``limit`` bytes of request body."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            response = problem_response(413, self._message())
            await response(scope, receive, send)
            return
        if _anonymous_api_write(scope, headers):
            # every API write needs a token or a session: say so before reading the body, so
            # that nobody can make the service parse a large body without signing in
            response = problem_response(
                401, "sign in, or send a bearer token: Authorization: Bearer kk_..."
            )
            response.headers["www-authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, bounded, send)

    def _message(self) -> str:
        return f"the request body is larger than the limit of {self.limit:,} bytes"


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SESSION_COOKIES = tuple(
    f"{name}=".encode() for name in (SESSION_COOKIE, PLAIN_HTTP_SESSION_COOKIE)
)


def _anonymous_api_write(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """An API write that carries neither a bearer token nor a session cookie: every one of
    them is refused with 401 by its route, only after FastAPI has parsed its body."""
    if scope["method"] not in _WRITES or not scope["path"].startswith("/api/"):
        return False
    if b"authorization" in headers:
        return False
    cookies = [c.strip() for c in headers.get(b"cookie", b"").split(b";")]
    return not any(c.startswith(_SESSION_COOKIES) for c in cookies)
