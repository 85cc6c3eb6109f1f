"""FedRAMP marketplace data: evidence for the register's services, matched by name or package id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.model import Chain, Kind, Scheme, Service, Supplier
from importers.base import MAX_ERRORS, MAX_IMPORT_BYTES, ImportResult, Source
from importers.chainfile import dump_plain, load_chain, merge_chains
from importers.fedramp import IMPORTER, names_match

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data" / "fedramp"
VARIANTS = Path(__file__).parent / "data" / "variants" / "fedramp"
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
    assert any("matches no service of the chain" in m for m in messages)
    assert not any("mail" in ev.covers for ev in result.chain.evidence.values())


def test_without_a_chain_the_import_says_to_give_one() -> None:
    """Marketplace data on its own cannot be matched: one clear error naming --existing."""
    result = _import(DATA / "products-export.json", None)
    assert not result.ok
    assert [issue.severity for issue in result.issues] == ["error"]
    assert "give the chain whose services it authorizes with --existing CHAIN" in str(
        result.issues[0]
    )


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


@pytest.mark.parametrize(
    ("name", "products"), [("gsa_marketplace_test.json", 436), ("fedramp-products.json", 797)]
)
def test_corpus_marketplace_authorizes_the_big_clouds(name: str, products: int) -> None:
    """Both marketplace layouts give AWS GovCloud (High) and Azure evidence; the rest are one
    warning that counts them."""
    path = _corpus_file(name)
    result = IMPORTER.parse(path.read_bytes(), Source(name, existing=_cloud_register()))
    assert result.ok, [str(issue) for issue in result.issues if issue.severity == "error"]
    assert IMPORTER.sniff(path.read_bytes()[:65536], name)
    by_service = {ev.covers: ev for ev in result.chain.evidence.values()}
    assert set(by_service) == {("govcloud",), ("azure",)}
    govcloud = by_service[("govcloud",)]
    assert govcloud.extra["x-impact-level"] == "High"
    assert govcloud.issued is not None and govcloud.issued.year == 2016
    assert [issue.message.split(" match ")[0] for issue in result.warnings] == [
        f"{products - 2} marketplace products"
    ]
    merge_chains([_cloud_register(), result.chain], filenames=["register", name])


def test_corpus_status_changelog_is_refused_with_a_pointer() -> None:
    """The status changelog has no names to match; the error says which file to use."""
    path = _corpus_file("fedramp-status-changelog.json")
    result = IMPORTER.parse(path.read_bytes(), Source(path.name, existing=_cloud_register()))
    assert not result.ok
    assert "fedramp-products.json" in result.issues[0].message


# -- what a file that gives nothing, or too much, says ------------------------------------------


def _products(*rows: dict[str, object]) -> bytes:
    return json.dumps({"metadata": {}, "products": list(rows)}).encode()


def _product(number: int, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"F{number:010d}",
        "csp": f"Provider {number}",
        "cso": f"Offering {number}",
        "public_status": "FedRAMP Authorized",
        "auth_date": "2024-01-01T05:00:00.000Z",
    }
    row.update(fields)
    return {key: value for key, value in row.items() if value is not None}


def test_many_unmatched_products_are_one_warning_with_a_count_and_examples() -> None:
    """Five hundred products that match nothing are one warning, not five hundred lines."""
    govcloud = _product(1, csp="Amazon", cso="AWS GovCloud")
    data = _products(govcloud, *(_product(n) for n in range(2, 502)))
    result = IMPORTER.parse(data, Source("many.json", existing=_register()))
    assert result.ok
    assert [str(issue) for issue in result.warnings] == [
        "products: 500 marketplace products match no service of the chain and give no evidence, "
        "e.g. 'Provider 2: Offering 2', 'Provider 3: Offering 3', 'Provider 4: Offering 4'"
    ]


def test_errors_are_capped_with_a_count_of_the_rest() -> None:
    """A thousand broken products give at most MAX_ERRORS lines, the last counting the rest."""
    data = _products(*(_product(n, csp=None, cso=None) for n in range(1000)))
    result = IMPORTER.parse(data, Source("broken.json", existing=_register()))
    errors = [str(issue) for issue in result.issues if issue.severity == "error"]
    assert len(errors) == MAX_ERRORS
    assert (
        errors[0]
        == "products[0].csp: missing (or 'name', as older files call it); a product needs it"
    )
    assert errors[-1] == f"… and {2000 - (MAX_ERRORS - 1)} more errors"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            (),
            "products: the file lists no products; there is nothing to import",
        ),
        (
            (_product(1), _product(2, public_status="FedRAMP Ready")),
            "products: nothing to import: the file lists 2 products (1 'FedRAMP Authorized'), "
            "and none of them is a service of the chain (5 services; matched by FedRAMP "
            "package id, or by provider and offering name)",
        ),
        (
            (
                _product(
                    1, csp="Mailer & Co.", cso="Transactional Mail", public_status="In Process"
                ),
            ),
            "products: nothing to import: the file lists 1 product (0 'FedRAMP Authorized'); "
            "1 product matches a service of the chain, but none of those is 'FedRAMP Authorized'",
        ),
    ],
    ids=["no products", "no match", "no authorized match"],
)
def test_a_file_that_gives_no_evidence_is_refused_with_what_it_holds(
    rows: tuple[dict[str, object], ...], expected: str
) -> None:
    """No products, none matching, or none of the matches authorized: an error with counts."""
    result = IMPORTER.parse(_products(*rows), Source("none.json", existing=_register()))
    assert not result.ok
    assert result.chain.evidence == {}
    assert expected in [str(issue) for issue in result.issues if issue.severity == "error"]


# -- the older layout ----------------------------------------------------------------------------


def test_older_layout_with_name_and_service_offering_is_read() -> None:
    """Products with `name` and `service_offering` (no `csp`, `cso`) match by name and by id."""
    path = VARIANTS / "gsa-marketplace-older.json"
    assert IMPORTER.sniff(path.read_bytes(), path.name)
    result = _import(path, _register())
    assert result.ok, [str(issue) for issue in result.issues]
    evidence = result.chain.evidence
    assert {key: ev.covers for key, ev in evidence.items()} == {
        "fedramp-f1603047866": ("govcloud",),
        "fedramp-f1900000042": ("compute",),  # by package id: the names differ
    }
    assert evidence["fedramp-f1603047866"].scope == "Amazon: AWS GovCloud"
    assert evidence["fedramp-f1603047866"].issuer == "Example Assessors LLC"
    assert [issue.where for issue in result.warnings] == [
        "data.Products[2] (FR1800000001 Mailer & Co.: Transactional Mail)",
        "data.Products",
    ]


# -- the result stands on its own ----------------------------------------------------------------


def test_result_carries_what_its_evidence_refers_to_and_nothing_else() -> None:
    """The offerings, the covered services and their suppliers (with parents) come along,
    exactly as the chain has them; services the evidence does not cover stay out."""
    register = _register()
    suppliers = dict(register.suppliers)
    suppliers["group"] = Supplier("group", "Amazon.com, Inc.", country="US")
    suppliers["aws"] = Supplier("aws", "Amazon Web Services EMEA SARL", "LU", parent="group")
    register = Chain(
        offerings=register.offerings,
        suppliers=suppliers,
        services=register.services,
        dependencies=register.dependencies,
    )
    chain = _import(DATA / "gsa-marketplace.json", register).chain
    assert chain.offerings == ("payroll",)
    assert list(chain.services) == ["payroll", "govcloud"]
    assert list(chain.suppliers) == ["acme", "aws", "group"]
    assert all(chain.suppliers[key] == register.suppliers[key] for key in chain.suppliers)
    assert all(chain.services[key] == register.services[key] for key in chain.services)
    assert not chain.dependencies


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_standard_output_is_a_chain_check_accepts_alone_and_after_the_chain(
    tmp_path: Path,
) -> None:
    """`import marketplace.json --existing chain.yaml > out.yaml`: `check out.yaml` and
    `check chain.yaml out.yaml` both judge, and the second sees the evidence."""
    imported = _cli(
        "import", str(DATA / "products-export.json"), "--existing", str(DATA / "register.yaml")
    )
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "out.yaml"
    out.write_text(imported.stdout, encoding="utf-8")
    alone = _cli("check", str(out), "--at", "2026-06-01")
    assert alone.returncode in (0, 1), alone.stderr
    assert alone.stderr == ""
    later = _cli("validate", str(DATA / "register.yaml"), str(out))
    assert later.returncode == 0, later.stderr
    assert "3 pieces of evidence" in later.stdout
    both = _cli("check", str(DATA / "register.yaml"), str(out), "--at", "2026-06-01")
    assert both.returncode in (0, 1), both.stderr
    assert both.stderr == ""


def test_standard_output_without_a_chain_is_refused_naming_existing() -> None:
    """Without --existing (or --into) nothing is printed and the error says what to give."""
    done = _cli("import", str(DATA / "products-export.json"))
    assert (done.returncode, done.stdout) == (2, "")
    assert "products-export.json" in done.stderr
    assert "--existing CHAIN" in done.stderr


def test_many_unauthorized_matches_are_one_line_through_the_common_run() -> None:
    """Products that match but are not authorized carry their kind, so the one import run
    every caller uses shows nine of them as one line."""
    from importers.registry import run  # noqa: PLC0415 - the common run, not the importer alone

    services = {f"s{n}": Service(f"s{n}", f"Offering {n}", "p", Kind.IAAS) for n in range(10)}
    register = Chain(
        offerings=("s0",), suppliers={"p": Supplier("p", "Provider")}, services=services
    )
    rows = [_product(0, csp="Provider", cso="Offering 0")]
    rows += [
        _product(n, csp="Provider", cso=f"Offering {n}", public_status="FedRAMP Ready")
        for n in range(1, 10)
    ]
    result = run(IMPORTER, _products(*rows), Source("ready.json", existing=register))
    assert result.ok
    assert len(result.warnings) == 1
    assert "9 warnings of one kind (matched product not authorized)" in str(result.warnings[0])
