"""The tables of the register. Tables only: what the API speaks is in ``schemas.py``.

Every row belongs to exactly one workspace. An entity of the chain (supplier, service,
dependency, evidence, profile) is stored as its chain-format mapping (``body``) next to the
columns the register is queried by, so that a register exports to exactly the chain it was
imported from, ``x-`` keys included. ``version`` counts the row's changes (optimistic locking:
an update names the version it read).

Users, browser sessions, auditor grants and the audit trail come later; tokens already carry a
nullable ``user_id`` for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, LargeBinary, UniqueConstraint
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
    title: str | None = Field(default=None, description="the chain file's title")
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
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


class ApiToken(SQLModel, table=True):
    """A bearer token: only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _workspace_fk()
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16, description="the token's first characters, to tell it")
    user_id: int | None = None
    created_at: datetime = _when()
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
