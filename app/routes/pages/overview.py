"""The overview of a workspace: its offerings with their verdicts today, and evidence that
expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import services
from app.deps import READ, SessionDep, today
from app.errors import Problem
from app.limits import computing, turn_wait
from app.models import Workspace
from app.routes.pages.access import (
    DEFAULT_PROFILE,
    Visit,
    WsPath,
    guarded,
    page_context,
    visit_as,
)
from app.routes.pages.recent import register_key
from app.singleflight import flights, read_versioned
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


KEPT_OVERVIEWS = 16
"""How many overviews a worker keeps for the next visit to an unchanged register (ADR 29):
each is a few rows, and making one checks the whole register."""

_Found = tuple[list[OfferingRow], list[services.Expiring], bool]


def _overview(request: Request, session: Session, visit: Visit, day: date) -> tuple[int, _Found]:
    """The register's version, and the overview's rows, its expiring evidence, and whether the
    register has no offering."""

    def read(workspace: Workspace) -> _Found:
        try:
            chain, results, soon = services.overview(
                session,
                workspace=workspace,
                today=day,
                days=EXPIRING_DAYS,
                profile=DEFAULT_PROFILE,
                scope=visit.scope,
            )
        except Problem:
            return [], [], True
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
        return rows, soon, False

    with computing(request):
        # the check is most of it: read once, even when the register changed meanwhile
        return read_versioned(session, visit.workspace, read, tries=1)


@router.get("/w/{ws}", response_class=HTMLResponse)
@guarded
def overview(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The workspace: its offerings with their verdicts today, and evidence that expires."""
    visit = visit_as(request, session, ws, READ)
    day = today(request)
    asked = visit.workspace.version  # read after the request came in
    session.close()  # no connection held while waiting: the computation takes one to read
    found: _Found = flights(request, "overviews", KEPT_OVERVIEWS).get(
        register_key(visit.workspace, visit.scope, day),
        at_least=asked,
        compute=lambda: _overview(request, session, visit, day),
        start_within=turn_wait(request),
    )
    rows, soon, empty = found
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
