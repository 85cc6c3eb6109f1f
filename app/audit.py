"""The audit trail: every change appended as an entry that holds the hash of the one before.

Each workspace has its own chain of entries (``ws:<id>``); accounts, logins and failed logins
go to the ``global`` chain. An entry's hash covers its chain, place, time, actor, action, target,
the values before and after, and the previous entry's hash, so an entry changed, removed or
slipped in afterwards breaks the chain from that entry on; :func:`verify` names the first.

Appending first moves the chain's head (``audit_head``), in the transaction of the change it
records: appends to one chain take turns, an entry commits exactly when its change does, and a
trail cut short at its end no longer matches its head.

>>> entry = {"chain": "ws:1", "seq": 1, "at": "2026-11-27T10:00:00.000000+00:00",
...          "actor": {"user": "an@example.nl"}, "action": "create", "target": "supplier/x",
...          "before": None, "after": {"id": "x", "name": "X"}}
>>> len(entry_hash(entry, GENESIS))
64
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from app.models import AuditEntry, AuditHead
from importers.base import safe_cell

GENESIS = "0" * 64
"""The previous hash of a chain's first entry."""

GLOBAL = "global"


def chain_of(workspace_id: int | None) -> str:
    """The chain a workspace's entries go to; ``None``: the global chain of accounts."""
    return GLOBAL if workspace_id is None else f"ws:{workspace_id}"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: a user (by id and e-mail), through a token or a browser session, or
    the command line; from which address, in which request."""

    via: str
    user_id: int | None = None
    email: str | None = None
    token: str | None = None
    address: str | None = None
    request_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            key: value
            for key, value in (
                ("via", self.via),
                ("user_id", self.user_id),
                ("email", self.email),
                ("token", self.token),
                ("address", self.address),
                ("request_id", self.request_id),
            )
            if value is not None
        }


COMMAND_LINE = Actor(via="cli")


def _when(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite gives naive datetimes back; they were stored in UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(value: object) -> bytes:
    """The one byte form of a JSON value that hashes are taken of (sorted keys, no spaces)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def entry_hash(entry: dict[str, Any], prev_hash: str) -> str:
    """The hash of an entry (its fields as :func:`public` gives them) after ``prev_hash``."""
    fields = {key: entry[key] for key in _HASHED}
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(fields)).hexdigest()


_HASHED = ("chain", "seq", "at", "actor", "action", "target", "before", "after")


def record(
    session: Session,
    *,
    workspace_id: int | None,
    actor: Actor,
    action: str,
    target: str,
    before: object = None,
    after: object = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to its chain, in the session's transaction (the caller commits)."""
    chain = chain_of(workspace_id)
    connection = session.connection()
    # Moving the head first takes its row lock (PostgreSQL) or the write lock (SQLite) until
    # the commit, so the head read below is the newest one.
    moved = connection.execute(
        update(AuditHead).where(col(AuditHead.chain) == chain).values(seq=col(AuditHead.seq))
    )
    if moved.rowcount == 0:
        connection.execute(insert(AuditHead).values(chain=chain, seq=0, hash=GENESIS))
    seq, prev = connection.execute(
        select(col(AuditHead.seq), col(AuditHead.hash)).where(col(AuditHead.chain) == chain)
    ).one()
    when = at or datetime.now(UTC)
    who, what = actor.as_json(), target[:500]
    fields: dict[str, Any] = {
        "chain": chain,
        "seq": seq + 1,
        "at": _when(when),
        "actor": who,
        "action": action,
        "target": what,
        "before": _plain(before),
        "after": _plain(after),
    }
    digest = entry_hash(fields, prev)
    entry = AuditEntry(
        chain=chain,
        seq=seq + 1,
        at=when,
        actor=who,
        action=action,
        target=what,
        before=fields["before"],
        after=fields["after"],
        prev_hash=prev,
        hash=digest,
    )
    session.add(entry)
    connection.execute(
        update(AuditHead).where(col(AuditHead.chain) == chain).values(seq=seq + 1, hash=digest)
    )
    return entry


def _plain(value: object) -> object:
    """A JSON value that reads back as it was written (dates as text, tuples as lists)."""
    if value is None:
        return None
    return json.loads(canonical(value) if not isinstance(value, bytes) else value)


def public(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the API, the export and the hash see it."""
    return {
        "chain": entry.chain,
        "seq": entry.seq,
        "at": _when(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


# --- reading and verifying ----------------------------------------------------------------------


def entries(
    session: Session, chain: str, *, after_seq: int = 0, limit: int | None = None
) -> list[AuditEntry]:
    """The chain's entries after ``after_seq``, oldest first."""
    query = (
        select(AuditEntry)
        .where(col(AuditEntry.chain) == chain, col(AuditEntry.seq) > after_seq)
        .order_by(col(AuditEntry.seq))
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def _batches(session: Session, chain: str, size: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = entries(session, chain, after_seq=last, limit=size)
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def head(session: Session, chain: str) -> tuple[int, str]:
    """The newest entry's place and hash, as the head records them."""
    found = session.execute(
        select(col(AuditHead.seq), col(AuditHead.hash)).where(col(AuditHead.chain) == chain)
    ).first()
    return (0, GENESIS) if found is None else (int(found[0]), str(found[1]))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What :func:`verify` found: how many entries are intact, and the first broken one."""

    chain: str
    entries: int
    head: str
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "broken_seq": self.broken_seq,
            "problem": self.problem,
        }

    def __str__(self) -> str:
        if self.ok:
            return f"{self.chain}: {self.entries} entries, intact; head {self.head}"
        return f"{self.chain}: entry {self.broken_seq} is broken: {self.problem}"


def verify(session: Session, chain: str) -> Verdict:
    """Recompute the chain from its first entry and name the first entry that breaks it.

    An entry is broken when its place is not the next one (an entry removed or slipped in), when
    it does not hold the previous entry's hash, or when its own hash does not match its
    contents (an entry changed). The head must name the last entry (the trail cut short).
    """
    prev, expected, count = GENESIS, 1, 0
    for entry in _batches(session, chain):
        fields = public(entry)
        if entry.seq != expected:
            return Verdict(chain, count, prev, expected, f"entry {expected} is missing")
        if entry.prev_hash != prev:
            return Verdict(
                chain, count, prev, entry.seq, "it does not hold the hash of the entry before it"
            )
        if entry_hash(fields, prev) != entry.hash:
            return Verdict(chain, count, prev, entry.seq, "its contents do not match its hash")
        prev, expected, count = entry.hash, expected + 1, count + 1
    head_seq, head_hash = head(session, chain)
    if (head_seq, head_hash) != (count, prev):
        return Verdict(
            chain,
            count,
            prev,
            count + 1,
            f"the trail ends at entry {count} but its head records entry {head_seq}: "
            "entries were removed from its end",
        )
    return Verdict(chain, count, prev)


def chains(session: Session) -> list[str]:
    """Every chain that has a head."""
    return [
        str(c) for c in session.scalars(select(col(AuditHead.chain)).order_by(col(AuditHead.chain)))
    ]


# --- export ---------------------------------------------------------------------------------------


def jsonl(session: Session, chain: str) -> Iterator[bytes]:
    """The chain as JSON lines, one entry per line, oldest first."""
    for entry in _batches(session, chain):
        yield canonical(public(entry)) + b"\n"


_CSV_COLUMNS = ("seq", "at", "actor", "action", "target", "before", "after", "prev_hash", "hash")


def csv_rows(session: Session, chain: str) -> Iterator[bytes]:
    """The chain as CSV; JSON values as JSON text; cells a spreadsheet would run are defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_CSV_COLUMNS)
    for entry in _batches(session, chain):
        fields = public(entry)
        writer.writerow(
            safe_cell(value if isinstance(value, str | int) else canonical(value).decode())
            for value in (fields[column] for column in _CSV_COLUMNS)
        )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
