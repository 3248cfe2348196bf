"""RDFS entailment for `build --infer`: the types and super-property triples the
ontology implies, kept apart from what the curators wrote.

Only the most specific class is stated in the data, so `?x a tk:ReportedItem`
finds nothing in the asserted graph. owlrl computes the RDFS closure; of it we
keep what a query needs (rdf:type of resources, and triples of super-properties)
and leave out the noise of full entailment (every term a rdfs:Resource,
ontology-level subClassOf chains, literal typing).
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

#: Types every resource or property has under RDFS: true, and no help to a query.
_TRIVIAL_TYPES = {RDFS.Resource, RDFS.Class, RDF.Property, RDFS.Datatype, RDF.langString, OWL.Class,
                  OWL.Thing, OWL.ObjectProperty, OWL.DatatypeProperty}
_SCHEMA_NAMESPACES = (str(RDF), str(RDFS), str(OWL))


def entailed(graph: Graph) -> Graph:
    """The triples RDFS entailment adds to `graph`: types and super-properties of its resources."""
    # lazy: owlrl loads only for build --infer
    import owlrl

    closure = Graph(bind_namespaces="none")
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    inferred = Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        inferred.bind(prefix, namespace, override=True, replace=True)
    for s, p, o in closure:
        # owlrl stands in for literals with its own terms, and rdflib compares
        # 1 and true as different objects: literal objects are never new here.
        if not (isinstance(s, URIRef) and isinstance(o, URIRef)) or (s, p, o) in graph:
            continue
        if p == RDF.type and o not in _TRIVIAL_TYPES or p != RDF.type and not str(p).startswith(_SCHEMA_NAMESPACES):
            inferred.add((s, p, o))
    return inferred
