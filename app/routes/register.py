"""The register as a whole: import (every format), export (every format), the register's
template, check, expiring evidence."""

from __future__ import annotations

import re
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
from app.limits import computing, turn_wait
from app.routes.pages.recent import judging, register_key
from app.singleflight import flights
from app.streams import chunked
from graph.dates import parse_period
from graph.errors import UsageError
from graph.forecast import DEFAULT_DAYS, MAX_DAYS
from graph.forecast import forecast as graph_forecast
from graph.i18n import gettext
from graph.model import DateRange
from graph.verdicts import CheckResult
from importers import registry
from importers.chainfile import dump_chain
from importers.formats import ExportFormat
from importers.register import template

router = APIRouter(prefix="/workspaces/{ws}", tags=["register"])


_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)


def _filename(given: str | None, disposition: str | None) -> str:
    """The uploaded file's name, for sniffing and messages: ``?filename=``, else the
    Content-Disposition header's, else ``request body``; without any folder."""
    found = given
    if not found and disposition:
        match = _FILENAME.search(disposition)
        found = match.group(1) if match else None
    name = (found or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "request body"


@router.post("/import")
async def import_chain(
    request: Request,
    session: SessionDep,
    caller: Writer,
    dry_run: Annotated[bool, Query(alias="dry-run")] = False,
    format: Annotated[str | None, Query(description="found from the file if absent")] = None,  # noqa: A002
    filename: Annotated[str | None, Query(max_length=1000)] = None,
    keep_internal: Annotated[
        bool,
        Query(
            alias="keep-internal",
            description="keep a provider's own internal components as links (by default they "
            "are out of scope: part of the offering's own system)",
        ),
    ] = False,
) -> dict[str, Any]:
    """Upsert a file of any format ketenkaart reads by id, all or nothing; say what changed.

    A chain file answers with the report alone; any other format adds the format it was read
    as and its warnings, each with its place.
    """
    data = await request.body()  # bounded by the BodyLimit middleware
    name = _filename(filename, request.headers.get("content-disposition"))
    done = await run_in_threadpool(  # the database work must not hold up the event loop
        services.import_file,
        session,
        workspace=caller.workspace,
        name=name,
        data=data,
        fmt=format,
        dry_run=dry_run,
        actor=caller.actor,
        keep_internal=keep_internal,
    )
    if done.format == "chain":
        return asdict(done.report)
    return {**asdict(done.report), "format": done.format, "warnings": done.warnings}


@router.get("/export")
def export_chain(
    session: SessionDep,
    caller: Reader,
    format: ExportFormat = "yaml",  # noqa: A002
    language: Literal["en", "nl"] = "en",
) -> Response:
    """The register (an auditor's: the part in their grant) as a chain file, a CycloneDX
    SaaSBOM, a supplier register (XLSX or CSV, headings in ``language``) or DORA's register of
    information (a zip of B_05.01 and B_05.02)."""
    chain = services.register_chain(session, caller.workspace, caller.scope)
    session.close()  # the connection goes back to the pool: what follows needs only the chain
    if format in ("yaml", "json"):
        body = dump_chain(chain, fmt=format)
        media = "application/json" if format == "json" else "application/yaml"
        name = f"{caller.workspace.slug}.{format}"
        return Response(body, media_type=media, headers=_attachment(name))
    exported = registry.export(chain, format, language)
    headers = _attachment(f"{caller.workspace.slug}.{exported.suffix}")
    if exported.warnings:
        headers["X-Ketenkaart-Warnings"] = str(len(exported.warnings))
    return Response(exported.data, media_type=exported.media_type, headers=headers)


@router.get("/register-template")
def register_template(
    caller: Reader,
    format: Literal["xlsx", "csv"] = "xlsx",  # noqa: A002
    language: Literal["en", "nl"] = "en",
) -> Response:
    """An empty supplier register to fill in, with the headings in ``language``."""
    del caller  # the role is the check; the template is the same for every workspace
    data = template(format, language)
    media = "text/csv; charset=utf-8" if format == "csv" else registry.XLSX_MEDIA_TYPE
    name = f"{'leveranciers' if language == 'nl' else 'suppliers'}.{format}"
    return Response(data, media_type=media, headers=_attachment(name))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _period(text: str | None) -> DateRange | None:
    if text is None:
        return None
    try:
        return parse_period(text)
    except UsageError:
        raise Invalid(
            gettext("period '{text}' is not FROM..TO with FROM on or before TO").format(text=text),
            errors=[
                {
                    "location": "query.period",
                    "message": gettext("expected YYYY-MM-DD..YYYY-MM-DD"),
                }
            ],
        ) from None


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
    """Exactly the JSON of ``ketenkaart check --format json`` on the exported register.

    The document is made once per register version and question, and sent to every caller
    who asks it meanwhile (ADR 31)."""
    if at is not None and period is not None:
        raise Invalid(gettext("give at or period, not both"))
    span = _period(period)
    when = None if span else (at or today(request))
    workspace, scope = caller.workspace, caller.scope
    asked = workspace.version  # read after the request came in
    session.close()  # no connection held while waiting: the computation takes one to read

    def compute() -> tuple[int, list[bytes]]:
        with computing(request):
            # the register judged once per version for every question (ADR 31)
            found = judging(
                request,
                session,
                workspace,
                scope,
                asked=asked,
                at=when,
                period=span,
                profile=profile,
            )
            result = found.judged.check(offering or None)
            return found.version, list(chunked(_with_newline(result)))

    key = register_key(workspace, scope, tuple(offering or ()), profile, when, span)
    body = flights(request, "check", KEPT_CHECKS).get(
        key, at_least=asked, compute=compute, start_within=turn_wait(request)
    )
    return StreamingResponse(iter(body), media_type="application/json")


KEPT_CHECKS = 1
"""How many check documents a worker keeps for the next caller of the same register version
(ADR 31): at 20,000 services one is about 170 MB of bytes, in pieces of a megabyte."""


def _with_newline(result: CheckResult) -> Iterator[bytes]:
    yield from result.iter_json()
    yield b"\n"


@router.get("/forecast")
def forecast(
    request: Request,
    session: SessionDep,
    caller: Reader,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = DEFAULT_DAYS,
    at: date | None = None,
    offering: Annotated[list[str] | None, Query()] = None,
    profile: str = "zeker-online",
) -> dict[str, Any]:
    """Exactly the JSON of ``ketenkaart forecast --format json`` on the exported register:
    each link's status on ``at`` (default today) and every change of it within ``days`` days
    if no new evidence arrives, with the reasons for the new status.

    It starts from the register judged on ``at`` (ADR 31): the graph and report pages ask it
    just after they are drawn, and find that judging kept, so the register is neither read
    nor checked again (ADR 41)."""
    day = at or today(request)
    workspace = caller.workspace
    ready = judging(  # this request holds a heavy turn (app.limits.HEAVY_PATHS)
        request,
        session,
        workspace,
        caller.scope,
        asked=workspace.version,
        at=day,
        period=None,
        profile=profile,
    )
    checked, walked = ready.judged.check_walked(offering or None)
    found = graph_forecast(
        ready.chain, at=day, days=days, profile=ready.profile, checked=checked, walked=walked
    )
    return found.to_json()


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
