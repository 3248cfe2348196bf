"""SPARQL: a query resolved, checked, run on either engine in a sandboxed child, its answer written.

  run.py           query(): the data chosen, the query run under its limits
  library.py       the named queries (queries/*.rq)
  bindings.py      values for a query's variables, read as Turtle terms
  safety.py        what a query may not do (write, SERVICE, foreign FROM)
  review.py        common mistakes: unknown prefixes, ungrouped variables, misspelt terms
  sandbox.py       no network and bounded memory for a query's process
  isolation.py     the forked child, its time limit and its answer
  limits.py        --timeout and --memory as given
  engines.py       rdflib and Oxigraph behind one interface
  rdflib_parse.py  rdflib's parse made apart, on the other core
  results.py       the results formats (SPARQL JSON, XML, CSV, TSV, a table)
"""

from ..doors import lazy_door

__getattr__, __all__ = lazy_door(__name__, {
    "query": "run", "resolve": "run",
    "QueryResult": "engines", "OxigraphEngine": "engines", "RdflibEngine": "engines", "as_result": "engines",
    "ENGINES": "engines",
    "named_queries": "library", "named_query": "library", "prefix_block": "library",
    "read_term": "bindings", "bind_terms": "bindings",
    "check": "safety", "READINGS": "safety", "expand_escapes": "safety", "tokens": "safety",
    "MAX_QUERY_CHARS": "safety",
    "Sandbox": "sandbox", "enter": "sandbox",
    "run_isolated": "isolation", "decode_answer": "isolation", "decode_message": "isolation",
    "encode_answer": "isolation", "settle_child": "isolation",
    "time_limit": "limits", "memory_limit": "limits", "DEFAULT_TIMEOUT": "limits", "DEFAULT_MEMORY_MB": "limits",
    "RESULT_FORMATS": "results", "TABLE": "results", "write_table": "results", "write_answer": "results",
})
