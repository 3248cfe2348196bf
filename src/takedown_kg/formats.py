"""The output formats: one table of name, file suffix, media type and writer."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from typing import Callable

from rdflib import Dataset, Graph

from .errors import UsageError
from .vocab import PREFIXES


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    media_type: str
    #: Turns the graph into bytes; the same graph always gives the same bytes.
    write: Callable[[Graph], bytes]
    description: str
    #: Other names people use for it (rdflib's, the suffix without its dot).
    aliases: tuple[str, ...] = ()
    #: Keeps named graphs: write() takes a Dataset (a plain graph goes to its default graph).
    quads: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.name, self.suffix.lstrip("."), self.suffix, *self.aliases)



def canonical(graph: Graph) -> Graph:
    """A copy holding the triples in sorted order, so writers that follow the
    store's order (JSON-LD, RDF/XML) give the same bytes on every run."""
    copy = Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=True, replace=True)
    for triple in sorted(graph, key=lambda t: tuple(x.n3() for x in t)):
        copy.add(triple)
    return copy


def _rdflib_writer(name: str, **options) -> Callable[[Graph], bytes]:
    def write(graph: Graph) -> bytes:
        return canonical(graph).serialize(format=name, encoding="utf-8", **options)

    return write


def _ntriples(graph: Graph) -> bytes:
    lines = graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
    return b"".join(sorted(line for line in lines if line.strip()))


def _jsonld(graph: Graph) -> bytes:
    context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix in PREFIXES}
    document = json.loads(canonical(graph).serialize(format="json-ld", context=context))
    # rdflib emits nodes in set order, which changes from run to run.
    document["@graph"] = sorted(document.get("@graph", []), key=lambda node: node.get("@id", ""))
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _rdfxml(graph: Graph) -> bytes:
    text = canonical(graph).serialize(format="xml", encoding="utf-8").decode("utf-8")
    # rdflib emits the subject blocks in set order; put them in a fixed one.
    head, _, rest = text.partition("\n  <rdf:Description")
    body, _, _ = ("  <rdf:Description" + rest).rpartition("</rdf:RDF>")
    blocks = re.split(r"(?<=\n  </rdf:Description>\n)", body)
    ordered = "".join(sorted(b for b in blocks if b.strip()))
    return (head + "\n" + ordered + "</rdf:RDF>\n").encode("utf-8")


def as_dataset(data) -> Dataset:
    """`data` as a Dataset: a plain graph becomes the default graph of one."""
    if isinstance(data, Dataset):
        return data
    dataset = Dataset()
    dataset.default_graph.addN((s, p, o, dataset.default_graph) for s, p, o in data)
    for prefix, namespace in data.namespaces():
        dataset.bind(prefix, namespace, override=True, replace=True)
    return dataset


def _graphs_in_order(dataset: Dataset) -> list[Graph]:
    """The default graph first, then the named graphs by name, each non-empty."""
    default = dataset.default_graph.identifier
    named = sorted((g for g in dataset.graphs() if g.identifier != default and len(g)), key=lambda g: str(g.identifier))
    return ([dataset.default_graph] if len(dataset.default_graph) else []) + named


def _nquads(data) -> bytes:
    dataset = as_dataset(data)
    default = dataset.default_graph.identifier
    lines = []
    for graph in _graphs_in_order(dataset):
        suffix = b" ." if graph.identifier == default else f" {graph.identifier.n3()} .".encode("utf-8")
        for line in _ntriples(graph).splitlines():
            lines.append(line[:-2] + suffix + b"\n")
    return b"".join(sorted(lines))


def _trig(data) -> bytes:
    """TriG with the graphs in a fixed order (rdflib's follows the store's) and
    each graph's triples sorted; one set of prefixes, shared by all graphs."""
    from rdflib.namespace import NamespaceManager

    dataset = as_dataset(data)
    # Prefixes live in a store: carry them from graph to graph, so a prefix that
    # rdflib makes up for one graph (ns1) means the same in the next.
    bindings = {prefix: namespace for prefix, namespace in dataset.namespaces() if prefix}
    heads: set[str] = set()
    blocks = []
    for graph in _graphs_in_order(dataset):
        single = Dataset()
        single.namespace_manager = NamespaceManager(single, bind_namespaces="none")
        for prefix, namespace in bindings.items():
            single.bind(prefix, namespace, override=True, replace=True)
        target = single.default_graph if graph.identifier == dataset.default_graph.identifier else single.graph(graph.identifier)
        target.addN((s, p, o, target) for s, p, o in canonical(graph))
        with warnings.catch_warnings():  # rdflib's TriG writer asks for the deprecated contexts()
            warnings.simplefilter("ignore", DeprecationWarning)
            text = single.serialize(format="trig")
        bindings.update((prefix, namespace) for prefix, namespace in single.namespaces() if prefix)
        head = [line for line in text.splitlines() if line.startswith("@prefix")]
        heads.update(head)
        blocks.append(text.split("\n", len(head))[-1].strip("\n") + "\n")
    return ("\n".join(sorted(heads)) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def _graphml(graph: Graph) -> bytes:
    from .netexport import graphml

    return graphml(graph)


def _gexf(graph: Graph) -> bytes:
    from .netexport import gexf

    return gexf(graph)


_TABLE: list[Format] = [
    Format("turtle", ".ttl", "text/turtle", _rdflib_writer("turtle"), "Turtle"),
    Format("ntriples", ".nt", "application/n-triples", _ntriples, "N-Triples, one sorted triple a line",
           ("n-triples", "nt11")),
    Format("jsonld", ".jsonld", "application/ld+json", _jsonld, "JSON-LD, compacted with the project's prefixes",
           ("json-ld",)),
    Format("rdfxml", ".rdf", "application/rdf+xml", _rdfxml, "RDF/XML", ("xml", "rdf/xml", "owl")),
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
