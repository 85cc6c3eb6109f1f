"""Domain errors of the service, and their rendering as RFC 9457 problem details, in one place.

A problem's ``title`` (the status's name) and ``detail``, and each error's ``message``, are in the
request's language (:func:`graph.i18n.current`, set per request by :class:`app.languages.Language`):
whoever raises a problem writes its detail through the catalog; the titles, the handlers' own
details and the common messages of request validation are translated here. ``type``,
``status``, the ``errors``' ``location`` and every JSON key stay as they are.

>>> problem = NotFound("no supplier 'awz' in this workspace")
>>> problem.status, problem.title
(404, 'Not Found')
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import ChainError, Issue, UsageError
from graph.i18n import DEFAULT, N_, current, gettext

PROBLEM = "application/problem+json"

_log = logging.getLogger("ketenkaart.error")

TITLES = frozenset(
    {
        N_("Bad Request"),
        N_("Unauthorized"),
        N_("Forbidden"),
        N_("Not Found"),
        N_("Method Not Allowed"),
        N_("Conflict"),
        N_("Precondition Failed"),
        N_("Request Entity Too Large"),
        N_("Content Too Large"),
        N_("Unsupported Media Type"),
        N_("Unprocessable Entity"),
        N_("Unprocessable Content"),
        N_("Precondition Required"),
        N_("Too Many Requests"),
        N_("Internal Server Error"),
        N_("Not Implemented"),
        N_("Service Unavailable"),
    }
)
"""The names of the statuses the service answers with (as Python's ``HTTPStatus`` writes them,
in 3.11 and in later versions), translated as a problem's ``title``."""

VALIDATION_MESSAGES = frozenset(
    {
        N_("Field required"),
        N_("Input should be a valid integer, unable to parse string as an integer"),
        N_("Input should be a valid boolean, unable to interpret input"),
        N_("Input should be a valid dictionary"),
        N_("Input should be a valid list"),
        N_("Input should be a valid string"),
        N_("Extra inputs are not permitted"),
        N_("JSON decode error"),
    }
)
"""The messages of request validation (pydantic's, by their English text) translated in a
problem's ``errors``; any other stays as pydantic writes it."""


VALIDATION_TYPES: Mapping[str, str] = {
    "date_parsing": N_("Input should be a valid date YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("Input should be a valid date YYYY-MM-DD"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "less_than": N_("Input should be less than {lt}"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "string_too_short": N_("String should have at least {min_length} characters"),
}
"""pydantic's messages that carry details, by their type, as other languages than English say
them (English keeps pydantic's own words)."""


def title_of(status: int) -> str:
    """The name of ``status`` in the request's language: the problem's ``title``.

    >>> title_of(404)
    'Not Found'
    """
    phrase = HTTPStatus(status).phrase
    return gettext(phrase) if phrase in TITLES else phrase


class Problem(Exception):  # noqa: N818 - RFC 9457 calls it a problem
    """An answer other than success, with what went wrong and where."""

    status = 400

    def __init__(self, detail: str, *, errors: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)

    @property
    def title(self) -> str:
        return title_of(self.status)


class Unauthorized(Problem):
    status = 401


class Forbidden(Problem):
    status = 403


class NotFound(Problem):
    status = 404


class Conflict(Problem):
    status = 409


class PreconditionFailed(Problem):
    status = 412


class TooLarge(Problem):
    status = 413


class UnsupportedMediaType(Problem):
    status = 415


class Invalid(Problem):
    status = 422


class PreconditionRequired(Problem):
    status = 428


class NotConfigured(Problem):
    """The service is not set up for this (a setting is missing): 501."""

    status = 501


class TooManyRequests(Problem):
    """Slow down: try again after ``retry_after`` seconds."""

    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def issue_errors(issues: Iterable[Issue], *, strip: str = "") -> list[dict[str, Any]]:
    """Chain issues as problem ``errors``: where (the field path, and the line in a file)."""
    found = []
    for issue in issues:
        path = (
            issue.path[len(strip) :].lstrip(".")
            if strip and issue.path.startswith(strip)
            else issue.path
        )
        entry: dict[str, Any] = {"location": path, "message": issue.message}
        if issue.line is not None:
            entry["line"] = issue.line
        found.append(entry)
    return found


def problem_response(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title_of(status),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    """Render every error of the service as problem details."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        return problem_response(exc.status, exc.detail, exc.errors, headers)

    @app.exception_handler(ChainError)
    async def _chain(_: Request, exc: ChainError) -> JSONResponse:
        return problem_response(
            422,
            gettext("the chain breaks the chain format; every error is listed"),
            issue_errors(exc.issues),
        )

    @app.exception_handler(UsageError)
    async def _usage(_: Request, exc: UsageError) -> JSONResponse:
        return problem_response(422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "location": ".".join(str(p) for p in error["loc"]),
                "message": _validation_message(error),
            }
            for error in exc.errors()
        ]
        return problem_response(
            422, gettext("the request is not valid; every error is listed"), errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and _reads_pages(request):
            # a mistyped or outdated address in a browser: a page, as a page's own 404 is
            from app.routes.pages.access import missing_page  # noqa: PLC0415 - pages need us

            return await run_in_threadpool(missing_page, request)
        detail = str(exc.detail)  # Starlette's own: the status's name ("Not Found")
        return problem_response(exc.status_code, gettext(detail) if detail in TITLES else detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        rid = getattr(request.state, "request_id", None)
        if getattr(request.state, "error_answered", False):  # by CatchAll, and logged there
            return problem_response(500, _internal(rid))
        return _internal_error(rid, exc)

    # Starlette answers an unhandled error in its outermost middleware, outside the one that
    # adds the security headers; this one answers it inside (added first, it is the innermost).
    app.add_middleware(CatchAll)


def _reads_pages(request: Request) -> bool:
    """Whether the request is a browser's asking for a page: HTML accepted, and not the API's
    or a static file's address (those answer problem details, whoever asks)."""
    path = request.url.path
    return "text/html" in request.headers.get("accept", "") and not path.startswith(
        ("/api/", "/static/")
    )


def _internal_error(rid: str | None, exc: BaseException) -> JSONResponse:
    _log.error("internal error", exc_info=exc, extra={"fields": {"request_id": rid}})
    return problem_response(500, _internal(rid))


def _validation_message(error: Mapping[str, Any]) -> str:
    """pydantic's message of ``error`` in the request's language: translated when it is one of
    :data:`VALIDATION_MESSAGES`; in another language than English, said by its type when it is
    one of :data:`VALIDATION_TYPES` (pydantic words those with details of its own); else as
    pydantic writes it."""
    message: str = error["msg"]
    if message in VALIDATION_MESSAGES:
        return gettext(message)
    said = VALIDATION_TYPES.get(error.get("type", ""))
    if said is None or current() == DEFAULT:
        return message
    try:
        return gettext(said).format(**error.get("ctx", {}))
    except (KeyError, IndexError, ValueError):  # a context other than the one expected
        return message


def _internal(rid: str | None) -> str:
    return gettext("an internal error; it has been logged as {request_id}").format(request_id=rid)


class CatchAll:
    """ASGI middleware: an unhandled error becomes the 500 problem here, inside the guard that
    adds the security headers and the request id, then goes on up (to the server's log and a
    test client that raises), as Starlette's own error middleware does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            if not started:  # else the answer is under way: only the server can cut it short
                state = scope.setdefault("state", {})
                state["error_answered"] = True
                await _internal_error(state.get("request_id"), exc)(scope, receive, send)
            raise
