"""The people page of a workspace, for its owners: members and their roles, auditors'
engagements (grants) and invitations. Nobody is added without their consent: members and
auditors join by an invitation they accept, and no answer here tells whether an address has
an account (ADR 23).

It is the browser's side of :mod:`app.routes.people` and checks access the way the other pages
do (:mod:`app.routes.pages`): no session leads to the sign-in page, no way into the workspace is
a 404 page, any role but owner a 403 page. Every form carries the session's CSRF token and every
change names the signed-in person in the audit trail. A change answers with a redirect to the
page and a message (POST-redirect-GET); an invitation's link is shown once, in the answer to its
form, since only its hash is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app import accounts, membership, services
from app.deps import OWN, SessionDep, now, public_base, today
from app.errors import Invalid, Problem

# The page helpers of the workspace pages are shared, not copied: the access check with its CSRF
# check (visit_as), the context every workspace page gets (page_context) and the form reader.
from app.routes.pages.access import FormDep, Visit, WsPath, guarded, page_context, visit_as
from app.routes.pages.forms import form_field
from app.views.pages import WORDS, link_word, page
from graph.i18n import N_, gettext

router = APIRouter(include_in_schema=False)

GrantId = Annotated[int, Path(ge=1, le=2**53)]
InvitationId = Annotated[int, Path(ge=1, le=2**53)]

DONE = {
    "member-changed": N_("{who} is now {role}."),
    "member-removed": N_("Removed {who} from the workspace."),
    "grant-revoked": N_("Revoked the read access of {who}."),
    "invitation-withdrawn": N_("Withdrew the invitation of {who}; its {link} no longer works."),
}
"""The message after each change, by the ``did`` of the redirect's query."""

FORMS = ("member", "grant", "invite")
"""The page's forms; each names its inputs ``<form>_<field>`` so that an error goes next to the
right one."""


@dataclass(frozen=True, slots=True)
class GrantRow:
    """An auditor's engagement as the grants table shows it."""

    id: int
    email: str
    display_name: str
    offerings: tuple[str, ...]
    starts: str
    ends: str
    state: str


def grant_state(grant: dict[str, Any], day: date) -> str:
    """Where an engagement stands on ``day``: revoked, starts later, running or ended.

    >>> g = {"starts": "2026-01-01", "ends": "2026-06-30", "revoked": False}
    >>> [grant_state(g, date(2025, 12, 31)), grant_state(g, date(2026, 6, 30)),
    ...  grant_state(g, date(2026, 7, 1)), grant_state(g | {"revoked": True}, date(2026, 3, 1))]
    ['starts later', 'running', 'ended', 'revoked']
    """
    if grant["revoked"]:
        return "revoked"
    if day < date.fromisoformat(grant["starts"]):
        return "starts later"
    if day > date.fromisoformat(grant["ends"]):
        return "ended"
    return "running"


def place_errors(form: str, problem: Problem) -> tuple[dict[str, list[str]], list[str]]:
    """A problem's errors by the input of ``form`` they name, and its detail for the top.

    >>> placed, top = place_errors("invite", Invalid("nope", errors=[
    ...     {"location": "ends", "message": "ends before it starts"},
    ...     {"location": "offerings[1]", "message": "'x' is no offering here"}]))
    >>> placed["invite_ends"], placed["invite_offerings"], top
    (['ends before it starts'], ["'x' is no offering here"], ['nope'])
    """
    placed: dict[str, list[str]] = {}
    for error in problem.errors:
        head = str(error.get("location", "")).split("[", 1)[0].split(".", 1)[0]
        placed.setdefault(f"{form}_{head or 'email'}", []).append(str(error.get("message", "")))
    return placed, [problem.detail]


def _submitted(form: FormData, name: str) -> dict[str, Any]:
    """The values a form was sent with, to show again beside its errors."""
    values: dict[str, Any] = {
        key: form_field(form, f"{name}_{key}") for key in ("email", "role", "starts", "ends")
    }
    values["offerings"] = [v for v in form.getlist(f"{name}_offerings") if isinstance(v, str)]
    return values


def _offerings(session: Session, visit: Visit) -> list[tuple[str, str]]:
    """The register's offerings with their names, for the checkboxes."""
    document = services.register_document(session, visit.workspace)
    names = {body.get("id"): body.get("name") for body in document["services"]}
    return [(sid, str(names.get(sid) or sid)) for sid in document["offerings"]]


def _people_page(
    request: Request,
    session: Session,
    visit: Visit,
    *,
    status_code: int = 200,
    failed: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    general: Sequence[str] = (),
    link: str = "",
    invited: str = "",
) -> Response:
    """The page, with the form that ``failed`` showing what was sent and its errors."""
    day = today(request)
    messages = []
    did = request.query_params.get("did", "")
    if did in DONE and not failed:
        who = request.query_params.get("who", "")[:300]
        role = request.query_params.get("role", "")
        messages.append(
            {
                "kind": "info",
                "text": gettext(DONE[did]).format(
                    who=who,
                    role=gettext(WORDS[role]) if role in accounts.ROLES else "?",
                    link=link_word(),
                ),
            }
        )
    grants = [
        GrantRow(
            g["id"],
            g["email"],
            g["display_name"],
            tuple(g["offerings"]),
            g["starts"],
            g["ends"],
            grant_state(g, day),
        )
        for g in membership.grants(session, visit.workspace)
    ]
    blank: dict[str, Any] = {"email": "", "role": "", "starts": "", "ends": "", "offerings": []}
    response = page(
        request,
        "people.html",
        status_code=status_code,
        **page_context(
            request,
            visit,
            messages=messages,
            members=membership.members(session, visit.workspace),
            member_roles=accounts.MEMBER_ROLES,
            roles=accounts.ROLES,
            grants=grants,
            invitations=membership.invitations(session, visit.workspace, now=now(request)),
            offerings=_offerings(session, visit),
            today=day.isoformat(),
            values={name: (values if name == failed and values else blank) for name in FORMS},
            errors=errors or {},
            general={name: (list(general) if name == failed else []) for name in FORMS},
            link=link,
            invited=invited,
            invitation_days=membership.INVITATION_DAYS,
            expires=(now(request) + timedelta(days=membership.INVITATION_DAYS)).date().isoformat(),
            action=f"/w/{quote(visit.workspace.slug)}/people",
        ),
    )
    if link:
        response.headers["Cache-Control"] = "no-store"  # the link is shown once
    return response


def _done(ws: str, did: str, who: str, role: str = "") -> RedirectResponse:
    query = {"did": did, "who": who, **({"role": role} if role else {})}
    return RedirectResponse(f"/w/{quote(ws)}/people?{urlencode(query)}", status_code=303)


def _failed(
    request: Request, session: Session, visit: Visit, form: FormData, name: str, problem: Problem
) -> Response:
    session.rollback()
    placed, top = place_errors(name, problem)
    return _people_page(
        request,
        session,
        visit,
        status_code=problem.status,
        failed=name,
        values=_submitted(form, name),
        errors=placed,
        general=top,
    )


_NOT_REMOVED = N_("Nobody was removed: tick “Yes, remove” to confirm.")
_NOT_REVOKED = N_("No access was revoked: tick “Yes, revoke” to confirm.")


def _unconfirmed(
    request: Request, session: Session, visit: Visit, failed: str, sentence: str
) -> Response:
    """The page again, nothing changed: the form ``failed`` was sent without its box ticked."""
    return _people_page(
        request, session, visit, status_code=422, failed=failed, general=[gettext(sentence)]
    )


def _checked_invitation(
    form: FormData, email: str, *, auditor: bool
) -> tuple[date | None, date | None]:
    """An invitation's first and last day; refused with every error of the form at once (the
    address and the dates), not the address's after the dates are put right."""
    refused: list[Invalid] = []
    try:
        accounts.normalise_email(email)
    except Invalid as bad:
        refused.append(bad)
    try:
        starts, ends = _dates(form, "invite", required=auditor)
    except Invalid as bad:
        refused.append(bad)
    if len(refused) > 1:
        raise Invalid(
            gettext("the invitation is not valid; every error is listed"),
            errors=[error for bad in refused for error in bad.errors],
        )
    if refused:
        raise refused[0]
    return starts, ends


def _dates(form: FormData, name: str, *, required: bool) -> tuple[date | None, date | None]:
    """The first and last day of an engagement's form, every problem named by its input."""
    found: dict[str, date | None] = {}
    errors = []
    for key in ("starts", "ends"):
        text = form_field(form, f"{name}_{key}")
        found[key] = None
        if not text:
            if required:
                errors.append({"location": key, "message": gettext("required: a date YYYY-MM-DD")})
            continue
        try:
            found[key] = date.fromisoformat(text)
        except ValueError:
            errors.append(
                {
                    "location": key,
                    "message": gettext("'{text}' is not a date YYYY-MM-DD").format(text=text[:20]),
                }
            )
    if errors:
        raise Invalid(gettext("the engagement's dates are missing or wrong"), errors=errors)
    return found["starts"], found["ends"]


def _after_own_change(visit: Visit, email: str, role: str | None) -> Response | None:
    """Where to go after an owner changed their own membership: no longer an owner, this
    page is closed to them."""
    if email.strip().lower() != visit.browser.user.email or role == "owner":
        return None
    if role is None:
        return RedirectResponse("/workspaces", status_code=303)
    key = gettext("your role: {role}").format(role=gettext(WORDS.get(role, role)))
    target = f"/w/{quote(visit.workspace.slug)}?{urlencode({'done': 'updated', 'key': key})}"
    return RedirectResponse(target, status_code=303)


# --- routes ---------------------------------------------------------------------------------


@router.get("/w/{ws}/people", response_class=HTMLResponse)
@guarded
def people(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """Members, auditors' engagements and invitations, with their forms."""
    visit = visit_as(request, session, ws, OWN)
    return _people_page(request, session, visit)


@router.post("/w/{ws}/people/members/role", response_class=HTMLResponse)
@guarded
def change_role(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
    """Change a member's role (a workspace keeps at least one owner)."""
    visit = visit_as(request, session, ws, OWN, form)
    email, role = form_field(form, "email"), form_field(form, "role")
    try:
        done = membership.change_role(
            session, workspace=visit.workspace, email=email, role=role, actor=visit.actor
        )
    except Problem as problem:
        session.rollback()
        return _people_page(
            request,
            session,
            visit,
            status_code=problem.status,
            failed="member",
            general=[f"{email}: {problem.detail}"],
        )
    return _after_own_change(visit, email, role) or _done(
        ws, "member-changed", str(done["email"]), role
    )


@router.post("/w/{ws}/people/members/remove", response_class=HTMLResponse)
@guarded
def remove_member(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
    """End a membership (a workspace keeps at least one owner)."""
    visit = visit_as(request, session, ws, OWN, form)
    email = form_field(form, "email")
    if form_field(form, "confirm") != "yes":  # one click removed someone
        return _unconfirmed(request, session, visit, "member", _NOT_REMOVED)
    try:
        membership.remove_member(session, workspace=visit.workspace, email=email, actor=visit.actor)
    except Problem as problem:
        session.rollback()
        return _people_page(
            request,
            session,
            visit,
            status_code=problem.status,
            failed="member",
            general=[f"{email}: {problem.detail}"],
        )
    return _after_own_change(visit, email, None) or _done(
        ws, "member-removed", email.strip().lower()
    )


@router.post("/w/{ws}/people/grants/{grant_id}/revoke", response_class=HTMLResponse)
@guarded
def revoke_grant(
    request: Request, session: SessionDep, ws: WsPath, grant_id: GrantId, form: FormDep
) -> Response:
    """End an engagement's access now."""
    visit = visit_as(request, session, ws, OWN, form)
    if form_field(form, "confirm") != "yes":
        return _unconfirmed(request, session, visit, "grant", _NOT_REVOKED)
    found = {g["id"]: g for g in membership.grants(session, visit.workspace)}
    membership.revoke_grant(
        session, workspace=visit.workspace, grant_id=grant_id, actor=visit.actor
    )
    return _done(ws, "grant-revoked", str(found[grant_id]["email"]))


@router.post("/w/{ws}/people/invitations", response_class=HTMLResponse)
@guarded
def invite(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
    """Invite someone by e-mail; the answer shows the link, once."""
    visit = visit_as(request, session, ws, OWN, form)
    chosen = _submitted(form, "invite")
    auditor = chosen["role"] == accounts.AUDITOR
    try:
        base = public_base(request)  # before the invitation: no secret made for nothing
        starts, ends = _checked_invitation(form, chosen["email"], auditor=auditor)
        secret, _ = membership.invite(
            session,
            workspace=visit.workspace,
            email=chosen["email"],
            role=chosen["role"],
            offerings=chosen["offerings"] if auditor else (),
            starts=starts,
            ends=ends,
            now=now(request),
            actor=visit.actor,
        )
    except Problem as problem:
        return _failed(request, session, visit, form, "invite", problem)
    email = accounts.normalise_email(chosen["email"])
    return _people_page(
        request,
        session,
        visit,
        link=f"{base.rstrip('/')}/invite/{secret}",
        invited=gettext("{email} as {role}").format(
            email=email, role=gettext(WORDS.get(chosen["role"], chosen["role"]))
        ),
    )


@router.post("/w/{ws}/people/invitations/{invitation_id}/withdraw", response_class=HTMLResponse)
@guarded
def withdraw_invitation(
    request: Request, session: SessionDep, ws: WsPath, invitation_id: InvitationId, form: FormDep
) -> Response:
    """End an invitation before it is accepted: its link stops working at once."""
    visit = visit_as(request, session, ws, OWN, form)
    try:
        done = membership.withdraw_invitation(
            session,
            workspace=visit.workspace,
            invitation_id=invitation_id,
            now=now(request),
            actor=visit.actor,
        )
    except Problem as problem:
        return _failed(request, session, visit, form, "invite", problem)
    return _done(ws, "invitation-withdrawn", str(done["email"]))


__all__ = ["grant_state", "place_errors", "router"]
