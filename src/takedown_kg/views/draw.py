"""The interactive HTML page: the node/edge view drawn with pyvis, self-contained.

pyvis holds the nodes, edges and options; the page itself comes from the
project's own template, because pyvis's template asks a CDN for Bootstrap and,
when a title contains "href", inserts every title as HTML. All data reaches the
page as JSON inside a script (Jinja's tojson escapes <, > and &) and is put
into the document with textContent only; a Content-Security-Policy forbids
every request, so the page works from file:// with no network.
"""

from __future__ import annotations

import re
import sys
import types
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SDO

from ..corpus import open as open_corpus
from ..outputs import write_atomically
from ..vocab import OA, TK, label, source_kind
from .comparison import fact_comparisons
from .network import SHAPES, neighbourhood, network_view, page_graph
from .pages import render_page
from .screenshot import take
from .words import LANGUAGES, isolated, page_words, say

#: Above this many nodes the page trades looks for speed (see options()).
LARGE = 1000


def render_html(view: nx.MultiDiGraph, graph: Graph, *, lang: str = "en", note: dict[str, str] | None = None,
                store=None) -> str:
    """The page for `view`, first shown in `lang` ("en" or "ur": its labels and its own words);
    `note`, by language, follows the source line.

    `store`, an Oxigraph store holding `graph` already, is where the comparisons are asked.
    """
    Network = _pyvis_network()
    net = Network(directed=True, cdn_resources="in_line")
    net.node_ids = _Ids()
    sources, reports = _sources_and_reports(view, graph, store)
    for node, data in view.nodes(data=True):
        said = reports.get(node, [])
        net.add_node(node, label=data["label_en"], shape=data["shape"], size=data["size"], color=data["color"], **_extra(data),
                     source=sources.get(node, ""), reports=said, disputed=any(r["relation"] == "disputes" for r in said))
    # pyvis's add_edge drops a second edge between the same two nodes; the
    # view has such pairs (organizer and attendee), so edges go in directly.
    for index, (source, target, data) in enumerate(view.edges(data=True)):
        net.edges.append({"id": f"e{index}", "from": source, "to": target, **data})
    nodes, edges, *_ = net.get_network_data()
    pyvis_lib = Path(__import__("pyvis").__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    words = page_words()
    return render_page(
        "network.html",
        title=words[lang]["title"],
        page_lang=lang,
        page_dir="rtl" if lang == "ur" else "ltr",
        words=words,
        vis_js=_script(pyvis_lib / "vis-network.min.js"),
        vis_css=(pyvis_lib / "vis-network.css").read_text(encoding="utf-8"),
        data={
            "nodes": nodes,
            "edges": edges,
            "classes": _legend(view),
            "sources": _source_choices(graph, set(sources.values())),
            "source_line": {each: " ".join(filter(None, [_source_line(graph, each), (note or {}).get(each, "")]))
                            for each in LANGUAGES},
            "shape_legend": {each: _shape_legend(view, each) for each in LANGUAGES},
            "lang": lang,
            "edge_labels": view.number_of_nodes() <= LARGE,
        },
        options=options(view.number_of_nodes()),
    )


def _pyvis_network():
    """pyvis's Network class, imported without IPython.

    pyvis imports IPython.display for its notebook output alone, which the page
    never uses: 1.4 s of every build and graph. Outside a notebook (IPython not
    imported yet) a stand-in serves that import and is removed again after it.
    """
    if "IPython" in sys.modules or "pyvis.network" in sys.modules:
        # lazy: the drawing libraries load only for a page
        from pyvis.network import Network

        return Network
    display = types.ModuleType("IPython.display")
    display.IFrame = None
    package = types.ModuleType("IPython")
    package.display = display
    sys.modules.update({"IPython": package, "IPython.display": display})
    try:
        # lazy: the drawing libraries load only for a page
        from pyvis.network import Network
    finally:
        del sys.modules["IPython"], sys.modules["IPython.display"]
    return Network


class _Ids(list):
    """pyvis's list of node ids, with a set beside it: add_node asks `id in list`
    for every node, which took 126 s at 57,000 nodes."""

    def __init__(self):
        super().__init__()
        self._seen: set = set()

    def append(self, item) -> None:
        self._seen.add(item)
        super().append(item)

    def __contains__(self, item) -> bool:
        return item in self._seen


def write_page(
    target: Path,
    *,
    data: list[Path] | None = None,
    base: str | None = None,
    source: str | None = None,
    lang: str = "en",
    focus: str | None = None,
    depth: int = 1,
    include_ontology: bool = False,
    screenshot: Path | None = None,
    search: str | None = None,
) -> list[Path]:
    """Write the page for the project's graph (or `data`), and a PNG of it if asked."""
    page = draw_corpus(open_corpus(data, base=base, only=source), source=source, lang=lang, focus=focus, depth=depth,
                       include_ontology=include_ontology)
    written = write_atomically({target: page.encode("utf-8")})
    if screenshot:
        written += write_atomically({screenshot: take(target, screenshot, search=search)})
    return written


def draw_corpus(corpus, *, source: str | None = None, lang: str = "en", focus: str | None = None, depth: int = 1,
                include_ontology: bool = False) -> str:
    """The page of a corpus (corpus.Corpus) as `takedown-kg graph` draws it, and serve's /graph.html: all of it,
    its overview past OVERVIEW_SOURCES sources, or the neighbourhood of `focus`."""
    graph, note = page_graph(corpus, source=source, whole=bool(focus))
    view = network_view(graph, include_ontology=include_ontology)
    if focus:
        view = neighbourhood(view, graph, focus, depth)
    return render_html(view, graph, lang=lang, note=note)


def options(node_count: int) -> dict:
    """vis-network options: a fixed seed and a bounded stabilisation, then physics off."""
    large = node_count > LARGE
    return {
        "layout": {"randomSeed": 20250724, "improvedLayout": node_count <= 150},
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -80, "springLength": 110, "avoidOverlap": 0.4},
            "stabilization": {"enabled": True, "iterations": _iterations(node_count), "updateInterval": 50, "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 200, "hideEdgesOnDrag": large, "keyboard": True},
        "nodes": {"font": {"face": "Noto Sans, Noto Naskh Arabic, DejaVu Sans, sans-serif"}, "borderWidth": 1},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"color": "#9fb3c8", "highlight": "#243b53", "hover": "#486581"},
            "font": {"size": 10, "face": "Noto Sans, Noto Naskh Arabic, DejaVu Sans, sans-serif", "align": "middle",
                     "color": "#52606d", "strokeWidth": 2},
            "smooth": False if large else {"type": "continuous"},
        },
    }


def _iterations(node_count: int) -> int:
    """Layout steps before physics stops: each step costs more on a larger graph."""
    if node_count <= 150:
        return 600
    return 250 if node_count <= LARGE else 120


def _extra(data: dict) -> dict:
    keys = ("iri", "qname", "label_en", "label_ur", "alt_labels", "cls", "class_en", "class_ur", "kind",
            "fact_id", "details", "evidence", "degree")
    return {k: data[k] for k in keys}


def _sources_and_reports(view: nx.MultiDiGraph, graph: Graph, store=None) -> tuple[dict[str, str], dict[str, list[dict]]]:
    """Each drawn fact's source, and what the other reports say of it (the rules of the query comparisons).

    Without a curator's shared subject in the graph there is nothing to
    compare, and the query is not run.
    """
    sources = {}
    for node in view.nodes:
        term = URIRef(node)
        sentence = graph.value(term, TK.statedIn)
        origin = graph.value(term, TK.citedFrom) or (graph.value(sentence, OA.hasSource) if sentence is not None else None)
        if origin is None and (term, RDF.type, TK.Source) in graph:
            origin = term
        if origin is not None:
            sources[node] = str(origin)
    if (None, RDF.type, TK.SharedSubject) not in graph:
        return sources, {}

    compared = fact_comparisons(graph, store=store)
    return sources, {node: [asdict(o) for o in compared[node].others] for node in view.nodes if node in compared}


def _source_choices(graph: Graph, drawn: set[str]) -> list[dict]:
    """The sources the filter offers: those with something drawn, by outlet."""
    choices = []
    for source in sorted(drawn):
        publisher = graph.value(URIRef(source), SDO.publisher)
        outlet, outlet_ur = ((label(graph, publisher, "en"), label(graph, publisher, "ur")) if publisher is not None
                             else (source, source))
        published = graph.value(URIRef(source), SDO.datePublished)
        choices.append({"iri": source, "outlet": outlet, "outlet_ur": outlet_ur, "published": str(published or "")})
    return sorted(choices, key=lambda c: (c["outlet"], c["iri"]))


def _legend(view: nx.MultiDiGraph) -> list[dict]:
    classes: dict[str, dict] = {}
    for _, data in view.nodes(data=True):
        entry = classes.setdefault(data["cls"], {"cls": data["cls"], "label_en": data["class_en"], "label_ur": data["class_ur"],
                                                 "color": data["color"], "shape": data["shape"], "count": 0})
        entry["count"] += 1
    return sorted(classes.values(), key=lambda c: (-c["count"], c["label_en"]))


def _shape_legend(view: nx.MultiDiGraph, lang: str) -> str:
    kinds = sorted({data["kind"] for _, data in view.nodes(data=True)}, key=list(SHAPES).index)
    shapes = [say("shape_of_kind", lang, kind=say(f"kind_{kind}", lang), shape=say(f"shape_{SHAPES[kind]}", lang))
              for kind in kinds]
    return say("shapes_legend", lang, shapes=say("list_separator", lang).join(shapes))


def _script(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    # A source-map comment would make developer tools fetch a file that is not there.
    text = re.sub(r"//# sourceMappingURL=\S+", "", text)
    # The script sits inside <script>; make sure it cannot close the element early.
    return text.replace("</script", "<\\/script")


def _source_line(graph: Graph, lang: str) -> str:
    """What the page is drawn from, in `lang`: the sources by kind, in the build summary's words, and the
    held texts by outlet."""
    sources = sorted(graph.subjects(RDF.type, TK.Source), key=str)
    sentences = len(set(graph.subjects(RDF.type, TK.Sentence)))
    if not sources:
        return say("source_data", lang, sentences=sentences)
    kinds = {s: source_kind(dataset=(s, RDF.type, SDO.Dataset) in graph, curation=(s, RDF.type, TK.Curation) in graph,
                            held=graph.value(s, TK.textHeld) == Literal(True)) for s in sources}
    held = [s for s in sources if kinds[s] == "text held"]
    publishers = [graph.value(s, SDO.publisher) for s in held if graph.value(s, SDO.publisher)]
    # Outlets in the order of their English names, in either language: the two lines list them alike.
    outlets = Counter((label(graph, p, "en"), isolated(label(graph, p, lang), lang)) for p in publishers)
    # A corpus may hold many reports of one outlet: each outlet once, with its count, the first few only.
    shown = [say("outlet_reports", lang, name=name, count=f"{count:,}") if count > 1 else name
             for (_, name), count in sorted(outlets.items())[:8]]
    more = [say("more_outlets", lang, count=len(outlets) - 8)] if len(outlets) > 8 else []
    parts = [say("one_source" if len(sources) == 1 else "many_sources", lang, count=f"{len(sources):,}")]
    if len(held) < len(sources):
        # Each kind as the build's summary counts them (vocab.source_tally): "7 cited, 1 curation, ...". When every
        # source's text is held, the next part says so.
        tally = Counter(kinds.values())
        parts[0] += " ({})".format(say("list_separator", lang).join(
            say(f"source_kind_{kind}", lang, count=f"{n:,}") for kind, n in sorted(tally.items())))
    if held:
        parts.append(say("text_held", lang, names=say("list_separator", lang).join(shown + more), sentences=sentences))
    return say("sources_line", lang, parts=say("part_separator", lang).join(parts))
