"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from app.errors import problem_response
from app.migrate import is_current
from graph.i18n import gettext

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, str] | JSONResponse:
    """The database answers and its schema is current."""
    engine: Engine = request.app.state.engine
    try:
        current = is_current(engine)
    except Exception:  # noqa: BLE001 - any failure to reach the database means not ready
        return problem_response(503, gettext("the database does not answer"))
    if not current:
        return problem_response(
            503, gettext("the database schema is not current: run ketenkaart db upgrade")
        )
    return {"status": "ready"}
