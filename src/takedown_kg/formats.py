"""The output formats: one table of name, file suffix, media type and writer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rdflib import Dataset, Graph

from .errors import UsageError


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
    """What a writer writes: quads as pyoxigraph terms (lexical forms as parsed) and prefixes.

    Every writer starts from the same sorted, duplicate-free N-Triples or
    N-Quads lines, so the same data always gives the same bytes, and the
    serialising itself is Oxigraph's.
    """

    def __init__(self, quads: list, prefixes: dict[str, str]):
        self.quads = quads
        self.prefixes = prefixes
        self._triples: list[bytes] | None = None

    def triple_lines(self) -> list[bytes]:
        """The union of all graphs as sorted N-Triples lines (each without its newline)."""
        if self._triples is None:
            import pyoxigraph

            text = pyoxigraph.serialize((q.triple for q in self.quads), format=pyoxigraph.RdfFormat.N_TRIPLES)
            self._triples = sorted(set(text.splitlines()))
        return self._triples

    def quad_lines(self) -> list[bytes]:
        """Every quad as sorted N-Quads lines (the default graph's without a graph term)."""
        import pyoxigraph

        return sorted(set(pyoxigraph.serialize(self.quads, format=pyoxigraph.RdfFormat.N_QUADS).splitlines()))

    def graph_blocks(self) -> list[tuple[object, list[bytes]]]:
        """(graph name, sorted N-Triples lines) for the default graph first, then each named graph by name."""
        import pyoxigraph

        by_graph: dict = {}
        for quad in self.quads:
            by_graph.setdefault(quad.graph_name, []).append(quad.triple)
        default = [g for g in by_graph if isinstance(g, pyoxigraph.DefaultGraph)]
        named = sorted((g for g in by_graph if not isinstance(g, pyoxigraph.DefaultGraph)), key=lambda g: g.value)
        return [(g, sorted(set(pyoxigraph.serialize(by_graph[g], format=pyoxigraph.RdfFormat.N_TRIPLES).splitlines())))
                for g in (*default, *named)]

    def graph(self) -> Graph:
        """The union as an rdflib graph (for the network exports)."""
        from .terms import to_rdflib
        from .graph import new_graph

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
    from .corpus import Corpus

    if isinstance(data, Corpus):
        return Statements(data.quads, data.prefixes())
    import pyoxigraph

    from .terms import to_oxigraph

    prefixes = {prefix: str(ns) for prefix, ns in data.namespaces() if prefix}
    quads = []
    if isinstance(data, Dataset):
        default = data.default_graph.identifier
        for part in data.graphs():
            name = pyoxigraph.DefaultGraph() if part.identifier == default else pyoxigraph.NamedNode(str(part.identifier))
            quads += [pyoxigraph.Quad(*map(to_oxigraph, triple), name) for triple in part]
    else:
        quads = [pyoxigraph.Quad(*map(to_oxigraph, triple)) for triple in data]
    return Statements(quads, prefixes)


def _lines(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def _ntriples(data) -> bytes:
    return _lines(statements(data).triple_lines())


def _nquads(data) -> bytes:
    return _lines(statements(data).quad_lines())


def _oxigraph_writer(name: str) -> Callable[[object], bytes]:
    """Oxigraph's writer for `name`, fed the union's triples in sorted order."""
    def write(data) -> bytes:
        import pyoxigraph

        chosen = statements(data)
        triples = pyoxigraph.parse(_lines(chosen.triple_lines()), pyoxigraph.RdfFormat.N_TRIPLES)
        return pyoxigraph.serialize((q.triple for q in triples), format=getattr(pyoxigraph.RdfFormat, name),
                                    prefixes=chosen.prefixes)

    return write


def _trig(data) -> bytes:
    """TriG with the default graph first, then each named graph by name, each graph's triples sorted."""
    import pyoxigraph

    chosen = statements(data)

    def quads():
        for name, lines in chosen.graph_blocks():
            for quad in pyoxigraph.parse(_lines(lines), pyoxigraph.RdfFormat.N_TRIPLES):
                yield pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, name)

    return pyoxigraph.serialize(quads(), format=pyoxigraph.RdfFormat.TRIG, prefixes=chosen.prefixes)


def _graphml(data) -> bytes:
    from .netexport import graphml

    return graphml(data if isinstance(data, Graph) else statements(data).graph())


def _gexf(data) -> bytes:
    from .netexport import gexf

    return gexf(data if isinstance(data, Graph) else statements(data).graph())


_TABLE: list[Format] = [
    Format("turtle", ".ttl", "text/turtle", _oxigraph_writer("TURTLE"), "Turtle"),
    Format("ntriples", ".nt", "application/n-triples", _ntriples, "N-Triples, one sorted triple a line",
           ("n-triples", "nt11")),
    Format("jsonld", ".jsonld", "application/ld+json", _oxigraph_writer("JSON_LD"),
           "JSON-LD, expanded (full IRIs), nodes in sorted order", ("json-ld",)),
    Format("rdfxml", ".rdf", "application/rdf+xml", _oxigraph_writer("RDF_XML"), "RDF/XML", ("xml", "rdf/xml", "owl")),
    Format("trig", ".trig", "application/trig", _trig, "TriG: the ontology and each source in a named graph",
           ("application/trig",), quads=True),
    Format("nquads", ".nq", "application/n-quads", _nquads, "N-Quads, one sorted quad a line",
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
