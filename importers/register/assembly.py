"""A register's parsed rows as a chain: rows naming the same supplier, service or certificate
merged into one entity, ids made from names, *Used by* resolved to links, and the chain checked
against the chain format with every problem named by row and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final, TypeVar

from graph.errors import ChainError
from graph.i18n import gettext, ngettext
from graph.model import (
    Chain,
    DateRange,
    Dependency,
    Evidence,
    Kind,
    Scheme,
    SchemeClass,
    Service,
    Supplier,
)
from graph.reasons import scheme_label
from importers.base import ImportResult, Source
from importers.chainfile import dump_plain, load_plain
from importers.layouts import Layout, slug
from importers.register.rows import Row
from importers.register.table import Problems, Table, at, norm, read_table

NEEDS_VALID_UNTIL: Final = frozenset(
    {
        *(s for s in Scheme if s.scheme_class is SchemeClass.MANAGEMENT_SYSTEM),
        Scheme.ZEKER_ONLINE,
        Scheme.EUCS,
    }
)
"""The schemes whose evidence needs an expiry date (*Valid until*)."""

_SUPPLIER_KEYS = ("country", "kvk")
_SERVICE_KEYS = ("kind", "description", "offering", "locations", "personal_data")
_LINK_KEYS = ("used_by", "role", "critical")
_EVIDENCE_KEYS = (
    "certificate",
    "holder",
    "type",
    "period_from",
    "period_to",
    "as_of",
    "issued",
    "valid_until",
    "issuer",
    "version",
    "scope",
    "reference",
)


def _contradicts(value: str, row: int, was: str, what: str) -> str:
    """That a cell's ``value`` contradicts what ``row`` said (``was``) for an entry."""
    return gettext("{value} contradicts row {row} ({was}) for {what}").format(
        value=value, row=row, was=was, what=what
    )


def _show(value: object) -> str:
    """A parsed value as a message shows it."""
    if isinstance(value, Kind | Scheme):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, DateRange):
        return f"{value.start.isoformat()} to {value.end.isoformat()}"
    if isinstance(value, tuple):
        return ", ".join(_show(item) for item in value)
    return str(value)


@dataclass(slots=True)
class _Stated:
    value: object
    row: int


@dataclass(slots=True)
class _Entity:
    name: str
    row: int
    what: str
    fields: dict[str, _Stated] = field(default_factory=dict)
    id: str = ""

    def settle(self, table: Table, problems: Problems, row: int, key: str, value: object) -> None:
        """Take a cell's value, or report that it contradicts an earlier row."""
        if value is None:
            return
        known = self.fields.get(key)
        if known is None:
            self.fields[key] = _Stated(value, row)
        elif known.value != value:
            problems.error(
                at(row, table.heading(key)),
                _contradicts(repr(_show(value)), known.row, repr(_show(known.value)), self.what),
            )

    def get(self, key: str) -> object:
        stated = self.fields.get(key)
        return None if stated is None else stated.value


@dataclass(slots=True)
class _Link:
    consumer_names: tuple[str, ...]
    provider: tuple[str, str]
    row: int
    role: object
    critical: object


@dataclass(slots=True)
class _Piece:
    """One piece of evidence, over the rows that state it."""

    entity: _Entity
    reference: str | None
    holder: str  # supplier key
    covers: list[tuple[str, str]]


def _unique(base: str, taken: set[str]) -> str:
    made = base
    counter = 1
    while made in taken:
        counter += 1
        made = f"{base}-{counter}"
    taken.add(made)
    return made


# Each entity's fields that a register states, by the column that states them (the KvK
# number, one of a supplier's ids, apart): what an import changes of an entity the register
# holds (ADR 50), and where an error in a field is named.
_SUPPLIER_FIELDS: Final = {"name": "supplier", "country": "country"}
_SERVICE_FIELDS: Final = {
    "name": "service",
    "supplier": "supplier",
    "kind": "kind",
    "locations": "locations",
    "personal_data": "personal_data",
    "description": "description",
}
_LINK_FIELDS: Final = {"role": "role", "critical": "critical"}
_EVIDENCE_FIELDS: Final = {
    "scheme": "certificate",
    "holder": "holder",
    "covers": "service",
    "type": "type",
    "period": "period_from",
    "as_of": "as_of",
    "issued": "issued",
    "valid_until": "valid_until",
    "issuer": "issuer",
    "version": "version",
    "scope": "scope",
}

_E = TypeVar("_E", Supplier, Service, Dependency, Evidence)
_K = TypeVar("_K")
_V = TypeVar("_V")


class _Assembler:
    """Builds the chain from a table's rows."""

    def __init__(self, table: Table, problems: Problems, existing: Chain | None) -> None:
        self.table = table
        self.problems = problems
        self.existing = existing or Chain(offerings=())
        self.suppliers: dict[str, _Entity] = {}
        self.services: dict[tuple[str, str], _Entity] = {}
        self.links: list[_Link] = []
        self.pieces: dict[object, _Piece] = {}
        self.where: dict[tuple[str, int, str], tuple[int, str]] = {}
        self.pending_holders: list[tuple[int, str]] = []

    def heading(self, key: str) -> str:
        return self.table.heading(key)

    def filled_without(
        self, row: int, values: Mapping[str, object], keys: Iterable[str], need: str
    ) -> None:
        for key in keys:
            if key in values:
                self.problems.error(
                    at(row, self.heading(key)),
                    gettext("filled, but column {column} is empty").format(
                        column=repr(self.heading(need))
                    ),
                )

    def read_rows(self) -> None:
        for row, values in self.table.rows:
            name = values.get("supplier")
            if not isinstance(name, str):
                self.problems.error(
                    at(row, self.heading("supplier")),
                    gettext("empty; every row names its supplier"),
                )
                continue
            supplier = self.suppliers.setdefault(
                norm(name),
                _Entity(name, row, gettext("supplier {key}").format(key=repr(name))),
            )
            for key in _SUPPLIER_KEYS:
                supplier.settle(self.table, self.problems, row, key, values.get(key))
            service_name = values.get("service")
            if not isinstance(service_name, str):
                self.filled_without(
                    row, values, (*_SERVICE_KEYS, *_LINK_KEYS, *_EVIDENCE_KEYS), "service"
                )
                continue
            service_key = (norm(name), norm(service_name))
            service = self.services.setdefault(
                service_key,
                _Entity(service_name, row, gettext("service {key}").format(key=repr(service_name))),
            )
            for key in _SERVICE_KEYS:
                service.settle(self.table, self.problems, row, key, values.get(key))
            if "used_by" in values:
                names = values["used_by"]
                assert isinstance(names, tuple)  # noqa: S101 - parse_names gives a tuple
                self.links.append(
                    _Link(names, service_key, row, values.get("role"), values.get("critical"))
                )
            else:
                self.filled_without(row, values, ("role", "critical"), "used_by")
            if "certificate" in values:
                self.read_evidence(row, values, service_key)
            else:
                self.filled_without(row, values, _EVIDENCE_KEYS, "certificate")

    def read_evidence(
        self, row: int, values: Mapping[str, object], service_key: tuple[str, str]
    ) -> None:
        problems, heading = self.problems, self.heading
        found = values["certificate"]
        assert isinstance(found, tuple)  # noqa: S101 - parse_scheme gives a pair
        scheme, named_type = found
        assert isinstance(scheme, Scheme)  # noqa: S101
        report_type = values.get("type")
        if named_type is not None and report_type is not None and named_type != report_type:
            problems.error(
                at(row, heading("type")),
                gettext(
                    "type {type} contradicts the certificate {column}, which says type {named}"
                ).format(type=report_type, column=repr(heading("certificate")), named=named_type),
            )
            return
        report_type = report_type if report_type is not None else named_type
        if scheme.scheme_class is not SchemeClass.ASSURANCE_REPORT and report_type is not None:
            if "type" in values:
                problems.warning(
                    at(row, heading("type")),
                    gettext("ignored: the {scheme} has no report type").format(
                        scheme=scheme_label(scheme)
                    ),
                )
            report_type = None
        start, end = values.get("period_from"), values.get("period_to")
        period = None
        if (start is None) != (end is None):
            empty, other = (
                ("period_from", "period_to") if start is None else ("period_to", "period_from")
            )
            problems.error(
                at(row, heading(empty)),
                gettext("empty, but {column} is filled: a period needs both ends").format(
                    column=repr(heading(other))
                ),
            )
            return
        if isinstance(start, date) and isinstance(end, date):
            period = DateRange(start, end)
        ok = self.scheme_rules(row, scheme, report_type, period, values)
        holder_name = values.get("holder")
        holder = service_key[0]
        if isinstance(holder_name, str):
            holder = norm(holder_name)
            if holder not in self.suppliers and not any(
                norm(s.name) == holder or s.id == holder_name
                for s in self.existing.suppliers.values()
            ):
                self.pending_holders.append((row, holder_name))
        if not ok:
            return
        fields: dict[str, object] = {
            "certificate": scheme,
            "type": report_type,
            "period_from": period,
            "as_of": values.get("as_of"),
            "issued": values.get("issued"),
            "valid_until": values.get("valid_until"),
            "issuer": values.get("issuer"),
            "version": values.get("version"),
            "scope": values.get("scope"),
            "holder": holder,
        }
        reference = values.get("reference")
        identity: object = (
            ("reference", reference)
            if isinstance(reference, str)
            else ("cells", tuple(fields.items()))
        )
        piece = self.pieces.get(identity)
        if piece is None:
            what = (
                gettext("certificate {reference}").format(reference=repr(reference))
                if isinstance(reference, str)
                else gettext("certificate")
            )
            entity = _Entity(scheme.label, row, what)
            piece = _Piece(entity, reference if isinstance(reference, str) else None, holder, [])
            self.pieces[identity] = piece
            entity.fields = {key: _Stated(value, row) for key, value in fields.items()}
        else:
            for key, value in fields.items():
                known = piece.entity.fields[key]
                if known.value != value:
                    shown = "" if value is None else _show(value)
                    was = "" if known.value is None else _show(known.value)
                    self.problems.error(
                        at(row, heading(key)),
                        _contradicts(repr(shown), known.row, repr(was), piece.entity.what),
                    )
        if service_key not in piece.covers:
            piece.covers.append(service_key)

    def scheme_rules(
        self,
        row: int,
        scheme: Scheme,
        report_type: object,
        period: DateRange | None,
        values: Mapping[str, object],
    ) -> bool:
        """Whether the row has what its scheme needs; else report the column to fill."""
        problems, heading = self.problems, self.heading
        # a piece the register holds keeps what the file has no column for (ADR 50): its
        # type, period or expiry, where the file leaves out that column, are the register's
        reference = values.get("reference")
        held = self.existing.evidence.get(reference) if isinstance(reference, str) else None
        valid_until = values.get("valid_until")
        stated = self.table.headings
        if held is not None and held.scheme.scheme_class is scheme.scheme_class:
            if "type" not in stated and report_type is None:
                report_type = held.type
            if "period_from" not in stated and period is None:
                period = held.period
            if "valid_until" not in stated:
                valid_until = held.valid_until
        ok = True
        if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT and report_type is None:
            problems.error(
                at(row, heading("type")),
                gettext(
                    "the {scheme} needs its report type: fill column {column} with 1 or 2"
                ).format(scheme=scheme_label(scheme), column=repr(heading("type"))),
            )
            ok = False
        if report_type == 2 and period is None:
            problems.error(
                at(row, heading("period_from")),
                gettext(
                    "a type 2 report needs its tested period: fill columns {start} and {end}"
                ).format(start=repr(heading("period_from")), end=repr(heading("period_to"))),
            )
            ok = False
        if scheme in NEEDS_VALID_UNTIL and valid_until is None:
            problems.error(
                at(row, heading("valid_until")),
                gettext("the {scheme} needs its expiry date: fill column {column}").format(
                    scheme=scheme_label(scheme), column=repr(heading("valid_until"))
                ),
            )
            ok = False
        return ok

    # -- ids --------------------------------------------------------------------------------

    def assign_ids(self) -> None:
        existing = self.existing
        by_name: dict[str, str] = {}
        for known in existing.suppliers.values():
            by_name.setdefault(norm(known.name), known.id)
        taken = set(existing.suppliers)
        for key, supplier in self.suppliers.items():
            if key in by_name:
                supplier.id = by_name[key]
                continue
            base = slug(supplier.name)
            if not base:
                self.problems.error(
                    at(supplier.row, self.heading("supplier")),
                    gettext("{value} has no letter or digit to make an id of").format(
                        value=repr(supplier.name)
                    ),
                )
            supplier.id = _unique(base or "supplier", taken)
        service_by_name: dict[tuple[str, str], str] = {}
        for offered in existing.services.values():
            service_by_name.setdefault((offered.supplier, norm(offered.name)), offered.id)
        taken = set(existing.services)
        for (supplier_key, name_key), service in self.services.items():
            supplier_id = self.suppliers[supplier_key].id
            found = service_by_name.get((supplier_id, name_key))
            if found is not None:
                service.id = found
                continue
            base = slug(service.name)
            if not base:
                self.problems.error(
                    at(service.row, self.heading("service")),
                    gettext("{value} has no letter or digit to make an id of").format(
                        value=repr(service.name)
                    ),
                )
                base = "service"
            if base in taken:
                base = slug(f"{supplier_id}-{service.name}") or base
            service.id = _unique(base, taken)
        taken = {piece.reference for piece in self.pieces.values() if piece.reference}
        for piece in self.pieces.values():
            if piece.reference:
                piece.entity.id = piece.reference
                continue
            holder_id = self.holder_id(piece.holder)
            scheme = piece.entity.get("certificate")
            assert isinstance(scheme, Scheme)  # noqa: S101
            year = next(
                (
                    day.year
                    for day in (
                        getattr(piece.entity.get("period_from"), "end", None),
                        piece.entity.get("valid_until"),
                        piece.entity.get("issued"),
                        piece.entity.get("as_of"),
                    )
                    if isinstance(day, date)
                ),
                None,
            )
            base = f"{holder_id}-{scheme.value}" + ("" if year is None else f"-{year}")
            piece.entity.id = _unique(slug(base) or "evidence", taken)

    def holder_id(self, key: str) -> str:
        if key in self.suppliers:
            return self.suppliers[key].id
        for supplier in self.existing.suppliers.values():
            if norm(supplier.name) == key or supplier.id == key:
                return supplier.id
        return slug(key)

    # -- links --------------------------------------------------------------------------------

    def resolve(self, name: str) -> list[str]:
        """The ids a name in *Used by* may mean: by name, then by id, in the register first."""
        key = norm(name)
        hits = [s.id for (_, name_key), s in self.services.items() if name_key == key]
        if hits:
            return hits
        ids = {s.id for s in self.services.values()}
        if name in ids or name in self.existing.services:
            return [name]
        return [s.id for s in self.existing.services.values() if norm(s.name) == key]

    def consumers(self, link: _Link) -> list[str]:
        found: list[str] = []
        used_by = self.heading("used_by")
        for piece in link.consumer_names:
            parts = [piece]
            hits = [self.resolve(piece)]
            if not hits[0] and "," in piece:
                split = [part.strip() for part in piece.split(",") if part.strip()]
                split_hits = [self.resolve(part) for part in split]
                if all(split_hits):
                    parts, hits = split, split_hits
            for part, ids in zip(parts, hits, strict=True):
                if not ids:
                    names = sorted({s.name for s in self.services.values()})
                    close = [n for n in names if norm(n).startswith(norm(part)[:4])][:3]
                    hint = (
                        gettext("; did you mean {value}?").format(value=repr(close[0]))
                        if close
                        else ""
                    )
                    self.problems.error(
                        at(link.row, used_by),
                        gettext("no service {name} in the register{hint}").format(
                            name=repr(part), hint=hint
                        ),
                    )
                elif len(ids) > 1:
                    self.problems.error(
                        at(link.row, used_by),
                        gettext(
                            "{name} names {count} services ({ids}); write the id of the one meant"
                        ).format(name=repr(part), count=len(ids), ids=", ".join(ids)),
                    )
                elif ids[0] not in found:
                    found.append(ids[0])
        return found

    # -- the chain ------------------------------------------------------------------------------

    def made_suppliers(self) -> dict[str, Supplier]:
        """The rows' suppliers, each over the register's own (:meth:`over`; of its ids, the
        file states the KvK number alone)."""
        suppliers: dict[str, Supplier] = {}
        for index, supplier in enumerate(self.suppliers.values()):
            kvk = supplier.get("kvk")
            country = supplier.get("country")
            held = self.existing.suppliers.get(supplier.id)
            made = self.over(
                held,
                Supplier(
                    id=supplier.id,
                    name=supplier.name,
                    country=country if isinstance(country, str) else None,
                    ids={"kvk": kvk} if isinstance(kvk, str) else {},
                ),
                _SUPPLIER_FIELDS,
            )
            if held is not None and "kvk" in self.table.headings:  # its other ids are kept
                others = {key: value for key, value in held.ids.items() if key != "kvk"}
                made = replace(
                    made, ids={**others, **({"kvk": kvk} if isinstance(kvk, str) else {})}
                )
            suppliers[supplier.id] = made
            self.mark("suppliers", index, supplier, {**_SUPPLIER_FIELDS, "ids": "kvk"})
        return suppliers

    def chain(self) -> Chain:
        problems = self.problems
        for row, name in self.pending_holders:
            if norm(name) not in self.suppliers:
                problems.error(
                    at(row, self.heading("holder")),
                    gettext(
                        "no supplier {name} in the register; add a row with this supplier "
                        "(the service may stay empty)"
                    ).format(name=repr(name)),
                )
        self.assign_ids()
        suppliers = self.made_suppliers()
        services: dict[str, Service] = {}
        offerings: list[str] = []
        for index, ((supplier_key, _), service) in enumerate(self.services.items()):
            kind = service.get("kind")
            if not isinstance(kind, Kind):
                problems.error(
                    at(service.row, self.heading("kind")),
                    gettext("empty: the kind of service {name} (one of: {choices})").format(
                        name=repr(service.name), choices=", ".join(k.value for k in Kind)
                    ),
                )
                kind = Kind.OTHER
            locations = service.get("locations")
            description = service.get("description")
            services[service.id] = self.over(
                self.existing.services.get(service.id),
                Service(
                    id=service.id,
                    name=service.name,
                    supplier=self.suppliers[supplier_key].id,
                    kind=kind,
                    locations=locations if isinstance(locations, tuple) else (),
                    personal_data=service.get("personal_data") is True,
                    description=description if isinstance(description, str) else None,
                ),
                _SERVICE_FIELDS,
            )
            if service.get("offering") is True:
                offerings.append(service.id)
            self.mark("services", index, service, {"id": "service", **_SERVICE_FIELDS})
        dependencies: dict[tuple[str, str], Dependency] = {}
        stated: dict[tuple[str, str], _Link] = {}
        for link in self.links:
            provider = self.services[link.provider].id
            for consumer in self.consumers(link):
                key = (consumer, provider)
                role = link.role if isinstance(link.role, str) else None
                critical = link.critical is True
                earlier = stated.get(key)
                if earlier is not None:
                    before = dependencies[key]
                    if (before.role, before.critical) != (role, critical):
                        problems.error(
                            at(link.row, self.heading("used_by")),
                            gettext(
                                "the link from {consumer} to {provider} contradicts row {row} "
                                "(role or critical differ)"
                            ).format(
                                consumer=repr(consumer), provider=repr(provider), row=earlier.row
                            ),
                        )
                    continue
                stated[key] = link
                index = len(dependencies)
                dependencies[key] = self.over(
                    self.existing.dependencies.get(key),
                    Dependency(consumer, provider, role=role, critical=critical),
                    _LINK_FIELDS,
                )
                for path_key, column in (("from", "used_by"), ("to", "service"), ("role", "role")):
                    self.where[("dependencies", index, path_key)] = (
                        link.row,
                        self.heading(column),
                    )
                self.where[("dependencies", index, "")] = (link.row, self.heading("used_by"))
        evidence: dict[str, Evidence] = {}
        for index, piece in enumerate(self.pieces.values()):
            entity = piece.entity

            def value(key: str, entity: _Entity = entity) -> object:
                return entity.get(key)

            scheme = value("certificate")
            report_type = value("type")
            period = value("period_from")
            assert isinstance(scheme, Scheme)  # noqa: S101
            evidence[entity.id] = self.over_evidence(
                Evidence(
                    id=entity.id,
                    scheme=scheme,
                    holder=self.holder_id(piece.holder),
                    covers=tuple(self.services[key].id for key in piece.covers),
                    type=report_type if isinstance(report_type, int) else None,
                    period=period if isinstance(period, DateRange) else None,
                    as_of=_day(value("as_of")),
                    issued=_day(value("issued")),
                    valid_until=_day(value("valid_until")),
                    issuer=_text(value("issuer")),
                    version=_text(value("version")),
                    scope=_text(value("scope")),
                )
            )
            self.mark("evidence", index, entity, {"id": "reference", **_EVIDENCE_FIELDS})
        return Chain(
            offerings=tuple(offerings),
            suppliers=suppliers,
            services=services,
            dependencies=dependencies,
            evidence=evidence,
        )

    def over_evidence(self, made: Evidence) -> Evidence:
        """A piece of evidence over the register's own (:meth:`over`): the services it covers
        are the register's and the rows' (a file that names some of them leaves the others
        covered: a file adds and changes, it removes nothing); a piece whose scheme is of
        another class (a report that is now a certificate) is what its rows say, without the
        fields of its former kind (a bridge letter, exceptions, a report type)."""
        held = self.existing.evidence.get(made.id)
        if held is None or held.scheme.scheme_class is not made.scheme.scheme_class:
            return made
        kept = self.over(held, made, _EVIDENCE_FIELDS)
        return replace(kept, covers=tuple(dict.fromkeys((*held.covers, *made.covers))))

    def over(self, held: _E | None, made: _E, stated: Mapping[str, str]) -> _E:
        """``made``, for an entity the register does not hold; else the register's ``held``
        with the fields the file states: those of ``stated`` (field -> column) whose column
        the file has. A register holds more than its columns (a parent company, a bridge
        letter, why a link is out of scope): a file of rows changes what it says and keeps
        the rest, so that the register's own export imports back changing nothing."""
        if held is None:
            return made
        return replace(
            held,
            **{
                name: getattr(made, name)
                for name, column in stated.items()
                if column in self.table.headings
            },
        )

    def mark(self, section: str, index: int, entity: _Entity, paths: Mapping[str, str]) -> None:
        """Remember which row and column each field of an entity came from."""
        self.where[(section, index, "")] = (entity.row, "")
        for path_key, column in paths.items():
            stated = entity.fields.get(column)
            row = entity.row if stated is None else stated.row
            self.where[(section, index, path_key)] = (row, self.heading(column))


def _day(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


_PATH = re.compile(r"(suppliers|services|dependencies|evidence)\[([0-9]+)\](?:\.([a-z_]+))?")


def _check(chain: Chain, assembler: _Assembler, source: Source) -> None:
    """Check the chain against the contract, naming row and column of whatever it finds.

    The rest of the existing register is lent to the check, after the rows' entities (whose
    places the errors name), so that references to it resolve: the rows' consumers and
    holders, and what an entity keeps of the register (a parent company, a report's
    sub-services).
    """
    existing = assembler.existing

    def lent(section: Mapping[_K, _V], held: Mapping[_K, _V]) -> dict[_K, _V]:
        return {**section, **{key: value for key, value in held.items() if key not in section}}

    whole = replace(
        chain,
        offerings=tuple(dict.fromkeys((*chain.offerings, *existing.offerings))) or ("-",),
        suppliers=lent(chain.suppliers, existing.suppliers),
        services=lent(chain.services, existing.services),
        dependencies=lent(chain.dependencies, existing.dependencies),
        evidence=lent(chain.evidence, existing.evidence),
    )
    try:
        load_plain(dump_plain(whole), source=source.filename)
    except ChainError as err:
        for issue in err.issues:
            if issue.path.startswith("offerings") and not chain.offerings:
                continue
            found = _PATH.match(issue.path)
            where = issue.path
            if found:
                section, index, key = found.group(1), int(found.group(2)), found.group(3) or ""
                place = assembler.where.get((section, index, key)) or assembler.where.get(
                    (section, index, "")
                )
                if place is not None:
                    where = at(place[0], place[1] or None)
            assembler.problems.error(where, issue.message)


def _nothing(table: Table, chain: Chain, problems: Problems) -> None:
    """The error of a register that names no service: what its rows hold instead (every row
    names its supplier, or is an error of its own)."""
    service = repr(table.heading("service"))
    if not table.rows:
        problems.error(
            "",
            gettext("the register has its heading row and no row under it; fill a row per service"),
        )
        return
    names = [supplier.name for supplier in chain.suppliers.values()]
    shown = ", ".join(map(repr, names[:3])) + (", ..." if len(names) > 3 else "")
    problems.error(
        "",
        ngettext(
            "the register names no service: its {rows} row names only {suppliers} ({shown}); "
            "fill the column {column}",
            "the register names no service: its {rows} rows name only {suppliers} ({shown}); "
            "fill the column {column}",
            len(table.rows),
        ).format(
            rows=len(table.rows),
            suppliers=ngettext("{count} supplier", "{count} suppliers", len(names)).format(
                count=len(names)
            ),
            shown=shown,
            column=service,
        ),
    )


def read_chain(layout: Layout, rows: Sequence[Row], source: Source) -> ImportResult:
    """The chain ``rows`` declare in ``layout``, or no entities and every problem found."""
    problems = Problems()
    table = read_table(layout, rows, problems)
    if table is None or problems.failed:
        return ImportResult(Chain(offerings=()), tuple(problems.issues), filename=source.filename)
    assembler = _Assembler(table, problems, source.existing)
    assembler.read_rows()
    chain = assembler.chain()
    if not problems.failed and not chain.services and not chain.evidence:
        _nothing(table, chain, problems)
    if not problems.failed:
        _check(chain, assembler, source)
    if problems.failed:
        return ImportResult(Chain(offerings=()), tuple(problems.issues), filename=source.filename)
    return ImportResult(chain, tuple(problems.issues), filename=source.filename)
