"""Dependencies of the routes: the database session and the caller, by role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Engine
from sqlmodel import Session

from app import services
from app.errors import Forbidden, NotFound, Unauthorized
from app.models import ApiToken, Workspace

RANK = {"viewer": 0, "editor": 1, "owner": 2}


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks, for which workspace, with which role."""

    token: ApiToken
    workspace: Workspace

    @property
    def role(self) -> str:
        return self.token.role


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send a bearer token: Authorization: Bearer kk_...")
    return token.strip()


def needs(role: str) -> Callable[..., Caller]:
    """A dependency that lets through callers of ``role`` or higher in the path's workspace.

    A token of another workspace gets 404, as if the workspace did not exist.
    """

    def caller(
        request: Request, session: SessionDep, ws: Annotated[str, Path(max_length=64)]
    ) -> Caller:
        found = services.authenticate(session, _bearer(request))
        if found is None:
            raise Unauthorized("the token is unknown, revoked or expired")
        token, workspace = found
        if workspace.slug != ws:
            raise NotFound(f"no workspace '{ws}'")
        if RANK[token.role] < RANK[role]:
            raise Forbidden(f"this needs the role {role}; the token has {token.role}")
        return Caller(token, workspace)

    caller.__name__ = f"needs_{role}"
    return caller


Viewer = Annotated[Caller, Depends(needs("viewer"))]
Editor = Annotated[Caller, Depends(needs("editor"))]
