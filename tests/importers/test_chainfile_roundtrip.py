"""Properties of chain files: writing then reading is identity; bad input is a ChainError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import ChainError
from graph.model import (
    Accreditation,
    Assurance,
    BridgeLetter,
    Chain,
    Cuec,
    DateRange,
    Dependency,
    Document,
    Evidence,
    IssuerQualification,
    Kind,
    Opinion,
    Profile,
    ReportException,
    Scheme,
    SchemeClass,
    Service,
    SubserviceMethod,
    Subservices,
    Supplier,
    Verification,
)
from importers.chainfile import dump_chain, load_chain, load_chains

EXAMPLE = Path(__file__).parents[2] / ".." / "shared" / "examples" / "kinderopvang.yaml"

ids = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,6}", fullmatch=True)
# any text without lone surrogates (those cannot be written as UTF-8)
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
names = texts.filter(lambda text: text.strip() != "")
optional_texts = st.none() | texts
countries = st.sampled_from(["NL", "NO", "DE", "GB", "US", "IE", "IS"])
country_tuples = st.lists(countries, max_size=3).map(tuple)
days = st.dates()
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
extras = st.dictionaries(texts.map(lambda text: "x-" + text), json_values, max_size=2)
MANAGEMENT = [scheme for scheme in Scheme if scheme.scheme_class is SchemeClass.MANAGEMENT_SYSTEM]
NEEDS_VALID_UNTIL = {*MANAGEMENT, Scheme.ZEKER_ONLINE, Scheme.EUCS}


@st.composite
def date_ranges(draw: st.DrawFn) -> tuple[Any, Any]:
    """Two dates, the first not after the second."""
    start, end = sorted((draw(days), draw(days)))
    return start, end


@st.composite
def chains(draw: st.DrawFn) -> Chain:
    """Small valid chains with every field used now and then."""
    supplier_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    service_ids = draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    service_lists = st.lists(st.sampled_from(service_ids), max_size=3).map(tuple)
    suppliers = {
        sid: Supplier(
            id=sid,
            name=draw(names),
            country=draw(st.none() | countries),
            ids=draw(
                st.dictionaries(st.sampled_from(["kvk", "lei", "euid", "duns", "vat"]), texts)
            ),
            # parents come earlier in the list, so they never form a cycle
            parent=draw(st.none() | st.sampled_from(supplier_ids[:index])) if index else None,
            contact=draw(st.dictionaries(st.sampled_from(["name", "address", "email"]), texts)),
            extra=draw(extras),
        )
        for index, sid in enumerate(supplier_ids)
    }
    services = {
        sid: Service(
            id=sid,
            name=draw(names),
            supplier=draw(st.sampled_from(supplier_ids)),
            kind=draw(st.sampled_from(Kind)),
            locations=draw(country_tuples),
            personal_data=draw(st.booleans()),
            description=draw(optional_texts),
            extra=draw(extras),
        )
        for sid in service_ids
    }
    links = draw(
        st.lists(
            st.tuples(st.sampled_from(service_ids), st.sampled_from(service_ids)),
            max_size=5,
            unique=True,
        )
    )
    dependencies = {}
    for consumer, provider in links:
        relevant = draw(st.booleans())
        dependencies[(consumer, provider)] = Dependency(
            consumer=consumer,
            provider=provider,
            role=draw(optional_texts),
            relevant=relevant,
            reason=draw(optional_texts if relevant else names),
            critical=draw(st.booleans()),
            personal_data=draw(st.none() | st.booleans()),
            locations=draw(st.none() | country_tuples.filter(bool)),
            contract=draw(optional_texts),
            extra=draw(extras),
        )
    evidence = {}
    for eid in draw(st.lists(ids, max_size=3, unique=True)):
        scheme = draw(st.sampled_from(Scheme))
        report_type = draw(st.none() | st.sampled_from([1, 2]))
        if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT:
            report_type = draw(st.sampled_from([1, 2]))
        period = draw(st.none() | date_ranges())
        if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT and report_type == 2:
            period = draw(date_ranges())
        method = draw(st.sampled_from(SubserviceMethod))
        bridge = draw(st.none() | date_ranges())
        as_of = draw(st.none() | days)
        issued = draw(st.none() | days)
        if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT and issued is not None:
            # a report is issued on or after what it reports on (chain-format.md, Validation)
            subject = period[1] if report_type == 2 and period is not None else as_of
            if report_type in (1, 2) and subject is not None:
                issued = max(issued, subject)
        evidence[eid] = Evidence(
            id=eid,
            scheme=scheme,
            holder=draw(st.sampled_from(supplier_ids)),
            covers=draw(service_lists.filter(bool)),
            type=report_type,
            period=None if period is None else DateRange(*period),
            as_of=as_of,
            issued=issued,
            valid_until=draw(days if scheme in NEEDS_VALID_UNTIL else st.none() | days),
            locations=draw(country_tuples),
            criteria=draw(st.lists(texts, max_size=3).map(tuple)),
            scope=draw(optional_texts),
            version=draw(optional_texts),
            issuer=draw(optional_texts),
            issuer_qualification=draw(st.none() | st.sampled_from(IssuerQualification)),
            accreditation=draw(
                st.none() | st.builds(Accreditation, iaf_mla=st.booleans(), body=optional_texts)
            ),
            assurance=draw(st.sampled_from(Assurance)),
            opinion=draw(st.sampled_from(Opinion)),
            exceptions=draw(
                st.lists(
                    st.builds(
                        ReportException,
                        criterion=optional_texts,
                        description=optional_texts,
                        response=optional_texts,
                    ),
                    max_size=2,
                ).map(tuple)
            ),
            subservices=Subservices(
                method,
                () if method is SubserviceMethod.NONE else draw(service_lists),
                () if method is SubserviceMethod.NONE else draw(service_lists),
            ),
            cuecs=draw(
                st.lists(
                    st.builds(Cuec, id=names, text=optional_texts, addressed=st.booleans()),
                    max_size=2,
                ).map(tuple)
            ),
            bridge_letter=None
            if bridge is None
            else BridgeLetter(bridge[0], bridge[1], draw(optional_texts)),
            verification=draw(st.sampled_from(Verification)),
            document=draw(
                st.none() | st.builds(Document, name=optional_texts, sha256=optional_texts)
            ),
            extra=draw(extras),
        )
    profiles = {}
    for pid in draw(
        st.lists(ids.filter(lambda pid: pid != "zeker-online"), max_size=2, unique=True)
    ):
        counts = st.none() | st.integers(min_value=0, max_value=10**6)
        profiles[pid] = Profile(
            id=pid,
            extends="zeker-online",
            min_period_months=draw(counts),
            max_age_months=draw(counts),
            bridge_max_months=draw(counts),
            expiring_days=draw(counts),
            required_criteria=draw(st.none() | st.lists(texts, max_size=2).map(tuple)),
            accept_as_equivalent=draw(
                st.none() | st.lists(st.sampled_from(MANAGEMENT), max_size=2).map(tuple)
            ),
            extra=draw(extras),
        )
    offerings = draw(st.lists(st.sampled_from(service_ids), min_size=1, unique=True))
    return Chain(
        offerings=tuple(offerings),
        suppliers=suppliers,
        services=services,
        dependencies=dependencies,
        evidence=evidence,
        profiles=profiles,
        title=draw(optional_texts),
        extra=draw(extras),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=chains())
def test_yaml_round_trip_is_identity(chain: Chain) -> None:
    """Writing a valid chain as YAML and reading it back gives the same chain."""
    assert load_chain(dump_chain(chain, fmt="yaml")) == chain


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=chains())
def test_json_round_trip_is_identity(chain: Chain) -> None:
    """Writing a valid chain as JSON and reading it back gives the same chain."""
    assert load_chain(dump_chain(chain, fmt="json")) == chain


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=chains())
def test_merging_a_chain_with_itself_changes_nothing(chain: Chain) -> None:
    """A file given twice merges into the same chain (identical repeats are fine)."""
    data = dump_chain(chain)
    assert load_chains([("a.yaml", data), ("b.yaml", data)]) == chain


def _loads_or_chain_error(data: bytes) -> None:
    try:
        load_chain(data)
    except ChainError as err:
        assert err.issues
        assert all(issue.message for issue in err.issues)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_give_a_chain_error(data: bytes) -> None:
    """Arbitrary bytes never crash the reader: they load or raise ChainError."""
    _loads_or_chain_error(data)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(st.sampled_from(list("ketnar: 1\n-[]{},&*!|>'\"#%@`?~.0xyzNOEL_")), max_size=120)
)
def test_yaml_like_noise_gives_a_chain_error(text: str) -> None:
    """Text made of YAML's special characters loads or raises ChainError, nothing else."""
    _loads_or_chain_error(text.encode())
    _loads_or_chain_error(("ketenkaart: 1\noffering: [a]\n" + text).encode())


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_damaged_example_gives_a_chain_error(data: st.DataObject) -> None:
    """The example with a slice cut out or a byte changed loads or raises ChainError."""
    if not EXAMPLE.exists():
        pytest.skip(f"the shared example {EXAMPLE.resolve()} is not there")
    original = EXAMPLE.read_bytes()
    start = data.draw(st.integers(0, len(original) - 1))
    end = data.draw(st.integers(start, min(len(original), start + 40)))
    byte = data.draw(st.binary(min_size=0, max_size=2))
    _loads_or_chain_error(original[:start] + byte + original[end:])


CONTRACT_KEYS = sorted(
    {
        *("ketenkaart", "title", "offerings", "suppliers", "services", "dependencies"),
        *("evidence", "profiles", "id", "name", "country", "ids", "kvk", "parent", "contact"),
        *("supplier", "kind", "locations", "personal_data", "description", "from", "to"),
        *("role", "relevant", "reason", "critical", "contract", "scheme", "holder", "covers"),
        *("type", "period", "as_of", "issued", "valid_until", "criteria", "accreditation"),
        *("iaf_mla", "assurance", "opinion", "exceptions", "subservices", "method"),
        *("carved_out", "included", "cuecs", "addressed", "bridge_letter", "signed_by"),
        *("verification", "document", "extends", "expiring_days", "accept_as_equivalent"),
        "x-a",
    }
)
confusing_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        [
            *("app", "acme", "NL", "UK", "nl", "2026-01-01", "2026-02-30", "soc2"),
            *("iso27001", "zeker-online", "saas", "carve-out", "none", "", "NO", "yes"),
        ]
    )
)
confusing_trees = st.recursive(
    confusing_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(CONTRACT_KEYS), inner, max_size=6)
    ),
    max_leaves=25,
)


confusing_entities = st.dictionaries(st.sampled_from(CONTRACT_KEYS), confusing_trees, max_size=10)
confusing_files = st.dictionaries(st.sampled_from(CONTRACT_KEYS), confusing_trees, max_size=8).map(
    lambda tree: {"ketenkaart": 1, **tree}
) | st.fixed_dictionaries(
    {"ketenkaart": st.just(1), "offerings": st.just(["app"])},
    optional={
        section: st.lists(confusing_entities, max_size=3)
        for section in ("suppliers", "services", "dependencies", "evidence", "profiles")
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=confusing_files)
def test_wrongly_typed_contract_fields_give_a_chain_error(tree: dict[str, Any]) -> None:
    """Contract keys holding values of any type load or raise ChainError, as JSON and YAML."""
    _loads_or_chain_error(json.dumps(tree).encode())
    _loads_or_chain_error(yaml.safe_dump(tree, allow_unicode=True).encode())


NESTED_X = b"""\
ketenkaart: 1
offerings: [app]
suppliers:
  - {id: me, name: Me}
services:
  - {id: app, name: App, supplier: me, kind: saas}
evidence:
  - id: r
    scheme: soc2
    type: 2
    holder: me
    covers: [app]
    period: {from: 2025-01-01, to: 2025-12-31}
    accreditation: {iaf_mla: true, x-note: a}
    exceptions: [{criterion: CC1, x-ticket: T-1}]
    subservices: {method: carve-out, x-source: page 12}
    cuecs: [{id: C1, x-owner: ops}]
    bridge_letter: {from: 2026-01-01, to: 2026-03-31, x-file: bl.pdf}
    document: {name: r.pdf, x-stored: {vault: 7}}
"""


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_x_keys_inside_nested_mappings_survive_a_write(fmt: str) -> None:
    """x- keys are kept in accreditation, exceptions, subservices, CUECs, bridge letter and
    document, and written back."""
    chain = load_chain(NESTED_X)
    evidence = chain.evidence["r"]
    assert evidence.accreditation is not None and evidence.accreditation.extra == {"x-note": "a"}
    assert evidence.exceptions[0].extra == {"x-ticket": "T-1"}
    assert evidence.subservices.extra == {"x-source": "page 12"}
    assert evidence.cuecs[0].extra == {"x-owner": "ops"}
    assert evidence.bridge_letter is not None and evidence.bridge_letter.extra == {
        "x-file": "bl.pdf"
    }
    assert evidence.document is not None and evidence.document.extra == {"x-stored": {"vault": 7}}
    written = dump_chain(chain, fmt=fmt)  # type: ignore[arg-type]
    assert load_chain(written) == chain
    assert b"x-stored" in written
