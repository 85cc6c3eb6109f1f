"""HEAD for every GET route (issue 11, point 10): FastAPI answers 405 to a HEAD on a route
declared with ``@router.get``, yet monitors, proxies and ``curl -I`` send HEAD. This ASGI
middleware serves a HEAD as the GET it stands for and sends the head alone: the same status and
headers (``Content-Length`` included), no body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Serve ``HEAD`` as ``GET`` without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def head_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, head_only)
