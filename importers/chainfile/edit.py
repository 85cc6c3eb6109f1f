"""One change to a valid register, checked by what it can break ([ADR 26]).

:func:`importers.chainfile.load_plain` validates a whole document. A service that keeps a
register valid and changes one entity at a time need not read all of it: when the register
before the change passes ``load_plain`` (a register being built may lack its offerings), the
problems of the register after the change are exactly

- the entity's own: its fields and the rules that join them (the reader on the entity alone),
  and every id it names that the register does not hold;
- for a supplier that gets a parent: a cycle of parents through it;
- for an entity removed: every reference to it from the rest of the register.

Uniqueness is the caller's: an id (or a dependency's ``from`` and ``to``) the register holds
already is refused before this check, and an update keeps its id.

:func:`check_write` and :func:`check_delete` give those problems with the paths, messages and
order that ``load_plain`` gives for the whole register after the change. They ask the register
only what they need, through :class:`Register`: whether the ids the entity names exist, the
parents up from a supplier's new parent, the entries that may name a removed id; and, only to
describe a problem, the ids of a section (for the "did you mean" hints) and the places of
entries.

[ADR 26]: docs/adr/0026-incremental-write-validation.md
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from graph.errors import Issue
from graph.schema import SECTIONS
from importers.chainfile.contract import REFERENCES
from importers.chainfile.merge import ENTITY_REFERENCES, Hints, parent_cycles, unknown_reference
from importers.chainfile.messages import path_text
from importers.chainfile.reader import Reader

__all__ = ["Entry", "Register", "check_delete", "check_write", "read_entry"]


class Register(Protocol):
    """What the checks of one change ask of the register as it is before the change."""

    def missing(self, section: str, keys: Collection[str]) -> set[str]:
        """Those of ``keys`` that no entry of ``section`` has."""

    def parent(self, supplier: str) -> str | None:
        """The parent of a supplier of the register (``None``: none, or no such supplier)."""

    def naming(self, section: str, key: str) -> list[dict[str, Any]]:
        """The bodies of the entries of ``section``, in register order, that may name ``key``
        (more is fine: the check looks at each)."""

    def keys(self, section: str) -> list[str]:
        """The id of every entry of ``section``, in register order (for hints only)."""

    def index(self, section: str, body: dict[str, Any] | None) -> int:
        """The place in ``section`` of the entry with this body's key; with ``None``, the
        number of entries (the place of one added at the end)."""

    def parents(self) -> list[tuple[str, str | None]]:
        """Every supplier and its parent, in register order (to describe a cycle only)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One entity as the reader takes it, alone: what it needs of no register."""

    section: str
    body: dict[str, Any]
    key: Any
    """Its key as the reader reads it (its id, a dependency's ``(from, to)``); ``None`` when
    it has none that the reader can use."""
    entity: Any
    """The entity when the reader accepts the entry, else ``None``."""
    issues: tuple[Issue, ...]
    """Its problems of fields and rules, with paths under ``section[0]``."""
    loose: tuple[tuple[str, str, str], ...]
    """For a rejected entry, the ids it names: (section named, id, path under
    ``section[0]``)."""


def read_entry(section: str, body: dict[str, Any], *, source: str = "<data>") -> Entry:
    """Read one entity of ``section`` as the chain reader reads it in a document.

    >>> entry = read_entry("suppliers", {"id": "acme", "name": "Acme", "country": "nl"})
    >>> entry.key, entry.entity, [i.path for i in entry.issues]
    ('acme', None, ['suppliers[0].country'])
    """
    reader = Reader(source)
    root: dict[str, object] = {section: [body]}
    reader.odd_text(root)
    seen: dict[Any, int] = {}
    entities = reader.section(root, section, seen)
    key = next(iter(seen), None)
    loose = tuple(
        ("services" if to_service else "suppliers", name, path)
        for to_service, name, path, _ in reader.loose
    )
    return Entry(section, body, key, entities.get(key), tuple(reader.issues), loose)


def check_write(
    register: Register,
    entry: Entry,
    *,
    before: dict[str, Any] | None,
    source: str = "<data>",
) -> list[Issue]:
    """The problems of the register after ``entry`` is added (``before`` is ``None``) or
    replaces the entry of its key whose body was ``before``.

    >>> reg = Plain({"suppliers": [{"id": "acme", "name": "Acme"}], "services": []})
    >>> entry = read_entry("services", {"id": "app", "name": "App", "supplier": "acmee",
    ...                                "kind": "saas"})
    >>> [(i.path, i.message) for i in check_write(reg, entry, before=None)]
    [('services[0].supplier', "unknown supplier 'acmee'; did you mean 'acme'?")]
    """
    section, hints = entry.section, _Described(register, source)
    found = [_placed(issue, section, hints.place(section, before)) for issue in entry.issues]
    named = list(_named_by(entry))
    own = entry.key if section != "dependencies" else None
    unknown: dict[str, set[str]] = {}
    for refers, names in _grouped(named).items():
        if refers == section:
            names.discard(own)  # an entry may name itself (and a cycle is reported below)
        unknown[refers] = register.missing(refers, names) if names else set()
    for refers, name, path in named:
        if name in unknown[refers]:
            place = path.replace(f"{section}[0]", f"{section}[{hints.place(section, before)}]", 1)
            added = [own] if before is None and refers == section and own is not None else []
            found.append(Issue(place, hints.unknown(refers, name, added=added), source))
    if section == "suppliers" and entry.entity is not None and not unknown.get("suppliers"):
        found.extend(_cycle(register, entry, before, hints, source))
    return found


def check_delete(
    register: Register, section: str, body: dict[str, Any], *, source: str = "<data>"
) -> list[Issue]:
    """The problems of the register after the entry of ``section`` with ``body`` is removed
    (a service removed is also no longer an offering): every reference to it.

    >>> reg = Plain({"suppliers": [{"id": "acme", "name": "Acme"}, {"id": "acne", "name": "N"}],
    ...              "services": [{"id": "app", "name": "App", "supplier": "acme",
    ...                            "kind": "saas"}]})
    >>> [(i.path, i.message) for i in check_delete(reg, "suppliers", {"id": "acme"})]
    [('services[0].supplier', "unknown supplier 'acme'; did you mean 'acne'?")]
    """
    if section == "dependencies":
        return []  # nothing names a link
    key = body["id"]
    hints = _Described(register, source, removed=(section, key))
    found: list[Issue] = []
    gone: int | None = None  # the place of the removed entry, for those after it in its section
    for referring, other, hits in _naming(register, section, key):
        index = register.index(referring, other)
        if referring == section:
            gone = register.index(section, body) if gone is None else gone
            index -= index > gone
        for path, position in hits:
            at = (referring, index, *path, *(() if position is None else (position,)))
            found.append(Issue(path_text(at), hints.unknown(section, key), source))
    return found


def referrers(register: Register, section: str, key: str) -> list[tuple[str, str, str]]:
    """The entries that name the entry ``key`` of ``section``, in the reader's order: (their
    section, their key, the field that names it), a dependency's key as ``from/to``; what a
    person needs to know of a delete :func:`check_delete` refuses.

    >>> reg = Plain({"suppliers": [{"id": "acme", "name": "Acme"}],
    ...              "services": [{"id": "app", "name": "App", "supplier": "acme",
    ...                            "kind": "saas"}]})
    >>> referrers(reg, "suppliers", "acme")
    [('services', 'app', 'supplier')]
    """
    return [
        (
            referring,
            f"{other['from']}/{other['to']}" if referring == "dependencies" else str(other["id"]),
            ".".join(path),
        )
        for referring, other, hits in _naming(register, section, key)
        for path in dict.fromkeys(path for path, _ in hits)
    ]


def _naming(
    register: Register, section: str, key: str
) -> Iterator[tuple[str, dict[str, Any], list[tuple[tuple[str, ...], int | None]]]]:
    """Each entry that names ``key`` of ``section``: its section, its body, and where it
    names it (path of keys, place in a list or ``None``)."""
    for referring in _REFERRING[section]:
        for other in register.naming(referring, key):
            hits = [
                (path, position)
                for refers, path, position, name in _names_in(referring, other)
                if refers == section and name == key
            ]
            if hits:
                yield referring, other, hits


# --- the pieces -------------------------------------------------------------------------------

# The sections whose entries name entries of each section, in the order of the reader.
_REFERRING: dict[str, tuple[str, ...]] = {
    target: tuple(
        name
        for name, references in ENTITY_REFERENCES.items()
        if any(refers == target for *_, refers in references)
    )
    for target in SECTIONS
}


class _Described:
    """What describing a problem needs, asked of the register once, when first needed: the
    places of entries and the ids of a section (for "did you mean"), within the reader's
    budget of hints."""

    def __init__(
        self, register: Register, source: str, removed: tuple[str, str] | None = None
    ) -> None:
        self.register, self.source, self.removed = register, source, removed
        self.hint = Hints()
        self.ids: dict[str, list[str]] = {}
        self.places: dict[str, int] = {}

    def place(self, section: str, before: dict[str, Any] | None) -> int:
        if section not in self.places:
            self.places[section] = self.register.index(section, before)
        return self.places[section]

    def unknown(self, refers: str, name: str, *, added: Collection[str] = ()) -> str:
        """The message of an unknown id, as the reader words it (with the ids ``added`` by
        the change, and without the one it removes)."""
        if refers not in self.ids:
            ids = self.register.keys(refers)
            if self.removed is not None and self.removed[0] == refers:
                ids = [k for k in ids if k != self.removed[1]]
            self.ids[refers] = [*ids, *added]  # one change adds the same ids every time
        choices = self.ids[refers]
        return unknown_reference(refers, name, self.hint(name, choices))


def _placed(issue: Issue, section: str, index: int) -> Issue:
    """The issue at the entry's place in its section rather than at ``section[0]``."""
    head = f"{section}[0]"
    if index == 0 or not issue.path.startswith(head):
        return issue
    return replace(issue, path=f"{section}[{index}]" + issue.path[len(head) :])


def _named_by(entry: Entry) -> Iterator[tuple[str, str, str]]:
    """The ids an entry names, in the reader's order: (section named, id, path under
    ``section[0]``)."""
    if entry.entity is None:
        yield from entry.loose
        return
    for keys, get, many, refers in ENTITY_REFERENCES[entry.section]:
        value = get(entry.entity)
        place: tuple[str | int, ...] = (entry.section, 0, *keys)
        if not many:
            if value is not None:
                yield refers, value, path_text(place)
            continue
        for position, name in enumerate(value):
            yield refers, name, path_text((*place, position))


def _grouped(named: list[tuple[str, str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for refers, name, _ in named:
        out.setdefault(refers, set()).add(name)
    return out


def _names_in(
    section: str, body: dict[str, Any]
) -> Iterator[tuple[str, tuple[str, ...], int | None, str]]:
    """The ids the body of a valid entry names: (section named, path of keys, place in a
    list or ``None``, id), in the reader's order."""
    for keys, to_service in REFERENCES[section]:
        value: Any = body
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        refers = "services" if to_service else "suppliers"
        if isinstance(value, str):
            yield refers, keys, None, value
        elif isinstance(value, list):
            for position, name in enumerate(value):
                yield refers, keys, position, name


def _cycle(
    register: Register,
    entry: Entry,
    before: dict[str, Any] | None,
    hints: _Described,
    source: str,
) -> list[Issue]:
    """The cycle of parents a supplier's new parent makes, as the reader reports it."""
    key, parent = entry.key, entry.entity.parent
    if parent is None or (before is not None and before.get("parent") == parent):
        return []  # a valid register has no cycle, and only a new parent can make one
    if before is None and parent != key:
        return []  # nothing names a new supplier: only naming itself makes a cycle
    name: str | None = parent
    walked: set[str] = set()
    while name is not None and name != key and name not in walked:
        walked.add(name)
        name = register.parent(name)
    if name != key:
        return []
    order = register.parents()
    parents = dict(order)
    parents[key] = parent  # in its place when it was there, else at the end
    places = {name: index for index, name in enumerate(parents)}
    return [
        Issue(f"suppliers[{places[at]}].parent", message, source)
        for at, message in parent_cycles(parents)
    ]


# --- a register in memory, for the examples and the tests ---------------------------------------


class Plain:
    """A :class:`Register` over a plain chain document (each section a list of bodies)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def _section(self, section: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.document.get(section) or []
        return found

    def _key(self, section: str, body: dict[str, Any]) -> Any:
        return (body["from"], body["to"]) if section == "dependencies" else body["id"]

    def missing(self, section: str, keys: Collection[str]) -> set[str]:
        have = {self._key(section, body) for body in self._section(section)}
        return {key for key in keys if key not in have}

    def parent(self, supplier: str) -> str | None:
        for body in self._section("suppliers"):
            if body["id"] == supplier:
                found: str | None = body.get("parent")
                return found
        return None

    def naming(self, section: str, key: str) -> list[dict[str, Any]]:
        return list(self._section(section))

    def keys(self, section: str) -> list[str]:
        return [str(self._key(section, body)) for body in self._section(section)]

    def index(self, section: str, body: dict[str, Any] | None) -> int:
        bodies = self._section(section)
        if body is None:
            return len(bodies)
        key = self._key(section, body)
        return next(i for i, b in enumerate(bodies) if self._key(section, b) == key)

    def parents(self) -> list[tuple[str, str | None]]:
        return [(body["id"], body.get("parent")) for body in self._section("suppliers")]
