"""The audit trail: every change appended as an entry that holds the hash of the one before.

Each workspace has its own chain of entries (``ws:<id>``); accounts, logins and failed logins
go to the ``global`` chain. An entry's hash covers its chain, place, time, actor, action, target,
the values before and after, and the previous entry's hash, so an entry changed, removed or
slipped in afterwards breaks the chain from that entry on; :func:`verify` names the first.

Appending first locks the chain's head (``audit_head``), in the transaction of the change it
records, so appends to one chain take turns and an entry commits exactly when its change does.
Inserting the entry moves the head (a database trigger), and the database refuses any other
change of a head, as of an entry. :func:`verify` walks every chain from its entries, not from
the heads; a missing, extra or moved-back head is a finding of its own. An :func:`anchor`, the
heads signed with a key kept outside the database, lets an auditor find a trail rewritten
consistently later (:func:`check_anchor`), and :func:`register_differences` names every entity
of the register that differs from what the trail says it is. ADR 9 and ADR 20.

>>> entry = {"chain": "ws:1", "seq": 1, "at": "2026-11-27T10:00:00.000000+00:00",
...          "actor": {"user": "an@example.nl"}, "action": "create", "target": "supplier/x",
...          "before": None, "after": {"id": "x", "name": "X"}}
>>> len(entry_hash(entry, GENESIS))
64
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from app.errors import Conflict
from app.models import AuditEntry, AuditHead, User, Workspace
from graph.i18n import format_number, gettext, ngettext
from importers.base import safe_cell

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_log = logging.getLogger("ketenkaart.audit")

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
    """The one byte form of a JSON value that hashes are taken of (sorted keys, no spaces,
    UTF-8; a lone surrogate, which UTF-8 has no form for, as its ``\\u`` escape).

    >>> canonical({"b": 1, "a": "é\\udc00"})
    b'{"a":"\\xc3\\xa9\\\\udc00","b":1}'
    """
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


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
    seq, prev = _lock_head(connection, chain)
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
    values = {**fields, "at": when, "prev_hash": prev, "hash": digest}
    # Inserted at once (not at the session's flush): the insert moves the head (a trigger).
    connection.execute(insert(AuditEntry).values(**values))
    return AuditEntry(**values)


def _lock_head(connection: Any, chain: str) -> tuple[int, str]:
    """Take the chain's head for this transaction and return the place and hash of its last
    entry. A head that is missing is made again from the trail's last entry (a new chain has
    none yet); a head that does not name the last entry refuses the change with a clear
    409, not an append that collides with an entry and a misleading one."""
    # The no-op update takes the head's row lock (PostgreSQL) or the write lock (SQLite) until
    # the commit, so the last entry read below stays the last one; the guard lets it through.
    moved = connection.execute(
        update(AuditHead).where(col(AuditHead.chain) == chain).values(seq=col(AuditHead.seq))
    )
    last = connection.execute(
        select(col(AuditEntry.seq), col(AuditEntry.hash))
        .where(col(AuditEntry.chain) == chain)
        .order_by(col(AuditEntry.seq).desc())
        .limit(1)
    ).first()
    seq, digest = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    if moved.rowcount == 0:
        if last is not None:
            _log.warning(
                "audit head missing; made again from the trail",
                extra={"fields": {"chain": chain, "entries": seq}},
            )
        connection.execute(insert(AuditHead).values(chain=chain, seq=seq, hash=digest))
        return seq, digest
    head_seq, head_hash = connection.execute(
        select(col(AuditHead.seq), col(AuditHead.hash)).where(col(AuditHead.chain) == chain)
    ).one()
    if (head_seq, head_hash) != (seq, digest):
        raise TrailBroken(
            gettext(
                "the audit trail '{chain}' ends at entry {seq} but its head records entry "
                "{head}: the trail or its head was changed outside the service, so nothing "
                "was changed; `ketenkaart audit verify` names the break"
            ).format(chain=chain, seq=format_number(seq), head=format_number(head_seq))
        )
    return seq, digest


class TrailBroken(Conflict):
    """The trail and its head disagree: no change is recorded until that is repaired."""


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
        """The verdict in a line, in the language of the context (the problem in the one
        :func:`verify` ran in)."""
        if self.ok:
            return ngettext(
                "{chain}: {n} entries, intact; head {head}",
                "{chain}: {n} entries, intact; head {head}",
                self.entries,
            ).format(chain=self.chain, n=format_number(self.entries), head=self.head)
        if self.broken_seq is None:  # the head, not an entry: no entry to name
            return gettext("{chain}: broken: {problem}").format(
                chain=self.chain, problem=self.problem
            )
        return gettext("{chain}: entry {seq} is broken: {problem}").format(
            chain=self.chain, seq=format_number(self.broken_seq), problem=self.problem
        )


def verify(session: Session, chain: str) -> Verdict:
    """Recompute the chain from its first entry and name the first entry that breaks it.

    An entry is broken when its place is not the next one (an entry removed or slipped in), when
    it does not hold the previous entry's hash, or when its own hash does not match its
    contents (an entry changed). Then the head: it must exist when the trail has entries, name
    the last entry (neither more: the trail cut short, nor fewer or another: the head moved
    back or changed), and exist only for a trail. A workspace (or, for the accounts' chain, an
    account) without any entry has lost its whole trail.
    """
    prev, expected, count = GENESIS, 1, 0
    for entry in _batches(session, chain):
        fields = public(entry)
        if entry.seq != expected:
            missing = gettext("entry {seq} is missing").format(seq=format_number(expected))
            return Verdict(chain, count, prev, expected, missing)
        if entry.prev_hash != prev:
            unlinked = gettext("it does not hold the hash of the entry before it")
            return Verdict(chain, count, prev, entry.seq, unlinked)
        if entry_hash(fields, prev) != entry.hash:
            changed = gettext("its contents do not match its hash")
            return Verdict(chain, count, prev, entry.seq, changed)
        prev, expected, count = entry.hash, expected + 1, count + 1
    found = session.execute(
        select(col(AuditHead.seq), col(AuditHead.hash)).where(col(AuditHead.chain) == chain)
    ).first()
    if found is None:
        if count:
            return Verdict(
                chain,
                count,
                prev,
                None,
                ngettext(
                    "its head is missing: the trail holds {n} entries but no head records "
                    "them (removed outside the service)",
                    "its head is missing: the trail holds {n} entries but no head records "
                    "them (removed outside the service)",
                    count,
                ).format(n=format_number(count)),
            )
        if _expects_entries(session, chain):
            removed = (
                gettext(
                    "it has no entries although its accounts exist: the whole trail was "
                    "removed (or predates the audit trail)"
                )
                if chain == GLOBAL
                else gettext(
                    "it has no entries although its workspace exists: the whole trail was "
                    "removed (or predates the audit trail)"
                )
            )
            return Verdict(chain, 0, prev, 1, removed)
        return Verdict(chain, 0, prev)
    head_seq, head_hash = int(found[0]), str(found[1])
    if head_seq > count:
        return Verdict(
            chain,
            count,
            prev,
            count + 1,
            gettext(
                "the trail ends at entry {seq} but its head records entry {head}: "
                "entries were removed from its end"
            ).format(seq=format_number(count), head=format_number(head_seq)),
        )
    if (head_seq, head_hash) != (count, prev):
        return Verdict(
            chain,
            count,
            prev,
            head_seq + 1 if head_seq < count else head_seq,
            gettext(
                "its head records entry {head} ({head_hash}…) but the trail ends at "
                "entry {seq} ({hash}…): the head was moved back or changed outside the "
                "service"
            ).format(
                head=format_number(head_seq),
                head_hash=head_hash[:12],
                seq=format_number(count),
                hash=prev[:12],
            ),
        )
    if count == 0 and not _expects_entries(session, chain):
        extra = gettext("it has a head but no trail: an extra head")
        return Verdict(chain, 0, prev, None, extra)
    return Verdict(chain, count, prev)


def _expects_entries(session: Session, chain: str) -> bool:
    """Whether the chain must have entries: its workspace exists (its creation is the first
    entry), or for the accounts' chain, an account does."""
    if chain == GLOBAL:
        return session.scalar(select(func.count()).select_from(User)) != 0
    wid = chain.removeprefix("ws:")
    return wid.isdigit() and session.get(Workspace, int(wid)) is not None


def chains(session: Session) -> list[str]:
    """Every chain there is or should be: the accounts' chain, one per workspace, and any
    other that has entries or a head. Found from the workspaces and the entries themselves,
    so removing a head (or a whole trail) does not hide a chain from :func:`verify`."""
    found = {GLOBAL}
    found.update(chain_of(wid) for wid in session.scalars(select(col(Workspace.id))))
    found.update(str(c) for c in session.scalars(select(col(AuditEntry.chain)).distinct()))
    found.update(str(c) for c in session.scalars(select(col(AuditHead.chain))))
    return sorted(found)


def workspaces(session: Session) -> list[Workspace]:
    """Every workspace, by slug."""
    return list(session.scalars(select(Workspace).order_by(col(Workspace.slug))))


def last_entry(session: Session, chain: str) -> tuple[int, str]:
    """The place and hash of the chain's last entry, from the entries (not the head)."""
    found = session.execute(
        select(col(AuditEntry.seq), col(AuditEntry.hash))
        .where(col(AuditEntry.chain) == chain)
        .order_by(col(AuditEntry.seq).desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if found is None else (int(found[0]), str(found[1]))


# --- anchors --------------------------------------------------------------------------------------

ANCHOR_KEY_VARIABLE = "KETENKAART_ANCHOR_KEY"
"""The environment variable that holds the anchor key (PEM, or the 32-byte seed in base64)."""


class AnchorError(ValueError):
    """A key or an anchor that cannot be used, with the reason."""


def load_key(data: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (``openssl genpkey -algorithm ed25519``) or from its
    32-byte seed in base64."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - when anchoring
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text, password=None)
        except (ValueError, TypeError) as err:
            raise AnchorError(
                gettext("not a PEM private key without a password: {error}").format(error=err)
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise AnchorError(gettext("the PEM key is not an Ed25519 key"))
        return key
    try:
        seed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise AnchorError(
            gettext("an anchor key is an Ed25519 key in PEM, or its 32-byte seed in base64")
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def key_from_environment() -> Ed25519PrivateKey | None:
    """The anchor key in :data:`ANCHOR_KEY_VARIABLE`, or ``None`` when it is not set."""
    value = os.environ.get(ANCHOR_KEY_VARIABLE)
    return load_key(value.encode()) if value else None


def _public_raw(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def anchor(
    session: Session, key: Ed25519PrivateKey, chains_: list[str], *, at: datetime | None = None
) -> dict[str, Any]:
    """Each chain's last entry (place and hash) signed with ``key``: what an auditor keeps
    outside the system, so that a later rewrite of the trail is found (:func:`check_anchor`).

    The signature is Ed25519 over the canonical JSON of the anchor without ``signature``.
    """
    body: dict[str, Any] = {
        "anchor": 1,
        "made_at": _when(at or datetime.now(UTC)),
        "chains": [
            {"chain": chain, "entries": seq, "head": digest}
            for chain in chains_
            for seq, digest in [last_entry(session, chain)]
        ],
        "key": base64.b64encode(_public_raw(key)).decode(),
    }
    body["signature"] = base64.b64encode(key.sign(canonical(body))).decode()
    return body


@dataclass(frozen=True, slots=True)
class AnchorCheck:
    """One chain measured against an anchor."""

    chain: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{self.chain}: {self.message}"


def check_anchor(
    session: Session, kept: dict[str, Any], *, key: Ed25519PrivateKey | None = None
) -> list[AnchorCheck]:
    """Compare the trail with an anchor made earlier: its signature must hold (and be
    ``key``'s, when given); each anchored chain must still hold at least the anchored number of
    entries, the one at the anchored place with the anchored hash.

    Raises
    ------
    AnchorError
        When the anchor is not one, or its signature does not hold.
    """
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PublicKey,
    )

    try:
        signature = base64.b64decode(str(kept["signature"]), validate=True)
        public = base64.b64decode(str(kept["key"]), validate=True)
        body = {k: v for k, v in kept.items() if k != "signature"}
        Ed25519PublicKey.from_public_bytes(public).verify(signature, canonical(body))
        anchored = [(str(c["chain"]), int(c["entries"]), str(c["head"])) for c in kept["chains"]]
    except InvalidSignature:
        raise AnchorError(
            gettext("the anchor's signature does not hold: the anchor was changed")
        ) from None
    except (KeyError, TypeError, ValueError, binascii.Error) as err:
        raise AnchorError(
            gettext("not an anchor of ketenkaart: {error}").format(error=repr(err))
        ) from None
    if key is not None and _public_raw(key) != public:
        raise AnchorError(gettext("the anchor was signed with another key than the one given"))
    made = kept.get("made_at")
    found = []
    for chain, count, digest in anchored:
        seq, _ = last_entry(session, chain)
        if seq < count:
            found.append(
                AnchorCheck(
                    chain,
                    False,
                    ngettext(
                        "the trail holds {n} entries, fewer than the {count} anchored at "
                        "{made}: entries were removed",
                        "the trail holds {n} entries, fewer than the {count} anchored at "
                        "{made}: entries were removed",
                        seq,
                    ).format(n=format_number(seq), count=format_number(count), made=made),
                )
            )
            continue
        now = session.scalar(
            select(col(AuditEntry.hash)).where(
                col(AuditEntry.chain) == chain, col(AuditEntry.seq) == count
            )
        )
        if count and now != digest:
            found.append(
                AnchorCheck(
                    chain,
                    False,
                    gettext(
                        "entry {seq} has another hash than the one anchored at {made}: the "
                        "trail was rewritten"
                    ).format(seq=format_number(count), made=made),
                )
            )
            continue
        found.append(
            AnchorCheck(
                chain,
                True,
                gettext("matches the anchor of {made} (entry {seq}); {since} since").format(
                    made=made, seq=format_number(count), since=format_number(seq - count)
                ),
            )
        )
    return found


# --- the register against its trail ---------------------------------------------------------------


def register_differences(session: Session, workspace: Workspace) -> list[str]:
    """Every entity of the workspace's register that differs from what its trail says it is.

    The trail is replayed (create, update, delete and import entries) into each entity's
    current value and the offerings; each row that differs, is missing, or is there without
    the trail knowing it is named. The title and ``x-`` keys are compared where the trail
    records them.
    """
    from app import repository as repo  # noqa: PLC0415 - repository reads the register
    from app.services import register_document  # noqa: PLC0415

    sections = {kind.singular: (section, kind) for section, kind in repo.KINDS.items()}
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    offerings: set[str] = set()
    extra: dict[str, Any] = {}

    def put(section: str, body: dict[str, Any], offering: bool | None) -> None:
        kind = repo.KINDS[section]
        value = {k: v for k, v in body.items() if not (section == "services" and k == "offering")}
        expected[(section, kind.key_of(value))] = value
        if offering is not None:
            (offerings.add if offering else offerings.discard)(kind.key_of(value))

    for entry in _batches(session, chain_of(workspace.id)):
        action, after, before = entry.action, entry.after, entry.before
        singular = entry.target.split("/", 1)[0]
        if action in ("create", "update") and singular in sections and isinstance(after, dict):
            section = sections[singular][0]
            flag = after.get("offering") if section == "services" else None
            put(section, after, bool(flag) if flag is not None or action == "create" else None)
        elif action == "delete" and singular in sections and isinstance(before, dict):
            section, kind = sections[singular]
            expected.pop((section, kind.key_of(before)), None)
            if section == "services":
                offerings.discard(kind.key_of(before))
        elif action == "import" and isinstance(after, dict):
            for section, bodies in (after.get("values") or {}).items():
                for body in bodies:
                    put(section, body, None)
            offerings.update(after.get("offerings") or [])
            extra.update(after.get("x-") or {})
    document = register_document(session, workspace)
    found = []
    actual: dict[tuple[str, str], dict[str, Any]] = {}
    for section, kind in repo.KINDS.items():
        for body in document[section]:
            actual[(section, kind.key_of(body))] = body
    for place in sorted(expected.keys() | actual.keys()):
        section, key = place
        name = f"{repo.KINDS[section].singular}/{key}"
        if place not in actual:
            found.append(
                gettext("{name}: the trail holds it, the register does not").format(name=name)
            )
        elif place not in expected:
            found.append(
                gettext("{name}: the register holds it, the trail never recorded it").format(
                    name=name
                )
            )
        elif _plain(actual[place]) != expected[place]:
            found.append(
                gettext("{name}: the register holds {actual}, the trail says {expected}").format(
                    name=name,
                    actual=canonical(actual[place]).decode(),
                    expected=canonical(expected[place]).decode(),
                )
            )
    for key in sorted(offerings ^ set(document["offerings"])):
        only = (
            gettext("offering/{key}: only the register makes it an offering")
            if key in document["offerings"]
            else gettext("offering/{key}: only the trail makes it an offering")
        )
        found.append(only.format(key=key))
    for key, value in sorted(extra.items()):
        if _plain(workspace.extra.get(key)) != value:
            found.append(
                gettext("{key}: the register holds another value than the trail records").format(
                    key=key
                )
            )
    return found


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
