"""The contract as data (temporary)."""

from __future__ import annotations

import enum
import re
from collections.abc import Hashable
from datetime import date
from typing import TypeVar

from graph.model import (
    Assurance,
    IssuerQualification,
    Kind,
    Opinion,
    Scheme,
    SchemeClass,
    SubserviceMethod,
    Subservices,
    Verification,
)

_E = TypeVar("_E", bound=enum.Enum)
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


# ---------------------------------------------------------------------------------------------
# The contract as data: the keys of every mapping (in the order the writer emits them), the
# enumerations, the countries.

TOP_KEYS = (
    "ketenkaart",
    "title",
    "offerings",
    "suppliers",
    "services",
    "dependencies",
    "evidence",
    "profiles",
)
PROFILE_FILE_KEYS = ("ketenkaart", "profiles")
SUPPLIER_KEYS = ("id", "name", "country", "ids", "parent", "contact")
IDS_KEYS = ("kvk", "lei", "euid", "duns", "vat")
CONTACT_KEYS = ("name", "address", "email")
SERVICE_KEYS = ("id", "name", "supplier", "kind", "locations", "personal_data", "description")
DEPENDENCY_KEYS = (
    "from",
    "to",
    "role",
    "relevant",
    "reason",
    "critical",
    "personal_data",
    "locations",
    "contract",
)
EVIDENCE_KEYS = (
    "id",
    "scheme",
    "holder",
    "covers",
    "type",
    "period",
    "as_of",
    "issued",
    "valid_until",
    "locations",
    "criteria",
    "scope",
    "version",
    "issuer",
    "issuer_qualification",
    "accreditation",
    "assurance",
    "opinion",
    "exceptions",
    "subservices",
    "cuecs",
    "bridge_letter",
    "verification",
    "document",
)
PERIOD_KEYS = ("from", "to")
ACCREDITATION_KEYS = ("body", "iaf_mla")
EXCEPTION_KEYS = ("criterion", "description", "response")
SUBSERVICES_KEYS = ("method", "carved_out", "included")
CUEC_KEYS = ("id", "text", "addressed")
BRIDGE_KEYS = ("from", "to", "signed_by")
DOCUMENT_KEYS = ("name", "sha256")
THRESHOLDS = ("min_period_months", "max_age_months", "bridge_max_months", "expiring_days")
PROFILE_KEYS = (
    "id",
    "extends",
    *THRESHOLDS,
    "required_criteria",
    "accept_as_equivalent",
)


def _values(enum_type: type[_E]) -> dict[str, _E]:
    return {member.value: member for member in enum_type}


KINDS = _values(Kind)
SCHEMES = _values(Scheme)
QUALIFICATIONS = _values(IssuerQualification)
ASSURANCES = _values(Assurance)
OPINIONS = _values(Opinion)
METHODS = _values(SubserviceMethod)
VERIFICATIONS = _values(Verification)
MANAGEMENT_SYSTEM_SCHEMES = {
    value: scheme
    for value, scheme in SCHEMES.items()
    if scheme.scheme_class is SchemeClass.MANAGEMENT_SYSTEM
}
ASSURANCE_REPORTS = frozenset(
    scheme for scheme in Scheme if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT
)
NEEDS_VALID_UNTIL = frozenset(
    {*MANAGEMENT_SYSTEM_SCHEMES.values(), Scheme.ZEKER_ONLINE, Scheme.EUCS}
)

ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
ID_RULE = "ids are lower case letters, digits, '.', '_' and '-', starting with a letter or digit"
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NO_SUBSERVICES = Subservices()
TOP_SET = frozenset(TOP_KEYS)
SUPPLIER_SET = frozenset(SUPPLIER_KEYS)
IDS_SET = frozenset(IDS_KEYS)
CONTACT_SET = frozenset(CONTACT_KEYS)
SERVICE_SET = frozenset(SERVICE_KEYS)
DEPENDENCY_SET = frozenset(DEPENDENCY_KEYS)
EVIDENCE_SET = frozenset(EVIDENCE_KEYS)
PERIOD_SET = frozenset(PERIOD_KEYS)
ACCREDITATION_SET = frozenset(ACCREDITATION_KEYS)
EXCEPTION_SET = frozenset(EXCEPTION_KEYS)
SUBSERVICES_SET = frozenset(SUBSERVICES_KEYS)
CUEC_SET = frozenset(CUEC_KEYS)
BRIDGE_SET = frozenset(BRIDGE_KEYS)
DOCUMENT_SET = frozenset(DOCUMENT_KEYS)
PROFILE_SET = frozenset(PROFILE_KEYS)


def reported_on(report_type: int | None, period_end: date | None, as_of: date | None) -> date:
    """The day an assurance report reports on (a type 2 report's period end, a type 1 report's
    ``as_of``); ``date.min`` when the file does not say, so that no issue date is too early."""
    day = period_end if report_type == 2 else as_of if report_type == 1 else None
    return day or date.min
