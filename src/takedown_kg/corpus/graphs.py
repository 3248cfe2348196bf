"""rdflib graphs with the project's prefixes, and a loaded graph with the map of where its terms are written."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from ..errors import UsageError
from ..vocab import DATA_BASE, PREFIXES
from .files import parse_rdf
from .locations import Locations

#: rdflib store names accepted by build_graph, with the plugin each needs.
STORES = {"default": "Memory", "memory": "Memory", "oxigraph": "Oxigraph"}


class LoadedGraph:
    """A graph with the map of where its statements were written, and its corpus.

    Loaded from a corpus, the rdflib graph and the map are made on first use:
    a build that never needs them (validation and the outputs work on the
    corpus's quads) never pays for them.
    """

    def __init__(self, graph: Graph | None = None, locations: Locations | None = None, corpus=None):
        """`corpus`, a dataset.Corpus, is what the graph and the map are made from when not given."""
        self._graph, self._locations, self.corpus = graph, locations, corpus

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = self.corpus.union()
        return self._graph

    @property
    def locations(self) -> Locations:
        if self._locations is None:
            self._locations = self.corpus.locations
        return self._locations


def new_graph(*, store: str = "default", base: str = DATA_BASE) -> Graph:
    """An empty graph on the named store with the project's prefixes bound."""
    try:
        plugin = STORES[store.lower()]
    except KeyError:
        raise UsageError(
            f"unknown store {store!r}; choose one of: {', '.join(sorted(set(STORES) - {'memory'}))}"
        ) from None
    graph = Graph(store=plugin, bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, base if prefix == "tkd" else namespace, override=True, replace=True)
    return graph


def load_files(files: list[Path], *, into: Graph | None = None) -> LoadedGraph:
    """Parse RDF files into one graph, remembering where each term is written."""
    graph = into if into is not None else new_graph()
    locations = Locations()
    for path in files:
        locations.update(parse_rdf(path, graph))
    return LoadedGraph(graph, locations)


def rebase(graph: Graph, base: str) -> Graph:
    """A copy of `graph` with every data IRI moved from the default base to `base`."""
    if not base.endswith(("/", "#")):
        raise UsageError(f"base IRI {base!r} must end with '/' or '#'")
    moved = new_graph(base=base)
    moved.addN((move_iri(s, base), p, move_iri(o, base), moved) for s, p, o in graph)
    return moved


def move_iri(term, base: str):
    """`term` moved from the default data base to `base` when it lies under it."""
    if isinstance(term, URIRef) and term.startswith(DATA_BASE):
        return URIRef(base + term[len(DATA_BASE):])
    return term
