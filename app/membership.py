"""Who is in a workspace: memberships and their roles, auditors' engagements (grants),
invitations, and new workspaces. Keyword-only use cases for a workspace's owners (and the
operator's command line), one commit each, every change recorded in the audit trail.

Nobody joins from the browser or the API without accepting an invitation (ADR 23); the
command line's operator commands add people directly.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from app import audit
from app import repository as repo
from app.accounts import (
    AUDITOR,
    MEMBER_ROLES,
    ROLES,
    account_for,
    confirm_password,
    hashed,
    new_user,
    normalise_email,
    user_by_email,
    utc,
)
from app.audit import Actor
from app.errors import Conflict, Invalid, NotFound, TooManyRequests
from app.models import Grant, Invitation, Membership, User, Workspace
from graph.i18n import gettext, ngettext

INVITATION_DAYS = 7
INVITATIONS_PER_HOUR = 20
"""How many invitations one person (or, for a token without a user, one workspace) may make in
an hour: an invitation is the only way in, and a link's holder could use one to learn whether
an address has an account (ADR 23)."""


# --- members, grants, invitations (owners) --------------------------------------------------------


def member_json(membership: Membership, user: User) -> dict[str, Any]:
    return {"email": user.email, "display_name": user.display_name, "role": membership.role}


def members(session: Session, workspace: Workspace) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Membership, User)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(col(Membership.workspace_id) == workspace.id)
        .order_by(col(User.email))
    ).all()
    return [member_json(m, u) for m, u in rows]


def _check_role(role: str, allowed: Sequence[str]) -> None:
    if role not in allowed:
        codes = ", ".join(allowed)
        raise Invalid(
            gettext("unknown role '{role}'; one of {roles}").format(role=role, roles=codes),
            errors=[{"location": "role", "message": gettext("one of {roles}").format(roles=codes)}],
        )


def set_member(
    session: Session, *, workspace: Workspace, email: str, role: str, actor: Actor
) -> dict[str, Any]:
    """Make an account a member of the workspace in ``role`` (or change its role)."""
    out = _set_member(session, workspace=workspace, email=email, role=role, actor=actor)
    session.commit()
    return out


def _set_member(
    session: Session, *, workspace: Workspace, email: str, role: str, actor: Actor
) -> dict[str, Any]:
    _check_role(role, MEMBER_ROLES)
    repo.bump_workspace(session, workspace.id or 0)
    user = account_for(session, email)
    membership = session.scalars(
        select(Membership).where(
            col(Membership.workspace_id) == workspace.id, col(Membership.user_id) == user.id
        )
    ).first()
    return _put_role(session, workspace, user, membership, role=role, actor=actor)


def _put_role(
    session: Session,
    workspace: Workspace,
    user: User,
    membership: Membership | None,
    *,
    role: str,
    actor: Actor,
) -> dict[str, Any]:
    """Give ``user`` ``role`` here: a new membership, or the one it has (keeping an owner)."""
    before = None if membership is None else {"role": membership.role}
    if membership is None:
        membership = Membership(workspace_id=workspace.id or 0, user_id=user.id or 0, role=role)
    else:
        _keep_an_owner(session, workspace, membership, new_role=role)
        membership.role = role
    session.add(membership)
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="member.set",
        target=f"member/{user.email}",
        before=before,
        after={"role": role},
    )
    return member_json(membership, user)


def _membership(session: Session, workspace: Workspace, email: str) -> tuple[Membership, User]:
    """The membership of ``email`` here; anyone else is the same 404, whether or not the
    address has an account (ADR 23)."""
    found = session.execute(
        select(Membership, User)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(
            col(Membership.workspace_id) == workspace.id,
            col(User.email) == normalise_email(email),
        )
    ).first()
    if found is None:
        raise NotFound(
            gettext(
                "{email} is no member of this workspace; invite them, and they join when they "
                "accept"
            ).format(email=email.strip().lower()[:254])
        )
    return found[0], found[1]


def change_role(
    session: Session, *, workspace: Workspace, email: str, role: str, actor: Actor
) -> dict[str, Any]:
    """Change the role of someone who is a member already.

    Anyone else is answered alike, whether or not the address has an account: they join by an
    invitation they accept (:func:`invite`), never by an owner's say-so.
    """
    _check_role(role, MEMBER_ROLES)
    repo.bump_workspace(session, workspace.id or 0)
    membership, user = _membership(session, workspace, email)
    out = _put_role(session, workspace, user, membership, role=role, actor=actor)
    session.commit()
    return out


def _keep_an_owner(
    session: Session, workspace: Workspace, membership: Membership, *, new_role: str | None
) -> None:
    if membership.role != "owner" or new_role == "owner":
        return
    owners = session.scalar(
        select(func.count()).where(
            col(Membership.workspace_id) == workspace.id, col(Membership.role) == "owner"
        )
    )
    if (owners or 0) <= 1:
        raise Conflict(
            gettext("a workspace keeps at least one owner; make someone else owner first")
        )


def remove_member(session: Session, *, workspace: Workspace, email: str, actor: Actor) -> None:
    """End an account's membership (its sessions stay, its access here ends at once)."""
    repo.bump_workspace(session, workspace.id or 0)
    membership, user = _membership(session, workspace, email)
    _keep_an_owner(session, workspace, membership, new_role=None)
    session.delete(membership)
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="member.remove",
        target=f"member/{user.email}",
        before={"role": membership.role},
    )
    session.commit()


def grant_json(grant: Grant, user: User) -> dict[str, Any]:
    return {
        "id": grant.id,
        "email": user.email,
        "display_name": user.display_name,
        "offerings": list(grant.offerings),
        "starts": grant.starts.isoformat(),
        "ends": grant.ends.isoformat(),
        "revoked": grant.revoked_at is not None,
    }


def grants(session: Session, workspace: Workspace) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Grant, User)
        .join(User, col(User.id) == col(Grant.user_id))
        .where(col(Grant.workspace_id) == workspace.id)
        .order_by(col(Grant.id))
    ).all()
    return [grant_json(g, u) for g, u in rows]


def _check_engagement(
    session: Session, workspace: Workspace, offerings: Sequence[str], starts: date, ends: date
) -> list[str]:
    errors = []
    if ends < starts:
        ends_first = gettext("the engagement ends before it starts")
        errors.append({"location": "ends", "message": ends_first})
    known = set(repo.offerings(session, workspace.id or 0))
    chosen = list(dict.fromkeys(offerings))
    for index, offering in enumerate(chosen):
        if offering not in known:
            unknown = gettext("'{offering}' is no offering here").format(offering=offering)
            errors.append({"location": f"offerings[{index}]", "message": unknown})
    if errors:
        raise Invalid(
            gettext("the engagement cannot be granted; every problem is listed"), errors=errors
        )
    return chosen


def create_grant(
    session: Session,
    *,
    workspace: Workspace,
    email: str,
    offerings: Sequence[str],
    starts: date,
    ends: date,
    actor: Actor,
) -> dict[str, Any]:
    """Give an auditor read access for an engagement: the whole workspace (no offerings) or the
    chosen offerings and everything under them, from ``starts`` through ``ends``."""
    out = _create_grant(
        session,
        workspace=workspace,
        email=email,
        offerings=offerings,
        starts=starts,
        ends=ends,
        actor=actor,
    )
    session.commit()
    return out


def _create_grant(
    session: Session,
    *,
    workspace: Workspace,
    email: str,
    offerings: Sequence[str],
    starts: date,
    ends: date,
    actor: Actor,
) -> dict[str, Any]:
    repo.bump_workspace(session, workspace.id or 0)
    user = account_for(session, email)
    chosen = _check_engagement(session, workspace, offerings, starts, ends)
    grant = Grant(
        workspace_id=workspace.id or 0,
        user_id=user.id or 0,
        offerings=chosen,
        starts=starts,
        ends=ends,
        created_by=actor.user_id,
    )
    session.add(grant)
    session.flush()
    out = grant_json(grant, user)
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="grant.create",
        target=f"grant/{grant.id}",
        after=out,
    )
    return out


def revoke_grant(session: Session, *, workspace: Workspace, grant_id: int, actor: Actor) -> None:
    """End an engagement's access now."""
    repo.bump_workspace(session, workspace.id or 0)
    grant = session.get(Grant, grant_id)
    if grant is None or grant.workspace_id != workspace.id:
        raise NotFound(gettext("no grant {id} in this workspace").format(id=grant_id))
    if grant.revoked_at is None:
        grant.revoked_at = datetime.now(UTC)
        session.add(grant)
        audit.record(
            session,
            workspace_id=workspace.id,
            actor=actor,
            action="grant.revoke",
            target=f"grant/{grant_id}",
            before={"revoked": False},
            after={"revoked": True},
        )
    session.commit()


def invite(
    session: Session,
    *,
    workspace: Workspace,
    email: str,
    role: str,
    offerings: Sequence[str] = (),
    starts: date | None = None,
    ends: date | None = None,
    now: datetime,
    actor: Actor,
) -> tuple[str, dict[str, Any]]:
    """An invitation link's secret for ``email`` to join as ``role`` (an auditor's with its
    engagement), and the invitation as :func:`invitation_json` shows it; valid for a week,
    once; only its hash is kept.

    The answer is the same whether or not the address has an account: an owner learns nothing
    of other people's accounts here. At most :data:`INVITATIONS_PER_HOUR` per maker.
    """
    _check_role(role, ROLES)
    email = normalise_email(email)
    chosen: list[str] = []
    if role == AUDITOR:
        if starts is None or ends is None:
            raise Invalid(
                gettext("an auditor's invitation names the engagement's first and last day"),
                errors=[{"location": "starts", "message": gettext("required for an auditor")}],
            )
        chosen = _check_engagement(session, workspace, offerings, starts, ends)
    _invitation_budget(session, workspace=workspace, actor=actor, now=now)
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        workspace_id=workspace.id or 0,
        email=email,
        role=role,
        offerings=chosen,
        starts=starts if role == AUDITOR else None,
        ends=ends if role == AUDITOR else None,
        token_hash=hashed(secret),
        created_by=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="invitation.create",
        target=f"invitation/{email}",
        after={
            "email": email,
            "role": role,
            "offerings": chosen,
            "starts": None if starts is None else starts.isoformat(),
            "ends": None if ends is None else ends.isoformat(),
        },
    )
    session.commit()
    session.refresh(invitation)
    return secret, invitation_json(invitation)


def _invitation_budget(
    session: Session, *, workspace: Workspace, actor: Actor, now: datetime
) -> None:
    """Refuse a further invitation (429) once its maker made :data:`INVITATIONS_PER_HOUR` in
    the past hour; the wait is until the oldest of them is an hour old.

    The maker's row (a token without a user: the workspace's) is locked first, until the
    commit, so that invitations sent side by side are counted one after the other: counted
    side by side, each would see room for itself.
    """
    if actor.user_id is not None:
        session.connection().execute(
            update(User).where(col(User.id) == actor.user_id).values(email=col(User.email))
        )
    else:
        repo.bump_workspace(session, workspace.id or 0)
    made = _made_since(session, workspace, actor, now - timedelta(hours=1))
    if len(made) < INVITATIONS_PER_HOUR:
        return
    wait = max(1, int((utc(made[0]) + timedelta(hours=1) - now).total_seconds()) + 1)
    message = ngettext(  # English says "seconds" for one as well, as it always did
        "{most} invitations in an hour is the most; try again in {wait} seconds",
        "{most} invitations in an hour is the most; try again in {wait} seconds",
        wait,
    )
    raise TooManyRequests(message.format(most=INVITATIONS_PER_HOUR, wait=wait), retry_after=wait)


def _made_since(
    session: Session, workspace: Workspace, actor: Actor, since: datetime
) -> list[datetime]:
    """When the maker's invitations since ``since`` were made, oldest first."""
    mine = (
        col(Invitation.created_by) == actor.user_id
        if actor.user_id is not None
        else col(Invitation.workspace_id) == workspace.id
    )
    return list(
        session.scalars(
            select(col(Invitation.created_at))
            .where(mine, col(Invitation.created_at) > since)
            .order_by(col(Invitation.created_at))
        ).all()
    )


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    """An open invitation as owners see it (never its secret)."""
    return {
        "id": invitation.id,
        "email": invitation.email,
        "role": invitation.role,
        "offerings": list(invitation.offerings),
        "starts": None if invitation.starts is None else invitation.starts.isoformat(),
        "ends": None if invitation.ends is None else invitation.ends.isoformat(),
        "expires": utc(invitation.expires_at).isoformat(),
    }


def invitations(session: Session, workspace: Workspace, *, now: datetime) -> list[dict[str, Any]]:
    """The workspace's invitations that wait for their invitee: not accepted, not expired."""
    rows = session.scalars(
        select(Invitation)
        .where(
            col(Invitation.workspace_id) == workspace.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.expires_at) > now,
        )
        .order_by(col(Invitation.id))
    ).all()
    return [invitation_json(i) for i in rows]


def withdraw_invitation(
    session: Session, *, workspace: Workspace, invitation_id: int, now: datetime, actor: Actor
) -> dict[str, Any]:
    """End an invitation before its invitee accepts it: its link stops working at once."""
    repo.bump_workspace(session, workspace.id or 0)
    invitation = session.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.workspace_id != workspace.id
        or invitation.accepted_at is not None
        or utc(invitation.expires_at) <= now
    ):
        raise NotFound(
            gettext("no open invitation {id} in this workspace").format(id=invitation_id)
        )
    out = invitation_json(invitation)
    invitation.expires_at = now
    session.add(invitation)
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="invitation.withdraw",
        target=f"invitation/{invitation.email}",
        before=out,
    )
    session.commit()
    return out


def invitation_for(session: Session, secret: str, *, now: datetime) -> Invitation:
    """The open invitation a link's secret stands for."""
    invitation = session.scalars(
        select(Invitation).where(col(Invitation.token_hash) == hashed(secret))
    ).first()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or utc(invitation.expires_at) <= now
    ):
        raise NotFound(gettext("this invitation is unknown, used or expired; ask for a new one"))
    return invitation


def workspace_of_invitation(session: Session, invitation: Invitation) -> Workspace:
    workspace = session.get(Workspace, invitation.workspace_id)
    assert workspace is not None  # noqa: S101 - the foreign key
    return workspace


def accept_invitation(
    session: Session,
    *,
    secret: str,
    display_name: str,
    password: str,
    now: datetime,
    actor: Actor,
) -> User:
    """Redeem an invitation: make the account (or, for an existing one, check its password)
    and give it the invited role or grant.

    Anyone may own a workspace and invite any address, so the password check of an existing
    account is throttled and recorded like a sign-in (:func:`throttle_wait`): an invitation is
    no way around the sign-in's throttle.
    """
    invitation = invitation_for(session, secret, now=now)
    workspace = session.get(Workspace, invitation.workspace_id)
    assert workspace is not None  # noqa: S101 - the foreign key
    user = user_by_email(session, invitation.email)
    if user is None:
        user = new_user(
            session,
            email=invitation.email,
            display_name=display_name,
            password=password,
            actor=actor,
        )
    else:
        confirm_password(
            session,
            user=user,
            password=password,
            now=now,
            actor=actor,
            why="invitation",
            field="password",
            wrong=gettext("there is an account for this address: give its password to accept"),
        )
    invitation.accepted_at = now
    session.add(invitation)
    who = Actor(
        via=actor.via,
        user_id=user.id,
        email=user.email,
        address=actor.address,
        request_id=actor.request_id,
    )
    if invitation.role == AUDITOR:
        assert invitation.starts is not None and invitation.ends is not None  # noqa: S101
        _create_grant(
            session,
            workspace=workspace,
            email=user.email,
            offerings=invitation.offerings,
            starts=invitation.starts,
            ends=invitation.ends,
            actor=who,
        )
    else:
        _set_member(session, workspace=workspace, email=user.email, role=invitation.role, actor=who)
    session.commit()
    session.refresh(user)
    return user


def create_workspace(
    session: Session, *, slug: str, name: str | None, owner: User | None, actor: Actor
) -> Workspace:
    """A new, empty register; ``owner`` becomes its first owner."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug):
        raise Invalid(
            gettext("a workspace's slug is lower case letters, digits and '-', at most 64"),
            errors=[
                {
                    "location": "slug",
                    "message": gettext("expected {pattern}").format(pattern="[a-z0-9][a-z0-9-]*"),
                }
            ],
        )
    if repo.workspace_by_slug(session, slug) is not None:
        raise Conflict(gettext("workspace '{slug}' exists already").format(slug=slug))
    workspace = repo.add_workspace(session, slug=slug, name=name or slug)
    if owner is not None:
        session.add(Membership(workspace_id=workspace.id or 0, user_id=owner.id or 0, role="owner"))
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="workspace.create",
        target=f"workspace/{slug}",
        after={
            "slug": slug,
            "name": workspace.name,
            "owner": None if owner is None else owner.email,
        },
    )
    session.commit()
    session.refresh(workspace)
    return workspace
