"""The database engine: SQLite (embedded, the default) or PostgreSQL (psycopg 3).

SQLite runs in WAL mode with foreign keys on, so readers do not block the writer and a deleted
workspace takes its rows with it.

Every wait for the database is bounded by one figure, ``wait`` (``KETENKAART_DB_WAIT``, 30 s by
default): a write waits at most that long for another writer's lock (SQLite's busy timeout,
PostgreSQL's ``lock_timeout``), and a request at most that long for a pooled connection. It is
chosen above the longest write transaction of the service (an import of a 20,000-service
register), so a write waits its turn instead of failing; past it the request is answered 503
with ``Retry-After`` (``app.limits.install``), never a 500 (ADR 27).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver.

    >>> normalise_url("postgresql://postgres@127.0.0.1:5432/test")
    'postgresql+psycopg://postgres@127.0.0.1:5432/test'
    >>> normalise_url("sqlite:///ketenkaart.db")
    'sqlite:///ketenkaart.db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULT_WAIT = 30.0
"""Seconds a request waits for the database's lock or a pooled connection."""


def make_engine(url: str, *, wait: float = DEFAULT_WAIT, **options: Any) -> Engine:
    """An engine for ``url`` whose every wait is bounded by ``wait`` seconds; in-memory SQLite
    shares one connection (tests)."""
    url = normalise_url(url)
    millis = max(1, round(wait * 1000))
    connect_args = dict(options.pop("connect_args", {}))
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        if not memory and "poolclass" not in options:
            options.setdefault("pool_timeout", wait)
        engine = create_engine(
            url,
            # the driver's own wait for the lock, before the busy timeout below is set
            connect_args={"check_same_thread": False, "timeout": wait, **connect_args},
            poolclass=StaticPool if memory else None,
            **options,
        )
        event.listen(engine, "connect", _sqlite_pragmas(millis))
        return engine
    if "poolclass" not in options:
        options.setdefault("pool_timeout", wait)
    given = str(connect_args.get("options", ""))
    connect_args["options"] = f"{given} -c lock_timeout={millis}".strip()
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **options)


def _sqlite_pragmas(busy_millis: int) -> Callable[[Any, Any], None]:
    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_millis:d}")
        cursor.close()

    return pragmas


def sessions(engine: Engine) -> Iterator[Session]:
    """One session per request, closed afterwards."""
    with Session(engine) as session:
        yield session
