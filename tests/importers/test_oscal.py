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


# -- versions ------------------------------------------------------------------------------------

VARIANTS = Path(__file__).parent / "data" / "variants" / "oscal"


def test_oscal_1_0_and_1_1_of_one_plan_give_the_same_chain() -> None:
    """One plan in OSCAL 1.0 (with the parts 1.0 requires) and in 1.1 (without the parts 1.1
    made optional, with 1.1's groups, actions and link fragments) imports alike, silently."""
    old, new = (_import(VARIANTS / name) for name in ("ssp-1.0.json", "ssp-1.1.json"))
    assert (old.issues, new.issues) == ((), ())
    assert old.chain.suppliers == new.chain.suppliers
    assert old.chain.dependencies == new.chain.dependencies
    assert (
        list(old.chain.services)
        == list(new.chain.services)
        == [
            "harbour-ledger",
            "tidal-compute-iaas",
        ]
    )
    assert old.chain.services["harbour-ledger"].extra["x-impact-level"] == "fips-199-moderate"
    assert "x-impact-level" not in new.chain.services["harbour-ledger"].extra  # optional in 1.1
    assert new.chain.evidence["fedramp-tidal-compute-iaas"].extra["x-links"] == [
        "https://tidal.example/ssp.json"
    ]


@pytest.mark.parametrize(
    ("name", "where", "says"),
    [
        (
            "ssp-1.0.0-rc1.json",
            "system-security-plan.metadata.oscal-version",
            "written for OSCAL 1.0.0-rc1, a draft before OSCAL 1.0.0",
        ),
        (
            "ssp-milestone3.xml",
            "line 7: system-security-plan/metadata/oscal-version",
            "written for OSCAL 1.0-Milestone3, a draft before OSCAL 1.0.0",
        ),
        (
            "ssp-keyed-layout.json",
            "system-security-plan.system-implementation.components",
            "components is an object keyed by id, as OSCAL's drafts before 1.0 wrote it "
            "(although it says OSCAL 1.0.0)",
        ),
    ],
)
def test_pre_1_0_oscal_is_refused_with_one_message_that_says_so_first(
    name: str, where: str, says: str
) -> None:
    """A draft-era SSP (by its version or its keyed layout) gets one error, and it leads with
    the cause: no "read as OSCAL 1.1" warning, no "expected a list" errors after it."""
    result = _import(VARIANTS / name)
    assert [issue.severity for issue in result.issues] == ["error"]
    issue = result.issues[0]
    assert issue.where == where
    assert issue.message.startswith("pre-1.0 OSCAL is not supported: ")
    assert says in issue.message
    assert issue.message.endswith("convert the file to OSCAL 1.0 or later and import that")


# -- kinds from what the plan says ---------------------------------------------------------------


def _plan(
    name: str, description: str | None = None, model: str | None = None, leveraged: str = "X"
) -> bytes:
    characteristics: dict[str, object] = {"system-name": name}
    if description is not None:
        characteristics["description"] = description
    if model is not None:
        characteristics["props"] = [{"name": "cloud-service-model", "value": model}]
    plan = {
        "system-security-plan": {
            "uuid": "u",
            "metadata": {
                "title": "Plan",
                "oscal-version": "1.1.2",
                "parties": [{"uuid": "p", "type": "organization", "name": "Org"}],
                "responsible-parties": [{"role-id": "system-owner", "party-uuids": ["p"]}],
            },
            "system-characteristics": characteristics,
            "system-implementation": {
                "leveraged-authorizations": [
                    {
                        "uuid": "l",
                        "title": leveraged,
                        "party-uuid": "p",
                        "date-authorized": "2024-01-01",
                    }
                ]
            },
        }
    }
    return json.dumps(plan).encode()


@pytest.mark.parametrize(
    ("name", "description", "model", "kind"),
    [
        ("Harbour Storage IaaS", None, None, "iaas"),
        ("Dossiers", "Een platform als dienst voor gemeenten.", None, "paas"),
        ("Rekenkracht", "Infrastructuur als een dienst, in Nederland.", None, "iaas"),
        ("Ledger", "Software as a Service for harbour masters.", None, "saas"),
        ("Rooster Platform", "Scheduling for day care.", None, "saas"),  # no service-model word
        ("Harbour SaaS", None, "paas", "paas"),  # the property says it
    ],
)
def test_the_systems_own_kind_comes_from_what_its_plan_says(
    name: str, description: str | None, model: str | None, kind: str
) -> None:
    """Without cloud-service-model, a service-model word (English or Dutch) in the system's
    name or description gives its kind; with none, it is saas."""
    result = IMPORTER.parse(_plan(name, description, model), Source("plan.json"))
    assert result.ok, [str(issue) for issue in result.issues]
    assert result.chain.services[result.chain.offerings[0]].kind.value == kind


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Opslag (infrastructuur als dienst)", "iaas"),
        ("Mail Platform-as-a-Service", "paas"),
        ("Nimbus Compute", "other"),
    ],
)
def test_a_leveraged_systems_kind_reads_english_and_dutch_words(title: str, kind: str) -> None:
    """A leveraged system's title names its kind in English or Dutch; none is other."""
    result = IMPORTER.parse(_plan("App", leveraged=title), Source("plan.json"))
    services = [s for s in result.chain.services.values() if s.name == title]
    assert [s.kind.value for s in services] == [kind]


# -- people are not suppliers --------------------------------------------------------------------


def test_people_are_contacts_never_suppliers() -> None:
    """A person who is a member of an organisation becomes its contact; a person on their own
    leaves a supplier named after the system, with a warning and the person as its contact."""
    result = _import(VARIANTS / "ssp-people-only.json")
    assert result.ok
    chain = result.chain
    people = {"Sanne de Vries", "Pieter Jansen", "Kees Bakker"}
    assert not people & {supplier.name for supplier in chain.suppliers.values()}
    owner = chain.suppliers[chain.services["kindcentrum-portaal"].supplier]
    assert owner.name == "provider of Kindcentrum Portaal"
    assert dict(owner.contact) == {
        "name": "Sanne de Vries",
        "address": "Oudegracht 1, 3511 AA Utrecht, NL",
        "email": "sanne@example.nl",
    }
    hosting = chain.suppliers[chain.services["wolkje-compute-iaas"].supplier]
    assert (hosting.name, dict(hosting.contact)) == (
        "Wolkje Hosting B.V.",
        {"name": "Pieter Jansen", "email": "pieter@wolkje.example"},
    )
    assert chain.evidence["fedramp-wolkje-compute-iaas"].holder == hosting.id
    warnings = [issue.message for issue in result.warnings]
    assert len(warnings) == 2
    assert all("a person is not a supplier" in message for message in warnings)


def test_corpus_person_named_for_the_system_is_its_contact() -> None:
    """FedRAMP's fixture names Jane Doe for the system: she is the contact, not the supplier."""
    path = _corpus("oscal/fedramp-automation") / "ssp-saas-has-leveraged-authorization-VALID.xml"
    result = IMPORTER.parse(path.read_bytes(), Source(path.name))
    assert result.ok
    names = {supplier.name for supplier in result.chain.suppliers.values()}
    assert "Jane Doe" not in names
    contacts = {supplier.contact.get("name") for supplier in result.chain.suppliers.values()}
    assert "Jane Doe" in contacts


# -- what a plan that gives little says ----------------------------------------------------------


def test_a_plan_without_links_is_the_system_alone_with_a_warning() -> None:
    """No leveraged authorization and no external system: the system imports, and a warning
    says the chain has no link to judge."""
    plan = json.loads(_plan("Ledger"))
    plan["system-security-plan"]["system-implementation"] = {"components": []}
    result = IMPORTER.parse(json.dumps(plan).encode(), Source("plan.json"))
    assert result.ok
    assert list(result.chain.services) == ["ledger"]
    assert [issue.message for issue in result.warnings] == [
        "the SSP names no leveraged authorization and no external system: the chain is the "
        "system 'ledger' alone, with no link to judge"
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"metadata": {"title": "T", "oscal-version": "1.1.2"}, "control-implementation": {}},
            "system-characteristics is missing; an SSP needs it (is this an SSP fragment?); "
            "the plan holds: metadata, control-implementation",
        ),
        (
            {"system-characteristics": {"description": "D"}, "system-implementation": {}},
            "the system has no name; system-characteristics holds: description",
        ),
    ],
)
def test_a_fragment_is_refused_saying_what_it_holds(body: dict[str, object], expected: str) -> None:
    """A plan missing what a chain needs is refused with the parts it does have."""
    data = json.dumps({"system-security-plan": body}).encode()
    assert expected in _refused(data, "fragment.json")


def test_many_suppliers_named_after_systems_are_one_line_through_the_common_run() -> None:
    """Eight leveraged systems whose party is a person alone are eight warnings of one kind,
    which the one import run every caller uses shows as one line."""
    from importers.registry import run  # noqa: PLC0415 - the common run, not the importer alone

    plan = json.loads(_plan("App"))
    body = plan["system-security-plan"]
    body["metadata"]["parties"].append({"uuid": "me", "type": "person", "name": "A. Person"})
    body["system-implementation"]["leveraged-authorizations"] = [
        {
            "uuid": f"l{n}",
            "title": f"Cloud {n}",
            "party-uuid": "me",
            "date-authorized": "2024-01-01",
        }
        for n in range(8)
    ]
    result = run(IMPORTER, json.dumps(plan).encode(), Source("plan.json"))
    assert result.ok
    assert [issue.kind for issue in result.warnings] == ["supplier named after the system"]
    assert str(result.warnings[0]).startswith("8 warnings of one kind")
