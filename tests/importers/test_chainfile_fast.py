"""The fast paths of the chain reader agree with its detailed path (importers/chainfile.py).

The reader tries a fast path on each supplier, service, dependency and evidence entry and falls
back to the detailed, issue-reporting path when the entry is not plainly valid. These tests
read the same input both ways and require the same chain, or the same errors.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import ChainError
from importers.chainfile import load_chain
from importers.chainfile import reader as chainfile_reader

ROOT = Path(__file__).parents[2]

# A small chain whose entries use every field the fast paths read.
BASE: dict[str, Any] = {
    "ketenkaart": 1,
    "offerings": ["app"],
    "suppliers": [
        {"id": "acme", "name": "Acme B.V.", "country": "NL", "ids": {"kvk": "12345678"}},
        {
            "id": "host",
            "name": "Host GmbH",
            "country": "DE",
            "parent": "acme",
            "contact": {"name": "Privacy", "email": "p@host.example"},
        },
    ],
    "services": [
        {"id": "app", "name": "App", "supplier": "acme", "kind": "saas", "locations": ["NL"]},
        {
            "id": "vm",
            "name": "VM",
            "supplier": "host",
            "kind": "iaas",
            "locations": ["DE", "IE"],
            "personal_data": True,
            "description": "virtual machines",
        },
    ],
    "dependencies": [
        {
            "from": "app",
            "to": "vm",
            "role": "hosting",
            "critical": True,
            "personal_data": False,
            "locations": ["DE"],
            "contract": "C-1",
        },
        {"from": "vm", "to": "app", "relevant": False, "reason": "billing only"},
    ],
    "evidence": [
        {
            "id": "soc2",
            "scheme": "soc2",
            "holder": "host",
            "covers": ["vm"],
            "type": 2,
            "period": {"from": "2025-01-01", "to": "2025-12-31"},
            "issued": "2026-02-01",
            "locations": ["DE"],
            "criteria": ["security"],
            "scope": "the platform",
            "issuer": "Auditors LLP",
            "issuer_qualification": "cpa",
            "assurance": "limited",
            "opinion": "qualified",
            "exceptions": [{"criterion": "CC6.1", "description": "late", "response": "fixed"}],
            "subservices": {"method": "carve-out", "carved_out": ["app"], "included": ["vm"]},
            "cuecs": [{"id": "CUEC-1", "text": "MFA", "addressed": True}, {"id": "CUEC-2"}],
            "bridge_letter": {"from": "2026-01-01", "to": "2026-03-31", "signed_by": "CFO"},
            "verification": "verified",
            "document": {"name": "soc2.pdf", "sha256": "ab"},
        },
        {
            "id": "iso",
            "scheme": "iso27001",
            "holder": "acme",
            "covers": ["app"],
            "as_of": "2025-06-01",
            "valid_until": "2027-06-01",
            "version": "ISO/IEC 27001:2022",
            "accreditation": {"body": "RvA", "iaf_mla": True},
            "document": {},
        },
    ],
}

FAST = {
    "suppliers": "fast_supplier",
    "services": "fast_service",
    "dependencies": "fast_dependency",
    "evidence": "fast_evidence",
}


def outcome(data: bytes, *, fast: bool) -> Any:
    """The chain ``data`` loads to, or the text of its error, with or without fast paths."""
    original = chainfile_reader.Reader.use_fast_paths
    chainfile_reader.Reader.use_fast_paths = fast
    try:
        return load_chain(data, filename="c")
    except ChainError as err:
        return str(err)
    finally:
        chainfile_reader.Reader.use_fast_paths = original


def assert_same(data: bytes) -> Any:
    """Both paths give the same chain or the same errors; return it."""
    fast, detailed = outcome(data, fast=True), outcome(data, fast=False)
    assert fast == detailed
    return fast


def assert_all_fast(root: dict[str, Any]) -> None:
    """Every entry of ``root`` takes the fast path (so the comparison is not vacuous)."""
    reader = chainfile_reader.Reader("c")
    for section, method in FAST.items():
        for entry in root.get(section, ()):
            assert getattr(reader, method)(entry) is not None, (section, entry)


def test_base_is_read_by_the_fast_paths() -> None:
    assert_all_fast(BASE)
    chain = assert_same(json.dumps(BASE).encode())
    assert not isinstance(chain, str)
    assert chain.evidence["soc2"].cuecs[1].addressed is False


def test_base_as_yaml() -> None:
    assert_same(yaml.safe_dump(BASE, sort_keys=False).encode())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("chain") / "chain.json"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "--services=400", f"--output={path}"],
        check=True,
        capture_output=True,
    )
    return path.read_bytes()


def test_generated_chain_both_ways(generated: bytes) -> None:
    assert_all_fast(json.loads(generated))
    chain = assert_same(generated)
    assert not isinstance(chain, str)
    assert len(chain.services) == 400


# -- mutations: every kind of odd value, anywhere the fast paths look ------------------------

odd_values = st.sampled_from(
    [
        None,
        "",
        " ",
        "x",
        "NL",
        "nl",
        "UK",
        "Bad Id",
        "saas",
        "soc2",
        "2026-02-30",
        "2026-01-01",
        "2024-01-01",
        "carve-out",
        "none",
        0,
        1,
        2,
        3,
        -1,
        1.5,
        True,
        False,
        [],
        ["NL"],
        ["app"],
        ["nope"],
        [1],
        [["NL"]],
        [{}],
        {},
        {"from": "2026-01-01", "to": "2025-01-01"},
        {"iaf_mla": "yes"},
        {"x-note": 1},
    ]
)


Place = tuple[str, int, tuple[str | int, ...], str]


def places(root: dict[str, Any]) -> list[Place]:
    """Every (section, entry, path inside the entry, key) of the mappings the fast paths read.

    The keys are those the mapping has in ``root`` (``BASE`` uses every field somewhere), an
    ``x-`` key and an unknown one.
    """
    out: list[Place] = []

    def walk(section: str, index: int, path: tuple[str | int, ...], value: object) -> None:
        if isinstance(value, dict):
            for key in [*value, "x-note", "unknown"]:
                out.append((section, index, path, key))
            for key, item in value.items():
                walk(section, index, (*path, key), item)
        elif isinstance(value, list):
            for position, item in enumerate(value):
                walk(section, index, (*path, position), item)

    for section in FAST:
        for index, entry in enumerate(root[section]):
            walk(section, index, (), entry)
    return out


mutations = st.lists(
    st.tuples(st.sampled_from(places(BASE)), odd_values, st.booleans()),
    min_size=1,
    max_size=3,
)


def mutate(root: dict[str, Any], changes: list[Any]) -> dict[str, Any]:
    """A copy of ``root`` with each change made (set or delete a key) where it still applies."""
    out = copy.deepcopy(root)
    for (section, index, path, key), value, delete in changes:
        target: Any = out[section][index]
        for part in path:  # an earlier change may have replaced a mapping on the way
            fits = isinstance(target, dict) and part in target
            fits = fits or (
                isinstance(target, list) and isinstance(part, int) and part < len(target)
            )
            target = target[part] if fits else None
        if not isinstance(target, dict):
            continue
        if delete:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)
    return out


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=mutations)
def test_mutated_entries_give_the_same_result_both_ways(changes: list[Any]) -> None:
    assert_same(json.dumps(mutate(BASE, changes)).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=mutations)
def test_mutated_entries_in_yaml_give_the_same_result_both_ways(changes: list[Any]) -> None:
    assert_same(yaml.safe_dump(mutate(BASE, changes), sort_keys=False).encode())


@given(section=st.sampled_from(sorted(FAST)), index=st.integers(0, 1))
def test_repeated_entries_are_reported_both_ways(section: str, index: int) -> None:
    root = copy.deepcopy(BASE)
    root[section].append(copy.deepcopy(root[section][index]))
    assert isinstance(assert_same(json.dumps(root).encode()), str)
