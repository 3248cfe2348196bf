"""rdflib's parse of a query carried between processes (rdflib_parse): the
query answers the same after the trip, the parse's errors read as before, and
the process that parsed it never outlives the query."""

from __future__ import annotations

import os
import warnings

import pytest
from rdflib.plugins.sparql import operators

import takedown_kg
from conftest import ROOT
from takedown_kg import corpus
from takedown_kg.errors import QueryError, QueryTimeout
from takedown_kg.sparql.library import named_queries
from takedown_kg.sparql.rdflib_parse import dumps, loads, prepare

# Shapes the named queries do not all have: each comes back from its trip answering the same.
SHAPES = {
    "aggregate": ("SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class HAVING (COUNT(?x) > 5) "
                  "ORDER BY DESC(?n) ?class"),
    "values": "SELECT ?p ?l WHERE { VALUES ?p { tkd:facebook tkd:telegram } ?p rdfs:label ?l } ORDER BY ?p ?l",
    "subquery": ("SELECT ?p ?n WHERE { { SELECT ?p (COUNT(?l) AS ?n) WHERE { ?p a tk:SocialMediaPlatform ; rdfs:label ?l } "
                 "GROUP BY ?p } } ORDER BY ?p"),
    "minus": ("SELECT ?p WHERE { ?p a tk:SocialMediaPlatform MINUS { ?p rdfs:label ?l FILTER (REGEX(?l, '^T')) } } "
              "ORDER BY ?p"),
    "not exists": "SELECT ?p WHERE { ?p a tk:SocialMediaPlatform FILTER NOT EXISTS { ?p tk:mentionedIn pni:sentence-9 } } ORDER BY ?p",
    "paths": "SELECT DISTINCT ?x WHERE { tkd:facebook (tk:mentionedIn|rdf:type)/^tk:mentionedIn+ ?x } ORDER BY ?x",
    "functions": ("SELECT ?p (IRI(CONCAT(STR(?p), '#x')) AS ?iri) (STRLEN(?l) AS ?len) (IF(LANG(?l) = 'ur', 1, 0) AS ?ur) "
                  "WHERE { ?p a tk:SocialMediaPlatform ; rdfs:label ?l } ORDER BY ?p ?l LIMIT 5 OFFSET 2"),
    "optional": "SELECT ?p ?c WHERE { ?p a tk:SocialMediaPlatform OPTIONAL { ?p schema:sameAs ?c } } ORDER BY ?p ?c",
    "graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "ask": "ASK { tkd:ttp a tk:BannedOrganization }",
    "construct": "CONSTRUCT { ?o rdfs:label ?l } WHERE { ?o a tk:BannedOrganization ; rdfs:label ?l }",
    "describe": "DESCRIBE tkd:telegram",
}


@pytest.fixture(scope="module")
def shipped():
    loaded = corpus.load(None)
    return loaded.dataset, loaded.prefixes()


def _answer(dataset, prepared):
    prepared.algebra["datasetClause"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = dataset.query(prepared)
        if result.type == "SELECT":
            return result.type, [tuple(row) for row in result]
        if result.type == "ASK":
            return result.type, result.askAnswer
        return result.type, sorted(result.graph)


@pytest.mark.parametrize("name", SHAPES)
def test_a_parse_answers_the_same_after_its_trip(shipped, name):
    dataset, prefixes = shipped
    here = _answer(dataset, prepare(SHAPES[name], prefixes))
    carried = _answer(dataset, loads(dumps(prepare(SHAPES[name], prefixes))))
    assert carried == here
    assert here[1] not in ([], None)  # each shape has an answer to compare


def _evaluators(value, found):
    """Each Expr's name with the function it evaluates with, in the order of the tree."""
    if isinstance(value, dict):
        if "_evalfn" in getattr(value, "__dict__", {}):
            found.append((value.name, getattr(value._evalfn, "__func__", None)))
        for item in dict.values(value):
            _evaluators(item, found)
    elif isinstance(value, list):
        for item in value:
            _evaluators(item, found)
    return found


def _plain(value):
    """The parse tree as plain values (sets in order: their order may follow how they were filled)."""
    if isinstance(value, dict):
        return (getattr(value, "name", None), {key: _plain(item) for key, item in dict.items(value)})
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_plain(item)) for item in value)
    return value


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_a_named_query_comes_back_as_it_was_parsed(shipped, name):
    # The answers of every named query through this path are tested in test_query (both engines agree).
    prefixes = shipped[1]
    here, carried = prepare(named_queries()[name].text, prefixes), loads(dumps(prepare(named_queries()[name].text, prefixes)))
    assert _plain(carried.algebra) == _plain(here.algebra)
    assert _evaluators(carried.algebra, []) == _evaluators(here.algebra, []) != []
    assert sorted(carried.prologue.namespace_manager.namespaces()) == sorted(here.prologue.namespace_manager.namespaces())


def test_exact_answers_after_the_trip(shipped):
    dataset, prefixes = shipped
    values = _answer(dataset, loads(dumps(prepare(SHAPES["values"], prefixes))))[1]
    assert [(str(p).rsplit("/", 1)[1], str(l)) for p, l in values] == [
        ("facebook", "Facebook"), ("facebook", "فیس بک"), ("telegram", "Telegram"), ("telegram", "ٹیلیگرام")]
    assert _answer(dataset, loads(dumps(prepare(SHAPES["ask"], prefixes)))) == ("ASK", True)


def test_the_shared_empty_filter_comes_back_as_itself(shipped):
    # rdflib compares its always-true filter by identity in places; a copy would be a different filter.
    prepared = loads(dumps(prepare(SHAPES["optional"], {"tk": "https://w3id.org/takedown-kg/ontology#"})))
    found = []

    def walk(value):
        if value is operators.TrueFilter:
            found.append(value)
        elif isinstance(value, dict):
            for item in dict.values(value):
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(prepared.algebra)
    assert len(found) == 1


def test_errors_of_the_parse_made_apart_read_as_in_place():
    text, message = "SELECT ?x WHERE {\n  ?x ?y }", "syntax error in the query at line 2, column 3: Expected SelectQuery"
    with pytest.raises(QueryError) as in_place:
        prepare(text, {})
    with pytest.raises(QueryError) as apart:
        takedown_kg.query(text, engine="rdflib")
    assert in_place.value.lines[0] == apart.value.lines[0] == message


def test_an_unknown_prefix_is_said_before_either_parse():
    text = "SELECT * WHERE { ?s foo:p ?o }"
    with pytest.raises(QueryError) as in_place:
        prepare(text, {})
    assert in_place.value.lines == ["the query cannot be run: Unknown namespace prefix : foo; see takedown-kg query --prefixes"]
    with pytest.raises(QueryError) as apart:
        takedown_kg.query(text, engine="rdflib")
    assert apart.value.lines[0].startswith("unknown prefix foo: on line 1; known prefixes: tk, tkd, dcterms, ")


def test_a_query_nested_too_deep_for_rdflib_says_so():
    nested = "SELECT * WHERE { " + "{ " * 150 + "?s ?p ?o " + "} " * 150 + "}"
    with pytest.raises(QueryError) as refused:
        takedown_kg.query(nested, engine="rdflib")
    assert refused.value.lines == ["the query nests deeper than rdflib's parser can follow; nest less, "
                                   "or run it with --engine oxigraph"]
    flat = takedown_kg.query("SELECT * WHERE { ?s ?p ?o }", engine="oxigraph").rows
    assert len(takedown_kg.query(nested, engine="oxigraph").rows) == len(flat) > 2000


def _children() -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with open(f"/proc/{os.getpid()}/task/{task}/children") as listed:
            found.update(int(pid) for pid in listed.read().split())
    return found


def test_no_process_outlives_the_query():
    before = _children()
    assert [str(row[0]) for row in takedown_kg.query("formal-request", engine="rdflib")][:1] == ["Facebook"]
    assert _children() == before
    with pytest.raises(QueryTimeout):
        takedown_kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", engine="rdflib",
                          timeout=1)
    assert _children() == before


def test_the_parse_made_apart_in_the_cli_is_the_answer_given(tmp_path):
    from conftest import run_cli

    result = run_cli("query", "formal-request", "--engine", "rdflib", "--format", "csv", cwd=ROOT)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("platform")
