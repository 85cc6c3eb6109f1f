"""What changed in a workspace's register between two moments, on a page and as downloads
(Markdown, XLSX): the page of ``GET /api/v1/workspaces/{ws}/diff`` (ADR 39), and the section
"Changes since" of the scoping report (:mod:`.reports`).

The moments are read as a person types them: a date is the end of that day in UTC (now, when
the day is not over), a date and time without a zone (what a ``datetime-local`` input sends)
is UTC, and a timestamp with its zone is that moment. The page defaults to the year up to now
(from the workspace's beginning when it is younger). Every reader of the workspace sees it, a
scoped auditor the part in their grant, as the API gives it. Rebuilding a register at two
moments loads it twice: the page and its downloads take a heavy turn as they come in
(:data:`app.limits.HEAVY_PATHS`), and nothing of it is kept after (ADR 48).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar, overload
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import documents, history
from app.deps import READ, SessionDep, now
from app.errors import Conflict, Invalid
from app.history import Between
from app.routes.pages.access import DEFAULT_PROFILE, Visit, WsPath, guarded, page_context, visit_as
from app.routes.pages.fields import FIELDS
from app.views import diff as view
from app.views.diff import CHANGE_WORDS
from app.views.graph import STATUS_STYLES
from app.views.markdown import md
from app.views.pages import choice_text, page
from app.views.paging import Pager
from graph.diff import Change, EntityChange, LinkChange
from graph.i18n import gettext
from graph.model import Chain
from graph.verdicts import LinkResult, Status
from importers import registry

router = APIRouter(include_in_schema=False)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

T = TypeVar("T")
R = TypeVar("R")

CHANGES_PAGE_SIZE = 200
"""Rows of each table the page shows at a time; the downloads hold them all."""


def read_moment(text: str, *, where: str, current: datetime) -> datetime:
    """The moment a form's field names, in UTC: a date is the end of that day (``current``
    when that day is today), a date and time without a zone is UTC, a timestamp with a zone is
    that moment; :class:`app.errors.Invalid` at ``where`` for anything else.

    >>> at = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    >>> read_moment("2026-11-27", where="from", current=at).isoformat()
    '2026-11-27T23:59:59.999999+00:00'
    >>> read_moment("2026-12-05", where="to", current=at).isoformat()
    '2026-12-05T10:00:00+00:00'
    >>> read_moment("2026-11-27T10:15", where="from", current=at).isoformat()
    '2026-11-27T10:15:00+00:00'
    >>> read_moment("2026-11-27T11:15:00+01:00", where="from", current=at).isoformat()
    '2026-11-27T10:15:00+00:00'
    """
    text = text.strip()[: history.MAX_MOMENT]
    moment: datetime | None = None
    try:
        if _DAY.fullmatch(text):
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max, tzinfo=UTC)
            if day == current.astimezone(UTC).date():
                moment = min(moment, current.astimezone(UTC))
        elif "T" in text.upper():
            if not re.search(r"(Z|[+-]\d{2}(:?\d{2})?| \d{2}(:?\d{2})?)$", text, flags=re.I):
                moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
            else:
                moment = history.parse_moment(text, where=where)
    except ValueError:
        moment = None
    if moment is None:
        message = gettext(
            "'{text}' is not a date or a date and time, such as {day} or {moment}"
        ).format(text=text, day="2026-11-27", moment="2026-11-27T10:00:00Z")
        raise Invalid(message, errors=[{"location": where, "message": message}])
    return moment.astimezone(UTC)


def field_value(moment: datetime) -> str:
    """A moment as a ``datetime-local`` input takes it: UTC, without a zone, to the
    millisecond where it has one (an input holds no finer time).

    >>> field_value(datetime(2026, 11, 27, 10, 15, 3, 5, tzinfo=UTC))
    '2026-11-27T10:15:03'
    >>> from datetime import timezone
    >>> hour_east = timezone(timedelta(hours=1))
    >>> field_value(datetime(2026, 11, 27, 11, 15, 3, 552201, tzinfo=hour_east))
    '2026-11-27T10:15:03.552'
    """
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(timespec="milliseconds" if naive.microsecond >= 1000 else "seconds")


def shown_moment(moment: datetime) -> str:
    """A moment as the page and the report write it: UTC, to the second, with its ``Z``.

    >>> shown_moment(datetime(2026, 11, 27, 10, 15, 3, 552201, tzinfo=UTC))
    '2026-11-27T10:15:03Z'
    """
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def changes_between(
    session: Session,
    visit: Visit,
    old: datetime,
    new: datetime,
    *,
    current: datetime,
    profile: str,
    where: tuple[str, str] = ("from", "to"),
) -> Between:
    """What changed in the visitor's register (a scoped auditor's part) from ``old`` to
    ``new``: both moments checked against the workspace's trail (:class:`Invalid` at the
    field in ``where`` that names a wrong one). A form gives moments to the second: ``old``
    within the second the trail began in is its beginning (the page's default for a
    workspace younger than a year)."""
    workspace = visit.workspace
    begins, _ = history.beginning(session, workspace)
    if begins.replace(microsecond=0) <= old < begins:  # the form's second the trail began in
        old = begins
    history.check_moment(session, workspace, old, now=current, where=where[0])
    history.check_moment(session, workspace, new, now=current, where=where[1])
    if old > new:
        message = gettext("from is after to: give the earlier moment as from")
        raise Invalid(message, errors=[{"location": where[0], "message": message}])
    return history.register_diff(
        session, workspace, old, new, profile=profile, scope=visit.scope, profile_at="profile"
    )


# --- what the pages show -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Side:
    """A link as one check judged it: its status, verdict, deciding evidence and reasons."""

    status: Status
    verdict: str
    evidence: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A link whose status or verdict changed: both sides (``None``: not reached)."""

    consumer: str
    provider: str
    consumer_name: str
    provider_name: str
    change: str
    old: Side | None
    new: Side | None


@dataclass(frozen=True, slots=True)
class EntityRow:
    """An entity added, removed or changed: each value before and after, who and when."""

    change: Change
    word: str
    entity: str
    by: str
    at: str
    fields: tuple[tuple[str, str, str], ...]
    """Each value changed: its field's label, the value before and after."""


class Rows(Sequence[R]):
    """A table's rows, each made when it is read: a page shows 200 of them, and the register
    after an import of 20,000 services has more than 100,000 (issue 13).

    >>> rows = Rows([1, 2, 3], lambda n: n * 10)
    >>> len(rows), rows[1], rows[1:], list(rows)
    (3, 20, [20, 30], [10, 20, 30])
    """

    __slots__ = ("_items", "_make")

    def __init__(self, items: Sequence[T], make: Callable[[T], R]) -> None:
        self._items: Sequence[Any] = items
        self._make: Callable[[Any], R] = make

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])


@dataclass(frozen=True, slots=True)
class Changes:
    """The differences as the pages show them: both tables whole (each page shows a part,
    and only the rows shown are made)."""

    old_at: date
    new_at: date
    profile: str
    links: Sequence[LinkRow]
    entities: Sequence[EntityRow]
    added: int
    removed: int
    changed: int


def _side(found: LinkResult | None, why: view.Why, *, new: bool) -> Side | None:
    if found is None:
        return None
    reasons = tuple(why(found, new=new))
    return Side(found.status, found.verdict.value, found.evidence, reasons)


def _name(chains: tuple[Chain, Chain], sid: str) -> str:
    return next((c.services[sid].name for c in chains if sid in c.services), sid)


def _link_row(link: LinkChange, chains: tuple[Chain, Chain], why: view.Why) -> LinkRow:
    return LinkRow(
        link.consumer,
        link.provider,
        _name(chains, link.consumer),
        _name(chains, link.provider),
        gettext(CHANGE_WORDS[link.change]),
        _side(link.old, why, new=False),
        _side(link.new, why, new=True),
    )


_CHOICES = {
    (section, field.path): dict(field.choices)
    for section, fields in FIELDS.items()
    for field in fields
    if field.choices
}
"""What each form offers for a value of a field with choices, by section and field path."""


def choice_words(section: str, keys: tuple[str, ...], value: str) -> str | None:
    """A choice's value as its form offers it ("soc2: SOC 2 report", "IaaS", "RE
    (registeraccountant, NL)"), in the request's language; ``None`` for a value the form
    does not offer."""
    text = _CHOICES.get((section, keys), {}).get(value)
    return None if text is None else choice_text(text)


def changes_view(found: Between) -> Changes:
    """The rows of the page's two tables, every word in the language of the request (the
    rows are made as they are read: call it in the request's language)."""
    chains = (found.new, found.old)
    why = view.Why(found.changes, found.old, found.new)

    def entity_row(e: EntityChange) -> EntityRow:
        return EntityRow(
            e.change,
            gettext(CHANGE_WORDS[e.change]),
            view.entity_words(e, chains, " → "),  # the diff's words; a link's arrow the pages
            view.who(e.by),
            "" if e.at is None else shown_moment(e.at),
            tuple(view.readable_values(e, choice_words)),  # its values as the forms say them
        )

    entities = found.changes.entities
    count = Counter(e.change for e in entities)
    return Changes(
        found.changes.old_at,
        found.changes.new_at,
        found.changes.profile,
        Rows(found.changes.links, lambda link: _link_row(link, chains, why)),
        Rows(entities, entity_row),
        count[Change.ADDED],
        count[Change.REMOVED],
        count[Change.CHANGED],
    )


def changes_markdown(found: Between, heading: str) -> str:
    """The differences as a Markdown section (:func:`app.views.diff.render_markdown`) under
    ``heading`` (a second-level heading's text, escaped here)."""
    body = view.render_markdown(found.changes, found.old, found.new)
    rest = body.split("\n", 1)[1] if body.startswith("## ") else "\n" + body
    return "## " + md(heading) + "\n" + rest


# --- the page and its downloads ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Asked:
    """The moments the form names, as its fields show them and exact, and the profile."""

    since: str
    to: str
    profile: str
    old: datetime
    new: datetime
    begins: datetime | None
    """The workspace's beginning, when the first moment is the default that starts there."""


def _asked(request: Request, session: Session, visit: Visit, current: datetime) -> _Asked:
    """The form's values and moments: as the query gives them, else a year ago (the
    workspace's beginning when it is younger) and now, to the microsecond (the field shows
    them to the second)."""
    params = request.query_params
    since = params.get("from", "")[: history.MAX_MOMENT].strip()
    to = params.get("to", "")[: history.MAX_MOMENT].strip()
    profile = params.get("profile", "")[:100] or DEFAULT_PROFILE
    began = None
    if since:
        old = read_moment(since, where="from", current=current)
    else:
        begins, _ = history.beginning(session, visit.workspace)
        year_ago = current - timedelta(days=365)
        old = max(year_ago, begins) if begins <= current else year_ago
        began = begins if old == begins else None
    new = read_moment(to, where="to", current=current) if to else current
    return _Asked(field_value(old), field_value(new), profile, old, new, began)


@router.get("/w/{ws}/changes", response_class=HTMLResponse)
@guarded
def changes_page(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The links whose status or verdict changed between two moments, with both reasons, and
    the entities added, removed and changed, field by field, with who and when; a long table
    shows a page of its rows at a time, the downloads hold them all."""
    visit = visit_as(request, session, ws, READ)
    current = now(request)
    params = request.query_params
    base = f"/w/{quote(ws)}/changes"
    imported = history.last_import(session, visit.workspace)
    form = {
        "from": params.get("from", "")[: history.MAX_MOMENT],
        "to": params.get("to", "")[: history.MAX_MOMENT],
        "profile": params.get("profile", "")[:100] or DEFAULT_PROFILE,
    }
    context = page_context(
        request,
        visit,
        since=form["from"],
        to=form["to"],
        profile=form["profile"],
        errors={},
        changes=None,
        statuses=STATUS_STYLES,
        # an import adds the whole register at once: the edits since are one click away
        since_import=None
        if imported is None
        else (
            f"{base}?{urlencode({'from': imported.isoformat(), 'profile': form['profile']})}",
            shown_moment(imported),
        ),
    )
    try:
        asked = _asked(request, session, visit, current)
        old, new = asked.old, asked.new
        context.update(since=asked.since, to=asked.to)
        found = changes_between(session, visit, old, new, current=current, profile=asked.profile)
    except (Invalid, Conflict) as problem:
        errors: dict[str, list[str]] = {}
        for error in problem.errors:
            errors.setdefault(str(error["location"]), []).append(str(error["message"]))
        if not errors:  # a trail cut short, or no offering at a moment
            errors = {"from": [problem.detail]}
        context["errors"] = errors
        return page(request, "changes.html", status_code=problem.status, **context)
    session.close()  # the connection goes back to the pool: what follows needs only the chains
    # the downloads and the other pages of a table compare the same two moments, to the
    # microsecond, whatever "now" is when they are asked
    exact = {"from": old.isoformat(), "to": new.isoformat(), "profile": asked.profile}
    shown = changes_view(found)
    tables = {}
    for name, rows in (("links", shown.links), ("entities", shown.entities)):
        asked_page = request.query_params.get(f"{name}_page")
        tables[name] = Pager.of(total=len(rows), size=CHANGES_PAGE_SIZE, asked=asked_page)

    def href(name: str) -> object:
        def to(number: int) -> str:
            kept = {**exact, **{f"{n}_page": str(p.page) for n, p in tables.items()}}
            kept[f"{name}_page"] = str(number)
            return f"{base}?{urlencode(kept)}#{name}"

        return to

    return page(
        request,
        "changes.html",
        **{
            **context,
            "changes": shown,
            "downloads": [
                (f"{base}.{ext}?{urlencode(exact)}", label)
                for ext, label in (("md", "Markdown"), ("xlsx", "XLSX"))
            ],
            "old": shown_moment(old),
            "new": shown_moment(new),
            # said in words: the default's moment can lie within the same second as the
            # import's (a workspace filled as it was made), and the two read alike
            "from_import": imported is not None and old == imported,
            # the default from a young workspace's beginning holds its import: said so, as
            # the link above offers what changed after it
            "from_beginning": asked.begins is not None,
            "with_import": imported is not None and old <= imported <= new,
            "pagers": tables,
            "href": {name: href(name) for name in tables},
            "link_rows": [shown.links[i] for i in tables["links"].rows],
            "entity_rows": [shown.entities[i] for i in tables["entities"].rows],
        },
    )


def _download(request: Request, session: Session, ws: str, ext: str) -> Response:
    visit = visit_as(request, session, ws, READ)
    current = now(request)
    asked = _asked(request, session, visit, current)
    old, new = asked.old, asked.new
    found = changes_between(session, visit, old, new, current=current, profile=asked.profile)
    session.close()
    name = documents.safe_filename(
        f"{ws}-{old.strftime('%Y%m%dT%H%M%S')}-{new.strftime('%Y%m%dT%H%M%S')}-changes.{ext}"
    )
    headers = {
        "Content-Disposition": documents.content_disposition(name),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
    }
    if ext == "md":
        heading = gettext("Changes in {workspace} from {old} to {new}").format(
            workspace=visit.workspace.name, old=shown_moment(old), new=shown_moment(new)
        )
        text = changes_markdown(found, heading)
        return Response(text.encode(), media_type="text/markdown; charset=utf-8", headers=headers)
    data = view.render_xlsx(found.changes, found.old, found.new)
    return Response(data, media_type=registry.XLSX_MEDIA_TYPE, headers=headers)


@router.get("/w/{ws}/changes.md")
@guarded
def changes_markdown_download(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The page's differences, all of them, as a Markdown section."""
    return _download(request, session, ws, "md")


@router.get("/w/{ws}/changes.xlsx")
@guarded
def changes_xlsx_download(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The page's differences, all of them, as a workbook (sheets Entities and Links)."""
    return _download(request, session, ws, "xlsx")
