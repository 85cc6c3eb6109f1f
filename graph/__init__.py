"""ketenkaart's functional core: the chain model and the analysis of its links.

The public API is small: build or load a :class:`Chain`, then call :func:`check`.

>>> from datetime import date
>>> from graph import Chain, Dependency, Kind, Service, Supplier, check
>>> chain = Chain(offerings=("app",), suppliers={"a": Supplier(id="a", name="A")},
...     services={s: Service(id=s, name=s, supplier="a", kind=Kind.SAAS) for s in ("app", "db")},
...     dependencies={("app", "db"): Dependency("app", "db")})
>>> check(chain, at=date(2026, 11, 27)).summary["gap"]
1
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.coverage import check
    from graph.errors import ChainError, Issue, KetenkaartError, UsageError
    from graph.model import (
        Chain,
        DateRange,
        Dependency,
        Evidence,
        Kind,
        Profile,
        Scheme,
        Service,
        Supplier,
    )
    from graph.profiles import BUILTIN_PROFILES, ZEKER_ONLINE, ResolvedProfile, find_profile
    from graph.verdicts import CheckResult, Finding, LinkResult, Reason, Status, Verdict

# Each name is imported from its module when first asked for: importing one module of the
# package (``graph.errors``, say) does not load networkx and the whole analysis (issue 13).
_HOMES = {
    "check": "graph.coverage",
    **dict.fromkeys(("ChainError", "Issue", "KetenkaartError", "UsageError"), "graph.errors"),
    **dict.fromkeys(
        (
            "Chain",
            "DateRange",
            "Dependency",
            "Evidence",
            "Kind",
            "Profile",
            "Scheme",
            "Service",
            "Supplier",
        ),
        "graph.model",
    ),
    **dict.fromkeys(
        ("BUILTIN_PROFILES", "ZEKER_ONLINE", "ResolvedProfile", "find_profile"), "graph.profiles"
    ),
    **dict.fromkeys(
        ("CheckResult", "Finding", "LinkResult", "Reason", "Status", "Verdict"), "graph.verdicts"
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'graph' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "BUILTIN_PROFILES",
    "ZEKER_ONLINE",
    "Chain",
    "ChainError",
    "CheckResult",
    "DateRange",
    "Dependency",
    "Evidence",
    "Finding",
    "Issue",
    "KetenkaartError",
    "Kind",
    "LinkResult",
    "Profile",
    "Reason",
    "ResolvedProfile",
    "Scheme",
    "Service",
    "Status",
    "Supplier",
    "UsageError",
    "Verdict",
    "check",
    "find_profile",
]
