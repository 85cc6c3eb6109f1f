"""Several files: merge by id, then check references on the merged chain."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain as chain_items
from operator import attrgetter
from typing import Any, cast

from graph.errors import ChainError, Issue
from graph.i18n import N_, gettext
from graph.model import (
    Chain,
)
from graph.schema import SECTIONS, Field
from importers.chainfile.contract import entry_name
from importers.chainfile.messages import did_you_mean, path_text, quote
from importers.chainfile.reader import Part
from importers.chainfile.yaml12 import line_at

# ---------------------------------------------------------------------------------------------
# Several files: merge by id, then check references on the merged chain.


def _merge_section(parts: Sequence[Part], section: str, issues: list[Issue]) -> tuple[Any, Any]:
    """Merge one section of every part by key; return it and the part index owning each key."""
    merged: dict[Any, Any] = dict(parts[0].entries[section])
    owner: dict[Any, int] = {}
    for number, part in enumerate(parts[1:], start=1):
        at = part.at[section]
        for key, entity in part.entries[section].items():
            have = merged.get(key)
            if have is None:
                merged[key] = entity
                owner[key] = number
            elif have != entity:
                first = parts[owner.get(key, 0)]
                first_line = line_at(first.root, (section, first.at[section][key]))
                place = first.file + ("" if first_line is None else f":{first_line}")
                differs = [
                    name.name
                    for name in dataclasses.fields(entity)
                    if getattr(entity, name.name) != getattr(have, name.name)
                ]
                issues.append(
                    Issue(
                        f"{section}[{at[key]}]",
                        gettext(
                            "{entry} conflicts with its definition in {place} "
                            "(differs in: {fields})"
                        ).format(
                            entry=_entry_name(section, key), place=place, fields=", ".join(differs)
                        ),
                        part.file,
                        line_at(part.root, (section, at[key])),
                    )
                )
    return merged, owner


def _entry_name(section: str, key: object) -> str:
    """How a message names the entry: :func:`importers.chainfile.contract.entry_name` in the
    context's language."""
    if section == "dependencies":
        consumer, provider = cast("tuple[str, str]", key)
        return gettext("the link from {consumer} to {provider}").format(
            consumer=quote(consumer), provider=quote(provider)
        )
    sentence = _ENTRY.get(section)
    if sentence is None:  # pragma: no cover - every keyed section has its name
        return entry_name(section, key)
    return gettext(sentence).format(key=quote(cast("str", key)))


# How a message names an entry, and an unknown id, a sentence per section (Dutch names each
# kind with its own article and adjective ending).
_ENTRY = {
    "suppliers": N_("supplier {key}"),
    "services": N_("service {key}"),
    "evidence": N_("evidence {key}"),
    "profiles": N_("profile {key}"),
}
_UNKNOWN = {
    "suppliers": N_("unknown supplier {name}{hint}"),
    "services": N_("unknown service {name}{hint}"),
}


def unknown_reference(refers: str, name: str, hint: str) -> str:
    """That ``name`` names no entry of ``refers`` (``hint`` a 'did you mean' or nothing).

    >>> unknown_reference("services", "ap", "; did you mean 'app'?")
    "unknown service 'ap'; did you mean 'app'?"
    """
    sentence = _UNKNOWN.get(refers)
    if sentence is None:  # pragma: no cover - references name suppliers and services only
        return f"unknown {SECTIONS[refers].singular} {quote(name)}{hint}"
    return gettext(sentence).format(name=quote(name), hint=hint)


@dataclass(slots=True)
class Merged:
    """The merged chain, and for each section the part that defines each key (when not the
    first)."""

    chain: Chain
    owners: dict[str, dict[Any, int]]


def merge_parts(parts: Sequence[Part], issues: list[Issue]) -> Merged:
    """Merge the parts by id; conflicting definitions are reported into ``issues``."""
    sections: dict[str, Any] = {}
    owners: dict[str, dict[Any, int]] = {}
    for name in SECTIONS:
        sections[name], owners[name] = _merge_section(parts, name, issues)
    first = parts[0]
    chain = Chain(offerings=first.offerings, title=first.title, extra=first.extra, **sections)
    return Merged(chain, owners)


class Hints:
    """'Did you mean' hints for unknown references, within a budget of comparisons.

    Every hint is charged to the budget, but the same word among the same choices (the same
    object, not changed between calls) is compared once: an id removed from a big register
    and named by many entries costs one search, not one per entry.
    """

    def __init__(self, budget: int = 100_000) -> None:
        self.budget = budget
        self.said: dict[tuple[str, int], str] = {}

    def __call__(self, word: str, choices: Collection[str]) -> str:
        if len(choices) > self.budget:
            return ""
        self.budget -= len(choices)
        key = (word, id(choices))
        if key not in self.said:
            self.said[key] = did_you_mean(word, list(choices))
        return self.said[key]


def _attributes(fields: tuple[Field, ...], keys: tuple[str, ...]) -> list[str]:
    """The model attributes along a path of keys."""
    out = []
    for key in keys:
        field = next(f for f in fields if f.key == key)
        out.append(field.attribute)
        fields = field.fields
    return out


# Per section, each field that names entries of another section, from graph.schema: (the path
# of keys inside an entry, how to get its value from the entity, whether it is a list of ids,
# the section it names).
ENTITY_REFERENCES: dict[
    str, tuple[tuple[tuple[str, ...], Callable[[Any], Any], bool, str], ...]
] = {
    name: tuple(
        (
            keys,
            attrgetter(".".join(_attributes(section.fields, keys))),
            field.type == "refs",
            field.refers or "",
        )
        for keys, field in section.references
    )
    for name, section in SECTIONS.items()
}


def check_references(parts: Sequence[Part], merged: Merged, issues: list[Issue]) -> None:
    """Report references to unknown suppliers/services and supplier parent cycles."""
    chain = merged.chain
    known: dict[str | None, Mapping[Any, int]]
    if len(parts) == 1:
        known = {name: parts[0].at[name] for name in SECTIONS}
    else:
        known = {name: {} for name in SECTIONS}
        for part in parts:
            for name in SECTIONS:
                cast("dict[Any, int]", known[name]).update(part.at[name])
    hint = Hints()

    def report(owner: int, at: Sequence[str | int], message: str) -> None:
        part = parts[owner]
        issues.append(Issue(path_text(at), message, part.file, line_at(part.root, at)))

    def unknown(refers: str | None, name: str) -> str:
        return unknown_reference(refers or "", name, hint(name, known[refers]))

    for number, part in enumerate(parts):
        for index, offering in enumerate(part.offerings):
            if type(offering) is str and offering not in known["services"]:
                report(number, ("offerings", index), unknown("services", offering))
    for section, references in ENTITY_REFERENCES.items():
        if not references:
            continue
        entities = getattr(chain, section)
        if _all_known(entities, section, known):
            continue  # nothing to report in this section
        owners = merged.owners[section]
        for key, entity in entities.items():
            if all(
                all(map(known[refers].__contains__, get(entity)))
                if many
                else get(entity) is None or get(entity) in known[refers]
                for _, get, many, refers in references
            ):
                continue  # nothing to report; the loop below says where
            owner = owners.get(key, 0)
            index = parts[owner].at[section][key]
            for keys, get, many, refers in references:
                value = get(entity)
                place: tuple[str | int, ...] = (section, index, *keys)
                if not many:
                    if value is not None and value not in known[refers]:
                        report(owner, place, unknown(refers, value))
                    continue
                for position, name in enumerate(value):
                    if name not in known[refers]:
                        report(owner, (*place, position), unknown(refers, name))
    for part in parts:
        for to_service, name, path, line in part.loose:
            refers = "services" if to_service else "suppliers"
            if name not in known[refers]:
                issues.append(Issue(path, unknown(refers, name), part.file, line))
    _check_parent_cycles(parts, merged, report)


def _all_known(
    entities: Mapping[Any, Any], section: str, known: Mapping[str | None, Mapping[Any, int]]
) -> bool:
    """Whether every id the entities of ``section`` name is known (one pass per kind of
    reference: the single ids naming one section together, then each list of ids)."""
    values = entities.values()
    for refers, get, several, optional in _SINGLE_REFERENCES[section]:
        named: Iterable[Any] = map(get, values)
        if several:
            named = chain_items.from_iterable(named)
        if optional:
            named = (name for name in named if name is not None)
        if not all(map(known[refers].__contains__, named)):
            return False
    for refers, get in _LIST_REFERENCES[section]:
        named = chain_items.from_iterable(map(get, values))
        if not all(map(known[refers].__contains__, named)):
            return False
    return True


def _single_references(section: str) -> tuple[tuple[str, Any, bool, bool], ...]:
    """The single-id references of ``section``, grouped by the section they name: (that
    section, a getter of their ids, whether it gets several, whether an id may be absent)."""
    by_target: dict[str, list[tuple[str, ...]]] = {}
    for keys, field in SECTIONS[section].references:
        if field.type == "ref":
            by_target.setdefault(field.refers or "", []).append(keys)
    out = []
    for refers, paths in by_target.items():
        dotted = [".".join(_attributes(SECTIONS[section].fields, keys)) for keys in paths]
        optional = any(
            not SECTIONS[section].field(keys[0]).required or len(keys) > 1 for keys in paths
        )
        out.append((refers, attrgetter(*dotted), len(dotted) > 1, optional))
    return tuple(out)


_SINGLE_REFERENCES = {name: _single_references(name) for name in SECTIONS}
_LIST_REFERENCES = {
    name: tuple((refers, get) for _, get, many, refers in references if many)
    for name, references in ENTITY_REFERENCES.items()
}


def _check_parent_cycles(
    parts: Sequence[Part],
    merged: Merged,
    report: Callable[[int, Sequence[str | int], str], None],
) -> None:
    for name, message in parent_cycles(
        {key: supplier.parent for key, supplier in merged.chain.suppliers.items()}
    ):
        owner = merged.owners["suppliers"].get(name, 0)
        report(owner, ("suppliers", parts[owner].at["suppliers"][name], "parent"), message)


def parent_cycles(parents: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """The cycles of parents among suppliers: for each, the supplier where the walk from the
    first supplier (in order) that leads into it comes back, and the message.

    >>> parent_cycles({"a": None, "b": "c", "c": "b", "d": "d"})
    [('b', 'the parents of suppliers form a cycle: b -> c -> b'), \
('d', 'the parents of suppliers form a cycle: d -> d')]
    """
    found: list[tuple[str, str]] = []
    done: set[str] = set()
    for start in parents:
        walk: list[str] = []
        on_walk: set[str] = set()
        name: str | None = start
        while name is not None and name in parents and name not in done:
            if name in on_walk:
                cycle = [*walk[walk.index(name) :], name]
                message = gettext("the parents of suppliers form a cycle: {cycle}")
                found.append((name, message.format(cycle=" -> ".join(cycle))))
                break
            walk.append(name)
            on_walk.add(name)
            name = parents[name]
        done.update(walk)
    return found


def part_of(chain: Chain, file: str) -> Part:
    """A part made from a :class:`Chain` (positions in its dicts stand for list indexes)."""
    part = Part(file, None, offerings=chain.offerings, title=chain.title, extra=dict(chain.extra))
    for name in SECTIONS:
        entities = getattr(chain, name)
        part.entries[name] = dict(entities)
        part.at[name] = {key: index for index, key in enumerate(entities)}
    return part


def raise_if(issues: list[Issue], files: Sequence[str]) -> None:
    """Raise a ChainError with ``issues`` in file order, then line order (when any)."""
    if not issues:
        return
    order: dict[str | None, int] = {}
    for number, name in enumerate(files):
        order.setdefault(name, number)
    issues.sort(key=lambda issue: (order.get(issue.file, 0), issue.line or 0))
    raise ChainError(issues)
