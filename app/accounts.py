"""People and what they may reach: accounts, sign-in with its throttle, browser sessions,
memberships, auditors' grants and invitations. Keyword-only use cases, one commit each, every
change recorded in the audit trail (:mod:`app.audit`).

Who may reach a workspace, and as what, is decided in one place, :func:`access`: a member by
the role of the membership; an auditor by a grant that runs today, to the whole workspace or
to its scope of offerings; a token never beyond its own role, nor beyond its user's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, true
from sqlmodel import Session, col

from app import audit, passwords, totp
from app import repository as repo
from app.audit import Actor
from app.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from app.models import (
    ApiToken,
    Grant,
    Invitation,
    LoginAttempt,
    LoginSession,
    Membership,
    User,
    Workspace,
)

MEMBER_ROLES = ("viewer", "editor", "owner")
AUDITOR = "auditor"
ROLES = (*MEMBER_ROLES, AUDITOR)
_MEMBER_RANK = {"viewer": 0, "editor": 1, "owner": 2}

SESSION_IDLE = timedelta(minutes=60)
SESSION_MAX = timedelta(hours=12)
INVITATION_DAYS = 7
INVITATIONS_PER_HOUR = 20
"""How many invitations one person (or, for a token without a user, one workspace) may make in
an hour: an invitation is the only way in, and a link's holder could use one to learn whether
an address has an account (ADR 23)."""

THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FREE_TRIES = 5
ADDRESS_FREE_TRIES = 20
FIRST_WAIT_SECONDS = 15
LONGEST_WAIT_SECONDS = 15 * 60

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def hashed(secret: str) -> str:
    """The stored form of a random secret (API token, session cookie, invitation link): its
    SHA-256 in hex. Each has 256 random bits, so neither a salt nor a slow hash is needed, and
    the secret is found by its hash.

    >>> hashed("kk_example")[:12], len(hashed("kk_example"))
    ('406eab30900e', 64)
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def normalise_email(text: str) -> str:
    """An address as accounts are keyed by: trimmed and in lower case.

    >>> normalise_email("  Auditor@Example.NL ")
    'auditor@example.nl'
    """
    email = text.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise Invalid(
            "this is not an e-mail address",
            errors=[{"location": "email", "message": "expected name@domain"}],
        )
    return email


# --- accounts -------------------------------------------------------------------------------------


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(col(User.email) == email.strip().lower())).first()


def _password_errors(reasons: Sequence[str]) -> Invalid:
    return Invalid(
        "choose another password",
        errors=[{"location": "password", "message": reason} for reason in reasons],
    )


def create_user(
    session: Session, *, email: str, display_name: str, password: str, actor: Actor
) -> User:
    """A new account; the password must pass :func:`app.passwords.check_password`."""
    user = _new_user(
        session, email=email, display_name=display_name, password=password, actor=actor
    )
    session.commit()
    session.refresh(user)
    return user


def _new_user(
    session: Session, *, email: str, display_name: str, password: str, actor: Actor
) -> User:
    email = normalise_email(email)
    name = display_name.strip()
    if not name or len(name) > 200:
        raise Invalid(
            "a display name has 1 to 200 characters",
            errors=[{"location": "display_name", "message": "1 to 200 characters"}],
        )
    reasons = passwords.check_password(password, email=email, display_name=name)
    if reasons:
        raise _password_errors(reasons)
    if user_by_email(session, email) is not None:
        raise Conflict(f"there is an account for {email} already")
    user = User(email=email, display_name=name, password_hash=passwords.hash_password(password))
    session.add(user)
    session.flush()
    audit.record(
        session,
        workspace_id=None,
        actor=actor,
        action="user.create",
        target=f"user/{email}",
        after={"email": email, "display_name": name},
    )
    return user


def confirm_password(
    session: Session,
    *,
    user: User,
    password: str,
    now: datetime,
    actor: Actor,
    why: str,
    field: str = "current",
    wrong: str = "the current password is wrong",
) -> None:
    """Check the password of an existing account before a change to it (a password change, a
    second factor, an accepted invitation), under the sign-in throttle: a stolen session or an
    invitation must not be a way to guess the password, nor to change the account without it.
    A wrong one counts as a failed sign-in."""
    claimed = _claim_try(session, email=user.email, address=actor.address or "unknown", now=now)
    if passwords.verify_password(user.password_hash, password):
        claimed.attempt.succeeded = True
        session.add(claimed.attempt)
        return
    audit.record(
        session,
        workspace_id=None,
        actor=actor,
        action="login.failed",
        target=f"user/{user.email}",
        after={"through": why},
        at=now,
    )
    session.commit()
    claimed.refuse_failure()
    raise Invalid(wrong, errors=[{"location": field, "message": "wrong password"}])


def change_password(
    session: Session, *, user: User, current: str, new: str, now: datetime, actor: Actor
) -> None:
    """Replace the password (the current one must be given) and end every session."""
    confirm_password(
        session, user=user, password=current, now=now, actor=actor, why="password change"
    )
    reasons = passwords.check_password(new, email=user.email, display_name=user.display_name)
    if reasons:
        raise _password_errors(reasons)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    session.add(user)
    ended = _end_sessions_and_tokens(session, user, now=now)
    audit.record(
        session,
        workspace_id=None,
        actor=actor,
        action="user.password",
        target=f"user/{user.email}",
        after={"tokens_revoked": ended},
    )
    session.commit()


def _end_sessions_and_tokens(session: Session, user: User, *, now: datetime) -> list[str]:
    """End every browser session of ``user`` and revoke every token of theirs still in force;
    the revoked tokens' prefixes, for the trail."""
    session.execute(delete(LoginSession).where(col(LoginSession.user_id) == user.id))
    tokens = list(
        session.scalars(
            select(ApiToken).where(
                col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None)
            )
        )
    )
    for token in tokens:
        token.revoked_at = now
        session.add(token)
    return sorted(t.prefix for t in tokens)


def disable_user(session: Session, *, email: str, now: datetime, actor: Actor) -> User:
    """Disable an account: it can no longer sign in, and every session and token of it ends
    (``ketenkaart user disable``). Its memberships and grants stay, for the record."""
    user = _user(session, email)
    if user.disabled_at is None:
        user.disabled_at = now
        session.add(user)
    ended = _end_sessions_and_tokens(session, user, now=now)
    audit.record(
        session,
        workspace_id=None,
        actor=actor,
        action="user.disable",
        target=f"user/{user.email}",
        after={"disabled_at": _utc(user.disabled_at).isoformat(), "tokens_revoked": ended},
    )
    session.commit()
    return user


def start_totp(session: Session, *, user: User) -> tuple[str, str]:
    """A new second-factor secret for ``user``, not yet in force; returns it and its URI."""
    secret = totp.new_secret()
    return secret, totp.provisioning_uri(secret, email=user.email)


def enable_totp(
    session: Session,
    *,
    user: User,
    secret: str,
    code: str,
    password: str,
    now: datetime,
    actor: Actor,
) -> None:
    """Put a second factor in force (or replace one), once a code of it shows the authenticator
    has it and the account's password confirms it is the account's owner asking."""
    confirm_password(
        session, user=user, password=password, now=now, actor=actor, why="second factor"
    )
    step = totp.verify_code(secret, code, at=now, last_step=None)
    if step is None:
        raise Invalid(
            "the code does not match this secret",
            errors=[{"location": "code", "message": "wrong or expired code"}],
        )
    user.totp_secret = secret
    user.totp_last_step = step
    session.add(user)
    audit.record(
        session, workspace_id=None, actor=actor, action="user.totp", target=f"user/{user.email}"
    )
    session.commit()


# --- signing in -----------------------------------------------------------------------------------


def _failures(
    session: Session,
    column: Any,
    value: str,
    since: datetime,
    *,
    cleared_by_success: bool,
    before: int | None,
) -> tuple[int, datetime | None]:
    """Failed tries for one account or address since ``since`` (and, when a success clears
    the count, since its last success), made before try ``before``, and the newest's time."""
    earlier = col(LoginAttempt.id) < before if before is not None else true()
    last_success = (
        session.scalar(
            select(func.max(LoginAttempt.at)).where(
                column == value, col(LoginAttempt.succeeded), earlier
            )
        )
        if cleared_by_success
        else None
    )
    if last_success is not None and _utc(last_success) > since:
        since = _utc(last_success)
    count, newest = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            column == value, col(LoginAttempt.at) > since, ~col(LoginAttempt.succeeded), earlier
        )
    ).one()
    return int(count), None if newest is None else _utc(newest)


def _wait(failures: int, free: int, newest: datetime | None, now: datetime) -> int:
    if failures < free or newest is None:
        return 0
    wait = min(FIRST_WAIT_SECONDS * 2 ** (failures - free), LONGEST_WAIT_SECONDS)
    left = (newest + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(left + 0.999))


def throttle_wait(
    session: Session, *, email: str, address: str, now: datetime, before: int | None = None
) -> int:
    """Seconds before the next try for this account from this address may be made (0: now).

    Past a few free failures within a quarter of an hour, each failure doubles the wait, up to
    a quarter of an hour: brute force slows to a crawl, and a person who mistyped waits seconds.
    A success clears the account's count, never the address's: else a guesser would sign in
    to an account of their own between guesses.
    """
    return max(throttle_waits(session, email=email, address=address, now=now, before=before))


def throttle_waits(
    session: Session, *, email: str, address: str, now: datetime, before: int | None = None
) -> tuple[int, int]:
    """The waits of :func:`throttle_wait` apart: the account's, and the address's."""
    since = now - THROTTLE_WINDOW
    by_account = _failures(
        session, col(LoginAttempt.email), email, since, cleared_by_success=True, before=before
    )
    by_address = _failures(
        session, col(LoginAttempt.address), address, since, cleared_by_success=False, before=before
    )
    return (
        _wait(by_account[0], ACCOUNT_FREE_TRIES, by_account[1], now),
        _wait(by_address[0], ADDRESS_FREE_TRIES, by_address[1], now),
    )


@dataclass(slots=True)
class _Try:
    """A try recorded as failed before its password is looked at, and the wait the address's
    count would impose: a failure then answers 429 with it, a success goes through."""

    attempt: LoginAttempt
    address_wait: int

    def refuse_failure(self) -> None:
        """A failed try from an address past its free tries: the wait, not "wrong"."""
        if self.address_wait:
            raise _too_many(self.address_wait)


def _too_many(wait: int) -> TooManyRequests:
    return TooManyRequests(f"too many failed tries; try again in {wait} seconds", retry_after=wait)


def _claim_try(session: Session, *, email: str, address: str, now: datetime) -> _Try:
    """Record a try as failed before its password is even looked at, then ask the throttle
    about the tries before it; a try the account's count throttles is taken back (it does not
    count).

    Recording first (and committing) closes the race of many tries sent at once: each sees
    the ones committed before it, so the sixth of six parallel guesses waits like the sixth of
    six in a row. The caller marks the try a success when it is one.

    The address's count does not refuse the try outright: many people share one address (an
    office, a NAT, a proxy), and a guesser spraying made-up accounts from it must not lock
    them out. A try past the address's free tries is still checked, within the account's own
    limit: the right password signs in; a wrong one, or an unknown account, answers 429 with
    the address's wait, the same for both (ADR 22).
    """
    attempt = LoginAttempt(email=email[:254], address=address[:64], at=now, succeeded=False)
    session.add(attempt)
    session.commit()
    account_wait, address_wait = throttle_waits(
        session, email=attempt.email, address=attempt.address, now=now, before=attempt.id
    )
    if account_wait:
        session.delete(attempt)
        session.commit()
        raise _too_many(max(account_wait, address_wait))
    return _Try(attempt, address_wait)


class LoginFailed(Unauthorized):
    """The e-mail address, password or code is wrong (which one is not said)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new browser session: the cookie's value (shown once) and its CSRF token."""

    user: User
    cookie: str
    csrf_token: str


def login(
    session: Session,
    *,
    email: str,
    password: str,
    code: str | None,
    address: str,
    now: datetime,
    actor: Actor,
) -> SignedIn:
    """Check a sign-in and open a new session (never one the browser brought along).

    Every path costs one password hash (an unknown address a dummy one, a disabled account
    its real one), so timing tells nothing about which accounts exist.
    """
    email = email.strip().lower()[:254]
    claimed = _claim_try(session, email=email, address=address, now=now)
    attempt = claimed.attempt
    user = user_by_email(session, email)
    good = False
    if user is None:
        passwords.dummy_verify()
    elif passwords.verify_password(user.password_hash, password) and user.disabled_at is None:
        if user.totp_secret is None:
            good = True
        else:
            step = totp.verify_code(
                user.totp_secret, code or "", at=now, last_step=user.totp_last_step
            )
            if step is not None:
                user.totp_last_step = step
                good = True
    attempt.succeeded = good
    session.add(attempt)
    if not good or user is None:
        audit.record(
            session,
            workspace_id=None,
            actor=actor,
            action="login.failed",
            target=f"user/{email}",
            at=now,
        )
        session.commit()
        claimed.refuse_failure()
        raise LoginFailed("the e-mail address, password or code is wrong")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    session.add(user)
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=hashed(cookie),
            user_id=user.id or 0,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_MAX,
        )
    )
    audit.record(
        session,
        workspace_id=None,
        actor=Actor(
            via="session",
            user_id=user.id,
            email=user.email,
            address=actor.address,
            request_id=actor.request_id,
        ),
        action="login",
        target=f"user/{email}",
        at=now,
    )
    session.commit()
    session.refresh(user)
    return SignedIn(user, cookie, csrf)


def session_of(session: Session, cookie: str, *, now: datetime) -> tuple[User, LoginSession] | None:
    """The user and session a cookie stands for, while it has not been idle or open too long."""
    found = session.execute(
        select(LoginSession, User)
        .join(User, col(User.id) == col(LoginSession.user_id))
        .where(col(LoginSession.token_hash) == hashed(cookie))
    ).first()
    if found is None:
        return None
    record, user = found
    if (
        user.disabled_at is not None
        or _utc(record.expires_at) <= now
        or _utc(record.last_seen_at) + SESSION_IDLE <= now
    ):
        return None
    if now - _utc(record.last_seen_at) > timedelta(minutes=1):  # one write a minute at most
        record.last_seen_at = now
        session.add(record)
        session.commit()
        session.refresh(record)
        session.refresh(user)
    return user, record


def logout(session: Session, *, cookie: str, everywhere: bool, actor: Actor) -> None:
    """End this session, or every session of its user."""
    record = session.scalars(
        select(LoginSession).where(col(LoginSession.token_hash) == hashed(cookie))
    ).first()
    if record is None:
        return
    condition = (
        col(LoginSession.user_id) == record.user_id
        if everywhere
        else col(LoginSession.id) == record.id
    )
    session.execute(delete(LoginSession).where(condition))
    audit.record(
        session,
        workspace_id=None,
        actor=actor,
        action="logout.everywhere" if everywhere else "logout",
        target=f"user/{actor.email}",
    )
    session.commit()


# --- who may reach a workspace --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Access:
    """A caller in a workspace: the role it acts in, who it is, and, for an auditor with a
    scope, the offerings it may see (None: the whole workspace)."""

    workspace: Workspace
    role: str
    user: User | None = None
    token: ApiToken | None = None
    scope: frozenset[str] | None = None

    def actor(self, *, address: str | None, request_id: str | None) -> Actor:
        via = "token" if self.token is not None else "session"
        return Actor(
            via=via,
            user_id=None if self.user is None else self.user.id,
            email=None if self.user is None else self.user.email,
            token=None if self.token is None else self.token.prefix,
            address=address,
            request_id=request_id,
        )


def _running(grant: Grant, today: date) -> bool:
    return grant.revoked_at is None and grant.starts <= today <= grant.ends


def user_access(
    session: Session,
    user: User,
    workspace: Workspace,
    *,
    today: date,
    granted_by: datetime | None = None,
) -> Access | None:
    """What ``user`` may do in ``workspace`` today: a member's role, else an auditor's grant
    (with ``granted_by``, only the grants made by then: a token works under the grants that
    were there when it was made, and a later grant never revives it)."""
    if user.disabled_at is not None:
        return None
    membership = session.scalars(
        select(Membership).where(
            col(Membership.workspace_id) == workspace.id, col(Membership.user_id) == user.id
        )
    ).first()
    if membership is not None:
        return Access(workspace, membership.role, user=user)
    grants = [
        g
        for g in session.scalars(
            select(Grant).where(
                col(Grant.workspace_id) == workspace.id, col(Grant.user_id) == user.id
            )
        )
        if _running(g, today) and (granted_by is None or _utc(g.created_at) <= _utc(granted_by))
    ]
    if not grants:
        return None
    if any(not g.offerings for g in grants):
        return Access(workspace, AUDITOR, user=user)
    return Access(
        workspace, AUDITOR, user=user, scope=frozenset(o for g in grants for o in g.offerings)
    )


def token_access(
    session: Session, token: ApiToken, workspace: Workspace, *, today: date
) -> Access | None:
    """What a token may do: its own role, never beyond its user's access at this moment."""
    if token.user_id is None:
        return Access(workspace, token.role, token=token)
    user = session.get(User, token.user_id)
    if user is None:
        return None
    through_user = user_access(
        session, user, workspace, today=today, granted_by=_utc(token.created_at)
    )
    if through_user is None:
        return None
    if AUDITOR in (through_user.role, token.role):
        if through_user.role not in (AUDITOR, "owner"):
            return None  # an auditor's token needs an auditor's grant, or an owner
        return Access(workspace, AUDITOR, user=user, token=token, scope=through_user.scope)
    role = min(token.role, through_user.role, key=_MEMBER_RANK.__getitem__)
    return Access(workspace, role, user=user, token=token)


def workspaces_of(session: Session, user: User, *, today: date) -> list[Access]:
    """Every workspace ``user`` may reach today, by slug."""
    ids = set(
        session.scalars(
            select(col(Membership.workspace_id)).where(col(Membership.user_id) == user.id)
        )
    ) | set(session.scalars(select(col(Grant.workspace_id)).where(col(Grant.user_id) == user.id)))
    found = []
    for workspace in session.scalars(
        select(Workspace).where(col(Workspace.id).in_(ids)).order_by(col(Workspace.slug))
    ):
        reach = user_access(session, user, workspace, today=today)
        if reach is not None:
            found.append(reach)
    return found


# --- members, grants, invitations (owners) --------------------------------------------------------


def _user(session: Session, email: str) -> User:
    user = user_by_email(session, normalise_email(email))
    if user is None:
        raise NotFound(f"no account for {email.strip().lower()}; invite them instead")
    return user


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
        raise Invalid(
            f"unknown role '{role}'; one of {', '.join(allowed)}",
            errors=[{"location": "role", "message": f"one of {', '.join(allowed)}"}],
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
    user = _user(session, email)
    membership = session.scalars(
        select(Membership).where(
            col(Membership.workspace_id) == workspace.id, col(Membership.user_id) == user.id
        )
    ).first()
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


def change_role(
    session: Session, *, workspace: Workspace, email: str, role: str, actor: Actor
) -> dict[str, Any]:
    """Change the role of someone who is a member already.

    Anyone else is answered alike, whether or not the address has an account: they join by an
    invitation they accept (:func:`invite`), never by an owner's say-so.
    """
    _check_role(role, MEMBER_ROLES)
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
            f"{email.strip().lower()[:254]} is no member of this workspace; "
            "invite them, and they join when they accept"
        )
    return set_member(session, workspace=workspace, email=email, role=role, actor=actor)


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
        raise Conflict("a workspace keeps at least one owner; make someone else owner first")


def remove_member(session: Session, *, workspace: Workspace, email: str, actor: Actor) -> None:
    """End an account's membership (its sessions stay, its access here ends at once)."""
    repo.bump_workspace(session, workspace.id or 0)
    user = _user(session, email)
    membership = session.scalars(
        select(Membership).where(
            col(Membership.workspace_id) == workspace.id, col(Membership.user_id) == user.id
        )
    ).first()
    if membership is None:
        raise NotFound(f"{user.email} is no member of this workspace")
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
        errors.append({"location": "ends", "message": "the engagement ends before it starts"})
    known = set(repo.offerings(session, workspace.id or 0))
    chosen = list(dict.fromkeys(offerings))
    for index, offering in enumerate(chosen):
        if offering not in known:
            errors.append(
                {"location": f"offerings[{index}]", "message": f"'{offering}' is no offering here"}
            )
    if errors:
        raise Invalid("the engagement cannot be granted; every problem is listed", errors=errors)
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
    user = _user(session, email)
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
        raise NotFound(f"no grant {grant_id} in this workspace")
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
                "an auditor's invitation names the engagement's first and last day",
                errors=[{"location": "starts", "message": "required for an auditor"}],
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
    the past hour; the wait is until the oldest of them is an hour old."""
    since = now - timedelta(hours=1)
    mine = (
        col(Invitation.created_by) == actor.user_id
        if actor.user_id is not None
        else col(Invitation.workspace_id) == workspace.id
    )
    made = session.scalars(
        select(col(Invitation.created_at))
        .where(mine, col(Invitation.created_at) > since)
        .order_by(col(Invitation.created_at))
    ).all()
    if len(made) < INVITATIONS_PER_HOUR:
        return
    wait = max(1, int((_utc(made[0]) + timedelta(hours=1) - now).total_seconds()) + 1)
    raise TooManyRequests(
        f"{INVITATIONS_PER_HOUR} invitations in an hour is the most; try again in {wait} seconds",
        retry_after=wait,
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
        "expires": _utc(invitation.expires_at).isoformat(),
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
        or _utc(invitation.expires_at) <= now
    ):
        raise NotFound(f"no open invitation {invitation_id} in this workspace")
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
        or _utc(invitation.expires_at) <= now
    ):
        raise NotFound("this invitation is unknown, used or expired; ask for a new one")
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
        user = _new_user(
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
            wrong="there is an account for this address: give its password to accept",
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
            "a workspace's slug is lower case letters, digits and '-', at most 64",
            errors=[{"location": "slug", "message": "expected [a-z0-9][a-z0-9-]*"}],
        )
    if repo.workspace_by_slug(session, slug) is not None:
        raise Conflict(f"workspace '{slug}' exists already")
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


def same_secret(given: str | None, stored: str) -> bool:
    """Compare a CSRF token in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), stored.encode())
