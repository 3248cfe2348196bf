"""The named queries as shipped (src/takedown_kg/sparql/queries/*.rq) run as they are in any SPARQL
engine: each starts with the PREFIX lines of exactly the prefixes it uses, `query --show NAME`
prints it byte for byte, and Apache Jena ARQ answers each, read from its file, with the rows
`takedown-kg query NAME` gives."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph
import pytest
from conftest import ROOT, need, run_cli

from takedown_kg.sparql.library import named_queries
from takedown_kg.sparql.safety import tokens
from takedown_kg.vocab import PREFIXES

JENA = ROOT / "tests" / "tools" / "jena.sh"
NAMES = sorted(named_queries())


def _prologue(text: str) -> tuple[list[str], str]:
    """The PREFIX lines a query starts with, and the rest of it."""
    lines = text.splitlines(keepends=True)
    count = next((i for i, line in enumerate(lines) if not line.startswith("PREFIX ")), len(lines))
    return [line.rstrip("\n") for line in lines[:count]], "".join(lines[count:])


@pytest.mark.parametrize("name", NAMES)
def test_each_query_starts_with_the_prefixes_it_uses_and_no_other(name):
    text = named_queries()[name].text
    declared, rest = _prologue(text)
    words = tokens(rest)
    used = {word.text.partition(":")[0] for word in words if word.kind == "pname"}
    assert declared == [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p in used]
    # Declared only there, and each once.
    assert not any(word.kind == "word" and word.text.upper() in ("PREFIX", "BASE") for word in words)
    assert rest.startswith("\n# ") if declared else rest.startswith("# ")


def test_show_prints_each_file_as_it_is():
    for name, named in named_queries().items():
        shown = run_cli("query", "--show", name)
        assert (shown.returncode, shown.stderr) == (0, "")
        assert shown.stdout.encode("utf-8") == named.path.read_bytes(), name


def test_show_of_an_unknown_name_says_the_closest():
    shown = run_cli("query", "--show", "complance")
    assert (shown.returncode, shown.stdout, shown.stderr) == (
        3, "", "Error: no named query 'complance'; did you mean compliance, comparisons?\n")


# --- Apache Jena ARQ, on the build's N-Quads ----------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("named-queries")
    assert run_cli("build", "--out", "out", cwd=folder).returncode == 0
    return folder


def _jena(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(JENA), *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def jena_answers(built):
    """Each shipped file run by Jena's query command on out/graph.nq, loaded into a TDB2 database whose
    default graph is the union of its named graphs, as takedown-kg queries it (ARQ's plain --data keeps
    a quad file's graphs apart, with a default graph that holds only their descriptions)."""
    need(shutil.which("java") is not None and Path("/usr/share/java/jena-tdb2.jar").is_file(),
         "Apache Jena is not installed (apt-get install libapache-jena-java openjdk-17-jre-headless unzip)")
    # TDB2's union is of the named graphs only: the default graph's statements (what each source graph
    # is) are given a graph of their own, so that the union is every statement, as Oxigraph's is.
    quads = pyoxigraph.parse(path=built / "out" / "graph.nq", format=pyoxigraph.RdfFormat.N_QUADS)
    default = pyoxigraph.NamedNode("urn:x-takedown-kg:default-graph")
    moved = [pyoxigraph.Quad(q.subject, q.predicate, q.object, default)
             if isinstance(q.graph_name, pyoxigraph.DefaultGraph) else q for q in quads]
    (built / "all-named.nq").write_bytes(pyoxigraph.serialize(moved, format=pyoxigraph.RdfFormat.N_QUADS))
    databases = [built / "tdb2-a", built / "tdb2-b"]  # one a process: a TDB2 database takes one at a time
    loaded = _jena("tdb2.tdbloader", f"--loc={databases[0]}", str(built / "all-named.nq"))
    assert loaded.returncode == 0, loaded.stderr
    shutil.copytree(databases[0], databases[1])

    def run(names: list[str], database: Path) -> dict[str, subprocess.CompletedProcess]:
        return {name: _jena("tdb2.tdbquery", f"--loc={database}", "--set", "tdb:unionDefaultGraph=true",
                            "--query", str(named_queries()[name].path), "--results", "csv") for name in names}

    # One JVM a query (a few seconds each): two at a time, one per core, each on its own database.
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = pool.map(run, [NAMES[0::2], NAMES[1::2]], databases)
        return {name: ran for half in halves for name, ran in half.items()}


def _rows(text: str) -> tuple[list[str], list[tuple[str, ...]]]:
    table = list(csv.reader(io.StringIO(text)))
    return table[0], [tuple(row) for row in table[1:]]


@pytest.mark.parametrize("name", NAMES)
def test_jena_arq_answers_each_file_as_shipped_as_query_does(jena_answers, built, name):
    ran = jena_answers[name]
    assert ran.returncode == 0, ran.stderr
    theirs_head, theirs = _rows(ran.stdout)
    ours_run = run_cli("query", name, "--format", "csv", cwd=built)
    assert ours_run.returncode == 0, ours_run.stderr
    ours_head, ours = _rows(ours_run.stdout)
    assert ours, f"{name} answers no row: the comparison would prove nothing"
    assert theirs_head == ours_head
    assert len(theirs) == len(ours)
    if not any(value.startswith("_:") for row in ours for value in row):  # blank node labels are each engine's own
        assert sorted(theirs) == sorted(ours)
