"""Read CycloneDX SaaSBOMs (services and their dependencies) into a chain, and write one.

A CycloneDX BOM (JSON or XML, spec 1.2 to 1.6; 1.7 best effort) is read in four steps, each of
which can stop the import with every problem and its place:

1. the bytes are parsed safely: JSON with the standard library (nesting over
   :data:`MAX_DEPTH` levels refused), XML only through ``defusedxml`` with document type
   declarations forbidden, so no entity is ever expanded and no external entity resolved;
2. the document is validated with cyclonedx-python-lib's schema validator for its
   ``specVersion`` (JSON) or namespace (XML); every schema error becomes an issue;
3. the *bridge* adapts the validated document to what cyclonedx-python-lib 11.12 models: each
   data flow of a service is reduced to its ``flow`` and ``classification`` (the library does
   not model 1.5+ data flows, upstream issues #537 and #672), foreign XML elements and
   attributes are removed, a service without a ``bom-ref`` gets a private one so the model can
   be matched back to the document, and each service's ``trustZone`` (not modelled either) is
   noted with its place;
4. ``Bom.from_json`` / ``Bom.from_xml`` build the library's model, which is mapped to chain
   entities (docs/adr/0010-cyclonedx.md gives every rule). A service's kind comes from
   ``ketenkaart:kind``, else from words in its name or description (:mod:`importers.kinds`).
   Links between services of one provider that the BOM nests in one service, puts in one
   ``trustZone`` or marks ``ketenkaart:internal`` are out of scope as part of its own system,
   unless :attr:`importers.base.Source.keep_internal` (:mod:`importers.internal`, ADR 34).

CycloneDX 1.0 and 1.1 are refused: they have no services. At most
:data:`importers.base.MAX_ERRORS` lines of errors are given, the last counting the rest.

:func:`export_saasbom` writes a chain as a CycloneDX 1.6 JSON SaaSBOM with the library's model
and outputter; reading it back gives the same services, suppliers, links and offerings. What a
SaaSBOM has no field for (evidence, locations, a link's attributes, a supplier's country and
ids, profiles) travels as ``ketenkaart:chain:*`` properties holding the chain file's own entries
(:data:`CARRIED`), which this reader takes back: the round trip keeps the whole chain.

>>> from importers.base import Source
>>> bom = b'''{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
...   "services": [
...     {"bom-ref": "Shop", "name": "Web shop", "provider": {"name": "Acme B.V."},
...      "data": [{"flow": "inbound", "classification": "PII"}]},
...     {"bom-ref": "db", "name": "Database", "provider": {"name": "Cloud Ltd"}}],
...   "dependencies": [{"ref": "Shop", "dependsOn": ["db"]}]}'''
>>> result = IMPORTER.parse(bom, Source("shop.cdx.json"))
>>> result.chain.offerings, sorted(result.chain.dependencies)
(('shop',), [('shop', 'db')])
>>> shop = result.chain.services["shop"]
>>> shop.supplier, shop.kind.value, shop.personal_data, shop.extra["x-cyclonedx-bom-ref"]
('acme-b.v', 'saas', True, 'Shop')
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
from cyclonedx.exception.model import InvalidUriException
from cyclonedx.model import (
    DataClassification,
    DataFlow,
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.service import Service as CdxService
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion

from graph.errors import ChainError
from graph.i18n import N_, gettext, ngettext
from graph.model import Chain, Dependency, Kind, Service, Supplier
from importers.base import ImportIssue, ImportResult, Source, too_big
from importers.chainfile import dump_plain, load_plain
from importers.errorcap import capped
from importers.internal import Internal, set_apart
from importers.iri import format_checks
from importers.kinds import kind_of, service_model_word

if TYPE_CHECKING:
    from cyclonedx.validation.json import JsonValidator
    from cyclonedx.validation.xml import XmlValidator

__all__ = ["CARRIED", "IMPORTER", "MAX_DEPTH", "CycloneDxImporter", "Signed", "export_saasbom"]

MAX_DEPTH: Final = 100
"""The deepest nesting of JSON values or XML elements read; real BOMs stay far below it."""

_MAX_ID: Final = 200
_NAMESPACE: Final = "http://cyclonedx.org/schema/bom/"
_VERSIONS: Final = {
    "1.2": SchemaVersion.V1_2,
    "1.3": SchemaVersion.V1_3,
    "1.4": SchemaVersion.V1_4,
    "1.5": SchemaVersion.V1_5,
    "1.6": SchemaVersion.V1_6,
    "1.7": SchemaVersion.V1_7,
}
_NEWEST_KNOWN: Final = "1.6"
_KIND_PROPERTY: Final = "ketenkaart:kind"
_SUPPLIER_PROPERTY: Final = "ketenkaart:supplier"
_INTERNAL_PROPERTY: Final = "ketenkaart:internal"
"""A service property: ``true`` marks the service as one of its provider's own components."""
CARRIED: Final = {
    "services": "ketenkaart:chain:service",
    "dependencies": "ketenkaart:chain:link",
    "suppliers": "ketenkaart:chain:supplier",
    "evidence": "ketenkaart:chain:evidence",
    "profiles": "ketenkaart:chain:profile",
}
"""The properties that carry a chain file's entries, by section, each value one entry as
compact JSON: a service's on the service, a link's on its consumer's service, the suppliers',
evidence's and profiles' on ``metadata``."""
_OFFERINGS_REF: Final = "ketenkaart:offerings"
"""The bom-ref of the component that stands for the offerings in an exported SaaSBOM; the
colon keeps it apart from every chain id."""

_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]*")
_ID_RULE: Final = N_(
    "lower case letters, digits, '.', '_' and '-', starting with a letter or digit"
)
_NOT_ID_CHARS: Final = re.compile(r"[^a-z0-9._-]+")
_PERSONAL_TOKENS: Final = frozenset({"pii", "pifi", "phi", "spi", "npi", "gdpr"})
_KINDS: Final = {kind.value: kind for kind in Kind}
_BOM_CLASS: Final[Any] = Bom
"""``Bom`` as py-serializable completes it: ``from_json`` and ``from_xml`` are added at run
time, so the type checker does not see them."""


# ---------------------------------------------------------------------------------------------
# Small pieces: a failure carrying issues, ids, and the classification rule.


class _Stop(Exception):  # noqa: N818 - not an error of its own: carries the issues out
    """Ends a parse; the import fails with ``issues``."""

    def __init__(self, issues: Iterable[ImportIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))


def _stop(where: str, message: str) -> _Stop:
    return _Stop([ImportIssue(where, message)])


def _id_text(text: str) -> str:
    """``text`` as a chain id: unchanged when it is one already; otherwise lower case, each run
    of characters other than ``[a-z0-9._-]`` turned into ``-``, punctuation at either end
    dropped, at most 200 characters; empty when nothing of it is left.

    >>> _id_text("pkg:maven/Com.Acme/Stock@1.0"), _id_text("--"), _id_text("Acme B.V.")
    ('pkg-maven-com.acme-stock-1.0', '', 'acme-b.v')
    >>> _id_text("db_")
    'db_'
    """
    if _ID_RE.fullmatch(text) and len(text) <= _MAX_ID:
        return text
    cleaned = _NOT_ID_CHARS.sub("-", text.lower())
    return cleaned.strip("._-")[:_MAX_ID].rstrip("._-")


class _Ids:
    """Hands out distinct ids: the text's id form, with ``-2``, ``-3`` ... on a repeat."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def reserve(self, wanted: str) -> None:
        self.taken.add(wanted)

    def new(self, text: str, fallback: str) -> str:
        base = _id_text(text) or fallback
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            suffix = f"-{n}"
            candidate = base[: _MAX_ID - len(suffix)] + suffix
        self.taken.add(candidate)
        return candidate


def _is_personal(classification: str) -> bool:
    """Whether a CycloneDX data classification names personal data.

    >>> [_is_personal(c) for c in ("PII", "pifi", "Personal Data", "PHI", "Public", "Customer")]
    [True, True, True, True, False, False]
    """
    tokens = [token for token in re.split(r"[^a-z0-9]+", classification.lower()) if token]
    return any(token in _PERSONAL_TOKENS or token.startswith("personal") for token in tokens)


def _too_deep(root: object) -> bool:
    """Whether plain JSON values or an XML element tree nest deeper than :data:`MAX_DEPTH`.

    >>> _too_deep([[[]]]), _too_deep(json.loads("[" * 101 + "]" * 101))
    (False, True)
    """
    stack: list[tuple[object, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            children: Iterable[object] = node.values()
        elif isinstance(node, list | Element):
            children = node
        else:
            continue
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, Element | dict | list)
        )
    return False


# ---------------------------------------------------------------------------------------------
# Step 1 and 2: parse safely, validate with the library's schema validators.


# The validators are imported when a BOM is first validated, not with this module: the JSON
# one loads jsonschema's format checkers, whose rfc3987_syntax import alone takes 1.2-2 s, and
# the service and every other command would pay for it at start (issue 13); importers.iri
# makes that import itself wait for a value that needs it.


@cache
def _json_validator(version: SchemaVersion) -> JsonValidator:
    format_checks()  # jsonschema's IRI checks without building their grammar at import
    from cyclonedx.validation.json import JsonValidator  # noqa: PLC0415 - see above

    return JsonValidator(version)


@cache
def _xml_validator(version: SchemaVersion) -> XmlValidator:
    from cyclonedx.validation.xml import XmlValidator  # noqa: PLC0415 - see above

    return XmlValidator(version)


_XML_LOCK = threading.Lock()
"""lxml's schema validator keeps its error log on itself: one validation at a time."""


def _version_of(text: object, where: str, shown: str | None = None) -> tuple[str, SchemaVersion]:
    """The version ``text`` names; ``shown`` is how a message quotes it (default ``text``)."""
    if not isinstance(text, str):
        raise _stop(where, gettext("required: the CycloneDX version, e.g. '1.6'"))
    if text in _VERSIONS:
        return text, _VERSIONS[text]
    shown = shown or repr(text)
    if re.fullmatch(r"1\.[01]", text):
        raise _stop(
            where,
            gettext(
                "CycloneDX {version} has no services (they came with 1.2), so this BOM ({shown}) "
                "holds nothing to import; a SaaSBOM is CycloneDX 1.2 or later"
            ).format(version=text, shown=shown),
        )
    raise _stop(
        where,
        gettext("{shown} is not a CycloneDX version this reader knows (1.2 to 1.7)").format(
            shown=shown
        ),
    )


def _json_place(path: Iterable[object]) -> str:
    out = ""
    for part in path:
        out = f"{out}[{part}]" if isinstance(part, int) else f"{out}.{part}" if out else str(part)
    return out or gettext("top level")


def _line(line: object) -> str:
    """``line 3`` in the context's language."""
    return gettext("line {line}").format(line=line)


def _line_column(line: int, column: int) -> str:
    """``line 3, column 5`` in the context's language."""
    return gettext("line {line}, column {column}").format(line=line, column=column)


_JSON_WORDS: Final = frozenset(
    {
        N_("Expecting value"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Extra data"),
        N_("Unterminated string starting at"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
    }
)
"""The json module's problems the catalog carries (the chain file's reader shares them)."""

_XML_WORDS: Final = frozenset(
    {
        N_("syntax error"),
        N_("no element found"),
        N_("not well-formed (invalid token)"),
        N_("unclosed token"),
        N_("partial character"),
        N_("mismatched tag"),
        N_("duplicate attribute"),
        N_("junk after document element"),
        N_("undefined entity"),
        N_("unbound prefix"),
        N_("XML declaration not well-formed"),
        N_("unclosed CDATA section"),
        N_("reference to invalid character number"),
    }
)
"""The XML parser's (expat's) commonest problems, which the catalog carries."""


def _json_words(problem: str) -> str:
    """The json module's problem in the context's language where the catalog has it."""
    return gettext(problem) if problem in _JSON_WORDS else problem


def _xml_words(problem: str) -> str:
    """The XML parser's problem in the context's language where the catalog has it.

    >>> _xml_words("mismatched tag"), _xml_words("parser suspended")
    ('mismatched tag', 'parser suspended')
    """
    return gettext(problem) if problem in _XML_WORDS else problem


def _schema_message(error: Any) -> str:
    """A JSON schema error (jsonschema's ``ValidationError``) in the context's language.

    The common kinds (``error.validator``: required, type, enum, const, additionalProperties,
    pattern, format, the lengths and sizes, the bounds, uniqueItems, anyOf and oneOf) get a
    sentence of the catalog, made from the error's values, whose English is jsonschema's own
    text; another kind, or a sentence this jsonschema words otherwise, stays as jsonschema
    writes it.
    """
    library = str(error.message)
    said = _schema_words(error)
    return said[1] if said is not None and said[0] == library else library


def _said(message: str, **values: object) -> tuple[str, str]:
    """``message`` (marked) with ``values``: as English writes it, and in the context's
    language."""
    return message.format(**values), gettext(message).format(**values)


_SCHEMA_WORDS: Final = {
    "enum": N_("{value} is not one of {expected}"),
    "const": N_("{expected} was expected"),
    "pattern": N_("{value} does not match {expected}"),
    "format": N_("{value} is not a {expected}"),
    "minimum": N_("{value} is less than the minimum of {expected}"),
    "maximum": N_("{value} is greater than the maximum of {expected}"),
    "exclusiveMinimum": N_("{value} is less than or equal to the minimum of {expected}"),
    "exclusiveMaximum": N_("{value} is greater than or equal to the maximum of {expected}"),
    "uniqueItems": N_("{value} has non-unique elements"),
    "anyOf": N_("{value} is not valid under any of the given schemas"),
    "oneOf": N_("{value} is not valid under any of the given schemas"),
}
"""The sentences of the schema's kinds that need only the value and what the schema expects
(``{expected}``, quoted), as jsonschema writes them in English."""


def _schema_words(error: Any) -> tuple[str, str] | None:
    """The English and the context's sentence of a schema error of a kind the catalog
    carries; ``None`` for other kinds."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    value = repr(instance)
    if kind in _SCHEMA_WORDS:
        return _said(_SCHEMA_WORDS[kind], value=value, expected=repr(expected))
    if kind == "required":
        for name in expected:
            said = _said(N_("{name} is a required property"), name=repr(name))
            if said[0] == error.message:
                return said
        return None
    if kind == "type":
        types = [expected] if isinstance(expected, str) else expected
        return _said(
            N_("{value} is not of type {types}"),
            value=value,
            types=", ".join(repr(each) for each in types),
        )
    if kind in ("minLength", "minItems"):
        if expected == 1:
            return _said(N_("{value} should be non-empty"), value=value)
        return _said(N_("{value} is too short"), value=value)
    if kind in ("maxLength", "maxItems"):
        if expected == 0:
            return _said(N_("{value} is expected to be empty"), value=value)
        return _said(N_("{value} is too long"), value=value)
    if kind == "additionalProperties" and isinstance(instance, dict):
        return _additional(error.schema, instance)
    return None


def _additional(schema: Mapping[str, Any], instance: Mapping[str, Any]) -> tuple[str, str] | None:
    """The sentence of an additionalProperties error: the properties the schema does not name,
    or (with patternProperties) that match none of its patterns."""
    named = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = sorted(
        (
            key
            for key in instance
            if key not in named and not any(re.search(pattern, key) for pattern in patterns)
        ),
        key=str,
    )
    if not extras:
        return None
    names = ", ".join(repr(each) for each in extras)
    if patterns:
        singular = "{names} does not match any of the regexes: {patterns}"
        plural = "{names} do not match any of the regexes: {patterns}"
        translated = ngettext(
            "{names} does not match any of the regexes: {patterns}",
            "{names} do not match any of the regexes: {patterns}",
            len(extras),
        )
        values = {"names": names, "patterns": ", ".join(repr(each) for each in sorted(patterns))}
    else:
        singular = "Additional properties are not allowed ({names} was unexpected)"
        plural = "Additional properties are not allowed ({names} were unexpected)"
        translated = ngettext(
            "Additional properties are not allowed ({names} was unexpected)",
            "Additional properties are not allowed ({names} were unexpected)",
            len(extras),
        )
        values = {"names": names}
    english = singular if len(extras) == 1 else plural
    return english.format(**values), translated.format(**values)


def _schema_issues(found: Iterable[tuple[str, str]], version: str) -> tuple[ImportIssue, ...]:
    """The schema errors as issues, capped (:func:`importers.errorcap.capped`): ``found`` is
    read lazily, so a file with a million errors keeps only the ones shown."""
    return capped(
        ImportIssue(
            where,
            gettext("not valid CycloneDX {version}: {message}").format(
                version=version, message=message
            ),
        )
        for where, message in found
    )


def _read_json(data: bytes) -> tuple[dict[str, Any], str]:
    """The parsed, schema-valid JSON document and its version."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _not_utf8(data, err) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise _stop(_line_column(err.lineno, err.colno), _json_words(err.msg)) from None
    except RecursionError:
        raise _stop("", _json_too_deep()) from None
    if not isinstance(document, dict):
        raise _stop(gettext("top level"), gettext("a CycloneDX BOM is a JSON object"))
    if _too_deep(document):
        raise _stop("", _json_too_deep())
    if document.get("bomFormat") != "CycloneDX":
        message = gettext("{value} is not 'CycloneDX'").format(
            value=repr(document.get("bomFormat"))
        )
        raise _Stop([ImportIssue("bomFormat", message)])
    version, schema = _version_of(document.get("specVersion"), "specVersion")
    errors = _json_validator(schema).validate_str(text, all_errors=True)
    if errors is not None:
        found = ((_json_place(e.data.absolute_path), _schema_message(e.data)) for e in errors)
        raise _Stop(_schema_issues(found, version))
    return document, version


def _json_too_deep() -> str:
    return gettext("the JSON is nested more than {depth} levels deep").format(depth=MAX_DEPTH)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, max(offset, 0)) + 1


def _not_utf8(data: bytes, err: UnicodeDecodeError) -> _Stop:
    column = err.start - data.rfind(b"\n", 0, err.start)
    return _stop(_line_column(_line_of(data, err.start), column), gettext("not UTF-8 text"))


def _read_xml(data: bytes) -> tuple[Element, str]:
    """The parsed, schema-valid XML root element and its version."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DTDForbidden:
        line = _line_of(data, data.find(b"<!DOCTYPE"))
        raise _stop(
            _line(line),
            gettext(
                "the XML has a document type declaration (<!DOCTYPE ...>); CycloneDX needs none, "
                "and it is refused so that no entity is expanded and no external file is read"
            ),
        ) from None
    except defusedxml.DefusedXmlException as err:  # entities without a DTD cannot happen
        raise _stop("", gettext("refused: {reason}").format(reason=err)) from None
    except ParseError as err:
        line, column = err.position
        message = re.sub(r": line \d+, column \d+$", "", str(err))
        raise _stop(
            _line_column(line, column),
            gettext("not well-formed XML: {message}").format(message=_xml_words(message)),
        ) from None
    match = re.fullmatch(r"\{" + re.escape(_NAMESPACE) + r"([^}]*)\}bom", root.tag)
    if match is None:
        raise _stop(
            gettext("root element"),
            gettext(
                "{tag} is not a CycloneDX BOM; its root is <bom> in the namespace {namespace} "
                "(or 1.2 to 1.7)"
            ).format(tag=root.tag, namespace=f"{_NAMESPACE}1.6"),
        )
    version, schema = _version_of(
        match.group(1),
        gettext("root element"),
        gettext("the namespace {namespace}").format(namespace=f"{_NAMESPACE}{match.group(1)}"),
    )
    if _too_deep(root):
        raise _stop(
            "",
            gettext("the XML nests elements more than {depth} levels deep").format(depth=MAX_DEPTH),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _not_utf8(data, err) from None
    with _XML_LOCK:
        errors = _xml_validator(schema).validate_str(text, all_errors=True)
        found = (
            [
                (
                    _line(e.data.line),
                    str(e.data.message).replace(f"{{{_NAMESPACE}{version}}}", ""),
                )
                for e in errors
            ]
            if errors is not None
            else []
        )
    if found:
        raise _Stop(_schema_issues(found, version))
    return root, version


# ---------------------------------------------------------------------------------------------
# Step 3: the bridge between the valid document and what the library models.


@dataclass(slots=True)
class _Placed:
    """A service as the document has it: its place, bom-ref and what the library leaves out."""

    path: str
    ref: str
    own_ref: bool
    parent: str | None
    trust_zone: str | None = None


@dataclass(slots=True)
class _Bridge:
    """The services of a document in document order, with their bom-refs made unique."""

    placed: list[_Placed] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)

    def place(self, path: str, ref: object, parent: str | None) -> _Placed:
        if isinstance(ref, str) and ref:
            if ref in self.seen:
                self.issues.append(
                    ImportIssue(
                        f"{path}.bom-ref",
                        gettext("{ref} is also the bom-ref of {path}").format(
                            ref=repr(ref), path=self.seen[ref]
                        ),
                    )
                )
            self.seen[ref] = path
            found = _Placed(path, ref, own_ref=True, parent=parent)
        else:
            found = _Placed(path, f"urn:uuid:{uuid.uuid4()}", own_ref=False, parent=parent)
        self.placed.append(found)
        return found


def _bridge_json(document: dict[str, Any]) -> _Bridge:
    bridge = _Bridge()

    def walk(services: object, prefix: str, parent: str | None) -> None:
        if not isinstance(services, list):
            return
        for index, service in enumerate(services):
            if not isinstance(service, dict):
                continue
            path = f"{prefix}services[{index}]"
            found = bridge.place(path, service.get("bom-ref"), parent)
            service["bom-ref"] = found.ref
            zone = service.get("trustZone")
            found.trust_zone = zone if isinstance(zone, str) else None
            flows = service.get("data")
            if isinstance(flows, list):
                service["data"] = [
                    {"flow": flow["flow"], "classification": flow["classification"]}
                    for flow in flows
                    if isinstance(flow, dict) and "flow" in flow and "classification" in flow
                ]
            walk(service.get("services"), f"{path}.", found.ref)

    walk(document.get("services"), "", None)
    return bridge


def _bridge_xml(root: Element, namespace: str) -> _Bridge:
    bridge = _Bridge()
    ns = f"{{{namespace}}}"
    stack: list[Element] = [root]
    while stack:  # foreign elements and attributes: the schema allows them, the library chokes
        element = stack.pop()
        for child in list(element):
            if not child.tag.startswith(ns):
                element.remove(child)
            else:
                stack.append(child)
        for key in [key for key in element.attrib if key.startswith("{")]:
            del element.attrib[key]

    def walk(holder: Element, prefix: str, parent: str | None) -> None:
        group = holder.find(f"{ns}services")
        if group is None:
            return
        for index, service in enumerate(group.findall(f"{ns}service")):
            path = f"{prefix}services[{index}]"
            found = bridge.place(path, service.get("bom-ref"), parent)
            service.set("bom-ref", found.ref)
            zone = service.find(f"{ns}trustZone")
            found.trust_zone = zone.text.strip() if zone is not None and zone.text else None
            flows = service.find(f"{ns}data")
            if flows is not None:
                for flow in flows.findall(f"{ns}dataflow"):
                    flows.remove(flow)
                    classification = flow.find(f"{ns}classification")
                    if classification is not None:
                        flows.append(classification)
            walk(service, f"{path}.", found.ref)

    walk(root, "", None)
    return bridge


def _from_library(read: Any, document: object) -> Bom:
    try:
        bom = read(document)
    except Exception as err:  # noqa: BLE001 - any library failure is this file's problem
        raise _stop(
            "", gettext("cyclonedx-python-lib could not read the BOM: {reason}").format(reason=err)
        ) from None
    if not isinstance(bom, Bom):  # pragma: no cover - from_json returns a Bom or raises
        raise _stop("", gettext("cyclonedx-python-lib read no BOM"))
    return bom


# ---------------------------------------------------------------------------------------------
# Step 4: the library's model to chain entities.


def _walk_services(services: Iterable[CdxService]) -> Iterator[CdxService]:
    stack = list(services)
    while stack:
        service = stack.pop()
        yield service
        stack.extend(service.services)


def _walk_component_refs(bom: Bom) -> set[str]:
    refs: set[str] = set()
    stack: list[Component] = list(bom.components)
    if bom.metadata.component is not None:
        stack.append(bom.metadata.component)
    while stack:
        component = stack.pop()
        if component.bom_ref.value:
            refs.add(component.bom_ref.value)
        stack.extend(component.components)
    return refs


def _property(service: CdxService, name: str) -> str | None:
    for prop in service.properties:
        if prop.name == name:
            return str(prop.value or "")
    return None


def _provider_name(provider: OrganizationalEntity | None) -> str | None:
    if provider is None:
        return None
    if provider.name and provider.name.strip():
        return provider.name.strip()
    for url in provider.urls:
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", str(url), flags=re.IGNORECASE).split("/")[0]
        if host:
            return host
    return None


def _supplier_extra(provider: OrganizationalEntity | None) -> tuple[dict[str, str], dict[str, Any]]:
    contact: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if provider is None:
        return contact, extra
    if provider.urls:
        extra["x-cyclonedx-urls"] = [str(url) for url in provider.urls]
    if provider.bom_ref.value:
        extra["x-cyclonedx-bom-ref"] = provider.bom_ref.value
    for person in provider.contacts:
        if person.name:
            contact["name"] = person.name
        if person.email:
            contact["email"] = person.email
        if contact:
            break
    return contact, extra


def _service_extra(service: CdxService, found: _Placed, ids: Mapping[str, str]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if found.own_ref:
        extra["x-cyclonedx-bom-ref"] = found.ref
    if found.parent is not None:
        extra["x-cyclonedx-parent"] = ids[found.parent]
    if service.group:
        extra["x-cyclonedx-group"] = service.group
    if service.version:
        extra["x-cyclonedx-version"] = service.version
    if service.endpoints:
        extra["x-cyclonedx-endpoints"] = [str(endpoint) for endpoint in service.endpoints]
    if service.authenticated is not None:
        extra["x-cyclonedx-authenticated"] = service.authenticated
    if service.x_trust_boundary is not None:
        extra["x-cyclonedx-trust-boundary"] = service.x_trust_boundary
    if found.trust_zone:
        extra["x-cyclonedx-trust-zone"] = found.trust_zone
    if service.data:
        extra["x-cyclonedx-data"] = [
            {"classification": flow.classification, "flow": flow.flow.value}
            for flow in service.data
        ]
    return extra


@dataclass(slots=True)
class _Suppliers:
    """The suppliers being made: by id, and which id each provider name became."""

    by_id: dict[str, Supplier] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    ids: _Ids = field(default_factory=_Ids)

    def named(self, wanted: str, name: str, provider: OrganizationalEntity | None) -> str | None:
        """Make supplier ``wanted`` (a ``ketenkaart:supplier`` property) called ``name``;
        returns the other name when ``wanted`` is already called something else."""
        known = self.by_id.get(wanted)
        if known is not None:
            return None if known.name == name else known.name
        contact, extra = _supplier_extra(provider)
        self.by_id[wanted] = Supplier(id=wanted, name=name, contact=contact, extra=extra)
        self.by_name.setdefault(name, wanted)
        self.ids.reserve(wanted)
        return None

    def by_provider(self, name: str, provider: OrganizationalEntity | None) -> str:
        """The supplier of the provider called ``name``, made on first sight."""
        if name not in self.by_name:
            made = self.ids.new(name, "supplier")
            contact, extra = _supplier_extra(provider)
            self.by_id[made] = Supplier(id=made, name=name, contact=contact, extra=extra)
            self.by_name[name] = made
        return self.by_name[name]

    def stand_in(self, service_id: str, service_name: str) -> str:
        """A supplier of its own for a service that names no provider."""
        made = self.ids.new(f"{service_id}-provider", "provider")
        self.by_id[made] = Supplier(
            id=made,
            name=f"Unknown provider of {service_name}",
            extra={"x-cyclonedx-provider": "not named in the BOM"},
        )
        return made


@dataclass(slots=True)
class _Mapping:
    """What the mapping works from and collects: the model by bom-ref, ids, issues."""

    bom: Bom
    bridge: _Bridge
    model: dict[str, CdxService]
    ids: dict[str, str]
    errors: list[ImportIssue]
    notes: list[ImportIssue]
    links: Mapping[tuple[str, str], Dependency] = field(default_factory=dict)

    @property
    def order(self) -> dict[str, int]:
        return {found.ref: index for index, found in enumerate(self.bridge.placed)}


def _start(bom: Bom, bridge: _Bridge) -> _Mapping:
    """Service ids in document order: from the bom-ref, else from the name."""
    if not bridge.placed:
        message = gettext("the BOM lists no services; a SaaSBOM names them under 'services'")
        raise _Stop([ImportIssue("services", message)])
    model = {service.bom_ref.value or "": service for service in _walk_services(bom.services)}
    taken = _Ids()
    ids = {
        found.ref: taken.new(found.ref if found.own_ref else model[found.ref].name, "service")
        for found in bridge.placed
    }
    return _Mapping(bom, bridge, model, ids, [], [])


def _map_suppliers(m: _Mapping) -> tuple[dict[str, Supplier], dict[str, str]]:
    """The suppliers, and each service's supplier id by bom-ref.

    A ``ketenkaart:supplier`` property names the id (these are taken first, so derived ids
    step around them); otherwise services whose providers have the same name share one
    supplier; a service without a provider gets a stand-in supplier of its own.
    """
    suppliers = _Suppliers()
    supplier_of: dict[str, str] = {}
    for found in m.bridge.placed:
        service = m.model[found.ref]
        wanted = _property(service, _SUPPLIER_PROPERTY)
        if wanted is None:
            continue
        where = f"{found.path}.properties[{_SUPPLIER_PROPERTY}]"
        if not _ID_RE.fullmatch(wanted) or len(wanted) > _MAX_ID:
            m.errors.append(
                ImportIssue(
                    where,
                    gettext("{value} is not a supplier id ({rule})").format(
                        value=repr(wanted), rule=gettext(_ID_RULE)
                    ),
                )
            )
            continue
        name = _provider_name(service.provider) or f"Unknown provider of {service.name}"
        clash = suppliers.named(wanted, name, service.provider)
        if clash is not None:
            m.errors.append(
                ImportIssue(
                    where,
                    gettext("supplier {id} is {clash} elsewhere, here {name}").format(
                        id=repr(wanted), clash=repr(clash), name=repr(name)
                    ),
                )
            )
        supplier_of[found.ref] = wanted
    for found in m.bridge.placed:
        if found.ref in supplier_of:
            continue
        service = m.model[found.ref]
        provider_name = _provider_name(service.provider)
        if provider_name is not None:
            supplier_of[found.ref] = suppliers.by_provider(provider_name, service.provider)
            continue
        made = suppliers.stand_in(m.ids[found.ref], service.name)
        supplier_of[found.ref] = made
        m.notes.append(
            ImportIssue(
                f"{found.path}.provider",
                gettext(
                    "service {service} names no provider; supplier {supplier} stands in for it "
                    "until you name the real one"
                ).format(service=repr(m.ids[found.ref]), supplier=repr(made)),
                "warning",
                kind=gettext("service names no provider"),
            )
        )
    return suppliers.by_id, supplier_of


def _map_links(m: _Mapping) -> dict[tuple[str, str], Dependency]:
    """Service-to-service links, in document order of consumer, then provider.

    Dependencies from or to components are no links of the chain and are passed over; a
    service depending on a ref the BOM does not declare gets a warning.
    """
    components = _walk_component_refs(m.bom)
    order = m.order
    pairs: set[tuple[int, int]] = set()
    refs = {index: ref for ref, index in order.items()}
    for entry in m.bom.dependencies:
        consumer = entry.ref.value or ""
        if consumer not in m.ids:
            continue
        for target in entry.dependencies:
            provider = target.ref.value or ""
            if provider in m.ids:
                pairs.add((order[consumer], order[provider]))
            elif provider not in components:
                m.notes.append(
                    ImportIssue(
                        f"dependencies[ref={consumer!r}].dependsOn",
                        gettext("{ref} is no bom-ref of this BOM; left out").format(
                            ref=repr(provider)
                        ),
                        "warning",
                        kind=gettext("dependency on an unknown bom-ref"),
                    )
                )
    links: dict[tuple[str, str], Dependency] = {}
    for consumer_at, provider_at in sorted(pairs):
        link = Dependency(consumer=m.ids[refs[consumer_at]], provider=m.ids[refs[provider_at]])
        links[link.key] = link
    return links


def _map_offerings(m: _Mapping, links: Mapping[tuple[str, str], Dependency]) -> tuple[str, ...]:
    """The services ``metadata.component`` depends on; without those, the top-level services
    (not nested in another) that no service depends on."""
    top = m.bom.metadata.component
    top_ref = top.bom_ref.value if top is not None else None
    chosen = {
        target.ref.value or ""
        for entry in m.bom.dependencies
        if top_ref and entry.ref.value == top_ref
        for target in entry.dependencies
        if target.ref.value in m.ids
    }
    if not chosen:
        provided = {provider for _, provider in links}
        chosen = {
            found.ref
            for found in m.bridge.placed
            if found.parent is None and m.ids[found.ref] not in provided
        }
    if not chosen:
        m.notes.append(
            ImportIssue(
                "dependencies",
                gettext(
                    "every top-level service is depended on by another; no offering could be chosen"
                ),
                "warning",
            )
        )
    return tuple(m.ids[ref] for ref in sorted(chosen, key=m.order.__getitem__))


def _map_services(
    m: _Mapping, supplier_of: Mapping[str, str], offerings: Sequence[str]
) -> dict[str, Service]:
    """The services in document order: kind from ``ketenkaart:kind``; else, for an offering,
    a service-model word in its name or description ("IaaS") or ``saas``; for the rest, the
    words of :func:`importers.kinds.kind_of` in its name or description ("PaaS", "hosting",
    "database") or ``other``. Personal data from the data classifications."""
    services: dict[str, Service] = {}
    for found in m.bridge.placed:
        service = m.model[found.ref]
        service_id = m.ids[found.ref]
        texts = (service.name, service.description)
        if service_id in offerings:
            kind = service_model_word(texts) or Kind.SAAS
        else:
            kind = kind_of(texts=texts) or Kind.OTHER
        stated = _property(service, _KIND_PROPERTY)
        if stated in _KINDS:
            kind = _KINDS[stated]
        elif stated is not None:
            m.errors.append(
                ImportIssue(
                    f"{found.path}.properties[{_KIND_PROPERTY}]",
                    gettext("{value} is not a kind; one of: {choices}").format(
                        value=repr(stated), choices=", ".join(_KINDS)
                    ),
                )
            )
        services[service_id] = Service(
            id=service_id,
            name=service.name.strip() or (found.ref if found.own_ref else service_id),
            supplier=supplier_of[found.ref],
            kind=kind,
            personal_data=any(_is_personal(flow.classification) for flow in service.data),
            description=service.description or None,
            extra=_service_extra(service, found, m.ids),
        )
    return services


def _internal(
    m: _Mapping, supplier_of: Mapping[str, str], suppliers: Mapping[str, Supplier]
) -> list[Internal]:
    """The links between two services of one provider that the BOM nests in one service or
    marks as internal: the same ``trustZone``, or ``ketenkaart:internal`` ``true`` on the
    provider's end. A service without a provider has a supplier of its own and is never one.

    The reason names the top service of the nesting ("part of Stock Ticker Service's own
    system"), else the provider.
    """
    placed = {found.ref: found for found in m.bridge.placed}
    ref_of = {service_id: ref for ref, service_id in m.ids.items()}

    def top(ref: str) -> str:
        while placed[ref].parent is not None:
            ref = placed[ref].parent or ref
        return ref

    found: list[Internal] = []
    for consumer_id, provider_id in m.links:
        consumer, provider = ref_of[consumer_id], ref_of[provider_id]
        supplier = supplier_of[consumer]
        if supplier != supplier_of[provider]:
            continue
        zone = placed[consumer].trust_zone
        marked = (_property(m.model[provider], _INTERNAL_PROPERTY) or "").strip().lower()
        if top(consumer) == top(provider):
            owner = m.model[top(consumer)].name.strip() or m.ids[top(consumer)]
        elif (zone and zone == placed[provider].trust_zone) or marked == "true":
            owner = suppliers[supplier].name
        else:
            continue
        found.append(Internal(consumer_id, provider_id, owner))
    return found


def _map(
    bom: Bom, bridge: _Bridge, version: str, *, keep_internal: bool = False
) -> tuple[Chain, list[ImportIssue]]:
    """The chain the library's model declares, and the warnings; raises :class:`_Stop`.

    Links inside one provider's system are written as out of scope (:mod:`importers.internal`)
    unless ``keep_internal``."""
    m = _start(bom, bridge)
    if version not in ("1.2", "1.3", "1.4", "1.5", _NEWEST_KNOWN):
        m.notes.append(
            ImportIssue(
                "specVersion",
                gettext(
                    "CycloneDX {version} is newer than {newest}; validated with the {version} "
                    "schema, read as far as {newest} goes"
                ).format(version=version, newest=_NEWEST_KNOWN),
                "warning",
            )
        )
    suppliers, supplier_of = _map_suppliers(m)
    links = _map_links(m)
    m.links = links
    offerings = _map_offerings(m, links)
    services = _map_services(m, supplier_of, offerings)
    if m.errors:
        raise _Stop(m.errors)
    top = bom.metadata.component
    chain = Chain(
        offerings=offerings,
        suppliers=suppliers,
        services=services,
        dependencies=links,
        title=(top.name.strip() or None) if top is not None else None,
    )
    if not keep_internal:
        chain, warning = set_apart(
            chain, _internal(m, supplier_of, suppliers), where="dependencies"
        )
        if warning is not None:
            m.notes.append(warning)
    return _with_carried(m, chain), m.notes


def _carried_entries(
    properties: Iterable[Property], where: str, m: _Mapping
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The :data:`CARRIED` entries among ``properties``: section, entry, place; a value that
    is not a JSON object is an error."""
    sections = {name: section for section, name in CARRIED.items()}
    for prop in properties:
        section = sections.get(prop.name)
        if section is None:
            continue
        place = f"{where}.properties[{prop.name}]"
        try:
            entry = json.loads(prop.value or "")
        except (ValueError, RecursionError):
            entry = None
        if not isinstance(entry, dict) or _too_deep(entry):
            m.errors.append(
                ImportIssue(place, gettext("not a chain file's entry as a JSON object"))
            )
            continue
        yield section, entry, place


def _with_carried(m: _Mapping, chain: Chain) -> Chain:
    """``chain`` with the chain file's entries the BOM carries (:data:`CARRIED`, as
    :func:`export_saasbom` writes them) taken back: a service's, link's or supplier's entry
    adds what the BOM has no field for to the one read from the BOM (what the BOM says wins);
    the suppliers no service names, the evidence and the profiles are added. An entry about
    another service or a link the BOM does not declare is left out, with a warning; one that
    is not valid is an error with its place."""
    plain: dict[str, Any] = dump_plain(chain)
    index = {
        section: {_plain_key(section, item): item for item in plain.get(section, [])}
        for section in CARRIED
    }
    found: list[tuple[str, dict[str, Any], str]] = []
    for placed in m.bridge.placed:
        service_id = m.ids[placed.ref]
        for section, entry, place in _carried_entries(
            m.model[placed.ref].properties, placed.path, m
        ):
            mine = entry.get("id") if section == "services" else entry.get("from")
            if section not in ("services", "dependencies") or mine != service_id:
                m.notes.append(
                    ImportIssue(
                        place,
                        gettext("an entry about another service than {service}; left out").format(
                            service=repr(service_id)
                        ),
                        "warning",
                    )
                )
                continue
            found.append((section, entry, place))
    top = m.bom.metadata.properties
    for section, entry, place in _carried_entries(top, "metadata", m):
        if section in ("suppliers", "evidence", "profiles"):
            found.append((section, entry, place))
    if not found or m.errors:
        if m.errors:
            raise _Stop(m.errors)
        return chain
    for section, entry, place in found:
        try:
            key = _plain_key(section, entry)
        except (KeyError, TypeError):
            m.errors.append(ImportIssue(place, gettext("an entry without its id")))
            continue
        read = index[section].get(key)
        if read is None and section in ("services", "dependencies"):
            m.notes.append(
                ImportIssue(
                    place,
                    gettext("{key} is not declared in the BOM; left out").format(
                        key=" -> ".join(key)
                    ),
                    "warning",
                )
            )
            continue
        merged = {**entry, **(read or {})}
        if section == "services":
            merged = _without_echoes(merged, entry)
        index[section][key] = merged
    if m.errors:
        raise _Stop(m.errors)
    for section, items in index.items():
        if items:
            plain[section] = list(items.values())
    try:
        return load_plain(plain, source="SaaSBOM")
    except ChainError as err:
        raise _Stop(ImportIssue(issue.path, issue.message) for issue in err.issues) from None


_PII_ONLY: Final = [{"classification": "PII", "flow": "unknown"}]
"""The data flows :func:`export_saasbom` writes for a service with personal data."""


def _without_echoes(merged: dict[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """A service read back without what the reader noted of what the exporter wrote for its
    entry and the entry does not hold: the id as ``bom-ref``, the personal data as ``PII``.

    >>> _without_echoes({"id": "a", "x-cyclonedx-bom-ref": "a"}, {"id": "a"})
    {'id': 'a'}
    """
    echoes = {"x-cyclonedx-bom-ref": merged["id"], "x-cyclonedx-data": _PII_ONLY}
    return {
        key: value
        for key, value in merged.items()
        if key in entry or key not in echoes or echoes[key] != value
    }


def _plain_key(section: str, item: Mapping[str, Any]) -> tuple[str, ...]:
    """An entry's key in its section: its id, or a link's two ends."""
    if section == "dependencies":
        return (str(item["from"]), str(item["to"]))
    return (str(item["id"]),)


def _checked(chain: Chain, filename: str) -> Chain:
    """The chain after the chain file's own validation, when it has offerings to validate."""
    if not chain.offerings:
        return chain
    try:
        return load_plain(dump_plain(chain), source=filename)
    except ChainError as err:  # pragma: no cover - the mapping makes valid chains
        raise _Stop(ImportIssue(issue.path, issue.message) for issue in err.issues) from None


# ---------------------------------------------------------------------------------------------
# The importer.


class CycloneDxImporter:
    """CycloneDX 1.2-1.6 SaaSBOMs (JSON or XML): services, their providers and dependencies."""

    @property
    def name(self) -> str:
        """``cyclonedx``."""
        return "cyclonedx"

    @property
    def description(self) -> str:
        """One line for help texts."""
        return "CycloneDX 1.2-1.6 SaaSBOM (JSON or XML): services, providers and dependencies"

    def sniff(self, head: bytes, filename: str) -> bool:
        """A JSON object naming ``"bomFormat"`` ``"CycloneDX"``, or XML in a CycloneDX namespace.

        >>> IMPORTER.sniff(b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}', "bom.json")
        True
        >>> IMPORTER.sniff(b'<bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>', "x.xml")
        True
        >>> IMPORTER.sniff(b'{"ketenkaart": 1}', "chain.json")
        False
        """
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"{"):
            return b'"bomFormat"' in head and b'"CycloneDX"' in head
        if start.startswith(b"<"):
            return _NAMESPACE.encode() in head
        return False

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The services, suppliers and links ``data`` declares, or every problem with its place.

        >>> result = IMPORTER.parse(b'{"bomFormat": "CycloneDX", "specVersion": "2.0"}', Source())
        >>> print(result.issues[0])
        specVersion: '2.0' is not a CycloneDX version this reader knows (1.2 to 1.7)
        """
        refused = too_big(data, source)
        if refused is not None:
            return refused
        try:
            start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            if start == b"<":
                root, version = _read_xml(data)
                namespace = f"{_NAMESPACE}{version}"
                bridge = _bridge_xml(root, namespace)
                if bridge.issues:
                    raise _Stop(bridge.issues)
                bom = _from_library(_BOM_CLASS.from_xml, root)
            elif start == b"{":
                document, version = _read_json(data)
                bridge = _bridge_json(document)
                if bridge.issues:
                    raise _Stop(bridge.issues)
                bom = _from_library(_BOM_CLASS.from_json, document)
            else:
                raise _stop("", gettext("neither a JSON object nor XML; not a CycloneDX BOM"))
            chain, notes = _map(bom, bridge, version, keep_internal=source.keep_internal)
            chain = _checked(chain, source.filename)
        except _Stop as stop:
            issues = capped(stop.issues)
            return ImportResult(Chain(offerings=()), issues, filename=source.filename)
        return ImportResult(chain, tuple(notes), filename=source.filename)


IMPORTER: Final = CycloneDxImporter()
"""The CycloneDX importer, for :data:`importers.registry.IMPORTERS`."""


# ---------------------------------------------------------------------------------------------
# The exporter.


def _uris(value: object) -> list[XsUri]:
    """The URIs of an ``x-cyclonedx-endpoints`` list; what the library refuses is left out."""
    uris: list[XsUri] = []
    for item in value if isinstance(value, list | tuple) else ():
        if isinstance(item, str):
            try:
                uris.append(XsUri(item))
            except InvalidUriException:
                continue
    return uris


def _entry(value: object) -> str:
    """One entry of the chain file as a property's value: compact JSON, keys sorted."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _exported(
    service: Service, supplier: Supplier | None, carried: Iterable[tuple[str, str]]
) -> CdxService:
    extra = service.extra
    group = extra.get("x-cyclonedx-group")
    version = extra.get("x-cyclonedx-version")
    authenticated = extra.get("x-cyclonedx-authenticated")
    boundary = extra.get("x-cyclonedx-trust-boundary")
    return CdxService(
        name=service.name,
        bom_ref=service.id,
        provider=OrganizationalEntity(name=supplier.name if supplier else service.supplier),
        group=group if isinstance(group, str) else None,
        version=version if isinstance(version, str) else None,
        description=service.description,
        endpoints=_uris(extra.get("x-cyclonedx-endpoints")),
        authenticated=authenticated if isinstance(authenticated, bool) else None,
        x_trust_boundary=boundary if isinstance(boundary, bool) else None,
        data=(
            [DataClassification(flow=DataFlow.UNKNOWN, classification="PII")]
            if service.personal_data
            else []
        ),
        properties=[
            Property(name=_KIND_PROPERTY, value=service.kind.value),
            Property(name=_SUPPLIER_PROPERTY, value=service.supplier),
            *(Property(name=name, value=value) for name, value in carried),
        ],
    )


@dataclass(frozen=True, slots=True)
class Signed:
    """What a SaaSBOM made of a signed original (a publication, ADR 40) says of it: the
    original's ``url`` and the SHA-256 of its bytes (an external reference of type
    ``attestation`` on ``metadata.component``), a ``serial`` number and ``timestamp`` of its
    own, and further ``properties`` on ``metadata`` and on services (by id)."""

    url: str
    sha256: str
    serial: uuid.UUID
    timestamp: datetime
    properties: tuple[tuple[str, str], ...] = ()
    service_properties: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def _carried(chain: Chain) -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, str]]]:
    """The :data:`CARRIED` properties of ``chain``: by service id, and on ``metadata``."""
    plain: dict[str, Any] = dump_plain(chain)
    by_service: dict[str, list[tuple[str, str]]] = {sid: [] for sid in chain.services}
    for item in plain.get("services", []):
        by_service[item["id"]].append((CARRIED["services"], _entry(item)))
    for item in plain.get("dependencies", []):
        by_service[item["from"]].append((CARRIED["dependencies"], _entry(item)))
    on_top = [
        (CARRIED[section], _entry(item))
        for section in ("suppliers", "evidence", "profiles")
        for item in plain.get(section, [])
    ]
    return by_service, on_top


def export_saasbom(chain: Chain, signed: Signed | None = None) -> bytes:
    """A CycloneDX 1.6 JSON SaaSBOM of ``chain``: its services, their providers and links;
    with ``signed``, also what it says of the signed original it was made from.

    Each service keeps its chain id as ``bom-ref``; its kind and supplier id travel as the
    properties ``ketenkaart:kind`` and ``ketenkaart:supplier``; ``personal_data`` becomes a
    ``PII`` data classification; ``metadata.component`` (bom-ref ``ketenkaart:offerings``)
    depends on the offerings. Every entry of the chain file travels too, as a
    :data:`CARRIED` property, so that evidence, locations and link attributes, which have no
    field in a SaaSBOM, are read back.

    >>> chain = Chain(
    ...     offerings=("app",),
    ...     suppliers={"me": Supplier(id="me", name="Me B.V.")},
    ...     services={"app": Service(id="app", name="App", supplier="me", kind=Kind.SAAS)},
    ... )
    >>> from importers.base import Source
    >>> bom = json.loads(export_saasbom(chain))
    >>> bom["specVersion"], bom["services"][0]["bom-ref"], bom["services"][0]["provider"]["name"]
    ('1.6', 'app', 'Me B.V.')
    >>> back = IMPORTER.parse(export_saasbom(chain), Source()).chain
    >>> back.offerings, back.services["app"].supplier, back.suppliers["me"].name
    (('app',), 'me', 'Me B.V.')
    """
    by_service, on_top = _carried(chain)
    if signed is not None:
        on_top += signed.properties
        for service_id, given in signed.service_properties.items():
            by_service.get(service_id, []).extend(given)
    made = {
        service.id: _exported(
            service, chain.suppliers.get(service.supplier), by_service[service.id]
        )
        for service in chain.services.values()
    }
    top = Component(
        type=ComponentType.APPLICATION,
        name=chain.title or "offerings",
        bom_ref=_OFFERINGS_REF,
    )
    metadata = BomMetaData(
        component=top, properties=[Property(name=name, value=value) for name, value in on_top]
    )
    bom = Bom(services=made.values(), metadata=metadata)
    if signed is not None:
        bom.serial_number = signed.serial
        metadata.timestamp = signed.timestamp
        top.external_references.add(
            ExternalReference(
                type=ExternalReferenceType.ATTESTATION,
                url=XsUri(signed.url),
                comment="the signed original (ketenkaart publication)",
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=signed.sha256)],
            )
        )
    bom.register_dependency(top, [made[offering] for offering in chain.offerings])
    provides: dict[str, list[CdxService]] = {service_id: [] for service_id in made}
    for consumer, provider in chain.dependencies:
        provides[consumer].append(made[provider])
    for service_id, providers in provides.items():
        bom.register_dependency(made[service_id], providers)
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    return text.encode("utf-8") + b"\n"
