"""The migrations build exactly the tables the models declare, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables on the metadata
from app.migrate import is_current, upgrade


def test_migrations_produce_the_models_schema(engine: Engine) -> None:
    """After upgrade, autogenerate finds no difference between the database and the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_is_current_after_upgrade(engine: Engine) -> None:
    """A database brought up to the newest migration is current."""
    assert is_current(engine)


def test_is_not_current_on_an_empty_database(blank_engine: Engine) -> None:
    """An empty database is not current."""
    assert not is_current(blank_engine)


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    """Upgrading a current database again is harmless and leaves it current."""
    upgrade(engine)
    assert is_current(engine)
