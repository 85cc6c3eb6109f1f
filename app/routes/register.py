"""The register as a whole: import, export, check, expiring evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from app import services
from app.deps import Reader, SessionDep, Writer, today
from app.errors import Invalid
from app.streams import chunked
from graph.model import DateRange
from graph.verdicts import CheckResult
from importers.gcpause import paused

router = APIRouter(prefix="/workspaces/{ws}", tags=["register"])


@router.post("/import")
async def import_chain(
    request: Request,
    session: SessionDep,
    caller: Writer,
    dry_run: Annotated[bool, Query(alias="dry-run")] = False,
) -> dict[str, Any]:
    """Upsert a chain file (YAML or JSON body) by id, all or nothing; say what changed."""
    data = await request.body()  # bounded by the BodyLimit middleware
    report = await run_in_threadpool(  # the database work must not hold up the event loop
        services.import_chain,
        session,
        workspace=caller.workspace,
        name="request body",
        data=data,
        dry_run=dry_run,
        actor=caller.actor,
    )
    return asdict(report)


@router.get("/export")
def export_chain(
    session: SessionDep,
    caller: Reader,
    format: Literal["yaml", "json"] = "yaml",  # noqa: A002
) -> Response:
    """The whole register as a chain file."""
    body = services.export_register(
        session, workspace=caller.workspace, fmt=format, scope=caller.scope
    )
    media = "application/json" if format == "json" else "application/yaml"
    name = f"{caller.workspace.slug}.{'json' if format == 'json' else 'yaml'}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _period(text: str | None) -> DateRange | None:
    if text is None:
        return None
    start, sep, end = text.partition("..")
    try:
        period = DateRange(date.fromisoformat(start), date.fromisoformat(end)) if sep else None
    except ValueError:
        period = None
    if period is None or period.start > period.end:
        raise Invalid(
            f"period '{text}' is not FROM..TO with FROM on or before TO",
            errors=[{"location": "query.period", "message": "expected YYYY-MM-DD..YYYY-MM-DD"}],
        )
    return period


@router.get("/check", response_class=StreamingResponse)
def check(
    request: Request,
    session: SessionDep,
    caller: Reader,
    at: date | None = None,
    period: str | None = None,
    offering: Annotated[list[str] | None, Query()] = None,
    profile: str = "zeker-online",
) -> StreamingResponse:
    """Exactly the JSON of ``ketenkaart check --format json`` on the exported register."""
    if at is not None and period is not None:
        raise Invalid("give at or period, not both")
    span = _period(period)
    with paused():
        result = services.check_register(
            session,
            workspace=caller.workspace,
            at=None if span else (at or today(request)),
            period=span,
            offerings=offering,
            profile=profile,
            scope=caller.scope,
        )

    def body() -> Iterator[bytes]:
        # The collector is paused while each chunk is made, never across a yield: a client
        # that goes away would leave the generator, and the pause, open for good.
        chunks = chunked(_with_newline(result))
        while True:
            with paused():
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    return StreamingResponse(body(), media_type="application/json")


def _with_newline(result: CheckResult) -> Iterator[bytes]:
    yield from result.iter_json()
    yield b"\n"


@router.get("/expiring")
def expiring(
    request: Request,
    session: SessionDep,
    caller: Reader,
    days: Annotated[int, Query(ge=0, le=3660)] = 90,
    profile: str = "zeker-online",
) -> list[dict[str, Any]]:
    """Evidence that stops counting within ``days`` days, soonest first."""
    found = services.expiring(
        session,
        workspace=caller.workspace,
        today=today(request),
        days=days,
        profile=profile,
        scope=caller.scope,
    )
    return [{**asdict(x), "stops": x.stops.isoformat(), "covers": list(x.covers)} for x in found]
