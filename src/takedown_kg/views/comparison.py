"""What other reports say of each fact of a source: the comparisons query, grouped for people.

The rules that judge two facts (corroborating, disagreeing, different) are
SPARQL, in the named query `comparisons`, so that the queries, this report and
the network page judge alike on every engine. This module only runs that
query with the details a reader needs (outlet, date, address, the report's own
words) and groups its rows by fact.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, SDO

from ..corpus import load_project
from ..errors import UsageError
from ..vocab import TK, label
from .pages import render_page

#: How a pair's status reads from the side of the other report.
RELATIONS = {"corroborating": "confirms", "disagreeing": "disputes", "different": "differs"}
_ORDER = list(RELATIONS.values())

# The facts of every source and what a reader needs to see of each: its
# outlet, the report's date and address, and its value in the report's words.
_DETAILS = """
SELECT ?fact ?id ?label ?source ?outlet ?published ?address ?words WHERE {
    ?fact dcterms:identifier ?id ;
          rdfs:label ?label ;
          tk:citedFrom|tk:statedIn/oa:hasSource ?source .
    FILTER (lang(?label) = "en")
    OPTIONAL { ?source schema:publisher/rdfs:label ?outlet . FILTER (lang(?outlet) = "en") }
    OPTIONAL { ?source schema:datePublished ?published }
    OPTIONAL { ?source schema:url ?address }
    OPTIONAL { ?fact ?measure ?quantity . { ?quantity tk:statedAs ?figureWords } }
    OPTIONAL { ?fact schema:startDate ?date }
    OPTIONAL { ?fact tk:cooperationLevel/rdfs:label ?level . FILTER (lang(?level) = "en") }
    BIND (COALESCE(?figureWords, STR(?date), ?level) AS ?words)
}"""


@dataclass(frozen=True)
class OtherReport:
    """Another report's fact on the same subject, and how it stands to ours."""

    relation: str  # confirms, disputes or differs
    reason: str
    fact: str
    id: str
    source: str
    outlet: str
    published: str
    address: str
    words: str


@dataclass
class FactComparison:
    fact: str
    id: str
    label: str
    others: list[OtherReport] = field(default_factory=list)

    def count(self, relation: str) -> int:
        """How many other reports (not facts) stand in `relation` to this fact."""
        return len({o.source for o in self.others if o.relation == relation})

    @property
    def status(self) -> str:
        parts = []
        if self.count("confirms"):
            parts.append(f"corroborated by {self.count('confirms')}")
        if self.count("disputes"):
            parts.append(f"disputed by {self.count('disputes')}")
        return ", ".join(parts) or "only this source"


@dataclass
class Comparison:
    """Every fact of one source with what the other reports say of it."""

    source: str
    slug: str
    outlet: str
    facts: list[FactComparison]

    def as_dict(self) -> dict:
        return {"source": self.source, "slug": self.slug, "outlet": self.outlet,
                "facts": [{**asdict(f), "status": f.status} for f in self.facts]}


def fact_comparisons(graph: Graph, *, store=None) -> dict[str, FactComparison]:
    """Every fact of `graph` (the union of the sources and the curation), keyed by IRI;
    asked of `store` when given (an Oxigraph store already holding `graph`)."""
    # lazy: the query and check stages load only when this runs
    from ..sparql import OxigraphEngine, check, named_query

    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    engine = (OxigraphEngine(store, prefixes=prefixes) if store is not None
              else OxigraphEngine.from_graph(graph, prefixes=prefixes))
    details = engine.run(check(_DETAILS), {})
    facts: dict[str, FactComparison] = {}
    about: dict[str, dict] = {}
    for fact, id_, name, source, outlet, published, address, words in details.rows:
        row = {"fact": str(fact), "id": str(id_), "source": str(source), "outlet": _text(outlet),
               "published": _text(published), "address": _text(address), "words": _text(words)}
        # A fact with two figures or two sentences answers twice: keep the first words.
        about.setdefault(str(fact), row)
        facts.setdefault(str(fact), FactComparison(str(fact), str(id_), str(name)))
    pairs = engine.run(check(named_query("comparisons").text), {})
    names = pairs.variables
    for values in pairs.rows:
        pair = dict(zip(names, values))
        mine, theirs = str(pair["fact"]), str(pair["other"])
        if mine in facts and theirs in about:
            facts[mine].others.append(OtherReport(RELATIONS[str(pair["status"])], str(pair["reason"]), **about[theirs]))
    for compared in facts.values():
        compared.others.sort(key=lambda o: (_ORDER.index(o.relation), o.published or "9999", o.outlet, o.id))
    return facts


def compare(slug: str = "pni", *, data: list[Path] | None = None, base: str | None = None) -> Comparison:
    """What the other reports say of each fact of the source `slug`."""
    # lazy: needed only to suggest a name in an error
    import difflib

    loaded = load_project(data=data, base=base)
    graph = loaded.graph
    home = f"{loaded.corpus.base}{slug}/"
    reports = sorted(s for s in graph.subjects(RDF.type, TK.Source) if str(s).startswith(home))
    if not reports:
        slugs = loaded.corpus.slugs()
        close = difflib.get_close_matches(slug, slugs, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"the sources are: {', '.join(slugs)}"
        raise UsageError(f"no source {slug!r}; {hint}")
    report = reports[0]
    facts = [f for f in fact_comparisons(graph).values() if f.fact.startswith(home)]
    facts.sort(key=lambda f: (int(f.id[1:]) if f.id[1:].isdigit() else 0, f.id))
    publisher = graph.value(report, SDO.publisher)
    return Comparison(str(report), slug, label(graph, publisher, "en") if publisher else slug, facts)


def _text(term) -> str:
    return "" if term is None else str(term)


# --- the four forms -----------------------------------------------------------

def table(comparison: Comparison) -> str:
    """For reading in a terminal or on paper: a line per fact, an indented line per other report."""
    counts = {status: sum(1 for f in comparison.facts if kind(f) == status)
              for status in ("corroborated", "disputed", "only this source")}
    lines = [f"What other reports say of the facts of {comparison.outlet} ({comparison.slug}): "
             f"{len(comparison.facts)} facts, {counts['corroborated']} corroborated, {counts['disputed']} disputed, "
             f"{counts['only this source']} only this source"]
    id_width = max((len(f.id) for f in comparison.facts), default=2)
    status_width = max((len(f.status) for f in comparison.facts), default=0)
    others = [o for f in comparison.facts for o in f.others]
    outlet_width = max((len(o.outlet) for o in others), default=0)
    words_width = max((len(o.words or "-") for o in others), default=0)
    for fact in comparison.facts:
        lines.append(f"{fact.id:<{id_width}}  {fact.status:<{status_width}}  {fact.label}")
        for other in fact.others:
            line = (f"{'':<{id_width}}    {other.relation:<8}  {other.outlet:<{outlet_width}}  "
                    f"{other.published or '-':<10}  {other.words or '-':<{words_width}}  {other.address}")
            if other.relation != "confirms":
                line += f"  ({other.reason})"
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def kind(fact: FactComparison) -> str:
    """The status without its counts: disputed wins over corroborated."""
    if fact.count("disputes"):
        return "disputed"
    return "corroborated" if fact.count("confirms") else "only this source"


CSV_COLUMNS = ["id", "fact", "label", "status", "relation", "outlet", "published", "words", "address", "reason", "other"]


def csv_text(comparison: Comparison) -> str:
    """One row per fact and other report (a fact no other report speaks of has one row, its status alone)."""
    # lazy: only this output format needs it
    import csv

    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF line ends, as the query command's CSV
    writer.writerow(CSV_COLUMNS)
    for fact in comparison.facts:
        head = [fact.id, fact.fact, fact.label, fact.status]
        if not fact.others:
            writer.writerow(head + [""] * 7)
        for o in fact.others:
            writer.writerow(head + [o.relation, o.outlet, o.published, o.words, o.address, o.reason, o.fact])
    return out.getvalue()


def json_text(comparison: Comparison) -> str:
    return json.dumps(comparison.as_dict(), ensure_ascii=False, indent=2) + "\n"


def html_text(comparison: Comparison) -> str:
    """A self-contained page, as the network page: data as JSON put in with textContent, a CSP that forbids every request."""
    data = comparison.as_dict()
    for fact, compared in zip(data["facts"], comparison.facts):
        fact["kind"] = kind(compared)
    return render_page("compare.html", title=f"What other reports say of the facts of {comparison.outlet}", data=data)


COMPARE_FORMATS = {"table": table, "csv": csv_text, "json": json_text, "html": html_text}
