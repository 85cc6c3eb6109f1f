"""What a worker keeps of the latest answers about a register, for the next request that asks
the same of the same register (ADR 29).

An answer is kept under its workspace (id and creation time, so that a workspace made again
under an old id is another one), the register's version and whatever else the answer depends
on. Every change of a register counts up its version (``app.repository.bump_workspace``, in the
change's own transaction), so an answer is found again only for the very register it was made
of. Each application (each worker, each test's client) has its own, in ``app.state``.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from fastapi import Request

from app.models import Workspace

T = TypeVar("T")


class Recent(Generic[T]):
    """The ``size`` latest answers of one kind, by key; the oldest goes first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._found: dict[tuple[object, ...], T] = {}

    def get(self, key: tuple[object, ...]) -> T | None:
        with self._lock:
            return self._found.get(key)

    def put(self, key: tuple[object, ...], value: T) -> None:
        with self._lock:
            self._found.pop(key, None)
            self._found[key] = value
            while len(self._found) > self._size:
                del self._found[next(iter(self._found))]


_MADE = threading.Lock()


def recent(request: Request, name: str, size: int) -> Recent[Any]:
    """The application's store ``name`` of the latest ``size`` answers (made on first use)."""
    state = request.app.state
    with _MADE:
        stores: dict[str, Recent[Any]] | None = getattr(state, "recent_answers", None)
        if stores is None:
            stores = state.recent_answers = {}
        return stores.setdefault(name, Recent(size))


def register_key(workspace: Workspace, *rest: object) -> tuple[object, ...]:
    """The key of an answer about ``workspace``'s register as it is now, and ``rest``."""
    return (workspace.id, workspace.created_at, workspace.version, *rest)
