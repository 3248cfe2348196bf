"""Real SPARQL clients against `takedown-kg serve`: SPARQLWrapper (Python) and Jena's
rsparql (Java) get the same rows as `takedown-kg query` for every named query."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, need, run_cli
from servers import serving
from takedown_kg.sparql.library import named_queries

JENA = ROOT / "tests" / "tools" / "jena.sh"
NAMES = sorted(named_queries())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clients")
    assert run_cli("build", "--out", "out", cwd=folder).returncode == 0
    return folder


@pytest.fixture(scope="module")
def server(built):
    with serving(cwd=built) as running:
        yield running


def ours(built, name: str) -> dict:
    return json.loads(run_cli("query", name, "--format", "json", cwd=built).stdout)


def same_rows(theirs: dict, expected: dict, name: str) -> None:
    assert theirs["head"]["vars"] == expected["head"]["vars"]
    rows = expected["results"]["bindings"]
    assert rows, f"{name} answers no row: the comparison would prove nothing"
    # Their readers may add a datatype xsd:string to a plain literal (RDF 1.1 says it is the same literal).
    plain = [{v: {k: x for k, x in t.items() if not (k == "datatype" and x.endswith("#string"))} for v, t in row.items()}
             for row in theirs["results"]["bindings"]]
    assert plain == rows


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", NAMES)
def test_sparqlwrapper_gets_the_commands_rows(server, built, name, method):
    try:
        from SPARQLWrapper import JSON, SPARQLWrapper
    except ImportError:
        need(False, "SPARQLWrapper is not installed (pip install SPARQLWrapper)")
    client = SPARQLWrapper(server.url + "sparql")
    client.setQuery(named_queries()[name].text)  # as shipped, its PREFIX lines included
    client.setReturnFormat(JSON)
    client.setMethod(method)
    same_rows(client.queryAndConvert(), ours(built, name), name)


@pytest.mark.parametrize("name", NAMES)
def test_jena_rsparql_gets_the_commands_rows(server, built, name):
    need(shutil.which("java") is not None and Path("/usr/share/java/jena-arq.jar").is_file(),
         "Apache Jena is not installed (apt-get install libapache-jena-java openjdk-17-jre-headless unzip)")
    query = named_queries()[name].path  # as shipped, its PREFIX lines included
    result = subprocess.run(["bash", str(JENA), "rsparql", "--service", server.url + "sparql", "--query", str(query),
                             "--results", "json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    same_rows(json.loads(result.stdout), ours(built, name), name)
