"""What turns red next: the days on which each link's status changes if no new evidence arrives.

A link's verdict depends on the evaluation date only through the dates on record: a report
counts until ``max_age_months`` after its period, a bridge letter carries it from its start to
its end but not past the bridge limit, a certificate ends after ``valid_until``, a piece issued
later does not exist yet. So a piece of evidence can change only on its own *turning points*
(each of its dates, and that date plus each of the profile's month limits, on the day and the
day after), and a link's verdict only when a piece it reads changes. The forecast checks the
chain once, on the first day, and then judges again only the links that read a piece on the day
it changes. The verdicts are the engine's own: a change is exactly what ``check --at`` gives on
the day before and on the day itself (tests/graph/test_forecast.py compares it day by day).

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

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, NamedTuple

from graph.build import build_graph
from graph.dates import add_months, plus_days
from graph.evidence import assess, worth_of
from graph.model import Chain, DateRange, Evidence, Supplier
from graph.profiles import ZEKER_ONLINE, ResolvedProfile
from graph.scope import ScopedLink, walk
from graph.verdicts import CheckResult, LinkResult, Reason, Status, Verdict, reasons_json

DEFAULT_DAYS = 365
"""How far ahead the forecast looks unless told otherwise."""

MAX_DAYS = 3660
"""The furthest it looks: ten years."""


_WORSE = {Status.OK: 1, Status.CONDITIONAL: 2, Status.GAP: 3}
"""How bad a status is, for :attr:`Forecast.turns_worse` (out of scope is neither)."""


class Change(NamedTuple):
    """A link's status on ``on`` differs from the day before.

    ``inclusion_lapsed``: when the link was INCLUDED the day before and is not on ``on``, why
    the consumer's report that included the provider no longer does, in the report's own
    reasons on that day (its verdict for the consumer: stale, expired, ...). The reasons of
    ``after`` are those of the provider's own evidence, which may have lapsed long before
    without changing the link while the report included it.
    """

    consumer: str
    provider: str
    on: date
    before: LinkResult
    after: LinkResult
    inclusion_lapsed: tuple[Reason, ...] = ()


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
                            "reasons": reasons_json(c.after.reasons),
                            "inclusion_lapsed": reasons_json(c.inclusion_lapsed),
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
    checked: CheckResult | None = None,
    walked: Sequence[ScopedLink] | None = None,
) -> Forecast:
    """Every change of a link's status from the day after ``at`` to ``days`` days later.

    The chain is checked once, on ``at``. After that only what can change is judged again: a
    piece of evidence changes on one of its own turning points, when it starts to exist (its
    ``issued`` day) or what it is worth on its own changes (its verdict or reason codes,
    :func:`graph.evidence.worth_of`); on such a day only the links that read that piece are
    judged again (:func:`graph.coverage.judge_links`), with just the evidence they read. A link
    reads the evidence its provider's supplier holds and the evidence that lists its provider
    or its consumer (the consumer's own reports that include sub-services).

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
    checked
        The check of ``chain`` on ``at`` from ``offerings`` by ``profile``, when the caller has
        made it already (the scoping report): it is not made again.
    walked
        With ``checked``, the walk whose links it judged, in the same order, when the caller
        has it (:meth:`graph.coverage.Judged.check_walked`): it is not walked again.
    """
    # networkx when a forecast runs, not for a command's --help
    from graph.coverage import EvidenceFacts, check_walked, judge_links  # noqa: PLC0415

    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}, not {days}")
    until = plus_days(at, days)  # no later than the calendar's last day
    if checked is None:
        first, scoped = check_walked(chain, offerings=offerings, profile=profile, at=at)
    elif walked is None:  # the links of a check are its walk's, in the same order
        first, scoped = checked, walk(build_graph(chain), offerings=checked.offerings)
    else:
        first, scoped = checked, list(walked)
    standing = list(first.links)
    reads = _Reads(chain, scoped)
    changes: list[Change] = []
    facts = EvidenceFacts(chain.evidence, profile)  # the same pieces on every day
    for day, changed in sorted(_evidence_changes(chain, profile, after=at, until=until).items()):
        places = reads.links_reading(changed)
        if not places:
            continue
        part = replace(chain, evidence=reads.evidence_read_by(places))
        judged = judge_links(
            part, [scoped[i] for i in places], profile=profile, at=day, facts=facts
        )
        for place, link in zip(places, judged, strict=True):
            before = standing[place]
            if before.status is not link.status:
                lapsed = _inclusion_lapsed(chain, before, link, profile, day)
                changes.append(Change(link.consumer, link.provider, day, before, link, lapsed))
            standing[place] = link
    return Forecast(
        at=at,
        until=until,
        profile=profile.id,
        links=first.links,
        changes=tuple(sorted(changes, key=lambda c: (c.on, c.before.rank, c.consumer, c.provider))),
    )


def _inclusion_lapsed(
    chain: Chain, before: LinkResult, after: LinkResult, profile: ResolvedProfile, day: date
) -> tuple[Reason, ...]:
    """Why the consumer's report that made ``before`` INCLUDED no longer includes the provider
    on ``day``: the reasons the report, judged for its own service (the consumer), has on that
    day and had not the day before."""
    if before.verdict is not Verdict.INCLUDED or after.verdict is Verdict.INCLUDED:
        return ()
    report = chain.evidence.get(before.evidence or "")
    if report is None:
        return ()
    consumer = chain.services[before.consumer]
    holder, supplier = chain.suppliers[report.holder], chain.suppliers[consumer.supplier]

    def reasons_on(moment: date) -> tuple[Reason, ...]:
        judged = assess(
            report,
            provider=consumer,
            supplier=supplier,
            holder=holder,
            locations=consumer.locations,
            profile=profile,
            at=moment,
        )
        return tuple(judged.reasons)

    # what ended the inclusion: the reasons the report has on the day and not the day before
    # (an exception it always had did not end it)
    had = {r.code for r in reasons_on(day - timedelta(days=1))}
    now = reasons_on(day)
    return tuple(r for r in now if r.code not in had) or now


class _Reads:
    """Which links read which evidence, for a chain and its walk."""

    def __init__(self, chain: Chain, scoped: Sequence[ScopedLink]) -> None:
        self.chain = chain
        services = chain.services
        self.by_service: dict[str, list[int]] = defaultdict(list)
        self.sides: list[tuple[str, str, str]] = []
        for place, link in enumerate(scoped):
            consumer, provider = link.dependency.consumer, link.dependency.provider
            supplier = services[provider].supplier
            for service in {consumer, provider}:
                self.by_service[service].append(place)
            self.sides.append((supplier, consumer, provider))
        self.held: dict[str, list[str]] = defaultdict(list)
        self.listing: dict[str, list[str]] = defaultdict(list)
        for e in chain.evidence.values():
            self.held[e.holder].append(e.id)
            for service in e.covers:
                self.listing[service].append(e.id)

    def links_reading(self, evidence: set[str]) -> list[int]:
        """The places in the walk of the links whose status a change of ``evidence`` can
        change, in order: the links into or out of a service a piece lists. A piece its
        provider's supplier holds without listing the provider is not equivalent for the link
        whatever the day (check 1), so its coming into being turns no verdict into another
        status (no evidence and not equivalent are both gaps)."""
        found: set[int] = set()
        for eid in evidence:
            for service in self.chain.evidence[eid].covers:
                found.update(self.by_service.get(service, ()))
        return sorted(found)

    def evidence_read_by(self, places: Sequence[int]) -> dict[str, Evidence]:
        """Every piece of evidence the links at ``places`` read, by id."""
        suppliers: set[str] = set()
        services: set[str] = set()
        for place in places:
            supplier, consumer, provider = self.sides[place]
            suppliers.add(supplier)
            services.update((consumer, provider))
        ids = {eid for supplier in suppliers for eid in self.held.get(supplier, ())}
        ids.update(eid for service in services for eid in self.listing.get(service, ()))
        return {eid: self.chain.evidence[eid] for eid in ids}


def _evidence_changes(
    chain: Chain, profile: ResolvedProfile, *, after: date, until: date
) -> dict[date, set[str]]:
    """For each day in ``(after, until]`` on which a piece of evidence starts to exist or its
    worth on its own changes, the ids of those pieces. A piece can change only on one of its
    own turning points (:func:`turning_points`), so only those days are looked at."""
    found: dict[date, set[str]] = defaultdict(set)
    for e in chain.evidence.values():
        holder = chain.suppliers[e.holder]
        days = sorted(_turning_points_of(e, profile, after=after, until=until))
        if not days:
            continue
        seen = _worth_on(e, holder, profile, after)
        for day in days:
            now = _worth_on(e, holder, profile, day)
            if now != seen:
                found[day].add(e.id)
                seen = now
    return found


def _worth_on(
    e: Evidence, holder: Supplier, profile: ResolvedProfile, day: date
) -> tuple[object, ...]:
    """What the piece is on ``day`` as far as a link's verdict can tell."""
    if e.issued is not None and e.issued > day:
        return ("not yet",)
    verdict, why = worth_of(e, holder=holder, profile=profile, at=day)
    return (verdict, tuple(r.code for r in why))


def turning_points(
    chain: Chain, profile: ResolvedProfile, *, after: date, until: date
) -> set[date]:
    """The days in ``(after, until]`` on which some verdict may change: each date on record and
    that date plus each month limit of the profile, on the day and on the day after."""
    return {
        day
        for e in chain.evidence.values()
        for day in _turning_points_of(e, profile, after=after, until=until)
    }


def _turning_points_of(
    e: Evidence, profile: ResolvedProfile, *, after: date, until: date
) -> set[date]:
    months = {
        0,
        profile.max_age_months,
        profile.bridge_max_months,
        profile.max_age_months + profile.bridge_max_months,
    }
    return {
        candidate
        for day in _dates(e)
        for shifted in {add_months(day, m) for m in months}
        for candidate in (shifted, plus_days(shifted, 1))
        if after < candidate <= until
    }


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
