"""Audit period mode: which days of the period had tested operating effectiveness.

Each piece of evidence whose verdict (without the date-bound checks) is EQUIVALENT or CONDITIONAL
covers a window: a type 2 report its tested period, a label or certificate ``issued..valid_until``.
The bridge letter of such a report bridges its own dates.

>>> from datetime import date
>>> from graph.model import Evidence, Scheme
>>> window(Evidence(id="z", scheme=Scheme.ZEKER_ONLINE, holder="h", covers=("s",),
...                 valid_until=date(2027, 1, 31)))
(None, datetime.date(2027, 1, 31))
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from graph import reasons
from graph.dates import clip, subtract, union
from graph.model import Chain, DateRange, Evidence, SchemeClass, Service
from graph.verdicts import Assessment, Reason, Verdict

_USABLE = (Verdict.EQUIVALENT, Verdict.CONDITIONAL)


def window(e: Evidence) -> tuple[date | None, date | None]:
    """The days a piece of evidence covers when usable: a report's period, else issued..valid_until
    (open where absent)."""
    if e.period is not None and e.scheme.scheme_class is SchemeClass.ASSURANCE_REPORT:
        return e.period.start, e.period.end
    return e.issued, e.valid_until


def covered(a: Assessment, chain: Chain, period: DateRange) -> DateRange | None:
    """The part of the period the assessed evidence covers, ``None`` when it covers no day."""
    if a.verdict not in _USABLE:
        return None
    return clip(*window(chain.evidence[a.evidence]), period)


def days_covered(a: Assessment, chain: Chain, period: DateRange) -> int:
    """How many days of the period the assessed evidence covers."""
    span = covered(a, chain, period)
    return span.days if span else 0


class Outcome(NamedTuple):
    """A link's verdict and what supports it: the fields of a LinkResult after its path."""

    verdict: Verdict
    evidence: str | None
    reasons: tuple[Reason, ...]
    also: Sequence[Assessment] = ()
    uncovered: tuple[DateRange, ...] = ()
    bridged: tuple[DateRange, ...] = ()


def judge_period(
    provider: Service,
    own: list[Assessment],
    *,
    chain: Chain,
    period: DateRange,
) -> Outcome:
    """The verdict of an in-scope, not included link into ``provider`` over ``period``.

    ``own`` holds the assessments of every piece of evidence considered for the provider, made
    without the date-bound checks.
    """
    if not own:
        return Outcome(
            Verdict.NO_EVIDENCE,
            None,
            (reasons.no_evidence(provider, None, period),),
            uncovered=(period,),
        )
    spans = {a.evidence: covered(a, chain, period) for a in own}
    eq = union(s for a in own if a.verdict is Verdict.EQUIVALENT and (s := spans[a.evidence]))
    anything = union(s for s in spans.values() if s)
    letters: list[tuple[Evidence, DateRange]] = []
    for a in own:
        e = chain.evidence[a.evidence]
        if a.verdict in _USABLE and e.bridge_letter is not None:
            span = clip(e.bridge_letter.start, e.bridge_letter.end, period)
            if span:
                letters.append((e, span))
    bridged = subtract(union(span for _, span in letters), anything)
    uncovered = subtract(subtract([period], anything), bridged)

    if not subtract([period], eq):
        verdict = Verdict.EQUIVALENT
    elif not uncovered:
        verdict = Verdict.CONDITIONAL
    else:
        verdict = Verdict.NOT_EQUIVALENT

    found: list[Reason] = []
    for a in sorted(own, key=lambda a: a.evidence):
        span = spans[a.evidence]
        if a.verdict is Verdict.CONDITIONAL and span and subtract([span], eq):
            found.extend(a.reasons)
    if bridged:
        per_letter = [(e, subtract([span], anything)) for e, span in letters]
        found.append(reasons.bridged_days(provider, ((e, days) for e, days in per_letter if days)))
    if verdict is Verdict.NOT_EQUIVALENT:
        found.append(reasons.period_uncovered(provider, uncovered))

    def days(a: Assessment) -> int:
        span = spans[a.evidence]
        return span.days if span else 0

    ranked = sorted(own, key=lambda a: (-days(a), a.evidence))
    deciding = ranked[0].evidence if spans[ranked[0].evidence] else None
    also = ranked[1:] if deciding else ranked
    return Outcome(
        verdict,
        deciding,
        _once_per_code(found),
        tuple(also),
        uncovered=tuple(uncovered),
        bridged=tuple(bridged),
    )


def _once_per_code(found: list[Reason]) -> tuple[Reason, ...]:
    seen: set[str] = set()
    kept = []
    for reason in found:
        if reason.code.value not in seen:
            seen.add(reason.code.value)
            kept.append(reason)
    return tuple(kept)
