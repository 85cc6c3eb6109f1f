"""Settings of the service, from flags or the environment (``KETENKAART_*``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///ketenkaart.db"


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    >>> Settings(database_url="sqlite://").port
    8000
    """

    model_config = SettingsConfigDict(env_prefix="KETENKAART_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    documents_dir: Path | None = None
    """Where uploaded evidence documents go; in the database when unset."""
    max_upload_bytes: int = 25 * 1024 * 1024
    """The largest evidence document or chain file accepted in one request."""
    plain_http_localhost: bool = False
    """Serve browsers over plain HTTP on a loopback address: the session cookie goes without
    ``Secure`` and no HSTS is sent. Only for a person's own machine (``ketenkaart demo``)."""
    public_url: str | None = None
    """The address people reach the service at, for invitation links (else the request's)."""
    heavy_limit: int = Field(default=1, ge=1)
    """Requests that load and compute on a whole register (check, export, import, the overview,
    graph and report pages) one worker runs at once; the others wait their turn (ADR 27). The
    work is pure Python: two in one worker share one core (the GIL), so more than one per
    worker adds memory and latency, not throughput; add workers instead."""
    write_limit: int = Field(default=2, ge=1)
    """Writes under a workspace one worker runs at once; the others wait their turn."""
    turn_wait: float = Field(default=30.0, gt=0)
    """Seconds a request waits for its turn before it is answered 503 with Retry-After."""
    db_wait: float = Field(default=30.0, gt=0)
    """Seconds a request waits for the database: another writer's lock (SQLite's busy timeout,
    PostgreSQL's lock_timeout) or a pooled connection; then 503 with Retry-After."""
    retry_after: int = Field(default=5, ge=1)
    """The Retry-After of a 503, in seconds."""
    worker_healthcheck: int = Field(default=30, ge=1)
    """Seconds a worker may leave its supervisor's ping unanswered before it is killed and
    replaced (uvicorn's ``timeout_worker_healthcheck``; its own default, 5 s, is shorter than
    a garbage collection of a worker holding big registers, ADR 27)."""
    trusted_proxies: str = ""
    """Addresses (comma-separated, CIDR ranges allowed) of the proxies whose
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed; none by default, so a client
    cannot claim another address (the throttle and the audit trail record the address)."""


# The browser session's cookie: ``__Host-`` needs Secure, so on explicitly plain-HTTP localhost
# it goes by the plain name.
SESSION_COOKIE = "__Host-ketenkaart"
PLAIN_HTTP_SESSION_COOKIE = "ketenkaart"


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
