"""Building the knowledge graph from the shipped ontology, data and article."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SDO

from . import resources
from .errors import UsageError
from .sources import SourceMap, parse_rdf, read_text
from .vocab import DATA_BASE, PREFIXES

#: rdflib store names accepted by build_graph, with the plugin each needs.
STORES = {"default": "Memory", "memory": "Memory", "oxigraph": "Oxigraph"}


@dataclass
class LoadedGraph:
    """A graph with the map of where its statements were written."""

    graph: Graph
    sources: SourceMap


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


def data_sources(paths: list[Path]) -> tuple[list[Path], Path]:
    """The Turtle files and the article named by --data: files as given, folders
    by their *.ttl and article.ur.txt (the shipped article if a folder has none)."""
    files: list[Path] = []
    article = resources.article_file()
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.ttl"))
            if (path / "article.ur.txt").is_file():
                article = path / "article.ur.txt"
        else:
            files.append(path)
    return files, article


def load_project(*, data: list[Path] | None = None, base: str | None = None) -> LoadedGraph:
    """Load ontology and data, attach the article text, and move data IRIs to `base`.

    `data` lists Turtle files or folders (see data_sources); the default is the
    data shipped with the package.
    """
    data_files, article = data_sources(data or [resources.data_dir()])
    loaded = load_files([resources.ontology_file(), *data_files])
    text = read_text(article)
    # The text travels with the graph, so every quote can be checked against
    # it by SPARQL alone, in this build and in anyone's triple store later.
    for node in loaded.graph.subjects(RDF.type, SDO.NewsArticle):
        loaded.graph.add((node, SDO.text, Literal(text, lang="ur")))
    if base and base != DATA_BASE:
        loaded.graph = rebase(loaded.graph, base)
        loaded.sources = _rebase_sources(loaded.sources, base)
    return loaded


def build_graph(*, store: str = "default", base: str | None = None) -> Graph:
    """The project's graph (ontology, data and article text) on the named rdflib store.

    `store` is "default" (rdflib's in-memory store) or "oxigraph" (needs
    oxrdflib); `base` replaces the data namespace https://w3id.org/takedown-kg/id/.
    """
    loaded = load_project(base=base)
    if store.lower() in ("default", "memory"):
        return loaded.graph
    graph = new_graph(store=store, base=base or DATA_BASE)
    graph.addN((s, p, o, graph) for s, p, o in loaded.graph)
    return graph


def rebase(graph: Graph, base: str) -> Graph:
    """A copy of `graph` with every data IRI moved from the default base to `base`."""
    if not base.endswith(("/", "#")):
        raise UsageError(f"base IRI {base!r} must end with '/' or '#'")
    moved = new_graph(base=base)
    moved.addN((_move(s, base), p, _move(o, base), moved) for s, p, o in graph)
    return moved


def _move(term, base: str):
    if isinstance(term, URIRef) and term.startswith(DATA_BASE):
        return URIRef(base + term[len(DATA_BASE):])
    return term


def _rebase_sources(sources: SourceMap, base: str) -> SourceMap:
    return SourceMap(
        {_move(k, base): v for k, v in sources.subjects.items()},
        {_move(k, base): v for k, v in sources.mentions.items()},
    )
