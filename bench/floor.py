"""The floor: the least work any checker of a chain file has to do, in plain Python.

What it measures: the wall time and memory of reading a chain file (JSON) with ``json``, building
a ``networkx.DiGraph`` of its services (nodes with their attributes) and dependencies (edges with
their attributes), and walking it once, breadth first, from the offerings. ``bench_check.py``
divides the time of ``ketenkaart check`` by this one, so that the figure says how much the
analysis costs on top of the unavoidable, whatever the machine.

Standard library and networkx only; it does not import the project.

Usage::

    python bench/floor.py chain.json
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx


def read_chain(path: Path) -> dict[str, Any]:
    """The parsed chain file."""
    with path.open("rb") as handle:
        chain: dict[str, Any] = json.load(handle)
    return chain


def build_graph(chain: dict[str, Any]) -> nx.DiGraph[str]:
    """Services as nodes and dependencies as edges, each with every attribute of its entry."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from((service["id"], service) for service in chain["services"])
    graph.add_edges_from((link["from"], link["to"], link) for link in chain["dependencies"])
    return graph


def walk(graph: nx.DiGraph[str], offerings: Iterable[str]) -> dict[str, int]:
    """Breadth-first walk from the offerings: the number of hops to each service reached."""
    hops = dict.fromkeys(offerings, 0)
    queue = deque(hops)
    while queue:
        service = queue.popleft()
        for provider in graph.successors(service):
            if provider not in hops:
                hops[provider] = hops[service] + 1
                queue.append(provider)
    return hops


def main(argv: Sequence[str] | None = None) -> int:
    """Read, build, walk, and print one summary line."""
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) != 1:
        print("usage: python bench/floor.py FILE.json", file=sys.stderr)
        return 2
    chain = read_chain(Path(args[0]))
    graph = build_graph(chain)
    hops = walk(graph, chain["offerings"])
    print(
        f"floor: {graph.number_of_nodes()} services, {graph.number_of_edges()} links, "
        f"{len(chain['evidence'])} evidence, {len(hops)} reached, depth {max(hops.values())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
