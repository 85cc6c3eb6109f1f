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
