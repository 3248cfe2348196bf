"""Counts say the same thing wherever they are printed (the build's summary, serve's first line and its
query page, push's last line, the network page), and a count of one takes the singular."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, ROOT, run_cli

from takedown_kg.text import counted, triple_count

#: The shipped corpus: two triples stand in two graphs each, so the union has two fewer than the graphs.
CORPUS = "2,158 triples (2,160 statements in 12 graphs)"
SOURCES = "10 (7 cited, 1 curation, 1 reference data, 1 text held)"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("counts")
    result = run_cli("build", "--out", "out", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, result.stdout.splitlines()


def test_the_build_says_both_counts_and_each_kind_of_source(built):
    _, lines = built
    assert f"  graph       {CORPUS}; ontology 571, data 1,587" in lines
    assert f"  sources     {SOURCES}" in lines


def test_push_says_what_the_build_says(built):
    folder, _ = built
    pushed = run_cli("push", "http://127.0.0.1:9/store", "--dry-run", cwd=folder)
    assert pushed.stdout.splitlines()[-1] == f"{CORPUS} to http://127.0.0.1:9/store: nothing sent (--dry-run)"


def test_serve_and_its_query_page_say_what_the_build_says(built):
    from takedown_kg.serve import open_dataset
    from takedown_kg.serve.page import query_page
    from takedown_kg.sparql import named_queries

    folder, _ = built
    served = open_dataset(out_dir=folder / "out")
    assert served.size() == CORPUS  # serve's first line: tests/test_serve.py holds it whole
    assert (f"<p>{CORPUS}: the ontology and 10 sources, each in a named graph of its own, and the default graph. "
            "The SPARQL endpoint is") in query_page(served, named_queries())


def test_the_network_page_names_the_sources_as_the_build_does(built):
    folder, _ = built
    page = (folder / "out" / "graph.html").read_text(encoding="utf-8")
    assert f"Sources: 10 sources ({SOURCES[4:-1]}); text held for PNI (16 sentences). Click any node" in page


def test_a_count_of_one_is_singular(tmp_path):
    result = run_cli("build", "--out", str(tmp_path / "out"), "--data", str(FIXTURES / "sources" / "example-cited"))
    lines = result.stdout.splitlines()
    assert lines[:6] == [
        "takedown-kg: built the graph of 1 source",
        "  graph       597 triples in 3 graphs; ontology 571, data 26",
        "  actors      0",
        "  sources     1 (1 cited)",
        "    example-cited  cited          1 fact",
        "  facts       1, of them 0 in the held text, stated in 0 sentences",
    ]
    assert re.fullmatch(r"  validation  conforms \(\d+ rules checked\)", lines[7])
    bad = run_cli("validate", str(FIXTURES / "validation" / "broken" / "fact-voice.ttl"))
    assert re.fullmatch(r"Does not conform: 1 violation of \d+ rules checked\.", bad.stdout.splitlines()[0])
    stats = run_cli("stats", "--data", str(FIXTURES / "sources" / "example-cited"), cwd=ROOT)
    assert stats.stdout.splitlines()[0] == "2 nodes, 1 edge"


@pytest.mark.parametrize("number,noun,said", [(0, "fact", "0 facts"), (1, "fact", "1 fact"), (2, "fact", "2 facts"),
                                              (2158, "triple", "2,158 triples"), (1, "reference", "1 reference")])
def test_counted(number, noun, said):
    assert counted(number, noun) == said


def test_triple_count_says_both_only_when_they_differ():
    assert triple_count(2158, 2160, 12) == CORPUS
    assert triple_count(597, 597, 3) == "597 triples in 3 graphs"
    assert triple_count(1, 1, 1) == "1 triple in 1 graph"


def test_serve_takes_the_union_count_from_the_build_and_counts_it_when_that_cannot_be(built, tmp_path):
    import json
    import shutil

    from takedown_kg.serve import open_dataset

    folder, _ = built
    assert json.loads((folder / "out" / "build.json").read_text(encoding="utf-8"))["triples"] == 2158
    edited = tmp_path / "out"
    shutil.copytree(folder / "out", edited, symlinks=True)
    manifest = json.loads((edited / "build.json").read_text(encoding="utf-8"))
    for wrong in (10**9, -1, "2158", None):  # build.json is a file anyone may edit
        (edited / "build.json").write_text(json.dumps({**manifest, "triples": wrong}), encoding="utf-8")
        served = open_dataset(out_dir=edited)
        assert (served.built, served.size()) == (edited, CORPUS)
    # Loaded in a child instead of opened from a build: the child counts them.
    assert open_dataset(out_dir=tmp_path / "none").size() == CORPUS
