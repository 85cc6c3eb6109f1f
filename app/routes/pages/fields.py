"""The controls of the entity forms, section by section, made from the chain format's schema
(:mod:`graph.schema`): where each value goes in the body, which control takes it, and how the
form lays them out. What the schema does not say (hints, legends, table columns, text areas,
the texts of choices) is in :data:`LOOKS`, by the schema field's key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from graph import schema
from graph.i18n import N_
from graph.model import Kind, Scheme


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
    ("security", N_("Security")),
    ("availability", N_("Availability")),
    ("processing-integrity", N_("Processing integrity")),
    ("confidentiality", N_("Confidentiality")),
    ("privacy", N_("Privacy")),
)
"""The trust services criteria offered as check boxes; others go in the criteria's "other"."""

# The countries offered as check boxes and in the country pick list: the EEA first, then
# others often seen in cloud contracts (ISO 3166-1 alpha-2 codes; any other goes in "other").
# fmt: off
COUNTRIES = (
    ("AT", N_("Austria")), ("BE", N_("Belgium")), ("BG", N_("Bulgaria")), ("HR", N_("Croatia")),
    ("CY", N_("Cyprus")), ("CZ", N_("Czechia")), ("DK", N_("Denmark")), ("EE", N_("Estonia")),
    ("FI", N_("Finland")), ("FR", N_("France")), ("DE", N_("Germany")), ("GR", N_("Greece")),
    ("HU", N_("Hungary")), ("IS", N_("Iceland")), ("IE", N_("Ireland")), ("IT", N_("Italy")),
    ("LV", N_("Latvia")), ("LI", N_("Liechtenstein")), ("LT", N_("Lithuania")),
    ("LU", N_("Luxembourg")),
    ("MT", N_("Malta")), ("NL", N_("Netherlands")), ("NO", N_("Norway")), ("PL", N_("Poland")),
    ("PT", N_("Portugal")), ("RO", N_("Romania")), ("SK", N_("Slovakia")), ("SI", N_("Slovenia")),
    ("ES", N_("Spain")), ("SE", N_("Sweden")),
    ("AU", N_("Australia")), ("BR", N_("Brazil")), ("CA", N_("Canada")), ("CN", N_("China")),
    ("HK", N_("Hong Kong")), ("IN", N_("India")), ("IL", N_("Israel")), ("JP", N_("Japan")),
    ("NZ", N_("New Zealand")), ("SG", N_("Singapore")), ("ZA", N_("South Africa")),
    ("KR", N_("South Korea")),
    ("CH", N_("Switzerland")), ("AE", N_("United Arab Emirates")), ("GB", N_("United Kingdom")),
    ("US", N_("United States")),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Look:
    """How a field of :mod:`graph.schema` shows in its form, where the schema does not say.

    ``name`` is the input's name where it is not the path joined by ``_`` (a mapping's: the
    first part of its fields' names); ``group`` the legend
    of the fieldset (a mapping's legend instead of its label; consecutive fields with the same
    group share one); ``column`` shows the field as a column of the section's table; ``area``
    gives a text several lines; ``choices`` are the texts of a select's or check boxes' values
    (a select's values come from the schema unless the schema has none); ``blank`` is the text
    of a select's "unsaid" option; ``item`` names one row of a repeatable field, or the others
    of check boxes; ``after`` puts the field right after another instead of in the schema's
    order.
    """

    name: str = ""
    hint: str = ""
    group: str = ""
    column: bool = False
    area: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    blank: str = "—"
    item: str = ""
    after: str = ""


_TABLE = Look(column=True)

LOOKS: dict[str, dict[str, Look]] = {
    "suppliers": {
        "id": _TABLE,
        "name": _TABLE,
        "country": Look(column=True, hint=N_("ISO code, e.g. NL")),
        "parent": Look(column=True, hint=N_("the (ultimate) parent company"), after="country"),
        "contact.address": Look(area=True),
    },
    "services": {
        "id": _TABLE,
        "name": _TABLE,
        "supplier": _TABLE,
        "kind": Look(column=True, choices=tuple((k.value, k.label) for k in Kind)),
        "locations": Look(hint=N_("where the service stores or processes data")),
        "description": Look(area=True),
    },
    "dependencies": {
        "from": _TABLE,
        "to": _TABLE,
        "role": Look(column=True, hint=N_("hosting, backup, e-mail, ...")),
        "reason": Look(column=True, hint=N_("when not relevant")),
        "critical": _TABLE,
        "personal_data": Look(blank=N_("as the provider service says")),
        "locations": Look(
            hint=N_("where the consumer's data live; none ticked: the provider service's")
        ),
        "contract": Look(hint=N_("a contract reference")),
    },
    "evidence": {
        "id": _TABLE,
        "scheme": Look(
            column=True,
            # the code beside the words, but once where they are the same (self-declaration)
            choices=tuple(
                (s.value, s.label if s.label.lower() == s.value else f"{s.value}: {s.label}")
                for s in Scheme
            ),
        ),
        "holder": _TABLE,
        "covers": _TABLE,
        "type": Look(
            hint=N_("assurance reports"),
            choices=(("1", N_("type 1 (design)")), ("2", N_("type 2 (operating effectiveness)"))),
        ),
        "period": Look(group=N_("Tested period (type 2)")),
        "as_of": Look(group=N_("Dates"), hint=N_("type 1")),
        "issued": Look(group=N_("Dates")),
        # not a column: the table shows when a piece stops counting, which for a certificate
        # is its valid_until and for a report its period's end plus the profile's months
        "valid_until": Look(group=N_("Dates")),
        "bridge_letter": Look(name="bridge", after="valid_until"),
        "criteria": Look(
            choices=CRITERIA, hint=N_("criteria or control areas in scope"), after="bridge_letter"
        ),
        "locations": Look(hint=N_("in scope; none ticked: not restricted")),
        "scope": Look(area=True),
        # not "version": the form's own version is the row's revision, for the stale check
        "version": Look(name="scheme_version", hint=N_("e.g. ISO/IEC 27001:2022")),
        "issuer_qualification": Look(
            choices=(
                ("re", N_("RE (registeraccountant, NL)")),
                ("ra", N_("RA (accountant-administratieconsulent, NL)")),
                ("cpa", N_("CPA (certified public accountant, US)")),
                ("wp", N_("WP (Wirtschaftsprüfer, DE)")),
                ("qsa", N_("QSA (PCI qualified security assessor)")),
                ("3pao", N_("3PAO (FedRAMP third-party assessment organisation)")),
                ("cb", N_("certification body")),
                ("none", N_("none of these")),
            )
        ),
        "accreditation": Look(group=N_("Accreditation (certificates)")),
        "accreditation.iaf_mla": Look(hint=N_("the body signed the IAF multilateral agreement")),
        "assurance": Look(group=N_("Conclusion")),
        "opinion": Look(group=N_("Conclusion")),
        "exceptions": Look(item=N_("an exception"), hint=N_("deviations the auditor reported")),
        "subservices.carved_out": Look(name="carved_out", item=N_("a carved-out service")),
        "subservices.included": Look(name="included", item=N_("an included service")),
        "cuecs": Look(item=N_("a CUEC"), hint=N_("complementary user entity controls")),
        "verification": Look(hint=N_("how far the document itself was seen")),
        "document": Look(group=N_("Document pointer")),
    },
}
"""What each section's form shows beyond the schema, by the schema field's key (``a.b`` for a
key inside a mapping): hints, legends, table columns, text areas, the texts of choices."""

_ONE = {
    "supplier": N_("a supplier"),
    "service": N_("a service"),
    "dependency": N_("a dependency"),
    "evidence": N_("a piece of evidence"),
    "profile": N_("a profile"),
}
"""One row of a repeatable field of references, by the section it refers to."""

_YES_NO = (("true", N_("yes")), ("false", N_("no")))


def fields_of(
    section: schema.Section, looks: Mapping[str, Look] | None = None
) -> tuple[Field, ...]:
    """The controls of a section's form, one per field of the schema (one per field of a
    mapping, under the mapping's legend), in the schema's order.

    A field's type decides its control: ``ref`` picks one id of ``refers``, ``refs`` several;
    ``choice`` is a select (with an "unsaid" option when the format has no default);
    ``bool`` is a check box when the format has a default and yes/no/unsaid when it has none;
    ``date`` a date picker; ``country`` picks a country code; ``countries`` ticks countries,
    ``texts`` and ``choices`` tick values (each with an "other" input); ``rows`` repeats rows
    of its fields; ``mapping`` gives its fields; anything else is a text. A field is required
    when it and every mapping it sits in are.

    >>> [(f.name, f.kind, f.required) for f in fields_of(schema.SECTIONS["services"])][2:5]
    [('supplier', 'ref', True), ('kind', 'select', True), ('locations', 'multi', False)]
    """
    looks = LOOKS.get(section.name, {}) if looks is None else looks
    runs: list[tuple[str, tuple[Field, ...]]] = []
    for field in section.fields:
        look = looks.get(field.key, Look())
        if field.type == "mapping":
            controls = tuple(
                _control(
                    inner,
                    looks.get(f"{field.key}.{inner.key}", Look()),
                    (field.key, inner.key),
                    prefix=look.name or field.key,
                    group=look.group or field.label,
                    required=field.required and inner.required,
                )
                for inner in field.fields
            )
        else:
            controls = (
                _control(
                    field,
                    look,
                    (field.key,),
                    group=look.group,
                    required=field.required,
                    key=field.key in section.key,
                ),
            )
        runs.append((field.key, controls))
    for key, look in looks.items():
        if look.after:
            run = next(r for r in runs if r[0] == key)
            runs.remove(run)
            place = next(i for i, r in enumerate(runs) if r[0] == look.after)
            runs.insert(place + 1, run)
    found = tuple(control for _, controls in runs for control in controls)
    names = [f.name for f in found]
    if len(set(names)) != len(names):
        raise ValueError(f"two controls of the {section.name} form have the same name")
    return found


def _control(
    field: schema.Field,
    look: Look,
    path: tuple[str, ...],
    *,
    prefix: str = "",
    group: str = "",
    required: bool = False,
    key: bool = False,
) -> Field:
    """The control of one schema field (not a mapping) at ``path`` in the body."""
    made = Field(
        name=look.name or "_".join((prefix, path[-1]) if prefix else path),
        label=field.label,
        path=path,
        group=group,
        key=key,
        required=required,
        column=look.column,
        hint=look.hint,
        item=look.item,
    )
    blank = (("", look.blank),) if field.default is None else ()
    if field.type in ("ref", "refs"):
        refers = field.refers or ""
        known = schema.SECTIONS.get(refers)
        item = look.item or (_ONE.get(known.singular, "") if known else "") or N_("an id")
        return replace(made, kind=field.type, pick=refers, item=item)
    if field.type == "country":
        return replace(made, kind="ref", pick="countries")
    if field.type == "choice" or (look.choices and field.type in ("int", "text")):
        texts = dict(look.choices)
        values = field.choices or tuple(texts)
        return replace(
            made,
            kind="select",
            choices=blank + tuple((v, texts.get(v, v)) for v in values),
            default=str(field.default or ""),
            integer=field.type == "int",
        )
    if field.type == "bool":
        if field.default is None:
            return replace(made, kind="tristate", choices=blank + _YES_NO)
        return replace(made, kind="check", default_true=field.default is True)
    if field.type in ("countries", "texts", "choices"):
        choices = (
            COUNTRIES
            if field.type == "countries"
            else look.choices or tuple((v, v) for v in field.choices)
        )
        item = N_("country codes") if field.type == "countries" else field.label.lower()
        return replace(made, kind="multi", choices=choices, item=look.item or item)
    if field.type == "rows":
        columns = tuple(
            Field(
                name=inner.key,
                label=inner.label,
                path=(inner.key,),
                kind="check" if inner.type == "bool" else "text",
            )
            for inner in field.fields
        )
        return replace(made, kind="rows", columns=columns, item=look.item or N_("a row"))
    if field.type == "date":
        return replace(made, kind="date")
    if field.type == "int":
        return replace(made, integer=True)
    return replace(made, kind="area" if look.area else "text")


SCHEMA_WORDS = (
    # the labels of graph.schema's fields, which the forms and the changes page show in the
    # page's language (a test holds every label to a Dutch one)
    N_("Id"), N_("Name"), N_("Country"), N_("Parent supplier"), N_("KvK number"),
    N_("Legal identifiers"), N_("VAT number"), N_("Contact"), N_("Address"), N_("E-mail"),
    N_("Supplier"), N_("Kind"), N_("Locations"), N_("Personal data"), N_("Description"),
    N_("From (consumer)"), N_("To (provider)"), N_("Role"), N_("Relevant"), N_("Reason"),
    N_("Critical"), N_("Contract"), N_("Scheme"), N_("Holder"), N_("Covers"), N_("Report type"),
    N_("From"), N_("Until"), N_("Design date"), N_("Issued"), N_("Valid until"),
    N_("Bridge letter"), N_("Signed by"), N_("Criteria"), N_("criteria"), N_("Scope statement"),
    N_("Scheme version"), N_("Issuer"), N_("Issuer's qualification"), N_("Body"),
    N_("Assurance"), N_("Opinion"), N_("Exceptions"), N_("Criterion"),
    N_("Management's response"), N_("Method"), N_("Sub-services"), N_("Carved out"),
    N_("Included"), N_("Text"), N_("Addressed"), N_("Verification"), N_("Tested period"),
    N_("Accreditation"), N_("Document"), N_("Title"), N_("Format version"), N_("Extends"),
    N_("Accepted as equivalent"), N_("Required criteria"), N_("Shortest period (months)"),
    N_("Oldest report (months)"), N_("Longest bridge (months)"), N_("Expiring within (days)"),
    # the values of its choices that are words, not codes
    N_("reasonable"), N_("limited"), N_("unqualified"), N_("qualified"), N_("adverse"),
    N_("disclaimer"), N_("carve-out"), N_("inclusive"), N_("verified"), N_("sighted"),
    N_("claimed"), N_("none"),
)  # fmt: skip
"""Words of :mod:`graph.schema` the forms show, marked here for the catalog (the schema is the
chain format's, in English); ``tests/app/test_languages.py`` holds the list to the forms. LEI,
EUID, DUNS, IAF MLA, CUECs and SHA-256 are names, the same in Dutch."""

SECTIONS = ("suppliers", "services", "dependencies", "evidence")
"""The sections of the register with pages and forms of their own."""

FIELDS: dict[str, tuple[Field, ...]] = {name: fields_of(schema.SECTIONS[name]) for name in SECTIONS}
"""The controls of each section's form, made from :data:`graph.schema.SECTIONS` and
:data:`LOOKS`: a field added to the schema has its control without a change here."""


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
