"""One piece of evidence against one link: the checks table of verdicts.md.

Checks 1-18 run in order and the first that fires decides; checks 19-24 are all applied and the
worst of them decides; then the two caps. With ``at=None`` (audit period mode) the date-bound
checks 7, 8, 11, 13, 19 and 20 do not apply.

>>> from datetime import date
>>> from graph.model import Evidence, Scheme, Service, Kind, Supplier, DateRange
>>> from graph.profiles import ZEKER_ONLINE
>>> p = Service(id="mail", name="Mail", supplier="acme", kind=Kind.SAAS, locations=("NL",))
>>> acme = Supplier(id="acme", name="Acme B.V.")
>>> report = Evidence(id="r", scheme=Scheme.SOC2, holder="acme", covers=("mail",), type=2,
...                   period=DateRange(date(2025, 7, 1), date(2026, 6, 30)))
>>> a = assess(report, provider=p, supplier=acme, holder=acme, locations=p.locations,
...            profile=ZEKER_ONLINE, at=date(2026, 11, 27))
>>> a.verdict.value, a.reasons
('EQUIVALENT', ())
"""

from __future__ import annotations

from datetime import date, timedelta

from graph import reasons
from graph.dates import add_months, lasts_at_least, more_than_months_after
from graph.model import (
    Assurance,
    BridgeLetter,
    DateRange,
    Evidence,
    IssuerQualification,
    Opinion,
    Scheme,
    SchemeClass,
    Service,
    Supplier,
    Verification,
)
from graph.profiles import ResolvedProfile
from graph.verdicts import Assessment, Reason, Verdict

_SELF = {Scheme.SELF_DECLARATION, Scheme.CSA_STAR_SELF}
_FINANCIAL = {Scheme.ISAE3402, Scheme.SOC1}
_ISO27001_2013_WITHDRAWN = date(2025, 10, 31)


Worth = tuple[Verdict, tuple[Reason, ...]]
"""What a piece of evidence is worth on its own: checks 3-25 and the ``claimed`` cap."""


def assess(
    evidence: Evidence,
    *,
    provider: Service,
    supplier: Supplier,
    holder: Supplier,
    locations: tuple[str, ...],
    profile: ResolvedProfile,
    at: date | None,
    worth: Worth | None = None,
) -> Assessment:
    """Judge ``evidence`` for a link into ``provider`` whose data live in ``locations``.

    Parameters
    ----------
    evidence
        The piece of evidence.
    provider, supplier
        The link's provider service and the supplier that delivers it.
    holder
        The supplier the evidence is issued to.
    locations
        The link's locations: its own, else the provider's.
    profile
        The thresholds and scheme classes to judge by.
    at
        The evaluation date; ``None`` in audit period mode.
    worth
        ``worth_of(evidence, ...)`` when the caller already has it (it does not depend on the
        link, so a piece covering many services is judged once).

    Returns
    -------
    Assessment
        The verdict with every reason that fired, checks first, caps last.
    """
    # 1-2: the link's scope
    if provider.id not in evidence.covers:
        return not_covering(evidence, provider)
    if evidence.locations:
        outside = [loc for loc in locations if loc not in evidence.locations]
        if outside:
            return Assessment(
                evidence.id,
                Verdict.NOT_EQUIVALENT,
                (reasons.scope_location(evidence, provider, outside),),
            )
    verdict, judged = worth or worth_of(evidence, holder=holder, profile=profile, at=at)
    found = reasons.for_provider(judged, provider)
    if evidence.holder != provider.supplier and verdict.better_than(Verdict.CONDITIONAL):
        verdict = Verdict.CONDITIONAL
        found = (*found, reasons.other_entity(evidence, holder, supplier, provider))
    return Assessment(evidence.id, verdict, found)


def not_covering(evidence: Evidence, provider: Service) -> Assessment:
    """Check 1: the evidence does not list the provider in ``covers``. No cap can lower it."""
    return Assessment(
        evidence.id, Verdict.NOT_EQUIVALENT, (reasons.scope_service(evidence, provider),)
    )


def worth_of(
    evidence: Evidence, *, holder: Supplier, profile: ResolvedProfile, at: date | None
) -> Worth:
    """Checks 3-25 and the ``claimed`` cap: everything that does not depend on the link.

    Its sentences name the provider as ``reasons.PROVIDER``; :func:`assess` names it.

    >>> from graph.model import Supplier, Verification
    >>> from graph.profiles import ZEKER_ONLINE
    >>> e = Evidence(id="z", scheme=Scheme.ZEKER_ONLINE, holder="h", covers=("s",),
    ...              valid_until=date(2027, 1, 31), verification=Verification.CLAIMED)
    >>> verdict, why = worth_of(e, holder=Supplier(id="h", name="H"), profile=ZEKER_ONLINE,
    ...                         at=date(2026, 11, 27))
    >>> verdict.value, [r.code.value for r in why]
    ('INSUFFICIENT_DATA', ['not-sighted'])
    """
    verdict, found = _checks(evidence, holder, profile, at)
    if evidence.verification is Verification.CLAIMED and verdict.better_than(
        Verdict.INSUFFICIENT_DATA
    ):
        return Verdict.INSUFFICIENT_DATA, (*found, reasons.not_sighted(evidence))
    return verdict, found


def _checks(
    e: Evidence, holder: Supplier, profile: ResolvedProfile, at: date | None
) -> tuple[Verdict, tuple[Reason, ...]]:
    # 3-6: schemes that never suffice
    scheme, kind = e.scheme, e.scheme.scheme_class
    if scheme in _SELF:
        return Verdict.NOT_EQUIVALENT, (reasons.self_declared(e, holder),)
    if scheme is Scheme.BRIDGE_LETTER:
        return Verdict.NOT_EQUIVALENT, (reasons.bridge_only(e),)
    if scheme is Scheme.PCI_DSS:
        return Verdict.NOT_EQUIVALENT, (reasons.domain_limited(e, holder),)
    if scheme is Scheme.SOC3:
        return Verdict.INSUFFICIENT_DATA, (reasons.no_test_detail(e, holder),)
    # 7-10: management-system certificates
    if kind is SchemeClass.MANAGEMENT_SYSTEM:
        if at is not None and e.valid_until is not None and e.valid_until < at:
            return Verdict.EXPIRED, (reasons.certificate_expired(e, at),)
        if (
            at is not None
            and scheme is Scheme.ISO27001
            and e.version is not None
            and "2013" in e.version
            and at > _ISO27001_2013_WITHDRAWN
        ):
            return Verdict.EXPIRED, (reasons.obsolete_version(e, at),)
        if e.accreditation is None or not e.accreditation.iaf_mla:
            return Verdict.NOT_EQUIVALENT, (reasons.not_accredited(e),)
        if scheme in profile.accept_as_equivalent:
            return Verdict.EQUIVALENT, ()
        return Verdict.SUPPORTING_ONLY, (reasons.management_system_only(e, holder),)
    # 11-14: certificates and labels with an expiry
    if kind in (SchemeClass.MANUAL_REVIEW, SchemeClass.LABEL):
        if at is not None and e.valid_until is not None and e.valid_until < at:
            return Verdict.EXPIRED, (reasons.certificate_expired(e, at),)
        if kind is SchemeClass.MANUAL_REVIEW:
            return Verdict.CONDITIONAL, (reasons.manual_review(e),)
        return Verdict.EQUIVALENT, ()
    # 15-18: assurance reports
    if e.type != 2 or e.period is None:
        return Verdict.NOT_EQUIVALENT, (reasons.type1(e),)
    period = e.period
    if not lasts_at_least(period, profile.min_period_months):
        return Verdict.NOT_EQUIVALENT, (
            reasons.period_too_short(e, period, profile.min_period_months),
        )
    if e.assurance is Assurance.LIMITED or e.issuer_qualification is IssuerQualification.NONE:
        return Verdict.NOT_EQUIVALENT, (reasons.insufficient_assurance(e),)
    if e.opinion is not Opinion.UNQUALIFIED:
        return Verdict.NOT_EQUIVALENT, (reasons.modified_opinion(e),)
    # 19-24: all applied, the worst decides
    verdict = Verdict.EQUIVALENT
    found: list[Reason] = []
    if at is not None and more_than_months_after(at, period.end, profile.max_age_months):
        limit = _bridge_limit(period, profile)
        if _carries(e.bridge_letter, at, limit):
            verdict = Verdict.CONDITIONAL
            found.append(
                reasons.bridge_letter(
                    e, period, at, limit, bridge_max_months=profile.bridge_max_months
                )
            )
        else:
            verdict = Verdict.EXPIRED
            stop = add_months(period.end, profile.max_age_months)
            last = last_counted(e, profile, at)
            bridged = last if last is not None and last > stop else None
            found.append(reasons.report_stale(e, period, at, stop, bridged))
    missing = _missing_criteria(e, profile)
    if missing is not None:
        verdict = _worse(verdict, Verdict.CONDITIONAL)
        found.append(reasons.criteria_not_covered(e, missing, scheme in _FINANCIAL))
    if e.exceptions:
        verdict = _worse(verdict, Verdict.CONDITIONAL)
        found.append(reasons.exceptions(e))
    if any(not cuec.addressed for cuec in e.cuecs):
        verdict = _worse(verdict, Verdict.CONDITIONAL)
        found.append(reasons.cuecs_open(e))
    return verdict, tuple(found)


def _missing_criteria(e: Evidence, profile: ResolvedProfile) -> list[str] | None:
    """The criteria checks 21 and 22 miss, or ``None`` when neither fires."""
    missing: list[str] = []
    if e.scheme in _FINANCIAL:
        missing += [c for c in ("security", "availability") if c not in e.criteria]
    if e.criteria:
        missing += [c for c in profile.required_criteria if c not in e.criteria]
    return list(dict.fromkeys(missing)) or None


def _worse(a: Verdict, b: Verdict) -> Verdict:
    return b if a.better_than(b) else a


def stop_date(evidence: Evidence, profile: ResolvedProfile) -> date | None:
    """The last day the evidence counts: a report's period end plus ``max_age_months``, a
    certificate's ``valid_until``; ``None`` when it has no end.

    >>> from graph.model import DateRange
    >>> from graph.profiles import ZEKER_ONLINE
    >>> r = Evidence(id="r", scheme=Scheme.SOC2, holder="a", covers=("s",), type=2,
    ...              period=DateRange(date(2025, 7, 1), date(2026, 6, 30)))
    >>> stop_date(r, ZEKER_ONLINE)
    datetime.date(2027, 6, 30)
    """
    if evidence.period is not None and evidence.scheme.scheme_class in (
        SchemeClass.ASSURANCE_REPORT,
        SchemeClass.SUMMARY_REPORT,
    ):
        return add_months(evidence.period.end, profile.max_age_months)
    return evidence.valid_until


def counts_until(evidence: Evidence, profile: ResolvedProfile, at: date) -> date | None:
    """The last day the evidence keeps counting as it does on ``at``: its :func:`stop_date`,
    except for a stale report that a bridge letter carries on ``at`` (check 19), which counts
    until the letter's end or the profile's bridge limit, whichever comes first.

    >>> from graph.model import BridgeLetter, DateRange
    >>> from graph.profiles import ZEKER_ONLINE
    >>> r = Evidence(id="r", scheme=Scheme.SOC2, holder="a", covers=("s",), type=2,
    ...              period=DateRange(date(2025, 1, 1), date(2025, 9, 30)),
    ...              bridge_letter=BridgeLetter(date(2025, 10, 1), date(2026, 12, 31)))
    >>> counts_until(r, ZEKER_ONLINE, date(2026, 11, 27))
    datetime.date(2026, 12, 30)
    """
    stop = stop_date(evidence, profile)
    letter, period = evidence.bridge_letter, evidence.period
    if (
        stop is None
        or stop >= at
        or letter is None
        or period is None
        or evidence.scheme.scheme_class is not SchemeClass.ASSURANCE_REPORT
    ):
        return stop
    limit = _bridge_limit(period, profile)
    return min(letter.end, limit) if _carries(letter, at, limit) else stop


def last_counted(evidence: Evidence, profile: ResolvedProfile, at: date) -> date | None:
    """The last day the evidence counts, as seen on ``at``: :func:`counts_until` while it
    counts; once it no longer does, the day it last counted, the days its bridge letter
    carried it included (a stale report's letter that ran on past its age).

    >>> from graph.model import BridgeLetter, DateRange
    >>> from graph.profiles import ZEKER_ONLINE
    >>> r = Evidence(id="r", scheme=Scheme.SOC2, holder="a", covers=("s",), type=2,
    ...              period=DateRange(date(2024, 10, 1), date(2025, 9, 30)),
    ...              bridge_letter=BridgeLetter(date(2025, 10, 1), date(2026, 12, 31)))
    >>> [last_counted(r, ZEKER_ONLINE, day) for day in (date(2026, 11, 1), date(2027, 1, 15))]
    [datetime.date(2026, 12, 30), datetime.date(2026, 12, 30)]
    """
    stop = counts_until(evidence, profile, at)
    if stop is None or stop >= at:
        return stop
    carried = counts_until(evidence, profile, stop + timedelta(days=1))  # stop < at: no overflow
    return carried if carried is not None and carried > stop else stop


def _bridge_limit(period: DateRange, profile: ResolvedProfile) -> date:
    """The last day a bridge letter may carry a report: ``max_age_months +
    bridge_max_months`` after its period, one addition (verdicts.md, Precise points)."""
    return add_months(period.end, profile.max_age_months + profile.bridge_max_months)


def _carries(letter: BridgeLetter | None, at: date, limit: date) -> bool:
    """Check 19: a bridge letter covers the date, and the date is within the bridge limit."""
    return letter is not None and letter.start <= at <= letter.end and at <= limit
