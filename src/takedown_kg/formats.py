"""The output formats: one table of name, file suffix, media type and writer."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from rdflib import Graph

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
