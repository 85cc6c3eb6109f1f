"""The import page: upload a chain file (any format the importers read), preview it as a dry
run, then apply it, all or nothing; and the register's export links."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app import documents, services
from app.deps import READ, WRITE, SessionDep
from app.errors import Invalid, Problem, issue_errors
from app.routes.pages.access import (
    FormDep,
    Visit,
    WsPath,
    guarded,
    page_context,
    visit_as,
)
from app.routes.pages.forms import form_field
from app.views.pages import page
from graph.errors import ChainError
from graph.i18n import N_, gettext
from importers.formats import IMPORT_FORMATS

router = APIRouter(include_in_schema=False)


@router.get("/w/{ws}/import", response_class=HTMLResponse)
@guarded
def import_form(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The upload form of a chain file, and the export's download links."""
    visit = visit_as(request, session, ws, READ)
    return page(request, "import.html", **page_context(request, visit, report=None, errors=[]))


MAX_CARRIED = 4 * 1024 * 1024
"""The largest previewed file that travels back in the page (in base64, byte for byte) for
its apply; a larger one is chosen again."""


@router.post("/w/{ws}/import", response_class=HTMLResponse)
@guarded
def import_file(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
    """Preview (a dry run) or apply an uploaded chain file, all or nothing."""
    visit = visit_as(request, session, ws, WRITE, form)
    upload = form.get("file")
    carried = form.get("content")
    if isinstance(upload, UploadFile) and upload.filename:
        name = documents.safe_filename(upload.filename, default="upload")
        data = upload.file.read()
    elif isinstance(carried, str) and carried:
        name = documents.safe_filename(form_field(form, "filename"), default="upload")
        try:
            data = base64.b64decode(carried, validate=True)
        except binascii.Error:
            raise Invalid(
                gettext("the previewed file came back damaged: choose it again"),
                errors=[{"location": "content", "message": gettext("not base64")}],
            ) from None
    else:
        return page(
            request,
            "import.html",
            status_code=422,
            **page_context(
                request,
                visit,
                report=None,
                errors=[{"where": "file", "message": gettext("choose a chain file to upload")}],
            ),
        )
    dry_run = form_field(form, "mode") != "apply"
    chosen = form_field(form, "format")
    fmt = chosen if chosen in IMPORT_FORMATS else None
    keep_internal = form_field(form, "keep_internal") == "yes"
    try:
        done = services.import_file(
            session,
            workspace=visit.workspace,
            name=name,
            data=data,
            fmt=fmt,
            dry_run=dry_run,
            actor=visit.actor,
            keep_internal=keep_internal,
            format_choice=N_("the list “Format”"),
        )
    except ChainError as error:
        return _import_errors(request, visit, name, issue_errors(error.issues), error, fmt)
    except Problem as problem:
        session.rollback()
        return _import_errors(request, visit, name, problem.errors, problem, fmt)
    text = base64.b64encode(data).decode("ascii") if dry_run and len(data) <= MAX_CARRIED else None
    return page(
        request,
        "import.html",
        **page_context(
            request,
            visit,
            report=done.report,
            filename=name,
            content=text,
            chosen=fmt or "",
            keep_internal=keep_internal,
            read_as=done.format,
            warnings=done.warnings,
            errors=[],
            messages=(
                []
                if dry_run
                else [{"kind": "info", "text": gettext("Imported {name}.").format(name=name)}]
            ),
        ),
    )


def _import_errors(
    request: Request,
    visit: Visit,
    name: str,
    errors: Sequence[dict[str, Any]],
    error: Exception,
    chosen: str | None,
) -> Response:
    listed = [
        {
            "where": ":".join(
                part for part in (name, str(e["line"]) if e.get("line") else "") if part
            )
            + (f": {e['location']}" if e.get("location") else ""),
            "message": str(e.get("message", "")),
        }
        for e in errors
    ]
    # the service's own words say that nothing was imported; those about the file begin with
    # its name ("{name} cannot be imported ..."), the others are given it in front
    if not isinstance(error, Problem):
        said = gettext("{name}: {detail}; nothing was imported.").format(
            name=name, detail=gettext("the file is not a valid chain file")
        )
    elif error.detail.startswith((f"{name} ", f"{name}: ")):
        said = f"{error.detail}."
    else:
        said = gettext("{name}: {detail}.").format(name=name, detail=error.detail)
    # a problem the sentence already says (a format not found: the detail is that problem
    # and "nothing was imported") is not listed under it again
    if isinstance(error, Problem):
        restated = gettext(services.NOTHING_IMPORTED)
        listed = [e for e in listed if restated.format(problem=e["message"]) != error.detail]
    status = error.status if isinstance(error, Problem) else 422
    return page(
        request,
        "import.html",
        status_code=status,
        **page_context(
            request,
            visit,
            report=None,
            filename=name,
            chosen=chosen or "",
            errors=listed,
            messages=[{"kind": "error", "text": said}],
        ),
    )
