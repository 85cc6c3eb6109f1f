"""What changed between two chains: entities field by field, and links that changed status.

An auditor re-scoping a yearly engagement asks what was added, removed and changed since the
last report, and which links changed status and why (issue 16). :func:`diff` answers both for two
chains (two files, or a register at two moments):

- **Entities** are compared as the chain file writes them: each entity's plain mapping (the
  ``plain`` argument gives the whole chain's, e.g. :func:`importers.chainfile.dump_plain`), so a
  change is named by the keys a person edits (``period.from``, ``bridge_letter.to``,
  ``cuecs[0].addressed``) and a default left out means the same as a default written. A list
  of ids, countries, criteria or schemes is compared as a set (its order means nothing for a
  verdict) and listed whole where it differs; a list of mappings of the same length (CUECs,
  exceptions) item by item. The chain's own fields (``title``, ``offerings``, its ``x-`` keys)
  form the entity ``chain``.
- **Links** are compared by their verdicts: a check of the old chain at ``old_at`` against a
  check of the new one at ``new_at``. A link whose status or verdict differs is listed with both
  verdicts, statuses, deciding evidence and reasons; a link that only one check reaches is
  listed as appeared or gone.

The order is fixed: the chain, then the sections in the order of the file, each entity by its
key, its fields in the order of the chain format; the links by (from, to). Nothing here reads a
file or the clock.

>>> from dataclasses import replace
>>> from datetime import date
>>> from graph.model import Chain, Dependency, Kind, Service, Supplier
>>> def plain(chain):  # a stand-in for importers.chainfile.dump_plain
...     return {"offerings": list(chain.offerings),
...             "services": [{"id": s.id, "name": s.name} for s in chain.services.values()]}
>>> old = Chain(
...     offerings=("app",),
...     suppliers={"acme": Supplier(id="acme", name="Acme B.V.")},
...     services={s: Service(id=s, name=s.title(), supplier="acme", kind=Kind.SAAS)
...               for s in ("app", "db")},
...     dependencies={("app", "db"): Dependency("app", "db")},
... )
>>> new = replace(old, dependencies={("app", "db"): Dependency("app", "db", relevant=False,
...                                                             reason="test data only")})
>>> new = replace(new, services={**new.services, "db": replace(new.services["db"], name="DB")})
>>> changes = diff(old, new, old_at=date(2025, 11, 27), new_at=date(2026, 11, 27), plain=plain)
>>> [(c.section, c.key, c.change.value, [(f.field, f.old, f.new) for f in c.fields])
...  for c in changes.entities]
[('services', ('db',), 'changed', [('name', 'Db', 'DB')])]
>>> [(l.consumer, l.provider, l.old.verdict.value, l.new.verdict.value) for l in changes.links]
[('app', 'db', 'NO_EVIDENCE', 'OUT_OF_SCOPE')]
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, NamedTuple, overload

from graph.build import build_graph
from graph.coverage import judge_links, unsettled
from graph.model import Chain
from graph.profiles import ZEKER_ONLINE, ResolvedProfile
from graph.schema import SECTIONS, TOP, Field
from graph.scope import ScopedLink, walk
from graph.verdicts import LinkResult, reasons_json


class _Absent(enum.Enum):
    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent.ABSENT
"""The value of a field that one side does not have (not ``None``: an ``x-`` key may hold null)."""

CHAIN = "chain"
"""The section name of the chain's own fields: its title, its offerings and its ``x-`` keys."""

_ORDER = (CHAIN, *SECTIONS)
_FORMAT_VERSION_KEY = TOP[0].key  # "ketenkaart": the file's version, not a change of the chain


class Change(enum.Enum):
    """What happened to an entity, or to a link."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    APPEARED = "appeared"
    """A link the new check reaches and the old one did not."""
    GONE = "gone"
    """A link the old check reaches and the new one does not."""


Path = tuple[str | int, ...]


class FieldChange(NamedTuple):
    """One value of an entity, before and after; :data:`ABSENT` where a side has none.

    ``path`` holds the keys from the entity down, and an index (0 first) into a list of
    mappings; ``field`` writes it as a person reads it. (A named tuple: an entity added by an
    import of a large register has hundreds of thousands of them.)

    >>> FieldChange(("cuecs", 0, "addressed"), False, True).field
    'cuecs[0].addressed'
    """

    path: Path
    old: object
    new: object

    @property
    def field(self) -> str:
        """The path as text: keys joined by dots, an index in brackets."""
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
        return out


@dataclass(frozen=True, slots=True)
class EntityChange:
    """An entity added, removed or changed, with every value that differs.

    An added entity lists each of its values (``old`` :data:`ABSENT`), a removed one each of
    its old values. ``by`` and ``at`` say who made the change and when, where the caller knows
    (a register's trail); for two files they stay ``None``.
    """

    section: str
    key: tuple[str, ...]
    change: Change
    fields: Sequence[FieldChange]
    by: str | None = None
    at: datetime | None = None

    @property
    def name(self) -> str:
        """The entity's key as one text: an id, or a link's ``from -> to``."""
        return " -> ".join(self.key)


@dataclass(frozen=True, slots=True)
class LinkChange:
    """A link whose status or verdict differs between the two checks, or that only one reaches
    (``old`` or ``new`` is then ``None``)."""

    consumer: str
    provider: str
    change: Change
    old: LinkResult | None
    new: LinkResult | None


@dataclass(frozen=True, slots=True)
class ChainDiff:
    """Every difference between two chains, and the moments they were checked at."""

    old_at: date
    new_at: date
    judged_by: ResolvedProfile
    entities: tuple[EntityChange, ...]
    links: tuple[LinkChange, ...]

    @property
    def profile(self) -> str:
        """The id of the profile both checks judged by."""
        return self.judged_by.id

    @property
    def empty(self) -> bool:
        """Whether the two chains have no difference at all."""
        return not self.entities and not self.links

    def to_json(self) -> dict[str, Any]:
        """The differences as ``ketenkaart diff --format json`` writes them.

        ``{"old_at", "new_at", "profile", "entities": [...], "links": [...]}``. Each entity:
        ``section``, ``key`` (a list: an id, or a link's from and to), ``change`` (added,
        removed, changed), ``by`` and ``at`` (``null`` unless known) and ``fields``, each with
        ``field`` (the path as text), ``path`` (its keys and indexes) and ``old`` and ``new``
        (each left out where that side has no value). Each link: ``from``, ``to``, ``change``
        (appeared, gone, changed) and ``old`` and ``new`` (``null`` for the side that does not
        reach it), each with ``status``, ``verdict``, ``evidence`` and ``reasons`` (code and
        message).
        """
        return {
            "old_at": self.old_at.isoformat(),
            "new_at": self.new_at.isoformat(),
            "profile": self.profile,
            "entities": [
                {
                    "section": e.section,
                    "key": list(e.key),
                    "change": e.change.value,
                    "by": e.by,
                    "at": None if e.at is None else e.at.isoformat(),
                    "fields": [_field_json(f) for f in e.fields],
                }
                for e in self.entities
            ],
            "links": [
                {
                    "from": link.consumer,
                    "to": link.provider,
                    "change": link.change.value,
                    "old": _link_json(link.old),
                    "new": _link_json(link.new),
                }
                for link in self.links
            ],
        }


def _field_json(change: FieldChange) -> dict[str, object]:
    out: dict[str, object] = {"field": change.field, "path": list(change.path)}
    if change.old is not ABSENT:
        out["old"] = change.old
    if change.new is not ABSENT:
        out["new"] = change.new
    return out


def _link_json(link: LinkResult | None) -> dict[str, object] | None:
    if link is None:
        return None
    return {
        "status": link.status.value,
        "verdict": link.verdict.value,
        "evidence": link.evidence,
        "reasons": reasons_json(link.reasons),
    }


def diff(
    old: Chain,
    new: Chain,
    *,
    old_at: date,
    new_at: date,
    plain: Callable[[Chain], Mapping[str, object]],
    profile: ResolvedProfile = ZEKER_ONLINE,
    offerings: Sequence[str] | None = None,
    unchanged: Collection[tuple[str, tuple[str, ...]]] = frozenset(),
) -> ChainDiff:
    """The differences between two chains: their entities, and their links' verdicts.

    Parameters
    ----------
    old, new
        Two valid chains.
    old_at, new_at
        The dates each chain is checked at (a yearly re-scope: last year's report date and
        today's).
    plain
        The chain as the chain file writes it, a mapping of plain values
        (:func:`importers.chainfile.dump_plain`); the entities are compared in it. A section's
        entities may be any mappings (:func:`importers.chainfile.dump_plain_lazily` writes
        each when it is read): those compared are made dicts first.
    profile
        The thresholds both checks judge by.
    offerings
        The services both checks start from; default each chain's own offerings. An offering
        a chain does not have is left out of its check (an offering added this year is new
        ground, not an error); a chain with none left has no links.
    unchanged
        Entities both chains have that the caller knows to be the same, by section and key
        as :class:`EntityChange` names them (a register replayed twice from one audit trail
        shares the values of every entity not changed in between): not compared.

    Returns
    -------
    ChainDiff
        Empty (:attr:`ChainDiff.empty`) when the chains are the same and judged the same.
    """
    return ChainDiff(
        old_at=old_at,
        new_at=new_at,
        judged_by=profile,
        entities=entity_changes(plain(old), plain(new), unchanged=unchanged),
        links=_link_changes(
            old, new, old_at=old_at, new_at=new_at, profile=profile, offerings=offerings
        ),
    )


def _link_changes(
    old: Chain,
    new: Chain,
    *,
    old_at: date,
    new_at: date,
    profile: ResolvedProfile,
    offerings: Sequence[str] | None,
) -> tuple[LinkChange, ...]:
    """:func:`link_changes` between the check of ``old`` on ``old_at`` and that of ``new`` on
    ``new_at``, judging only the links that can differ: those one walk reaches and the other
    does not, those whose dependency differs, and those into or out of a service
    :func:`graph.coverage.unsettled` names. Every other link has the same verdict on both
    sides (a year's re-scope of a large register changes a few of its links). Two chains with
    the same dependencies and offerings are walked once."""
    starts = _offered(old, offerings), _offered(new, offerings)
    first = _walk(old, starts[0])
    same = starts[0] == starts[1] and old.dependencies == new.dependencies
    walks = first, first if same else _walk(new, starts[1])
    moved = (
        unsettled(old, new, profile=profile, old_at=old_at, new_at=new_at)
        if walks[0] and walks[1]
        else set()
    )
    before = {s.dependency.key: s for s in walks[0]}
    after = before if same else {s.dependency.key: s for s in walks[1]}
    asked = _asked(before, after, moved), _asked(after, before, moved)
    return link_changes(
        judge_links(old, asked[0], profile=profile, at=old_at) if asked[0] else (),
        judge_links(new, asked[1], profile=profile, at=new_at) if asked[1] else (),
    )


def _asked(
    mine: Mapping[tuple[str, str], ScopedLink],
    theirs: Mapping[tuple[str, str], ScopedLink],
    moved: Collection[str],
) -> list[ScopedLink]:
    """The links of one walk to judge: those the other walk does not reach by the same
    dependency, and those into or out of a ``moved`` service."""
    return [
        s
        for key, s in mine.items()
        if key[0] in moved
        or key[1] in moved
        or (other := theirs.get(key)) is None
        or other.dependency != s.dependency
    ]


def _offered(chain: Chain, offerings: Sequence[str] | None) -> list[str]:
    """The offerings a check of ``chain`` starts from: ``offerings`` (default its own), leaving
    out those it does not have (an offering added this year is new ground, not an error); the
    walk takes each once."""
    return [o for o in (chain.offerings if offerings is None else offerings) if o in chain.services]


def _walk(chain: Chain, starts: Sequence[str]) -> list[ScopedLink]:
    """The walk of a check of ``chain`` from ``starts``; none without any."""
    return walk(build_graph(chain), offerings=starts) if starts else []


def link_changes(old: Iterable[LinkResult], new: Iterable[LinkResult]) -> tuple[LinkChange, ...]:
    """The links whose status or verdict differs between two checks, and those only one has,
    by (from, to).

    >>> from graph.verdicts import Verdict
    >>> was = LinkResult("app", "db", 1, ("app", "db"), Verdict.EQUIVALENT, "soc2", ())
    >>> now = was._replace(verdict=Verdict.EXPIRED)
    >>> [(c.change.value, c.old.status.value, c.new.status.value)
    ...  for c in link_changes([was], [now])]
    [('changed', 'ok', 'gap')]
    >>> [c.change.value for c in link_changes([was], [])]
    ['gone']
    """
    before = {(link.consumer, link.provider): link for link in old}
    after = {(link.consumer, link.provider): link for link in new}
    found = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was is None:
            found.append(LinkChange(*key, Change.APPEARED, None, now))
        elif now is None:
            found.append(LinkChange(*key, Change.GONE, was, None))
        elif was.verdict is not now.verdict:  # a verdict's status is its own: this covers both
            found.append(LinkChange(*key, Change.CHANGED, was, now))
    return tuple(found)


def entity_changes(
    old: Mapping[str, object],
    new: Mapping[str, object],
    *,
    unchanged: Collection[tuple[str, tuple[str, ...]]] = frozenset(),
) -> tuple[EntityChange, ...]:
    """The entities added, removed and changed between two chains as plain mappings (what
    :func:`importers.chainfile.dump_plain` gives), in a fixed order; those both have that are
    in ``unchanged`` (by section and key) are not compared.

    >>> old = {"offerings": ["app"], "suppliers": [{"id": "acme", "name": "Acme"}]}
    >>> new = {"offerings": ["app"], "title": "KidsPlan",
    ...        "suppliers": [{"id": "acme", "name": "Acme", "ids": {"kvk": "123"}}]}
    >>> for c in entity_changes(old, new):
    ...     print(c.section, c.change.value, [(f.field, f.old, f.new) for f in c.fields])
    chain changed [('title', ABSENT, 'KidsPlan')]
    suppliers changed [('ids.kvk', ABSENT, '123')]
    """
    found: list[EntityChange] = []
    top = _top(old), _top(new)
    fields = tuple(_changes(*top, (), TOP))
    if fields:
        found.append(EntityChange(CHAIN, (), Change.CHANGED, fields))
    for name, section in SECTIONS.items():
        before, after = _entities(old, name, section.key), _entities(new, name, section.key)
        for key in sorted(before.keys() | after.keys()):
            was, now = before.get(key), after.get(key)
            if was is None:  # an added or removed entity is read when its values are
                leaves = Leaves(after[key], section.fields, new=True)
                found.append(EntityChange(name, key, Change.ADDED, leaves))
            elif now is None:
                leaves = Leaves(was, section.fields, new=False)
                found.append(EntityChange(name, key, Change.REMOVED, leaves))
            elif (name, key) in unchanged:
                continue
            elif not _same(was := _whole(was), now := _whole(now)):
                fields = tuple(_changes(was, now, (), section.fields))
                if fields:
                    found.append(EntityChange(name, key, Change.CHANGED, fields))
    return tuple(found)


class Leaves(Sequence[FieldChange]):
    """An added or removed entity's values, listed when they are first read: a page shows 200
    of a register's 100,000 new entities (ADR 48). Equal to the tuple of the same values.

    >>> leaves = Leaves({"name": "Acme", "id": "acme"}, SECTIONS["suppliers"].fields, new=True)
    >>> [f.field for f in leaves], len(leaves), leaves[1].new
    (['id', 'name'], 2, 'Acme')
    >>> leaves == (FieldChange(("id",), ABSENT, "acme"), FieldChange(("name",), ABSENT, "Acme"))
    True
    """

    __slots__ = ("_fields", "_made", "_mapping", "_new")

    def __init__(self, mapping: Mapping[str, object], fields: Sequence[Field], *, new: bool):
        self._mapping, self._fields, self._new = mapping, fields, new
        self._made: tuple[FieldChange, ...] | None = None

    def _all(self) -> tuple[FieldChange, ...]:
        if self._made is None:  # two threads reading it at once both make the same tuple
            self._made = tuple(_leaves(self._mapping, (), self._fields, new=self._new))
        return self._made

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> FieldChange: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[FieldChange, ...]: ...

    def __getitem__(self, index: int | slice) -> FieldChange | tuple[FieldChange, ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[FieldChange]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Leaves | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def _whole(mapping: Mapping[str, object]) -> Mapping[str, object]:
    """A mapping as a dict, compared as one (a lazily written entity is written here)."""
    return mapping if type(mapping) is dict else dict(mapping.items())


def _top(document: Mapping[str, object]) -> dict[str, object]:
    """The chain's own fields: all but the sections and the format version."""
    return {
        key: value
        for key, value in document.items()
        if key not in SECTIONS and key != _FORMAT_VERSION_KEY
    }


def _entities(
    document: Mapping[str, object], section: str, key: tuple[str, ...]
) -> dict[tuple[str, ...], Mapping[str, object]]:
    entries = document.get(section) or ()
    if not isinstance(entries, list | tuple):
        raise TypeError(f"{section}: a list of mappings, not {type(entries).__name__}")
    return {tuple(str(entry[k]) for k in key): entry for entry in entries}


def _ordered(keys: Iterable[str], fields: Sequence[Field]) -> list[str]:
    """``keys`` in the order of the chain format: its fields first, then the others (``x-``
    keys, a mapping's own codes) by name."""
    place = {f.key: index for index, f in enumerate(fields)}
    return sorted(set(keys), key=lambda k: (place.get(k, len(place)), k))


def _inner(fields: Sequence[Field], key: str) -> tuple[Field, ...]:
    for f in fields:
        if f.key == key:
            return f.fields
    return ()


def _changes(
    old: Mapping[str, object], new: Mapping[str, object], path: Path, fields: Sequence[Field]
) -> Iterator[FieldChange]:
    """The values that differ between two mappings, by the leaves of what only one side has."""
    for key in _ordered([*old, *new], fields):
        here, inner = (*path, key), _inner(fields, key)
        if key not in new:
            yield from _leaves_of(old[key], here, inner, new=False)
        elif key not in old:
            yield from _leaves_of(new[key], here, inner, new=True)
        elif _unordered(fields, key):
            was, now = old[key], new[key]
            if not _same(_sorted(was), _sorted(now)):
                yield FieldChange(here, was, now)
        else:
            yield from _compare(old[key], new[key], here, inner)


_SETS = frozenset({"refs", "countries", "texts", "choices"})
"""The types of list whose order means nothing for a verdict: ids, countries, criteria,
schemes. Such a list is compared as a set, and written whole where it differs."""


def _unordered(fields: Sequence[Field], key: str) -> bool:
    return any(f.key == key and f.type in _SETS for f in fields)


def _sorted(value: object) -> object:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return sorted(value)
    return value


def _compare(
    old: object, new: object, path: Path, fields: Sequence[Field]
) -> Iterator[FieldChange]:
    if _same(old, new):
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping) and old and new:
        yield from _changes(old, new, path, fields)
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and old
        and len(old) == len(new)
        and all(isinstance(item, Mapping) and item for item in (*old, *new))
    ):
        for index, (was, now) in enumerate(zip(old, new, strict=True)):
            yield from _compare(was, now, (*path, index), fields)
    else:
        yield FieldChange(path, old, new)


def _leaves(
    mapping: Mapping[str, object], path: Path, fields: Sequence[Field], *, new: bool
) -> Iterator[FieldChange]:
    found: list[FieldChange] = []
    _collect(mapping, path, fields, new, found)
    return iter(found)


def _leaves_of(
    value: object, path: Path, fields: Sequence[Field], *, new: bool
) -> Iterator[FieldChange]:
    """A value one side alone has, as its leaves: a non-empty mapping by its keys (an empty
    one, a list or a scalar is one leaf)."""
    if type(value) not in _PLAIN and isinstance(value, Mapping) and value:
        return _leaves(value, path, fields, new=new)
    return iter((FieldChange(path, ABSENT, value) if new else FieldChange(path, value, ABSENT),))


_PLAIN = frozenset({str, int, float, bool, type(None), list})
"""The kinds of value that are one leaf, known without asking whether they are a mapping."""


def _collect(
    mapping: Mapping[str, object],
    path: Path,
    fields: Sequence[Field],
    new: bool,
    found: list[FieldChange],
) -> None:
    """The leaves of ``mapping`` into ``found``, in the order of :func:`_ordered` (no list of
    fields names a key twice: a schema test holds it): an added or removed entity of a large
    register lists hundreds of thousands of them (the changes page after an import), so the
    order comes from the fields' plan, not a sort per mapping."""
    if type(mapping) is not dict:  # its own keys only, whatever its ``in`` says
        mapping = dict(mapping.items())
    place, inner = _plan(fields)
    keys = [key for key in place if key in mapping]
    if len(keys) != len(mapping):
        keys += sorted(key for key in mapping if key not in place)
    for key in keys:
        value = mapping[key]
        here = (*path, key)
        if type(value) not in _PLAIN and isinstance(value, Mapping) and value:
            _collect(value, here, inner.get(key, ()), new, found)
        elif new:
            found.append(FieldChange(here, ABSENT, value))
        else:
            found.append(FieldChange(here, value, ABSENT))


_PLANS: dict[int, tuple[Sequence[Field], dict[str, int], dict[str, tuple[Field, ...]]]] = {}


def _plan(fields: Sequence[Field]) -> tuple[dict[str, int], dict[str, tuple[Field, ...]]]:
    """Where each key of ``fields`` goes (as :func:`_ordered` puts it) and its own fields (as
    :func:`_inner` finds them), worked out once per list of fields (the schema's own)."""
    found = _PLANS.get(id(fields))
    if found is None or found[0] is not fields:
        inner: dict[str, tuple[Field, ...]] = {}
        for f in fields:
            inner.setdefault(f.key, f.fields)
        place = {key: index for index, key in enumerate(inner)}
        found = _PLANS[id(fields)] = (fields, place, inner)
    return found[1], found[2]


def _same(old: object, new: object) -> bool:
    """Equal and of the same kinds: ``true`` is not ``1``, ``1.0`` is not ``1``."""
    return old == new and _kinds_match(old, new)


def _kinds_match(old: object, new: object) -> bool:
    """Whether two equal values have the same types all the way down."""
    if type(old) is not type(new):
        return False
    if isinstance(old, dict):
        return all(_kinds_match(value, new[key]) for key, value in old.items())  # type: ignore[index]
    if isinstance(old, list):
        return all(_kinds_match(a, b) for a, b in zip(old, new, strict=True))  # type: ignore[call-overload]
    return True
