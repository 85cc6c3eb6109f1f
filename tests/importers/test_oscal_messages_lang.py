"""OSCAL's messages and places in the context's language: over its test files
(tests/importers/data/oscal and variants) and over small inline plans that provoke each other
message the importer writes (broken JSON, YAML and XML, other models, missing parts, values of
the wrong type, unknown parties, undated evidence...). In the pseudo language nothing English
stands outside the markers but the file's values (quoted), ids, versions and OSCAL's names, and
a place is its marked line and the field path; Dutch reads as written below; English as before
(tests/importers/test_oscal.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from graph import i18n
from importers.base import ImportIssue, Source
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = [
    path
    for folder in (DATA / "oscal", DATA / "variants" / "oscal")
    for path in sorted(folder.iterdir())
    if path.is_file() and not path.name.endswith((".expected.json", ".md"))
]
NAMES = {
    "OSCAL",
    "SSP",
    "YYYY-MM-DD",
    "catalog",
    "components",
    "parties",
    "roles",
    "NaN",
    "U+D800",
    "ExternalReferenceForbidden",
    "EntitiesForbidden",
    "DTDForbidden",
    "http://csrc.nist.gov/ns/oscal/1.0",
    "system-characteristics",
    "system-implementation",
    "system-name",
    "date-authorized",
    "metadata",
    "0xe9",
    "0xff",
}
_VALUES = re.compile(r"'[^']*'|\b[0-9a-f]{8}-[0-9a-f-]{27}\b|\b\d+(\.\d+)*(-[A-Za-z0-9]+)?\b")
_MARKED = re.compile(f"{i18n.OPEN}[^{i18n.OPEN}{i18n.CLOSE}]*{i18n.CLOSE}")
_XML = b'<system-security-plan xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="u">'


def _plan(**parts: object) -> bytes:
    """A small SSP in JSON: one organisation supplies the system and its one leveraged
    authorization; ``parts`` replace the plan's parts (None leaves one out)."""
    plan: dict[str, object] = {
        "uuid": "u1",
        "metadata": {
            "title": "Plan",
            "oscal-version": "1.1.2",
            "parties": [{"uuid": "p1", "type": "organization", "name": "Acme"}],
            "responsible-parties": [{"role-id": "provider", "party-uuids": ["p1"]}],
        },
        "system-characteristics": {"system-name": "Portal"},
        "system-implementation": {
            "leveraged-authorizations": [
                {
                    "uuid": "l1",
                    "title": "Cloud",
                    "party-uuid": "p1",
                    "date-authorized": "2024-01-01",
                }
            ]
        },
    }
    plan.update(parts)
    kept = {key: value for key, value in plan.items() if value is not None}
    return json.dumps({"system-security-plan": kept}).encode()


def _metadata(**fields: object) -> dict[str, object]:
    metadata = json.loads(_plan())["system-security-plan"]["metadata"]
    return {**metadata, **fields}


def _authorizations(*items: Mapping[str, object], **more: object) -> dict[str, object]:
    return {"leveraged-authorizations": list(items), **more}


_CLOUD = {"uuid": "l1", "title": "Cloud", "party-uuid": "p1"}

CASES: dict[str, bytes] = {
    "text-a-list.json": _plan(**{"system-characteristics": {"system-name": ["x"]}}),
    "text-true.json": _plan(**{"system-characteristics": {"system-name": True}}),
    "text-an-object.json": _plan(**{"system-characteristics": {"system-name": {"a": 1}}}),
    "object-a-string.json": _plan(metadata="Plan"),
    "list-an-object.json": _plan(metadata=_metadata(parties={})),
    "item-a-number.json": _plan(metadata=_metadata(parties=[1])),
    "item-false.json": _plan(
        metadata=_metadata(**{"responsible-parties": [{"role-id": "x", "party-uuids": [False]}]})
    ),
    "item-null.json": _plan(
        metadata=_metadata(**{"responsible-parties": [{"role-id": "x", "party-uuids": [None]}]})
    ),
    "lines.yaml": (
        b"system-security-plan:\n  metadata:\n    parties:\n      - 1\n      - uuid: p1\n"
        b"        name: [x]\n  system-characteristics: {system-name: Portal}\n"
        b"  system-implementation: {}\n"
    ),
    "deep.xml": _XML + b"<a>" * 200 + b"</a>" * 200 + b"</system-security-plan>",
    "dtd.xml": b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x "y">]>' + _XML + b"&x;</system"
    b"-security-plan>",
    "broken.xml": _XML + b"<metadata></title>",
    "namespace.xml": b"<system-security-plan/>",
    "other-root.xml": b'<plan xmlns="http://csrc.nist.gov/ns/oscal/1.0"/>',
    "other-root.json": b'{"plan": {"oscal-version": "1.1.2"}}',
    "profile.xml": b'<profile xmlns="http://csrc.nist.gov/ns/oscal/1.0"/>',
    "two-documents.yaml": b"system-security-plan: {}\n---\nx: 1\n",
    "anchor.yaml": b"system-security-plan:\n  a: &a [1]\n  b: *a\n",
    "broken.json": b'{"system-security-plan": ',
    "nan.json": b'{"system-security-plan": NaN}',
    "broken.yaml": b"system-security-plan: [\n",
    "deep.json": b'{"system-security-plan": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "empty.yaml": b"",
    "a-list.json": b"[1, 2]",
    "true.yaml": b"true\n",
    "two-keys.json": b'{"catalog": {}, "profile": {}}',
    "no-key.json": b"{}",
    "body-a-number.json": b'{"system-security-plan": 3}',
    "utf-16.json": "{}".encode("utf-16"),
    "latin-1.json": b'{"x": "\xe9"}',
    "fragment.json": _plan(**{"system-characteristics": None, "system-implementation": None}),
    "nothing.json": b'{"system-security-plan": {}}',
    "alone.json": _plan(**{"system-implementation": {}}),
    "later-version.json": _plan(metadata=_metadata(**{"oscal-version": "1.2.0"})),
    "draft.json": _plan(metadata=_metadata(**{"oscal-version": "1.0.0-rc1"})),
    "keyed.json": _plan(metadata=_metadata(parties={"p1": {"name": "Acme"}})),
    "no-name.json": _plan(**{"system-characteristics": {}}),
    "unknown-party.json": _plan(
        metadata=_metadata(
            **{"responsible-parties": [{"role-id": "provider", "party-uuids": ["p9"]}]}
        )
    ),
    "no-party.json": _plan(metadata=_metadata(**{"responsible-parties": []})),
    "no-title.json": _plan(**{"system-implementation": _authorizations({"uuid": "l1"})}),
    "component-no-title.json": _plan(
        **{"system-implementation": {"components": [{"uuid": "c1", "type": "leveraged-system"}]}}
    ),
    "service-model.json": _plan(
        **{
            "system-characteristics": {
                "system-name": "Portal",
                "props": [{"name": "cloud-service-model", "value": "hybrid"}],
            }
        }
    ),
    "undated.json": _plan(**{"system-implementation": _authorizations(_CLOUD)}),
    "many-undated.json": _plan(
        **{
            "system-implementation": _authorizations(
                *({**_CLOUD, "uuid": f"l{n}", "title": f"Cloud {n}"} for n in range(7))
            )
        }
    ),
    "many-unknown.json": _plan(
        metadata=_metadata(
            **{
                "responsible-parties": [
                    {"role-id": "provider", "party-uuids": [f"p{n}" for n in range(2, 9)]}
                ]
            }
        )
    ),
    "many-unnamed.json": _plan(
        **{
            "system-implementation": _authorizations(
                *(
                    {"uuid": f"l{n}", "title": f"Cloud {n}", "date-authorized": "2024-01-01"}
                    for n in range(7)
                )
            )
        }
    ),
    "bad-date.json": _plan(
        **{"system-implementation": _authorizations({**_CLOUD, "date-authorized": "soon"})}
    ),
    "surrogate.json": _plan(
        **{"system-implementation": _authorizations({**_CLOUD, "title": "Cloud\ud800"})}
    ),
}


def _issues(data: bytes, name: str, language: str) -> tuple[ImportIssue, ...]:
    with i18n.using(language):
        return run(get("oscal"), data, Source(name)).issues


def _messages(path: Path, language: str) -> list[str]:
    return [issue.message for issue in _issues(path.read_bytes(), path.name, language)]


def _english_left(issues: tuple[ImportIssue, ...]) -> dict[str, list[str]]:
    """For each issue with English outside the markers, the words: in its message (but the
    file's values and OSCAL's names), or in its place (anything beside its marked line and
    one field path)."""
    left = {}
    for issue in issues:
        words = unmarked(_VALUES.sub(" ", issue.message), NAMES)
        place = _MARKED.sub(" ", issue.where).replace(":", " ").split()
        if words or len(place) > 1:
            left[str(issue)] = words + place[1:]
    return left


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_nothing_english_outside_the_markers(path: Path) -> None:
    """Each test file's messages are catalog text, the file's values and OSCAL's names."""
    assert _english_left(_issues(path.read_bytes(), path.name, "pseudo")) == {}


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_each_message_and_place_is_catalog_text(name: str) -> None:
    """Each plan that provokes a message gives one, and neither it nor its place holds
    English outside the markers."""
    issues = _issues(CASES[name], name, "pseudo")
    assert issues
    assert _english_left(issues) == {}


def test_the_cases_reach_every_message() -> None:
    """The inline plans provoke the messages this test is about (in English, as before)."""
    english = {str(issue) for name in CASES for issue in _issues(CASES[name], name, "en")}
    for expected in (
        "system-security-plan.system-characteristics.system-name: expected text, found a list",
        "system-security-plan.system-characteristics.system-name: expected text, found true",
        "system-security-plan.metadata: expected an object, found 'Plan'",
        "system-security-plan.metadata.parties: expected a list, found an object",
        "line 4: system-security-plan.metadata.parties[0]: expected an object, found 1",
        "line 6: system-security-plan.metadata.parties[1].name: expected text, found a list",
        "system-security-plan.metadata.responsible-parties[0].party-uuids[0]: expected text, "
        "found null",
        "line 1: elements nested more than 100 deep",
        "<plan>: not an OSCAL system security plan: the root is 'plan', not "
        "'system-security-plan'; only system security plans are read",
        "line 2: an OSCAL file holds one YAML document; found a second one",
        "line 1, column 26: not valid JSON: Expecting value",
        "not valid JSON: NaN is not allowed",
        "the file is nested too deeply",
        "the file holds true, not an OSCAL document",
        "an OSCAL document has one top-level key ('system-security-plan' for an SSP); found none",
        "system-security-plan: expected an object, found 3",
        "line 1: not UTF-8 text (byte 0xe9); save the file as UTF-8",
        "system-security-plan: system-characteristics is missing; an SSP needs it (is this an "
        "SSP fragment?); the plan holds: uuid, metadata",
        "system-security-plan: system-characteristics is missing; an SSP needs it (is this an "
        "SSP fragment?); the plan holds: nothing",
        "system-security-plan.metadata.oscal-version: written for OSCAL 1.2.0; read as OSCAL "
        "1.1 (1.0 and 1.1 are supported)",
        "system-security-plan.system-characteristics.system-name: the system has no name; "
        "system-characteristics holds: nothing",
        "system-security-plan.system-characteristics: party p9 is not among the metadata's parties",
        "system-security-plan.system-implementation.leveraged-authorizations[0].title: the "
        "leveraged authorization has no title",
        "system-security-plan.system-implementation.components[0].title: the component has no "
        "title",
        "system-security-plan.system-implementation.leveraged-authorizations[0]: "
        "date-authorized is missing; the evidence has no date",
        "services[1].name: the SSP gives an invalid chain: the text holds a lone surrogate "
        "(U+D800) at character 6: not Unicode text, no UTF-8 for it",
    ):
        assert expected in english
    assert any("warnings of one kind (undated evidence)" in text for text in english)
    assert any(
        "the SSP names no leveraged authorization and no external system: the chain is the "
        "system 'portal' alone, with no link to judge" in text
        for text in english
    )


@pytest.mark.parametrize(
    ("name", "nested"),
    [
        ("text-a-list.json", "⟦expected text, found ⟦a list⟧⟧"),
        ("text-true.json", "⟦expected text, found ⟦true⟧⟧"),
        ("text-an-object.json", "⟦expected text, found ⟦an object⟧⟧"),
        ("item-false.json", "found ⟦false⟧⟧"),
        ("item-null.json", "found ⟦null⟧⟧"),
        ("true.yaml", "⟦the file holds ⟦true⟧, not an OSCAL document⟧"),
        ("nothing.json", "the plan holds: ⟦nothing⟧⟧"),
        ("no-name.json", "system-characteristics holds: ⟦nothing⟧⟧"),
        ("no-key.json", "found ⟦none⟧⟧"),
        ("broken.json", "⟦not valid JSON: ⟦Expecting value⟧⟧"),
        ("many-undated.json", "warnings of one kind (⟦undated evidence⟧)"),
        ("many-unknown.json", "warnings of one kind (⟦unknown party⟧)"),
        ("many-unnamed.json", "warnings of one kind (⟦supplier named after the system⟧)"),
        ("surrogate.json", "⟦the SSP gives an invalid chain: ⟦the text holds"),
    ],
)
def test_words_inside_a_message_are_catalog_text_too(name: str, nested: str) -> None:
    """What fills a message's placeholder (how a value is described, "nothing", a warning's
    kind in the summary line, the parser's words, the chain's own message) is marked itself,
    which the check outside the markers cannot see."""
    messages = [issue.message for issue in _issues(CASES[name], name, "pseudo")]
    assert any(nested in message for message in messages), messages


def test_dutch_and_english() -> None:
    """An SSP that names no supplying party, in Dutch and in English as before."""
    path = next(path for path in FILES if path.name == "bad-date.yaml")
    assert (
        "de SSP noemt geen partij die 'Dated' levert; de leverancier heet 'provider of Dated'"
        in _messages(path, "nl")
    )
    assert (
        "the SSP names no party that supplies 'Dated'; the supplier is called 'provider of Dated'"
        in _messages(path, "en")
    )


@pytest.mark.parametrize(
    ("name", "dutch"),
    [
        (
            "lines.yaml",
            "regel 4: system-security-plan.metadata.parties[0]: verwacht een object, gevonden: 1",
        ),
        ("text-a-list.json", "verwacht tekst, gevonden: een lijst"),
        ("broken.json", "regel 1, kolom 26: geen geldige JSON: "),
        ("latin-1.json", "regel 1: geen UTF-8-tekst (byte 0xe9); sla het bestand op als UTF-8"),
        (
            "later-version.json",
            "geschreven voor OSCAL 1.2.0; gelezen als OSCAL 1.1 (1.0 en 1.1 worden ondersteund)",
        ),
        ("undated.json", "date-authorized ontbreekt; het bewijsstuk heeft geen datum"),
        ("many-undated.json", "waarschuwingen van één soort (bewijsstuk zonder datum)"),
        (
            "alone.json",
            "de SSP noemt geen leveraged authorization en geen extern systeem: de keten bestaat "
            "alleen uit het systeem 'portal', zonder schakel om te beoordelen",
        ),
        ("two-documents.yaml", "regel 2: een OSCAL-bestand bevat één YAML-document"),
    ],
)
def test_dutch_messages_and_places(name: str, dutch: str) -> None:
    """A few messages and their places as a Dutch reader sees them."""
    issues = _issues(CASES[name], name, "nl")
    assert any(dutch in str(issue) for issue in issues), [str(issue) for issue in issues]


def test_the_importers_own_utf_16_refusal() -> None:
    """The registry refuses UTF-16 before the importer sees it; the importer's own refusal,
    met when it is called directly, is catalog text too."""
    data = CASES["utf-16.json"]
    for language, expected in (
        ("en", "the file is UTF-16 text; save it as UTF-8"),
        ("nl", "het bestand is UTF-16-tekst; sla het op als UTF-8"),
        ("pseudo", "⟦the file is UTF-16 text; save it as UTF-8⟧"),
    ):
        with i18n.using(language):
            result = get("oscal").parse(data, Source("utf-16.json"))
        assert [issue.message for issue in result.issues] == [expected]
