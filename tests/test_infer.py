"""build --infer: RDFS types and super-properties in their own named graph of
graph.trig, the same bytes on every build, and nothing added to the other outputs."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SDO

from conftest import run_cli
from takedown_kg.export.infer import entailed
from takedown_kg.vocab import TK

TKD = "https://w3id.org/takedown-kg/id/"
ARTICLE = "data/sources/pni"
ORGANIZATIONS = ["bla", "blf", "government-of-pakistan", "nccia", "pni", "pta", "ttp", "united-nations"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    plain, first, second = (tmp_path_factory.mktemp(name) for name in ("plain", "first", "second"))
    # The article's source alone: the figures below are the article's.
    assert run_cli("build", "--out", str(plain), "--data", ARTICLE).returncode == 0
    results = [run_cli("build", "--infer", "--out", str(folder), "--data", ARTICLE) for folder in (first, second)]
    assert [r.returncode for r in results] == [0, 0], results[0].stderr
    return plain, first, second, results[0].stdout


def test_infer_writes_graph_trig_the_same_every_time(builds):
    plain, first, second, stdout = builds
    assert "  inferred    134 triples (RDFS), in the named graph tkd:inferred\n" in stdout
    assert stdout.splitlines()[-1].endswith("build.json")
    assert (first / "graph.trig").read_bytes() == (second / "graph.trig").read_bytes()
    # The inferred triples stay out of every other output.
    for name in ("graph.ttl", "graph.nt", "graph.jsonld", "graph.rdf"):
        assert (first / name).read_bytes() == (plain / name).read_bytes(), name
    assert b"/inferred>" not in (plain / "graph.trig").read_bytes()


def test_the_named_graph_holds_types_and_super_properties(builds):
    import pyoxigraph

    from takedown_kg.sparql.engines import to_rdflib

    _, first, _, _ = builds
    quads = list(pyoxigraph.parse(path=str(first / "graph.trig"), format=pyoxigraph.RdfFormat.TRIG))
    inferred = Graph()
    for quad in quads:
        if quad.graph_name == pyoxigraph.NamedNode(TKD + "inferred"):
            inferred.add(tuple(to_rdflib(t) for t in (quad.subject, quad.predicate, quad.object)))
    rest = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name != pyoxigraph.NamedNode(TKD + "inferred")}
    asserted = Graph().parse(data=(first / "graph.nt").read_text(encoding="utf-8"), format="nt")
    assert (len(inferred), len(rest), len(quads)) == (134, len(asserted), len(asserted) + 134)
    assert sorted(str(s)[len(TKD):] for s in inferred.subjects(RDF.type, SDO.Organization)) == ORGANIZATIONS
    assert len(set(inferred.subjects(RDF.type, TK.ReportedItem))) == 26
    assert (URIRef(TKD + "pni/compliance-x"), PROV.wasDerivedFrom, URIRef(TKD + "pni/sentence-10")) in inferred
    assert not set(inferred.subjects(RDF.type, RDFS.Resource))
    assert not set(inferred.triples((None, RDFS.subClassOf, None)))
    assert not [t for t in inferred if t in asserted]


def test_query_the_inferred_graph_or_walk_the_classes(builds):
    _, first, _, _ = builds
    named = run_cli("query", "--data", str(first / "graph.trig"), "--format", "csv",
                    "-e", "SELECT ?x WHERE { GRAPH tkd:inferred { ?x a schema:Organization } } ORDER BY ?x")
    walked = run_cli("query", "--format", "csv", "--data", ARTICLE,
                     "-e", "SELECT ?x WHERE { ?x a/rdfs:subClassOf* schema:Organization } ORDER BY ?x")
    expected = "x\r\n" + "".join(f"{TKD}{name}\r\n" for name in ORGANIZATIONS)
    assert (named.returncode, named.stdout) == (0, expected)
    assert (walked.returncode, walked.stdout) == (0, expected)


def test_entailment_adds_no_literal_and_no_trivial_type(graph):
    inferred = entailed(graph)
    assert all(isinstance(s, URIRef) and isinstance(o, URIRef) for s, _, o in inferred)
    assert not set(inferred.triples((None, RDF.type, RDF.Property)))
