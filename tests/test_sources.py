"""Sources as first-class units: one loader, a named graph per source, IRIs per
source, the cited reports R2-R8 and the Wikidata links."""

from __future__ import annotations

import hashlib
import warnings
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from conftest import ROOT, need, run_cli, select
from takedown_kg import corpus, validate
from takedown_kg.corpus.dataset import graph_name
from takedown_kg.corpus.dataset import load_project
from takedown_kg.vocab import DATA_BASE, ONTOLOGY_IRI, TK

SOURCES = ROOT / "data" / "sources"
SLUGS = ["ap", "curation", "dailytimes", "pakistantoday", "pakobserver", "pni", "profit", "thenews", "tribune", "wikidata"]
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
    assert validate(loaded.graph, locations=loaded.locations).conforms
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
    # Run elsewhere than the checkout: its out/ may hold a build of other inputs, which query reports.
    files = sorted(str(p) for p in SOURCES.glob("*/*.ttl"))
    shipped = run_cli(*command, cwd=tmp_path)
    folder = run_cli(*command, "--data", str(ROOT / "data" / "sources"), cwd=tmp_path)
    one_by_one = run_cli(*command, *(a for f in files for a in ("--data", f)), cwd=tmp_path)
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
        with warnings.catch_warnings():  # rdflib's parsers ask for the deprecated default_context
            warnings.simplefilter("ignore", DeprecationWarning)
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
    assert f"Quads = {len(expected):,}" in counted.stdout + counted.stderr


def test_query_sees_one_source_with_source():
    from takedown_kg import query

    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    for engine in ("oxigraph", "rdflib"):
        assert [str(r[0]) for r in query(text, engine=engine, source="tribune")] == [str(graph_name("tribune")), str(ONTOLOGY_IRI)]
    unknown = run_cli("query", "compliance", "--source", "tribun")
    assert (unknown.returncode, unknown.stderr) == (2, "Error: no source 'tribun'; did you mean tribune?\n")


# --- the cited reports, R2-R8: figures in their words, with address and date ----

REPORTS = {
    "tribune": ("https://tribune.com.pk/story/2561332/hundreds-of-terror-accounts-on-social-media-blocked", None,
                {"more than 850", "533", "over 2 million", "about 30 percent", "more than 90%"}),
    "pakobserver": ("https://pakobserver.net/pakistan-cracks-down-on-terrorists-social-media-accounts-over-850-reported-hundreds-blocked/",
                    "2025-08-14", {"over 850", "533", "more than two million", "30%", "more than 90%"}),
    "pakistantoday": ("https://www.pakistantoday.com.pk/2025/08/14/pakistan-blocks-over-500-social-media-accounts-linked-to-banned-militant-groups/",
                      "2025-08-14", {"more than 850", "over 500", "over two million", "30%", "more than 90%"}),
    "profit": ("https://profit.pakistantoday.com.pk/2025/08/15/pakistan-blocks-hundreds-of-social-media-accounts-linked-to-banned-groups/",
               "2025-08-15", {"more than 850", "533", "over 2 million", "around 30%", "more than 90%"}),
    "thenews": ("https://www.thenews.com.pk/latest/1330764-pakistan-urges-tech-firms-to-block-terror-accounts", "2025-07-25",
                {"at least 481"}),
    "dailytimes": ("https://dailytimes.com.pk/1342856/govt-calls-on-global-tech-firms-to-curb-terror-content/", "2025-07-26",
                   {"481"}),
    "ap": ("https://www.business-standard.com/amp/world-news/pakistan-urges-social-media-platforms-to-block-banned-militant-accounts-125072600011_1.html",
           "2025-07-26", {"481"}),
}


@pytest.mark.parametrize("slug", list(REPORTS))
def test_each_cited_report_gives_its_figures_in_its_words(corpus, slug):
    address, date, words = REPORTS[slug]
    report = f"{DATA_BASE}{slug}/report"
    rows = select(corpus.graph, """
        SELECT ?words ?address ?date ?held WHERE {
            ?fact tk:citedFrom ?report ; ?measure ?quantity .
            ?quantity tk:statedAs ?words .
            ?report schema:url ?address ; tk:textHeld ?held .
            OPTIONAL { ?report schema:datePublished ?date }
        }""", report=URIRef(report))
    assert {r[0] for r in rows} == words
    assert {(str(r[1]), None if r[2] is None else str(r[2]), r[3]) for r in rows} == {(address, date, False)}
    assert all(Literal(w, lang="en") in set(corpus.graph.objects(None, TK.statedAs)) for w in words)
    assert not list(corpus.graph.triples((URIRef(report), URIRef("https://schema.org/text"), None)))


def test_the_counts_of_25_july_and_of_mid_august_are_attributed_as_the_reports_say(corpus):
    rows = select(corpus.graph, """
        SELECT ?report ?who WHERE {
            ?fact a tk:AccountReporting ; tk:citedFrom ?report ; prov:wasAttributedTo ?who .
        } ORDER BY ?report""")
    said = {str(r).split("/")[-2]: str(w).rsplit("/", 1)[-1].split("#")[-1] for r, w in rows}
    assert said == {"ap": "voiceOfficials", "dailytimes": "barrister-aqeel", "pakistantoday": "voiceOfficialData",
                    "pakobserver": "voiceOfficialData", "profit": "voiceOfficialData", "thenews": "voiceOfficials",
                    "tribune": "voiceOfficialData"}


def test_the_briefing_is_dated_by_each_report(corpus):
    rows = select(corpus.graph, "SELECT ?event ?date WHERE { ?event a tk:MediaBriefing ; schema:startDate ?date } ORDER BY ?event")
    assert [(str(e)[len(DATA_BASE):], str(d)) for e, d in rows] == [
        ("ap/joint-press-conference", "2025-07-25"), ("dailytimes/joint-press-conference", "2025-07-25"),
        ("pni/joint-media-briefing", "2025-07-24"), ("thenews/joint-press-conference", "2025-07-25")]


def test_the_article_has_no_date_and_no_july_in_its_label(corpus):
    article = URIRef(f"{DATA_BASE}pni/article")
    assert list(corpus.graph.objects(article, URIRef("https://schema.org/datePublished"))) == []
    assert all("July" not in str(label) for label in corpus.graph.objects(article, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    page = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "July 2025" not in page.split("## Set-up")[0]


def test_wikidata_links_are_the_nine_verified_and_the_wikidata_sources_own(corpus):
    same = URIRef("https://schema.org/sameAs")
    links = {(str(s)[len(DATA_BASE):], str(o).rsplit("/", 1)[-1]) for s, o in corpus.graph.subject_objects(same)
             if str(s).startswith(DATA_BASE) and "/" not in str(s)[len(DATA_BASE):]}
    assert links == {("pakistan", "Q843"), ("united-states", "Q30"), ("united-kingdom", "Q145"), ("united-nations", "Q1065"),
                     ("facebook", "Q355"), ("instagram", "Q209330"), ("tiktok", "Q48938223"), ("x", "Q918"),
                     ("whatsapp", "Q1049511")}
    graphs = _graphs(corpus.corpus.dataset)
    in_wikidata = {t for t in graphs[str(graph_name("wikidata"))] if t[1] == same}
    assert len(in_wikidata) == 18  # the direct edge and the link node's, for each of nine
    assert not [t for name, triples in graphs.items() if name != str(graph_name("wikidata")) for t in triples if t[1] == same]


# --- the loader's errors -----------------------------------------------------

def _previous_build(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--out", str(out)).returncode == 0
    return out, {p.name: p.read_bytes() if p.is_file() else "dir" for p in out.iterdir()}


def test_the_loaders_errors_are_one_line_and_lose_nothing(tmp_path):
    out, before = _previous_build(tmp_path)
    no_source = tmp_path / "loose"
    no_source.mkdir()
    (no_source / "facts.ttl").write_text("# facts with no source.ttl\n", encoding="utf-8")
    tampered = tmp_path / "tampered" / "pni"
    shutil.copytree(SOURCES / "pni", tampered)
    (tampered / "article.ur.txt").write_text("not the article", encoding="utf-8")
    twin = tmp_path / "twin" / "pni"
    shutil.copytree(SOURCES / "pni", twin)
    cases = {
        ("--data", str(tmp_path / "nosuchdir")):
            f"Error: {tmp_path / 'nosuchdir'}: no such file or folder; --data takes a source folder, a corpus folder or RDF files\n",
        ("--data", str(no_source)):
            f"Error: {no_source}: no source.ttl in it or in its folders; --data takes a source folder, a corpus folder or RDF files\n",
        ("--data", str(tampered)):
            f"Error: {tampered / 'article.ur.txt'}: its SHA-256 {hashlib.sha256(b'not the article').hexdigest()[:12]}… "
            f"matches no report's tk:sha256 in {tampered / 'source.ttl'}; the text must stay as received\n",
        ("--data", "data/sources", "--data", str(twin)):
            f"Error: {twin}: a second source named 'pni' (the first is data/sources/pni); give each source folder its own name\n",
    }
    for arguments, message in cases.items():
        result = run_cli("build", "--out", str(out), *arguments)
        assert (result.returncode, result.stderr) == (2, message), arguments
    assert {p.name: p.read_bytes() if p.is_file() else "dir" for p in out.iterdir()} == before


def test_summary_and_validation_agree_on_both_stores():
    from takedown_kg import build_graph
    from takedown_kg.export.summary import summarize

    on_oxigraph, in_memory = build_graph(store="oxigraph"), build_graph()
    assert validate(on_oxigraph).conforms and validate(in_memory).conforms
    assert summarize(on_oxigraph).lines() == summarize(in_memory).lines()


def test_a_query_on_data_that_does_not_conform_says_so(tmp_path):
    broken = tmp_path / "pni"
    shutil.copytree(SOURCES / "pni", broken)
    facts = broken / "facts.ttl"
    facts.write_text(facts.read_text(encoding="utf-8").replace('"F18"', '"18"'), encoding="utf-8")
    result = run_cli("query", "-e", "ASK { ?s ?p ?o }", "--data", str(broken), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "true\n")
    assert result.stderr.startswith("Warning: the data does not conform (1 violation; first: ")
    assert result.stderr.rstrip().endswith("[fact-identifier]); run takedown-kg validate")
    assert result.stderr.count("\n") == 1


def test_a_base_with_a_quote_is_refused_in_one_line(tmp_path):
    # The base reaches SPARQL text (the overview page, the summary's counts) only as an escaped literal,
    # and an IRI cannot hold a quote at all: refused before anything is read.
    result = run_cli("build", "--out", str(tmp_path), "--base", 'https://example.org/a" } SERVICE <http://127.0.0.1:9/> {} #/')
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: base IRI 'https://example.org/a\" } SERVICE")
    assert list(tmp_path.iterdir()) == []
