"""Calendar arithmetic of the contract: months clamp to the month's last day."""

from __future__ import annotations

import pytest

from graph.dates import (
    add_months,
    clip,
    lasts_at_least,
    more_than_months_after,
    parse_period,
    subtract,
    union,
)
from graph.errors import UsageError
from graph.model import DateRange
from tests.factories import d, period


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2025-08-31", 6, "2026-02-28"),
        ("2023-08-31", 6, "2024-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 15, "2025-05-29"),
        ("2025-01-31", 1, "2025-02-28"),
        ("2025-03-31", 1, "2025-04-30"),
        ("2025-06-30", 12, "2026-06-30"),
        ("2025-11-15", 3, "2026-02-15"),
        ("2025-12-31", 0, "2025-12-31"),
    ],
)
def test_add_months_clamps_to_the_months_last_day(day: str, months: int, expected: str) -> None:
    """D + N months is calendar arithmetic, clamped (2025-08-31 + 6 months = 2026-02-28)."""
    assert add_months(d(day), months) == d(expected)


@pytest.mark.parametrize(
    ("start", "end", "months", "expected"),
    [
        ("2025-07-01", "2025-12-31", 6, True),
        ("2025-07-02", "2025-12-31", 6, False),
        ("2025-08-31", "2026-02-27", 6, True),
        ("2025-08-31", "2026-02-26", 6, False),
        ("2026-01-01", "2026-12-31", 12, True),
        ("2026-01-01", "2026-12-30", 12, False),
        ("2026-01-01", "2026-01-01", 0, True),
    ],
)
def test_lasts_at_least(start: str, end: str, months: int, expected: bool) -> None:
    """A period lasts at least N months when `to + 1 day >= from + N months`."""
    assert lasts_at_least(period(start, end), months) is expected


@pytest.mark.parametrize(
    ("day", "start", "months", "expected"),
    [
        ("2027-06-30", "2026-06-30", 12, False),
        ("2027-07-01", "2026-06-30", 12, True),
        ("2026-02-28", "2025-08-31", 6, False),
        ("2026-03-01", "2025-08-31", 6, True),
    ],
)
def test_more_than_months_after(day: str, start: str, months: int, expected: bool) -> None:
    """X is more than N months after D when `X > D + N months`."""
    assert more_than_months_after(d(day), d(start), months) is expected


def test_union_merges_overlapping_and_adjacent_ranges() -> None:
    """Sets of days: overlapping and adjacent ranges become one, sorted."""
    merged = union(
        [
            period("2026-03-01", "2026-03-31"),
            period("2026-01-01", "2026-01-31"),
            period("2026-02-01", "2026-02-10"),
            period("2026-05-01", "2026-05-02"),
        ]
    )
    assert merged == [
        period("2026-01-01", "2026-02-10"),
        period("2026-03-01", "2026-03-31"),
        period("2026-05-01", "2026-05-02"),
    ]


def test_subtract_leaves_the_days_not_removed() -> None:
    """Removing days inside a range splits it."""
    left = subtract(
        [period("2026-01-01", "2026-12-31")],
        [period("2026-01-01", "2026-01-31"), period("2026-06-01", "2026-06-30")],
    )
    assert left == [period("2026-02-01", "2026-05-31"), period("2026-07-01", "2026-12-31")]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, period("2026-01-01", "2026-12-31")),
        (d("2026-03-01"), None, period("2026-03-01", "2026-12-31")),
        (None, d("2025-12-31"), None),
        (d("2026-12-31"), d("2027-01-05"), period("2026-12-31", "2026-12-31")),
    ],
)
def test_clip_to_the_period_with_open_ends(start, end, expected: DateRange | None) -> None:  # type: ignore[no-untyped-def]
    """An open end reaches the period's edge; no overlap gives None."""
    assert clip(start, end, period("2026-01-01", "2026-12-31")) == expected


def test_parse_period_reads_from_through_to_and_a_single_day() -> None:
    """FROM..TO gives the range of both days; FROM equal to TO is one day."""
    assert parse_period("2026-01-01..2026-12-31") == period("2026-01-01", "2026-12-31")
    assert parse_period("2026-03-01..2026-03-01").days == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026", "'2026' is not FROM..TO, e.g. 2026-01-01..2026-12-31"),
        ("2026-13-01..2026-12-31", "start '2026-13-01' is not a calendar date YYYY-MM-DD"),
        ("2026-01-01..", "end '' is not a calendar date YYYY-MM-DD"),
        ("2026-12-31..2026-01-01", "starts (2026-12-31) after it ends (2026-01-01)"),
    ],
)
def test_parse_period_says_what_is_wrong(text: str, message: str) -> None:
    """No '..', a day that is no calendar date, or an end before the start: a usage error that
    reads after the argument's name."""
    with pytest.raises(UsageError) as caught:
        parse_period(text)
    assert str(caught.value) == message
