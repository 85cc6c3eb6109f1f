"""All SQL of the service. Every query is scoped to one workspace.

A workspace's whole register loads in one query per table, whatever its size.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Text, and_, delete, func, insert, or_, update
from sqlalchemy import cast as sql_cast
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from app.models import (
    ApiToken,
    DependencyRow,
    DocumentRow,
    EvidenceRow,
    ProfileRow,
    ServiceRow,
    SupplierRow,
    Workspace,
    utcnow,
)
from importers.chainfile.messages import may_hold_surrogate

EntityRow = SupplierRow | ServiceRow | DependencyRow | EvidenceRow | ProfileRow


@dataclass(frozen=True, slots=True)
class Kind:
    """One section of the chain file, as a table: its row class and how a row is named."""

    section: str
    row: type[EntityRow]
    singular: str

    def key_of(self, body: dict[str, Any]) -> str:
        """The id of an entity of this kind, ``from/to`` for a dependency."""
        if self.row is DependencyRow:
            return f"{body['from']}/{body['to']}"
        return str(body["id"])


KINDS: dict[str, Kind] = {
    kind.section: kind
    for kind in (
        Kind("suppliers", SupplierRow, "supplier"),
        Kind("services", ServiceRow, "service"),
        Kind("dependencies", DependencyRow, "dependency"),
        Kind("evidence", EvidenceRow, "evidence"),
        Kind("profiles", ProfileRow, "profile"),
    )
}


def _key(row: type[EntityRow]) -> Any:
    """The key column of a table other than dependency."""
    return col(cast("Any", row).key)


# --- workspaces -------------------------------------------------------------------------------


def workspace_by_slug(session: Session, slug: str) -> Workspace | None:
    return session.exec(select(Workspace).where(col(Workspace.slug) == slug)).first()


def bump_workspace(session: Session, workspace_id: int) -> None:
    """Count a change of the register (and take the workspace's write lock until the commit)."""
    session.connection().execute(
        update(Workspace)
        .where(col(Workspace.id) == workspace_id)
        .values(version=col(Workspace.version) + 1, updated_at=utcnow())
    )


def workspace_version(session: Session, workspace_id: int) -> int:
    """How many changes the register has had (as this transaction sees it)."""
    statement = core_select(col(Workspace.version)).where(col(Workspace.id) == workspace_id)
    return int(session.connection().execute(statement).scalar_one())


def add_workspace(session: Session, *, slug: str, name: str) -> Workspace:
    workspace = Workspace(slug=slug, name=name)
    session.add(workspace)
    session.flush()
    return workspace


# --- entities ---------------------------------------------------------------------------------


def bodies(session: Session, kind: Kind, workspace_id: int) -> list[tuple[str, dict[str, Any]]]:
    """Every entity of one kind as (key, body), in register order; one query, no ORM objects."""
    return read_bodies(session, kind, workspace_id).items


class StoredBodies(NamedTuple):
    """The entities of one kind as :func:`bodies` gives them, and whether the JSON text they
    were parsed from holds a surrogate's escape (``may_hold_surrogate``): without one, no text
    of them is a lone surrogate, and validating them need not look for one."""

    items: list[tuple[str, dict[str, Any]]]
    surrogates: bool


def read_bodies(session: Session, kind: Kind, workspace_id: int) -> StoredBodies:
    """:func:`bodies`, and whether a text of them may be a lone surrogate."""
    row = kind.row
    key_columns: tuple[Any, ...] = (
        (col(DependencyRow.consumer), col(DependencyRow.provider))
        if row is DependencyRow
        else (_key(row),)
    )
    # The bodies come as their JSON text and are parsed in one go, as one JSON array: parsing
    # them row by row (the column type's own processing) took most of reading a register,
    # about 1 s of 1.3 s for 100,000 rows (issue 13).
    statement = (
        core_select(*key_columns, sql_cast(col(row.body), Text))
        .where(col(row.workspace_id) == workspace_id)
        .order_by(col(row.position), col(row.id))
    )
    found = session.connection().execute(statement).all()
    text = "[" + ",".join([r[-1] for r in found]) + "]"
    parsed: list[dict[str, Any]] = json.loads(text)
    if row is DependencyRow:
        items = [(f"{r[0]}/{r[1]}", body) for r, body in zip(found, parsed, strict=True)]
    else:
        items = [(r[0], body) for r, body in zip(found, parsed, strict=True)]
    return StoredBodies(items, may_hold_surrogate(text))


def offerings(session: Session, workspace_id: int) -> list[str]:
    statement = (
        select(col(ServiceRow.key))
        .where(col(ServiceRow.workspace_id) == workspace_id, col(ServiceRow.offering).is_not(None))
        .order_by(col(ServiceRow.offering))
    )
    return list(session.connection().execute(statement).scalars())


def page(
    session: Session,
    kind: Kind,
    workspace_id: int,
    *,
    limit: int | None,
    offset: int,
    filters: dict[str, str],
) -> tuple[int, Sequence[EntityRow]]:
    """A page of one kind, with the total matching count. Filters match body fields exactly,
    ``q`` matches the key or the name in part."""
    row = kind.row
    statement = select(row).where(col(row.workspace_id) == workspace_id)
    for field, value in filters.items():
        if field == "q":
            # the text as typed: % and _ match themselves, not any text or any character
            escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            name = func.lower(col(row.body)["name"].as_string())
            key = (
                func.lower(col(DependencyRow.consumer) + "/" + col(DependencyRow.provider))
                if row is DependencyRow
                else func.lower(_key(row))
            )
            statement = statement.where(
                key.like(pattern, escape="\\") | name.like(pattern, escape="\\")
            )
        elif field == "offering":
            column = col(ServiceRow.offering)
            statement = statement.where(
                column.is_not(None) if value == "true" else column.is_(None)
            )
        else:
            statement = statement.where(col(row.body)[field].as_string() == value)
    total = (
        session.connection()
        .execute(select(func.count()).select_from(statement.subquery()))
        .scalar_one()
    )
    ordered = statement.order_by(col(row.position), col(row.id)).offset(offset)
    found = session.exec(ordered if limit is None else ordered.limit(limit)).all()
    return int(total), cast("Sequence[EntityRow]", found)


def one(session: Session, kind: Kind, workspace_id: int, key: str) -> EntityRow | None:
    row = kind.row
    statement = select(row).where(col(row.workspace_id) == workspace_id)
    if row is DependencyRow:
        consumer, _, provider = key.partition("/")
        statement = statement.where(
            col(DependencyRow.consumer) == consumer, col(DependencyRow.provider) == provider
        )
    else:
        statement = statement.where(_key(row) == key)
    return cast("EntityRow | None", session.exec(statement).first())


def missing_keys(
    session: Session, kind: Kind, workspace_id: int, keys: Collection[str]
) -> set[str]:
    """Those of ``keys`` that no entity of this kind (not dependencies) has; one query per
    500 keys, on the key's index."""
    wanted = list(keys)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        statement = core_select(_key(kind.row)).where(
            col(kind.row.workspace_id) == workspace_id,
            _key(kind.row).in_(wanted[start : start + 500]),
        )
        found.update(session.connection().execute(statement).scalars())
    return set(wanted) - found


def keys(session: Session, kind: Kind, workspace_id: int) -> list[str]:
    """The key of every entity of one kind, in register order (keys only)."""
    return [key for key, _ in _keys_and(session, kind, workspace_id)]


def _keys_and(
    session: Session, kind: Kind, workspace_id: int, *extra: Any
) -> list[tuple[str, tuple[Any, ...]]]:
    row = kind.row
    dependency = row is DependencyRow
    key_columns: tuple[Any, ...] = (
        (col(DependencyRow.consumer), col(DependencyRow.provider)) if dependency else (_key(row),)
    )
    statement = (
        core_select(*key_columns, *extra)
        .where(col(row.workspace_id) == workspace_id)
        .order_by(col(row.position), col(row.id))
    )
    width = len(key_columns)
    return [
        (f"{r[0]}/{r[1]}" if dependency else r[0], tuple(r[width:]))
        for r in session.connection().execute(statement).all()
    ]


def _where_key(kind: Kind, key: str) -> Any:
    if kind.row is DependencyRow:
        consumer, _, provider = key.partition("/")
        return and_(
            col(DependencyRow.consumer) == consumer, col(DependencyRow.provider) == provider
        )
    return _key(kind.row) == key


def rank(session: Session, kind: Kind, workspace_id: int, key: str) -> int:
    """The place of an entity in its kind's register order (0 for the first); two indexed
    queries."""
    row = kind.row
    found = (
        session.connection()
        .execute(
            core_select(col(row.position), col(row.id)).where(
                col(row.workspace_id) == workspace_id, _where_key(kind, key)
            )
        )
        .first()
    )
    if found is None:
        raise LookupError(f"no {kind.singular} {key!r}")
    position, row_id = found
    before = core_select(func.count()).where(
        col(row.workspace_id) == workspace_id,
        or_(
            col(row.position) < position,
            and_(col(row.position) == position, col(row.id) < row_id),
        ),
    )
    return int(session.connection().execute(before).scalar_one())


def count(session: Session, kind: Kind, workspace_id: int) -> int:
    """How many entities of one kind the register holds."""
    statement = core_select(func.count()).where(col(kind.row.workspace_id) == workspace_id)
    return int(session.connection().execute(statement).scalar_one())


def parent_of(session: Session, workspace_id: int, supplier: str) -> str | None:
    """The parent of a supplier (``None``: none, or no such supplier); one indexed query."""
    statement = core_select(col(SupplierRow.body)).where(
        col(SupplierRow.workspace_id) == workspace_id, col(SupplierRow.key) == supplier
    )
    body = session.connection().execute(statement).scalar()
    parent = body.get("parent") if isinstance(body, dict) else None
    return parent if isinstance(parent, str) else None


def naming(session: Session, kind: Kind, workspace_id: int, key: str) -> list[dict[str, Any]]:
    """The bodies of one kind, in register order, that may name ``key``: of dependencies,
    those from or to it; of other kinds, those whose JSON text holds ``"key"`` (an id is
    written as itself: its characters need no escape in JSON). The database scans the kind's
    bodies; the caller looks at each body found."""
    row = kind.row
    if row is DependencyRow:
        condition = or_(col(DependencyRow.consumer) == key, col(DependencyRow.provider) == key)
    else:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = sql_cast(col(row.body), Text).like(f'%"{escaped}"%', escape="\\")
    statement = (
        core_select(col(row.body))
        .where(col(row.workspace_id) == workspace_id, condition)
        .order_by(col(row.position), col(row.id))
    )
    return list(session.connection().execute(statement).scalars())


def next_position(session: Session, kind: Kind, workspace_id: int) -> int:
    row = kind.row
    statement = select(func.coalesce(func.max(col(row.position)), -1)).where(
        col(row.workspace_id) == workspace_id
    )
    return int(session.connection().execute(statement).scalar_one() or 0) + 1


def next_offering(session: Session, workspace_id: int) -> int:
    statement = select(func.coalesce(func.max(col(ServiceRow.offering)), -1)).where(
        col(ServiceRow.workspace_id) == workspace_id
    )
    return int(session.connection().execute(statement).scalar_one() or 0) + 1


def columns_of(kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    """The key columns of a row with this body."""
    if kind.row is DependencyRow:
        return {"consumer": body["from"], "provider": body["to"]}
    return {"key": body["id"]}


def insert_many(
    session: Session, kind: Kind, workspace_id: int, entries: Iterable[dict[str, Any]]
) -> None:
    """Insert rows in bulk (one statement per batch, no ORM objects)."""
    table = SQLModel.metadata.tables[str(kind.row.__tablename__)]
    now = utcnow()
    batch = [
        {"workspace_id": workspace_id, "created_at": now, "updated_at": now, "version": 1, **e}
        for e in entries
    ]
    if batch:
        session.connection().execute(insert(table), batch)


def update_body(
    session: Session,
    kind: Kind,
    row_id: int,
    *,
    body: dict[str, Any],
    expected_version: int | None = None,
    **columns: Any,
) -> bool:
    """Replace a row's body; with ``expected_version``, only if nobody changed it since.

    Returns whether a row was updated.
    """
    row = kind.row
    statement = update(row).where(col(row.id) == row_id)
    if expected_version is not None:
        statement = statement.where(col(row.version) == expected_version)
    done = session.connection().execute(
        statement.values(body=body, updated_at=utcnow(), version=col(row.version) + 1, **columns)
    )
    return bool(done.rowcount)


def delete_row(session: Session, kind: Kind, row_id: int, *, expected_version: int) -> bool:
    row = kind.row
    done = session.connection().execute(
        delete(row).where(col(row.id) == row_id, col(row.version) == expected_version)
    )
    return bool(done.rowcount)


# --- documents --------------------------------------------------------------------------------


def document_of(session: Session, workspace_id: int, evidence: str) -> DocumentRow | None:
    statement = select(DocumentRow).where(
        col(DocumentRow.workspace_id) == workspace_id, col(DocumentRow.evidence_key) == evidence
    )
    return session.exec(statement).first()


def evidence_with_documents(session: Session, workspace_id: int) -> set[str]:
    """The evidence ids of the workspace that have a document (one query)."""
    statement = select(col(DocumentRow.evidence_key)).where(
        col(DocumentRow.workspace_id) == workspace_id
    )
    return set(session.exec(statement).all())


def documents_at(session: Session, path: str) -> int:
    """How many documents are stored in the file ``path``."""
    statement = select(func.count()).where(col(DocumentRow.path) == path)
    return int(session.exec(statement).one())


# --- tokens -----------------------------------------------------------------------------------


def add_token(session: Session, token: ApiToken) -> ApiToken:
    session.add(token)
    session.flush()
    return token


def token_by_hash(session: Session, token_hash: str) -> tuple[ApiToken, Workspace] | None:
    statement = (
        select(ApiToken, Workspace)
        .join(Workspace, col(Workspace.id) == col(ApiToken.workspace_id))
        .where(col(ApiToken.token_hash) == token_hash)
    )
    found = session.exec(statement).first()
    return None if found is None else (found[0], found[1])


def tokens_by_prefix(session: Session, prefix: str) -> Sequence[ApiToken]:
    return session.exec(select(ApiToken).where(col(ApiToken.prefix) == prefix)).all()
