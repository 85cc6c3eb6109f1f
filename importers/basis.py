"""The basis of a link's verdict, as an auditor writes it down: what the evidence is, which
period or validity it has, whose opinion it holds, and what was seen of it.

The contract's JSON names a link's deciding evidence by id only; the scoping report, its page
and the worksheet also need what an auditor records beside it. Everything here is derived from
the chain's :class:`graph.model.Evidence` and the :class:`graph.verdicts.LinkResult`, so the
JSON stays as it is. It lives in ``importers`` because the worksheet (here) writes it as well as
the views in ``app``.

Every word goes through the catalog (:mod:`graph.i18n`), so a Dutch report reads Dutch; dates are
:func:`graph.i18n.format_date`'s (ISO in English, as they always were). Names, ids, criteria,
versions and the qualifications' abbreviations (RE, CPA, ...) stay as the chain file has them.

- :func:`basis_of` describes one piece of evidence in one line: scheme and type, holder, period
  or validity (and, given a profile, the last day it counts), opinion and assurance of a report,
  criteria, issuer with their qualification, sub-service method, and what was seen of it
  (``verification``, and whether a document is on record).
- :func:`link_bases` gives every link of a result its :class:`LinkBasis`: the deciding
  evidence's basis, every other piece considered with its verdict, basis and reasons (in audit
  period mode too), and the carve-outs that bite: a provider listed in ``subservices.carved_out``
  of a report deciding a link into the consumer is "carved out of X's report R; needs its own
  evidence".

>>> from datetime import date
>>> from graph.model import DateRange, Evidence, IssuerQualification, Scheme
>>> e = Evidence(id="r", scheme=Scheme.ISAE3402, holder="h", covers=("s",), type=2,
...              period=DateRange(date(2025, 7, 1), date(2026, 6, 30)), issuer="Audit B.V.",
...              issuer_qualification=IssuerQualification.RE)
>>> print(basis_of(e, Chain(offerings=())))
ISAE 3402 report, type 2; period 2025-07-01 to 2026-06-30; unqualified opinion, reasonable \
assurance; by Audit B.V. (RE); sighted; no document on record
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from graph.evidence import last_counted, stop_date
from graph.i18n import N_, format_date, gettext, ngettext
from graph.model import (
    Assurance,
    Chain,
    Evidence,
    IssuerQualification,
    Opinion,
    SchemeClass,
    SubserviceMethod,
    Verification,
)
from graph.profiles import ResolvedProfile
from graph.reasons import span
from graph.verdicts import CheckResult, Status, Verdict

QUALIFICATIONS: Mapping[IssuerQualification, str] = {
    IssuerQualification.RE: "RE",
    IssuerQualification.RA: "RA",
    IssuerQualification.CPA: "CPA",
    IssuerQualification.WP: "WP",
    IssuerQualification.QSA: "QSA",
    IssuerQualification.THREE_PAO: "3PAO",
    IssuerQualification.CB: N_("certification body"),
    IssuerQualification.NONE: N_("no professional qualification"),
}
"""How the report names an issuer's qualification (in English: :func:`gettext` translates the
two that are words)."""

_SEEN: Mapping[Verification, str] = {
    Verification.VERIFIED: N_("verified with the issuer"),
    Verification.SIGHTED: N_("sighted"),
    Verification.CLAIMED: N_("claimed only: nobody has seen the document"),
}
_OPINIONS: Mapping[Opinion, str] = {
    Opinion.UNQUALIFIED: N_("unqualified opinion"),
    Opinion.QUALIFIED: N_("qualified opinion"),
    Opinion.ADVERSE: N_("adverse opinion"),
    Opinion.DISCLAIMER: N_("disclaimer opinion"),
}
_ASSURANCES: Mapping[Assurance, str] = {
    Assurance.REASONABLE: N_("reasonable assurance"),
    Assurance.LIMITED: N_("limited assurance"),
}
_TYPES: Mapping[int, str] = {1: N_("{kind}, type 1"), 2: N_("{kind}, type 2")}
"""A report's type after its scheme ("type II" in Dutch, as the glossary's type II-rapport)."""
_REPORTS = (SchemeClass.ASSURANCE_REPORT, SchemeClass.SUMMARY_REPORT)


def basis_of(
    evidence: Evidence,
    chain: Chain,
    *,
    profile: ResolvedProfile | None = None,
    at: date | None = None,
    stored: Collection[str] | None = None,
) -> str:
    """One line naming what ``evidence`` is and rests on, parts separated by ``"; "``.

    ``profile`` and an evaluation date ``at`` add the last day a report counts (with its bridge
    letter if one carries it then; an audit period has no such day); ``stored`` (the ids whose
    document the service holds) says whether its document is on record, else the chain's
    ``document`` field does.

    >>> from datetime import date
    >>> from graph.model import Accreditation, Document, Scheme, Supplier
    >>> from graph.profiles import ZEKER_ONLINE
    >>> chain = Chain(offerings=(), suppliers={"n": Supplier(id="n", name="Noord B.V.")})
    >>> cert = Evidence(id="c", scheme=Scheme.ISO27001, holder="n", covers=("s",),
    ...     issued=date(2025, 3, 1), valid_until=date(2028, 2, 28), issuer="Cert B.V.",
    ...     accreditation=Accreditation(iaf_mla=True, body="RvA"),
    ...     document=Document(name="c.pdf"))
    >>> print(basis_of(cert, chain, profile=ZEKER_ONLINE))
    ISO/IEC 27001 certificate, held by Noord B.V.; valid 2025-03-01 to 2028-02-28; by Cert B.V., \
accredited by RvA (IAF MLA); sighted; document c.pdf
    >>> basis_of(cert, chain, stored={"c"}).endswith("sighted; document on record")
    True
    """
    e = evidence
    parts = [_kind(e, chain), dates_of(e, profile, at)]
    if e.scheme.scheme_class in _REPORTS:
        opinion = gettext("{opinion}, {assurance}").format(
            opinion=gettext(_OPINIONS[e.opinion]), assurance=gettext(_ASSURANCES[e.assurance])
        )
        if e.exceptions:
            n = len(e.exceptions)
            exceptions = ngettext("{n} exception", "{n} exceptions", n).format(n=n)
            opinion = gettext("{opinion}, {exceptions}").format(
                opinion=opinion, exceptions=exceptions
            )
        parts.append(opinion)
        if e.criteria:
            parts.append(gettext("criteria {criteria}").format(criteria=", ".join(e.criteria)))
    parts.append(_issuer(e))
    method = e.subservices.method
    if method is SubserviceMethod.CARVE_OUT and e.subservices.carved_out:
        carved = ", ".join(e.subservices.carved_out)
        parts.append(gettext("carves out {services}").format(services=carved))
    if method is not SubserviceMethod.NONE and e.subservices.included:
        included = ", ".join(e.subservices.included)
        parts.append(gettext("includes {services}").format(services=included))
    parts.append(gettext(_SEEN[e.verification]))
    parts.append(_document(e, stored))
    return "; ".join(parts)


def _kind(e: Evidence, chain: Chain) -> str:
    kind = gettext(e.scheme.label)
    if e.type is not None:
        typed = _TYPES.get(e.type)
        kind = gettext(typed or "{kind}, type {type}").format(kind=kind, type=e.type)
    if e.version:
        kind += f" ({e.version})"
    holder = chain.suppliers.get(e.holder)
    if holder is None:
        return kind
    return gettext("{kind}, held by {holder}").format(kind=kind, holder=holder.name)


def dates_of(e: Evidence, profile: ResolvedProfile | None, at: date | None) -> str:
    """A piece's dates as its basis says them: period, validity or issue, the bridge letter,
    and with a profile and a date, until when it counts (a bridged report: with its letter)."""
    dates = []
    if e.period is not None:
        dates.append(gettext("period {range}").format(range=span(e.period.start, e.period.end)))
    if e.as_of is not None:
        dates.append(gettext("as of {day}").format(day=format_date(e.as_of)))
    if e.valid_until is not None:
        issued = format_date(e.issued) if e.issued else "…"
        dates.append(
            gettext("valid {issued} to {until}").format(
                issued=issued, until=format_date(e.valid_until)
            )
        )
    elif e.issued is not None:
        dates.append(gettext("issued {day}").format(day=format_date(e.issued)))
    if e.bridge_letter is not None:
        letter = e.bridge_letter
        bridged_by = gettext("bridge letter {range}").format(range=span(letter.start, letter.end))
        if letter.signed_by:
            bridged_by = gettext("{letter} signed by {signer}").format(
                letter=bridged_by, signer=letter.signed_by
            )
        dates.append(bridged_by)
    if at is not None and profile is not None and e.scheme.scheme_class in _REPORTS and e.period:
        stop = stop_date(e, profile)
        # the day it counts until, or last counted, its letter's days included: as the
        # evidence page and the workbook's Evidence sheet say it
        bridged = last_counted(e, profile, at)
        # a report with a period always has a last day (graph.evidence.stop_date)
        if bridged != stop and bridged is not None:
            until = gettext("counts until {day} with its bridge letter")
            dates.append(until.format(day=format_date(bridged)))
        elif stop is not None:
            dates.append(gettext("counts until {day}").format(day=format_date(stop)))
    return ", ".join(dates) or gettext("no dates on record")


def _issuer(e: Evidence) -> str:
    if e.issuer:
        by = gettext("by {issuer}").format(issuer=e.issuer)
    else:
        by = gettext("issuer not on record")
    if e.issuer_qualification is not None:
        by += f" ({gettext(QUALIFICATIONS[e.issuer_qualification])})"
    if e.accreditation is not None:
        mla = gettext("IAF MLA") if e.accreditation.iaf_mla else gettext("not under the IAF MLA")
        if e.accreditation.body:
            accredited = gettext("accredited by {body} ({mla})")
        else:
            accredited = gettext("accredited ({mla})")
        by += ", " + accredited.format(body=e.accreditation.body, mla=mla)
    return by


def _document(e: Evidence, stored: Collection[str] | None) -> str:
    if stored is not None and e.id in stored:
        return gettext("document on record")
    if e.document is not None and (e.document.name or e.document.sha256):
        named = e.document.name or f"sha256 {e.document.sha256}"
        if stored is not None:
            return gettext("document {name}, not stored").format(name=named)
        return gettext("document {name}").format(name=named)
    return gettext("no document on record")


@dataclass(frozen=True, slots=True)
class Considered:
    """A piece of evidence considered for a link beside the deciding one."""

    evidence: str
    verdict: Verdict
    basis: str
    """What it is and its dates (its full basis is on the links it decides)."""
    reasons: tuple[tuple[str, str], ...]
    """(code, message) pairs."""


@dataclass(frozen=True, slots=True)
class LinkBasis:
    """What a report writes beside a link's verdict."""

    basis: str | None
    """The deciding evidence's :func:`basis_of`, ``None`` when no evidence decides."""
    notes: tuple[str, ...]
    """The carve-outs that concern the link (an INCLUDED link's reason says it already)."""
    also: tuple[Considered, ...]
    """Every other piece considered, in the result's order."""


def link_bases(
    result: CheckResult,
    chain: Chain,
    *,
    profile: ResolvedProfile | None = None,
    stored: Collection[str] | None = None,
) -> dict[tuple[str, str], LinkBasis]:
    """Every link's :class:`LinkBasis`, by ``(consumer, provider)``.

    A link C -> P gets a carve-out note for each report of C that carves P out: the deciding
    evidence of a link into C that is not INCLUDED (in audit period mode, every piece considered
    for such a link, as each covers days of its own).

    >>> from datetime import date
    >>> from graph.coverage import check
    >>> from graph.model import (Dependency, DateRange, Kind, Scheme, Service, Subservices,
    ...     SubserviceMethod, Supplier)
    >>> chain = Chain(offerings=("app",),
    ...     suppliers={s: Supplier(id=s, name=s.upper()) for s in ("a", "h", "d")},
    ...     services={"app": Service("app", "App", "a", Kind.SAAS),
    ...               "host": Service("host", "Host", "h", Kind.IAAS),
    ...               "dc": Service("dc", "DC", "d", Kind.OTHER)},
    ...     dependencies={("app", "host"): Dependency("app", "host"),
    ...                   ("host", "dc"): Dependency("host", "dc")},
    ...     evidence={"r": Evidence(id="r", scheme=Scheme.SOC2, holder="h", covers=("host",),
    ...         type=2, period=DateRange(date(2026, 1, 1), date(2026, 6, 30)),
    ...         criteria=("security", "availability"),
    ...         subservices=Subservices(SubserviceMethod.CARVE_OUT, carved_out=("dc",)))})
    >>> bases = link_bases(check(chain, at=date(2026, 11, 27)), chain)
    >>> bases[("host", "dc")].notes
    ("carved out of Host's report r; needs its own evidence",)
    >>> bases[("app", "host")].basis.startswith("SOC 2 report, type 2, held by H;")
    True
    """
    reports_into = _reports_into(result)

    described: dict[tuple[str, bool], str] = {}  # a piece reads the same on every link

    def describe(evidence_id: str, *, short: bool = False) -> str:
        found = described.get((evidence_id, short))
        if found is None:
            e = chain.evidence.get(evidence_id)
            if e is None:
                found = ""
            elif short:
                found = f"{_kind(e, chain)}; {dates_of(e, profile, result.at)}"
            else:
                found = basis_of(e, chain, profile=profile, at=result.at, stored=stored)
            described[(evidence_id, short)] = found
        return found

    return {
        (link.consumer, link.provider): LinkBasis(
            describe(link.evidence) or None if link.evidence else None,
            _carve_outs((link.consumer, link.provider), chain, reports_into.get(link.consumer, [])),
            tuple(
                Considered(
                    a.evidence,
                    a.verdict,
                    describe(a.evidence, short=True),
                    tuple((r.code.value, r.message) for r in a.reasons),
                )
                for a in link.also
            ),
        )
        for link in result.links
    }


def carve_out_notes(result: CheckResult, chain: Chain) -> dict[tuple[str, str], tuple[str, ...]]:
    """The carve-out notes of :func:`link_bases` alone, by ``(consumer, provider)``, for the
    links that have one: what the graph page's panel says of a link beside its reasons."""
    reports_into = _reports_into(result)
    notes = {}
    for link in result.links:
        key = (link.consumer, link.provider)
        found = _carve_outs(key, chain, reports_into.get(link.consumer, []))
        if found:
            notes[key] = found
    return notes


def _reports_into(result: CheckResult) -> dict[str, list[str]]:
    """The evidence deciding the links into each provider that are judged on their own (not
    INCLUDED, in scope); over a period, every piece considered for them."""
    period_mode = result.period is not None
    reports_into: dict[str, list[str]] = {}
    for link in result.links:
        if link.status is Status.OUT_OF_SCOPE or link.verdict is Verdict.INCLUDED:
            continue
        ids = [link.evidence] if link.evidence else []
        if period_mode:
            ids += [a.evidence for a in link.also]
        found = reports_into.setdefault(link.provider, [])
        found += [i for i in ids if i not in found]
    return reports_into


def _carve_outs(key: tuple[str, str], chain: Chain, reports: list[str]) -> tuple[str, ...]:
    consumer, provider = key
    notes: list[str] = []
    for rid in reports:
        report = chain.evidence.get(rid)
        if report is not None and provider in report.subservices.carved_out:
            note = gettext("carved out of {consumer}'s report {report}; needs its own evidence")
            notes.append(note.format(consumer=_name(chain, consumer), report=rid))
    return tuple(notes)


def _name(chain: Chain, sid: str) -> str:
    service = chain.services.get(sid)
    return service.name if service is not None else sid
