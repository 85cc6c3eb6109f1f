"""Link verdicts over the walk at a date: which evidence is considered, the best of several,
INCLUDED, NO_EVIDENCE, OUT_OF_SCOPE, statuses and the chain's verdict."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import pairwise

import pytest

from graph.coverage import check
from graph.errors import UsageError
from graph.model import (
    Assurance,
    BridgeLetter,
    Chain,
    Cuec,
    Evidence,
    ReportException,
    Scheme,
    SubserviceMethod,
    Subservices,
    Verification,
)
from graph.verdicts import CheckResult, LinkResult, Status, Verdict
from tests.factories import (
    AT,
    certificate,
    d,
    dep,
    make_chain,
    period,
    report,
    service,
    with_evidence,
)

APP = service("app")  # supplier acme, NL
DB = service("db", supplier="dbco")


def base(*evidence: Evidence, **dep_fields: object) -> Chain:
    """The chain ``app -> db`` with this evidence."""
    return make_chain(
        services=[APP, DB], dependencies=[dep("app", "db", **dep_fields)], evidence=evidence
    )


def link(result: CheckResult, consumer: str = "app", provider: str = "db") -> LinkResult:
    (found,) = [x for x in result.links if (x.consumer, x.provider) == (consumer, provider)]
    return found


def only_link(*evidence: Evidence, at: date = AT, **dep_fields: object) -> LinkResult:
    return link(check(base(*evidence, **dep_fields), at=at))


def codes(x: LinkResult) -> list[str]:
    return [r.code.value for r in x.reasons]


def db_report(id: str = "db-soc2", **fields: object) -> Evidence:  # noqa: A002
    fields.setdefault("holder", "dbco")
    fields.setdefault("covers", ["db"])
    return report(id, **fields)


def db_cert(id: str = "db-iso", **fields: object) -> Evidence:  # noqa: A002
    fields.setdefault("holder", "dbco")
    fields.setdefault("covers", ["db"])
    return certificate(id, **fields)


def label(id: str, valid_until: str, **fields: object) -> Evidence:  # noqa: A002
    fields.setdefault("holder", "dbco")
    fields.setdefault("issued", d("2026-01-01"))
    return Evidence(
        id=id,
        scheme=fields.pop("scheme", Scheme.ZEKER_ONLINE),  # type: ignore[arg-type]
        covers=tuple(fields.pop("covers", ("db",))),  # type: ignore[arg-type]
        valid_until=d(valid_until),
        **fields,  # type: ignore[arg-type]
    )


EXCEPTIONS = (ReportException(criterion="CC6.1"),)


# --- which evidence is considered -----------------------------------------------------------


def test_link_without_evidence_has_no_evidence() -> None:
    """NO_EVIDENCE (`no-evidence`) when no evidence is considered; evidence null."""
    x = only_link()
    assert (x.verdict, x.status, x.evidence, codes(x)) == (
        Verdict.NO_EVIDENCE,
        Status.GAP,
        None,
        ["no-evidence"],
    )


def test_evidence_of_the_providers_supplier_for_another_service_is_considered() -> None:
    """E held by P's supplier is considered even when it does not cover P (scope-service)."""
    x = only_link(db_report(covers=["other-db"]))
    assert (x.verdict, x.evidence, codes(x)) == (
        Verdict.NOT_EQUIVALENT,
        "db-soc2",
        ["scope-service"],
    )


def test_evidence_listing_the_provider_is_considered_whoever_holds_it() -> None:
    """E listing P in covers is considered, here with the other-entity cap."""
    x = only_link(db_report(holder="dbco-group"))
    assert (x.verdict, x.evidence, codes(x)) == (Verdict.CONDITIONAL, "db-soc2", ["other-entity"])


def test_evidence_neither_held_by_nor_covering_the_provider_is_not_considered() -> None:
    """Evidence of somebody else for something else plays no part."""
    x = only_link(report("else", holder="other", covers=["app"]))
    assert x.verdict is Verdict.NO_EVIDENCE


@pytest.mark.parametrize(
    ("issued", "considered"),
    [("2026-11-26", True), ("2026-11-27", True), ("2026-11-28", False), (None, True)],
)
def test_evidence_issued_after_the_date_does_not_exist_yet(
    issued: str | None, considered: bool
) -> None:
    """Evidence issued after the date is ignored; on the date, or without `issued`, it counts."""
    x = only_link(db_report(issued=d(issued) if issued else None))
    assert x.verdict is (Verdict.EQUIVALENT if considered else Verdict.NO_EVIDENCE)


def test_later_issued_report_does_not_replace_the_current_one_before_its_issue() -> None:
    """A newer report issued after the date is ignored; the older one decides."""
    old = db_report("db-2025", period=period("2024-07-01", "2025-06-30"), issued=d("2025-08-01"))
    new = db_report("db-2026", issued=d("2026-12-01"))
    x = only_link(old, new)
    assert (x.verdict, x.evidence, x.also) == (Verdict.EXPIRED, "db-2025", ())


# --- link locations -------------------------------------------------------------------------


def test_link_locations_default_to_the_providers() -> None:
    """The link's locations are the provider's when the link has none."""
    x = only_link(db_report(locations=("DE",)))
    assert codes(x) == ["scope-location"]


def test_link_own_locations_replace_the_providers() -> None:
    """The link's own locations are checked, not the provider's."""
    x = only_link(db_report(locations=("DE",)), locations=("DE",))
    assert x.verdict is Verdict.EQUIVALENT


def test_empty_link_locations_mean_the_providers() -> None:
    """An empty `locations` list means the same as leaving the key out."""
    x = only_link(db_report(locations=("DE",)), locations=())
    assert codes(x) == ["scope-location"]


# --- the best of several --------------------------------------------------------------------


def test_best_verdict_decides_and_the_others_are_listed_in_also() -> None:
    """The best verdict decides; every other piece considered is in `also`, best first."""
    x = only_link(
        db_cert("a-iso"),
        db_report("b-soc2"),
        db_report("c-type1", type=1, period=None),
        db_report("d-soc2-exc", exceptions=EXCEPTIONS),
    )
    assert (x.verdict, x.evidence, codes(x)) == (Verdict.EQUIVALENT, "b-soc2", [])
    assert [(a.evidence, a.verdict) for a in x.also] == [
        ("d-soc2-exc", Verdict.CONDITIONAL),
        ("a-iso", Verdict.SUPPORTING_ONLY),
        ("c-type1", Verdict.NOT_EQUIVALENT),
    ]
    assert [r.code.value for r in x.also[0].reasons] == ["exceptions"]


def test_between_equal_verdicts_the_one_counting_longest_decides() -> None:
    """Same verdict: the one that keeps counting longest (report period end + 12 months)."""
    older = db_report("a-old", period=period("2025-01-01", "2025-12-31"), issued=d("2026-02-01"))
    newer = db_report("z-new")
    x = only_link(older, newer)
    assert (x.evidence, [a.evidence for a in x.also]) == ("z-new", ["a-old"])


def test_a_label_and_a_report_compare_by_valid_until_and_period_end_plus_max_age() -> None:
    """A label counts until `valid_until`, a report until its period end plus 12 months."""
    rep = db_report("a-soc2")  # counts until 2027-06-30
    longer = label("z-zol", "2027-07-01")
    shorter = label("z-zol", "2027-06-29")
    assert only_link(rep, longer).evidence == "z-zol"
    assert only_link(rep, shorter).evidence == "a-soc2"


def test_evidence_without_an_end_counts_longest() -> None:
    """None = longest: an open-ended FedRAMP authorization beats a EUCS certificate."""
    eucs = label("a-eucs", "2030-01-01", scheme=Scheme.EUCS)
    fedramp = replace(label("z-fedramp", "2030-01-01", scheme=Scheme.FEDRAMP), valid_until=None)
    x = only_link(eucs, fedramp)
    assert (x.verdict, x.evidence) == (Verdict.CONDITIONAL, "z-fedramp")


def test_between_equal_verdicts_and_ends_the_smallest_id_decides() -> None:
    """Same verdict and the same end: the smallest id decides, the rest follow by id."""
    x = only_link(db_report("c"), db_report("a"), db_report("b"))
    assert (x.evidence, [a.evidence for a in x.also]) == ("a", ["b", "c"])


def test_also_is_ordered_by_verdict_then_longest_then_id() -> None:
    """`also` is best first, by the same rule as the deciding evidence."""
    x = only_link(
        label("zz-best", "2030-01-01"),
        db_report("b-exc-short", period=period("2025-01-01", "2025-12-31"), exceptions=EXCEPTIONS),
        db_report("c-exc-long", exceptions=EXCEPTIONS),
        db_report("a-exc-long", exceptions=EXCEPTIONS),
    )
    assert x.evidence == "zz-best"
    assert [a.evidence for a in x.also] == ["a-exc-long", "c-exc-long", "b-exc-short"]


def test_link_reasons_start_with_the_deciding_evidence_reasons() -> None:
    """The reasons of the deciding evidence come first, in table order, caps last."""
    x = only_link(
        db_report(
            "a", exceptions=EXCEPTIONS, cuecs=(Cuec(id="C1"),), verification=Verification.CLAIMED
        ),
        db_report("b", type=1, period=None),
    )
    assert x.evidence == "a"
    assert codes(x)[:3] == ["exceptions", "cuecs-open", "not-sighted"]


def test_deciding_evidence_reasons_are_the_link_reasons() -> None:
    """The link's `reasons` are its deciding evidence's reasons (precise points)."""
    x = only_link(db_report("a", exceptions=EXCEPTIONS), db_report("b", type=1, period=None))
    assert codes(x) == ["exceptions"]


# --- INCLUDED -------------------------------------------------------------------------------


def inclusive(id: str = "app-soc2", **fields: object) -> Evidence:  # noqa: A002
    """A report of acme for app that includes db."""
    fields.setdefault(
        "subservices", Subservices(method=SubserviceMethod.INCLUSIVE, included=("db",))
    )
    fields.setdefault("covers", ["app"])
    return report(id, **fields)


def test_consumers_inclusive_report_makes_the_link_included() -> None:
    """INCLUDED (`included`): C's EQUIVALENT report lists P in `subservices.included`."""
    x = only_link(inclusive())
    assert (x.verdict, x.status, x.evidence, codes(x)) == (
        Verdict.INCLUDED,
        Status.OK,
        "app-soc2",
        ["included"],
    )


def test_included_also_with_a_conditional_report_of_the_consumer() -> None:
    """C's report may be CONDITIONAL for C."""
    assert only_link(inclusive(exceptions=EXCEPTIONS)).verdict is Verdict.INCLUDED


def test_included_needs_only_the_included_list_whatever_the_method() -> None:
    """Any method but `none` with P in `included` makes the link INCLUDED."""
    subs = Subservices(method=SubserviceMethod.CARVE_OUT, carved_out=("x",), included=("db",))
    assert only_link(inclusive(subservices=subs)).verdict is Verdict.INCLUDED


def test_included_list_with_method_none_does_not_include() -> None:
    """INCLUDED needs a method other than `none`."""
    subs = Subservices(method=SubserviceMethod.NONE, included=("db",))
    assert only_link(inclusive(subservices=subs)).verdict is Verdict.NO_EVIDENCE


@pytest.mark.parametrize(
    "fields",
    [
        {"type": 1, "period": None},
        {"period": period("2024-01-01", "2024-12-31"), "issued": d("2025-02-01")},
        {"locations": ("DE",)},
        {"verification": Verification.CLAIMED},
        {"covers": ["other"]},
        {"issued": d("2026-12-01")},
    ],
)
def test_inclusive_report_that_does_not_count_for_the_consumer_does_not_include(
    fields: dict[str, object],
) -> None:
    """C's report must be EQUIVALENT or CONDITIONAL for C, caps applied, and exist at the date."""
    assert only_link(inclusive(**fields)).verdict is not Verdict.INCLUDED


def test_inclusive_report_is_judged_at_the_consumers_own_locations() -> None:
    """C's report counts at C's own locations, even when the link's data live elsewhere."""
    x = only_link(inclusive(locations=("NL",)), locations=("DE",))
    assert x.verdict is Verdict.INCLUDED


def test_included_wins_over_better_own_evidence_of_the_provider() -> None:
    """INCLUDED wins even when P's own evidence is better; `also` lists P's evidence."""
    x = only_link(inclusive(exceptions=EXCEPTIONS), db_report("db-soc2"), db_cert("db-iso"))
    assert (x.verdict, x.evidence) == (Verdict.INCLUDED, "app-soc2")
    assert [(a.evidence, a.verdict) for a in x.also] == [
        ("db-soc2", Verdict.EQUIVALENT),
        ("db-iso", Verdict.SUPPORTING_ONLY),
    ]


def test_included_also_leaves_out_the_inclusive_report_itself() -> None:
    """When C and P share a supplier, `also` lists P's evidence except C's report."""
    db_same = service("db")  # supplier acme, like app
    chain = make_chain(
        services=[APP, db_same],
        dependencies=[dep("app", "db")],
        evidence=[inclusive(), report("db-own", covers=["db"]), report("z-other", covers=["app"])],
    )
    x = link(check(chain, at=AT))
    assert (x.verdict, x.evidence) == (Verdict.INCLUDED, "app-soc2")
    assert [(a.evidence, a.verdict) for a in x.also] == [
        ("db-own", Verdict.EQUIVALENT),
        ("z-other", Verdict.NOT_EQUIVALENT),
    ]
    assert len(x.also) == 2


def test_best_of_several_inclusive_reports_is_the_evidence() -> None:
    """Several inclusive reports of C: the best by the usual rule is the link's evidence."""
    x = only_link(inclusive("b-incl", exceptions=EXCEPTIONS), inclusive("c-incl"))
    assert (x.verdict, x.evidence) == (Verdict.INCLUDED, "c-incl")


def test_the_providers_own_dependencies_are_still_judged() -> None:
    """P's own dependencies are evaluated on their own, not INCLUDED."""
    chain = make_chain(
        services=[APP, DB, service("disk", supplier="diskco")],
        dependencies=[dep("app", "db"), dep("db", "disk")],
        evidence=[inclusive()],
    )
    result = check(chain, at=AT)
    assert link(result).verdict is Verdict.INCLUDED
    assert link(result, "db", "disk").verdict is Verdict.NO_EVIDENCE


def test_inclusive_report_of_another_consumer_does_not_include() -> None:
    """Only the link's own consumer's report can include P."""
    chain = make_chain(
        services=[APP, service("web"), DB],
        dependencies=[dep("app", "db"), dep("app", "web")],
        evidence=[
            report(
                "web-soc2",
                covers=["web"],
                holder="webco",
                subservices=Subservices(method=SubserviceMethod.INCLUSIVE, included=("db",)),
            )
        ],
    )
    assert link(check(chain, at=AT)).verdict is Verdict.NO_EVIDENCE


# --- OUT_OF_SCOPE ---------------------------------------------------------------------------


def test_irrelevant_link_is_out_of_scope_with_the_files_reason() -> None:
    """OUT_OF_SCOPE: evidence null, one reason `out-of-scope` whose message is the file's reason."""
    x = only_link(db_report(), relevant=False, reason="No access to systems or data")
    assert (x.verdict, x.status, x.evidence, x.also) == (
        Verdict.OUT_OF_SCOPE,
        Status.OUT_OF_SCOPE,
        None,
        (),
    )
    assert [(r.code.value, r.message) for r in x.reasons] == [
        ("out-of-scope", "No access to systems or data")
    ]
    assert (x.rank, x.path) == (1, ("app", "db"))


def test_out_of_scope_link_does_not_count_for_the_chain() -> None:
    """The chain's verdict comes from the in-scope links only."""
    chain = base(relevant=False, reason="cleaning")
    assert check(chain, at=AT).verdict is Status.OK


# --- statuses, chain verdict and summary ----------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "status"),
    [
        (Verdict.EQUIVALENT, Status.OK),
        (Verdict.INCLUDED, Status.OK),
        (Verdict.CONDITIONAL, Status.CONDITIONAL),
        (Verdict.OUT_OF_SCOPE, Status.OUT_OF_SCOPE),
        (Verdict.SUPPORTING_ONLY, Status.GAP),
        (Verdict.INSUFFICIENT_DATA, Status.GAP),
        (Verdict.EXPIRED, Status.GAP),
        (Verdict.NOT_EQUIVALENT, Status.GAP),
        (Verdict.NO_EVIDENCE, Status.GAP),
    ],
)
def test_status_of_each_verdict(verdict: Verdict, status: Status) -> None:
    """ok for EQUIVALENT and INCLUDED, conditional, out-of-scope, gap for the rest."""
    assert verdict.status is status


def test_verdict_order_best_first() -> None:
    """EQUIVALENT, CONDITIONAL, SUPPORTING_ONLY, INSUFFICIENT_DATA, EXPIRED, NOT_EQUIVALENT."""
    order = [
        Verdict.EQUIVALENT,
        Verdict.CONDITIONAL,
        Verdict.SUPPORTING_ONLY,
        Verdict.INSUFFICIENT_DATA,
        Verdict.EXPIRED,
        Verdict.NOT_EQUIVALENT,
    ]
    assert sorted(order, key=lambda v: v.order) == order
    assert all(a.better_than(b) for a, b in pairwise(order))


def fan(*evidence: Evidence, out: tuple[str, ...] = ()) -> Chain:
    """``app`` relies on ``s1``..``s4`` of supplier ``sup``; ``out`` are out of scope."""
    names = ["s1", "s2", "s3", "s4"]
    return make_chain(
        services=[APP, *(service(n, supplier="sup") for n in names)],
        dependencies=[
            dep("app", n, relevant=n not in out, reason="n/a" if n in out else None) for n in names
        ],
        evidence=evidence,
    )


def ev(id: str, covers: str, **fields: object) -> Evidence:  # noqa: A002
    return report(id, holder="sup", covers=[covers], **fields)


@pytest.mark.parametrize(
    ("evidence", "out", "verdict"),
    [
        ((ev("e1", "s1"), ev("e2", "s2"), ev("e3", "s3"), ev("e4", "s4")), (), Status.OK),
        ((ev("e1", "s1"), ev("e2", "s2"), ev("e3", "s3")), ("s4",), Status.OK),
        (
            (ev("e1", "s1"), ev("e2", "s2"), ev("e3", "s3", exceptions=EXCEPTIONS)),
            ("s4",),
            Status.CONDITIONAL,
        ),
        ((ev("e1", "s1"), ev("e2", "s2", exceptions=EXCEPTIONS)), ("s4",), Status.GAP),
        ((), ("s1", "s2", "s3", "s4"), Status.OK),
    ],
)
def test_chain_verdict_is_the_worst_link_status(
    evidence: tuple[Evidence, ...], out: tuple[str, ...], verdict: Status
) -> None:
    """gap, else conditional, else ok; out-of-scope links do not count."""
    assert check(fan(*evidence, out=out), at=AT).verdict is verdict


def test_chain_without_links_is_ok() -> None:
    """An offering without dependencies has no links and verdict ok."""
    result = check(make_chain(services=[APP]), at=AT)
    assert (result.links, result.verdict) == ((), Status.OK)
    assert result.summary == {"links": 0, "ok": 0, "conditional": 0, "gap": 0, "out-of-scope": 0}


def test_summary_counts_links_by_status() -> None:
    """The summary counts links, ok, conditional, gap and out-of-scope, in that order."""
    chain = fan(ev("e1", "s1"), ev("e2", "s2", exceptions=EXCEPTIONS), out=("s4",))
    summary = check(chain, at=AT).summary
    assert dict(summary) == {"links": 4, "ok": 1, "conditional": 1, "gap": 1, "out-of-scope": 1}
    assert list(summary) == ["links", "ok", "conditional", "gap", "out-of-scope"]


# --- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"at": AT, "period": period("2026-01-01", "2026-06-30")},
        {"period": period("2026-07-01", "2026-06-30")},
        {"at": AT, "offerings": ["nope"]},
    ],
)
def test_unusable_arguments_raise_usage_error(kwargs: dict[str, object]) -> None:
    """Both or neither of at and period, a period starting after its end, an unknown offering."""
    with pytest.raises(UsageError):
        check(base(), **kwargs)  # type: ignore[arg-type]


def test_one_day_period_is_usable() -> None:
    """A period whose from equals its to is fine."""
    assert check(base(), period=period("2026-01-01", "2026-01-01")).period == period(
        "2026-01-01", "2026-01-01"
    )


def test_check_does_not_mutate_the_chain() -> None:
    """Analysis functions are pure: the chain is unchanged, and checking twice gives the same."""
    chain = with_evidence(base(), db_report(), db_cert())
    before = repr(chain)
    first = check(chain, at=AT)
    assert repr(chain) == before
    assert check(chain, at=AT) == first


def test_result_names_profile_offerings_and_date() -> None:
    """The result carries the offerings, the profile id and the date."""
    result = check(base(), at=AT)
    assert (result.offerings, result.profile, result.at, result.period) == (
        ("app",),
        "zeker-online",
        AT,
        None,
    )


def test_bridged_link_is_conditional_at_the_date() -> None:
    """A stale report with a bridge letter covering the date makes the link conditional."""
    letter = BridgeLetter(start=d("2026-07-01"), end=d("2026-12-31"))
    x = only_link(
        db_report(
            period=period("2024-12-01", "2025-10-31"), issued=d("2025-12-01"), bridge_letter=letter
        )
    )
    assert (x.verdict, x.status, codes(x)) == (
        Verdict.CONDITIONAL,
        Status.CONDITIONAL,
        ["bridge-letter"],
    )


def test_evidence_without_an_end_counts_longest_among_equal_verdicts() -> None:
    """None = longest also among NOT_EQUIVALENT: a type 1 report (no period) beats a smaller id."""
    x = only_link(
        db_report("a-scoped", locations=("US",)), db_report("z-type1", type=1, period=None)
    )
    assert (x.verdict, x.evidence) == (Verdict.NOT_EQUIVALENT, "z-type1")
    assert [a.evidence for a in x.also] == ["a-scoped"]


def test_a_type_1_report_with_a_period_counts_until_its_period_end_plus_max_age() -> None:
    """Keeping counting longest holds for reports of either type that have a period (revision
    of 2026-12): a type 1 report with a period counts until its end plus 12 months, so the
    one tested later decides among equal verdicts, whatever the ids."""
    early = db_report("a-early", type=1, period=period("2024-01-01", "2024-12-31"))
    late = db_report("z-late", type=1, period=period("2025-07-01", "2026-06-30"))
    x = only_link(early, late)
    assert (x.verdict, x.evidence) == (Verdict.NOT_EQUIVALENT, "z-late")
    assert [a.evidence for a in x.also] == ["a-early"]


def test_also_interleaves_pieces_that_do_not_list_the_provider_by_the_same_rule() -> None:
    """Pieces of the supplier that do not list P sit among P's own NOT_EQUIVALENT ones by date."""
    chain = make_chain(
        services=[
            service("app"),
            service("db", supplier="dbco"),
            service("other", supplier="dbco"),
        ],
        dependencies=[dep("app", "db")],
        evidence=[
            report("a-good", holder="dbco", covers=["db"]),
            report(
                "b-limited",
                holder="dbco",
                covers=["db"],
                assurance=Assurance.LIMITED,
                period=period("2025-01-01", "2025-12-31"),
            ),
            report(
                "c-other-late",
                holder="dbco",
                covers=["other"],
                period=period("2026-01-01", "2026-12-31"),
            ),
            report(
                "d-other-early",
                holder="dbco",
                covers=["other"],
                period=period("2024-01-01", "2024-12-31"),
            ),
            certificate("e-iso-other", holder="dbco", covers=["other"]),
        ],
    )
    (link,) = check(chain, at=AT).links
    assert link.evidence == "a-good"
    # All NOT_EQUIVALENT, counting longest first: the certificate until 2028-02-28, the late
    # report until 2027-12-31, the limited one until 2026-12-31, the early one until 2025-12-31.
    assert [a.evidence for a in link.also] == [
        "e-iso-other",
        "c-other-late",
        "b-limited",
        "d-other-early",
    ]


def test_a_suppliers_pieces_that_do_not_list_the_provider_merge_into_also_by_rank() -> None:
    """The supplier's pieces that do not list the provider (made only when read, issue 13)
    take their place among the provider's own NOT_EQUIVALENT pieces by the same rule, and
    read like any other: by index, by slice, by length, and equal to the same tuple."""
    result = check(
        base(
            db_report("db-soc2"),
            db_report("m-us", locations=("US",)),
            db_report("z-other", covers=["db-eu"]),
            db_report("a-other", covers=["db-eu"]),
        ),
        at=AT,
    )
    x = link(result)
    assert x.evidence == "db-soc2"
    assert [(a.evidence, a.verdict) for a in x.also] == [
        ("a-other", Verdict.NOT_EQUIVALENT),
        ("m-us", Verdict.NOT_EQUIVALENT),
        ("z-other", Verdict.NOT_EQUIVALENT),
    ]
    assert [r.code.value for r in x.also[0].reasons] == ["scope-service"]
    assert "does not list Db (db)" in x.also[0].reasons[0].message
    assert [r.code.value for r in x.also[1].reasons] == ["scope-location"]
    assert len(x.also) == 3
    assert x.also[-1].evidence == "z-other"
    assert [a.evidence for a in x.also[1:]] == ["m-us", "z-other"]
    assert x.also == tuple(x.also)
    assert hash(x) == hash(x._replace(also=tuple(x.also)))
    (written,) = result.to_json()["links"]
    assert [(a["evidence"], a["reasons"]) for a in written["also"]] == [
        (a.evidence, [{"code": r.code.value, "message": r.message} for r in a.reasons])
        for a in x.also
    ]
