"""One file's values -> checked entities."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar, cast

import yaml

from graph.errors import Issue
from graph.model import (
    FORMAT_VERSION,
    Accreditation,
    Assurance,
    BridgeLetter,
    Cuec,
    DateRange,
    Dependency,
    Document,
    Evidence,
    Opinion,
    Profile,
    ReportException,
    Scheme,
    SchemeClass,
    Service,
    SubserviceMethod,
    Subservices,
    Supplier,
    Verification,
)
from graph.profiles import BUILTIN_PROFILES
from graph.schema import SECTIONS
from importers.chainfile.contract import (
    ACCREDITATION_KEYS,
    ACCREDITATION_SET,
    ASSURANCES,
    BRIDGE_KEYS,
    BRIDGE_SET,
    CONTACT_KEYS,
    CONTACT_SET,
    CUEC_KEYS,
    CUEC_SET,
    DATE_RE,
    DEPENDENCY_KEYS,
    DEPENDENCY_SET,
    DOCUMENT_KEYS,
    DOCUMENT_SET,
    EVIDENCE_KEYS,
    EVIDENCE_SET,
    EXCEPTION_KEYS,
    EXCEPTION_SET,
    ID_RE,
    ID_RULE,
    IDS_KEYS,
    IDS_SET,
    KINDS,
    MANAGEMENT_SYSTEM_SCHEMES,
    METHODS,
    NEEDS_VALID_UNTIL,
    NO_SUBSERVICES,
    OPINIONS,
    PERIOD_KEYS,
    PERIOD_SET,
    PROFILE_FILE_KEYS,
    PROFILE_KEYS,
    PROFILE_SET,
    QUALIFICATIONS,
    REFERENCES,
    SCHEMES,
    SERVICE_KEYS,
    SERVICE_SET,
    SUBSERVICES_KEYS,
    SUBSERVICES_SET,
    SUPPLIER_KEYS,
    SUPPLIER_SET,
    TOP_KEYS,
    TOP_SET,
    VERIFICATIONS,
    reported_on,
)
from importers.chainfile.countries import COUNTRIES, COUNTRY_HINTS
from importers.chainfile.fast import FastPaths
from importers.chainfile.messages import (
    SURROGATE,
    describe,
    did_you_mean,
    escape_char,
    join_path,
    one_of,
    quote,
    surrogate_message,
)
from importers.chainfile.yaml12 import NOTHING, YSeq, compose_yaml, line_of, parse_json, source_text

_E = TypeVar("_E", bound=enum.Enum)
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_Map = dict[str, object]
_Raw = dict[str, Any]


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


class Reader(FastPaths):
    """Checks the values of one file against the contract and builds its entities."""

    use_fast_paths = True  # whether :meth:`section` tries the fast paths (tests compare both)

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []
        self.dates: dict[str, date] = {}  # the dates read so far, by their text
        # small values made so far by the fast paths, shared by equal entries (all frozen)
        self.ranges_made: dict[tuple[date, date], DateRange] = {}
        self.cuecs_made: dict[tuple[str, str | None, bool], Cuec] = {}
        # references made by entries that were rejected, checked once the files are merged:
        # (to a service?, the id, path, line)
        self.loose: list[tuple[bool, str, str, int | None]] = []
        # whether the text read may hold a lone surrogate: only a \u or \U escape makes one
        # from UTF-8 text (parse() looks); a document handed over as objects may hold any
        self.escaped = True

    # -- reporting ------------------------------------------------------------------------

    def err(
        self, path: str, message: str, where: object = None, key: str | int | None = None
    ) -> None:
        self.issues.append(Issue(path, message, self.file, line_of(where, key)))

    def report(self, path: str, message: str, line: int | None) -> None:
        self.issues.append(Issue(path, message, self.file, line))

    def wrong(self, m: object, key: str | int, path: str, expected: str, value: object) -> None:
        """Report a value of the wrong type at ``m[key]``."""
        message = f"expected {expected}, got {describe(value)}"
        if expected.startswith("a string") and (isinstance(value, int | float) or value is None):
            if value is not None:
                text = source_text(m, key) or json.dumps(value)
                message += f"; quote it: {json.dumps(text)}"
        elif expected.startswith("true or false") and isinstance(value, str):
            message += " (only true and false are booleans)"
        self.err(join_path(path, key), message, m, key)

    # -- parsing ----------------------------------------------------------------------------

    def parse(self, data: bytes, max_bytes: int) -> object:
        """Decode and parse ``data``; ``NOTHING`` when that fails (the reason is reported)."""
        if len(data) > max_bytes:
            self.report(
                "", f"the file is {len(data):,} bytes, more than the limit of {max_bytes:,}", None
            )
            return NOTHING
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.report("", "the file is UTF-16 text; save it as UTF-8", None)
            return NOTHING
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            self.report(
                "",
                f"not UTF-8 text: byte 0x{data[err.start]:02x} at offset {err.start} is not "
                "valid UTF-8; save the file as UTF-8",
                line,
            )
            return NOTHING
        self.escaped = b"\\u" in data or b"\\U" in data
        first = FIRST_CHARACTER.search(text)
        try:
            if first is not None and first.group() == "{":
                root = parse_json(text, self.report)
            else:
                root = compose_yaml(text, self.report)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
            where = None if mark is None else int(mark.line) + 1
            problem = getattr(err, "problem", None) or str(err)
            context = getattr(err, "context", None)
            message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
            self.report("", message, where)
            return NOTHING
        except RecursionError:
            self.report("", "the file is nested too deeply", None)
            return NOTHING
        if root is NOTHING:
            if not self.issues:
                self.report("", "the file is empty; a chain file starts with 'ketenkaart: 1'", None)
            return NOTHING
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
                    message = f"unknown field {quote(key)}{hint}"
                    if not hint:
                        message += f" ({one_of(order)}, or an x- key)"
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
                self.err(join_path(path, key), "required, and must not be empty", m, key)
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
            self.err(join_path(path, key), "required, but the value is empty", m, key)
        else:
            self.err(join_path(path, key), "required field is missing", m)

    def ident(self, m: _Map, key: str, path: str) -> str | None:
        """A required id of a supplier, service, evidence or profile."""
        value = self.string(m, key, path, required=True)
        if value is None or ID_RE.fullmatch(value):
            return value
        hint = ""
        if ID_RE.fullmatch(value.lower()):
            hint = f"; did you mean {quote(value.lower())}?"
        self.err(join_path(path, key), f"invalid id {quote(value)}: {ID_RULE}{hint}", m, key)
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
            self.err(
                join_path(path, key),
                f"unknown {key} {quote(value)}{did_you_mean(value, choices)} ({one_of(choices)})",
                m,
                key,
            )
            return None
        if value is None:
            if required:
                self.missing(m, key, path)
            return None
        self.wrong(m, key, path, f"a string, {one_of(list(table))}", value)
        return None

    def day(self, m: _Map, key: str, path: str, *, required: bool = False) -> date | None:
        value = m.get(key)
        if type(value) is str:
            known = self.dates.get(value)
            if known is not None:
                return known
        if type(value) is str and DATE_RE.fullmatch(value):
            try:
                day = self.dates[value] = date.fromisoformat(value)
                return day
            except ValueError as err:
                self.err(
                    join_path(path, key), f"{quote(value)} is not a calendar date ({err})", m, key
                )
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
            hint = quote(COUNTRY_HINTS[code])
            message = f"{quote(value)} is not an ISO 3166-1 country code; write {hint}"
        elif code in COUNTRIES:
            message = f"country codes are upper case: write {quote(code)}, not {quote(value)}"
        else:
            message = f"unknown country code {quote(value)} (ISO 3166-1 alpha-2, such as NL or DE)"
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

    def section(
        self,
        root: _Map,
        name: str,
        read: Callable[[_Map, str], tuple[_K | None, _V | None]],
        seen: dict[_K, int],
        repeated: Callable[[_K], tuple[str, str]],
        *,
        fast: Callable[[_Raw], tuple[_K, _V] | None] | None = None,
    ) -> dict[_K, _V]:
        """Read the list ``root[name]`` with ``read``; report repeated keys via ``repeated``.

        ``fast`` (see "fast paths" below) is tried on each entry first; what it does not
        accept, or accepts under a key already seen, is read again by ``read``.
        """
        items = self.items(root, name, "")
        out: dict[_K, _V] = {}
        if not items:
            return out
        if not self.use_fast_paths:
            fast = None
        for index, m in enumerate(items):
            if fast is not None and isinstance(m, dict):
                found = fast(m)
                if found is not None and found[0] not in seen:
                    seen[found[0]] = index
                    out[found[0]] = found[1]
                    continue
            path = f"{name}[{index}]"
            if not isinstance(m, dict):
                self.wrong(items, index, name, "a mapping", m)
                continue
            before = len(self.issues)
            key, value = read(m, path)
            if key is None:
                continue
            first = seen.get(key)
            if first is not None:
                field_name, what = repeated(key)
                line = line_of(items, first)
                at = f"{name}[{first}]" + ("" if line is None else f", line {line}")
                self.err(
                    join_path(path, field_name),
                    f"{what} is defined twice (first at {at})",
                    m,
                    field_name,
                )
                continue
            seen[key] = index
            if value is not None and len(self.issues) == before:
                out[key] = value
            else:
                self.keep_references(name, m, path)
        return out

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

    # -- fast paths ---------------------------------------------------------------------------

    def supplier(self, m: _Map, path: str) -> tuple[str | None, Supplier | None]:
        before = len(self.issues)
        extra = self.closed(m, SUPPLIER_SET, SUPPLIER_KEYS, path, keep=True)
        sid = self.ident(m, "id", path)
        name = self.string(m, "name", path, required=True)
        country = self.country(m, "country", path)
        ids = self.string_map(m, "ids", path, IDS_SET, IDS_KEYS)
        parent = self.string(m, "parent", path)
        contact = self.string_map(m, "contact", path, CONTACT_SET, CONTACT_KEYS)
        if sid is None or name is None or len(self.issues) != before:
            return sid, None
        return sid, Supplier(sid, name, country, ids, parent, contact, extra)

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

    def service(self, m: _Map, path: str) -> tuple[str | None, Service | None]:
        before = len(self.issues)
        extra = self.closed(m, SERVICE_SET, SERVICE_KEYS, path, keep=True)
        sid = self.ident(m, "id", path)
        name = self.string(m, "name", path, required=True)
        supplier = self.string(m, "supplier", path, required=True)
        kind = self.choice(m, "kind", path, KINDS, required=True)
        locations = self.countries(m, "locations", path)
        personal_data = self.flag(m, "personal_data", path, False)
        description = self.string(m, "description", path)
        if sid is None or name is None or supplier is None or kind is None:
            return sid, None
        if len(self.issues) != before:
            return sid, None
        return sid, Service(sid, name, supplier, kind, locations, personal_data, description, extra)

    def dependency(self, m: _Map, path: str) -> tuple[tuple[str, str] | None, Dependency | None]:
        before = len(self.issues)
        extra = self.closed(m, DEPENDENCY_SET, DEPENDENCY_KEYS, path, keep=True)
        consumer = self.string(m, "from", path, required=True)
        provider = self.string(m, "to", path, required=True)
        role = self.string(m, "role", path)
        relevant = self.flag(m, "relevant", path, True)
        reason = self.string(m, "reason", path)
        critical = self.flag(m, "critical", path, False)
        personal_data = self.maybe_flag(m, "personal_data", path)
        locations = self.countries(m, "locations", path) or None
        contract = self.string(m, "contract", path)
        if not relevant:
            if m.get("reason") is None:
                self.err(
                    join_path(path, "reason"),
                    "an out-of-scope link (relevant: false) needs a reason",
                    m,
                    "relevant",
                )
            elif reason is not None and not reason.strip():
                self.err(join_path(path, "reason"), "the reason must not be empty", m, "reason")
        if consumer is None or provider is None:
            return None, None
        key = (consumer, provider)
        if len(self.issues) != before:
            return key, None
        return key, Dependency(
            consumer,
            provider,
            role,
            relevant,
            reason,
            critical,
            personal_data,
            locations,
            contract,
            extra,
        )

    def evidence(self, m: _Map, path: str) -> tuple[str | None, Evidence | None]:
        before = len(self.issues)
        extra = self.closed(m, EVIDENCE_SET, EVIDENCE_KEYS, path, keep=True)
        eid = self.ident(m, "id", path)
        scheme = self.choice(m, "scheme", path, SCHEMES, required=True)
        holder = self.string(m, "holder", path, required=True)
        covers = self.strings(m, "covers", path)
        raw_covers = m.get("covers")
        if raw_covers is None:
            self.missing(m, "covers", path)
        elif raw_covers == []:
            self.err(join_path(path, "covers"), "must list at least one service", m, "covers")
        report_type = self.report_type(m, path)
        period = self.date_range(m, "period", path, PERIOD_SET, PERIOD_KEYS)
        as_of = self.day(m, "as_of", path)
        issued = self.day(m, "issued", path)
        valid_until = self.day(m, "valid_until", path)
        locations = self.countries(m, "locations", path)
        criteria = self.strings(m, "criteria", path)
        scope = self.string(m, "scope", path)
        version = self.string(m, "version", path)
        issuer = self.string(m, "issuer", path)
        qualification = self.choice(m, "issuer_qualification", path, QUALIFICATIONS)
        accreditation = self.accreditation(m, path)
        assurance = self.choice(m, "assurance", path, ASSURANCES) or Assurance.REASONABLE
        opinion = self.choice(m, "opinion", path, OPINIONS) or Opinion.UNQUALIFIED
        exceptions = self.exceptions(m, path)
        subservices = self.subservices(m, path)
        cuecs = self.cuecs(m, path)
        bridge = self.date_range(m, "bridge_letter", path, BRIDGE_SET, BRIDGE_KEYS)
        verification = self.choice(m, "verification", path, VERIFICATIONS) or (Verification.SIGHTED)
        document = self.document(m, path)
        if scheme is not None:
            self.scheme_rules(m, path, scheme, report_type, valid_until)
            if issued is not None and scheme.scheme_class is SchemeClass.ASSURANCE_REPORT:
                self.issued_after_subject(
                    m, path, report_type=report_type, period=period, as_of=as_of, issued=issued
                )
        if eid is None or scheme is None or holder is None or len(self.issues) != before:
            return eid, None
        bridge_letter = None
        if bridge is not None:
            bridge_range, signed_by, bridge_extra = bridge
            bridge_letter = BridgeLetter(
                bridge_range.start, bridge_range.end, signed_by, bridge_extra
            )
        return eid, Evidence(
            id=eid,
            scheme=scheme,
            holder=holder,
            covers=covers,
            type=report_type,
            period=None if period is None else period[0],
            as_of=as_of,
            issued=issued,
            valid_until=valid_until,
            locations=locations,
            criteria=criteria,
            scope=scope,
            version=version,
            issuer=issuer,
            issuer_qualification=qualification,
            accreditation=accreditation,
            assurance=assurance,
            opinion=opinion,
            exceptions=exceptions,
            subservices=subservices,
            cuecs=cuecs,
            bridge_letter=bridge_letter,
            verification=verification,
            document=document,
            extra=extra,
        )

    def report_type(self, m: _Map, path: str) -> int | None:
        value = m.get("type")
        if value is None or (type(value) is int and value in (1, 2)):
            return None if value is None else int(value)
        self.wrong(m, "type", path, "the report type 1 or 2", value)
        return None

    def scheme_rules(
        self, m: _Map, path: str, scheme: Scheme, report_type: int | None, valid: date | None
    ) -> None:
        """The rules that depend on the scheme: type and period, valid_until."""
        if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT:
            if m.get("type") is None:
                self.err(
                    join_path(path, "type"),
                    f"an assurance report ({scheme.value}) needs its type: 1 or 2",
                    m,
                    "type" if "type" in m else "scheme",
                )
            elif report_type == 2 and m.get("period") is None:
                self.err(
                    join_path(path, "period"),
                    "a type 2 report needs its tested period: {from: YYYY-MM-DD, to: YYYY-MM-DD}",
                    m,
                    "period" if "period" in m else "type",
                )
        if scheme in NEEDS_VALID_UNTIL and valid is None and m.get("valid_until") is None:
            what = {
                Scheme.ZEKER_ONLINE: "a Zeker-OnLine label",
                Scheme.EUCS: "an EUCS certificate",
            }.get(scheme, f"a management-system certificate ({scheme.value})")
            self.err(
                join_path(path, "valid_until"),
                f"{what} needs its expiry date valid_until",
                m,
                "valid_until" if "valid_until" in m else "scheme",
            )

    def issued_after_subject(
        self,
        m: _Map,
        path: str,
        *,
        report_type: int | None,
        period: tuple[DateRange, str | None, dict[str, object]] | None,
        as_of: date | None,
        issued: date,
    ) -> None:
        """An assurance report cannot be issued before what it reports on: a type 2 report
        before its period's end, a type 1 report before its ``as_of`` date."""
        end = None if period is None else period[0].end
        if reported_on(report_type, end, as_of) <= issued:
            return
        what = (
            f"the end of its tested period ({end})"
            if report_type == 2
            else f"the date it reports on (as_of {as_of})"
        )
        self.err(
            join_path(path, "issued"),
            f"a type {report_type} report cannot be issued ({issued}) before {what}",
            m,
            "issued",
        )

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
                f"from ({start.isoformat()}) is after to ({end.isoformat()})",
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
                        f"{key} needs method carve-out or inclusive, not none"
                        + ("" if "method" in value else " (the default)"),
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

    def profile(self, m: _Map, path: str) -> tuple[str | None, Profile | None]:
        before = len(self.issues)
        extra = self.closed(m, PROFILE_SET, PROFILE_KEYS, path, keep=True)
        pid = self.ident(m, "id", path)
        if pid is not None and pid in BUILTIN_PROFILES:
            self.err(
                join_path(path, "id"),
                f"{quote(pid)} is a built-in profile; give this profile another id",
                m,
                "id",
            )
        extends = self.string(m, "extends", path, required=True)
        builtin = sorted(BUILTIN_PROFILES)
        if extends is not None and extends not in BUILTIN_PROFILES:
            self.err(
                join_path(path, "extends"),
                f"a profile extends a built-in profile ({one_of(builtin)}), not {quote(extends)}",
                m,
                "extends",
            )
        min_period_months = self.count(m, "min_period_months", path)
        max_age_months = self.count(m, "max_age_months", path)
        bridge_max_months = self.count(m, "bridge_max_months", path)
        expiring_days = self.count(m, "expiring_days", path)
        required_criteria = (
            self.strings(m, "required_criteria", path) if "required_criteria" in m else None
        )
        accept = None
        if "accept_as_equivalent" in m:
            accept = self.accepted_schemes(m, path)
        if pid is None or extends is None or len(self.issues) != before:
            return pid, None
        return pid, Profile(
            id=pid,
            extends=extends,
            min_period_months=min_period_months,
            max_age_months=max_age_months,
            bridge_max_months=bridge_max_months,
            expiring_days=expiring_days,
            required_criteria=required_criteria,
            accept_as_equivalent=accept,
            extra=extra,
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
                what = "not a management-system scheme" if item in SCHEMES else "unknown scheme"
                self.err(
                    join_path(list_path, index),
                    f"{what} {quote(item)}{did_you_mean(item, choices)}; only management-system "
                    f"certificates can be accepted as equivalent ({one_of(choices)})",
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
                f"unsupported format version: expected {FORMAT_VERSION}, got {describe(value)}",
                root,
                "ketenkaart",
            )

    def chain(self, root: object) -> Part | None:
        """Read a whole chain file; ``None`` when it is not a mapping at all."""
        part = Part(self.file, root)
        if not isinstance(root, dict):
            self.err(
                "",
                f"a chain file is a mapping starting with 'ketenkaart: 1'; got {describe(root)}",
                root,
            )
            return None
        self.odd_text(root)
        part.extra = self.closed(root, TOP_SET, TOP_KEYS, "", keep=True)
        self.version(root)
        part.title = self.string(root, "title", "")
        part.offerings = self.offerings(root)
        part.entries["suppliers"] = self.section(
            root,
            "suppliers",
            self.supplier,
            part.at["suppliers"],
            lambda key: ("id", f"supplier {quote(key)}"),
            fast=self.fast_supplier,
        )
        part.entries["services"] = self.section(
            root,
            "services",
            self.service,
            part.at["services"],
            lambda key: ("id", f"service {quote(key)}"),
            fast=self.fast_service,
        )
        part.entries["dependencies"] = self.section(
            root,
            "dependencies",
            self.dependency,
            part.at["dependencies"],
            lambda key: ("to", f"the link from {quote(key[0])} to {quote(key[1])}"),
            fast=self.fast_dependency,
        )
        part.entries["evidence"] = self.section(
            root,
            "evidence",
            self.evidence,
            part.at["evidence"],
            lambda key: ("id", f"evidence {quote(key)}"),
            fast=self.fast_evidence,
        )
        part.entries["profiles"] = self.section(
            root,
            "profiles",
            self.profile,
            part.at["profiles"],
            lambda key: ("id", f"profile {quote(key)}"),
        )
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
                    "required: the ids of the services under audit, e.g. offerings: [my-service]",
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
                    f"{quote(item)} is listed twice (first at offerings[{first[item]}])",
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
                "a profile file is a mapping of 'ketenkaart: 1' and 'profiles:' with one "
                f"profile; got {describe(root)}",
                root,
            )
            return None
        self.odd_text(root)
        odd = [key for key in root if key not in PROFILE_FILE_KEYS and not key.startswith("x-")]
        for key in odd:
            self.err(
                key,
                f"unknown field {quote(key)}: a profile file holds only 'ketenkaart' and "
                "'profiles'",
                root,
                key,
            )
        self.version(root)
        seen: dict[str, int] = {}
        profiles = self.section(
            root, "profiles", self.profile, seen, lambda key: ("id", f"profile {quote(key)}")
        )
        items = root.get("profiles")
        if items is None or (isinstance(items, list) and len(items) != 1):
            count = len(items) if isinstance(items, list) else 0
            self.err(
                "profiles",
                f"a profile file holds exactly one profile; found {count}",
                root,
                "profiles",
            )
        if len(profiles) == 1 and not self.issues:
            return next(iter(profiles.values()))
        return None


FIRST_CHARACTER = re.compile(r"[^ \t\r\n]")
