"""Schema migrations with Alembic: ``ketenkaart db upgrade`` and the readiness check.

Alembic is imported when a migration or a readiness check first needs it, not with this
module: the service's routes import it, and its start (``/healthz``) should not wait for
Alembic's 0.15 s of imports (issue 13).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.db import normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at ``url``, without an ini file."""
    from alembic.config import Config  # noqa: PLC0415 - see the module's docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def newest() -> str:
    """The newest migration's revision, read from the migration files as Alembic reads them
    (the one revision no other names as its ``down_revision``), without importing Alembic;
    ``tests/app/test_migrations.py`` holds it to Alembic's own answer."""
    return _newest(tuple(sorted((MIGRATIONS / "versions").glob("*.py"))))


@cache
def _newest(files: tuple[Path, ...]) -> str:
    found = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*["']([^"']+)["']""", re.M)
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in files:
        for key, value in found.findall(path.read_text(encoding="utf-8")):
            (revisions if key == "revision" else downs).add(value)
    (head,) = revisions - downs
    return head


def _current(engine: Engine) -> str | None:
    """The database's revision, or ``None`` for a database Alembic has not stamped."""
    with engine.connect() as connection:
        try:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None
        return str(found) if found is not None else None


def upgrade(engine: Engine) -> None:
    """Bring the database's schema up to the newest migration; a database already there is
    only read (Alembic, 0.15-0.3 s of imports, is loaded when there is work for it: the
    service starts sooner)."""
    if _current(engine) == newest():
        return
    from alembic import command  # noqa: PLC0415 - see the module's docstring

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # two processes starting at once: one waits
            connection.execute(text("SELECT pg_advisory_xact_lock(7262835)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_current(engine: Engine) -> bool:
    """Whether the database's schema is at the newest migration."""
    return _current(engine) == newest()
