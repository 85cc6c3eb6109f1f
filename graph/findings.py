"""Findings beside the verdicts: what an auditor should look at even where links are covered.

>>> sorted(EEA)[:3], "NO" in EEA, "GB" in EEA
(['AT', 'BE', 'BG'], True, False)
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from graph import reasons
from graph.dates import plus_days
from graph.evidence import counts_until, stop_date
from graph.i18n import format_date, format_number, gettext, ngettext
from graph.model import Chain, DateRange, Evidence, SchemeClass, SubserviceMethod
from graph.profiles import ResolvedProfile
from graph.scope import ScopedLink
from graph.verdicts import Finding, FindingCode, LinkResult, Severity, Status, Verdict

if TYPE_CHECKING:
    import networkx as nx

EEA = frozenset(
    [
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
        "IS",
        "LI",
        "NO",
    ]
)


def find(
    chain: Chain,
    *,
    scoped: Sequence[ScopedLink],
    links: Sequence[LinkResult],
    starts: Sequence[str],
    profile: ResolvedProfile,
    at: date | None,
    period: DateRange | None,
) -> tuple[Finding, ...]:
    """All six findings of verdicts.md, by code in contract order, then by subjects.

    ``scoped`` and ``links`` are the walk's links and their verdicts, in the same order;
    ``starts`` the offerings the walk began from. In audit period mode (``at`` is ``None``)
    there are no ``expiring`` findings.
    """
    in_scope = [s for s in scoped if s.in_scope]
    expiring = (
        []
        if at is None
        else _expiring(chain, expiring_stops(chain, links, profile, at), profile, at)
    )
    findings = [
        *_subservice_findings(chain, in_scope, links),
        *expiring,
        *_cycles(in_scope),
        *_concentration(chain, in_scope, starts),
        *_third_country(chain, in_scope),
    ]
    order = {code: index for index, code in enumerate(FindingCode)}
    findings.sort(key=lambda f: (order[f.code], f.subjects))
    del period  # the period itself changes nothing here; its links carry their own verdicts
    return tuple(findings)


def _subservice_findings(
    chain: Chain, in_scope: Sequence[ScopedLink], links: Sequence[LinkResult]
) -> list[Finding]:
    """``carved-out-missing`` and ``undisclosed-subservice``, per provider's deciding report."""
    evidence = chain.evidence
    reports = {
        eid for eid, e in evidence.items() if e.scheme.scheme_class is SchemeClass.ASSURANCE_REPORT
    }
    included, out_of_scope = Verdict.INCLUDED, Verdict.OUT_OF_SCOPE
    deciding = {
        (link.evidence, link.provider)
        for link in links
        if link.evidence in reports
        and link.verdict is not included
        and link.verdict is not out_of_scope
    }
    subservices: dict[str, set[str]] = defaultdict(set)
    for s in in_scope:
        subservices[s.dependency.consumer].add(s.dependency.provider)
    found = []
    # Each sentence is looked up once: a large chain has many thousand of these findings.
    carved_out_missing = gettext(
        "{label} {evidence} carves out {other}, but {name} ({provider}) does not depend on "
        "{other} in this chain: a sub-service may be missing."
    )
    silent = gettext(
        "{name} ({provider}) relies on {other}, which {label} {evidence} neither carves out nor "
        "includes: the report is silent on that sub-service."
    )
    for eid, p in sorted(deciding):
        e = chain.evidence[eid]
        name = chain.services[p].name
        label = reasons.scheme_label(e.scheme)
        for other in sorted(set(e.subservices.carved_out)):
            if (p, other) not in chain.dependencies:
                found.append(
                    Finding(
                        FindingCode.CARVED_OUT_MISSING,
                        Severity.WARNING,
                        (eid, p, other),
                        carved_out_missing.format(
                            label=label, evidence=eid, other=other, name=name, provider=p
                        ),
                    )
                )
        disclosed = (
            set()
            if e.subservices.method is SubserviceMethod.NONE
            else {*e.subservices.carved_out, *e.subservices.included}
        )
        for other in sorted(subservices.get(p, set()) - disclosed):
            found.append(
                Finding(
                    FindingCode.UNDISCLOSED_SUBSERVICE,
                    Severity.WARNING,
                    (eid, p, other),
                    silent.format(label=label, evidence=eid, other=other, name=name, provider=p),
                )
            )
    return found


def expiring_stops(
    chain: Chain, links: Iterable[LinkResult], profile: ResolvedProfile, at: date
) -> dict[str, tuple[Evidence, date]]:
    """The evidence the ``expiring`` findings of a check with ``links`` name, by id, in the
    order the links first name it, each with the day it stops counting: the deciding evidence
    of ``ok`` and ``conditional`` links that stops counting within ``profile.expiring_days``
    of ``at``. What a page that lists only these needs, without the other findings."""
    horizon = plus_days(at, profile.expiring_days)  # 9999-12-31 at most
    stops: dict[str, tuple[Evidence, date]] = {}
    seen: set[str] = set()  # a piece deciding many links is looked at once
    for link in links:
        eid = link.evidence
        if eid is None or eid in seen or link.verdict.status not in _STILL_COUNTING:
            continue
        seen.add(eid)
        e = chain.evidence[eid]
        stop = counts_until(e, profile, at)
        if stop is not None and at <= stop <= horizon:
            stops[eid] = (e, stop)
    return stops


def _expiring(
    chain: Chain, stops: dict[str, tuple[Evidence, date]], profile: ResolvedProfile, at: date
) -> list[Finding]:
    return [
        Finding(
            FindingCode.EXPIRING,
            Severity.WARNING,
            (eid,),
            (
                # English says "days" for one too, as it always has
                ngettext(
                    "{label} {evidence} stops counting on {stop}, within {days} days of {at} "
                    "(its bridge letter carries it until then); ask {holder} for its successor "
                    "in time.",
                    "{label} {evidence} stops counting on {stop}, within {days} days of {at} "
                    "(its bridge letter carries it until then); ask {holder} for its successor "
                    "in time.",
                    profile.expiring_days,
                )
                if stop != stop_date(e, profile)
                else ngettext(
                    "{label} {evidence} stops counting on {stop}, within {days} days of {at}; "
                    "ask {holder} for its successor in time.",
                    "{label} {evidence} stops counting on {stop}, within {days} days of {at}; "
                    "ask {holder} for its successor in time.",
                    profile.expiring_days,
                )
            ).format(
                label=reasons.scheme_label(e.scheme),
                evidence=eid,
                stop=format_date(stop),
                days=format_number(profile.expiring_days),
                at=format_date(at),
                holder=chain.suppliers[e.holder].name,
            ),
        )
        for eid, (e, stop) in stops.items()
    ]


# The deciding evidence of these links stops counting some day, and the link then worsens: an
# ``ok`` link turns conditional or a gap, a ``conditional`` one a gap (revision of 2026-12).
_STILL_COUNTING = (Status.OK, Status.CONDITIONAL)  # a tuple: `in` compares by identity first


def _cycles(in_scope: Sequence[ScopedLink]) -> list[Finding]:
    import networkx as nx  # noqa: PLC0415 - with the first graph built (graph.build)

    G: nx.DiGraph[str] = nx.DiGraph(_cyclic_core(s.dependency.key for s in in_scope))
    found = []
    for component in nx.strongly_connected_components(G):
        first = next(iter(component))
        if len(component) > 1 or G.has_edge(first, first):
            services = tuple(sorted(component))
            found.append(
                Finding(
                    FindingCode.CYCLE,
                    Severity.WARNING,
                    services,
                    gettext(
                        "The services {services} depend on each other in a cycle; each one's "
                        "assurance rests in part on the others'."
                    ).format(services=", ".join(services)),
                )
            )
    return found


def _cyclic_core(edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The edges left after peeling off, again and again, every service without a consumer or
    without a provider: no such service lies on a cycle, and most of a chain is peeled off.

    >>> sorted(_cyclic_core([("a", "b"), ("b", "c"), ("c", "b"), ("c", "d"), ("e", "e")]))
    [('b', 'c'), ('c', 'b'), ('e', 'e')]
    """
    succ: dict[str, set[str]] = defaultdict(set)
    pred: dict[str, set[str]] = defaultdict(set)
    for u, v in edges:
        succ[u].add(v)
        pred[v].add(u)
    queue = [n for n in {*succ, *pred} if not succ.get(n) or not pred.get(n)]
    while queue:
        n = queue.pop()
        for v in succ.pop(n, ()):
            pred[v].discard(n)
            if not pred[v]:
                queue.append(v)
        for u in pred.pop(n, ()):
            succ[u].discard(n)
            if not succ[u]:
                queue.append(u)
    return [(u, v) for u, vs in succ.items() for v in vs]


@dataclass
class _Group:
    offerings: int = 0
    consumers: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)


def _concentration(
    chain: Chain, in_scope: Sequence[ScopedLink], starts: Sequence[str]
) -> list[Finding]:
    roots: dict[str, str] = {}

    def root(supplier: str) -> str:
        if supplier not in roots:
            seen = [supplier]
            parent = chain.suppliers[supplier].parent
            while parent is not None and parent not in seen:
                seen.append(parent)
                parent = chain.suppliers[parent].parent
            roots[supplier] = seen[-1]
        return roots[supplier]

    groups: dict[str, _Group] = defaultdict(_Group)
    group_of: dict[str, _Group] = {}  # by provider service
    for s in in_scope:
        provider = s.dependency.provider
        group = group_of.get(provider)
        if group is None:
            supplier = chain.services[provider].supplier
            group = group_of[provider] = groups[root(supplier)]
            group.members.add(supplier)
        group.offerings |= s.offerings
        group.consumers.add(s.dependency.consumer)
    found = []
    for top, group in groups.items():
        if group.offerings.bit_count() >= 2 or len(group.consumers) >= 3:
            offerings = chosen(starts, group.offerings)
            name = chain.suppliers[top].name
            found.append(
                Finding(
                    FindingCode.CONCENTRATION,
                    Severity.INFO,
                    (top, *sorted(group.members - {top})),
                    gettext(
                        "{name} and its group provide in-scope services to {consumers} under "
                        "{offerings} ({named}): a concentration of reliance on one group."
                    ).format(
                        name=name,
                        consumers=ngettext(
                            "{count} consumer", "{count} consumers", len(group.consumers)
                        ).format(count=format_number(len(group.consumers))),
                        offerings=ngettext(
                            "{count} offering", "{count} offerings", len(offerings)
                        ).format(count=format_number(len(offerings))),
                        named=_some(offerings),
                    ),
                )
            )
    return found


NAMED_OFFERINGS = 10
"""A concentration finding names this many offerings at most, the first by id: a group that
a provider's thousands of offerings rely on made sentences of hundreds of kilobytes, one per
group (issue 13), which nobody reads; the count says how many there are."""


def _some(offerings: list[str]) -> str:
    """The first :data:`NAMED_OFFERINGS` of ``offerings`` by id, and how many more.

    >>> _some(["b", "a"]), _some([f"o{n:02d}" for n in range(12)])
    ('a, b', 'o00, o01, o02, o03, o04, o05, o06, o07, o08, o09 and 2 more')
    """
    if len(offerings) <= NAMED_OFFERINGS:
        return ", ".join(sorted(offerings))
    first = heapq.nsmallest(NAMED_OFFERINGS, offerings)
    more = len(offerings) - NAMED_OFFERINGS
    return gettext("{items} and {count} more").format(
        items=", ".join(first), count=format_number(more, grouped=True)
    )


def chosen(items: Sequence[str], mask: int) -> list[str]:
    """The items whose bits are set in ``mask``: its binary digits scanned in C, so that the
    cost follows the mask's width once and the bits set, not the width for every item.

    >>> chosen(["a", "b", "c", "d"], 0b1010)
    ['b', 'd']
    """
    digits = bin(mask)[:1:-1]  # bit i at index i
    out = []
    at = digits.find("1")
    while at != -1:
        out.append(items[at])
        at = digits.find("1", at + 1)
    return out


def _third_country(chain: Chain, in_scope: Sequence[ScopedLink]) -> list[Finding]:
    found = []
    outside_of: dict[tuple[str, ...], list[str]] = {}
    for s in in_scope:
        dep = s.dependency
        provider = chain.services[dep.provider]
        personal = provider.personal_data if dep.personal_data is None else dep.personal_data
        if not personal:
            continue
        locations = dep.locations or provider.locations
        outside = outside_of.get(locations)
        if outside is None:
            outside = outside_of[locations] = sorted({c for c in locations if c not in EEA})
        if outside:
            found.append(
                Finding(
                    FindingCode.THIRD_COUNTRY,
                    Severity.WARNING,
                    (dep.consumer, dep.provider, *outside),
                    gettext(
                        "Personal data of {consumer} may be processed at {name} ({provider}) in "
                        "{countries}, outside the EEA: check the transfer mechanism."
                    ).format(
                        consumer=dep.consumer,
                        name=provider.name,
                        provider=dep.provider,
                        countries=", ".join(outside),
                    ),
                )
            )
    return found
