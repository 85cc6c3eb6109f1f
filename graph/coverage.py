"""Link verdicts over the walk: which links of the chain lack equivalent certification.

:func:`check` is the whole analysis of ``ketenkaart check``: the walk, the verdict of every link
(at a date or over an audit period), and the findings beside them.

>>> from datetime import date
>>> from graph.model import Chain, Dependency, Kind, Service, Supplier
>>> chain = Chain(
...     offerings=("app",),
...     suppliers={"acme": Supplier(id="acme", name="Acme B.V.")},
...     services={s: Service(id=s, name=s.title(), supplier="acme", kind=Kind.SAAS)
...               for s in ("app", "db")},
...     dependencies={("app", "db"): Dependency("app", "db")},
... )
>>> result = check(chain, at=date(2026, 11, 27))
>>> result.verdict.value, [(l.provider, l.verdict.value) for l in result.links]
('gap', [('db', 'NO_EVIDENCE')])
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from graph import reasons
from graph.build import build_graph
from graph.errors import UsageError
from graph.evidence import Worth, assess, not_covering, stop_date, worth_of
from graph.findings import chosen, find
from graph.i18n import gettext, ngettext
from graph.model import Chain, DateRange, Evidence, Service, SubserviceMethod
from graph.period import Outcome, days_covered, judge_period
from graph.profiles import ZEKER_ONLINE, ResolvedProfile
from graph.scope import ScopedLink, walk
from graph.verdicts import (
    Assessment,
    CheckResult,
    LinkResult,
    Ranked,
    Status,
    Verdict,
)

if TYPE_CHECKING:
    import networkx as nx  # built when a check first needs a graph (graph.build), not on import

_USABLE = (Verdict.EQUIVALENT, Verdict.CONDITIONAL)


def check(
    chain: Chain,
    *,
    offerings: Sequence[str] | None = None,
    profile: ResolvedProfile = ZEKER_ONLINE,
    at: date | None = None,
    period: DateRange | None = None,
) -> CheckResult:
    """Judge every link reachable from the offerings, at a date or over an audit period.

    Parameters
    ----------
    chain
        A valid chain.
    offerings
        The services to start from; default the chain's ``offerings``.
    profile
        The thresholds to judge by (see :mod:`graph.profiles`).
    at, period
        Exactly one: the evaluation date, or the audit period.

    Returns
    -------
    CheckResult
        The links by (rank, from, to), the findings, and the chain's verdict.
    """
    _moment(at, period)
    starts = _starts(chain, offerings)
    return _check(chain, starts, profile, at, period)[0]


def check_walked(
    chain: Chain,
    *,
    offerings: Sequence[str] | None = None,
    profile: ResolvedProfile = ZEKER_ONLINE,
    at: date,
) -> tuple[CheckResult, list[ScopedLink]]:
    """:func:`check` at ``at``, and the walk whose links it judged, in the same order."""
    return _check(chain, _starts(chain, offerings), profile, at, None)


def check_links(
    chain: Chain,
    *,
    offerings: Sequence[str] | None = None,
    profile: ResolvedProfile = ZEKER_ONLINE,
    at: date,
) -> tuple[LinkResult, ...]:
    """The links of :func:`check` at ``at``, without the findings: what the expiring evidence
    is read from (:func:`graph.findings.expiring_stops`). A comparison of two checks judges
    only the links that can differ (:func:`judge_links`, :func:`unsettled`)."""
    starts = _starts(chain, offerings)
    return _Judge(chain, profile, at, None).judged_walk(build_graph(chain), starts)[0]


def judge_links(
    chain: Chain,
    scoped: Iterable[ScopedLink],
    *,
    profile: ResolvedProfile,
    at: date,
    facts: EvidenceFacts | None = None,
) -> list[LinkResult]:
    """The verdicts of ``scoped`` links on ``at``, as :func:`check` gives them, without the walk
    and the findings. A link reads only the evidence held by its provider's supplier, the
    evidence that lists its provider, and its consumer's own reports that include
    sub-services: ``chain`` may hold just those pieces. ``facts``, made for ``profile`` from
    evidence that includes every piece of ``chain`` (the same objects), saves making them
    again for each day asked."""
    judge = _Judge(chain, profile, at, None, facts)
    return [judge.link(s) for s in scoped]


def unsettled(
    old: Chain, new: Chain, *, profile: ResolvedProfile, old_at: date, new_at: date
) -> set[str]:
    """The services whose links may be judged differently in ``new`` on ``new_at`` than in
    ``old`` on ``old_at``, both by ``profile``: a link between two other services, by the same
    dependency on both sides, has the same verdict on both (what :func:`graph.diff.diff` need
    not judge).

    A link reads what :func:`judge_links` says; of a supplier, only its id, which the services
    and pieces name (its name is in the reasons, not in the verdict). So a service is unsettled
    when it differs between the chains, and when a piece of evidence it could read does: a
    piece that differs, and, on two dates, one that exists on only one of them (``issued``) or
    is worth another verdict on each (a report gone stale, a certificate expired). Such a piece
    unsettles the services it lists and those its holder supplies (a provider reads every piece
    its supplier holds), on either side.
    """
    services = _differing(old.services, new.services)
    pieces = _differing(old.evidence, new.evidence)
    if old_at != new_at:
        for eid in old.evidence.keys() & new.evidence.keys() - pieces:
            e = old.evidence[eid]  # the same on both sides
            if _exists(e, old_at) != _exists(e, new_at):
                pieces.add(eid)
            elif _exists(e, old_at):
                holder = old.suppliers[e.holder]  # its name is in the reasons only
                was = worth_of(e, holder=holder, profile=profile, at=old_at)[0]
                if worth_of(e, holder=holder, profile=profile, at=new_at)[0] is not was:
                    pieces.add(eid)
    for chain in (old, new):
        holders: set[str] = set()
        for eid in pieces:
            piece = chain.evidence.get(eid)
            if piece is not None:
                services.update(piece.covers)
                holders.add(piece.holder)
        services.update(s.id for s in chain.services.values() if s.supplier in holders)
    return services


def _differing(old: Mapping[str, object], new: Mapping[str, object]) -> set[str]:
    """The ids one side has and the other does not, or whose values differ."""
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def _exists(e: Evidence, at: date) -> bool:
    """Whether the piece is issued by ``at`` (one issued later is no evidence yet)."""
    return e.issued is None or e.issued <= at


def _moment(at: date | None, period: DateRange | None) -> None:
    """Refuse a question that asks at a date and over a period, or neither, or a period that
    ends before it starts."""
    if (at is None) == (period is None):
        raise UsageError(
            gettext("give either an evaluation date or an audit period, not both or neither")
        )
    if period is not None and period.start > period.end:
        raise UsageError(
            gettext("the audit period starts ({start}) after it ends ({end})").format(
                start=period.start, end=period.end
            )
        )


def _starts(chain: Chain, offerings: Sequence[str] | None) -> tuple[str, ...]:
    """The offerings to start from, once each, in order; refused when unknown or none."""
    starts = tuple(dict.fromkeys(chain.offerings if offerings is None else offerings))
    unknown = [o for o in starts if o not in chain.services]
    if unknown or not starts:
        raise UsageError(
            ngettext(
                # English says "offering" for several too, as it always has
                "unknown offering {offerings}: no such service in the chain",
                "unknown offering {offerings}: no such service in the chain",
                len(unknown),
            ).format(offerings=", ".join(repr(o) for o in unknown))
            if unknown
            else gettext("no offering to start from")
        )
    return starts


def _check(
    chain: Chain,
    starts: tuple[str, ...],
    profile: ResolvedProfile,
    at: date | None,
    period: DateRange | None,
) -> tuple[CheckResult, list[ScopedLink]]:
    return _Judge(chain, profile, at, period).check(build_graph(chain), starts)


def prepare(
    chain: Chain,
    *,
    profile: ResolvedProfile = ZEKER_ONLINE,
    at: date | None = None,
    period: DateRange | None = None,
) -> Judged:
    """The chain made ready to be checked from any of its offerings, many times.

    A link's verdict does not depend on the offering it is reached from; a :class:`Judged`
    keeps the chain's graph and every link verdict it has made, so each :meth:`Judged.check`
    pays only for its walk, the links no earlier question reached, and its findings.

    Parameters
    ----------
    chain
        A valid chain.
    profile
        The thresholds to judge by (see :mod:`graph.profiles`).
    at, period
        Exactly one: the evaluation date, or the audit period.

    Examples
    --------
    >>> from datetime import date
    >>> from graph.model import Chain, Dependency, Kind, Service, Supplier
    >>> chain = Chain(
    ...     offerings=("app", "api"),
    ...     suppliers={"acme": Supplier(id="acme", name="Acme B.V.")},
    ...     services={s: Service(id=s, name=s.title(), supplier="acme", kind=Kind.SAAS)
    ...               for s in ("app", "api", "db")},
    ...     dependencies={(c, "db"): Dependency(c, "db") for c in ("app", "api")},
    ... )
    >>> judged = prepare(chain, at=date(2026, 11, 27))
    >>> judged.check(["api"]) == check(chain, offerings=["api"], at=date(2026, 11, 27))
    True
    >>> [(l.consumer, l.verdict.value) for l in judged.check().links]
    [('api', 'NO_EVIDENCE'), ('app', 'NO_EVIDENCE')]
    """
    _moment(at, period)
    return Judged(chain, _Judge(chain, profile, at, period))


class Judged:
    """A chain with its graph and its link verdicts, judged once for many questions
    (:func:`prepare`). Safe to ask from several threads: one question at a time."""

    def __init__(self, chain: Chain, judge: _Judge) -> None:
        self.chain = chain
        self.profile = judge.profile
        self.at = judge.at
        self.period = judge.period
        self._judge = judge
        self._graph = build_graph(chain)
        self._lock = threading.Lock()

    def check(self, offerings: Sequence[str] | None = None) -> CheckResult:
        """What ``check(chain, offerings=offerings, ...)`` gives, with the judging shared."""
        return self.check_walked(offerings)[0]

    def check_walked(
        self, offerings: Sequence[str] | None = None
    ) -> tuple[CheckResult, list[ScopedLink]]:
        """:meth:`check`, and the walk whose links it judged, in the same order."""
        starts = _starts(self.chain, offerings)
        with self._lock:
            return self._judge.check(self._graph, starts)

    def each(self) -> tuple[tuple[LinkResult, ...], dict[str, OfferingVerdict]]:
        """The links of a check of every offering, and each offering's verdict and counts, as
        ``check_each(chain, ...)`` gives them (over a period too), with the judging shared and
        without the findings: the overview shows none of them but the ``expiring`` ones
        (:func:`graph.findings.expiring_stops`), and a whole register's findings cost about a
        fifth of its check."""
        starts = tuple(dict.fromkeys(self.chain.offerings))
        with self._lock:
            links, scoped = self._judge.judged_walk(self._graph, starts)
        return links, _each(starts, links, scoped)


class OfferingVerdict(NamedTuple):
    """An offering's verdict and its links by status, as :func:`check` of it alone gives."""

    verdict: Status
    summary: Mapping[str, int]


def check_each(
    chain: Chain, *, profile: ResolvedProfile = ZEKER_ONLINE, at: date
) -> tuple[CheckResult, dict[str, OfferingVerdict]]:
    """One check of every offering of the chain, and each offering's verdict and summary.

    A link's verdict does not depend on the offering it is reached from, and the walk marks
    each link with the offerings whose own walk reaches it; so each offering's verdict and
    counts are those of ``check(chain, offerings=[it], ...)``, from one walk and one judging
    instead of one per offering (issue 13; the overview asks :meth:`Judged.each`, the same
    without the findings). The links are counted per
    distinct mask of offerings, and each mask's offerings read once: the cost follows the
    links plus, per mask, the offerings in it, not links times offerings.
    """
    starts = tuple(dict.fromkeys(chain.offerings))
    result, scoped = _check(chain, starts, profile, at, None)
    return result, _each(starts, result.links, scoped)


def _each(
    starts: tuple[str, ...], links: Sequence[LinkResult], scoped: list[ScopedLink]
) -> dict[str, OfferingVerdict]:
    """Each offering's verdict and summary, from the walk of them all and its links."""
    by_mask: dict[int, Counter[Status]] = defaultdict(Counter)
    for link, reached in zip(links, scoped, strict=True):
        by_mask[reached.offerings][link.status] += 1
    counts: dict[str, Counter[Status]] = {o: Counter() for o in starts}
    for mask, statuses in by_mask.items():
        for offering in chosen(starts, mask):
            counts[offering].update(statuses)
    each = {}
    for offering, found in counts.items():
        verdict = next((s for s in (Status.GAP, Status.CONDITIONAL) if found[s]), Status.OK)
        summary = {"links": found.total(), **{s.value: found[s] for s in Status}}
        each[offering] = OfferingVerdict(verdict, summary)
    return each


class EvidenceFacts:
    """What judging reads of each piece of evidence whatever the day, made once for a chain
    and a profile and shared by the judgings of many days (:func:`graph.forecast.forecast`):
    the order in which pieces keep counting longest, what each covers, and the two halves of
    its "does not list" sentence. Plain dicts: they are read millions of times."""

    __slots__ = ("covers", "halves", "later_first", "profile")

    def __init__(self, evidence: Mapping[str, Evidence], profile: ResolvedProfile) -> None:
        self.profile = profile
        # Sorts the evidence that keeps counting longest first; none (no end) before any date.
        self.later_first = {
            e.id: -(stop.toordinal() if stop else date.max.toordinal() + 1)
            for e in evidence.values()
            for stop in (stop_date(e, profile),)
        }
        self.covers = {e.id: frozenset(e.covers) for e in evidence.values()}
        self.halves = {e.id: reasons.scope_service_parts(e) for e in evidence.values()}


class _Judge:
    """Link verdicts with the evidence per provider and each assessment computed once."""

    def __init__(
        self,
        chain: Chain,
        profile: ResolvedProfile,
        at: date | None,
        period: DateRange | None,
        facts: EvidenceFacts | None = None,
    ) -> None:
        self.chain = chain
        self.profile = profile
        self.at = at
        self.period = period
        self.by_holder: dict[str, list[Evidence]] = defaultdict(list)
        self.by_service: dict[str, list[Evidence]] = defaultdict(list)
        for eid in sorted(chain.evidence):
            e = chain.evidence[eid]
            if at is not None and e.issued is not None and e.issued > at:
                continue  # later evidence does not exist yet on the date
            self.by_holder[e.holder].append(e)
            for sid in e.covers:
                self.by_service[sid].append(e)
        self._inclusive: dict[str, list[tuple[Assessment, Evidence]]] = {}
        self._outcomes: dict[tuple[str, tuple[str, ...]], Outcome] = {}
        if facts is None or facts.profile is not profile:
            facts = EvidenceFacts(chain.evidence, profile)
        self._later_first = facts.later_first
        self._covers = facts.covers
        # Each supplier's pieces, by id, in the order the best-of-several rule puts equal
        # verdicts.
        self._held_ranked = {
            holder: [e.id for e in sorted(held, key=lambda e: (self._later_first[e.id], e.id))]
            for holder, held in self.by_holder.items()
        }
        # Where each piece is in its supplier's list.
        self._held_at = {
            eid: at for ids in self._held_ranked.values() for at, eid in enumerate(ids)
        }
        self._also_included: dict[tuple[str, tuple[str, ...], str], Sequence[Assessment]] = {}
        self._worth: dict[str, Worth] = {}
        self._scope_halves = facts.halves

    def check(
        self, G: nx.DiGraph[str], starts: tuple[str, ...]
    ) -> tuple[CheckResult, list[ScopedLink]]:
        """The check from ``starts`` over ``G`` (the chain's graph), and the walk."""
        chain, profile, at, period = self.chain, self.profile, self.at, self.period
        links, scoped = self.judged_walk(G, starts)
        findings = find(
            chain, scoped=scoped, links=links, starts=starts, profile=profile, at=at, period=period
        )
        return CheckResult(starts, profile.id, at, period, links, findings), scoped

    def judged_walk(
        self, G: nx.DiGraph[str], starts: tuple[str, ...]
    ) -> tuple[tuple[LinkResult, ...], list[ScopedLink]]:
        """The links of the walk from ``starts`` over ``G``, judged, and the walk."""
        scoped = walk(G, offerings=starts)
        return tuple(self.link(s) for s in scoped), scoped

    def considered(self, p: Service) -> list[Evidence]:
        """Evidence held by the provider's supplier or listing the provider, by id."""
        held = self.by_holder.get(p.supplier, [])
        others = [e for e in self.by_service.get(p.id, ()) if e.holder != p.supplier]
        return sorted([*held, *others], key=lambda e: e.id) if others else held

    def assess(self, e: Evidence, p: Service, locations: tuple[str, ...]) -> Assessment:
        """Judge ``e`` for a link into ``p``; what it is worth on its own is judged once."""
        if p.id not in self._covers[e.id]:  # check 1, the most frequent for a large supplier
            return not_covering(e, p)
        suppliers = self.chain.suppliers
        holder = suppliers[e.holder]
        worth = self._worth.get(e.id)
        if worth is None:
            worth = self._worth[e.id] = worth_of(e, holder=holder, profile=self.profile, at=self.at)
        return assess(
            e,
            provider=p,
            supplier=suppliers[p.supplier],
            holder=holder,
            locations=locations,
            profile=self.profile,
            at=self.at,
            worth=worth,
        )

    def best_first(self, assessments: Iterable[Assessment]) -> list[Assessment]:
        """Best verdict first, then the one that counts longest, then the smallest id."""
        return sorted(assessments, key=self._rank)

    def _rank(self, a: Assessment) -> tuple[int, int, str]:
        return (a.verdict.order, self._later_first[a.evidence], a.evidence)

    def ranked(self, p: Service, locations: tuple[str, ...]) -> Sequence[Assessment]:
        """Every piece considered for a link into ``p``, assessed, best first.

        Same as ``best_first(own(p, locations))``, but the pieces of the provider's supplier
        that do not list the provider (check 1: NOT_EQUIVALENT, the bulk of a large supplier's
        evidence) are not assessed one by one: a :class:`Ranked` sequence makes them when read.
        """
        pid, supplier = p.id, p.supplier
        listing = sorted(
            (self.assess(e, p, locations) for e in self.by_service.get(pid, ())), key=self._rank
        )
        held = self._held_ranked.get(supplier, ())
        listed = [self._held_at[e.id] for e in self.by_service.get(pid, ()) if e.holder == supplier]
        if len(listed) == len(held):
            return listing
        return Ranked(
            listing,
            held,
            name=reasons.service_name(p),
            listed=listed,
            halves=self._scope_halves,
            order=self._later_first,
        )

    def inclusive_reports(self, c: Service) -> list[tuple[Assessment, Evidence]]:
        """C's own usable reports that include sub-services, best first."""
        found = self._inclusive.get(c.id)
        if found is None:
            candidates = {
                e.id: e
                for e in self.by_service.get(c.id, ())
                if e.holder == c.supplier
                and e.subservices.method is not SubserviceMethod.NONE
                and e.subservices.included
            }
            usable = [
                a
                for a in (self.assess(e, c, c.locations) for e in candidates.values())
                if a.verdict in _USABLE
            ]
            found = self._inclusive[c.id] = [
                (a, candidates[a.evidence]) for a in self.best_first(usable)
            ]
        return found

    def own(self, p: Service, locations: tuple[str, ...]) -> list[Assessment]:
        """The provider's evidence, assessed for a link keeping data in ``locations``."""
        return [self.assess(e, p, locations) for e in self.considered(p)]

    def outcome(self, p: Service, locations: tuple[str, ...]) -> Outcome:
        """The verdict of a link into ``p`` that no report of its consumer includes.

        It depends on the provider and the link's locations only, so every consumer of a
        shared provider gets the same answer, computed once.
        """
        key = (p.id, locations)
        found = self._outcomes.get(key)
        if found is None:
            if self.period is not None:
                own = self.own(p, locations)
                found = judge_period(p, own, chain=self.chain, period=self.period)
            else:
                ranked = self.ranked(p, locations)
                if not ranked:
                    found = Outcome(
                        Verdict.NO_EVIDENCE, None, (reasons.no_evidence(p, self.at, None),)
                    )
                else:
                    best = ranked[0]
                    also = (
                        ranked.without_first() if isinstance(ranked, Ranked) else tuple(ranked[1:])
                    )
                    found = Outcome(best.verdict, best.evidence, best.reasons, also)
            self._outcomes[key] = found
        return found

    def also_included(
        self, p: Service, locations: tuple[str, ...], report: Evidence
    ) -> Sequence[Assessment]:
        """An INCLUDED link's ``also``: the provider's evidence considered but the consumer's
        report that includes it, by the best-of-several rule (over a period: most days first).

        It depends on the provider, the link's locations and the report only, so it is made
        once for them; at a date it is :meth:`ranked` without the report, so a large supplier's
        pieces are not assessed one by one here either.
        """
        key = (p.id, locations, report.id)
        found = self._also_included.get(key)
        if found is not None:
            return found
        if self.period is not None:
            others = [a for a in self.own(p, locations) if a.evidence != report.id]
            found = tuple(_by_days(self.best_first(others), self.chain, self.period))
        else:
            ranked = self.ranked(p, locations)
            if isinstance(ranked, Ranked):
                unlisted = (
                    report.holder == p.supplier
                    and p.id not in self._covers[report.id]
                    and report.id in self._held_at
                )
                found = ranked.without(report.id, unlisted=unlisted)
            else:
                found = tuple(a for a in ranked if a.evidence != report.id)
        self._also_included[key] = found
        return found

    def link(self, scoped: ScopedLink) -> LinkResult:
        dep = scoped.dependency
        services = self.chain.services
        c, p = services[dep.consumer], services[dep.provider]
        base = (dep.consumer, dep.provider, scoped.rank, scoped.path)
        if not dep.relevant:
            return LinkResult(
                *base, Verdict.OUT_OF_SCOPE, None, (reasons.out_of_scope(dep.reason),)
            )
        locations = dep.locations or p.locations
        inclusive = self._inclusive.get(c.id)  # the caches read here first: once per link
        for report, e in self.inclusive_reports(c) if inclusive is None else inclusive:
            if p.id in e.subservices.included:
                return LinkResult(
                    *base,
                    Verdict.INCLUDED,
                    report.evidence,
                    (reasons.included(e, c, p),),
                    self.also_included(p, locations, e),
                )
        o = self._outcomes.get((p.id, locations)) or self.outcome(p, locations)
        return LinkResult(*base, o.verdict, o.evidence, o.reasons, o.also, o.uncovered, o.bridged)


def _by_days(assessments: list[Assessment], chain: Chain, period: DateRange) -> list[Assessment]:
    return sorted(assessments, key=lambda a: (-days_covered(a, chain, period), a.evidence))
