"""A provider's own components: links inside one provider's system, written as out of scope.

A SaaSBOM or a software catalog lists the provider's own microservices next to the services of
other organisations. A link between two services of one provider that the format nests or
marks as internal (CycloneDX nested services, a shared ``trustZone``; Backstage Components of
one owner in one System) is no link to a sub-service organisation: the provider's own
components sit inside the offering's own system and its own assurance report. Each format
finds those links (:class:`Internal`); :func:`set_apart` writes them as out of scope with the
reason "part of X's own system" and one warning listing them (docs/adr/0034 tells why).

The walk of a check does not go on through an out-of-scope link, so what the internal
components rely on outside the provider (a database at a cloud provider) would no longer be
reached. :func:`set_apart` therefore links the consumer that starts a run of internal links to
each provider outside that run directly, the link marked ``x-internal-via`` with the component
it came through, so that the check still judges every sub-service organisation.

>>> from graph.model import Dependency, Kind, Service, Supplier
>>> services = {
...     "shop": Service("shop", "Shop", "acme", Kind.SAAS),
...     "cart": Service("cart", "Cart", "acme", Kind.OTHER),
...     "db": Service("db", "Database", "cloud", Kind.PAAS),
... }
>>> links = {("shop", "cart"): Dependency("shop", "cart"), ("cart", "db"): Dependency("cart", "db")}
>>> chain = Chain(offerings=("shop",), services=services, dependencies=links)
>>> apart, warning = set_apart(chain, [Internal("shop", "cart", "Acme")])
>>> cart = apart.dependencies[("shop", "cart")]
>>> cart.relevant, cart.reason
(False, "part of Acme's own system")
>>> apart.dependencies[("shop", "db")].extra
{'x-internal-via': 'cart'}
>>> print(warning.message)
1 link between services of one provider, nested or marked as internal, is written as out of scope: part of Acme's own system: shop -> cart; what they rely on outside it is linked directly: shop -> db (via cart); --keep-internal keeps them as links
"""  # noqa: E501 - a doctest shows the message as it is

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from graph.i18n import gettext, ngettext
from graph.model import Chain, Dependency
from importers.base import ImportIssue

__all__ = ["LISTED", "VIA", "Internal", "reason", "set_apart"]

LISTED: Final = 10
"""How many links the warning names; it counts the rest."""

VIA: Final = "x-internal-via"
"""The key a link made directly (past internal components) keeps the component's id under."""


@dataclass(frozen=True, slots=True)
class Internal:
    """The link ``consumer -> provider`` lies inside ``owner``'s own system (``owner``: the
    offering's or the provider's name, for the reason)."""

    consumer: str
    provider: str
    owner: str


def reason(owner: str) -> str:
    """The reason an internal link is out of scope: data of the chain, English whatever the
    language (a chain file reads the same after a Dutch or an English import).

    >>> reason("Acme Inc")
    "part of Acme Inc's own system"
    """
    return f"part of {owner}'s own system"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    more = len(items) - LISTED
    if more <= 0:
        return shown
    return gettext("{shown} and {more} more").format(shown=shown, more=more)


def _said_reason(owner: str) -> str:
    """:func:`reason` as the warning says it, in the context's language."""
    return gettext("part of {owner}'s own system").format(owner=owner)


def set_apart(
    chain: Chain, internal: Iterable[Internal], *, where: str = ""
) -> tuple[Chain, ImportIssue | None]:
    """``chain`` with the ``internal`` links out of scope, what those lead to outside linked
    directly, and the one warning that says so (``None`` when no link is internal).

    A link already out of scope keeps its own reason. Links that are not in ``chain`` are
    passed over.
    """
    owners: dict[tuple[str, str], str] = {}
    for item in internal:
        key = (item.consumer, item.provider)
        if key in chain.dependencies and key not in owners:
            owners[key] = item.owner
    if not owners:
        return chain, None
    inside: dict[str, list[str]] = {}
    for consumer, provider in owners:
        inside.setdefault(consumer, []).append(provider)
    outside: dict[str, list[Dependency]] = {}
    for key, link in chain.dependencies.items():
        if key not in owners:
            outside.setdefault(link.consumer, []).append(link)

    dependencies: dict[tuple[str, str], Dependency] = {}
    for key, link in chain.dependencies.items():
        apart = key in owners and link.relevant
        dependencies[key] = (
            dataclasses.replace(link, relevant=False, reason=reason(owners[key])) if apart else link
        )
    by_owner: dict[str, list[str]] = {}
    for (consumer, provider), owner in owners.items():
        by_owner.setdefault(owner, []).append(f"{consumer} -> {provider}")

    lifted: list[str] = []
    tops = [consumer for consumer in inside if not any(consumer in ps for ps in inside.values())]
    for top in tops:
        seen = {top}
        todo = list(inside[top])
        while todo:
            part = todo.pop(0)
            if part in seen:
                continue
            seen.add(part)
            todo.extend(inside.get(part, ()))
            for link in outside.get(part, ()):
                key = (top, link.provider)
                if link.provider == top or key in dependencies:
                    continue
                dependencies[key] = dataclasses.replace(
                    link, consumer=top, extra={**link.extra, VIA: part}
                )
                lifted.append(
                    gettext("{consumer} -> {provider} (via {part})").format(
                        consumer=top, provider=link.provider, part=part
                    )
                )

    count = len(owners)
    message = ngettext(
        "{count} link between services of one provider, nested or marked as internal, is "
        "written as out of scope: {owners}",
        "{count} links between services of one provider, nested or marked as internal, are "
        "written as out of scope: {owners}",
        count,
    ).format(
        count=count,
        owners="; ".join(
            f"{_said_reason(owner)}: {_listed(links)}" for owner, links in by_owner.items()
        ),
    )
    if lifted:
        message += gettext("; what they rely on outside it is linked directly: {links}").format(
            links=_listed(lifted)
        )
    message += gettext("; --keep-internal keeps them as links")
    warning = ImportIssue(where, message, "warning")
    return dataclasses.replace(chain, dependencies=dependencies), warning
