"""Layer 1: the query check reads SPARQL as each reader does, so SERVICE cannot hide.

Layer 2 (the sandbox) is tested on its own in test_sandbox.py; here, every
query of the corpus also goes through the whole stack on both engines, and a
loopback server counts the requests that arrive: none.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import takedown_kg
from hidden_service import CORPUS, live, queries
from loopback import recording_server
from takedown_kg.errors import QueryError, QueryRefused
from takedown_kg.sparql.safety import MAX_QUERY_CHARS, check

ENGINES = ["oxigraph", "rdflib"]
URL = "http://127.0.0.1:9/sparql"


@pytest.mark.parametrize("name", [n for n in CORPUS if live(n)])
def test_check_refuses_service_in_every_hiding_place(name):
    with pytest.raises(QueryRefused):
        check(queries(URL)[name])


@pytest.mark.parametrize("name", [n for n in CORPUS if not live(n)])
def test_check_accepts_service_that_every_reader_takes_for_text(name):
    assert check(queries(URL)[name]).form == "SELECT"


def test_the_corpus_reaches_the_endpoint_when_nothing_stops_it():
    # The control: unchecked and unsandboxed, each engine calls the endpoint for
    # the hiding places it reads as code, so the refusals above prove something.
    script = (
        "import json, sys, pyoxigraph, rdflib\n"
        "for q in json.loads(sys.argv[2]):\n"
        "    try:\n"
        "        list(pyoxigraph.Store().query(q) if sys.argv[1] == 'oxigraph' else rdflib.Graph().query(q))\n"
        "    except Exception:\n"
        "        pass\n"
    )
    called = {}
    with recording_server() as (base, requests):
        texts = {name: text.replace(URL, f"{base}/{name}") for name, text in queries(URL).items()}
        for engine in ENGINES:
            requests.clear()
            subprocess.run([sys.executable, "-c", script, engine, json.dumps(list(texts.values()))],
                           capture_output=True, timeout=120, check=True)
            called[engine] = {path.split("?")[0].strip("/") for path in requests}
    assert {"plain", "comment-ended-by-cr", "local-name-escaped-apostrophe", "local-name-escaped-hash",
            "silent"} <= called["oxigraph"]
    assert {"plain", "codepoint-escape-u", "codepoint-escape-U", "codepoint-escape-inside",
            "cr-then-long-string"} <= called["rdflib"]
    assert "comment-ended-by-cr" not in called["rdflib"] and "codepoint-escape-u" not in called["oxigraph"]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_request_arrives_from_any_query_of_the_corpus(engine):
    with recording_server() as (base, requests):
        for name, text in queries(f"{base}/sparql").items():
            try:
                takedown_kg.query(text, engine=engine)
            except (QueryRefused, QueryError):
                pass
        assert requests == []


def test_refusal_names_the_clause_after_expanding_escapes():
    with pytest.raises(QueryRefused) as refused:
        check(queries(URL)["codepoint-escape-u"])
    assert str(refused.value) == (f"SERVICE <{URL}> is refused: queries run on the loaded data only, "
                                  "never over the network")


def test_less_than_that_reads_as_an_iri_is_refused_with_advice():
    # Read as an IRI, <?z)SERVICE?u#> hides SERVICE; read as less-than, it does not.
    with pytest.raises(QueryRefused) as refused:
        check("SELECT * WHERE { BIND(<x:> AS ?u) FILTER(?z<?z)SERVICE?u#>\n{ ?s ?p ?o } }")
    assert str(refused.value) == (
        "<?z)SERVICE?u#> at line 1, column 44 is refused: it reads both as an IRI and as a comparison; "
        "put a space after '<' when it compares")


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICESILENT<http://127.0.0.1:9/s> { ?s ?p ?o } }",
    "ASK{SERVICESILENT?x{}}",
    "SELECT * FROMNAMED<http://127.0.0.1:9/g> WHERE { ?s ?p ?o }",
])
def test_a_keyword_run_together_with_the_next_word_is_still_the_keyword(text):
    # Oxigraph matches keywords without a word boundary.
    with pytest.raises(QueryRefused):
        check(text)


def test_a_long_run_of_dots_in_a_name_is_read_in_linear_time():
    tokens_of = __import__("takedown_kg.sparql.safety", fromlist=["tokens"]).tokens
    found = tokens_of("SELECT * WHERE { ?s ?p tkd:a" + "." * 50_000 + "b }")
    assert [t.kind for t in found][-2:] == ["pname", "punct"] and len(found[-2].text) == 50_006


def test_an_escape_of_a_surrogate_is_a_query_error():
    with pytest.raises(QueryError) as error:
        check('SELECT ("\\uD800" AS ?x) WHERE {}')
    assert str(error.value) == "\\uD800 is not a character (a surrogate or past U+10FFFF); write the character itself"


def test_controls_in_an_echoed_line_are_shown_escaped():
    with pytest.raises(QueryError) as error:
        check('SELECT * WHERE { ?s ?p "\x1b]0;x\u202e" \u00a7 }')
    assert error.value.lines[1] == '  SELECT * WHERE { ?s ?p "\\u001b]0;x\\u202e" \u00a7 }'


def test_ordinary_queries_with_the_words_in_text_pass():
    text = ('SELECT ?service WHERE { ?service rdfs:label ?load . # SERVICE in a comment\r\n'
            ' FILTER (?load != "SERVICE <x> LOAD" && ?service != <http://x/SERVICE> && ?a<?b&&?c>?d) }')
    assert check(text).form == "SELECT"
    assert check("SELECT * WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o FILTER(?o = <http://a#b>) }")


def test_a_character_no_terminal_takes_is_a_syntax_error():
    with pytest.raises(QueryError) as error:
        check("SELECT * WHERE { ?s ?p ?o \u2028 }")
    assert error.value.lines[0] == "syntax error in the query at line 1, column 27: unexpected character U+2028"


def test_a_huge_query_is_not_echoed_back():
    text = "SELECT * WHERE { ?s ?p ?o } " + "a." * 32_000 + "\u00a7"
    with pytest.raises(QueryError) as error:
        check(text)
    assert all(len(line) < 200 for line in error.value.lines)
    assert error.value.lines[0] == "syntax error in the query at line 1, column 64029: unexpected character '§'"


def test_a_query_past_the_size_limit_is_refused_unread():
    with pytest.raises(QueryError) as error:
        check("#" * (MAX_QUERY_CHARS + 1))
    assert str(error.value) == f"the query has {MAX_QUERY_CHARS + 1:,} characters; the limit is {MAX_QUERY_CHARS:,}"
