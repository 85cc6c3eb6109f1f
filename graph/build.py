"""From a chain to a networkx graph: services are nodes, dependencies are edges.

>>> from graph.model import Chain, Dependency, Kind, Service
>>> chain = Chain(
...     offerings=("app",),
...     services={s: Service(id=s, name=s, supplier="x", kind=Kind.SAAS) for s in ("app", "db")},
...     dependencies={("app", "db"): Dependency("app", "db")},
... )
>>> G = build_graph(chain)
>>> sorted(G.edges), G.nodes["db"]["service"].name
([('app', 'db')], 'db')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.model import Chain

if TYPE_CHECKING:
    import networkx as nx


def build_graph(chain: Chain) -> nx.DiGraph[str]:
    """Return a DiGraph with a node per service (attribute ``service``) and an edge per
    dependency, consumer to provider (attribute ``dependency``)."""
    # networkx is imported by the first graph built, not with the package: a process that
    # imports the analysis to serve pages or read files pays for it only when it judges.
    import networkx as nx  # noqa: PLC0415

    G: nx.DiGraph[str] = nx.DiGraph()
    G.add_nodes_from((sid, {"service": service}) for sid, service in chain.services.items())
    G.add_edges_from(
        (dep.consumer, dep.provider, {"dependency": dep}) for dep in chain.dependencies.values()
    )
    return G
