"""The check of one change (importers.chainfile.edit) against the reader on the whole register.

For random small valid registers and random single changes (an entity added, changed or
removed, of every kind; changes that name unknown ids, make cycles of parents, break fields,
remove what others name), the issues of :func:`check_write` and :func:`check_delete` are
exactly the issues :func:`importers.chainfile.load_plain` finds in the register after the
change: the same paths, the same messages, in the same order.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from graph.errors import ChainError
from importers.chainfile import load_plain
from importers.chainfile.edit import Plain, check_delete, check_write, read_entry

SUPPLIERS = ["s0", "s1", "s_2", "s3", "s4"]  # "_": a LIKE wildcard, escaped
SERVICES = ["a0", "a1", "a.2", "a3", "a4", "a5"]
EVIDENCE = ["e0", "e1", "e2"]
PROFILES = ["p0", "p1"]
SECTIONS = ("suppliers", "services", "dependencies", "evidence", "profiles")
# ids a change may name: those of a register, near misses (for "did you mean") and odd ones
SUPPLIER_REFS = st.sampled_from([*SUPPLIERS, "s9", "zz"])
SERVICE_REFS = st.sampled_from([*SERVICES, "a9", "zz"])


def _whole_issues(document: dict[str, Any]) -> list[tuple[str, str]]:
    """What the reader finds in the whole document, a missing offering aside."""
    try:
        load_plain(document, source="w")
    except ChainError as err:
        return [
            (i.path, i.message)
            for i in err.issues
            if document["offerings"] or not i.path.startswith("offerings")
        ]
    return []


@st.composite
def registers(draw: st.DrawFn) -> dict[str, Any]:
    """A valid register: the parents of suppliers form no cycle (in an order of their own),
    every reference resolves."""
    suppliers = draw(st.lists(st.sampled_from(SUPPLIERS), min_size=1, unique=True))
    elders = draw(st.permutations(suppliers))  # a parent comes before its children here only
    supplier_bodies = []
    for key in suppliers:
        body: dict[str, Any] = {"id": key, "name": key.upper()}
        rank = elders.index(key)
        if rank and draw(st.booleans()):
            body["parent"] = draw(st.sampled_from(elders[:rank]))
        supplier_bodies.append(body)
    services = draw(st.lists(st.sampled_from(SERVICES), unique=True))
    service_bodies = [
        {"id": key, "name": key, "supplier": draw(st.sampled_from(suppliers)), "kind": "saas"}
        for key in services
    ]
    links = (
        draw(st.lists(st.tuples(st.sampled_from(services), st.sampled_from(services)), unique=True))
        if services
        else []
    )
    evidence = []
    if services:
        for key in draw(st.lists(st.sampled_from(EVIDENCE), unique=True)):
            covers = draw(st.lists(st.sampled_from(services), min_size=1, max_size=3))
            piece: dict[str, Any] = {
                "id": key,
                "scheme": "iso27001",
                "holder": draw(st.sampled_from(suppliers)),
                "covers": covers,
                "valid_until": "2027-06-30",
            }
            if draw(st.booleans()):
                piece["subservices"] = {
                    "method": "carve-out",
                    "carved_out": draw(st.lists(st.sampled_from(services), max_size=2)),
                }
            evidence.append(piece)
    profiles = [
        {"id": key, "extends": "zeker-online"}
        for key in draw(st.lists(st.sampled_from(PROFILES), unique=True))
    ]
    offerings = draw(st.lists(st.sampled_from(services), unique=True)) if services else []
    document = {
        "ketenkaart": 1,
        "offerings": offerings,
        "suppliers": supplier_bodies,
        "services": service_bodies,
        "dependencies": [{"from": a, "to": b} for a, b in links],
        "evidence": evidence,
        "profiles": profiles,
    }
    assert _whole_issues(document) == []
    return document


def _fields(**strategies: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    return strategies


def bodies(section: str) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of an entity of ``section``, valid or not, naming known and unknown ids."""
    oddities = st.dictionaries(
        st.sampled_from(["name", "country", "kind", "relevant", "color"]),
        st.sampled_from([5, "nl", "NL", "bogus", False, None, "", "x\udc00"]),
        max_size=2,
    )
    base: st.SearchStrategy[dict[str, Any]]
    if section == "suppliers":
        base = st.fixed_dictionaries(
            _fields(id=st.sampled_from([*SUPPLIERS, "s5", "Bad"]), name=st.just("N")),
            optional=_fields(parent=SUPPLIER_REFS, country=st.sampled_from(["NL", "nl"])),
        )
    elif section == "services":
        base = st.fixed_dictionaries(
            _fields(
                id=st.sampled_from([*SERVICES, "a6", "Bad"]),
                name=st.just("S"),
                supplier=SUPPLIER_REFS,
                kind=st.sampled_from(["saas", "bogus"]),
            )
        )
    elif section == "dependencies":
        base = st.fixed_dictionaries(
            _fields(**{"from": SERVICE_REFS, "to": SERVICE_REFS}),
            optional=_fields(relevant=st.just(False), reason=st.sampled_from(["r", " "])),
        )
    elif section == "evidence":
        base = st.fixed_dictionaries(
            _fields(
                id=st.sampled_from([*EVIDENCE, "e3"]),
                scheme=st.sampled_from(["iso27001", "soc2"]),
                holder=SUPPLIER_REFS,
                covers=st.lists(SERVICE_REFS, max_size=3),
            ),
            optional=_fields(
                valid_until=st.just("2027-06-30"),
                subservices=st.fixed_dictionaries(
                    _fields(method=st.sampled_from(["carve-out", "none"])),
                    optional=_fields(carved_out=st.lists(SERVICE_REFS, max_size=2)),
                ),
            ),
        )
    else:
        base = st.fixed_dictionaries(
            _fields(
                id=st.sampled_from([*PROFILES, "p2", "zeker-online"]),
                extends=st.sampled_from(["zeker-online", "nope"]),
            )
        )
    return st.one_of(base, st.tuples(base, oddities).map(lambda pair: {**pair[0], **pair[1]})).map(
        lambda body: {k: v for k, v in body.items() if v is not None or k == "name"}
    )


def _expected(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The whole reader's issues, with what kind of outcome they are noted for the statistics."""
    issues = _whole_issues(document)
    kinds = {"cycle" if "cycle" in m else "unknown" if "unknown" in m else "own" for _, m in issues}
    event("issues: " + (", ".join(sorted(kinds)) or "none"))
    return issues


def _key(section: str, body: dict[str, Any]) -> Any:
    return (body.get("from"), body.get("to")) if section == "dependencies" else body.get("id")


@settings(max_examples=600, deadline=None)
@given(register=registers(), section=st.sampled_from(SECTIONS), data=st.data())
def test_a_new_entity_has_the_issues_of_the_whole_register(
    register: dict[str, Any], section: str, data: st.DataObject
) -> None:
    """Adding an entity (with an id the register lacks) finds what the whole reader finds."""
    body = data.draw(bodies(section))
    taken = {_key(section, b) for b in register[section]}
    if _key(section, body) in taken:
        return  # the service refuses a taken id before any check
    after = copy.deepcopy(register)
    after[section].append(body)
    found = check_write(Plain(register), read_entry(section, body, source="w"), before=None)
    assert [(i.path, i.message) for i in found] == _expected(after)


@settings(max_examples=600, deadline=None)
@given(register=registers(), section=st.sampled_from(SECTIONS), data=st.data())
def test_a_changed_entity_has_the_issues_of_the_whole_register(
    register: dict[str, Any], section: str, data: st.DataObject
) -> None:
    """Changing an entity (its id kept) finds what the whole reader finds."""
    if not register[section]:
        return
    index = data.draw(st.integers(0, len(register[section]) - 1))
    before = register[section][index]
    changes = data.draw(bodies(section))
    body = {**before, **changes}
    if section == "dependencies":
        body["from"], body["to"] = before["from"], before["to"]
    else:
        body["id"] = before["id"]
    if section == "suppliers" and data.draw(st.booleans()):
        body["parent"] = data.draw(st.sampled_from([s["id"] for s in register["suppliers"]]))
    after = copy.deepcopy(register)
    after[section][index] = body
    found = check_write(Plain(register), read_entry(section, body, source="w"), before=before)
    assert [(i.path, i.message) for i in found] == _expected(after)


@settings(max_examples=400, deadline=None)
@given(register=registers(), section=st.sampled_from(SECTIONS), data=st.data())
def test_a_removed_entity_has_the_issues_of_the_whole_register(
    register: dict[str, Any], section: str, data: st.DataObject
) -> None:
    """Removing an entity (a service also from the offerings) finds what the whole reader
    finds: every reference to it."""
    if not register[section]:
        return
    index = data.draw(st.integers(0, len(register[section]) - 1))
    body = register[section][index]
    after = copy.deepcopy(register)
    del after[section][index]
    if section == "services":
        after["offerings"] = [o for o in after["offerings"] if o != body["id"]]
    found = check_delete(Plain(register), section, body, source="w")
    assert [(i.path, i.message) for i in found] == _expected(after)
