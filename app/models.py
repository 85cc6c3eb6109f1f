"""The tables of the register. Tables only: what the API speaks is in ``schemas.py``.

Every row belongs to exactly one workspace. An entity of the chain (supplier, service,
dependency, evidence, profile) is stored as its chain-format mapping (``body``) next to the
columns the register is queried by, so that a register exports to exactly the chain it was
imported from, ``x-`` keys included. ``version`` counts the row's changes (optimistic locking:
an update names the version it read).

People (``User``) reach a workspace through a ``Membership`` (owner, editor, viewer) or an
auditor's ``Grant`` (read access to the whole workspace or to chosen offerings, between two
dates); a browser holds a ``LoginSession``; ``LoginAttempt`` feeds the login throttle. The audit
trail (``AuditEntry``) is append-only: the migrations add triggers that refuse to change or
remove an entry, and ``AuditHead`` keeps the newest hash of each chain of entries.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def _when() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def _workspace_fk() -> Any:
    return Field(
        sa_column=Column(
            Integer, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


class Workspace(SQLModel, table=True):
    """One register: a provider's, or an auditor's engagement."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    titles: dict[str, str] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False),
        description="each offering's title (from the chain file that made it one), by its id",
    )
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    language: str | None = Field(
        default=None,
        max_length=8,
        description="the pages' and the API's language for its people when nothing else chose "
        "one (set by an owner; None: English)",
    )
    created_at: datetime = _when()
    updated_at: datetime = _when()
    version: int = 1


class _Entity(SQLModel):
    """The columns every entity table has: its workspace, its chain-format mapping, its place in
    the register, timestamps and the version it is at."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    body: dict[str, Any] = Field(sa_type=JSON, nullable=False)
    position: int = 0
    created_at: datetime = _when()
    updated_at: datetime = _when()
    version: int = 1


class SupplierRow(_Entity, table=True):
    """A supplier of the register."""

    __tablename__ = "supplier"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: str = Field(max_length=200)


class ServiceRow(_Entity, table=True):
    """A service of the register; ``offering`` orders the offerings (None: not one)."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: str = Field(max_length=200)
    offering: int | None = None


class DependencyRow(_Entity, table=True):
    """A link of the register, ``consumer`` relies on ``provider``."""

    __tablename__ = "dependency"
    __table_args__ = (UniqueConstraint("workspace_id", "consumer", "provider"),)

    consumer: str = Field(max_length=200)
    provider: str = Field(max_length=200)


class EvidenceRow(_Entity, table=True):
    """A certificate, report or declaration of the register."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: str = Field(max_length=200)


class ProfileRow(_Entity, table=True):
    """A profile the register defines beyond the built-in ones."""

    __tablename__ = "profile"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: str = Field(max_length=200)


class DocumentRow(SQLModel, table=True):
    """The file behind a piece of evidence: in ``content``, or at ``path`` in the documents
    folder."""

    __tablename__ = "evidence_document"
    __table_args__ = (UniqueConstraint("workspace_id", "evidence_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    evidence_key: str = Field(max_length=200)
    filename: str = Field(max_length=255)
    media_type: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    size: int
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    path: str | None = None
    created_at: datetime = _when()
    updated_at: datetime = _when()
    version: int = 1


def _user_fk(*, nullable: bool = False) -> Any:
    return Field(
        sa_column=Column(
            Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=nullable, index=True
        )
    )


class ApiToken(SQLModel, table=True):
    """A bearer token: only its SHA-256 is kept. A token that belongs to a user never has more
    rights than the user has in the workspace at the time of the request."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16, description="the token's first characters, to tell it")
    user_id: int | None = _user_fk(nullable=True)
    created_at: datetime = _when()
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class User(SQLModel, table=True):
    """A person who signs in: the password only as its argon2id hash, the second factor's secret
    when set up (with the last time step used, so that no code counts twice)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None
    language: str | None = Field(
        default=None,
        max_length=8,
        description="the language the person chose on /account (None: the workspace's default)",
    )
    created_at: datetime = _when()
    password_changed_at: datetime = _when()
    disabled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Membership(SQLModel, table=True):
    """A user's role in a workspace: owner, editor or viewer."""

    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    user_id: int = _user_fk()
    role: str = Field(max_length=20)
    created_at: datetime = _when()


class Grant(SQLModel, table=True):
    """An auditor's engagement: read access to the workspace, or to ``offerings`` and everything
    under them, from ``starts`` through ``ends``."""

    __tablename__ = "auditor_grant"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    user_id: int = _user_fk()
    offerings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts: date = Field(sa_column=Column(Date, nullable=False))
    ends: date = Field(sa_column=Column(Date, nullable=False))
    created_by: int | None = None
    created_at: datetime = _when()
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Invitation(SQLModel, table=True):
    """An owner's invitation to a workspace, redeemed once through a link; only its hash is
    kept. An auditor's invitation carries the grant it leads to."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    email: str = Field(max_length=254)
    role: str = Field(max_length=20)
    offerings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    ends: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by: int | None = None
    created_at: datetime = _when()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    accepted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class LoginSession(SQLModel, table=True):
    """A signed-in browser: the cookie's SHA-256, its CSRF token, and when it ends."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = _user_fk()
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _when()
    last_seen_at: datetime = _when()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class LoginAttempt(SQLModel, table=True):
    """One try to sign in, kept for the throttle (by account and by address)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    succeeded: bool = Field(sa_column=Column(Boolean, nullable=False))


class AuditEntry(SQLModel, table=True):
    """One change, appended to its chain (``ws:<id>`` for a workspace, ``global`` for accounts),
    holding the hash of the entry before it. Never updated, never deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(max_length=32, index=True)
    seq: int
    at: datetime = Field(sa_type=DateTime(timezone=True))
    actor: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    action: str = Field(max_length=40)
    target: str = Field(max_length=500)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The newest entry of each audit chain: appending updates it first, which makes appends
    to one chain take turns, and a trail cut short no longer matches its head."""

    __tablename__ = "audit_head"

    chain: str = Field(max_length=32, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)


# --- publishing and subscribing (ADR 40) ---------------------------------------------------------


class SigningKey(SQLModel, table=True):
    """A workspace's Ed25519 key for its publications, made at its first publication: the
    public key is served, the private seed never leaves the database."""

    __tablename__ = "signing_key"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    public_key: str = Field(max_length=64, description="the raw public key, in base64")
    seed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _when()


class Publication(SQLModel, table=True):
    """One version of a part of a register, published: ``body`` is the signed document exactly
    as it is served. A publication behind a token keeps only the token's SHA-256."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("workspace_id", "name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    name: str = Field(max_length=64)
    version: int
    offerings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    token_hash: str | None = Field(default=None, max_length=64)
    published_at: datetime = _when()
    created_by: int | None = None


class Subscription(SQLModel, table=True):
    """A publication of another service that a workspace builds on: where it is fetched, the
    key it must be signed with, and the last version that held (``body``, as fetched)."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("workspace_id", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    url: str = Field(max_length=2000)
    public_key: str = Field(max_length=64)
    token: str | None = Field(default=None, max_length=200)
    publisher: str = Field(max_length=64)
    name: str = Field(max_length=64)
    version: int
    published_at: datetime = Field(sa_type=DateTime(timezone=True))
    fetched_at: datetime = Field(sa_type=DateTime(timezone=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
    refused_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    refusal: str | None = Field(default=None, max_length=1000)
    created_by: int | None = None
    created_at: datetime = _when()


# --- notifications (ADR 43) ---------------------------------------------------------------------


class NotificationRule(SQLModel, table=True):
    """Who hears what in a workspace: an ``event`` (a link turning conditional or gap within
    ``days``, evidence that stops counting within ``days``, a subscribed publication that
    changes) sent over a ``channel`` (``email`` to the addresses in ``target``, or ``webhook``:
    a signed POST to the URL in ``target``, signed with ``secret``)."""

    __tablename__ = "notification_rule"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    event: str = Field(max_length=20)
    days: int | None = None
    profile: str = Field(default="zeker-online", max_length=200)
    channel: str = Field(max_length=10)
    target: str = Field(max_length=2000)
    secret: str | None = Field(default=None, max_length=200)
    created_by: int | None = None
    created_at: datetime = _when()


class Notification(SQLModel, table=True):
    """One message of a rule about one thing (``key``: a link, its new status and the day; a
    piece of evidence and the day it stops counting; an entry of the audit trail), inserted once
    and then delivered: ``state`` is pending, sending (claimed by ``claimed_by`` until
    ``claimed_until``), sent, failed (no attempt left) or cancelled (its rule was deleted)."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("rule_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    rule_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("notification_rule.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
    )
    key: str = Field(max_length=100)
    event: str = Field(max_length=20)
    channel: str = Field(max_length=10)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str = Field(max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="en", max_length=8)
    state: str = Field(default="pending", max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _when()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = _when()
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class NotificationAttempt(SQLModel, table=True):
    """One try to deliver a notification: when, by which sender, and what went wrong."""

    __tablename__ = "notification_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("notification.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    number: int
    at: datetime = Field(sa_type=DateTime(timezone=True))
    ok: bool = Field(sa_column=Column(Boolean, nullable=False))
    error: str | None = Field(default=None, max_length=1000)
    sender: str = Field(max_length=100)


class Lease(SQLModel, table=True):
    """A job that one process at a time may run, across workers and replicas: held by
    ``holder`` until ``expires_at`` (taken and renewed by a conditional update)."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=100)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
