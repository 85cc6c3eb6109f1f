"""CycloneDX's own messages in the context's language: its test files (tests/importers/data/
cyclonedx and variants) and a few refused BOMs, read in the pseudo language (nothing English
outside the markers but the file's values, quoted, refs, paths and the format's names) and in
Dutch; English as before. The JSON schema's errors of the common kinds (required, type, enum,
additionalProperties, pattern, format, lengths, bounds, ...) are sentences of the catalog whose
English is jsonschema's own; other kinds, and the XML schema validator's words, stay as the
library writes them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from graph import i18n
from importers.base import Source
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = [
    path
    for folder in (DATA / "cyclonedx", DATA / "variants" / "cyclonedx")
    for path in sorted(folder.iterdir())
    if path.is_file() and not path.name.endswith((".expected.json", ".md"))
]
BAD = {
    "not-cyclonedx": b'{"bomFormat": "SPDX", "specVersion": "1.6"}',
    "unknown-version": b'{"bomFormat": "CycloneDX", "specVersion": "9.9"}',
    "no-version": b'{"bomFormat": "CycloneDX"}',
    "not-an-object": b'["bomFormat", "CycloneDX"]',
    "not-xml": b"<bom xmlns='http://cyclonedx.org/schema/bom/1.6'><services>",
    "wrong-root": b"<sbom xmlns='http://cyclonedx.org/schema/bom/1.6'/>",
}


def _bom(services: list[dict[str, object]], **extra: object) -> bytes:
    document = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "services": services}
    return json.dumps(document | extra).encode()


SCHEMA = {
    "required": _bom([{"bom-ref": "a"}]),
    "type": _bom([{"name": "A", "authenticated": "yes"}]),
    "enum": _bom([{"name": "A", "data": [{"flow": "sideways", "classification": "PII"}]}]),
    "additional-property": _bom([{"name": "A"}], foo=1),
    "additional-properties": _bom([{"name": "A", "foo": 1, "bar": 2}]),
    "pattern": _bom([{"name": "A"}], serialNumber="x"),
    "format": _bom([{"name": "A"}], metadata={"timestamp": "yesterday"}),
    "non-empty": _bom([{"name": "A", "bom-ref": ""}]),
    "too-long": _bom([{"name": "A", "version": "x" * 1025}]),
    "minimum": _bom([{"name": "A"}], version=0),
    "unique": _bom(
        [{"name": "A", "bom-ref": "a"}, {"name": "B", "bom-ref": "b"}],
        dependencies=[{"ref": "a", "dependsOn": ["b", "b"]}],
    ),
    "one-of": _bom([{"name": "A", "licenses": [{}]}]),
}
"""A BOM for each kind of JSON schema error that has a sentence of the catalog."""

BAD |= {
    "bom-ref-twice": _bom([{"name": "A", "bom-ref": "a"}, {"name": "B", "bom-ref": "a"}]),
    "no-offering": _bom(
        [
            {"name": "A", "bom-ref": "a", "provider": {"name": "X"}},
            {"name": "B", "bom-ref": "b", "provider": {"name": "X"}},
        ],
        dependencies=[{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["a"]}],
    ),
    "no-services": _bom([]),
    "bad-json": b'{"bomFormat": "CycloneDX",,}',
    "not-utf-8": b'{"bomFormat": "CycloneDX", "x": "\xff"}',
    "doctype": b"<?xml version='1.0'?>\n<!DOCTYPE bom>\n<bom/>",
    "xml-schema": b"<bom xmlns='http://cyclonedx.org/schema/bom/1.6'>\n<nothing/></bom>",
    **SCHEMA,
}
NAMES = {"CycloneDX", "BOM", "SaaSBOM", "bom-ref", "bomFormat", "XML", "JSON", "<bom>", "UTF-8"}


def _messages(data: bytes, name: str, language: str) -> list[str]:
    with i18n.using(language):
        return [issue.message for issue in run(get("cyclonedx"), data, Source(name)).issues]


def _left(message: str) -> list[str]:
    text = re.sub(r"'[^']*'|https?://[^\s⟧]+|\{[^}]*\}\S*|\b\d+(\.\d+)*\b", " ", message)
    return unmarked(text, NAMES)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_test_files_messages_are_marked(path: Path) -> None:
    """The test files' messages are catalog text, the file's values and the format's names."""
    found = _messages(path.read_bytes(), path.name, "pseudo")
    assert {message: _left(message) for message in found if _left(message)} == {}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_refused_bom_is_refused_in_catalog_words(case: str) -> None:
    """A BOM refused before it is read says why in catalog words."""
    name = "bom.xml" if BAD[case].startswith(b"<") else "bom.json"
    found = _messages(BAD[case], name, "pseudo")
    assert found
    assert {message: _left(message) for message in found if _left(message)} == {}


def test_the_commonest_warnings_read_dutch() -> None:
    """The stand-in supplier and the unknown bom-ref in Dutch."""
    payroll = (DATA / "cyclonedx" / "payroll-1.6.json").read_bytes()
    assert _messages(payroll, "payroll-1.6.json", "nl") == [
        "dienst 'mailer' noemt geen aanbieder; leverancier 'mailer-provider' staat ervoor in de "
        "plaats tot u de echte noemt"
    ]


def test_english_as_before() -> None:
    """English reads as before."""
    payroll = (DATA / "cyclonedx" / "payroll-1.6.json").read_bytes()
    assert _messages(payroll, "payroll-1.6.json", "en") == [
        "service 'mailer' names no provider; supplier 'mailer-provider' stands in for it until "
        "you name the real one"
    ]
    assert _messages(BAD["not-cyclonedx"], "bom.json", "en") == ["'SPDX' is not 'CycloneDX'"]


def _issues(data: bytes, language: str) -> list[tuple[str, str]]:
    name = "bom.xml" if data.startswith(b"<") else "bom.json"
    with i18n.using(language):
        result = run(get("cyclonedx"), data, Source(name))
    return [(issue.where, issue.message) for issue in result.issues]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_place_is_a_field_path_or_catalog_text(case: str) -> None:
    """A place is a field path (``services[0].bom-ref``, no space) or catalog text ("line 3",
    "line 3, column 5", "top level", "root element")."""
    places = [where for where, _ in _issues(BAD[case], "pseudo") if " " in where]
    assert {where: _left(where) for where in places if _left(where)} == {}


@pytest.mark.parametrize("case", list(SCHEMA), ids=list(SCHEMA))
def test_schema_errors_of_the_common_kinds_are_catalog_text(case: str) -> None:
    """A JSON schema error of a common kind is a sentence of the catalog inside the catalog's
    "not valid CycloneDX" (jsonschema's text would stand unmarked between the markers)."""
    [(_, message)] = _issues(SCHEMA[case], "pseudo")
    assert re.fullmatch(r"⟦not valid CycloneDX 1\.6: ⟦.*⟧⟧", message, re.DOTALL), message


@pytest.mark.parametrize(
    ("case", "dutch"),
    [
        ("required", "services[0]: geen geldige CycloneDX 1.6: 'name' is verplicht en ontbreekt"),
        (
            "type",
            "services[0].authenticated: geen geldige CycloneDX 1.6: 'yes' is niet van het type "
            "'boolean'",
        ),
        (
            "additional-property",
            "top van het document: geen geldige CycloneDX 1.6: extra velden zijn niet toegestaan "
            "('foo' werd niet verwacht)",
        ),
        (
            "format",
            "metadata.timestamp: geen geldige CycloneDX 1.6: 'yesterday' heeft niet de vorm "
            "'date-time'",
        ),
        ("bad-json", "regel 1, kolom 27: een sleutel tussen dubbele aanhalingstekens verwacht"),
        ("bom-ref-twice", "services[1].bom-ref: 'a' is ook de bom-ref van services[0]"),
        (
            "no-offering",
            "dependencies: van elke dienst die niet in een andere dienst staat, hangt een andere "
            "dienst af; er kon geen online dienst worden gekozen",
        ),
    ],
)
def test_schema_errors_places_and_refusals_read_dutch(case: str, dutch: str) -> None:
    """Schema errors, places and refusals in Dutch."""
    assert [f"{where}: {message}" for where, message in _issues(BAD[case], "nl")] == [dutch]


@pytest.mark.parametrize(
    ("case", "english"),
    [
        ("required", "services[0]: not valid CycloneDX 1.6: 'name' is a required property"),
        (
            "additional-properties",
            "services[0]: not valid CycloneDX 1.6: Additional properties are not allowed "
            "('bar', 'foo' were unexpected)",
        ),
        (
            "pattern",
            "serialNumber: not valid CycloneDX 1.6: 'x' does not match '^urn:uuid:[0-9a-f]{8}-"
            "[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'",
        ),
        ("non-empty", "services[0].bom-ref: not valid CycloneDX 1.6: '' should be non-empty"),
        ("minimum", "version: not valid CycloneDX 1.6: 0 is less than the minimum of 1"),
        (
            "unique",
            "dependencies[0].dependsOn: not valid CycloneDX 1.6: ['b', 'b'] has non-unique "
            "elements",
        ),
        (
            "one-of",
            "services[0].licenses: not valid CycloneDX 1.6: [{}] is not valid under any of the "
            "given schemas",
        ),
        ("bad-json", "line 1, column 27: Expecting property name enclosed in double quotes"),
        ("not-utf-8", "line 1, column 34: not UTF-8 text"),
        ("wrong-root", "root element: {http://cyclonedx.org/schema/bom/1.6}sbom is not a "),
    ],
)
def test_schema_errors_and_places_in_english_as_before(case: str, english: str) -> None:
    """English reads as jsonschema and the importer always wrote it."""
    found = [f"{where}: {message}" for where, message in _issues(BAD[case], "en")]
    assert found[0].startswith(english)
