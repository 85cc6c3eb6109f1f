"""The web surface's guards on every response: security headers, a request id, and one
structured log line per request.

The Content-Security-Policy lets a page load scripts, styles, images and fonts from the service
itself only, never inline code, never a frame around it; documents (evidence files) keep their
own, stricter policy. No response or log line carries a secret: the log names the method, the
path (with an invitation's secret cut out), the status, the time taken and the request id.

>>> request_id_from("bad id with spaces") is None
True
>>> request_id_from("0f3c-41aa")
'0f3c-41aa'
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on a form's
    # POST, and the CSRF check could not tell this site's forms from a sandboxed attacker's
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SECRET_PATHS = re.compile(r"^(/invite/)[^/]+")

access_log = logging.getLogger("ketenkaart.access")


def request_id_from(header: str | None) -> str | None:
    """A request id a proxy sent, when it is a short plain token; else None (one is made)."""
    return header if header is not None and _REQUEST_ID.fullmatch(header) else None


def loggable_path(path: str) -> str:
    """The path as logs show it: an invitation's secret is cut out.

    >>> loggable_path("/invite/abc123")
    '/invite/…'
    """
    return _SECRET_PATHS.sub(r"\1…", path)


class Guard:
    """ASGI middleware: a request id for each request, the security headers on each response
    (``Strict-Transport-Security`` too unless the service runs on plain-HTTP localhost), and
    an access log line when the response is done."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or ())
        given = incoming.get(b"x-request-id")
        rid = request_id_from(given.decode("latin-1") if given else None) or secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def guarded_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                for name, value in HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        finally:
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": rid,
                        "method": scope.get("method"),
                        "path": loggable_path(scope.get("path", "")),
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "client": (scope.get("client") or ("", 0))[0],
                    }
                },
            )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's ``fields``;
    an exception as its type and where it was raised, never a traceback with values."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            tb = error.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            line["error"] = type(error).__name__
            if tb is not None:
                line["at"] = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """Send the service's logs to standard error as JSON lines (the command line, before
    uvicorn starts; uvicorn itself is handed :data:`UVICORN_LOG_CONFIG`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("ketenkaart", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    _silence_uvicorn_access()


# What ``ketenkaart serve`` hands uvicorn (``log_config``; ``access_log=False`` beside it):
# uvicorn configures logging itself when it starts, in every worker, undoing what was set
# before; with this, its own lines are JSON too and it writes no access line of its own.
UVICORN_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.security.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "ketenkaart": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}


def adopt_server_logging() -> None:
    """Take over the logs of a uvicorn started without our configuration (``uvicorn
    app.main:app``): no access line of its own (ours replaces it, with secrets cut out), its
    own lines as JSON, and ours written where its are. Called when the application starts,
    after uvicorn has configured logging; without uvicorn's handlers it changes nothing."""
    server = [h for name in ("uvicorn", "uvicorn.error") for h in logging.getLogger(name).handlers]
    if not server:
        return
    _silence_uvicorn_access()
    for handler in server:
        handler.setFormatter(JsonFormatter())
    ours = logging.getLogger("ketenkaart")
    if not ours.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        ours.addHandler(handler)
        ours.setLevel(logging.INFO)


def _silence_uvicorn_access() -> None:
    """uvicorn's access line names the full path (an invitation's secret with it) in plain
    text; ours replaces it. Without handlers uvicorn does not even build the line."""
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True
