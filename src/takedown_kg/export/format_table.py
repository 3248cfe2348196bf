"""The output formats: one table of name, file suffix, media type and writer."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Callable

from rdflib import Dataset, Graph

from ..corpus import Corpus, new_graph
from ..errors import UsageError
from ..terms import to_oxigraph, to_rdflib
from ..vocab import PREFIXES


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    media_type: str
    #: Turns Statements, a Corpus or an rdflib graph into bytes; the same data always gives the same bytes.
    write: Callable[[object], bytes]
    description: str
    #: Other names people use for it (rdflib's, the suffix without its dot).
    aliases: tuple[str, ...] = ()
    #: Keeps named graphs (a plain graph's triples go to the default graph).
    quads: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.name, self.suffix.lstrip("."), self.suffix, *self.aliases)


class Statements:
    """What a writer writes: quads as pyoxigraph terms (lexical forms as parsed), each once, and prefixes.

    Writers keep the order the quads were read in (the ontology, then each
    source's files in sorted order, each file's statements as written, then the
    default graph), so the same inputs give the same bytes, and the writing
    itself is Oxigraph's. Sorting the lines instead cost more than the writing
    (2.4 s for 1.3M lines, against 1.4 s to write them).
    """

    def __init__(self, quads: list, prefixes: dict[str, str], triples: list | None = None):
        self.quads = quads
        self.prefixes = _writable(prefixes)
        self._triples = triples

    def triples(self) -> list:
        """The union of all graphs, each triple once, where it first appears."""
        if self._triples is None:
            self._triples = list(dict.fromkeys(map(attrgetter("triple"), self.quads)))
        return self._triples

    def graph(self) -> Graph:
        """The union as an rdflib graph (for the network exports)."""
        graph = new_graph()
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace, override=True, replace=True)
        for quad in self.quads:
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph


def statements(data) -> Statements:
    """`data` (Statements, a Corpus, an rdflib Graph or Dataset) as Statements."""
    if isinstance(data, Statements):
        return data

    if isinstance(data, Corpus):
        return Statements(data.quads, data.prefixes(), data.triples)
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    # An rdflib graph has no order of its own (an engine's answer follows its store, a set
    # the hash seed): its statements are sorted, the default graph's first, then by graph.
    prefixes = {prefix: str(ns) for prefix, ns in data.namespaces() if prefix}
    quads = []
    if isinstance(data, Dataset):
        default = data.default_graph.identifier
        for part in sorted(data.graphs(), key=lambda part: (part.identifier != default, str(part.identifier))):
            name = pyoxigraph.DefaultGraph() if part.identifier == default else pyoxigraph.NamedNode(str(part.identifier))
            quads += sorted((pyoxigraph.Quad(*map(to_oxigraph, triple), name) for triple in part), key=str)
    else:
        quads = sorted((pyoxigraph.Quad(*map(to_oxigraph, triple)) for triple in data), key=str)
    return Statements(quads, prefixes)


#: Oxigraph's Turtle and TriG writers try every prefix on every IRI: with a prefix for each
#: source, writing grew with sources x triples (TriG 5 s instead of 0.7 s at a thousand
#: sources). Past this many, the sources' IRIs are written in full.
MAX_PREFIXES = 64


def _writable(prefixes: dict[str, str]) -> dict[str, str]:
    if len(prefixes) <= MAX_PREFIXES:
        return prefixes

    return {prefix: namespace for prefix, namespace in prefixes.items() if prefix in PREFIXES or prefix == "tkd"}


def _oxigraph_writer(name: str, *, quads: bool = False) -> Callable[[object], bytes]:
    """Oxigraph's writer for `name`, fed the union's triples (or every graph's quads) in the order above."""
    def write(data) -> bytes:
        # lazy: Oxigraph loads when quads are first made, not with the module
        import pyoxigraph

        chosen = statements(data)
        return pyoxigraph.serialize(chosen.quads if quads else chosen.triples(),
                                    format=getattr(pyoxigraph.RdfFormat, name), prefixes=chosen.prefixes)

    return write


def _graphml(data) -> bytes:
    # lazy: the pages and the writers load only when this output is made
    from ..views import graphml

    return graphml(data if isinstance(data, Graph) else statements(data).graph())


def _gexf(data) -> bytes:
    # lazy: the pages and the writers load only when this output is made
    from ..views import gexf

    return gexf(data if isinstance(data, Graph) else statements(data).graph())


_TABLE: list[Format] = [
    Format("turtle", ".ttl", "text/turtle", _oxigraph_writer("TURTLE"), "Turtle"),
    Format("ntriples", ".nt", "application/n-triples", _oxigraph_writer("N_TRIPLES"), "N-Triples, one triple a line",
           ("n-triples", "nt11")),
    Format("jsonld", ".jsonld", "application/ld+json", _oxigraph_writer("JSON_LD"),
           "JSON-LD, expanded (full IRIs)", ("json-ld",)),
    Format("rdfxml", ".rdf", "application/rdf+xml", _oxigraph_writer("RDF_XML"), "RDF/XML", ("xml", "rdf/xml", "owl")),
    Format("trig", ".trig", "application/trig", _oxigraph_writer("TRIG", quads=True), "TriG: the ontology and each source in a named graph",
           ("application/trig",), quads=True),
    Format("nquads", ".nq", "application/n-quads", _oxigraph_writer("N_QUADS", quads=True), "N-Quads, one quad a line",
           ("n-quads", "nq"), quads=True),
    Format("graphml", ".graphml", "application/graphml+xml", _graphml, "GraphML: the network view, for Cytoscape and yEd"),
    Format("gexf", ".gexf", "application/gexf+xml", _gexf, "GEXF: the network view, for Gephi"),
]


def formats() -> list[Format]:
    return list(_TABLE)


def find_format(name: str) -> Format | None:
    """The format called `name`, by its name, an alias or its suffix (ttl, .ttl, json-ld, xml)."""
    for fmt in _TABLE:
        if name.lower() in fmt.names():
            return fmt
    return None


def format_for(path: str) -> Format | None:
    """The format a file name's suffix asks for (graph.ttl: turtle)."""
    suffix = path.rpartition(".")[2]
    return find_format(suffix) if "." in path else None


def get_format(name: str) -> Format:
    found = find_format(name)
    if found is not None:
        return found
    known = ", ".join(f.name for f in _TABLE)
    raise UsageError(f"unknown format {name!r}; choose one of: {known}")
