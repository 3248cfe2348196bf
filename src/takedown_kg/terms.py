"""Terms between rdflib and pyoxigraph, both ways, with the same meaning."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD


def to_rdflib(term):
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    if term is None:
        return None
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_oxigraph(term):
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    if isinstance(term, URIRef):
        return pyoxigraph.NamedNode(str(term))
    if isinstance(term, BNode):
        return pyoxigraph.BlankNode(str(term))
    if term.language:
        return pyoxigraph.Literal(str(term), language=term.language)
    if term.datatype:
        return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
    return pyoxigraph.Literal(str(term))


def oxigraph_store(graph):
    """An in-memory Oxigraph store holding an rdflib graph's triples, in its default graph."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    store = pyoxigraph.Store()
    store.bulk_extend(pyoxigraph.Quad(*map(to_oxigraph, triple)) for triple in graph)
    return store
