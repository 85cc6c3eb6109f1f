"""What changed between two chains as a person reads it: ``ketenkaart diff`` in text, Markdown
and XLSX.

Links first (a link that turned red is what a re-scope is about), each with its status and
verdict before and after and the reasons on both sides; then the entities added (``+``),
removed (``-``) and changed (``~``), each value as the chain file writes it. Every label from
the chains passes through :func:`app.views.terminal.clean` (text), :func:`app.views.markdown.md`
(Markdown) or :func:`importers.base.safe_cell` (XLSX), as the check's views do. Ids and codes
stay as they are; headings, change words and statuses are in the language of the context.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from app.views.markdown import md
from app.views.terminal import STATUS_WORDS, clean, why_ok
from graph.diff import ABSENT, CHAIN, ChainDiff, Change, EntityChange, FieldChange, LinkChange
from graph.errors import UsageError
from graph.i18n import N_, format_date, format_number, gettext, ngettext
from graph.model import Chain
from graph.schema import SECTIONS, TOP, Field
from graph.verdicts import LinkResult
from importers.base import safe_cell
from importers.worksheet import ILLEGAL_CHARACTERS, MAX_CELL_TEXT, MAX_ROWS

if TYPE_CHECKING:  # openpyxl is imported when a workbook is written, not with this module
    from openpyxl import Workbook  # type: ignore[import-untyped]

_ENTITY_WORDS = {
    CHAIN: N_("the chain {name}"),
    "suppliers": N_("supplier {name}"),
    "services": N_("service {name}"),
    "dependencies": N_("link {name}"),
    "evidence": N_("evidence {name}"),
    "profiles": N_("profile {name}"),
}
"""How a line names an entity of each section (English: translated where it is written)."""

CHANGE_WORDS = {
    Change.ADDED: N_("added"),
    Change.REMOVED: N_("removed"),
    Change.CHANGED: N_("changed"),
    Change.APPEARED: N_("appeared"),
    Change.GONE: N_("gone"),
}
"""A change in words (English: its code), translated where it is written."""

_SIGNS = {Change.ADDED: "+", Change.REMOVED: "-", Change.CHANGED: "~"}

ENTITY_COLUMNS: tuple[str, ...] = (
    N_("Change"),
    N_("Section"),
    N_("Id"),
    N_("Name"),
    N_("Field"),
    N_("Before"),
    N_("After"),
    N_("By"),
    N_("When"),
)
"""The columns of the Entities sheet (in English: each is translated where it is written)."""
LINK_COLUMNS: tuple[str, ...] = (
    N_("From"),
    N_("From name"),
    N_("To"),
    N_("To name"),
    N_("Change"),
    N_("Status before"),
    N_("Verdict before"),
    N_("Evidence before"),
    N_("Reasons before"),
    N_("Status after"),
    N_("Verdict after"),
    N_("Evidence after"),
    N_("Reasons after"),
)
"""The columns of the Links sheet."""
SHEETS: tuple[str, ...] = (N_("Entities"), N_("Links"))
"""The sheets' names, in their order."""

_WIDTHS = {"Before": 40, "After": 40, "Reasons before": 60, "Reasons after": 60, "Field": 24}


# --- words shared by the formats ---------------------------------------------------------------


def _service(chains: Sequence[Chain], sid: str) -> str:
    """A service as ``Name (id)``, its name from the newer chain that has it."""
    for chain in chains:
        found = chain.services.get(sid)
        if found is not None:
            return f"{found.name} ({sid})" if found.name != sid else sid
    return sid


def _label(change: EntityChange, chains: Sequence[Chain], arrow: str = " -> ") -> str:
    """The entity as ``Name (id)`` where it has a name, a link as ``from -> to``."""
    if change.section == CHAIN:
        title = next((c.title for c in chains if c.title), None)
        return "" if title is None else title
    if change.section == "dependencies":
        return arrow.join(_service(chains, sid) for sid in change.key)
    eid = change.key[0]
    for chain in chains:
        found = getattr(chain, change.section).get(eid)
        name = getattr(found, "name", None)
        if isinstance(name, str) and name != eid:
            return f"{name} ({eid})"
    return eid


def entity_words(change: EntityChange, chains: Sequence[Chain], arrow: str = " -> ") -> str:
    """An entity in a sentence's words: "supplier Acme B.V. (acme)", "the chain"."""
    name = _label(change, chains, arrow)
    return gettext(_ENTITY_WORDS[change.section]).format(name=name).strip()


def _entity_name(change: EntityChange, chains: Sequence[Chain]) -> str | None:
    """The entity's name alone (a supplier's, a service's, the chain's title), if it has one."""
    if change.section == CHAIN:
        return next((c.title for c in chains if c.title), None)
    if change.section == "dependencies":
        return None
    for chain in chains:
        name = getattr(getattr(chain, change.section).get(change.key[0]), "name", None)
        if isinstance(name, str):
            return name
    return None


def value_text(value: object) -> str:
    """A value as the chain file writes it: text as it is, a list of texts joined by commas,
    ``true``/``false``, anything else as JSON; the side that has none as ``(none)``.

    >>> value_text(["NL", "DE"]), value_text(True), value_text({"iaf_mla": True})
    ('NL, DE', 'true', '{"iaf_mla": true}')
    """
    if value is ABSENT:
        return gettext("(none)")
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


def _default(section: str, path: tuple[str | int, ...]) -> object:
    """What an absent field means (``relevant``: true, ``addressed``: false), as the file
    would write it; :data:`ABSENT` where absent means none."""
    return _default_at(section, tuple(step for step in path if not isinstance(step, int)))


@functools.lru_cache(maxsize=1024)  # a large comparison asks for the same few fields
def _default_at(section: str, keys: tuple[str, ...]) -> object:
    fields = SECTIONS[section].fields if section in SECTIONS else TOP
    found = None
    for key in keys:
        found = next((f for f in fields if f.key == key), None)
        if found is None:
            return ABSENT
        fields = found.fields
    return ABSENT if found is None or found.default is None else found.default


def shown_values(change: EntityChange) -> list[tuple[str, str, str]]:
    """The (field, before, after) a person reads: an absent value as the default it stands
    for; an added or removed entity's own key left out (its heading names it)."""
    return [(f.field, value_text(before), value_text(after)) for f, before, after in _shown(change)]


def _shown(change: EntityChange) -> Iterator[tuple[FieldChange, object, object]]:
    """Each field a person reads, with its values before and after (an absent one as the
    default it stands for, else :data:`ABSENT`)."""
    keys = [(k,) for k in SECTIONS[change.section].key] if change.section in SECTIONS else []
    for f in change.fields:
        if change.change is not Change.CHANGED and f.path in keys:
            continue
        default = _default(change.section, f.path)
        before = default if f.old is ABSENT else f.old
        after = default if f.new is ABSENT else f.new
        yield f, before, after


ChoiceWords = Callable[[str, tuple[str, ...], str], str | None]
"""How a page says a choice's value: (section, the field's keys, value) to words, or
``None`` for a value it does not know."""


def who(by: str | None) -> str:
    """Who made a change, as a person reads it: the command line (the trail's ``cli``) by its
    name in the context's language, anyone else as the trail names them.

    >>> who("cli"), who("ops@acme.example"), who(None)
    ('the command line', 'ops@acme.example', '')
    """
    return gettext("the command line") if by == "cli" else by or ""


def readable_values(
    change: EntityChange, choice: ChoiceWords | None = None
) -> list[tuple[str, str, str]]:
    """:func:`shown_values` as the register's forms name and show them: (label, before,
    after), each field by its labels from the entity down, joined by an angle quote ("Tested
    period", then "Until"; a row of a list counted from 1, "Exceptions 2"), in the language
    of the context; a yes-or-no value as yes or no, a mapping's keys by their labels, an
    empty value as none, and a choice's value as ``choice`` says it (the forms' words for a
    scheme, a kind, a qualification; without it the value itself).

    >>> from graph.diff import FieldChange
    >>> change = EntityChange("dependencies", ("app", "db"), Change.CHANGED,
    ...     (FieldChange(("relevant",), ABSENT, False), FieldChange(("locations",), ["NL"], [])))
    >>> readable_values(change)
    [('Relevant', 'yes', 'no'), ('Locations', 'NL', '(none)')]
    >>> change = EntityChange("evidence", ("r",), Change.CHANGED,
    ...     (FieldChange(("period", "to"), "2026-06-30", "2026-09-30"),
    ...      FieldChange(("exceptions", 1, "criterion"), "CC6.1", "CC7.2")))
    >>> [label for label, _, _ in readable_values(change)]
    ['Tested period \u203a Until', 'Exceptions 2 \u203a Criterion']
    >>> change = EntityChange("evidence", ("r",), Change.ADDED, (FieldChange(("cuecs",), ABSENT,
    ...     [{"id": "CUEC-1", "text": "Manage your users", "addressed": True}]),))
    >>> readable_values(change)[0][2]
    'Id: CUEC-1, Text: Manage your users, Addressed: yes'
    """
    shown = []
    for f, before, after in _shown(change):
        label, field = _labelled(change.section, f.path)
        keys = tuple(step for step in f.path if isinstance(step, str))
        shown.append(
            (
                label,
                _chosen(before, field, change.section, keys, choice),
                _chosen(after, field, change.section, keys, choice),
            )
        )
    return shown


def _chosen(
    value: object,
    field: Field | None,
    section: str,
    keys: tuple[str, ...],
    choice: ChoiceWords | None,
) -> str:
    """A value as the forms show it: a choice, or a report type (a number the form offers
    as words), as ``choice`` says it; anything else by :func:`_readable`."""
    if (
        choice is not None
        and field is not None
        and field.type in ("choice", "int")
        and isinstance(value, (str, int))
        and not isinstance(value, bool)
    ):
        words = choice(section, keys, str(value))
        if words is not None:
            return words
    return _readable(value, field)


def _labelled(section: str, path: tuple[str | int, ...]) -> tuple[str, Field | None]:
    """A field's labels from the entity down, translated and joined, and the field."""
    fields = SECTIONS[section].fields if section in SECTIONS else TOP
    words: list[str] = []
    field: Field | None = None
    for step in path:
        if isinstance(step, int):  # a row of a list of mappings, counted from 1
            words[-1] = f"{words[-1]} {step + 1}"
            continue
        field = next((f for f in fields if f.key == step), None)
        words.append(step if field is None else gettext(field.label))
        fields = () if field is None else field.fields  # a key the schema does not know
    return " \u203a ".join(words), field


def _readable(value: object, field: Field | None) -> str:
    """A value as the forms show it: yes or no, a mapping's keys by their labels ("Body: RvA,
    IAF MLA: yes"), the rows of a list of mappings one after another, none as "(none)"."""
    if value is ABSENT or value is None or value in ("", [], {}):
        return gettext("(none)")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list) and all(isinstance(row, dict) for row in value):
        return "; ".join(_readable(row, field) for row in value)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            inner = next((f for f in field.fields if f.key == key), None) if field else None
            parts.append(
                f"{key if inner is None else gettext(inner.label)}: {_readable(item, inner)}"
            )
        return ", ".join(parts)
    return value_text(value)


def _status(link: LinkResult | None) -> str:
    return gettext("not reached") if link is None else gettext(STATUS_WORDS[link.status])


def _decided(link: LinkResult) -> str:
    """The verdict and, where one decides it, the evidence: ``EXPIRED, polder-isae3402``."""
    return link.verdict.value if link.evidence is None else f"{link.verdict.value}, {link.evidence}"


class Why:
    """What a side of a changed link gives as its reasons. A link judged EQUIVALENT has none:
    it gets the basis of its evidence instead, as the check's text table says it ("why ok:
    ..."), with the day it counts until by the comparison's profile (each piece's line made
    once).

    >>> from datetime import date
    >>> from graph.diff import diff
    >>> from graph.model import Evidence, Scheme, Supplier
    >>> from graph.verdicts import Verdict
    >>> chain = Chain(offerings=(), suppliers={"n": Supplier(id="n", name="Noord B.V.")},
    ...     evidence={"z": Evidence(id="z", scheme=Scheme.ZEKER_ONLINE, holder="n", covers=("s",),
    ...     valid_until=date(2027, 6, 30))})
    >>> changes = diff(chain, chain, old_at=date(2026, 1, 1), new_at=date(2026, 11, 27),
    ...                plain=lambda c: {})
    >>> ok = LinkResult("app", "s", 1, ("app", "s"), Verdict.EQUIVALENT, "z", ())
    >>> Why(changes, chain, chain)(ok, new=True)
    ['why ok: Zeker-OnLine keurmerk, held by Noord B.V.; valid … to 2027-06-30; issuer not on \
record; sighted; no document on record']
    """

    def __init__(self, changes: ChainDiff, old: Chain, new: Chain) -> None:
        self._profile = changes.judged_by
        self._sides: dict[bool, tuple[Chain, date, dict[str, str]]] = {
            False: (old, changes.old_at, {}),
            True: (new, changes.new_at, {}),
        }

    def __call__(self, found: LinkResult | None, *, new: bool) -> list[str]:
        if found is None:
            return []
        chain, at, made = self._sides[new]
        line = why_ok(found, chain, profile=self._profile, at=at, made=made)
        messages = [r.message for r in found.reasons]
        return messages if line is None else [line, *messages]


def _who(change: EntityChange) -> str:
    if change.by is None and change.at is None:
        return ""
    parts = [
        p for p in (who(change.by), change.at and change.at.isoformat(timespec="seconds")) if p
    ]
    return " (" + ", ".join(parts) + ")"


def _headline(changes: ChainDiff) -> str:
    return gettext(
        "What changed between the chain as checked on {old} and as checked on {new} "
        "(profile {profile}):"
    ).format(
        old=format_date(changes.old_at), new=format_date(changes.new_at), profile=changes.profile
    )


def _counts(changes: ChainDiff) -> str:
    count = {c: sum(e.change is c for e in changes.entities) for c in _SIGNS}
    return gettext("{added} added, {removed} removed, {changed} changed").format(
        added=format_number(count[Change.ADDED]),
        removed=format_number(count[Change.REMOVED]),
        changed=format_number(count[Change.CHANGED]),
    )


def _links_heading(n: int) -> str:
    return ngettext(
        "{count} link changed status or verdict:",
        "{count} links changed status or verdict:",
        n,
    ).format(count=format_number(n))


def _entities_heading(changes: ChainDiff) -> str:
    return gettext("Entities: {counts}").format(counts=_counts(changes))


# --- text ------------------------------------------------------------------------------------


def render_text(changes: ChainDiff, old: Chain, new: Chain) -> str:
    """The differences as plain text for a terminal or a mail.

    ``old`` and ``new`` are the two chains compared: they give the names of the services,
    suppliers and the title (the newer chain's where both have one).
    """
    chains, why = (new, old), Why(changes, old, new)
    lines = [_headline(changes), ""]
    if changes.empty:
        lines.append(gettext("No differences."))
        return "\n".join(lines) + "\n"
    if not changes.links:
        lines.append(gettext("No link changed status or verdict."))
    else:
        lines.append(_links_heading(len(changes.links)))
    for link in changes.links:
        arrow = f"{_service(chains, link.consumer)} -> {_service(chains, link.provider)}"
        lines.append(f"  {clean(arrow)}: {_status(link.old)} -> {_status(link.new)}")
        for side, word, newer in (
            (link.old, N_("before: {verdict}"), False),
            (link.new, N_("after: {verdict}"), True),
        ):
            if side is None:
                continue
            lines.append("      " + gettext(word).format(verdict=clean(_decided(side))))
            lines += [f"        {clean(reason)}" for reason in why(side, new=newer)]
    lines.append("")
    if not changes.entities:
        lines.append(gettext("No entity was added, removed or changed."))
    else:
        lines.append(_entities_heading(changes))
    for entity in changes.entities:
        lines.append(
            f"  {_SIGNS[entity.change]} {clean(entity_words(entity, chains))}{clean(_who(entity))}"
        )
        for field, before, after in shown_values(entity):
            if entity.change is Change.ADDED:
                lines.append(f"      {clean(field)}: {clean(after)}")
            elif entity.change is Change.REMOVED:
                lines.append(f"      {clean(field)}: {clean(before)}")
            else:
                lines.append(f"      {clean(field)}: {clean(before)} -> {clean(after)}")
    return "\n".join(lines) + "\n"


# --- Markdown --------------------------------------------------------------------------------


def render_markdown(changes: ChainDiff, old: Chain, new: Chain) -> str:
    """The differences as a Markdown section for the scoping report's file: a table of the
    links that changed and a table of every changed value."""
    chains = (new, old)
    lines = [
        "## "
        + gettext("Changes from {old} to {new}").format(
            old=format_date(changes.old_at), new=format_date(changes.new_at)
        ),
        "",
        md(_headline(changes)),
        "",
    ]
    if changes.empty:
        lines.append(gettext("No differences."))
        return "\n".join(lines) + "\n"
    lines += ["### " + gettext("Links"), ""]
    if not changes.links:
        lines.append(gettext("No link changed status or verdict."))
    else:
        lines += [
            md(_links_heading(len(changes.links))),
            "",
            "| {} | {} | {} | {} | {} |".format(
                gettext("Link"),
                gettext("Before"),
                gettext("After"),
                gettext("Why before"),
                gettext("Why after"),
            ),
            "|---|---|---|---|---|",
        ]
        why = Why(changes, old, new)
        lines += [_link_row(link, chains, why) for link in changes.links]
    lines += ["", "### " + gettext("Entities"), ""]
    if not changes.entities:
        lines.append(gettext("No entity was added, removed or changed."))
        return "\n".join(lines) + "\n"
    trail = any(e.by is not None or e.at is not None for e in changes.entities)
    head = [
        gettext(w) for w in (N_("Change"), N_("Entity"), N_("Field"), N_("Before"), N_("After"))
    ]
    if trail:
        head += [gettext("By"), gettext("When")]
    lines += [md(_entities_heading(changes)), "", "| " + " | ".join(head) + " |"]
    lines.append("|" + "---|" * len(head))
    words = {change: gettext(word) for change, word in CHANGE_WORDS.items()}
    for entity in changes.entities:  # each entity's own cells made once, for all its rows
        head_cells = f"| {words[entity.change]} | {md(entity_words(entity, chains))} | "
        tail = ""
        if trail:
            when = entity.at.isoformat(timespec="seconds") if entity.at else ""
            tail = f" | {md(who(entity.by))} | {md(when)}"
        added, removed = entity.change is Change.ADDED, entity.change is Change.REMOVED
        for field, before, after in shown_values(entity) or [("", "", "")]:
            values = f"{'' if added else md(before)} | {'' if removed else md(after)}"
            lines.append(f"{head_cells}{md(field)} | {values}{tail} |")
    return "\n".join(lines) + "\n"


def _link_row(link: LinkChange, chains: Sequence[Chain], reasons: Why) -> str:
    def side(found: LinkResult | None) -> str:
        if found is None:
            return _status(None)
        evidence = f", `{found.evidence}`" if found.evidence is not None else ""
        return f"{_status(found)}: `{found.verdict.value}`{evidence}"

    def why(found: LinkResult | None) -> str:
        return " ".join(md(r) for r in reasons(found, new=found is link.new))

    cells = (
        f"{md(_service(chains, link.consumer))} → {md(_service(chains, link.provider))}",
        side(link.old),
        side(link.new),
        why(link.old),
        why(link.new),
    )
    return "| " + " | ".join(cells) + " |"


# --- XLSX ------------------------------------------------------------------------------------

Cell = str | int | None


def render_xlsx(changes: ChainDiff, old: Chain, new: Chain) -> bytes:
    """The differences as an XLSX workbook: sheet Entities, a row per changed value (an added
    or removed entity: a row per value it has or had), and sheet Links, a row per link.

    Each sheet's header is bold, frozen and filtered; every text cell is made safe
    (:func:`importers.base.safe_cell`: a name such as ``=HYPERLINK(...)`` stays text).

    Raises
    ------
    UsageError
        When a sheet would have more rows than Excel holds.
    """
    chains = (new, old)
    entity_rows = list(_entity_rows(changes, chains))
    link_rows = list(_link_rows(changes, chains))
    entities, links = (gettext(sheet) for sheet in SHEETS)
    for name, rows in ((entities, entity_rows), (links, link_rows)):
        if len(rows) + 1 > MAX_ROWS:
            raise UsageError(
                gettext(
                    "sheet {name}: {rows} rows do not fit a worksheet (at most {most}); "
                    "use --format json instead"
                ).format(
                    name=name,
                    rows=format_number(len(rows), grouped=True),
                    most=format_number(MAX_ROWS - 1, grouped=True),
                )
            )
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl only when a workbook is written

    book = Workbook(write_only=True)
    book.properties.creator = "ketenkaart"
    book.properties.title = _cell_text(_headline(changes))
    book.properties.created = datetime.combine(changes.new_at, time())
    _table(book, entities, ENTITY_COLUMNS, entity_rows)
    _table(book, links, LINK_COLUMNS, link_rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _entity_rows(changes: ChainDiff, chains: Sequence[Chain]) -> Iterator[tuple[Cell, ...]]:
    for entity in changes.entities:
        word = gettext(CHANGE_WORDS[entity.change])
        key = " -> ".join(entity.key)
        name = _entity_name(entity, chains)
        when = entity.at.isoformat(timespec="seconds") if entity.at else None
        for field in entity.fields:
            default = _default(entity.section, field.path)
            before = (
                default if field.old is ABSENT and entity.change is Change.CHANGED else field.old
            )
            after = (
                default if field.new is ABSENT and entity.change is Change.CHANGED else field.new
            )
            yield (
                word,
                entity.section,
                key or None,
                name,
                field.field,
                None if before is ABSENT else value_text(before),
                None if after is ABSENT else value_text(after),
                who(entity.by) or None,
                when,
            )


def _link_rows(changes: ChainDiff, chains: Sequence[Chain]) -> Iterator[tuple[Cell, ...]]:
    why = Why(changes, chains[1], chains[0])

    def side(found: LinkResult | None, *, new: bool) -> tuple[Cell, ...]:
        if found is None:
            return (_status(None), None, None, None)
        reasons = "\n".join(why(found, new=new))
        return (_status(found), found.verdict.value, found.evidence, reasons)

    def name(sid: str) -> str | None:
        return next((c.services[sid].name for c in chains if sid in c.services), None)

    for link in changes.links:
        yield (
            link.consumer,
            name(link.consumer),
            link.provider,
            name(link.provider),
            gettext(CHANGE_WORDS[link.change]),
            *side(link.old, new=False),
            *side(link.new, new=True),
        )


def _cell_text(value: object) -> str:
    """Text for a cell: control characters XML cannot carry replaced, formulas defused, cut to
    what a cell holds."""
    text = str(safe_cell(ILLEGAL_CHARACTERS.sub("\ufffd", str(value))))
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "\u2026"


def _table(
    book: Workbook, title: str, header: Sequence[str], rows: Iterable[tuple[Cell, ...]]
) -> None:
    """A sheet with a bold, frozen, filtered header row (``header`` in English, translated
    here) and the rows, text cells of several lines wrapped."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]  # noqa: PLC0415

    sheet = book.create_sheet(title)
    for index, column in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, 16)
    sheet.freeze_panes = "A2"
    rows = list(rows)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    bold = Font(bold=True)
    cells = []
    for column in header:
        cell = WriteOnlyCell(sheet, value=_cell_text(gettext(column)))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        values: list[object] = []
        for raw in row:
            value = _cell_text(raw) or None if isinstance(raw, str) else raw
            if isinstance(value, str) and "\n" in value:
                cell = WriteOnlyCell(sheet, value=value)
                cell.alignment = wrap
                values.append(cell)
            else:
                values.append(value)
        sheet.append(values)
