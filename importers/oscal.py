"""OSCAL system security plans (SSPs), in JSON, YAML and XML, OSCAL 1.0 and 1.1.

An SSP describes one system and, under ``system-implementation.leveraged-authorizations``, the
authorized systems it runs on. That is one link of a supply chain per leveraged authorization:

- the system (``system-characteristics``) becomes the offering: a service named by its
  ``system-name``, of the kind its ``cloud-service-model`` property names; without one, of the
  kind a service-model word (IaaS, PaaS, SaaS, "platform as a service", "software als dienst"...:
  :func:`importers.kinds.service_model_word`) in its name, short name, the SSP's title or its
  description names, else ``saas``;
- each leveraged authorization becomes a service (its ``title``), a dependency from the system on
  it, and a piece of ``fedramp`` evidence: held by the leveraged system's supplier, covering that
  service, ``issued`` on ``date-authorized``, ``verification: claimed`` (the SSP states the
  authorization; nobody has seen it yet), with the FedRAMP properties (``impact-level``,
  ``authorization-type``, ``leveraged-system-identifier``) and the links kept as ``x-`` keys;
- a component of type ``leveraged-system``, or of type ``system`` with
  ``implementation-point: external``, that points at a leveraged authorization
  (``leveraged-authorization-uuid``) tells the kind (``asset-type``) and provider
  (``responsible-role`` ``provider``) of that leveraged system; one that points at none is an
  external system without an authorization: a service (supplied by its ``provider`` party) and a
  dependency, without evidence, so the analysis shows the gap. Without an ``asset-type``, a
  leveraged or external system's kind is the service-model word in its title or its component's
  title or description, else ``other``. The ``this-system`` component is the system itself;
  other components (software, interconnections, policies...) are not services of the chain. A
  plan with neither gives the system alone, with a warning;
- parties become suppliers when something in the chain is theirs: the system's (the metadata's
  ``cloud-service-provider``, ``provider``, ``system-owner`` or ``owner`` party) and each leveraged
  system's (its ``party-uuid``, else its component's ``provider``). A person is never a supplier
  (ADR 33): a person who is a member of an organisation stands for it and becomes its
  ``contact`` (name, address, e-mail), as does a person named beside an organisation; a person
  named alone leaves a supplier called ``provider of`` the system, with a warning, and the
  person as its contact.

OSCAL 1.0 and 1.1 are read alike (1.1 made parts of the system's characteristics optional and
added groups, actions and link fragments, none of which the chain needs); a later version is
read as 1.1 with a warning. A file of OSCAL's drafts before 1.0 (``oscal-version`` ``1.0.0-rc1``,
``1.0-Milestone3``, or objects keyed by id where 1.0 has lists) is refused with one message,
"pre-1.0 OSCAL is not supported", and nothing after it.

XML is read with :mod:`defusedxml` (a DTD or entity is refused); YAML with the chain file's
composer (YAML 1.2 core rules, anchors and aliases refused, at most 100 levels deep); JSON with the
standard library. A file that is OSCAL but not an SSP (a catalog, profile, component definition)
is refused with a message saying what it is; an SSP fragment without the system's
characteristics, implementation or name is refused with the parts it holds.

>>> plan = b'''{"system-security-plan": {"uuid": "u1",
...   "metadata": {"title": "Payroll SSP", "oscal-version": "1.1.2", "parties": [
...     {"uuid": "p1", "type": "organization", "name": "Payroll B.V."},
...     {"uuid": "p2", "type": "organization", "name": "Cloud Inc."}],
...   "responsible-parties": [{"role-id": "cloud-service-provider", "party-uuids": ["p1"]}]},
...   "system-characteristics": {"system-name": "Payroll"},
...   "system-implementation": {"leveraged-authorizations": [{"uuid": "l1",
...     "title": "Cloud IaaS", "party-uuid": "p2", "date-authorized": "2024-05-01"}]}}}'''
>>> result = IMPORTER.parse(plan, Source("payroll-ssp.json"))
>>> result.chain.offerings, list(result.chain.dependencies)
(('payroll',), [('payroll', 'cloud-iaas')])
>>> evidence = result.chain.evidence["fedramp-cloud-iaas"]
>>> evidence.holder, evidence.issued.isoformat(), evidence.verification.value
('cloud-inc', '2024-05-01', 'claimed')
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import yaml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from graph.errors import ChainError
from graph.i18n import N_, gettext
from graph.model import Chain, Kind
from importers.base import ImportIssue, ImportResult, Source, too_big
from importers.chainfile import load_plain
from importers.chainfile.countries import COUNTRIES
from importers.chainfile.yaml12 import NOTHING, YMap, YSeq, compose_yaml, library_words
from importers.kinds import model_kind, service_model_word

__all__ = ["IMPORTER", "OscalImporter"]

NAMESPACE: Final = "http://csrc.nist.gov/ns/oscal/1.0"
"""The XML namespace of OSCAL 1.0 and 1.1."""

MAX_XML_DEPTH: Final = 100
"""The deepest nesting of XML elements read (the YAML composer has the same bound)."""

_MODELS: Final = {
    "system-security-plan": N_("an OSCAL system security plan"),
    "catalog": N_("an OSCAL catalog"),
    "profile": N_("an OSCAL profile"),
    "component-definition": N_("an OSCAL component definition"),
    "assessment-plan": N_("an OSCAL assessment plan"),
    "assessment-results": N_("OSCAL assessment results"),
    "plan-of-action-and-milestones": N_("an OSCAL plan of action and milestones"),
    "mapping-collection": N_("an OSCAL mapping collection"),
}
_SSP = "system-security-plan"
_SYSTEM_ROLES: Final = ("cloud-service-provider", "provider", "system-owner", "owner")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_MARKDOWN = re.compile(r"\*\*|__|`|(?<!\w)\*|\*(?!\w)")
_SPACE = re.compile(r"\s+")
_SLUG = re.compile(r"[^a-z0-9]+")
_SUPPORTED = ("1.0", "1.1")
_VERSION = re.compile(r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(.*)", re.IGNORECASE | re.DOTALL)
_CONVERT = N_("convert the file to OSCAL 1.0 or later and import that")
_SECOND_DOCUMENT = N_("a chain file holds one YAML document; found a second one")
_FIRST = re.compile(rb"[^ \t\r\n]")


class _Refused(Exception):  # noqa: N818 - a way out of the walk, not an error kind
    """The file cannot be read at all (not an SSP, not parseable); the issue says why."""


# ---------------------------------------------------------------------------------------------
# One OSCAL object, whatever the format it came in.


@dataclass
class _Issues:
    """The issues met so far."""

    found: list[ImportIssue] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        self.found.append(ImportIssue(where, message))

    def warn(self, where: str, message: str, kind: str = "") -> None:
        """A warning; ``kind`` names one a plan may give many times, to be summarised."""
        self.found.append(ImportIssue(where, message, "warning", kind))


def _at_line(line: int, path: str = "") -> str:
    """A place: ``line 3`` (``regel 3`` in Dutch), followed by ``: path`` when there is one.

    >>> _at_line(3), _at_line(7, "system-security-plan.metadata")
    ('line 3', 'line 7: system-security-plan.metadata')
    """
    place = gettext("line {line}").format(line=line)
    return f"{place}: {path}" if path else place


def _plain_text(text: str) -> str:
    """Markup-line text without Markdown emphasis and with single spaces."""
    return _SPACE.sub(" ", _MARKDOWN.sub("", text)).strip()


class _Node:
    """An OSCAL object: its fields by their JSON names, and where it is for messages."""

    def __init__(self, issues: _Issues, path: str) -> None:
        self.issues = issues
        self.path = path

    def where(self, name: str | None = None) -> str:
        """The place of the object (or of its field ``name``) for a message."""
        raise NotImplementedError

    def text(self, name: str) -> str | None:
        """A flag or text field, as plain text; ``None`` when absent."""
        raise NotImplementedError

    def node(self, name: str) -> _Node | None:
        """A field holding one object."""
        raise NotImplementedError

    def nodes(self, json_name: str, xml_name: str) -> list[_Node]:
        """A field holding a list of objects (JSON ``props``, XML ``prop`` elements)."""
        raise NotImplementedError

    def texts(self, json_name: str, xml_name: str) -> list[str]:
        """A field holding a list of strings (JSON ``party-uuids``, XML ``party-uuid``)."""
        raise NotImplementedError

    def fields(self) -> list[str]:
        """The names of the fields the object holds, in order (for messages)."""
        raise NotImplementedError

    def keyed(self, name: str) -> bool:
        """Whether field ``name`` is an object of objects (keyed by id), where OSCAL 1.0 and
        later have a list: the JSON and YAML layout of OSCAL's drafts before 1.0."""
        return False

    def prop(self, name: str) -> str | None:
        """The value of the first property called ``name`` (in any namespace)."""
        for item in self.nodes("props", "prop"):
            if item.text("name") == name:
                return item.text("value")
        return None


def _describe(value: object) -> str:
    """What a value is, for the ``found ...`` of a message: the file's own value, quoted.

    >>> _describe({}), _describe([]), _describe(True), _describe(None), _describe("x")
    ('an object', 'a list', 'true', 'null', "'x'")
    """
    if isinstance(value, dict):
        return gettext("an object")
    if isinstance(value, list):
        return gettext("a list")
    if isinstance(value, bool):
        return gettext("true") if value else gettext("false")
    return gettext("null") if value is None else repr(value)


def _expected_text(value: object) -> str:
    return gettext("expected text, found {found}").format(found=_describe(value))


def _expected_object(value: object) -> str:
    return gettext("expected an object, found {found}").format(found=_describe(value))


class _DataNode(_Node):
    """An object of a JSON or YAML file (YAML mappings know their lines)."""

    def __init__(self, issues: _Issues, path: str, value: dict[str, object]) -> None:
        super().__init__(issues, path)
        self.value = value

    def where(self, name: str | None = None) -> str:
        path = self.path if name is None else f"{self.path}.{name}"
        line = None
        if isinstance(self.value, YMap):
            line = self.value.line if name is None else self.value.key_lines.get(name)
        return path if line is None else _at_line(line, path)

    def text(self, name: str) -> str | None:
        value = self.value.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            written = self.value.texts.get(name) if isinstance(self.value, YMap) else None
            return written if written is not None else json.dumps(value)
        self.issues.error(self.where(name), _expected_text(value))
        return None

    def node(self, name: str) -> _Node | None:
        value = self.value.get(name)
        if value is None:
            return None
        if isinstance(value, dict):
            return _DataNode(self.issues, f"{self.path}.{name}", value)
        self.issues.error(self.where(name), _expected_object(value))
        return None

    def fields(self) -> list[str]:
        return [str(key) for key in self.value]

    def keyed(self, name: str) -> bool:
        value = self.value.get(name)
        return (
            isinstance(value, dict)
            and bool(value)
            and all(isinstance(item, dict) for item in value.values())
        )

    def _list(self, name: str) -> list[object]:
        value = self.value.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.issues.error(
            self.where(name),
            gettext("expected a list, found {found}").format(found=_describe(value)),
        )
        return []

    def _item_where(self, items: list[object], name: str, index: int) -> str:
        path = f"{self.path}.{name}[{index}]"
        if isinstance(items, YSeq) and index < len(items.item_lines):
            return _at_line(items.item_lines[index], path)
        return path

    def nodes(self, json_name: str, xml_name: str) -> list[_Node]:
        items = self._list(json_name)
        found: list[_Node] = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                found.append(_DataNode(self.issues, f"{self.path}.{json_name}[{index}]", item))
            else:
                self.issues.error(self._item_where(items, json_name, index), _expected_object(item))
        return found

    def texts(self, json_name: str, xml_name: str) -> list[str]:
        items = self._list(json_name)
        found: list[str] = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                found.append(item)
            else:
                self.issues.error(self._item_where(items, json_name, index), _expected_text(item))
        return found


class _XmlNode(_Node):
    """An element of an OSCAL XML file: flags are attributes, other fields child elements."""

    def __init__(self, issues: _Issues, path: str, element: Element, lines: dict[int, int]) -> None:
        super().__init__(issues, path)
        self.element = element
        self.lines = lines

    def _at(self, element: Element, path: str) -> str:
        line = self.lines.get(id(element))
        return path if line is None else _at_line(line, path)

    def where(self, name: str | None = None) -> str:
        if name is None:
            return self._at(self.element, self.path)
        child = self.element.find(f"{{{NAMESPACE}}}{name}")
        return self._at(self.element if child is None else child, f"{self.path}/{name}")

    def fields(self) -> list[str]:
        names = [child.tag.rpartition("}")[2] for child in self.element]
        return list(dict.fromkeys(name for name in names if isinstance(name, str)))

    def text(self, name: str) -> str | None:
        if name in self.element.attrib:
            return self.element.attrib[name]
        child = self.element.find(f"{{{NAMESPACE}}}{name}")
        return None if child is None else _plain_text("".join(child.itertext()))

    def node(self, name: str) -> _Node | None:
        child = self.element.find(f"{{{NAMESPACE}}}{name}")
        if child is None:
            return None
        return _XmlNode(self.issues, f"{self.path}/{name}", child, self.lines)

    def nodes(self, json_name: str, xml_name: str) -> list[_Node]:
        children = self.element.findall(f"{{{NAMESPACE}}}{xml_name}")
        return [
            _XmlNode(self.issues, f"{self.path}/{xml_name}[{index}]", child, self.lines)
            for index, child in enumerate(children)
        ]

    def texts(self, json_name: str, xml_name: str) -> list[str]:
        children = self.element.findall(f"{{{NAMESPACE}}}{xml_name}")
        return [_plain_text("".join(child.itertext())) for child in children]


# ---------------------------------------------------------------------------------------------
# Bytes -> the SSP's root object.


class _LineBuilder:
    """A tree builder that records each element's line and refuses deep nesting."""

    def __init__(self) -> None:
        self.builder = TreeBuilder()
        self.lines: dict[int, int] = {}
        self.depth = 0
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            line = self.parser.parser.CurrentLineNumber
            raise _Refused(
                ImportIssue(
                    _at_line(line),
                    gettext("elements nested more than {depth} deep").format(depth=MAX_XML_DEPTH),
                )
            )
        element = self.builder.start(tag, attrs)
        self.lines[id(element)] = int(self.parser.parser.CurrentLineNumber)
        return element

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return self.builder.end(tag)

    def data(self, text: str) -> None:
        self.builder.data(text)

    def close(self) -> Element:
        return self.builder.close()


def _parse_xml(data: bytes, issues: _Issues) -> _Node:
    target = _LineBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    target.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as err:
        raise _Refused(
            ImportIssue(
                "",
                gettext(
                    "the XML declares a document type or entities ({error}); DTDs and entities "
                    "are refused"
                ).format(error=type(err).__name__),
            )
        ) from None
    except ParseError as err:
        line, _ = err.position
        raise _Refused(
            ImportIssue(
                _at_line(line), gettext("not well-formed XML: {message}").format(message=err)
            )
        ) from None
    if not isinstance(root, Element):
        raise _Refused(ImportIssue("", gettext("the XML has no root element")))
    namespace, _, name = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    if namespace != NAMESPACE:
        raise _Refused(
            ImportIssue(
                _at_line(1),
                gettext(
                    "the root element is {tag}; an OSCAL file's root is in the namespace "
                    "{namespace}"
                ).format(tag=repr(root.tag), namespace=NAMESPACE),
            )
        )
    _refuse_other_models(name, f"<{name}>")
    return _XmlNode(issues, name, root, target.lines)


def _refuse_other_models(name: str, where: str) -> None:
    if name == _SSP:
        return
    what = _MODELS.get(name)
    if what is None:
        raise _Refused(
            ImportIssue(
                where,
                gettext(
                    "not an OSCAL system security plan: the root is {name}, not {ssp}; only "
                    "system security plans are read"
                ).format(name=repr(name), ssp=repr(_SSP)),
            )
        )
    raise _Refused(
        ImportIssue(
            where,
            gettext(
                "this is {what} ({name}), not a system security plan; only system security "
                "plans are read"
            ).format(what=gettext(what), name=name),
        )
    )


def _parse_data(text: str, *, is_json: bool, issues: _Issues) -> _Node:
    problems: list[ImportIssue] = []

    def report(path: str, message: str, line: int | None) -> None:
        where = path if line is None else _at_line(line, path)
        if message == gettext(_SECOND_DOCUMENT):
            message = gettext("an OSCAL file holds one YAML document; found a second one")
        problems.append(ImportIssue(where, message))

    root: object
    try:
        root = (
            json.loads(text, parse_constant=_refuse_constant)
            if is_json
            else compose_yaml(text, report)
        )
    except json.JSONDecodeError as err:
        place = gettext("line {line}, column {column}").format(line=err.lineno, column=err.colno)
        raise _Refused(ImportIssue(place, _not_json(library_words(err.msg)))) from None
    except ValueError as err:
        raise _Refused(ImportIssue("", _not_json(str(err)))) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = "" if mark is None else _at_line(int(mark.line) + 1)
        problem = getattr(err, "problem", None) or str(err)
        message = gettext("not valid YAML: {problem}").format(problem=library_words(problem))
        raise _Refused(ImportIssue(where, message)) from None
    except RecursionError:
        raise _Refused(ImportIssue("", gettext("the file is nested too deeply"))) from None
    if problems:
        issues.found.extend(problems)
        raise _Refused(problems[0])
    if root is NOTHING or root is None:
        raise _Refused(ImportIssue("", gettext("the file is empty")))
    if not isinstance(root, dict):
        raise _Refused(
            ImportIssue(
                "",
                gettext("the file holds {what}, not an OSCAL document").format(
                    what=_describe(root)
                ),
            )
        )
    names = [key for key in root if key != "$schema"]
    if len(names) != 1:
        listed = ", ".join(repr(name) for name in names) or gettext("none")
        raise _Refused(
            ImportIssue(
                "",
                gettext(
                    "an OSCAL document has one top-level key ({ssp} for an SSP); found {listed}"
                ).format(ssp=repr(_SSP), listed=listed),
            )
        )
    _refuse_other_models(names[0], names[0])
    body = root[names[0]]
    if not isinstance(body, dict):
        raise _Refused(ImportIssue(names[0], _expected_object(body)))
    return _DataNode(issues, names[0], body)


def _not_json(problem: str) -> str:
    return gettext("not valid JSON: {problem}").format(problem=problem)


def _refuse_constant(name: str) -> object:
    raise ValueError(gettext("{name} is not allowed").format(name=name))


def _root(data: bytes, issues: _Issues) -> _Node:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Refused(ImportIssue("", gettext("the file is UTF-16 text; save it as UTF-8")))
    body = data.removeprefix(b"\xef\xbb\xbf")
    first = _FIRST.search(body)
    if first is not None and first.group() == b"<":
        return _parse_xml(data, issues)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        line = body.count(b"\n", 0, err.start) + 1
        raise _Refused(
            ImportIssue(
                _at_line(line),
                gettext("not UTF-8 text (byte {byte}); save the file as UTF-8").format(
                    byte=f"0x{body[err.start]:02x}"
                ),
            )
        ) from None
    return _parse_data(text, is_json=first is not None and first.group() == b"{", issues=issues)


# ---------------------------------------------------------------------------------------------
# The SSP -> a chain document.


@dataclass
class _Party:
    uuid: str
    type: str | None
    label: str | None
    organizations: list[str]
    country: str | None
    email: str | None = None
    address: str | None = None

    @property
    def person(self) -> bool:
        """A natural person: never a supplier, at most a supplier's contact."""
        return self.type == "person"

    def contact(self) -> dict[str, str]:
        """The party as a supplier's ``contact``: what it has of name, address and e-mail."""
        found = {"name": self.label, "address": self.address, "email": self.email}
        return {key: value for key, value in found.items() if value}


class _Ids:
    """Fresh ids in one namespace: a slug of a name, with ``-2``, ``-3``... on a repeat."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def new(self, text: str, fallback: str) -> str:
        base = _slug(text) or fallback
        candidate, number = base, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{base}-{number}"
        self.taken.add(candidate)
        return candidate


def _draft(version: str) -> bool:
    """Whether ``version`` is one of OSCAL's drafts before 1.0.0 (a 0.x, or a pre-release of
    1.0.0 such as ``1.0.0-rc1`` or ``1.0-Milestone3``).

    >>> [_draft(v) for v in ("1.0.0-rc1", "1.0.0-rc2", "1.0-Milestone3", "0.9", "1.0.0", "1.1.2")]
    [True, True, True, True, False, False]
    """
    found = _VERSION.fullmatch(version.strip())
    if found is None:
        return False
    major, minor, patch, rest = found.groups()
    if int(major) == 0:
        return True
    return (
        int(major) == 1 and int(minor or 0) == 0 and int(patch or 0) == 0 and rest.startswith("-")
    )


def _slug(text: str) -> str:
    """An id made of a name: lower-case ASCII letters and digits joined by ``-``.

    >>> _slug("CSP IaaS [Leveraged System]")
    'csp-iaas-leveraged-system'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", ascii_text.lower()).strip("-")[:80].rstrip("-")


def _address(address: _Node) -> str | None:
    """A postal address on one line: its lines, postal code and city, state and country.

    >>> issues = _Issues()
    >>> _address(_DataNode(issues, "a", {"addr-lines": ["Kade 1"], "postal-code": "3511 AA",
    ...                                   "city": "Utrecht", "country": "NL"}))
    'Kade 1, 3511 AA Utrecht, NL'
    """
    lines = [_plain_text(line) for line in address.texts("addr-lines", "addr-line")]
    town = " ".join(
        _plain_text(part)
        for part in (address.text("postal-code"), address.text("city"))
        if part and part.strip()
    )
    parts = [*lines, town, address.text("state") or "", address.text("country") or ""]
    text = ", ".join(part.strip() for part in parts if part and part.strip())
    return text or None


class _Plan:
    """Turns the SSP's objects into the entities of a chain document."""

    def __init__(self, root: _Node, issues: _Issues) -> None:
        self.root = root
        self.issues = issues
        self.parties: dict[str, _Party] = {}
        self.suppliers: dict[str, dict[str, object]] = {}  # by party uuid or fallback key
        self.services: list[dict[str, object]] = []
        self.dependencies: list[dict[str, object]] = []
        self.evidence: list[dict[str, object]] = []
        self.supplier_ids = _Ids()
        self.service_ids = _Ids()
        self.evidence_ids = _Ids()

    def document(self) -> dict[str, object]:
        metadata = self.root.node("metadata")
        title = None
        characteristics = self.root.node("system-characteristics")
        implementation = self.root.node("system-implementation")
        self.refuse_drafts(metadata, implementation)
        if metadata is not None:
            title = metadata.text("title")
            self.check_version(metadata)
            self.read_parties(metadata)
        for name, found in (
            ("system-characteristics", characteristics),
            ("system-implementation", implementation),
        ):
            if found is None:
                held = ", ".join(self.root.fields()) or gettext("nothing")
                self.issues.error(
                    self.root.where(),
                    gettext(
                        "{name} is missing; an SSP needs it (is this an SSP fragment?); the plan "
                        "holds: {held}"
                    ).format(name=name, held=held),
                )
        if characteristics is None or implementation is None:
            raise _Refused(self.issues.found[-1])
        system = self.system(characteristics, metadata)
        components = implementation.nodes("components", "component")
        linked = self.components_by_authorization(components)
        for item in implementation.nodes("leveraged-authorizations", "leveraged-authorization"):
            self.leveraged(item, system, linked.get(item.text("uuid") or "", []))
        for component in components:
            self.external(component, system)
        if not self.dependencies:
            self.issues.warn(
                implementation.where(),
                gettext(
                    "the SSP names no leveraged authorization and no external system: the chain "
                    "is the system {system} alone, with no link to judge"
                ).format(system=repr(system)),
            )
        document: dict[str, object] = {"ketenkaart": 1}
        if title:
            document["title"] = _plain_text(title)
        document.update(
            offerings=[system],
            suppliers=list(self.suppliers.values()),
            services=self.services,
            dependencies=self.dependencies,
            evidence=self.evidence,
        )
        return document

    def refuse_drafts(self, metadata: _Node | None, implementation: _Node | None) -> None:
        """Refuse an SSP of OSCAL's drafts before 1.0 (``1.0.0-rc1``, ``1.0.0-milestone3``...),
        by its version or by its layout (objects keyed by id where OSCAL 1.0 has lists), with
        one message that says so first."""
        version = metadata.text("oscal-version") if metadata is not None else None
        if version is not None and _draft(version):
            assert metadata is not None  # noqa: S101 - the version came from it
            raise _Refused(
                ImportIssue(
                    metadata.where("oscal-version"),
                    gettext(
                        "pre-1.0 OSCAL is not supported: the file is written for OSCAL {version}, "
                        "a draft before OSCAL 1.0.0 whose layout differs; {convert}"
                    ).format(version=version.strip(), convert=gettext(_CONVERT)),
                )
            )
        for node, names in (
            (metadata, ("roles", "parties", "responsible-parties")),
            (
                implementation,
                ("users", "components", "inventory-items", "leveraged-authorizations"),
            ),
        ):
            keyed = next((name for name in names if node is not None and node.keyed(name)), None)
            if node is not None and keyed is not None:
                if version:
                    message = gettext(
                        "pre-1.0 OSCAL is not supported: {keyed} is an object keyed by id, as "
                        "OSCAL's drafts before 1.0 wrote it (although it says OSCAL {version}); "
                        "OSCAL 1.0 and later have a list; {convert}"
                    )
                else:
                    message = gettext(
                        "pre-1.0 OSCAL is not supported: {keyed} is an object keyed by id, as "
                        "OSCAL's drafts before 1.0 wrote it; OSCAL 1.0 and later have a list; "
                        "{convert}"
                    )
                raise _Refused(
                    ImportIssue(
                        node.where(keyed),
                        message.format(
                            keyed=keyed,
                            version=(version or "").strip(),
                            convert=gettext(_CONVERT),
                        ),
                    )
                )

    def check_version(self, metadata: _Node) -> None:
        version = metadata.text("oscal-version")
        if version is not None and not version.startswith(tuple(v + "." for v in _SUPPORTED)):
            self.issues.warn(
                metadata.where("oscal-version"),
                gettext(
                    "written for OSCAL {version}; read as OSCAL 1.1 (1.0 and 1.1 are supported)"
                ).format(version=version),
            )

    def read_parties(self, metadata: _Node) -> None:
        for item in metadata.nodes("parties", "party"):
            uuid = item.text("uuid")
            if uuid is None:
                continue
            name = item.text("name") or item.text("short-name")
            country = None
            addresses = item.nodes("addresses", "address")
            for address in addresses:
                code = (address.text("country") or "").upper()
                if code in COUNTRIES:
                    country = code
                    break
            emails = [e.strip() for e in item.texts("email-addresses", "email-address")]
            self.parties[uuid] = _Party(
                uuid=uuid,
                type=item.text("type"),
                label=_plain_text(name) if name else None,
                organizations=item.texts("member-of-organizations", "member-of-organization"),
                country=country,
                email=next((e for e in emails if e), None),
                address=_address(addresses[0]) if addresses else None,
            )

    # -- the system ---------------------------------------------------------------------------

    def system(self, characteristics: _Node, metadata: _Node | None) -> str:
        name = characteristics.text("system-name")
        if not name:
            held = ", ".join(characteristics.fields()) or gettext("nothing")
            self.issues.error(
                characteristics.where("system-name"),
                gettext("the system has no name; system-characteristics holds: {held}").format(
                    held=held
                ),
            )
            raise _Refused(self.issues.found[-1])
        name = _plain_text(name)
        service_id = self.service_ids.new(name, "system")
        kind = self.own_kind(characteristics, name, metadata)
        candidates: list[str] = []
        if metadata is not None:
            roles = {
                item.text("role-id"): item.texts("party-uuids", "party-uuid")
                for item in metadata.nodes("responsible-parties", "responsible-party")
            }
            for role in _SYSTEM_ROLES:
                candidates.extend(roles.get(role, []))
        supplier = self.supplier(candidates, name, characteristics.where())
        service: dict[str, object] = {
            "id": service_id,
            "name": name,
            "supplier": supplier,
            "kind": kind,
        }
        extra: dict[str, object] = {}
        uuid = self.root.text("uuid")
        if uuid:
            extra["x-oscal-uuid"] = uuid
        system_ids = [
            item.text("id") or "" for item in characteristics.nodes("system-ids", "system-id")
        ]
        if isinstance(characteristics, _XmlNode):
            system_ids = characteristics.texts("system-ids", "system-id")
        if system_ids and system_ids[0]:
            extra["x-system-id"] = system_ids[0]
        level = characteristics.text("security-sensitivity-level")
        if level:
            extra["x-impact-level"] = level
        self.services.append(service | extra)
        return service_id

    def supplier(self, candidates: list[str], service_name: str, where: str) -> str:
        """The supplier id for ``service_name``, made on first use: the first organisation of
        ``candidates`` (a person stands for the organisation they are a member of, and becomes
        its contact). A person is never a supplier: with no organisation named, the supplier is
        called ``provider of`` the service, with a warning, and the person is its contact."""
        party, person = self.pick(candidates, where)
        fallback = f"provider of {service_name}"
        if party is not None and party.label:
            key, label = party.uuid, party.label
        else:
            key, label = (party.uuid if party is not None else fallback), fallback
        if key in self.suppliers:
            return str(self.suppliers[key]["id"])
        if party is None or not party.label:
            self.issues.warn(
                where,
                self.unnamed(party, person, service_name, fallback),
                gettext("supplier named after the system"),
            )
        supplier: dict[str, object] = {"id": self.supplier_ids.new(label, "supplier")}
        supplier["name"] = label
        if party is not None and party.country:
            supplier["country"] = party.country
        if person is not None and person.contact():
            supplier["contact"] = person.contact()
        if party is not None:
            supplier["x-oscal-party-uuid"] = party.uuid
        self.suppliers[key] = supplier
        return str(supplier["id"])

    @staticmethod
    def unnamed(party: _Party | None, person: _Party | None, service: str, name: str) -> str:
        """The warning for a supplier the SSP gives no organisation's name."""
        if party is not None:
            reason = gettext(
                "names party {party} as the supplier of {service}, without a name"
            ).format(party=party.uuid, service=repr(service))
        elif person is not None:
            reason = gettext(
                "names only a person (party {party}) for the supplier of {service}, and a "
                "person is not a supplier"
            ).format(party=person.uuid, service=repr(service))
        else:
            reason = gettext("names no party that supplies {service}").format(service=repr(service))
        told = gettext(", with that person as its contact") if person and person.contact() else ""
        return gettext("the SSP {reason}; the supplier is called {name}{told}").format(
            reason=reason, name=repr(name), told=told
        )

    def pick(self, candidates: list[str], where: str) -> tuple[_Party | None, _Party | None]:
        """The party that supplies (the first named organisation, else the first party that
        is not a person) and the person who is its contact (a member of it, else the first
        person among ``candidates``); either may be None."""
        resolved: list[tuple[_Party, _Party | None]] = []  # (party, the person it came from)
        people: list[_Party] = []
        for uuid in candidates:
            party = self.parties.get(uuid)
            if party is None:
                self.issues.warn(
                    where,
                    gettext("party {uuid} is not among the metadata's parties").format(uuid=uuid),
                    gettext("unknown party"),
                )
                continue
            if not party.person:
                resolved.append((party, None))
                continue
            people.append(party)
            for member_of in party.organizations:
                organization = self.parties.get(member_of)
                if organization is not None and not organization.person:
                    resolved.append((organization, party))
                    break
        chosen = next(((p, via) for p, via in resolved if p.label), None)
        if chosen is None and resolved:
            chosen = resolved[0]
        if chosen is None:
            return None, (people[0] if people else None)
        party, via = chosen
        return party, via or (people[0] if people else None)

    # -- leveraged systems and external systems -----------------------------------------------

    def components_by_authorization(self, components: list[_Node]) -> dict[str, list[_Node]]:
        linked: dict[str, list[_Node]] = {}
        for component in components:
            uuid = component.prop("leveraged-authorization-uuid")
            if uuid is not None:
                linked.setdefault(uuid, []).append(component)
        return linked

    def leveraged(self, item: _Node, system: str, components: list[_Node]) -> None:
        title = item.text("title")
        if not title:
            self.issues.error(
                item.where("title"), gettext("the leveraged authorization has no title")
            )
            return
        title = _plain_text(title)
        authorized = self.date(item, "date-authorized")
        systems = [c for c in components if c.text("type") in ("leveraged-system", "system")]
        component = systems[0] if systems else (components[0] if components else None)
        kind = self.kind(title, component)
        candidates = [uuid for uuid in [item.text("party-uuid")] if uuid]
        if component is not None:
            candidates.extend(self.role_parties(component, "provider"))
        service_id = self.service_ids.new(title, "leveraged-system")
        supplier = self.supplier(candidates, title, item.where())
        service: dict[str, object] = {
            "id": service_id,
            "name": title,
            "supplier": supplier,
            "kind": kind,
        }
        fedramp_id = item.prop("leveraged-system-identifier")
        if item.text("uuid"):
            service["x-oscal-uuid"] = item.text("uuid")
        if fedramp_id:
            service["x-fedramp-id"] = fedramp_id
        self.services.append(service)
        self.dependencies.append(
            {"from": system, "to": service_id, "role": "leveraged authorization"}
        )
        evidence: dict[str, object] = {
            "id": self.evidence_ids.new(f"fedramp-{service_id}", "fedramp"),
            "scheme": "fedramp",
            "holder": supplier,
            "covers": [service_id],
        }
        if authorized is not None:
            evidence["issued"] = authorized.isoformat()
        evidence["verification"] = "claimed"
        for prop, key in (
            ("impact-level", "x-impact-level"),
            ("authorization-type", "x-authorization-type"),
            ("leveraged-system-identifier", "x-fedramp-id"),
        ):
            value = item.prop(prop)
            if value:
                evidence[key] = value
        links = [link.text("href") for link in item.nodes("links", "link")]
        if any(links):
            evidence["x-links"] = [link for link in links if link]
        self.evidence.append(evidence)

    def external(self, component: _Node, system: str) -> None:
        """An external system the SSP relies on without a leveraged authorization."""
        kind = component.text("type")
        point = component.prop("implementation-point")
        if component.prop("leveraged-authorization-uuid") is not None:
            return
        if not (kind == "leveraged-system" or (kind == "system" and point == "external")):
            return
        title = _plain_text(component.text("title") or "")
        if not title:
            self.issues.error(component.where("title"), gettext("the component has no title"))
            return
        service_id = self.service_ids.new(title, "external-system")
        candidates = self.role_parties(component, "provider")
        supplier = self.supplier(candidates, title, component.where())
        service: dict[str, object] = {
            "id": service_id,
            "name": title,
            "supplier": supplier,
            "kind": self.kind(title, component),
        }
        if component.text("uuid"):
            service["x-oscal-uuid"] = component.text("uuid")
        self.services.append(service)
        self.dependencies.append({"from": system, "to": service_id, "role": "external system"})

    def role_parties(self, component: _Node, role: str) -> list[str]:
        found: list[str] = []
        for item in component.nodes("responsible-roles", "responsible-role"):
            if item.text("role-id") == role:
                found.extend(item.texts("party-uuids", "party-uuid"))
        return found

    def own_kind(self, characteristics: _Node, name: str, metadata: _Node | None) -> str:
        """The system's kind: its ``cloud-service-model``, else a service-model word (English
        or Dutch) in its name, short name, the SSP's title or its description, else ``saas``."""
        model = characteristics.prop("cloud-service-model")
        if model is not None:
            found = model_kind(model)
            if found is None:
                self.issues.warn(
                    characteristics.where("props"),
                    gettext(
                        "cloud-service-model {model} is not saas, paas, iaas, managed or other; "
                        "the system is of kind 'other'"
                    ).format(model=repr(model)),
                )
            return (found or Kind.OTHER).value
        texts = (
            name,
            characteristics.text("system-name-short"),
            metadata.text("title") if metadata is not None else None,
            characteristics.text("description"),
        )
        return (service_model_word(_plain_text(t) for t in texts if t) or Kind.SAAS).value

    def kind(self, title: str, component: _Node | None) -> str:
        """A leveraged or external system's kind: its component's ``asset-type`` or
        ``cloud-service-model`` when that names a kind, else a service-model word (English or
        Dutch) in its title or its component's title or description, else ``other``."""
        texts = [title]
        if component is not None:
            for prop in ("asset-type", "cloud-service-model"):
                found = model_kind(component.prop(prop))
                if found is not None:
                    return found.value
            texts += [component.text("title") or "", component.text("description") or ""]
        return (service_model_word(_plain_text(t) for t in texts if t) or Kind.OTHER).value

    def date(self, item: _Node, name: str) -> date | None:
        text = item.text(name)
        if text is None:
            self.issues.warn(
                item.where(),
                gettext("{name} is missing; the evidence has no date").format(name=name),
                gettext("undated evidence"),
            )
            return None
        found = _DATE.fullmatch(text.strip())
        try:
            if found is None:
                raise ValueError(text)
            return date.fromisoformat(found.group(1))
        except ValueError:
            self.issues.error(
                item.where(name),
                gettext("{value} is not a date (YYYY-MM-DD)").format(value=repr(text)),
            )
            return None


# ---------------------------------------------------------------------------------------------
# The importer.


def _iter_chain_issues(err: ChainError) -> Iterator[ImportIssue]:
    for issue in err.issues:
        yield ImportIssue(
            issue.path,
            gettext("the SSP gives an invalid chain: {message}").format(message=issue.message),
        )


def read_ssp(data: bytes, source: Source) -> ImportResult:
    """Import an OSCAL system security plan (JSON, YAML or XML) as a chain.

    Parameters
    ----------
    data : bytes
        The file's content.
    source : Source
        Its name, used in messages.

    Returns
    -------
    ImportResult
        The chain (the system is its one offering) and every issue; with any error, an empty
        chain and the errors.

    Examples
    --------
    >>> result = read_ssp(b'{"catalog": {"uuid": "c"}}', Source("nist-800-53.json"))
    >>> print(result.issues[0].message)  # doctest: +NORMALIZE_WHITESPACE
    this is an OSCAL catalog (catalog), not a system security plan;
    only system security plans are read
    """
    big = too_big(data, source)
    if big is not None:
        return big
    issues = _Issues()
    chain = Chain(offerings=())
    try:
        document = _Plan(_root(data, issues), issues).document()
        if not any(issue.severity == "error" for issue in issues.found):
            chain = load_plain(document, source=source.filename)
    except _Refused as refused:
        if not issues.found or refused.args[0] not in issues.found:
            issues.found.append(refused.args[0])
    except ChainError as err:
        issues.found.extend(_iter_chain_issues(err))
    if any(issue.severity == "error" for issue in issues.found):
        chain = Chain(offerings=())
    return ImportResult(chain, tuple(issues.found), filename=source.filename)


_SNIFF_KEYS = tuple(f'"{name}"'.encode() for name in _MODELS) + tuple(
    f"{name}:".encode() for name in _MODELS
)


@dataclass(frozen=True, slots=True)
class OscalImporter:
    """OSCAL system security plans; see the module's documentation for the mapping."""

    name: str = "oscal"
    description: str = "OSCAL system security plan (JSON, YAML or XML): leveraged authorizations"

    def sniff(self, head: bytes, filename: str) -> bool:
        """An OSCAL document: the OSCAL XML namespace, or an OSCAL model key and a version.

        >>> IMPORTER.sniff(b'<system-security-plan xmlns="http://csrc.nist.gov/ns/oscal/1.0"', "")
        True
        >>> IMPORTER.sniff(b'{"ketenkaart": 1}', "chain.json")
        False
        """
        if NAMESPACE.encode() in head:
            return True
        return b"oscal-version" in head and any(key in head for key in _SNIFF_KEYS)

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The chain an SSP describes; see :func:`read_ssp`."""
        return read_ssp(data, source)


IMPORTER: Final = OscalImporter()
"""The OSCAL importer for the registry."""
