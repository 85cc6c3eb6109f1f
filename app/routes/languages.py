"""The language settings of the browser pages: a person's own (on /account) and a workspace's
default (on its people page, for its owners). Both are forms with the session's CSRF token, both
changes go in the audit trail (:mod:`app.languages`), both answer with a redirect (POST-redirect-
GET). Saving one's own language is an explicit choice, so the answer also keeps it in this
browser, as the language switch does (ADR 36).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import languages
from app.deps import OWN, SessionDep, browser_session, check_csrf, user_actor
from app.routes.pages.access import FormDep, WsPath, guarded, visit_as
from app.routes.pages.forms import form_field

router = APIRouter(include_in_schema=False)


@router.post("/account/language", response_class=HTMLResponse)
@guarded
def account_language(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Set or clear the signed-in person's own language."""
    browser = browser_session(request, session)
    if browser is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    check_csrf(request, browser.record, form_field(form, "csrf_token"))
    request.state.browser = browser
    chosen = form_field(form, "language") or None
    languages.set_account_language(
        session, user=browser.user, language=chosen, actor=user_actor(request, browser.user)
    )
    response = RedirectResponse("/account", status_code=303)
    if chosen is not None:
        response.set_cookie(
            languages.COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=not request.app.state.settings.plain_http_localhost,
            path="/",
        )
    return response


@router.post("/w/{ws}/language", response_class=HTMLResponse)
@guarded
def workspace_language(
    request: Request, session: SessionDep, ws: WsPath, form: FormDep
) -> Response:
    """Set or clear the workspace's default language (its owners only)."""
    visit = visit_as(request, session, ws, OWN, form)
    languages.set_workspace_language(
        session,
        workspace=visit.workspace,
        language=form_field(form, "language") or None,
        actor=visit.actor,
    )
    return RedirectResponse(f"/w/{quote(ws)}/people#language", status_code=303)
