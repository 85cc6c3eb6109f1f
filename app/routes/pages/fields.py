"""The controls of the entity forms, section by section, made from the chain format's schema
(:mod:`graph.schema`): where each value goes in the body, which control takes it, and how the
form lays them out. What the schema does not say (hints, legends, table columns, text areas,
the texts of choices) is in :data:`LOOKS`, by the schema field's key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from graph import schema
from graph.model import Scheme


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
        "country": Look(column=True, hint="ISO code, e.g. NL"),
        "parent": Look(column=True, hint="the (ultimate) parent company", after="country"),
        "contact.address": Look(area=True),
    },
    "services": {
        "id": _TABLE,
        "name": _TABLE,
        "supplier": _TABLE,
        "kind": _TABLE,
        "locations": Look(hint="where the service stores or processes data"),
        "description": Look(area=True),
    },
    "dependencies": {
        "from": _TABLE,
        "to": _TABLE,
        "role": Look(column=True, hint="hosting, backup, e-mail, ..."),
        "reason": Look(column=True, hint="when not relevant"),
        "critical": _TABLE,
        "personal_data": Look(blank="as the provider service says"),
        "locations": Look(
            hint="where the consumer's data live; none ticked: the provider service's"
        ),
        "contract": Look(hint="a contract reference"),
    },
    "evidence": {
        "id": _TABLE,
        "scheme": Look(
            column=True, choices=tuple((s.value, f"{s.value}: {s.label}") for s in Scheme)
        ),
        "holder": _TABLE,
        "covers": _TABLE,
        "type": Look(
            hint="assurance reports",
            choices=(("1", "type 1 (design)"), ("2", "type 2 (operating effectiveness)")),
        ),
        "period": Look(group="Tested period (type 2)"),
        "as_of": Look(group="Dates", hint="type 1"),
        "issued": Look(group="Dates"),
        "valid_until": Look(group="Dates", column=True),
        "bridge_letter": Look(name="bridge", after="valid_until"),
        "criteria": Look(
            choices=CRITERIA, hint="criteria or control areas in scope", after="bridge_letter"
        ),
        "locations": Look(hint="in scope; none ticked: not restricted"),
        "scope": Look(area=True),
        # not "version": the form's own version is the row's revision, for the stale check
        "version": Look(name="scheme_version", hint="e.g. ISO/IEC 27001:2022"),
        "accreditation": Look(group="Accreditation (certificates)"),
        "accreditation.iaf_mla": Look(hint="the body signed the IAF multilateral agreement"),
        "assurance": Look(group="Conclusion"),
        "opinion": Look(group="Conclusion"),
        "exceptions": Look(item="an exception", hint="deviations the auditor reported"),
        "subservices.carved_out": Look(name="carved_out", item="a carved-out service"),
        "subservices.included": Look(name="included", item="an included service"),
        "cuecs": Look(item="a CUEC", hint="complementary user entity controls"),
        "verification": Look(hint="how far the document itself was seen"),
        "document": Look(group="Document pointer"),
    },
}
"""What each section's form shows beyond the schema, by the schema field's key (``a.b`` for a
key inside a mapping): hints, legends, table columns, text areas, the texts of choices."""

_YES_NO = (("true", "yes"), ("false", "no"))


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
        item = look.item or (f"a {known.singular}" if known else "an id")
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
        item = "country codes" if field.type == "countries" else field.label.lower()
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
        return replace(made, kind="rows", columns=columns, item=look.item or "a row")
    if field.type == "date":
        return replace(made, kind="date")
    if field.type == "int":
        return replace(made, integer=True)
    return replace(made, kind="area" if look.area else "text")


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
