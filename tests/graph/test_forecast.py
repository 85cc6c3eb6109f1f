"""The forecast against the engine day by day: every change it names is what `check --at` gives
on the day before and on the day itself, and it misses none."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.coverage import check, prepare
from graph.forecast import forecast
from graph.model import BridgeLetter, Chain, Kind, ReportException, SubserviceMethod, Subservices
from graph.profiles import ZEKER_ONLINE
from importers.chainfile import load_chain
from tests.factories import certificate, d, dep, make_chain, period, report, service
from tests.graph.test_example import EXAMPLES
from tests.graph.test_invariants import DATES, chains

ONE_DAY = timedelta(days=1)
ROOT = Path(__file__).resolve().parents[2]


def day_by_day(chain: Chain, at: date, days: int, **options: object) -> list[tuple[object, ...]]:
    """Each (day, from, to, status before, status after, deciding evidence after, reason codes
    after) found by checking every day."""
    found = []
    before = {(x.consumer, x.provider): x.status for x in check(chain, at=at, **options).links}  # type: ignore[arg-type]
    for offset in range(1, days + 1):
        day = at + offset * ONE_DAY
        for link in check(chain, at=day, **options).links:  # type: ignore[arg-type]
            key = (link.consumer, link.provider)
            if key in before and before[key] is not link.status:
                codes = tuple(r.code.value for r in link.reasons)
                found.append(
                    (day, *key, before[key].value, link.status.value, link.evidence, codes)
                )
            before[key] = link.status
    return found


def changes(chain: Chain, at: date, days: int, **options: object) -> list[tuple[object, ...]]:
    ahead = forecast(chain, at=at, days=days, **options)  # type: ignore[arg-type]
    return [
        (
            c.on,
            c.consumer,
            c.provider,
            c.before.status.value,
            c.after.status.value,
            c.after.evidence,
            tuple(r.code.value for r in c.after.reasons),
        )
        for c in ahead.changes
    ]


@settings(max_examples=40, deadline=None)
@given(chains(), st.sampled_from(DATES))
def test_the_forecast_names_exactly_the_changes_a_daily_check_finds(chain: Chain, at: date) -> None:
    """Random chains with reports, certificates, bridge letters and dates on both sides of
    the window: the forecast's changes are those of a check on each of the 400 days."""
    assert changes(chain, at, 400) == day_by_day(chain, at, 400)


def test_the_profiles_own_limits_move_the_days() -> None:
    """A buyer whose reports count 9 months, with a bridge of 1, sees the demo chain lapse on
    other days than under zeker-online; the forecast follows the profile, day by day."""
    chain = load_chain((ROOT / "examples" / "demo-chain.yaml").read_bytes())
    short = replace(ZEKER_ONLINE, id="short-lived", max_age_months=9, bridge_max_months=1)
    at = date(2026, 11, 27)
    found = changes(chain, at, 730, profile=short)
    assert found == day_by_day(chain, at, 730, profile=short)
    assert found != changes(chain, at, 730, profile=ZEKER_ONLINE)


def test_a_bridge_letter_that_runs_past_the_bridge_limit() -> None:
    """The letter carries the stale report only up to the limit (15 months after the period):
    the link turns to a gap on the day after the limit, long before the letter ends."""
    chain = make_chain(
        services=[service("app", supplier="me"), service("dc", supplier="acme")],
        dependencies=[dep("app", "dc")],
        evidence=[
            report(
                "soc2",
                covers=["dc"],
                period=period("2024-10-01", "2025-09-30"),
                issued=d("2025-11-01"),
                bridge_letter=BridgeLetter(d("2026-10-01"), d("2027-06-30")),
            )
        ],
    )
    found = changes(chain, d("2026-11-27"), 365)
    assert found == [
        (d("2026-12-31"), "app", "dc", "conditional", "gap", "soc2", ("report-stale",))
    ]
    assert found == day_by_day(chain, d("2026-11-27"), 365)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="../shared/examples is not here")
def test_the_worked_example_names_each_links_next_change() -> None:
    """kinderopvang.yaml at 2026-11-27: each link's next change of status, with its date, is
    what check --at gives on the day before and on the day itself."""
    chain = load_chain((EXAMPLES / "kinderopvang.yaml").read_bytes())
    at = date(2026, 11, 27)
    ahead = forecast(chain, at=at)
    assert ahead.changes, "the worked example has links that lapse within the year"
    for link in ahead.links:
        change = ahead.next_change(link.consumer, link.provider)
        if change is None:
            continue
        on_the_eve = check(chain, at=change.on - ONE_DAY).links
        on_the_day = check(chain, at=change.on).links
        key = (link.consumer, link.provider)
        assert {(x.consumer, x.provider): x.status for x in on_the_eve}[key] is link.status
        assert {(x.consumer, x.provider): x.status for x in on_the_day}[key] is (
            change.after.status
        )
    assert changes(chain, at, 365) == day_by_day(chain, at, 365)


def test_a_check_already_made_is_not_made_again_and_changes_nothing() -> None:
    """Given the check of the day (the scoping report has it), and its walk (the judging the
    service keeps has it), the forecast is the same."""
    chain = load_chain((ROOT / "examples" / "demo-chain.yaml").read_bytes())
    at = date(2026, 11, 27)
    checked = check(chain, at=at)
    assert forecast(chain, at=at, checked=checked) == forecast(chain, at=at)
    kept, walked = prepare(chain, at=at).check_walked(["loonwolk-online"])
    assert forecast(chain, at=at, checked=kept, walked=walked) == forecast(
        chain, at=at, offerings=["loonwolk-online"]
    )


def included_chain() -> Chain:
    """App on Host, whose report (stale on 2027-07-01, with an exception all along) includes
    Backup; Backup's own certificate expired on 2027-01-31, while the report still included
    it."""
    return make_chain(
        services=[
            service("app", name="App"),
            service("host", name="Host", supplier="hostco", kind=Kind.IAAS),
            service("backup", name="Backup", supplier="bakco", kind=Kind.MANAGED),
        ],
        dependencies=[dep("app", "host"), dep("host", "backup")],
        evidence=[
            report(
                "host-soc2",
                holder="hostco",
                covers=["host"],
                subservices=Subservices(SubserviceMethod.INCLUSIVE, included=("backup",)),
                exceptions=(ReportException(criterion="CC6.1", description="late reviews"),),
            ),
            certificate("bak-iso", holder="bakco", covers=["backup"], valid_until=d("2027-01-31")),
        ],
    )


def test_a_link_no_longer_included_says_why_its_consumers_report_stopped_including_it() -> None:
    """Host -> Backup is INCLUDED until Host's report goes stale; that day it falls back on
    Backup's certificate, expired months before: the change says first that the report no
    longer counts, in the report's own reasons for Host on that day; other changes say
    nothing of it."""
    chain = included_chain()
    ahead = forecast(chain, at=d("2026-11-27"))
    by_link = {(c.consumer, c.provider): c for c in ahead.changes}
    lapsed = by_link[("host", "backup")]
    assert (lapsed.on, lapsed.before.verdict.value, lapsed.after.verdict.value) == (
        d("2027-07-01"),
        "INCLUDED",
        "EXPIRED",
    )
    # what ended the inclusion, not the exception the report had all along
    assert [r.code.value for r in lapsed.inclusion_lapsed] == ["report-stale"]
    assert "host-soc2 for Host (host)" in lapsed.inclusion_lapsed[0].message
    assert "stale on 2027-07-01" in lapsed.inclusion_lapsed[0].message
    assert by_link[("app", "host")].inclusion_lapsed == ()
    on_the_day = {(x.consumer, x.provider): x for x in check(chain, at=d("2027-07-01")).links}
    assert on_the_day[("host", "backup")] == lapsed.after  # the engine's own verdict
    (written,) = [c for x in ahead.to_json()["links"] for c in x["changes"] if x["to"] == "backup"]
    assert written["inclusion_lapsed"] == [
        {"code": "report-stale", "message": lapsed.inclusion_lapsed[0].message}
    ]
