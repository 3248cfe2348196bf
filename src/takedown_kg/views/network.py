"""The node/edge view of the graph: actors and the items that link them.

One networkx MultiDiGraph serves the HTML page, the GraphML and GEXF exports
and the statistics. Nodes are actors (anything mentioned in a sentence), the
reported items (events, claims, observations, demands) and the article; edges
are the RDF properties between them, labelled in English and Urdu. Literal
values, quantities and controlled terms become the node's details, and the
sentences its evidence, rather than nodes of their own.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS

from ..corpus import LoadedGraph, new_graph
from ..errors import UsageError
from ..terms import to_rdflib
from ..vocab import OA, TK, expand, fixed_names, label, qname
from .words import LANGUAGES, say

#: Shape per kind of node: the legend explains them.
SHAPES = {
    "actor": "dot",
    "post": "triangleDown",
    "event": "diamond",
    "claim": "triangle",
    "observation": "square",
    "demand": "star",
    "plan": "hexagon",
    "article": "box",
    "term": "ellipse",
}
_KIND_OF_CLASS = {
    TK.TakedownDrive: "event", TK.AccountReporting: "event", TK.AccountBlocking: "event",
    TK.AccountAction: "event",
    TK.FormalRequest: "event", TK.Meeting: "event", TK.MediaBriefing: "event", TK.Appeal: "event",
    TK.Publication: "event", TK.AccountLinkClaim: "claim", TK.ReportedClaim: "claim",
    TK.PlatformBan: "claim", TK.FollowerReach: "observation", TK.ComplianceObservation: "observation",
    TK.Demand: "demand", TK.DemandSet: "demand", TK.Strategy: "plan",
    URIRef("http://www.w3.org/ns/org#Post"): "post", SDO.NewsArticle: "article", TK.Source: "article",
}
#: Distinct colours (Okabe-Ito, Tol's muted and light schemes, then Kelly's), assigned to
#: classes in sorted order; 32 colours, so the article's 27 classes never share one.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#332288",
           "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
           "#6699CC", "#997700", "#BBBBBB", "#EE8866", "#77AADD", "#AAAA00", "#FFAABB", "#99DDFF",
           "#44BB99", "#BBCC33", "#EEDD88", "#875692", "#F38400", "#A1CAF1", "#C2B280", "#848482"]
# Properties shown elsewhere: the label, the class, the evidence and its voice.
_NOT_DETAILS = {RDF.type, RDFS.label, SKOS.altLabel, TK.statedIn, TK.mentionedIn, PROV.wasAttributedTo, SDO.text}


def network_view(graph: Graph, *, include_ontology: bool = False) -> nx.MultiDiGraph:
    """The node/edge view of `graph`, with every attribute the page and exports need."""
    with fixed_names(graph):
        return _network_view(graph, include_ontology)


def _network_view(graph: Graph, include_ontology: bool) -> nx.MultiDiGraph:
    view = nx.MultiDiGraph()
    nodes = _data_nodes(graph)
    if include_ontology:
        nodes |= _ontology_nodes(graph, nodes)
    classes = sorted({_main_class(graph, n) for n in nodes}, key=str)
    colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(classes)}
    for node in sorted(nodes, key=str):
        cls = _main_class(graph, node)
        view.add_node(
            str(node),
            iri=str(node),
            qname=qname(graph, node),
            label_en=label(graph, node, "en"),
            label_ur=label(graph, node, "ur"),
            alt_labels=sorted(str(a) for a in graph.objects(node, SKOS.altLabel)),
            cls=qname(graph, cls),
            class_en=label(graph, cls, "en"),
            class_ur=label(graph, cls, "ur"),
            kind=_kind(graph, node, cls),
            color=colours[cls],
            fact_id=str(graph.value(node, DCTERMS.identifier) or ""),
            details=_details(graph, node, nodes),
            evidence=_evidence(graph, node),
        )
    for s, p, o in sorted(graph, key=lambda t: tuple(map(str, t))):
        if s in nodes and o in nodes and p not in (TK.statedIn, TK.mentionedIn):
            if p == RDF.type and not include_ontology:
                continue
            view.add_edge(str(s), str(o), key=str(p), predicate=str(p), qname=qname(graph, p),
                          label_en=label(graph, p, "en"), label_ur=label(graph, p, "ur"))
    for node, degree in view.degree():
        view.nodes[node]["degree"] = degree
        view.nodes[node]["size"] = round(12 + 6 * math.sqrt(degree), 1)
        view.nodes[node]["shape"] = SHAPES[view.nodes[node]["kind"]]
    return view


def neighbourhood(view: nx.MultiDiGraph, graph: Graph, subject: str, depth: int) -> nx.MultiDiGraph:
    """The part of the view within `depth` steps of `subject` (an IRI, prefixed name or label)."""
    if depth < 0:
        raise UsageError("--depth must be 0 or more")
    node = find_node(view, graph, subject)
    keep = nx.single_source_shortest_path_length(view.to_undirected(as_view=True), node, cutoff=depth)
    return view.subgraph(keep).copy()


def find_node(view: nx.MultiDiGraph, graph: Graph, subject: str) -> str:
    names = {}
    for node, data in view.nodes(data=True):
        for name in (node, data["qname"], data["label_en"], data["label_ur"], *data["alt_labels"]):
            names.setdefault(name.casefold(), node)
    expanded = expand(subject, dict(graph.namespaces())) or subject
    for candidate in (subject.strip("<>"), expanded):
        if candidate.casefold() in names:
            return names[candidate.casefold()]
    close = difflib.get_close_matches(subject.casefold(), list(names), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "give an IRI, a prefixed name such as tkd:telegram, or a label"
    raise UsageError(f"no node {subject!r} in the graph; {hint}")


def _data_nodes(graph: Graph) -> set:
    items = set(graph.transitive_subjects(RDFS.subClassOf, TK.ReportedItem))
    nodes = {s for s in graph.subjects(TK.mentionedIn, None)}
    nodes |= {s for cls in items for s in graph.subjects(RDF.type, cls)}
    nodes |= set(graph.subjects(RDF.type, SDO.NewsArticle))
    return {n for n in nodes if isinstance(n, URIRef)}


def _ontology_nodes(graph: Graph, data: set) -> set:
    terms = {o for n in data for o in graph.objects(n, RDF.type)}
    terms |= {o for n in data for p, o in graph.predicate_objects(n)
              if isinstance(o, URIRef) and str(o).startswith(str(TK))}
    terms |= {sup for t in list(terms) for sup in graph.transitive_objects(t, RDFS.subClassOf)}
    return {t for t in terms if isinstance(t, URIRef)}


def _main_class(graph: Graph, node):
    types = sorted(graph.objects(node, RDF.type), key=str)
    if not types:
        return OWL.Thing
    # The most specific: a type that no other type of the node is a subclass of.
    specific = [t for t in types if not any(o != t and (o, RDFS.subClassOf, t) in graph for o in types)]
    own = [t for t in specific if str(t).startswith(str(TK))]
    return (own or specific or types)[0]


def _kind(graph: Graph, node, cls) -> str:
    if cls in _KIND_OF_CLASS:
        return _KIND_OF_CLASS[cls]
    if str(node).startswith(str(TK)) or cls in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        return "term"
    if (node, TK.mentionedIn, None) in graph:
        return "actor"
    return "term"


def _details(graph: Graph, node, nodes: set) -> list[dict]:
    """Each property that is not an edge, as English and Urdu text."""
    rows: dict[URIRef, dict] = {}
    for p, o in sorted(graph.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
        if p in _NOT_DETAILS or o in nodes:
            continue
        row = rows.setdefault(p, {"property": qname(graph, p), "name_en": label(graph, p, "en"),
                                  "name_ur": label(graph, p, "ur"), "value_en": [], "value_ur": []})
        en, ur = _value(graph, o)
        if en:
            row["value_en"].append(en)
        if ur:
            row["value_ur"].append(ur)
    out = []
    for row in rows.values():
        row["value_en"] = "; ".join(row["value_en"] or row["value_ur"])
        row["value_ur"] = "; ".join(row["value_ur"] or [row["value_en"]])
        out.append(row)
    return out


def _value(graph: Graph, term) -> tuple[str, str]:
    if isinstance(term, Literal):
        if term.language == "ur":
            return "", str(term)
        if term.language == "en":
            return str(term), ""
        return str(term), str(term)
    if (term, RDF.type, SDO.QuantitativeValue) in graph:
        return _quantity(graph, term), str(graph.value(term, TK.statedAs) or "")
    return label(graph, term, "en"), label(graph, term, "ur")


def _quantity(graph: Graph, quantity) -> str:
    unit = str(graph.value(quantity, SDO.unitText) or "")
    exact, minimum, maximum = (graph.value(quantity, p) for p in (SDO.value, SDO.minValue, SDO.maxValue))
    if exact is not None:
        figure = f"{exact}"
    elif minimum is not None:
        strict = (quantity, TK.minExclusive, Literal(True)) in graph
        figure = f"{'more than' if strict else 'at least'} {minimum}"
        if maximum is not None:
            figure += f" and at most {maximum}"
    elif maximum is not None:
        figure = f"at most {maximum}"
    else:
        figure = "no figure given"
    if unit == "percent":
        return figure + ("%" if figure[-1].isdigit() else "")
    return f"{figure} {unit}".strip()


def _evidence(graph: Graph, node) -> list[dict]:
    sentences = set(graph.objects(node, TK.statedIn)) | set(graph.objects(node, TK.mentionedIn))
    out = []
    for sentence in sentences:
        span = graph.value(sentence, OA.hasSelector)
        voice = graph.value(node, PROV.wasAttributedTo) or graph.value(sentence, PROV.wasAttributedTo)
        out.append({
            "sentence": str(graph.value(sentence, RDFS.label) or qname(graph, sentence)),
            "number": int(graph.value(sentence, TK.sentenceNumber) or 0),
            "line": int(graph.value(sentence, TK.lineNumber) or 0),
            "start": int(graph.value(span, OA.start) or 0),
            "end": int(graph.value(span, OA.end) or 0),
            "text": str(graph.value(span, OA.exact) or ""),
            "voice_en": label(graph, voice, "en") if voice else "",
            "voice_ur": label(graph, voice, "ur") if voice else "",
        })
    return sorted(out, key=lambda e: e["number"])


#: A corpus of more sources than this is drawn as an overview (see overview_graph).
OVERVIEW_SOURCES = 30

_OVERVIEW = """
PREFIX tk: <https://w3id.org/takedown-kg/ontology#>
PREFIX schema: <https://schema.org/>
CONSTRUCT { ?s ?p ?o } WHERE {
    { ?s ?p ?o FILTER (!STRSTARTS(STR(?s), "BASE")) }
    UNION { ?s ?p ?o FILTER (ACTOR(?s) && ?p != tk:mentionedIn) }
    UNION { ?s a tk:Source ; ?p ?o FILTER (?p != schema:text) }
    UNION { { SELECT ?s (MIN(?first) AS ?o) WHERE { ?s tk:mentionedIn ?first FILTER (ACTOR(?s)) } GROUP BY ?s }
            BIND (tk:mentionedIn AS ?p) }
    UNION { { SELECT (MIN(?first) AS ?sentence) WHERE { ?actor tk:mentionedIn ?first FILTER (ACTOR(?actor)) } GROUP BY ?actor }
            { ?sentence ?p ?o BIND (?sentence AS ?s) }
            UNION { ?sentence <http://www.w3.org/ns/oa#hasSelector> ?s . ?s ?p ?o }
            UNION { ?sentence <http://www.w3.org/ns/oa#hasSource> ?s . ?s ?p ?o FILTER (?p != schema:text) } }
}"""


def overview_graph(corpus) -> Graph:
    """The actors and the sources of a large corpus, each actor with the first sentence that names it.

    Drawing every fact of a thousand sources would give a page of ~100 MB that
    no browser lays out; the overview stays the size of the actors and sources,
    and `takedown-kg graph --source SLUG` or `--focus NAME` draws the rest.
    """
    base = corpus.base
    # The base as a SPARQL string literal, escaped: --base is the user's text, never query syntax.
    quoted = Literal(base).n3()
    actor = lambda term: f'(STRSTARTS(STR({term}), {quoted}) && !CONTAINS(STRAFTER(STR({term}), {quoted}), "/"))'
    text = _OVERVIEW.replace('"BASE"', quoted)
    text = re.sub(r"ACTOR\((\?\w+)\)", lambda m: actor(m.group(1)), text)
    graph = new_graph(base=base)
    for prefix, namespace in corpus.prefixes().items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for triple in corpus.union_store.query(text):
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


def page_graph(corpus, *, source: str | None = None, whole: bool = False) -> tuple[Graph, dict[str, str]]:
    """The graph a page draws (all of it, or the overview of a large corpus) and a note saying which,
    by language ({} when the whole graph is drawn)."""
    if source is None and not whole and len(corpus.sources) > OVERVIEW_SOURCES:
        count = len(corpus.sources)
        return overview_graph(corpus), {lang: say("overview_note", lang, count=f"{count:,}") for lang in LANGUAGES}

    return LoadedGraph(corpus=corpus).graph, {}


def load_view(data: list[Path] | None = None, *, base: str | None = None, source: str | None = None,
              include_ontology: bool = False, whole: bool = False):
    """The corpus's graph (or `data`, as --data takes it), its view, and the page's note
    (a large corpus gives its overview unless `whole`)."""
    # lazy: the package's version, read only when a key is made
    from .. import corpus

    graph, note = page_graph(corpus.open(data, base=base, only=source), source=source, whole=whole)
    return graph, network_view(graph, include_ontology=include_ontology), note
