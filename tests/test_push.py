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

from conftest import ROOT, run_cli
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
    assert lines[-1] == f"2,158 triples (2,160 statements in 12 graphs) to {url}/store: done"


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
    assert lines[-1] == f"2,158 triples (2,160 statements in 12 graphs) to {url}/sparql-graph-crud-auth: done"
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
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
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
                                  f"written before it: {', '.join(f'<{g}>' for g in GRAPHS)}; resume with --resume-from default\n")


class _Store(http.server.BaseHTTPRequestHandler):
    """A store that records each request (method, path, Authorization) and answers from a list of
    statuses, or as `answer(handler)` writes it (a hostile store)."""

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        self.server.bodies.append(body)
        if self.server.answer:
            self.server.answer(self)
            return
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
def fake_store(*statuses: int, challenge: str | None = None, answer=None, bodies: list[bytes] | None = None):
    """A store on a free loopback port until the block ends; yields its URL and the requests it saw.
    `answer`, when given, writes every answer; it stops early once `handler.server.stopped` is set.
    `bodies`, when given, gets the body of each request."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    server.seen, server.statuses, server.challenge, server.answer = [], list(statuses), challenge, answer
    server.bodies = bodies if bodies is not None else []
    server.stopped = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/store", server.seen
    finally:
        server.stopped.set()
        server.shutdown()
        server.server_close()


def test_dry_run_sends_nothing(built):
    with fake_store() as (url, seen):
        result = run_cli("push", url, "--dry-run", cwd=built)
    assert (result.returncode, result.stderr, seen) == (0, "", [])
    lines = result.stdout.splitlines()
    assert lines[0] == f"would put <{GRAPHS[0]}>                41 triples"
    assert lines[-2] == "would put default graph                                             30 triples"
    assert lines[-1] == f"2,158 triples (2,160 statements in 12 graphs) to {url}: nothing sent (--dry-run)"


def test_data_that_does_not_conform_is_said_before_it_is_pushed(tmp_path, nonconforming):
    broken, expected = nonconforming
    with fake_store(201, 201, 201) as (url, seen):
        result = run_cli("push", url, "--data", str(broken), cwd=tmp_path)
    assert (result.returncode, result.stderr, len(seen)) == (0, expected, 3)
    assert result.stdout.splitlines()[-1] == f"1,264 triples in 3 graphs to {url}: done"


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


def test_a_refusal_at_graph_3_names_the_status_what_was_written_and_how_to_resume(built):
    with fake_store(201, 204, 500) as (url, seen):
        result = run_cli("push", url, cwd=built)
    assert len(seen) == 3
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"put <{GRAPHS[0]}>                41 triples  HTTP 201",
        f"put <{GRAPHS[1]}>         118 triples  HTTP 204",
    ]
    assert result.stderr == (f"Error: graph <{GRAPHS[2]}>: {url} answered HTTP 500 Internal Server Error: no such luck; "
                             f"written before it: <{GRAPHS[0]}>, <{GRAPHS[1]}>; resume with --resume-from {GRAPHS[2]}\n")
    with fake_store() as (url, seen):
        resumed = run_cli("push", url, "--resume-from", GRAPHS[2], cwd=built)
    assert (resumed.returncode, resumed.stderr) == (0, "")
    # Graphs 1 and 2 are not sent again.
    assert [path for _, path, _ in seen] == [f"/store?graph={quote(g, safe='')}" for g in GRAPHS[2:]] + ["/store?default"]
    assert resumed.stdout.splitlines()[-1] == (f"2,001 triples in 10 graphs to {url}: done; "
                                               f"the graphs before <{GRAPHS[2]}> skipped (--resume-from)")


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


# What an attacker's run did to push, and hostile stores on loopback: each must end in one
# `Error:` line with exit code 2, never print a credential, and end when --timeout says.

@pytest.mark.parametrize(("arguments", "message"), [
    (["http://127.0.0.1:port/store"], "'http://127.0.0.1:port/store': the port is not a number from 1 to 65535"),
    (["http://127.0.0.1:99999/store"], "'http://127.0.0.1:99999/store': the port is not a number from 1 to 65535"),
    (["http://127.0.0.1:1/my store"], "the URL holds a space or a control character: percent-encode it (a space is %20)"),
    (["http://127.0.0.1:1/store\r\nX-Injected: 1"],
     "the URL holds a space or a control character: percent-encode it (a space is %20)"),
    (["http://127.0.0.1:1/st\u00f6re"], "the URL's path or query holds a character other than ASCII: percent-encode it"),
    (["http://[::1/store"], "'http://[::1/store' is not a URL: an IPv6 host is written in brackets, as http://[::1]:7878/store"),
    (["http://127.0.0.1:1/store", "--timeout", "inf"], "--timeout inf: give a number of seconds above 0 and at most 86400"),
    (["http://127.0.0.1:1/store", "--timeout", "nan"], "--timeout nan: give a number of seconds above 0 and at most 86400"),
    (["http://127.0.0.1:1/store", "--timeout", "0"], "--timeout 0.0: give a number of seconds above 0 and at most 86400"),
    (["http://127.0.0.1:1/store", "--timeout", "-1"], "--timeout -1.0: give a number of seconds above 0 and at most 86400"),
], ids=["port not a number", "port too large", "space", "CR LF", "not ASCII", "IPv6 unclosed",
        "timeout inf", "timeout nan", "timeout 0", "timeout -1"])
def test_a_url_or_timeout_that_cannot_be_used_is_one_line(built, arguments, message):
    result = run_cli("push", *arguments, cwd=built)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")


FIRST = f"<{GRAPHS[0]}>"
NOTHING_BEFORE = "no graph was written before it"


def raw_answer(data: bytes):
    """A store that answers with these bytes, whatever they are, and closes."""

    def answer(handler):
        try:
            handler.wfile.write(data)
        except OSError:  # push hung up before the end (a line too long): what it should do
            pass

    return answer


@pytest.mark.parametrize(("answer", "what"), [
    (b"SPDY/9 banana\r\n\r\n", "answered with a status line that is not HTTP"),
    (b"HTTP/1.0 2O1 Created\r\n\r\n", "answered with a status line that is not HTTP"),
    (b"HTTP/1.0 201 " + b"x" * 70_000 + b"\r\n\r\n", "answered with a line longer than 65536 bytes"),
    (b"HTTP/1.0 201 Created\r\n" + b"X-Header: 1\r\n" * 101 + b"\r\n", "answered with more than 100 headers"),
    (b"HTTP/1.0 201 Created\r\nContent-Length: 100\r\n\r\nonly 10 b.", "sent a body shorter than it announced"),
    (b"", "closed the connection without an answer"),
], ids=["garbage status line", "status not a number", "long line", "101 headers", "short body", "nothing"])
def test_an_answer_that_is_not_http_is_one_line(built, answer, what):
    with fake_store(answer=raw_answer(answer)) as (url, seen):
        result = run_cli("push", url, cwd=built)
    assert len(seen) == 1
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"Error: graph {FIRST}: {url} {what} (is it a Graph Store Protocol endpoint?); "
                             f"{NOTHING_BEFORE}\n")


TRICKLED = {  # what is sent at once, then what is sent a byte a second (10 s)
    "headers": (b"HTTP/1.0 201 Created\r\n", b"X-S: 1\r\n\r\n"),
    "body": (b"HTTP/1.0 201 Created\r\nContent-Length: 10\r\n\r\n", b"x" * 10),
    "error body": (b"HTTP/1.0 500 Oops\r\nContent-Length: 10\r\n\r\n", b"x" * 10),
}


def trickling(where: str, arrivals: list[float]):
    """A store that sends its first answer a byte a second, so that no socket read ever waits
    long; it refuses the next requests at once (push without a bound then ends in 10 s)."""

    def answer(handler):
        import time

        if arrivals:
            raw_answer(b"HTTP/1.0 500 Enough\r\nContent-Length: 0\r\n\r\n")(handler)
            return
        arrivals.append(time.monotonic())
        at_once, slowly = TRICKLED[where]
        try:
            handler.wfile.write(at_once)
            for byte in slowly:
                if handler.server.stopped.wait(1):
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
        except OSError:  # push hung up: what it should do
            return

    return answer


@pytest.mark.parametrize("where", list(TRICKLED))
def test_timeout_bounds_the_whole_request_not_each_read(built, where):
    import time

    arrivals: list[float] = []
    with fake_store(answer=trickling(where, arrivals)) as (url, seen):
        result = run_cli("push", url, "--timeout", "2", cwd=built)
        ended = time.monotonic()
    assert len(arrivals) == len(seen) == 1
    assert ended - arrivals[0] < 2 + 1, f"push went on {ended - arrivals[0]:.1f} s after its request arrived"
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"Error: graph {FIRST}: {url} did not answer within 2 s (give it longer with --timeout); "
                             f"{NOTHING_BEFORE}\n")


class _OneGraph:
    """What push reads of a dataset, with one triple in one named graph."""

    def __init__(self):
        import pyoxigraph

        self.store = pyoxigraph.Store()
        self.store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("urn:x:s"), pyoxigraph.NamedNode("urn:x:p"),
                                       pyoxigraph.Literal("o"), pyoxigraph.NamedNode("urn:x:g")))

    def graphs(self) -> list[str]:
        return ["urn:x:g"]


def test_a_request_given_up_on_does_not_live_on():
    """The library's caller goes on after the timeout: the request's thread must end then too,
    not when the store stops sending."""
    import time

    from takedown_kg.errors import PushFailed
    from takedown_kg.push import push

    arrivals: list[float] = []
    with fake_store(answer=trickling("body", arrivals)) as (url, seen):
        with pytest.raises(PushFailed, match=r"did not answer within 1.5 s"):
            list(push(url, _OneGraph(), timeout=1.5))
        deadline = time.monotonic() + 1
        while any(t.name == "takedown-kg push" for t in threading.enumerate()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [t for t in threading.enumerate() if t.name == "takedown-kg push"]
    assert len(seen) == 1


BEARER = {"TAKEDOWN_KG_STORE_TOKEN": SECRET_TOKEN}
BASIC = {"TAKEDOWN_KG_STORE_USER": "loader", "TAKEDOWN_KG_STORE_PASSWORD": SECRET_PASSWORD}
DIGEST_LOADER = {**BASIC, "TAKEDOWN_KG_STORE_AUTH": "digest"}
DIGEST_CHALLENGE = 'Digest realm="store", nonce="0c5f9a2b", qop="auth"'


def _credential_first(sent: str) -> str:
    """The Authorization header with a Digest response moved to the front: what a store that
    wants it shown puts within the first 120 characters push shows of a reason or a body."""
    response = re.search(r'response="[^"]*", ', sent)
    return response.group() + sent.replace(response.group(), "") if response else sent


def echo_authorization(where: str):
    """A store that repeats the Authorization header it got in its reason phrase (whole, cut short
    or one sent earlier), its body or in place of its status line; it answers a request without
    one with a Digest challenge, and the first Digest answer too with a new one for "earlier"."""

    def answer(handler):
        sent = [auth for _, _, auth in handler.server.seen if auth]
        if not sent or (where == "earlier" and len(sent) == 1):
            handler.send_response(401)
            handler.send_header("WWW-Authenticate", DIGEST_CHALLENGE.replace("0c5f9a2b", f"0c5f9a2b{len(sent)}"))
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        echoed = f"you sent {_credential_first(sent[0] if where == 'earlier' else sent[-1])}"
        if where == "cut short":  # as a store that shows 30 characters of each header
            echoed = echoed[:len("you sent ") + 30]
        if where == "status line":
            handler.wfile.write(f"{echoed}\r\n\r\n".encode())
            return
        body = f"{echoed}\nand that was wrong\n".encode() if where == "body" else b"denied\n"
        handler.send_response(403, "Forbidden" if where == "body" else echoed)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def assert_no_piece_of(secrets: list[str], printed: str) -> None:
    """Not a secret, nor any 16 characters of one, is in `printed`."""
    for secret in secrets:
        for start in range(len(secret) - 15):
            assert secret[start:start + 16] not in printed, (secret, printed)


def _secrets_of(environment: dict, seen: list) -> list[str]:
    """What must never be printed: the token or the password, the Basic header's base64 of
    user:password, and each Digest response push sent."""
    found = [environment.get("TAKEDOWN_KG_STORE_TOKEN") or environment["TAKEDOWN_KG_STORE_PASSWORD"]]
    if "TAKEDOWN_KG_STORE_USER" in environment:
        found.append(base64.b64encode(f"loader:{SECRET_PASSWORD}".encode()).decode())
    found += [re.search(r'response="([^"]+)"', auth).group(1) for _, _, auth in seen if auth and "response=" in auth]
    return found


@pytest.mark.parametrize("where", ["reason", "body", "status line", "cut short"])
@pytest.mark.parametrize("environment", [BEARER, BASIC, DIGEST_LOADER], ids=["bearer", "basic", "digest"])
@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["", "debug"])
def test_a_store_echoing_the_credentials_never_gets_them_printed(built, where, environment, debug):
    with fake_store(answer=echo_authorization(where)) as (url, seen):
        result = run_cli(*debug, "push", url, cwd=built, env=environment)
    assert seen[-1][2] is not None, "the store got no credentials: the test would prove nothing"
    secrets = _secrets_of(environment, seen)
    if environment is DIGEST_LOADER:
        assert len(secrets) == 3, "no Digest response was sent: the test would prove nothing"
    assert_no_piece_of(secrets, result.stdout + result.stderr)
    assert result.stdout == ""
    if debug:  # the traceback (Python's exit code 1) holds no credential either
        assert result.returncode == 1 and "takedown_kg.errors.PushFailed: graph <" in result.stderr
        return
    assert result.returncode == 2
    if where == "status line":
        assert result.stderr == (f"Error: graph {FIRST}: {url} answered with a status line that is not HTTP "
                                 f"(is it a Graph Store Protocol endpoint?); {NOTHING_BEFORE}\n")
    else:  # what the store said is shown, the credentials in it hidden
        assert re.fullmatch(rf"Error: graph {re.escape(FIRST)}: {re.escape(url)} answered HTTP 403 .*\[redacted\].*"
                            rf"; {NOTHING_BEFORE}\n", result.stderr), result.stderr


def test_a_store_echoing_an_earlier_digest_answer_never_gets_it_printed(built):
    """urllib answers each new Digest challenge on the same request: every answer is hidden, not the last only."""
    with fake_store(answer=echo_authorization("earlier")) as (url, seen):
        result = run_cli("push", url, cwd=built, env=DIGEST_LOADER)
    assert [auth is not None for _, _, auth in seen] == [False, True, True]
    assert_no_piece_of(_secrets_of(DIGEST_LOADER, seen), result.stdout + result.stderr)
    assert (result.returncode, result.stdout) == (2, "")
    assert re.fullmatch(rf"Error: graph {re.escape(FIRST)}: {re.escape(url)} answered HTTP 403 you sent "
                        rf'response="\[redacted\]", .*; {NOTHING_BEFORE}\n', result.stderr), result.stderr


def test_a_dry_run_does_not_print_the_credentials_either(built):
    url = f"http://127.0.0.1:1/store?key={SECRET_TOKEN}"
    result = run_cli("push", url, "--dry-run", cwd=built, env=BEARER)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == ("2,158 triples (2,160 statements in 12 graphs) to "
                                              "http://127.0.0.1:1/store?key=[redacted]: nothing sent (--dry-run)")


def test_a_token_a_header_cannot_carry_is_refused_without_showing_it(built):
    result = run_cli("push", "http://127.0.0.1:1/store", cwd=built,
                     env={"TAKEDOWN_KG_STORE_TOKEN": "hunter2\r\nX-Injected: 1"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("Error: TAKEDOWN_KG_STORE_TOKEN holds a space, a control character or a character "
                             "other than ASCII, which a header cannot carry: give the token as the store issued it\n")


# A large graph goes in chunks (a PUT, then POSTs that append), and a push that fails is resumed
# from the graph it stopped at.

SMALL_CHUNK = 0.01  # MB: 10,485 bytes, so that pni's graph (107 kB) takes 11 requests
SMALL_LIMIT = int(SMALL_CHUNK * (1 << 20))
PNI = f"{TKD}pni/graph"


def by_graph(seen: list, bodies: list[bytes]) -> dict[str, list[tuple[str, bytes]]]:
    """Each graph's requests (method, body), in the order they came, by the graph's ?graph= or ?default."""
    found: dict[str, list[tuple[str, bytes]]] = {}
    for (method, path, _), body in zip(seen, bodies):
        found.setdefault(path.split("?", 1)[1], []).append((method, body))
    return found


@pytest.fixture(scope="module")
def whole(built):
    """What a push in one request per graph sends: each graph's N-Triples, by its ?graph= or ?default."""
    bodies: list[bytes] = []
    with fake_store(bodies=bodies) as (url, seen):
        assert run_cli("push", url, cwd=built).returncode == 0
    return {graph: requests[0][1] for graph, requests in by_graph(seen, bodies).items()}


def test_a_graph_over_the_chunk_size_goes_as_a_put_and_posts_of_whole_lines(built, whole):
    bodies: list[bytes] = []
    with fake_store(bodies=bodies) as (url, seen):
        result = run_cli("push", url, "--chunk-size", str(SMALL_CHUNK), cwd=built)
    assert (result.returncode, result.stderr) == (0, "")
    requests = by_graph(seen, bodies)
    assert list(requests) == list(whole)
    for graph, sent in requests.items():
        assert [method for method, _ in sent] == ["PUT"] + ["POST"] * (len(sent) - 1), graph
        assert b"".join(body for _, body in sent) == whole[graph], graph
        for number, (_, body) in enumerate(sent):
            assert body.endswith(b"\n") and len(body) <= SMALL_LIMIT, (graph, number)
            # As full as whole lines make it: the next line would not have fitted.
            if number + 1 < len(sent):
                assert len(body) + sent[number + 1][1].index(b"\n") + 1 > SMALL_LIMIT, (graph, number)
    assert len(requests[f"graph={quote(PNI, safe='')}"]) == 11 and len(seen) == 34
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"put <{re.escape(PNI)}> +690 triples in 11 chunks  HTTP 204", lines[5]), lines[5]
    assert lines[-1] == f"2,158 triples (2,160 statements in 12 graphs) to {url} in 34 requests: done"


def test_a_line_longer_than_a_chunk_goes_alone(built, whole):
    bodies: list[bytes] = []
    with fake_store(bodies=bodies) as (url, seen):
        result = run_cli("push", url, "--chunk-size", "0.001", "--resume-from", PNI, cwd=built)
    assert result.returncode == 0, result.stderr
    sent = [body for (_, path, _), body in zip(seen, bodies) if path.endswith(quote(PNI, safe=""))]
    assert b"".join(sent) == whole[f"graph={quote(PNI, safe='')}"]
    longest = max(whole[f"graph={quote(PNI, safe='')}"].splitlines(keepends=True), key=len)
    assert len(longest) == 3924 > 1048
    assert longest in sent  # a body of its own, whole
    assert all(len(body) <= 1048 for body in sent if body != longest)


def test_a_graph_whose_post_failed_is_resumed_from_its_put(built):
    # --chunk-size 0.05: pni's graph goes in 3 requests, the 6th, 7th and 8th; the 8th fails.
    with fake_store(*[201] * 6, 204, 503) as (url, seen):
        failed = run_cli("push", url, "--chunk-size", "0.05", cwd=built)
    assert [method for method, _, _ in seen] == ["PUT"] * 6 + ["POST", "POST"]
    assert failed.returncode == 2
    before = ", ".join(f"<{g}>" for g in GRAPHS[:5])
    assert failed.stderr == (f"Error: graph <{PNI}>, chunk 3 of 3: {url} answered HTTP 503 Service Unavailable: no such luck; "
                             f"the store holds part of it; written before it: {before}; "
                             f"resume with --resume-from {PNI} (which sends it again whole)\n")
    with fake_store() as (url, seen):
        resumed = run_cli("push", url, "--chunk-size", "0.05", "--resume-from", PNI, cwd=built)
    assert resumed.returncode == 0, resumed.stderr
    assert [(method, path) for method, path, _ in seen[:4]] == [
        ("PUT", f"/store?graph={quote(PNI, safe='')}"), ("POST", f"/store?graph={quote(PNI, safe='')}"),
        ("POST", f"/store?graph={quote(PNI, safe='')}"), ("PUT", f"/store?graph={quote(GRAPHS[6], safe='')}")]
    assert len(seen) == 3 + 6 + 1  # pni, the six graphs after it (ontology in 2), the default graph


def test_the_default_graph_is_resumed_from_by_the_word_default(built):
    with fake_store(*[201] * 11, 500) as (url, seen):
        failed = run_cli("push", url, cwd=built)
    assert failed.stderr.startswith(f"Error: graph default graph: {url} answered HTTP 500 ")
    assert failed.stderr.endswith("; resume with --resume-from default\n")
    with fake_store() as (url, seen):
        resumed = run_cli("push", url, "--resume-from", "default", cwd=built)
    assert resumed.returncode == 0 and [path for _, path, _ in seen] == ["/store?default"]


def test_a_store_that_finds_a_request_too_large_says_to_send_smaller_ones(built):
    with fake_store(413) as (url, seen):
        result = run_cli("push", url, cwd=built)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"Error: graph {FIRST}: {url} answered HTTP 413 Request Entity Too Large: no such luck "
                             f"(send smaller requests: --chunk-size MB); {NOTHING_BEFORE}\n")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--chunk-size", "0"], "--chunk-size 0.0: give a number of MB from 0.001 to 1024 (default 8)"),
    (["--chunk-size", "-8"], "--chunk-size -8.0: give a number of MB from 0.001 to 1024 (default 8)"),
    (["--chunk-size", "nan"], "--chunk-size nan: give a number of MB from 0.001 to 1024 (default 8)"),
    (["--chunk-size", "inf"], "--chunk-size inf: give a number of MB from 0.001 to 1024 (default 8)"),
    (["--chunk-size", "2048"], "--chunk-size 2048.0: give a number of MB from 0.001 to 1024 (default 8)"),
    (["--chunk-size", "8M"], "takedown-kg push: argument --chunk-size: invalid float value: '8M' "
                             "(see takedown-kg push --help)"),
    (["--resume-from", "pni"], "--resume-from 'pni' is not a graph push sends: give one an Error: line named, "
                               "or one --dry-run lists (default for the default graph)"),
    (["--resume-from", f"<{PNI}>"], f"--resume-from '<{PNI}>' is not a graph push sends: give one an Error: line named, "
                                    "or one --dry-run lists (default for the default graph)"),
], ids=["chunk 0", "chunk negative", "chunk nan", "chunk inf", "chunk too large", "chunk with a unit",
        "resume from a slug", "resume from an IRI in brackets"])
def test_a_chunk_size_or_resume_point_that_cannot_be_used_is_one_line(built, arguments, message):
    with fake_store() as (url, seen):
        result = run_cli("push", url, *arguments, cwd=built)
    assert (result.returncode, result.stdout, result.stderr, seen) == (2, "", f"Error: {message}\n", [])


def test_a_chunked_push_leaves_the_store_as_a_single_push_does(tmp_path, built, store, expected):
    single, _ = store
    with oxigraph_server(tmp_path) as url:
        result = run_cli("push", f"{url}/store", "--chunk-size", str(SMALL_CHUNK), cwd=built)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == f"2,158 triples (2,160 statements in 12 graphs) to {url}/store in 34 requests: done"
        for graph in [*GRAPHS, None]:
            assert read_back(url, graph) == read_back(single, graph) == expected["" if graph is None else graph], graph
        assert count_quads(url) == 2130


BLANK_NODES = ROOT / "tests" / "fixtures" / "push" / "blank-nodes.ttl"


def test_the_triples_of_a_blank_node_go_in_one_request(tmp_path):
    """A blank node's label means it within one request only: split over two, it would be two."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    with oxigraph_server(tmp_path / "store") as url:
        result = run_cli("push", f"{url}/store", "--data", str(BLANK_NODES), "--chunk-size", "0.001", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert re.search(r"^put default graph +92 triples in \d+ chunks  HTTP 20[14]$", result.stdout, re.M), result.stdout
        request = urllib.request.Request(f"{url}/store?default", headers={"Accept": "application/n-triples"})
        with urllib.request.urlopen(request, timeout=60) as response:
            back = Graph().parse(data=response.read(), format="nt")
    assert len(back) == 92
    assert isomorphic(back, Graph().parse(BLANK_NODES))


def test_the_lines_of_linked_blank_nodes_move_up_to_the_first_and_stay_in_one_chunk():
    from takedown_kg.push import with_blank_nodes_together

    lines = [b'<a> <p> _:x .\n', b'<b> <p> <c> .\n', b'_:x <q> _:y.1 .\n', b'<d> <p> "_:z" .\n', b'_:y.1 <r> "1" .\n',
             b'<e> <p> <f> .\n']
    body = b"".join(lines)
    # _:x and _:y.1 (a label may hold a dot) are linked by a line: their three lines go together, in
    # a chunk longer than the 32 bytes asked for, as one chunk cannot hold them.
    assert with_blank_nodes_together(body, 32) == (
        b"".join(lines[i] for i in (0, 2, 4, 1, 3, 5)), (46, 76, 90))
    # A graph that fits in one request is sent as it is.
    assert with_blank_nodes_together(body, 90) == (body, (90,))


def test_a_refusal_holding_text_is_said_as_bytes_are():
    # urllib's own refusals may carry a text body where a store's carry bytes: both are read alike.
    import io
    import urllib.error

    from takedown_kg.push import _start_of

    for body in (io.StringIO("digest auth failed"), io.BytesIO(b"digest auth failed")):
        refusal = urllib.error.HTTPError("http://127.0.0.1:9/store", 401, "Unauthorized", {}, body)
        assert _start_of(refusal) == b"digest auth failed"
