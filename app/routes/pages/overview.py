"""The overview of a workspace: its offerings with their verdicts today, and evidence that
expires."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import services
from app.deps import READ, SessionDep, today
from app.errors import Problem
from app.limits import computing, turn_wait
from app.routes.pages.access import (
    DEFAULT_PROFILE,
    EXPIRING_DAYS,
    Visit,
    WsPath,
    guarded,
    page_context,
    visit_as,
)
from app.routes.pages.recent import judging, register_key
from app.singleflight import flights
from app.views.graph import STATUS_STYLES
from app.views.pages import page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class OfferingRow:
    """One offering on the overview: its verdict and links by status."""

    id: str
    name: str
    verdict: str
    verdict_label: str
    summary: dict[str, int]


@dataclass(frozen=True, slots=True)
class SoonRow:
    """A piece of evidence that stops counting soon, as the overview names it: its scheme as an
    auditor writes it (a message id, translated when shown), its holder and what it covers by
    name."""

    evidence: str
    scheme: str
    holder: str
    covers: tuple[tuple[str, str], ...]  # (id, name)
    stops: date


KEPT_OVERVIEWS = 16
"""How many overviews a worker keeps for the next visit to an unchanged register (ADR 29):
each is a few rows, and making one checks the whole register."""

_Found = tuple[list[OfferingRow], list[SoonRow], bool]


def _overview(
    request: Request, session: Session, visit: Visit, day: date, asked: int
) -> tuple[int, _Found]:
    """The register's version, and the overview's rows, its expiring evidence, and whether the
    register has no offering: from the register judged today, which the check and the pages
    of the same version share (ADR 31)."""
    with computing(request):
        try:
            ready = judging(
                request,
                session,
                visit.workspace,
                visit.scope,
                asked=asked,
                at=day,
                period=None,
                profile=DEFAULT_PROFILE,
            )
        except Problem:  # no offering yet: nothing to check (the version read is at least)
            return asked, ([], [], True)
        chain = ready.chain
        # the overview lists what expires within its own days; no verdict depends on them
        profile = replace(ready.profile, expiring_days=EXPIRING_DAYS)
        links, each = ready.judged.each()
    rows = [
        OfferingRow(
            offering,
            chain.services[offering].name,
            found.verdict.value,
            STATUS_STYLES[found.verdict].label,
            dict(found.summary),
        )
        for offering, found in each.items()
    ]
    soon = [
        SoonRow(
            e.evidence,
            chain.evidence[e.evidence].scheme.label,
            chain.suppliers[e.holder].name,
            tuple((s, chain.services[s].name) for s in e.covers),
            e.stops,
        )
        for e in services.expiring_in(chain, links, profile, day)
    ]
    return ready.version, (rows, soon, False)


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
        compute=lambda: _overview(request, session, visit, day, asked),
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
