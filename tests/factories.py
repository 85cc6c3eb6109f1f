"""Tiny chains for tests: build one with a few keyword arguments, override what matters.

>>> chain = make_chain(
...     services=[service("app"), service("db", supplier="dbco")],
...     dependencies=[dep("app", "db")],
...     evidence=[report("db-soc2", holder="dbco", covers=["db"])],
... )
>>> sorted(chain.suppliers), chain.offerings
(['acme', 'dbco'], ('app',))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from graph.model import (
    Accreditation,
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

AT = date(2026, 11, 27)


def d(text: str) -> date:
    """A date from ``YYYY-MM-DD``."""
    return date.fromisoformat(text)


def period(start: str, end: str) -> DateRange:
    """A date range from two ``YYYY-MM-DD`` strings."""
    return DateRange(d(start), d(end))


def supplier(id: str, **fields: Any) -> Supplier:  # noqa: A002 - the chain format names it id
    """A supplier called after its id."""
    return Supplier(id=id, name=fields.pop("name", f"{id.title()} B.V."), **fields)


def service(id: str, **fields: Any) -> Service:  # noqa: A002 - the chain format names it id
    """A SaaS service of supplier ``acme`` in NL unless told otherwise."""
    fields.setdefault("supplier", "acme")
    fields.setdefault("kind", Kind.SAAS)
    fields.setdefault("locations", ("NL",))
    return Service(id=id, name=fields.pop("name", id.replace("-", " ").title()), **fields)


def dep(consumer: str, provider: str, **fields: Any) -> Dependency:
    """A relevant link ``consumer -> provider``."""
    return Dependency(consumer=consumer, provider=provider, **fields)


def report(id: str, **fields: Any) -> Evidence:  # noqa: A002 - the chain format names it id
    """A clean SOC 2 type 2 report for 2025-07-01..2026-06-30 with security and availability."""
    fields.setdefault("scheme", Scheme.SOC2)
    fields.setdefault("type", 2)
    fields.setdefault("period", period("2025-07-01", "2026-06-30"))
    fields.setdefault("issued", d("2026-08-01"))
    fields.setdefault("criteria", ("security", "availability"))
    return Evidence(
        id=id, holder=fields.pop("holder", "acme"), covers=tuple(fields.pop("covers", ())), **fields
    )


def certificate(id: str, **fields: Any) -> Evidence:  # noqa: A002 - the chain format names it id
    """A valid, accredited ISO/IEC 27001:2022 certificate until 2028-02-28."""
    fields.setdefault("scheme", Scheme.ISO27001)
    fields.setdefault("version", "ISO/IEC 27001:2022")
    fields.setdefault("issued", d("2025-03-01"))
    fields.setdefault("valid_until", d("2028-02-28"))
    fields.setdefault("accreditation", Accreditation(iaf_mla=True, body="RvA"))
    return Evidence(
        id=id, holder=fields.pop("holder", "acme"), covers=tuple(fields.pop("covers", ())), **fields
    )


def make_chain(
    *,
    services: Iterable[Service],
    dependencies: Iterable[Dependency] = (),
    evidence: Iterable[Evidence] = (),
    suppliers: Iterable[Supplier] = (),
    profiles: Iterable[Profile] = (),
    offerings: Iterable[str] | None = None,
) -> Chain:
    """A chain of these entities; suppliers that services or evidence name are made up.

    The offerings default to the first service.
    """
    services = list(services)
    evidence = list(evidence)
    given = {s.id: s for s in suppliers}
    for sid in [s.supplier for s in services] + [e.holder for e in evidence]:
        given.setdefault(sid, supplier(sid))
    for s in list(given.values()):
        if s.parent is not None:
            given.setdefault(s.parent, supplier(s.parent))
    return Chain(
        offerings=tuple(offerings) if offerings is not None else (services[0].id,),
        suppliers=given,
        services={s.id: s for s in services},
        dependencies={x.key: x for x in dependencies},
        evidence={e.id: e for e in evidence},
        profiles={p.id: p for p in profiles},
    )


def with_evidence(chain: Chain, *more: Evidence) -> Chain:
    """The chain with more pieces of evidence."""
    return replace(chain, evidence={**chain.evidence, **{e.id: e for e in more}})
