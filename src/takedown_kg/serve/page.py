"""The query page at /: an editor, the named queries, a results table; no request but to this server."""

from __future__ import annotations

from ..export import formats
from ..text import counted
from .dataset import Served
from .protocol import RDF_FORMATS, RESULT_TYPES

TITLE = "takedown-kg: SPARQL on the reports of Pakistan's social-media takedowns"
EXAMPLE = "SELECT ?platform ?rate WHERE {\n  ?observation tk:platform ?platform ; tk:complianceRate/schema:value ?rate .\n} ORDER BY DESC(?rate)\n"


def query_page(served: Served, queries: dict) -> str:
    # lazy: the server's front loads it when first asked, not at start
    from ..views import render_page

    prefixes = served.prefixes
    data = {
        "prefixes": prefixes,
        "prefix_block": "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()),
        "example": EXAMPLE,
        "queries": [{"name": q.name, "description": q.description, "text": q.text} for q in queries.values()],
        "formats": {"SELECT": list(RESULT_TYPES), "ASK": ["json", "xml"], "CONSTRUCT": list(RDF_FORMATS)},
    }
    exports = [{"file": f"graph{f.suffix}", "description": f.description} for f in formats()]
    summary = (f"{served.size()}: the ontology and {counted(len(served.slugs), 'source')}, each in a named graph "
               f"of its own{', and the default graph' if served.default_graph else ''}.")
    return render_page("query.html", title=TITLE, summary=summary, exports=exports, data=data)
