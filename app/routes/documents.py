"""The document behind a piece of evidence: upload (editor) and download (viewer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from app import documents, services
from app.deps import Reader, SessionDep, Writer

router = APIRouter(prefix="/workspaces/{ws}", tags=["evidence documents"])

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file itself, with its media type as Content-Type.",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in sorted(documents.MEDIA_TYPES)
        },
    }
}


def _public(record: Any) -> dict[str, Any]:
    return {
        "evidence": record.evidence_key,
        "filename": record.filename,
        "media_type": record.media_type,
        "size": record.size,
        "sha256": record.sha256,
        "version": record.version,
    }


@router.put(
    "/evidence/{key}/document",
    name="put_evidence_document",
    summary="Upload the document of a piece of evidence",
    openapi_extra=_UPLOAD_BODY,
    responses={201: {"description": "Stored as the first document"}},
)
async def put_document(
    key: str,
    request: Request,
    session: SessionDep,
    caller: Writer,
    filename: Annotated[str | None, Query(max_length=1000)] = None,
    content_type: Annotated[str | None, Header()] = None,
) -> Response:
    """Store the request body as the evidence's document, replacing an earlier one."""
    media_type = documents.media_type_of(content_type)
    await run_in_threadpool(
        documents.check_evidence, session, workspace=caller.workspace, evidence=key
    )
    data = await request.body()  # bounded by the BodyLimit middleware
    record, created = await run_in_threadpool(
        documents.put_document,
        session,
        workspace=caller.workspace,
        evidence=key,
        filename=filename,
        media_type=media_type,
        content=data,
        documents_dir=request.app.state.settings.documents_dir,
        actor=caller.actor,
    )
    return JSONResponse(
        _public(record),
        status_code=201 if created else 200,
        headers={"ETag": f'"{record.sha256}"'},
    )


@router.get(
    "/evidence/{key}/document",
    name="get_evidence_document",
    summary="Download the document of a piece of evidence",
    response_class=Response,
    responses={200: {"content": {m: {} for m in sorted(documents.MEDIA_TYPES)}}},
)
def get_document(
    key: str,
    request: Request,
    session: SessionDep,
    caller: Reader,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The document, as an attachment with its media type and its SHA-256 as ETag."""
    if caller.scope is not None:
        services.get_entity(
            session, workspace=caller.workspace, section="evidence", key=key, scope=caller.scope
        )
    found = documents.get_document(
        session,
        workspace=caller.workspace,
        evidence=key,
        documents_dir=request.app.state.settings.documents_dir,
    )
    record = found.record
    headers = {
        "ETag": f'"{record.sha256}"',
        "Content-Disposition": documents.content_disposition(record.filename),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if if_none_match is not None and headers["ETag"] in {
        t.strip().removeprefix("W/") for t in if_none_match.split(",")
    }:
        return Response(status_code=304, headers=headers)
    if found.file is not None:
        return FileResponse(found.file, media_type=record.media_type, headers=headers)
    return Response(found.content, media_type=record.media_type, headers=headers)
