"""The embedded database: a SQLite file in WAL mode with foreign keys on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from app.db import make_engine, normalise_url


def test_sqlite_files_run_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    """Readers do not block the writer, and a deleted workspace takes its rows along."""
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_postgresql_urls_use_psycopg_3() -> None:
    """A plain postgresql:// URL gets the psycopg 3 driver."""
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
