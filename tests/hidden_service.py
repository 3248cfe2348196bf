"""A corpus of queries with SERVICE hidden in every lexical position.

Each entry: name -> (query text with {url} for the endpoint, whether SERVICE
is really inert there: inside a comment or a string for every reader).
VALUES gives one row before SERVICE, so an engine that sees SERVICE calls it.
"""

CR, LF, CRLF, LS = "\r", "\n", "\r\n", "\u2028"
S = "SERVICE <{url}> { ?s ?p ?o }"

CORPUS: dict[str, tuple[str, bool]] = {
    "plain": ("SELECT * WHERE { VALUES ?z { 1 } " + S + " }", False),
    "codepoint-escape-u": ("SELECT * WHERE { VALUES ?z { 1 } \\u0053ERVICE <{url}> { ?s ?p ?o } }", False),
    "codepoint-escape-U": ("SELECT * WHERE { VALUES ?z { 1 } \\U00000053ERVICE <{url}> { ?s ?p ?o } }", False),
    "codepoint-escape-inside": ("SELECT * WHERE { VALUES ?z { 1 } SERVI\\u0043E <{url}> { ?s ?p ?o } }", False),
    "comment-ended-by-cr": ("SELECT * WHERE { VALUES ?z { 1 } # c" + CR + S + LF + "}", False),
    "comment-ended-by-crlf": ("SELECT * WHERE { VALUES ?z { 1 } # c" + CRLF + S + LF + "}", False),
    "comment-ended-by-lf": ("SELECT * WHERE { VALUES ?z { 1 } # c" + LF + S + LF + "}", False),
    "cr-then-long-string": ('SELECT * WHERE { VALUES ?z { 1 } # x' + CR + '""" ' + LF + S + ' #"""' + LF + "}", False),
    "comment-over-line-separator": ("SELECT * WHERE { VALUES ?z { 1 } # c" + LS + S + LF + "}", True),
    "quote-escaped-in-string": ('SELECT * WHERE { VALUES ?z { "\\u0022 } ' + S + ' # " } }', False),
    "apostrophe-escaped-in-string": ("SELECT * WHERE { VALUES ?z { '\\u0027 } " + S + " # ' } }", False),
    "string-escape": ('SELECT * WHERE { VALUES ?z { "a\\" } ' + S + ' # " } }', True),
    "long-string": ('SELECT * WHERE { VALUES ?z { """ } ' + S + ' """ } }', True),
    "iri-closed-by-escape": ("SELECT * WHERE { VALUES ?z { <x\\u003E } " + S + " # > } }", False),
    "local-name-escaped-apostrophe": ("PREFIX x: <http://x/> SELECT * WHERE { VALUES ?z { x:a\\' } " + S + " # ' " + LF + "}", False),
    "local-name-escaped-quote": ('PREFIX x: <http://x/> SELECT * WHERE { VALUES ?z { x:a\\" } ' + S + ' # " ' + LF + "}", False),
    "local-name-escaped-hash": ("PREFIX x: <http://x/> SELECT * WHERE { VALUES ?z { x:a\\# } " + S + " }", False),
    "less-than-or-iri": ("SELECT * WHERE { VALUES ?z { 1 } FILTER(?z<?z)SERVICE<{url}>{?s ?p ?o}#>" + LF + "}", False),
    "lower-case": ("select * where { values ?z { 1 } service <{url}> { ?s ?p ?o } }", False),
    "silent": ("SELECT * WHERE { VALUES ?z { 1 } SERVICE SILENT <{url}> { ?s ?p ?o } }", False),
    "variable-endpoint": ("SELECT * WHERE { BIND(<{url}> AS ?u) SERVICE ?u { ?s ?p ?o } }", False),
    "in-comment": ("SELECT * WHERE { VALUES ?z { 1 } # " + S + LF + "}", True),
    "in-string": ('SELECT * WHERE { VALUES ?z { "' + S + '" } }', True),
}


def queries(url: str) -> dict[str, str]:
    return {name: text.replace("{url}", url) for name, (text, _) in CORPUS.items()}


def live(name: str) -> bool:
    """True when SERVICE is a clause for at least one reader."""
    return not CORPUS[name][1]
