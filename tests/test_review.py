"""Common query mistakes said in one line, the same on both engines (sparql/review.py): an unknown
prefix, a variable neither grouped nor aggregated; a misspelt term of our vocabularies warned of,
with the closest real one; and SELECT *'s columns in the order the query names them."""

from __future__ import annotations

import pytest
from conftest import run_cli

import takedown_kg
from takedown_kg.errors import QueryError
from takedown_kg.sparql.library import named_queries
from takedown_kg.sparql.safety import check
from takedown_kg.vocab import PREFIXES

ENGINES = ["oxigraph", "rdflib"]
KNOWN = ("known prefixes: tk, tkd, dcterms, oa, org, owl, prov, rdf, rdfs, schema, skos, xsd, ap, curation, dailytimes, "
         "pakistantoday, pakobserver, pni, profit, thenews, tribune, wikidata")
UNGROUPED = "SELECT ?platform ?rate WHERE { ?o tk:platform ?platform ; tk:complianceRate/schema:value ?rate } GROUP BY ?platform"
MISSPELT = "SELECT ?platform ?rate WHERE { ?o tk:platform ?platform ; tk:complianceRat/schema:valu ?rate }"


def _error(text: str) -> str:
    with pytest.raises(QueryError) as raised:
        check(text, prefixes=PREFIXES)
    assert len(raised.value.lines) == 1
    return raised.value.lines[0]


# --- on the command line, both engines -------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_an_unknown_prefix_is_one_line_naming_it_its_line_and_the_known_ones(engine):
    ran = run_cli("query", "--engine", engine, "-e", "SELECT ?x WHERE {\n  ?x a tk:Regulator .\n  ?x ex:foo ?y }")
    assert (ran.returncode, ran.stdout, ran.stderr) == (3, "", f"Error: unknown prefix ex: on line 3; {KNOWN}\n")
    ran = run_cli("query", "--engine", engine, "-e", "SELECT ?x WHERE { ?x shema:name ?y }")
    assert ran.stderr == f"Error: unknown prefix shema: on line 1 (did you mean schema:?); {KNOWN}\n"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_variable_neither_grouped_nor_aggregated_is_named(engine):
    ran = run_cli("query", "--engine", engine, "-e", UNGROUPED)
    assert (ran.returncode, ran.stdout, ran.stderr) == (3, "", (
        "Error: ?rate in SELECT (line 1) is neither grouped nor aggregated; add it to GROUP BY, or select an "
        "aggregate of it, as (SAMPLE(?rate) AS ?anyRate)\n"))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_misspelt_term_is_warned_of_with_the_closest_and_the_query_still_runs(engine):
    ran = run_cli("query", "--engine", engine, "-e", MISSPELT)
    assert (ran.returncode, ran.stdout) == (0, "platform  rate\n--------  ----\n(0 rows)\n")
    assert ran.stderr == ("Warning: tk:complianceRat is not a term of the ontology; did you mean tk:complianceRate?\n"
                          "Warning: schema:valu is not a term of schema.org; did you mean schema:value?\n")


# --- what review reads ------------------------------------------------------------

def test_ungrouped_variables_as_oxigraph_reads_them():
    assert _error("SELECT ?y (COUNT(?x) AS ?n) WHERE { ?x ?p ?y }").startswith(
        "?y in SELECT (line 1) is neither grouped nor aggregated")  # one group when an aggregate is selected
    assert _error("SELECT ?x (?y AS ?z) WHERE { ?x ?p ?y } GROUP BY ?x").startswith(
        "?y in the expression for ?z (line 1) is neither grouped nor aggregated")
    assert _error("SELECT (COUNT(?x) AS ?c) (?c * 2 AS ?d) WHERE { ?x ?p ?y }").startswith(
        "?c in the expression for ?d (line 1)")  # Oxigraph holds an earlier alias ungrouped too
    assert _error("SELECT (STR(?x) AS ?s) WHERE { ?x ?p ?y } GROUP BY (STR(?x))").startswith("?x in the expression for ?s")
    assert _error("SELECT ?x WHERE { ?x ?p ?y } ORDER BY COUNT(?y)").startswith("?x in SELECT (line 1)")
    assert _error("SELECT ?x WHERE {\n  { SELECT ?x ?y WHERE { ?x ?p ?y } GROUP BY ?x }\n}").startswith(
        "?y in SELECT (line 2)")  # a subquery's own
    assert _error("SELECT * WHERE { ?x ?p ?y } GROUP BY ?x") == (
        "SELECT * cannot be used with GROUP BY or an aggregate (line 1); select the grouped variables and "
        "aggregates, as in SELECT ?x (COUNT(*) AS ?count)")


@pytest.mark.parametrize("text", [
    "SELECT ?x (COUNT(?y) AS ?n) (GROUP_CONCAT(?y; separator=\", \") AS ?all) WHERE { ?x ?p ?y } GROUP BY ?x",
    "SELECT ?s (SAMPLE(?y) AS ?any) WHERE { ?x ?p ?y } GROUP BY (STR(?x) AS ?s)",
    "SELECT (STR(?x) AS ?s) (MAX(?y) AS ?top) WHERE { ?x ?p ?y } GROUP BY ?x HAVING (COUNT(*) > 1) ORDER BY DESC(?top)",
    "SELECT (COUNT(*) AS ?n) WHERE { ?x ?p ?y }",
    "SELECT ?x ?n WHERE { { SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?y } GROUP BY ?x } ?x ?q ?z }",
    "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?y } GROUP BY ?x VALUES ?x { <urn:a> }",
    "SELECT ?x WHERE { VALUES ?x { <urn:a> } FILTER EXISTS { SELECT ?p (COUNT(*) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?p } }",
])
@pytest.mark.parametrize("engine", ENGINES)
def test_grouped_queries_that_are_right_run_on_both_engines(text, engine):
    assert check(text, prefixes=PREFIXES).form == "SELECT"
    takedown_kg.query(text, engine=engine)  # raises if either engine refuses it


def test_no_shipped_query_is_warned_of():
    for name, named in named_queries().items():
        assert check(named.text, prefixes=PREFIXES).warnings == (), name


def test_terms_of_every_closed_vocabulary_and_full_iris_are_read():
    warned = check("SELECT * WHERE { ?a prov:wasAttributedBy ?b ; oa:hasTraget ?c ; dcterms:identifer ?d ; "
                   "<https://w3id.org/takedown-kg/ontology#statedAss> ?e ; tk:statedAs ?f ; tkd:whatever ?g ; "
                   "rdfs:whatever ?h ; tk:complianceRat ?i ; tk:complianceRat ?j }", prefixes=PREFIXES).warnings
    assert warned == (
        "prov:wasAttributedBy is not a term of PROV-O; did you mean prov:wasAttributedTo?",
        "oa:hasTraget is not a term of the Web Annotation vocabulary; did you mean oa:hasTarget?",
        "dcterms:identifer is not a term of DCMI Metadata Terms; did you mean dcterms:identifier?",
        "<https://w3id.org/takedown-kg/ontology#statedAss> is not a term of the ontology; "
        "did you mean <https://w3id.org/takedown-kg/ontology#statedAs>?",
        "tk:complianceRat is not a term of the ontology; did you mean tk:complianceRate?",
    )  # tkd: (the data) and rdfs: (not closed) are not read; each term is said once
    assert check("PREFIX t: <https://w3id.org/takedown-kg/ontology#> SELECT * WHERE { ?a t:zzzzzz ?b }",
                 prefixes=PREFIXES).warnings == ("t:zzzzzz is not a term of the ontology",)
    # A term is said as written, but for what would act on a terminal (a bidi override, a C1 control).
    assert check("SELECT * WHERE { ?a <https://schema.org/na\u202eme\x9b> ?b }", prefixes=PREFIXES).warnings == (
        "<https://schema.org/na\\u202eme\\u009b> is not a term of schema.org; did you mean <https://schema.org/name>?",)


def test_a_prefix_the_query_declares_is_known_and_its_declaration_is_no_use():
    assert check("PREFIX ex: <http://example.org/> SELECT * WHERE { ?a ex:b ?c }", prefixes=PREFIXES).warnings == ()
    assert _error("PREFIX ex: <http://example.org/> SELECT * WHERE { ?a :b ?c }").startswith(
        "unknown prefix : on line 1; known prefixes: tk, tkd, ")
    assert _error("PREFIX ex: <http://example.org/> SELECT * WHERE { ?a :b ?c }").endswith(", xsd, ex")


def test_a_long_list_of_known_prefixes_is_cut():
    many = {**PREFIXES, **{f"source{n}": f"https://example.org/{n}/" for n in range(1000)}}
    with pytest.raises(QueryError) as raised:
        check("SELECT * WHERE { ?a ex:b ?c }", prefixes=many)
    assert raised.value.lines[0].endswith(", source16, source17, … (1,012 in all)")


# --- SELECT * ------------------------------------------------------------------------

STAR = ('SELECT * WHERE { ?observation tk:platform ?platform ; tk:statedIn ?sentence . '
        '?platform rdfs:label ?name FILTER (lang(?name) = "en") } ORDER BY ?name')
STAR_TABLE = """\
observation              platform      sentence         name
-----------------------  ------------  ---------------  -----------
pni:compliance-facebook  tkd:facebook  pni:sentence-9   Facebook
pni:compliance-telegram  tkd:telegram  pni:sentence-9   Telegram
pni:compliance-tiktok    tkd:tiktok    pni:sentence-9   TikTok
pni:compliance-whatsapp  tkd:whatsapp  pni:sentence-10  WhatsApp
pni:compliance-x         tkd:x         pni:sentence-10  X (Twitter)
(5 rows)
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_select_star_columns_come_in_the_order_the_query_names_them(engine):
    ran = run_cli("query", "--engine", engine, "--source", "pni", "-e", STAR)
    assert (ran.returncode, ran.stdout) == (0, STAR_TABLE)
    ran = run_cli("query", "--engine", engine, "--source", "pni", "--format", "csv", "-e", STAR)
    assert ran.stdout.splitlines()[0] == "observation,platform,sentence,name"  # Oxigraph's own writer too


def test_select_star_order_counts_first_names_only_and_leaves_explicit_lists_alone():
    text = "SELECT DISTINCT * WHERE { ?b ?p ?a . ?a ?q ?b OPTIONAL { ?c ?r ?b } }"
    assert check(text, prefixes=PREFIXES).star_order == ("b", "p", "a", "q", "c", "r")
    assert check("SELECT ?b ?a WHERE { ?a ?p ?b }", prefixes=PREFIXES).star_order is None
    assert check("SELECT ?x WHERE { { SELECT * WHERE { ?x ?p ?y } } }", prefixes=PREFIXES).star_order is None


def test_reading_stays_linear_however_deep_subqueries_nest():
    """Each SELECT is read from a map of brackets made once: read by scanning for each one's closing
    brace, four thousand nested subqueries took ten times as long as the safety check."""
    import time

    nested = "SELECT * WHERE { " + "{ SELECT ?s WHERE { " * 4000 + "?s ?p ?o " + "} GROUP BY ?s } " * 4000 + "}"
    started = time.perf_counter()
    check(nested)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    check(nested, prefixes=PREFIXES)
    assert time.perf_counter() - started < 3 * alone + 0.5


def test_oxigraphs_own_refusals_of_them_are_one_line_too():
    """Where no review came first (a query checked without prefixes), Oxigraph's grammar dump for
    the same mistakes is said in one line all the same."""
    import pyoxigraph

    from takedown_kg.sparql.engines import OxigraphEngine

    engine = OxigraphEngine(pyoxigraph.Store())
    for text, said in [
        ("SELECT ?x WHERE {\n  ?x ex:foo ?y }", "unknown prefix ex: on line 2"),
        (UNGROUPED, "a variable of SELECT is neither grouped nor aggregated (line 1); select only the GROUP BY "
                    "variables and aggregates of the others, as (SAMPLE(?x) AS ?anyX)"),
        ("SELECT * WHERE { ?x ?p ?y } GROUP BY ?x", "a variable of SELECT is neither grouped nor aggregated "
         "(line 1); select only the GROUP BY variables and aggregates of the others, as (SAMPLE(?x) AS ?anyX)"),
    ]:
        with pytest.raises(QueryError) as raised:
            engine.run(check(text), {})
        assert raised.value.lines == [said]
