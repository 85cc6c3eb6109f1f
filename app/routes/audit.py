"""A workspace's audit trail, for its owners and auditors: read, export, verify."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app import audit
from app.deps import AuditReader, SessionDep

router = APIRouter(prefix="/workspaces/{ws}/audit", tags=["audit trail"])


@router.get("", summary="Entries of the workspace's audit trail, oldest first")
def entries(
    session: SessionDep,
    caller: AuditReader,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    chain = audit.chain_of(caller.workspace.id)
    found = audit.entries(session, chain, after_seq=after, limit=limit)
    return {
        "chain": chain,
        "items": [audit.public(e) for e in found],
        "next": found[-1].seq if len(found) == limit else None,
    }


@router.get("/export", summary="The whole trail as JSON lines or CSV")
def export(
    session: SessionDep,
    caller: AuditReader,
    format: Literal["jsonl", "csv"] = "jsonl",  # noqa: A002
) -> StreamingResponse:
    chain = audit.chain_of(caller.workspace.id)
    rows = audit.jsonl(session, chain) if format == "jsonl" else audit.csv_rows(session, chain)
    media = "application/jsonl" if format == "jsonl" else "text/csv; charset=utf-8"
    name = f"{caller.workspace.slug}-audit.{format}"
    return StreamingResponse(
        rows, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/verify", summary="Recompute the trail's hashes and name the first broken entry")
def verify(session: SessionDep, caller: AuditReader) -> dict[str, Any]:
    return audit.verify(session, audit.chain_of(caller.workspace.id)).as_json()
