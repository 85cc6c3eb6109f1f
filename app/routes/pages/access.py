"""Access to the workspace pages: the signed-in browser's visit with its role and CSRF check,
the context every page gets, and problems turned into pages."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ParamSpec
from urllib.parse import urlencode

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app import accounts, services
from app.accounts import Access
from app.audit import Actor
from app.deps import SAFE_METHODS, WRITE, Browser, browser_session, check_csrf, today, user_actor
from app.errors import TITLES, Forbidden, NotFound, Problem
from app.routes.pages.fields import SECTIONS
from app.views.pages import WORDS, page
from graph.errors import UsageError
from graph.i18n import N_, gettext
from importers.formats import IMPORT_FORMATS

DEFAULT_PROFILE = "zeker-online"
EXPIRING_DAYS = 90
"""The days ahead in which the pages call evidence's end near: the overview lists what stops
counting within them, the evidence table marks it."""
WsPath = Annotated[str, Path(max_length=64)]

P = ParamSpec("P")


class _Leave(Exception):  # noqa: N818 - not an error: a page that answers otherwise
    """Leave the route with this response (a redirect to the sign-in page)."""

    def __init__(self, response: Response) -> None:
        super().__init__("leave")
        self.response = response


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in browser in a workspace: who, as what, and how the audit trail names it."""

    browser: Browser
    access: Access
    actor: Actor

    @property
    def workspace(self) -> Any:
        return self.access.workspace

    @property
    def scope(self) -> frozenset[str] | None:
        return self.access.scope

    @property
    def can_write(self) -> bool:
        return self.access.role in WRITE


def visit_as(
    request: Request, session: Session, ws: str, roles: Sequence[str], form: FormData | None = None
) -> Visit:
    """The signed-in browser's access to ``ws`` in one of ``roles``; a form's CSRF token is
    checked before anything else is done."""
    browser = browser_session(request, session)
    if browser is None:
        target = request.url.path if request.method in SAFE_METHODS else f"/w/{ws}"
        if request.method in SAFE_METHODS and request.url.query:
            target += "?" + request.url.query
        raise _Leave(RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303))
    request.state.browser = browser
    workspace = services.find_workspace(session, ws)
    access = (
        None
        if workspace is None
        else accounts.user_access(session, browser.user, workspace, today=today(request))
    )
    if access is None:
        raise NotFound(gettext("no workspace '{ws}'").format(ws=ws))
    if request.method not in SAFE_METHODS:
        given = None if form is None else form.get("csrf_token")
        check_csrf(request, browser.record, given if isinstance(given, str) else None)
    if access.role not in roles:
        raise Forbidden(
            gettext("this needs the role {roles}; you are {role} in this workspace").format(
                roles=gettext(" or ").join(gettext(WORDS[r]) for r in roles),
                role=gettext(WORDS[access.role]),
            )
        )
    return Visit(browser, access, user_actor(request, browser.user))


def problem_page(
    request: Request, problem: Problem | UsageError, *, back: tuple[str, str] | None = None
) -> Response:
    """The problem as a page; its link goes on to the workspaces (the sign-in signed out), or
    to ``back``: an address and the words of its link."""
    status = problem.status if isinstance(problem, Problem) else 400
    title = problem.title if isinstance(problem, Problem) else "Bad Request"
    title = gettext(title) if title in TITLES else title
    detail = problem.detail if isinstance(problem, Problem) else str(problem)
    browser: Browser | None = getattr(request.state, "browser", None)
    return page(
        request,
        "message.html",
        status_code=status,
        title=title,
        text=detail,
        link=back[0] if back else "/workspaces" if browser else "/login",
        link_text=back[1] if back else None,
        user=browser.user if browser else None,
        csrf_token=browser.record.csrf_token if browser else "",
        messages=(),
    )


def missing_page(request: Request) -> Response:
    """The page for an address with no page, showing the person signed in as every other page
    does (its link leads to their workspaces); the database is asked only when the request
    carries a session cookie."""
    with Session(request.app.state.engine) as session:
        browser = browser_session(request, session)
        if browser is not None:
            request.state.browser = browser
        return problem_page(request, NotFound(gettext("There is no page at this address.")))


def guarded(func: Callable[P, Response]) -> Callable[P, Response]:
    """A page route whose problems become pages: the sign-in redirect, 404, 403 and the rest
    as a readable message with their status."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return func(*args, **kwargs)
        except _Leave as leave:
            return leave.response
        except (Problem, UsageError) as problem:
            request = kwargs["request"]
            assert isinstance(request, Request)  # noqa: S101 - every page route takes it
            return problem_page(request, problem)

    return run


async def read_form(request: Request) -> FormData:
    """The request's form, with fields as large as an upload may be (a previewed chain file
    travels back in one)."""
    limit: int = request.app.state.settings.max_upload_bytes
    return await request.form(max_part_size=limit, max_files=2, max_fields=200)


FormDep = Annotated[FormData, Depends(read_form)]


def page_context(request: Request, visit: Visit, **context: Any) -> dict[str, Any]:
    messages = list(context.pop("messages", ()))
    done = request.query_params.get("done")
    key = request.query_params.get("key", "")[:300]
    if done in _DONE:
        messages.append({"kind": "info", "text": gettext(_DONE[done]).format(key=key)})
    return {
        "user": visit.browser.user,
        "csrf_token": visit.browser.record.csrf_token,
        "messages": messages,
        "ws": visit.workspace,
        "role": visit.access.role,
        "scope": visit.scope,
        "can_write": visit.can_write,
        "sections": SECTIONS,
        "import_formats": IMPORT_FORMATS,
        "format_names": FORMAT_NAMES,
        **context,
    }


FORMAT_NAMES = {
    "chain": N_("chain file (YAML or JSON)"),
    "cyclonedx": N_("CycloneDX SaaSBOM"),
    "csv": N_("supplier register (CSV)"),
    "xlsx": N_("supplier register (XLSX)"),
    "oscal": N_("OSCAL system security plan"),
    "fedramp": N_("FedRAMP marketplace data"),
    "backstage": N_("Backstage catalog"),
}
"""Each format the import page reads, as a person names it (translated where it is shown)."""


_DONE = {
    "created": N_("Added {key}."),
    "updated": N_("Saved {key}."),
    "deleted": N_("Deleted {key}."),
    "unchanged": N_("Nothing changed in {key}; nothing was saved."),
    "uploaded": N_("Stored the document of {key}."),
    "imported": N_("Imported the file."),
}
