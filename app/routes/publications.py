"""Publications and subscriptions (ADR 40).

``router`` (under ``/api/v1``): an owner publishes chosen offerings as the next version of a
publication and lists them; an editor or owner subscribes to another service's publication,
refreshes it and ends it; every reader sees what the register judged takes from subscriptions,
and from where. ``public`` serves the publications at stable addresses, ``/pub/{ws}/{name}``
(the latest version) and ``/pub/{ws}/{name}/{version}``, to anyone, or with the publication's
token; ``?format=cyclonedx`` gives the same as a CycloneDX 1.6 SaaSBOM.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field

from app import publishing
from app.deps import Owner, Reader, SessionDep, Writer, now, public_base
from app.errors import Conflict, PreconditionFailed, PreconditionRequired
from graph.i18n import gettext

router = APIRouter(prefix="/workspaces/{ws}", tags=["publications"])
public = APIRouter(prefix="/pub", tags=["publications"], include_in_schema=False)

_NAME = Annotated[str, Path(pattern=publishing.NAME.pattern, max_length=64)]


class NewPublication(BaseModel):
    """What to publish."""

    name: str = Field(
        pattern=f"^{publishing.NAME.pattern}$",
        description="The publication's name: its address is /pub/{ws}/{name}.",
    )
    offerings: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=1000, description="The offerings published, with all under them."
    )
    extra: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list,
        max_length=100,
        description="The x- keys published too (by default none is).",
    )
    access: Literal["public", "token"] = Field(
        "public", description="Served to anyone, or only with the publication's token."
    )
    new_token: bool = Field(
        default=False, description="Give a new token (the previous version's stops working)."
    )
    profile: str = Field(
        "zeker-online", max_length=200, description="The profile of the published verdicts."
    )


class NewSubscription(BaseModel):
    """The publication to build on."""

    url: str = Field(max_length=2000, description="Its address: http(s)://.../pub/{ws}/{name}.")
    public_key: str = Field(
        max_length=64, description="The publisher's Ed25519 public key, in base64."
    )
    token: str | None = Field(
        None, min_length=1, max_length=200, description="The token, if it is behind one."
    )


@router.post("/publications", status_code=201, summary="Publish offerings as a new version")
def publish(
    request: Request, session: SessionDep, caller: Owner, body: NewPublication
) -> dict[str, Any]:
    """Publish the offerings and everything under them as the next version of ``name``,
    signed with the workspace's key; a publication behind a token answers with its token when
    a new one was made (only then: it is kept as a hash)."""
    done = publishing.publish(
        session,
        workspace=caller.workspace,
        name=body.name,
        offerings=body.offerings,
        extra=body.extra,
        access=body.access,
        new_token=body.new_token,
        profile=body.profile,
        actor=caller.actor,
        user_id=caller.actor.user_id,
        at=now(request),
    )
    answer = publishing.publication_json(done.publication)
    answer["key"] = done.document["key"]
    answer["url"] = f"/pub/{caller.workspace.slug}/{done.publication.name}"
    if done.token is not None:
        answer["token"] = done.token
    return answer


@router.get("/publications", summary="The workspace's publications and its public key")
def list_publications(session: SessionDep, caller: Owner) -> dict[str, Any]:
    """Every version of every publication, and the key they are signed with."""
    wid = caller.workspace.id or 0
    return {
        "key": publishing.public_key(session, wid),
        "publications": [
            publishing.publication_json(row) for row in publishing.publications(session, wid)
        ],
    }


@router.post("/subscriptions", status_code=201, summary="Subscribe to another's publication")
def subscribe(
    request: Request, session: SessionDep, caller: Writer, body: NewSubscription
) -> dict[str, Any]:
    """Fetch the publication at ``url`` and keep it when it is signed by ``public_key``: its
    chain becomes a read-only part of the register judged. A publication that does not hold
    is refused (409) and the refusal is in the audit trail."""
    row = publishing.subscribe(
        session,
        workspace=caller.workspace,
        url=body.url,
        key=body.public_key,
        token=body.token,
        actor=caller.actor,
        user_id=caller.actor.user_id,
        at=now(request),
    )
    return publishing.subscription_json(row)


@router.get("/subscriptions", summary="The publications the register builds on")
def list_subscriptions(session: SessionDep, caller: Reader) -> list[dict[str, Any]]:
    """Each subscription: where, whose, which version, when fetched, the last refusal."""
    rows = publishing.subscriptions(session, caller.workspace.id or 0)
    return [publishing.subscription_json(row) for row in rows]


@router.post(
    "/subscriptions/{subscription_id}/refresh", summary="Fetch a subscription's newest version"
)
def refresh(
    request: Request, session: SessionDep, caller: Writer, subscription_id: int
) -> dict[str, Any]:
    """Fetch the publication again: a newer version that holds replaces the one held, and the
    answer's ``changes`` say what it changed in the register judged (as ``ketenkaart diff``
    writes it: the publication's entities, and the register's links whose verdict changed,
    both checked today); one that does not hold, an older one or another under the same version
    is refused (409)."""
    done = publishing.refresh(
        session,
        workspace_id=caller.workspace.id or 0,
        subscription_id=subscription_id,
        actor=caller.actor,
        at=now(request),
    )
    answer = {**publishing.subscription_json(done.subscription), "changed": done.changed}
    if done.changes is not None:
        answer["changes"] = done.changes.to_json()
    return answer


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    summary="End a subscription",
    responses={412: {"description": "The subscription holds another version"}},
)
def unsubscribe(
    request: Request,
    session: SessionDep,
    caller: Writer,
    subscription_id: int,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> Response:
    """End the subscription: its chain leaves the register judged. ``If-Match`` names the
    version held (``"2"``, as the subscription shows it; ``*`` for any), so that a version
    that came meanwhile is not dropped unseen."""
    publishing.unsubscribe(
        session,
        workspace_id=caller.workspace.id or 0,
        subscription_id=subscription_id,
        version=_held(if_match),
        actor=caller.actor,
        at=now(request),
    )
    return Response(status_code=204)


def _held(if_match: str | None) -> int | None:
    """The version an If-Match names; ``None`` for ``*``."""
    if if_match is None:
        raise PreconditionRequired(gettext("send If-Match with the ETag of the version you read"))
    if if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise PreconditionFailed(
            gettext("If-Match {value} is no ETag of this service").format(value=repr(if_match))
        )
    return int(text)


@router.get("/upstream", summary="What the register judged takes from subscriptions")
def upstream(session: SessionDep, caller: Reader) -> list[dict[str, Any]]:
    """Each supplier, service, link and piece of evidence of the register as it is judged that
    comes from a subscribed publication (in the caller's scope), with its origin: publisher,
    publication, version, when published and fetched, and whether its signature holds."""
    return publishing.origins_json(session, caller.workspace, caller.scope)


def _token(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


_JSON = "application/json"
_CYCLONEDX = "application/vnd.cyclonedx+json; version=1.6"

_FORMAT = Annotated[
    Literal["json", "cyclonedx"],
    Query(description="json: the publication as signed; cyclonedx: as a CycloneDX 1.6 SaaSBOM."),
]


@lru_cache(maxsize=4)
def _saasbom(body: str, url: str) -> bytes:
    """A version's SaaSBOM, made once per process for the last few asked: a version never
    changes, and writing a big one takes a while."""
    return publishing.saasbom(body, url)


def _answer(request: Request, body: str, fmt: str, *, latest: bool) -> Response:
    """The publication as signed, or (``cyclonedx``) its SaaSBOM naming the address of the
    version signed: ``KETENKAART_PUBLIC_URL``, else this request's own."""
    cache = {"Cache-Control": "no-cache"} if latest else {}
    if fmt != "cyclonedx":
        return Response(body, media_type=_JSON, headers=cache)
    document = json.loads(body)
    try:
        base = public_base(request)
    except Conflict:
        base = f"{request.url.scheme}://{request.url.netloc}"
    url = f"{base}/pub/{document['workspace']}/{document['name']}/{document['version']}"
    return Response(_saasbom(body, url), media_type=_CYCLONEDX, headers=cache)


@public.get("/{ws}")
def publisher(session: SessionDep, ws: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """The workspace's public key and its public publications."""
    return publishing.listing(session, ws)


@public.get("/{ws}/{name}")
def latest(
    request: Request,
    session: SessionDep,
    ws: Annotated[str, Path(max_length=64)],
    name: _NAME,
    authorization: Annotated[str | None, Header(max_length=300)] = None,
    format: _FORMAT = "json",  # noqa: A002 - the query's name
) -> Response:
    """The latest version of publication ``name``, as signed (or as a SaaSBOM)."""
    body = publishing.served(session, slug=ws, name=name, version=None, token=_token(authorization))
    return _answer(request, body, format, latest=True)


@public.get("/{ws}/{name}/{version}")
def one_version(
    request: Request,
    session: SessionDep,
    ws: Annotated[str, Path(max_length=64)],
    name: _NAME,
    version: Annotated[int, Path(ge=1)],
    authorization: Annotated[str | None, Header(max_length=300)] = None,
    format: _FORMAT = "json",  # noqa: A002 - the query's name
) -> Response:
    """Version ``version`` of publication ``name``, as signed (or as a SaaSBOM); it never
    changes."""
    body = publishing.served(
        session, slug=ws, name=name, version=version, token=_token(authorization)
    )
    return _answer(request, body, format, latest=False)
