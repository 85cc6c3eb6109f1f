"""Findings beside the verdicts: the six codes, their subjects, severities and order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from graph.coverage import check
from graph.model import (
    BridgeLetter,
    Chain,
    Evidence,
    ReportException,
    Scheme,
    SubserviceMethod,
    Subservices,
)
from graph.profiles import ZEKER_ONLINE
from graph.verdicts import CheckResult, Finding, FindingCode, Severity
from tests.factories import (
    AT,
    certificate,
    d,
    dep,
    make_chain,
    period,
    report,
    service,
    supplier,
)


def found(result: CheckResult, code: str | None = None) -> list[tuple[str, ...]]:
    """The subjects of the findings with ``code`` (all findings: (code, *subjects))."""
    if code is None:
        return [(f.code.value, *f.subjects) for f in result.findings]
    return [f.subjects for f in result.findings if f.code.value == code]


def one(result: CheckResult, code: str) -> Finding:
    (finding,) = [f for f in result.findings if f.code.value == code]
    return finding


CARVE = SubserviceMethod.CARVE_OUT


def db_report(
    method: SubserviceMethod = SubserviceMethod.NONE,
    carved_out: tuple[str, ...] = (),
    included: tuple[str, ...] = (),
    **fields: object,
) -> Evidence:
    fields.setdefault("holder", "dbco")
    fields.setdefault("covers", ["db"])
    return report(
        "db-soc2",
        subservices=Subservices(method=method, carved_out=carved_out, included=included),
        **fields,
    )


def subchain(evidence: list[Evidence], deps: list, extra_services: tuple[str, ...] = ()) -> Chain:
    """``app -> db`` of supplier dbco, plus db's dependencies ``deps``."""
    names = {p.provider for p in deps} | set(extra_services)
    return make_chain(
        services=[
            service("app"),
            service("db", supplier="dbco"),
            *(service(n, supplier="infra") for n in sorted(names)),
        ],
        dependencies=[dep("app", "db"), *deps],
        evidence=evidence,
    )


# --- carved-out-missing ---------------------------------------------------------------------


def test_carving_out_a_service_that_is_no_dependency_is_a_finding() -> None:
    """carved-out-missing [evidence, P, the other service], a warning."""
    chain = subchain([db_report(CARVE, carved_out=("dc1", "dc2"))], [dep("db", "dc1")], ("dc2",))
    result = check(chain, at=AT)
    f = one(result, "carved-out-missing")
    assert (f.subjects, f.severity) == (("db-soc2", "db", "dc2"), Severity.WARNING)


def test_carving_out_an_out_of_scope_dependency_is_fine() -> None:
    """ "A dependency of P" is any dependency from P, in scope or not."""
    chain = subchain(
        [db_report(CARVE, carved_out=("dc1",))], [dep("db", "dc1", relevant=False, reason="n/a")]
    )
    assert found(check(chain, at=AT), "carved-out-missing") == []


def test_carved_out_missing_needs_the_deciding_report() -> None:
    """Only P's deciding evidence counts: a worse report's carve-outs are not looked at."""
    worse = report(
        "db-old",
        holder="dbco",
        covers=["db"],
        type=1,
        period=None,
        subservices=Subservices(method=CARVE, carved_out=("ghost",)),
    )
    chain = subchain([db_report(), worse], [], ("ghost",))
    assert found(check(chain, at=AT), "carved-out-missing") == []


def test_carved_out_missing_for_a_deciding_report_of_any_verdict() -> None:
    """The deciding report counts whatever its verdict (here a type 1 report)."""
    type1 = db_report(CARVE, carved_out=("ghost",), type=1, period=None)
    chain = subchain([type1], [], ("ghost",))
    assert found(check(chain, at=AT), "carved-out-missing") == [("db-soc2", "db", "ghost")]


def test_carve_outs_of_a_consumers_inclusive_report_are_not_ps() -> None:
    """The deciding evidence of an INCLUDED link is C's report, not "P's deciding report"."""
    incl = report(
        "app-soc2",
        covers=["app"],
        subservices=Subservices(method=CARVE, carved_out=("ghost",), included=("db",)),
    )
    chain = subchain([incl], [], ("ghost",))
    result = check(chain, at=AT)
    assert result.links[0].evidence == "app-soc2"
    assert found(result, "carved-out-missing") == []


def test_certificates_have_no_carve_outs_to_check() -> None:
    """Only an assurance report is "P's deciding report"."""
    cert = certificate(
        "db-iso",
        holder="dbco",
        covers=["db"],
        subservices=Subservices(method=CARVE, carved_out=("ghost",)),
    )
    chain = subchain([cert], [dep("db", "x")], ("ghost",))
    result = check(chain, at=AT)
    assert found(result, "carved-out-missing") == []
    assert found(result, "undisclosed-subservice") == []


# --- undisclosed-subservice -----------------------------------------------------------------


def test_dependency_neither_carved_out_nor_included_is_undisclosed() -> None:
    """undisclosed-subservice [evidence, P, the other service], a warning."""
    rep = db_report(CARVE, carved_out=("dc1",), included=("dc2",))
    chain = subchain([rep], [dep("db", "dc1"), dep("db", "dc2"), dep("db", "dc3")])
    f = one(check(chain, at=AT), "undisclosed-subservice")
    assert (f.subjects, f.severity) == (("db-soc2", "db", "dc3"), Severity.WARNING)


def test_with_method_none_every_in_scope_dependency_is_undisclosed() -> None:
    """Method `none`: any in-scope dependency of P, sorted by subjects."""
    chain = subchain([db_report()], [dep("db", "dc2"), dep("db", "dc1")])
    assert found(check(chain, at=AT), "undisclosed-subservice") == [
        ("db-soc2", "db", "dc1"),
        ("db-soc2", "db", "dc2"),
    ]


def test_out_of_scope_dependencies_are_not_undisclosed() -> None:
    """undisclosed-subservice looks at in-scope dependencies only."""
    chain = subchain([db_report()], [dep("db", "dc1", relevant=False, reason="n/a")])
    assert found(check(chain, at=AT), "undisclosed-subservice") == []


def test_no_undisclosed_subservice_without_a_deciding_report() -> None:
    """A provider without evidence has no deciding report to disclose anything."""
    chain = subchain([], [dep("db", "dc1")])
    assert found(check(chain, at=AT), "undisclosed-subservice") == []


def test_inclusive_report_disclosing_its_included_service() -> None:
    """A service in `included` is disclosed."""
    chain = subchain([db_report(SubserviceMethod.INCLUSIVE, included=("dc1",))], [dep("db", "dc1")])
    assert found(check(chain, at=AT), "undisclosed-subservice") == []


# --- expiring -------------------------------------------------------------------------------


def cert_until(day: date, id: str = "db-iso", **fields: object) -> Evidence:  # noqa: A002
    fields.setdefault("holder", "dbco")
    return Evidence(
        id=id,
        scheme=Scheme.ZEKER_ONLINE,
        covers=("db",),
        issued=d("2026-01-01"),
        valid_until=day,
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("days", "expiring"), [(0, True), (1, True), (89, True), (90, True), (91, False)]
)
def test_ok_links_evidence_stopping_within_90_days_is_expiring(days: int, expiring: bool) -> None:
    """expiring: `date <= stop <= date + 90 days`, subjects [evidence], a warning."""
    chain = subchain([cert_until(AT + timedelta(days=days))], [])
    result = check(chain, at=AT)
    if expiring:
        f = one(result, "expiring")
        assert (f.subjects, f.severity) == (("db-iso",), Severity.WARNING)
    else:
        assert found(result, "expiring") == []


@pytest.mark.parametrize(("end", "expiring"), [("2025-11-30", True), ("2025-12-01", False)])
def test_a_report_stops_counting_at_its_period_end_plus_max_age(end: str, expiring: bool) -> None:
    """A report's stop is its period end plus 12 months (2025-11-30 -> 2026-11-30)."""
    chain = subchain([db_report(period=period("2025-01-01", end), issued=d("2026-01-15"))], [])
    assert (found(check(chain, at=d("2026-09-01")), "expiring") != []) is expiring


def test_conditional_links_evidence_is_expiring_too() -> None:
    """A conditional link's deciding evidence that stops counting within 90 days is expiring
    too: its lapse turns the link into a gap (revision of 2026-12)."""
    chain = subchain([cert_until(AT + timedelta(days=10), holder="dbco-group")], [])
    result = check(chain, at=AT)
    assert result.links[0].status.value == "conditional"
    assert found(result, "expiring") == [("db-iso",)]


def test_a_conditional_reports_stop_is_its_period_end_plus_max_age() -> None:
    """A report with exceptions (conditional) stops counting at its period end plus 12 months,
    like any report: within 90 days it is expiring, past them it is not."""
    exceptions = (ReportException(criterion="CC7.2"),)
    soon = subchain(
        [db_report(period=period("2025-01-01", "2025-12-31"), exceptions=exceptions)], []
    )
    later = subchain([db_report(exceptions=exceptions)], [])
    assert check(soon, at=AT).links[0].status.value == "conditional"
    assert found(check(soon, at=AT), "expiring") == [("db-soc2",)]
    assert found(check(later, at=AT), "expiring") == []


@pytest.mark.parametrize(
    ("letter_end", "stop"), [("2026-12-15", "2026-12-15"), ("2027-06-30", "2026-12-30")]
)
def test_a_bridged_report_expires_with_its_bridge(letter_end: str, stop: str) -> None:
    """A stale report that a bridge letter carries (conditional) stops counting at the letter's
    end, or at the profile's bridge limit (period end + 15 months) when that comes first."""
    bridged = db_report(
        period=period("2025-01-01", "2025-09-30"),
        issued=d("2025-11-01"),
        bridge_letter=BridgeLetter(d("2025-10-01"), d(letter_end)),
    )
    result = check(subchain([bridged], []), at=AT)
    assert result.links[0].status.value == "conditional"
    f = one(result, "expiring")
    assert f.subjects == ("db-soc2",)
    assert f"stops counting on {stop}" in f.message
    assert "bridge letter" in f.message


def test_gap_links_get_no_expiring() -> None:
    """A link that is a gap already is not warned about: its evidence no longer counts."""
    chain = subchain([replace(cert_until(AT + timedelta(days=10)), scheme=Scheme.ISO27001)], [])
    result = check(chain, at=AT)
    assert result.links[0].status.value == "gap"
    assert found(result, "expiring") == []


def test_only_deciding_evidence_gets_expiring() -> None:
    """Evidence in `also` is not reported as expiring."""
    chain = subchain([cert_until(AT + timedelta(days=10), id="a-zol"), db_report()], [])
    result = check(chain, at=AT)
    assert result.links[0].evidence == "db-soc2"
    assert found(result, "expiring") == []


def test_one_expiring_finding_per_piece_of_evidence() -> None:
    """Evidence deciding two ok links is reported once."""
    zol = Evidence(
        id="shared-zol",
        scheme=Scheme.ZEKER_ONLINE,
        holder="dbco",
        covers=("db", "db2"),
        issued=d("2026-01-01"),
        valid_until=d("2026-12-31"),
    )
    chain = make_chain(
        services=[service("app"), service("db", supplier="dbco"), service("db2", supplier="dbco")],
        dependencies=[dep("app", "db"), dep("app", "db2")],
        evidence=[zol],
    )
    assert found(check(chain, at=AT), "expiring") == [("shared-zol",)]


def test_included_links_are_ok_and_their_evidence_may_be_expiring() -> None:
    """The deciding evidence of an INCLUDED link (C's report) is checked too."""
    incl = report(
        "app-soc2",
        covers=["app"],
        period=period("2025-01-01", "2025-12-31"),
        issued=d("2026-02-01"),
        subservices=Subservices(method=SubserviceMethod.INCLUSIVE, included=("db",)),
    )
    result = check(subchain([incl], []), at=AT)
    assert result.links[0].verdict.value == "INCLUDED"
    assert found(result, "expiring") == [("app-soc2",)]


def test_no_expiring_findings_in_period_mode() -> None:
    """There are no `expiring` findings in audit period mode."""
    chain = subchain([cert_until(d("2026-07-15"))], [])
    result = check(chain, period=period("2026-01-01", "2026-06-30"))
    assert result.links[0].status.value == "ok"
    assert found(result, "expiring") == []


def test_expiring_days_come_from_the_profile() -> None:
    """The window is the profile's `expiring_days`."""
    chain = subchain([cert_until(AT + timedelta(days=60))], [])
    short = replace(ZEKER_ONLINE, expiring_days=30)
    assert found(check(chain, at=AT, profile=short), "expiring") == []
    assert found(check(chain, at=AT), "expiring") == [("db-iso",)]


# --- cycle ----------------------------------------------------------------------------------


def cyc(edges: list[tuple[str, str]], out: tuple[tuple[str, str], ...] = ()) -> CheckResult:
    ids = list(dict.fromkeys(["o", *(s for e in edges for s in e)]))
    return check(
        make_chain(
            services=[service(s) for s in ids],
            dependencies=[
                dep(a, b, relevant=(a, b) not in out, reason="n/a" if (a, b) in out else None)
                for a, b in edges
            ],
        ),
        at=AT,
    )


def test_a_dependency_cycle_is_listed_once_as_its_sorted_services() -> None:
    """cycle: the services of the cycle, sorted, a warning."""
    result = cyc([("o", "c"), ("c", "b"), ("b", "a"), ("a", "c")])
    f = one(result, "cycle")
    assert (f.subjects, f.severity) == (("a", "b", "c"), Severity.WARNING)


def test_one_finding_per_strongly_connected_component() -> None:
    """Two cycles sharing a service form one component, one finding."""
    result = cyc([("o", "a"), ("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")])
    assert found(result, "cycle") == [("a", "b", "c")]


def test_separate_cycles_give_separate_findings_in_subject_order() -> None:
    """Two components, two findings, ordered by subjects."""
    result = cyc([("o", "x"), ("x", "y"), ("y", "x"), ("o", "a"), ("a", "b"), ("b", "a")])
    assert found(result, "cycle") == [("a", "b"), ("x", "y")]


def test_a_service_depending_on_itself_is_a_cycle() -> None:
    """A self-loop is a cycle of one service."""
    assert found(cyc([("o", "a"), ("a", "a")]), "cycle") == [("a",)]


def test_cycle_through_the_offering() -> None:
    """A cycle back into the offering counts."""
    assert found(cyc([("o", "a"), ("a", "o")]), "cycle") == [("a", "o")]


def test_cycle_needs_in_scope_links() -> None:
    """A cycle closed only by an out-of-scope link is not a finding."""
    result = cyc([("o", "a"), ("a", "b"), ("b", "a")], out=(("b", "a"),))
    assert found(result, "cycle") == []


def test_no_cycle_in_a_diamond() -> None:
    """Two routes to the same service are not a cycle."""
    assert found(cyc([("o", "a"), ("o", "b"), ("a", "c"), ("b", "c")]), "cycle") == []


def test_cycle_outside_the_walk_is_not_a_finding() -> None:
    """Only in-scope links the walk reaches count."""
    assert found(cyc([("o", "a"), ("x", "y"), ("y", "x")]), "cycle") == []


# --- concentration --------------------------------------------------------------------------

GROUP = [
    supplier("cloud"),
    supplier("cloud-eu", parent="cloud"),
    supplier("cloud-us", parent="cloud"),
    supplier("cloud-nl", parent="cloud-eu"),
]


def conc(
    services: list[tuple[str, str]],
    edges: list[tuple[str, str]],
    offerings: tuple[str, ...] = ("o",),
    out: tuple[tuple[str, str], ...] = (),
) -> CheckResult:
    """Services (id, supplier) besides the ones of acme; edges; offerings."""
    named = dict(services)
    ids = list(dict.fromkeys([*offerings, *(s for e in edges for s in e)]))
    chain = make_chain(
        services=[service(s, supplier=named.get(s, "acme")) for s in ids],
        dependencies=[
            dep(a, b, relevant=(a, b) not in out, reason="n/a" if (a, b) in out else None)
            for a, b in edges
        ],
        suppliers=GROUP,
        offerings=offerings,
    )
    return check(chain, at=AT)


def test_group_serving_two_offerings_is_a_concentration() -> None:
    """concentration: two offerings rely on one group, [root, member suppliers involved], info."""
    result = conc(
        [("vm", "cloud-eu"), ("blob", "cloud-us")],
        [("o1", "vm"), ("o2", "blob")],
        offerings=("o1", "o2"),
    )
    f = one(result, "concentration")
    assert (f.subjects, f.severity) == (("cloud", "cloud-eu", "cloud-us"), Severity.INFO)


def test_a_concentration_names_ten_offerings_and_counts_the_rest() -> None:
    """A group relied on by twelve offerings: the sentence counts twelve, names the first ten
    by id and says how many more (a provider's thousands of offerings made sentences of
    hundreds of kilobytes); with two offerings it names both."""
    offerings = tuple(f"o{n:02d}" for n in range(12))
    result = conc([("vm", "cloud-eu")], [(o, "vm") for o in offerings], offerings=offerings)
    message = one(result, "concentration").message
    assert "under 12 offerings (o00, o01, o02, o03, o04, o05, o06, o07, o08, o09 and 2 more)" in (
        message
    )
    two = conc([("vm", "cloud-eu")], [("o2", "vm"), ("o1", "vm")], offerings=("o2", "o1"))
    assert "under 2 offerings (o1, o2):" in one(two, "concentration").message


def test_group_serving_three_consumers_is_a_concentration() -> None:
    """Three distinct consumers of one group's services, one offering."""
    result = conc(
        [("vm", "cloud-nl"), ("blob", "cloud-nl")],
        [("o", "a"), ("o", "b"), ("a", "vm"), ("b", "blob"), ("o", "vm")],
    )
    assert found(result, "concentration") == [("cloud", "cloud-nl")]


def test_two_consumers_of_one_offering_are_no_concentration() -> None:
    """Two consumers and one offering stay below the thresholds."""
    result = conc([("vm", "cloud-eu")], [("o", "a"), ("a", "vm"), ("o", "vm")])
    assert found(result, "concentration") == []


def test_offerings_count_by_the_walks_that_reach_the_link() -> None:
    """One link reached from the walks of two offerings counts two offerings."""
    result = conc([("vm", "cloud-us")], [("o1", "mid"), ("o2", "mid"), ("mid", "vm")], ("o1", "o2"))
    assert ("cloud", "cloud-us") in found(result, "concentration")


def test_groups_are_formed_by_ultimate_parents() -> None:
    """cloud-nl (parent cloud-eu, parent cloud) belongs to cloud's group."""
    result = conc(
        [("vm", "cloud-nl"), ("blob", "cloud-us")],
        [("o1", "vm"), ("o2", "blob")],
        offerings=("o1", "o2"),
    )
    assert found(result, "concentration") == [("cloud", "cloud-nl", "cloud-us")]


def test_out_of_scope_links_do_not_count_for_concentration() -> None:
    """Only in-scope links of the group count."""
    result = conc(
        [("vm", "cloud-eu"), ("blob", "cloud-us")],
        [("o1", "vm"), ("o2", "blob")],
        offerings=("o1", "o2"),
        out=(("o2", "blob"),),
    )
    assert found(result, "concentration") == []


def test_a_supplier_without_parent_is_its_own_group() -> None:
    """Three consumers of one stand-alone supplier make a concentration of that supplier."""
    result = conc(
        [("dns", "dnsco")], [("o", "a"), ("o", "b"), ("o", "dns"), ("a", "dns"), ("b", "dns")]
    )
    assert [f[0] for f in found(result, "concentration")] == ["dnsco"]


# --- third-country --------------------------------------------------------------------------

EU27 = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]


def tc(
    where: tuple[str, ...], personal: bool = True, **dep_fields: object
) -> list[tuple[str, ...]]:
    """third-country subjects of ``app -> mail``, mail in ``where``."""
    chain = make_chain(
        services=[
            service("app"),
            service("mail", supplier="mailco", locations=where, personal_data=personal),
        ],
        dependencies=[dep("app", "mail", **dep_fields)],
    )
    return found(check(chain, at=AT), "third-country")


@pytest.mark.parametrize("country", [*EU27, "IS", "LI", "NO"])
def test_eea_countries_are_not_third_countries(country: str) -> None:
    """EEA: the 27 EU member states and IS, LI, NO."""
    assert tc((country,)) == []


@pytest.mark.parametrize("country", ["GB", "CH", "US", "IN", "TR"])
def test_countries_outside_the_eea_are_third_countries(country: str) -> None:
    """third-country [from, to, countries outside the EEA]; GB and CH are outside."""
    assert tc(("NL", country)) == [("app", "mail", country)]


def test_third_country_lists_the_countries_sorted() -> None:
    """The countries outside the EEA, sorted, after from and to."""
    assert tc(("US", "DE", "CH", "IN")) == [("app", "mail", "CH", "IN", "US")]


def test_third_country_is_a_warning() -> None:
    """third-country is a warning."""
    chain = make_chain(
        services=[service("app"), service("mail", locations=("US",), personal_data=True)],
        dependencies=[dep("app", "mail")],
    )
    assert one(check(chain, at=AT), "third-country").severity is Severity.WARNING


@pytest.mark.parametrize(
    ("provider_personal", "link_personal", "finding"),
    [(True, None, True), (False, None, False), (True, False, False), (False, True, True)],
)
def test_personal_data_of_the_link_defaults_to_the_providers(
    provider_personal: bool, link_personal: bool | None, finding: bool
) -> None:
    """The link's `personal_data`, else the provider service's."""
    assert bool(tc(("US",), provider_personal, personal_data=link_personal)) is finding


def test_third_country_looks_at_the_links_own_locations() -> None:
    """The link's own locations replace the provider's."""
    assert tc(("US",), locations=("DE",)) == []
    assert tc(("DE",), locations=("DE", "US")) == [("app", "mail", "US")]


def test_third_country_with_empty_link_locations_uses_the_providers() -> None:
    """An empty `locations` list on the link means the provider's."""
    assert tc(("US",), locations=()) == [("app", "mail", "US")]


def test_out_of_scope_links_are_not_third_country() -> None:
    """Only in-scope links count."""
    assert tc(("US",), relevant=False, reason="n/a") == []


# --- order ----------------------------------------------------------------------------------


def test_findings_are_ordered_by_code_then_subjects() -> None:
    """Order: carved-out-missing, undisclosed-subservice, expiring, cycle, concentration,
    third-country; then by subjects."""
    zol = Evidence(
        id="z-zol",
        scheme=Scheme.ZEKER_ONLINE,
        holder="infra-nl",
        covers=("dc1",),
        issued=d("2026-01-01"),
        valid_until=d("2026-12-31"),
    )
    chain = make_chain(
        services=[
            service("o1"),
            service("o2"),
            service("db", supplier="dbco-nl"),
            service("dc1", supplier="infra-nl", locations=("US",), personal_data=True),
            service("dc0", supplier="infra-nl", locations=("GB",), personal_data=True),
            service("ghost", supplier="infra-nl"),
        ],
        dependencies=[
            dep("o1", "db"),
            dep("o2", "dc1"),
            dep("db", "dc1"),
            dep("db", "dc0"),
            dep("dc1", "db"),
        ],
        evidence=[db_report(CARVE, carved_out=("ghost", "dc0"), holder="dbco-nl"), zol],
        suppliers=[supplier("dbco-nl", parent="dbco"), supplier("infra-nl", parent="infra")],
        offerings=["o1", "o2"],
    )
    result = check(chain, at=AT)
    assert found(result) == [
        ("carved-out-missing", "db-soc2", "db", "ghost"),
        ("undisclosed-subservice", "db-soc2", "db", "dc1"),
        ("expiring", "z-zol"),
        ("cycle", "db", "dc1"),
        ("concentration", "dbco", "dbco-nl"),
        ("concentration", "infra", "infra-nl"),
        ("third-country", "db", "dc0", "GB"),
        ("third-country", "db", "dc1", "US"),
        ("third-country", "o2", "dc1", "US"),
    ]


def test_finding_codes_are_the_contract_codes() -> None:
    """FindingCode values, in report order."""
    assert [c.value for c in FindingCode] == [
        "carved-out-missing",
        "undisclosed-subservice",
        "expiring",
        "cycle",
        "concentration",
        "third-country",
    ]


def test_no_subservice_findings_for_a_provider_reached_only_by_an_included_link() -> None:
    """ "P's deciding report" is that of a non-INCLUDED link into P."""
    incl = report(
        "app-soc2",
        covers=["app"],
        subservices=Subservices(method=SubserviceMethod.INCLUSIVE, included=("db",)),
    )
    own = db_report(CARVE, carved_out=("ghost",))
    chain = subchain([incl, own], [dep("db", "dc1")], ("ghost",))
    result = check(chain, at=AT)
    assert result.links[0].verdict.value == "INCLUDED"
    assert found(result, "carved-out-missing") == []
    assert found(result, "undisclosed-subservice") == []


def test_no_subservice_findings_for_a_provider_of_an_out_of_scope_link() -> None:
    """An OUT_OF_SCOPE link has no deciding evidence."""
    chain = make_chain(
        services=[service("app"), service("db", supplier="dbco"), service("ghost")],
        dependencies=[dep("app", "db", relevant=False, reason="n/a")],
        evidence=[db_report(CARVE, carved_out=("ghost",))],
    )
    assert check(chain, at=AT).findings == ()


def test_concentration_counts_an_offering_that_is_a_provider_of_another() -> None:
    """Offerings a and b both reach b -> vm (a through b): two offerings."""
    result = conc([("vm", "cloud-eu")], [("a", "b"), ("b", "vm")], offerings=("a", "b"))
    assert ("cloud", "cloud-eu") in found(result, "concentration")
