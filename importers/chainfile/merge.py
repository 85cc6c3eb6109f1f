"""Several files: merge by id, then check references on the merged chain."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from graph.errors import ChainError, Issue
from graph.model import (
    Chain,
)
from importers.chainfile.messages import did_you_mean, path_text, quote
from importers.chainfile.reader import Part
from importers.chainfile.yaml12 import line_at

_E = TypeVar("_E", bound=enum.Enum)
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


# ---------------------------------------------------------------------------------------------
# Several files: merge by id, then check references on the merged chain.


def _merge_section(
    parts: Sequence[Part],
    section: str,
    get: Callable[[Part], tuple[Mapping[_K, _V], Mapping[_K, int]]],
    what: Callable[[_K], str],
    issues: list[Issue],
) -> tuple[dict[_K, _V], dict[_K, int]]:
    """Merge one section of every part by key; return it and the part index owning each key."""
    first_entities, _ = get(parts[0])
    merged: dict[_K, _V] = dict(first_entities)
    owner: dict[_K, int] = {}
    for number, part in enumerate(parts[1:], start=1):
        entities, at = get(part)
        for key, entity in entities.items():
            have = merged.get(key)
            if have is None:
                merged[key] = entity
                owner[key] = number
            elif have != entity:
                first = parts[owner.get(key, 0)]
                first_line = line_at(first.root, (section, get(first)[1][key]))
                place = first.file + ("" if first_line is None else f":{first_line}")
                differs = [
                    name.name
                    for name in dataclasses.fields(cast(Any, entity))
                    if getattr(entity, name.name) != getattr(have, name.name)
                ]
                issues.append(
                    Issue(
                        f"{section}[{at[key]}]",
                        f"{what(key)} conflicts with its definition in {place} "
                        f"(differs in: {', '.join(differs)})",
                        part.file,
                        line_at(part.root, (section, at[key])),
                    )
                )
    return merged, owner


@dataclass(slots=True)
class Merged:
    chain: Chain
    supplier_owner: dict[str, int]
    service_owner: dict[str, int]
    dependency_owner: dict[tuple[str, str], int]
    evidence_owner: dict[str, int]


def merge(parts: Sequence[Part], issues: list[Issue]) -> Merged:
    """Merge the parts by id; conflicting definitions are reported into ``issues``."""
    suppliers, supplier_owner = _merge_section(
        parts,
        "suppliers",
        lambda p: (p.suppliers, p.supplier_at),
        lambda key: f"supplier {quote(key)}",
        issues,
    )
    services, service_owner = _merge_section(
        parts,
        "services",
        lambda p: (p.services, p.service_at),
        lambda key: f"service {quote(key)}",
        issues,
    )
    dependencies, dependency_owner = _merge_section(
        parts,
        "dependencies",
        lambda p: (p.dependencies, p.dependency_at),
        lambda key: f"the link from {quote(key[0])} to {quote(key[1])}",
        issues,
    )
    evidence, evidence_owner = _merge_section(
        parts,
        "evidence",
        lambda p: (p.evidence, p.evidence_at),
        lambda key: f"evidence {quote(key)}",
        issues,
    )
    profiles, _ = _merge_section(
        parts,
        "profiles",
        lambda p: (p.profiles, p.profile_at),
        lambda key: f"profile {quote(key)}",
        issues,
    )
    first = parts[0]
    chain = Chain(
        offerings=first.offerings,
        suppliers=suppliers,
        services=services,
        dependencies=dependencies,
        evidence=evidence,
        profiles=profiles,
        title=first.title,
        extra=first.extra,
    )
    return Merged(chain, supplier_owner, service_owner, dependency_owner, evidence_owner)


class _Hints:
    """'Did you mean' hints for unknown references, within a budget of comparisons."""

    def __init__(self, budget: int = 100_000) -> None:
        self.budget = budget

    def __call__(self, word: str, choices: Mapping[str, object]) -> str:
        if len(choices) > self.budget:
            return ""
        self.budget -= len(choices)
        return did_you_mean(word, list(choices))


def check_references(parts: Sequence[Part], merged: Merged, issues: list[Issue]) -> None:
    """Report references to unknown suppliers/services and supplier parent cycles."""
    chain = merged.chain
    if len(parts) == 1:
        known_suppliers: Mapping[str, int] = parts[0].supplier_at
        known_services: Mapping[str, int] = parts[0].service_at
    else:
        known_suppliers, known_services = {}, {}
        for part in parts:
            known_suppliers.update(part.supplier_at)
            known_services.update(part.service_at)
    hint = _Hints()

    def report(owner: int, at: Sequence[str | int], message: str) -> None:
        part = parts[owner]
        issues.append(Issue(path_text(at), message, part.file, line_at(part.root, at)))

    def unknown_supplier(name: str) -> str:
        return f"unknown supplier {quote(name)}{hint(name, known_suppliers)}"

    def unknown_service(name: str) -> str:
        return f"unknown service {quote(name)}{hint(name, known_services)}"

    for number, part in enumerate(parts):
        for index, offering in enumerate(part.offerings):
            if type(offering) is str and offering not in known_services:
                report(number, ("offerings", index), unknown_service(offering))
    for sid, supplier in chain.suppliers.items():
        if supplier.parent is not None and supplier.parent not in known_suppliers:
            owner = merged.supplier_owner.get(sid, 0)
            at = ("suppliers", parts[owner].supplier_at[sid], "parent")
            report(owner, at, unknown_supplier(supplier.parent))
    for sid, service in chain.services.items():
        if service.supplier not in known_suppliers:
            owner = merged.service_owner.get(sid, 0)
            at = ("services", parts[owner].service_at[sid], "supplier")
            report(owner, at, unknown_supplier(service.supplier))
    for link in chain.dependencies:
        consumer, provider = link
        if consumer not in known_services or provider not in known_services:
            owner = merged.dependency_owner.get(link, 0)
            index = parts[owner].dependency_at[link]
            if consumer not in known_services:
                report(owner, ("dependencies", index, "from"), unknown_service(consumer))
            if provider not in known_services:
                report(owner, ("dependencies", index, "to"), unknown_service(provider))
    is_service = known_services.__contains__
    for eid, evidence in chain.evidence.items():
        subservices = evidence.subservices
        if (
            evidence.holder in known_suppliers
            and all(map(is_service, evidence.covers))
            and all(map(is_service, subservices.carved_out))
            and all(map(is_service, subservices.included))
        ):
            continue  # nothing to report; the loops below say where
        owner = merged.evidence_owner.get(eid, 0)
        index = parts[owner].evidence_at[eid]
        if evidence.holder not in known_suppliers:
            report(owner, ("evidence", index, "holder"), unknown_supplier(evidence.holder))
        for place, services in (
            (("evidence", index, "covers"), evidence.covers),
            (("evidence", index, "subservices", "carved_out"), evidence.subservices.carved_out),
            (("evidence", index, "subservices", "included"), evidence.subservices.included),
        ):
            for position, name in enumerate(services):
                if name not in known_services:
                    report(owner, (*place, position), unknown_service(name))
    for part in parts:
        for to_service, name, path, line in part.loose:
            if to_service and name not in known_services:
                issues.append(Issue(path, unknown_service(name), part.file, line))
            elif not to_service and name not in known_suppliers:
                issues.append(Issue(path, unknown_supplier(name), part.file, line))
    _check_parent_cycles(parts, merged, report)


def _check_parent_cycles(
    parts: Sequence[Part],
    merged: Merged,
    report: Callable[[int, Sequence[str | int], str], None],
) -> None:
    suppliers = merged.chain.suppliers
    done: set[str] = set()
    for start in suppliers:
        walk: list[str] = []
        on_walk: set[str] = set()
        name: str | None = start
        while name is not None and name in suppliers and name not in done:
            if name in on_walk:
                cycle = [*walk[walk.index(name) :], name]
                owner = merged.supplier_owner.get(name, 0)
                at = ("suppliers", parts[owner].supplier_at[name], "parent")
                report(owner, at, "the parents of suppliers form a cycle: " + " -> ".join(cycle))
                break
            walk.append(name)
            on_walk.add(name)
            name = suppliers[name].parent
        done.update(walk)


def part_of(chain: Chain, file: str) -> Part:
    """A part made from a :class:`Chain` (positions in its dicts stand for list indexes)."""
    return Part(
        file,
        None,
        offerings=chain.offerings,
        title=chain.title,
        extra=dict(chain.extra),
        suppliers=dict(chain.suppliers),
        services=dict(chain.services),
        dependencies=dict(chain.dependencies),
        evidence=dict(chain.evidence),
        profiles=dict(chain.profiles),
        supplier_at={key: index for index, key in enumerate(chain.suppliers)},
        service_at={key: index for index, key in enumerate(chain.services)},
        dependency_at={key: index for index, key in enumerate(chain.dependencies)},
        evidence_at={key: index for index, key in enumerate(chain.evidence)},
        profile_at={key: index for index, key in enumerate(chain.profiles)},
    )


def raise_if(issues: list[Issue], files: Sequence[str]) -> None:
    """Raise a ChainError with ``issues`` in file order, then line order (when any)."""
    if not issues:
        return
    order: dict[str | None, int] = {}
    for number, name in enumerate(files):
        order.setdefault(name, number)
    issues.sort(key=lambda issue: (order.get(issue.file, 0), issue.line or 0))
    raise ChainError(issues)
