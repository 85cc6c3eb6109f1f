"""Invariants over small random chains: order does not matter, evidence never hurts, and putting
a link out of scope never adds a gap elsewhere."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.coverage import check, check_each, check_links, prepare
from graph.evidence import stop_date
from graph.findings import expiring_stops
from graph.model import (
    Accreditation,
    BridgeLetter,
    Chain,
    Cuec,
    DateRange,
    Dependency,
    Evidence,
    Opinion,
    ReportException,
    Scheme,
    SchemeClass,
    SubserviceMethod,
    Subservices,
    Verification,
)
from graph.profiles import ZEKER_ONLINE
from graph.verdicts import CheckResult, FindingCode, Status, Verdict
from tests.factories import d, dep, make_chain, service, supplier

SERVICES = ["s0", "s1", "s2", "s3", "s4"]
SUPPLIERS = ["p0", "p1", "p2"]
COUNTRIES = ["NL", "DE", "US"]
SCHEMES = [
    Scheme.SOC2,
    Scheme.ISAE3402,
    Scheme.SOC3,
    Scheme.ISO27001,
    Scheme.ZEKER_ONLINE,
    Scheme.EUCS,
    Scheme.FEDRAMP,
    Scheme.SELF_DECLARATION,
    Scheme.PCI_DSS,
]
DATES = [d("2025-10-31"), d("2026-03-31"), d("2026-11-27"), d("2027-08-15")]
PERIODS = [DateRange(d("2026-01-01"), d("2026-12-31")), DateRange(d("2025-07-01"), d("2025-09-30"))]
STARTS = [d("2024-07-01"), d("2025-01-01"), d("2025-07-01"), d("2026-01-01")]
SETTINGS = settings(max_examples=150, deadline=None)
ONE_DAY = timedelta(days=1)
STATUS_ORDER = {Status.OK: 0, Status.CONDITIONAL: 1, Status.GAP: 2}


def locations(min_size: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(COUNTRIES), min_size=min_size, max_size=2, unique=True).map(
        tuple
    )


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


@st.composite
def evidence(draw: st.DrawFn, ids: list[str]) -> Evidence:
    """One piece of evidence of any of a few schemes, with random flaws."""
    scheme = draw(st.sampled_from(SCHEMES))
    fields: dict[str, object] = {
        "holder": draw(st.sampled_from([*SUPPLIERS, "grp"])),
        "covers": tuple(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))),
        "locations": draw(locations()),
        "issued": draw(st.sampled_from([None, *DATES])),
        "verification": draw(st.sampled_from(list(Verification))),
    }
    klass = scheme.scheme_class
    if klass in (SchemeClass.ASSURANCE_REPORT, SchemeClass.SUMMARY_REPORT):
        start = draw(st.sampled_from(STARTS))
        end = add_months(start, draw(st.sampled_from([3, 6, 12]))) - ONE_DAY
        method = draw(st.sampled_from(list(SubserviceMethod)))
        subs = (
            Subservices()
            if method is SubserviceMethod.NONE
            else Subservices(
                method=method,
                carved_out=tuple(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))),
                included=tuple(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))),
            )
        )
        letter = draw(
            st.sampled_from([None, BridgeLetter(end + ONE_DAY, end + timedelta(days=120))])
        )
        fields |= {
            "type": draw(st.sampled_from([1, 2, 2, 2])),
            "period": DateRange(start, end),
            "criteria": draw(st.sampled_from([(), ("security",), ("security", "availability")])),
            "opinion": draw(st.sampled_from([Opinion.UNQUALIFIED] * 3 + [Opinion.QUALIFIED])),
            "exceptions": draw(st.sampled_from([(), (ReportException(criterion="CC6.1"),)])),
            "cuecs": draw(
                st.sampled_from([(), (Cuec(id="C1", addressed=True),), (Cuec(id="C2"),)])
            ),
            "subservices": subs,
            "bridge_letter": letter,
        }
        if fields["type"] == 1:
            fields |= {"period": None, "as_of": end, "bridge_letter": None}
    else:
        fields |= {
            "valid_until": draw(
                st.sampled_from(
                    [d("2025-12-31"), d("2026-06-30"), d("2027-01-31"), d("2028-02-28")]
                    + ([None] if scheme is Scheme.FEDRAMP else [])
                )
            ),
            "accreditation": draw(
                st.sampled_from([Accreditation(iaf_mla=True), Accreditation(iaf_mla=False), None])
            ),
            "version": draw(st.sampled_from([None, "ISO/IEC 27001:2013", "ISO/IEC 27001:2022"])),
        }
    return Evidence(id="e", scheme=scheme, **fields)  # type: ignore[arg-type]


@st.composite
def dependency(draw: st.DrawFn, consumer: str, provider: str) -> Dependency:
    relevant = draw(st.sampled_from([True, True, True, False]))
    return dep(
        consumer,
        provider,
        relevant=relevant,
        reason=None if relevant else "not relevant",
        personal_data=draw(st.sampled_from([None, True, False])),
        locations=draw(st.sampled_from([None, ("DE",), ("NL", "US")])),
    )


@st.composite
def chains(draw: st.DrawFn) -> Chain:
    """A small random chain of up to five services, three suppliers of one group."""
    ids = SERVICES[: draw(st.integers(2, len(SERVICES)))]
    parents = [draw(st.sampled_from([None, "grp"])) for _ in SUPPLIERS]
    services = [
        service(
            s,
            supplier=draw(st.sampled_from(SUPPLIERS)),
            locations=draw(locations(min_size=1)),
            personal_data=draw(st.booleans()),
        )
        for s in ids
    ]
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), unique=True, max_size=8)
    )
    pieces = draw(st.lists(evidence(ids), max_size=5))
    return make_chain(
        services=services,
        dependencies=[draw(dependency(a, b)) for a, b in pairs],
        evidence=[replace(e, id=f"e{i}") for i, e in enumerate(pieces)],
        suppliers=[supplier("grp")]
        + [supplier(p, parent=parent) for p, parent in zip(SUPPLIERS, parents, strict=True)],
        offerings=draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)),
    )


moments = st.one_of(
    st.sampled_from(DATES).map(lambda at: {"at": at}),
    st.sampled_from(PERIODS).map(lambda p: {"period": p}),
)


def run(chain: Chain, moment: dict[str, object]) -> CheckResult:
    return check(chain, **moment)  # type: ignore[arg-type]


def shuffled(chain: Chain, data: st.DataObject) -> Chain:
    """The chain with its mappings' insertion order and its covers/locations permuted."""

    def perm(items: list) -> list:  # type: ignore[type-arg]
        return data.draw(st.permutations(items))

    return replace(
        chain,
        suppliers=dict(perm(list(chain.suppliers.items()))),
        services={
            k: replace(s, locations=tuple(perm(list(s.locations))))
            for k, s in perm(list(chain.services.items()))
        },
        dependencies=dict(perm(list(chain.dependencies.items()))),
        evidence={
            k: replace(
                e, covers=tuple(perm(list(e.covers))), locations=tuple(perm(list(e.locations)))
            )
            for k, e in perm(list(chain.evidence.items()))
        },
    )


@SETTINGS
@given(chain=chains(), moment=moments, data=st.data())
def test_result_does_not_depend_on_the_order_of_the_chains_lists(
    chain: Chain, moment: dict[str, object], data: st.DataObject
) -> None:
    """(a) The same chain with its lists in another order gives byte-identical JSON."""
    expected = json.dumps(run(chain, moment).to_json())
    assert json.dumps(run(shuffled(chain, data), moment).to_json()) == expected


def without_messages(doc: object) -> object:
    """The JSON document without the reason and finding sentences."""
    if isinstance(doc, dict):
        return {k: without_messages(v) for k, v in doc.items() if k != "message"}
    if isinstance(doc, list):
        return [without_messages(v) for v in doc]
    return doc


@SETTINGS
@given(chain=chains(), moment=moments, data=st.data())
def test_verdicts_codes_and_subjects_do_not_depend_on_order(
    chain: Chain, moment: dict[str, object], data: st.DataObject
) -> None:
    """(a') Apart from the sentences, the document does not depend on the lists' order either."""
    expected = without_messages(run(chain, moment).to_json())
    assert without_messages(run(shuffled(chain, data), moment).to_json()) == expected


@SETTINGS
@given(chain=chains(), moment=moments, data=st.data())
def test_adding_evidence_never_makes_a_link_worse(
    chain: Chain, moment: dict[str, object], data: st.DataObject
) -> None:
    """(b) With one more piece of evidence no link's status gets worse."""
    extra = replace(data.draw(evidence(list(chain.services))), id="zz-new")
    before = {(x.consumer, x.provider): x.status for x in run(chain, moment).links}
    after_links = run(replace(chain, evidence={**chain.evidence, extra.id: extra}), moment).links
    after = {(x.consumer, x.provider): x.status for x in after_links}
    assert set(after) == set(before)
    for key, status in before.items():
        if status is Status.OUT_OF_SCOPE:
            assert after[key] is Status.OUT_OF_SCOPE
        else:
            assert STATUS_ORDER[after[key]] <= STATUS_ORDER[status], key


@SETTINGS
@given(chain=chains(), moment=moments, data=st.data())
def test_putting_a_link_out_of_scope_never_adds_a_gap_elsewhere(
    chain: Chain, moment: dict[str, object], data: st.DataObject
) -> None:
    """(c) Marking a link out of scope does not add gap links other than that one."""
    relevant = [k for k, x in chain.dependencies.items() if x.relevant]
    if not relevant:
        return
    key = data.draw(st.sampled_from(sorted(relevant)))
    out = replace(chain.dependencies[key], relevant=False, reason="out of scope for this audit")
    narrowed = replace(chain, dependencies={**chain.dependencies, key: out})

    def gaps(result: CheckResult) -> set[tuple[str, str]]:
        return {(x.consumer, x.provider) for x in result.links if x.status is Status.GAP} - {key}

    assert gaps(run(narrowed, moment)) <= gaps(run(chain, moment))


@SETTINGS
@given(chain=chains(), moment=moments)
def test_links_are_ordered_and_paths_match_ranks(chain: Chain, moment: dict[str, object]) -> None:
    """Links by (rank, from, to), each path from an offering to consumer then provider."""
    result = run(chain, moment)
    keys = [(x.rank, x.consumer, x.provider) for x in result.links]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    for x in result.links:
        assert x.path[0] in chain.offerings
        assert x.path[-2:] == (x.consumer, x.provider)
        assert len(x.path) == x.rank + 1


@SETTINGS
@given(chain=chains(), moment=moments)
def test_no_reason_code_twice_for_one_piece_of_evidence(
    chain: Chain, moment: dict[str, object]
) -> None:
    """A reason code appears at most once per piece of evidence (and per link in period mode)."""
    result = run(chain, moment)
    for x in result.links:
        for a in x.also:
            found = [r.code for r in a.reasons]
            assert len(found) == len(set(found))
        if "period" in moment:
            found = [r.code for r in x.reasons]
            assert len(found) == len(set(found))


@SETTINGS
@given(chain=chains(), moment=moments)
def test_summary_and_verdict_agree_with_the_links(chain: Chain, moment: dict[str, object]) -> None:
    """The summary counts the links by status; the verdict is the worst status."""
    result = run(chain, moment)
    statuses = [x.status for x in result.links]
    assert result.summary["links"] == len(statuses)
    for status in Status:
        assert result.summary[status.value] == statuses.count(status)
    worst = (
        Status.GAP
        if Status.GAP in statuses
        else Status.CONDITIONAL
        if Status.CONDITIONAL in statuses
        else Status.OK
    )
    assert result.verdict is worst


@given(chain=chains(), moment=moments)
def test_streamed_json_is_always_in_the_layout_of_json_dumps(
    chain: Chain, moment: dict[str, object]
) -> None:
    """iter_json() joins to valid JSON that json.dumps of its parsed document writes again
    byte for byte, whatever the chain holds."""
    result = run(chain, moment)
    expected = json.dumps(result.to_json(), ensure_ascii=False).encode()
    assert b"".join(result.iter_json()) == expected


@given(chain=chains(), at=st.sampled_from(DATES))
def test_also_as_written_is_also_as_read_piece_by_piece(chain: Chain, at: date) -> None:
    """Each link's `also` in the JSON (an unlisted piece written from halves made once) is its
    `also` read assessment by assessment, as many as len() says."""
    result = run(chain, {"at": at})
    for link, written in zip(result.links, result.to_json()["links"], strict=True):
        read = [
            {
                "evidence": a.evidence,
                "verdict": a.verdict.value,
                "reasons": [{"code": r.code.value, "message": r.message} for r in a.reasons],
            }
            for a in link.also
        ]
        assert written["also"] == read
        assert len(link.also) == len(read)


@given(chain=chains(), at=st.sampled_from(DATES))
def test_every_link_lists_its_evidence_best_first(chain: Chain, at: date) -> None:
    """The deciding evidence, then `also`: best verdict, then counting longest, then by id."""
    result = run(chain, {"at": at})
    never = date.max.toordinal() + 1

    def rank(evidence: str, verdict: str) -> tuple[int, int, str]:
        stop = stop_date(chain.evidence[evidence], ZEKER_ONLINE)
        return (Verdict(verdict).order, -(stop.toordinal() if stop else never), evidence)

    for link in result.links:
        if link.verdict in (Verdict.INCLUDED, Verdict.OUT_OF_SCOPE, Verdict.NO_EVIDENCE):
            continue
        ranks = [rank(link.evidence or "", link.verdict.value)]
        ranks += [rank(a.evidence, a.verdict.value) for a in link.also]
        assert ranks == sorted(ranks)


@given(chain=chains(), moment=moments)
def test_every_reason_names_the_links_provider(chain: Chain, moment: dict[str, object]) -> None:
    """Each sentence names the service it is about (verdicts.md: naming E, P and the dates)."""
    for link in run(chain, moment).links:
        if link.verdict is Verdict.OUT_OF_SCOPE:
            continue  # its sentence is the file's own reason
        for reason in [*link.reasons, *(r for a in link.also for r in a.reasons)]:
            assert f"({link.provider})" in reason.message, reason
            assert "\x00" not in reason.message


@SETTINGS
@given(chain=chains(), at=st.sampled_from(DATES))
def test_each_offerings_verdict_from_one_check_is_its_own_checks(chain: Chain, at: date) -> None:
    """check_each gives every offering the verdict and counts of a check of it alone, and the
    one check's expiring evidence is what the separate checks name together."""
    combined, each = check_each(chain, at=at)
    alone = {o: check(chain, offerings=[o], at=at) for o in chain.offerings}
    assert {o: (v.verdict, dict(v.summary)) for o, v in each.items()} == {
        o: (r.verdict, dict(r.summary)) for o, r in alone.items()
    }

    def expiring(results: list[CheckResult]) -> set[tuple[str, ...]]:
        return {f.subjects for r in results for f in r.findings if f.code.value == "expiring"}

    assert expiring([combined]) == expiring(list(alone.values()))


@SETTINGS
@given(chain=chains(), moment=moments, data=st.data())
def test_a_prepared_chain_answers_each_question_as_check_does(
    chain: Chain, moment: dict[str, object], data: st.DataObject
) -> None:
    """Judged once, a chain answers any run of questions (any offerings, in any order) each
    exactly as a check of its own does, byte for byte: no answer leaks into the next."""
    judged = prepare(chain, **moment)  # type: ignore[arg-type]
    some = st.lists(st.sampled_from(sorted(chain.services)), min_size=1, max_size=3, unique=True)
    for offerings in data.draw(st.lists(st.one_of(st.none(), some), min_size=1, max_size=4)):
        expected = check(chain, offerings=offerings, **moment)  # type: ignore[arg-type]
        got = judged.check(offerings)
        assert got == expected
        assert b"".join(got.iter_json()) == b"".join(expected.iter_json())


@SETTINGS
@given(chain=chains(), at=st.sampled_from(DATES), data=st.data())
def test_a_prepared_chain_gives_each_offerings_verdict_as_check_each_does(
    chain: Chain, at: date, data: st.DataObject
) -> None:
    """After any questions, a prepared chain's verdict per offering is check_each's, and the
    links it gives with them (which the overview's expiring evidence is read from) are those of
    a check of every offering, so their expiring evidence is what that check's findings name."""
    judged = prepare(chain, at=at)
    some = st.lists(st.sampled_from(sorted(chain.services)), min_size=1, max_size=3, unique=True)
    for offerings in data.draw(st.lists(some, max_size=2)):
        judged.check(offerings)
    links, each = judged.each()
    result, expected = check_each(chain, profile=ZEKER_ONLINE, at=at)
    assert each == expected
    assert links == result.links
    named = [f.subjects[0] for f in result.findings if f.code is FindingCode.EXPIRING]
    assert sorted(expiring_stops(chain, links, ZEKER_ONLINE, at)) == named


@SETTINGS
@given(chain=chains(), at=st.sampled_from(DATES), days=st.integers(1, 3000))
def test_no_verdict_depends_on_the_days_the_expiring_evidence_looks_ahead(
    chain: Chain, at: date, days: int
) -> None:
    """The overview and the notifications judge by a profile's verdicts whatever days they
    look ahead for expiring evidence: the links are the same for any ``expiring_days``."""
    ahead = replace(ZEKER_ONLINE, expiring_days=days)
    assert check_links(chain, profile=ahead, at=at) == check_links(
        chain, profile=ZEKER_ONLINE, at=at
    )


@given(chain=chains(), at=st.sampled_from(DATES), data=st.data())
def test_the_links_a_comparison_reads_are_the_checks_links(
    chain: Chain, at: date, data: st.DataObject
) -> None:
    """A comparison of two registers (the changes page) reads the links without the findings:
    the same links, verdicts, evidence, reasons and also as the check's, from any offerings."""
    starts = data.draw(st.lists(st.sampled_from(sorted(chain.services)), min_size=1, max_size=3))
    checked = check(chain, offerings=starts, at=at)
    assert check_links(chain, offerings=starts, at=at) == checked.links
