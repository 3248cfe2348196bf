"""Counting what a graph holds: triples, actors by class, facts, voices."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDFS, SDO

from ..corpus import Corpus, new_graph
from ..terms import to_rdflib
from ..text import counted, triple_count
from ..vocab import DATA_BASE, TK, fixed_names, qname, source_kind, source_tally

# The actors first, each once, then their classes: joined the other way round, a shared
# actor's every mention met every class of it (10 s at a thousand sources, now 0.03 s).
_ACTOR_CLASSES = """
SELECT ?actor ?class WHERE {
    { SELECT DISTINCT ?actor WHERE { ?actor tk:mentionedIn ?sentence } }
    ?actor a ?class .
}"""

_FACTS = """
SELECT ?fact ?id ?voice ?sentence WHERE {
    ?fact a/rdfs:subClassOf* tk:ReportedItem ;
          dcterms:identifier ?id .
    OPTIONAL { ?fact prov:wasAttributedTo ?voice }
    OPTIONAL { ?fact tk:statedIn ?sentence }
}"""
_SOURCES = """
SELECT ?source ?held ?dataset ?curation WHERE {
    ?source a tk:Source ; tk:textHeld ?held .
    OPTIONAL { ?source a schema:Dataset BIND (true AS ?dataset) }
    OPTIONAL { ?source a tk:Curation BIND (true AS ?curation) }
}"""


#: What a source that states no facts counts instead.
_COUNTED = {"reference data": "link", "curation": "subject"}


@dataclass
class Summary:
    triples: int
    ontology_triples: int
    #: Each graph's triples added up (a triple two graphs hold counts twice), and how many graphs hold them.
    statements: int
    graphs: int
    actors_by_class: dict[str, int]
    fact_ids: list[str]
    sentences: int
    voices: dict[str, int]
    #: (slug, what it is: "text held", "cited", "reference data", "curation", its number of facts) per source.
    sources: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def actors(self) -> int:
        return sum(self.actors_by_class.values())

    def lines(self) -> list[str]:
        ids = sorted(self.fact_ids, key=lambda i: int(i[1:]))
        span = f" ({ids[0]}-{ids[-1]})" if ids else ""
        out = [
            f"graph       {triple_count(self.triples, self.statements, self.graphs)}; "
            f"ontology {self.ontology_triples:,}, data {self.triples - self.ontology_triples:,}",
            f"actors      {self.actors}",
        ]
        width = max((len(name) for name in self.actors_by_class), default=0)
        out += [f"  {name:<{width}}  {count}" for name, count in self.actors_by_class.items()]
        if self.sources:
            out.append(f"sources     {len(self.sources)} ({source_tally(kind for _, kind, _ in self.sources)})")
            width = max(len(slug) for slug, _, _ in self.sources)
            out += [f"  {slug:<{width}}  {kind:<14} {counted(count, _COUNTED.get(kind, 'fact'))}"
                    for slug, kind, count in self.sources]
            out.append(f"facts       {sum(c for _, kind, c in self.sources if kind not in _COUNTED):,}, "
                       f"of them {len(ids)}{span} in the held text, "
                       f"stated in {counted(self.sentences, 'sentence')}")
        else:
            out.append(f"facts       {len(ids)}{span}, stated in {counted(self.sentences, 'sentence')}")
        out.append("voices      " + ", ".join(f"{name} {count}" for name, count in self.voices.items()))
        return out


# Both readers hold each triple once (a graph; the corpus's union store): no DISTINCT needed.
_COUNTS = """
SELECT (COUNT(*) AS ?triples) (SUM(IF(STRSTARTS(STR(?s), ?base), 0, 1)) AS ?ontology_triples) WHERE { ?s ?p ?o }"""
_SENTENCES = "SELECT (COUNT(DISTINCT ?sentence) AS ?n) WHERE { ?sentence a tk:Sentence }"
_LINKS = "SELECT DISTINCT ?link WHERE { ?link a tk:IdentifierLink }"
_SUBJECTS = "SELECT DISTINCT ?subject WHERE { ?subject a tk:SharedSubject }"
_LABELS = 'SELECT ?node ?label WHERE { ?node rdfs:label ?label FILTER (LANG(?label) = "en") }'
_NAMESPACES = {"tk": str(TK), "rdfs": str(RDFS), "dcterms": str(DCTERMS), "prov": str(PROV), "schema": str(SDO)}


def summarize(data, *, data_base: str = DATA_BASE) -> Summary:
    """What `data` holds (a Corpus, counted on its Oxigraph store, or an rdflib graph)."""
    rows, names = _reader(data)
    with fixed_names(names):
        classes = Counter(qname(names, row[1]) for row in rows(_ACTOR_CLASSES))
        facts = rows(_FACTS)
        english = {node: str(text) for node, text in rows(_LABELS)}
        voices = Counter()
        for _, _, voice, _ in facts:
            voices[english.get(voice, qname(names, voice)) if voice is not None else "none"] += 1
    # Counted by the folder they are minted in (<base><slug>/), once: not a scan per source.
    found = {"reference data": _by_home(str(row[0]) for row in rows(_LINKS)),
             "curation": _by_home(str(row[0]) for row in rows(_SUBJECTS)),
             None: _by_home(str(row[0]) for row in facts)}
    sources = []
    for source, held, dataset, curation in sorted(rows(_SOURCES), key=lambda row: str(row[0])):
        home = str(source).rsplit("/", 1)[0] + "/"
        slug = home[len(data_base):].strip("/")
        kind = source_kind(dataset=dataset is not None, curation=curation is not None, held=held.toPython())
        # Reference data counts its identifier links, a curation its shared subjects, a report its facts.
        sources.append((slug, kind, found.get(kind, found[None]).get(home, 0)))
    # Escaped as a literal: --base is the user's text, never query syntax.
    (triples, ontology), = rows(_COUNTS.replace("?base", Literal(data_base).n3()))
    (sentences,), = rows(_SENTENCES)
    statements, graphs = _statements(data, int(triples))
    return Summary(
        triples=int(triples),
        ontology_triples=int(ontology or 0),
        statements=statements,
        graphs=graphs,
        actors_by_class=dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        # The fact inventory's ids are those of the facts stated in a held text.
        fact_ids=sorted({str(row[1]) for row in facts if row[3] is not None}),
        sentences=int(sentences),
        voices=dict(sorted(voices.items(), key=lambda kv: (-kv[1], kv[0]))),
        sources=sorted(sources, key=lambda row: (row[1] != "text held", row[1], row[0])),
    )


def _statements(data, triples: int) -> tuple[int, int]:
    """The statements of every graph added up, and the graphs: a plain graph is one graph of `triples`."""
    if not isinstance(data, Corpus):
        return triples, 1
    return len(data.quads), len({quad.graph_name for quad in data.quads})  # the corpus holds each quad once


def _by_home(nodes) -> Counter:
    """How many distinct nodes each namespace folder (the IRI up to its last '/') holds."""
    return Counter(node.rsplit("/", 1)[0] + "/" for node in set(nodes))


def _reader(data):
    """A function running a SELECT on `data` (rows of rdflib terms), and a graph naming its prefixes."""
    if not isinstance(data, Corpus):
        # Plain strings: a graph on Oxigraph's store hands the prefixes to Rust.
        return (lambda text: [tuple(row) for row in data.query(text, initNs=_NAMESPACES)]), data

    names = new_graph(base=data.base)
    for prefix, namespace in data.prefixes().items():
        names.bind(prefix, namespace, override=True, replace=True)
    prologue = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in _NAMESPACES.items())

    def rows(text):
        answer = data.union_store.query(prologue + text)
        return [tuple(to_rdflib(solution[v]) for v in answer.variables) for solution in answer]

    return rows, names
