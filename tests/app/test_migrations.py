"""The migrations build exactly the tables the models declare, on every backend."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables on the metadata
from app.migrate import alembic_config, is_current, newest, upgrade


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


def test_the_newest_revision_is_alembics_head() -> None:
    """The newest revision read from the files is the head Alembic finds."""
    assert newest() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_a_database_one_migration_behind_is_not_current_and_is_upgraded(engine: Engine) -> None:
    """A database stamped one revision back is not current; upgrade brings it to the head."""
    with engine.begin() as connection:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
        behind = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert behind != newest()
    assert not is_current(engine)
    upgrade(engine)
    assert is_current(engine)
