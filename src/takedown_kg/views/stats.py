"""Counts by class and the most central actors of the node/edge view."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import networkx as nx

from ..text import counted


@dataclass
class NetworkStats:
    nodes: int
    edges: int
    by_class: list[tuple[str, str, int]]
    #: (label, class, degree, betweenness) of the most central actors, by degree then betweenness.
    central: list[tuple[str, str, int, float]]

    def lines(self) -> list[str]:
        out = [f"{counted(self.nodes, 'node')}, {counted(self.edges, 'edge')}", "", "nodes by class"]
        width = max((len(label) for _, label, _ in self.by_class), default=5)
        out += [f"  {label:<{width}}  {count:>4}  {cls}" for cls, label, count in self.by_class]
        out += ["", "most central actors (degree; betweenness on the undirected view, normalised)"]
        width = max((len(label) for label, *_ in self.central), default=5)
        out.append(f"  {'actor':<{width}}  {'degree':>6}  {'betweenness':>11}  class")
        out += [f"  {label:<{width}}  {degree:>6}  {between:>11.3f}  {cls}" for label, cls, degree, between in self.central]
        return out


def network_stats(view: nx.MultiDiGraph, *, top: int = 10) -> NetworkStats:
    counts = Counter((data["cls"], data["class_en"]) for _, data in view.nodes(data=True))
    by_class = sorted(((cls, label, n) for (cls, label), n in counts.items()), key=lambda r: (-r[2], r[1]))
    simple = nx.Graph(view.to_undirected(as_view=True))
    betweenness = nx.betweenness_centrality(simple, normalized=True)
    actors = [(data["label_en"], data["cls"], view.degree(node), betweenness[node])
              for node, data in view.nodes(data=True) if data["kind"] in ("actor", "post")]
    central = sorted(actors, key=lambda a: (-a[2], -a[3], a[0]))[:top]
    return NetworkStats(view.number_of_nodes(), view.number_of_edges(), by_class, central)
