"""The walk from the offerings: which links are in scope, their ranks and their paths.

A link with ``relevant: false`` is reached but not walked through. The rank of a link is one more
than the number of hops from the nearest offering to its consumer; its path is the smallest (by
ids, from the offering forward) of the shortest paths to the consumer, then the provider.

>>> from graph.build import build_graph
>>> from graph.model import Chain, Dependency, Kind, Service
>>> services = {s: Service(id=s, name=s, supplier="x", kind=Kind.SAAS) for s in "abcd"}
>>> deps = [Dependency("a", "c"), Dependency("a", "b"), Dependency("b", "d"), Dependency("c", "d")]
>>> chain = Chain(offerings=("a",), services=services,
...               dependencies={d.key: d for d in deps})
>>> for link in walk(build_graph(chain), offerings=["a"]):
...     print(link.dependency.key, link.rank, link.path)
('a', 'b') 1 ('a', 'b')
('a', 'c') 1 ('a', 'c')
('b', 'd') 2 ('a', 'b', 'd')
('c', 'd') 2 ('a', 'c', 'd')
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from graph.model import Dependency

if TYPE_CHECKING:
    import networkx as nx  # the walk takes a graph; it needs none of networkx itself


class ScopedLink(NamedTuple):
    """A link the walk reached, with its rank and path."""

    dependency: Dependency
    rank: int
    path: tuple[str, ...]
    offerings: int = 0
    """Bit mask of the offerings (by their index) from whose walk the link is reached."""

    @property
    def in_scope(self) -> bool:
        """Whether the link is relevant, so that the walk continued through it."""
        return self.dependency.relevant


def walk(G: nx.DiGraph[str], *, offerings: Iterable[str]) -> list[ScopedLink]:
    """Every link whose consumer the walk from ``offerings`` reaches, by (rank, from, to).

    Parameters
    ----------
    G
        The chain's graph, from :func:`graph.build.build_graph`.
    offerings
        The services to start from.
    """
    starts = list(dict.fromkeys(offerings))
    out: dict[str, list[Dependency]] = {u: [] for u in G}
    dependency: Dependency
    for u, _, dependency in G.edges(data="dependency"):
        out[u].append(dependency)
    onward: dict[str, list[str]] = {}  # the relevant providers of every reached service

    def through(u: str) -> list[str]:
        found = onward.get(u)
        if found is None:
            found = onward[u] = [d.provider for d in out[u] if d.relevant]
        return found

    # Breadth first, level by level; each level is kept in the order of its smallest paths, so
    # the first consumer that reaches a service gives it its smallest shortest path.
    path: dict[str, tuple[str, ...]] = {o: (o,) for o in starts}
    level = sorted(starts)
    while level:
        found: list[str] = []
        for u in level:
            for v in through(u):
                if v not in path:
                    path[v] = (*path[u], v)
                    found.append(v)
        # `found` is in order of the parents' paths; ties within a parent go by id.
        order = {u: i for i, u in enumerate(level)}
        level = sorted(found, key=lambda v: (order[path[v][-2]], v))
    masks = _offering_masks(onward, starts)
    links = [
        ScopedLink(d, len(path[u]), (*path[u], d.provider), masks[u]) for u in path for d in out[u]
    ]
    links.sort(key=lambda link: (link.rank, *link.dependency.key))
    return links


def _offering_masks(onward: Mapping[str, list[str]], starts: list[str]) -> dict[str, int]:
    """For each reached service, a bit mask of the offerings whose walk reaches it.

    Bits flow down the relevant links until nothing changes; a service is visited again only
    when it gains an offering.
    """
    masks = {start: 1 << index for index, start in enumerate(starts)}
    queue = deque(starts)
    while queue:
        u = queue.popleft()
        mask = masks[u]
        for v in onward[u]:
            old = masks.get(v, 0)
            if old | mask != old:
                masks[v] = old | mask
                queue.append(v)
    return masks
