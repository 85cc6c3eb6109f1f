"""What a worker keeps of the answers about a register, and shares between the requests that
ask the same of it at once (ADR 29, ADR 31).

An answer is kept under its workspace (id and creation time, so that a workspace made again
under an old id is another one), the language of the request (the reasons and the words of a
page are in it), whatever else the answer depends on (the visitor's scope, the offering, the
date or period, the profile), and the version of the register it was made of.
Every change of a register counts up its version (``app.repository.bump_workspace``, in the
change's own transaction), so a kept answer is given only to a request that read that very
version (:class:`app.singleflight.Flights`). Each application (each worker, each test's client)
has its own, in ``app.state``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from sqlmodel import Session

from app.models import Workspace
from app.singleflight import flights, read_register
from graph import i18n
from graph.coverage import Judged, prepare
from graph.model import Chain, DateRange
from graph.profiles import ResolvedProfile, find_profile


def register_key(workspace: Workspace, *rest: Hashable) -> tuple[Hashable, ...]:
    """The key of an answer about ``workspace``'s register and ``rest``, in the request's
    language; the register's version is not in it: :meth:`app.singleflight.Flights.get` is
    given it.

    >>> from datetime import datetime
    >>> ws = Workspace(id=3, slug="acme", name="Acme", created_at=datetime(2026, 1, 2), version=9)
    >>> register_key(ws, None, "shop")
    (3, datetime.datetime(2026, 1, 2, 0, 0), 'en', None, 'shop')
    """
    return (workspace.id, workspace.created_at, i18n.current(), *rest)


@dataclass(frozen=True, slots=True)
class Judging:
    """A register judged for many questions: the version read, the workspace's row as read
    with it, the chain (the part in the caller's scope), the profile and the judged chain."""

    version: int
    workspace: Workspace
    chain: Chain
    profile: ResolvedProfile
    judged: Judged


KEPT_JUDGED = 2
"""How many judged registers a worker keeps (ADR 31): one holds the chain, its graph and every
link's verdict (some hundreds of megabytes at 20,000 services); most questions are of today."""

JUDGINGS = "judged"
"""The name of the worker's store of judged registers (:func:`app.singleflight.flights`)."""


def judging(
    request: Request,
    session: Session,
    workspace: Workspace,
    scope: frozenset[str] | None,
    *,
    asked: int,
    at: date | None,
    period: DateRange | None,
    profile: str,
) -> Judging:
    """``workspace``'s register (its part in ``scope``) judged at ``at`` or over ``period`` by
    ``profile``, of version ``asked`` or later: the one the worker keeps, or read and judged
    now and kept for the next question (ADR 31). Called by a computation that holds its heavy
    turn, so it waits for no other's computation; the session is closed after the read.

    The scope is in the key: a scoped auditor's chain is cut to its offerings before it is
    judged, and the whole register's judging is never given to it, nor its to anyone else."""

    def compute() -> tuple[int, Judging]:
        version, chain, now = read_register(session, workspace, scope)
        resolved = find_profile(profile, chain)
        judged = prepare(chain, profile=resolved, at=at, period=period)
        return version, Judging(version, now, chain, resolved, judged)

    key = register_key(workspace, scope, at, period, profile)
    found: Judging = flights(request, JUDGINGS, KEPT_JUDGED).get(
        key, at_least=asked, compute=compute, share=False
    )
    return found
