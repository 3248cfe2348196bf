"""The query command and API: both engines agree, unsafe queries are refused
before they reach the network, runaway queries stop, and results follow the
W3C formats."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result

import takedown_kg
from conftest import FIXTURES, ROOT, run_cli
from loopback import recording_server
from takedown_kg.sparql.engines import QueryResult
from takedown_kg.errors import QueryRefused, QueryTimeout, UsageError
from takedown_kg.sparql.library import named_queries, prefix_block
from takedown_kg.sparql.results import write_answer, write_csv, write_json, write_tsv, write_xml

ENGINES = ["oxigraph", "rdflib"]
BINDINGS = {"evidence": {"fact": "pni:compliance-x"}, "claims-by-voice": {"voice": "tk:voiceGovernmentData"},
            "sentence": {"number": "8"}}


def _normal(result: QueryResult):
    """Rows with "x"^^xsd:string written "x" (the same literal; the engines differ in form)."""
    def term(v):
        return Literal(str(v)) if isinstance(v, Literal) and v.datatype == XSD.string else v
    return [tuple(term(v) for v in row) for row in result.rows]


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_gives_the_same_answer_on_both_engines(name):
    # Agreement, not speed, is tested here: rdflib takes ~15 s on the comparison queries.
    answers = [takedown_kg.query(name, engine=e, bindings=BINDINGS.get(name), timeout=120) for e in ENGINES]
    assert answers[0].variables == answers[1].variables
    assert _normal(answers[0]) == _normal(answers[1])
    assert answers[0].rows, f"{name} answers nothing"


def test_summary_counts_by_class():
    rows = {(str(c), int(n)) for c, n in takedown_kg.query("summary", source="pni")}
    assert ("https://w3id.org/takedown-kg/ontology#SocialMediaPlatform", 6) in rows
    assert ("https://w3id.org/takedown-kg/ontology#Sentence", 16) in rows
    assert ("https://w3id.org/takedown-kg/ontology#ComplianceObservation", 5) in rows


def test_bindings_are_terms_not_text():
    # A value that would change the query if it were pasted in is refused as a
    # term, or stays one literal when quoted.
    with pytest.raises(UsageError, match="not a valid IRI"):
        takedown_kg.query("evidence", bindings={"fact": "tkd:x } UNION { ?fact ?p ?o"})
    for engine in ENGINES:
        assert takedown_kg.query("evidence", bindings={"fact": '"x } UNION { ?fact ?p ?o"'}, engine=engine).rows == []
    found = takedown_kg.query("evidence", bindings={"fact": URIRef("https://w3id.org/takedown-kg/id/pni/compliance-x")})
    assert [str(r[1]) for r in found] == ["F18"]


# --- refusals ---------------------------------------------------------------

SERVICE_POSITIONS = {
    "plain": "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "optional": "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <{url}> { ?s ?p ?o } } }",
    "union": "SELECT * WHERE { { ?a ?b ?c } UNION { SERVICE <{url}> { ?s ?p ?o } } }",
    "filter-exists": "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "filter-not-exists": "SELECT * WHERE { ?a ?b ?c FILTER NOT EXISTS { SERVICE SILENT <{url}> { ?s ?p ?o } } }",
    "bind-exists": "SELECT * WHERE { BIND (EXISTS { SERVICE <{url}> { ?s ?p ?o } } AS ?x) }",
    "lower-case": "select * where { service <{url}> { ?s ?p ?o } }",
    "subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } } } }",
}


@pytest.fixture(scope="module")
def server():
    """(URL of a SPARQL endpoint on a free loopback port, the list of requests it received)."""
    with recording_server() as (base, requests):
        yield f"{base}/sparql", requests


@pytest.fixture
def endpoint(server):
    server[1].clear()
    return server[0]


@pytest.fixture
def requests(server):
    return server[1]


def test_the_endpoint_would_be_reached_without_the_check(endpoint, requests):
    # The control: both engines do call SERVICE when asked directly, so the
    # refusal tests below prove something. (In a child process, because rdflib
    # leaves its socket open.)
    text = SERVICE_POSITIONS["plain"].replace("{url}", endpoint)
    script = (
        "import sys, pyoxigraph, rdflib\n"
        "list(pyoxigraph.Store().query(sys.argv[1]))\n"
        "list(rdflib.Graph().query(sys.argv[1]))\n"
    )
    subprocess.run([sys.executable, "-c", script, text], check=True, capture_output=True, timeout=60)
    assert len(requests) == 2


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("position", list(SERVICE_POSITIONS))
def test_service_is_refused_and_nothing_reaches_the_server(endpoint, requests, engine, position):
    text = SERVICE_POSITIONS[position].replace("{url}", endpoint)
    with pytest.raises(QueryRefused) as refused:
        takedown_kg.query(text, engine=engine)
    assert "SERVICE" in str(refused.value) and endpoint in str(refused.value)
    time.sleep(0.05)
    assert requests == []


def test_service_refused_on_the_command_line(endpoint, requests):
    result = run_cli("query", "-e", SERVICE_POSITIONS["silent"].replace("{url}", endpoint))
    assert (result.returncode, result.stdout) == (4, "")
    assert result.stderr == (f"Error: SERVICE SILENT <{endpoint}> is refused: "
                             "queries run on the loaded data only, never over the network\n")
    assert requests == []


REFUSED = {
    "INSERT DATA { tkd:x rdfs:label \"x\" }": "SPARQL Update (INSERT DATA) is refused: queries are read-only",
    "DELETE WHERE { ?s ?p ?o }": "SPARQL Update (DELETE) is refused: queries are read-only",
    "WITH tkd:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }": "SPARQL Update (WITH) is refused: queries are read-only",
    "CLEAR ALL": "SPARQL Update (CLEAR) is refused: queries are read-only",
    "DROP GRAPH tkd:g": "SPARQL Update (DROP) is refused: queries are read-only",
    "LOAD <http://127.0.0.1:9/data.ttl>": "LOAD <http://127.0.0.1:9/data.ttl> is refused: queries never read files or URLs",
    "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }":
        "FROM <http://127.0.0.1:9/g> is refused: a query may name only the loaded data; drop the clause to query it",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { ?s ?p ?o }":
        "FROM NAMED <file:///etc/passwd> is refused: a query may name only the loaded data; drop the clause to query it",
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", list(REFUSED))
def test_writes_loads_and_remote_from_are_refused(engine, text):
    with pytest.raises(QueryRefused) as refused:
        takedown_kg.query(text, engine=engine)
    assert str(refused.value) == REFUSED[text]


def test_keywords_inside_strings_iris_and_names_are_not_clauses():
    text = ('SELECT ?service WHERE { ?service rdfs:label ?load . # SERVICE in a comment\n'
            ' FILTER (?load != "SERVICE <x> LOAD" && ?service != <http://x/SERVICE>) } LIMIT 1')
    assert len(takedown_kg.query(text).rows) == 1


def test_from_may_name_the_loaded_file():
    data = FIXTURES / "validation" / "minimal.ttl"
    text = f"SELECT ?label FROM <{data.resolve().as_uri()}> WHERE {{ tkd:facebook rdfs:label ?label }} ORDER BY ?label"
    for engine in ENGINES:
        found = takedown_kg.query(text, data=[data], engine=engine)
        assert [str(r[0]) for r in found] == ["Facebook", "فیس بک"]


# --- time limit -------------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.parametrize("engine", ENGINES)
def test_timeout_stops_a_runaway_query(engine):
    # 1128^4 rows to count: minutes on either engine, stopped after one second.
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        takedown_kg.query(RUNAWAY, engine=engine, timeout=1)
    assert time.monotonic() - started < 10


def test_timeout_on_the_command_line():
    result = run_cli("query", "-e", RUNAWAY, "--timeout", "1")
    assert result.returncode == 5
    assert result.stderr == "Error: the query ran past its limit of 1 s and was stopped; raise --timeout or narrow the query\n"


# --- result formats ---------------------------------------------------------
# The bytes are Oxigraph's: the Python writers (the rdflib engine's answers) must write what
# Oxigraph's own writers write for the same terms.

TRICKY = QueryResult(
    "SELECT",
    ["iri", "text", "number", "blank"],
    [
        (URIRef("https://w3id.org/takedown-kg/id/x"), Literal('a, "quoted"\tline\nnext', lang="en-GB"),
         Literal(30), BNode("b0")),
        (URIRef("http://example.org/p"), Literal("ٹیلیگرام", lang="ur"), None, None),
        (URIRef("http://example.org/a,b"), Literal(" edges\r\n"), Literal("1", datatype=XSD.decimal), None),
    ],
)


def _oxigraph_writes(result: QueryResult, fmt: str) -> bytes:
    """What Oxigraph's own writer writes for the result's terms: the result is handed to Oxigraph
    as a JSON document written here with the json module, not by the writer under test."""
    import pyoxigraph

    def term(value):
        if isinstance(value, URIRef):
            return {"type": "uri", "value": str(value)}
        if isinstance(value, BNode):
            return {"type": "bnode", "value": str(value)}
        if value.language:
            return {"type": "literal", "value": str(value), "xml:lang": value.language}
        return {"type": "literal", "value": str(value), **({"datatype": str(value.datatype)} if value.datatype else {})}

    if result.form == "ASK":
        document = {"head": {}, "boolean": result.boolean}
    else:
        document = {"head": {"vars": result.variables}, "results": {"bindings": [
            {name: term(value) for name, value in zip(result.variables, row) if value is not None} for row in result.rows]}}
    answer = pyoxigraph.parse_query_results(json.dumps(document), pyoxigraph.QueryResultsFormat.JSON)
    return answer.serialize(format=getattr(pyoxigraph.QueryResultsFormat, fmt.upper()))


def _literal(value: str, datatype: str | None = None, lang: str | None = None) -> Literal:
    """A literal with its lexical form as given: rdflib would otherwise write "05"^^xsd:integer as "5"."""
    return Literal(value, lang=lang, datatype=URIRef(str(XSD) + datatype) if datatype else None, normalize=False)


EDGE_TERMS = [
    URIRef("http://example.org/a?b=c&d='e'#f"), URIRef("http://e.org/é/ٹ"), URIRef("http://example.org/a,b"),
    BNode("b1"), BNode("B.x-1"),
    _literal("plain"), _literal('q"uo\'te,comma'), _literal("tab\there\nnl\rcr\\bs"), _literal("ٹیلیگرام", lang="ur"),
    _literal("x", lang="en-GB"), _literal("<&>'\"]]>"), _literal("".join(map(chr, range(0x20))) + "\x7f\x85\u2028"),
    _literal(" lead"), _literal("trail "), _literal(" \t\n\r"), _literal(""), _literal("\u3000wide\u3000"),
    _literal("x", "string"), _literal("5", "integer"), _literal("05", "integer"), _literal("-5", "integer"),
    _literal("+5", "integer"), _literal("abc", "integer"), _literal("", "integer"), _literal("٣", "integer"),
    _literal("1.0", "decimal"), _literal(".5", "decimal"), _literal("1.", "decimal"), _literal("1", "decimal"),
    _literal("-1.50", "decimal"), _literal("1e3", "double"), _literal("1E3", "double"), _literal("1.e3", "double"),
    _literal("-1e-3", "double"), _literal("1.5", "double"), _literal("INF", "double"), _literal("NaN", "double"),
    _literal("true", "boolean"), _literal("false", "boolean"), _literal("1", "boolean"), _literal("TRUE", "boolean"),
    _literal("2025-07-24", "date"), _literal("1.5", "float"), _literal("5", "int"), _literal(" 5 ", "integer"),
]


def _generated(seed: int) -> QueryResult:
    """Rows of random terms from the characters and lexical forms each format treats apart."""
    import random

    pick = random.Random(seed)
    characters = [*'aZ09 \t\n\r"\'\\,;<>&?#_:-.+eE@^', "\x00", "\x0b", "\x1f", "\x7f", "\x85", "\xa0", "\u2028",
                  "ٹ", "😀", "\u202e"]
    numeric = list("0123456789+-.eE")
    iri = [*"aZ09_-.~!$&'()*+,;=:@/", "é", "ٹ", "%20"]

    def text(alphabet, most=8):
        return "".join(pick.choice(alphabet) for _ in range(pick.randint(0, most)))

    def term():
        kind = pick.randrange(7)
        if kind == 0:
            return None
        if kind == 1:
            query, fragment = pick.choice(["", "?" + text(iri)]), pick.choice(["", "#" + text(iri)])
            return URIRef("http://example.org/" + text(iri) + query + fragment)
        if kind == 2:
            return BNode("b" + text(list("aZ09_-")))
        if kind == 3:
            return _literal(text(characters), lang=pick.choice([None, "en", "ur", "en-GB", "zh-Hant-TW"]))
        datatype = pick.choice(["integer", "decimal", "double", "boolean", "float", "date", "string"])
        lexical = pick.choice([text(numeric, 6), pick.choice(["true", "false", "1", " true"]), text(characters, 4)])
        return _literal(lexical, datatype)

    variables = [f"v{i}" for i in range(pick.randint(0, 4))]
    return QueryResult("SELECT", variables, [tuple(term() for _ in variables) for _ in range(pick.randint(0, 5))])


@pytest.fixture
def quiet_rdflib():
    """rdflib logs a traceback for each ill-typed literal made here on purpose ("abc"^^xsd:integer)."""
    import logging

    log = logging.getLogger("rdflib")
    level, log.level = log.level, logging.CRITICAL
    yield
    log.setLevel(level)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_python_writers_write_oxigraphs_bytes(fmt, quiet_rdflib):
    edges = QueryResult("SELECT", ["v", "w"], [(term, None) for term in EDGE_TERMS] + [(None, None), (None, EDGE_TERMS[0])])
    for result in [edges, TRICKY, QueryResult("SELECT", ["x"]), QueryResult("SELECT"), QueryResult("SELECT", rows=[()]),
                   *(_generated(seed) for seed in range(300))]:
        assert write_answer(result, fmt) == _oxigraph_writes(result, fmt), (result.variables, result.rows)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask_is_written_as_oxigraph_writes_it(fmt):
    for boolean in (True, False):
        answer = QueryResult("ASK", boolean=boolean)
        assert write_answer(answer, fmt) == _oxigraph_writes(answer, fmt)
    assert write_answer(QueryResult("ASK", boolean=True), "json") == b'{"head":{},"boolean":true}'


@pytest.mark.parametrize("engine", ENGINES)
def test_csv_and_tsv_hold_no_ask_answer(engine):
    # Oxigraph's writers would write a bare `true`, which the W3C formats do not define; serve refuses them too (406).
    for fmt in ("csv", "tsv"):
        result = run_cli("query", "-e", "ASK { ?s ?p ?o }", "--format", fmt, "--engine", engine)
        assert (result.returncode, result.stdout, result.stderr) == (
            2, "", "Error: the CSV and TSV results formats hold no ASK answer; use --format json, xml or table\n")


def test_the_byte_format_decisions():
    assert write_csv(TRICKY) == (
        "iri,text,number,blank\r\n"
        'https://w3id.org/takedown-kg/id/x,"a, ""quoted""\tline\nnext",30,_:b0\r\n'
        "http://example.org/p,ٹیلیگرام,,\r\n"
        'http://example.org/a,b," edges\r\n",1,\r\n'  # an IRI is never quoted, as Oxigraph writes it
    )
    assert write_tsv(TRICKY) == (
        "?iri\t?text\t?number\t?blank\n"
        '<https://w3id.org/takedown-kg/id/x>\t"a, \\"quoted\\"\\tline\\nnext"@en-gb\t30\t_:b0\n'
        '<http://example.org/p>\t"ٹیلیگرام"@ur\t\t\n'
        '<http://example.org/a,b>\t" edges\\r\\n"\t"1"^^<http://www.w3.org/2001/XMLSchema#decimal>\t\n'
    )
    assert write_json(QueryResult("SELECT", ["n", "u"], [(Literal(30), None)])) == (
        '{"head":{"vars":["n","u"]},"results":{"bindings":[{"n":{"type":"literal","value":"30",'
        '"datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}')
    assert write_xml(QueryResult("SELECT", ["t"], [(Literal(" a & b "),)])) == (
        '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="t"/></head>'
        '<results><result><binding name="t"><literal>&#32;a &amp; b&#32;</literal></binding></result></results></sparql>')
    assert list(csv.reader(io.StringIO(write_csv(TRICKY), newline="")))[1][1] == 'a, "quoted"\tline\nnext'
    parsed = Result.parse(io.StringIO(write_tsv(TRICKY)), format="tsv")
    assert [tuple(r) for r in parsed][1] == (URIRef("http://example.org/p"), Literal("ٹیلیگرام", lang="ur"), None, None)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_the_oxigraph_engine_writes_with_oxigraphs_writer(fmt):
    # Oxigraph's answer is written in the query's child by Oxigraph itself: made into rdflib terms,
    # 1e3 would be written "1000.0" and a time in UTC "+00:00" where Oxigraph writes "1000" and "Z".
    import pyoxigraph

    text = ('SELECT ?d ?t ?n WHERE { VALUES (?d ?t ?n) { (1e3 "2025-07-24T10:00:00Z"^^xsd:dateTime "x"@EN-gb) } }')
    answer = pyoxigraph.Store().query(prefix_block() + text)
    expected = answer.serialize(format=getattr(pyoxigraph.QueryResultsFormat, fmt.upper()))
    assert b"1000" in expected and b"1000.0" not in expected
    assert takedown_kg.query(text, results_format=fmt).written == expected
    result = run_cli("query", "-e", text, "--format", fmt)
    assert (result.returncode, result.stdout.encode("utf-8")) == (0, expected)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "table"])
def test_urdu_survives_every_format(fmt):
    result = run_cli("query", "publisher", "--format", fmt)
    assert result.returncode == 0
    assert "پی این آئی" in result.stdout


# --- the command line -------------------------------------------------------

def test_table_output():
    result = run_cli("query", "publisher")
    assert result.returncode == 0
    assert result.stdout == (
        "publisher  publisherUrdu  language  sentence  voice\n"
        "---------  -------------  --------  --------  -----------\n"
        "PNI        \u2068پی این آئی\u2069     ur        S16       the article\n"
        "(1 row)\n"
    )


def test_ask_exit_codes():
    yes = run_cli("query", "-e", "ASK { pni:formal-request schema:recipient tkd:instagram }")
    no = run_cli("query", "-e", "ASK { ?o tk:platform tkd:instagram }")
    assert (yes.returncode, yes.stdout, no.returncode, no.stdout) == (0, "true\n", 1, "false\n")


def test_construct_writes_rdf(tmp_path):
    text = "CONSTRUCT { ?o rdfs:label ?l } WHERE { ?o a tk:BannedOrganization ; rdfs:label ?l }"
    turtle = run_cli("query", "-e", text)
    assert turtle.returncode == 0 and "tkd:ttp rdfs:label" in turtle.stdout
    target = tmp_path / "banned.jsonld"
    written = run_cli("query", "-e", text, "--format", "jsonld", "-o", str(target))
    assert (written.returncode, written.stdout) == (0, "")
    assert "بلوچ لبریشن آرمی" in target.read_text(encoding="utf-8")


def test_syntax_error_shows_line_column_and_caret():
    for engine, column, reason in [("oxigraph", 10, "expected one of LATERAL, SERVICE, [_]"),
                                   ("rdflib", 3, "Expected SelectQuery")]:
        result = run_cli("query", "--engine", engine, "-e", "SELECT ?x WHERE {\n  ?x ?y }")
        assert result.returncode == 3
        assert result.stderr == (
            f"Error: syntax error in the query at line 2, column {column}: {reason}\n"
            "    ?x ?y }\n"
            "  " + " " * (column - 1) + "^\n"
        )


def test_unknown_name_suggests_the_closest():
    result = run_cli("query", "complance")
    assert (result.returncode, result.stderr) == (3, "Error: no named query 'complance'; did you mean compliance, comparisons?\n")


def test_list_and_prefixes():
    listed = run_cli("query", "--list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == sorted(named_queries())
    assert listed[[l.split()[0] for l in listed].index("compliance")].endswith(
        "CQ4: What compliance does each platform show with Pakistan's requests, best first?")
    assert run_cli("query", "--prefixes").stdout == prefix_block()


def test_query_file_and_data_files(tmp_path):
    query_file = tmp_path / "labels.rq"
    query_file.write_text("SELECT ?l WHERE { tkd:facebook rdfs:label ?l FILTER (lang(?l) = 'ur') }", encoding="utf-8")
    data = FIXTURES / "validation" / "minimal.ttl"
    for engine in ENGINES:
        result = run_cli("query", str(query_file), "--data", str(data), "--format", "csv", "--engine", engine)
        assert (result.returncode, result.stdout) == (0, "l\r\nفیس بک\r\n")


SHORT = """\
observation                  platform
---------------------------  ------------
tribune:compliance-facebook  tkd:facebook
tribune:compliance-telegram  tkd:telegram
tribune:compliance-tiktok    tkd:tiktok
tribune:compliance-whatsapp  tkd:whatsapp
tribune:compliance-x         tkd:x
(5 rows)
"""


@pytest.mark.parametrize("output", ["graph.ttl", "graph.nq", "graph.trig"])
def test_a_builds_outputs_read_back_with_data_show_iris_short(tmp_path, output):
    """The sources of RDF files given as --data show by their prefixes, from the source graphs the files
    describe (the build's outputs say what each is: a tk:SourceGraph), as they show from the build."""
    assert run_cli("build", "--out", "built", cwd=tmp_path).returncode == 0
    text = ("SELECT ?observation ?platform WHERE { ?observation tk:platform ?platform "
            'FILTER (STRSTARTS(STR(?observation), "https://w3id.org/takedown-kg/id/tribune/")) } ORDER BY ?observation')
    for engine in ENGINES:
        ran = run_cli("query", "--data", f"built/{output}", "--engine", engine, "-e", text, cwd=tmp_path)
        assert (ran.returncode, ran.stdout) == (0, SHORT), ran.stderr


def test_usage_errors():
    bad_bind = run_cli("query", "evidence", "--bind", "fact")
    assert (bad_bind.returncode, bad_bind.stderr) == (
        2, "Error: --bind 'fact': write it as NAME=VALUE, for example --bind fact=pni:compliance-x\n")
    bad_format = run_cli("query", "publisher", "--format", "yaml")
    assert (bad_format.returncode, bad_format.stderr) == (
        2, "Error: unknown result format 'yaml'; choose one of: table, json, xml, csv, tsv, "
           "turtle, ntriples, jsonld, rdfxml, trig, nquads, graphml, gexf\n")
    wrong_kind = run_cli("query", "publisher", "--format", "turtle")
    assert (wrong_kind.returncode, wrong_kind.stderr) == (
        2, "Error: SELECT answers in: table, json, xml, csv, tsv; 'turtle' is for CONSTRUCT and DESCRIBE\n")
    missing = run_cli("query", "publisher", "--data", "nowhere.ttl")
    assert missing.returncode == 2 and missing.stderr.startswith("Error: nowhere.ttl: no such file")


def test_the_build_is_used_only_when_built_from_the_same_inputs(tmp_path):
    # The manifest's key digests every input and --base: a build from other
    # inputs, or an older one, is never taken for the current data. Oxigraph
    # answers from the build's store, rdflib from its graph.nq: mark both.
    import pyoxigraph

    out = tmp_path / "out"
    assert run_cli("build", "--out", str(out)).returncode == 0
    marker = '<https://w3id.org/takedown-kg/id/marker> <http://www.w3.org/2000/01/rdf-schema#label> "from out" .\n'
    with open(out / "graph.nq", "a", encoding="utf-8") as stream:
        stream.write(marker)
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    store = pyoxigraph.Store(str(out / manifest["store"]))
    store.load(marker.replace("from out", "from the store"), pyoxigraph.RdfFormat.N_QUADS)
    del store
    text = "SELECT ?l WHERE { tkd:marker rdfs:label ?l }"
    answered = run_cli("query", "-e", text, "--format", "csv", cwd=tmp_path)
    assert (answered.stdout, answered.stderr) == ("l\r\nfrom the store\r\n", "")
    assert run_cli("query", "-e", text, "--format", "csv", "--engine", "rdflib", cwd=tmp_path).stdout == "l\r\nfrom out\r\n"
    (out / "build.json").write_text(json.dumps({**manifest, "key": "0" * 64}), encoding="utf-8")
    stale = run_cli("query", "-e", text, "--format", "csv", cwd=tmp_path)
    assert (stale.stdout, stale.stderr) == ("l\r\n", "Warning: out/build.json was built before its inputs last changed: "
                                            "reading the inputs themselves (run takedown-kg build to answer from a store at once)\n")
    rebased = run_cli("query", "-e", text, "--format", "csv", "--base", "https://example.org/x/", cwd=tmp_path)
    assert (rebased.stdout, rebased.stderr) == ("l\r\n", "Warning: out/build.json was built with --base "
                                                "https://w3id.org/takedown-kg/id/: reading the inputs themselves "
                                                "(pass --base https://w3id.org/takedown-kg/id/ to answer from that build)\n")


def test_the_inputs_stamp_spares_reading_them_and_a_touched_file_is_read_again(tmp_path):
    # build.json records each input's size, mtime and inode (the stamp) with the key; while
    # the stamp holds, the recorded key is taken without reading a file.
    import os
    import shutil

    shutil.copytree(ROOT / "data" / "sources" / "pni", tmp_path / "corpus" / "pni")
    assert run_cli("build", "--data", "corpus", cwd=tmp_path).returncode == 0
    text, stale = "ASK { ?s ?p ?o }", ("Warning: out/build.json was built before its inputs last changed: reading the "
                                      "inputs themselves (run takedown-kg build to answer from a store at once)\n")
    manifest = json.loads((tmp_path / "out" / "build.json").read_text(encoding="utf-8"))
    assert sorted(manifest["inputs"]) == ["key", "stamp"] and manifest["inputs"]["key"] == manifest["key"]
    ask = ("query", "-e", text, "--data", "corpus", "--format", "json")
    assert run_cli(*ask, cwd=tmp_path).stderr == ""
    # A recorded key that is not the build's: taken on the stamp's word, so the build is not used.
    (tmp_path / "out" / "build.json").write_text(
        json.dumps({**manifest, "inputs": {**manifest["inputs"], "key": "0" * 64}}), encoding="utf-8")
    assert run_cli(*ask, cwd=tmp_path).stderr == stale
    # A touched file breaks the stamp: the files are read, their key is the build's again.
    facts = tmp_path / "corpus" / "pni" / "source.ttl"
    os.utime(facts, ns=(facts.stat().st_atime_ns, facts.stat().st_mtime_ns + 1_000_000))
    assert run_cli(*ask, cwd=tmp_path).stderr == ""
    # A changed file is read as changed.
    facts.write_text(facts.read_text(encoding="utf-8") + "\n# a curator's note\n", encoding="utf-8")
    assert run_cli(*ask, cwd=tmp_path).stderr == stale


def test_readme_shows_the_query_section():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in named_queries():
        assert f"`{name}`" in readme, name


@pytest.mark.parametrize("engine", ENGINES)
def test_describe_gives_a_graph(engine):
    described = takedown_kg.query("DESCRIBE tkd:telegram", engine=engine)
    assert described.form == "DESCRIBE"
    labels = {str(o) for s, p, o in described.graph if str(p).endswith("#label") and str(s).endswith("/telegram")}
    assert labels == {"Telegram", "ٹیلیگرام"}


# One loader for both engines: one message.
@pytest.mark.parametrize("engine,message", [
    ("oxigraph", "Error: bad.ttl:2: syntax error: objectList expected; fix the statement on that line\n"),
    ("rdflib", "Error: bad.ttl:2: syntax error: objectList expected; fix the statement on that line\n"),
])
def test_malformed_data_file(tmp_path, engine, message):
    (tmp_path / "bad.ttl").write_text("@prefix a: <http://x/> .\na:b a:c .\n", encoding="utf-8")
    result = run_cli("query", "publisher", "--engine", engine, "--data", "bad.ttl", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, message)


def test_a_build_that_cannot_answer_says_what_differs_and_what_to_do(tmp_path):
    # Each case of a build in out/ that is not of these inputs, in the user's terms.
    import shutil

    shutil.copytree(ROOT / "data" / "sources" / "pni", tmp_path / "corpus" / "pni")
    ask = ("query", "-e", "ASK { ?s ?p ?o }", "--format", "json")
    assert run_cli("build", "--data", "corpus", "--base", "https://example.org/x/", cwd=tmp_path).returncode == 0
    assert run_cli(*ask, "--data", "corpus", cwd=tmp_path).stderr == (
        "Warning: out/build.json was built with --base https://example.org/x/: reading the inputs themselves "
        "(pass --base https://example.org/x/ to answer from that build)\n")
    assert run_cli(*ask, "--data", "corpus", "--base", "https://example.org/x/", cwd=tmp_path).stderr == ""
    assert run_cli("build", "--data", "corpus", "--infer", cwd=tmp_path).returncode == 0
    assert run_cli(*ask, "--data", "corpus", cwd=tmp_path).stderr == (
        "Warning: out/build.json was built with --infer, so its store holds inferred statements too: reading the "
        "inputs themselves (takedown-kg build without --infer makes a store these answers can come from)\n")
    assert run_cli("build", "--data", "corpus", cwd=tmp_path).returncode == 0
    (tmp_path / "extra.ttl").write_text("<https://example.org/a> <https://example.org/b> 1 .\n", encoding="utf-8")
    assert run_cli(*ask, "--data", "extra.ttl", cwd=tmp_path).stderr == (
        "Warning: out/build.json was built from other data: reading the inputs themselves (takedown-kg build "
        "with the same --data --out DIR makes a store these answers can come from)\n")
