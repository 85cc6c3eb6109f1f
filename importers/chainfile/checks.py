"""Every field's check, made once from :mod:`graph.schema`: a plainly valid value in, its model
value out.

For each field :func:`accept_of` makes an *accept* function: it takes the value as parsed and
returns the value the model holds (a ``date`` for a date, a ``Kind`` for a kind, a ``DateRange``
for a period...), or :data:`BAD` for anything it does not plainly accept: a wrong type, an
unknown choice, a broken rule inside a nested mapping, an ``x-`` key inside one. It reports
nothing. A :class:`Plan` joins the checks of a section's fields into one function, ``quick``,
made once from the schema with the common checks written out in place. The reader
(:mod:`~importers.chainfile.reader`) checks a whole entry with it first; only an entry it does
not accept is read again field by field, where each field that fails says why, with its path
and line. The rules that join fields of an entry are the reader's.

>>> plan = SECTION_PLANS["services"]
>>> plan.quick({"id": "app", "name": "App", "supplier": "me", "kind": "saas"}).kind
<Kind.SAAS: 'saas'>
>>> plan.quick({"id": "app", "name": "App", "supplier": "me", "kind": "sass"}) is None
True
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any, Final

from graph.model import (
    Accreditation,
    BridgeLetter,
    Cuec,
    DateRange,
    Dependency,
    Document,
    Evidence,
    Profile,
    ReportException,
    Service,
    SubserviceMethod,
    Subservices,
    Supplier,
)
from graph.profiles import BUILTIN_PROFILES
from graph.schema import SECTIONS, Field, Section
from importers.chainfile.contract import (
    ASSURANCES,
    DATE_RE,
    ID_RE,
    KINDS,
    MANAGEMENT_SYSTEM_SCHEMES,
    METHODS,
    OPINIONS,
    QUALIFICATIONS,
    SCHEMES,
    VERIFICATIONS,
)
from importers.chainfile.countries import COUNTRIES
from importers.chainfile.yaml12 import YSeq

BAD: Final = object()
"""What an accept function returns for a value it does not plainly accept."""

MISSING: Final = object()
"""The value of a required key that is absent (an entry holding it is not accepted)."""

Accept = Callable[[Any], Any]

# The models of the sections, and of the nested mappings (by key), built from the accepted values.
MODELS: Mapping[str, type] = {
    "suppliers": Supplier,
    "services": Service,
    "dependencies": Dependency,
    "evidence": Evidence,
    "profiles": Profile,
}
_NESTED_MODELS: Mapping[str, type] = {
    "period": DateRange,
    "bridge_letter": BridgeLetter,
    "accreditation": Accreditation,
    "exceptions": ReportException,
    "subservices": Subservices,
    "cuecs": Cuec,
    "document": Document,
}
# The enumerations of the choice fields, by key.
CHOICES: Mapping[str, Mapping[str, enum.Enum]] = {
    "kind": KINDS,
    "scheme": SCHEMES,
    "issuer_qualification": QUALIFICATIONS,
    "assurance": ASSURANCES,
    "opinion": OPINIONS,
    "method": METHODS,
    "verification": VERIFICATIONS,
    "accept_as_equivalent": MANAGEMENT_SYSTEM_SCHEMES,
}
_LISTS = (list, YSeq)
_ONLY_STR = frozenset({str})


_DAYS: dict[str, date] = {}  # the dates read, by their text (most dates repeat)
_MOST_DAYS = 100_000


def parse_day(text: str) -> date | None:
    """The date ``text`` writes as YYYY-MM-DD; ``None`` when it is not one."""
    day = _DAYS.get(text)
    if day is not None:
        return day
    if not DATE_RE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    if len(_DAYS) < _MOST_DAYS:
        _DAYS[text] = day
    return day


@lru_cache(maxsize=4096)
def date_range(start: date, end: date) -> DateRange:
    """``DateRange(start, end)``, one object for equal ranges (most periods repeat)."""
    return DateRange(start, end)


@lru_cache(maxsize=4096)
def _cuec(cuec_id: str, text: str | None, addressed: bool) -> Cuec:
    return Cuec(cuec_id, text, addressed)  # one object for equal CUECs (they repeat)


# -- accept functions of single values ----------------------------------------------------------


def _ident(value: Any) -> Any:
    return value if type(value) is str and ID_RE.fullmatch(value) else BAD


def _required_text(value: Any) -> Any:
    return value if type(value) is str and value.strip() else BAD


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else BAD


def _country(value: Any) -> Any:
    return value if value is None or (type(value) is str and value in COUNTRIES) else BAD


def _countries(value: Any) -> Any:
    if value is None:
        return ()
    try:
        if type(value) in _LISTS and COUNTRIES.issuperset(value):
            return tuple(value)
    except TypeError:  # an unhashable item
        pass
    return BAD


def _strings(value: Any) -> Any:
    if value is None:
        return ()
    if type(value) in _LISTS and _ONLY_STR.issuperset(map(type, value)):
        return tuple(value)
    return BAD


def _required_strings(value: Any) -> Any:
    strings = BAD if value is None else _strings(value)
    return strings if strings else BAD  # at least one: () is not accepted


def _count(value: Any) -> Any:
    return value if value is None or (type(value) is int and value >= 0) else BAD


def _day(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is str:
        day = parse_day(value)
        if day is not None:
            return day
    return BAD


def _required_day(value: Any) -> Any:
    return BAD if value is None else _day(value)


def _flag(default: object) -> Accept:
    def accept(value: Any) -> Any:
        if value is None:
            return default
        return value if value is True or value is False else BAD

    return accept


def _choice(table: Mapping[str, object], default: object) -> Accept:
    with_default: dict[str | None, object] = {None: default}
    with_default.update(table)

    def accept(value: Any) -> Any:
        if value is None or type(value) is str:
            return with_default.get(value, BAD)
        return BAD

    return accept


def _choices(table: Mapping[str, object]) -> Accept:
    def accept(value: Any) -> Any:
        if value is None:
            return ()
        if type(value) not in _LISTS:
            return BAD
        out = []
        for item in value:
            member = table.get(item) if type(item) is str else None
            if member is None:
                return BAD
            out.append(member)
        return tuple(out)

    return accept


# -- fields whose check is not their type's alone -----------------------------------------------


def _report_type(value: Any) -> Any:
    return value if value is None or (type(value) is int and value in (1, 2)) else BAD


def _link_locations(value: Any) -> Any:
    locations = _countries(value)
    return locations or None  # a dependency's empty locations: the provider's, as absent


def _profile_id(value: Any) -> Any:
    ident = _ident(value)
    return BAD if ident is BAD or ident in BUILTIN_PROFILES else ident


def _extends(value: Any) -> Any:
    return value if type(value) is str and value in BUILTIN_PROFILES else BAD


_SPECIAL: Mapping[tuple[str, str], Accept] = {
    ("evidence", "type"): _report_type,
    ("dependencies", "locations"): _link_locations,
    ("profiles", "id"): _profile_id,
    ("profiles", "extends"): _extends,
}

# -- nested mappings: each accepted as a whole, with the rules inside it -------------------------


def _period_broken(plan: Plan) -> Callable[[tuple[Any, ...]], bool]:
    start, end = plan.index["from"], plan.index["to"]
    return lambda values: values[start] > values[end]  # from after to


def _subservices_broken(plan: Plan) -> Callable[[tuple[Any, ...]], bool]:
    method, carved_out, included = (plan.index[key] for key in ("method", "carved_out", "included"))
    none = SubserviceMethod.NONE
    return lambda values: values[method] is none and bool(values[carved_out] or values[included])


_NESTED_RULES: Mapping[str, Callable[[Plan], Callable[[tuple[Any, ...]], bool]]] = {
    "period": _period_broken,
    "bridge_letter": _period_broken,
    "subservices": _subservices_broken,
}


def _builder(plan: Plan) -> Callable[..., Any]:
    """How the model value of a nested mapping is made from its values (in the schema's order)."""
    model = plan.model
    if model is None:  # ids, contact: text by key, in the schema's order
        keys = plan.keys
        return lambda *values: {
            key: text for key, text in zip(keys, values, strict=True) if text is not None
        }
    if model is DateRange:
        return date_range
    if model is Cuec:
        return _cuec
    if [spec.name for spec in dataclasses.fields(model)][: len(plan.keys)] == list(plan.attributes):
        return model  # by position
    attributes = plan.attributes
    return lambda *values: model(**dict(zip(attributes, values, strict=True)))


def _nested(f: Field) -> tuple[Accept, object]:
    """The accept function of a mapping or rows field, and the value ``null`` means for it."""
    plan = Plan(f.fields, _NESTED_MODELS.get(f.key), f.key)
    broken = _NESTED_RULES[f.key](plan) if f.key in _NESTED_RULES else None
    build, quick = _builder(plan), plan.quick

    def mapping(value: Any) -> Any:
        if not isinstance(value, dict):
            return BAD
        values = quick(value)
        if values is None or (broken is not None and broken(values)):
            return BAD
        return build(*values)

    if f.type == "rows":

        def rows(value: Any) -> Any:
            if value is None:
                return ()
            if type(value) not in _LISTS:
                return BAD
            out = []
            for item in value:
                row = mapping(item)
                if row is BAD:
                    return BAD
                out.append(row)
            return tuple(out)

        return rows, ()
    if plan.model is None:
        return (lambda value: {} if value is None else mapping(value)), {}
    null = Subservices() if plan.model is Subservices else None
    return (lambda value: null if value is None else mapping(value)), null


def accept_of(f: Field, section: str) -> Accept:
    """The accept function of field ``f`` of ``section`` (or of a nested mapping's key)."""
    special = _SPECIAL.get((section, f.key))
    if special is not None:
        return special
    if f.nested:
        return _nested(f)[0]
    kind = f.type
    if kind == "id":
        return _ident
    if kind in ("text", "ref"):
        return _required_text if f.required else _text
    if kind == "country":
        return _country
    if kind == "countries":
        return _countries
    if kind in ("texts", "refs"):
        return _required_strings if f.required else _strings
    if kind == "int":
        return _count
    if kind == "date":
        return _required_day if f.required else _day
    if kind == "bool":
        return _flag(BAD if f.required else f.default)
    table = CHOICES[f.key]
    if kind == "choices":
        return _choices(table)
    if f.required:
        return _choice(table, BAD)
    return _choice(table, None if f.default is None else table[str(f.default)])


class Plan:
    """How the entries of a section (or the values of a nested mapping) are accepted.

    :attr:`quick` is made once, from the fields, as the source of one function (shown by
    :attr:`source`): the common checks written out in place (a text, an id, a flag, a choice,
    a date, a country code), the others by their accept function. Absent keys take the value
    of the model's default. It returns ``None`` unless every key is known and every value
    plainly valid; else the model values as a tuple in the schema's order (:attr:`index` gives
    the position of each key), or, for the entry of a section (``entity``), its entity.
    """

    __slots__ = (
        "absent",
        "allowed",
        "attributes",
        "fields",
        "index",
        "keys",
        "model",
        "quick",
        "source",
    )

    def __init__(
        self, fields: tuple[Field, ...], model: type | None, section: str, *, entity: bool = False
    ) -> None:
        self.fields = fields
        self.model = model
        self.keys = tuple(f.key for f in fields)
        self.allowed = frozenset(self.keys)
        self.attributes = tuple(f.attribute for f in fields)
        defaults: dict[str, object] = {}
        if model is not None:
            for spec in dataclasses.fields(model):
                if spec.default is not dataclasses.MISSING:
                    defaults[spec.name] = spec.default
                elif spec.default_factory is not dataclasses.MISSING:
                    defaults[spec.name] = spec.default_factory()
        self.absent = {f.key: MISSING if f.required else defaults.get(f.attribute) for f in fields}
        self.index = {key: position for position, key in enumerate(self.keys)}
        self.source, self.quick = self._compile(section, entity=entity)

    def _compile(self, section: str, *, entity: bool) -> tuple[str, Callable[[Any], Any]]:
        space: dict[str, Any] = {
            "BAD": BAD,
            "ABSENT": _ABSENT,
            "allowed": self.allowed.issuperset,
            "id_match": ID_RE.fullmatch,
            "parse_day": parse_day,
            "days": _DAYS.get,
            "COUNTRIES": COUNTRIES,
            "LISTS": _LISTS,
            "only_str": _ONLY_STR.issuperset,
        }
        lines = [
            "def quick(m):",
            "    if not allowed(m):",  # an unknown or x- key
            "        return None",
            "    get = m.get",
        ]
        for i, f in enumerate(self.fields):
            v, key, absent = f"v{i}", repr(f.key), self.absent[f.key]
            space[f"d{i}"] = absent
            kind: str = f.type
            if (
                (section, f.key) in _SPECIAL
                or f.nested
                or kind in ("countries", "int", "choices")
                or (kind == "bool" and f.required)
            ):
                kind = "accept"  # by its accept function
            if kind == "id":
                lines += [
                    f"    {v} = get({key})",
                    f"    if type({v}) is not str or not id_match({v}):",
                    "        return None",
                ]
            elif kind in ("text", "ref") and f.required:
                lines += [
                    f"    {v} = get({key})",
                    f"    if type({v}) is not str or not {v}.strip():",
                    "        return None",
                ]
            elif kind in ("text", "ref"):
                lines += [
                    f"    {v} = get({key})",
                    f"    if {v} is not None and type({v}) is not str:",
                    "        return None",
                ]
            elif kind in ("texts", "refs") and f.required:  # at least one
                lines += [
                    f"    {v} = get({key})",
                    f"    if type({v}) in LISTS and {v} and only_str(map(type, {v})):",
                    f"        {v} = tuple({v})",
                    "    else:",
                    "        return None",
                ]
            elif kind in ("texts", "refs"):
                lines += [
                    f"    {v} = get({key}, ABSENT)",
                    f"    if {v} is ABSENT:",
                    f"        {v} = d{i}",
                    f"    elif {v} is None:",
                    f"        {v} = ()",
                    f"    elif type({v}) in LISTS and only_str(map(type, {v})):",
                    f"        {v} = tuple({v})",
                    "    else:",
                    "        return None",
                ]
            elif kind == "country":
                lines += [
                    f"    {v} = get({key})",
                    f"    if {v} is not None and (type({v}) is not str or {v} not in COUNTRIES):",
                    "        return None",
                ]
            elif kind == "date" and f.required:
                lines += [
                    f"    {v} = get({key})",
                    f"    {v} = (days({v}) or parse_day({v})) if type({v}) is str else None",
                    f"    if {v} is None:",
                    "        return None",
                ]
            elif kind == "date":
                lines += [
                    f"    {v} = get({key})",
                    f"    if {v} is not None:",
                    f"        {v} = (days({v}) or parse_day({v})) if type({v}) is str else None",
                    f"        if {v} is None:",
                    "            return None",
                ]
            elif kind == "bool" and f.default is None:
                lines += [
                    f"    {v} = get({key})",
                    f"    if {v} is not None and {v} is not True and {v} is not False:",
                    "        return None",
                ]
            elif kind == "bool":
                lines += [
                    f"    {v} = get({key})",
                    f"    if {v} is None:",
                    f"        {v} = d{i}",
                    f"    elif {v} is not True and {v} is not False:",
                    "        return None",
                ]
            elif kind == "choice":
                table = CHOICES[f.key]
                space[f"t{i}"] = table
                if not f.required:
                    space[f"d{i}"] = None if f.default is None else table[str(f.default)]
                lines += [
                    f"    {v} = get({key})",
                    f"    if {v} is None:",
                    "        return None" if f.required else f"        {v} = d{i}",
                    "    else:",
                    f"        {v} = t{i}.get({v}) if type({v}) is str else None",
                    f"        if {v} is None:",
                    "            return None",
                ]
            else:  # by its accept function
                space[f"a{i}"] = accept_of(f, section)
                if f.required:
                    on_absent = "return None"
                elif type(absent) is dict:
                    on_absent = f"{v} = {{}}"  # each entry its own (a supplier's ids, contact)
                else:
                    on_absent = f"{v} = d{i}"
                lines += [
                    f"    {v} = get({key}, ABSENT)",
                    f"    if {v} is ABSENT:",
                    f"        {on_absent}",
                    "    else:",
                    f"        {v} = a{i}({v})",
                    f"        if {v} is BAD:",
                    "            return None",
                ]
        values = "".join(f"v{i}, " for i in range(len(self.fields)))
        if entity:  # the entity itself, with no x- keys
            space["model"] = self.model
            lines.append(f"    return model({values}{{}})")
        else:
            lines.append(f"    return ({values})")
        source = "\n".join(lines) + "\n"
        exec(source, space)  # noqa: S102 - our own text, made from graph.schema
        return source, space["quick"]


_ABSENT: Final = object()


def _section_plan(section: Section) -> Plan:
    plan = Plan(section.fields, MODELS[section.name], section.name, entity=True)
    model_order = [spec.name for spec in dataclasses.fields(plan.model or object)]
    if model_order != [*(f.attribute for f in section.fields), "extra"]:  # pragma: no cover
        raise RuntimeError(f"graph.schema's {section.name} are not in the order of the model")
    key_at = [plan.index[key] for key in section.key]
    if key_at != list(range(len(section.key))):  # pragma: no cover
        raise RuntimeError(f"the key of {section.name} is not its first field(s)")
    return plan


SECTION_PLANS: Mapping[str, Plan] = {name: _section_plan(s) for name, s in SECTIONS.items()}
"""The plan of every section: its ``quick`` gives the entity of a plainly valid entry."""
