"""Layer 2: the process that runs a query has no way out, each layer on its own,
and limits that hold: time, memory, death with the parent, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import need, run_cli
from loopback import recording_server
from takedown_kg.errors import QueryLimit, QueryRefused, QueryTimeout
from takedown_kg.sparql.isolation import run_isolated
from takedown_kg.sparql.sandbox import Sandbox

ONLY = {
    "network namespace": Sandbox(network_namespace=True, seccomp=False, python_hooks=False),
    "seccomp": Sandbox(network_namespace=False, seccomp=True, python_hooks=False),
    "python hooks": Sandbox(network_namespace=False, seccomp=False, python_hooks=True),
}
NONE = Sandbox(network_namespace=False, seccomp=False, python_hooks=False)


def _service(url: str, engine: str):
    """Run SERVICE straight on the engine: no check, no hook of the project's."""
    text = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    if engine == "oxigraph":
        import pyoxigraph

        return len(list(pyoxigraph.Store().query(text)))
    import rdflib
    from rdflib.plugins import sparql

    # The engine's own SERVICE refusal stays installed in a process that ran an
    # rdflib query before (as the whole suite's does): set it aside here.
    hook = sparql.CUSTOM_EVALS.pop("takedown-kg: no SERVICE", None)
    try:
        return len(list(rdflib.Graph().query(text)))
    finally:
        if hook is not None:
            sparql.CUSTOM_EVALS["takedown-kg: no SERVICE"] = hook


def _layers_available() -> set[str]:
    """The layers this system lets a process enter."""
    from takedown_kg.sparql import sandbox

    found = set()
    for name, chosen in ONLY.items():
        if name == "python hooks":
            found.add(name)
            continue
        probe = run_isolated(lambda chosen=chosen: sandbox.enter(chosen, parent=os.getppid()), seconds=30, sandbox=NONE)
        if probe:
            found.add(name)
    return found


def test_without_a_layer_the_engines_do_reach_the_server():
    # The control for the tests below.
    with recording_server() as (base, requests):
        for engine in ("oxigraph", "rdflib"):
            assert run_isolated(lambda: _service(base + "/" + engine, engine), seconds=30, sandbox=NONE) == 0
        assert sorted(path.split("?")[0] for path in requests) == ["/oxigraph", "/rdflib"]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("layer", ["network namespace", "seccomp"])
def test_each_system_layer_alone_keeps_both_engines_off_the_network(layer, engine):
    need(layer in _layers_available(), f"this system cannot enter the {layer} layer")
    with recording_server() as (base, requests):
        with pytest.raises(QueryRefused) as refused:
            run_isolated(lambda: _service(base + "/sparql", engine), seconds=30, sandbox=ONLY[layer])
        assert requests == []
    assert str(refused.value).startswith("the query tried to reach the network or the disk and was stopped (")


def test_python_hooks_alone_keep_rdflib_off_the_network_and_the_disk(tmp_path):
    with recording_server() as (base, requests):
        with pytest.raises(QueryRefused) as refused:
            run_isolated(lambda: _service(base + "/sparql", "rdflib"), seconds=30, sandbox=ONLY["python hooks"])
        assert requests == []
    assert str(refused.value) == "urllib.Request is refused: a query runs on the loaded data only"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for queries", encoding="utf-8")
    allowed = tmp_path / "data.ttl"
    allowed.write_text("# data", encoding="utf-8")
    hooks = Sandbox(network_namespace=False, seccomp=False, python_hooks=True, readable=(str(allowed),))
    assert run_isolated(lambda: allowed.read_text(encoding="utf-8"), seconds=30, sandbox=hooks) == "# data"
    with pytest.raises(QueryRefused) as refused:
        run_isolated(lambda: secret.read_text(encoding="utf-8"), seconds=30, sandbox=hooks)
    assert str(refused.value) == f"opening {str(secret)!r} is refused: a query reads only the loaded data"
    with pytest.raises(QueryRefused):
        run_isolated(lambda: allowed.write_text("changed", encoding="utf-8"), seconds=30, sandbox=hooks)
    assert allowed.read_text(encoding="utf-8") == "# data"


def test_rdflib_engine_refuses_service_through_its_own_hook():
    from rdflib import Graph

    from takedown_kg.sparql.engines import RdflibEngine
    from takedown_kg.sparql.safety import CheckedQuery

    with recording_server() as (base, requests):
        unchecked = CheckedQuery(f"SELECT * WHERE {{ SERVICE <{base}/s> {{ ?s ?p ?o }} }}", "SELECT")
        with pytest.raises(QueryRefused) as refused:
            RdflibEngine(Graph()).run(unchecked, {})
        assert requests == []
    assert str(refused.value) == "SERVICE is refused: queries run on the loaded data only, never over the network"


def test_memory_limit_stops_python_and_rust_alike():
    with pytest.raises(QueryLimit) as limit:
        run_isolated(lambda: len(bytearray(1 << 30)), seconds=30, sandbox=Sandbox(memory=64 << 20))
    assert str(limit.value) == ("the query ran out of its memory limit of 64 MB and was stopped; "
                                "raise --memory or narrow the query")

    def rust():
        import pyoxigraph

        store = pyoxigraph.Store()
        store.load(b"".join(b"<http://x/%d> <http://x/p> <http://x/o> .\n" % i for i in range(2000)),
                   format=pyoxigraph.RdfFormat.N_TRIPLES)
        text = "SELECT ?x WHERE { ?a ?b ?c . ?d ?e ?f . BIND(CONCAT(STR(?a), STR(?d)) AS ?x) } ORDER BY ?x LIMIT 1"
        return list(store.query(text))

    with pytest.raises(QueryLimit):
        run_isolated(rust, seconds=60, sandbox=Sandbox(memory=64 << 20))


def test_time_limit_covers_the_work_before_the_query():
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run_isolated(lambda: time.sleep(60), seconds=1)
    assert time.monotonic() - started < 10


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _start_runaway(tmp_path):
    command = [sys.executable, "-m", "takedown_kg", "query", "-e", RUNAWAY, "--timeout", "120"]
    parent = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = _children(parent.pid)
        if children:
            time.sleep(0.5)  # into the query
            return parent, children[0]
        time.sleep(0.05)
    parent.kill()
    raise AssertionError("the query process never started")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as stream:
            return [int(x) for x in stream.read().split()]
    except FileNotFoundError:
        return []


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (a zombie computes nothing)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _running(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_to_the_command_ends_it_and_its_query_within_a_second(tmp_path, signum, code):
    parent, child = _start_runaway(tmp_path)
    sent = time.monotonic()
    os.kill(parent.pid, signum)
    _, stderr = parent.communicate(timeout=10)
    assert time.monotonic() - sent < 1.0
    assert parent.returncode == code
    assert _gone_within(child, 1.0)
    message = "Error: interrupted\n" if signum == signal.SIGINT else f"Error: stopped by signal {int(signum)}\n"
    assert stderr.decode() == message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_query_dies_with_a_killed_command(tmp_path):
    parent, child = _start_runaway(tmp_path)
    parent.kill()
    parent.communicate(timeout=10)
    assert _gone_within(child, 1.0)


def test_queries_read_compiled_modules_kept_apart_from_their_sources(tmp_path):
    # PYTHONPYCACHEPREFIX keeps every .pyc under one folder; the query's process must
    # still import from it (it was refused: the folder is not the installation's).
    env = {"PYTHONPYCACHEPREFIX": str(tmp_path / "bytecode"), "PYTHONDONTWRITEBYTECODE": ""}
    answers = [run_cli("query", "formal-request", "--format", "csv", "--engine", engine, env=env)
               for engine in ("oxigraph", "rdflib", "oxigraph")]
    assert [(a.returncode, a.stderr) for a in answers] == [(0, "")] * 3
    assert [len(a.stdout.splitlines()) for a in answers] == [7] * 3
    assert any((tmp_path / "bytecode").rglob("*.pyc"))
