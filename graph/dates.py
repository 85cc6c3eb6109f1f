"""Calendar arithmetic of the contract, and sets of days as sorted, disjoint ranges.

"D + N months" clamps to the month's last day; a period lasts at least N months when
``to + 1 day >= from + N months``. Arithmetic that would leave the calendar stops at its edge:
a date N months or days past 9999-12-31 is 9999-12-31 (evidence counting until then never
stops within the calendar), one before 0001-01-01 is 0001-01-01.

>>> add_months(date(2025, 8, 31), 6)
datetime.date(2026, 2, 28)
>>> lasts_at_least(DateRange(date(2025, 7, 1), date(2025, 12, 31)), 6)
True
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

from graph.errors import UsageError
from graph.i18n import N_, gettext
from graph.model import DateRange

ONE_DAY = timedelta(days=1)


def parse_period(text: str) -> DateRange:
    """The audit period ``FROM..TO`` (ISO dates, ``FROM`` on or before ``TO``) of ``text``.

    Raises :class:`UsageError` saying what is wrong; the message reads after the name of the
    argument the caller took ``text`` from (``--period '2026' is not FROM..TO, ...``).

    >>> parse_period("2026-01-01..2026-12-31")
    DateRange(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31))
    >>> parse_period("2026")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: '2026' is not FROM..TO, e.g. 2026-01-01..2026-12-31
    >>> parse_period("2026-12-31..2026-01-01")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: starts (2026-12-31) after it ends (2026-01-01)
    """
    start, sep, end = text.partition("..")
    if not sep:
        raise UsageError(
            gettext("'{text}' is not FROM..TO, e.g. 2026-01-01..2026-12-31").format(text=text)
        )
    period = DateRange(
        _parse_date(start, N_("start '{text}' is not a calendar date YYYY-MM-DD")),
        _parse_date(end, N_("end '{text}' is not a calendar date YYYY-MM-DD")),
    )
    if period.start > period.end:
        raise UsageError(
            gettext("starts ({start}) after it ends ({end})").format(
                start=period.start, end=period.end
            )
        )
    return period


def _parse_date(text: str, message: str) -> date:
    """``text`` as a date, else a usage error of ``message`` (translated here)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(gettext(message).format(text=text)) from None


def add_months(day: date, months: int) -> date:
    """Return ``day`` plus ``months`` calendar months, clamped to the month's last day.

    >>> add_months(date(2024, 2, 29), 12)
    datetime.date(2025, 2, 28)
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def plus_days(day: date, days: int) -> date:
    """Return ``day`` plus ``days`` days, stopping at the calendar's first and last day.

    >>> plus_days(date(9999, 12, 1), 90)
    datetime.date(9999, 12, 31)
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def lasts_at_least(period: DateRange, months: int) -> bool:
    """Whether ``period`` lasts at least ``months`` months (``to + 1 day >= from + N months``).

    >>> lasts_at_least(DateRange(date(2025, 7, 2), date(2025, 12, 31)), 6)
    False
    """
    return period.end >= plus_days(add_months(period.start, months), -1)


def more_than_months_after(day: date, start: date, months: int) -> bool:
    """Whether ``day`` is more than ``months`` months after ``start`` (``day > start + N``).

    >>> more_than_months_after(date(2027, 7, 1), date(2026, 6, 30), 12)
    True
    """
    return day > add_months(start, months)


def union(ranges: Iterable[DateRange]) -> list[DateRange]:
    """Merge ranges into sorted, disjoint ranges; adjacent ranges become one.

    >>> union([DateRange(date(2026, 1, 5), date(2026, 1, 9)),
    ...        DateRange(date(2026, 1, 1), date(2026, 1, 4))])
    [DateRange(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 9))]
    """
    merged: list[DateRange] = []
    for current in sorted(ranges, key=lambda r: (r.start, r.end)):
        if merged and current.start <= plus_days(merged[-1].end, 1):
            if current.end > merged[-1].end:
                merged[-1] = DateRange(merged[-1].start, current.end)
        else:
            merged.append(current)
    return merged


def subtract(ranges: list[DateRange], removed: list[DateRange]) -> list[DateRange]:
    """The days of ``ranges`` not in ``removed`` (both sorted and disjoint, as from `union`).

    >>> january = [DateRange(date(2026, 1, 1), date(2026, 1, 31))]
    >>> subtract(january, [DateRange(date(2026, 1, 10), date(2026, 1, 20))])
    ... # doctest: +NORMALIZE_WHITESPACE
    [DateRange(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 9)),
     DateRange(start=datetime.date(2026, 1, 21), end=datetime.date(2026, 1, 31))]
    """
    result: list[DateRange] = []
    for kept in ranges:
        start, rest = kept.start, True
        for cut in removed:
            if cut.end < start or cut.start > kept.end:
                continue
            if cut.start > start:
                result.append(DateRange(start, cut.start - ONE_DAY))
            if cut.end >= kept.end:  # nothing left, also when cut.end is 9999-12-31
                rest = False
                break
            start = cut.end + ONE_DAY
        if rest and start <= kept.end:
            result.append(DateRange(start, kept.end))
    return result


def clip(start: date | None, end: date | None, within: DateRange) -> DateRange | None:
    """The part of ``start..end`` (open where ``None``) inside ``within``, or ``None``.

    >>> clip(None, date(2026, 3, 31), DateRange(date(2026, 1, 1), date(2026, 12, 31)))
    DateRange(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31))
    """
    lo = within.start if start is None else max(start, within.start)
    hi = within.end if end is None else min(end, within.end)
    return DateRange(lo, hi) if lo <= hi else None
