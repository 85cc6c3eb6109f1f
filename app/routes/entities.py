"""CRUD of suppliers, services, dependencies, evidence and profiles, each by its chain id.

A GET answers with an ETag (the entity's version); PATCH and DELETE need ``If-Match`` with it,
and a stale one gets 412 instead of overwriting someone else's change.
"""

# No ``from __future__ import annotations``: a route's body annotation names this section's
# model, a local of ``_routes``, which FastAPI could not resolve from a string.
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, PlainValidator
from pydantic_core import PydanticKnownError

from app import documents, services
from app.api_models import BODIES, camel, problems
from app.deps import Reader, SessionDep, Writer
from app.errors import Invalid, PreconditionFailed, PreconditionRequired
from app.repository import KINDS, page
from graph.i18n import gettext
from graph.schema import SECTIONS, Field

router = APIRouter(
    prefix="/workspaces/{ws}",
    tags=["register entities"],
    # each operation's id is its route's name (create_supplier, list_suppliers, ...): the
    # names a generated client gives its functions
    generate_unique_id_function=lambda route: route.name,
)

MAX_OFFSET = 2**53
"""Beyond any register's size; a bigger offset is refused (422), not passed to SQL."""


def _filterable(f: Field) -> bool:
    """Whether a listing filters on the field: a value that is one string (matched exactly),
    with no default (an entry that leaves it out would not match its default), not the id."""
    return f.type in ("text", "ref", "choice", "country", "date") and f.default is None


FILTERS: dict[str, tuple[Field, ...]] = {
    name: tuple(f for f in section.fields if _filterable(f)) for name, section in SECTIONS.items()
}
"""Each section's list filters, from the chain format; services filter on ``offering`` too."""


def _filter_parameters(section: str) -> list[dict[str, Any]]:
    """The listing's filters as the OpenAPI document declares them (read from the query)."""
    declared: list[dict[str, Any]] = [
        {
            "name": f.key,
            "in": "query",
            "required": False,
            # a choice names its enum, the one the bodies use
            "schema": {"$ref": f"#/components/schemas/{camel(f.key)}"}
            if f.choices
            else {"type": "string"},
            "description": f"Only those whose {f.key} is this. {f.doc}",
        }
        for f in FILTERS[section]
    ]
    if section == "services":
        declared.append(
            {
                "name": "offering",
                "in": "query",
                "required": False,
                "schema": {"type": "boolean"},
                "description": "Only the offerings (true), or only the other services (false).",
            }
        )
    return declared


def _object(value: Any) -> dict[str, Any]:
    """A JSON object as it came (the chain format's reader checks its fields), else the 422 of
    any JSON body that is not an object."""
    if isinstance(value, dict):
        return value
    raise PydanticKnownError("dict_type")


def _documented_as(model: type[BaseModel]) -> PlainValidator:
    """A body read as a plain JSON object, which the OpenAPI document describes as ``model``."""
    return PlainValidator(_object, json_schema_input_type=model)


def _etag(version: int) -> str:
    return f'"{version}"'


def _version(if_match: str | None) -> int | None:
    """The version an If-Match names; ``None`` for ``*`` (any current version, RFC 9110)."""
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


def _entity(row: Any, status: int = 200, body: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(
        services.row_json(row, body), status_code=status, headers={"ETag": _etag(row.version)}
    )


def _split(section: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool | None]:
    body = dict(body)
    body.pop("revision", None)  # the row's count, answered beside the fields; never stored
    if section != "evidence":  # evidence has a ``version`` of its own: its scheme's
        body.pop("version", None)
    offering = body.pop("offering", None) if section == "services" else None
    if offering is not None and not isinstance(offering, bool):
        raise Invalid(
            gettext("offering is true or false"),
            errors=[{"location": "offering", "message": gettext("expected a boolean")}],
        )
    return body, offering


def _routes(section: str) -> None:
    singular = KINDS[section].singular
    bodies = BODIES[section]
    names = (*(f.key for f in FILTERS[section]), *(("offering",) if section == "services" else ()))
    item = "/{frm}/{to}" if section == "dependencies" else "/{key}"

    # The item's id is read from the path by ``key_of`` (one function for one or two parts);
    # this declares it in the OpenAPI document, so clients and schema-driven tools see it.
    ids = ("frm", "to") if section == "dependencies" else ("key",)
    documented: dict[str, Any] = {
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "maxLength": 200},
                "description": f"the {'consumer' if name == 'frm' else 'provider'}'s id"
                if section == "dependencies"
                else f"the {singular}'s id",
            }
            for name in ids
        ]
    }

    def key_of(request: Request) -> str:
        params = request.path_params
        return (
            f"{params['frm']}/{params['to']}" if section == "dependencies" else str(params["key"])
        )

    @router.get(
        f"/{section}",
        name=f"list_{section}",
        summary=f"List {section}",
        response_model=bodies.page,
        responses=problems(401, 403, 404, 422),
        openapi_extra={"parameters": _filter_parameters(section)},
    )
    def listing(
        request: Request,
        session: SessionDep,
        caller: Reader,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        q: Annotated[str | None, Query(max_length=200)] = None,
    ) -> JSONResponse:
        filters = {k: v for k in names if (v := request.query_params.get(k)) is not None}
        if q:
            filters["q"] = q
        kind = KINDS[section]
        seen: dict[str, dict[str, Any]] | None = None  # an auditor with a scope: the cut bodies
        if caller.scope is None:
            total, found = page(
                session,
                kind,
                caller.workspace.id or 0,
                limit=limit,
                offset=offset,
                filters=filters,
            )
        else:  # an auditor with a scope: only what lies inside it, as the scope cuts it
            part = services.register_document(session, caller.workspace, caller.scope)
            seen = {kind.key_of(body): body for body in part[section]}
            _, every = page(
                session, kind, caller.workspace.id or 0, limit=None, offset=0, filters=filters
            )
            matching = [row for row in every if kind.key_of(row.body) in seen]
            total, found = len(matching), matching[offset : offset + limit]
        items = [
            services.row_json(r, None if seen is None else seen[kind.key_of(r.body)]) for r in found
        ]
        return JSONResponse({"total": total, "limit": limit, "offset": offset, "items": items})

    @router.post(
        f"/{section}",
        name=f"create_{singular}",
        summary=f"Add a {singular}",
        status_code=201,
        response_model=bodies.public,
        responses=problems(401, 403, 404, 409, 422),
    )
    def create(
        session: SessionDep,
        caller: Writer,
        body: Annotated[dict[str, Any], Body(), _documented_as(bodies.create)],
    ) -> JSONResponse:
        fields, offering = _split(section, body)
        row = services.create_entity(
            session,
            workspace=caller.workspace,
            section=section,
            body=fields,
            offering=bool(offering),
            actor=caller.actor,
        )
        return _entity(row, 201)

    @router.get(
        f"/{section}{item}",
        name=f"get_{singular}",
        summary=f"One {singular}",
        response_model=bodies.public,
        responses=problems(401, 403, 404, 422),
        openapi_extra=documented,
    )
    def read(request: Request, session: SessionDep, caller: Reader) -> JSONResponse:
        row = services.get_entity(
            session,
            workspace=caller.workspace,
            section=section,
            key=key_of(request),
            scope=caller.scope,
        )
        seen = (
            None
            if caller.scope is None
            else services.seen_body(session, caller.workspace, caller.scope, section, row.body)
        )
        return _entity(row, body=seen)

    @router.patch(
        f"/{section}{item}",
        name=f"update_{singular}",
        summary=f"Change a {singular}",
        response_model=bodies.public,
        responses=problems(401, 403, 404, 412, 422, 428),
        openapi_extra=documented,
    )
    def change(
        request: Request,
        session: SessionDep,
        caller: Writer,
        body: Annotated[dict[str, Any], Body(), _documented_as(bodies.update)],
        if_match: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        fields, offering = _split(section, body)
        row = services.update_entity(
            session,
            workspace=caller.workspace,
            section=section,
            key=key_of(request),
            changes=fields,
            version=_version(if_match),
            offering=offering,
            actor=caller.actor,
        )
        return _entity(row)

    @router.delete(
        f"/{section}{item}",
        name=f"delete_{singular}",
        summary=f"Remove a {singular}",
        status_code=204,
        responses=problems(401, 403, 404, 412, 422, 428),
        openapi_extra=documented,
    )
    def remove(
        request: Request,
        session: SessionDep,
        caller: Writer,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        path = services.delete_entity(
            session,
            workspace=caller.workspace,
            section=section,
            key=key_of(request),
            version=_version(if_match),
            actor=caller.actor,
        )
        documents_dir = request.app.state.settings.documents_dir
        documents.forget_file(session, documents_dir=documents_dir, path=path)
        return Response(status_code=204)


for _section in KINDS:
    _routes(_section)
