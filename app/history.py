"""The register at any moment, rebuilt from the workspace's audit trail (ADR 39).

Every change of a register is an entry of its trail with the values it wrote: a ``create``
holds the new entity (a service's with ``offering``), an ``update`` the entity after it, a
``delete`` the entity it removed, an ``import`` every entity it created or changed, the
services it made offerings, the titles and the chain's own ``x-`` keys it set. Replaying
the entries up to a moment, in the order they were appended, gives the register as it stood
then, in its order: a new entity goes after every other of its kind (the register gives it
the next place), a changed one keeps its place, a new offering comes last among the
offerings, and the title is the first offering's that has one, as
:func:`app.services.register_document` gives it.

An entity's ``x-`` keys, and the mappings inside them, keep the order they were written in;
the trail records a change in that order since ADR 39. Entries recorded before then hold their
values with sorted keys: the register rebuilt from them is the same but for that order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, select
from sqlalchemy import cast as sql_cast
from sqlmodel import Session, col

from app import repository as repo
from app.audit import chain_of
from app.errors import Conflict, Invalid
from app.models import AuditEntry, Workspace
from app.services import scoped
from graph.diff import CHAIN, ChainDiff, EntityChange, diff
from graph.errors import UsageError
from graph.i18n import gettext
from graph.model import Chain
from graph.profiles import ResolvedProfile, find_profile
from graph.schema import SECTIONS
from importers.chainfile import dump_plain_lazily, load_plain
from importers.chainfile.messages import may_hold_surrogate

REPLAYED = ("create", "update", "delete", "import")
"""The actions of the trail that change a register."""

_BY_SINGULAR = {kind.singular: section for section, kind in repo.KINDS.items()}
_BATCH = 2000


@dataclass
class _Register:
    """The register as the replay has it so far: each section's entities by key, in register
    order; the offerings in order; the offerings' titles; the chain's own ``x-`` keys."""

    sections: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {section: {} for section in repo.KINDS}
    )
    offerings: dict[str, None] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    surrogates: bool = False
    """Whether an entry replayed was read from JSON text holding a surrogate's escape
    (``may_hold_surrogate``): only then may a text of the register be a lone surrogate."""

    def put(self, section: str, value: dict[str, Any]) -> str:
        """Store an entity written by a create, an update or an import; its key. The values
        are the entry's own (:attr:`_Entry.written`), not a copy: two registers replayed from
        the same entries share those of every entity not changed between them
        (:func:`_shared`), and nothing changes them."""
        body = _written(section, value)  # the same object but for an imported offering's
        key = repo.KINDS[section].key_of(body)
        self.sections[section][key] = body  # a changed one keeps its place, a new one is last
        return key

    def apply(self, entry: _Entry) -> None:
        """Replay one entry of the trail."""
        self.surrogates = self.surrogates or entry.surrogates
        action, target, before, after = entry.action, entry.target, entry.before, entry.after
        section = _BY_SINGULAR.get(target.split("/", 1)[0])
        if action in ("create", "update") and section is not None and isinstance(after, dict):
            key = self.put(section, entry.written)
            if section == "services" and "offering" in after:
                if after["offering"]:
                    self.offerings.setdefault(key, None)
                else:
                    self.offerings.pop(key, None)
        elif action == "delete" and section is not None and isinstance(before, dict):
            key = repo.KINDS[section].key_of(before)
            self.sections[section].pop(key, None)
            if section == "services":
                self.offerings.pop(key, None)
        elif action == "import" and isinstance(after, dict):
            for name, bodies in (after.get("values") or {}).items():
                for body in bodies if name in self.sections else ():
                    self.put(name, body)
            for offering in after.get("offerings") or ():
                self.offerings.setdefault(offering, None)
            for offering, change in (after.get("titles") or {}).items():
                title = change.get("after") if isinstance(change, dict) else None
                if isinstance(title, str) and title:
                    self.titles[offering] = title
            self.extra.update(after.get("x-") or {})

    def document(self, scope: frozenset[str] | None) -> dict[str, Any]:
        """The register as :func:`app.services.register_document` gives it."""
        document: dict[str, Any] = {"ketenkaart": 1, "offerings": list(self.offerings)}
        for section, entities in self.sections.items():
            document[section] = list(entities.values())
        document.update(self.extra)
        document = document if scope is None else scoped(document, scope)
        title = next((t for o in document["offerings"] if (t := self.titles.get(o))), None)
        if title:  # a chain file has one title: the first offering's that has one
            document = {"ketenkaart": 1, "title": title, **document}
        return document


def _written(section: str, value: dict[str, Any]) -> dict[str, Any]:
    """An entity's values as the register holds them: a service's without ``offering``, which
    the trail adds to them (the same object when it has none)."""
    if section == "services" and "offering" in value:
        return {name: v for name, v in value.items() if name != "offering"}
    return value


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite gives naive datetimes back; they were stored in UTC
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _Entry:
    """What the replay reads of an entry of the trail."""

    action: str
    target: str
    before: object
    after: object
    actor: dict[str, Any]
    at: datetime
    surrogates: bool
    """Whether the JSON text of ``before`` or ``after`` holds a surrogate's escape."""
    written: Any
    """``after`` as the register holds it (:func:`_written`), made once for every register
    the entry is replayed into."""


def _changes(session: Session, workspace: Workspace, until: datetime) -> Iterator[_Entry]:
    """The workspace's entries that change its register, appended at or before ``until``, in
    the order they were appended; read in batches, as plain values (no objects kept in the
    session), their values from their JSON text (looked at for a surrogate's escape)."""
    chain, last = chain_of(workspace.id), 0
    # SQLite compares the stored UTC wall-clock text: the moment goes in as UTC, too
    until = _utc(until)
    while True:
        batch = session.execute(
            select(
                col(AuditEntry.seq),
                col(AuditEntry.action),
                col(AuditEntry.target),
                sql_cast(col(AuditEntry.before), Text),
                sql_cast(col(AuditEntry.after), Text),
                col(AuditEntry.actor),
                col(AuditEntry.at),
            )
            .where(
                col(AuditEntry.chain) == chain,
                col(AuditEntry.seq) > last,
                col(AuditEntry.action).in_(REPLAYED),
                col(AuditEntry.at) <= until,
            )
            .order_by(col(AuditEntry.seq))
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        for _, action, target, before, after, actor, at in batch:
            who = actor if isinstance(actor, dict) else {}
            values = None if after is None else json.loads(after)
            section = _BY_SINGULAR.get(str(target).split("/", 1)[0])
            yield _Entry(
                str(action),
                str(target),
                None if before is None else json.loads(before),
                values,
                who,
                _utc(at),
                any(text is not None and may_hold_surrogate(text) for text in (before, after)),
                _written(section, values) if section and isinstance(values, dict) else values,
            )
        last = int(batch[-1][0])


CREATED = "workspace.create"
"""The action of a workspace's first entry: the trail begins with the register, empty."""


def beginning(session: Session, workspace: Workspace) -> tuple[datetime, bool]:
    """When the workspace's trail begins (its first entry; the workspace's creation when its
    trail has none), and whether it begins with the workspace's creation, so that replaying
    it gives the whole register."""
    first = session.execute(
        select(col(AuditEntry.at), col(AuditEntry.action))
        .where(col(AuditEntry.chain) == chain_of(workspace.id))
        .order_by(col(AuditEntry.seq))
        .limit(1)
    ).first()
    if first is None:
        return _utc(workspace.created_at), False
    return _utc(first[0]), first[1] == CREATED


def last_import(session: Session, workspace: Workspace) -> datetime | None:
    """When the register last took in a file: the latest entry of an ``import``; ``None``
    when it never did."""
    found = session.execute(
        select(col(AuditEntry.at))
        .where(col(AuditEntry.chain) == chain_of(workspace.id), col(AuditEntry.action) == "import")
        .order_by(col(AuditEntry.seq).desc())
        .limit(1)
    ).first()
    return None if found is None else _utc(found[0])


def check_moment(
    session: Session, workspace: Workspace, at: datetime, *, now: datetime, where: str
) -> None:
    """Refuse a moment before the workspace's trail begins or after ``now``: :class:`Invalid`
    with the error at ``where`` (``query.as_of``, ``--as-of``). A trail that does not begin
    with the workspace's creation (a register older than the audit trail, or a trail cut
    short) cannot give the register at any moment: :class:`Conflict`."""
    (begins, whole), moment = beginning(session, workspace), _utc(at)
    if not whole:
        raise Conflict(
            gettext(
                "the audit trail of workspace '{workspace}' does not begin with its creation "
                "(its register is older than the trail, or the trail was cut short), so its "
                "register cannot be rebuilt; `ketenkaart audit verify` says more"
            ).format(workspace=workspace.slug)
        )
    if moment < begins:
        message = gettext(
            "{moment} is before workspace '{workspace}' existed: its trail begins at {begins}"
        ).format(
            moment=_shown(moment, beside=begins),
            workspace=workspace.slug,
            begins=_shown(begins, beside=moment),
        )
    elif moment > _utc(now):
        message = gettext("{moment} is in the future: the register is known up to now").format(
            moment=_shown(moment, beside=_utc(now))
        )
    else:
        return
    raise Invalid(message, errors=[{"location": where, "message": message}])


def _shown(moment: datetime, *, beside: datetime | None = None) -> str:
    """A moment (in UTC) as a message names it: to the second, with its ``Z``; to the
    microsecond when ``beside``, the moment it is set against, falls in the same second, so
    that the two read apart.

    >>> end = datetime(2026, 11, 1, 23, 59, 59, 999999, tzinfo=UTC)
    >>> _shown(end), _shown(end, beside=end.replace(microsecond=5))
    ('2026-11-01T23:59:59Z', '2026-11-01T23:59:59.999999Z')
    """
    alike = beside is not None and moment.replace(microsecond=0) == beside.replace(microsecond=0)
    return moment.isoformat(timespec="microseconds" if alike else "seconds").replace("+00:00", "Z")


MAX_MOMENT = 64
"""The longest timestamp read (an ISO 8601 timestamp is at most about 35 characters)."""


_LOST_PLUS = re.compile(r" (\d{2}(?::?\d{2})?)$")
"""An offset whose ``+`` a URL's query turned into a space (``...T11:00:00 01:00``)."""


def parse_moment(text: str, *, where: str) -> datetime:
    """An ISO 8601 timestamp with its time zone (``2026-11-27T10:00:00Z``,
    ``2026-11-27T11:00:00+01:00``; an offset's ``+`` that an unencoded URL turned into a space
    is taken as one); :class:`Invalid` at ``where`` for anything else.

    >>> parse_moment("2026-11-27T11:00:00+01:00", where="as_of").isoformat()
    '2026-11-27T10:00:00+00:00'
    >>> parse_moment("2026-11-27T11:00:00 01:00", where="as_of").isoformat()
    '2026-11-27T10:00:00+00:00'
    >>> parse_moment("2026-11-27", where="as_of")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    app.errors.Invalid: '2026-11-27' is not a timestamp with a time zone, such as ...
    """
    moment = None
    if len(text) <= MAX_MOMENT and "T" in text.upper():
        try:
            moment = datetime.fromisoformat(_LOST_PLUS.sub(r"+\1", text))
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        message = gettext("'{text}' is not a timestamp with a time zone, such as {example}").format(
            text=text[:MAX_MOMENT], example="2026-11-27T10:00:00Z"
        )
        raise Invalid(message, errors=[{"location": where, "message": message}])
    return moment.astimezone(UTC)


def register_as_of(
    session: Session, workspace: Workspace, at: datetime, scope: frozenset[str] | None = None
) -> dict[str, Any]:
    """The workspace's register as it stood at ``at`` (an aware datetime), rebuilt from the
    entries of its trail appended up to then: the plain chain document
    :func:`app.services.register_document` gave at that moment; with a ``scope``, only that
    part of it (:func:`app.services.scoped`)."""
    return _as_of(session, workspace, at).document(scope)


def _as_of(session: Session, workspace: Workspace, at: datetime) -> _Register:
    register = _Register()
    for entry in _changes(session, workspace, at):
        register.apply(entry)
    return register


def chain_as_of(
    session: Session, workspace: Workspace, at: datetime, scope: frozenset[str] | None = None
) -> Chain:
    """The register as of ``at`` as a chain (what an export read then); :class:`Conflict`
    when it had no offering then, as an export without one is refused."""
    register = _as_of(session, workspace, at)
    return _chain(register.document(scope), workspace, at, surrogates=register.surrogates)


def _chain(
    document: dict[str, Any], workspace: Workspace, at: datetime, *, surrogates: bool
) -> Chain:
    if not document["offerings"]:
        raise Conflict(
            gettext(
                "workspace '{workspace}' had no offering at {moment}: nothing to export"
            ).format(workspace=workspace.slug, moment=_shown(_utc(at)))
        )
    return load_plain(document, source=f"workspace {workspace.slug}", surrogates=surrogates)


@dataclass(frozen=True, slots=True)
class Between:
    """What changed in a register between two moments, and the register as of each (the
    views name entities and services from them)."""

    changes: ChainDiff
    old: Chain
    new: Chain


def register_diff(
    session: Session,
    workspace: Workspace,
    old: datetime,
    new: datetime,
    *,
    profile: str,
    scope: frozenset[str] | None = None,
    profile_at: str = "query.profile",
) -> Between:
    """What changed in the register between ``old`` and ``new``: its entities as of each
    moment compared field by field (:func:`graph.diff.diff`), each with who made its last
    change in between and when; and the links whose status or verdict differs between a check
    of the register as of ``old`` on ``old``'s day and one as of ``new`` on ``new``'s day.

    A register still empty at ``old`` (a moment just after the workspace was made) compares
    as a chain without anything; one with entities but no offering yet cannot be checked and
    is refused, as its export is (:class:`Conflict`). An unknown ``profile`` is
    :class:`Invalid` at ``profile_at``. ``old`` is not after ``new`` (every caller refuses
    that first, with its own words)."""
    registers, authors = _replayed(session, workspace, old, new, scope)
    documents = [register.document(scope) for register, _ in registers]
    chains = [
        _chain_or_nothing(document, workspace, moment, surrogates=register.surrogates)
        for document, (register, moment) in zip(documents, registers, strict=True)
    ]
    judged_by = _profile(profile, chains[1], chains[0], where=profile_at)
    found = diff(
        chains[0],
        chains[1],
        old_at=_utc(old).date(),
        new_at=_utc(new).date(),
        plain=dump_plain_lazily,  # a page shows 200 of a large register's entities
        profile=judged_by,
        unchanged=_shared(*documents),
    )
    entities = tuple(
        change
        if (known := authors.get((change.section, change.key))) is None
        else EntityChange(
            section=change.section,
            key=change.key,
            change=change.change,
            fields=change.fields,
            by=known[0],
            at=known[1],
        )
        for change in found.entities
    )
    return Between(replace(found, entities=entities), chains[0], chains[1])


def _replayed(
    session: Session,
    workspace: Workspace,
    old: datetime,
    new: datetime,
    scope: frozenset[str] | None,
) -> tuple[
    tuple[tuple[_Register, datetime], tuple[_Register, datetime]],
    dict[tuple[str, tuple[str, ...]], tuple[str, datetime]],
]:
    """The register as of ``old`` and as of ``new`` (whose documents in ``scope`` are what
    :func:`register_as_of` gives), and who changed each entity last in between, and when
    (:func:`_touched`), from one read of the trail up to ``new`` (``old`` is not after it)."""
    if _utc(old) > _utc(new):
        raise ValueError(f"the older moment {old} is after the newer {new}")
    before, after, until = _Register(), _Register(), _utc(old)
    authors: dict[tuple[str, tuple[str, ...]], tuple[str, datetime]] = {}
    for entry in _changes(session, workspace, new):
        if entry.at <= until:
            before.apply(entry)
        else:
            who = _who(entry.actor)
            authors.update((place, (who, entry.at)) for place in _touched(entry, scope is None))
        after.apply(entry)
    return ((before, old), (after, new)), authors


def _shared(old: dict[str, Any], new: dict[str, Any]) -> set[tuple[str, tuple[str, ...]]]:
    """The entities whose values are the very same objects in both documents, by section and
    key as :mod:`graph.diff` names them: replayed from the same entry and not changed since
    (:meth:`_Register.put`), so the same in both chains. A scope's cut evidence is made anew
    for each document, and compared."""
    shared: set[tuple[str, tuple[str, ...]]] = set()
    for name in SECTIONS:
        before = {id(body) for body in old.get(name) or ()}
        shared.update(
            (name, _key(name, body)) for body in new.get(name) or () if id(body) in before
        )
    return shared


def _chain_or_nothing(
    document: dict[str, Any], workspace: Workspace, at: datetime, *, surrogates: bool
) -> Chain:
    """The register's document as a chain; one still empty (a moment just after the
    workspace was made) as a chain without anything."""
    if not document["offerings"] and not any(document[section] for section in repo.KINDS):
        return Chain(offerings=())
    return _chain(document, workspace, at, surrogates=surrogates)


def _profile(name: str, *chains: Chain, where: str) -> ResolvedProfile:
    """The built-in profile, or the newer chain's own (else the older's) called ``name``;
    :class:`Invalid` at ``where`` for one neither has."""
    for chain in chains:
        if name in chain.profiles:
            return find_profile(name, chain)
    try:
        return find_profile(name, chains[0])
    except UsageError as err:
        problem = [{"location": where, "message": str(err)}]
        raise Invalid(str(err), errors=problem) from None


def _touched(entry: _Entry, chain_too: bool) -> list[tuple[str, tuple[str, ...]]]:
    """The entities an entry of the trail changes, by their section and key as
    :mod:`graph.diff` names them; the chain's own fields (offerings, titles, ``x-`` keys) as
    ``("chain", ())`` when ``chain_too``."""
    touched: list[tuple[str, tuple[str, ...]]] = []
    section = _BY_SINGULAR.get(entry.target.split("/", 1)[0])
    value = entry.before if entry.action == "delete" else entry.after
    if section is not None and isinstance(value, dict):
        touched.append((section, _key(section, value)))
        if section == "services" and ("offering" in value or entry.action == "delete"):
            touched.append((CHAIN, ()))
    elif entry.action == "import" and isinstance(entry.after, dict):
        for name, bodies in (entry.after.get("values") or {}).items():
            touched.extend((name, _key(name, body)) for body in bodies if name in SECTIONS)
        if any(entry.after.get(part) for part in ("offerings", "titles", "x-")):
            touched.append((CHAIN, ()))
    return touched if chain_too else [place for place in touched if place[0] != CHAIN]


def _who(actor: dict[str, Any]) -> str:
    """Who made a change, as a line names them: the account's e-mail address, else the token
    (by its first characters), else the way in (``cli``: the command line).

    >>> _who({"via": "token", "token": "kk_AbCdEfG"}), _who({"via": "cli"})
    ('token kk_AbCdEfG', 'cli')
    """
    if actor.get("email"):
        return str(actor["email"])
    if actor.get("token"):
        return f"token {actor['token']}"
    return str(actor.get("via") or "")


def _key(section: str, body: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(body.get(k)) for k in SECTIONS[section].key)
