"""One computation per question about a register, shared by every request that asks it while
it runs, and kept for the next request that asks it of the same register (ADR 31).

A question is a key (the workspace, the caller's scope, and whatever else changes the answer:
the offering, the date or period, the profile). A request asks with the register's version it
read after it arrived, ``at_least``; it is answered with the result of a computation whose
register version is at least that one:

- the kept result of the key, when it was made of that version;
- else the computation of the key that is running, when the version it reads turns out to be
  at least that one (a request joins it and waits);
- else the next computation of the key, which starts when the running one has ended, so
  after the request arrived. At most one computation per key runs at a time; the requests
  that need a newer one wait for it together, and the first of them to take its turn runs it.

Every answer is therefore of a register version that was current at some moment while the
request ran: ``at_least`` was current when the request read it, versions only grow, and a
computation that read a later version read it while that one was current, after the request
read its own.

A computation that fails fails every request that waits for it, each with the same exception;
the next request starts a new one. A request's thread waits; a computation is never cancelled
(the others wait for it too). One store per application (per worker), in ``app.state``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from fastapi import Request
from sqlmodel import Session

from app import repository as repo
from app import services
from app.errors import NotFound
from app.models import Workspace
from graph.i18n import gettext
from graph.model import Chain

T = TypeVar("T")

Key = tuple[Hashable, ...]

LONGEST_WAIT = 600.0
"""Seconds a request waits for another's computation at most: a computation waits at most the
turn's wait for its turn and then runs to its end; this bound is only for one that hangs."""


class Overdue(Exception):  # noqa: N818 - it says what happened
    """The computation a request waited for did not end within :data:`LONGEST_WAIT`."""


class NotStarted(Exception):  # noqa: N818 - it says what happened
    """The computation a request waited for did not start (take its turn) in time."""


class _Flight(Generic[T]):
    """One computation of a key: its register version and value, or its failure, once done."""

    __slots__ = ("done", "error", "start_by", "started", "value", "version", "waiters")

    def __init__(self, start_by: float) -> None:
        self.started = threading.Event()
        self.start_by = start_by
        self.done = threading.Event()
        self.waiters = 0
        self.version = -1
        self.value: T | None = None
        self.error: BaseException | None = None


class Flights(Generic[T]):
    """The computations of one kind of answer, by key, and the ``keep`` latest results.

    A kept result is replaced by the next one of its key (the older one is let go at once),
    and the least recently used key goes first when more than ``keep`` are kept; ``keep = 0``
    keeps none (a computation is still shared by the requests that wait for it).

    >>> made = []
    >>> def compute():
    ...     made.append(1)
    ...     return 7, "answer of version 7"
    >>> flights = Flights(keep=1)
    >>> flights.get(("acme", "check"), at_least=7, compute=compute)
    'answer of version 7'
    >>> flights.get(("acme", "check"), at_least=7, compute=compute), len(made)
    ('answer of version 7', 1)
    >>> flights.get(("acme", "check"), at_least=8, compute=lambda: (8, "newer"))
    'newer'
    """

    def __init__(self, *, keep: int) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._kept: OrderedDict[Key, tuple[int, T]] = OrderedDict()
        self._running: dict[Key, _Flight[T]] = {}

    def get(
        self,
        key: Key,
        *,
        at_least: int,
        compute: Callable[[], tuple[int, T]],
        wait: float = LONGEST_WAIT,
        share: bool = True,
        start_within: float | None = None,
    ) -> T:
        """The answer to ``key`` of a register version ``at_least`` or later.

        ``compute`` reads the register and answers: ``(version read, value)``. It runs in the
        calling thread when this request is the one to run the key's next computation.
        Raises what ``compute`` raised, in every request that waited for it; :class:`Overdue`
        when another's computation did not end within ``wait`` seconds. With ``share=False``
        the request takes a kept result or computes for itself (keeping what it made), and
        waits for nobody's computation. With ``start_within``, a request that joins a
        computation that has not begun (that waits for its turn, :func:`begun`) waits at most
        that long for it to begin, and then raises :class:`NotStarted`; the computation waits
        for its turn as long as one of the requests that joined it still would
        (:func:`current`).
        """
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                kept = self._kept.get(key)
                if kept is not None and kept[0] >= at_least:
                    self._kept.move_to_end(key)
                    return kept[1]
                flight = self._running.get(key) if share else None
                leading = flight is None
                start_by = time.monotonic() + (start_within or 0.0)
                if flight is None:
                    flight = _Flight(start_by)
                    if share:  # the others may join it
                        self._running[key] = flight
                else:
                    flight.waiters += 1
                    flight.start_by = max(flight.start_by, start_by)
            if leading:
                return self._run(key, flight, compute)
            if start_within is not None and not flight.started.wait(start_within):
                with self._lock:
                    if not flight.started.is_set():
                        flight.waiters -= 1
                        raise NotStarted("no turn for the computation this request needs")
            ended = flight.done.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                flight.waiters -= 1
            if not ended:
                raise Overdue("the computation this request waited for did not end in time")
            if flight.error is not None:
                raise flight.error
            if flight.version >= at_least:
                return flight.value  # type: ignore[return-value]  # set with the version
            # it read the register before this request's version: wait for the next one

    def _run(self, key: Key, flight: _Flight[T], compute: Callable[[], tuple[int, T]]) -> T:
        outer = getattr(_RUNNING, "flight", None)
        _RUNNING.flight = flight
        try:
            version, value = compute()
        except BaseException as error:
            flight.error = error
            with self._lock:
                self._leave(key, flight)
            flight.started.set()
            flight.done.set()
            raise
        finally:
            _RUNNING.flight = outer
        release_memory()  # what the computation made and dropped, back to the system
        flight.version, flight.value = version, value
        with self._lock:
            self._leave(key, flight)
            kept = self._kept.pop(key, None)
            if self.keep and (kept is None or kept[0] <= version):
                self._kept[key] = (version, value)
            elif kept is not None:
                self._kept[key] = kept  # a newer one is kept (a request that did not share)
            while len(self._kept) > self.keep:
                self._kept.popitem(last=False)
        flight.started.set()
        flight.done.set()
        return value

    def _leave(self, key: Key, flight: _Flight[T]) -> None:
        if self._running.get(key) is flight:
            del self._running[key]

    def forget(self) -> None:
        """Let every kept result go (computations running go on)."""
        with self._lock:
            self._kept.clear()

    @property
    def waiting(self) -> int:
        """How many requests wait for a computation that another runs."""
        with self._lock:
            return sum(flight.waiters for flight in self._running.values())

    @property
    def kept(self) -> int:
        """How many results are kept."""
        with self._lock:
            return len(self._kept)


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on another C library."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c") or "")["malloc_trim"]
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Give the memory the C allocator holds free back to the system (glibc's
    ``malloc_trim``; nothing elsewhere).

    A computation of a large register makes and drops hundreds of megabytes in the thread it
    runs in; glibc keeps what is freed in that thread's arena for the next allocation, so a
    worker whose requests run on many threads grew from one load to the next (ADR 31)."""
    if _TRIM is not None:
        _TRIM(0)


_RUNNING = threading.local()


class Running:
    """The computation the calling thread runs: when it must begin, and the mark that it has."""

    def __init__(self, flight: _Flight[Any]) -> None:
        self._flight = flight

    def start_by(self) -> float:
        """The :func:`time.monotonic` time by which one of the requests that joined the
        computation wants it to begin (any thread may ask)."""
        return self._flight.start_by

    def begun(self) -> None:
        """The computation has its turn: the requests that joined it wait for its end."""
        self._flight.started.set()


def current() -> Running | None:
    """The computation the calling thread runs for a :class:`Flights`, if any."""
    flight: _Flight[Any] | None = getattr(_RUNNING, "flight", None)
    return None if flight is None else Running(flight)


_MADE = threading.Lock()


def flights(request: Request, name: str, keep: int) -> Flights[Any]:
    """The application's store ``name`` of computations, keeping ``keep`` results (made on
    first use)."""
    state = request.app.state
    with _MADE:
        stores: dict[str, Flights[Any]] | None = getattr(state, "flights", None)
        if stores is None:
            stores = state.flights = {}
        return stores.setdefault(name, Flights(keep=keep))


READ_TRIES = 3
"""How often a register is read again when a change landed while it was read."""


R = TypeVar("R")


def read_versioned(
    session: Session,
    workspace: Workspace,
    read: Callable[[Workspace], R],
    *,
    tries: int = READ_TRIES,
) -> tuple[int, R]:
    """What ``read`` reads of ``workspace``'s register, and the version it is of; the session
    is closed after (its connection goes back to the pool before anything else is done).

    ``read`` is given the workspace's row read anew (its version, titles and top-level keys
    as they are now, not as the request found them). When the version moved while ``read``
    ran (a change committed between its queries), all is read again, up to ``tries`` times in
    all. The version returned is the one read before ``read``: a change that landed in between
    can make it only older than what was read, never newer, so an answer is never given for a
    register version it is not of (:meth:`Flights.get` takes any version at least the asked).
    """
    try:
        for _ in range(max(1, tries)):
            now = session.get(Workspace, workspace.id, populate_existing=True)
            if now is None or now.created_at != workspace.created_at:
                raise NotFound(gettext("no workspace '{ws}'").format(ws=workspace.slug))
            version = now.version
            found = read(now)
            if repo.workspace_version(session, now.id or 0) == version:
                break
        return version, found
    finally:
        session.close()


def read_register(
    session: Session, workspace: Workspace, scope: frozenset[str] | None
) -> tuple[int, Chain, Workspace]:
    """The register of ``workspace`` (its part in ``scope``) as a chain, the version it is
    of, and the workspace's row as read with it (:func:`read_versioned`)."""
    version, (chain, now) = read_versioned(
        session, workspace, lambda now: (services.register_chain(session, now, scope), now)
    )
    return version, chain, now
