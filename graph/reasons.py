"""Every reason sentence, built in one place.

Each function returns a :class:`~graph.verdicts.Reason` whose message an auditor could paste into
a working paper: it names the evidence, the service and the dates involved.

>>> import textwrap
>>> from graph.model import Evidence, Scheme, Service, Kind, Supplier
>>> e = Evidence(id="noord-iso27001", scheme=Scheme.ISO27001, holder="noord-dc",
...              covers=("noord-ams2",))
>>> reason = management_system_only(e, Supplier(id="noord-dc", name="Noord Datacenters B.V."))
>>> p = Service(id="noord-ams2", name="Noord AMS2 colocation", supplier="noord-dc", kind=Kind.OTHER)
>>> (named,) = for_provider((reason,), p)
>>> print(textwrap.fill(named.message, width=90))
ISO/IEC 27001 certificate noord-iso27001 for Noord AMS2 colocation (noord-ams2) certifies
the management system of Noord Datacenters B.V.; it holds no auditor opinion on the
operating effectiveness of controls over a period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from graph.i18n import gettext
from graph.model import DateRange, Evidence, Service, Supplier
from graph.verdicts import Reason
from graph.verdicts import ReasonCode as R


def _ev(e: Evidence) -> str:
    return f"{e.scheme.label} {e.id}"


PROVIDER = "\x00provider\x00"
"""Stands for the provider in sentences made once per piece of evidence; see `for_provider`."""


def _for(e: Evidence) -> str:
    return f"{_ev(e)} for {PROVIDER}"


def for_provider(reasons: tuple[Reason, ...], p: Service) -> tuple[Reason, ...]:
    """The sentences about a piece of evidence, naming the link's provider ``p``.

    What a piece of evidence is worth on its own is judged once for every service it covers;
    its sentences name the provider by ``PROVIDER``, filled in here for each link.
    """
    if not reasons:
        return reasons
    name = _svc(p)
    return tuple([Reason(r.code, r.message.replace(PROVIDER, name)) for r in reasons])


def _svc(s: Service) -> str:
    return f"{s.name} ({s.id})"


def _list(items: Iterable[str]) -> str:
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _ranges(ranges: Iterable[DateRange]) -> str:
    return _list(
        r.start.isoformat() if r.start == r.end else f"{r.start} to {r.end}" for r in ranges
    )


def scope_service(e: Evidence, p: Service) -> Reason:
    before, after = scope_service_parts(e)
    return Reason(R.SCOPE_SERVICE, before + _svc(p) + after)


def scope_service_parts(e: Evidence) -> tuple[str, str]:
    """The sentence of :func:`scope_service` before and after the provider's name: a large
    supplier's piece is named in it for every other service of the supplier, so a caller that
    makes many keeps the halves and joins them with :func:`service_name`."""
    return f"{_ev(e)} does not list ", f" among the {len(e.covers)} services in its scope."


def service_name(s: Service) -> str:
    """A service as every sentence names it: its name, then its id in brackets."""
    return _svc(s)


def scope_location(e: Evidence, p: Service, outside: Iterable[str]) -> Reason:
    return Reason(
        R.SCOPE_LOCATION,
        f"{_ev(e)} covers {_svc(p)} in {_list(sorted(e.locations))} only; this link also keeps "
        f"data in {_list(sorted(outside))}, which is outside the report.",
    )


def self_declared(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.SELF_DECLARED,
        f"{_for(e)} is a statement by {holder.name} itself; no independent auditor gave an "
        "opinion on it.",
    )


def bridge_only(e: Evidence) -> Reason:
    return Reason(
        R.BRIDGE_ONLY,
        f"{_for(e)} is a management bridge letter on its own; it bridges a report that is not "
        "on record and holds no auditor opinion itself.",
    )


def domain_limited(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.DOMAIN_LIMITED,
        f"{_for(e)} attests compliance of {holder.name}'s payment card environment only; it "
        "holds no opinion on the controls of its services as a whole.",
    )


def no_test_detail(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.NO_TEST_DETAIL,
        f"{_for(e)} is a general-use summary without the auditor's tests and their results; "
        f"ask {holder.name} for the full report.",
    )


def certificate_expired(e: Evidence, at: date) -> Reason:
    return Reason(
        R.CERTIFICATE_EXPIRED,
        f"{_for(e)} was valid until {e.valid_until}, before {at}.",
    )


def obsolete_version(e: Evidence, at: date) -> Reason:
    return Reason(
        R.OBSOLETE_VERSION,
        f"{_for(e)} is issued against {e.version}; certificates to ISO/IEC 27001:2013 were "
        f"withdrawn after 2025-10-31 and no longer count on {at}.",
    )


def not_accredited(e: Evidence) -> Reason:
    why = (
        "carries no accreditation of its issuer"
        if e.accreditation is None
        else f"was issued under an accreditation ({e.accreditation.body or 'body not named'}) "
        "outside the IAF multilateral recognition arrangement"
    )
    return Reason(R.NOT_ACCREDITED, f"{_for(e)} {why}.")


def management_system_only(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.MANAGEMENT_SYSTEM_ONLY,
        f"{_for(e)} certifies the management system of {holder.name}; it holds no auditor "
        "opinion on the operating effectiveness of controls over a period.",
    )


def manual_review(e: Evidence) -> Reason:
    until = f" (valid until {e.valid_until})" if e.valid_until else ""
    return Reason(
        R.MANUAL_REVIEW,
        f"{_for(e)}{until} comes from a scheme whose equivalence an auditor must review by "
        "hand against its requirements and scope.",
    )


def type1(e: Evidence) -> Reason:
    when = f" as of {e.as_of}" if e.as_of else ""
    return Reason(
        R.TYPE1,
        f"{_for(e)} is a type 1 report on the design of controls{when}; it holds no opinion on "
        "their operating effectiveness over a period.",
    )


def period_too_short(e: Evidence, period: DateRange, months: int) -> Reason:
    return Reason(
        R.PERIOD_TOO_SHORT,
        f"{_for(e)} tested {period.start} to {period.end}, shorter than the {months} months "
        "the profile requires.",
    )


def insufficient_assurance(e: Evidence) -> Reason:
    whys = []
    if e.assurance.value == "limited":
        whys.append("gives limited assurance only")
    if e.issuer_qualification is not None and e.issuer_qualification.value == "none":
        whys.append("was issued by someone without a recognised audit qualification")
    return Reason(R.INSUFFICIENT_ASSURANCE, f"{_for(e)} {' and '.join(whys)}.")


def modified_opinion(e: Evidence) -> Reason:
    return Reason(
        R.MODIFIED_OPINION,
        f"{_for(e)} carries a {e.opinion.value} opinion, not an unqualified one.",
    )


def bridge_letter(
    e: Evidence, period: DateRange, at: date, limit: date, *, bridge_max_months: int
) -> Reason:
    letter = e.bridge_letter
    assert letter is not None  # noqa: S101 - check 19 fires only with a letter
    by = f" signed by {letter.signed_by}" if letter.signed_by else ""
    if letter.end <= limit:
        until = f"so the report counts until {letter.end}"
    else:
        until = (
            f"but the profile lets a bridge letter carry a report at most {bridge_max_months} "
            f"{_months(bridge_max_months)} past its allowed age, so the report counts until {limit}"
        )
    return Reason(
        R.BRIDGE_LETTER,
        f"{_for(e)} tested up to {period.end}, more than the allowed age before {at}; a bridge "
        f"letter{by} covers {letter.start} to {letter.end}, {until}.",
    )


def _months(n: int) -> str:
    return "month" if n == 1 else "months"


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` with the word for one or for many: ``1 offering``, ``2 offerings``.

    >>> count(1, "piece of evidence", "pieces of evidence"), count(3, "consumer")
    ('1 piece of evidence', '3 consumers')
    """
    return f"{n} {one if n == 1 else many or one + 's'}"


def bridged_days(p: Service, letters: Iterable[tuple[Evidence, list[DateRange]]]) -> Reason:
    parts = [f"{_ranges(days)} (bridge letter of {_ev(e)})" for e, days in letters]
    return Reason(
        R.BRIDGE_LETTER,
        f"No report tested {_svc(p)} on {_list(parts)}: those days rest on management's "
        "statement alone.",
    )


def report_stale(e: Evidence, period: DateRange, at: date, stop: date) -> Reason:
    return Reason(
        R.REPORT_STALE,
        f"{_for(e)} tested up to {period.end}; it counted until {stop} and is stale on {at}.",
    )


def criteria_not_covered(e: Evidence, missing: Iterable[str], financial: bool) -> Reason:
    what = (
        f"{_for(e)} reports on internal control over financial reporting"
        if financial
        else f"{_for(e)} reports on {_list(sorted(e.criteria))}"
    )
    return Reason(
        R.CRITERIA_NOT_COVERED,
        f"{what}; it does not cover {_list(sorted(missing))}.",
    )


def exceptions(e: Evidence) -> Reason:
    named = sorted({x.criterion for x in e.exceptions if x.criterion})
    which = f" ({_list(named)})" if named else ""
    count = len(e.exceptions)
    return Reason(
        R.EXCEPTIONS,
        f"{_for(e)} reports {count} exception{'s' if count != 1 else ''}{which}; review the "
        "deviations and the service organisation's response.",
    )


def cuecs_open(e: Evidence) -> Reason:
    open_ = sorted(c.id for c in e.cuecs if not c.addressed)
    return Reason(
        R.CUECS_OPEN,
        f"{_for(e)} relies on complementary user entity controls that are not addressed: "
        f"{_list(open_)}.",
    )


def not_sighted(e: Evidence) -> Reason:
    return Reason(
        R.NOT_SIGHTED,
        f"Nobody has seen the document of {_for(e)}: it is only claimed.",
    )


def other_entity(e: Evidence, holder: Supplier, supplier: Supplier, p: Service) -> Reason:
    return Reason(
        R.OTHER_ENTITY,
        f"{_ev(e)} is issued to {holder.name}, not to {supplier.name}, which delivers "
        f"{_svc(p)}; confirm that the report extends to that entity.",
    )


def included(e: Evidence, consumer: Service, p: Service) -> Reason:
    return Reason(
        R.INCLUDED,
        f"{_ev(e)} of {_svc(consumer)} includes {_svc(p)} as a sub-service: its auditor "
        f"tested the controls of {_svc(p)}.",
    )


def no_evidence(p: Service, at: date | None, period: DateRange | None) -> Reason:
    when = f" for {period.start} to {period.end}" if period else f" on {at}"
    return Reason(R.NO_EVIDENCE, f"No evidence for {_svc(p)} is on record{when}.")


def out_of_scope(reason: str | None) -> Reason:
    return Reason(R.OUT_OF_SCOPE, reason or gettext("Marked out of scope."))


def period_uncovered(p: Service, uncovered: Iterable[DateRange]) -> Reason:
    return Reason(
        R.PERIOD_UNCOVERED,
        f"No evidence that counts covers {_svc(p)} on {_ranges(uncovered)}.",
    )
