"""The register's pages: a table per section with its add form, an edit form per entity (a
read-only page for a reader), and the upload of a piece of evidence's document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import documents, services
from app import repository as repo
from app.deps import READ, WRITE, SessionDep, today
from app.errors import Conflict, Invalid, NotFound, PreconditionFailed, Problem
from app.models import ServiceRow
from app.routes.pages.access import (
    DEFAULT_PROFILE,
    EXPIRING_DAYS,
    FormDep,
    Visit,
    WsPath,
    guarded,
    page_context,
    visit_as,
)
from app.routes.pages.fields import COUNTRIES, FIELDS, SECTIONS, layout
from app.routes.pages.forms import (
    OTHER,
    body_of,
    cell_text,
    form_field,
    form_values,
    keep_order,
    place_errors,
)
from app.views.pages import one, page
from app.views.paging import Pager
from graph import schema
from graph.dates import plus_days
from graph.errors import ChainError
from graph.evidence import last_counted
from graph.i18n import N_, gettext
from graph.profiles import BUILTIN_PROFILES
from importers.chainfile import dump_plain, load_plain
from importers.chainfile.edit import read_entry

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 200
PROFILE = BUILTIN_PROFILES[DEFAULT_PROFILE]
"""The profile the evidence table's "Counts until" is read under, as the overview's."""
STALE = N_("Someone changed this {what} since you opened it")

ADD_TITLES = {
    "suppliers": (N_("Add a supplier"), N_("Add supplier")),
    "services": (N_("Add a service"), N_("Add service")),
    "dependencies": (N_("Add a dependency"), N_("Add dependency")),
    "evidence": (N_("Add a piece of evidence"), N_("Add evidence")),
}
"""The heading and the button of each section's add form."""


def _stale(singular: str) -> str:
    """The first words of the stale-version message, for an entity of this kind."""
    return gettext(STALE).format(what=one(singular))


def _key_of(section: str, body: dict[str, Any]) -> str:
    return repo.KINDS[section].key_of(body)


def _visible_rows(
    session: Session, visit: Visit, section: str, q: str, offset: int
) -> tuple[int, list[tuple[repo.EntityRow, dict[str, Any]]]]:
    """The rows of a table page with the bodies shown: a scoped auditor's cut to the scope."""
    kind = repo.KINDS[section]
    filters = {"q": q} if q else {}
    wid = visit.workspace.id or 0
    if visit.scope is None:
        total, rows = repo.page(session, kind, wid, limit=PAGE_SIZE, offset=offset, filters=filters)
        return total, [(row, row.body) for row in rows]
    part = services.register_document(session, visit.workspace, visit.scope)
    seen = {kind.key_of(body): body for body in part[section]}
    _, every = repo.page(session, kind, wid, limit=None, offset=0, filters=filters)
    matching = [(row, seen[key]) for row in every if (key := kind.key_of(row.body)) in seen]
    return len(matching), matching[offset : offset + PAGE_SIZE]


def _asked_page(request: Request) -> int:
    """The page of the table asked for: ``page``, or the ``offset`` of older links; 1 when
    neither is a number."""
    params = request.query_params
    try:
        if "page" in params:
            return max(1, min(int(params["page"][:12]), 2**40))
        if "offset" in params:
            return max(0, min(int(params["offset"][:18]), 2**53)) // PAGE_SIZE + 1
    except ValueError:
        pass
    return 1


def _page_href(ws: str, section: str, q: str) -> Callable[[int], str]:
    """The address of page ``n`` of a section's table, with its filter."""

    def href(n: int) -> str:
        query = urlencode({k: v for k, v in (("q", q), ("page", str(n))) if v and v != "1"})
        return f"/w/{quote(ws)}/{section}" + (f"?{query}" if query else "")

    return href


def _item_url(ws: str, section: str, key: str) -> str:
    return f"/w/{quote(ws)}/{section}/{quote(key)}"


def _section_page(
    request: Request,
    session: Session,
    visit: Visit,
    section: str,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    general: Sequence[str] = (),
) -> Response:
    q = request.query_params.get("q", "")[:200]
    day = today(request)
    number = _asked_page(request)
    total, rows = _visible_rows(session, visit, section, q, (number - 1) * PAGE_SIZE)
    pager = Pager.of(total=total, size=PAGE_SIZE, asked=str(number))
    if pager.page != number:  # past the end: the last page
        total, rows = _visible_rows(session, visit, section, q, pager.rows.start)
    has_document = (
        repo.evidence_with_documents(session, visit.workspace.id or 0)
        if section == "evidence"
        else set()
    )
    blank = form_values(section, {})
    if section == "dependencies":
        blank["relevant"] = True
    heading, button = ADD_TITLES[section]
    return page(
        request,
        "entities.html",
        status_code=status_code,
        **page_context(
            request,
            visit,
            section=section,
            singular=repo.KINDS[section].singular,
            fields=FIELDS[section],
            columns=[f for f in FIELDS[section] if f.column],
            rows=[_row_view(section, row, body, visit.workspace.slug, day) for row, body in rows],
            profile=PROFILE,
            soon_days=EXPIRING_DAYS,
            has_document=has_document,
            pager=pager,
            page_href=_page_href(visit.workspace.slug, section, q),
            q=q,
            values=values or blank,
            errors=errors or {},
            general=list(general),
            is_new=True,
            blocks=layout(section),
            picks=_picks(session, visit, section),
            add_heading=heading,
            add_button=button,
            action=f"/w/{quote(visit.workspace.slug)}/{section}",
        ),
    )


def _stops(body: dict[str, Any], day: date) -> tuple[date | None, str]:
    """The last day a piece of evidence counts, as seen on ``day`` under the pages' profile
    (:func:`graph.evidence.last_counted`: a report's tested period's end plus the profile's
    months, or its bridge letter's end; a certificate's ``valid_until``), and whether that is
    ``"past"``, ``"soon"`` (within :data:`EXPIRING_DAYS`) or neither (``""``). ``None`` for a
    piece without an end.

    >>> report = {"id": "r", "scheme": "soc2", "holder": "a", "covers": ["s"], "type": 2,
    ...           "period": {"from": "2025-07-01", "to": "2026-06-30"}}
    >>> _stops(report, date(2026, 12, 6))
    (datetime.date(2027, 6, 30), '')
    >>> _stops(report, date(2027, 5, 1))
    (datetime.date(2027, 6, 30), 'soon')
    >>> _stops({"id": "d", "scheme": "self-declaration", "holder": "a", "covers": ["s"]},
    ...        date(2026, 12, 6))
    (None, '')
    >>> bridged = {**report, "period": {"from": "2024-10-01", "to": "2025-09-30"},
    ...            "bridge_letter": {"from": "2025-10-01", "to": "2026-12-31"}}
    >>> _stops(bridged, date(2026, 11, 1)), _stops(bridged, date(2027, 1, 15))
    ((datetime.date(2026, 12, 30), 'soon'), (datetime.date(2026, 12, 30), 'past'))
    """
    evidence = read_entry("evidence", body).entity
    stops = last_counted(evidence, PROFILE, day) if evidence else None
    if stops is None:
        return None, ""
    if stops < day:
        return stops, "past"
    return stops, "soon" if stops <= plus_days(day, EXPIRING_DAYS) else ""


def _row_view(
    section: str, row: repo.EntityRow, body: dict[str, Any], ws: str, day: date
) -> dict[str, Any]:
    values = form_values(section, body)
    key = _key_of(section, body)
    cells = {f.name: cell_text(f, values[f.name]) for f in FIELDS[section] if f.column}
    keys = [cells[f.name] for f in FIELDS[section] if f.column and f.key]
    return {
        "key": key,
        "cells": cells,
        "stops": _stops(body, day) if section == "evidence" else (None, ""),
        # a link's own words name its whole key: each row links from its first column, and
        # a consumer with six dependencies would give six links of the same words
        "label": " → ".join(keys) if len(keys) > 1 else None,
        "offering": isinstance(row, ServiceRow) and row.offering is not None,
        "url": _item_url(ws, section, key),
        "document_url": f"/api/v1/workspaces/{quote(ws)}/evidence/{quote(key)}/document",
    }


def _picks(session: Session, visit: Visit, section: str) -> dict[str, list[tuple[str, str]]]:
    """The pick lists a section's form offers: ids with names, and the countries."""
    if not visit.can_write:
        return {}
    wanted = {f.pick for f in FIELDS[section] if f.pick} - {"countries"}
    picks: dict[str, list[tuple[str, str]]] = {
        "countries": [(code, gettext(name)) for code, name in COUNTRIES]
    }
    for name in sorted(wanted):
        _, rows = repo.page(
            session, repo.KINDS[name], visit.workspace.id or 0, limit=None, offset=0, filters={}
        )
        picks[name] = sorted((str(r.body.get("id", "")), str(r.body.get("name", ""))) for r in rows)
    return picks


def _edit_page(
    request: Request,
    session: Session,
    visit: Visit,
    section: str,
    row: repo.EntityRow,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    general: Sequence[str] = (),
    stale: str | None = None,
    document: Any = None,
    body: dict[str, Any] | None = None,
) -> Response:
    key = _key_of(section, row.body)
    shown = values or form_values(section, row.body if body is None else body)
    if isinstance(row, ServiceRow) and values is None:
        shown["offering"] = row.offering is not None
    return page(
        request,
        "entity_form.html",
        status_code=status_code,
        **page_context(
            request,
            visit,
            section=section,
            singular=repo.KINDS[section].singular,
            key=key,
            fields=FIELDS[section],
            values=shown,
            version=row.version,
            errors=errors or {},
            general=list(general),
            stale=stale,
            is_new=False,
            blocks=layout(section),
            picks=_picks(session, visit, section),
            readonly=[
                (
                    f"{gettext(f.group)}: {gettext(f.label)}" if f.group else gettext(f.label),
                    cell_text(f, shown[f.name]),
                )
                for f in FIELDS[section]
            ],
            action=_item_url(visit.workspace.slug, section, key),
            document=document,
            document_url=(
                f"/api/v1/workspaces/{quote(visit.workspace.slug)}/evidence/{quote(key)}/document"
            ),
        ),
    )


def _submitted(section: str, form: FormData, key: dict[str, str] | None = None) -> dict[str, Any]:
    """The form's values as typed, to show again beside its errors (blank rows dropped)."""
    try:
        body = body_of(section, form, key=key)
    except Invalid:
        body = body_of(section, form, key=key, extensions=False)
    values = form_values(section, body)
    values[OTHER] = form_field(form, OTHER)
    values["offering"] = form.get("offering") is not None
    return values


def _document_of(session: Session, visit: Visit, section: str, key: str) -> Any:
    if section != "evidence":
        return None
    return repo.document_of(session, visit.workspace.id or 0, key)


def _key_params(section: str, request: Request) -> dict[str, str]:
    """The id fields of the entity a path names."""
    params = request.path_params
    if section == "dependencies":
        return {"from": str(params["frm"]), "to": str(params["to"])}
    return {"id": str(params["key"])}


def _done(ws: str, section: str, done: str, key: str) -> RedirectResponse:
    target = f"/w/{quote(ws)}/{section}?{urlencode({'done': done, 'key': key})}"
    return RedirectResponse(target, status_code=303)


def _create(section: str, request: Request, session: Session, ws: str, form: FormData) -> Response:
    visit = visit_as(request, session, ws, WRITE, form)
    try:
        body = body_of(section, form)
        services.create_entity(
            session,
            workspace=visit.workspace,
            section=section,
            body=body,
            offering=section == "services" and form.get("offering") is not None,
            actor=visit.actor,
        )
    except Problem as problem:
        session.rollback()
        placed, rest = place_errors(section, problem.errors)
        return _section_page(
            request,
            session,
            visit,
            section,
            status_code=problem.status,
            values=_submitted(section, form),
            errors=placed,
            general=[problem.detail, *rest],
        )
    return _done(ws, section, "created", _key_of(section, body))


def _version_of(form: FormData) -> int:
    """The version the form was opened at (-1, never current, when it carries none)."""
    text = form_field(form, "version")
    return int(text) if text.isdigit() else -1


def _equivalent(
    session: Session, visit: Visit, section: str, stored: dict[str, Any], body: dict[str, Any]
) -> bool:
    """Whether ``body`` says the same as the ``stored`` one: the very same, or equal once read
    the way the chain format reads it (``relevant: true`` is what an absent ``relevant``
    says). Each is read alone, with only the entries the reader needs beside it: the register
    is read once, after this, by the change itself."""
    if body == stored:
        return True
    wid = visit.workspace.id or 0
    known = {name: dict(repo.bodies(session, repo.KINDS[name], wid)) for name in _REFERRED}
    offerings = repo.offerings(session, wid)[:1]
    before = _read_alone(section, stored, known, offerings)
    return before is not None and before == _read_alone(section, body, known, offerings)


_REFERRED = ("suppliers", "services")
"""The sections whose entries others name (by their ``id``)."""


def _read_alone(
    section: str,
    body: dict[str, Any],
    known: dict[str, dict[str, dict[str, Any]]],
    offerings: list[str],
) -> dict[str, Any] | None:
    """``body`` as the chain format reads and writes it, read in a chain of its own: the
    entries it names, the register's first offering, and what those name in turn, from
    ``known`` (the register's suppliers and services by id); ``None`` when the reader refuses
    it.

    >>> known = {"suppliers": {"s": {"id": "s", "name": "S"}},
    ...          "services": {"a": {"id": "a", "name": "A", "supplier": "s", "kind": "saas"},
    ...                       "b": {"id": "b", "name": "B", "supplier": "s", "kind": "iaas"}}}
    >>> _read_alone("dependencies", {"from": "a", "to": "b", "relevant": True}, known, ["a"])
    {'from': 'a', 'to': 'b'}
    >>> _read_alone("dependencies", {"from": "a", "to": "c"}, known, ["a"]) is None
    True
    """
    kind = repo.KINDS[section]
    key = kind.key_of(body)
    picked: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in _REFERRED}

    def take(name: str, entry: dict[str, Any]) -> None:
        for path, field in schema.SECTIONS[name].references:
            for ref in _ids_at(entry, path):
                target = field.refers or ""
                if (
                    target in picked
                    and ref not in picked[target]
                    and (target, ref) != (section, key)
                    and (found := known[target].get(ref)) is not None
                ):
                    picked[target][ref] = found
                    take(target, found)

    take(section, body)
    for offering in offerings:
        if ("services", offering) != (section, key) and offering in known["services"]:
            picked["services"].setdefault(offering, known["services"][offering])
            take("services", known["services"][offering])
    document: dict[str, Any] = {"ketenkaart": 1, "offerings": offerings}
    document.update({name: list(entries.values()) for name, entries in picked.items()})
    document[section] = [*document.get(section, []), body]
    try:
        written = dump_plain(load_plain(document))
    except ChainError:
        return None
    entries = written.get(section)
    assert isinstance(entries, list)  # noqa: S101 - the writer writes every section it read
    return next(e for e in entries if isinstance(e, dict) and kind.key_of(e) == key)


def _ids_at(value: Any, path: tuple[str, ...]) -> list[str]:
    """The ids at ``path`` in a body: one, a list of them, or those of every row on the way."""
    if not path:
        found = value if isinstance(value, list) else [value]
        return [v for v in found if isinstance(v, str)]
    if isinstance(value, list):
        return [ref for item in value for ref in _ids_at(item, path)]
    if isinstance(value, dict):
        return _ids_at(value.get(path[0]), path[1:])
    return []


def _change(section: str, request: Request, session: Session, ws: str, form: FormData) -> Response:
    visit = visit_as(request, session, ws, WRITE, form)
    key = _key_params(section, request)
    joined = "/".join(key.values())
    singular = repo.KINDS[section].singular
    try:
        row = services.get_entity(session, workspace=visit.workspace, section=section, key=joined)
        body = keep_order(section, row.body, body_of(section, form, key=key))
        offering = (form.get("offering") is not None) if section == "services" else None
        if (
            _version_of(form) == row.version
            and (offering is None or offering == (getattr(row, "offering", None) is not None))
            and _equivalent(session, visit, section, row.body, body)
        ):
            return _done(ws, section, "unchanged", joined)
        changes: dict[str, Any] = dict.fromkeys(k for k in row.body if k not in body)
        changes.update(body)
        services.update_entity(
            session,
            workspace=visit.workspace,
            section=section,
            key=joined,
            changes=changes,
            version=_version_of(form),
            offering=offering,
            actor=visit.actor,
        )
    except NotFound:
        raise
    except Problem as problem:
        session.rollback()
        current = services.get_entity(
            session, workspace=visit.workspace, section=section, key=joined
        )
        document = _document_of(session, visit, section, joined)
        if isinstance(problem, PreconditionFailed):
            return _edit_page(
                request,
                session,
                visit,
                section,
                current,
                status_code=412,
                stale=gettext(
                    "{stale}: {detail}. Your change was not saved; the form now shows the "
                    "current values."
                ).format(stale=_stale(singular), detail=problem.detail),
                document=document,
            )
        placed, rest = place_errors(section, problem.errors)
        return _edit_page(
            request,
            session,
            visit,
            section,
            current,
            status_code=problem.status,
            values=_submitted(section, form, key),
            errors=placed,
            general=[problem.detail, *rest],
            document=document,
        )
    return _done(ws, section, "updated", joined)


def _remove(section: str, request: Request, session: Session, ws: str, form: FormData) -> Response:
    visit = visit_as(request, session, ws, WRITE, form)
    key = "/".join(_key_params(section, request).values())
    singular = repo.KINDS[section].singular
    try:
        if form_field(form, "confirm") != "yes":  # one click deleted (a document with it)
            raise Invalid(gettext("Nothing was deleted: tick “Yes, delete” to confirm."))
        path = services.delete_entity(
            session,
            workspace=visit.workspace,
            section=section,
            key=key,
            version=_version_of(form),
            actor=visit.actor,
        )
    except NotFound:
        raise
    except Problem as problem:
        session.rollback()
        current = services.get_entity(session, workspace=visit.workspace, section=section, key=key)
        stale = (
            gettext(
                "{stale}: {detail}. Nothing was deleted; the form now shows the current values."
            ).format(stale=_stale(singular), detail=problem.detail)
            if isinstance(problem, PreconditionFailed)
            else None
        )
        # a delete refused for the entries that still name the entity: its sentence names
        # them; their places in the register (services[1].supplier) tell a person nothing
        _, rest = (
            ([], []) if isinstance(problem, Conflict) else place_errors(section, problem.errors)
        )
        return _edit_page(
            request,
            session,
            visit,
            section,
            current,
            status_code=problem.status,
            general=[] if stale else [problem.detail, *rest],
            stale=stale,
            document=_document_of(session, visit, section, key),
        )
    documents.forget_file(
        session, documents_dir=request.app.state.settings.documents_dir, path=path
    )
    return _done(ws, section, "deleted", key)


def _section_routes(section: str) -> None:
    item = "/{frm}/{to}" if section == "dependencies" else "/{key}"
    singular = repo.KINDS[section].singular
    base = f"/w/{{ws}}/{section}"

    @router.get(base, response_class=HTMLResponse, name=f"page_{section}")
    @guarded
    def listing(request: Request, session: SessionDep, ws: WsPath) -> Response:
        visit = visit_as(request, session, ws, READ)
        return _section_page(request, session, visit, section)

    @router.post(base, response_class=HTMLResponse, name=f"page_add_{singular}")
    @guarded
    def create(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
        return _create(section, request, session, ws, form)

    @router.get(base + item, response_class=HTMLResponse, name=f"page_{singular}")
    @guarded
    def read(request: Request, session: SessionDep, ws: WsPath) -> Response:
        visit = visit_as(request, session, ws, READ)
        key = "/".join(_key_params(section, request).values())
        row = services.get_entity(session, workspace=visit.workspace, section=section, key=key)
        seen = None
        if visit.scope is not None:  # a scoped auditor's: inside the scope, cut to it
            seen = services.seen_body(session, visit.workspace, visit.scope, section, row.body)
            if seen is None:  # what get_entity answers outside the scope, from the same read
                raise NotFound(
                    gettext("no {what} '{key}' in workspace '{ws}'").format(
                        what=one(singular),
                        key=key,
                        ws=visit.workspace.slug,
                    )
                )
        return _edit_page(
            request,
            session,
            visit,
            section,
            row,
            document=_document_of(session, visit, section, key),
            body=seen,
        )

    @router.post(base + item, response_class=HTMLResponse, name=f"page_change_{singular}")
    @guarded
    def change(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
        return _change(section, request, session, ws, form)

    @router.post(
        base + item + "/delete", response_class=HTMLResponse, name=f"page_delete_{singular}"
    )
    @guarded
    def remove(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
        return _remove(section, request, session, ws, form)


for _section in SECTIONS:
    _section_routes(_section)


@router.post("/w/{ws}/evidence/{key}/document", response_class=HTMLResponse)
@guarded
def upload_document(
    request: Request, session: SessionDep, ws: WsPath, key: str, form: FormDep
) -> Response:
    """Store an uploaded file as the document of a piece of evidence."""
    visit = visit_as(request, session, ws, WRITE, form)
    upload = form.get("document")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid(
                gettext("choose a file to upload"),
                errors=[{"location": "document", "message": gettext("no file chosen")}],
            )
        documents.put_document(
            session,
            workspace=visit.workspace,
            evidence=key,
            filename=documents.safe_filename(upload.filename),
            media_type=upload.content_type or "",
            content=upload.file.read(),
            documents_dir=request.app.state.settings.documents_dir,
            actor=visit.actor,
        )
    except Problem as problem:
        if isinstance(problem, NotFound):
            raise
        session.rollback()
        row = services.get_entity(session, workspace=visit.workspace, section="evidence", key=key)
        messages = [problem.detail, *(str(e.get("message")) for e in problem.errors)]
        return _edit_page(
            request,
            session,
            visit,
            "evidence",
            row,
            status_code=problem.status,
            errors={"document": messages},
            document=_document_of(session, visit, "evidence", key),
        )
    target = f"/w/{quote(ws)}/evidence/{quote(key)}?{urlencode({'done': 'uploaded', 'key': key})}"
    return RedirectResponse(target, status_code=303)
