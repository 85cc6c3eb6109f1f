"""The controls of the entity forms, section by section: where each value goes in the chain
format's body, and how the form lays them out."""

from __future__ import annotations

from dataclasses import dataclass

from graph.model import (
    Assurance,
    IssuerQualification,
    Kind,
    Opinion,
    Scheme,
    SubserviceMethod,
    Verification,
)


@dataclass(frozen=True, slots=True)
class Field:
    """One control of an entity form: where its value goes in the chain format's body.

    ``kind`` is the control: ``text``, ``area`` (several lines), ``date``, ``select`` (one of
    ``choices``; ``default`` is the format's default, left out of the body), ``tristate`` (yes,
    no or unsaid), ``check``, ``ref`` (one id from the pick list ``pick``), ``refs`` (repeatable
    rows of ids from ``pick``), ``multi`` (check boxes of ``choices`` plus an "other" input) or
    ``rows`` (repeatable rows of ``columns``). ``group`` is the legend of the fieldset it sits in;
    ``item`` names one row of ``refs`` or ``rows`` ("an exception"), or the others of ``multi``.
    """

    name: str
    label: str
    path: tuple[str, ...]
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""
    integer: bool = False
    pick: str = ""
    columns: tuple[Field, ...] = ()
    group: str = ""
    item: str = ""
    key: bool = False
    required: bool = False
    default_true: bool = False
    column: bool = False
    hint: str = ""


CRITERIA = (
    ("security", "Security"),
    ("availability", "Availability"),
    ("processing-integrity", "Processing integrity"),
    ("confidentiality", "Confidentiality"),
    ("privacy", "Privacy"),
)
"""The trust services criteria offered as check boxes; others go in the criteria's "other"."""

# The countries offered as check boxes and in the country pick list: the EEA first, then
# others often seen in cloud contracts (ISO 3166-1 alpha-2 codes; any other goes in "other").
# fmt: off
COUNTRIES = (
    ("AT", "Austria"), ("BE", "Belgium"), ("BG", "Bulgaria"), ("HR", "Croatia"),
    ("CY", "Cyprus"), ("CZ", "Czechia"), ("DK", "Denmark"), ("EE", "Estonia"),
    ("FI", "Finland"), ("FR", "France"), ("DE", "Germany"), ("GR", "Greece"),
    ("HU", "Hungary"), ("IS", "Iceland"), ("IE", "Ireland"), ("IT", "Italy"),
    ("LV", "Latvia"), ("LI", "Liechtenstein"), ("LT", "Lithuania"), ("LU", "Luxembourg"),
    ("MT", "Malta"), ("NL", "Netherlands"), ("NO", "Norway"), ("PL", "Poland"),
    ("PT", "Portugal"), ("RO", "Romania"), ("SK", "Slovakia"), ("SI", "Slovenia"),
    ("ES", "Spain"), ("SE", "Sweden"),
    ("AU", "Australia"), ("BR", "Brazil"), ("CA", "Canada"), ("CN", "China"),
    ("HK", "Hong Kong"), ("IN", "India"), ("IL", "Israel"), ("JP", "Japan"),
    ("NZ", "New Zealand"), ("SG", "Singapore"), ("ZA", "South Africa"), ("KR", "South Korea"),
    ("CH", "Switzerland"), ("AE", "United Arab Emirates"), ("GB", "United Kingdom"),
    ("US", "United States"),
)
# fmt: on


def _values(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


_BLANK = (("", "—"),)

FIELDS: dict[str, tuple[Field, ...]] = {
    "suppliers": (
        Field("id", "Id", ("id",), key=True, required=True, column=True),
        Field("name", "Name", ("name",), required=True, column=True),
        Field(
            "country",
            "Country",
            ("country",),
            kind="ref",
            pick="countries",
            column=True,
            hint="ISO code, e.g. NL",
        ),
        Field(
            "parent",
            "Parent supplier",
            ("parent",),
            kind="ref",
            pick="suppliers",
            column=True,
            hint="the (ultimate) parent company",
        ),
        Field("ids_kvk", "KvK number", ("ids", "kvk"), group="Legal identifiers"),
        Field("ids_lei", "LEI", ("ids", "lei"), group="Legal identifiers"),
        Field("ids_euid", "EUID", ("ids", "euid"), group="Legal identifiers"),
        Field("ids_duns", "DUNS", ("ids", "duns"), group="Legal identifiers"),
        Field("ids_vat", "VAT number", ("ids", "vat"), group="Legal identifiers"),
        Field("contact_name", "Name", ("contact", "name"), group="Contact"),
        Field("contact_address", "Address", ("contact", "address"), kind="area", group="Contact"),
        Field("contact_email", "E-mail", ("contact", "email"), group="Contact"),
    ),
    "services": (
        Field("id", "Id", ("id",), key=True, required=True, column=True),
        Field("name", "Name", ("name",), required=True, column=True),
        Field(
            "supplier",
            "Supplier",
            ("supplier",),
            kind="ref",
            pick="suppliers",
            required=True,
            column=True,
        ),
        Field(
            "kind",
            "Kind",
            ("kind",),
            kind="select",
            choices=_BLANK + _values(*(k.value for k in Kind)),
            required=True,
            column=True,
        ),
        Field(
            "locations",
            "Locations",
            ("locations",),
            kind="multi",
            item="country codes",
            choices=COUNTRIES,
            hint="where the service stores or processes data",
        ),
        Field("personal_data", "Personal data", ("personal_data",), kind="check"),
        Field("description", "Description", ("description",), kind="area"),
    ),
    "dependencies": (
        Field(
            "from",
            "From (consumer)",
            ("from",),
            kind="ref",
            pick="services",
            key=True,
            required=True,
            column=True,
        ),
        Field(
            "to",
            "To (provider)",
            ("to",),
            kind="ref",
            pick="services",
            key=True,
            required=True,
            column=True,
        ),
        Field("role", "Role", ("role",), column=True, hint="hosting, backup, e-mail, ..."),
        Field("relevant", "Relevant", ("relevant",), kind="check", default_true=True),
        Field("reason", "Reason (when not relevant)", ("reason",), column=True),
        Field("critical", "Critical", ("critical",), kind="check", column=True),
        Field(
            "personal_data",
            "Personal data",
            ("personal_data",),
            kind="tristate",
            choices=(("", "as the provider service says"), ("true", "yes"), ("false", "no")),
        ),
        Field(
            "locations",
            "Locations",
            ("locations",),
            kind="multi",
            item="country codes",
            choices=COUNTRIES,
            hint="where the consumer's data live; none ticked: the provider service's",
        ),
        Field("contract", "Contract", ("contract",), hint="a contract reference"),
    ),
    "evidence": (
        Field("id", "Id", ("id",), key=True, required=True, column=True),
        Field(
            "scheme",
            "Scheme",
            ("scheme",),
            kind="select",
            choices=_BLANK + tuple((s.value, f"{s.value}: {s.label}") for s in Scheme),
            required=True,
            column=True,
        ),
        Field(
            "holder",
            "Holder (supplier)",
            ("holder",),
            kind="ref",
            pick="suppliers",
            required=True,
            column=True,
        ),
        Field(
            "covers",
            "Covers (services)",
            ("covers",),
            kind="refs",
            item="a service",
            pick="services",
            required=True,
            column=True,
        ),
        Field(
            "type",
            "Report type",
            ("type",),
            kind="select",
            integer=True,
            choices=(
                ("", "—"),
                ("1", "type 1 (design)"),
                ("2", "type 2 (operating effectiveness)"),
            ),
            hint="assurance reports",
        ),
        Field(
            "period_from", "From", ("period", "from"), kind="date", group="Tested period (type 2)"
        ),
        Field("period_to", "To", ("period", "to"), kind="date", group="Tested period (type 2)"),
        Field("as_of", "Design date (type 1)", ("as_of",), kind="date", group="Dates"),
        Field("issued", "Issued", ("issued",), kind="date", group="Dates"),
        Field(
            "valid_until", "Valid until", ("valid_until",), kind="date", column=True, group="Dates"
        ),
        Field("bridge_from", "From", ("bridge_letter", "from"), kind="date", group="Bridge letter"),
        Field("bridge_to", "To", ("bridge_letter", "to"), kind="date", group="Bridge letter"),
        Field(
            "bridge_signed_by", "Signed by", ("bridge_letter", "signed_by"), group="Bridge letter"
        ),
        Field(
            "criteria",
            "Criteria",
            ("criteria",),
            kind="multi",
            item="criteria",
            choices=CRITERIA,
            hint="criteria or control areas in scope",
        ),
        Field(
            "locations",
            "Locations",
            ("locations",),
            kind="multi",
            item="country codes",
            choices=COUNTRIES,
            hint="in scope; none ticked: not restricted",
        ),
        Field("scope", "Scope statement", ("scope",), kind="area"),
        Field(
            "scheme_version",  # not "version": the form's version is the entity's, for 412
            "Scheme version",
            ("version",),
            hint="e.g. ISO/IEC 27001:2022",
        ),
        Field("issuer", "Name", ("issuer",), group="Issuer"),
        Field(
            "issuer_qualification",
            "Qualification",
            ("issuer_qualification",),
            kind="select",
            choices=_BLANK + _values(*(q.value for q in IssuerQualification)),
            group="Issuer",
        ),
        Field(
            "accreditation_body",
            "Accreditation body",
            ("accreditation", "body"),
            group="Accreditation (certificates)",
        ),
        Field(
            "accreditation_iaf_mla",
            "Signatory of the IAF MLA",
            ("accreditation", "iaf_mla"),
            kind="tristate",
            choices=(("", "—"), ("true", "yes"), ("false", "no")),
            group="Accreditation (certificates)",
        ),
        Field(
            "assurance",
            "Assurance",
            ("assurance",),
            kind="select",
            choices=_values(*(a.value for a in Assurance)),
            default=Assurance.REASONABLE.value,
            group="Conclusion",
        ),
        Field(
            "opinion",
            "Opinion",
            ("opinion",),
            kind="select",
            choices=_values(*(o.value for o in Opinion)),
            default=Opinion.UNQUALIFIED.value,
            group="Conclusion",
        ),
        Field(
            "exceptions",
            "Exceptions",
            ("exceptions",),
            kind="rows",
            item="an exception",
            hint="deviations the auditor reported",
            columns=(
                Field("criterion", "Criterion", ("criterion",)),
                Field("description", "Description", ("description",)),
                Field("response", "Management's response", ("response",)),
            ),
        ),
        Field(
            "subservices_method",
            "Method",
            ("subservices", "method"),
            kind="select",
            choices=_values(*(m.value for m in SubserviceMethod)),
            default=SubserviceMethod.NONE.value,
            group="Sub-services",
        ),
        Field(
            "carved_out",
            "Carved out (services)",
            ("subservices", "carved_out"),
            kind="refs",
            item="a carved-out service",
            pick="services",
            group="Sub-services",
        ),
        Field(
            "included",
            "Included (services)",
            ("subservices", "included"),
            kind="refs",
            item="an included service",
            pick="services",
            group="Sub-services",
        ),
        Field(
            "cuecs",
            "Complementary user entity controls (CUECs)",
            ("cuecs",),
            kind="rows",
            item="a CUEC",
            columns=(
                Field("id", "Id", ("id",)),
                Field("text", "Text", ("text",)),
                Field("addressed", "Addressed", ("addressed",), kind="check"),
            ),
        ),
        Field(
            "verification",
            "Verification",
            ("verification",),
            kind="select",
            choices=_values(*(v.value for v in Verification)),
            default=Verification.SIGHTED.value,
            hint="how far the document itself was seen",
        ),
        Field("document_name", "File name", ("document", "name"), group="Document pointer"),
        Field("document_sha256", "SHA-256", ("document", "sha256"), group="Document pointer"),
    ),
}


@dataclass(frozen=True, slots=True)
class Block:
    """A run of a form's fields: one on its own, or a group in a fieldset with a legend."""

    legend: str
    fields: tuple[Field, ...]


def layout(section: str) -> list[Block]:
    """The form's fields in order, each group of them in one block.

    >>> [(b.legend, len(b.fields)) for b in layout("suppliers")][4:]
    [('Legal identifiers', 5), ('Contact', 3)]
    """
    blocks: list[Block] = []
    for field in FIELDS[section]:
        if field.group and blocks and blocks[-1].legend == field.group:
            blocks[-1] = Block(field.group, (*blocks[-1].fields, field))
        else:
            blocks.append(Block(field.group, (field,)))
    return blocks
