"""CycloneDX's own messages in the context's language: its test files (tests/importers/data/
cyclonedx and variants) and a few refused BOMs, read in the pseudo language (nothing English
outside the markers but the file's values, quoted, refs, paths and the format's names) and in
Dutch; English as before. The schema validator's own words are not ketenkaart's and stay as
the library writes them."""

from __future__ import annotations

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
