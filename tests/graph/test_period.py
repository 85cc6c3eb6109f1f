"""Audit period mode: which days of the period had tested operating effectiveness."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph.coverage import check
from graph.model import (
    BridgeLetter,
    Chain,
    Cuec,
    DateRange,
    Evidence,
    Opinion,
    ReportException,
    Scheme,
    SubserviceMethod,
    Subservices,
    Verification,
)
from graph.profiles import ZEKER_ONLINE, ResolvedProfile
from graph.verdicts import LinkResult, Status, Verdict
from tests.factories import certificate, d, dep, make_chain, period, report, service

YEAR = period("2026-01-01", "2026-12-31")
H1 = period("2026-01-01", "2026-06-30")
EXC = (ReportException(criterion="CC6.1"),)


def base(*evidence: Evidence, **dep_fields: object) -> Chain:
    return make_chain(
        services=[service("app"), service("db", supplier="dbco")],
        dependencies=[dep("app", "db", **dep_fields)],
        evidence=evidence,
    )


def judge(
    *evidence: Evidence, audit: DateRange = YEAR, profile: ResolvedProfile = ZEKER_ONLINE
) -> LinkResult:
    (x,) = check(base(*evidence), period=audit, profile=profile).links
    return x


def codes(x: LinkResult) -> list[str]:
    return [r.code.value for r in x.reasons]


def rep(id: str, start: str, end: str, **fields: object) -> Evidence:  # noqa: A002
    """A type 2 report of dbco for db over ``start..end``."""
    fields.setdefault("holder", "dbco")
    fields.setdefault("covers", ["db"])
    return report(id, period=period(start, end), **fields)


def label(
    id: str,  # noqa: A002
    issued: str | None,
    valid_until: str | None,
    scheme: Scheme = Scheme.ZEKER_ONLINE,
    **fields: object,
) -> Evidence:
    return Evidence(
        id=id,
        scheme=scheme,
        holder="dbco",
        covers=("db",),
        issued=d(issued) if issued else None,
        valid_until=d(valid_until) if valid_until else None,
        **fields,  # type: ignore[arg-type]
    )


def ranges(rs: tuple[DateRange, ...]) -> list[tuple[str, str]]:
    return [(r.start.isoformat(), r.end.isoformat()) for r in rs]


H2_2025 = ("2025-07-01", "2026-06-30")  # the factory's default period


# --- EQUIVALENT and full coverage -----------------------------------------------------------


def test_equivalent_report_covering_every_day_is_equivalent() -> None:
    """EQUIVALENT when EQUIVALENT evidence covers every day; no reasons, nothing uncovered."""
    x = judge(rep("db-soc2", *H2_2025), audit=H1)
    assert (x.verdict, x.evidence, codes(x), x.uncovered, x.bridged) == (
        Verdict.EQUIVALENT,
        "db-soc2",
        [],
        (),
        (),
    )


def test_reports_together_cover_the_period() -> None:
    """Consecutive reports together cover every day; the one covering most days decides."""
    r1 = rep("a-2025", *H2_2025)  # 181 days of 2026
    r2 = rep("b-2026", "2026-07-01", "2027-06-30", issued=d("2027-08-01"))  # 184 days
    x = judge(r1, r2)
    assert (x.verdict, x.evidence, [a.evidence for a in x.also]) == (
        Verdict.EQUIVALENT,
        "b-2026",
        ["a-2025"],
    )


def test_evidence_counts_whenever_it_was_issued() -> None:
    """All evidence counts in period mode, even when issued after the period."""
    x = judge(rep("db-soc2", "2026-01-01", "2026-12-31", issued=d("2027-03-01")))
    assert x.verdict is Verdict.EQUIVALENT


@pytest.mark.parametrize(
    "evidence",
    [
        rep("old", "2019-01-01", "2019-12-31"),
        label("zol", "2018-01-01", "2020-12-31"),
        certificate("iso", holder="dbco", covers=["db"], valid_until=d("2020-01-01")),
    ],
)
def test_date_bound_checks_do_not_apply(evidence: Evidence) -> None:
    """Checks 7, 8, 11, 13, 19, 20 do not apply: old evidence is judged, it just covers no day."""
    x = judge(evidence)
    assert x.verdict is Verdict.NOT_EQUIVALENT
    assert codes(x) == ["period-uncovered"]
    assert x.evidence is None
    assert x.also[0].verdict in (Verdict.EQUIVALENT, Verdict.SUPPORTING_ONLY)


# --- uncovered ------------------------------------------------------------------------------


def test_uncovered_days_make_the_link_not_equivalent() -> None:
    """NOT_EQUIVALENT (`period-uncovered`), `uncovered` listing the days as ranges."""
    x = judge(rep("db-soc2", *H2_2025))
    assert (x.verdict, x.status, x.evidence, codes(x)) == (
        Verdict.NOT_EQUIVALENT,
        Status.GAP,
        "db-soc2",
        ["period-uncovered"],
    )
    assert ranges(x.uncovered) == [("2026-07-01", "2026-12-31")]
    assert x.bridged == ()


def test_uncovered_days_between_reports() -> None:
    """A gap between two reports is one uncovered range; the start and end are covered."""
    x = judge(rep("a", *H2_2025), rep("b", "2026-08-01", "2027-01-31"))
    assert ranges(x.uncovered) == [("2026-07-01", "2026-07-31")]


def test_uncovered_ranges_at_both_ends() -> None:
    """Days before and after the evidence are two ranges, in order."""
    x = judge(label("zol", "2026-03-01", "2026-09-30"))
    assert ranges(x.uncovered) == [("2026-01-01", "2026-02-28"), ("2026-10-01", "2026-12-31")]
    assert x.evidence == "zol"


def test_no_evidence_leaves_the_whole_period_uncovered() -> None:
    """NO_EVIDENCE (`no-evidence`, the whole period uncovered) when nothing is considered."""
    x = judge()
    assert (x.verdict, x.evidence, codes(x)) == (Verdict.NO_EVIDENCE, None, ["no-evidence"])
    assert ranges(x.uncovered) == [("2026-01-01", "2026-12-31")]


def test_evidence_covering_no_day_leaves_evidence_null() -> None:
    """Evidence considered but covering no day: NOT_EQUIVALENT, evidence null, all in `also`."""
    x = judge(rep("db-type1", *H2_2025, type=1))
    assert (x.verdict, x.evidence, codes(x)) == (Verdict.NOT_EQUIVALENT, None, ["period-uncovered"])
    assert [(a.evidence, a.verdict) for a in x.also] == [("db-type1", Verdict.NOT_EQUIVALENT)]
    assert ranges(x.uncovered) == [("2026-01-01", "2026-12-31")]


@pytest.mark.parametrize(
    "fields",
    [
        {"type": 1},
        {"opinion": Opinion.QUALIFIED},
        {"verification": Verification.CLAIMED},
        {"locations": ("US",)},
    ],
)
def test_evidence_that_is_not_equivalent_or_conditional_covers_nothing(
    fields: dict[str, object],
) -> None:
    """Only EQUIVALENT or CONDITIONAL evidence (caps applied) covers a window."""
    x = judge(rep("db-soc2", "2026-01-01", "2026-12-31", **fields))
    assert (x.verdict, codes(x)) == (Verdict.NOT_EQUIVALENT, ["period-uncovered"])
    assert ranges(x.uncovered) == [("2026-01-01", "2026-12-31")]


def test_period_too_short_still_applies() -> None:
    """Check 16 applies in period mode: a 3-month report covers nothing."""
    x = judge(rep("db-soc2", "2026-01-01", "2026-03-31"))
    assert ranges(x.uncovered) == [("2026-01-01", "2026-12-31")]


# --- windows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "uncovered"),
    [
        (
            label("zol", "2026-02-01", "2026-11-30"),
            [("2026-01-01", "2026-01-31"), ("2026-12-01", "2026-12-31")],
        ),
        (label("zol", None, "2026-11-30"), [("2026-12-01", "2026-12-31")]),
        (label("fr", "2026-02-01", None, Scheme.FEDRAMP), [("2026-01-01", "2026-01-31")]),
        (label("fr", None, None, Scheme.FEDRAMP), []),
        (label("eu", "2026-02-01", "2028-01-31", Scheme.EUCS), [("2026-01-01", "2026-01-31")]),
        (
            rep("r", "2025-10-01", "2026-09-30", issued=d("2025-01-01")),
            [("2026-10-01", "2026-12-31")],
        ),
    ],
)
def test_windows_of_labels_certificates_and_reports(
    evidence: Evidence, uncovered: list[tuple[str, str]]
) -> None:
    """Labels, eucs, fedramp cover `issued..valid_until` (open ends); a type 2 report its period."""
    assert ranges(judge(evidence).uncovered) == uncovered


def test_management_system_certificate_not_accepted_covers_nothing() -> None:
    """A SUPPORTING_ONLY certificate covers no window."""
    x = judge(certificate("iso", holder="dbco", covers=["db"], issued=d("2025-01-01")))
    assert (x.verdict, x.evidence) == (Verdict.NOT_EQUIVALENT, None)
    assert ranges(x.uncovered) == [("2026-01-01", "2026-12-31")]


def test_accepted_management_system_certificate_covers_issued_to_valid_until() -> None:
    """A certificate the profile accepts as equivalent covers `issued..valid_until`."""
    profile = replace(
        ZEKER_ONLINE, id="iso-buyer", accept_as_equivalent=frozenset({Scheme.ISO27001})
    )
    iso = certificate(
        "iso", holder="dbco", covers=["db"], issued=d("2026-04-01"), valid_until=d("2029-03-31")
    )
    x = judge(iso, profile=profile)
    assert (x.verdict, x.evidence) == (Verdict.NOT_EQUIVALENT, "iso")
    assert ranges(x.uncovered) == [("2026-01-01", "2026-03-31")]
    assert judge(iso, audit=period("2026-04-01", "2026-12-31"), profile=profile).verdict is (
        Verdict.EQUIVALENT
    )


# --- CONDITIONAL ----------------------------------------------------------------------------


def test_conditional_evidence_filling_the_gap_makes_the_link_conditional() -> None:
    """CONDITIONAL when every day is covered by EQUIVALENT or CONDITIONAL evidence."""
    x = judge(rep("a", *H2_2025), rep("b", "2026-07-01", "2027-06-30", exceptions=EXC))
    assert (x.verdict, x.status, codes(x), x.uncovered) == (
        Verdict.CONDITIONAL,
        Status.CONDITIONAL,
        ["exceptions"],
        (),
    )


def test_conditional_evidence_on_days_already_equivalent_adds_nothing() -> None:
    """Reasons come only from CONDITIONAL pieces covering days no EQUIVALENT piece covers."""
    x = judge(rep("a", *H2_2025), rep("b", "2026-01-01", "2026-06-30", exceptions=EXC), audit=H1)
    assert (x.verdict, codes(x)) == (Verdict.EQUIVALENT, [])


def test_conditional_reasons_by_evidence_id() -> None:
    """The CONDITIONAL pieces' reasons come by evidence id, not by table order."""
    x = judge(
        rep("e", *H2_2025),
        rep("a-cuecs", "2026-01-01", "2026-09-30", cuecs=(Cuec(id="C1"),)),
        rep("b-exc", "2026-07-01", "2026-12-31", exceptions=EXC),
    )
    assert (x.verdict, codes(x)) == (Verdict.CONDITIONAL, ["cuecs-open", "exceptions"])


def test_conditional_piece_reasons_keep_table_order() -> None:
    """One piece's reasons come in the order of the checks table."""
    x = judge(rep("a", "2026-01-01", "2026-12-31", cuecs=(Cuec(id="C1"),), exceptions=EXC))
    assert codes(x) == ["exceptions", "cuecs-open"]


def test_a_reason_code_appears_once_per_link() -> None:
    """Two CONDITIONAL pieces with exceptions give one `exceptions` reason."""
    x = judge(
        rep("a", "2026-01-01", "2026-06-30", exceptions=EXC),
        rep("b", "2026-07-01", "2026-12-31", exceptions=EXC),
    )
    assert codes(x) == ["exceptions"]


def test_conditional_reasons_with_uncovered_days() -> None:
    """CONDITIONAL pieces' reasons, then `period-uncovered`."""
    x = judge(rep("b", "2026-07-01", "2027-06-30", exceptions=EXC))
    assert (x.verdict, codes(x)) == (Verdict.NOT_EQUIVALENT, ["exceptions", "period-uncovered"])


@pytest.mark.parametrize(
    ("evidence", "reasons"),
    [
        (label("eu", "2025-01-01", "2028-01-01", Scheme.EUCS), ["manual-review"]),
        (replace(rep("r", "2026-01-01", "2026-12-31"), holder="dbco-group"), ["other-entity"]),
    ],
)
def test_manual_review_and_other_entity_make_the_link_conditional(
    evidence: Evidence, reasons: list[str]
) -> None:
    """CONDITIONAL evidence by manual review or the other-entity cap covers its window."""
    x = judge(evidence)
    assert (x.verdict, codes(x)) == (Verdict.CONDITIONAL, reasons)


# --- bridge letters -------------------------------------------------------------------------


def bridged_report(letter_end: str, **fields: object) -> Evidence:
    letter = BridgeLetter(start=d("2026-07-01"), end=d(letter_end))
    return rep("db-soc2", *H2_2025, bridge_letter=letter, **fields)


def test_bridge_letter_bridges_the_rest_of_the_period() -> None:
    """Every day covered or bridged: CONDITIONAL with `bridge-letter`; `bridged` lists them."""
    x = judge(bridged_report("2026-12-31"))
    assert (x.verdict, codes(x), x.uncovered) == (Verdict.CONDITIONAL, ["bridge-letter"], ())
    assert ranges(x.bridged) == [("2026-07-01", "2026-12-31")]


def test_partly_bridged_period_lists_bridged_and_uncovered_days() -> None:
    """`bridged` whatever the verdict, and `bridge-letter` before `period-uncovered`."""
    x = judge(bridged_report("2026-09-30"))
    assert (x.verdict, codes(x)) == (Verdict.NOT_EQUIVALENT, ["bridge-letter", "period-uncovered"])
    assert ranges(x.bridged) == [("2026-07-01", "2026-09-30")]
    assert ranges(x.uncovered) == [("2026-10-01", "2026-12-31")]


def test_days_covered_by_other_evidence_are_not_bridged() -> None:
    """`bridged` lists only days no evidence covers."""
    x = judge(bridged_report("2026-12-31"), rep("z", "2026-09-01", "2027-02-28"))
    assert (x.verdict, codes(x)) == (Verdict.CONDITIONAL, ["bridge-letter"])
    assert ranges(x.bridged) == [("2026-07-01", "2026-08-31")]


def test_bridge_letter_is_not_needed_when_evidence_covers_every_day() -> None:
    """No bridged days: no `bridge-letter` reason, EQUIVALENT."""
    x = judge(bridged_report("2026-12-31"), rep("z", "2026-07-01", "2027-06-30"))
    assert (x.verdict, codes(x), x.bridged) == (Verdict.EQUIVALENT, [], ())


def test_letter_of_a_report_that_does_not_count_bridges_nothing() -> None:
    """Only the letter of an EQUIVALENT or CONDITIONAL report bridges."""
    x = judge(bridged_report("2026-12-31", opinion=Opinion.ADVERSE))
    assert x.bridged == ()
    assert ranges(x.uncovered) == [("2026-01-01", "2026-12-31")]


def test_bridge_letter_is_not_limited_by_bridge_max_months_in_period_mode() -> None:
    """The letter bridges its own from..to (check 19 is date-bound and does not apply)."""
    letter = BridgeLetter(start=d("2026-07-01"), end=d("2027-12-31"))
    x = judge(
        rep("r", "2025-01-01", "2026-06-30", bridge_letter=letter),
        audit=period("2026-01-01", "2027-12-31"),
    )
    assert (x.verdict, x.uncovered) == (Verdict.CONDITIONAL, ())


def test_all_reasons_in_order_conditional_then_bridge_then_uncovered() -> None:
    """CONDITIONAL pieces' reasons, then `bridge-letter`, then `period-uncovered`."""
    letter = BridgeLetter(start=d("2026-07-01"), end=d("2026-08-31"))
    x = judge(
        rep("a", *H2_2025, bridge_letter=letter),
        rep("b", "2026-10-01", "2027-03-31", exceptions=EXC),
    )
    assert codes(x) == ["exceptions", "bridge-letter", "period-uncovered"]
    assert ranges(x.uncovered) == [("2026-09-01", "2026-09-30")]
    assert ranges(x.bridged) == [("2026-07-01", "2026-08-31")]


# --- deciding evidence and also -------------------------------------------------------------


def test_evidence_covering_most_days_decides_and_also_follows_days_then_id() -> None:
    """`evidence`: most days covered, then smallest id; `also`: most days first, then by id."""
    x = judge(
        rep("c-long", "2026-03-01", "2027-02-28"),
        rep("b-short", "2025-03-01", "2026-02-28"),
        rep("a-short", "2025-03-01", "2026-02-28"),
        rep("0-type1", *H2_2025, type=1),
    )
    assert x.evidence == "c-long"
    assert [a.evidence for a in x.also] == ["a-short", "b-short", "0-type1"]


def test_equal_days_go_to_the_smallest_id() -> None:
    """Ties in days covered: the smallest id decides."""
    x = judge(rep("b", "2026-01-01", "2026-12-31"), rep("a", "2026-01-01", "2026-12-31"))
    assert (x.evidence, [a.evidence for a in x.also]) == ("a", ["b"])


def test_days_count_only_inside_the_audit_period() -> None:
    """A long report mostly outside the period covers fewer days of it."""
    x = judge(rep("a-long", "2024-01-01", "2026-02-28"), rep("b", "2026-02-01", "2026-12-31"))
    assert x.evidence == "b"


# --- INCLUDED, OUT_OF_SCOPE and the result --------------------------------------------------


def test_included_links_stay_included() -> None:
    """INCLUDED links stay INCLUDED in period mode."""
    incl = report(
        "app-soc2",
        covers=["app"],
        subservices=Subservices(method=SubserviceMethod.INCLUSIVE, included=("db",)),
    )
    x = judge(incl, rep("db-old", "2020-01-01", "2020-12-31"), audit=H1)
    assert (x.verdict, x.evidence) == (Verdict.INCLUDED, "app-soc2")


def test_out_of_scope_link_stays_out_of_scope() -> None:
    """OUT_OF_SCOPE links keep their verdict and reason in period mode."""
    (x,) = check(base(relevant=False, reason="n/a"), period=YEAR).links
    assert (x.verdict, codes(x), x.uncovered, x.bridged) == (
        Verdict.OUT_OF_SCOPE,
        ["out-of-scope"],
        (),
        (),
    )


def test_period_result_has_no_date() -> None:
    """In period mode `at` is null and `period` is the audit period."""
    result = check(base(rep("r", *H2_2025)), period=H1)
    doc = result.to_json()
    assert (doc["at"], doc["period"]) == (None, {"from": "2026-01-01", "to": "2026-06-30"})
    assert doc["links"][0]["uncovered"] == []


def test_uncovered_and_bridged_ranges_in_json() -> None:
    """`uncovered` and `bridged` are lists of {"from", "to"}."""
    doc = check(base(bridged_report("2026-09-30")), period=YEAR).to_json()
    (link,) = doc["links"]
    assert link["bridged"] == [{"from": "2026-07-01", "to": "2026-09-30"}]
    assert link["uncovered"] == [{"from": "2026-10-01", "to": "2026-12-31"}]


def test_one_day_period() -> None:
    """A one-day period covered by a report is EQUIVALENT."""
    x = judge(rep("r", *H2_2025), audit=period("2026-06-30", "2026-06-30"))
    assert (x.verdict, x.uncovered) == (Verdict.EQUIVALENT, ())
    y = judge(rep("r", *H2_2025), audit=period("2026-07-01", "2026-07-01"))
    assert ranges(y.uncovered) == [("2026-07-01", "2026-07-01")]


def test_chain_verdict_in_period_mode() -> None:
    """The chain's verdict and summary follow the link statuses in period mode too."""
    result = check(base(rep("r", *H2_2025)), period=YEAR)
    assert result.verdict is Status.GAP
    assert result.summary["gap"] == 1


def test_overlapping_conditional_pieces_all_give_their_reasons() -> None:
    """Every CONDITIONAL piece covering days no EQUIVALENT piece covers gives its reasons."""
    x = judge(
        rep("a", "2026-01-01", "2026-12-31", exceptions=EXC),
        rep("b", "2026-07-01", "2026-12-31", cuecs=(Cuec(id="C1"),)),
    )
    assert (x.verdict, codes(x)) == (Verdict.CONDITIONAL, ["exceptions", "cuecs-open"])


def test_conditional_piece_covering_most_days_is_the_evidence() -> None:
    """The deciding evidence is the piece covering most days, whatever its verdict."""
    x = judge(
        rep("a-equiv", "2025-04-01", "2026-03-31"),
        rep("b-cond", "2026-03-01", "2027-02-28", exceptions=EXC),
    )
    assert (x.verdict, x.evidence, codes(x)) == (Verdict.CONDITIONAL, "b-cond", ["exceptions"])
