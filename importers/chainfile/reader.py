"""One file's values -> checked entities."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any, TypeVar, cast

from graph.errors import Issue
from graph.i18n import N_, gettext
from graph.model import (
    FORMAT_VERSION,
    Accreditation,
    BridgeLetter,
    Cuec,
    DateRange,
    Dependency,
    Document,
    Evidence,
    Profile,
    ReportException,
    Scheme,
    SubserviceMethod,
    Subservices,
)
from graph.profiles import BUILTIN_PROFILES
from graph.schema import SECTIONS, Field
from importers.chainfile.checks import CHOICES, SECTION_PLANS, Plan, parse_day
from importers.chainfile.contract import (
    ACCREDITATION_KEYS,
    ACCREDITATION_SET,
    ASSURANCE_REPORTS,
    BRIDGE_KEYS,
    BRIDGE_SET,
    CONTACT_KEYS,
    CONTACT_SET,
    CUEC_KEYS,
    CUEC_SET,
    DATE_RE,
    DOCUMENT_KEYS,
    DOCUMENT_SET,
    EXCEPTION_KEYS,
    EXCEPTION_SET,
    ID_RE,
    ID_RULE,
    IDS_KEYS,
    IDS_SET,
    MANAGEMENT_SYSTEM_SCHEMES,
    METHODS,
    NEEDS_VALID_UNTIL,
    NO_SUBSERVICES,
    PERIOD_KEYS,
    PERIOD_SET,
    PROFILE_FILE_KEYS,
    REFERENCES,
    SCHEMES,
    SUBSERVICES_KEYS,
    SUBSERVICES_SET,
    TOP_KEYS,
    TOP_SET,
    entry_name,
    reported_on,
)
from importers.chainfile.countries import COUNTRIES, COUNTRY_HINTS
from importers.chainfile.messages import (
    SURROGATE,
    describe,
    did_you_mean,
    escape_char,
    join_path,
    may_hold_surrogate,
    one_of,
    quote,
    surrogate_message,
)
from importers.chainfile.yaml12 import NOTHING, YSeq, line_of, parse_file, source_text

_E = TypeVar("_E", bound=enum.Enum)
_Map = dict[str, object]

# What a value should have been, as :meth:`_Reader.wrong` names it (translated there).
_EXPECTED = frozenset(
    {
        N_("a mapping"),
        N_("a string"),
        N_("a string (a service id)"),
        N_("true or false"),
        N_("a whole number of 0 or more"),
        N_("a date written YYYY-MM-DD"),
        N_("a list"),
        N_("a country code such as NL"),
        N_("the report type 1 or 2"),
        N_("a scheme id"),
    }
)
_DATE_ERRORS = frozenset(
    {
        N_("day is out of range for month"),
        N_("month must be in 1..12"),
        N_("year 0 is out of range"),
    }
)
"""Why ``date.fromisoformat`` refuses a date of the right shape (Python's words)."""
_ID_RULE = N_(
    "ids are lower case letters, digits, '.', '_' and '-', starting with a letter or digit"
)
"""contract.ID_RULE, marked for the catalog (a test holds the two to the same text)."""

# "X is defined twice", a sentence per section (Dutch names each kind with its own article).
_DEFINED_TWICE = {
    "suppliers": N_("supplier {key} is defined twice (first at {place})"),
    "services": N_("service {key} is defined twice (first at {place})"),
    "evidence": N_("evidence {key} is defined twice (first at {place})"),
    "profiles": N_("profile {key} is defined twice (first at {place})"),
}


def _x_keys(m: object) -> dict[str, object]:
    """The ``x-`` keys of a nested mapping, kept as they are (its other keys are checked)."""
    if not isinstance(m, dict):
        return {}
    return {k: _plain(v) for k, v in m.items() if isinstance(k, str) and k.startswith("x-")}


def _plain(value: object) -> object:
    """A copy of a parsed value with plain ``dict`` and ``list`` (for ``x-`` values)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------


def _by_section() -> dict[str, dict[Any, Any]]:
    return {name: {} for name in SECTIONS}


@dataclass(slots=True)
class Part:
    """One file's entities, with where each came from (list index by id) for messages."""

    file: str
    root: object  # the parsed values, for line numbers; None when built from a Chain
    offerings: tuple[str, ...] = ()
    title: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    # per section: the entities by key, and the list index of each key, also for entries that
    # were rejected (so that no reference to them is reported as unknown on top of their own
    # problem)
    entries: dict[str, dict[Any, Any]] = field(default_factory=_by_section)
    at: dict[str, dict[Any, int]] = field(default_factory=_by_section)
    loose: list[tuple[bool, str, str, int | None]] = field(default_factory=list)


class Reader:
    """Checks the values of one file against the contract and builds its entities.

    Each entry of a section is read by the checks :mod:`~importers.chainfile.checks` made from
    the schema; an entry they do not plainly accept is read again field by field, in the order
    of the schema, where every field that fails reports why. The rules that join fields
    (:data:`graph.schema.RULES`) are checked on the values either way.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []
        # references made by entries that were rejected, checked once the files are merged:
        # (to a service?, the id, path, line)
        self.loose: list[tuple[bool, str, str, int | None]] = []
        # whether the text read may hold a lone surrogate: only a surrogate's escape makes one
        # from UTF-8 text (parse() looks); a document handed over as objects may hold any,
        # unless its giver looked at the text it was parsed from (load_plain's ``surrogates``)
        self.escaped = True

    # -- reporting ------------------------------------------------------------------------

    def err(
        self, path: str, message: str, where: object = None, key: str | int | None = None
    ) -> None:
        self.issues.append(Issue(path, message, self.file, line_of(where, key)))

    def report(self, path: str, message: str, line: int | None) -> None:
        self.issues.append(Issue(path, message, self.file, line))

    def wrong(
        self,
        m: object,
        key: str | int,
        path: str,
        expected: str,
        value: object,
        *,
        choices: Sequence[str] | None = None,
    ) -> None:
        """Report a value of the wrong type at ``m[key]``: ``expected`` is one of
        :data:`_EXPECTED` (in English), ``choices`` the strings it may be."""
        shown = gettext(expected) if expected in _EXPECTED else expected
        if choices is not None:
            shown = gettext("{expected}, {choices}").format(expected=shown, choices=one_of(choices))
        message = gettext("expected {expected}, got {value}").format(
            expected=shown, value=describe(value)
        )
        if expected.startswith("a string") and (isinstance(value, int | float) or value is None):
            if value is not None:
                text = source_text(m, key) or json.dumps(value)
                message += gettext("; quote it: {text}").format(text=json.dumps(text))
        elif expected.startswith("true or false") and isinstance(value, str):
            message += gettext(" (only true and false are booleans)")
        self.err(join_path(path, key), message, m, key)

    # -- parsing ----------------------------------------------------------------------------

    def parse(self, data: bytes, max_bytes: int) -> object:
        """Decode and parse ``data``; ``NOTHING`` when that fails (the reason is reported)."""
        root = parse_file(data, max_bytes, self.report)  # refuses a file over the limit first
        self.escaped = root is not NOTHING and may_hold_surrogate(data)
        return root

    # -- mappings and fields ------------------------------------------------------------------

    def closed(
        self, m: _Map, allowed: frozenset[str], order: Sequence[str], path: str, *, keep: bool
    ) -> dict[str, object]:
        """Report unknown keys of ``m``; return its ``x-`` keys (when ``keep``) in file order."""
        if allowed.issuperset(m):
            return {}
        odd = m.keys() - allowed
        extra: dict[str, object] = {}
        for key in m:
            if key in odd:
                if key.startswith("x-"):
                    if keep:
                        extra[key] = _plain(m[key])
                else:
                    hint = did_you_mean(key, order)
                    message = gettext("unknown field {key}").format(key=quote(key)) + hint
                    if not hint:
                        message += gettext(" ({choices}, or an x- key)").format(
                            choices=one_of(order)
                        )
                    self.err(join_path(path, key), message, m, key)
        return extra

    def mapping(self, m: _Map, key: str, path: str) -> _Map | None:
        value = m.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.wrong(m, key, path, "a mapping", value)
        return None

    def string(self, m: _Map, key: str, path: str, *, required: bool = False) -> str | None:
        value = m.get(key)
        if value is None and not required:
            return None
        if type(value) is str:
            if required and not value.strip():
                self.err(join_path(path, key), gettext("required, and must not be empty"), m, key)
                return None
            return value
        if value is None:
            if required:
                self.missing(m, key, path)
            return None
        self.wrong(m, key, path, "a string", value)
        return None

    def missing(self, m: _Map, key: str, path: str) -> None:
        if key in m:
            self.err(join_path(path, key), gettext("required, but the value is empty"), m, key)
        else:
            self.err(join_path(path, key), gettext("required field is missing"), m)

    def ident(self, m: _Map, key: str, path: str) -> str | None:
        """A required id of a supplier, service, evidence or profile."""
        value = self.string(m, key, path, required=True)
        if value is None or ID_RE.fullmatch(value):
            return value
        hint = ""
        if ID_RE.fullmatch(value.lower()):
            hint = gettext("; did you mean {value}?").format(value=quote(value.lower()))
        rule = gettext(_ID_RULE) if ID_RULE == _ID_RULE else ID_RULE
        message = gettext("invalid id {value}: {rule}").format(value=quote(value), rule=rule)
        self.err(join_path(path, key), message + hint, m, key)
        return None

    def flag(self, m: _Map, key: str, path: str, default: bool) -> bool:
        value = m.get(key)
        if value is True or value is False:
            return value
        if value is not None:
            self.wrong(m, key, path, "true or false", value)
        return default

    def maybe_flag(self, m: _Map, key: str, path: str) -> bool | None:
        value = m.get(key)
        if value is None or value is True or value is False:
            return value
        self.wrong(m, key, path, "true or false", value)
        return None

    def count(self, m: _Map, key: str, path: str) -> int | None:
        """An optional non-negative whole number."""
        value = m.get(key)
        if value is None:
            return None
        if type(value) is int and value >= 0:
            return value
        self.wrong(m, key, path, "a whole number of 0 or more", value)
        return None

    def choice(
        self,
        m: _Map,
        key: str,
        path: str,
        table: Mapping[str, _E],
        *,
        required: bool = False,
    ) -> _E | None:
        value = m.get(key)
        if type(value) is str:
            member = table.get(value)
            if member is not None:
                return member
            choices = list(table)
            message = gettext("unknown {field} {value}{hint} ({choices})").format(
                field=key,
                value=quote(value),
                hint=did_you_mean(value, choices),
                choices=one_of(choices),
            )
            self.err(join_path(path, key), message, m, key)
            return None
        if value is None:
            if required:
                self.missing(m, key, path)
            return None
        self.wrong(m, key, path, "a string", value, choices=list(table))
        return None

    def day(self, m: _Map, key: str, path: str, *, required: bool = False) -> date | None:
        value = m.get(key)
        if type(value) is str:
            known = parse_day(value)
            if known is not None:
                return known
        if type(value) is str and DATE_RE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError as err:
                reason = str(err)
                message = gettext("{value} is not a calendar date ({error})").format(
                    value=quote(value),
                    error=gettext(reason) if reason in _DATE_ERRORS else reason,
                )
                self.err(join_path(path, key), message, m, key)
                return None
        if value is None:
            if required:
                self.missing(m, key, path)
            return None
        self.wrong(m, key, path, "a date written YYYY-MM-DD", value)
        return None

    def items(self, m: _Map, key: str, path: str) -> list[object] | None:
        """A list value; ``None`` when absent, empty or not a list (then reported)."""
        value = m.get(key)
        if isinstance(value, list):
            return value
        if value is not None:
            self.wrong(m, key, path, "a list", value)
        return None

    def strings(self, m: _Map, key: str, path: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if type(value) is list or type(value) is YSeq:
            for item in value:
                if type(item) is not str:
                    break
            else:
                return tuple(value)  # every item is a str
        value = self.items(m, key, path)
        if not value:
            return ()
        for index, item in enumerate(value):
            if type(item) is not str:
                self.wrong(value, index, join_path(path, key), "a string", item)
        return cast("tuple[str, ...]", tuple(value))  # used only when nothing was reported

    def countries(self, m: _Map, key: str, path: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if type(value) is list or type(value) is YSeq:
            try:
                if COUNTRIES.issuperset(value):
                    return tuple(value)  # every item is a country code
            except TypeError:  # an unhashable item, reported below
                pass
        value = self.items(m, key, path)
        if not value:
            return ()
        for index, item in enumerate(value):
            if type(item) is not str or item not in COUNTRIES:
                self.bad_country(value, index, join_path(path, key), item)
        return cast("tuple[str, ...]", tuple(value))  # used only when nothing was reported

    def country(self, m: _Map, key: str, path: str) -> str | None:
        value = m.get(key)
        if value is None or (type(value) is str and value in COUNTRIES):
            return value
        self.bad_country(m, key, path, value)
        return None

    def bad_country(self, where: object, key: str | int, path: str, value: object) -> None:
        if type(value) is not str:
            self.wrong(where, key, path, "a country code such as NL", value)
            return
        code = value.strip().upper()
        if code in COUNTRY_HINTS:
            message = gettext("{value} is not an ISO 3166-1 country code; write {hint}").format(
                value=quote(value), hint=quote(COUNTRY_HINTS[code])
            )
        elif code in COUNTRIES:
            message = gettext("country codes are upper case: write {code}, not {value}").format(
                code=quote(code), value=quote(value)
            )
        else:
            message = gettext(
                "unknown country code {value} (ISO 3166-1 alpha-2, such as NL or DE)"
            ).format(value=quote(value))
        self.err(join_path(path, key), message, where, key)

    def sub_mapping(
        self, m: _Map, key: str, path: str, allowed: frozenset[str], order: Sequence[str]
    ) -> tuple[_Map, str] | None:
        """A nested mapping (``period``, ``accreditation``...), closed; its ``x-`` keys pass."""
        value = self.mapping(m, key, path)
        if value is None:
            return None
        sub_path = join_path(path, key)
        self.closed(value, allowed, order, sub_path, keep=False)
        return value, sub_path

    def list_of_mappings(self, m: _Map, key: str, path: str) -> list[tuple[_Map, str]]:
        value = self.items(m, key, path)
        if not value:
            return []
        out: list[tuple[_Map, str]] = []
        list_path = join_path(path, key)
        for index, item in enumerate(value):
            if isinstance(item, dict):
                out.append((item, join_path(list_path, index)))
            else:
                self.wrong(value, index, list_path, "a mapping", item)
        return out

    # -- entities ---------------------------------------------------------------------------

    def section(self, root: _Map, name: str, seen: dict[Any, int]) -> dict[Any, Any]:
        """Read the list ``root[name]``: its entities by key; ``seen`` gets the list index of
        every key read, also of entries that were rejected. A repeated key is reported."""
        items = self.items(root, name, "")
        out: dict[Any, Any] = {}
        if not items:
            return out
        plan = SECTION_PLANS[name]
        quick, key_of = plan.quick, _KEY_OF[name]
        link, evidence = name == "dependencies", name == "evidence"
        key_field = "to" if link else "id"
        issues = self.issues
        for index, m in enumerate(items):
            if not isinstance(m, dict):
                self.wrong(items, index, name, "a mapping", m)
                continue
            entity = quick(m)
            if entity is not None:  # every field plainly valid: the rules that join them left
                key = key_of(entity)
                if key not in seen:
                    seen[key] = index
                    if evidence or (link and not entity.relevant):
                        before = len(issues)
                        path = f"{name}[{index}]"
                        self.rules(name, entity, m, path)
                        if len(issues) != before:
                            self.keep_references(name, m, path)
                            continue
                    out[key] = entity
                    continue
            path = f"{name}[{index}]"
            before = len(issues)
            key, value = self.entry(name, plan, m, path)
            if key is None:  # no usable id: what it names is checked all the same
                self.keep_references(name, m, path)
                continue
            first = seen.get(key)
            if first is not None:
                line = line_of(items, first)
                place = f"{name}[{first}]"
                if line is not None:
                    place = gettext("{place}, line {line}").format(place=place, line=line)
                self.err(join_path(path, key_field), _defined_twice(name, key, place), m, key_field)
                continue
            seen[key] = index
            if value is not None and len(issues) == before:
                out[key] = value
            else:
                self.keep_references(name, m, path)
        return out

    def entry(self, name: str, plan: Plan, m: _Map, path: str) -> tuple[Any, Any]:
        """One entry of section ``name`` read field by field, in the schema's order, saying
        what is wrong: its key (``None`` when it has none) and its entity (``None`` when anything
        is wrong)."""
        before = len(self.issues)
        extra = self.closed(m, plan.allowed, plan.keys, path, keep=True)
        values = tuple(self.field_value(name, f, m, path) for f in plan.fields)
        entity = cast("type", plan.model)(*values, extra)  # None where a field is wrong
        self.rules(name, entity, m, path)
        key: Any
        if name == "dependencies":
            consumer, provider = values[0], values[1]
            key = None if consumer is None or provider is None else (consumer, provider)
        else:
            key = values[0]
        if len(self.issues) != before or key is None:
            return key, None
        return key, entity

    def field_value(self, section: str, f: Field, m: _Map, path: str) -> object:
        """The value of field ``f`` of entry ``m``, with what is wrong with it reported; on a
        problem ``None`` (a flag: its default)."""
        key = f.key
        if key not in m:
            if f.required:
                self.missing(m, key, path)
                return None
            return SECTION_PLANS[section].absent[key]
        kind = f.type
        if (section, key) in _SPECIAL:
            return _SPECIAL[section, key](self, m, path)
        if kind == "id":
            return self.ident(m, key, path)
        if kind in ("text", "ref"):
            return self.string(m, key, path, required=f.required)
        if kind == "country":
            return self.country(m, key, path)
        if kind == "countries":
            return self.countries(m, key, path)
        if kind in ("texts", "refs"):
            return self.strings(m, key, path)
        if kind == "int":
            return self.count(m, key, path)
        if kind == "date":
            return self.day(m, key, path, required=f.required)
        if kind == "bool":
            if f.default is None:
                return self.maybe_flag(m, key, path)
            return self.flag(m, key, path, bool(f.default))
        if kind == "choice":
            table = CHOICES[key]
            member = self.choice(m, key, path, table, required=f.required)
            return table[str(f.default)] if member is None and f.default is not None else member
        if kind == "choices":
            return self.accepted_schemes(m, path)
        return _NESTED[key](self, m, path)

    # -- the rules that join fields (graph.schema.RULES) ----------------------------------------

    def rules(self, section: str, entity: Any, m: _Map, path: str) -> None:
        """Check the rules that join the fields of an entry of ``section``, on its entity as
        read (``None`` where a field is wrong)."""
        if section == "dependencies":
            self.link_rules(entity, m, path)
        elif section == "evidence":
            self.evidence_rules(entity, m, path)

    def link_rules(self, link: Dependency, m: _Map, path: str) -> None:
        """A dependency out of scope needs a reason."""
        if link.relevant:
            return
        reason = link.reason
        if m.get("reason") is None:
            self.err(
                join_path(path, "reason"),
                gettext("an out-of-scope link (relevant: false) needs a reason"),
                m,
                "relevant",
            )
        elif reason is not None and not reason.strip():
            message = gettext("the reason must not be empty")
            self.err(join_path(path, "reason"), message, m, "reason")

    def evidence_rules(self, evidence: Evidence, m: _Map, path: str) -> None:
        """The rules of evidence that depend on its scheme: an assurance report's type, a type 2
        report's period, the issue date not before what is reported on; a certificate's or
        label's expiry."""
        scheme = evidence.scheme
        if scheme in ASSURANCE_REPORTS:
            report_type = evidence.type
            if m.get("type") is None:
                self.err(
                    join_path(path, "type"),
                    gettext("an assurance report ({scheme}) needs its type: 1 or 2").format(
                        scheme=scheme.value
                    ),
                    m,
                    "type" if "type" in m else "scheme",
                )
            elif report_type == 2 and m.get("period") is None:
                self.err(
                    join_path(path, "period"),
                    gettext(
                        "a type 2 report needs its tested period: its first day (from) and its "
                        "last day (to)"
                    ),
                    m,
                    "period" if "period" in m else "type",
                )
            issued, period, as_of = evidence.issued, evidence.period, evidence.as_of
            end = None if period is None else period.end
            if issued is not None and reported_on(report_type, end, as_of) > issued:
                if report_type == 2:
                    message = gettext(
                        "a type 2 report cannot be issued ({issued}) before the end of its "
                        "tested period ({end})"
                    )
                else:
                    message = gettext(
                        "a type {type} report cannot be issued ({issued}) before the date it "
                        "reports on (as_of {as_of})"
                    )
                self.err(
                    join_path(path, "issued"),
                    message.format(type=report_type, issued=issued, end=end, as_of=as_of),
                    m,
                    "issued",
                )
        elif (
            scheme in NEEDS_VALID_UNTIL
            and evidence.valid_until is None
            and m.get("valid_until") is None
        ):
            message = {
                Scheme.ZEKER_ONLINE: N_("a Zeker-OnLine label needs its expiry date valid_until"),
                Scheme.EUCS: N_("an EUCS certificate needs its expiry date valid_until"),
            }.get(
                scheme,
                N_("a management-system certificate ({scheme}) needs its expiry date valid_until"),
            )
            self.err(
                join_path(path, "valid_until"),
                gettext(message).format(scheme=scheme.value),
                m,
                "valid_until" if "valid_until" in m else "scheme",
            )

    def keep_references(self, section: str, m: _Map, path: str) -> None:
        """Note the references of a rejected entry, so that they are checked all the same."""
        for keys, to_service in REFERENCES[section]:
            where: object = m
            field_path = path
            for key in keys[:-1]:  # down to the mapping that holds the reference
                where = where.get(key) if isinstance(where, dict) else None
                field_path = join_path(field_path, key)
            if not isinstance(where, dict):
                continue
            key = keys[-1]
            value = where.get(key)
            if type(value) is str:
                self.loose.append(
                    (to_service, value, join_path(field_path, key), line_of(where, key))
                )
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if type(item) is str:
                        item_path = join_path(join_path(field_path, key), index)
                        self.loose.append((to_service, item, item_path, line_of(value, index)))

    def string_map(
        self, m: _Map, key: str, path: str, allowed: frozenset[str], order: Sequence[str]
    ) -> dict[str, str]:
        found = self.sub_mapping(m, key, path, allowed, order)
        if found is None:
            return {}
        value, sub_path = found
        out: dict[str, str] = {}
        for name in order:
            text = self.string(value, name, sub_path)
            if text is not None:
                out[name] = text
        return out

    def report_type(self, m: _Map, path: str) -> int | None:
        value = m.get("type")
        if value is None or (type(value) is int and value in (1, 2)):
            return None if value is None else int(value)
        self.wrong(m, "type", path, "the report type 1 or 2", value)
        return None

    def date_range(
        self, m: _Map, key: str, path: str, allowed: frozenset[str], order: Sequence[str]
    ) -> tuple[DateRange, str | None, dict[str, object]] | None:
        """``period`` or ``bridge_letter``: from and to required, from not after to; with the
        bridge letter's signer and the mapping's ``x-`` keys."""
        found = self.sub_mapping(m, key, path, allowed, order)
        if found is None:
            return None
        value, sub_path = found
        start = self.day(value, "from", sub_path, required=True)
        end = self.day(value, "to", sub_path, required=True)
        signed_by = self.string(value, "signed_by", sub_path) if "signed_by" in allowed else None
        if start is None or end is None:
            return None
        if start > end:
            self.err(
                join_path(sub_path, "from"),
                gettext("it starts ({start}) after it ends ({end})").format(
                    start=start.isoformat(), end=end.isoformat()
                ),
                value,
                "from",
            )
            return None
        return DateRange(start, end), signed_by, _x_keys(value)

    def accreditation(self, m: _Map, path: str) -> Accreditation | None:
        found = self.sub_mapping(m, "accreditation", path, ACCREDITATION_SET, ACCREDITATION_KEYS)
        if found is None:
            return None
        value, sub_path = found
        body = self.string(value, "body", sub_path)
        iaf_mla = self.maybe_flag(value, "iaf_mla", sub_path)
        if iaf_mla is None:
            if value.get("iaf_mla") is None:
                self.missing(value, "iaf_mla", sub_path)
            return None
        return Accreditation(iaf_mla=iaf_mla, body=body, extra=_x_keys(value))

    def exceptions(self, m: _Map, path: str) -> tuple[ReportException, ...]:
        out: list[ReportException] = []
        for item, item_path in self.list_of_mappings(m, "exceptions", path):
            self.closed(item, EXCEPTION_SET, EXCEPTION_KEYS, item_path, keep=False)
            out.append(
                ReportException(
                    criterion=self.string(item, "criterion", item_path),
                    description=self.string(item, "description", item_path),
                    response=self.string(item, "response", item_path),
                    extra=_x_keys(item),
                )
            )
        return tuple(out)

    def subservices(self, m: _Map, path: str) -> Subservices:
        found = self.sub_mapping(m, "subservices", path, SUBSERVICES_SET, SUBSERVICES_KEYS)
        if found is None:
            return NO_SUBSERVICES
        value, sub_path = found
        method = self.choice(value, "method", sub_path, METHODS)
        carved_out = self.strings(value, "carved_out", sub_path)
        included = self.strings(value, "included", sub_path)
        if method is None and value.get("method") is not None:
            return NO_SUBSERVICES  # reported
        method = method or SubserviceMethod.NONE
        if method is SubserviceMethod.NONE:
            for key, services in (("carved_out", carved_out), ("included", included)):
                if services:
                    self.err(
                        join_path(sub_path, key),
                        gettext("{field} needs method carve-out or inclusive, not none").format(
                            field=key
                        )
                        + ("" if "method" in value else gettext(" (the default)")),
                        value,
                        key,
                    )
        return Subservices(method, carved_out, included, _x_keys(value))

    def cuecs(self, m: _Map, path: str) -> tuple[Cuec, ...]:
        out: list[Cuec] = []
        for item, item_path in self.list_of_mappings(m, "cuecs", path):
            self.closed(item, CUEC_SET, CUEC_KEYS, item_path, keep=False)
            cuec_id = self.string(item, "id", item_path, required=True)
            text = self.string(item, "text", item_path)
            addressed = self.flag(item, "addressed", item_path, False)
            if cuec_id is not None:
                out.append(Cuec(cuec_id, text, addressed, _x_keys(item)))
        return tuple(out)

    def document(self, m: _Map, path: str) -> Document | None:
        found = self.sub_mapping(m, "document", path, DOCUMENT_SET, DOCUMENT_KEYS)
        if found is None:
            return None
        value, sub_path = found
        return Document(
            name=self.string(value, "name", sub_path),
            sha256=self.string(value, "sha256", sub_path),
            extra=_x_keys(value),
        )

    def accepted_schemes(self, m: _Map, path: str) -> tuple[Scheme, ...]:
        value = self.items(m, "accept_as_equivalent", path)
        if not value:
            return ()
        list_path = join_path(path, "accept_as_equivalent")
        choices = list(MANAGEMENT_SYSTEM_SCHEMES)
        out: list[Scheme] = []
        for index, item in enumerate(value):
            scheme = MANAGEMENT_SYSTEM_SCHEMES.get(item) if type(item) is str else None
            if scheme is not None:
                out.append(scheme)
            elif type(item) is not str:
                self.wrong(value, index, list_path, "a scheme id", item)
            else:
                if item in SCHEMES:
                    message = gettext(
                        "not a management-system scheme {value}{hint}; only management-system "
                        "certificates can be accepted as equivalent ({choices})"
                    )
                else:
                    message = gettext(
                        "unknown scheme {value}{hint}; only management-system certificates can "
                        "be accepted as equivalent ({choices})"
                    )
                self.err(
                    join_path(list_path, index),
                    message.format(
                        value=quote(item),
                        hint=did_you_mean(item, choices),
                        choices=one_of(choices),
                    ),
                    value,
                    index,
                )
        return tuple(out)

    # -- whole files ----------------------------------------------------------------------------

    def version(self, root: _Map) -> None:
        value = root.get("ketenkaart")
        if value is None:
            self.missing(root, "ketenkaart", "")
            return
        if type(value) is not int or value != FORMAT_VERSION:
            self.err(
                "ketenkaart",
                gettext("unsupported format version: expected {version}, got {value}").format(
                    version=FORMAT_VERSION, value=describe(value)
                ),
                root,
                "ketenkaart",
            )

    def chain(self, root: object) -> Part | None:
        """Read a whole chain file; ``None`` when it is not a mapping at all."""
        part = Part(self.file, root)
        if not isinstance(root, dict):
            self.err(
                "",
                gettext(
                    "a chain file is a mapping starting with 'ketenkaart: 1'; got {value}"
                ).format(value=describe(root)),
                root,
            )
            return None
        self.odd_text(root)
        part.extra = self.closed(root, TOP_SET, TOP_KEYS, "", keep=True)
        self.version(root)
        part.title = self.string(root, "title", "")
        part.offerings = self.offerings(root)
        for name in SECTIONS:
            part.entries[name] = self.section(root, name, part.at[name])
        return part

    def odd_text(self, root: object) -> None:
        """Report every text (value or key) holding a lone surrogate, which a JSON ``\\u``
        escape or a YAML one can make: it is not Unicode text, so no UTF-8 file, database or
        hash can hold it. One quick pass over the whole document; a walk only on a hit."""
        if not self.escaped or not SURROGATE.search(
            json.dumps(root, ensure_ascii=False, default=str)
        ):
            return
        stack: list[tuple[object, str, object, str | int | None]] = [(root, "", None, None)]
        while stack:
            value, path, where, key = stack.pop()
            if isinstance(value, str):
                if SURROGATE.search(value):
                    self.err(path, surrogate_message(value, "text"), where, key)
            elif isinstance(value, dict):
                for name, item in reversed(value.items()):
                    inner = join_path(path, str(name))
                    if isinstance(name, str) and SURROGATE.search(name):
                        shown = join_path(path, SURROGATE.sub(escape_char, name))  # printable
                        self.err(shown, surrogate_message(name, "name"), value, name)
                    else:
                        stack.append((item, inner, value, name))
            elif isinstance(value, list):
                stack.extend(
                    (item, join_path(path, index), value, index)
                    for index, item in reversed(list(enumerate(value)))
                )

    def offerings(self, root: _Map) -> tuple[str, ...]:
        value = self.items(root, "offerings", "")
        if not value:
            if value is not None or root.get("offerings") is None:
                self.err(
                    "offerings",
                    gettext(
                        "required: the ids of the services under audit, e.g. offerings: "
                        "[my-service]"
                    ),
                    root,
                    "offerings",
                )
            return ()
        first: dict[str, int] = {}
        for index, item in enumerate(value):
            if type(item) is not str:
                self.wrong(value, index, "offerings", "a string (a service id)", item)
            elif item in first:
                self.err(
                    f"offerings[{index}]",
                    gettext("{value} is listed twice (first at {place})").format(
                        value=quote(item), place=f"offerings[{first[item]}]"
                    ),
                    value,
                    index,
                )
            else:
                first[item] = index
        return cast("tuple[str, ...]", tuple(value))  # used only when nothing was reported

    def profile_file(self, root: object) -> Profile | None:
        if not isinstance(root, dict):
            self.err(
                "",
                gettext(
                    "a profile file is a mapping of 'ketenkaart: 1' and 'profiles:' with one "
                    "profile; got {value}"
                ).format(value=describe(root)),
                root,
            )
            return None
        self.odd_text(root)
        odd = [key for key in root if key not in PROFILE_FILE_KEYS and not key.startswith("x-")]
        for key in odd:
            self.err(
                key,
                gettext(
                    "unknown field {key}: a profile file holds only 'ketenkaart' and 'profiles'"
                ).format(key=quote(key)),
                root,
                key,
            )
        self.version(root)
        seen: dict[str, int] = {}
        profiles = self.section(root, "profiles", seen)
        items = root.get("profiles")
        if items is None or (isinstance(items, list) and len(items) != 1):
            count = len(items) if isinstance(items, list) else 0
            self.err(
                "profiles",
                gettext("a profile file holds exactly one profile; found {count}").format(
                    count=count
                ),
                root,
                "profiles",
            )
        if len(profiles) == 1 and not self.issues:
            return cast("Profile", next(iter(profiles.values())))
        return None


# The key of an entity of each section: its id, or a dependency's from and to.
_KEY_OF = {
    name: attrgetter(*(section.field(key).attribute for key in section.key))
    for name, section in SECTIONS.items()
}


# -- fields read in detail by more than their type ---------------------------------------------


def _covers(reader: Reader, m: _Map, path: str) -> tuple[str, ...]:
    covers = reader.strings(m, "covers", path)
    if m.get("covers") is None:
        reader.missing(m, "covers", path)
    elif m.get("covers") == []:
        message = gettext("must list at least one service")
        reader.err(join_path(path, "covers"), message, m, "covers")
    return covers


def _link_locations(reader: Reader, m: _Map, path: str) -> tuple[str, ...] | None:
    return reader.countries(m, "locations", path) or None


def _profile_id(reader: Reader, m: _Map, path: str) -> str | None:
    pid = reader.ident(m, "id", path)
    if pid is not None and pid in BUILTIN_PROFILES:
        reader.err(
            join_path(path, "id"),
            gettext("{value} is a built-in profile; give this profile another id").format(
                value=quote(pid)
            ),
            m,
            "id",
        )
    return pid


def _extends(reader: Reader, m: _Map, path: str) -> str | None:
    extends = reader.string(m, "extends", path, required=True)
    if extends is not None and extends not in BUILTIN_PROFILES:
        reader.err(
            join_path(path, "extends"),
            gettext("a profile extends a built-in profile ({choices}), not {value}").format(
                choices=one_of(sorted(BUILTIN_PROFILES)), value=quote(extends)
            ),
            m,
            "extends",
        )
    return extends


_SPECIAL: Mapping[tuple[str, str], Callable[[Reader, _Map, str], object]] = {
    ("evidence", "type"): lambda reader, m, path: reader.report_type(m, path),
    ("evidence", "covers"): _covers,
    ("dependencies", "locations"): _link_locations,
    ("profiles", "id"): _profile_id,
    ("profiles", "extends"): _extends,
}


def _period(reader: Reader, m: _Map, path: str) -> DateRange | None:
    found = reader.date_range(m, "period", path, PERIOD_SET, PERIOD_KEYS)
    return None if found is None else found[0]


def _bridge_letter(reader: Reader, m: _Map, path: str) -> BridgeLetter | None:
    found = reader.date_range(m, "bridge_letter", path, BRIDGE_SET, BRIDGE_KEYS)
    if found is None:
        return None
    period, signed_by, extra = found
    return BridgeLetter(period.start, period.end, signed_by, extra)


# The mappings and lists of mappings, read in detail, by key.
_NESTED: Mapping[str, Callable[[Reader, _Map, str], object]] = {
    "ids": lambda reader, m, path: reader.string_map(m, "ids", path, IDS_SET, IDS_KEYS),
    "contact": lambda reader, m, path: reader.string_map(
        m, "contact", path, CONTACT_SET, CONTACT_KEYS
    ),
    "period": _period,
    "accreditation": lambda reader, m, path: reader.accreditation(m, path),
    "exceptions": lambda reader, m, path: reader.exceptions(m, path),
    "subservices": lambda reader, m, path: reader.subservices(m, path),
    "cuecs": lambda reader, m, path: reader.cuecs(m, path),
    "bridge_letter": _bridge_letter,
    "document": lambda reader, m, path: reader.document(m, path),
}


def _defined_twice(section: str, key: Any, place: str) -> str:
    """That the entry of ``section`` with ``key`` is defined twice, first at ``place``; as
    :func:`importers.chainfile.contract.entry_name` names the entry in English."""
    if section == "dependencies":
        consumer, provider = cast("tuple[str, str]", key)
        return gettext(
            "the link from {consumer} to {provider} is defined twice (first at {place})"
        ).format(consumer=quote(consumer), provider=quote(provider), place=place)
    message = _DEFINED_TWICE.get(section)
    if message is None:  # pragma: no cover - every keyed section has its sentence
        return f"{entry_name(section, key)} is defined twice (first at {place})"
    return gettext(message).format(key=quote(cast("str", key)), place=place)
