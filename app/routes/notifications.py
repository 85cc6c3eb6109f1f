"""Notifications (ADR 43): the rules of who hears what, for owners; the delivery log, for
every reader (within an auditor's offerings).

``router`` goes under ``/api/v1``. A rule's webhook secret is answered once, when the service
chose it at creation; never afterwards, and a webhook's address only as its scheme and host.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from app import notify
from app.deps import Owner, Reader, SessionDep, now
from graph.forecast import MAX_DAYS

router = APIRouter(prefix="/workspaces/{ws}", tags=["notifications"])


class NewRule(BaseModel):
    """Who hears what, and how."""

    event: Literal["forecast", "expiring", "subscription"] = Field(
        description="forecast: a link turns conditional or gap within `days` days if no new "
        "evidence arrives; expiring: evidence that decides a link stops counting within `days` "
        "days; subscription: a subscribed publication takes a new version or one is refused."
    )
    days: int | None = Field(
        None, ge=1, le=MAX_DAYS, description="How far ahead (forecast and expiring)."
    )
    profile: str = Field(
        "zeker-online", max_length=200, description="The profile links are judged by."
    )
    channel: Literal["email", "webhook"] = Field(description="E-mail (SMTP) or a webhook.")
    target: str = Field(
        min_length=3,
        max_length=2000,
        description="E-mail: the addresses, separated by commas (at most 10). Webhook: the "
        "http(s) URL to POST to.",
    )
    secret: str | None = Field(
        None,
        min_length=16,
        max_length=200,
        description="A webhook's signing secret; left out, the service chooses one and answers "
        "it once.",
    )


@router.get("/notification-rules", summary="The workspace's notification rules")
def list_rules(session: SessionDep, caller: Owner) -> list[dict[str, Any]]:
    """Every rule: its event, days, channel and target (a webhook's only as its scheme and
    host), and whether it has a secret (never the secret)."""
    return [notify.rule_json(rule) for rule in notify.rules(session, caller.workspace.id or 0)]


@router.post(
    "/notification-rules", status_code=201, summary="Add a rule of who hears what, and how"
)
def create_rule(
    request: Request, session: SessionDep, caller: Owner, body: NewRule
) -> dict[str, Any]:
    """Add a rule (recorded in the audit trail). A webhook's answer carries its signing
    secret when the service chose it: only now, it is never shown again."""
    made = notify.create_rule(
        session,
        workspace=caller.workspace,
        event=body.event,
        days=body.days,
        profile=body.profile,
        channel=body.channel,
        target=body.target,
        secret=body.secret,
        actor=caller.actor,
        at=now(request),
    )
    answer = notify.rule_json(made.rule)
    if made.secret is not None:
        answer["secret"] = made.secret
    return answer


@router.delete(
    "/notification-rules/{rule_id}", status_code=204, summary="Remove a notification rule"
)
def delete_rule(
    request: Request,
    session: SessionDep,
    caller: Owner,
    rule_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> Response:
    """Remove the rule (recorded in the audit trail): what it queued and did not send yet is
    cancelled; what it sent stays in the log."""
    notify.delete_rule(
        session, workspace=caller.workspace, rule_id=rule_id, actor=caller.actor, at=now(request)
    )
    return Response(status_code=204)


@router.get("/notifications", summary="The log of notifications and their deliveries")
def notifications(
    session: SessionDep,
    caller: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> list[dict[str, Any]]:
    """Notifications, newest first (``before``: below that id, for the next page): what each
    said, to which channel, its state, and every attempt to deliver it with its error."""
    return notify.log(
        session, workspace=caller.workspace, scope=caller.scope, limit=limit, before=before
    )
