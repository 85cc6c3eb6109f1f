"""The ketenkaart service: ``create_app()`` for uvicorn, its lifespan and its handlers."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from app import errors, limits, notify
from app.api_models import problem_schemas
from app.config import Settings, get_settings
from app.db import make_engine
from app.documents import sweep_unfinished_uploads
from app.head import HeadAsGet
from app.languages import Language
from app.limits import Admission, BodyLimit
from app.routes import (
    audit,
    auth,
    documents,
    entities,
    health,
    history,
    languages,
    notifications,
    pages,
    people,
    people_pages,
    publications,
    register,
)
from app.security import Guard, adopt_server_logging
from app.views.graph import vis_directory
from app.views.pages import STATIC_DIR, templates

API_DOCS = "api_docs.html"
"""The page of ``/docs``: Swagger UI (vendored in ``static/swagger-ui``, ADR 24), no inline code;
its own words in the request's language (Swagger UI's are English)."""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The application; ``engine`` overrides the settings' database (tests)."""
    settings = settings or get_settings()
    own_engine = engine is None
    engine = engine or make_engine(settings.database_url, wait=settings.db_wait)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        adopt_server_logging()
        swept = sweep_unfinished_uploads(settings.documents_dir, now=time.time())
        if swept:
            logging.getLogger("ketenkaart").info(
                "removed unfinished uploads", extra={"fields": {"files": len(swept)}}
            )
        sending = notify.start_scheduler(engine)  # every KETENKAART_NOTIFY_INTERVAL seconds
        yield
        if sending is not None:
            sending.cancel()
        if own_engine:
            engine.dispose()

    app = FastAPI(
        title="ketenkaart",
        summary="Which links in a cloud service's supply chain lack equivalent certification.",
        version="0.1.0",
        lifespan=lifespan,
        # no redirect from /path/ to /path: Starlette builds it from the request's Host header
        redirect_slashes=False,
        # FastAPI's own pages load Swagger UI from a CDN and start it with an inline script, which
        # the Content-Security-Policy forbids; /docs below serves it from the app's static files
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.clock = lambda: datetime.now(UTC)
    errors.install(app)
    limits.install(app, retry_after=settings.retry_after)
    app.add_middleware(Language)  # innermost: the request's language for its route and problems
    app.add_middleware(
        Admission,
        heavy=settings.heavy_limit,
        writes=settings.write_limit,
        wait=settings.turn_wait,
        retry_after=settings.retry_after,
    )
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    app.add_middleware(Guard, hsts=not settings.plain_http_localhost)
    app.add_middleware(HeadAsGet)  # outermost: HEAD is a GET all the way in
    app.mount("/static/vis", StaticFiles(directory=vis_directory()), name="vis")  # pyvis's own
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (health, auth, pages, people_pages, languages):
        app.include_router(router.router)
    app.include_router(publications.public)  # /pub/...: what a provider publishes
    for router in (
        people,
        audit,
        register,
        history,
        entities,
        documents,
        publications,
        notifications,
    ):
        app.include_router(router.router, prefix="/api/v1")
    reference = templates.get_template(API_DOCS)
    made = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with the schemas of the problem details the API answers and
        the API token every /api/v1 operation takes (so /docs has its "Authorize" button)."""
        if app.openapi_schema is None:
            document = made()
            components = document.setdefault("components", {})
            components.setdefault("schemas", {}).update(problem_schemas())
            components.setdefault("securitySchemes", {})["token"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token (`ketenkaart token create`); a signed-in "
                "browser's session works too.",
            }
            for path, operations in document.get("paths", {}).items():
                if path.startswith("/api/v1/"):
                    for operation in operations.values():
                        operation.setdefault("security", [{"token": []}])
        return app.openapi_schema or made()

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """The API's reference: Swagger UI reading /openapi.json, all from this origin."""
        return HTMLResponse(reference.render())

    return app


def __getattr__(name: str) -> FastAPI:
    """``app.main:app`` for ``uvicorn app.main:app``: the application made from the
    environment when first asked for (importing this module builds nothing)."""
    if name == "app":
        built = globals()["app"] = create_app()
        adopt_server_logging()  # uvicorn has configured its logging by now; take it over
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
