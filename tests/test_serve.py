"""`takedown-kg serve`: the SPARQL 1.1 Protocol, the same refusals and limits as `query`,
the named queries, the exports, the page, and a clean stop. A real server on a free
loopback port, started and stopped by the tests."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode, urlsplit

import pytest

from conftest import need, run_cli
from loopback import recording_server
from servers import children, serving
from takedown_kg.sparql.library import named_queries

TKD = "https://w3id.org/takedown-kg/id/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LOG_LINE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 "[^"]*" \d{3} \d+ \d+\.\dms$')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # From a folder with no build: the corpus is loaded in memory, as `query` does there.
    with serving("--timeout", "4", "--workers", "2", cwd=tmp_path_factory.mktemp("serve")) as running:
        yield running


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """(status, content type, body) of one request; errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def sparql(server, query: str, accept: str | None = None, **parameters):
    headers = {"Accept": accept} if accept else {}
    return fetch(server.url + "sparql?" + urlencode({"query": query, **parameters}, doseq=True), headers=headers)


def cli(*args: str, cwd=None) -> str:
    result = run_cli(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def written(*args: str, cwd=None) -> bytes:
    """What `query` writes to stdout: for SELECT and ASK, the bytes serve answers with."""
    return cli(*args, cwd=cwd).encode("utf-8")


@pytest.fixture(scope="module")
def empty_dir(tmp_path_factory):
    """Where the command runs to compare: with a build of the same inputs, so each query takes a second, not six."""
    folder = tmp_path_factory.mktemp("cli")
    assert run_cli("build", "--out", "out", cwd=folder).returncode == 0
    return folder


def test_starts_with_what_it_serves(server):
    assert server.banner == [
        "takedown-kg: serving 2,158 triples (2,160 statements in 12 graphs) from the shipped corpus, loaded in memory\n",
        f"  query page  {server.url}\n",
        f"  endpoint    {server.url}sparql\n",
        "Ctrl-C stops.\n",
    ]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_answers_as_the_command_does(server, empty_dir, name):
    status, media, body = fetch(server.url + f"queries/{name}")
    assert (status, media) == (200, "application/sparql-results+json; charset=utf-8")
    assert body == written("query", name, "--format", "json", cwd=empty_dir)


def test_get_post_form_and_post_query_give_the_same_answer(server, empty_dir):
    text = named_queries()["compliance"].text
    expected = written("query", "compliance", "--format", "json", cwd=empty_dir)
    by_get = sparql(server, text)
    by_form = fetch(server.url + "sparql", data=urlencode({"query": text}).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    by_body = fetch(server.url + "sparql", data=text.encode("utf-8"),
                    headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert by_get == by_form == by_body
    assert by_get[:2] == (200, "application/sparql-results+json; charset=utf-8")
    assert by_get[2] == expected and len(json.loads(expected)["results"]["bindings"]) == 6


@pytest.mark.parametrize(("accept", "name", "media"), [
    ("application/sparql-results+xml", "xml", "application/sparql-results+xml"),
    ("text/csv", "csv", "text/csv"),
    ("text/tab-separated-values", "tsv", "text/tab-separated-values"),
    ("application/json", "json", "application/json"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "json", "application/sparql-results+json"),
    ("text/turtle;q=0.9, text/csv;q=0.95", "csv", "text/csv"),
])
def test_results_formats_by_content_negotiation(server, empty_dir, accept, name, media):
    status, content_type, body = sparql(server, named_queries()["account-figures"].text, accept)
    assert (status, content_type) == (200, f"{media}; charset=utf-8")
    assert body == written("query", "account-figures", "--format", name, cwd=empty_dir) and b"Telecommunication" in body


def test_format_parameter_wins_over_accept(server, empty_dir):
    status, media, body = fetch(server.url + "queries/compliance?format=tsv", headers={"Accept": "text/csv"})
    assert (status, media) == (200, "text/tab-separated-values; charset=utf-8")
    assert body == written("query", "compliance", "--format", "tsv", cwd=empty_dir)


# Unbound values, language tags (en-GB, which Oxigraph keeps as en-gb), typed numbers ("05" is 5 to
# both engines), a date, a blank node, and text each format escapes its own way.
EDGE_DATA = r"""@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:row1 ex:key "1" ; ex:label "plain" ; ex:number 5 ; ex:thing [ ex:key "blank" ; ex:label "in a blank node" ] .
ex:row2 ex:key "2" ; ex:label "with \"quotes\", a comma,\ta tab\nand line ends\r\n"@en ; ex:number -2 .
ex:row3 ex:key "3" ; ex:label "ٹیلیگرام"@ur ; ex:number 1.5 .
ex:row4 ex:key "4" ; ex:label "x & <y>"@en-GB ; ex:number "05"^^xsd:integer .
ex:row5 ex:key "5" ; ex:label " spaces at both ends " ; ex:number true .
ex:row6 ex:key "6" ; ex:number "2025-07-24"^^xsd:date .
ex:row7 ex:key "7" .
"""
EDGE_QUERY = ("PREFIX ex: <http://example.org/> SELECT ?row ?label ?number ?thing WHERE { ?row ex:key ?key "
              "OPTIONAL { ?row ex:label ?label } OPTIONAL { ?row ex:number ?number } OPTIONAL { ?row ex:thing ?thing } "
              "} ORDER BY ?key")
SAME_BYTES = {
    "compliance": ("corpus", "compliance"),
    "edges": ("edges", EDGE_QUERY),
    "ask-true": ("corpus", "ASK { pni:formal-request schema:recipient tkd:telegram }"),
    "ask-false": ("corpus", "ASK { ?o tk:platform tkd:instagram }"),
}
# The one difference allowed: each engine names blank nodes its own way, so every label becomes
# b0, b1, ... in the order it first appears; all other bytes must be the same.
BLANK_LABELS = {"json": re.compile(rb'"type":"bnode","value":"([^"]+)"'), "xml": re.compile(rb"<bnode>([^<]+)</bnode>"),
                "csv": re.compile(rb"_:([A-Za-z0-9_-]+)"), "tsv": re.compile(rb"_:([A-Za-z0-9_-]+)")}


def blank_labels_in_order(body: bytes, fmt: str) -> bytes:
    names: dict[bytes, bytes] = {}

    def rename(found):
        label = names.setdefault(found.group(1), b"b%d" % len(names))
        return found.group(0)[:found.start(1) - found.start(0)] + label + found.group(0)[found.end(1) - found.start(0):]

    return BLANK_LABELS[fmt].sub(rename, body)


@pytest.fixture(scope="module")
def edge_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edges")
    (folder / "edges.ttl").write_text(EDGE_DATA, encoding="utf-8")
    with serving("--data", "edges.ttl", "--workers", "1", cwd=folder) as running:
        yield running, folder


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("case", list(SAME_BYTES))
def test_query_writes_the_bytes_serve_writes(server, edge_server, empty_dir, case, engine, fmt):
    data, text = SAME_BYTES[case]
    served, folder, data_args = (server, empty_dir, []) if data == "corpus" else (*edge_server, ["--data", "edges.ttl"])
    url = (served.url + f"queries/{text}?format={fmt}" if text in named_queries()
           else served.url + "sparql?" + urlencode({"query": text, "format": fmt}))
    status, _, body = fetch(url)
    ran = run_cli("query", text if text in named_queries() else "-e", *([] if text in named_queries() else [text]),
                  "--format", fmt, "--engine", engine, *data_args, cwd=folder)
    if case.startswith("ask") and fmt in ("csv", "tsv"):  # neither writes an ASK answer where the W3C defines none
        assert (status, ran.returncode, ran.stdout) == (406, 2, "")
        return
    assert status == 200 and ran.returncode == (1 if case == "ask-false" else 0), ran.stderr
    assert blank_labels_in_order(ran.stdout.encode("utf-8"), fmt) == blank_labels_in_order(body, fmt)
    if case == "edges":
        assert len(BLANK_LABELS[fmt].findall(body)) == 2 and "ٹیلیگرام".encode() in body


CONSTRUCT = "CONSTRUCT WHERE { ?demand a tk:Demand ; rdfs:label ?label }"


@pytest.mark.parametrize(("accept", "name", "media"), [
    (None, "turtle", "text/turtle"),
    ("application/n-triples", "ntriples", "application/n-triples"),
    ("application/ld+json", "jsonld", "application/ld+json"),
    ("application/rdf+xml", "rdfxml", "application/rdf+xml"),
])
def test_construct_in_rdf_formats(server, empty_dir, accept, name, media):
    status, content_type, body = sparql(server, CONSTRUCT, accept)
    assert (status, content_type) == (200, f"{media}; charset=utf-8")
    # The same triples as the command writes; their order follows the store they were read from
    # (the exports keep the order of the sources, unsorted), which differs between a build and memory.
    import pyoxigraph

    fmt = pyoxigraph.RdfFormat.from_media_type(media)
    triples = lambda text: {str(t) for t in pyoxigraph.parse(text, format=fmt)}  # noqa: E731
    expected = triples(cli("query", "-e", CONSTRUCT, "--format", name, cwd=empty_dir).encode("utf-8"))
    assert triples(body) == expected and len(expected) == 43


@pytest.mark.parametrize(("query", "accept", "message"), [
    ("ASK { ?s ?p ?o }", "text/csv",
     "no accepted type (text/csv) can hold ASK answers; accept one of: application/sparql-results+json, "
     "application/json, application/sparql-results+xml, application/xml, text/xml"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "image/png",
     "no accepted type (image/png) can hold SELECT answers; accept one of: application/sparql-results+json, "
     "application/json, application/sparql-results+xml, application/xml, text/xml, text/csv, text/tab-separated-values"),
    (CONSTRUCT, "application/sparql-results+json",
     "no accepted type (application/sparql-results+json) can hold CONSTRUCT and DESCRIBE answers; accept one of: "
     "text/turtle, application/n-triples, application/ld+json, application/rdf+xml, application/trig, application/n-quads"),
])
def test_a_format_that_cannot_hold_the_answer_is_406(server, query, accept, message):
    assert sparql(server, query, accept) == (406, "text/plain; charset=utf-8", f"Error: {message}\n".encode())


REFUSED = [
    "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } } }",
    "SELECT * FROM <{url}/data.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "INSERT DATA { <{url}/a> <{url}/b> <{url}/c> }",
    "LOAD <{url}/data.ttl>",
    "SELECT * WHERE { \\u0053ERVICE <{url}/sparql> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("template", REFUSED)
def test_refusals_are_the_commands_with_400_and_no_request_made(server, empty_dir, template):
    with recording_server() as (url, requests):
        query = template.replace("{url}", url)
        expected = run_cli("query", "-e", query, cwd=empty_dir)
        assert expected.returncode == 4
        status, media, body = sparql(server, query)
        by_body = fetch(server.url + "sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert (status, media) == (400, "text/plain; charset=utf-8")
    assert body.decode("utf-8") == expected.stderr
    assert by_body[2] == body
    assert requests == []


def test_updates_are_refused_in_every_form(server):
    refused = b"Error: SPARQL Update is refused: this endpoint is read-only\n"
    form = fetch(server.url + "sparql", data=b"update=CLEAR+ALL", headers={"Content-Type": "application/x-www-form-urlencoded"})
    body = fetch(server.url + "sparql", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert form[::2] == body[::2] == (400, refused)
    put = fetch(server.url + "sparql", data=b"x", method="PUT")
    assert put[::2] == (405, b"Error: only GET, HEAD and POST are answered here\n")


def test_a_syntax_error_is_400_with_the_commands_lines(server, empty_dir):
    query = "SELECT ?x WHERE {\n  ?x ?y }"
    expected = run_cli("query", "-e", query, cwd=empty_dir)
    assert expected.returncode == 3
    assert sparql(server, query)[::2] == (400, expected.stderr.encode("utf-8"))


def test_protocol_graphs_only_the_corpus_own(server):
    pni = TKD + "pni/graph"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"

    def value(answer):
        assert answer[0] == 200, answer
        return [b["n"]["value"] if "n" in b else b["g"]["value"] for b in json.loads(answer[2])["results"]["bindings"]]

    assert value(sparql(server, count)) == ["2160"]
    assert value(sparql(server, count, **{"default-graph-uri": pni})) == ["690"]
    assert value(sparql(server, named, **{"named-graph-uri": [pni, TKD + "ap/graph"]})) in (
        [pni, TKD + "ap/graph"], [TKD + "ap/graph", pni])
    status, _, body = sparql(server, count, **{"default-graph-uri": "file:///etc/passwd"})
    assert (status, body) == (400, b"Error: default-graph-uri <file:///etc/passwd> is refused: a query may name only "
                                   b"the corpus's own graphs; see GRAPH ?g for their names\n")
    status, _, body = sparql(server, named, **{"named-graph-uri": "http://example.org/g"})
    assert status == 400 and body.startswith(b"Error: named-graph-uri <http://example.org/g> is refused")


def test_named_query_with_bind(server, empty_dir):
    status, _, body = fetch(server.url + "queries/evidence?" + urlencode({"bind": "fact=pni:compliance-x"}))
    assert status == 200
    expected = written("query", "evidence", "--bind", "fact=pni:compliance-x", "--format", "json", cwd=empty_dir)
    assert body == expected and json.loads(expected)["results"]["bindings"]
    # Said as the request wrote it (bind=...), not as the command line does (--bind ...).
    assert fetch(server.url + "queries/evidence?bind=fact=compliance-x")[::2] == (400, (
        "Error: bind=fact=compliance-x: not an RDF term; write a prefixed name (pni:compliance-x for a fact of the "
        "article, tkd:compliance-x for an actor), an <IRI>, a \"quoted text\", a number or true/false\n").encode())
    assert fetch(server.url + "queries/evidence?bind=fact=zz:x")[::2] == (
        400, b"Error: bind=fact=zz:x: unknown prefix 'zz'; the query page at / lists the prefixes\n")
    assert fetch(server.url + "queries/evidence?bind=fakt=pni:x")[::2] == (
        400, b"Error: bind=fakt=...: the query has no ?fakt; did you mean fact?\n")
    assert fetch(server.url + "queries/evidence?bind=fact")[::2] == (
        400, b"Error: bind=fact: write it as NAME=VALUE, for example bind=fact=pni:compliance-x\n")
    assert fetch(server.url + "queries/evidenc")[::2] == (404, b"Error: no named query 'evidenc'; did you mean evidence, events?\n")


def test_the_served_prefixes_need_no_declaration_and_a_query_own_prefix_wins(server):
    # The worker gives Oxigraph only the served prefixes a query writes and does not declare.
    ask = "ASK { FILTER(tkd:x = <%sx>) }"
    assert json.loads(sparql(server, ask % TKD, "application/sparql-results+json")[2])["boolean"] is True
    own = "PREFIX tkd: <http://example.org/> " + ask
    assert json.loads(sparql(server, own % "http://example.org/", "application/sparql-results+json")[2])["boolean"] is True
    assert json.loads(sparql(server, own % TKD, "application/sparql-results+json")[2])["boolean"] is False


def test_the_prefixes_a_query_needs():
    from takedown_kg.serve.protocol import _used

    given = {"tk": "https://w3id.org/takedown-kg/ontology#", "tkd": TKD, "pni": "https://example.org/pni#"}
    assert _used("SELECT * { ?s a tk:X } # pni:y", given) == {"tk": given["tk"]}
    assert _used('PREFIX tk: <http://x/> SELECT * { ?s a tk:X ; tkd:p "pni:" }', given) == {"tkd": TKD}
    assert _used("SELECT * { ?s a <http://x/> }", given) == {}
    # Every reading must read it; one that cannot (an escape outside a string) keeps them all.
    assert _used("SELECT * { ?s a \\u0074k:X }", given) == given


EXPORTS = ["graph.ttl", "graph.nt", "graph.trig", "graph.nq", "graph.jsonld", "graph.rdf"]
MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples", "trig": "application/trig", "nq": "application/n-quads",
         "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}


@pytest.mark.parametrize("export", EXPORTS)
def test_exports_hold_what_the_export_command_writes(server, empty_dir, export):
    import pyoxigraph

    status, media, body = fetch(server.url + export)
    fmt = export.rsplit(".", 1)[1]
    assert (status, media.split(";")[0]) == (200, MEDIA[fmt])
    # Built in memory, the prefixes that the sources' own files declare (wd:) are not known: compare the quads.
    parsed = pyoxigraph.RdfFormat.from_media_type(MEDIA[fmt])
    served = {str(q) for q in pyoxigraph.parse(body, format=parsed)}
    exported = {str(q) for q in pyoxigraph.parse(run_cli("export", "--format", fmt, cwd=empty_dir).stdout.encode(), format=parsed)}
    assert served == exported and len(served) >= 2018


def test_with_a_matching_build_the_exports_are_its_files(tmp_path):
    assert run_cli("build", "--out", "out", cwd=tmp_path).returncode == 0
    with serving(cwd=tmp_path) as running:
        assert running.banner[0] == ("takedown-kg: serving 2,158 triples (2,160 statements in 12 graphs) from out/store "
                                     "(the build of these inputs)\n")
        for export in [*EXPORTS, "graph.html"]:
            assert fetch(running.url + export)[2] == (tmp_path / "out" / export).read_bytes(), export


def test_the_page_asks_only_this_server(server):
    status, media, body = fetch(server.url)
    page = body.decode("utf-8")
    assert (status, media) == (200, "text/html; charset=utf-8")
    assert "connect-src 'self'" in page and "unsafe-inline'; connect" in page and "script-src 'sha256-" in page
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert links and all(link.startswith("/") for link in links), links
    assert {"/graph.html", "/graph.ttl", "/graph.trig", "/graph.nq"} <= set(links)
    assert fetch(server.url + "graph.html")[:2] == (200, "text/html; charset=utf-8")


def test_bounded_bodies_queries_and_request_lines(server):
    host = urlsplit(server.url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    connection.putrequest("POST", "/sparql")
    connection.putheader("Content-Type", "application/sparql-query")
    connection.putheader("Content-Length", str(10 << 20))
    connection.endheaders()  # the body is never sent: the answer comes first
    response = connection.getresponse()
    assert (response.status, response.read()) == (
        413, b"Error: the body has 10,485,760 bytes; this endpoint takes at most 262,144\n")
    connection.close()
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_000
    status, _, body = fetch(server.url + "sparql", data=long_query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert (status, body) == (400, b"Error: the query has 100,029 characters; this endpoint takes at most 100,000\n")
    assert fetch(server.url + "sparql?query=" + "x" * 70_000)[0] == 414


def test_a_runaway_query_is_503_and_stalls_no_other(server):
    answers = {}

    def runaway():
        answer = sparql(server, RUNAWAY)
        answers["runaway"] = (time.monotonic(), answer)

    started = time.monotonic()
    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    quick = []
    for _ in range(5):
        status, _, _ = sparql(server, "ASK { tkd:telegram a tk:SocialMediaPlatform }")
        quick.append((status, time.monotonic() - started))
    thread.join()
    ended, (status, _, body) = answers["runaway"]
    assert (status, body) == (503, b"Error: the query ran past its limit of 4 s and was stopped; narrow the query\n")
    assert 4 <= ended - started < 8
    # Every quick query was answered while the runaway one was still running.
    assert all(code == 200 and at < 4 for code, at in quick), quick
    # Its worker was replaced: the server still answers on both.
    assert [sparql(server, "ASK {}")[0] for _ in range(4)] == [200] * 4


def test_memory_limit_is_503(tmp_path):
    query = "SELECT (GROUP_CONCAT(STR(?o)) AS ?x) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?o }"
    with serving("--memory", "64", "--workers", "1", cwd=tmp_path) as running:
        assert sparql(running, query)[::2] == (
            503, b"Error: the query ran out of its memory limit of 64 MB and was stopped; raise --memory or narrow the query\n")
        assert sparql(running, "ASK { tkd:telegram a tk:SocialMediaPlatform }")[::2] == (
            200, b'{"head":{},"boolean":true}')


def test_a_worker_killed_while_idle_is_replaced_before_the_next_query(tmp_path):
    # The loop watches a worker's pipe for its whole life: its end is seen while it is idle.
    ask = "ASK { tkd:telegram a tk:SocialMediaPlatform }"
    with serving("--workers", "1", cwd=tmp_path) as running:
        assert sparql(running, ask)[::2] == (200, b'{"head":{},"boolean":true}')
        [worker] = children(running.process.pid)
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while children(running.process.pid) in ([], [worker]) and time.monotonic() < deadline:
            time.sleep(0.05)
        [replacement] = children(running.process.pid)
        assert replacement != worker
        assert [sparql(running, ask)[::2] for _ in range(3)] == [(200, b'{"head":{},"boolean":true}')] * 3


def test_one_access_log_line_per_request_and_a_clean_stop_on_ctrl_c(tmp_path):
    with serving("--workers", "2", cwd=tmp_path) as running:
        workers = children(running.process.pid)
        assert len(workers) == 2
        paths = ["", "sparql?query=ASK%7B%7D", "queries/nothing", "sparql?query=" + quote("SELECT * { SERVICE <http://x/> {} }")]
        statuses = [fetch(running.url + path)[0] for path in paths]
        running.stop(signal.SIGINT)
    assert statuses == [200, 200, 404, 400]
    assert running.returncode == 0
    lines = running.stderr.splitlines()
    assert lines[-1] == "takedown-kg: stopped"
    assert len(lines) == 5 and all(LOG_LINE.match(line) for line in lines[:4]), lines
    assert [line.split('"')[1] for line in lines[:4]] == [f"GET /{path} HTTP/1.1" for path in paths]
    assert [int(line.split('"')[2].split()[0]) for line in lines[:4]] == statuses
    assert all(not _alive(pid) for pid in workers)


def test_many_idle_connections_do_not_keep_a_new_client_out(server):
    """Idle connections cost the server a socket each, no thread: past the cap (256) the one
    silent the longest is closed, and a new client is answered at once."""
    host = urlsplit(server.url)
    idle = []
    try:
        for n in range(300):
            sock = socket.create_connection((host.hostname, host.port), timeout=10)
            if n >= 150:
                sock.sendall(b"GET /sparql?query=ASK")  # a request that never ends
            idle.append(sock)
        started = time.monotonic()
        assert sparql(server, "ASK { tkd:telegram a tk:SocialMediaPlatform }")[::2] == (200, b'{"head":{},"boolean":true}')
        assert time.monotonic() - started < 3
        time.sleep(0.5)
        closed = [_ended(sock) for sock in idle]
        # The first ones opened (and never written to) were the longest silent: 45 of them
        # closed to make room for the others and the new client.
        assert closed == [True] * 45 + [False] * 255
    finally:
        for sock in idle:
            sock.close()


def test_past_the_cap_with_every_connection_mid_request_a_newcomer_gets_503_at_once(tmp_path):
    with serving("--connections", "2", "--workers", "2", "--timeout", "2", cwd=tmp_path) as running:
        host = urlsplit(running.url)
        busy = []
        for _ in range(2):
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            connection.request("GET", "/sparql?" + urlencode({"query": RUNAWAY}))
            busy.append(connection)
        time.sleep(0.5)
        started = time.monotonic()
        status, _, body = sparql(running, "ASK {}")
        assert (status, body) == (503, b"Error: all 2 connections this server keeps are in the middle of a request; "
                                       b"try again later\n")
        assert time.monotonic() - started < 1
        answers = [connection.getresponse() for connection in busy]
        assert [(a.status, a.read()) for a in answers] == [
            (503, b"Error: the query ran past its limit of 2 s and was stopped; narrow the query\n")] * 2
        for connection in busy:
            connection.close()
        assert sparql(running, "ASK {}")[::2] == (200, b'{"head":{},"boolean":true}')
        running.stop()
    # Refused before its request was read: the access log has "-" for it.
    assert re.search(r' 127\.0\.0\.1 "-" 503 91 \d+\.\dms\n', running.stderr.splitlines(keepends=True)[0])


def test_data_that_does_not_conform_is_said_once_at_start(tmp_path, nonconforming):
    broken, expected = nonconforming
    with serving("--data", str(broken), cwd=tmp_path) as running:
        assert sparql(running, "ASK { ?s ?p ?o }")[0] == 200
        running.stop()
    assert running.stderr.splitlines()[0] + "\n" == expected
    assert running.stderr.count("Warning:") == 1


def test_sigterm_stops_it_too(tmp_path):
    with serving(cwd=tmp_path) as running:
        workers = children(running.process.pid)
        running.stop(signal.SIGTERM)
    assert (running.returncode, running.stderr) == (0, "takedown-kg: stopped\n")
    assert all(not _alive(pid) for pid in workers)


def test_any_other_host_prints_a_warning(tmp_path):
    with serving("--host", "0.0.0.0", cwd=tmp_path) as running:
        running.stop()
    assert running.stderr.splitlines()[0] == ("Warning: listening on 0.0.0.0, not only on this machine: anyone who can "
                                              "reach it can query the graph (read-only, no authentication)")
    assert running.banner[1].startswith("  query page  http://0.0.0.0:")


def test_the_readme_shows_real_sessions(tmp_path):
    import shlex
    import shutil
    import subprocess

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Serving and pushing", 1)[1].split("\n## ", 1)[0]
    shown_banner = section.split("$ takedown-kg serve\n", 1)[1].split("```", 1)[0]
    curls = [line.split("  #")[0].strip() for line in section.split("With curl:", 1)[1].split("```sh\n", 1)[1]
             .split("```", 1)[0].splitlines()]
    refusal = section.split("$ curl -d 'update=DROP ALL' http://127.0.0.1:6854/sparql\n", 1)[1].split("```", 1)[0]
    assert run_cli("build", "--out", "out", cwd=tmp_path).returncode == 0
    with serving(cwd=tmp_path) as running:
        assert "".join(running.banner).replace(running.url, "http://127.0.0.1:6854/") == shown_banner
        body = fetch(running.url + "sparql", data=b"update=DROP ALL",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})[2]
        assert body.decode("utf-8") == refusal
        need(shutil.which("curl") is not None, "curl is not installed (apt-get install curl)")
        for line in curls:
            command = shlex.split(line.replace("http://127.0.0.1:6854/", running.url))
            result = subprocess.run([*command, "--fail", "--silent", "--show-error"], cwd=tmp_path, capture_output=True,
                                    timeout=60)
            assert (result.returncode, result.stderr) == (0, b""), line
            assert result.stdout or (tmp_path / "out" / "served.trig").stat().st_size > 1000, line


def _ended(sock: socket.socket) -> bool:
    """Whether the server closed this connection (it is readable and reads nothing)."""
    import select

    return bool(select.select([sock], [], [], 0)[0]) and sock.recv(1) == b""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_long_pipeline_is_answered_in_order_and_the_server_stays_up(tmp_path):
    """Four hundred requests in one write: each answered, in order (taken one per turn of the
    server's loop, never by recursion: six calls a request would pass Python's limit of a thousand
    at about 160), and the server answers others after. (Four hundred, not more: the test reads
    the server's access log only at the end, and a full pipe would stop the server's writes.)"""
    with serving(cwd=tmp_path) as running:
        host = urlsplit(running.url)
        with socket.create_connection((host.hostname, host.port), timeout=30) as sock:
            sock.sendall(b"".join(f"GET /a/{n} HTTP/1.1\r\nHost: {host.netloc}\r\n\r\n".encode() for n in range(400)))
            received = b""
            while received.count(b"HTTP/1.1 404 Not Found\r\n") < 400 or not received.endswith(b"\n"):
                chunk = sock.recv(1 << 16)
                assert chunk, "the server closed the connection"
                received += chunk
        assert re.findall(rb"Error: nothing at (/a/\d+);", received) == [f"/a/{n}".encode() for n in range(400)]
        assert sparql(running, "ASK {}")[::2] == (200, b'{"head":{},"boolean":true}')


def test_a_thousand_requests_on_one_server_each_get_a_log_line(tmp_path):
    # Over the 64 KiB a pipe holds: the harness reads the log as it comes, and so must any supervisor.
    with serving(cwd=tmp_path) as running:
        statuses = [sparql(running, "ASK { ?s ?p ?o }")[0] for _ in range(1000)]
        running.stop()
    assert statuses == [200] * 1000
    logged = [line for line in running.stderr.splitlines() if '"GET /sparql?query=' in line]
    assert len(logged) == 1000 and all(" 200 " in line for line in logged)


PLANTED_BUGS = """
from takedown_kg.serve import http

def planted(self, *args):
    raise RuntimeError("planted")

http.Server.page = planted      # made on the files lane
http.Server._sparql = planted   # run by the loop's handler
"""


@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_of_the_server_is_one_line_in_the_log_and_its_traceback_only_with_debug(tmp_path, debug):
    with serving(*(["--debug"] if debug else []), cwd=tmp_path, planted=PLANTED_BUGS) as running:
        assert fetch(running.url)[::2] == (500, b"Error: the server failed: RuntimeError\n")
        assert sparql(running, "ASK {}")[::2] == (500, b"Error: the server failed: RuntimeError\n")
        assert fetch(running.url + "graph.ttl")[0] == 200  # the lane and the loop go on
        running.stop()
    said = [line for line in running.stderr.splitlines() if line.startswith("takedown-kg: a bug")]
    assert said == ["takedown-kg: a bug in the files lane: RuntimeError: planted",
                    "takedown-kg: a bug in a request's handler: RuntimeError: planted"]
    tracebacks = running.stderr.count("Traceback (most recent call last):")
    assert tracebacks == (2 if debug else 0), running.stderr
    assert running.stderr.count("RuntimeError: planted\n") == (4 if debug else 2)


def with_host(url: str, host: str | None, path: str = "sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
              *, version: str = "HTTP/1.1") -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET sent with this Host header (None: none at all), over a raw socket."""
    parts = urlsplit(url)
    target = path if "://" in path else "/" + path
    named = f"Host: {host}\r\n" if host is not None else ""
    head = f"GET {target} {version}\r\n{named}Connection: close\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        received = b""
        while chunk := sock.recv(1 << 16):
            received += chunk
    status_line, *lines = received.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, received.split(b"\r\n\r\n", 1)[1]


def test_a_page_from_a_rebound_name_reads_nothing(server):
    """DNS rebinding: a page of rebound.example whose name then maps to 127.0.0.1 asks this server
    as the page's own origin; its Host says the page's name, and serve answers no name but its own."""
    port = urlsplit(server.url).port
    for host in (f"rebound.example:{port}", "rebound.example", f"127.0.0.1.nip.io:{port}", f"localhost.:{port}",
                 f"127.0.0.1:{port + 1}", f"[::1]:{port}", f"0.0.0.0:{port}", ""):
        status, headers, body = with_host(server.url, host)
        assert (status, body) == (421, f"Error: this server does not answer to Host {host!r}; to add a name, start "
                                       "it with --allow-host NAME\n".encode()), host
        assert headers["connection"] == "close"
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}"):
        status, headers, body = with_host(server.url, host)
        assert status == 200 and b'"bindings":[{' in body, host
    # An absolute-form target names the server in place of Host (RFC 9112 3.2.2): it is checked the same way.
    assert with_host(server.url, f"127.0.0.1:{port}", f"http://rebound.example:{port}/sparql?query=ASK%7B%7D")[0] == 421
    # HTTP/1.0 may leave Host out (a browser never does); HTTP/1.1 may not (RFC 9112 3.2).
    assert with_host(server.url, None, version="HTTP/1.0")[0] == 200
    assert with_host(server.url, None)[::2] == (400, b"Error: an HTTP/1.1 request needs a Host header\n")


def test_no_cross_origin_header_is_sent(server):
    """serve sends no Access-Control-* header: another origin's page may send a query, never read its answer."""
    port = urlsplit(server.url).port
    status, headers, _ = with_host(server.url, f"127.0.0.1:{port}")
    request = urllib.request.Request(server.url + "sparql?query=ASK%7B%7D", headers={"Origin": "http://other.example"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answered = {name.lower() for name in response.headers}
    assert status == 200 and not [name for name in [*headers, *answered] if name.startswith("access-control-")]


def test_allow_host_adds_names(tmp_path):
    with serving("--allow-host", "kg.example.org", "--allow-host", "[fe80::1]:8443", "--allow-host", "10.0.0.7:80",
                 cwd=tmp_path) as running:
        port = urlsplit(running.url).port
        answered = {host: with_host(running.url, host)[0] for host in (
            "kg.example.org", f"kg.example.org:{port}", "KG.example.org", "[fe80::1]:8443", "10.0.0.7:80",
            f"127.0.0.1:{port}", f"kg.example.org:{port + 1}", "other.example.org", "[fe80::1]", "10.0.0.7")}
    assert answered == {"kg.example.org": 200, f"kg.example.org:{port}": 200, "KG.example.org": 200,
                        "[fe80::1]:8443": 200, "10.0.0.7:80": 200, f"127.0.0.1:{port}": 200,
                        f"kg.example.org:{port + 1}": 421, "other.example.org": 421, "[fe80::1]": 421, "10.0.0.7": 421}


@pytest.mark.parametrize("name", ["kg example", "kg.example.org/path", "user@kg.example.org", "kg.example.org:0",
                                  "kg.example.org:http", "[fe80::1", ""])
def test_a_malformed_allow_host_is_one_line(name):
    result = run_cli("serve", "--port", "0", "--allow-host", name)
    assert (result.returncode, result.stderr) == (2, f"Error: --allow-host {name!r}: give a host name or an address, "
                                                     "with :PORT or without (kg.example.org, 10.0.0.7:8080, [::1])\n")


@pytest.mark.parametrize(("bound", "given", "values"), [
    (("127.0.0.1", 6854), "127.0.0.1", {"127.0.0.1:6854", "localhost:6854"}),
    (("::1", 6854), "::1", {"[::1]:6854", "localhost:6854"}),
    (("127.0.0.1", 6854), "localhost", {"127.0.0.1:6854", "localhost:6854"}),
    (("127.0.0.2", 6854), "127.0.0.2", {"127.0.0.2:6854"}),
    (("0.0.0.0", 6854), "0.0.0.0", {"0.0.0.0:6854", "127.0.0.1:6854", "localhost:6854"}),
    (("::", 6854), "::", {"[::]:6854", "[::1]:6854", "127.0.0.1:6854", "localhost:6854"}),
    (("127.0.0.1", 80), "127.0.0.1", {"127.0.0.1:80", "localhost:80", "127.0.0.1", "localhost"}),
])
def test_the_host_values_that_name_the_address_serve_listens_on(bound, given, values):
    from takedown_kg.serve.http import host_values

    assert host_values(bound, given, []) == values


def _asked(running, count: int, *, seconds: float) -> list[int]:
    """Statuses of `count` quick queries on one kept-alive connection, each within 5 s, all within `seconds`."""
    parts = urlsplit(running.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    deadline, statuses = time.monotonic() + seconds, []
    try:
        for _ in range(count):
            connection.request("GET", "/sparql?query=ASK%7B%7D")
            answer = connection.getresponse()
            answer.read()
            statuses.append(answer.status)
            assert time.monotonic() < deadline, f"{len(statuses)} answers in {seconds} s"
    finally:
        connection.close()
    return statuses


def test_an_unread_stderr_stalls_nothing_and_ctrl_c_still_stops_serve(tmp_path):
    """Its access log once froze serve: after some 700 requests with stderr unread, every
    connection hung, and Ctrl-C did nothing."""
    with serving(cwd=tmp_path, read_stderr=False) as running:
        assert _asked(running, 2000, seconds=120) == [200] * 2000
        started = time.monotonic()
        running.process.send_signal(signal.SIGINT)
        running.process.wait(timeout=1)
        assert time.monotonic() - started < 1
        running.stop()
    assert running.returncode == 0


def test_the_lines_dropped_while_stderr_was_unread_are_counted_when_it_is_read_again(tmp_path):
    with serving(cwd=tmp_path, read_stderr=False) as running:
        asked = len(_asked(running, 2000, seconds=120))
        running.read_stderr()
        deadline = time.monotonic() + 10
        while not any(b"log lines dropped" in line for line in running.lines) and time.monotonic() < deadline:
            asked += len(_asked(running, 1, seconds=5))
            time.sleep(0.05)
        asked += len(_asked(running, 1, seconds=5))
        time.sleep(0.2)
        running.stop()
    lines = running.stderr.splitlines()
    [notice] = [line for line in lines if "log lines dropped" in line]
    assert re.fullmatch(r"takedown-kg: \d+ log lines dropped \(standard error was not read\)", notice)
    logged = [line for line in lines if '"GET /sparql?query=ASK%7B%7D HTTP/1.1" 200' in line]
    assert len(logged) + int(notice.split()[1]) == asked
    assert lines.index(notice) < len(lines) - 2 and lines[-1] == "takedown-kg: stopped"


@pytest.mark.parametrize("kind", ["pipe", "socket"])
def test_the_log_never_waits_on_a_full_stream_and_counts_what_it_drops(kind):
    from takedown_kg.serve.loop import Log

    if kind == "pipe":
        reader, writer = os.pipe()
        read = lambda: os.read(reader, 1 << 20)  # noqa: E731
    else:
        reading, writing = socket.socketpair()
        reader, writer = reading.fileno(), writing.fileno()
        read = lambda: reading.recv(1 << 20)  # noqa: E731
    try:
        log = Log(writer)
        started = time.monotonic()
        for n in range(5000):
            log.line(f"line {n:04} " + "x" * 90)
        assert time.monotonic() - started < 1  # the stream is full after some hundreds: the rest waits or is dropped
        assert os.get_blocking(writer)  # the stream as others hold it is left as it was
        received = b""
        while not received.endswith(b"(standard error was not read)\n"):
            log.tick(time.monotonic())
            received += read()
        log.line("after")
        log.close(seconds=1)
        received += read()
    finally:
        if kind == "pipe":
            os.close(reader)
            os.close(writer)
        else:
            reading.close()
            writing.close()
    *written, notice, after = received.decode().splitlines()
    assert written == [f"line {n:04} " + "x" * 90 for n in range(len(written))]
    assert notice == f"takedown-kg: {5000 - len(written)} log lines dropped (standard error was not read)"
    assert after == "after" and 500 < len(written) < 5000
