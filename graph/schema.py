"""The chain format as data: every section, every field, its type, whether it is required, its
default, its choices, what it refers to, and the order the writer puts it in.

This table is the one place the shape of a chain is declared (issue 12). The reader and the
writer of :mod:`importers.chainfile`, the forms of the browser pages, the API's typed bodies and
filters, and the reference in ``docs/chain-format.md`` are all made from it; the rules that join
several fields (a type 2 report needs its period, ...) are named here too, by :data:`RULES`, and
checked by the reader.

Every mapping is closed: only its fields, plus keys that start with ``x-`` (kept, not read).

>>> SECTIONS["services"].field("kind").choices
('saas', 'paas', 'iaas', 'managed', 'other')
>>> [f.key for f in SECTIONS["dependencies"].key_fields]
['from', 'to']
>>> SECTIONS["evidence"].field("subservices").field("carved_out").refers
'services'
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from graph.model import (
    Assurance,
    IssuerQualification,
    Kind,
    Opinion,
    Scheme,
    SchemeClass,
    SubserviceMethod,
    Verification,
)

FieldType = Literal[
    "id",  # the entry's own id: [a-z0-9][a-z0-9._-]*
    "text",  # a string
    "ref",  # the id of an entry of the section ``refers``
    "refs",  # a list of such ids
    "bool",  # true or false
    "int",  # a whole number
    "date",  # an ISO 8601 calendar date, YYYY-MM-DD
    "country",  # an assigned ISO 3166-1 alpha-2 code in upper case
    "countries",  # a list of such codes
    "texts",  # a list of strings
    "choice",  # one of ``choices``
    "choices",  # a list of ``choices``
    "mapping",  # a closed mapping of ``fields``
    "rows",  # a list of closed mappings of ``fields``
]

ID_PATTERN = "[a-z0-9][a-z0-9._-]*"
"""The syntax of every id: suppliers, services, evidence, profiles."""


@dataclass(frozen=True, slots=True)
class Field:
    """One key of a mapping in the chain format.

    ``attr`` is the attribute of the :mod:`graph.model` type that holds the value, where it is
    not the key itself (``from`` is a dependency's ``consumer``). ``default`` is the value an
    absent key means, as the file would write it (``None``: absent is absent). ``label`` is
    the short name a person reads (forms, tables, docs); ``doc`` one sentence on its meaning.
    """

    key: str
    type: FieldType
    label: str
    doc: str
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    refers: str | None = None
    fields: tuple[Field, ...] = ()
    attr: str | None = None

    @property
    def attribute(self) -> str:
        """The model attribute that holds this field's value."""
        return self.attr or self.key

    @property
    def nested(self) -> bool:
        """Whether the value is a mapping, or a list of mappings, with fields of its own."""
        return self.type in ("mapping", "rows")

    def field(self, key: str) -> Field:
        """The nested field ``key`` of a mapping or rows field."""
        for found in self.fields:
            if found.key == key:
                return found
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Section:
    """A list of entries at the top of a chain file: suppliers, services, ...

    ``key`` names the fields that make an entry unique (an id, or a dependency's ``from`` and
    ``to``); ``singular`` is how a message names one entry.
    """

    name: str
    singular: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    doc: str

    def field(self, key: str) -> Field:
        for found in self.fields:
            if found.key == key:
                return found
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key, in the order the writer puts them."""
        return tuple(f.key for f in self.fields)

    @property
    def key_fields(self) -> tuple[Field, ...]:
        return tuple(self.field(k) for k in self.key)

    @property
    def references(self) -> Iterator[tuple[tuple[str, ...], Field]]:
        """Every field that names entries of another section, with its path of keys."""
        return _references(self.fields, ())


def _references(
    fields: tuple[Field, ...], head: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Field]]:
    for f in fields:
        if f.refers is not None:
            yield (*head, f.key), f
        if f.nested:
            yield from _references(f.fields, (*head, f.key))


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule that joins several fields, checked by the reader; ``where`` is the field the
    error names."""

    section: str
    where: str
    text: str


def _values(kind: type[enum.Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in kind)


def _code_map(keys: tuple[tuple[str, str, str], ...]) -> tuple[Field, ...]:
    return tuple(Field(key, "text", label, doc) for key, label, doc in keys)


SUPPLIERS = Section(
    "suppliers",
    "supplier",
    ("id",),
    (
        Field("id", "id", "Id", "Unique among suppliers.", required=True),
        Field("name", "text", "Name", "The legal name.", required=True),
        Field("country", "country", "Country", "Where the supplier is established."),
        Field(
            "ids",
            "mapping",
            "Legal identifiers",
            "Identifiers of the legal entity.",
            fields=_code_map(
                (
                    ("kvk", "KvK number", "Dutch Chamber of Commerce number."),
                    ("lei", "LEI", "Legal Entity Identifier (ISO 17442)."),
                    ("euid", "EUID", "European Unique Identifier of the business register."),
                    ("duns", "DUNS", "Dun & Bradstreet number."),
                    ("vat", "VAT number", "VAT identification number."),
                )
            ),
        ),
        Field(
            "parent",
            "ref",
            "Parent supplier",
            "The (ultimate) parent company.",
            refers="suppliers",
        ),
        Field(
            "contact",
            "mapping",
            "Contact",
            "Whom to ask (a GDPR disclosure names them).",
            fields=_code_map(
                (
                    ("name", "Name", "A person or a team."),
                    ("address", "Address", "A postal address."),
                    ("email", "E-mail", "An e-mail address."),
                )
            ),
        ),
    ),
    "Legal entities that deliver services.",
)

SERVICES = Section(
    "services",
    "service",
    ("id",),
    (
        Field("id", "id", "Id", "Unique among services.", required=True),
        Field("name", "text", "Name", "The service's name.", required=True),
        Field(
            "supplier",
            "ref",
            "Supplier",
            "Who delivers the service.",
            required=True,
            refers="suppliers",
        ),
        Field(
            "kind",
            "choice",
            "Kind",
            "What the service is.",
            required=True,
            choices=_values(Kind),
        ),
        Field(
            "locations",
            "countries",
            "Locations",
            "Where the service stores or processes data.",
        ),
        Field(
            "personal_data",
            "bool",
            "Personal data",
            "Whether the service processes personal data.",
            default=False,
        ),
        Field("description", "text", "Description", "Free text."),
    ),
    "The offerings and every service they rely on.",
)

DEPENDENCIES = Section(
    "dependencies",
    "dependency",
    ("from", "to"),
    (
        Field(
            "from",
            "ref",
            "From (consumer)",
            "The service that relies on the other.",
            required=True,
            refers="services",
            attr="consumer",
        ),
        Field(
            "to",
            "ref",
            "To (provider)",
            "The service relied on.",
            required=True,
            refers="services",
            attr="provider",
        ),
        Field("role", "text", "Role", "What the provider does: hosting, backup, e-mail, ..."),
        Field(
            "relevant",
            "bool",
            "Relevant",
            "Whether the link is in scope; false needs a reason.",
            default=True,
        ),
        Field("reason", "text", "Reason", "Why the link is out of scope."),
        Field(
            "critical",
            "bool",
            "Critical",
            "Supports a critical or important function (DORA).",
            default=False,
        ),
        Field(
            "personal_data",
            "bool",
            "Personal data",
            "Whether personal data cross the link; absent: the provider service's value.",
        ),
        Field(
            "locations",
            "countries",
            "Locations",
            "Where the consumer's data live at the provider; absent: the provider's locations.",
        ),
        Field("contract", "text", "Contract", "A contract reference."),
    ),
    'The links of the chain: "from relies on to".',
)

_PERIOD = (
    Field("from", "date", "From", "The first day.", required=True, attr="start"),
    Field("to", "date", "Until", "The last day.", required=True, attr="end"),
)

EVIDENCE = Section(
    "evidence",
    "evidence",
    ("id",),
    (
        Field("id", "id", "Id", "Unique among evidence.", required=True),
        Field(
            "scheme",
            "choice",
            "Scheme",
            "The certification or assurance scheme.",
            required=True,
            choices=_values(Scheme),
        ),
        Field(
            "holder",
            "ref",
            "Holder",
            "The supplier the evidence is issued to.",
            required=True,
            refers="suppliers",
        ),
        Field(
            "covers",
            "refs",
            "Covers",
            "The services inside its scope; at least one.",
            required=True,
            refers="services",
        ),
        Field("type", "int", "Report type", "Assurance reports: 1 (design) or 2 (operation)."),
        Field(
            "period",
            "mapping",
            "Tested period",
            "Type 2: the period the controls were tested over.",
            fields=_PERIOD,
        ),
        Field("as_of", "date", "Design date", "Type 1: the date of the design."),
        Field("issued", "date", "Issued", "The date of the report or certificate."),
        Field("valid_until", "date", "Valid until", "Certificates and labels: the expiry."),
        Field("locations", "countries", "Locations", "Locations in scope; absent: not restricted."),
        Field("criteria", "texts", "Criteria", "Criteria or control areas in scope."),
        Field("scope", "text", "Scope statement", "The scope, word for word."),
        Field("version", "text", "Scheme version", "e.g. ISO/IEC 27001:2022."),
        Field("issuer", "text", "Issuer", "Who issued it."),
        Field(
            "issuer_qualification",
            "choice",
            "Issuer's qualification",
            "RE, RA, CPA, ..., or a certification body.",
            choices=_values(IssuerQualification),
        ),
        Field(
            "accreditation",
            "mapping",
            "Accreditation",
            "Certificates: the accreditation of the issuer.",
            fields=(
                Field("body", "text", "Body", "The accreditation body, e.g. RvA."),
                Field(
                    "iaf_mla",
                    "bool",
                    "IAF MLA",
                    "Whether the body signed the IAF multilateral agreement.",
                    required=True,
                ),
            ),
        ),
        Field(
            "assurance",
            "choice",
            "Assurance",
            "The level of assurance.",
            default=Assurance.REASONABLE.value,
            choices=_values(Assurance),
        ),
        Field(
            "opinion",
            "choice",
            "Opinion",
            "The auditor's opinion.",
            default=Opinion.UNQUALIFIED.value,
            choices=_values(Opinion),
        ),
        Field(
            "exceptions",
            "rows",
            "Exceptions",
            "Deviations the auditor reported.",
            fields=(
                Field("criterion", "text", "Criterion", "The criterion or control."),
                Field("description", "text", "Description", "What was found."),
                Field("response", "text", "Management's response", "What management said."),
            ),
        ),
        Field(
            "subservices",
            "mapping",
            "Sub-services",
            "How the report treats the holder's own sub-services.",
            fields=(
                Field(
                    "method",
                    "choice",
                    "Method",
                    "carve-out, inclusive or none.",
                    default=SubserviceMethod.NONE.value,
                    choices=_values(SubserviceMethod),
                ),
                Field(
                    "carved_out",
                    "refs",
                    "Carved out",
                    "Services excluded from the report.",
                    refers="services",
                ),
                Field(
                    "included",
                    "refs",
                    "Included",
                    "Services whose controls the report tested.",
                    refers="services",
                ),
            ),
        ),
        Field(
            "cuecs",
            "rows",
            "CUECs",
            "Complementary user entity controls the consumer must run.",
            fields=(
                Field("id", "text", "Id", "The report's number for it.", required=True),
                Field("text", "text", "Text", "The control."),
                Field(
                    "addressed",
                    "bool",
                    "Addressed",
                    "Whether the consumer runs it.",
                    default=False,
                ),
            ),
        ),
        Field(
            "bridge_letter",
            "mapping",
            "Bridge letter",
            "Management's statement for the time after the period.",
            fields=(*_PERIOD, Field("signed_by", "text", "Signed by", "Who signed it.")),
        ),
        Field(
            "verification",
            "choice",
            "Verification",
            "How the evidence was checked: verified, sighted or claimed.",
            default=Verification.SIGHTED.value,
            choices=_values(Verification),
        ),
        Field(
            "document",
            "mapping",
            "Document",
            "A pointer to the evidence file.",
            fields=(
                Field("name", "text", "Name", "The file's name."),
                Field("sha256", "text", "SHA-256", "The file's SHA-256, in hex."),
            ),
        ),
    ),
    "Certificates, assurance reports and declarations.",
)

THRESHOLDS = ("min_period_months", "max_age_months", "bridge_max_months", "expiring_days")
"""The profile's numbers, each taken from the extended profile when absent."""

PROFILES = Section(
    "profiles",
    "profile",
    ("id",),
    (
        Field("id", "id", "Id", "Unique; not the id of a built-in profile.", required=True),
        Field("extends", "text", "Extends", "The built-in profile it refines.", required=True),
        Field(
            "min_period_months",
            "int",
            "Shortest period (months)",
            "The shortest tested period that counts.",
        ),
        Field(
            "max_age_months",
            "int",
            "Oldest report (months)",
            "How long after its period a report still counts.",
        ),
        Field(
            "bridge_max_months",
            "int",
            "Longest bridge (months)",
            "The longest a bridge letter may stretch a report.",
        ),
        Field(
            "expiring_days",
            "int",
            "Expiring within (days)",
            "How soon before its end evidence is called expiring.",
        ),
        Field(
            "required_criteria",
            "texts",
            "Required criteria",
            "Criteria an assurance report must cover.",
        ),
        Field(
            "accept_as_equivalent",
            "choices",
            "Accepted as equivalent",
            "Management-system schemes that count as equivalent when they pass checks 7-9.",
            choices=tuple(
                s.value for s in Scheme if s.scheme_class is SchemeClass.MANAGEMENT_SYSTEM
            ),
        ),
    ),
    "Profiles beyond the built-in ones.",
)

SECTIONS: dict[str, Section] = {
    s.name: s for s in (SUPPLIERS, SERVICES, DEPENDENCIES, EVIDENCE, PROFILES)
}
"""Every section, in the order of the file."""

TOP = (
    Field("ketenkaart", "int", "Format version", "The format version: 1.", required=True),
    Field("title", "text", "Title", "What the chain is."),
    Field(
        "offerings",
        "refs",
        "Offerings",
        "The root services: the offerings under audit; at least one, no repeats.",
        required=True,
        refers="services",
    ),
)
"""The top-level keys before the sections."""

TOP_KEYS = (*(f.key for f in TOP), *SECTIONS)
"""Every top-level key, in the order the writer puts them."""

RULES = (
    Rule("dependencies", "reason", "A link out of scope (`relevant: false`) needs a reason."),
    Rule("dependencies", "to", "Two dependencies may not have the same `from` and `to`."),
    Rule("evidence", "type", "An assurance report needs `type`, 1 or 2; others ignore it."),
    Rule("evidence", "period", "A type 2 report needs its `period`."),
    Rule("evidence", "period.from", "`period.from` is not after `period.to`."),
    Rule(
        "evidence",
        "issued",
        "An assurance report is not `issued` before what it reports on: a type 2 before "
        "`period.to`, a type 1 before `as_of`.",
    ),
    Rule(
        "evidence",
        "valid_until",
        "A management-system certificate, `zeker-online` or `eucs` needs `valid_until`.",
    ),
    Rule(
        "evidence",
        "subservices",
        "With method `none`, `carved_out` and `included` stay empty.",
    ),
    Rule("evidence", "bridge_letter.from", "A bridge letter's `from` is not after its `to`."),
    Rule("profiles", "extends", "`extends` names a built-in profile."),
    Rule("suppliers", "parent", "Parents form no cycle."),
)
"""The rules that join fields or entries, in words; the reader checks each."""
