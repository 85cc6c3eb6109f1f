"""OSCAL system security plans: golden files, format equivalence, the corpus, hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.model import Scheme, Verification
from importers.base import MAX_IMPORT_BYTES, ImportResult, Source
from importers.chainfile import dump_plain, load_plain
from importers.oscal import IMPORTER

DATA = Path(__file__).parent / "data" / "oscal"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
INPUTS = sorted(path for path in DATA.iterdir() if not path.name.endswith(".expected.json"))


def _import(path: Path) -> ImportResult:
    return IMPORTER.parse(path.read_bytes(), Source(path.name))


def _corpus(folder: str) -> Path:
    path = CORPUS / folder
    if not path.is_dir():
        pytest.skip(f"../shared/corpus is not here: {path} is missing")
    return path


def _plain(result: ImportResult) -> dict[str, object]:
    return {
        "chain": dump_plain(result.chain) if result.ok else None,
        "issues": [
            {"severity": issue.severity, "where": issue.where, "message": issue.message}
            for issue in result.issues
        ],
    }


@pytest.mark.parametrize("path", INPUTS, ids=[path.name for path in INPUTS])
def test_golden_file_gives_the_expected_chain_and_issues(path: Path) -> None:
    """Each golden SSP imports to the chain and issues its .expected.json holds."""
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text())
    result = _import(path)
    assert _plain(result) == expected
    if result.ok:
        assert load_plain(dump_plain(result.chain)) == result.chain


def test_json_and_xml_of_one_plan_give_the_same_chain() -> None:
    """The JSON and XML spellings of one plan (markup in titles included) import alike."""
    from_json, from_xml = _import(DATA / "ssp-1.1-paas.json"), _import(DATA / "ssp-1.1-paas.xml")
    assert from_json.ok
    assert (from_json.chain, from_json.issues) == (from_xml.chain, from_xml.issues)


def test_leveraged_authorization_becomes_a_link_with_claimed_fedramp_evidence() -> None:
    """The system relies on the leveraged system, whose supplier holds claimed FedRAMP evidence."""
    chain = _import(DATA / "ssp-1.1-paas.json").chain
    assert chain.offerings == ("rooster-platform",)
    assert chain.services["rooster-platform"].kind.value == "paas"
    assert list(chain.dependencies) == [("rooster-platform", "nimbus-compute-moderate")]
    evidence = chain.evidence["fedramp-nimbus-compute-moderate"]
    assert evidence.scheme is Scheme.FEDRAMP
    assert evidence.holder == "nimbus-hosting-inc"  # the contact person's organisation
    assert evidence.covers == ("nimbus-compute-moderate",)
    assert evidence.issued is not None and evidence.issued.isoformat() == "2023-06-30"
    assert evidence.verification is Verification.CLAIMED
    assert evidence.extra["x-impact-level"] == "fips-199-moderate"
    assert chain.services["nimbus-compute-moderate"].kind.value == "iaas"


def test_yaml_reads_words_by_yaml_1_2_rules() -> None:
    """``NO`` stays Norway and ``on`` stays a name in a YAML SSP."""
    chain = _import(DATA / "ssp-1.0-external.yaml").chain
    assert chain.suppliers["fjord-mail-as"].country == "NO"
    assert chain.suppliers["on"].name == "on"


def test_external_system_without_authorization_is_a_link_without_evidence() -> None:
    """An external system component is a dependency no evidence covers; interconnections are not."""
    chain = _import(DATA / "ssp-1.0-external.yaml").chain
    assert ("fjord-mail", "spam-filter-cloud-saas") in chain.dependencies
    assert not any("spam-filter-cloud-saas" in ev.covers for ev in chain.evidence.values())
    assert "partner-link" not in chain.services


def test_an_invalid_date_fails_the_whole_import() -> None:
    """2023-02-30 is an error with its line and path, and nothing is imported."""
    result = _import(DATA / "bad-date.yaml")
    assert not result.ok
    assert result.chain.services == {}
    errors = [issue for issue in result.issues if issue.severity == "error"]
    assert [issue.where for issue in errors] == [
        "line 7: system-security-plan.system-implementation.leveraged-authorizations[0]"
        ".date-authorized"
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'<system-security-plan xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="x">', True),
        (b'{"system-security-plan": {"metadata": {"oscal-version": "1.1.2"}}}', True),
        (b"catalog:\n  metadata:\n    oscal-version: 1.1.2\n", True),
        (b'{"ketenkaart": 1, "offerings": []}', False),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}', False),
    ],
)
def test_sniff_recognises_oscal_documents(data: bytes, expected: bool) -> None:
    """OSCAL in any of its three formats is recognised; other JSON is not."""
    assert IMPORTER.sniff(data, "file") is expected


# -- the corpus --------------------------------------------------------------------------------


def test_nist_leveraging_example_gives_one_chain_in_json_xml_and_yaml() -> None:
    """The NIST leveraging example's JSON, XML and YAML spellings import to the same chain."""
    folder = _corpus("oscal/nist-oscal-content")
    results = [
        _import(folder / f"oscal_leveraging-example_ssp.{ext}") for ext in ("json", "xml", "yaml")
    ]
    assert all(result.ok for result in results)
    assert results[0].chain == results[1].chain == results[2].chain
    chain = results[0].chain
    assert list(chain.dependencies) == [("leveraging-saas-system", "csp-iaas-leveraged-system")]
    assert chain.services["csp-iaas-leveraged-system"].kind.value == "iaas"
    issued = chain.evidence["fedramp-csp-iaas-leveraged-system"].issued
    assert issued is not None and issued.isoformat() == "2018-01-01"


SSP_LINKS = {
    "compliance-trestle/trestle_leveraged_ssp.json": 0,
    "compliance-trestle/trestle_leveraging_ssp.json": 1,
    "compliance-trestle/trestle_ssp_example.json": 0,
    "fedramp-automation/FedRAMP-SSP-OSCAL-Template.json": 1,
    "fedramp-automation/fedramp-ssp-example.oscal.xml": 2,
    "fedramp-automation/ssp-saas-has-leveraged-authorization-VALID.xml": 1,
    "nist-oscal-content/ifa_ssp-example.json": 0,
    "nist-oscal-content/oscal_leveraged-example_ssp-min.json": 0,
    "nist-oscal-content/oscal_leveraged-example_ssp.json": 0,
    "nist-oscal-content/oscal_leveraged-example_ssp.xml": 0,
    "nist-oscal-content/oscal_leveraging-example_ssp-min.json": 1,
    "nist-oscal-content/oscal_leveraging-example_ssp.json": 1,
    "nist-oscal-content/oscal_leveraging-example_ssp.xml": 1,
    "nist-oscal-content/oscal_leveraging-example_ssp.yaml": 1,
    "nist-oscal-content/ssp-example.json": 0,
}
REFUSED = {
    "aws-oscal-content/aws_regions-and-services.oscal.json": "component definition",
    "aws-oscal-content/rds.oscal.json": "component definition",
    "aws-oscal-content/s3.oscal.json": "component definition",
    "nist-oscal-content/example-component-definition.json": "component definition",
    # FedRAMP's rule fixtures are fragments of an SSP, not SSPs.
    "fedramp-automation/ssp-by-component-has-responsible-role-INVALID.xml": "missing",
    "fedramp-automation/ssp-external-system-nature-of-agreement-INVALID.xml": "missing",
    "fedramp-automation/ssp-interconnection-direction-INVALID.xml": "missing",
    "fedramp-automation/ssp-leveraged-authorization-has-authorization-type-INVALID.xml": (
        "missing"
    ),
    "fedramp-automation/ssp-leveraged-authorization-has-valid-impact-level-INVALID.xml": (
        "has no name"
    ),
    "fedramp-automation/ssp-leveraged-authorization-nature-of-agreement-INVALID.xml": "missing",
    "fedramp-automation/ssp-saas-has-leveraged-authorization-INVALID.xml": "has no name",
}


def test_corpus_lists_every_oscal_file() -> None:
    """The sweep below names every file of ../shared/corpus/oscal, so none goes untested."""
    folder = _corpus("oscal")
    found = {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}
    assert found == set(SSP_LINKS) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(SSP_LINKS))
def test_corpus_ssp_imports(name: str) -> None:
    """Every SSP of the corpus imports, with its system as the offering and its links."""
    path = _corpus("oscal") / name
    result = IMPORTER.parse(path.read_bytes(), Source(path.name))
    assert result.ok, [str(issue) for issue in result.issues]
    assert IMPORTER.sniff(path.read_bytes()[:65536], path.name)
    chain = result.chain
    assert len(chain.offerings) == 1
    assert len(chain.dependencies) == SSP_LINKS[name]
    assert load_plain(dump_plain(chain)) == chain


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_corpus_non_ssp_is_refused_clearly(name: str) -> None:
    """Component definitions and SSP fragments are refused, saying what they are or lack."""
    path = _corpus("oscal") / name
    result = IMPORTER.parse(path.read_bytes(), Source(path.name))
    assert not result.ok
    assert result.chain.services == {}
    assert REFUSED[name] in " ".join(str(issue) for issue in result.issues)


def test_fedramp_example_keeps_the_fedramp_properties() -> None:
    """FedRAMP's example SSP: its leveraged system carries impact level, type and package id."""
    path = _corpus("oscal/fedramp-automation") / "fedramp-ssp-example.oscal.xml"
    chain = IMPORTER.parse(path.read_bytes(), Source(path.name)).chain
    evidence = chain.evidence["fedramp-awesomecloud-commercial-iaas"]
    assert evidence.extra["x-impact-level"] == "fips-199-moderate"
    assert evidence.extra["x-authorization-type"] == "fedramp-agency"
    assert chain.services["awesomecloud-commercial-iaas"].extra["x-fedramp-id"] == "F9999999999"
    assert chain.dependencies[("system-s-full-name", "other-cloud-saas")].role == "external system"


# -- hostile input -----------------------------------------------------------------------------

_XML_HEAD = b'<system-security-plan xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="u">'


def _refused(data: bytes, name: str) -> str:
    result = IMPORTER.parse(data, Source(name))
    assert not result.ok
    assert result.chain.services == {}
    return " | ".join(str(issue) for issue in result.issues)


def test_xml_billion_laughs_is_refused() -> None:
    """An XML entity bomb is refused for its DTD before anything expands."""
    lol = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">'
        % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    data = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">' + lol + b"]>"
    data += _XML_HEAD + b"&l9;</system-security-plan>"
    assert "DTDs and entities are refused" in _refused(data, "laughs.xml")


def test_xml_external_entity_is_refused() -> None:
    """An external entity (XXE) is refused; the file it names is never read."""
    data = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    data += _XML_HEAD + b"<metadata><title>&x;</title></metadata></system-security-plan>"
    message = _refused(data, "xxe.xml")
    assert "DTDs and entities are refused" in message
    assert "root:" not in message


def test_yaml_billion_laughs_is_refused() -> None:
    """YAML anchors and aliases are refused, each with its line, before anything expands."""
    data = b'system-security-plan:\n  a: &a ["lol", "lol", "lol"]\n  b: &b [*a, *a, *a, *a]\n'
    data += b"  c: [*b, *b, *b, *b]\n"
    message = _refused(data, "laughs.yaml")
    assert "line 2: system-security-plan.a: anchors (&a) are not allowed" in message
    assert "aliases (*a) are not allowed" in message


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "deep.xml",
            _XML_HEAD + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</system-security-plan>",
            "line 1: elements nested more than 100 deep",
        ),
        ("deep.json", b'{"system-security-plan": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "deep"),
        (
            "deep.yaml",
            b"system-security-plan: " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
            "nesting depth",
        ),
        (
            "deep-block.yaml",
            b"".join(b" " * i + b"k:\n" for i in range(2_000)),
            "nested more than 100 levels deep",
        ),
    ],
)
def test_ten_thousand_levels_of_nesting_are_refused(name: str, data: bytes, expected: str) -> None:
    """Deep nesting is refused with a message that says so, in every format."""
    assert expected in _refused(data, name)


def test_oversize_file_is_refused_before_parsing() -> None:
    """A file over the import limit is refused, naming both sizes."""
    data = b"{" + b" " * MAX_IMPORT_BYTES + b"}"
    assert "at most 67,108,864 are read" in _refused(data, "huge.json")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("bad.xml", _XML_HEAD + b"<metadata></title>", "line 1: not well-formed XML"),
        ("bad.json", b'{"system-security-plan": ', "line 1, column 26: not valid JSON"),
        ("bad.yaml", b"system-security-plan: [\n", "not valid YAML"),
        ("plain.xml", b"<system-security-plan/>", "root is in the namespace"),
        ("latin1.json", b'{"x": "\xe9"}', "line 1: not UTF-8 text"),
        ("empty.yaml", b"", "the file is empty"),
        ("list.json", b"[1, 2]", "not an OSCAL document"),
        ("two.json", b'{"catalog": {}, "profile": {}}', "found 'catalog', 'profile'"),
        ("profile.xml", b'<profile xmlns="http://csrc.nist.gov/ns/oscal/1.0"/>', "OSCAL profile"),
        (
            "types.json",
            b'{"system-security-plan": {"system-characteristics": {"system-name": ["x"]},'
            b' "system-implementation": {}}}',
            "system-security-plan.system-characteristics.system-name: expected text, found a list",
        ),
    ],
)
def test_broken_input_is_refused_with_its_place(name: str, data: bytes, expected: str) -> None:
    """Malformed or foreign input gives one clear error, with its line or path where it has one."""
    assert expected in _refused(data, name)
