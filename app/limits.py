"""Bounds on what one request may ask of a worker: its body, its turn, its wait.

A bound on every request body, enforced before anything reads it: FastAPI parses a declared
JSON body before it checks the caller's token, so the bound cannot be left to the routes.
:class:`BodyLimit` refuses a body whose ``Content-Length`` is over the limit at once, and stops
one that streams past it, with 413. An API write that carries no credentials at all is answered
401 before its body is read.

Turns for heavy work and writes (:class:`Admission`), and the answer when the database is
busy (:func:`install`): a request that cannot be served in time is answered 503 with
``Retry-After``, never left to a 500 or a cut stream (ADR 27).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

import anyio.from_thread
import anyio.to_thread
from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import languages, singleflight
from app.config import PLAIN_HTTP_SESSION_COOKIE, SESSION_COOKIE
from app.errors import problem_response
from app.singleflight import NotStarted, Overdue
from graph import i18n
from graph.i18n import N_, gettext

_log = logging.getLogger("ketenkaart")

_TURN_MESSAGES = frozenset(
    {
        N_("no turn for the computation this request needs"),
        N_("the computation this request waited for did not end in time"),
        N_("the service is busy with other work: try again shortly"),
    }
)
"""What :class:`Busy`, :class:`app.singleflight.NotStarted` and ``Overdue`` say (in English,
where the wait ends), translated in the answer."""


class BodyLimit:
    """ASGI middleware: at most ``limit`` bytes of request body."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            with i18n.using(_language(scope)):
                response = problem_response(413, self._message())
            await response(scope, receive, send)
            return
        if _anonymous_api_write(scope, headers):
            # every API write needs a token or a session: say so before reading the body, so
            # that nobody can make the service parse a large body without signing in
            with i18n.using(_language(scope)):
                response = problem_response(
                    401, gettext("sign in, or send a bearer token: Authorization: Bearer kk_...")
                )
            response.headers["www-authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, bounded, send)

    def _message(self) -> str:
        limit = i18n.format_number(self.limit, grouped=True)
        return gettext("the request body is larger than the limit of {limit} bytes").format(
            limit=limit
        )


def _language(scope: Scope) -> str:
    """The language of an answer given before :class:`app.languages.Language` has chosen one
    (these middlewares stand outside it): the switch, its cookie or ``Accept-Language``; the
    database is not asked."""
    connection = HTTPConnection(scope)
    app = scope.get("app")
    pseudo = bool(getattr(getattr(app, "state", None), "pseudo_language", False))
    language, _keep = languages.choose(
        switch=connection.query_params.get(languages.QUERY),
        kept=connection.cookies.get(languages.COOKIE),
        accept_language=connection.headers.get("accept-language"),
        pseudo=pseudo,
    )
    return language


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SESSION_COOKIES = tuple(
    f"{name}=".encode() for name in (SESSION_COOKIE, PLAIN_HTTP_SESSION_COOKIE)
)


def _anonymous_api_write(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """An API write that carries neither a bearer token nor a session cookie: every one of
    them is refused with 401 by its route, only after FastAPI has parsed its body."""
    if scope["method"] not in _WRITES or not scope["path"].startswith("/api/"):
        return False
    return not _credentials(headers)


# --- taking turns: heavy work and register writes, per worker ------------------------------------

HEAVY_PATHS = tuple(
    (method, re.compile(pattern))
    for method, pattern in (
        ("GET", r"/api/v1/workspaces/[^/]+/(export|expiring|forecast|register|diff)"),
        ("GET", r"/api/v1/workspaces/[^/]+/audit/(export|verify)"),
        ("POST", r"/api/v1/workspaces/[^/]+/import"),
        ("POST", r"/api/v1/workspaces/[^/]+/(publications|subscriptions(/[^/]+/refresh)?)"),
        ("POST", r"/w/[^/]+/import"),
        ("GET", r"/w/[^/]+/report/[^/]+\.(md|csv|xlsx|html)"),  # a report's downloads
        # the changes page and its downloads: the register rebuilt at two moments and checked
        # at both, for each request (nothing of it is shared with another's)
        ("GET", r"/w/[^/]+/changes(\.md|\.xlsx)?"),
    )
)
"""The requests that load a whole register and compute on it, each for itself: exports,
imports, publishing and fetching a publication, evidence that expires, the forecast, the
register as of a moment and the differences between two, the audit trail's export and
verification, a report's downloads (which render the whole report after its check, in their
turn), the page of what changed between two moments and its downloads."""

SHARED_PATHS = tuple(
    (method, re.compile(pattern))
    for method, pattern in (
        ("GET", r"/api/v1/workspaces/[^/]+/check"),
        ("GET", r"/w/[^/]+"),  # the overview: one check of every offering
        ("GET", r"/w/[^/]+/(graph|report)/.+"),  # an offering's graph and report pages
    )
)
"""The requests whose heavy work is shared (``app.singleflight``, ADR 31): the check, the
overview, an offering's graph and report pages. Each computation takes a turn of
the heavy work (:func:`computing`); the requests that wait for one take none."""

WRITE_PATHS = (
    re.compile(r"/api/v1/workspaces/[^/]+/.+"),
    re.compile(r"/w/[^/]+/.+"),
)
"""The unsafe requests under a workspace: they change its register, its people or its
documents."""


def lane_of(method: str, path: str) -> str | None:
    """Which turns a request takes: ``heavy``, ``shared``, ``write``, or none (light reads,
    sign-in, health, static files).

    >>> lane_of("GET", "/api/v1/workspaces/acme/export"), lane_of("GET", "/w/acme/graph/shop")
    ('heavy', 'shared')
    >>> lane_of("GET", "/api/v1/workspaces/acme/check"), lane_of("POST", "/w/acme/import")
    ('shared', 'heavy')
    >>> lane_of("GET", "/w/acme/report/shop"), lane_of("GET", "/w/acme/report/shop.xlsx")
    ('shared', 'heavy')
    >>> lane_of("PATCH", "/api/v1/workspaces/acme/suppliers/s1"), lane_of("POST", "/login")
    ('write', None)
    >>> lane_of("GET", "/api/v1/workspaces/acme/services"), lane_of("GET", "/healthz")
    (None, None)
    """
    method = "GET" if method == "HEAD" else method
    if any(method == m and pattern.fullmatch(path) for m, pattern in HEAVY_PATHS):
        return "heavy"
    if any(method == m and pattern.fullmatch(path) for m, pattern in SHARED_PATHS):
        return "shared"
    if method in _WRITES and any(pattern.fullmatch(path) for pattern in WRITE_PATHS):
        return "write"
    return None


class Turns:
    """At most ``limit`` holders at once; the others wait in line, first come first served,
    each for at most the time it is given. One worker's event loop uses it (no threads)."""

    def __init__(self, limit: int, *, queue: int) -> None:
        self.limit = limit
        self.queue = queue
        self.busy = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(not f.done() for f in self._waiting)

    async def take(self, wait: float, until: Callable[[], float] | None = None) -> bool:
        """Take a turn within ``wait`` seconds: True when it is taken (give it back with
        :meth:`give_back`), False when the line is full or the wait ran out. When the wait
        runs out, ``until`` (a :func:`time.monotonic` time, asked anew) may extend it: the
        place in line is kept while it lies ahead."""
        if self.busy < self.limit and not self._waiting:
            self.busy += 1
            return True
        if self.waiting >= self.queue:
            return False
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            while True:
                try:
                    async with asyncio.timeout(wait):
                        await asyncio.shield(turn)
                    return True
                except TimeoutError:
                    if turn.done():
                        return True  # handed over just as the wait ran out
                    wait = until() - time.monotonic() if until is not None else 0.0
                    if wait <= 0:
                        with contextlib.suppress(ValueError):
                            self._waiting.remove(turn)
                        return False
        except BaseException:  # cancelled (the client went away): pass on a turn it was given
            if turn.done():
                self.give_back()
            with contextlib.suppress(ValueError):
                self._waiting.remove(turn)
            raise

    def give_back(self) -> None:
        """End a turn: hand it to the first in line that still waits, else free it."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.busy -= 1


class Admission:
    """ASGI middleware: in each worker, at most ``heavy`` requests that load and compute on a
    whole register run at once, and at most ``writes`` writes; the others wait their turn, at
    most ``wait`` seconds, and are then answered 503 with ``Retry-After``.

    A request whose heavy work is shared (:data:`SHARED_PATHS`) takes no heavy turn as it
    comes in: it takes one of ``heavy * SHARED_PER_TURN`` places (each holds a thread while it
    waits for a computation or sends its answer), and the computation it runs for itself and
    the others, if it is the one to run it, takes the heavy turn (:func:`computing`).

    Bounding the heavy work bounds a worker's memory (each check holds its register and its
    result) and keeps the event loop and uvicorn's health check answered (they need the GIL
    that every computing thread wants). Bounding the writes keeps a crowd of writers from
    holding the database connections and the threads while they wait for the register's
    lock. The turn is held until the answer's last byte is sent: a streamed check counts
    until it is done. A request without credentials takes no turn and waits for none: every
    one of these routes refuses it at once.
    """

    def __init__(
        self, app: ASGIApp, *, heavy: int, writes: int, wait: float, retry_after: int
    ) -> None:
        self.app = app
        self.wait = wait
        self.retry_after = retry_after
        shared = heavy * SHARED_PER_TURN
        self._pool_threads = POOL_THREADS + shared
        self.lanes = {
            "heavy": Turns(heavy, queue=heavy * QUEUE_PER_TURN),
            "shared": Turns(shared, queue=shared * QUEUE_PER_TURN),
            "write": Turns(writes, queue=writes * QUEUE_PER_TURN),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pool = anyio.to_thread.current_default_thread_limiter()  # the event loop's
        pool.total_tokens = max(pool.total_tokens, self._pool_threads)
        lane = lane_of(scope["method"], scope["path"])
        if lane is None or not _credentials(dict(scope["headers"])):
            await self.app(scope, receive, send)
            return
        turns = self.lanes[lane]
        state = scope.setdefault("state", {})
        if lane == "shared":  # the computation takes the heavy turn; see computing()
            state[_HEAVY] = (self.lanes["heavy"], self.wait)
        elif lane == "heavy":
            state[_HELD] = True
        if not await turns.take(self.wait):
            with i18n.using(_language(scope)):
                response = problem_response(
                    503,
                    gettext("the service is busy with other work: try again shortly"),
                    headers={"Retry-After": str(self.retry_after)},
                )
            await response(scope, receive, send)
            return
        try:
            with no_full_collections():  # both lanes load a register (writes validate it)
                await self.app(scope, receive, send)
        finally:
            turns.give_back()


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_thresholds = gc.get_threshold()
_gc_held_since = 0.0
NO_FULL_PASS = 1 << 30
"""A threshold of the oldest generation that the collector never reaches."""
FULL_PASS_EVERY = 60.0
"""Seconds heavy work may hold full passes off; then the request that ends makes one (with at
most ``KETENKAART_HEAVY_LIMIT`` registers in memory, a short one), so that what cycles the
other requests leave is collected under sustained load too."""


FROZEN_FLOOR = 1_000_000
"""Up to this many frozen objects (about a 20,000-service register and its judged results) are
kept out of the collector's walks without a sweep."""
_frozen_after_sweep = 0


def _keep_out_of_full_passes() -> bool:
    """Called as the last heavy request of the process ends: what the work left alive (the
    judged register and the answers kept for the next caller, ADR 31) is moved to the
    collector's permanent generation (``gc.freeze``), so that the collections of the light
    requests that follow no longer walk it (ADR 45). Reference counting still frees it when a
    new register version replaces it. A cycle among frozen objects is collected only once they
    are given back: when the frozen objects have passed :data:`FROZEN_FLOOR` and twice what a
    sweep left, they are (``gc.unfreeze``), and this returns True: the caller then sweeps (one
    full pass, as before every full pass walked them) and freezes what survives."""
    if gc.get_freeze_count() > max(FROZEN_FLOOR, 2 * _frozen_after_sweep):
        gc.unfreeze()
        return True
    gc.freeze()
    return False


def _sweep() -> None:
    """One full pass over everything, then what survives is frozen again."""
    global _frozen_after_sweep  # noqa: PLW0603 - one collector per process
    gc.collect()
    gc.freeze()
    _frozen_after_sweep = gc.get_freeze_count()


@contextlib.contextmanager
def no_full_collections() -> Iterator[None]:
    """While heavy work or a write runs, the cyclic collector skips its full passes (it still
    collects the young generations): a full pass walks every object of the process with the
    GIL held, and with registers and results in memory that takes seconds (1.9 s with two
    checks of a 20,000-service register in flight, 5.8 s with six), during which no other
    thread runs, uvicorn's health check included, which kills a worker that does not answer in
    5 s. The work's objects are freed by reference counting; when the last heavy request ends,
    the collector's thresholds are as before and what the work left alive is frozen out of its
    walks (:func:`_keep_out_of_full_passes`), so the next full pass walks a small heap; under
    sustained heavy work, a request that ends makes one full pass every
    :data:`FULL_PASS_EVERY` seconds. Nests and overlaps between threads and requests;
    process-wide, as the collector is.

    >>> before = gc.get_threshold()
    >>> with no_full_collections():
    ...     with no_full_collections():
    ...         gc.get_threshold()[2] == NO_FULL_PASS
    ...     gc.get_threshold()[2] == NO_FULL_PASS
    True
    True
    >>> gc.get_threshold() == before
    True
    """
    global _gc_holders, _gc_thresholds, _gc_held_since  # noqa: PLW0603 - one collector
    with _gc_lock:
        if _gc_holders == 0:
            _gc_thresholds = gc.get_threshold()
            _gc_held_since = time.monotonic()
            gc.set_threshold(_gc_thresholds[0], _gc_thresholds[1], NO_FULL_PASS)
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            sweep = False
            if _gc_holders == 0:
                gc.set_threshold(*_gc_thresholds)
                sweep = _keep_out_of_full_passes()
            overdue = _gc_holders and time.monotonic() - _gc_held_since > FULL_PASS_EVERY
            if overdue:
                _gc_held_since = time.monotonic()
        if sweep:
            _sweep()
        elif overdue:
            gc.collect()


QUEUE_PER_TURN = 16
"""How many may wait in line per turn; beyond that a request is answered 503 at once."""

SHARED_PER_TURN = 32
"""Requests of shared heavy work let in per heavy turn: they wait for a computation (one of
them runs it, in the heavy turn) or send its answer, each holding a thread of the worker's
pool while it waits (a thread that waits on an event: its stack, no CPU, no connection); the
pool is made that much larger than its 40 threads, so that the other requests still find
one."""

POOL_THREADS = 40
"""The threads of a worker's pool for everything but the requests of shared heavy work
(anyio's default)."""

_HEAVY = "ketenkaart.heavy_turns"
_HELD = "ketenkaart.heavy_turn_held"


def holds_turn(request: Request) -> bool:
    """Whether ``request`` holds a turn of the heavy work: it came in with one
    (:data:`HEAVY_PATHS`), or it runs a computation in one (:func:`computing`). It computes
    what else it needs itself, in that turn, and waits for no other's computation (that one
    might wait for the turn it holds)."""
    return bool(request.scope.get("state", {}).get(_HELD))


class Busy(Exception):  # noqa: N818 - it says what the service is
    """No heavy turn within the wait: the request is answered 503 with ``Retry-After``."""


@contextlib.contextmanager
def computing(request: Request) -> Iterator[None]:
    """Hold a turn of the worker's heavy work while the block runs: called, from a request's
    thread, by the one computation that a request of shared heavy work runs for every request
    that waits for it (``app.singleflight``). Raises :class:`Busy` when no turn is free within
    the turn's wait. A request that holds a turn already (:func:`holds_turn`) takes no other;
    outside the :class:`Admission` middleware (a bare application) none is taken."""
    state = request.scope.setdefault("state", {})
    found: tuple[Turns, float] | None = state.get(_HEAVY)
    running = singleflight.current()
    if found is None or state.get(_HELD):
        if running is not None:
            running.begun()
        yield
        return
    turns, wait = found
    # a computation that others joined keeps its place in line while one of them would wait
    until = running.start_by if running is not None else None
    if not anyio.from_thread.run(turns.take, wait, until):
        raise Busy("the service is busy with other work: try again shortly")
    state[_HELD] = True
    if running is not None:
        running.begun()
    try:
        yield
    finally:
        state[_HELD] = False
        anyio.from_thread.run_sync(turns.give_back)


def turn_wait(request: Request) -> float | None:
    """How long a request of shared heavy work waits at most for the computation it needs to
    take its turn (``KETENKAART_TURN_WAIT``); None outside the :class:`Admission` middleware."""
    found: tuple[Turns, float] | None = request.scope.get("state", {}).get(_HEAVY)
    return None if found is None else found[1]


def _credentials(headers: dict[bytes, bytes]) -> bool:
    """Whether the request carries a bearer token or a session cookie."""
    if b"authorization" in headers:
        return True
    cookies = [c.strip() for c in headers.get(b"cookie", b"").split(b";")]
    return any(c.startswith(_SESSION_COOKIES) for c in cookies)


# --- the database is busy: 503, not 500 ---------------------------------------------------------


def busy(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not serve the request in time: SQLite's lock
    still held by another writer after the busy timeout, PostgreSQL's ``lock_timeout``
    reached, or no pooled connection free within the pool's timeout."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig)
    return (
        "database is locked" in text
        or "database table is locked" in text
        or "lock timeout" in text  # PostgreSQL: canceling statement due to lock timeout
    )


def install(app: FastAPI, *, retry_after: int) -> None:
    """Answer a busy database with 503 and ``Retry-After``; any other database error stays the
    internal error it is."""

    async def _busy(request: Request, exc: Exception) -> Response:
        if not busy(exc):
            raise exc
        _log.warning(
            "database busy",
            extra={"fields": {"request_id": getattr(request.state, "request_id", None)}},
        )
        return problem_response(
            503,
            gettext("the database is busy with other work: try again shortly"),
            headers={"Retry-After": str(retry_after)},
        )

    async def _no_turn(request: Request, exc: Exception) -> Response:
        _log.warning(
            "no turn for heavy work",
            extra={"fields": {"request_id": getattr(request.state, "request_id", None)}},
        )
        detail = str(exc)  # one of _TURN_MESSAGES, raised in English where the wait ended
        if detail in _TURN_MESSAGES:
            detail = gettext(detail)
        return problem_response(503, detail, headers={"Retry-After": str(retry_after)})

    app.add_exception_handler(OperationalError, _busy)
    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(Busy, _no_turn)
    app.add_exception_handler(Overdue, _no_turn)
    app.add_exception_handler(NotStarted, _no_turn)
