"""A workspace's audit trail, for its owners and auditors: read, export, verify, anchor.

The trail holds the values of the whole workspace, so an auditor whose engagement covers
chosen offerings may verify and anchor it (its head hash is in their scoping report) but not
read it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app import audit
from app.deps import AuditReader, Caller, SessionDep
from app.errors import Forbidden, NotConfigured
from graph.i18n import gettext

router = APIRouter(prefix="/workspaces/{ws}/audit", tags=["audit trail"])

MAX_ROW = 2**53
"""Beyond any place a trail reaches; a bigger number is refused (422), not passed to SQL."""


def _whole(caller: Caller) -> None:
    if caller.scope is not None:
        raise Forbidden(
            gettext(
                "the audit trail holds the whole workspace; your engagement covers {offerings} "
                "only: ask an owner for an export"
            ).format(offerings=", ".join(sorted(caller.scope)))
        )


@router.get("", summary="Entries of the workspace's audit trail, oldest first")
def entries(
    session: SessionDep,
    caller: AuditReader,
    after: Annotated[int, Query(ge=0, le=MAX_ROW)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    _whole(caller)
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
    _whole(caller)
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


@router.get(
    "/anchor",
    summary="The trail's last entry and hash, signed with the service's anchor key",
    description="Keep the answer outside the service: `ketenkaart audit verify --anchor FILE` "
    "finds any later rewrite of the trail (fewer entries, or another hash at the anchored "
    "place). The key is KETENKAART_ANCHOR_KEY (Ed25519, PEM or its seed in base64); without "
    "it the answer is 501.",
)
def anchor(session: SessionDep, caller: AuditReader) -> dict[str, Any]:
    try:
        key = audit.key_from_environment()
    except audit.AnchorError as err:
        raise NotConfigured(
            gettext("{variable} cannot be used: {error}").format(
                variable=audit.ANCHOR_KEY_VARIABLE, error=err
            )
        ) from None
    if key is None:
        raise NotConfigured(
            gettext("this service has no anchor key: set {variable} (ADR 20)").format(
                variable=audit.ANCHOR_KEY_VARIABLE
            )
        )
    return audit.anchor(session, key, [audit.chain_of(caller.workspace.id)])
