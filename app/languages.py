"""Which language a request is answered in, and the settings that choose it (issue 15, ADR 36).

In order: the language switch (``?lang=nl`` on any address, which the answer keeps in a cookie,
or that cookie), the browser's ``Accept-Language``, the account's own setting (``/account``),
the workspace's default (set by its owner), else English. :class:`Language` decides it before
the route runs and answers the whole request inside :func:`graph.i18n.using`, so that pages,
reason sentences and problem details speak it alike.

The account and the workspace are asked of the database only when neither the switch nor the
browser chose, and only for a caller who could be let in: a session cookie or an API token that
is in force, and a workspace the person is a member of or holds a grant to (or the token's own):
a stranger learns nothing of a workspace from the language of its 404.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import accounts, audit
from app.audit import Actor
from app.config import PLAIN_HTTP_SESSION_COOKIE, SESSION_COOKIE
from app.errors import Invalid
from app.models import ApiToken, Grant, LoginSession, Membership, User, Workspace
from graph import i18n

COOKIE = "ketenkaart_lang"
"""The cookie that keeps the switch's choice (not a secret: a language code)."""

QUERY = "lang"
"""The query parameter of the switch: ``?lang=nl`` answers in Dutch and keeps it."""

CHOOSABLE = ("en", "nl")
"""The languages a person or an owner may choose (``pseudo`` is for tests only)."""

_WORKSPACE_PATH = re.compile(r"^/(?:w|api/v1/workspaces)/([^/]{1,64})(?:/|$)")


def _known(code: str | None, *, pseudo: bool = False) -> str | None:
    """``code`` when it is a language the service speaks (the test-only pseudo language when
    the app allows it: ``app.state.pseudo_language``, set by tests only)."""
    return code if code in i18n.LANGUAGES or (pseudo and code == i18n.PSEUDO) else None


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def stored(
    session: Session,
    *,
    cookie: str | None,
    token: str | None,
    slug: str | None,
    now: datetime,
) -> str | None:
    """The account's language, else the workspace's default, for the caller a session cookie
    or a bearer token stands for; ``None`` when neither is set or the caller is no one.

    Only the language is decided here, not access: a session past its idle time still names
    its person's language, and a grant not revoked names its workspace's, whatever its dates
    (the route then refuses or admits the request as ever). A token of another workspace, or
    a person neither member nor auditor of it, learns nothing of the workspace."""
    user: User | None = None
    token_workspace: int | None = None
    if token is not None and len(token) <= 200:
        record = session.scalars(
            select(ApiToken).where(col(ApiToken.token_hash) == accounts.hashed(token))
        ).first()
        if (
            record is None
            or record.revoked_at is not None
            or (record.expires_at is not None and _utc(record.expires_at) <= now)
        ):
            return None
        token_workspace = record.workspace_id
        user = None if record.user_id is None else session.get(User, record.user_id)
    elif cookie is not None and len(cookie) <= 100:
        found = session.execute(
            select(User, col(LoginSession.expires_at))
            .join(LoginSession, col(LoginSession.user_id) == col(User.id))
            .where(col(LoginSession.token_hash) == accounts.hashed(cookie))
        ).first()
        if found is None or _utc(found[1]) <= now:
            return None
        user = found[0]
    else:
        return None
    if user is not None and user.disabled_at is not None:
        return None
    if user is not None and user.language:
        return user.language
    if slug is None:
        return None
    workspace = session.scalars(select(Workspace).where(col(Workspace.slug) == slug)).first()
    if workspace is None or not workspace.language:
        return None
    if token_workspace is not None:
        return workspace.language if token_workspace == workspace.id else None
    if user is None:
        return None
    member = session.scalars(
        select(col(Membership.id)).where(
            col(Membership.workspace_id) == workspace.id, col(Membership.user_id) == user.id
        )
    ).first()
    grant = session.scalars(
        select(col(Grant.id)).where(
            col(Grant.workspace_id) == workspace.id,
            col(Grant.user_id) == user.id,
            col(Grant.revoked_at).is_(None),
        )
    ).first()
    return workspace.language if member is not None or grant is not None else None


def choose(
    *,
    switch: str | None,
    kept: str | None,
    accept_language: str | None,
    stored: Any = None,
    pseudo: bool = False,
) -> tuple[str, bool]:
    """The request's language, and whether the switch asked for it now (to be kept).

    ``stored`` is called only when neither the switch nor the browser chose.

    >>> choose(switch="nl", kept="en", accept_language="en")
    ('nl', True)
    >>> choose(switch=None, kept="nl", accept_language="en")
    ('nl', False)
    >>> choose(switch=None, kept=None, accept_language="fr, en;q=0.5")
    ('en', False)
    >>> choose(switch=None, kept=None, accept_language="fr", stored=lambda: "nl")
    ('nl', False)
    >>> choose(switch=None, kept=None, accept_language=None)
    ('en', False)
    """
    asked = _known(switch, pseudo=pseudo)
    if asked is not None:
        return asked, True
    chosen = (
        _known(kept, pseudo=pseudo)
        or (i18n.negotiate(accept_language) if accept_language else None)
        or (_known(stored()) if stored is not None else None)
    )
    return chosen or i18n.DEFAULT, False


class Language:
    """ASGI middleware: answers each request in its language (see the module's docstring);
    keeps a switch's choice in a cookie, and says which language it answered in and what the
    answer varies by."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        settings = scope["app"].state.settings
        secure = not settings.plain_http_localhost
        cookie_name = SESSION_COOKIE if secure else PLAIN_HTTP_SESSION_COOKIE
        header = connection.headers.get("authorization", "")
        scheme, _, bearer = header.partition(" ")
        token = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else None
        session_cookie = connection.cookies.get(cookie_name)
        slug_match = _WORKSPACE_PATH.match(scope["path"])
        engine: Engine = scope["app"].state.engine
        looked: list[str | None] = []

        def lookup() -> str | None:
            return looked[0] if looked else None

        switch = connection.query_params.get(QUERY)
        kept = connection.cookies.get(COOKIE)
        accept = connection.headers.get("accept-language")
        pseudo = bool(getattr(scope["app"].state, "pseudo_language", False))
        if (
            _known(switch, pseudo=pseudo) is None
            and _known(kept, pseudo=pseudo) is None
            and not (accept and i18n.negotiate(accept))
            and (token is not None or session_cookie)
        ):
            now = scope["app"].state.clock()

            def ask() -> str | None:
                with Session(engine) as session:
                    return stored(
                        session,
                        cookie=session_cookie,
                        token=token,
                        slug=slug_match.group(1) if slug_match else None,
                        now=now,
                    )

            looked.append(await run_in_threadpool(ask))
        language, keep = choose(
            switch=switch, kept=kept, accept_language=accept, stored=lookup, pseudo=pseudo
        )

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-language", language.encode()))
                headers.append((b"vary", b"Accept-Language, Cookie"))
                if keep:
                    flags = "; Secure" if secure else ""
                    headers.append(
                        (
                            b"set-cookie",
                            f"{COOKIE}={language}; Max-Age=31536000; Path=/; "
                            f"SameSite=Lax; HttpOnly{flags}".encode(),
                        )
                    )
                message = {**message, "headers": headers}
            await send(message)

        with i18n.using(language):
            await self.app(scope, receive, send_with_language)


def _checked(language: str | None) -> str | None:
    """A setting's value: a language the service speaks, or ``None`` (no setting)."""
    if language in (None, ""):
        return None
    if language not in CHOOSABLE:
        raise Invalid(
            i18n.gettext("choose one of the languages offered"),
            errors=[
                {
                    "location": "language",
                    "message": i18n.gettext("expected one of {choices}").format(
                        choices=", ".join(CHOOSABLE)
                    ),
                }
            ],
        )
    return language


def set_account_language(
    session: Session, *, user: User, language: str | None, actor: Actor
) -> None:
    """Set (or clear, with ``None``) the person's own language; the change goes in the trail."""
    _set_language(session, user, language, None, actor, "user.language", f"user/{user.email}")


def set_workspace_language(
    session: Session, *, workspace: Workspace, language: str | None, actor: Actor
) -> None:
    """Set (or clear) a workspace's default language; the caller has checked that ``actor`` is
    one of its owners. The change goes in the workspace's trail."""
    target = f"workspace/{workspace.slug}"
    _set_language(session, workspace, language, workspace.id, actor, "workspace.language", target)


def _set_language(  # noqa: PLR0917 - one change, and where the trail records it
    session: Session,
    holder: User | Workspace,
    language: str | None,
    workspace_id: int | None,
    actor: Actor,
    action: str,
    target: str,
) -> None:
    chosen = _checked(language)
    if chosen == holder.language:
        return
    before, holder.language = holder.language, chosen
    session.add(holder)
    audit.record(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        target=target,
        before={"language": before},
        after={"language": chosen},
    )
    session.commit()
