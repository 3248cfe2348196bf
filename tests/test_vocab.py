"""One prefix expander, one IRI shortener, one label helper, and the stack's own
readers and writers where they do the job (from_n3, rdflib's CSV writer, `in`)."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SDO, XSD
from rdflib.util import from_n3

from takedown_kg.sparql.engines import QueryResult
from takedown_kg.corpus.graphs import new_graph, rebase
from takedown_kg.sparql.results import write_csv, write_table
from takedown_kg.sparql.bindings import read_term
from takedown_kg.export.summary import summarize
from takedown_kg.checks.validation import _unknown_terms
from takedown_kg.corpus.dataset import prefixes
from takedown_kg.vocab import TK, expand, label, qname, shorten

TKD = "https://w3id.org/takedown-kg/id/"


def test_expand():
    assert expand("tkd:telegram") == URIRef(TKD + "telegram")
    assert expand("<https://example.org/x>") == URIRef("https://example.org/x")
    assert expand("ex:y", {"ex": "https://example.org/"}) == URIRef("https://example.org/y")
    assert expand("tkd:telegram", {"ex": "https://example.org/"}) is None
    assert expand("Telegram") is None
    assert expand("https://example.org/x") is None


def test_shorten():
    assert shorten(URIRef(TKD + "pni/sentence-10"), prefixes(TKD, ["pni"])) == "pni:sentence-10"
    assert shorten(URIRef(TKD + "telegram")) == "tkd:telegram"
    assert shorten(TK.Sentence) == "tk:Sentence"
    assert shorten(URIRef(TKD + "a/b")) == "<https://w3id.org/takedown-kg/id/a/b>"
    assert shorten(URIRef("https://example.org/x")) == "<https://example.org/x>"
    assert shorten(URIRef("https://example.org/x"), {"ex": "https://example.org/"}) == "ex:x"
    assert shorten(BNode("b1")) == "_:b1"
    assert shorten(URIRef(TKD)) == f"<{TKD}>"
    rebased = rebase(new_graph(), "https://example.org/kg/")
    assert qname(rebased, URIRef("https://example.org/kg/telegram")) == "tkd:telegram"


def test_label_prefers_the_language_then_english_then_the_local_name():
    graph = Graph()
    node = URIRef(TKD + "x")
    graph.add((node, RDFS.label, Literal("ایکس", lang="ur")))
    graph.add((node, RDFS.label, Literal("X", lang="en")))
    assert (label(graph, node, "en"), label(graph, node, "ur"), label(graph, node, "fr")) == ("X", "ایکس", "X")
    assert label(new_graph(), URIRef(TKD + "nameless")) == "nameless"


def test_summary_voices_stay_english_after_a_rebase(graph):
    moved = rebase(graph, "https://example.org/kg/")
    assert summarize(moved, data_base="https://example.org/kg/").voices == {
        "the article": 14, "government data": 5, "official figures": 5, "officials": 2}


@pytest.mark.parametrize("text", ["tkd:telegram", "<https://example.org/x>", '"text"@ur', "42", "4.2", "-3",
                                  "true", '"5"^^xsd:integer', '"a \\"b\\""'])
def test_bind_values_are_read_as_from_n3_reads_them(text):
    assert read_term(text) == from_n3(text, nsm=new_graph().namespace_manager)


def test_closed_vocabularies_use_membership():
    graph = Graph()
    graph.add((URIRef(TKD + "x"), SDO.name, Literal("x")))
    graph.add((URIRef(TKD + "x"), URIRef(str(SDO) + "nmae"), Literal("x")))
    assert [v.term for v in _unknown_terms(graph)] == [URIRef("https://schema.org/nmae")]


TRICKY = QueryResult("SELECT", ["a", "b", "c"], [
    (URIRef("https://example.org/x"), Literal('say "hi", then\nleave'), BNode("b0")),
    (None, Literal("فیس بک", lang="ur"), Literal("5", datatype=XSD.integer)),
])


def test_csv_is_oxigraphs_writer_byte_for_byte():
    import json

    import pyoxigraph

    expected = ('a,b,c\r\n'
                'https://example.org/x,"say ""hi"", then\nleave",_:b0\r\n'
                ',فیس بک,5\r\n')
    assert write_csv(TRICKY) == expected
    same_terms = {"head": {"vars": ["a", "b", "c"]}, "results": {"bindings": [
        {"a": {"type": "uri", "value": "https://example.org/x"}, "b": {"type": "literal", "value": 'say "hi", then\nleave'},
         "c": {"type": "bnode", "value": "b0"}},
        {"b": {"type": "literal", "value": "فیس بک", "xml:lang": "ur"},
         "c": {"type": "literal", "value": "5", "datatype": str(XSD.integer)}}]}}
    answer = pyoxigraph.parse_query_results(json.dumps(same_terms), pyoxigraph.QueryResultsFormat.JSON)
    assert answer.serialize(format=pyoxigraph.QueryResultsFormat.CSV).decode("utf-8") == expected


def test_table_escapes_terminal_and_bidi_controls_and_keeps_urdu():
    hostile = "\x1b[2J\x07a\x7f\x85\u202eb\u2066c\u2069\u200e\u200f\u061c\x00"
    result = QueryResult("SELECT", ["v"], [(Literal(hostile),), (Literal("فیس بک", lang="ur"),)])
    table = write_table(result, full=True)
    assert table == (
        "v\n"
        + "-" * 72 + "\n"
        "\\u001b[2J\\u0007a\\u007f\\u0085\\u202eb\\u2066c\\u2069\\u200e\\u200f\\u061c\\u0000\n"
        "\u2068فیس بک\u2069\n"
        "(2 rows)\n"
    )
