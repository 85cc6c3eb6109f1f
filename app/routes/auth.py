"""Signing in and out in the browser, accepting an invitation, and the list of workspaces.

Forms before sign-in (login, invitation) are guarded by a double-submit token: a random value
in a short-lived cookie that the form must repeat. After sign-in every form carries the
session's own CSRF token. A successful sign-in always starts a new session (a cookie the
browser brought along is never promoted), and signing out ends it in the database.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import accounts, membership, totp
from app.deps import (
    Browser,
    SessionDep,
    address,
    anonymous_actor,
    browser_session,
    check_csrf,
    cookie_name,
    now,
    today,
    user_actor,
)
from app.errors import Forbidden, Invalid, NotFound, Problem, TooManyRequests
from app.views.pages import page
from graph.i18n import gettext

router = APIRouter(include_in_schema=False)

FORM_COOKIE = "ketenkaart_form"


def _secure(request: Request) -> bool:
    return not request.app.state.settings.plain_http_localhost


def _check_form(request: Request, given: str) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Forbidden(gettext("a request from another site is refused"))
    expected = request.cookies.get(FORM_COOKIE)
    if not expected or not accounts.same_secret(given, expected):
        raise Forbidden(gettext("the form is stale: reload the page and try again"))


def _local(target: str) -> str:
    """Only a path of this site may be where a sign-in leads (no open redirect)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/workspaces"


@router.get("/", response_class=RedirectResponse)
def home(request: Request, session: SessionDep) -> RedirectResponse:
    signed = browser_session(request, session) is not None
    return RedirectResponse("/workspaces" if signed else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str = "/workspaces") -> Response:  # noqa: A002
    if browser_session(request, session) is not None:
        return RedirectResponse(_local(next), status_code=303)
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    return page_with_token(request, "login.html", token, email="", next=_local(next), error=None)


def page_with_token(
    request: Request, template: str, token: str, *, status_code: int = 200, **context: object
) -> Response:
    response = page(request, template, status_code=status_code, form_token=token, **context)
    response.set_cookie(
        FORM_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)],
    code: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/workspaces",  # noqa: A002
) -> Response:
    _check_form(request, csrf_token)
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    try:
        signed = await run_in_threadpool(
            accounts.login,
            session,
            email=email,
            password=password,
            code=code or None,
            address=address(request),
            now=now(request),
            actor=anonymous_actor(request, email=email.strip().lower()[:254]),
        )
    except TooManyRequests as err:
        response = page_with_token(
            request,
            "login.html",
            token,
            status_code=429,
            email=email,
            next=_local(next),
            error=err.detail,
        )
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    except accounts.LoginFailed as err:
        return page_with_token(
            request,
            "login.html",
            token,
            status_code=401,
            email=email,
            next=_local(next),
            error=err.detail,
        )
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        cookie_name(request),
        signed.cookie,
        max_age=int(accounts.SESSION_MAX.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(FORM_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=100)],
    everywhere: Annotated[bool, Form()] = False,
) -> Response:
    browser = browser_session(request, session)
    if browser is not None:
        check_csrf(request, browser.record, csrf_token)
        actor = anonymous_actor(request, email=browser.user.email)
        accounts.logout(
            session,
            cookie=request.cookies[cookie_name(request)],
            everywhere=everywhere,
            actor=actor,
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie_name(request), path="/", secure=_secure(request), httponly=True)
    return response


@router.get("/workspaces", response_class=HTMLResponse)
def workspaces(request: Request, session: SessionDep) -> Response:
    browser = browser_session(request, session)
    if browser is None:
        return RedirectResponse("/login?next=/workspaces", status_code=303)
    found = accounts.workspaces_of(session, browser.user, today=today(request))
    return page(
        request,
        "workspaces.html",
        user=browser.user,
        csrf_token=browser.record.csrf_token,
        workspaces=found,
    )


def _invitation_context(request: Request, session: SessionDep, secret: str) -> dict[str, Any]:
    invitation = membership.invitation_for(session, secret, now=now(request))
    workspace = membership.workspace_of_invitation(session, invitation)
    return {
        "workspace_name": workspace.name,
        "role": invitation.role,
        "email": invitation.email,
        "starts": invitation.starts,
        "ends": invitation.ends,
    }


def _no_invitation(request: Request, err: NotFound) -> Response:
    """The page of a link that leads to no open invitation (unknown, used or expired)."""
    return page(
        request, "message.html", status_code=404, title=gettext("Invitation"), text=err.detail
    )


@router.get("/invite/{secret}", response_class=HTMLResponse)
def invitation_form(request: Request, session: SessionDep, secret: str) -> Response:
    try:
        context = _invitation_context(request, session, secret[:100])
    except NotFound as err:
        return _no_invitation(request, err)
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    return page_with_token(request, "invite.html", token, display_name="", errors=[], **context)


@router.post("/invite/{secret}", response_class=HTMLResponse)
async def accept_invitation(
    request: Request,
    session: SessionDep,
    secret: str,
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)],
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_form(request, csrf_token)
    try:
        context = _invitation_context(request, session, secret[:100])
    except NotFound as err:
        return _no_invitation(request, err)
    try:
        await run_in_threadpool(
            membership.accept_invitation,
            session,
            secret=secret[:100],
            display_name=display_name,
            password=password,
            now=now(request),
            actor=anonymous_actor(request, email=str(context["email"])),
        )
    except Problem as err:  # wrong password, throttled, or a role the workspace cannot give
        session.rollback()
        token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
        where = "password" if isinstance(err, Invalid | TooManyRequests) else "invitation"
        response = page_with_token(
            request,
            "invite.html",
            token,
            status_code=err.status,
            display_name=display_name,
            error=err.detail,
            errors=err.errors or [{"location": where, "message": err.detail}],
            **context,
        )
        if isinstance(err, TooManyRequests):
            response.headers["Retry-After"] = str(err.retry_after)
        return response
    return page(
        request,
        "message.html",
        title=gettext("Invitation accepted"),
        text=gettext("Your access is ready. Sign in with your e-mail address and password."),
        link="/login",
    )


# --- the account ----------------------------------------------------------------------------------


def _account_browser(request: Request, session: SessionDep, csrf_token: str) -> Browser | None:
    """The signed-in browser posting an account form, its CSRF token checked; None when no
    one is signed in."""
    browser = browser_session(request, session)
    if browser is not None:
        check_csrf(request, browser.record, csrf_token)
    return browser


def _account(
    request: Request, browser: Browser, *, status_code: int = 200, **context: Any
) -> Response:
    return page(
        request,
        "account.html",
        status_code=status_code,
        user=browser.user,
        csrf_token=browser.record.csrf_token,
        **{"secret": None, "uri": None, "error": None, "errors": [], **context},
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: SessionDep) -> Response:
    browser = browser_session(request, session)
    if browser is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    return _account(request, browser)


@router.post("/account/totp/new", response_class=HTMLResponse)
def new_totp(
    request: Request, session: SessionDep, csrf_token: Annotated[str, Form(max_length=100)]
) -> Response:
    browser = _account_browser(request, session, csrf_token)
    if browser is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    secret, uri = accounts.start_totp(session, user=browser.user)
    return _account(request, browser, secret=secret, uri=uri)


@router.post("/account/totp", response_class=HTMLResponse)
async def confirm_totp(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=100)],
    secret: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    browser = _account_browser(request, session, csrf_token)
    if browser is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    try:
        await run_in_threadpool(
            accounts.enable_totp,
            session,
            user=browser.user,
            secret=secret,
            code=code,
            password=password,
            now=now(request),
            actor=user_actor(request, browser.user),
        )
    except (Invalid, TooManyRequests) as err:
        uri = None
        with contextlib.suppress(ValueError):
            uri = totp.provisioning_uri(secret, email=browser.user.email)
        return _account(
            request,
            browser,
            status_code=err.status,
            secret=secret if uri else None,
            uri=uri,
            error=err.detail,
            errors=err.errors,
        )
    messages = [{"kind": "info", "text": gettext("The second factor is on.")}]
    return _account(request, browser, messages=messages)


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=100)],
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
) -> Response:
    browser = _account_browser(request, session, csrf_token)
    if browser is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    try:
        await run_in_threadpool(
            accounts.change_password,
            session,
            user=browser.user,
            current=current,
            new=new,
            now=now(request),
            actor=user_actor(request, browser.user),
        )
    except (Invalid, TooManyRequests) as err:
        return _account(
            request, browser, status_code=err.status, error=err.detail, errors=err.errors
        )
    response = page(
        request,
        "message.html",
        title=gettext("Password changed"),
        text=gettext(
            "Your password is changed and every session has ended. Sign in with the new one."
        ),
        link="/login",
    )
    response.delete_cookie(cookie_name(request), path="/", secure=_secure(request), httponly=True)
    return response
