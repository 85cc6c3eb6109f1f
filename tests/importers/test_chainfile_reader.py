"""The chain reader reads an entry whole or field by field to the same result
(importers/chainfile/reader.py).

The reader first checks each entry whole, with the checks :mod:`importers.chainfile.checks` makes
from graph.schema; an entry that does not pass is read again field by field, which says what is
wrong. An ``x-`` key makes an entry take the second way (the whole check accepts only the
schema's keys), so these tests read the same input without and with one, and require the same
chain, or the same errors.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import ChainError
from graph.schema import RULES, Rule
from importers.chainfile import load_chain, yaml12
from importers.chainfile.checks import SECTION_PLANS
from importers.chainfile.messages import SURROGATE, may_hold_surrogate

ROOT = Path(__file__).parents[2]

# A small chain whose entries use every field the whole-entry checks read.
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

SECTIONS = ("suppliers", "services", "dependencies", "evidence")
PROBE = "x-probe"


def outcome(root: dict[str, Any], *, probe: bool) -> Any:
    """The chain ``root`` loads to (as JSON), or the text of its error; with ``probe``, every
    entry gets an ``x-`` key first, which makes the reader read it field by field, and the
    chain is given back without that key."""
    if probe:
        root = copy.deepcopy(root)
        for section in SECTIONS:
            for entry in root.get(section) or ():
                if isinstance(entry, dict):
                    entry[PROBE] = 1
    try:
        chain = load_chain(json.dumps(root).encode(), filename="c")
    except ChainError as err:
        return str(err)
    if not probe:
        return chain
    unprobed = {}
    for section in SECTIONS:
        entities = getattr(chain, section)
        unprobed[section] = {
            key: replace(entity, extra={k: v for k, v in entity.extra.items() if k != PROBE})
            for key, entity in entities.items()
        }
    return replace(chain, **unprobed)


def assert_same(root: dict[str, Any]) -> Any:
    """Read whole and read field by field, ``root`` gives the same chain or the same errors."""
    whole, by_field = outcome(root, probe=False), outcome(root, probe=True)
    assert whole == by_field
    return whole


def assert_all_quick(root: dict[str, Any]) -> None:
    """Every entry of ``root`` is accepted whole (so the comparison is not vacuous)."""
    for section in SECTIONS:
        for entry in root.get(section, ()):
            assert SECTION_PLANS[section].quick(entry) is not None, (section, entry)


def test_base_is_read_whole() -> None:
    """Every entry of the base chain passes whole, and reads as it does field by field."""
    assert_all_quick(BASE)
    chain = assert_same(BASE)
    assert not isinstance(chain, str)
    assert chain.evidence["soc2"].cuecs[1].addressed is False


def test_base_as_yaml_reads_as_json() -> None:
    """The base chain written as YAML reads to the same chain as its JSON."""
    assert load_chain(yaml.safe_dump(BASE, sort_keys=False).encode()) == outcome(BASE, probe=False)


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
    """A generated chain passes whole, entry by entry, and reads as it does field by field."""
    root = json.loads(generated)
    assert_all_quick(root)
    chain = assert_same(root)
    assert not isinstance(chain, str)
    assert len(chain.services) == 400


# -- mutations: every kind of odd value, anywhere the reader looks ----------------------------

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
    """Every (section, entry, path inside the entry, key) of the mappings the reader reads.

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

    for section in SECTIONS:
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
    """Whatever is wrong, an entry read whole and read field by field give the same result."""
    assert_same(mutate(BASE, changes))


@given(section=st.sampled_from(SECTIONS), index=st.integers(0, 1))
def test_repeated_entries_are_reported_both_ways(section: str, index: int) -> None:
    """An entry repeated whole is reported as repeated, read either way."""
    root = copy.deepcopy(BASE)
    root[section].append(copy.deepcopy(root[section][index]))
    assert "is defined twice" in assert_same(root)


# -- the rules that join fields: each of graph.schema.RULES is checked ---------------------------

SMALL: dict[str, Any] = {
    "ketenkaart": 1,
    "offerings": ["app"],
    "suppliers": [{"id": "acme", "name": "Acme"}, {"id": "host", "name": "Host"}],
    "services": [
        {"id": "app", "name": "App", "supplier": "acme", "kind": "saas"},
        {"id": "vm", "name": "VM", "supplier": "host", "kind": "iaas"},
    ],
    "dependencies": [{"from": "app", "to": "vm"}],
    "evidence": [
        {
            "id": "soc2",
            "scheme": "soc2",
            "holder": "host",
            "covers": ["vm"],
            "type": 2,
            "period": {"from": "2025-01-01", "to": "2025-12-31"},
            "issued": "2026-02-01",
        }
    ],
    "profiles": [{"id": "strict", "extends": "zeker-online"}],
}

SOC2 = ("evidence", 0)
# For each rule (section, where): the change that breaks it, as (entry, key, value); a value of
# None deletes the key, and an entry index past the end appends a copy of the first entry.
BREAKS: dict[tuple[str, str], list[tuple[tuple[str, int], str, Any]]] = {
    ("dependencies", "reason"): [(("dependencies", 0), "relevant", False)],
    ("dependencies", "to"): [(("dependencies", 1), "from", "app")],
    ("evidence", "type"): [(SOC2, "type", None)],
    ("evidence", "period"): [(SOC2, "period", None)],
    ("evidence", "period.from"): [(SOC2, "period", {"from": "2026-01-01", "to": "2025-12-31"})],
    ("evidence", "issued"): [(SOC2, "issued", "2025-06-01")],
    ("evidence", "valid_until"): [(SOC2, "scheme", "iso27001")],
    ("evidence", "subservices"): [(SOC2, "subservices", {"carved_out": ["app"]})],
    ("evidence", "bridge_letter.from"): [
        (SOC2, "bridge_letter", {"from": "2026-03-01", "to": "2026-01-01"})
    ],
    ("profiles", "extends"): [(("profiles", 0), "extends", "nope")],
    ("suppliers", "parent"): [
        (("suppliers", 0), "parent", "host"),
        (("suppliers", 1), "parent", "acme"),
    ],
}


def test_every_rule_of_the_schema_has_a_breaking_example() -> None:
    """The examples below name exactly the rules graph.schema.RULES lists."""
    assert set(BREAKS) == {(rule.section, rule.where) for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.section}.{rule.where}")
@pytest.mark.parametrize("probe", [False, True], ids=["whole", "by-field"])
def test_a_broken_rule_is_reported_at_its_field(rule: Rule, probe: bool) -> None:
    """Breaking a rule of graph.schema.RULES gives an error at the field the rule names, whether
    the entry is read whole or field by field."""
    root = copy.deepcopy(SMALL)
    assert not isinstance(outcome(root, probe=probe), str)  # the small chain is valid
    for (section, index), key, value in BREAKS[rule.section, rule.where]:
        entries = root[section]
        if index == len(entries):
            entries.append(copy.deepcopy(entries[0]))
        if value is None:
            del entries[index][key]
        else:
            entries[index][key] = value
    error = outcome(root, probe=probe)
    assert isinstance(error, str)
    assert f"{rule.section}[" in error
    assert any(
        line.split(": ")[1].split("]", 1)[1].startswith(f".{rule.where}")
        for line in error.splitlines()
        if line.split(": ")[1].startswith(f"{rule.section}[")
    ), error


# --- lone surrogates ---------------------------------------------------------------------------
# Only an escape makes a lone surrogate from UTF-8 text; the reader scans the parsed values for
# one only when the text holds a surrogate's escape (may_hold_surrogate), so that scan must see
# every way of writing one.


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"ketenkaart": 1, "title": "a\\udc00"}',
            "title: the text holds a lone surrogate (U+DC00)",
        ),
        (
            '{"ketenkaart": 1, "title": "a\\uDC00"}',
            "title: the text holds a lone surrogate (U+DC00)",
        ),
        (
            '{"ketenkaart": 1, "title": "\\ud83d"}',
            "title: the text holds a lone surrogate (U+D83D)",
        ),
    ],
)
def test_a_lone_surrogate_however_escaped_is_refused(text: str, message: str) -> None:
    with pytest.raises(ChainError) as raised:
        load_chain(text.encode(), filename="odd.yaml")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "character"),
    [
        ('ketenkaart: 1\ntitle: "a\\uD800"\n', "D800"),
        ('ketenkaart: 1\ntitle: "\\U0000dc00"\n', "DC00"),
    ],
)
@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_a_lone_surrogate_escaped_in_yaml_is_refused_whichever_parser_reads_it(
    monkeypatch: pytest.MonkeyPatch, text: str, character: str, loader: str
) -> None:
    """libyaml refuses a surrogate's escape itself, at its line; PyYAML's own parser (where
    libyaml is missing) makes the surrogate, which the reader then refuses at its field."""
    if not hasattr(yaml, loader):
        pytest.skip(f"this PyYAML has no {loader} (built without libyaml)")
    monkeypatch.setattr(yaml12, "_YAML_LOADER", getattr(yaml, loader))
    with pytest.raises(ChainError) as raised:
        load_chain(text.encode(), filename="odd.yaml")
    expected = {
        "CSafeLoader": "odd.yaml:2: not valid YAML",
        "SafeLoader": f"title: the text holds a lone surrogate (U+{character})",
    }
    assert expected[loader] in str(raised.value)


# any character, lone surrogates and characters past U+FFFF often
_odd_text = st.text(
    st.one_of(
        st.characters(codec=None),
        st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff", "\U0001f600"]),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(value=_odd_text, yaml_style=st.booleans())
def test_text_that_parses_to_a_lone_surrogate_is_always_looked_at(
    value: str, yaml_style: bool
) -> None:
    """Whatever a value is, written with escapes (JSON's, or YAML's long ones), its text is
    looked at when the value holds a lone surrogate."""
    if yaml_style:  # every character but printable ASCII as YAML's \UXXXXXXXX
        quoted = "".join(
            c if c.isascii() and c.isprintable() and c not in '"\\' else f"\\U{ord(c):08X}"
            for c in value
        )
        text = f'name: "{quoted}"'
        assert yaml.safe_load(text)["name"] == value  # the text says what it should
    else:  # every character past ASCII as JSON's \uXXXX, in pairs past U+FFFF
        text = json.dumps({"name": value})
        assert json.loads(text)["name"] == value
    if SURROGATE.search(value):
        assert may_hold_surrogate(text)
        assert may_hold_surrogate(text.encode())
