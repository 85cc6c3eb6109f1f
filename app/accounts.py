"""Accounts and what they may reach: accounts, sign-in with its throttle, browser sessions,
and the access of a user or a token to a workspace. Keyword-only use cases, one commit each,
every change recorded in the audit trail (:mod:`app.audit`). Memberships, auditors' grants,
invitations and new workspaces are :mod:`app.membership`'s.

Who may reach a workspace, and as what, is decided in one place, :func:`user_access` and
:func:`token_access`: a member by
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
from app.audit import Actor
from app.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from app.models import (
    ApiToken,
    Grant,
    LoginAttempt,
    LoginSession,
    Membership,
    User,
    Workspace,
)
from graph.i18n import gettext, ngettext

MEMBER_ROLES = ("viewer", "editor", "owner")
AUDITOR = "auditor"
ROLES = (*MEMBER_ROLES, AUDITOR)
_MEMBER_RANK = {"viewer": 0, "editor": 1, "owner": 2}

SESSION_IDLE = timedelta(minutes=60)
SESSION_MAX = timedelta(hours=12)

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


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def normalise_email(text: str) -> str:
    """An address as accounts are keyed by: trimmed and in lower case.

    >>> normalise_email("  Auditor@Example.NL ")
    'auditor@example.nl'
    """
    email = text.strip().lower()
    if not email:
        raise Invalid(
            gettext("an e-mail address is needed"),
            errors=[{"location": "email", "message": gettext("required: an e-mail address")}],
        )
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise Invalid(
            gettext("this is not an e-mail address"),
            errors=[{"location": "email", "message": gettext("expected name@domain")}],
        )
    return email


# --- accounts -------------------------------------------------------------------------------------


def account_for(session: Session, email: str) -> User:
    """The account of ``email``; 404 when there is none. For the operator's commands and for
    an account that is known to exist: an owner's answers never tell (ADR 23)."""
    user = user_by_email(session, normalise_email(email))
    if user is None:
        raise NotFound(
            gettext("no account for {email}; invite them instead").format(
                email=email.strip().lower()
            )
        )
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(col(User.email) == email.strip().lower())).first()


def _password_errors(reasons: Sequence[str]) -> Invalid:
    return Invalid(
        gettext("choose another password"),
        errors=[{"location": "password", "message": reason} for reason in reasons],
    )


def create_user(
    session: Session, *, email: str, display_name: str, password: str, actor: Actor
) -> User:
    """A new account; the password must pass :func:`app.passwords.check_password`."""
    user = new_user(session, email=email, display_name=display_name, password=password, actor=actor)
    session.commit()
    session.refresh(user)
    return user


def new_user(
    session: Session, *, email: str, display_name: str, password: str, actor: Actor
) -> User:
    email = normalise_email(email)
    name = display_name.strip()
    if not name or len(name) > 200:
        raise Invalid(
            gettext("a display name has 1 to 200 characters"),
            errors=[{"location": "display_name", "message": gettext("1 to 200 characters")}],
        )
    reasons = passwords.check_password(password, email=email, display_name=name)
    if reasons:
        raise _password_errors(reasons)
    if user_by_email(session, email) is not None:
        raise Conflict(gettext("there is an account for {email} already").format(email=email))
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
    wrong: str | None = None,
) -> None:
    """Check the password of an existing account before a change to it (a password change, a
    second factor, an accepted invitation), under the sign-in throttle: a stolen session or an
    invitation must not be a way to guess the password, nor to change the account without it.
    A wrong one counts as a failed sign-in, and answers ``wrong`` (already in the request's
    language), else "the current password is wrong"."""
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
    raise Invalid(
        wrong or gettext("the current password is wrong"),
        errors=[{"location": field, "message": gettext("wrong password")}],
    )


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
    user = account_for(session, email)
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
        after={"disabled_at": utc(user.disabled_at).isoformat(), "tokens_revoked": ended},
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
    try:
        step = totp.verify_code(secret, code, at=now, last_step=None)
    except ValueError:  # a key this service never made (an edited form): no code matches it
        step = None
    if step is None:
        raise Invalid(
            gettext("the code does not match this secret"),
            errors=[{"location": "code", "message": gettext("wrong or expired code")}],
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
    if last_success is not None and utc(last_success) > since:
        since = utc(last_success)
    count, newest = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            column == value, col(LoginAttempt.at) > since, ~col(LoginAttempt.succeeded), earlier
        )
    ).one()
    return int(count), None if newest is None else utc(newest)


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
    message = ngettext(  # English says "seconds" for one as well, as it always did
        "too many failed tries; try again in {wait} seconds",
        "too many failed tries; try again in {wait} seconds",
        wait,
    )
    return TooManyRequests(message.format(wait=wait), retry_after=wait)


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
        # one sentence for every way to fail, in every language: it must not tell which
        raise LoginFailed(gettext("the e-mail address, password or code is wrong"))
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
        or utc(record.expires_at) <= now
        or utc(record.last_seen_at) + SESSION_IDLE <= now
    ):
        return None
    if now - utc(record.last_seen_at) > timedelta(minutes=1):  # one write a minute at most
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
        if _running(g, today) and (granted_by is None or utc(g.created_at) <= utc(granted_by))
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
        session, user, workspace, today=today, granted_by=utc(token.created_at)
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


def same_secret(given: str | None, stored: str) -> bool:
    """Compare a CSRF token in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), stored.encode())
