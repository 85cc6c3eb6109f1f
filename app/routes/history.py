"""The register as it stood at a moment, and what changed between two moments, rebuilt from
the audit trail (ADR 39)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app import history
from app.deps import Reader, SessionDep, now
from app.errors import Invalid
from app.views import diff as view
from graph.i18n import gettext
from importers import registry
from importers.chainfile import dump_chain

router = APIRouter(prefix="/workspaces/{ws}", tags=["register"])

_MOMENT = "an ISO 8601 timestamp with its time zone, such as 2026-11-27T10:00:00Z"


@router.get(
    "/register",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "application/yaml": {}}}},
)
def register_as_of(
    request: Request,
    session: SessionDep,
    caller: Reader,
    as_of: Annotated[
        str | None,
        Query(max_length=history.MAX_MOMENT, description=f"{_MOMENT} (default: now)"),
    ] = None,
    format: Literal["json", "yaml"] = "json",  # noqa: A002
) -> Response:
    """The register (an auditor's: the part in their grant) as it stood at ``as_of``,
    rebuilt from the workspace's audit trail: what ``GET .../export?format=json`` (or
    ``yaml``) answered at that moment. A moment before the workspace existed, or to come, is
    refused (422)."""
    workspace, current = caller.workspace, now(request)
    moment = current if as_of is None else history.parse_moment(as_of, where="query.as_of")
    history.check_moment(session, workspace, moment, now=current, where="query.as_of")
    chain = history.chain_as_of(session, workspace, moment, caller.scope)
    session.close()  # the connection goes back to the pool: what follows needs only the chain
    name = f"{workspace.slug}-{moment.strftime('%Y%m%dT%H%M%SZ')}.{format}"
    return Response(
        dump_chain(chain, fmt=format),
        media_type=f"application/{format}",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/diff",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/markdown": {},
                registry.XLSX_MEDIA_TYPE: {},
            }
        }
    },
)
def register_diff(
    request: Request,
    session: SessionDep,
    caller: Reader,
    since: Annotated[str, Query(alias="from", max_length=history.MAX_MOMENT, description=_MOMENT)],
    to: Annotated[
        str | None,
        Query(max_length=history.MAX_MOMENT, description=f"{_MOMENT} (default: now)"),
    ] = None,
    profile: Annotated[str, Query(max_length=200)] = "zeker-online",
    format: Literal["json", "markdown", "xlsx"] = "json",  # noqa: A002
) -> Response:
    """What changed in the register (an auditor's: the part in their grant) between ``from``
    and ``to``: every entity added, removed or changed field by field, with who changed it
    last in between and when; and every link whose status or verdict differs between a check
    of the register as of ``from`` on that day and one as of ``to`` on that day, with both
    verdicts and reasons. As JSON (:meth:`graph.diff.ChainDiff.to_json`, as ``ketenkaart diff
    --format json`` writes it), a Markdown section for the scoping report, or an XLSX workbook
    (sheets Entities and Links), in the request's language."""
    workspace, current = caller.workspace, now(request)
    old = history.parse_moment(since, where="query.from")
    new = current if to is None else history.parse_moment(to, where="query.to")
    history.check_moment(session, workspace, old, now=current, where="query.from")
    history.check_moment(session, workspace, new, now=current, where="query.to")
    if old > new:
        message = gettext("from is after to: give the earlier moment as from")
        raise Invalid(message, errors=[{"location": "query.from", "message": message}])
    found = history.register_diff(session, workspace, old, new, profile=profile, scope=caller.scope)
    session.close()  # the connection goes back to the pool: what follows needs only the chains
    if format == "json":
        body = (json.dumps(found.changes.to_json(), ensure_ascii=False) + "\n").encode()
        return Response(body, media_type="application/json")
    name = f"{workspace.slug}-{old.strftime('%Y%m%d')}-{new.strftime('%Y%m%d')}-diff"
    if format == "markdown":
        text = view.render_markdown(found.changes, found.old, found.new)
        return Response(text.encode(), media_type="text/markdown; charset=utf-8")
    data = view.render_xlsx(found.changes, found.old, found.new)
    return Response(
        data,
        media_type=registry.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
