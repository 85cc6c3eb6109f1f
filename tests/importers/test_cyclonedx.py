"""The CycloneDX importer and SaaSBOM exporter: golden files, the shared corpus, hostile input,
and export then import giving the same graph."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonValidator
from cyclonedx.validation.xml import XmlValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.coverage import check
from graph.model import Chain, Dependency, Kind, Service, Supplier
from graph.verdicts import Status
from importers import registry
from importers.base import MAX_ERRORS, MAX_IMPORT_BYTES, ImportResult, Source
from importers.chainfile import dump_plain, load_plain
from importers.cyclonedx import IMPORTER, MAX_DEPTH, export_saasbom

DATA = Path(__file__).parent / "data" / "cyclonedx"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "cyclonedx"
CORPUS_FILES = sorted(CORPUS.glob("*/*.json")) + sorted(CORPUS.glob("*/*.xml")) or [CORPUS]
"""The corpus BOMs; without the corpus one entry that skips with the reason."""
GOLDEN = sorted(
    path
    for path in DATA.iterdir()
    if path.suffix in {".json", ".xml"} and ".expected" not in path.name
)
NS = "http://cyclonedx.org/schema/bom/"


VARIANTS = Path(__file__).parent / "data" / "variants" / "cyclonedx"


def parse(data: bytes, filename: str = "bom.json", *, keep_internal: bool = False) -> ImportResult:
    return IMPORTER.parse(data, Source(filename, keep_internal=keep_internal))


def errors(result: ImportResult) -> list[str]:
    return [str(issue) for issue in result.issues if issue.severity == "error"]


def bom(services: list[dict[str, Any]], **more: Any) -> bytes:
    document = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "services": services}
    document.update(more)
    return json.dumps(document).encode()


def need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus is not here: {CORPUS} holds the CycloneDX test files")


# ---------------------------------------------------------------------------------------------
# Golden files


@pytest.mark.parametrize("path", GOLDEN, ids=lambda path: path.name)
def test_golden_file_imports_to_its_expected_chain(path: Path) -> None:
    """Each BOM under data/cyclonedx gives the chain in <case>.expected.json (JSON and XML twins
    share one expected file, so the two forms must agree)."""
    expected = json.loads((DATA / f"{path.stem}.expected.json").read_text(encoding="utf-8"))
    result = parse(path.read_bytes(), path.name)
    assert errors(result) == []
    assert dump_plain(result.chain) == expected
    assert load_plain(dump_plain(result.chain)) == result.chain


def test_golden_files_cover_json_and_xml_of_1_4_1_5_and_1_6() -> None:
    """The golden set holds JSON and XML, and each of the versions read."""
    versions = {re.search(r"-(1\.\d)$", path.stem).group(1) for path in GOLDEN}  # type: ignore[union-attr]
    assert versions == {"1.4", "1.5", "1.6"}
    assert {path.suffix for path in GOLDEN} == {".json", ".xml"}


def test_service_without_provider_gets_a_stand_in_supplier_and_a_warning() -> None:
    """The payroll BOM's mailer names no provider: it gets a supplier of its own, flagged."""
    result = parse((DATA / "payroll-1.6.json").read_bytes())
    assert result.chain.services["mailer"].supplier == "mailer-provider"
    assert result.chain.suppliers["mailer-provider"].name == (
        "Unknown provider of Transactional e-mail"
    )
    assert [str(w) for w in result.warnings] == [
        "services[1].provider: service 'mailer' names no provider; supplier 'mailer-provider' "
        "stands in for it until you name the real one"
    ]


def test_dependency_on_an_undeclared_ref_is_left_out_with_a_warning() -> None:
    """A service depending on a bom-ref the BOM does not declare imports, with a warning."""
    result = parse((DATA / "monitoring-1.5.xml").read_bytes(), "monitoring.xml")
    assert result.ok
    assert result.chain.dependencies == {}
    assert [str(w) for w in result.warnings] == [
        "dependencies[ref='Pager Duty'].dependsOn: 'sms-gateway' is no bom-ref of this BOM; "
        "left out"
    ]


def test_ids_are_normalised_without_collisions() -> None:
    """Bom-refs that differ only in case or punctuation become distinct chain ids."""
    result = parse(
        bom(
            [
                {"bom-ref": "Billing", "name": "A", "provider": {"name": "X"}},
                {"bom-ref": "billing", "name": "B", "provider": {"name": "X"}},
                {"bom-ref": "BILLING!", "name": "C", "provider": {"name": "x"}},
                {"name": "Billing"},
            ]
        )
    )
    assert list(result.chain.services) == ["billing", "billing-2", "billing-3", "billing-4"]
    assert sorted(result.chain.suppliers) == ["billing-4-provider", "x", "x-2"]
    assert load_plain(dump_plain(result.chain)) == result.chain


def test_kind_property_sets_the_kind_and_a_bad_one_is_an_error() -> None:
    """``ketenkaart:kind`` decides the kind; a value that is no kind stops the import."""
    good = parse(
        bom([{"name": "Host", "properties": [{"name": "ketenkaart:kind", "value": "iaas"}]}])
    )
    assert good.chain.services["host"].kind is Kind.IAAS
    bad = parse(
        bom([{"name": "Host", "properties": [{"name": "ketenkaart:kind", "value": "cloud"}]}])
    )
    assert errors(bad) == [
        "services[0].properties[ketenkaart:kind]: 'cloud' is not a kind; one of: saas, paas, "
        "iaas, managed, other"
    ]
    assert bad.chain.services == {}


def test_duplicate_service_bom_ref_is_an_error_naming_both_places() -> None:
    """Two services with the same bom-ref cannot be told apart: the import stops."""
    result = parse(bom([{"bom-ref": "a", "name": "A"}, {"bom-ref": "a", "name": "B"}]))
    assert errors(result) == ["services[1].bom-ref: 'a' is also the bom-ref of services[0]"]


# ---------------------------------------------------------------------------------------------
# The shared corpus


def _declared_json(path: Path) -> tuple[set[str], set[tuple[str, str]], int]:
    document = json.loads(path.read_bytes())
    refs: set[str] = set()
    count = 0

    def walk(services: list[dict[str, Any]]) -> None:
        nonlocal count
        for service in services:
            count += 1
            if "bom-ref" in service:
                refs.add(service["bom-ref"])
            walk(service.get("services", []))

    walk(document.get("services", []))
    links = {
        (entry["ref"], target)
        for entry in document.get("dependencies", [])
        for target in entry.get("dependsOn", [])
        if entry["ref"] in refs and target in refs
    }
    return refs, links, count


def _declared_xml(path: Path) -> tuple[set[str], set[tuple[str, str]], int]:
    root = ET.fromstring(path.read_bytes())  # noqa: S314 - the corpus has no DTDs; tested below
    ns = root.tag[1:].split("}")[0]
    services = [
        service
        for group in root.iter(f"{{{ns}}}services")
        for service in group.findall(f"{{{ns}}}service")
    ]
    refs = {service.get("bom-ref", "") for service in services} - {""}
    links = {
        (entry.get("ref", ""), target.get("ref", ""))
        for group in root.findall(f"{{{ns}}}dependencies")
        for entry in group.findall(f"{{{ns}}}dependency")
        for target in entry.findall(f"{{{ns}}}dependency")
        if entry.get("ref") in refs and target.get("ref") in refs
    }
    return refs, links, len(services)


# The library's snapshots use fields 1.6 deprecates (component authors); it says so, rightly.
@pytest.mark.filterwarnings("ignore::cyclonedx.schema.deprecation.BaseSchemaDeprecationWarning")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
def test_corpus_file_imports_as_it_declares(path: Path) -> None:
    """Every corpus BOM with services imports to exactly the services and service links it
    declares (internal ones kept as links); ``invalid-*`` files and BOMs without services are
    refused with a placed error."""
    need_corpus()
    result = parse(path.read_bytes(), path.name, keep_internal=True)
    if path.name.startswith("invalid-"):
        assert not result.ok
        assert result.chain == Chain(offerings=())
        assert all(issue.where for issue in result.issues if issue.severity == "error")
        return
    refs, links, count = (_declared_xml if path.suffix == ".xml" else _declared_json)(path)
    if count == 0:
        assert errors(result) == [
            "services: the BOM lists no services; a SaaSBOM names them under 'services'"
        ]
        return
    assert errors(result) == []
    chain = result.chain
    assert len(chain.services) == count
    ref_of = {sid: s.extra.get("x-cyclonedx-bom-ref") for sid, s in chain.services.items()}
    assert {ref for ref in ref_of.values() if ref} == refs
    assert {(ref_of[a], ref_of[b]) for a, b in chain.dependencies} == links
    assert chain.offerings
    assert load_plain(dump_plain(chain)) == chain


@pytest.mark.filterwarnings("ignore::cyclonedx.schema.deprecation.BaseSchemaDeprecationWarning")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
def test_corpus_file_sets_internal_links_apart_and_keeps_the_rest(path: Path) -> None:
    """Without keep_internal every declared link is still there; those set apart are out of
    scope with their reason, and each link added is marked with the component it passes."""
    need_corpus()
    if path.name.startswith("invalid-"):
        return
    kept = parse(path.read_bytes(), path.name, keep_internal=True)
    result = parse(path.read_bytes(), path.name)
    if not kept.ok:
        assert errors(result) == errors(kept)
        return
    links = result.chain.dependencies
    assert set(kept.chain.dependencies) <= set(links)
    for key, link in links.items():
        if key not in kept.chain.dependencies:
            assert link.relevant and "x-internal-via" in link.extra
        elif not link.relevant:
            assert link.reason is not None and link.reason.endswith("'s own system")
    assert load_plain(dump_plain(result.chain)) == result.chain


def test_corpus_saasbom_sets_the_provider_s_own_microservices_apart() -> None:
    """The spec's 1.6 SaaSBOM nests Acme's three microservices in its Stock Ticker Service:
    those links are out of scope, and the Postgres and S3 behind them are linked directly."""
    need_corpus()
    path = CORPUS / "spec-test-resources" / "valid-saasbom-1.6.json"
    chain = parse(path.read_bytes()).chain
    scope = {key: (d.relevant, d.reason) for key, d in chain.dependencies.items()}
    inside = (False, "part of Stock Ticker Service's own system")
    assert scope == {
        ("stock-ticker-service", "ms-1.example.com"): inside,
        ("stock-ticker-service", "ms-2.example.com"): inside,
        ("stock-ticker-service", "ms-3.example.com"): inside,
        ("ms-1.example.com", "ms-1-pgsql.example.com"): (True, None),
        ("ms-3.example.com", "s3-example.amazon.com"): (True, None),
        ("stock-ticker-service", "ms-1-pgsql.example.com"): (True, None),
        ("stock-ticker-service", "s3-example.amazon.com"): (True, None),
    }


def test_corpus_saasbom_keeps_trust_zones_and_personal_data() -> None:
    """The spec's 1.6 SaaSBOM: nested services flattened, trust zones kept, PII marked."""
    need_corpus()
    path = CORPUS / "spec-test-resources" / "valid-saasbom-1.6.json"
    chain = parse(path.read_bytes()).chain
    assert chain.offerings == ("stock-ticker-service",)
    assert chain.title == "Acme SaaSBOM Example"
    ms1 = chain.services["ms-1.example.com"]
    assert ms1.personal_data
    assert ms1.extra["x-cyclonedx-trust-zone"] == "Acme Private Zone"
    assert ms1.extra["x-cyclonedx-parent"] == "stock-ticker-service"
    assert not chain.services["ms-3.example.com"].personal_data  # only Public data
    assert chain.services["s3-example.amazon.com"].supplier == "s3-example.amazon.com-provider"


@pytest.mark.filterwarnings("ignore::cyclonedx.schema.deprecation.BaseSchemaDeprecationWarning")
@pytest.mark.parametrize(
    "stem",
    [
        f"get_bom_with_{case}-{version}"
        for case in ("nested_services", "services_complex", "services_simple")
        for version in ("1.4", "1.5", "1.6")
    ],
)
def test_corpus_json_and_xml_twins_give_the_same_chain(stem: str) -> None:
    """The library's own snapshots carry the same content as JSON and XML: same chain."""
    need_corpus()
    folder = CORPUS / "python-lib-snapshots"
    from_json = parse((folder / f"{stem}.json").read_bytes())
    from_xml = parse((folder / f"{stem}.xml").read_bytes(), "bom.xml")
    assert from_json.ok
    assert dump_plain(from_json.chain) == dump_plain(from_xml.chain)


def test_corpus_1_7_is_read_best_effort_with_a_warning() -> None:
    """A 1.7 SaaSBOM imports like its 1.6 sibling, with a warning about the version."""
    need_corpus()
    folder = CORPUS / "spec-test-resources"
    newer = parse((folder / "valid-saasbom-1.7.json").read_bytes())
    known = parse((folder / "valid-saasbom-1.6.json").read_bytes())
    assert newer.ok
    assert newer.chain.services.keys() == known.chain.services.keys()
    assert newer.chain.dependencies.keys() == known.chain.dependencies.keys()
    assert str(newer.warnings[0]).startswith("specVersion: CycloneDX 1.7 is newer than 1.6")


def test_corpus_invalid_files_name_the_place_of_the_error() -> None:
    """Schema errors name the field path (JSON) or the line (XML)."""
    need_corpus()
    folder = CORPUS / "spec-test-resources"
    json_result = parse((folder / "invalid-service-data-1.6.json").read_bytes())
    assert errors(json_result) == [
        "services[0].data[0].flow: not valid CycloneDX 1.6: 'bar' is not one of ['inbound', "
        "'outbound', 'bi-directional', 'unknown']"
    ]
    xml_result = parse((folder / "invalid-service-data-1.6.xml").read_bytes(), "bom.xml")
    assert errors(xml_result)[0].startswith(
        "line 7: not valid CycloneDX 1.6: Element 'classification', attribute 'flow'"
    )
    namespace = parse((folder / "invalid-namespace-1.6.xml").read_bytes(), "bom.xml")
    assert errors(namespace) == [
        "root element: the namespace http://cyclonedx.org/schema/bom/12 is not a CycloneDX "
        "version this reader knows (1.2 to 1.7)"
    ]


# ---------------------------------------------------------------------------------------------
# Bad and hostile input


def test_billion_laughs_is_refused_before_any_entity_is_expanded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An XML bomb is refused at its DTD; the lxml schema validator never sees it."""

    def never(*_: object, **__: object) -> None:
        raise AssertionError("the XML validator was reached")

    monkeypatch.setattr(XmlValidator, "validate_str", never)
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE bom [\n<!ENTITY lol0 "lol">\n'
        f"{entities}]>\n"
        f'<bom xmlns="{NS}1.6" version="1"><services><service><name>&lol9;</name>'
        "</service></services></bom>"
    )
    result = parse(bomb.encode(), "bomb.xml")
    assert errors(result) == [
        "line 2: the XML has a document type declaration (<!DOCTYPE ...>); CycloneDX needs "
        "none, and it is refused so that no entity is expanded and no external file is read"
    ]
    assert result.chain == Chain(offerings=())


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    """An external entity pointing at a local file is refused and the file's text never shows."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42", encoding="utf-8")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        f'<bom xmlns="{NS}1.6" version="1"><services><service><name>&x;</name>'
        "</service></services></bom>"
    )
    result = parse(xxe.encode(), "xxe.xml")
    assert not result.ok
    assert "document type declaration" in errors(result)[0]
    assert "TOP-SECRET-42" not in repr(result)


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("json", f"the JSON is nested more than {MAX_DEPTH} levels deep"),
        ("xml", f"the XML nests elements more than {MAX_DEPTH} levels deep"),
    ],
)
def test_ten_thousand_levels_of_nesting_are_refused(suffix: str, message: str) -> None:
    """Deeply nested JSON arrays or XML services are refused with one clear error."""
    if suffix == "json":
        data = b'{"bomFormat": "CycloneDX", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    else:
        service = b"<service><name>s</name><services>"
        closing = b"</services></service>"
        data = (
            f'<bom xmlns="{NS}1.6" version="1"><services>'.encode()
            + service * 10_000
            + closing * 10_000
            + b"</services></bom>"
        )
    result = parse(data, f"deep.{suffix}")
    assert errors(result) == [message]
    assert result.chain == Chain(offerings=())


def test_over_size_file_is_refused_unread() -> None:
    """A file over the import limit is refused by size alone."""
    result = parse(b"{" + b" " * MAX_IMPORT_BYTES, "huge.json")
    assert errors(result) == [
        f"the file has {MAX_IMPORT_BYTES + 1:,} bytes; at most {MAX_IMPORT_BYTES:,} are read"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"services: []", "neither a JSON object nor XML; not a CycloneDX BOM"),
        (b'{"bomFormat": "CycloneDX",\n "specVersion": }', "line 2, column 17: Expecting value"),
        (b"<bom><services></bom>", "line 1, column 17: not well-formed XML: mismatched tag"),
        (b'{"bomFormat": "SPDX"}', "bomFormat: 'SPDX' is not 'CycloneDX'"),
        (b'{"bomFormat": "CycloneDX"}', "specVersion: required: the CycloneDX version, e.g. '1.6'"),
        (
            b'{"bomFormat": "CycloneDX", "specVersion": "1.1"}',
            "specVersion: CycloneDX 1.1 has no services (they came with 1.2), so this BOM "
            "('1.1') holds nothing to import; a SaaSBOM is CycloneDX 1.2 or later",
        ),
        (
            b'<bom xmlns="urn:other"/>',
            "root element: {urn:other}bom is not a CycloneDX BOM; its root is <bom> in the "
            "namespace http://cyclonedx.org/schema/bom/1.6 (or 1.2 to 1.7)",
        ),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}', "services: the BOM"),
        (
            b'{"bomFormat": "CycloneDX", "specVersion": "1.6"\xff}',
            "line 1, column 48: not UTF-8 text",
        ),
    ],
)
def test_bad_input_is_refused_with_its_place(data: bytes, message: str) -> None:
    """Files that are not a readable CycloneDX BOM give one error that says where and why."""
    result = parse(data)
    assert len(errors(result)) == 1
    assert errors(result)[0].startswith(message)


def test_schema_errors_stop_the_import_and_list_each_place() -> None:
    """Every schema error is reported with its path, and nothing of the file is kept."""
    result = parse(
        bom(
            [
                {"name": "A", "authenticated": "yes"},
                {"name": "B", "data": [{"flow": "sideways", "classification": "PII"}]},
            ]
        )
    )
    assert errors(result) == [
        "services[0].authenticated: not valid CycloneDX 1.6: 'yes' is not of type 'boolean'",
        "services[1].data[0].flow: not valid CycloneDX 1.6: 'sideways' is not one of "
        "['inbound', 'outbound', 'bi-directional', 'unknown']",
    ]
    assert result.chain == Chain(offerings=())


def test_sniff_recognises_cyclonedx_and_nothing_else() -> None:
    """JSON with bomFormat CycloneDX and XML in the CycloneDX namespace; not chain files."""
    assert IMPORTER.sniff((DATA / "payroll-1.6.json").read_bytes()[:200], "bom.json")
    assert IMPORTER.sniff((DATA / "ticker-1.4.xml").read_bytes()[:200], "bom.xml")
    assert not IMPORTER.sniff(b'{"ketenkaart": 1, "offerings": []}', "chain.json")
    assert not IMPORTER.sniff(b"ketenkaart: 1\n", "chain.yaml")
    assert not IMPORTER.sniff(b"<html></html>", "page.xml")


# ---------------------------------------------------------------------------------------------
# Export


def test_export_is_a_valid_cyclonedx_1_6_saasbom() -> None:
    """The exported bytes pass the library's 1.6 JSON schema and carry providers and links."""
    chain = parse((DATA / "payroll-1.6.json").read_bytes()).chain
    data = export_saasbom(chain)
    assert JsonValidator(SchemaVersion.V1_6).validate_str(data.decode(), all_errors=True) is None
    document = json.loads(data)
    providers = {s["bom-ref"]: s["provider"]["name"] for s in document["services"]}
    assert providers["payroll-db-2"] == "Leaseweb Netherlands B.V."
    depends = {d["ref"]: set(d.get("dependsOn", [])) for d in document["dependencies"]}
    assert depends["payroll-online"] == {"payroll-db", "payroll-db-2", "mailer"}
    assert depends["ketenkaart:offerings"] == {"payroll-online"}


def test_export_then_import_of_an_imported_bom_keeps_the_chain_s_graph() -> None:
    """A BOM imported, exported and imported again has the same services, suppliers and links."""
    first = parse((DATA / "payroll-1.6.xml").read_bytes(), "bom.xml").chain
    again = parse(export_saasbom(first)).chain
    assert graph_of(again) == graph_of(first)
    assert again.services["payroll-online"].extra["x-cyclonedx-endpoints"] == [
        "https://payroll.kidsplan.example/"
    ]


def test_export_passes_over_extras_cyclonedx_cannot_hold() -> None:
    """x-cyclonedx- values of the wrong shape (from a hand-edited chain) are left out and the
    SaaSBOM stays valid."""
    service = Service(
        id="app",
        name="App",
        supplier="me",
        kind=Kind.SAAS,
        extra={
            "x-cyclonedx-endpoints": ["https://ok.example/", "%zz", 7],
            "x-cyclonedx-authenticated": "yes",
            "x-cyclonedx-group": ["not", "text"],
        },
    )
    chain = Chain(
        offerings=("app",),
        suppliers={"me": Supplier(id="me", name="Me")},
        services={"app": service},
    )
    data = export_saasbom(chain)
    assert JsonValidator(SchemaVersion.V1_6).validate_str(data.decode(), all_errors=True) is None
    (exported,) = json.loads(data)["services"]
    assert exported["endpoints"] == ["https://ok.example/"]
    assert "authenticated" not in exported
    assert "group" not in exported


def graph_of(chain: Chain) -> tuple[object, ...]:
    """What a SaaSBOM carries of a chain."""
    return (
        set(chain.offerings),
        {
            sid: (s.name, s.supplier, s.kind, s.personal_data, s.description)
            for sid, s in chain.services.items()
        },
        {sid: s.name for sid, s in chain.suppliers.items()},
        set(chain.dependencies),
    )


_IDS = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True)
_TEXT = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=20)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def saasbom_chains(draw: st.DrawFn) -> Chain:
    """Chains with what CycloneDX carries: services, their suppliers, links and offerings."""
    supplier_ids = draw(st.lists(_IDS, min_size=1, max_size=4, unique=True))
    service_ids = draw(st.lists(_IDS, min_size=1, max_size=8, unique=True))
    services = {
        sid: Service(
            id=sid,
            name=draw(_TEXT),
            supplier=draw(st.sampled_from(supplier_ids)),
            kind=draw(st.sampled_from(Kind)),
            personal_data=draw(st.booleans()),
            description=draw(st.none() | _TEXT),
        )
        for sid in service_ids
    }
    used = sorted({service.supplier for service in services.values()})
    suppliers = {sid: Supplier(id=sid, name=draw(_TEXT)) for sid in used}
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(service_ids), st.sampled_from(service_ids)), unique=True)
    )
    offerings = draw(st.lists(st.sampled_from(service_ids), min_size=1, unique=True))
    return Chain(
        offerings=tuple(offerings),
        suppliers=suppliers,
        services=services,
        dependencies={(a, b): Dependency(consumer=a, provider=b) for a, b in pairs},
    )


@settings(max_examples=40, deadline=None)
@given(saasbom_chains())
def test_export_then_import_gives_the_same_graph(chain: Chain) -> None:
    """chain -> CycloneDX -> chain keeps offerings, services, suppliers and links."""
    result = parse(export_saasbom(chain))
    assert errors(result) == []
    assert graph_of(result.chain) == graph_of(chain)


# ---------------------------------------------------------------------------------------------
# A provider's own components (variants/cyclonedx)


def _statuses(chain: Chain) -> dict[tuple[str, str], Status]:
    result = check(chain, at=date(2026, 12, 4))
    return {(link.consumer, link.provider): link.verdict.status for link in result.links}


def test_saasbom_s_own_microservices_are_out_of_scope_and_no_gaps() -> None:
    """An offering nesting 5 microservices of its own provider: 5 links out of scope with the
    reason, one warning listing them, and check no longer counts them as gaps; the database
    and the mailer they rely on are still checked, linked from the offering."""
    path = VARIANTS / "saasbom-internal-1.6.json"
    result = parse(path.read_bytes(), path.name)
    assert result.ok
    parts = ["gateway", "employees", "payslips", "tax", "notify"]
    for part in parts:
        link = result.chain.dependencies[("payroll", part)]
        assert (link.relevant, link.reason) == (False, "part of Acme Payroll Online's own system")
    assert [str(w) for w in result.warnings] == [
        "dependencies: 5 links between services of one provider, nested or marked as internal, "
        "are written as out of scope: part of Acme Payroll Online's own system: "
        "payroll -> gateway, payroll -> employees, payroll -> payslips, payroll -> tax, "
        "payroll -> notify; what they rely on outside it is linked directly: "
        "payroll -> rds (via employees), payroll -> mail (via notify); "
        "--keep-internal keeps them as links"
    ]
    statuses = _statuses(result.chain)
    assert statuses == {
        **{("payroll", part): Status.OUT_OF_SCOPE for part in parts},
        ("payroll", "rds"): Status.GAP,
        ("payroll", "mail"): Status.GAP,
    }
    assert load_plain(dump_plain(result.chain)) == result.chain


def test_keep_internal_keeps_the_microservices_as_ordinary_links() -> None:
    path = VARIANTS / "saasbom-internal-1.6.json"
    result = parse(path.read_bytes(), path.name, keep_internal=True)
    assert result.warnings == ()
    assert all(link.relevant for link in result.chain.dependencies.values())
    gaps = [key for key, status in _statuses(result.chain).items() if status is Status.GAP]
    assert len(gaps) == 8  # the 5 microservices and the 3 links behind them


def test_one_trust_zone_or_the_internal_property_marks_top_level_services_internal() -> None:
    """Top-level services of one provider: internal when in the consumer's trust zone or
    marked ketenkaart:internal; another zone, or another provider in the zone, stays a link."""
    path = VARIANTS / "saasbom-trust-zone-1.5.xml"
    result = parse(path.read_bytes(), path.name)
    scope = {key: (d.relevant, d.reason) for key, d in result.chain.dependencies.items()}
    inside = (False, "part of Zorgportaal B.V.'s own system")
    assert scope == {
        ("portal", "auth"): inside,
        ("portal", "records"): inside,
        ("portal", "billing"): (True, None),
        ("portal", "hosting"): (True, None),
    }


def test_a_nested_service_of_another_provider_stays_a_link() -> None:
    data = bom(
        [
            {
                "bom-ref": "app",
                "name": "App",
                "provider": {"name": "Me"},
                "services": [{"bom-ref": "db", "name": "DB", "provider": {"name": "Cloud"}}],
            }
        ],
        dependencies=[{"ref": "app", "dependsOn": ["db"]}],
    )
    result = parse(data)
    assert result.chain.dependencies[("app", "db")].relevant
    assert result.warnings == ()


# ---------------------------------------------------------------------------------------------
# Older versions and kinds from words (variants/cyclonedx)


@pytest.mark.parametrize("stem", ["hosting-1.2", "payroll-1.3"])
def test_1_2_and_1_3_boms_are_read_json_and_xml_alike(stem: str) -> None:
    """Services exist since CycloneDX 1.2: 1.2 and 1.3 BOMs import without a version warning,
    and their JSON and XML forms give one chain."""
    from_json = parse((VARIANTS / f"{stem}.json").read_bytes(), f"{stem}.json")
    from_xml = parse((VARIANTS / f"{stem}.xml").read_bytes(), f"{stem}.xml")
    assert from_json.ok, errors(from_json)
    assert not any("specVersion" in issue.where for issue in from_json.issues)
    assert dump_plain(from_json.chain) == dump_plain(from_xml.chain)
    assert load_plain(dump_plain(from_json.chain)) == from_json.chain


def test_a_1_2_bom_keeps_its_fields() -> None:
    result = parse((VARIANTS / "hosting-1.2.json").read_bytes(), "hosting-1.2.json")
    chain = result.chain
    assert chain.offerings == ("kidsplan-online",)
    assert list(chain.dependencies) == [("kidsplan-online", "vm-hosting")]
    online = chain.services["kidsplan-online"]
    assert online.personal_data
    assert online.extra["x-cyclonedx-endpoints"] == ["https://app.kidsplan.example/"]
    assert online.extra["x-cyclonedx-trust-boundary"] is True
    assert chain.suppliers["rekencentrum-noord-b.v"].name == "Rekencentrum Noord B.V."
    assert chain.services["vm-hosting"].kind is Kind.IAAS  # "Virtual machines"


def test_a_1_3_bom_reads_properties() -> None:
    result = parse((VARIANTS / "payroll-1.3.xml").read_bytes(), "payroll-1.3.xml")
    assert result.chain.services["db"].kind is Kind.PAAS  # ketenkaart:kind
    assert not result.chain.dependencies[("payroll", "payslips")].relevant


def test_a_1_1_bom_is_refused_with_the_cause_first() -> None:
    result = parse((VARIANTS / "components-1.1.xml").read_bytes(), "components-1.1.xml")
    assert errors(result) == [
        "root element: CycloneDX 1.1 has no services (they came with 1.2), so this BOM (the "
        "namespace http://cyclonedx.org/schema/bom/1.1) holds nothing to import; a SaaSBOM is "
        "CycloneDX 1.2 or later"
    ]


@pytest.mark.parametrize(
    ("name", "description", "offering", "expected"),
    [
        ("Transactional e-mail", None, False, Kind.SAAS),
        ("Managed hosting", None, False, Kind.IAAS),
        ("Orders", "PostgreSQL database", False, Kind.PAAS),
        ("Nightly back-ups", None, False, Kind.MANAGED),
        ("Ticker", None, False, Kind.OTHER),
        ("Acme Cloud", "IaaS in Amsterdam", True, Kind.IAAS),
        ("Payroll platform", None, True, Kind.SAAS),  # an offering takes service-model words only
    ],
)
def test_kind_from_the_service_s_name_or_description(
    name: str, description: str | None, offering: bool, expected: Kind
) -> None:
    service: dict[str, Any] = {"bom-ref": "s", "name": name, "provider": {"name": "P"}}
    if description:
        service["description"] = description
    services = [service]
    if not offering:
        services.insert(0, {"bom-ref": "app", "name": "App", "provider": {"name": "Me"}})
    deps = [] if offering else [{"ref": "app", "dependsOn": ["s"]}]
    result = parse(bom(services, dependencies=deps))
    assert result.chain.services["s"].kind is expected


# ---------------------------------------------------------------------------------------------
# The common caps: errors and repeated warnings


def test_schema_errors_are_capped_at_twenty_lines_with_a_count() -> None:
    """30 schema errors: the first 19 with their place and one line counting the other 11, so
    that the common run (registry.run) shows them unchanged."""
    data = bom([{"name": f"S{n}", "authenticated": "yes"} for n in range(30)])
    result = parse(data)
    assert len(errors(result)) == MAX_ERRORS
    assert errors(result)[0] == (
        "services[0].authenticated: not valid CycloneDX 1.6: 'yes' is not of type 'boolean'"
    )
    assert errors(result)[-1] == "… and 11 more errors"
    shown = registry.run(IMPORTER, data, Source("bom.json"))
    assert [str(issue) for issue in shown.issues] == errors(result)


def test_services_without_provider_are_one_summarised_warning_in_the_common_run() -> None:
    services = [{"bom-ref": f"s{n}", "name": f"S{n}"} for n in range(8)]
    result = registry.run(IMPORTER, bom(services), Source("bom.json"))
    assert result.ok
    assert len(result.warnings) == 1
    assert str(result.warnings[0]).startswith(
        "8 warnings of one kind (service names no provider); the first 3: services[0].provider"
    )
