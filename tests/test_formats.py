"""Every output format parses back, in rdflib and in Oxigraph, to the same graph;
builds are byte-identical; the format table is the single source of formats."""

from __future__ import annotations

import hashlib

import pyoxigraph
import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from conftest import plain, run_cli
from takedown_kg.export.format_table import formats, get_format

RDFLIB_NAMES = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
OXIGRAPH_FORMATS = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = run_cli("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_format_table():
    assert [(f.name, f.suffix, f.media_type) for f in formats() if f.name in RDFLIB_NAMES] == [
        ("turtle", ".ttl", "text/turtle"),
        ("ntriples", ".nt", "application/n-triples"),
        ("jsonld", ".jsonld", "application/ld+json"),
        ("rdfxml", ".rdf", "application/rdf+xml"),
    ]


@pytest.mark.parametrize("name", list(RDFLIB_NAMES))
def test_output_parses_back_in_rdflib(corpus, built, name):
    graph = corpus.graph
    data = (built / f"graph{get_format(name).suffix}").read_bytes()
    parsed = Graph().parse(data=data, format=RDFLIB_NAMES[name])
    assert len(parsed) == len(graph)
    assert isomorphic(parsed, graph)


@pytest.mark.parametrize("name", list(RDFLIB_NAMES))
def test_output_parses_back_in_oxigraph(corpus, built, name):
    graph = corpus.graph
    data = (built / f"graph{get_format(name).suffix}").read_bytes()
    triples = list(pyoxigraph.parse(data, format=OXIGRAPH_FORMATS[name]))
    as_ntriples = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    parsed = Graph().parse(data=as_ntriples, format="nt")
    assert len(triples) == len(graph)
    assert isomorphic(parsed, graph)


def test_no_blank_nodes(graph):
    assert not [t for t in graph if any(isinstance(x, BNode) for x in t)]


def test_urdu_survives_every_format(built):
    for fmt in formats():
        if fmt.name in RDFLIB_NAMES:
            text = (built / f"graph{fmt.suffix}").read_text(encoding="utf-8")
            assert "ٹیلیگرام" in text and "\\u" not in text, fmt.name


def test_two_builds_are_byte_identical(built, tmp_path):
    # A different hash seed changes set order: output must not depend on it.
    again = run_cli("build", "--out", str(tmp_path), env={"PYTHONHASHSEED": "12345"})
    assert again.returncode == 0, again.stderr
    first = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(built.glob("graph.*"))}
    second = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.glob("graph.*"))}
    assert first == second
    assert set(first) >= {"graph.ttl", "graph.nt", "graph.jsonld", "graph.rdf"}


def test_statements_keep_the_order_they_were_read_in_each_once(built, tmp_path):
    # The ontology first, then each source's graph by slug, then the default graph; a
    # statement a source repeats is written once.
    quads = list(pyoxigraph.parse(path=str(built / "graph.nq"), format=pyoxigraph.RdfFormat.N_QUADS))
    order = list(dict.fromkeys(getattr(q.graph_name, "value", "") for q in quads))
    assert order[0] == "https://w3id.org/takedown-kg/ontology"
    assert order[1:-1] == sorted(order[1:-1]) and len(order) == 12 and order[-1] == ""
    assert len(quads) == len(set(quads))
    turtle = (built / "graph.ttl").read_text(encoding="utf-8")
    first = next(line for line in turtle.splitlines() if not line.startswith("@prefix"))
    assert first == "<https://w3id.org/takedown-kg/ontology> a owl:Ontology ;"
    data = tmp_path / "twice.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> 1 .\n<http://example.org/b> <http://example.org/p> 2 .\n"
                    "<http://example.org/a> <http://example.org/p> 1 .\n", encoding="utf-8")
    written = run_cli("export", "--format", "nt", "--data", str(data))
    lines = [line for line in written.stdout.splitlines() if "example.org" in line]
    assert lines == ['<http://example.org/a> <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .',
                     '<http://example.org/b> <http://example.org/p> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .']


def test_export_to_stdout_matches_build(built):
    result = run_cli("export", "--format", "turtle")
    assert result.returncode == 0
    assert result.stdout == (built / "graph.ttl").read_text(encoding="utf-8")


def test_export_to_file(built, tmp_path):
    target = tmp_path / "graph.jsonld"
    result = run_cli("export", "--format", "jsonld", "-o", str(target))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert target.read_bytes() == (built / "graph.jsonld").read_bytes()


def test_export_list_comes_from_the_table():
    result = run_cli("export", "--list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == [f.name for f in formats()]


def test_base_moves_data_iris(tmp_path):
    result = run_cli("export", "--format", "ntriples", "--base", "https://example.org/kg/")
    assert result.returncode == 0
    assert "<https://example.org/kg/telegram>" in result.stdout
    assert "https://w3id.org/takedown-kg/id/" not in result.stdout
    assert "<https://w3id.org/takedown-kg/ontology#SocialMediaPlatform>" in result.stdout


def test_build_graph_on_the_oxigraph_store(corpus):
    from takedown_kg import build_graph

    graph = corpus.graph
    oxigraph_graph = build_graph(store="oxigraph")
    assert len(oxigraph_graph) == len(graph)
    assert isomorphic(plain(oxigraph_graph), graph)
