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

from graph.i18n import N_, format_date, format_number, gettext, ngettext
from graph.model import DateRange, Evidence, Opinion, Scheme, Service, Supplier
from graph.verdicts import Reason
from graph.verdicts import ReasonCode as R

SCHEME_LABELS = (
    N_("Zeker-OnLine keurmerk"),
    N_("ISAE 3402 report"),
    N_("ISAE 3000 report"),
    N_("SOC 1 report"),
    N_("SOC 2 report"),
    N_("Third Party Mededeling"),
    N_("BSI C5 attestation"),
    N_("CSA STAR attestation"),
    N_("SOC 3 report"),
    N_("ISO/IEC 27001 certificate"),
    N_("NEN 7510 certificate"),
    N_("HDS certificate"),
    N_("TISAX label"),
    N_("CSA STAR certification"),
    N_("EUCS certificate"),
    N_("FedRAMP authorization"),
    N_("PCI DSS attestation of compliance"),
    N_("CSA STAR self-assessment"),
    N_("self-declaration"),
    N_("bridge letter"),
)
"""Every :attr:`Scheme.label`, marked here for the catalog (a test checks that none is missing):
the labels are the model's, translated where a sentence names a scheme."""


def scheme_label(scheme: Scheme) -> str:
    """The name an auditor writes for ``scheme``, in the current language.

    >>> from graph.i18n import using
    >>> with using("nl"):
    ...     scheme_label(Scheme.SOC2)
    'SOC 2-rapport'
    """
    return gettext(scheme.label)


def _ev(e: Evidence) -> str:
    return f"{gettext(e.scheme.label)} {e.id}"


PROVIDER = "\x00provider\x00"
"""Stands for the provider in sentences made once per piece of evidence; see `for_provider`."""


def _for(e: Evidence) -> str:
    return gettext("{evidence} for {provider}").format(evidence=_ev(e), provider=PROVIDER)


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


def join(items: Iterable[str]) -> str:
    """``items`` as a sentence lists them: ``a, b and c`` (``a, b en c`` in Dutch).

    >>> join(["a", "b", "c"]), join(["a"]), join([])
    ('a, b and c', 'a', '')
    """
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return gettext("{items} and {last}").format(items=", ".join(words[:-1]), last=words[-1])


_list = join


def span(start: date, end: date) -> str:
    """The days from ``start`` to ``end``, both included, as a sentence names them.

    >>> span(date(2026, 1, 1), date(2026, 6, 30))
    '2026-01-01 to 2026-06-30'
    """
    return gettext("{start} to {end}").format(start=format_date(start), end=format_date(end))


def _ranges(ranges: Iterable[DateRange]) -> str:
    return _list(format_date(r.start) if r.start == r.end else span(r.start, r.end) for r in ranges)


def scope_service(e: Evidence, p: Service) -> Reason:
    before, after = scope_service_parts(e)
    return Reason(R.SCOPE_SERVICE, before + _svc(p) + after)


def scope_service_parts(e: Evidence) -> tuple[str, str]:
    """The sentence of :func:`scope_service` before and after the provider's name: a large
    supplier's piece is named in it for every other service of the supplier, so a caller that
    makes many keeps the halves and joins them with :func:`service_name`."""
    n = len(e.covers)
    sentence = ngettext(
        "{evidence} does not list {provider}: its scope names {count} other service.",
        "{evidence} does not list {provider} among the {count} services in its scope.",
        n,
    ).format(evidence=_ev(e), provider=PROVIDER, count=format_number(n))
    before, _provider, after = sentence.partition(PROVIDER)
    return before, after


def service_name(s: Service) -> str:
    """A service as every sentence names it: its name, then its id in brackets."""
    return _svc(s)


def scope_location(e: Evidence, p: Service, outside: Iterable[str]) -> Reason:
    return Reason(
        R.SCOPE_LOCATION,
        gettext(
            "{evidence} covers {provider} in {locations} only; this link also keeps data in "
            "{outside}, which is outside the report."
        ).format(
            evidence=_ev(e),
            provider=_svc(p),
            locations=_list(sorted(e.locations)),
            outside=_list(sorted(outside)),
        ),
    )


def self_declared(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.SELF_DECLARED,
        gettext(
            "{evidence} is a statement by {holder} itself; no independent auditor gave an "
            "opinion on it."
        ).format(evidence=_for(e), holder=holder.name),
    )


def bridge_only(e: Evidence) -> Reason:
    return Reason(
        R.BRIDGE_ONLY,
        gettext(
            "{evidence} is a management bridge letter on its own; it bridges a report that is "
            "not on record and holds no auditor opinion itself."
        ).format(evidence=_for(e)),
    )


def domain_limited(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.DOMAIN_LIMITED,
        gettext(
            "{evidence} attests compliance of {holder}'s payment card environment only; it "
            "holds no opinion on the controls of its services as a whole."
        ).format(evidence=_for(e), holder=holder.name),
    )


def no_test_detail(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.NO_TEST_DETAIL,
        gettext(
            "{evidence} is a general-use summary without the auditor's tests and their "
            "results; ask {holder} for the full report."
        ).format(evidence=_for(e), holder=holder.name),
    )


def certificate_expired(e: Evidence, at: date) -> Reason:
    assert e.valid_until is not None  # noqa: S101 - expired means it has an end
    return Reason(
        R.CERTIFICATE_EXPIRED,
        gettext("{evidence} was valid until {until}, before {at}.").format(
            evidence=_for(e), until=format_date(e.valid_until), at=format_date(at)
        ),
    )


def obsolete_version(e: Evidence, at: date) -> Reason:
    return Reason(
        R.OBSOLETE_VERSION,
        gettext(
            "{evidence} is issued against {version}; certificates to ISO/IEC 27001:2013 were "
            "withdrawn after {withdrawn} and no longer count on {at}."
        ).format(
            evidence=_for(e),
            version=e.version,
            withdrawn=format_date(date(2025, 10, 31)),
            at=format_date(at),
        ),
    )


def not_accredited(e: Evidence) -> Reason:
    if e.accreditation is None:
        sentence = gettext("{evidence} carries no accreditation of its issuer.")
        return Reason(R.NOT_ACCREDITED, sentence.format(evidence=_for(e)))
    body = e.accreditation.body or gettext("body not named")
    sentence = gettext(
        "{evidence} was issued under an accreditation ({body}) outside the IAF multilateral "
        "recognition arrangement."
    )
    return Reason(R.NOT_ACCREDITED, sentence.format(evidence=_for(e), body=body))


def management_system_only(e: Evidence, holder: Supplier) -> Reason:
    return Reason(
        R.MANAGEMENT_SYSTEM_ONLY,
        gettext(
            "{evidence} certifies the management system of {holder}; it holds no auditor "
            "opinion on the operating effectiveness of controls over a period."
        ).format(evidence=_for(e), holder=holder.name),
    )


def manual_review(e: Evidence) -> Reason:
    sentence = (
        gettext(
            "{evidence} (valid until {until}) comes from a scheme whose equivalence an auditor "
            "must review by hand against its requirements and scope."
        )
        if e.valid_until
        else gettext(
            "{evidence} comes from a scheme whose equivalence an auditor must review by hand "
            "against its requirements and scope."
        )
    )
    until = format_date(e.valid_until) if e.valid_until else ""
    return Reason(R.MANUAL_REVIEW, sentence.format(evidence=_for(e), until=until))


def type1(e: Evidence) -> Reason:
    sentence = (
        gettext(
            "{evidence} is a type 1 report on the design of controls as of {as_of}; it holds "
            "no opinion on their operating effectiveness over a period."
        )
        if e.as_of
        else gettext(
            "{evidence} is a type 1 report on the design of controls; it holds no opinion on "
            "their operating effectiveness over a period."
        )
    )
    as_of = format_date(e.as_of) if e.as_of else ""
    return Reason(R.TYPE1, sentence.format(evidence=_for(e), as_of=as_of))


def period_too_short(e: Evidence, period: DateRange, months: int) -> Reason:
    return Reason(
        R.PERIOD_TOO_SHORT,
        ngettext(
            # English says "months" for one too, as it always has
            "{evidence} tested {period}, shorter than the {months} months the profile requires.",
            "{evidence} tested {period}, shorter than the {months} months the profile requires.",
            months,
        ).format(
            evidence=_for(e), period=span(period.start, period.end), months=format_number(months)
        ),
    )


def insufficient_assurance(e: Evidence) -> Reason:
    whys = []
    if e.assurance.value == "limited":
        whys.append(gettext("gives limited assurance only"))
    if e.issuer_qualification is not None and e.issuer_qualification.value == "none":
        whys.append(gettext("was issued by someone without a recognised audit qualification"))
    return Reason(
        R.INSUFFICIENT_ASSURANCE,
        gettext("{evidence} {why}.").format(evidence=_for(e), why=_list(whys)),
    )


_OPINION = {
    Opinion.QUALIFIED: N_("{evidence} carries a qualified opinion, not an unqualified one."),
    Opinion.ADVERSE: N_("{evidence} carries an adverse opinion, not an unqualified one."),
    Opinion.DISCLAIMER: N_("{evidence} carries a disclaimer opinion, not an unqualified one."),
}


def modified_opinion(e: Evidence) -> Reason:
    return Reason(
        R.MODIFIED_OPINION,
        gettext(_OPINION[e.opinion]).format(evidence=_for(e)),  # never UNQUALIFIED (check 18)
    )


def bridge_letter(
    e: Evidence, period: DateRange, at: date, limit: date, *, bridge_max_months: int
) -> Reason:
    letter = e.bridge_letter
    assert letter is not None  # noqa: S101 - check 19 fires only with a letter
    if letter.end <= limit:
        until = gettext("so the report counts until {until}").format(until=format_date(letter.end))
    else:
        until = ngettext(
            "but the profile lets a bridge letter carry a report at most {months} month past "
            "its allowed age, so the report counts until {until}",
            "but the profile lets a bridge letter carry a report at most {months} months past "
            "its allowed age, so the report counts until {until}",
            bridge_max_months,
        ).format(months=format_number(bridge_max_months), until=format_date(limit))
    sentence = (
        gettext(
            "{evidence} tested up to {end}, more than the allowed age before {at}; a bridge "
            "letter signed by {signer} covers {letter}, {until}."
        )
        if letter.signed_by
        else gettext(
            "{evidence} tested up to {end}, more than the allowed age before {at}; a bridge "
            "letter covers {letter}, {until}."
        )
    )
    return Reason(
        R.BRIDGE_LETTER,
        sentence.format(
            evidence=_for(e),
            end=format_date(period.end),
            at=format_date(at),
            signer=letter.signed_by or "",
            letter=span(letter.start, letter.end),
            until=until,
        ),
    )


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` with the word for one or for many: ``1 offering``, ``2 offerings``.

    >>> count(1, "piece of evidence", "pieces of evidence"), count(3, "consumer")
    ('1 piece of evidence', '3 consumers')
    """
    return f"{n} {one if n == 1 else many or one + 's'}"


def bridged_days(p: Service, letters: Iterable[tuple[Evidence, list[DateRange]]]) -> Reason:
    parts = [
        gettext("{days} (bridge letter of {evidence})").format(days=_ranges(days), evidence=_ev(e))
        for e, days in letters
    ]
    return Reason(
        R.BRIDGE_LETTER,
        gettext(
            "No report tested {provider} on {days}: those days rest on management's statement "
            "alone."
        ).format(provider=_svc(p), days=_list(parts)),
    )


def report_stale(
    e: Evidence, period: DateRange, at: date, stop: date, bridged: date | None = None
) -> Reason:
    """A report too old on ``at``: it counted until ``stop``, and, when its bridge letter
    carried it on from there, until ``bridged`` (a date the evidence table and the report
    also give as the day it counts until)."""
    sentence = (
        gettext(
            "{evidence} tested up to {end}; it counted until {stop}, with its bridge letter "
            "until {bridged}, and is stale on {at}."
        )
        if bridged is not None
        else gettext("{evidence} tested up to {end}; it counted until {stop} and is stale on {at}.")
    )
    return Reason(
        R.REPORT_STALE,
        sentence.format(
            evidence=_for(e),
            end=format_date(period.end),
            stop=format_date(stop),
            bridged=format_date(bridged) if bridged is not None else "",
            at=format_date(at),
        ),
    )


def criteria_not_covered(e: Evidence, missing: Iterable[str], financial: bool) -> Reason:
    sentence = (
        gettext(
            "{evidence} reports on internal control over financial reporting; it does not "
            "cover {missing}."
        )
        if financial
        else gettext("{evidence} reports on {criteria}; it does not cover {missing}.")
    )
    return Reason(
        R.CRITERIA_NOT_COVERED,
        sentence.format(
            evidence=_for(e), criteria=_list(sorted(e.criteria)), missing=_list(sorted(missing))
        ),
    )


def exceptions(e: Evidence) -> Reason:
    named = sorted({x.criterion for x in e.exceptions if x.criterion})
    n = len(e.exceptions)
    sentence = (
        ngettext(
            "{evidence} reports {count} exception ({criteria}); review the deviations and the "
            "service organisation's response.",
            "{evidence} reports {count} exceptions ({criteria}); review the deviations and the "
            "service organisation's response.",
            n,
        )
        if named
        else ngettext(
            "{evidence} reports {count} exception; review the deviations and the service "
            "organisation's response.",
            "{evidence} reports {count} exceptions; review the deviations and the service "
            "organisation's response.",
            n,
        )
    )
    return Reason(
        R.EXCEPTIONS,
        sentence.format(evidence=_for(e), count=format_number(n), criteria=_list(named)),
    )


def cuecs_open(e: Evidence) -> Reason:
    open_ = sorted(c.id for c in e.cuecs if not c.addressed)
    return Reason(
        R.CUECS_OPEN,
        gettext(
            "{evidence} relies on complementary user entity controls that are not addressed: "
            "{cuecs}."
        ).format(evidence=_for(e), cuecs=_list(open_)),
    )


def not_sighted(e: Evidence) -> Reason:
    return Reason(
        R.NOT_SIGHTED,
        gettext("Nobody has seen the document of {evidence}: it is only claimed.").format(
            evidence=_for(e)
        ),
    )


def other_entity(e: Evidence, holder: Supplier, supplier: Supplier, p: Service) -> Reason:
    return Reason(
        R.OTHER_ENTITY,
        gettext(
            "{evidence} is issued to {holder}, not to {supplier}, which delivers {provider}; "
            "confirm that the report extends to that entity."
        ).format(evidence=_ev(e), holder=holder.name, supplier=supplier.name, provider=_svc(p)),
    )


def included(e: Evidence, consumer: Service, p: Service) -> Reason:
    return Reason(
        R.INCLUDED,
        gettext(
            "{evidence} of {consumer} includes {provider} as a sub-service: its auditor tested "
            "the controls of {provider}."
        ).format(evidence=_ev(e), consumer=_svc(consumer), provider=_svc(p)),
    )


def no_evidence(p: Service, at: date | None, period: DateRange | None) -> Reason:
    if period:
        sentence = gettext("No evidence for {provider} is on record for {period}.").format(
            provider=_svc(p), period=span(period.start, period.end)
        )
    else:
        sentence = gettext("No evidence for {provider} is on record on {at}.").format(
            provider=_svc(p), at=format_date(at) if at else "None"
        )
    return Reason(R.NO_EVIDENCE, sentence)


def out_of_scope(reason: str | None) -> Reason:
    return Reason(R.OUT_OF_SCOPE, reason or gettext("Marked out of scope."))


def period_uncovered(p: Service, uncovered: Iterable[DateRange]) -> Reason:
    return Reason(
        R.PERIOD_UNCOVERED,
        gettext("No evidence that counts covers {provider} on {days}.").format(
            provider=_svc(p), days=_ranges(uncovered)
        ),
    )
