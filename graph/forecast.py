"""What turns red next: the days on which each link's status changes if no new evidence arrives.

A link's verdict depends on the evaluation date only through the dates on record: a report
counts until ``max_age_months`` after its period, a bridge letter carries it from its start to
its end but not past the bridge limit, a certificate ends after ``valid_until``, a piece issued
or starting later does not count yet. Between two such days every link keeps its verdict, so
the forecast checks the chain on the first day of the window and on each *turning point* inside
it (each date on record, and that date plus each of the profile's month limits, on the day and
the day after), and reports where a link's status differs from the check before. The verdicts
are the engine's own: a change is exactly what ``check --at`` gives on the day before and on the
day itself (tests/graph/test_forecast.py compares it day by day).

>>> from graph.model import Chain, Dependency, Evidence, Kind, Scheme, Service, Supplier
>>> chain = Chain(
...     offerings=("app",),
...     suppliers={s: Supplier(id=s, name=s.title()) for s in ("me", "dc")},
...     services={"app": Service(id="app", name="App", supplier="me", kind=Kind.SAAS),
...               "dc": Service(id="dc", name="DC", supplier="dc", kind=Kind.IAAS)},
...     dependencies={("app", "dc"): Dependency("app", "dc")},
...     evidence={"tpm": Evidence(id="tpm", scheme=Scheme.TPM, holder="dc", covers=("dc",),
...         type=2, period=DateRange(date(2025, 7, 1), date(2026, 6, 30)),
...         issued=date(2026, 8, 1), issuer="Audit B.V.")},
... )
>>> ahead = forecast(chain, at=date(2026, 11, 27), days=365)
>>> [(c.consumer, c.provider, str(c.on), c.before.status.value, c.after.status.value)
...  for c in ahead.changes]
[('app', 'dc', '2027-07-01', 'ok', 'gap')]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from graph.dates import add_months
from graph.model import Chain, DateRange, Evidence
from graph.profiles import ZEKER_ONLINE, ResolvedProfile
from graph.verdicts import LinkResult, Status

DEFAULT_DAYS = 365
"""How far ahead the forecast looks unless told otherwise."""

MAX_DAYS = 3660
"""The furthest it looks: ten years."""


_WORSE = {Status.OK: 1, Status.CONDITIONAL: 2, Status.GAP: 3}
"""How bad a status is, for :attr:`Forecast.turns_worse` (out of scope is neither)."""


class Change(NamedTuple):
    """A link's status on ``on`` differs from the day before."""

    consumer: str
    provider: str
    on: date
    before: LinkResult
    after: LinkResult


@dataclass(frozen=True, slots=True)
class Forecast:
    """The links as they stand on ``at`` and every change of status up to ``until``."""

    at: date
    until: date
    profile: str
    links: tuple[LinkResult, ...]
    changes: tuple[Change, ...]

    @property
    def turns_worse(self) -> bool:
        """Whether a link turns from ok to conditional or gap, or from conditional to gap."""
        return any(
            _WORSE.get(c.after.status, 0) > _WORSE.get(c.before.status, 0) for c in self.changes
        )

    def next_change(self, consumer: str, provider: str) -> Change | None:
        """The link's first change inside the window, ``None`` when it keeps its status."""
        return next(
            (c for c in self.changes if (c.consumer, c.provider) == (consumer, provider)), None
        )

    def to_json(self) -> dict[str, Any]:
        """The forecast as the API and ``ketenkaart forecast --format json`` write it: the
        links in the check's order, each with its status on ``at`` and its changes."""
        by_link: dict[tuple[str, str], list[Change]] = {}
        for change in self.changes:
            by_link.setdefault((change.consumer, change.provider), []).append(change)
        return {
            "at": self.at.isoformat(),
            "until": self.until.isoformat(),
            "profile": self.profile,
            "links": [
                {
                    "from": link.consumer,
                    "to": link.provider,
                    "status": link.status.value,
                    "verdict": link.verdict.value,
                    "changes": [
                        {
                            "on": c.on.isoformat(),
                            "status": c.after.status.value,
                            "verdict": c.after.verdict.value,
                            "evidence": c.after.evidence,
                            "reasons": [
                                {"code": r.code.value, "message": r.message}
                                for r in c.after.reasons
                            ],
                        }
                        for c in by_link.get((link.consumer, link.provider), [])
                    ],
                }
                for link in self.links
            ],
        }


def forecast(
    chain: Chain,
    *,
    at: date,
    days: int = DEFAULT_DAYS,
    offerings: Sequence[str] | None = None,
    profile: ResolvedProfile = ZEKER_ONLINE,
) -> Forecast:
    """Every change of a link's status from the day after ``at`` to ``days`` days later.

    Parameters
    ----------
    chain
        A valid chain.
    at
        The first day: the statuses the changes start from.
    days
        How many days after ``at`` to look (1 to :data:`MAX_DAYS`).
    offerings, profile
        As :func:`graph.coverage.check` takes them.
    """
    from graph.coverage import check  # noqa: PLC0415 - networkx when a forecast runs, not for --help

    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}, not {days}")
    until = at + timedelta(days=days)
    first = check(chain, offerings=offerings, profile=profile, at=at)
    standing = {(link.consumer, link.provider): link for link in first.links}
    changes: list[Change] = []
    for day in sorted(turning_points(chain, profile, after=at, until=until)):
        result = check(chain, offerings=offerings, profile=profile, at=day)
        for link in result.links:
            key = (link.consumer, link.provider)
            before = standing.get(key)
            if before is not None and before.status is not link.status:
                changes.append(Change(link.consumer, link.provider, day, before, link))
            standing[key] = link
    return Forecast(
        at=at, until=until, profile=profile.id, links=first.links, changes=tuple(changes)
    )


def turning_points(
    chain: Chain, profile: ResolvedProfile, *, after: date, until: date
) -> set[date]:
    """The days in ``(after, until]`` on which a verdict may change: each date on record and
    that date plus each month limit of the profile, on the day and on the day after."""
    months = {
        0,
        profile.max_age_months,
        profile.bridge_max_months,
        profile.max_age_months + profile.bridge_max_months,
    }
    found = set()
    for evidence in chain.evidence.values():
        for day in _dates(evidence):
            for shifted in {add_months(day, m) for m in months}:
                for candidate in (shifted, shifted + timedelta(days=1)):
                    if after < candidate <= until:
                        found.add(candidate)
    return found


def _dates(evidence: Evidence) -> Iterator[date]:
    period: DateRange | None = evidence.period
    if period is not None:
        yield period.start
        yield period.end
    for day in (evidence.as_of, evidence.issued, evidence.valid_until):
        if day is not None:
            yield day
    if evidence.bridge_letter is not None:
        yield evidence.bridge_letter.start
        yield evidence.bridge_letter.end
