"""Read, check, write and merge chain files (``chain-format.md``, format version 1).

A chain file is YAML or JSON; both carry the same structure. Reading goes in three steps:

1. each file is parsed on its own into plain values (YAML with YAML 1.2 core rules, resolved
   here from the parser's events; JSON with the standard library) and checked for structure,
   types and every rule that needs only that one file;
2. the files are merged by id (an identical repeat is fine, a conflicting one is an error);
3. references (suppliers, services, evidence holders, offerings) and supplier parent cycles are
   checked on the merged chain, so one file may refer to what another defines.

Every problem found in any step is collected; a single :class:`~graph.errors.ChainError` lists
them all, each as ``FILE:LINE: path: message`` (YAML has lines, JSON only for syntax errors).

``x-`` keys are kept in ``extra`` on the top level and on suppliers, services, dependencies,
evidence and profiles, and written back by :func:`dump_chain`. Inside the smaller nested
mappings (``ids``, ``period``, ``cuecs``...) they are accepted and ignored: the model has no
place to keep them.

>>> chain = load_chain(b'''
... ketenkaart: 1
... offerings: [app]
... suppliers: [{id: acme, name: Acme B.V., country: NO}]
... services: [{id: app, name: App, supplier: acme, kind: saas}]
... ''')
>>> chain.suppliers["acme"].country
'NO'
>>> load_chain(dump_chain(chain)) == load_chain(dump_chain(chain, fmt="json")) == chain
True
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import json
import math
import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal, TypeVar, cast

import yaml

from graph.errors import ChainError, Issue
from graph.model import (
    FORMAT_VERSION,
    Accreditation,
    Assurance,
    BridgeLetter,
    Chain,
    Cuec,
    DateRange,
    Dependency,
    Document,
    Evidence,
    IssuerQualification,
    Kind,
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
from importers.gcpause import paused

__all__ = [
    "MAX_CHAIN_BYTES",
    "dump_chain",
    "dump_plain",
    "load_chain",
    "load_chains",
    "load_plain",
    "load_profile_file",
    "merge_chains",
]

MAX_CHAIN_BYTES: Final = 256 * 1024 * 1024
"""The largest chain file :func:`load_chain` reads, in bytes."""

# ---------------------------------------------------------------------------------------------
# The contract as data: the keys of every mapping (in the order the writer emits them), the
# enumerations, the countries.

_TOP_KEYS = (
    "ketenkaart",
    "title",
    "offerings",
    "suppliers",
    "services",
    "dependencies",
    "evidence",
    "profiles",
)
_PROFILE_FILE_KEYS = ("ketenkaart", "profiles")
_SUPPLIER_KEYS = ("id", "name", "country", "ids", "parent", "contact")
_IDS_KEYS = ("kvk", "lei", "euid", "duns", "vat")
_CONTACT_KEYS = ("name", "address", "email")
_SERVICE_KEYS = ("id", "name", "supplier", "kind", "locations", "personal_data", "description")
_DEPENDENCY_KEYS = (
    "from",
    "to",
    "role",
    "relevant",
    "reason",
    "critical",
    "personal_data",
    "locations",
    "contract",
)
_EVIDENCE_KEYS = (
    "id",
    "scheme",
    "holder",
    "covers",
    "type",
    "period",
    "as_of",
    "issued",
    "valid_until",
    "locations",
    "criteria",
    "scope",
    "version",
    "issuer",
    "issuer_qualification",
    "accreditation",
    "assurance",
    "opinion",
    "exceptions",
    "subservices",
    "cuecs",
    "bridge_letter",
    "verification",
    "document",
)
_PERIOD_KEYS = ("from", "to")
_ACCREDITATION_KEYS = ("body", "iaf_mla")
_EXCEPTION_KEYS = ("criterion", "description", "response")
_SUBSERVICES_KEYS = ("method", "carved_out", "included")
_CUEC_KEYS = ("id", "text", "addressed")
_BRIDGE_KEYS = ("from", "to", "signed_by")
_DOCUMENT_KEYS = ("name", "sha256")
_THRESHOLDS = ("min_period_months", "max_age_months", "bridge_max_months", "expiring_days")
_PROFILE_KEYS = (
    "id",
    "extends",
    *_THRESHOLDS,
    "required_criteria",
    "accept_as_equivalent",
)

_E = TypeVar("_E", bound=enum.Enum)


def _values(enum_type: type[_E]) -> dict[str, _E]:
    return {member.value: member for member in enum_type}


_KINDS = _values(Kind)
_SCHEMES = _values(Scheme)
_QUALIFICATIONS = _values(IssuerQualification)
_ASSURANCES = _values(Assurance)
_OPINIONS = _values(Opinion)
_METHODS = _values(SubserviceMethod)
_VERIFICATIONS = _values(Verification)
_MANAGEMENT_SYSTEM_SCHEMES = {
    value: scheme
    for value, scheme in _SCHEMES.items()
    if scheme.scheme_class is SchemeClass.MANAGEMENT_SYSTEM
}
_ASSURANCE_REPORTS = frozenset(
    scheme for scheme in Scheme if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT
)
_NEEDS_VALID_UNTIL = frozenset(
    {*_MANAGEMENT_SYSTEM_SCHEMES.values(), Scheme.ZEKER_ONLINE, Scheme.EUCS}
)

# The assigned ISO 3166-1 alpha-2 codes (249), as in the ISO 3166 maintenance agency's list.
_COUNTRIES: Final = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a table of codes reads better than 249 quoted strings
)
# Codes people write that ISO 3166-1 does not assign (EU usage), and what to write instead.
_COUNTRY_HINTS: Final = {"UK": "GB", "EL": "GR"}

_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
_ID_RULE = "ids are lower case letters, digits, '.', '_' and '-', starting with a letter or digit"
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# ---------------------------------------------------------------------------------------------
# Small helpers for messages and places.


def _q(text: str) -> str:
    """Quote a value for a message, shortened when long."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _one_of(choices: Sequence[str]) -> str:
    return "one of: " + ", ".join(choices)


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {_q(close[0])}?" if close else ""


def _describe(value: object) -> str:
    """Name a value's type and show it, for 'expected X, got Y' messages."""
    if value is None:
        return "nothing (an empty value)"
    if value is True or value is False:
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {_q(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - the parsers make nothing else


def _surrogate_message(text: str, what: str) -> str:
    """Why ``text`` is not text: its first lone surrogate, and where it is.

    >>> _surrogate_message("a\\udc00b", "text")
    'the text holds a lone surrogate (U+DC00) at character 2: not Unicode text, no UTF-8 for it'
    """
    found = _SURROGATE.search(text)
    assert found is not None  # noqa: S101 - called on a hit only
    return (
        f"the {what} holds a lone surrogate (U+{ord(found.group()):04X}) at character "
        f"{found.start() + 1}: not Unicode text, no UTF-8 for it"
    )


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _path_text(parts: Sequence[str | int]) -> str:
    path = ""
    for part in parts:
        path = _join(path, part)
    return path


class _YMap(dict[str, object]):
    """A YAML mapping that remembers the line of itself, of each key and non-string text."""

    __slots__ = ("key_lines", "line", "texts")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.texts: dict[str, str] = {}


class _YSeq(list[object]):
    """A YAML sequence that remembers the line of itself, of each item and non-string text."""

    __slots__ = ("item_lines", "line", "texts")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []
        self.texts: dict[int, str] = {}


def _line_of(container: object, key: str | int | None = None) -> int | None:
    """The line of ``key`` in a YAML container (of the container itself for ``None``)."""
    if isinstance(container, _YMap):
        if isinstance(key, str):
            return container.key_lines.get(key, container.line)
        return container.line
    if isinstance(container, _YSeq):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return None


def _line_at(root: object, parts: Sequence[str | int]) -> int | None:
    """The line of the value at ``parts`` (a field path as a tuple) in a parsed YAML file."""
    node = root
    for part in parts[:-1]:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            continue
        return _line_of(node)
    return _line_of(node, parts[-1] if parts else None)


def _source_text(container: object, key: str | int) -> str | None:
    """The text a YAML number or boolean was written as (``007`` for the int 7)."""
    if isinstance(container, _YMap) and isinstance(key, str):
        return container.texts.get(key)
    if isinstance(container, _YSeq) and isinstance(key, int):
        return container.texts.get(key)
    return None


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
# YAML: events -> plain values with lines, resolved with the YAML 1.2 core schema.

_YAML_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_CORE_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_MAYBE_NOT_STRING = frozenset("-+.0123456789nNtTfF~")
_MAX_DEPTH = 100


class _BadScalarError(Exception):
    """A scalar that YAML 1.2 core rules cannot give a value."""


def _core_number(text: str) -> int | float | None:
    """The int or float a YAML 1.2 core scalar means, ``None`` when it is not a number."""
    if _CORE_INT.fullmatch(text):
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text)
    if _CORE_FLOAT.fullmatch(text):
        return float(text)
    if _CORE_SPECIAL_FLOAT.fullmatch(text):
        raise _BadScalarError(f"{_q(text)}: infinite and not-a-number values are not allowed")
    return None


def _resolve_plain(text: str) -> object:
    """Resolve an untagged plain scalar by the YAML 1.2 core schema."""
    if text and text[0] not in _MAYBE_NOT_STRING:
        return text
    if text in _NULLS:
        return None
    flag = _BOOLS.get(text)
    if flag is not None:
        return flag
    try:
        number = _core_number(text)
    except ValueError:  # an int with more digits than Python converts
        raise _BadScalarError(f"{_q(text)}: the number is too long") from None
    return text if number is None else number


def _resolve_tagged(tag: str, text: str) -> object:
    """Resolve a scalar with an explicit standard tag (``!!str``, ``!!int``, ...)."""
    if tag == _TAG + "str":
        return text
    if tag == _TAG + "null" and text in _NULLS:
        return None
    if tag == _TAG + "bool" and text in _BOOLS:
        return _BOOLS[text]
    if tag in (_TAG + "int", _TAG + "float"):
        try:
            number = _core_number(text)
        except ValueError:
            number = None
        if number is not None and (tag == _TAG + "float" or isinstance(number, int)):
            return float(number) if tag == _TAG + "float" else number
    if tag in _CORE_SCALAR_TAGS:
        raise _BadScalarError(f"{_q(text)} is not a valid {_short_tag(tag)}")
    raise _BadScalarError(f"the tag {_short_tag(tag)} is not allowed; {_ALLOWED_TAGS}")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


_CORE_SCALAR_TAGS = frozenset(_TAG + name for name in ("str", "null", "bool", "int", "float"))
_ALLOWED_TAGS = "only !!str, !!int, !!float, !!bool, !!null, !!map and !!seq may be written"

_NOTHING: Final = object()  # no value at all: an empty file, or one that could not be parsed
_NO_KEY: Final = object()  # a mapping on the stack is waiting for a key
_SKIP: Final = object()  # ... or for a value to throw away (after a bad or repeated key)


class _Composer:
    """Turns the YAML parser's events into values with ``_YMap``/``_YSeq`` containers.

    Scalars are resolved here by the YAML 1.2 core schema. Anchors, aliases, non-core tags,
    repeated keys and a second document are reported as ``(path, message, line)``.
    """

    def __init__(self, report: Callable[[str, str, int | None], None]) -> None:
        self.report = report
        self.root: object = _NOTHING
        self.stack: list[_YMap | _YSeq] = []
        self.pending: list[object] = []  # per open container: the key awaited/read, or None
        self.places: list[str | int] = []  # per open container: its key or index in its parent
        self.number = 0  # of the document being read, from 1

    def compose(self, text: str) -> object:
        """The value of the one document in ``text``; ``_NOTHING`` when there is none."""
        root: object = _NOTHING
        for _, _, value in self.documents(
            text, most=1, too_many="a chain file holds one YAML document; found a second one"
        ):
            root = value
        return root

    def documents(
        self, text: str, *, most: int | None = None, too_many: str = ""
    ) -> Iterator[tuple[int, int, object]]:
        """Each document of ``text`` as (its number from 1, its first line, its value), as it
        ends. Stops where nesting is too deep, and at document ``most + 1``, reporting
        ``too_many`` there."""
        first_line = 1
        event: Any
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            kind = event.__class__
            if kind is yaml.ScalarEvent:
                self.scalar(event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if not self.start(event, is_map=kind is yaml.MappingStartEvent):
                    return
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self.stack.pop()
                self.pending.pop()
                self.places.pop()
            elif kind is yaml.AliasEvent:
                line = _event_line(event)
                self.report(
                    self.here(), f"aliases (*{event.anchor}) are not allowed; {_WRITE_OUT}", line
                )
                self.add(None, line, None)
            elif kind is yaml.DocumentStartEvent:
                first_line = _event_line(event)
                if most is not None and self.number >= most:
                    self.report("", too_many, first_line)
                    return
                self.number += 1
                self.root = _NOTHING
            elif kind is yaml.DocumentEndEvent:
                yield self.number, first_line, self.root

    def place(self) -> str | int:
        """Where the next value goes in the open container: a key, an index, or ``""``."""
        if not self.stack:
            return ""
        top = self.stack[-1]
        if isinstance(top, _YSeq):
            return len(top)
        key = self.pending[-1]
        return key if isinstance(key, str) else ""

    def here(self, place: str | int | None = None) -> str:
        """The field path of the next value (or of ``place`` in the open container)."""
        return _path_text([*self.places[1:], self.place() if place is None else place])

    def scalar(self, event: Any) -> None:
        line = _event_line(event)
        if event.anchor is not None:
            self.report(
                self.here(), f"anchors (&{event.anchor}) are not allowed; {_WRITE_OUT}", line
            )
        raw: str = event.value
        value: object = raw
        if self.stack and self.pending[-1] is _NO_KEY:
            pass  # a key: always its text
        elif event.tag is not None:
            try:
                value = _resolve_tagged(event.tag, raw)
            except _BadScalarError as bad:
                self.report(self.here(), str(bad), line)
                value = None
        elif event.implicit[0]:  # plain
            try:
                value = _resolve_plain(raw)
            except _BadScalarError as bad:
                self.report(self.here(), str(bad), line)
                value = None
        self.add(value, line, raw)

    def start(self, event: Any, *, is_map: bool) -> bool:
        line = _event_line(event)
        if event.anchor is not None:
            self.report(
                self.here(), f"anchors (&{event.anchor}) are not allowed; {_WRITE_OUT}", line
            )
        if event.tag is not None and event.tag != _TAG + ("map" if is_map else "seq"):
            self.report(
                self.here(),
                f"the tag {_short_tag(event.tag)} is not allowed; {_ALLOWED_TAGS}",
                line,
            )
        if len(self.stack) >= _MAX_DEPTH:
            self.report(self.here(), f"nested more than {_MAX_DEPTH} levels deep", line)
            return False
        container: _YMap | _YSeq = _YMap(line) if is_map else _YSeq(line)
        self.places.append(self.place())
        self.add(container, line, None)
        self.stack.append(container)
        self.pending.append(_NO_KEY if is_map else None)
        return True

    def add(self, value: object, line: int, text: str | None) -> None:
        """Put a value (or a key) into the open container, or make it the root."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top, _YSeq):
            top.append(value)
            top.item_lines.append(line)
            if text is not None and not isinstance(value, str):
                top.texts[len(top) - 1] = text
            return
        key = self.pending[-1]
        if key is _NO_KEY:
            self.pending[-1] = self.key(top, value, line)
            return
        self.pending[-1] = _NO_KEY
        if isinstance(key, str):  # not _SKIP
            top[key] = value
            if text is not None and not isinstance(value, str):
                top.texts[key] = text

    def key(self, mapping: _YMap, value: object, line: int) -> object:
        """Check a key just read; return it, or ``_SKIP`` to drop the value that follows."""
        if not isinstance(value, str):
            self.report(
                self.here(), "a mapping key must be a plain string, not a list or mapping", line
            )
            return _SKIP
        if value in mapping.key_lines:
            first = mapping.key_lines[value]
            self.report(self.here(value), f"the key is repeated (first on line {first})", line)
            return _SKIP
        mapping.key_lines[value] = line
        return value


def _event_line(event: Any) -> int:
    return int(event.start_mark.line) + 1


_WRITE_OUT = "write the value out in full"


def _compose_yaml(text: str, report: Callable[[str, str, int | None], None]) -> object:
    """Parse one YAML document into values (see :class:`_Composer`)."""
    return _Composer(report).compose(text)


# ---------------------------------------------------------------------------------------------
# JSON: the standard library, with repeated keys and non-finite numbers reported.


def _parse_json(text: str, report: Callable[[str, str, int | None], None]) -> object:
    repeated: list[tuple[dict[str, object], list[str]]] = []

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        mapping = dict(pairs)
        if len(mapping) != len(pairs):
            seen: set[str] = set()
            again: list[str] = []
            for key, _ in pairs:
                if key in seen:
                    again.append(key)
                seen.add(key)
            repeated.append((mapping, again))
        return mapping

    def refuse_constant(name: str) -> object:
        raise ValueError(f"{name} is not allowed (JSON has no infinite or not-a-number values)")

    try:
        root = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=refuse_constant)
    except json.JSONDecodeError as err:
        hint = " (a file whose first character is '{' is read as JSON)"
        report(
            "",
            f"not valid JSON: {err.msg} (line {err.lineno} column {err.colno}){hint}",
            err.lineno,
        )
        return _NOTHING
    except ValueError as err:
        report("", f"not valid JSON: {err}", None)
        return _NOTHING
    if repeated:
        where = _find_paths(root, {id(mapping) for mapping, _ in repeated})
        for mapping, keys in repeated:
            for key in dict.fromkeys(keys):
                report(_join(where.get(id(mapping), ""), key), "the key is repeated", None)
    return root


def _find_paths(root: object, wanted: set[int]) -> dict[int, str]:
    """The paths of the containers whose ``id`` is in ``wanted`` (only used on errors)."""
    found: dict[int, str] = {}
    todo: list[tuple[object, str]] = [(root, "")]
    while todo:
        node, path = todo.pop()
        if id(node) in wanted:
            found[id(node)] = path
        if isinstance(node, dict):
            todo.extend((value, _join(path, key)) for key, value in node.items())
        elif isinstance(node, list):
            todo.extend((value, _join(path, index)) for index, value in enumerate(node))
    return found


# ---------------------------------------------------------------------------------------------
# One file: bytes -> values -> checked entities.


@dataclass(slots=True)
class _Part:
    """One file's entities, with where each came from (list index by id) for messages."""

    file: str
    root: object  # the parsed values, for line numbers; None when built from a Chain
    offerings: tuple[str, ...] = ()
    title: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    dependencies: dict[tuple[str, str], Dependency] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    # list index by id, also for entries that were rejected (so no reference to them is
    # reported as unknown on top of their own problem)
    supplier_at: dict[str, int] = field(default_factory=dict)
    service_at: dict[str, int] = field(default_factory=dict)
    dependency_at: dict[tuple[str, str], int] = field(default_factory=dict)
    evidence_at: dict[str, int] = field(default_factory=dict)
    profile_at: dict[str, int] = field(default_factory=dict)
    loose: list[tuple[bool, str, str, int | None]] = field(default_factory=list)


_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_Map = dict[str, object]
_Raw = dict[str, Any]  # a mapping as parsed, read by the fast paths (which check every type)


class _Reader:
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
        self.issues.append(Issue(path, message, self.file, _line_of(where, key)))

    def report(self, path: str, message: str, line: int | None) -> None:
        self.issues.append(Issue(path, message, self.file, line))

    def wrong(self, m: object, key: str | int, path: str, expected: str, value: object) -> None:
        """Report a value of the wrong type at ``m[key]``."""
        message = f"expected {expected}, got {_describe(value)}"
        if expected.startswith("a string") and (isinstance(value, int | float) or value is None):
            if value is not None:
                text = _source_text(m, key) or json.dumps(value)
                message += f"; quote it: {json.dumps(text)}"
        elif expected.startswith("true or false") and isinstance(value, str):
            message += " (only true and false are booleans)"
        self.err(_join(path, key), message, m, key)

    # -- parsing ----------------------------------------------------------------------------

    def parse(self, data: bytes, max_bytes: int) -> object:
        """Decode and parse ``data``; ``_NOTHING`` when that fails (the reason is reported)."""
        if len(data) > max_bytes:
            self.report(
                "", f"the file is {len(data):,} bytes, more than the limit of {max_bytes:,}", None
            )
            return _NOTHING
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.report("", "the file is UTF-16 text; save it as UTF-8", None)
            return _NOTHING
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
            return _NOTHING
        self.escaped = b"\\u" in data or b"\\U" in data
        first = _FIRST_CHARACTER.search(text)
        try:
            if first is not None and first.group() == "{":
                root = _parse_json(text, self.report)
            else:
                root = _compose_yaml(text, self.report)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
            where = None if mark is None else int(mark.line) + 1
            problem = getattr(err, "problem", None) or str(err)
            context = getattr(err, "context", None)
            message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
            self.report("", message, where)
            return _NOTHING
        except RecursionError:
            self.report("", "the file is nested too deeply", None)
            return _NOTHING
        if root is _NOTHING:
            if not self.issues:
                self.report("", "the file is empty; a chain file starts with 'ketenkaart: 1'", None)
            return _NOTHING
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
                    hint = _did_you_mean(key, order)
                    message = f"unknown field {_q(key)}{hint}"
                    if not hint:
                        message += f" ({_one_of(order)}, or an x- key)"
                    self.err(_join(path, key), message, m, key)
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
                self.err(_join(path, key), "required, and must not be empty", m, key)
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
            self.err(_join(path, key), "required, but the value is empty", m, key)
        else:
            self.err(_join(path, key), "required field is missing", m)

    def ident(self, m: _Map, key: str, path: str) -> str | None:
        """A required id of a supplier, service, evidence or profile."""
        value = self.string(m, key, path, required=True)
        if value is None or _ID_RE.fullmatch(value):
            return value
        hint = ""
        if _ID_RE.fullmatch(value.lower()):
            hint = f"; did you mean {_q(value.lower())}?"
        self.err(_join(path, key), f"invalid id {_q(value)}: {_ID_RULE}{hint}", m, key)
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
                _join(path, key),
                f"unknown {key} {_q(value)}{_did_you_mean(value, choices)} ({_one_of(choices)})",
                m,
                key,
            )
            return None
        if value is None:
            if required:
                self.missing(m, key, path)
            return None
        self.wrong(m, key, path, f"a string, {_one_of(list(table))}", value)
        return None

    def day(self, m: _Map, key: str, path: str, *, required: bool = False) -> date | None:
        value = m.get(key)
        if type(value) is str:
            known = self.dates.get(value)
            if known is not None:
                return known
        if type(value) is str and _DATE_RE.fullmatch(value):
            try:
                day = self.dates[value] = date.fromisoformat(value)
                return day
            except ValueError as err:
                self.err(_join(path, key), f"{_q(value)} is not a calendar date ({err})", m, key)
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
        if type(value) is list or type(value) is _YSeq:
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
                self.wrong(value, index, _join(path, key), "a string", item)
        return cast("tuple[str, ...]", tuple(value))  # used only when nothing was reported

    def countries(self, m: _Map, key: str, path: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if type(value) is list or type(value) is _YSeq:
            try:
                if _COUNTRIES.issuperset(value):
                    return tuple(value)  # every item is a country code
            except TypeError:  # an unhashable item, reported below
                pass
        value = self.items(m, key, path)
        if not value:
            return ()
        for index, item in enumerate(value):
            if type(item) is not str or item not in _COUNTRIES:
                self.bad_country(value, index, _join(path, key), item)
        return cast("tuple[str, ...]", tuple(value))  # used only when nothing was reported

    def country(self, m: _Map, key: str, path: str) -> str | None:
        value = m.get(key)
        if value is None or (type(value) is str and value in _COUNTRIES):
            return value
        self.bad_country(m, key, path, value)
        return None

    def bad_country(self, where: object, key: str | int, path: str, value: object) -> None:
        if type(value) is not str:
            self.wrong(where, key, path, "a country code such as NL", value)
            return
        code = value.strip().upper()
        if code in _COUNTRY_HINTS:
            message = (
                f"{_q(value)} is not an ISO 3166-1 country code; write {_q(_COUNTRY_HINTS[code])}"
            )
        elif code in _COUNTRIES:
            message = f"country codes are upper case: write {_q(code)}, not {_q(value)}"
        else:
            message = f"unknown country code {_q(value)} (ISO 3166-1 alpha-2, such as NL or DE)"
        self.err(_join(path, key), message, where, key)

    def sub_mapping(
        self, m: _Map, key: str, path: str, allowed: frozenset[str], order: Sequence[str]
    ) -> tuple[_Map, str] | None:
        """A nested mapping (``period``, ``accreditation``...), closed; its ``x-`` keys pass."""
        value = self.mapping(m, key, path)
        if value is None:
            return None
        sub_path = _join(path, key)
        self.closed(value, allowed, order, sub_path, keep=False)
        return value, sub_path

    def list_of_mappings(self, m: _Map, key: str, path: str) -> list[tuple[_Map, str]]:
        value = self.items(m, key, path)
        if not value:
            return []
        out: list[tuple[_Map, str]] = []
        list_path = _join(path, key)
        for index, item in enumerate(value):
            if isinstance(item, dict):
                out.append((item, _join(list_path, index)))
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
                line = _line_of(items, first)
                at = f"{name}[{first}]" + ("" if line is None else f", line {line}")
                self.err(
                    _join(path, field_name),
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
        for key, to_service in _REFERENCES.get(section, ()):
            where, field_path = m, path
            if key in ("carved_out", "included"):
                sub = m.get("subservices")
                if not isinstance(sub, dict):
                    continue
                where, field_path = sub, _join(path, "subservices")
            value = where.get(key)
            if type(value) is str:
                self.loose.append((to_service, value, _join(field_path, key), _line_of(where, key)))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if type(item) is str:
                        item_path = _join(_join(field_path, key), index)
                        self.loose.append((to_service, item, item_path, _line_of(value, index)))

    # -- fast paths ---------------------------------------------------------------------------
    #
    # Nearly every entry of a large file is entirely valid. For such an entry each ``fast_*``
    # method below checks the same rules as its detailed counterpart (``supplier``, ``service``,
    # ``dependency``, ``evidence``) with plain type and membership tests, and builds the same
    # entity. On anything else (an ``x-`` key, a wrong type, a broken rule, an explicit empty
    # value...) it gives up and returns ``None``; :meth:`section` then reads the entry again with
    # the detailed method, which reports what is wrong, with its path and line. So a fast path
    # reports nothing: it only accepts entries the detailed path accepts, and builds an equal
    # entity (tests/importers/test_chainfile_fast.py compares both). Nested helpers give up by
    # raising ``_Unusual``; hashing an unhashable value (a list where a string belongs) raises
    # ``TypeError``, which gives up as well.

    def fast_supplier(self, m: _Raw) -> tuple[str, Supplier] | None:
        """A plainly valid supplier entry as :meth:`supplier` reads it; else ``None``."""
        if not _SUPPLIER_SET.issuperset(m):
            return None
        get = m.get
        sid, name, country, parent = get("id"), get("name"), get("country"), get("parent")
        if not (
            type(sid) is str
            and _ID_RE.fullmatch(sid)
            and type(name) is str
            and name.strip()
            and (country is None or (type(country) is str and country in _COUNTRIES))
            and type(parent) in _OPTIONAL_STR
        ):
            return None
        try:
            ids = _fast_string_map(get("ids"), _IDS_SET, _IDS_KEYS)
            contact = _fast_string_map(get("contact"), _CONTACT_SET, _CONTACT_KEYS)
        except _Unusual:
            return None
        return sid, Supplier(sid, name, country, ids, parent, contact, {})

    def fast_service(self, m: _Raw) -> tuple[str, Service] | None:
        """A plainly valid service entry as :meth:`service` reads it; else ``None``."""
        if not _SERVICE_SET.issuperset(m):
            return None
        get = m.get
        sid, name, supplier, kind = get("id"), get("name"), get("supplier"), get("kind")
        locations, description = get("locations", ()), get("description")
        personal_data = get("personal_data", False)
        try:
            if not (
                type(sid) is str
                and _ID_RE.fullmatch(sid)
                and type(name) is str
                and name.strip()
                and type(supplier) is str
                and supplier.strip()
                and kind in _KINDS
                and (locations == () or _is_countries(locations))
                and type(personal_data) is bool
                and type(description) in _OPTIONAL_STR
            ):
                return None
        except TypeError:  # an unhashable kind
            return None
        return sid, Service(
            sid,
            name,
            supplier,
            _KINDS[kind],
            tuple(locations),
            personal_data,
            description,
            {},
        )

    def fast_dependency(self, m: _Raw) -> tuple[tuple[str, str], Dependency] | None:
        """A plainly valid dependency entry as :meth:`dependency` reads it; else ``None``."""
        if not _DEPENDENCY_SET.issuperset(m):
            return None
        get = m.get
        consumer, provider = get("from"), get("to")
        role, reason, contract = get("role"), get("reason"), get("contract")
        relevant, critical = get("relevant", True), get("critical", False)
        personal_data, locations = get("personal_data"), get("locations")
        if not (
            type(consumer) is str
            and consumer.strip()
            and type(provider) is str
            and provider.strip()
            and type(role) in _OPTIONAL_STR
            and type(reason) in _OPTIONAL_STR
            and type(contract) in _OPTIONAL_STR
            and type(relevant) is bool
            and type(critical) is bool
            and type(personal_data) in _OPTIONAL_BOOL
            and (locations is None or _is_countries(locations))
            and (relevant or (reason is not None and reason.strip()))
        ):
            return None
        return (consumer, provider), Dependency(
            consumer,
            provider,
            role,
            relevant,
            reason,
            critical,
            personal_data,
            None if locations is None else (tuple(locations) or None),
            contract,
            {},
        )

    def fast_evidence(self, m: _Raw) -> tuple[str, Evidence] | None:
        """A plainly valid evidence entry as :meth:`evidence` reads it; else ``None``."""
        if not _EVIDENCE_SET.issuperset(m):
            return None
        get = m.get
        eid, holder, covers = get("id"), get("holder"), get("covers")
        report_type, locations, criteria = get("type"), get("locations", ()), get("criteria", ())
        scope, version, issuer = get("scope"), get("version"), get("issuer")
        try:
            scheme = _SCHEMES[m["scheme"]]  # KeyError, TypeError: absent, or not a scheme
            if not (
                type(eid) is str
                and _ID_RE.fullmatch(eid)
                and type(holder) is str
                and holder.strip()
                and _is_strings(covers)
                and covers
                and (report_type is None or (type(report_type) is int and report_type in (1, 2)))
                and (locations == () or _is_countries(locations))
                and (criteria == () or _is_strings(criteria))
                and type(scope) in _OPTIONAL_STR
                and type(version) in _OPTIONAL_STR
                and type(issuer) in _OPTIONAL_STR
            ):
                return None
            period = self.fast_range(m["period"], _PERIOD_SET) if "period" in m else None
            valid_until = self.fast_day(get("valid_until"))
            if scheme in _ASSURANCE_REPORTS and (
                report_type is None or (report_type == 2 and period is None)
            ):
                return None
            if scheme in _NEEDS_VALID_UNTIL and valid_until is None:
                return None
            issued = self.fast_day(get("issued"))
            as_of = self.fast_day(m["as_of"]) if "as_of" in m else None
            if (
                issued is not None
                and scheme in _ASSURANCE_REPORTS
                and _reported_on(report_type, None if period is None else period[1], as_of) > issued
            ):
                return None  # issued before what it reports on: the full reader names it
            evidence = Evidence(  # every field, in the order of the model
                eid,
                scheme,
                holder,
                tuple(covers),
                report_type,
                None if period is None else self.date_range_of(period[0], period[1]),
                as_of,
                issued,
                valid_until,
                tuple(locations),
                tuple(criteria),
                scope,
                version,
                issuer,
                _OPTIONAL_QUALIFICATIONS[get("issuer_qualification")],
                _fast_accreditation(m["accreditation"]) if "accreditation" in m else None,
                _ASSURANCE_OR_DEFAULT[get("assurance")],
                _OPINION_OR_DEFAULT[get("opinion")],
                _fast_exceptions(m["exceptions"]) if "exceptions" in m else (),
                _fast_subservices(m["subservices"]) if "subservices" in m else _NO_SUBSERVICES,
                _fast_cuecs(m["cuecs"], self.cuecs_made) if "cuecs" in m else (),
                self.fast_bridge_letter(m["bridge_letter"]) if "bridge_letter" in m else None,
                _VERIFICATION_OR_DEFAULT[get("verification")],
                _fast_document(m["document"]) if "document" in m else None,
                {},
            )
        except (_Unusual, KeyError, TypeError):
            return None
        return eid, evidence

    def fast_day(self, value: Any) -> date | None:
        """An optional date, as :meth:`day` reads it; raises ``_Unusual`` on anything else."""
        if value is None:
            return None
        known = self.dates.get(value)  # TypeError when unhashable
        if known is not None:
            return known
        if type(value) is str and _DATE_RE.fullmatch(value):
            try:
                day = self.dates[value] = date.fromisoformat(value)
            except ValueError:
                raise _Unusual from None
            return day
        raise _Unusual

    def fast_range(
        self, value: Any, allowed: frozenset[str]
    ) -> tuple[date, date, str | None] | None:
        """``period`` or ``bridge_letter`` as :meth:`date_range` reads it, when plainly valid."""
        if value is None:
            return None
        if not isinstance(value, dict) or not allowed.issuperset(value):
            raise _Unusual
        start, end = self.fast_day(value.get("from")), self.fast_day(value.get("to"))
        signed_by = value.get("signed_by")
        if start is None or end is None or start > end or type(signed_by) not in _OPTIONAL_STR:
            raise _Unusual
        return start, end, signed_by

    def date_range_of(self, start: date, end: date) -> DateRange:
        """``DateRange(start, end)``, one object for equal ranges (most periods repeat)."""
        key = start, end
        found = self.ranges_made.get(key)
        if found is None:
            found = self.ranges_made[key] = DateRange(start, end)
        return found

    def fast_bridge_letter(self, value: Any) -> BridgeLetter | None:
        found = self.fast_range(value, _BRIDGE_SET)
        return None if found is None else BridgeLetter(*found)

    def supplier(self, m: _Map, path: str) -> tuple[str | None, Supplier | None]:
        before = len(self.issues)
        extra = self.closed(m, _SUPPLIER_SET, _SUPPLIER_KEYS, path, keep=True)
        sid = self.ident(m, "id", path)
        name = self.string(m, "name", path, required=True)
        country = self.country(m, "country", path)
        ids = self.string_map(m, "ids", path, _IDS_SET, _IDS_KEYS)
        parent = self.string(m, "parent", path)
        contact = self.string_map(m, "contact", path, _CONTACT_SET, _CONTACT_KEYS)
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
        extra = self.closed(m, _SERVICE_SET, _SERVICE_KEYS, path, keep=True)
        sid = self.ident(m, "id", path)
        name = self.string(m, "name", path, required=True)
        supplier = self.string(m, "supplier", path, required=True)
        kind = self.choice(m, "kind", path, _KINDS, required=True)
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
        extra = self.closed(m, _DEPENDENCY_SET, _DEPENDENCY_KEYS, path, keep=True)
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
                    _join(path, "reason"),
                    "an out-of-scope link (relevant: false) needs a reason",
                    m,
                    "relevant",
                )
            elif reason is not None and not reason.strip():
                self.err(_join(path, "reason"), "the reason must not be empty", m, "reason")
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
        extra = self.closed(m, _EVIDENCE_SET, _EVIDENCE_KEYS, path, keep=True)
        eid = self.ident(m, "id", path)
        scheme = self.choice(m, "scheme", path, _SCHEMES, required=True)
        holder = self.string(m, "holder", path, required=True)
        covers = self.strings(m, "covers", path)
        raw_covers = m.get("covers")
        if raw_covers is None:
            self.missing(m, "covers", path)
        elif raw_covers == []:
            self.err(_join(path, "covers"), "must list at least one service", m, "covers")
        report_type = self.report_type(m, path)
        period = self.date_range(m, "period", path, _PERIOD_SET, _PERIOD_KEYS)
        as_of = self.day(m, "as_of", path)
        issued = self.day(m, "issued", path)
        valid_until = self.day(m, "valid_until", path)
        locations = self.countries(m, "locations", path)
        criteria = self.strings(m, "criteria", path)
        scope = self.string(m, "scope", path)
        version = self.string(m, "version", path)
        issuer = self.string(m, "issuer", path)
        qualification = self.choice(m, "issuer_qualification", path, _QUALIFICATIONS)
        accreditation = self.accreditation(m, path)
        assurance = self.choice(m, "assurance", path, _ASSURANCES) or Assurance.REASONABLE
        opinion = self.choice(m, "opinion", path, _OPINIONS) or Opinion.UNQUALIFIED
        exceptions = self.exceptions(m, path)
        subservices = self.subservices(m, path)
        cuecs = self.cuecs(m, path)
        bridge = self.date_range(m, "bridge_letter", path, _BRIDGE_SET, _BRIDGE_KEYS)
        verification = self.choice(m, "verification", path, _VERIFICATIONS) or (
            Verification.SIGHTED
        )
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
                    _join(path, "type"),
                    f"an assurance report ({scheme.value}) needs its type: 1 or 2",
                    m,
                    "type" if "type" in m else "scheme",
                )
            elif report_type == 2 and m.get("period") is None:
                self.err(
                    _join(path, "period"),
                    "a type 2 report needs its tested period: {from: YYYY-MM-DD, to: YYYY-MM-DD}",
                    m,
                    "period" if "period" in m else "type",
                )
        if scheme in _NEEDS_VALID_UNTIL and valid is None and m.get("valid_until") is None:
            what = {
                Scheme.ZEKER_ONLINE: "a Zeker-OnLine label",
                Scheme.EUCS: "an EUCS certificate",
            }.get(scheme, f"a management-system certificate ({scheme.value})")
            self.err(
                _join(path, "valid_until"),
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
        if _reported_on(report_type, end, as_of) <= issued:
            return
        what = (
            f"the end of its tested period ({end})"
            if report_type == 2
            else f"the date it reports on (as_of {as_of})"
        )
        self.err(
            _join(path, "issued"),
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
                _join(sub_path, "from"),
                f"from ({start.isoformat()}) is after to ({end.isoformat()})",
                value,
                "from",
            )
            return None
        return DateRange(start, end), signed_by, _x_keys(value)

    def accreditation(self, m: _Map, path: str) -> Accreditation | None:
        found = self.sub_mapping(m, "accreditation", path, _ACCREDITATION_SET, _ACCREDITATION_KEYS)
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
            self.closed(item, _EXCEPTION_SET, _EXCEPTION_KEYS, item_path, keep=False)
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
        found = self.sub_mapping(m, "subservices", path, _SUBSERVICES_SET, _SUBSERVICES_KEYS)
        if found is None:
            return _NO_SUBSERVICES
        value, sub_path = found
        method = self.choice(value, "method", sub_path, _METHODS)
        carved_out = self.strings(value, "carved_out", sub_path)
        included = self.strings(value, "included", sub_path)
        if method is None and value.get("method") is not None:
            return _NO_SUBSERVICES  # reported
        method = method or SubserviceMethod.NONE
        if method is SubserviceMethod.NONE:
            for key, services in (("carved_out", carved_out), ("included", included)):
                if services:
                    self.err(
                        _join(sub_path, key),
                        f"{key} needs method carve-out or inclusive, not none"
                        + ("" if "method" in value else " (the default)"),
                        value,
                        key,
                    )
        return Subservices(method, carved_out, included, _x_keys(value))

    def cuecs(self, m: _Map, path: str) -> tuple[Cuec, ...]:
        out: list[Cuec] = []
        for item, item_path in self.list_of_mappings(m, "cuecs", path):
            self.closed(item, _CUEC_SET, _CUEC_KEYS, item_path, keep=False)
            cuec_id = self.string(item, "id", item_path, required=True)
            text = self.string(item, "text", item_path)
            addressed = self.flag(item, "addressed", item_path, False)
            if cuec_id is not None:
                out.append(Cuec(cuec_id, text, addressed, _x_keys(item)))
        return tuple(out)

    def document(self, m: _Map, path: str) -> Document | None:
        found = self.sub_mapping(m, "document", path, _DOCUMENT_SET, _DOCUMENT_KEYS)
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
        extra = self.closed(m, _PROFILE_SET, _PROFILE_KEYS, path, keep=True)
        pid = self.ident(m, "id", path)
        if pid is not None and pid in BUILTIN_PROFILES:
            self.err(
                _join(path, "id"),
                f"{_q(pid)} is a built-in profile; give this profile another id",
                m,
                "id",
            )
        extends = self.string(m, "extends", path, required=True)
        builtin = sorted(BUILTIN_PROFILES)
        if extends is not None and extends not in BUILTIN_PROFILES:
            self.err(
                _join(path, "extends"),
                f"a profile extends a built-in profile ({_one_of(builtin)}), not {_q(extends)}",
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
        list_path = _join(path, "accept_as_equivalent")
        choices = list(_MANAGEMENT_SYSTEM_SCHEMES)
        out: list[Scheme] = []
        for index, item in enumerate(value):
            scheme = _MANAGEMENT_SYSTEM_SCHEMES.get(item) if type(item) is str else None
            if scheme is not None:
                out.append(scheme)
            elif type(item) is not str:
                self.wrong(value, index, list_path, "a scheme id", item)
            else:
                what = "not a management-system scheme" if item in _SCHEMES else "unknown scheme"
                self.err(
                    _join(list_path, index),
                    f"{what} {_q(item)}{_did_you_mean(item, choices)}; only management-system "
                    f"certificates can be accepted as equivalent ({_one_of(choices)})",
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
                f"unsupported format version: expected {FORMAT_VERSION}, got {_describe(value)}",
                root,
                "ketenkaart",
            )

    def chain(self, root: object) -> _Part | None:
        """Read a whole chain file; ``None`` when it is not a mapping at all."""
        part = _Part(self.file, root)
        if not isinstance(root, dict):
            self.err(
                "",
                f"a chain file is a mapping starting with 'ketenkaart: 1'; got {_describe(root)}",
                root,
            )
            return None
        self.odd_text(root)
        part.extra = self.closed(root, _TOP_SET, _TOP_KEYS, "", keep=True)
        self.version(root)
        part.title = self.string(root, "title", "")
        part.offerings = self.offerings(root)
        part.suppliers = self.section(
            root,
            "suppliers",
            self.supplier,
            part.supplier_at,
            lambda key: ("id", f"supplier {_q(key)}"),
            fast=self.fast_supplier,
        )
        part.services = self.section(
            root,
            "services",
            self.service,
            part.service_at,
            lambda key: ("id", f"service {_q(key)}"),
            fast=self.fast_service,
        )
        part.dependencies = self.section(
            root,
            "dependencies",
            self.dependency,
            part.dependency_at,
            lambda key: ("to", f"the link from {_q(key[0])} to {_q(key[1])}"),
            fast=self.fast_dependency,
        )
        part.evidence = self.section(
            root,
            "evidence",
            self.evidence,
            part.evidence_at,
            lambda key: ("id", f"evidence {_q(key)}"),
            fast=self.fast_evidence,
        )
        part.profiles = self.section(
            root,
            "profiles",
            self.profile,
            part.profile_at,
            lambda key: ("id", f"profile {_q(key)}"),
        )
        return part

    def odd_text(self, root: object) -> None:
        """Report every text (value or key) holding a lone surrogate, which a JSON ``\\u``
        escape or a YAML one can make: it is not Unicode text, so no UTF-8 file, database or
        hash can hold it. One quick pass over the whole document; a walk only on a hit."""
        if not self.escaped or not _SURROGATE.search(
            json.dumps(root, ensure_ascii=False, default=str)
        ):
            return
        stack: list[tuple[object, str, object, str | int | None]] = [(root, "", None, None)]
        while stack:
            value, path, where, key = stack.pop()
            if isinstance(value, str):
                if _SURROGATE.search(value):
                    self.err(path, _surrogate_message(value, "text"), where, key)
            elif isinstance(value, dict):
                for name, item in reversed(value.items()):
                    inner = _join(path, str(name))
                    if isinstance(name, str) and _SURROGATE.search(name):
                        shown = _join(path, _SURROGATE.sub(_escape_char, name))  # printable
                        self.err(shown, _surrogate_message(name, "name"), value, name)
                    else:
                        stack.append((item, inner, value, name))
            elif isinstance(value, list):
                stack.extend(
                    (item, _join(path, index), value, index)
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
                    f"{_q(item)} is listed twice (first at offerings[{first[item]}])",
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
                f"profile; got {_describe(root)}",
                root,
            )
            return None
        self.odd_text(root)
        odd = [key for key in root if key not in _PROFILE_FILE_KEYS and not key.startswith("x-")]
        for key in odd:
            self.err(
                key,
                f"unknown field {_q(key)}: a profile file holds only 'ketenkaart' and 'profiles'",
                root,
                key,
            )
        self.version(root)
        seen: dict[str, int] = {}
        profiles = self.section(
            root, "profiles", self.profile, seen, lambda key: ("id", f"profile {_q(key)}")
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


_FIRST_CHARACTER = re.compile(r"[^ \t\r\n]")
# The references of each section's entries: (key, whether it names a service, else a supplier)
_REFERENCES: Mapping[str, tuple[tuple[str, bool], ...]] = {
    "suppliers": (("parent", False),),
    "services": (("supplier", False),),
    "dependencies": (("from", True), ("to", True)),
    "evidence": (("holder", False), ("covers", True), ("carved_out", True), ("included", True)),
}
_NO_SUBSERVICES = Subservices()
_TOP_SET = frozenset(_TOP_KEYS)
_SUPPLIER_SET = frozenset(_SUPPLIER_KEYS)
_IDS_SET = frozenset(_IDS_KEYS)
_CONTACT_SET = frozenset(_CONTACT_KEYS)
_SERVICE_SET = frozenset(_SERVICE_KEYS)
_DEPENDENCY_SET = frozenset(_DEPENDENCY_KEYS)
_EVIDENCE_SET = frozenset(_EVIDENCE_KEYS)
_PERIOD_SET = frozenset(_PERIOD_KEYS)
_ACCREDITATION_SET = frozenset(_ACCREDITATION_KEYS)
_EXCEPTION_SET = frozenset(_EXCEPTION_KEYS)
_SUBSERVICES_SET = frozenset(_SUBSERVICES_KEYS)
_CUEC_SET = frozenset(_CUEC_KEYS)
_BRIDGE_SET = frozenset(_BRIDGE_KEYS)
_DOCUMENT_SET = frozenset(_DOCUMENT_KEYS)
_PROFILE_SET = frozenset(_PROFILE_KEYS)


# -- helpers of the fast paths (see _Reader.fast_supplier) ----------------------------------


class _Unusual(Exception):  # noqa: N818 - not an error: the detailed path takes over
    """A fast path gives up on an entry; the detailed path reads it again."""


_LISTS = (list, _YSeq)
_OPTIONAL_STR = (str, type(None))
_OPTIONAL_BOOL = (bool, type(None))
_ONLY_STR = frozenset({str})


def _or_default(table: Mapping[str, _E], default: _E) -> dict[str | None, _E]:
    """An enumeration by value, with ``None`` (no value) for ``default``."""
    out: dict[str | None, _E] = {None: default}
    out.update(table)
    return out


_ASSURANCE_OR_DEFAULT = _or_default(_ASSURANCES, Assurance.REASONABLE)
_OPINION_OR_DEFAULT = _or_default(_OPINIONS, Opinion.UNQUALIFIED)
_METHOD_OR_DEFAULT = _or_default(_METHODS, SubserviceMethod.NONE)
_VERIFICATION_OR_DEFAULT = _or_default(_VERIFICATIONS, Verification.SIGHTED)
_OPTIONAL_QUALIFICATIONS: dict[str | None, IssuerQualification | None] = {None: None}
_OPTIONAL_QUALIFICATIONS.update(_QUALIFICATIONS)


def _reported_on(report_type: int | None, period_end: date | None, as_of: date | None) -> date:
    """The day an assurance report reports on (a type 2 report's period end, a type 1 report's
    ``as_of``); ``date.min`` when the file does not say, so that no issue date is too early."""
    day = period_end if report_type == 2 else as_of if report_type == 1 else None
    return day or date.min


def _is_strings(value: Any) -> bool:
    """Whether ``value`` is a list of strings (as :meth:`_Reader.strings` takes it)."""
    return type(value) in _LISTS and _ONLY_STR.issuperset(map(type, value))


def _is_countries(value: Any) -> bool:
    """Whether ``value`` is a list of country codes (as :meth:`_Reader.countries` takes it)."""
    try:
        return type(value) in _LISTS and _COUNTRIES.issuperset(value)
    except TypeError:  # an unhashable item
        return False


def _fast_string_map(value: Any, allowed: frozenset[str], order: Sequence[str]) -> dict[str, str]:
    """``ids`` or ``contact`` as :meth:`_Reader.string_map` reads them, when plainly valid."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not allowed.issuperset(value):
        raise _Unusual
    out: dict[str, str] = {}
    for name in order:
        text = value.get(name)
        if text is not None:
            if type(text) is not str:
                raise _Unusual
            out[name] = text
    return out


def _fast_accreditation(value: Any) -> Accreditation | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not _ACCREDITATION_SET.issuperset(value):
        raise _Unusual
    body, iaf_mla = value.get("body"), value.get("iaf_mla")
    if type(body) not in _OPTIONAL_STR or type(iaf_mla) is not bool:
        raise _Unusual
    return Accreditation(iaf_mla, body)


def _fast_exceptions(value: Any) -> tuple[ReportException, ...]:
    if value is None:
        return ()
    if type(value) not in _LISTS:
        raise _Unusual
    out: list[ReportException] = []
    for item in value:
        if not isinstance(item, dict) or not _EXCEPTION_SET.issuperset(item):
            raise _Unusual
        texts = item.get("criterion"), item.get("description"), item.get("response")
        if any(type(text) not in _OPTIONAL_STR for text in texts):
            raise _Unusual
        out.append(ReportException(*texts))
    return tuple(out)


def _fast_subservices(value: Any) -> Subservices:
    if value is None:
        return _NO_SUBSERVICES
    if not isinstance(value, dict) or not _SUBSERVICES_SET.issuperset(value):
        raise _Unusual
    method = _METHOD_OR_DEFAULT[value.get("method")]
    carved_out, included = value.get("carved_out", ()), value.get("included", ())
    if not (carved_out == () or _is_strings(carved_out)) or not (
        included == () or _is_strings(included)
    ):
        raise _Unusual
    if method is SubserviceMethod.NONE and (carved_out or included):
        raise _Unusual
    return Subservices(method, tuple(carved_out), tuple(included))


def _fast_cuecs(value: Any, made: dict[tuple[str, str | None, bool], Cuec]) -> tuple[Cuec, ...]:
    """``cuecs`` as :meth:`_Reader.cuecs` reads them; equal CUECs are one object (``made``)."""
    if value is None:
        return ()
    if type(value) not in _LISTS:
        raise _Unusual
    out: list[Cuec] = []
    for item in value:
        if not isinstance(item, dict) or not _CUEC_SET.issuperset(item):
            raise _Unusual
        cuec_id, text, addressed = item.get("id"), item.get("text"), item.get("addressed", False)
        if not (
            type(cuec_id) is str
            and cuec_id.strip()
            and type(text) in _OPTIONAL_STR
            and type(addressed) is bool
        ):
            raise _Unusual
        key = cuec_id, text, addressed
        cuec = made.get(key)
        if cuec is None:
            cuec = made[key] = Cuec(cuec_id, text, addressed)
        out.append(cuec)
    return tuple(out)


def _fast_document(value: Any) -> Document | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not _DOCUMENT_SET.issuperset(value):
        raise _Unusual
    name, sha256 = value.get("name"), value.get("sha256")
    if type(name) not in _OPTIONAL_STR or type(sha256) not in _OPTIONAL_STR:
        raise _Unusual
    return Document(name, sha256)


# ---------------------------------------------------------------------------------------------
# Several files: merge by id, then check references on the merged chain.


def _merge_section(
    parts: Sequence[_Part],
    section: str,
    get: Callable[[_Part], tuple[Mapping[_K, _V], Mapping[_K, int]]],
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
                first_line = _line_at(first.root, (section, get(first)[1][key]))
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
                        _line_at(part.root, (section, at[key])),
                    )
                )
    return merged, owner


@dataclass(slots=True)
class _Merged:
    chain: Chain
    supplier_owner: dict[str, int]
    service_owner: dict[str, int]
    dependency_owner: dict[tuple[str, str], int]
    evidence_owner: dict[str, int]


def _merge(parts: Sequence[_Part], issues: list[Issue]) -> _Merged:
    """Merge the parts by id; conflicting definitions are reported into ``issues``."""
    suppliers, supplier_owner = _merge_section(
        parts,
        "suppliers",
        lambda p: (p.suppliers, p.supplier_at),
        lambda key: f"supplier {_q(key)}",
        issues,
    )
    services, service_owner = _merge_section(
        parts,
        "services",
        lambda p: (p.services, p.service_at),
        lambda key: f"service {_q(key)}",
        issues,
    )
    dependencies, dependency_owner = _merge_section(
        parts,
        "dependencies",
        lambda p: (p.dependencies, p.dependency_at),
        lambda key: f"the link from {_q(key[0])} to {_q(key[1])}",
        issues,
    )
    evidence, evidence_owner = _merge_section(
        parts,
        "evidence",
        lambda p: (p.evidence, p.evidence_at),
        lambda key: f"evidence {_q(key)}",
        issues,
    )
    profiles, _ = _merge_section(
        parts,
        "profiles",
        lambda p: (p.profiles, p.profile_at),
        lambda key: f"profile {_q(key)}",
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
    return _Merged(chain, supplier_owner, service_owner, dependency_owner, evidence_owner)


class _Hints:
    """'Did you mean' hints for unknown references, within a budget of comparisons."""

    def __init__(self, budget: int = 100_000) -> None:
        self.budget = budget

    def __call__(self, word: str, choices: Mapping[str, object]) -> str:
        if len(choices) > self.budget:
            return ""
        self.budget -= len(choices)
        return _did_you_mean(word, list(choices))


def _check_references(parts: Sequence[_Part], merged: _Merged, issues: list[Issue]) -> None:
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
        issues.append(Issue(_path_text(at), message, part.file, _line_at(part.root, at)))

    def unknown_supplier(name: str) -> str:
        return f"unknown supplier {_q(name)}{hint(name, known_suppliers)}"

    def unknown_service(name: str) -> str:
        return f"unknown service {_q(name)}{hint(name, known_services)}"

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
    parts: Sequence[_Part],
    merged: _Merged,
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


def _part_of(chain: Chain, file: str) -> _Part:
    """A part made from a :class:`Chain` (positions in its dicts stand for list indexes)."""
    return _Part(
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


def _raise_if(issues: list[Issue], files: Sequence[str]) -> None:
    """Raise a ChainError with ``issues`` in file order, then line order (when any)."""
    if not issues:
        return
    order: dict[str | None, int] = {}
    for number, name in enumerate(files):
        order.setdefault(name, number)
    issues.sort(key=lambda issue: (order.get(issue.file, 0), issue.line or 0))
    raise ChainError(issues)


# ---------------------------------------------------------------------------------------------
# The public API.


def load_chains(files: Sequence[tuple[str, bytes]], *, max_bytes: int = MAX_CHAIN_BYTES) -> Chain:
    """Read chain files given together and merge them into one chain.

    Each file is parsed and checked on its own; the files are then merged by id (suppliers,
    services, evidence and profiles by id, dependencies by ``(from, to)``), and references
    are checked on the merged chain, so one file may use what another defines. Offerings,
    title and top-level ``x-`` keys are the first file's.

    Parameters
    ----------
    files : sequence of (str, bytes)
        The name (used in messages) and the content of each file, in order.
    max_bytes : int, optional
        The largest file accepted, :data:`MAX_CHAIN_BYTES` by default.

    Returns
    -------
    Chain
        The merged chain.

    Raises
    ------
    ChainError
        Listing every problem of every file, each with its file, line (YAML) and path.

    Examples
    --------
    >>> own = b"ketenkaart: 1\\nofferings: [app]\\nsuppliers: [{id: me, name: Me}]\\n" \\
    ...       b"services: [{id: app, name: App, supplier: me, kind: saas}]\\n" \\
    ...       b"dependencies: [{from: app, to: vm}]\\n"
    >>> host = b"ketenkaart: 1\\nofferings: [vm]\\nsuppliers: [{id: host, name: Host}]\\n" \\
    ...        b"services: [{id: vm, name: VM, supplier: host, kind: iaas}]\\n"
    >>> chain = load_chains([("own.yaml", own), ("host.yaml", host)])
    >>> chain.offerings, list(chain.services), list(chain.dependencies)
    (('app',), ['app', 'vm'], [('app', 'vm')])
    """
    if not files:
        raise ValueError("load_chains needs at least one file")
    with paused():
        return _load(files, max_bytes)


def _load(files: Sequence[tuple[str, bytes]], max_bytes: int) -> Chain:
    issues: list[Issue] = []
    parts: list[_Part] = []
    for name, data in files:
        reader = _Reader(name)
        try:
            root = reader.parse(data, max_bytes)
            part = None if root is _NOTHING else reader.chain(root)
        except RecursionError:
            reader.report("", "the file is nested too deeply", None)
            part = None
        issues.extend(reader.issues)
        if part is not None:
            part.loose = reader.loose
            parts.append(part)
    merged = _merge(parts, issues) if parts else None
    if merged is not None and len(parts) == len(files):  # else its ids would be unknown
        _check_references(parts, merged, issues)
    _raise_if(issues, [name for name, _ in files])
    assert merged is not None  # noqa: S101 - no parts means issues, raised above
    return merged.chain


def load_plain(document: object, *, source: str = "<data>") -> Chain:
    """Validate a chain document that is already parsed (plain dicts and lists) into a chain.

    The same checks and messages as :func:`load_chain`, for a document that comes from a
    database or a request body rather than a file; issues name ``source`` and have no lines.

    Examples
    --------
    >>> doc = {"ketenkaart": 1, "offerings": ["app"], "suppliers": [{"id": "me", "name": "Me"}],
    ...        "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}]}
    >>> load_plain(doc).services["app"].name
    'App'
    >>> load_plain({**doc, "offerings": ["nope"]})
    Traceback (most recent call last):
    ...
    graph.errors.ChainError: <data>: offerings[0]: unknown service 'nope'
    """
    with paused():
        reader = _Reader(source)
        try:
            part = reader.chain(document)
        except RecursionError:
            reader.report("", "the document is nested too deeply", None)
            part = None
        issues = list(reader.issues)
        merged = None
        if part is not None:
            part.loose = reader.loose
            merged = _merge([part], issues)
            _check_references([part], merged, issues)
        _raise_if(issues, [source])
        assert merged is not None  # noqa: S101 - no part means issues, raised above
        return merged.chain


def dump_plain(chain: Chain) -> dict[str, object]:
    """The chain as the plain document :func:`dump_chain` writes (JSON-ready), in contract order.

    >>> doc = {"ketenkaart": 1, "offerings": ["app"], "suppliers": [{"id": "me", "name": "Me"}],
    ...        "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}]}
    >>> dump_plain(load_plain(doc)) == doc
    True
    """
    with paused():
        return _chain_plain(chain)


def load_chain(
    data: bytes, *, filename: str = "<chain>", max_bytes: int = MAX_CHAIN_BYTES
) -> Chain:
    """Read and check one chain file (YAML, or JSON when its first character is ``{``).

    Parameters
    ----------
    data : bytes
        The file's content, UTF-8 (a byte order mark is allowed).
    filename : str, optional
        The name used in messages.
    max_bytes : int, optional
        The largest file accepted, :data:`MAX_CHAIN_BYTES` by default.

    Returns
    -------
    Chain
        The chain, with every entity keyed by id in file order.

    Raises
    ------
    ChainError
        Listing every problem found, each as ``FILE:LINE: path: message``.

    Examples
    --------
    >>> chain = load_chain(b'''ketenkaart: 1
    ... offerings: [app]
    ... suppliers: [{id: me, name: Me B.V., country: NL}]
    ... services: [{id: app, name: App, supplier: me, kind: saas, personal_data: true}]
    ... ''')
    >>> chain.services["app"].kind, chain.services["app"].personal_data
    (<Kind.SAAS: 'saas'>, True)
    >>> try:
    ...     load_chain(b"ketenkaart: 1\\nofferings: [app]\\n", filename="c.yaml")
    ... except ChainError as err:
    ...     print(err)
    c.yaml:2: offerings[0]: unknown service 'app'
    """
    return load_chains([(filename, data)], max_bytes=max_bytes)


def load_profile_file(data: bytes, *, filename: str = "<profile>") -> Profile:
    """Read a profile file: ``ketenkaart: 1`` and ``profiles:`` with exactly one profile.

    Parameters
    ----------
    data : bytes
        The file's content (YAML or JSON, UTF-8).
    filename : str, optional
        The name used in messages.

    Returns
    -------
    Profile
        The one profile the file defines.

    Raises
    ------
    ChainError
        When the file breaks the contract or does not hold exactly one profile.

    Examples
    --------
    >>> profile = load_profile_file(b'''ketenkaart: 1
    ... profiles:
    ...   - {id: strict, extends: zeker-online, min_period_months: 9}
    ... ''')
    >>> profile.id, profile.min_period_months, profile.max_age_months
    ('strict', 9, None)
    """
    reader = _Reader(filename)
    profile = None
    try:
        root = reader.parse(data, MAX_CHAIN_BYTES)
        if root is not _NOTHING:
            profile = reader.profile_file(root)
    except RecursionError:
        reader.report("", "the file is nested too deeply", None)
    _raise_if(reader.issues, [filename])
    assert profile is not None  # noqa: S101 - a file without issues has its profile
    return profile


def merge_chains(chains: Sequence[Chain], *, filenames: Sequence[str]) -> Chain:
    """Merge chains by id, as :func:`load_chains` merges files, and check the references.

    Parameters
    ----------
    chains : sequence of Chain
        The chains, first one first: its offerings, title and ``x-`` keys are kept.
    filenames : sequence of str
        A name for each chain, used in messages.

    Returns
    -------
    Chain
        The merged chain.

    Raises
    ------
    ChainError
        When one id has conflicting definitions, or a reference does not resolve.

    Examples
    --------
    >>> from graph.model import Kind, Service, Supplier
    >>> a = Chain(offerings=("app",), suppliers={"me": Supplier("me", "Me")},
    ...           services={"app": Service("app", "App", "me", Kind.SAAS)})
    >>> b = Chain(offerings=("app",), suppliers={"me": Supplier("me", "Me B.V.")})
    >>> try:
    ...     merge_chains([a, b], filenames=["a.yaml", "b.yaml"])
    ... except ChainError as err:
    ...     print(err)
    b.yaml: suppliers[0]: supplier 'me' conflicts with its definition in a.yaml (differs in: name)
    """
    if len(chains) != len(filenames):
        raise ValueError("merge_chains needs one file name per chain")
    if not chains:
        raise ValueError("merge_chains needs at least one chain")
    parts = [_part_of(chain, name) for chain, name in zip(chains, filenames, strict=True)]
    issues: list[Issue] = []
    merged = _merge(parts, issues)
    _check_references(parts, merged, issues)
    _raise_if(issues, filenames)
    return merged.chain


# ---------------------------------------------------------------------------------------------
# Writing: Chain -> plain values in contract order -> YAML or JSON text.


def dump_chain(chain: Chain, *, fmt: Literal["yaml", "json"] = "yaml") -> bytes:
    """Write a chain file that :func:`load_chain` reads back to an equal chain.

    Fields are written in the order of the contract; fields that are absent, empty or at their
    default are left out. In YAML every string a YAML 1.1 or 1.2 reader could take for
    something else (``NO``, ``1.0``, ``2026-01-01``, ``null``...) is double-quoted.

    Parameters
    ----------
    chain : Chain
        The chain to write.
    fmt : {"yaml", "json"}, optional
        The format, YAML by default.

    Returns
    -------
    bytes
        UTF-8 text ending with a newline.

    Examples
    --------
    >>> from graph.model import Kind, Service, Supplier
    >>> chain = Chain(offerings=("app",), suppliers={"no": Supplier("no", "Nord AS", "NO")},
    ...               services={"app": Service("app", "App", "no", Kind.SAAS)})
    >>> print(dump_chain(chain).decode(), end="")
    ketenkaart: 1
    offerings: [app]
    <BLANKLINE>
    suppliers:
      - id: "no"
        name: Nord AS
        country: "NO"
    <BLANKLINE>
    services:
      - id: app
        name: App
        supplier: "no"
        kind: saas
    """
    with paused():
        return _dump(chain, fmt)


def _dump(chain: Chain, fmt: str) -> bytes:
    plain = _chain_plain(chain)
    if fmt == "json":
        text = json.dumps(plain, indent=2, ensure_ascii=False)
        if _SURROGATE.search(text):
            text = _SURROGATE.sub(_escape_char, text)
        return (text + "\n").encode("utf-8")
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}; yaml or json")
    lines: list[str] = []
    for key, value in plain.items():
        entry: list[str] = []
        if key in _SECTIONS:
            entry.append(f"{key}:")
            for entity in cast("list[dict[str, object]]", value):
                _emit_mapping(entry, entity, 4, "  - ")
        else:
            _emit_mapping(entry, {key: value}, 0, "")
        if len(entry) > 1 and lines:
            lines.append("")
        lines.extend(entry)
    return ("\n".join(lines) + "\n").encode("utf-8")


_SECTIONS = frozenset({"suppliers", "services", "dependencies", "evidence", "profiles"})


def _ordered(mapping: Mapping[str, str], order: Sequence[str]) -> dict[str, str]:
    out = {key: mapping[key] for key in order if key in mapping}
    out.update((key, value) for key, value in mapping.items() if key not in out)
    return out


def _put(out: dict[str, object], key: str, value: object) -> None:
    """Set ``out[key]`` unless ``value`` is ``None`` or empty."""
    if value is None or (not value and isinstance(value, list | tuple | dict)):
        return
    out[key] = value


def _supplier_plain(supplier: Supplier) -> dict[str, object]:
    out: dict[str, object] = {"id": supplier.id, "name": supplier.name}
    _put(out, "country", supplier.country)
    _put(out, "ids", _ordered(supplier.ids, _IDS_KEYS))
    _put(out, "parent", supplier.parent)
    _put(out, "contact", _ordered(supplier.contact, _CONTACT_KEYS))
    out.update(supplier.extra)
    return out


def _service_plain(service: Service) -> dict[str, object]:
    out: dict[str, object] = {
        "id": service.id,
        "name": service.name,
        "supplier": service.supplier,
        "kind": service.kind.value,
    }
    _put(out, "locations", list(service.locations))
    if service.personal_data:
        out["personal_data"] = True
    _put(out, "description", service.description)
    out.update(service.extra)
    return out


def _dependency_plain(dependency: Dependency) -> dict[str, object]:
    out: dict[str, object] = {"from": dependency.consumer, "to": dependency.provider}
    _put(out, "role", dependency.role)
    if not dependency.relevant:
        out["relevant"] = False
    _put(out, "reason", dependency.reason)
    if dependency.critical:
        out["critical"] = True
    _put(out, "personal_data", dependency.personal_data)
    if dependency.locations:
        out["locations"] = list(dependency.locations)
    _put(out, "contract", dependency.contract)
    out.update(dependency.extra)
    return out


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _some(*pairs: tuple[str, object]) -> dict[str, object]:
    """A mapping of the pairs whose value is not ``None`` or empty, in order."""
    out: dict[str, object] = {}
    for key, value in pairs:
        _put(out, key, value)
    return out


def _evidence_plain(evidence: Evidence) -> dict[str, object]:
    period, bridge = evidence.period, evidence.bridge_letter
    accreditation, document = evidence.accreditation, evidence.document
    subservices = evidence.subservices
    out = _some(
        ("id", evidence.id),
        ("scheme", evidence.scheme.value),
        ("holder", evidence.holder),
        ("covers", list(evidence.covers)),
        ("type", evidence.type),
        ("period", period and {"from": _day(period.start), "to": _day(period.end)}),
        ("as_of", _day(evidence.as_of)),
        ("issued", _day(evidence.issued)),
        ("valid_until", _day(evidence.valid_until)),
        ("locations", list(evidence.locations)),
        ("criteria", list(evidence.criteria)),
        ("scope", evidence.scope),
        ("version", evidence.version),
        ("issuer", evidence.issuer),
        ("issuer_qualification", _value(evidence.issuer_qualification)),
        (
            "accreditation",
            accreditation
            and {
                **_some(("body", accreditation.body)),
                "iaf_mla": accreditation.iaf_mla,
                **accreditation.extra,
            },
        ),
        ("assurance", _value(evidence.assurance, Assurance.REASONABLE)),
        ("opinion", _value(evidence.opinion, Opinion.UNQUALIFIED)),
        (
            "exceptions",
            [
                {
                    **_some(
                        ("criterion", exception.criterion),
                        ("description", exception.description),
                        ("response", exception.response),
                    ),
                    **exception.extra,
                }
                for exception in evidence.exceptions
            ],
        ),
        (
            "subservices",
            {
                **_some(
                    ("method", _value(subservices.method, SubserviceMethod.NONE)),
                    ("carved_out", list(subservices.carved_out)),
                    ("included", list(subservices.included)),
                ),
                **subservices.extra,
            },
        ),
        (
            "cuecs",
            [
                {
                    **_some(
                        ("id", cuec.id), ("text", cuec.text), ("addressed", cuec.addressed or None)
                    ),
                    **cuec.extra,
                }
                for cuec in evidence.cuecs
            ],
        ),
        (
            "bridge_letter",
            bridge
            and {
                **_some(
                    ("from", _day(bridge.start)),
                    ("to", _day(bridge.end)),
                    ("signed_by", bridge.signed_by),
                ),
                **bridge.extra,
            },
        ),
        ("verification", _value(evidence.verification, Verification.SIGHTED)),
    )
    if document is not None:  # an empty document ({}) is kept: it is not the same as none
        out["document"] = {
            **_some(("name", document.name), ("sha256", document.sha256)),
            **document.extra,
        }
    out.update(evidence.extra)
    return out


def _value(member: enum.Enum | None, default: enum.Enum | None = None) -> object:
    """An enum member's value, ``None`` when it is ``None`` or ``default``."""
    return None if member is None or member is default else member.value


def _profile_plain(profile: Profile) -> dict[str, object]:
    out: dict[str, object] = {"id": profile.id}
    _put(out, "extends", profile.extends)
    for key in _THRESHOLDS:
        _put(out, key, getattr(profile, key))
    if profile.required_criteria is not None:
        out["required_criteria"] = list(profile.required_criteria)
    if profile.accept_as_equivalent is not None:
        out["accept_as_equivalent"] = [scheme.value for scheme in profile.accept_as_equivalent]
    out.update(profile.extra)
    return out


def _chain_plain(chain: Chain) -> dict[str, object]:
    """The chain as plain values (dicts, lists, strings...) in contract order."""
    out: dict[str, object] = {"ketenkaart": FORMAT_VERSION}
    _put(out, "title", chain.title)
    out["offerings"] = list(chain.offerings)
    _put(out, "suppliers", [_supplier_plain(s) for s in chain.suppliers.values()])
    _put(out, "services", [_service_plain(s) for s in chain.services.values()])
    _put(out, "dependencies", [_dependency_plain(d) for d in chain.dependencies.values()])
    _put(out, "evidence", [_evidence_plain(e) for e in chain.evidence.values()])
    _put(out, "profiles", [_profile_plain(p) for p in chain.profiles.values()])
    out.update(chain.extra)
    return out


# -- YAML text ------------------------------------------------------------------------------

_WIDTH = 100
_PLAIN_SAFE = re.compile(r"[^\W_](?:[\w ./()@&+'-]*[\w./()@&+'-])?")
_NUMBER_LIKE_CHAR = re.compile(r"[^0-9a-fA-FoOxX._+ -]")
_RESERVED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_MUST_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _yaml_str(text: str) -> str:
    """A string as a YAML scalar: plain when no YAML 1.1 or 1.2 reader can misread it."""
    if (
        _PLAIN_SAFE.fullmatch(text)
        and text.lower() not in _RESERVED_WORDS
        and not (text[0] in "0123456789" and not _NUMBER_LIKE_CHAR.search(text))
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _MUST_ESCAPE.sub(_escape_char, quoted) if _MUST_ESCAPE.search(quoted) else quoted


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return _yaml_str(value)
    raise TypeError(f"cannot write a {type(value).__name__} in a chain file")


def _is_container(value: object) -> bool:
    return isinstance(value, dict | list | tuple)


def _yaml_inline(value: object, room: int) -> str | None:
    """Flow text for ``value`` when it fits in ``room`` characters, else ``None``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts: list[str] = []
        used = 0
        for key, item in value.items():
            key_text = _yaml_str(str(key))
            inner = _yaml_inline(item, room - used - len(key_text) - 4)
            if inner is None:
                return None
            parts.append(f"{key_text}: {inner}")
            used += len(parts[-1]) + 2
        text = "{" + ", ".join(parts) + "}"
    elif isinstance(value, list | tuple):
        if not value:
            return "[]"
        parts = []
        used = 0
        for item in value:
            inner = _yaml_inline(item, room - used - 2)
            if inner is None:
                return None
            parts.append(inner)
            used += len(inner) + 2
        text = "[" + ", ".join(parts) + "]"
    else:
        text = _yaml_scalar(value)
    return text if len(text) <= room else None


def _emit_entry(out: list[str], head: str, value: object, indent: int) -> None:
    """Write ``head`` (``key:``, or ``:`` after an explicit key) and ``value`` after it."""
    if not _is_container(value):
        out.append(f"{head} {_yaml_scalar(value)}")
        return
    inline = _yaml_inline(value, _WIDTH - len(head) - 1)
    if inline is not None:
        out.append(f"{head} {inline}")
        return
    out.append(head)
    if isinstance(value, dict):
        _emit_mapping(out, value, indent + 2, " " * (indent + 2))
    else:
        _emit_sequence(out, cast("Sequence[object]", value), indent + 2)


def _emit_mapping(out: list[str], mapping: Mapping[Any, object], indent: int, first: str) -> None:
    """Write a non-empty block mapping; ``first`` prefixes the first key (e.g. ``"  - "``)."""
    pad = " " * indent
    prefix = first
    for key, value in mapping.items():
        key_text = _yaml_str(str(key))
        if len(key_text) > 1000:  # too long for an implicit key
            out.append(f"{prefix}? {key_text}")
            head = pad + ":"
        else:
            head = f"{prefix}{key_text}:"
        _emit_entry(out, head, value, indent)
        prefix = pad


def _emit_sequence(out: list[str], items: Sequence[object], indent: int) -> None:
    """Write a non-empty block sequence."""
    pad = " " * indent
    for item in items:
        inline = _yaml_scalar(item) if not _is_container(item) else None
        inline = inline or _yaml_inline(item, _WIDTH - indent - 2)
        if inline is not None:
            out.append(f"{pad}- {inline}")
        elif isinstance(item, dict):
            _emit_mapping(out, item, indent + 2, pad + "- ")
        else:
            out.append(pad + "-")
            _emit_sequence(out, cast("Sequence[object]", item), indent + 2)
