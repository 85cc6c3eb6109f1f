"""People in the API: who am I, my password and second factor, new workspaces; and, for a
workspace's owners, its members, auditors' grants and invitations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app import accounts, membership
from app.deps import Caller, Owner, SessionDep, SignedIn, now, public_base, today

router = APIRouter(tags=["people"])


class PasswordChange(BaseModel):
    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)


class TotpConfirm(BaseModel):
    secret: str = Field(max_length=64)
    code: str = Field(max_length=16)
    password: str = Field(max_length=1024)


class NewWorkspace(BaseModel):
    slug: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)


class MemberRole(BaseModel):
    role: str = Field(max_length=20)


class NewGrant(BaseModel):
    email: str = Field(max_length=254)
    offerings: list[str] = Field(default_factory=list, max_length=1000)
    starts: date
    ends: date


class NewInvitation(BaseModel):
    email: str = Field(max_length=254)
    role: str = Field(max_length=20)
    offerings: list[str] = Field(default_factory=list, max_length=1000)
    starts: date | None = None
    ends: date | None = None


@router.get("/me", summary="Who I am, and the workspaces I may reach")
def me(request: Request, session: SessionDep, person: SignedIn) -> dict[str, Any]:
    reach = accounts.workspaces_of(session, person.user, today=today(request))
    return {
        "email": person.user.email,
        "display_name": person.user.display_name,
        "second_factor": person.user.totp_secret is not None,
        "workspaces": [
            {
                "slug": a.workspace.slug,
                "name": a.workspace.name,
                "role": a.role,
                "scope": None if a.scope is None else sorted(a.scope),
            }
            for a in reach
        ],
    }


@router.post("/me/password", status_code=204, summary="Change my password (ends my sessions)")
async def change_password(
    request: Request, session: SessionDep, person: SignedIn, body: PasswordChange
) -> Response:
    await run_in_threadpool(
        accounts.change_password,
        session,
        user=person.user,
        current=body.current,
        new=body.new,
        now=now(request),
        actor=person.actor,
    )
    return Response(status_code=204)


@router.post("/me/totp", summary="Start setting up a second factor (TOTP)")
def start_totp(session: SessionDep, person: SignedIn) -> dict[str, str]:
    secret, uri = accounts.start_totp(session, user=person.user)
    return {"secret": secret, "uri": uri}


@router.post("/me/totp/confirm", status_code=204, summary="Put the second factor in force")
def confirm_totp(
    request: Request, session: SessionDep, person: SignedIn, body: TotpConfirm
) -> Response:
    accounts.enable_totp(
        session,
        user=person.user,
        secret=body.secret,
        code=body.code,
        password=body.password,
        now=now(request),
        actor=person.actor,
    )
    return Response(status_code=204)


@router.post("/workspaces", status_code=201, summary="Create a workspace; I become its owner")
def create_workspace(session: SessionDep, person: SignedIn, body: NewWorkspace) -> dict[str, str]:
    workspace = membership.create_workspace(
        session, slug=body.slug, name=body.name, owner=person.user, actor=person.actor
    )
    return {"slug": workspace.slug, "name": workspace.name}


Email = Annotated[str, Path(max_length=254)]


@router.get("/workspaces/{ws}/members", summary="The workspace's members")
def members(session: SessionDep, caller: Owner) -> list[dict[str, Any]]:
    return membership.members(session, caller.workspace)


@router.put(
    "/workspaces/{ws}/members/{email}",
    summary="Change a member's role",
    description=(
        "Changes the role of someone who is a member already. Anyone else answers 404 alike, "
        "whether or not the address has an account: people join by an invitation they accept "
        "(`POST /workspaces/{ws}/invitations`)."
    ),
)
def set_member(
    session: SessionDep, caller: Owner, email: Email, body: MemberRole
) -> dict[str, Any]:
    return membership.change_role(
        session, workspace=caller.workspace, email=email, role=body.role, actor=caller.actor
    )


@router.delete("/workspaces/{ws}/members/{email}", status_code=204, summary="End a membership")
def remove_member(session: SessionDep, caller: Owner, email: Email) -> Response:
    membership.remove_member(session, workspace=caller.workspace, email=email, actor=caller.actor)
    return Response(status_code=204)


@router.get("/workspaces/{ws}/grants", summary="Auditors' engagements")
def grants(session: SessionDep, caller: Owner) -> list[dict[str, Any]]:
    return membership.grants(session, caller.workspace)


@router.post(
    "/workspaces/{ws}/grants",
    status_code=202,
    summary="Invite an auditor for an engagement; the grant starts when they accept",
    description=(
        "An auditor's read access is an invitation the auditor accepts: the answer is the "
        "invitation with its link (shown once), the same whether or not the address has an "
        "account. The grant appears under `GET /workspaces/{ws}/grants` once it is accepted."
    ),
)
def create_grant(
    request: Request, session: SessionDep, caller: Owner, body: NewGrant
) -> dict[str, Any]:
    return _invite(
        request,
        session,
        caller,
        NewInvitation(
            email=body.email,
            role=accounts.AUDITOR,
            offerings=body.offerings,
            starts=body.starts,
            ends=body.ends,
        ),
    )


@router.delete(
    "/workspaces/{ws}/grants/{grant_id}", status_code=204, summary="End an engagement's access"
)
def revoke_grant(
    session: SessionDep, caller: Owner, grant_id: Annotated[int, Path(ge=1, le=2**53)]
) -> Response:
    membership.revoke_grant(
        session, workspace=caller.workspace, grant_id=grant_id, actor=caller.actor
    )
    return Response(status_code=204)


@router.get("/workspaces/{ws}/invitations", summary="Invitations that wait for their invitee")
def invitations(request: Request, session: SessionDep, caller: Owner) -> list[dict[str, Any]]:
    return membership.invitations(session, caller.workspace, now=now(request))


@router.post(
    "/workspaces/{ws}/invitations",
    status_code=201,
    summary="Invite someone; the link is shown once",
    description=(
        "The only way into a workspace: the invitee accepts the link, as a new account or "
        "with the password of their own. The answer is the same whether or not the address "
        "has an account; at most 20 invitations an hour per person (429 beyond)."
    ),
)
def invite(
    request: Request,
    session: SessionDep,
    caller: Owner,
    body: Annotated[NewInvitation, Body()],
) -> dict[str, Any]:
    return _invite(request, session, caller, body)


def _invite(
    request: Request, session: SessionDep, caller: Caller, body: NewInvitation
) -> dict[str, Any]:
    base = public_base(request)  # before the invitation: no secret made for nothing
    secret, made = membership.invite(
        session,
        workspace=caller.workspace,
        email=body.email,
        role=body.role,
        offerings=body.offerings,
        starts=body.starts,
        ends=body.ends,
        now=now(request),
        actor=caller.actor,
    )
    return {"link": f"{base}/invite/{secret}", **made}


@router.delete(
    "/workspaces/{ws}/invitations/{invitation_id}",
    status_code=204,
    summary="Withdraw an invitation; its link stops working",
)
def withdraw_invitation(
    request: Request,
    session: SessionDep,
    caller: Owner,
    invitation_id: Annotated[int, Path(ge=1, le=2**53)],
) -> Response:
    membership.withdraw_invitation(
        session,
        workspace=caller.workspace,
        invitation_id=invitation_id,
        now=now(request),
        actor=caller.actor,
    )
    return Response(status_code=204)
