"""The ketenkaart service: ``create_app()`` for uvicorn, its lifespan and its handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from app import errors
from app.config import Settings, get_settings
from app.db import make_engine
from app.limits import BodyLimit
from app.routes import documents, entities, health, register


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The application; ``engine`` overrides the settings' database (tests)."""
    settings = settings or get_settings()
    own_engine = engine is None
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if own_engine:
            engine.dispose()

    app = FastAPI(
        title="ketenkaart",
        summary="Which links in a cloud service's supply chain lack equivalent certification.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    app.include_router(health.router)
    app.include_router(register.router, prefix="/api/v1")
    app.include_router(entities.router, prefix="/api/v1")
    app.include_router(documents.router, prefix="/api/v1")
    return app
