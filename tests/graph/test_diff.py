"""The differences between two chains: a chain against itself has none, the entity changes
rebuild the new chain from the old one, nested fields are named by their path, and the links
that changed verdict are exactly those two checks disagree on."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.coverage import check, unsettled
from graph.diff import (
    ABSENT,
    CHAIN,
    Change,
    EntityChange,
    FieldChange,
    diff,
    entity_changes,
    link_changes,
)
from graph.model import BridgeLetter, Chain, Cuec, DateRange, Document, Scheme, SubserviceMethod
from graph.profiles import ZEKER_ONLINE, find_profile
from graph.schema import SECTIONS, TOP, Field
from graph.verdicts import LinkResult, Verdict
from importers.chainfile import dump_plain, dump_plain_lazily, load_chain
from tests.factories import d, dep, make_chain, period, report, service
from tests.graph.test_example import EXAMPLES
from tests.graph.test_invariants import DATES, SUPPLIERS, chains, evidence, shuffled

SETTINGS = settings(max_examples=100, deadline=None)
LENIENT = replace(
    ZEKER_ONLINE,
    id="lenient",
    min_period_months=3,
    max_age_months=3,
    required_criteria=(),
    accept_as_equivalent=frozenset({Scheme.ISO27001}),
)
"""A profile that judges otherwise than Zeker-OnLine: younger reports, ISO 27001 enough."""
KINDEROPVANG = EXAMPLES / "kinderopvang.yaml"
AT = d("2026-11-27")


def changes_of(old: Chain, new: Chain, at: date = AT, later: date = AT, **options: Any) -> Any:
    return diff(old, new, old_at=at, new_at=later, plain=dump_plain, **options)


# --- applying the listed changes: the oracle of the property test ----------------------------


def _put(target: Any, path: tuple[str | int, ...], value: object) -> None:
    for step, following in itertools.pairwise(path):
        if isinstance(step, int):
            target = target[step]
        else:
            target = target.setdefault(step, [] if isinstance(following, int) else {})
    target[path[-1]] = value


def _drop(target: Any, path: tuple[str | int, ...]) -> None:
    """Remove the value at ``path``, and each mapping it leaves empty (not a list's item)."""
    trail = [target]
    for step in path[:-1]:
        trail.append(trail[-1][step])
    del trail[-1][path[-1]]
    for parent, step, child in reversed(list(zip(trail, path, trail[1:], strict=False))):
        if child or not isinstance(child, dict) or isinstance(parent, list):
            break
        del parent[step]


def apply(document: Mapping[str, object], changes: tuple[EntityChange, ...]) -> dict[str, Any]:
    """``document`` (a plain chain) with every change made, each section keyed by entity."""
    out: dict[str, Any] = json.loads(json.dumps(document))
    for name, section in SECTIONS.items():
        out[name] = {tuple(e[k] for k in section.key): e for e in out.get(name, [])}
    for change in changes:
        if change.section == CHAIN:
            entity = out
        elif change.change is Change.REMOVED:
            del out[change.section][change.key]
            continue
        else:
            entity = out[change.section].setdefault(change.key, {})
        for f in change.fields:
            if change.change is Change.CHANGED and f.old is not ABSENT:
                assert _at(entity, f.path) == f.old, f  # the old value is what `document` has
            if f.new is ABSENT:
                _drop(entity, f.path)
            else:
                _put(entity, f.path, f.new)
    return {k: v for k, v in out.items() if v or k not in SECTIONS}


def _at(entity: Any, path: tuple[str | int, ...]) -> object:
    for step in path:
        entity = entity[step]
    return entity


def normal(keyed: dict[str, Any]) -> dict[str, Any]:
    """A document as :func:`apply` gives it with each list of ids, countries or texts sorted:
    the order of a file's entries and of such lists means nothing."""
    out: dict[str, Any] = copy.deepcopy(keyed)

    def sort(entity: Any, fields: tuple[Field, ...]) -> None:
        for f in fields:
            value = entity.get(f.key)
            if value is None:
                continue
            if f.type in ("refs", "countries", "texts", "choices"):
                entity[f.key] = sorted(value)
            elif f.type == "mapping" and isinstance(value, dict):
                sort(value, f.fields)
            elif f.type == "rows":
                for row in value:
                    sort(row, f.fields)

    sort(out, TOP)
    for name, section in SECTIONS.items():
        for entity in out.get(name, {}).values():
            sort(entity, section.fields)
    return out


@st.composite
def edited(draw: st.DrawFn, chain: Chain) -> Chain:
    """``chain`` after one to three small edits a person makes in a year."""
    for _ in range(draw(st.integers(1, 3))):
        edits = ["name", "scope", "evidence", "drop", "link", "title", "x", "cuec"]
        edit = draw(st.sampled_from(edits))
        if edit == "name":
            sid = draw(st.sampled_from(sorted(chain.suppliers)))
            renamed = replace(chain.suppliers[sid], name=draw(st.sampled_from(["A", "B B.V."])))
            chain = replace(chain, suppliers={**chain.suppliers, sid: renamed})
        elif edit == "scope" and chain.dependencies:
            key = draw(st.sampled_from(sorted(chain.dependencies)))
            link = chain.dependencies[key]
            link = replace(
                link, relevant=not link.relevant, reason=None if not link.relevant else "no data"
            )
            chain = replace(chain, dependencies={**chain.dependencies, key: link})
        elif edit == "evidence":
            eid = draw(st.sampled_from([*sorted(chain.evidence), "e9"]))
            piece = replace(draw(evidence(sorted(chain.services))), id=eid)
            chain = replace(chain, evidence={**chain.evidence, eid: piece})
        elif edit == "drop" and chain.evidence:
            gone = draw(st.sampled_from(sorted(chain.evidence)))
            chain = replace(chain, evidence={k: v for k, v in chain.evidence.items() if k != gone})
        elif edit == "link":
            a, b = draw(st.sampled_from(sorted(chain.services))), draw(st.sampled_from(["s0"]))
            chain = replace(chain, dependencies={**chain.dependencies, (a, b): dep(a, b)})
        elif edit == "title":
            chain = replace(chain, title=draw(st.sampled_from([None, "KidsPlan", "Kids|Plan"])))
        elif edit == "cuec" and any(e.cuecs for e in chain.evidence.values()):
            eid = draw(st.sampled_from(sorted(k for k, e in chain.evidence.items() if e.cuecs)))
            piece = chain.evidence[eid]
            first = replace(piece.cuecs[0], addressed=not piece.cuecs[0].addressed)
            piece = replace(piece, cuecs=(first, *piece.cuecs[1:]))
            chain = replace(chain, evidence={**chain.evidence, eid: piece})
        elif edit == "x":
            sid = draw(st.sampled_from(sorted(chain.services)))
            extras: list[dict[str, object]] = [
                {},
                {"x-tier": 1},
                {"x-tier": True},
                {"x-a": {}},
                {"x-a": {"b": 1}},
            ]
            extra = draw(st.sampled_from(extras))
            chain = replace(
                chain, services={**chain.services, sid: replace(chain.services[sid], extra=extra)}
            )
    return chain


@SETTINGS
@given(chain=chains(), at=st.sampled_from(DATES), data=st.data())
def test_a_chain_has_no_difference_with_itself(chain: Chain, at: date, data: st.DataObject) -> None:
    """diff(a, a) is empty, whatever the order of a's lists in the second copy."""
    found = changes_of(chain, shuffled(chain, data), at, at)
    assert found.empty
    assert found.entities == () and found.links == ()


@SETTINGS
@given(data=st.data())
def test_applying_the_entity_changes_to_the_old_chain_gives_the_new_one(
    data: st.DataObject,
) -> None:
    """Every difference is listed, and listed right: making the listed changes to a's
    document gives b's, for small edits and for two unrelated chains alike."""
    old = data.draw(chains())
    new = data.draw(st.one_of(edited(old), chains()))
    found = entity_changes(dump_plain(old), dump_plain(new))
    applied = apply(dump_plain(old), found)
    expected = normal(apply(dump_plain(new), ()))
    assert normal(applied) == expected
    assert (found == ()) == (normal(apply(dump_plain(old), ())) == expected)


@SETTINGS
@given(data=st.data())
def test_entities_written_when_read_compare_as_written_at_once(data: st.DataObject) -> None:
    """The register's comparison writes each entity when it is read (ADR 48): it finds the
    same changes, with the same values, as a comparison of the documents written whole, and
    the lazily written document equals the whole one."""
    old = data.draw(chains())
    new = data.draw(st.one_of(edited(old), chains(), st.just(Chain(offerings=()))))
    lazily = entity_changes(dump_plain_lazily(old), dump_plain_lazily(new))
    assert lazily == entity_changes(dump_plain(old), dump_plain(new))
    assert [list(c.fields) for c in lazily] == [
        list(c.fields) for c in entity_changes(dump_plain(old), dump_plain(new))
    ]
    assert dump_plain_lazily(new) == dump_plain(new)


def test_an_added_entity_is_written_only_when_its_values_are_read() -> None:
    """Compared with an empty register, a register's entities are all added, and none is
    written until a page reads its values: a register after a large import lists 100,000."""
    chain = kinderopvang()
    document = dump_plain_lazily(chain)
    found = entity_changes(dump_plain(Chain(offerings=())), document)
    entities = [e for name in SECTIONS for e in document.get(name) or ()]  # type: ignore[attr-defined]
    assert len([c for c in found if c.change is Change.ADDED]) == len(entities) > 10
    assert not any(e.written for e in entities)
    first = next(c for c in found if c.change is Change.ADDED)
    assert [f.field for f in first.fields][:1] == ["id"]
    assert sum(e.written for e in entities) == 1


@SETTINGS
@given(data=st.data())
def test_the_changed_links_are_those_two_checks_disagree_on(data: st.DataObject) -> None:
    """A link is listed when its verdict differs between the check of a at one date and of b
    at another, or when only one check reaches it; no other link is."""
    old = data.draw(chains())
    new = data.draw(edited(old))
    at, later = data.draw(st.sampled_from(DATES)), data.draw(st.sampled_from(DATES))
    before = {(x.consumer, x.provider): x.verdict for x in check(old, at=at).links}
    after = {(x.consumer, x.provider): x.verdict for x in check(new, at=later).links}
    expected = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    found = changes_of(old, new, at, later).links
    assert [(c.consumer, c.provider) for c in found] == expected
    for c in found:
        assert (c.old is None) == (c.change is Change.APPEARED)
        assert (c.new is None) == (c.change is Change.GONE)


@st.composite
def reread(draw: st.DrawFn, chain: Chain) -> Chain:
    """``chain`` after one to three edits of what a link reads: a service's supplier or
    locations, a piece's holder, services, included sub-services, issue date or dates (its
    period or its validity moved), a supplier's group, a link's locations, or any edit of
    :func:`edited`."""
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(
            st.sampled_from(["supplier", "where", "holder", "piece", "group", "via", "any"])
        )
        sid = draw(st.sampled_from(sorted(chain.services)))
        if edit == "supplier":
            moved = replace(chain.services[sid], supplier=draw(st.sampled_from(SUPPLIERS)))
            chain = replace(chain, services={**chain.services, sid: moved})
        elif edit == "where":
            moved = replace(
                chain.services[sid], locations=draw(st.sampled_from([("NL",), ("US",)]))
            )
            chain = replace(chain, services={**chain.services, sid: moved})
        elif edit in ("holder", "piece") and chain.evidence:
            eid = draw(st.sampled_from(sorted(chain.evidence)))
            piece = chain.evidence[eid]
            if edit == "holder":
                piece = replace(piece, holder=draw(st.sampled_from([*SUPPLIERS, "grp"])))
            elif draw(st.booleans()):
                piece = replace(
                    piece,
                    covers=(*piece.covers, sid)
                    if sid not in piece.covers
                    else piece.covers[1:] or (sid,),
                )
            elif bool(piece.subservices.included) or draw(st.booleans()):
                subs = replace(
                    piece.subservices, method=SubserviceMethod.INCLUSIVE, included=(sid,)
                )
                piece = replace(piece, subservices=subs)
            elif draw(st.booleans()):
                piece = replace(piece, issued=draw(st.sampled_from([None, *DATES])))
            else:  # its dates moved by months: a report or a certificate renewed, or backdated
                moved_by = timedelta(days=draw(st.sampled_from([-200, -31, 31, 200, 400])))
                if piece.period is not None:
                    piece = replace(
                        piece,
                        period=DateRange(
                            piece.period.start + moved_by, piece.period.end + moved_by
                        ),
                    )
                if piece.valid_until is not None:
                    piece = replace(piece, valid_until=piece.valid_until + moved_by)
            chain = replace(chain, evidence={**chain.evidence, eid: piece})
        elif edit == "group":
            pid = draw(st.sampled_from(SUPPLIERS))
            regrouped = replace(chain.suppliers[pid], parent=draw(st.sampled_from([None, "grp"])))
            chain = replace(chain, suppliers={**chain.suppliers, pid: regrouped})
        elif edit == "via" and chain.dependencies:
            key = draw(st.sampled_from(sorted(chain.dependencies)))
            where = draw(st.sampled_from([None, ("DE",), ("US",)]))
            link = replace(chain.dependencies[key], locations=where)
            chain = replace(chain, dependencies={**chain.dependencies, key: link})
        else:
            chain = draw(edited(chain))
    return chain


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_links_left_unjudged_are_those_judged_alike(data: st.DataObject) -> None:
    """The comparison judges again only the links whose verdict can differ
    (:func:`graph.coverage.unsettled`); what it lists, both sides of each link in full, is what
    two whole checks give, on one date and on two, after edits of anything a link reads."""
    old = data.draw(chains())
    new = data.draw(st.one_of(reread(old), edited(old)))
    at = data.draw(st.sampled_from(DATES))
    later = data.draw(st.one_of(st.just(at), st.sampled_from(DATES)))
    profile = data.draw(st.sampled_from([ZEKER_ONLINE, LENIENT]))
    given = data.draw(st.sampled_from([None, ["s1", "s0"], ["s4", "nowhere"]]))

    def links(chain: Chain, day: date) -> tuple[LinkResult, ...]:
        starts = [o for o in (chain.offerings if given is None else given) if o in chain.services]
        return check(chain, offerings=starts, profile=profile, at=day).links if starts else ()

    expected = link_changes(links(old, at), links(new, later))
    found = changes_of(old, new, at, later, profile=profile, offerings=given)
    assert found.links == expected


def test_a_piece_its_supplier_now_holds_for_another_service_settles_the_provider_s_link() -> None:
    """A provider reads every piece its supplier holds: one its supplier now holds for another
    service turns its link from no evidence into not equivalent, and the comparison lists it
    though neither end of that link changed or is listed by the piece."""
    services = [service("app"), service("db", supplier="dbco"), service("mail", supplier="x")]
    links = [dep("app", "db"), dep("app", "mail")]
    old = make_chain(services=services, dependencies=links)
    piece = report("r", holder="dbco", covers=["mail"])
    new = make_chain(services=services, dependencies=links, evidence=[piece])
    found = {(c.consumer, c.provider): c for c in changes_of(old, new).links}
    db = found[("app", "db")]
    assert db.old is not None and db.new is not None
    assert (db.old.verdict, db.new.verdict) == (Verdict.NO_EVIDENCE, Verdict.NOT_EQUIVALENT)
    assert unsettled(old, new, profile=ZEKER_ONLINE, old_at=AT, new_at=AT) == {"db", "mail"}


def test_what_no_verdict_reads_unsettles_nothing() -> None:
    """A supplier renamed or moved leaves every link as it was judged (its name is in the
    reasons only); on one date, a piece issued later unsettles nothing, on two it unsettles
    what it lists and what its holder supplies, once it exists."""
    late = report("r", holder="acme", covers=["db"], issued=d("2027-01-15"))
    old = make_chain(
        services=[service("app"), service("db")], dependencies=[dep("app", "db")], evidence=[late]
    )
    renamed = replace(
        old,
        suppliers={"acme": replace(old.suppliers["acme"], name="Acme Group", country="DE")},
    )
    assert unsettled(old, renamed, profile=ZEKER_ONLINE, old_at=AT, new_at=AT) == set()
    assert unsettled(old, old, profile=ZEKER_ONLINE, old_at=AT, new_at=AT) == set()
    later = d("2027-02-01")
    assert unsettled(old, old, profile=ZEKER_ONLINE, old_at=AT, new_at=later) == {"app", "db"}


# --- what a person reads: paths, values, order ------------------------------------------------


def kinderopvang() -> Chain:
    return load_chain(KINDEROPVANG.read_bytes(), filename=str(KINDEROPVANG))


def fields(change: EntityChange) -> list[tuple[str, object, object]]:
    return [(f.field, f.old, f.new) for f in change.fields]


def test_nested_fields_are_named_by_their_path() -> None:
    """A report's new period, a bridge letter's end, a CUEC now addressed and a supplier's
    new KvK number are each one change named as the file names it."""
    old = kinderopvang()
    polder = old.evidence["polder-isae3402-2026"]
    moved = replace(
        polder,
        period=period("2025-07-01", "2026-06-29"),
        cuecs=(replace(polder.cuecs[0], addressed=False),),
        bridge_letter=BridgeLetter(d("2026-07-01"), d("2026-12-31")),
    )
    kidsplan = replace(old.suppliers["kidsplan"], ids={"kvk": "90000002"})
    new = replace(
        old,
        evidence={**old.evidence, moved.id: moved},
        suppliers={**old.suppliers, "kidsplan": kidsplan},
    )
    found = {(c.section, c.key): c for c in changes_of(old, new).entities}
    assert set(found) == {("evidence", ("polder-isae3402-2026",)), ("suppliers", ("kidsplan",))}
    assert fields(found["evidence", ("polder-isae3402-2026",)]) == [
        ("period.to", "2026-06-30", "2026-06-29"),
        ("cuecs[0].addressed", True, ABSENT),
        ("bridge_letter.from", ABSENT, "2026-07-01"),
        ("bridge_letter.to", ABSENT, "2026-12-31"),
    ]
    assert fields(found["suppliers", ("kidsplan",)]) == [("ids.kvk", "90000001", "90000002")]


def test_added_and_removed_entities_list_every_value() -> None:
    """A new supplier lists each value it has, a removed piece of evidence each it had."""
    old = kinderopvang()
    new = replace(
        old,
        suppliers={**old.suppliers, "zz": replace(old.suppliers["schoon"], id="zz", name="Zz")},
        evidence={k: v for k, v in old.evidence.items() if k != "kluis-zol"},
    )
    found = changes_of(old, new).entities
    assert [(c.section, c.key, c.change) for c in found] == [
        ("suppliers", ("zz",), Change.ADDED),
        ("evidence", ("kluis-zol",), Change.REMOVED),
    ]
    assert fields(found[0]) == [
        ("id", ABSENT, "zz"),
        ("name", ABSENT, "Zz"),
        ("country", ABSENT, "NL"),
    ]
    assert fields(found[1]) == [
        ("id", "kluis-zol", ABSENT),
        ("scheme", "zeker-online", ABSENT),
        ("holder", "kluis", ABSENT),
        ("covers", ["kluis-backup"], ABSENT),
        ("issued", "2026-02-01", ABSENT),
        ("valid_until", "2027-01-31", ABSENT),
    ]


def _field_lists(fields: tuple[Field, ...], where: str) -> list[tuple[str, tuple[Field, ...]]]:
    found = [(where, fields)]
    for f in fields:
        if f.fields:
            found += _field_lists(f.fields, f"{where}.{f.key}")
    return found


def test_no_list_of_fields_names_a_key_twice() -> None:
    """The order of an added or removed entity's values is the fields' order worked out once
    per list of fields (graph.diff._plan), which is the order of every other change only while
    no list names a key twice."""
    lists = _field_lists(TOP, "chain")
    for name, section in SECTIONS.items():
        lists += _field_lists(section.fields, name)
    assert len(lists) > len(SECTIONS) + 1  # nested lists (period, accreditation, ...) too
    twice = {
        where: keys
        for where, fields in lists
        if len(keys := [f.key for f in fields]) != len(set(keys))
    }
    assert twice == {}


def test_a_mapping_s_values_are_its_own_keys_whatever_its_in_says() -> None:
    """An added entity given as a mapping that claims every key lists only the keys it has."""

    class Claims(Mapping[str, object]):
        def __init__(self, data: dict[str, object]) -> None:
            self.data = data

        def __getitem__(self, key: str) -> object:
            return self.data.get(key)

        def __contains__(self, key: object) -> bool:
            return True

        def __iter__(self) -> Any:
            return iter(self.data)

        def __len__(self) -> int:
            return len(self.data)

    new = {"suppliers": [Claims({"id": "zz", "x-note": "n", "name": "Zz"})]}
    (added,) = entity_changes({}, new)
    assert [(f.field, f.new) for f in added.fields] == [
        ("id", "zz"),
        ("name", "Zz"),
        ("x-note", "n"),
    ]


def test_the_chain_s_title_and_offerings_are_the_entity_chain() -> None:
    """A new title and another offering are changes of the chain itself, listed first."""
    old = kinderopvang()
    new = replace(old, title="KidsPlan 2027", offerings=(*old.offerings, "nimbus-apps"))
    found = changes_of(old, new).entities[0]
    assert (found.section, found.key, found.change) == (CHAIN, (), Change.CHANGED)
    assert fields(found) == [
        ("title", old.title, "KidsPlan 2027"),
        ("offerings", ["kidsplan-online"], ["kidsplan-online", "nimbus-apps"]),
    ]


def test_a_default_written_or_left_out_is_no_change() -> None:
    """``relevant: true`` written out equals it left out (the writer leaves defaults out); a
    link set out of scope is one change of two values."""
    old = make_chain(services=[service("app"), service("db")], dependencies=[dep("app", "db")])
    same = replace(old, dependencies={("app", "db"): dep("app", "db", relevant=True)})
    assert changes_of(old, same).empty
    out = replace(old, dependencies={("app", "db"): dep("app", "db", relevant=False, reason="n")})
    (found,) = changes_of(old, out).entities
    assert (found.section, found.key, found.name) == ("dependencies", ("app", "db"), "app -> db")
    assert fields(found) == [("relevant", ABSENT, False), ("reason", ABSENT, "n")]


def test_true_is_not_one() -> None:
    """An x- value that turns from 1 into true is a change, though Python calls them equal."""
    old = make_chain(services=[service("app", extra={"x-tier": 1})])
    new = make_chain(services=[service("app", extra={"x-tier": True})])
    (found,) = changes_of(old, new).entities
    assert fields(found) == [("x-tier", 1, True)]
    (lazily,) = entity_changes(dump_plain_lazily(old), dump_plain_lazily(new))
    assert fields(lazily) == [("x-tier", 1, True)]  # entities written when read, too


def test_an_emptied_document_pointer_is_one_change() -> None:
    """A document pointer emptied to ``{}`` (still a pointer) is one change of the whole value;
    one removed is its values gone."""
    named = report("r", holder="acme", covers=["db"], document=Document(name="r.pdf"))
    old = make_chain(services=[service("app"), service("db")], evidence=[named])
    emptied = make_chain(
        services=[service("app"), service("db")],
        evidence=[replace(named, document=Document())],
    )
    gone = make_chain(
        services=[service("app"), service("db")], evidence=[replace(named, document=None)]
    )
    assert fields(changes_of(old, emptied).entities[0]) == [("document", {"name": "r.pdf"}, {})]
    assert fields(changes_of(old, gone).entities[0]) == [("document.name", "r.pdf", ABSENT)]


def test_the_order_is_fixed_whatever_the_file_order() -> None:
    """Entities come by section, then key, whatever order the files list them in."""
    old = make_chain(services=[service("app")])
    new = make_chain(
        services=[service("zz"), service("app"), service("bb", supplier="zed")],
        dependencies=[dep("app", "zz"), dep("app", "bb")],
        offerings=["app"],
    )
    found = changes_of(old, new).entities
    assert [(c.section, c.key) for c in found] == [
        ("suppliers", ("zed",)),
        ("services", ("bb",)),
        ("services", ("zz",)),
        ("dependencies", ("app", "bb")),
        ("dependencies", ("app", "zz")),
    ]


# --- links ------------------------------------------------------------------------------------


def test_a_year_later_the_same_file_lists_the_links_that_lapsed() -> None:
    """The example a year on: no entity changed, and each listed link is one whose verdict
    differs between the two checks, with both verdicts and both reasons."""
    chain = kinderopvang()
    later = d("2027-11-27")
    profile = find_profile("zeker-online", chain)
    found = changes_of(chain, chain, AT, later, profile=profile)
    assert found.entities == ()
    before = {(x.consumer, x.provider): x for x in check(chain, at=AT).links}
    after = {(x.consumer, x.provider): x for x in check(chain, at=later).links}
    changed = sorted(k for k in before if before[k].verdict is not after[k].verdict)
    assert changed and [(c.consumer, c.provider) for c in found.links] == changed
    polder = next(c for c in found.links if c.provider == "polder-iaas-ams")
    assert polder.change is Change.CHANGED
    assert polder.old is not None and polder.new is not None
    assert (polder.old.status.value, polder.new.status.value) == ("ok", "gap")
    assert polder.old.evidence == polder.new.evidence == "polder-isae3402-2026"
    assert polder.new.reasons and polder.new.reasons != polder.old.reasons


def test_a_new_link_appears_and_a_removed_one_is_gone() -> None:
    """A link only the new chain has is listed as appeared (no old verdict), one only the old
    chain had as gone; links that kept their verdict are not listed."""
    services = [service("app"), service("db", supplier="dbco"), service("mail", supplier="m")]
    kept = report("db-soc2", holder="dbco", covers=["db"])
    old = make_chain(services=services, dependencies=[dep("app", "db")], evidence=[kept])
    new = make_chain(services=services, dependencies=[dep("app", "db"), dep("app", "mail")])
    new = replace(new, evidence=old.evidence, dependencies={("app", "mail"): dep("app", "mail")})
    found = changes_of(old, new).links
    assert [(c.consumer, c.provider, c.change) for c in found] == [
        ("app", "db", Change.GONE),
        ("app", "mail", Change.APPEARED),
    ]
    assert found[0].new is None and found[0].old is not None
    assert found[0].old.verdict is Verdict.EQUIVALENT
    assert found[1].old is None and found[1].new is not None
    assert found[1].new.verdict is Verdict.NO_EVIDENCE


def test_an_offering_one_chain_lacks_is_no_error() -> None:
    """Asked from an offering the old chain does not have yet, the old side has no links and
    the new side's are all new."""
    old = make_chain(services=[service("app")])
    new = make_chain(services=[service("app"), service("api")], dependencies=[dep("api", "app")])
    found = changes_of(old, new, offerings=["api"]).links
    assert [(c.consumer, c.provider, c.change) for c in found] == [("api", "app", Change.APPEARED)]


def test_link_changes_ignores_a_link_that_kept_its_verdict() -> None:
    """The same verdict on both sides is no change, even with other sentences."""
    chain = kinderopvang()
    links = check(chain, at=AT).links
    reworded = [link._replace(reasons=()) for link in links]
    assert link_changes(links, reworded) == ()


# --- the JSON layout --------------------------------------------------------------------------


def test_json_leaves_out_the_side_that_has_no_value() -> None:
    """``old`` or ``new`` is left out where a side has none, so null stays a value."""
    old = make_chain(services=[service("app", extra={"x-note": None})])
    new = make_chain(services=[service("app", extra={"x-other": "y"})])
    document = changes_of(old, new).to_json()
    assert json.loads(json.dumps(document)) == document
    assert document["old_at"] == document["new_at"] == "2026-11-27"
    assert document["profile"] == ZEKER_ONLINE.id
    assert document["links"] == []
    assert document["entities"] == [
        {
            "section": "services",
            "key": ["app"],
            "change": "changed",
            "by": None,
            "at": None,
            "fields": [
                {"field": "x-note", "path": ["x-note"], "old": None},
                {"field": "x-other", "path": ["x-other"], "new": "y"},
            ],
        }
    ]


def test_json_gives_both_verdicts_and_reasons_of_a_changed_link() -> None:
    """A changed link carries its status, verdict, evidence and reasons on each side."""
    chain = kinderopvang()
    document = changes_of(chain, chain, AT, d("2027-11-27")).to_json()
    link = next(x for x in document["links"] if x["to"] == "polder-iaas-ams")
    assert link["change"] == "changed"
    assert link["old"]["status"] == "ok" and link["new"]["status"] == "gap"
    assert link["old"]["verdict"] == "EQUIVALENT"
    assert link["new"]["evidence"] == "polder-isae3402-2026"
    assert all({"code", "message"} == set(r) for r in link["new"]["reasons"])
    assert link["new"]["reasons"]


def test_field_change_text() -> None:
    """A path as text: keys by dots, an index in brackets."""
    assert FieldChange(("period", "from"), ABSENT, "2026-01-01").field == "period.from"
    assert FieldChange(("cuecs", 2, "addressed"), False, True).field == "cuecs[2].addressed"
    assert FieldChange(("title",), None, "x").field == "title"


@pytest.mark.parametrize("flip", [True, False])
def test_a_cuec_list_of_another_length_is_one_change(flip: bool) -> None:
    """A CUEC added or removed changes the list as a whole (no position to pair them by)."""
    one = report("r", holder="acme", covers=["db"], cuecs=(Cuec(id="C1"),))
    two = replace(one, cuecs=(Cuec(id="C1"), Cuec(id="C2", addressed=True)))
    chains_ = [make_chain(services=[service("db")], evidence=[e]) for e in (one, two)]
    old, new = chains_ if flip else chains_[::-1]
    (found,) = changes_of(old, new).entities
    (change,) = found.fields
    assert change.field == "cuecs"
    assert isinstance(change.old, list) and isinstance(change.new, list)
    assert len(change.old) + len(change.new) == 3
