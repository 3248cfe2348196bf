"""Building the knowledge graph from the shipped ontology, data and article."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from .errors import UsageError
from .sources import SourceMap, parse_rdf
from .vocab import DATA_BASE, PREFIXES

if TYPE_CHECKING:
    from .corpus import Corpus

#: rdflib store names accepted by build_graph, with the plugin each needs.
STORES = {"default": "Memory", "memory": "Memory", "oxigraph": "Oxigraph"}


class LoadedGraph:
    """A graph with the map of where its statements were written, and its corpus.

    Loaded from a corpus, the rdflib graph and the map are made on first use:
    a build that never needs them (validation and the outputs work on the
    corpus's quads) never pays for them.
    """

    def __init__(self, graph: Graph | None = None, sources: SourceMap | None = None,
                 corpus: "Corpus | None" = None):
        self._graph, self._sources, self.corpus = graph, sources, corpus

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = self.corpus.union()
        return self._graph

    @property
    def sources(self) -> SourceMap:
        if self._sources is None:
            self._sources = self.corpus.where
        return self._sources


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
    sources = SourceMap()
    for path in files:
        sources.update(parse_rdf(path, graph))
    return LoadedGraph(graph, sources)


def load_project(*, data: list[Path] | None = None, base: str | None = None, source: str | None = None) -> LoadedGraph:
    """The ontology and the corpus (or `data`: source folders, corpus folders, RDF files)
    as one graph, with each held text attached to its report and data IRIs under `base`."""
    from .corpus import load

    corpus = load(data, base=base, only=source)
    return LoadedGraph(corpus=corpus)


def build_graph(*, store: str = "default", base: str | None = None, data: list[Path] | None = None) -> Graph:
    """The project's graph (ontology, every source and their texts) on the named rdflib store.

    `store` is "default" (rdflib's in-memory store) or "oxigraph" (needs
    oxrdflib); `base` replaces the data namespace https://w3id.org/takedown-kg/id/.
    """
    loaded = load_project(base=base, data=data)
    if store.lower() in ("default", "memory"):
        return loaded.graph
    graph = new_graph(store=store, base=base or DATA_BASE)
    for prefix, namespace in loaded.graph.namespaces():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.addN((s, p, o, graph) for s, p, o in loaded.graph)
    return graph


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
