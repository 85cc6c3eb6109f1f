"""The register as it stood at a moment, rebuilt from the audit trail (ADR 39)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app import history
from app.deps import Reader, SessionDep, now
from app.errors import Conflict
from graph.i18n import gettext
from importers.chainfile import dump_chain, load_plain

router = APIRouter(prefix="/workspaces/{ws}", tags=["register"])


@router.get(
    "/register",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def register_as_of(
    request: Request,
    session: SessionDep,
    caller: Reader,
    as_of: Annotated[
        str | None,
        Query(
            max_length=history.MAX_MOMENT,
            description="an ISO 8601 timestamp with its time zone, such as "
            "2026-11-27T10:00:00Z (default: now)",
        ),
    ] = None,
) -> Response:
    """The register (an auditor's: the part in their grant) as it stood at ``as_of``,
    rebuilt from the workspace's audit trail: what ``GET .../export?format=json`` answered at
    that moment. A moment before the workspace existed, or to come, is refused (422)."""
    workspace, scope, current = caller.workspace, caller.scope, now(request)
    moment = current if as_of is None else history.parse_moment(as_of, where="query.as_of")
    history.check_moment(session, workspace, moment, now=current, where="query.as_of")
    document = history.register_as_of(session, workspace, moment, scope)
    session.close()  # the connection goes back to the pool: what follows needs only the document
    if not document["offerings"]:
        raise Conflict(
            gettext(
                "workspace '{workspace}' had no offering at {moment}: nothing to export"
            ).format(workspace=workspace.slug, moment=moment.isoformat())
        )
    chain = load_plain(document, source=f"workspace {workspace.slug}")
    name = f"{workspace.slug}-{moment.strftime('%Y%m%dT%H%M%SZ')}.json"
    return Response(
        dump_chain(chain, fmt="json"),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
