"""One piece of evidence against one link: the checks table of verdicts.md, row by row.

Every test judges evidence for the link ``app -> db``: ``db`` is delivered by supplier ``dbco``
and lives in NL, unless a test says otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from graph.evidence import assess, stop_date
from graph.model import (
    Accreditation,
    Assurance,
    BridgeLetter,
    Cuec,
    Evidence,
    IssuerQualification,
    Opinion,
    ReportException,
    Scheme,
    Verification,
)
from graph.profiles import ZEKER_ONLINE, ResolvedProfile
from graph.verdicts import Assessment, ReasonCode, Verdict
from tests.factories import AT, certificate, d, period, report, service, supplier

P = service("db", supplier="dbco")
DBCO = supplier("dbco")

ASSURANCE_SCHEMES = [
    Scheme.ISAE3402,
    Scheme.ISAE3000,
    Scheme.SOC1,
    Scheme.SOC2,
    Scheme.TPM,
    Scheme.C5,
    Scheme.CSA_STAR_ATTESTATION,
]
MANAGEMENT_SYSTEM_SCHEMES = [
    Scheme.ISO27001,
    Scheme.NEN7510,
    Scheme.HDS,
    Scheme.TISAX,
    Scheme.CSA_STAR_CERTIFICATION,
]
ONE_DAY = timedelta(days=1)


def judge(
    e: Evidence,
    *,
    at: date | None = AT,
    locations: tuple[str, ...] = ("NL",),
    profile: ResolvedProfile = ZEKER_ONLINE,
) -> Assessment:
    """Assess ``e`` for the link into ``db`` (supplier ``dbco``)."""
    return assess(
        e,
        provider=P,
        supplier=DBCO,
        holder=supplier(e.holder),
        locations=locations,
        profile=profile,
        at=at,
    )


def codes(a: Assessment) -> list[str]:
    return [r.code.value for r in a.reasons]


def rep(**fields: object) -> Evidence:
    """A clean type 2 report of dbco for db (2025-07-01..2026-06-30)."""
    fields.setdefault("holder", "dbco")
    fields.setdefault("covers", ["db"])
    return report("db-report", **fields)


def cert(**fields: object) -> Evidence:
    """A valid, accredited ISO 27001:2022 certificate of dbco for db."""
    fields.setdefault("holder", "dbco")
    fields.setdefault("covers", ["db"])
    return certificate("db-cert", **fields)


def label(scheme: Scheme = Scheme.ZEKER_ONLINE, **fields: object) -> Evidence:
    """A label or manual-review certificate of dbco for db, valid until 2027-01-31."""
    fields.setdefault("issued", d("2026-02-01"))
    fields.setdefault("valid_until", d("2027-01-31"))
    return Evidence(id="db-label", scheme=scheme, holder="dbco", covers=("db",), **fields)


# --- a clean report: check 25 -------------------------------------------------------------


def test_clean_type2_report_is_equivalent_without_reasons() -> None:
    """Check 25: none of 19-24 fired gives EQUIVALENT with no reasons."""
    a = judge(rep())
    assert (a.evidence, a.verdict, a.reasons) == ("db-report", Verdict.EQUIVALENT, ())


@pytest.mark.parametrize("scheme", ASSURANCE_SCHEMES)
def test_every_assurance_scheme_with_security_and_availability_is_equivalent(
    scheme: Scheme,
) -> None:
    """Every assurance-report scheme can be EQUIVALENT."""
    assert judge(rep(scheme=scheme)).verdict is Verdict.EQUIVALENT


# --- check 1: scope-service -----------------------------------------------------------------


def test_evidence_not_covering_the_provider_is_not_equivalent() -> None:
    """Check 1: `covers` does not list P gives NOT_EQUIVALENT, scope-service."""
    a = judge(rep(covers=["other"]))
    assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, ["scope-service"])


def test_scope_service_comes_before_every_other_check() -> None:
    """Check 1 decides even when the evidence is also a self-declaration."""
    e = Evidence(id="x", scheme=Scheme.SELF_DECLARATION, holder="dbco", covers=("other",))
    assert codes(judge(e)) == ["scope-service"]


# --- check 2: scope-location ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence_locations", "link_locations", "fires"),
    [
        (("IE",), ("NL",), True),
        (("NL",), ("NL", "US"), True),
        (("NL", "DE"), ("DE",), False),
        (("DE", "NL"), ("NL", "DE"), False),
        ((), ("US",), False),
        (("NL",), (), False),
    ],
)
def test_scope_location_fires_when_a_link_location_is_outside_the_evidence(
    evidence_locations: tuple[str, ...], link_locations: tuple[str, ...], fires: bool
) -> None:
    """Check 2: E has locations and the link's are not all among them; empty = unrestricted."""
    a = judge(rep(locations=evidence_locations), locations=link_locations)
    if fires:
        assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, ["scope-location"])
    else:
        assert (a.verdict, codes(a)) == (Verdict.EQUIVALENT, [])


def test_scope_location_comes_before_the_scheme_checks() -> None:
    """Check 2 decides before check 3 for a self-declaration outside the link's locations."""
    e = Evidence(
        id="x", scheme=Scheme.SELF_DECLARATION, holder="dbco", covers=("db",), locations=("US",)
    )
    assert codes(judge(e)) == ["scope-location"]


# --- checks 3-6: schemes that never count ---------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "verdict", "code"),
    [
        (Scheme.SELF_DECLARATION, Verdict.NOT_EQUIVALENT, "self-declared"),
        (Scheme.CSA_STAR_SELF, Verdict.NOT_EQUIVALENT, "self-declared"),
        (Scheme.BRIDGE_LETTER, Verdict.NOT_EQUIVALENT, "bridge-only"),
        (Scheme.PCI_DSS, Verdict.NOT_EQUIVALENT, "domain-limited"),
        (Scheme.SOC3, Verdict.INSUFFICIENT_DATA, "no-test-detail"),
    ],
)
def test_schemes_of_checks_3_to_6(scheme: Scheme, verdict: Verdict, code: str) -> None:
    """Checks 3-6: self-declarations, bridge letters, PCI DSS and SOC 3 by scheme alone."""
    a = judge(rep(scheme=scheme))
    assert (a.verdict, codes(a)) == (verdict, [code])


# --- checks 7-10: management-system certificates --------------------------------------------


@pytest.mark.parametrize("scheme", MANAGEMENT_SYSTEM_SCHEMES)
def test_valid_accredited_management_system_certificate_is_supporting_only(
    scheme: Scheme,
) -> None:
    """Check 10: a valid, accredited management-system certificate is SUPPORTING_ONLY."""
    a = judge(cert(scheme=scheme, version=None))
    assert (a.verdict, codes(a)) == (Verdict.SUPPORTING_ONLY, ["management-system-only"])


@pytest.mark.parametrize("scheme", MANAGEMENT_SYSTEM_SCHEMES)
@pytest.mark.parametrize(
    ("valid_until", "expired"), [(AT - ONE_DAY, True), (AT, False), (AT + ONE_DAY, False)]
)
def test_management_system_certificate_expires_the_day_after_valid_until(
    scheme: Scheme, valid_until: date, expired: bool
) -> None:
    """Check 7: `valid_until` before the date is EXPIRED; on the date it still holds."""
    a = judge(cert(scheme=scheme, version=None, valid_until=valid_until))
    if expired:
        assert (a.verdict, codes(a)) == (Verdict.EXPIRED, ["certificate-expired"])
    else:
        assert a.verdict is Verdict.SUPPORTING_ONLY


@pytest.mark.parametrize(
    ("at", "version", "obsolete"),
    [
        (d("2025-11-01"), "ISO/IEC 27001:2013", True),
        (d("2025-10-31"), "ISO/IEC 27001:2013", False),
        (d("2026-11-27"), "ISO/IEC 27001:2013 with ISO/IEC 27017:2015", True),
        (d("2026-11-27"), "27001-2013", True),
        (d("2026-11-27"), "ISO/IEC 27001:2022", False),
        (d("2026-11-27"), None, False),
    ],
)
def test_iso27001_naming_2013_is_obsolete_after_2025_10_31(
    at: date, version: str | None, obsolete: bool
) -> None:
    """Check 8: an iso27001 version containing 2013 expires after 2025-10-31."""
    a = judge(cert(version=version), at=at)
    if obsolete:
        assert (a.verdict, codes(a)) == (Verdict.EXPIRED, ["obsolete-version"])
    else:
        assert (a.verdict, codes(a)) == (Verdict.SUPPORTING_ONLY, ["management-system-only"])


def test_a_version_naming_2013_only_obsoletes_iso27001() -> None:
    """Check 8 is about iso27001 only: a NEN 7510 certificate naming 2013 still supports."""
    a = judge(cert(scheme=Scheme.NEN7510, version="NEN 7510:2013 (ISO 27001:2013 based)"))
    assert a.verdict is Verdict.SUPPORTING_ONLY


def test_expiry_is_checked_before_the_obsolete_version() -> None:
    """Check 7 decides before check 8: only certificate-expired."""
    a = judge(cert(version="ISO/IEC 27001:2013", valid_until=d("2026-01-31")))
    assert (a.verdict, codes(a)) == (Verdict.EXPIRED, ["certificate-expired"])


@pytest.mark.parametrize("accreditation", [None, Accreditation(iaf_mla=False, body="XYZ")])
@pytest.mark.parametrize("scheme", MANAGEMENT_SYSTEM_SCHEMES)
def test_certificate_without_iaf_mla_accreditation_is_not_equivalent(
    scheme: Scheme, accreditation: Accreditation | None
) -> None:
    """Check 9: no accreditation, or `iaf_mla: false`, gives NOT_EQUIVALENT, not-accredited."""
    a = judge(cert(scheme=scheme, version=None, accreditation=accreditation))
    assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, ["not-accredited"])


def test_obsolete_version_is_checked_before_accreditation() -> None:
    """Check 8 decides before check 9."""
    a = judge(cert(version="ISO/IEC 27001:2013", accreditation=None))
    assert codes(a) == ["obsolete-version"]


# --- checks 11-14: manual review and the Zeker-OnLine label ---------------------------------


@pytest.mark.parametrize("scheme", [Scheme.EUCS, Scheme.FEDRAMP])
@pytest.mark.parametrize(
    ("valid_until", "expired"), [(AT - ONE_DAY, True), (AT, False), (AT + ONE_DAY, False)]
)
def test_eucs_and_fedramp_need_manual_review_until_they_expire(
    scheme: Scheme, valid_until: date, expired: bool
) -> None:
    """Checks 11-12: EXPIRED after `valid_until`, else CONDITIONAL manual-review."""
    a = judge(label(scheme, valid_until=valid_until))
    if expired:
        assert (a.verdict, codes(a)) == (Verdict.EXPIRED, ["certificate-expired"])
    else:
        assert (a.verdict, codes(a)) == (Verdict.CONDITIONAL, ["manual-review"])


def test_fedramp_without_valid_until_needs_manual_review() -> None:
    """Check 12: a FedRAMP authorization without an end is CONDITIONAL."""
    a = judge(label(Scheme.FEDRAMP, valid_until=None))
    assert (a.verdict, codes(a)) == (Verdict.CONDITIONAL, ["manual-review"])


@pytest.mark.parametrize(
    ("valid_until", "verdict", "reasons"),
    [
        (AT - ONE_DAY, Verdict.EXPIRED, ["certificate-expired"]),
        (AT, Verdict.EQUIVALENT, []),
        (AT + ONE_DAY, Verdict.EQUIVALENT, []),
    ],
)
def test_zeker_online_label_is_equivalent_until_it_expires(
    valid_until: date, verdict: Verdict, reasons: list[str]
) -> None:
    """Checks 13-14: the keurmerk is EQUIVALENT, EXPIRED the day after `valid_until`."""
    a = judge(label(valid_until=valid_until))
    assert (a.verdict, codes(a)) == (verdict, reasons)


def test_zeker_online_label_ignores_report_checks() -> None:
    """Check 14 decides: exceptions or open CUECs on a label do not make it CONDITIONAL."""
    a = judge(label(exceptions=(ReportException(criterion="X"),), cuecs=(Cuec(id="C1"),)))
    assert (a.verdict, codes(a)) == (Verdict.EQUIVALENT, [])


# --- checks 15-18: reports that do not count ------------------------------------------------


@pytest.mark.parametrize("scheme", ASSURANCE_SCHEMES)
def test_type1_report_is_not_equivalent(scheme: Scheme) -> None:
    """Check 15: a type 1 report gives NOT_EQUIVALENT, type1."""
    a = judge(rep(scheme=scheme, type=1, period=None, as_of=d("2026-04-30")))
    assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, ["type1"])


def test_type1_is_checked_before_assurance_and_opinion() -> None:
    """Check 15 decides before checks 17 and 18."""
    e = rep(
        type=1,
        period=None,
        as_of=d("2026-04-30"),
        assurance=Assurance.LIMITED,
        opinion=Opinion.ADVERSE,
    )
    assert codes(judge(e)) == ["type1"]


@pytest.mark.parametrize(
    ("start", "end", "too_short"),
    [
        ("2025-07-01", "2025-12-31", False),
        ("2025-07-02", "2025-12-31", True),
        ("2025-06-30", "2025-12-29", False),
        ("2025-06-30", "2025-12-28", True),
        ("2025-08-31", "2026-02-27", False),
        ("2025-08-31", "2026-02-26", True),
        ("2025-09-30", "2026-03-29", False),
        ("2025-09-30", "2026-03-28", True),
        ("2025-01-01", "2025-01-31", True),
    ],
)
def test_period_too_short_by_calendar_months(start: str, end: str, too_short: bool) -> None:
    """Check 16: `to + 1 day >= from + 6 months` (clamped) is long enough, else too short."""
    e = rep(period=period(start, end), issued=d("2026-04-01"))
    a = judge(e, at=d("2026-04-15"))
    if too_short:
        assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, ["period-too-short"])
    else:
        assert (a.verdict, codes(a)) == (Verdict.EQUIVALENT, [])


@pytest.mark.parametrize(
    "fields",
    [
        {"assurance": Assurance.LIMITED},
        {"issuer_qualification": IssuerQualification.NONE},
    ],
)
def test_limited_assurance_or_unqualified_issuer_is_insufficient(fields: dict[str, object]) -> None:
    """Check 17: `assurance: limited` or `issuer_qualification: none`."""
    a = judge(rep(**fields))
    assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, ["insufficient-assurance"])


@pytest.mark.parametrize("qualification", [None, *IssuerQualification])
def test_any_issuer_qualification_but_none_is_sufficient(
    qualification: IssuerQualification | None,
) -> None:
    """Check 17 fires only for `none`; an absent qualification does not fire it."""
    a = judge(rep(issuer_qualification=qualification))
    fires = qualification is IssuerQualification.NONE
    assert (a.verdict is Verdict.NOT_EQUIVALENT) is fires


def test_too_short_is_checked_before_limited_assurance() -> None:
    """Check 16 decides before check 17."""
    e = rep(period=period("2026-01-01", "2026-03-31"), assurance=Assurance.LIMITED)
    assert codes(judge(e)) == ["period-too-short"]


@pytest.mark.parametrize("opinion", [Opinion.QUALIFIED, Opinion.ADVERSE, Opinion.DISCLAIMER])
def test_modified_opinion_is_not_equivalent(opinion: Opinion) -> None:
    """Check 18: a qualified, adverse or disclaimer opinion gives NOT_EQUIVALENT."""
    a = judge(rep(opinion=opinion))
    assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, ["modified-opinion"])


def test_modified_opinion_comes_before_staleness() -> None:
    """Check 18 decides: checks 19-24 are not applied after it."""
    e = rep(opinion=Opinion.QUALIFIED, exceptions=(ReportException(criterion="CC6.1"),))
    assert codes(judge(e, at=d("2028-01-01"))) == ["modified-opinion"]


# --- checks 19-20: staleness and bridge letters ---------------------------------------------


@pytest.mark.parametrize(
    ("at", "verdict", "reasons"),
    [
        (d("2027-06-30"), Verdict.EQUIVALENT, []),
        (d("2027-07-01"), Verdict.EXPIRED, ["report-stale"]),
    ],
)
def test_report_is_stale_more_than_12_months_after_its_period(
    at: date, verdict: Verdict, reasons: list[str]
) -> None:
    """Check 20: exactly 12 months after the period end is current, one day more is stale."""
    a = judge(rep(), at=at)
    assert (a.verdict, codes(a)) == (verdict, reasons)


def test_staleness_clamps_at_month_end() -> None:
    """Check 20: a period ending 2025-08-31 stays current through 2026-02-28 (+6 months)."""
    e = rep(period=period("2024-09-01", "2025-08-31"), issued=d("2025-10-01"))
    six = replace(ZEKER_ONLINE, max_age_months=6)
    assert judge(e, at=d("2026-02-28"), profile=six).verdict is Verdict.EQUIVALENT
    assert codes(judge(e, at=d("2026-03-01"), profile=six)) == ["report-stale"]


LETTER = BridgeLetter(start=d("2026-07-01"), end=d("2027-12-31"), signed_by="Dbco management")


@pytest.mark.parametrize(
    ("at", "verdict", "reasons"),
    [
        (d("2027-06-30"), Verdict.EQUIVALENT, []),
        (d("2027-07-01"), Verdict.CONDITIONAL, ["bridge-letter"]),
        (d("2027-09-30"), Verdict.CONDITIONAL, ["bridge-letter"]),
        (d("2027-10-01"), Verdict.EXPIRED, ["report-stale"]),
    ],
)
def test_bridge_letter_bridges_up_to_max_age_plus_bridge_max_months(
    at: date, verdict: Verdict, reasons: list[str]
) -> None:
    """Check 19: stale but bridged, and not more than 12 + 3 months after the period end."""
    a = judge(rep(bridge_letter=LETTER), at=at)
    assert (a.verdict, codes(a)) == (verdict, reasons)


@pytest.mark.parametrize(
    ("at", "bridged"),
    [
        (d("2027-07-01"), True),
        (d("2027-08-15"), True),
        (d("2027-08-31"), True),
        (d("2027-09-01"), False),
    ],
)
def test_bridge_letter_covers_the_date_inclusive_at_both_ends(at: date, bridged: bool) -> None:
    """Check 19: a letter covers the date when `from <= date <= to`."""
    letter = BridgeLetter(start=d("2027-07-01"), end=d("2027-08-31"))
    a = judge(rep(bridge_letter=letter), at=at)
    expected = ["bridge-letter"] if bridged else ["report-stale"]
    assert codes(a) == expected


def test_bridge_letter_starting_after_the_date_does_not_bridge() -> None:
    """Check 19 needs the letter to cover the date itself."""
    letter = BridgeLetter(start=d("2027-07-02"), end=d("2027-09-30"))
    assert codes(judge(rep(bridge_letter=letter), at=d("2027-07-01"))) == ["report-stale"]


@pytest.mark.parametrize(
    ("at", "verdict"),
    [
        (d("2025-02-28"), Verdict.EQUIVALENT),
        (d("2025-03-01"), Verdict.CONDITIONAL),
        (d("2025-05-28"), Verdict.CONDITIONAL),
        (d("2025-05-29"), Verdict.CONDITIONAL),
        (d("2025-05-30"), Verdict.EXPIRED),
    ],
)
def test_bridge_limit_is_one_addition_of_max_age_plus_bridge_max(
    at: date, verdict: Verdict
) -> None:
    """The bridge limit is `D + 15 months` (2024-02-29 -> 2025-05-29), not `(D + 12) + 3`."""
    e = rep(
        period=period("2023-03-01", "2024-02-29"),
        issued=d("2024-04-01"),
        bridge_letter=BridgeLetter(start=d("2024-03-01"), end=d("2025-12-31")),
    )
    assert judge(e, at=at).verdict is verdict


def test_bridge_letter_is_ignored_while_the_report_is_current() -> None:
    """Check 19 needs the report to be stale: a current report with a letter is EQUIVALENT."""
    a = judge(rep(bridge_letter=LETTER), at=d("2026-12-01"))
    assert (a.verdict, codes(a)) == (Verdict.EQUIVALENT, [])


# --- checks 21-24 ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", [Scheme.ISAE3402, Scheme.SOC1])
@pytest.mark.parametrize(
    "criteria", [(), ("security",), ("availability",), ("financial reporting",)]
)
def test_financial_reporting_report_without_security_and_availability_is_conditional(
    scheme: Scheme, criteria: tuple[str, ...]
) -> None:
    """Check 21: isae3402/soc1 whose criteria do not name both security and availability."""
    a = judge(rep(scheme=scheme, criteria=criteria))
    assert (a.verdict, codes(a)) == (Verdict.CONDITIONAL, ["criteria-not-covered"])


@pytest.mark.parametrize("scheme", [Scheme.ISAE3402, Scheme.SOC1])
def test_financial_reporting_report_naming_security_and_availability_is_equivalent(
    scheme: Scheme,
) -> None:
    """Check 21 does not fire when security and availability are both named."""
    a = judge(rep(scheme=scheme, criteria=("availability", "integrity", "security")))
    assert (a.verdict, codes(a)) == (Verdict.EQUIVALENT, [])


@pytest.mark.parametrize(
    ("criteria", "verdict"),
    [
        (("security",), Verdict.CONDITIONAL),
        (("availability", "confidentiality"), Verdict.CONDITIONAL),
        (("availability", "security"), Verdict.EQUIVALENT),
        ((), Verdict.EQUIVALENT),
    ],
)
def test_criteria_given_must_hold_the_required_criteria(
    criteria: tuple[str, ...], verdict: Verdict
) -> None:
    """Check 22: given criteria must hold security and availability; empty = not given."""
    a = judge(rep(scheme=Scheme.SOC2, criteria=criteria))
    assert a.verdict is verdict
    assert codes(a) == ([] if verdict is Verdict.EQUIVALENT else ["criteria-not-covered"])


def test_checks_21_and_22_together_give_one_criteria_reason() -> None:
    """A reason code appears at most once per piece of evidence."""
    a = judge(rep(scheme=Scheme.ISAE3402, criteria=("security",)))
    assert codes(a) == ["criteria-not-covered"]


def test_reported_exceptions_make_a_report_conditional() -> None:
    """Check 23: `exceptions` not empty gives CONDITIONAL, exceptions."""
    a = judge(rep(exceptions=(ReportException(criterion="CC6.1", description="late"),)))
    assert (a.verdict, codes(a)) == (Verdict.CONDITIONAL, ["exceptions"])


def test_several_exceptions_give_one_reason() -> None:
    """A reason code appears at most once per piece of evidence."""
    e = rep(exceptions=(ReportException(criterion="CC6.1"), ReportException(criterion="CC7.2")))
    assert codes(judge(e)) == ["exceptions"]


@pytest.mark.parametrize(
    ("cuecs", "open_"),
    [
        ((Cuec(id="C1", addressed=False),), True),
        ((Cuec(id="C1"),), True),
        ((Cuec(id="C1", addressed=True),), False),
        ((Cuec(id="C1", addressed=True), Cuec(id="C2", addressed=False)), True),
        ((), False),
    ],
)
def test_open_cuecs_make_a_report_conditional(cuecs: tuple[Cuec, ...], open_: bool) -> None:
    """Check 24: a CUEC with `addressed: false` (the default) gives CONDITIONAL, cuecs-open."""
    a = judge(rep(cuecs=cuecs))
    if open_:
        assert (a.verdict, codes(a)) == (Verdict.CONDITIONAL, ["cuecs-open"])
    else:
        assert (a.verdict, codes(a)) == (Verdict.EQUIVALENT, [])


def test_checks_19_to_24_all_apply_and_the_worst_decides() -> None:
    """A stale report with exceptions and open CUECs is EXPIRED with every reason, in order."""
    e = rep(
        scheme=Scheme.ISAE3402,
        criteria=("security",),
        exceptions=(ReportException(criterion="A.9"),),
        cuecs=(Cuec(id="C1"),),
    )
    a = judge(e, at=d("2027-07-01"))
    assert a.verdict is Verdict.EXPIRED
    assert codes(a) == ["report-stale", "criteria-not-covered", "exceptions", "cuecs-open"]


def test_bridged_report_with_every_conditional_check_lists_them_in_table_order() -> None:
    """Checks 19, 21-24 fired together: CONDITIONAL with all reasons in table order."""
    e = rep(
        criteria=("security",),
        cuecs=(Cuec(id="C1"),),
        exceptions=(ReportException(criterion="CC6.1"),),
        bridge_letter=LETTER,
    )
    a = judge(e, at=d("2027-08-01"))
    assert a.verdict is Verdict.CONDITIONAL
    assert codes(a) == ["bridge-letter", "criteria-not-covered", "exceptions", "cuecs-open"]


# --- the caps -------------------------------------------------------------------------------


def test_claimed_evidence_is_capped_to_insufficient_data() -> None:
    """Cap: `verification: claimed` lowers EQUIVALENT to INSUFFICIENT_DATA, not-sighted."""
    a = judge(rep(verification=Verification.CLAIMED))
    assert (a.verdict, codes(a)) == (Verdict.INSUFFICIENT_DATA, ["not-sighted"])


@pytest.mark.parametrize("verification", [Verification.SIGHTED, Verification.VERIFIED])
def test_sighted_or_verified_evidence_is_not_capped(verification: Verification) -> None:
    """Only `claimed` caps."""
    assert judge(rep(verification=verification)).verdict is Verdict.EQUIVALENT


@pytest.mark.parametrize(
    ("evidence", "verdict", "reasons"),
    [
        (
            rep(exceptions=(ReportException(criterion="CC6.1"),)),
            Verdict.INSUFFICIENT_DATA,
            ["exceptions", "not-sighted"],
        ),
        (cert(), Verdict.INSUFFICIENT_DATA, ["management-system-only", "not-sighted"]),
        (rep(scheme=Scheme.SOC3), Verdict.INSUFFICIENT_DATA, ["no-test-detail"]),
        (rep(type=1, period=None), Verdict.NOT_EQUIVALENT, ["type1"]),
        (cert(valid_until=d("2026-01-01")), Verdict.EXPIRED, ["certificate-expired"]),
    ],
)
def test_claimed_cap_adds_its_reason_only_when_it_lowers(
    evidence: Evidence, verdict: Verdict, reasons: list[str]
) -> None:
    """The not-sighted cap lowers only better verdicts, and then comes last."""
    a = judge(replace(evidence, verification=Verification.CLAIMED))
    assert (a.verdict, codes(a)) == (verdict, reasons)


def judge_other_holder(e: Evidence, **kwargs: object) -> Assessment:
    """Assess ``e``, held by ``dbco-group``, for the link into db (supplier dbco)."""
    return judge(replace(e, holder="dbco-group"), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("evidence", "verdict", "reasons"),
    [
        (rep(), Verdict.CONDITIONAL, ["other-entity"]),
        (label(), Verdict.CONDITIONAL, ["other-entity"]),
        (
            rep(exceptions=(ReportException(criterion="CC6.1"),)),
            Verdict.CONDITIONAL,
            ["exceptions"],
        ),
        (label(Scheme.EUCS), Verdict.CONDITIONAL, ["manual-review"]),
        (cert(), Verdict.SUPPORTING_ONLY, ["management-system-only"]),
        (rep(scheme=Scheme.SOC3), Verdict.INSUFFICIENT_DATA, ["no-test-detail"]),
        (rep(type=1, period=None), Verdict.NOT_EQUIVALENT, ["type1"]),
    ],
)
def test_other_entity_cap_adds_its_reason_only_when_it_lowers(
    evidence: Evidence, verdict: Verdict, reasons: list[str]
) -> None:
    """Cap: evidence of another supplier than P's lowers a better verdict to CONDITIONAL."""
    a = judge_other_holder(evidence)
    assert (a.verdict, codes(a)) == (verdict, reasons)


def test_other_entity_cap_on_a_bridged_report_keeps_conditional() -> None:
    """Bridged (CONDITIONAL) evidence of another entity keeps only bridge-letter."""
    a = judge_other_holder(rep(bridge_letter=LETTER), at=d("2027-08-01"))
    assert (a.verdict, codes(a)) == (Verdict.CONDITIONAL, ["bridge-letter"])


def test_both_caps_give_insufficient_data_with_not_sighted_last() -> None:
    """Claimed evidence of another entity ends INSUFFICIENT_DATA; not-sighted is a cap reason."""
    a = judge_other_holder(rep(verification=Verification.CLAIMED))
    assert a.verdict is Verdict.INSUFFICIENT_DATA
    assert "not-sighted" in codes(a)
    assert codes(a)[-1] in {"not-sighted", "other-entity"}


def test_caps_come_after_the_check_reasons() -> None:
    """Reasons are in the order of the checks table, caps last."""
    e = rep(
        cuecs=(Cuec(id="C1"),),
        exceptions=(ReportException(criterion="CC6.1"),),
        verification=Verification.CLAIMED,
    )
    assert codes(judge(e)) == ["exceptions", "cuecs-open", "not-sighted"]


def test_no_reason_code_appears_twice_for_one_piece() -> None:
    """A reason code appears at most once per piece of evidence."""
    e = rep(
        scheme=Scheme.SOC1,
        criteria=("security",),
        exceptions=(ReportException(), ReportException()),
        cuecs=(Cuec(id="a"), Cuec(id="b")),
    )
    found = codes(judge(e, at=d("2027-08-01")))
    assert len(found) == len(set(found))


# --- audit period mode: the date-bound checks do not apply ----------------------------------


@pytest.mark.parametrize(
    ("evidence", "verdict"),
    [
        (cert(valid_until=d("2020-01-01")), Verdict.SUPPORTING_ONLY),
        (cert(version="ISO/IEC 27001:2013"), Verdict.SUPPORTING_ONLY),
        (label(Scheme.EUCS, valid_until=d("2020-01-01")), Verdict.CONDITIONAL),
        (label(valid_until=d("2020-01-01")), Verdict.EQUIVALENT),
        (rep(period=period("2015-01-01", "2015-12-31")), Verdict.EQUIVALENT),
    ],
)
def test_date_bound_checks_do_not_apply_in_period_mode(
    evidence: Evidence, verdict: Verdict
) -> None:
    """Checks 7, 8, 11, 13, 19 and 20 are skipped with `at=None`."""
    assert judge(evidence, at=None).verdict is verdict


@pytest.mark.parametrize(
    ("evidence", "code"),
    [
        (rep(type=1, period=None), "type1"),
        (rep(period=period("2026-01-01", "2026-03-31")), "period-too-short"),
        (rep(assurance=Assurance.LIMITED), "insufficient-assurance"),
        (rep(opinion=Opinion.ADVERSE), "modified-opinion"),
        (rep(locations=("US",)), "scope-location"),
        (cert(accreditation=None), "not-accredited"),
    ],
)
def test_other_checks_still_apply_in_period_mode(evidence: Evidence, code: str) -> None:
    """Every check but the date-bound ones applies in audit period mode."""
    a = judge(evidence, at=None)
    assert (a.verdict, codes(a)) == (Verdict.NOT_EQUIVALENT, [code])


def test_caps_apply_in_period_mode() -> None:
    """Both caps apply in audit period mode."""
    assert codes(judge(rep(verification=Verification.CLAIMED), at=None)) == ["not-sighted"]
    assert codes(judge_other_holder(rep(), at=None)) == ["other-entity"]


# --- reasons name the evidence, the provider and the dates ----------------------------------


@pytest.mark.parametrize(
    ("evidence", "at", "dates"),
    [
        (cert(valid_until=d("2026-01-31")), AT, ["2026-01-31"]),
        (label(valid_until=d("2026-01-31")), AT, ["2026-01-31"]),
        (rep(), d("2027-07-01"), ["2026-06-30"]),
    ],
)
def test_reason_sentence_names_the_evidence_and_the_dates(
    evidence: Evidence, at: date, dates: list[str]
) -> None:
    """A reason is a sentence naming E and the dates involved."""
    (reason,) = judge(evidence, at=at).reasons
    assert evidence.id in reason.message
    for day in dates:
        assert day in reason.message


@pytest.mark.parametrize(
    "evidence",
    [rep(covers=["other"]), rep(locations=("US",)), rep(scheme=Scheme.PCI_DSS)],
)
def test_reason_sentence_names_the_provider(evidence: Evidence) -> None:
    """A reason naming P mentions P by id or name."""
    (reason,) = judge(evidence, locations=("NL",)).reasons
    assert P.id in reason.message or P.name in reason.message


def test_reason_codes_are_the_contract_codes() -> None:
    """ReasonCode values are the contract's codes."""
    assert ReasonCode("scope-location") is ReasonCode.SCOPE_LOCATION
    assert {c.value for c in ReasonCode} >= {
        "scope-service",
        "scope-location",
        "self-declared",
        "bridge-only",
        "domain-limited",
        "no-test-detail",
        "certificate-expired",
        "obsolete-version",
        "not-accredited",
        "management-system-only",
        "manual-review",
        "type1",
        "period-too-short",
        "insufficient-assurance",
        "modified-opinion",
        "bridge-letter",
        "report-stale",
        "criteria-not-covered",
        "exceptions",
        "cuecs-open",
        "not-sighted",
        "other-entity",
        "included",
        "no-evidence",
        "out-of-scope",
        "period-uncovered",
    }


# --- stop_date --------------------------------------------------------------------------------


def test_a_report_stops_counting_max_age_months_after_its_period() -> None:
    """A report's period end plus `max_age_months`, clamped."""
    e = rep(period=period("2024-09-01", "2025-08-31"))
    assert stop_date(e, ZEKER_ONLINE) == d("2026-08-31")
    assert stop_date(e, replace(ZEKER_ONLINE, max_age_months=6)) == d("2026-02-28")


def test_a_certificate_stops_counting_at_valid_until() -> None:
    """A certificate's `valid_until`; none when it has no end."""
    assert stop_date(cert(), ZEKER_ONLINE) == d("2028-02-28")
    assert stop_date(label(Scheme.FEDRAMP, valid_until=None), ZEKER_ONLINE) is None
