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

from app.models import Workspace
from graph import i18n


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
