"""Sources as first-class units: one loader, a named graph per source, IRIs per
source, the cited reports R2-R8 and the Wikidata links."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from conftest import FIXTURES, ROOT, need, run_cli, select
from takedown_kg import corpus, validate
from takedown_kg.corpus import graph_name
from takedown_kg.errors import InputError
from takedown_kg.graph import load_project
from takedown_kg.vocab import DATA_BASE, ONTOLOGY_IRI, TK

SOURCES = ROOT / "data" / "sources"
SLUGS = ["ap", "dailytimes", "pakistantoday", "pakobserver", "pni", "profit", "thenews", "tribune", "wikidata"]
JENA = ROOT / "tests" / "tools" / "jena.sh"


def _graphs(dataset: Dataset) -> dict[str, set]:
    return {str(g.identifier): set(g) for g in dataset.graphs() if len(g)}


def test_the_corpus_is_one_folder_per_source():
    sources, files = corpus.discover([SOURCES])
    assert [s.slug for s in sources] == SLUGS and files == []
    pni = sources[SLUGS.index("pni")]
    assert [p.name for p in pni.files] == ["source.ttl", "actors.ttl", "facts.ttl", "sentences.ttl"]
    assert [p.name for p in pni.texts] == ["article.ur.txt"]
    assert (pni.folder / "article.ur.txt").read_bytes() == (ROOT.parent / "shared" / "source" / "article.ur.txt").read_bytes() \
        if (ROOT.parent / "shared" / "source" / "article.ur.txt").is_file() else True


def test_each_source_has_its_named_graph_described_in_the_default_graph():
    loaded = corpus.load()
    graphs = _graphs(loaded.dataset)
    assert set(graphs) == {str(ONTOLOGY_IRI), "urn:x-rdflib:default", *(str(graph_name(s)) for s in SLUGS)}
    default = loaded.dataset.default_graph
    for slug in SLUGS:
        name = graph_name(slug)
        assert (name, RDF.type, TK.SourceGraph) in default
        report = default.value(name, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        assert str(report).startswith(f"{DATA_BASE}{slug}/")
        assert default.value(name, TK.recordedOn) == Literal("2026-11-28", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))


def test_the_held_text_is_attached_to_its_own_report_only():
    loaded = corpus.load()
    texts = [(s, o) for s, o in loaded.union().subject_objects(URIRef("https://schema.org/text"))]
    assert [str(s) for s, _ in texts] == [f"{DATA_BASE}pni/article"]
    assert hashlib.sha256(str(texts[0][1]).encode()).hexdigest() == "0a3206bfaf66a4e6a3be1883e50d7948510f1ff192a5dba5fb7e514ee9a6b6b7"


def test_a_copied_source_builds_beside_the_original_without_collisions(tmp_path):
    copy = tmp_path / "pni-copy"
    shutil.copytree(SOURCES / "pni", copy)
    loaded = load_project(data=[SOURCES, copy])
    assert validate(loaded.graph, sources=loaded.sources).conforms
    rows = select(loaded.graph, 'SELECT ?fact WHERE { ?fact dcterms:identifier "F18" ; tk:platform tkd:x } ORDER BY ?fact')
    assert rows == [(f"{DATA_BASE}pni-copy/compliance-x",), (f"{DATA_BASE}pni/compliance-x",)]
    graphs = _graphs(loaded.corpus.dataset)
    original = {(str(s).replace("/pni/", "/pni-copy/"), p, str(o).replace("/pni/", "/pni-copy/")) for s, p, o in graphs[str(graph_name("pni"))]}
    assert original == {(str(s), p, str(o)) for s, p, o in graphs[str(graph_name("pni-copy"))]}


def test_removing_a_source_removes_exactly_its_graph():
    everything = _graphs(corpus.load().dataset)
    fewer = _graphs(corpus.load([SOURCES / s for s in SLUGS if s != "tribune"]).dataset)
    assert set(everything) - set(fewer) == {str(graph_name("tribune"))}
    for name, triples in fewer.items():
        if name != "urn:x-rdflib:default":
            assert triples == everything[name], name
    lost = everything["urn:x-rdflib:default"] - fewer["urn:x-rdflib:default"]
    assert {s for s, _, _ in lost} == {graph_name("tribune")}


COMMANDS = [
    ("validate",),
    ("stats", "--top", "3"),
    ("query", "compliance", "--format", "csv"),
    ("query", "-e", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g", "--format", "csv"),
    ("export", "--format", "nquads"),
    ("locate", "باقاعدہ درخواست"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_means_the_same_by_data(command, tmp_path):
    files = sorted(str(p.relative_to(ROOT)) for p in SOURCES.glob("*/*.ttl"))
    shipped = run_cli(*command, cwd=ROOT)
    folder = run_cli(*command, "--data", "data/sources", cwd=ROOT)
    one_by_one = run_cli(*command, *(a for f in files for a in ("--data", f)), cwd=ROOT)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout == folder.stdout == one_by_one.stdout
    assert shipped.stderr == folder.stderr == one_by_one.stderr == ""


def test_build_by_data_writes_the_same_files(tmp_path):
    assert run_cli("build", "--out", str(tmp_path / "a")).returncode == 0
    assert run_cli("build", "--out", str(tmp_path / "b"), "--data", "data/sources").returncode == 0
    for name in ("graph.ttl", "graph.nq", "graph.trig", "graph.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


BASE = "https://example.org/kg/"


def test_after_build_with_another_base_every_command_answers_under_it(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--base", BASE, "--out", str(out)).returncode == 0
    nquads = (out / "graph.nq").read_text(encoding="utf-8")
    assert DATA_BASE not in nquads and f"<{BASE}pni/compliance-x>" in nquads and f"<{BASE}pni/graph>" in nquads
    exported = run_cli("export", "--base", BASE, "--format", "nquads")
    assert exported.stdout.encode() == (out / "graph.nq").read_bytes()
    text = "SELECT ?fact WHERE { ?fact tk:platform ?p ; dcterms:identifier 'F18' } ORDER BY ?fact"
    for engine in ("oxigraph", "rdflib"):
        answer = run_cli("query", "--base", BASE, "--engine", engine, "-e", text, "--format", "csv", "--source", "pni")
        assert answer.stdout == f"fact\r\n{BASE}pni/compliance-x\r\n", answer.stderr
    page = run_cli("graph", "--base", BASE, "-o", str(tmp_path / "g.html"))
    assert page.returncode == 0 and f"{BASE}pni/compliance-x" in (tmp_path / "g.html").read_text(encoding="utf-8")
    # The build with another base leaves no stale answer for the default base.
    evidence = run_cli("query", "evidence", "--bind", "fact=pni:compliance-x", "--format", "csv", cwd=tmp_path)
    assert evidence.returncode == 0 and evidence.stdout.count("\r\n") == 2, evidence.stderr


def test_named_graphs_round_trip_on_both_engines_and_jena(tmp_path):
    import pyoxigraph

    assert run_cli("build", "--out", str(tmp_path)).returncode == 0
    expected = {str(q) for q in pyoxigraph.parse(path=str(tmp_path / "graph.nq"), format=pyoxigraph.RdfFormat.N_QUADS)}
    trig = {str(q) for q in pyoxigraph.parse(path=str(tmp_path / "graph.trig"), format=pyoxigraph.RdfFormat.TRIG)}
    assert trig == expected
    for name, fmt in (("graph.trig", "trig"), ("graph.nq", "nquads")):
        dataset = Dataset()
        dataset.parse(tmp_path / name, format=fmt)
        assert len(list(dataset.quads((None, None, None, None)))) == len(expected)
    union = {str(t) for t in pyoxigraph.parse(path=str(tmp_path / "graph.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)}
    assert union == {str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) for q in
                     pyoxigraph.parse(path=str(tmp_path / "graph.nq"), format=pyoxigraph.RdfFormat.N_QUADS)}
    need(shutil.which("java") is not None and Path("/usr/share/java/jena-core.jar").is_file(),
         "Jena is not installed (apt-get install libapache-jena-java openjdk-17-jre-headless unzip)")
    checked = subprocess.run(["bash", str(JENA), "riot", "--validate", str(tmp_path / "graph.trig"), str(tmp_path / "graph.nq")],
                             capture_output=True, text=True, timeout=300)
    assert (checked.returncode, checked.stderr) == (0, "")
    counted = subprocess.run(["bash", str(JENA), "riot", "--count", str(tmp_path / "graph.trig")],
                             capture_output=True, text=True, timeout=300)
    assert f"Quads = {len(expected):,}" in counted.stdout


def test_query_sees_one_source_with_source():
    from takedown_kg import query

    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    for engine in ("oxigraph", "rdflib"):
        assert [str(r[0]) for r in query(text, engine=engine, source="tribune")] == [str(graph_name("tribune")), str(ONTOLOGY_IRI)]
    unknown = run_cli("query", "compliance", "--source", "tribun")
    assert (unknown.returncode, unknown.stderr) == (2, "Error: no source 'tribun'; did you mean tribune?\n")
