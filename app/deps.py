"""Dependencies of the routes: the database session, the clock, and the caller by role.

Every route under ``/workspaces/{ws}`` declares the roles it lets in with one of the aliases
below (``Reader``, ``Writer``, ``Owner``, ``AuditReader``); a test walks every route of the
OpenAPI document with every role, so a route without a declaration fails it. A caller is a
bearer token or a browser session; a browser's unsafe requests carry its CSRF token. A caller
with no way into the workspace gets 404, as if it did not exist; one with another role, 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Engine
from sqlmodel import Session

from app import accounts, services
from app.accounts import Access
from app.audit import Actor
from app.config import PLAIN_HTTP_SESSION_COOKIE, SESSION_COOKIE
from app.errors import Conflict, Forbidden, NotFound, Unauthorized
from app.models import LoginSession, User, Workspace
from graph.i18n import N_, gettext

READ = ("viewer", "editor", "owner", "auditor")
WRITE = ("editor", "owner")
OWN = ("owner",)
AUDIT = ("owner", "auditor")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ROLE_WORDS = {
    "owner": N_("owner"),
    "editor": N_("editor"),
    "viewer": N_("viewer"),
    "auditor": N_("auditor"),
}
"""The roles in words, for a message (the codes stay in the API's fields)."""


def _sign_in_message() -> str:
    return gettext("sign in, or send a bearer token: Authorization: Bearer kk_...")


CSRF_HEADER = "x-csrf-token"


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def now(request: Request) -> datetime:
    """The service's clock (tests move it)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def today(request: Request) -> date:
    """Today in UTC, the day grants and tokens run by."""
    return now(request).astimezone(UTC).date()


def cookie_name(request: Request) -> str:
    """``__Host-`` needs Secure; on explicitly plain-HTTP localhost the cookie goes without."""
    secure = not request.app.state.settings.plain_http_localhost
    return SESSION_COOKIE if secure else PLAIN_HTTP_SESSION_COOKIE


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def request_id(request: Request) -> str | None:
    value: str | None = getattr(request.state, "request_id", None)
    return value


def user_actor(request: Request, user: User, *, token: str | None = None) -> Actor:
    """How the audit trail names a signed-in user's request: through a token (its prefix) or
    a browser session, from which address, in which request."""
    return Actor(
        via="session" if token is None else "token",
        user_id=user.id,
        email=user.email,
        token=token,
        address=address(request),
        request_id=request_id(request),
    )


def anonymous_actor(request: Request, *, email: str | None = None) -> Actor:
    return Actor(
        via="session", email=email, address=address(request), request_id=request_id(request)
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(gettext("send a bearer token: Authorization: Bearer kk_..."))
    return token.strip()


@dataclass(frozen=True, slots=True)
class Browser:
    """A signed-in browser: its user and session."""

    user: User
    record: LoginSession


def _has_cookie(request: Request) -> bool:
    """Whether the request carries a session cookie that could be one (no database asked)."""
    cookie = request.cookies.get(cookie_name(request))
    return bool(cookie) and len(cookie or "") <= 100


def browser_session(request: Request, session: Session) -> Browser | None:
    """The browser session the request's cookie stands for, if any (no CSRF check); without
    a cookie, the database is not asked."""
    if not _has_cookie(request):
        return None
    cookie = request.cookies[cookie_name(request)]
    found = accounts.session_of(session, cookie, now=now(request))
    return None if found is None else Browser(*found)


def check_csrf(request: Request, record: LoginSession, given: str | None) -> None:
    """An unsafe request of a browser must carry its session's CSRF token and, when the
    browser names where it comes from, come from this site."""
    origin = request.headers.get("origin")
    if origin is not None and origin != _own_origin(request):
        raise Forbidden(gettext("a request from another site is refused"))
    if not accounts.same_secret(given, record.csrf_token):
        raise Forbidden(gettext("the form is stale or forged: reload the page and try again"))


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def public_base(request: Request) -> str:
    """Where people reach the service, for links that leave it (invitations):
    ``KETENKAART_PUBLIC_URL``, else this request's scheme and host when the host is loopback or
    the address the service listens on. Any other ``Host`` header may have been chosen by
    whoever sent the request (a link to their own site, with the invitation's secret), so it
    is not used: such a service must name its address."""
    settings = request.app.state.settings
    if settings.public_url:
        return str(settings.public_url).rstrip("/")
    host = (request.url.hostname or "").strip("[]").lower()
    if host in _LOOPBACK_NAMES or host == settings.host:
        return f"{request.url.scheme}://{request.url.netloc}"
    raise Conflict(
        gettext(
            "invitation links need the address people reach this service at: set "
            "KETENKAART_PUBLIC_URL (for example https://ketenkaart.example.nl)"
        )
    )


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks, in which workspace, as which role; and how the audit trail names them."""

    access: Access
    actor: Actor

    @property
    def workspace(self) -> Workspace:
        return self.access.workspace

    @property
    def role(self) -> str:
        return self.access.role

    @property
    def scope(self) -> frozenset[str] | None:
        return self.access.scope


def _caller(request: Request, session: Session, ws: str) -> Caller:
    """The caller's access to workspace ``ws``, whatever its role; 401 or 404 when none.

    A request with neither a token nor a session cookie is refused before the database is
    asked anything: it takes no pooled connection (ADR 27)."""
    token_text = _bearer(request)
    if token_text is None and not _has_cookie(request):
        raise Unauthorized(_sign_in_message())
    workspace_row = services.find_workspace(session, ws)
    access: Access | None = None
    if token_text is not None:
        token = services.authenticate(session, token_text)
        if token is None:
            raise Unauthorized(gettext("the token is unknown, revoked or expired"))
        if workspace_row is not None and token.workspace_id == workspace_row.id:
            access = accounts.token_access(session, token, workspace_row, today=today(request))
    else:
        browser = browser_session(request, session)
        if browser is None:
            raise Unauthorized(_sign_in_message())
        if request.method not in SAFE_METHODS:
            check_csrf(request, browser.record, request.headers.get(CSRF_HEADER))
        if workspace_row is not None:
            access = accounts.user_access(
                session, browser.user, workspace_row, today=today(request)
            )
    if access is None:
        raise NotFound(gettext("no workspace '{ws}'").format(ws=ws))
    return Caller(access, access.actor(address=address(request), request_id=request_id(request)))


def needs(*roles: str) -> Callable[..., Caller]:
    """A dependency that lets in callers of one of ``roles`` in the path's workspace."""

    def caller(
        request: Request, session: SessionDep, ws: Annotated[str, Path(max_length=64)]
    ) -> Caller:
        found = _caller(request, session, ws)
        if found.role not in roles:
            raise Forbidden(
                gettext("this needs the role {roles}; you are {role}").format(
                    roles=gettext(" or ").join(gettext(ROLE_WORDS[r]) for r in roles),
                    role=gettext(ROLE_WORDS[found.role]),
                )
            )
        return found

    caller.__name__ = f"needs_{'_'.join(roles)}"
    caller.roles = roles  # type: ignore[attr-defined]  # read by the route-by-role test
    return caller


Reader = Annotated[Caller, Depends(needs(*READ))]
Writer = Annotated[Caller, Depends(needs(*WRITE))]
Owner = Annotated[Caller, Depends(needs(*OWN))]
AuditReader = Annotated[Caller, Depends(needs(*AUDIT))]

# The names the routes of the service issue used; same meaning.
Viewer = Reader
Editor = Writer


@dataclass(frozen=True, slots=True)
class Person:
    """A signed-in user outside any workspace: through a browser session or a user's token."""

    user: User
    record: LoginSession | None
    actor: Actor


def signed_in(request: Request, session: SessionDep) -> Person:
    """The signed-in user, through a browser session; a browser's unsafe requests must carry
    the CSRF token. Tokens belong to a workspace and reach only its routes: an account's own
    routes (``/me``, creating a workspace) take no token, so that a token handed to a tool, or
    left over from an ended grant or membership, cannot act for the person beyond it."""
    if _bearer(request) is not None:
        raise Forbidden(
            gettext(
                "a token reaches only its workspace's routes; this account's routes need a "
                "signed-in browser"
            )
        )
    browser = browser_session(request, session)
    if browser is None:
        raise Unauthorized(_sign_in_message())
    if request.method not in SAFE_METHODS:
        check_csrf(request, browser.record, request.headers.get(CSRF_HEADER))
    return Person(browser.user, browser.record, user_actor(request, browser.user))


SignedIn = Annotated[Person, Depends(signed_in)]
