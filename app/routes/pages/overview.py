"""The overview of a workspace: its offerings with their verdicts today, and evidence that
expires."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import services
from app.deps import READ, SessionDep, today
from app.errors import Problem
from app.routes.pages.access import DEFAULT_PROFILE, WsPath, guarded, page_context, visit_as
from app.views.graph import STATUS_STYLES
from app.views.pages import page

router = APIRouter(include_in_schema=False)

EXPIRING_DAYS = 90


@dataclass(frozen=True, slots=True)
class OfferingRow:
    """One offering on the overview: its verdict and links by status."""

    id: str
    name: str
    verdict: str
    verdict_label: str
    summary: dict[str, int]


@router.get("/w/{ws}", response_class=HTMLResponse)
@guarded
def overview(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The workspace: its offerings with their verdicts today, and evidence that expires."""
    visit = visit_as(request, session, ws, READ)
    day = today(request)
    rows: list[OfferingRow] = []
    soon: list[services.Expiring] = []
    empty = False
    try:
        chain, results, soon = services.overview(
            session,
            workspace=visit.workspace,
            today=day,
            days=EXPIRING_DAYS,
            profile=DEFAULT_PROFILE,
            scope=visit.scope,
        )
    except Problem:
        empty = True
    else:
        rows = [
            OfferingRow(
                offering,
                chain.services[offering].name,
                result.verdict.value,
                STATUS_STYLES[result.verdict].label,
                dict(result.summary),
            )
            for offering, result in results
        ]
    return page(
        request,
        "overview.html",
        **page_context(
            request,
            visit,
            offerings=rows,
            expiring=soon,
            empty=empty,
            today=day,
            days=EXPIRING_DAYS,
            statuses=STATUS_STYLES,
        ),
    )
