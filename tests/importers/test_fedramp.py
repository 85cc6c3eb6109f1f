"""FedRAMP marketplace data: evidence for the register's services, matched by name or package id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.model import Chain, Kind, Scheme, Service, Supplier
from importers.base import MAX_IMPORT_BYTES, ImportResult, Source
from importers.chainfile import dump_plain, load_chain, merge_chains
from importers.fedramp import IMPORTER, names_match

DATA = Path(__file__).parent / "data" / "fedramp"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CASES = sorted(path for path in DATA.glob("*.json") if not path.name.endswith(".expected.json"))


def _register() -> Chain:
    return load_chain((DATA / "register.yaml").read_bytes(), filename="register.yaml")


def _import(path: Path, existing: Chain | None) -> ImportResult:
    return IMPORTER.parse(path.read_bytes(), Source(path.name, existing=existing))


@pytest.mark.parametrize("path", CASES, ids=[path.name for path in CASES])
def test_golden_file_gives_the_expected_evidence_and_issues(path: Path) -> None:
    """Each golden marketplace file gives the evidence and issues its .expected.json holds."""
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text())
    result = _import(path, _register())
    got = {
        "chain": dump_plain(result.chain) if result.ok else None,
        "issues": [
            {"severity": issue.severity, "where": issue.where, "message": issue.message}
            for issue in result.issues
        ],
    }
    assert got == expected


def test_evidence_joins_the_register_it_was_matched_against() -> None:
    """The result merges into the register, and the matched links gain FedRAMP evidence."""
    register = _register()
    result = _import(DATA / "products-export.json", register)
    merged = merge_chains([register, result.chain], filenames=["register.yaml", "products"])
    covered = {service for ev in merged.evidence.values() for service in ev.covers}
    assert covered == {"govcloud", "azure", "compute"}
    assert all(ev.scheme is Scheme.FEDRAMP for ev in merged.evidence.values())


def test_package_id_matches_whatever_the_names() -> None:
    """A service carrying the product's FedRAMP id (as the OSCAL importer writes) matches it."""
    evidence = _import(DATA / "products-export.json", _register()).chain.evidence
    assert evidence["fedramp-f1900000042"].covers == ("compute",)
    assert evidence["fedramp-f1900000042"].extra["x-impact-level"] == "20x Moderate"


def test_unauthorized_or_unmatched_products_are_warnings_only() -> None:
    """In-process products and products without a service warn, and the import still succeeds."""
    result = _import(DATA / "products-export.json", _register())
    assert result.ok
    messages = [issue.message for issue in result.warnings]
    assert any("'FedRAMP In Process', not 'FedRAMP Authorized'" in m for m in messages)
    assert any("matches no service of the register" in m for m in messages)
    assert not any("mail" in ev.covers for ev in result.chain.evidence.values())


def test_without_a_register_the_import_says_it_needs_one() -> None:
    """Marketplace data on its own cannot be matched: one clear error."""
    result = _import(DATA / "products-export.json", None)
    assert not result.ok
    assert "matched against a register" in result.issues[0].message


def test_bad_product_fails_the_whole_import_with_its_path() -> None:
    """A product of the wrong shape is an error naming its path; no evidence is kept."""
    result = _import(DATA / "bad-product.json", _register())
    assert not result.ok
    assert result.chain.evidence == {}
    assert [issue.where for issue in result.issues] == ["products[0].csp", "products[1]"]


@pytest.mark.parametrize(
    ("csp", "cso", "supplier", "service", "expected"),
    [
        ("Amazon", "AWS GovCloud", "Amazon Web Services EMEA SARL", "AWS GovCloud", True),
        ("Microsoft", "Azure Commercial Cloud", "Microsoft Corp.", "AZURE commercial-cloud", True),
        (
            "Akamai",
            "Content Delivery Services",
            "Akamai, Inc.",
            "Akamai Content Delivery Services",
            True,
        ),
        ("Mailer & Co.", "Transactional Mail", "Mailer & Co", "Mailer Transactional Mail", True),
        ("Amazon", "AWS GovCloud", "Google LLC", "AWS GovCloud", False),
        ("Amazon", "AWS GovCloud", "Amazon", "AWS US East/West", False),
        ("Google", "Google Workspace", "Googleplex Ltd", "Google Workspace", False),
    ],
)
def test_names_match_ignoring_case_punctuation_and_legal_form(
    csp: str, cso: str, supplier: str, service: str, expected: bool
) -> None:
    """Provider and offering are both compared as words; neither alone is enough."""
    assert names_match(csp=csp, cso=cso, supplier=supplier, service=service) is expected


def test_sniff_recognises_marketplace_data_only() -> None:
    """Marketplace JSON is recognised; a chain file and an OSCAL file are not."""
    assert IMPORTER.sniff((DATA / "gsa-marketplace.json").read_bytes(), "test.json")
    assert IMPORTER.sniff((DATA / "changelog-refused.json").read_bytes(), "log.json")
    assert not IMPORTER.sniff(b'{"ketenkaart": 1, "offerings": []}', "chain.json")
    assert not IMPORTER.sniff(b'{"system-security-plan": {"uuid": "u"}}', "ssp.json")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"products": [', "line 1, column 15: not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"something": "else"}', "not FedRAMP marketplace data"),
        (b'{"x": "\xff"}', "not UTF-8"),
        (b" " * (MAX_IMPORT_BYTES + 1), "at most 67,108,864 are read"),
    ],
)
def test_broken_input_is_refused_clearly(data: bytes, expected: str) -> None:
    """Malformed, foreign, deeply nested or oversize input gives one clear error."""
    result = IMPORTER.parse(data, Source("bad.json", existing=_register()))
    assert not result.ok
    assert expected in " ".join(str(issue) for issue in result.issues)


# -- the corpus --------------------------------------------------------------------------------


def _corpus_file(name: str) -> Path:
    path = CORPUS / "certifications" / "fedramp-marketplace" / name
    if not path.is_file():
        pytest.skip(f"../shared/corpus is not here: {path} is missing")
    return path


def _cloud_register() -> Chain:
    suppliers = {
        "aws": Supplier("aws", "Amazon Web Services, Inc."),
        "ms": Supplier("ms", "Microsoft Corporation"),
        "me": Supplier("me", "Me B.V."),
    }
    services = {
        "app": Service("app", "App", "me", Kind.SAAS),
        "govcloud": Service("govcloud", "AWS GovCloud", "aws", Kind.IAAS),
        "azure": Service("azure", "Azure Commercial Cloud", "ms", Kind.IAAS),
    }
    return Chain(offerings=("app",), suppliers=suppliers, services=services)


@pytest.mark.parametrize("name", ["gsa_marketplace_test.json", "fedramp-products.json"])
def test_corpus_marketplace_authorizes_the_big_clouds(name: str) -> None:
    """Both marketplace layouts give AWS GovCloud (High) and Azure evidence; the rest warn."""
    path = _corpus_file(name)
    result = IMPORTER.parse(path.read_bytes(), Source(name, existing=_cloud_register()))
    assert result.ok, [str(issue) for issue in result.issues if issue.severity == "error"]
    assert IMPORTER.sniff(path.read_bytes()[:65536], name)
    by_service = {ev.covers: ev for ev in result.chain.evidence.values()}
    assert set(by_service) == {("govcloud",), ("azure",)}
    govcloud = by_service[("govcloud",)]
    assert govcloud.extra["x-impact-level"] == "High"
    assert govcloud.issued is not None and govcloud.issued.year == 2016
    assert len(result.warnings) > 400  # every other product: no service of this register
    merge_chains([_cloud_register(), result.chain], filenames=["register", name])


def test_corpus_status_changelog_is_refused_with_a_pointer() -> None:
    """The status changelog has no names to match; the error says which file to use."""
    path = _corpus_file("fedramp-status-changelog.json")
    result = IMPORTER.parse(path.read_bytes(), Source(path.name, existing=_cloud_register()))
    assert not result.ok
    assert "fedramp-products.json" in result.issues[0].message
