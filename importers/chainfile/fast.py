"""The fast paths (temporary)."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from graph.model import (
    Accreditation,
    Assurance,
    BridgeLetter,
    Cuec,
    DateRange,
    Dependency,
    Document,
    Evidence,
    IssuerQualification,
    Opinion,
    ReportException,
    Service,
    SubserviceMethod,
    Subservices,
    Supplier,
    Verification,
)
from importers.chainfile.contract import (
    ACCREDITATION_SET,
    ASSURANCE_REPORTS,
    ASSURANCES,
    BRIDGE_SET,
    CONTACT_KEYS,
    CONTACT_SET,
    CUEC_SET,
    DATE_RE,
    DEPENDENCY_SET,
    DOCUMENT_SET,
    EVIDENCE_SET,
    EXCEPTION_SET,
    ID_RE,
    IDS_KEYS,
    IDS_SET,
    KINDS,
    METHODS,
    NEEDS_VALID_UNTIL,
    NO_SUBSERVICES,
    OPINIONS,
    PERIOD_SET,
    QUALIFICATIONS,
    SCHEMES,
    SERVICE_SET,
    SUBSERVICES_SET,
    SUPPLIER_SET,
    VERIFICATIONS,
    reported_on,
)
from importers.chainfile.countries import COUNTRIES
from importers.chainfile.yaml12 import YSeq

_E = TypeVar("_E", bound=enum.Enum)
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_Raw = dict[str, Any]


class FastPaths:
    dates: dict[str, date]
    ranges_made: dict[tuple[date, date], DateRange]
    cuecs_made: dict[tuple[str, str | None, bool], Cuec]

    #
    # Nearly every entry of a large file is entirely valid. For such an entry each ``fast_*``
    # method below checks the same rules as its detailed counterpart (``supplier``, ``service``,
    # ``dependency``, ``evidence``) with plain type and membership tests, and builds the same
    # entity. On anything else (an ``x-`` key, a wrong type, a broken rule, an explicit empty
    # value...) it gives up and returns ``None``; :meth:`section` then reads the entry again with
    # the detailed method, which reports what is wrong, with its path and line. So a fast path
    # reports nothing: it only accepts entries the detailed path accepts, and builds an equal
    # entity (tests/importers/test_chainfile_fast.py compares both). Nested helpers give up by
    # raising ``_Unusual``; hashing an unhashable value (a list where a string belongs) raises
    # ``TypeError``, which gives up as well.

    def fast_supplier(self, m: _Raw) -> tuple[str, Supplier] | None:
        """A plainly valid supplier entry as :meth:`supplier` reads it; else ``None``."""
        if not SUPPLIER_SET.issuperset(m):
            return None
        get = m.get
        sid, name, country, parent = get("id"), get("name"), get("country"), get("parent")
        if not (
            type(sid) is str
            and ID_RE.fullmatch(sid)
            and type(name) is str
            and name.strip()
            and (country is None or (type(country) is str and country in COUNTRIES))
            and type(parent) in _OPTIONAL_STR
        ):
            return None
        try:
            ids = _fast_string_map(get("ids"), IDS_SET, IDS_KEYS)
            contact = _fast_string_map(get("contact"), CONTACT_SET, CONTACT_KEYS)
        except _Unusual:
            return None
        return sid, Supplier(sid, name, country, ids, parent, contact, {})

    def fast_service(self, m: _Raw) -> tuple[str, Service] | None:
        """A plainly valid service entry as :meth:`service` reads it; else ``None``."""
        if not SERVICE_SET.issuperset(m):
            return None
        get = m.get
        sid, name, supplier, kind = get("id"), get("name"), get("supplier"), get("kind")
        locations, description = get("locations", ()), get("description")
        personal_data = get("personal_data", False)
        try:
            if not (
                type(sid) is str
                and ID_RE.fullmatch(sid)
                and type(name) is str
                and name.strip()
                and type(supplier) is str
                and supplier.strip()
                and kind in KINDS
                and (locations == () or _is_countries(locations))
                and type(personal_data) is bool
                and type(description) in _OPTIONAL_STR
            ):
                return None
        except TypeError:  # an unhashable kind
            return None
        return sid, Service(
            sid,
            name,
            supplier,
            KINDS[kind],
            tuple(locations),
            personal_data,
            description,
            {},
        )

    def fast_dependency(self, m: _Raw) -> tuple[tuple[str, str], Dependency] | None:
        """A plainly valid dependency entry as :meth:`dependency` reads it; else ``None``."""
        if not DEPENDENCY_SET.issuperset(m):
            return None
        get = m.get
        consumer, provider = get("from"), get("to")
        role, reason, contract = get("role"), get("reason"), get("contract")
        relevant, critical = get("relevant", True), get("critical", False)
        personal_data, locations = get("personal_data"), get("locations")
        if not (
            type(consumer) is str
            and consumer.strip()
            and type(provider) is str
            and provider.strip()
            and type(role) in _OPTIONAL_STR
            and type(reason) in _OPTIONAL_STR
            and type(contract) in _OPTIONAL_STR
            and type(relevant) is bool
            and type(critical) is bool
            and type(personal_data) in _OPTIONAL_BOOL
            and (locations is None or _is_countries(locations))
            and (relevant or (reason is not None and reason.strip()))
        ):
            return None
        return (consumer, provider), Dependency(
            consumer,
            provider,
            role,
            relevant,
            reason,
            critical,
            personal_data,
            None if locations is None else (tuple(locations) or None),
            contract,
            {},
        )

    def fast_evidence(self, m: _Raw) -> tuple[str, Evidence] | None:
        """A plainly valid evidence entry as :meth:`evidence` reads it; else ``None``."""
        if not EVIDENCE_SET.issuperset(m):
            return None
        get = m.get
        eid, holder, covers = get("id"), get("holder"), get("covers")
        report_type, locations, criteria = get("type"), get("locations", ()), get("criteria", ())
        scope, version, issuer = get("scope"), get("version"), get("issuer")
        try:
            scheme = SCHEMES[m["scheme"]]  # KeyError, TypeError: absent, or not a scheme
            if not (
                type(eid) is str
                and ID_RE.fullmatch(eid)
                and type(holder) is str
                and holder.strip()
                and _is_strings(covers)
                and covers
                and (report_type is None or (type(report_type) is int and report_type in (1, 2)))
                and (locations == () or _is_countries(locations))
                and (criteria == () or _is_strings(criteria))
                and type(scope) in _OPTIONAL_STR
                and type(version) in _OPTIONAL_STR
                and type(issuer) in _OPTIONAL_STR
            ):
                return None
            period = self.fast_range(m["period"], PERIOD_SET) if "period" in m else None
            valid_until = self.fast_day(get("valid_until"))
            if scheme in ASSURANCE_REPORTS and (
                report_type is None or (report_type == 2 and period is None)
            ):
                return None
            if scheme in NEEDS_VALID_UNTIL and valid_until is None:
                return None
            issued = self.fast_day(get("issued"))
            as_of = self.fast_day(m["as_of"]) if "as_of" in m else None
            if (
                issued is not None
                and scheme in ASSURANCE_REPORTS
                and reported_on(report_type, None if period is None else period[1], as_of) > issued
            ):
                return None  # issued before what it reports on: the full reader names it
            evidence = Evidence(  # every field, in the order of the model
                eid,
                scheme,
                holder,
                tuple(covers),
                report_type,
                None if period is None else self.date_range_of(period[0], period[1]),
                as_of,
                issued,
                valid_until,
                tuple(locations),
                tuple(criteria),
                scope,
                version,
                issuer,
                _OPTIONAL_QUALIFICATIONS[get("issuer_qualification")],
                _fast_accreditation(m["accreditation"]) if "accreditation" in m else None,
                _ASSURANCE_OR_DEFAULT[get("assurance")],
                _OPINION_OR_DEFAULT[get("opinion")],
                _fast_exceptions(m["exceptions"]) if "exceptions" in m else (),
                _fast_subservices(m["subservices"]) if "subservices" in m else NO_SUBSERVICES,
                _fast_cuecs(m["cuecs"], self.cuecs_made) if "cuecs" in m else (),
                self.fast_bridge_letter(m["bridge_letter"]) if "bridge_letter" in m else None,
                _VERIFICATION_OR_DEFAULT[get("verification")],
                _fast_document(m["document"]) if "document" in m else None,
                {},
            )
        except (_Unusual, KeyError, TypeError):
            return None
        return eid, evidence

    def fast_day(self, value: Any) -> date | None:
        """An optional date, as :meth:`day` reads it; raises ``_Unusual`` on anything else."""
        if value is None:
            return None
        known = self.dates.get(value)  # TypeError when unhashable
        if known is not None:
            return known
        if type(value) is str and DATE_RE.fullmatch(value):
            try:
                day = self.dates[value] = date.fromisoformat(value)
            except ValueError:
                raise _Unusual from None
            return day
        raise _Unusual

    def fast_range(
        self, value: Any, allowed: frozenset[str]
    ) -> tuple[date, date, str | None] | None:
        """``period`` or ``bridge_letter`` as :meth:`date_range` reads it, when plainly valid."""
        if value is None:
            return None
        if not isinstance(value, dict) or not allowed.issuperset(value):
            raise _Unusual
        start, end = self.fast_day(value.get("from")), self.fast_day(value.get("to"))
        signed_by = value.get("signed_by")
        if start is None or end is None or start > end or type(signed_by) not in _OPTIONAL_STR:
            raise _Unusual
        return start, end, signed_by

    def date_range_of(self, start: date, end: date) -> DateRange:
        """``DateRange(start, end)``, one object for equal ranges (most periods repeat)."""
        key = start, end
        found = self.ranges_made.get(key)
        if found is None:
            found = self.ranges_made[key] = DateRange(start, end)
        return found

    def fast_bridge_letter(self, value: Any) -> BridgeLetter | None:
        found = self.fast_range(value, BRIDGE_SET)
        return None if found is None else BridgeLetter(*found)


# -- helpers of the fast paths (see Reader.fast_supplier) ----------------------------------


class _Unusual(Exception):  # noqa: N818 - not an error: the detailed path takes over
    """A fast path gives up on an entry; the detailed path reads it again."""


_LISTS = (list, YSeq)
_OPTIONAL_STR = (str, type(None))
_OPTIONAL_BOOL = (bool, type(None))
_ONLY_STR = frozenset({str})


def _or_default(table: Mapping[str, _E], default: _E) -> dict[str | None, _E]:
    """An enumeration by value, with ``None`` (no value) for ``default``."""
    out: dict[str | None, _E] = {None: default}
    out.update(table)
    return out


_ASSURANCE_OR_DEFAULT = _or_default(ASSURANCES, Assurance.REASONABLE)
_OPINION_OR_DEFAULT = _or_default(OPINIONS, Opinion.UNQUALIFIED)
_METHOD_OR_DEFAULT = _or_default(METHODS, SubserviceMethod.NONE)
_VERIFICATION_OR_DEFAULT = _or_default(VERIFICATIONS, Verification.SIGHTED)
_OPTIONAL_QUALIFICATIONS: dict[str | None, IssuerQualification | None] = {None: None}
_OPTIONAL_QUALIFICATIONS.update(QUALIFICATIONS)


def _is_strings(value: Any) -> bool:
    """Whether ``value`` is a list of strings (as :meth:`Reader.strings` takes it)."""
    return type(value) in _LISTS and _ONLY_STR.issuperset(map(type, value))


def _is_countries(value: Any) -> bool:
    """Whether ``value`` is a list of country codes (as :meth:`Reader.countries` takes it)."""
    try:
        return type(value) in _LISTS and COUNTRIES.issuperset(value)
    except TypeError:  # an unhashable item
        return False


def _fast_string_map(value: Any, allowed: frozenset[str], order: Sequence[str]) -> dict[str, str]:
    """``ids`` or ``contact`` as :meth:`Reader.string_map` reads them, when plainly valid."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not allowed.issuperset(value):
        raise _Unusual
    out: dict[str, str] = {}
    for name in order:
        text = value.get(name)
        if text is not None:
            if type(text) is not str:
                raise _Unusual
            out[name] = text
    return out


def _fast_accreditation(value: Any) -> Accreditation | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not ACCREDITATION_SET.issuperset(value):
        raise _Unusual
    body, iaf_mla = value.get("body"), value.get("iaf_mla")
    if type(body) not in _OPTIONAL_STR or type(iaf_mla) is not bool:
        raise _Unusual
    return Accreditation(iaf_mla, body)


def _fast_exceptions(value: Any) -> tuple[ReportException, ...]:
    if value is None:
        return ()
    if type(value) not in _LISTS:
        raise _Unusual
    out: list[ReportException] = []
    for item in value:
        if not isinstance(item, dict) or not EXCEPTION_SET.issuperset(item):
            raise _Unusual
        texts = item.get("criterion"), item.get("description"), item.get("response")
        if any(type(text) not in _OPTIONAL_STR for text in texts):
            raise _Unusual
        out.append(ReportException(*texts))
    return tuple(out)


def _fast_subservices(value: Any) -> Subservices:
    if value is None:
        return NO_SUBSERVICES
    if not isinstance(value, dict) or not SUBSERVICES_SET.issuperset(value):
        raise _Unusual
    method = _METHOD_OR_DEFAULT[value.get("method")]
    carved_out, included = value.get("carved_out", ()), value.get("included", ())
    if not (carved_out == () or _is_strings(carved_out)) or not (
        included == () or _is_strings(included)
    ):
        raise _Unusual
    if method is SubserviceMethod.NONE and (carved_out or included):
        raise _Unusual
    return Subservices(method, tuple(carved_out), tuple(included))


def _fast_cuecs(value: Any, made: dict[tuple[str, str | None, bool], Cuec]) -> tuple[Cuec, ...]:
    """``cuecs`` as :meth:`Reader.cuecs` reads them; equal CUECs are one object (``made``)."""
    if value is None:
        return ()
    if type(value) not in _LISTS:
        raise _Unusual
    out: list[Cuec] = []
    for item in value:
        if not isinstance(item, dict) or not CUEC_SET.issuperset(item):
            raise _Unusual
        cuec_id, text, addressed = item.get("id"), item.get("text"), item.get("addressed", False)
        if not (
            type(cuec_id) is str
            and cuec_id.strip()
            and type(text) in _OPTIONAL_STR
            and type(addressed) is bool
        ):
            raise _Unusual
        key = cuec_id, text, addressed
        cuec = made.get(key)
        if cuec is None:
            cuec = made[key] = Cuec(cuec_id, text, addressed)
        out.append(cuec)
    return tuple(out)


def _fast_document(value: Any) -> Document | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not DOCUMENT_SET.issuperset(value):
        raise _Unusual
    name, sha256 = value.get("name"), value.get("sha256")
    if type(name) not in _OPTIONAL_STR or type(sha256) not in _OPTIONAL_STR:
        raise _Unusual
    return Document(name, sha256)
