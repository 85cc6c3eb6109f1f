"""The chain format as the reader and the writer use it, taken from :mod:`graph.schema`."""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import TypeVar, cast

from graph import schema
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
from graph.schema import SECTIONS, Field
from importers.chainfile.messages import quote

_E = TypeVar("_E", bound=enum.Enum)


# ---------------------------------------------------------------------------------------------
# What the reader and the writer take from graph.schema: the keys of every mapping (in the order
# the writer emits them, and as sets for the closed-key checks), and the enumerations by value.

SUPPLIERS, SERVICES, DEPENDENCIES, EVIDENCE, PROFILES = (
    SECTIONS[name] for name in ("suppliers", "services", "dependencies", "evidence", "profiles")
)


def keys_of(field: Field) -> tuple[str, ...]:
    """The keys of a mapping or rows field, in order."""
    return tuple(f.key for f in field.fields)


def choices_of(enum_type: type[_E], field: Field) -> dict[str, _E]:
    """The members of ``enum_type`` a choice field allows, by value, in the schema's order."""
    return {value: enum_type(value) for value in field.choices}


TOP_KEYS = schema.TOP_KEYS
PROFILE_FILE_KEYS = ("ketenkaart", "profiles")
SUPPLIER_KEYS = SUPPLIERS.keys
IDS_KEYS = keys_of(SUPPLIERS.field("ids"))
CONTACT_KEYS = keys_of(SUPPLIERS.field("contact"))
SERVICE_KEYS = SERVICES.keys
DEPENDENCY_KEYS = DEPENDENCIES.keys
EVIDENCE_KEYS = EVIDENCE.keys
PERIOD_KEYS = keys_of(EVIDENCE.field("period"))
ACCREDITATION_KEYS = keys_of(EVIDENCE.field("accreditation"))
EXCEPTION_KEYS = keys_of(EVIDENCE.field("exceptions"))
SUBSERVICES_KEYS = keys_of(EVIDENCE.field("subservices"))
CUEC_KEYS = keys_of(EVIDENCE.field("cuecs"))
BRIDGE_KEYS = keys_of(EVIDENCE.field("bridge_letter"))
DOCUMENT_KEYS = keys_of(EVIDENCE.field("document"))
THRESHOLDS = schema.THRESHOLDS
PROFILE_KEYS = PROFILES.keys

KINDS = choices_of(Kind, SERVICES.field("kind"))
SCHEMES = choices_of(Scheme, EVIDENCE.field("scheme"))
QUALIFICATIONS = choices_of(IssuerQualification, EVIDENCE.field("issuer_qualification"))
ASSURANCES = choices_of(Assurance, EVIDENCE.field("assurance"))
OPINIONS = choices_of(Opinion, EVIDENCE.field("opinion"))
METHODS = choices_of(SubserviceMethod, EVIDENCE.field("subservices").field("method"))
VERIFICATIONS = choices_of(Verification, EVIDENCE.field("verification"))
MANAGEMENT_SYSTEM_SCHEMES = choices_of(Scheme, PROFILES.field("accept_as_equivalent"))
ASSURANCE_REPORTS = frozenset(
    scheme for scheme in Scheme if scheme.scheme_class is SchemeClass.ASSURANCE_REPORT
)
NEEDS_VALID_UNTIL = frozenset(
    {*MANAGEMENT_SYSTEM_SCHEMES.values(), Scheme.ZEKER_ONLINE, Scheme.EUCS}
)

# The references of each section's entries, for those of a rejected entry: (the path of keys
# inside the entry, whether it names a service, else a supplier).
REFERENCES: dict[str, tuple[tuple[tuple[str, ...], bool], ...]] = {
    name: tuple((path, f.refers == "services") for path, f in section.references)
    for name, section in SECTIONS.items()
}

ID_RE = re.compile(schema.ID_PATTERN)
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


def entry_name(section: str, key: object) -> str:
    """How a message names the entry of ``section`` with ``key``: "service 'app'", ..."""
    if section == "dependencies":
        consumer, provider = cast("tuple[str, str]", key)
        return f"the link from {quote(consumer)} to {quote(provider)}"
    return f"{SECTIONS[section].singular} {quote(cast('str', key))}"
