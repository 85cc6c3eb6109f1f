"""Domain types of a chain: suppliers, services, dependencies, evidence and profiles.

Every type is a frozen, slotted dataclass keyed by string ids, exactly as the chain file
(``chain-format.md``) names them. Optional fields use ``None``; optional lists use an empty tuple,
which the contract treats the same as an absent key. Keys starting with ``x-`` are kept in
``extra`` so that a chain survives a load and a write unchanged.

Examples
--------
>>> s = Service(id="kidsplan-online", name="KidsPlan Online", supplier="kidsplan", kind=Kind.SAAS)
>>> s.kind.value, s.locations, s.personal_data
('saas', (), False)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph.i18n import N_

FORMAT_VERSION = 1

Extra = Mapping[str, Any]


class Kind(enum.Enum):
    """What a service is."""

    SAAS = "saas"
    PAAS = "paas"
    IAAS = "iaas"
    MANAGED = "managed"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The word a person reads (``SaaS``, ``managed service``), in English; the pages
        translate it."""
        return _KIND_LABEL[self]


_KIND_LABEL: dict[Kind, str] = {
    Kind.SAAS: "SaaS",
    Kind.PAAS: "PaaS",
    Kind.IAAS: "IaaS",
    Kind.MANAGED: N_("managed service"),
    Kind.OTHER: N_("other service"),
}


class SchemeClass(enum.Enum):
    """How a scheme's evidence is judged (the class column of the scheme table)."""

    LABEL = "label"
    ASSURANCE_REPORT = "assurance report"
    SUMMARY_REPORT = "summary report"
    MANAGEMENT_SYSTEM = "management-system certificate"
    MANUAL_REVIEW = "certificate, manual review"
    DOMAIN_LIMITED = "domain-limited attestation"
    SELF_DECLARATION = "self-declaration"
    MANAGEMENT_LETTER = "management letter"


class Scheme(enum.Enum):
    """The certification and assurance schemes of the chain format."""

    ZEKER_ONLINE = "zeker-online"
    ISAE3402 = "isae3402"
    ISAE3000 = "isae3000"
    SOC1 = "soc1"
    SOC2 = "soc2"
    TPM = "tpm"
    C5 = "c5"
    CSA_STAR_ATTESTATION = "csa-star-attestation"
    SOC3 = "soc3"
    ISO27001 = "iso27001"
    NEN7510 = "nen7510"
    HDS = "hds"
    TISAX = "tisax"
    CSA_STAR_CERTIFICATION = "csa-star-certification"
    EUCS = "eucs"
    FEDRAMP = "fedramp"
    PCI_DSS = "pci-dss"
    CSA_STAR_SELF = "csa-star-self"
    SELF_DECLARATION = "self-declaration"
    BRIDGE_LETTER = "bridge-letter"

    @property
    def scheme_class(self) -> SchemeClass:
        """The class that decides which checks apply."""
        return _SCHEME_CLASS[self]

    @property
    def label(self) -> str:
        """The name an auditor writes, e.g. ``ISO/IEC 27001 certificate``."""
        return _SCHEME_LABEL[self]


_SCHEME_CLASS: dict[Scheme, SchemeClass] = {
    Scheme.ZEKER_ONLINE: SchemeClass.LABEL,
    Scheme.ISAE3402: SchemeClass.ASSURANCE_REPORT,
    Scheme.ISAE3000: SchemeClass.ASSURANCE_REPORT,
    Scheme.SOC1: SchemeClass.ASSURANCE_REPORT,
    Scheme.SOC2: SchemeClass.ASSURANCE_REPORT,
    Scheme.TPM: SchemeClass.ASSURANCE_REPORT,
    Scheme.C5: SchemeClass.ASSURANCE_REPORT,
    Scheme.CSA_STAR_ATTESTATION: SchemeClass.ASSURANCE_REPORT,
    Scheme.SOC3: SchemeClass.SUMMARY_REPORT,
    Scheme.ISO27001: SchemeClass.MANAGEMENT_SYSTEM,
    Scheme.NEN7510: SchemeClass.MANAGEMENT_SYSTEM,
    Scheme.HDS: SchemeClass.MANAGEMENT_SYSTEM,
    Scheme.TISAX: SchemeClass.MANAGEMENT_SYSTEM,
    Scheme.CSA_STAR_CERTIFICATION: SchemeClass.MANAGEMENT_SYSTEM,
    Scheme.EUCS: SchemeClass.MANUAL_REVIEW,
    Scheme.FEDRAMP: SchemeClass.MANUAL_REVIEW,
    Scheme.PCI_DSS: SchemeClass.DOMAIN_LIMITED,
    Scheme.CSA_STAR_SELF: SchemeClass.SELF_DECLARATION,
    Scheme.SELF_DECLARATION: SchemeClass.SELF_DECLARATION,
    Scheme.BRIDGE_LETTER: SchemeClass.MANAGEMENT_LETTER,
}

_SCHEME_LABEL: dict[Scheme, str] = {
    Scheme.ZEKER_ONLINE: "Zeker-OnLine keurmerk",
    Scheme.ISAE3402: "ISAE 3402 report",
    Scheme.ISAE3000: "ISAE 3000 report",
    Scheme.SOC1: "SOC 1 report",
    Scheme.SOC2: "SOC 2 report",
    Scheme.TPM: "Third Party Mededeling",
    Scheme.C5: "BSI C5 attestation",
    Scheme.CSA_STAR_ATTESTATION: "CSA STAR attestation",
    Scheme.SOC3: "SOC 3 report",
    Scheme.ISO27001: "ISO/IEC 27001 certificate",
    Scheme.NEN7510: "NEN 7510 certificate",
    Scheme.HDS: "HDS certificate",
    Scheme.TISAX: "TISAX label",
    Scheme.CSA_STAR_CERTIFICATION: "CSA STAR certification",
    Scheme.EUCS: "EUCS certificate",
    Scheme.FEDRAMP: "FedRAMP authorization",
    Scheme.PCI_DSS: "PCI DSS attestation of compliance",
    Scheme.CSA_STAR_SELF: "CSA STAR self-assessment",
    Scheme.SELF_DECLARATION: "self-declaration",
    Scheme.BRIDGE_LETTER: "bridge letter",
}


class IssuerQualification(enum.Enum):
    """The professional qualification of whoever issued the evidence."""

    RE = "re"
    RA = "ra"
    CPA = "cpa"
    WP = "wp"
    QSA = "qsa"
    THREE_PAO = "3pao"
    CB = "cb"
    NONE = "none"


class Assurance(enum.Enum):
    """The level of assurance of a report."""

    REASONABLE = "reasonable"
    LIMITED = "limited"


class Opinion(enum.Enum):
    """The auditor's opinion in a report."""

    UNQUALIFIED = "unqualified"
    QUALIFIED = "qualified"
    ADVERSE = "adverse"
    DISCLAIMER = "disclaimer"


class SubserviceMethod(enum.Enum):
    """How a report treats the holder's own sub-services."""

    CARVE_OUT = "carve-out"
    INCLUSIVE = "inclusive"
    NONE = "none"


class Verification(enum.Enum):
    """How far the evidence document itself was seen."""

    VERIFIED = "verified"
    SIGHTED = "sighted"
    CLAIMED = "claimed"


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of calendar days, ``start..end``.

    >>> DateRange(date(2026, 1, 1), date(2026, 1, 31)).days
    31
    """

    start: date
    end: date

    @property
    def days(self) -> int:
        """The number of days in the range, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Supplier:
    """A legal entity that delivers services."""

    id: str
    name: str
    country: str | None = None
    ids: Mapping[str, str] = field(default_factory=dict)
    parent: str | None = None
    contact: Mapping[str, str] = field(default_factory=dict)
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Service:
    """A service some supplier delivers; the nodes of the chain."""

    id: str
    name: str
    supplier: str
    kind: Kind
    locations: tuple[str, ...] = ()
    personal_data: bool = False
    description: str | None = None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dependency:
    """A link of the chain: ``consumer`` relies on ``provider``.

    ``personal_data`` and ``locations`` are ``None`` when the file leaves them to the provider
    service's values.
    """

    consumer: str
    provider: str
    role: str | None = None
    relevant: bool = True
    reason: str | None = None
    critical: bool = False
    personal_data: bool | None = None
    locations: tuple[str, ...] | None = None
    contract: str | None = None
    extra: Extra = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The link's identity, ``(consumer, provider)``."""
        return (self.consumer, self.provider)


@dataclass(frozen=True, slots=True)
class Accreditation:
    """The accreditation of a certificate's issuer."""

    iaf_mla: bool
    body: str | None = None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportException:
    """A deviation the auditor reported."""

    criterion: str | None = None
    description: str | None = None
    response: str | None = None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Subservices:
    """How a report treats its holder's sub-services."""

    method: SubserviceMethod = SubserviceMethod.NONE
    carved_out: tuple[str, ...] = ()
    included: tuple[str, ...] = ()
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cuec:
    """A complementary user entity control the consumer must run."""

    id: str
    text: str | None = None
    addressed: bool = False
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BridgeLetter:
    """A management letter that bridges the gap after a report's period."""

    start: date
    end: date
    signed_by: str | None = None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Document:
    """A pointer to the evidence file."""

    name: str | None = None
    sha256: str | None = None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A certificate, assurance report or declaration for one or more services."""

    id: str
    scheme: Scheme
    holder: str
    covers: tuple[str, ...]
    type: int | None = None
    period: DateRange | None = None
    as_of: date | None = None
    issued: date | None = None
    valid_until: date | None = None
    locations: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    scope: str | None = None
    version: str | None = None
    issuer: str | None = None
    issuer_qualification: IssuerQualification | None = None
    accreditation: Accreditation | None = None
    assurance: Assurance = Assurance.REASONABLE
    opinion: Opinion = Opinion.UNQUALIFIED
    exceptions: tuple[ReportException, ...] = ()
    subservices: Subservices = Subservices()
    cuecs: tuple[Cuec, ...] = ()
    bridge_letter: BridgeLetter | None = None
    verification: Verification = Verification.SIGHTED
    document: Document | None = None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Profile:
    """Thresholds and scheme classes for judging evidence.

    As a file defines it, every threshold may be ``None`` (take the extended profile's);
    :func:`graph.profiles.resolve_profile` returns one with every field set.
    """

    id: str
    extends: str | None = None
    min_period_months: int | None = None
    max_age_months: int | None = None
    bridge_max_months: int | None = None
    expiring_days: int | None = None
    required_criteria: tuple[str, ...] | None = None
    accept_as_equivalent: tuple[Scheme, ...] | None = None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Chain:
    """A whole chain file: offerings, and every entity by id, in file order."""

    offerings: tuple[str, ...]
    suppliers: Mapping[str, Supplier] = field(default_factory=dict)
    services: Mapping[str, Service] = field(default_factory=dict)
    dependencies: Mapping[tuple[str, str], Dependency] = field(default_factory=dict)
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    title: str | None = None
    extra: Extra = field(default_factory=dict)
