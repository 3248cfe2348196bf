"""`takedown-kg push`: every graph PUT to a real Oxigraph server and read back;
credentials from the environment, never shown; one line per failure."""

from __future__ import annotations

import base64
import http.server
import json
import re
import threading
import urllib.request
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import pytest

from conftest import run_cli
from servers import oxigraph_server, virtuoso_server
from takedown_kg.sparql.library import named_queries
from takedown_kg.vocab import DATA_BASE

TKD = DATA_BASE
GRAPHS = [f"{TKD}{slug}/graph" for slug in
          ("ap", "curation", "dailytimes", "pakistantoday", "pakobserver", "pni", "profit", "thenews", "tribune", "wikidata")]
GRAPHS.append("https://w3id.org/takedown-kg/ontology")
SECRET_TOKEN = "tok-3f9c1d2e-never-shown"
SECRET_PASSWORD = "pw-8b7a6c5d-never-shown"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A folder with a build, so push and query read out/graph.nq (a second, not six)."""
    folder = tmp_path_factory.mktemp("push")
    assert run_cli("build", "--out", "out", cwd=folder).returncode == 0
    return folder


@pytest.fixture(scope="module")
def expected(built):
    """The build's quads, by graph ("" for the default graph), as N-Triples lines."""
    import pyoxigraph

    by_graph: dict[str, set[str]] = {}
    for quad in pyoxigraph.parse(path=str(built / "out" / "graph.nq"), format=pyoxigraph.RdfFormat.N_QUADS):
        name = "" if isinstance(quad.graph_name, pyoxigraph.DefaultGraph) else quad.graph_name.value
        by_graph.setdefault(name, set()).add(str(quad.triple))
    return by_graph


@pytest.fixture(scope="module")
def store(tmp_path_factory, built):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        first = run_cli("push", f"{url}/store", cwd=built)
        yield url, first


def read_back(url: str, graph: str | None) -> set[str]:
    import pyoxigraph

    address = f"{url}/store?default" if graph is None else f"{url}/store?graph={quote(graph, safe='')}"
    request = urllib.request.Request(address, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return {str(t) for t in pyoxigraph.parse(response.read(), format=pyoxigraph.RdfFormat.N_TRIPLES)}


def count_quads(url: str) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    with urllib.request.urlopen(f"{url}/query?{urlencode({'query': query})}", timeout=60) as response:
        return int(json.loads(response.read())["results"]["bindings"][0]["n"]["value"])


def test_push_writes_each_graph_and_says_so(store, expected):
    url, first = store
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    lines = first.stdout.splitlines()
    assert len(lines) == 13
    for line, graph in zip(lines, [*GRAPHS, "default graph"]):
        shown = graph if graph == "default graph" else f"<{graph}>"
        assert re.fullmatch(rf"put {re.escape(shown)} +{len(expected['' if graph == 'default graph' else graph])} "
                            r"triples  HTTP 20[14]", line), line
    assert lines[-1] == f"12 graphs, 2,160 triples, to {url}/store: done"


@pytest.mark.parametrize("graph", [*GRAPHS, None])
def test_every_graph_reads_back_the_same(store, expected, graph):
    url, _ = store
    assert read_back(url, graph) == expected["" if graph is None else graph]


def test_pushing_twice_replaces_instead_of_duplicating(store, built, expected):
    url, _ = store
    named = sum(len(triples) for name, triples in expected.items() if name)
    assert count_quads(url) == named == 2130
    again = run_cli("push", f"{url}/store", cwd=built)
    assert again.returncode == 0, again.stderr
    assert count_quads(url) == 2130
    assert read_back(url, None) == expected[""]


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_queries_on_the_store_answer_as_query_does(store, built, name):
    url, _ = store
    text = named_queries()[name].text  # as shipped, its PREFIX lines included
    request = urllib.request.Request(f"{url}/query", data=urlencode({"query": text}).encode(),
                                     headers={"Accept": "application/sparql-results+json",
                                              "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=60) as response:
        theirs = json.loads(response.read())
    ours = json.loads(run_cli("query", name, "--format", "json", cwd=built).stdout)
    assert theirs["head"]["vars"] == ours["head"]["vars"]
    rows = lambda answer: answer["results"]["bindings"]  # noqa: E731
    if "ORDER BY" in named_queries()[name].text:
        assert rows(theirs) == rows(ours)
    else:
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(rows(theirs), key=key) == sorted(rows(ours), key=key)
    assert rows(ours), f"{name} answers no row: the comparison would prove nothing"


VIRTUOSO_DEFAULT = "urn:x-takedown-kg:default"
DIGEST = {"TAKEDOWN_KG_STORE_USER": "dba", "TAKEDOWN_KG_STORE_PASSWORD": "dba", "TAKEDOWN_KG_STORE_AUTH": "digest"}


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, built):
    """Virtuoso, pushed to once over its authenticated endpoint (HTTP Digest); it has no unnamed
    default graph, so the default graph's triples go to a named graph of their own."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as url:
        first = run_cli("push", f"{url}/sparql-graph-crud-auth", "--default-graph", VIRTUOSO_DEFAULT, cwd=built, env=DIGEST)
        yield url, first


def virtuoso_graph(url: str, graph: str) -> set[str]:
    import pyoxigraph

    request = urllib.request.Request(f"{url}/sparql-graph-crud?graph={quote(graph, safe='')}",
                                     headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return {str(t) for t in pyoxigraph.parse(response.read(), format=pyoxigraph.RdfFormat.N_TRIPLES)}


def virtuoso_count(url: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g IN ({', '.join(f'<{g}>' for g in [*GRAPHS, VIRTUOSO_DEFAULT])})) }}"
    request = urllib.request.Request(f"{url}/sparql?{urlencode({'query': query})}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(json.loads(response.read())["results"]["bindings"][0]["n"]["value"])


def test_virtuoso_takes_every_graph_with_digest_authentication(virtuoso, built, expected):
    url, first = virtuoso
    assert (first.returncode, first.stderr) == (0, "")
    lines = first.stdout.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == [f"<{g}>" for g in [*GRAPHS, VIRTUOSO_DEFAULT]]
    assert all(line.endswith("HTTP 201") for line in lines[:-1]), lines
    assert lines[-1] == f"12 graphs, 2,160 triples, to {url}/sparql-graph-crud-auth: done"
    for graph in GRAPHS:
        assert virtuoso_graph(url, graph) == expected[graph], graph
    assert virtuoso_graph(url, VIRTUOSO_DEFAULT) == expected[""]
    # A second push replaces: the same quads, not twice as many.
    assert virtuoso_count(url) == 2160
    again = run_cli("push", f"{url}/sparql-graph-crud-auth", "--default-graph", VIRTUOSO_DEFAULT, cwd=built, env=DIGEST)
    assert again.returncode == 0, again.stderr
    assert virtuoso_count(url) == 2160


def test_virtuoso_refuses_a_wrong_password_in_one_line(virtuoso, built):
    url, _ = virtuoso
    wrong = {**DIGEST, "TAKEDOWN_KG_STORE_PASSWORD": SECRET_PASSWORD}
    result = run_cli("push", f"{url}/sparql-graph-crud-auth", "--default-graph", VIRTUOSO_DEFAULT, cwd=built, env=wrong)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"Error: graph <{GRAPHS[0]}>: {url}/sparql-graph-crud-auth answered HTTP 401 ")
    assert result.stderr.endswith("(check TAKEDOWN_KG_STORE_TOKEN, or TAKEDOWN_KG_STORE_USER and TAKEDOWN_KG_STORE_PASSWORD); "
                                  "no graph was written before it\n")
    assert SECRET_PASSWORD not in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(("challenge", "message"), [
    ('Bearer realm="store"', "asks for an authentication other than Digest or Basic; no graph was written before it"),
    ('Basic realm="store"', "answered HTTP 401 Unauthorized: no such luck (check TAKEDOWN_KG_STORE_TOKEN, or "
                            "TAKEDOWN_KG_STORE_USER and TAKEDOWN_KG_STORE_PASSWORD); no graph was written before it"),
])
def test_digest_credentials_meet_another_challenge_in_one_line(built, challenge, message):
    with fake_store(401, challenge=challenge) as (url, seen):
        result = run_cli("push", url, cwd=built, env={**DIGEST, "TAKEDOWN_KG_STORE_PASSWORD": SECRET_PASSWORD})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"Error: graph <{GRAPHS[0]}>: {url} {message}\n"
    # Digest sends nothing before the store's challenge, and never the password.
    assert seen == [("PUT", f"/store?graph={quote(GRAPHS[0], safe='')}", None)]


def test_without_a_default_graph_name_virtuoso_says_why_in_one_line(virtuoso, built):
    url, _ = virtuoso
    result = run_cli("push", f"{url}/sparql-graph-crud-auth", cwd=built, env=DIGEST)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: graph default graph: {url}/sparql-graph-crud-auth answered HTTP 500 ")
    assert result.stderr.endswith(" (a store without an unnamed default graph takes it as a named graph: --default-graph IRI); "
                                  f"written before it: {', '.join(f'<{g}>' for g in GRAPHS)}\n")


class _Store(http.server.BaseHTTPRequestHandler):
    """A store that records each request (method, path, Authorization) and answers from a list of statuses."""

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        status = self.server.statuses.pop(0) if self.server.statuses else 204
        body = b"" if status < 400 else b"no such luck\n"
        self.send_response(status)
        if status == 401 and self.server.challenge:
            self.send_header("WWW-Authenticate", self.server.challenge)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT

    def log_message(self, *args):
        pass


@contextmanager
def fake_store(*statuses: int, challenge: str | None = None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    server.seen, server.statuses, server.challenge = [], list(statuses), challenge
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/store", server.seen
    finally:
        server.shutdown()
        server.server_close()


def test_dry_run_sends_nothing(built):
    with fake_store() as (url, seen):
        result = run_cli("push", url, "--dry-run", cwd=built)
    assert (result.returncode, result.stderr, seen) == (0, "", [])
    lines = result.stdout.splitlines()
    assert lines[0] == f"would put <{GRAPHS[0]}>                41 triples"
    assert lines[-2] == "would put default graph                                             30 triples"
    assert lines[-1] == f"12 graphs, 2,160 triples, to {url}: nothing sent (--dry-run)"


def test_data_that_does_not_conform_is_said_before_it_is_pushed(tmp_path, nonconforming):
    broken, expected = nonconforming
    with fake_store(201, 201, 201) as (url, seen):
        result = run_cli("push", url, "--data", str(broken), cwd=tmp_path)
    assert (result.returncode, result.stderr, len(seen)) == (0, expected, 3)
    assert result.stdout.splitlines()[-1].startswith("3 graphs, ")


@pytest.mark.parametrize(("environment", "header"), [
    ({"TAKEDOWN_KG_STORE_TOKEN": SECRET_TOKEN}, f"Bearer {SECRET_TOKEN}"),
    ({"TAKEDOWN_KG_STORE_USER": "loader", "TAKEDOWN_KG_STORE_PASSWORD": SECRET_PASSWORD},
     "Basic " + base64.b64encode(f"loader:{SECRET_PASSWORD}".encode()).decode()),
])
@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_credentials_reach_the_store_and_nothing_else(built, environment, header, debug):
    with fake_store(401) as (url, seen):
        result = run_cli(*debug, "push", url, cwd=built, env=environment)
    assert seen == [("PUT", f"/store?graph={quote(GRAPHS[0], safe='')}", header)]
    # --debug shows the traceback (Python's exit code 1): the secrets are not in it either.
    assert result.returncode == (1 if debug else 2)
    assert result.stdout == ""
    if debug:
        assert "takedown_kg.errors.PushFailed: graph <" in result.stderr
    else:
        assert result.stderr == (f"Error: graph <{GRAPHS[0]}>: {url} answered HTTP 401 Unauthorized: no such luck "
                                 "(check TAKEDOWN_KG_STORE_TOKEN, or TAKEDOWN_KG_STORE_USER and "
                                 "TAKEDOWN_KG_STORE_PASSWORD); no graph was written before it\n")
    for secret in (SECRET_TOKEN, SECRET_PASSWORD, header.split()[1]):
        assert secret not in result.stdout + result.stderr


def test_a_refusal_midway_names_the_graph_the_status_and_what_was_written(built):
    with fake_store(201, 204, 500) as (url, seen):
        result = run_cli("push", url, cwd=built)
    assert len(seen) == 3
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"put <{GRAPHS[0]}>                41 triples  HTTP 201",
        f"put <{GRAPHS[1]}>         118 triples  HTTP 204",
    ]
    assert result.stderr == (f"Error: graph <{GRAPHS[2]}>: {url} answered HTTP 500 Internal Server Error: no such luck; "
                             f"written before it: <{GRAPHS[0]}>, <{GRAPHS[1]}>\n")


def test_an_unreachable_store_is_one_line(built):
    from servers import free_port

    url = f"http://127.0.0.1:{free_port()}/store"
    result = run_cli("push", url, cwd=built)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"Error: graph <{GRAPHS[0]}>: cannot reach {url} (Connection refused); "
                             "no graph was written before it\n")


@pytest.mark.parametrize(("arguments", "environment", "message"), [
    (["http://loader:hunter2@127.0.0.1:1/store"], {},
     "the URL holds a user or password; give them in TAKEDOWN_KG_STORE_USER and TAKEDOWN_KG_STORE_PASSWORD instead"),
    (["ftp://127.0.0.1/store"], {},
     "'ftp://127.0.0.1/store' is not an http:// or https:// URL of a Graph Store Protocol endpoint "
     "(Oxigraph: http://HOST:7878/store)"),
    (["http://127.0.0.1:1/store"], {"TAKEDOWN_KG_STORE_USER": "loader"},
     "TAKEDOWN_KG_STORE_USER and TAKEDOWN_KG_STORE_PASSWORD go together: set TAKEDOWN_KG_STORE_PASSWORD too"),
    (["http://127.0.0.1:1/store"], {"TAKEDOWN_KG_STORE_TOKEN": "t", "TAKEDOWN_KG_STORE_PASSWORD": "hunter2"},
     "set either TAKEDOWN_KG_STORE_TOKEN or TAKEDOWN_KG_STORE_USER and TAKEDOWN_KG_STORE_PASSWORD, not both"),
    (["http://127.0.0.1:1/store"], {"TAKEDOWN_KG_STORE_AUTH": "ntlm"},
     "TAKEDOWN_KG_STORE_AUTH=ntlm: give basic (the default) or digest"),
    (["http://127.0.0.1:1/store"], {"TAKEDOWN_KG_STORE_AUTH": "digest", "TAKEDOWN_KG_STORE_TOKEN": "hunter2"},
     "TAKEDOWN_KG_STORE_AUTH=digest takes TAKEDOWN_KG_STORE_USER and TAKEDOWN_KG_STORE_PASSWORD, not TAKEDOWN_KG_STORE_TOKEN"),
    (["http://127.0.0.1:1/store", "--default-graph", "https://w3id.org/takedown-kg/id/pni/graph"], {},
     "--default-graph <https://w3id.org/takedown-kg/id/pni/graph> is the name of a graph that is pushed too; choose another"),
    (["http://127.0.0.1:1/store", "--default-graph", "default"], {},
     "--default-graph 'default': give an absolute IRI, for example urn:x-takedown-kg:default"),
])
def test_wrong_urls_and_credentials_are_refused_before_anything_is_sent(built, arguments, environment, message):
    result = run_cli("push", *arguments, cwd=built, env=environment)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")
    assert "hunter2" not in result.stderr
