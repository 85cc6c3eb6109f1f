"""Dates at the calendar's edges (issue 11, point 3): nothing overflows.

The chain format takes any date from 0001-01-01 to 9999-12-31. A date whose "+ N months" or
"+ N days" would pass 9999-12-31 stays at 9999-12-31: evidence that counts until then never
stops counting within the calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from graph.coverage import check
from graph.dates import add_months, lasts_at_least, plus_days, subtract, union
from graph.model import BridgeLetter, DateRange, Scheme
from graph.profiles import ZEKER_ONLINE
from tests.factories import certificate, dep, make_chain, report, service

SETTINGS = settings(max_examples=60, deadline=None)
EDGE = date(9999, 12, 31)

# Mostly the last and first years of the calendar, where the arithmetic overflowed.
far_dates = st.one_of(
    st.dates(min_value=date(9998, 1, 1), max_value=EDGE),
    st.dates(min_value=date(1, 1, 1), max_value=date(2, 12, 31)),
    st.dates(),
)


def test_months_past_the_calendar_stay_at_its_last_day() -> None:
    """9999-12-31 + 12 months is 9999-12-31, not an OverflowError."""
    assert add_months(EDGE, 12) == EDGE
    assert add_months(date(9999, 7, 1), 6) == EDGE
    assert add_months(date(9999, 6, 30), 6) == date(9999, 12, 30)
    assert add_months(date(1, 1, 31), -1) == date.min


def test_days_past_the_calendar_stay_at_its_last_day() -> None:
    """plus_days clamps at both ends of the calendar."""
    assert plus_days(EDGE, 90) == EDGE
    assert plus_days(date(9999, 12, 1), 30) == EDGE
    assert plus_days(date.min, -1) == date.min
    assert plus_days(date(2026, 1, 1), 31) == date(2026, 2, 1)


@SETTINGS
@given(start=far_dates, end=far_dates, months=st.integers(0, 120))
def test_period_arithmetic_never_overflows(start: date, end: date, months: int) -> None:
    """lasts_at_least, union and subtract take any range of the calendar."""
    start, end = min(start, end), max(start, end)
    whole = DateRange(start, end)
    lasts_at_least(whole, months)
    assert union([whole, DateRange(end, end)]) == [whole]
    assert subtract([whole], [whole]) == []
    assert subtract([whole], [DateRange(start, start)]) == (
        [] if start == end else [DateRange(start + timedelta(days=1), end)]
    )


@SETTINGS
@given(
    at=far_dates,
    period_end=far_dates,
    valid_until=far_dates,
    letter_end=far_dates,
    use_period=st.booleans(),
)
@example(at=EDGE, period_end=EDGE, valid_until=EDGE, letter_end=EDGE, use_period=False)
@example(at=EDGE, period_end=date(9999, 6, 30), valid_until=EDGE, letter_end=EDGE, use_period=True)
@example(
    at=date(9999, 12, 1),
    period_end=date(9998, 12, 31),
    valid_until=EDGE,
    letter_end=EDGE,
    use_period=False,
)
def test_a_check_at_any_date_of_the_calendar_gives_a_verdict(
    at: date, period_end: date, valid_until: date, letter_end: date, use_period: bool
) -> None:
    """Evidence and evaluation dates up to 9999-12-31 give verdicts and findings, never an
    overflow: at a date, over a period, with reports, certificates and bridge letters."""
    start = plus_days(period_end, -400)
    letter = BridgeLetter(min(period_end, letter_end), max(period_end, letter_end))
    chain = make_chain(
        services=[service("app"), service("vm", supplier="host"), service("db", supplier="host")],
        dependencies=[dep("app", "vm"), dep("app", "db")],
        evidence=[
            report(
                "r",
                holder="host",
                covers=("vm",),
                period=DateRange(start, period_end),
                issued=None,
                bridge_letter=letter,
            ),
            certificate(
                "c",
                holder="host",
                covers=("db",),
                issued=None,
                valid_until=valid_until,
                scheme=Scheme.ISO27001,
            ),
        ],
    )
    moment = (
        {"period": DateRange(min(at, valid_until), max(at, valid_until))}
        if use_period
        else {"at": at}
    )
    result = check(chain, profile=ZEKER_ONLINE, **moment)
    assert len(result.links) == 2
    assert b"".join(result.iter_json())
