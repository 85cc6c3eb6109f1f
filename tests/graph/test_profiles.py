"""Profiles: the built-in zeker-online, profiles a chain defines, and what they change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph.coverage import check
from graph.errors import UsageError
from graph.model import BridgeLetter, Chain, Evidence, Profile, Scheme
from graph.profiles import ZEKER_ONLINE, find_profile, resolve_profile
from graph.verdicts import LinkResult, Verdict
from tests.factories import AT, certificate, d, dep, make_chain, period, report, service


def base(*evidence: Evidence, profiles: tuple[Profile, ...] = ()) -> Chain:
    return make_chain(
        services=[service("app"), service("db", supplier="dbco")],
        dependencies=[dep("app", "db")],
        evidence=evidence,
        profiles=profiles,
    )


def judged(evidence: Evidence, profile: Profile | None = None, **kwargs: object) -> LinkResult:
    """The link ``app -> db`` with ``evidence`` under ``profile`` (found through the chain)."""
    chain = base(evidence, profiles=(profile,) if profile else ())
    resolved = find_profile(profile.id, chain) if profile else ZEKER_ONLINE
    (x,) = check(chain, at=kwargs.pop("at", AT), profile=resolved).links  # type: ignore[arg-type]
    return x


def codes(x: LinkResult) -> list[str]:
    return [r.code.value for r in x.reasons]


def db_report(**fields: object) -> Evidence:
    fields.setdefault("holder", "dbco")
    return report("db-soc2", covers=["db"], **fields)


def db_cert(**fields: object) -> Evidence:
    fields.setdefault("holder", "dbco")
    return certificate("db-iso", covers=["db"], **fields)


def test_zeker_online_is_the_default_with_the_contract_thresholds() -> None:
    """zeker-online: 6 months, 12 months, 3 months, 90 days, security and availability."""
    p = find_profile("zeker-online")
    assert (
        p.id,
        p.min_period_months,
        p.max_age_months,
        p.bridge_max_months,
        p.expiring_days,
        set(p.required_criteria),
        set(p.accept_as_equivalent),
    ) == ("zeker-online", 6, 12, 3, 90, {"security", "availability"}, set())
    assert check(base(), at=AT).profile == "zeker-online"


def test_unknown_profile_is_a_usage_error() -> None:
    """A profile that is neither built in nor in the chain is unusable."""
    with pytest.raises(UsageError):
        find_profile("strict-buyer", base())


def test_profile_extending_a_non_builtin_profile_is_unusable() -> None:
    """Each profile extends a built-in one."""
    with pytest.raises(UsageError):
        resolve_profile(Profile(id="x", extends="strict-buyer"))


def test_chain_profile_inherits_what_it_leaves_out() -> None:
    """Thresholds absent in the profile are the extended profile's."""
    p = resolve_profile(Profile(id="strict", extends="zeker-online", min_period_months=9))
    assert (p.id, p.min_period_months, p.max_age_months, p.bridge_max_months, p.expiring_days) == (
        "strict",
        9,
        12,
        3,
        90,
    )
    assert set(p.required_criteria) == {"security", "availability"}


def test_result_names_the_chain_profile() -> None:
    """The result's `profile` is the id of the profile used."""
    strict = Profile(id="strict-buyer", extends="zeker-online")
    chain = base(profiles=(strict,))
    assert (
        check(chain, at=AT, profile=find_profile("strict-buyer", chain)).profile == "strict-buyer"
    )


@pytest.mark.parametrize(
    ("months", "verdict"), [(6, Verdict.EQUIVALENT), (9, Verdict.NOT_EQUIVALENT)]
)
def test_min_period_months_overrides(months: int, verdict: Verdict) -> None:
    """An 8-month report is too short for a profile asking 9 months."""
    e = db_report(period=period("2025-11-01", "2026-06-30"))
    x = judged(e, Profile(id="p", extends="zeker-online", min_period_months=months))
    assert x.verdict is verdict


def test_max_age_months_overrides() -> None:
    """A profile with max_age_months 3 finds a report ending 2026-06-30 stale at 2026-11-27."""
    x = judged(db_report(), Profile(id="p", extends="zeker-online", max_age_months=3))
    assert (x.verdict, codes(x)) == (Verdict.EXPIRED, ["report-stale"])


def test_bridge_max_months_overrides() -> None:
    """With bridge_max_months 6 a letter bridges up to 18 months after the period end
    (2026-06-30 + 18 months = 2027-12-30)."""
    letter = BridgeLetter(start=d("2027-07-01"), end=d("2027-12-31"))
    e = db_report(bridge_letter=letter)
    longer = Profile(id="p", extends="zeker-online", bridge_max_months=6)
    assert judged(e, longer, at=d("2027-12-30")).verdict is Verdict.CONDITIONAL
    assert judged(e, longer, at=d("2027-12-31")).verdict is Verdict.EXPIRED
    assert judged(e, None, at=d("2027-12-30")).verdict is Verdict.EXPIRED


def test_expiring_days_overrides() -> None:
    """A profile with expiring_days 30 does not report evidence stopping in 60 days."""
    zol = Evidence(
        id="zol",
        scheme=Scheme.ZEKER_ONLINE,
        holder="dbco",
        covers=("db",),
        issued=d("2026-01-01"),
        valid_until=AT + timedelta(days=60),
    )
    short = Profile(id="p", extends="zeker-online", expiring_days=30)
    chain = base(zol, profiles=(short,))
    assert check(chain, at=AT, profile=find_profile("p", chain)).findings == ()
    assert [f.code.value for f in check(chain, at=AT).findings] == ["expiring"]


@pytest.mark.parametrize(
    ("required", "criteria", "verdict"),
    [
        (
            ("security", "availability", "confidentiality"),
            ("security", "availability"),
            Verdict.CONDITIONAL,
        ),
        (
            ("security", "availability", "confidentiality"),
            ("availability", "confidentiality", "security"),
            Verdict.EQUIVALENT,
        ),
        (("security",), ("security",), Verdict.EQUIVALENT),
        ((), ("privacy",), Verdict.EQUIVALENT),
    ],
)
def test_required_criteria_list_replaces_the_extended_one(
    required: tuple[str, ...], criteria: tuple[str, ...], verdict: Verdict
) -> None:
    """`required_criteria` replaces zeker-online's; an empty list means none."""
    x = judged(
        db_report(criteria=criteria),
        Profile(id="p", extends="zeker-online", required_criteria=required),
    )
    assert x.verdict is verdict


def test_empty_required_criteria_do_not_silence_check_21() -> None:
    """Check 21 is about isae3402/soc1 scope, not the profile: it still fires."""
    x = judged(
        db_report(scheme=Scheme.ISAE3402, criteria=("security",)),
        Profile(id="p", extends="zeker-online", required_criteria=()),
    )
    assert (x.verdict, codes(x)) == (Verdict.CONDITIONAL, ["criteria-not-covered"])


def test_resolved_lists_replace_and_empty_means_none() -> None:
    """resolve_profile: a given list replaces; an empty list means none."""
    p = resolve_profile(
        Profile(id="p", extends="zeker-online", required_criteria=(), accept_as_equivalent=())
    )
    assert (tuple(p.required_criteria), set(p.accept_as_equivalent)) == ((), set())


ISO_BUYER = Profile(id="iso-buyer", extends="zeker-online", accept_as_equivalent=(Scheme.ISO27001,))


def test_accepted_certificate_passing_checks_7_to_9_is_equivalent() -> None:
    """A valid, accredited iso27001 certificate is EQUIVALENT for a profile accepting it."""
    x = judged(db_cert(), ISO_BUYER)
    assert x.verdict is Verdict.EQUIVALENT
    assert "management-system-only" not in codes(x)


@pytest.mark.parametrize(
    ("fields", "verdict", "code"),
    [
        ({"valid_until": d("2026-11-26")}, Verdict.EXPIRED, "certificate-expired"),
        ({"version": "ISO/IEC 27001:2013"}, Verdict.EXPIRED, "obsolete-version"),
        ({"accreditation": None}, Verdict.NOT_EQUIVALENT, "not-accredited"),
    ],
)
def test_accepted_certificate_failing_checks_7_to_9_is_not(
    fields: dict[str, object], verdict: Verdict, code: str
) -> None:
    """Acceptance needs checks 7-9 passed: expired, obsolete or unaccredited still fail."""
    x = judged(db_cert(**fields), ISO_BUYER)
    assert (x.verdict, codes(x)) == (verdict, [code])


def test_only_the_accepted_schemes_move() -> None:
    """A NEN 7510 certificate stays SUPPORTING_ONLY when only iso27001 is accepted."""
    x = judged(db_cert(scheme=Scheme.NEN7510, version=None), ISO_BUYER)
    assert x.verdict is Verdict.SUPPORTING_ONLY


def test_accepted_certificate_still_gets_the_caps() -> None:
    """An accepted certificate of another entity is capped to CONDITIONAL."""
    x = judged(db_cert(holder="dbco-group"), ISO_BUYER)
    assert (x.verdict, codes(x)) == (Verdict.CONDITIONAL, ["other-entity"])
