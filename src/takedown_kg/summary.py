"""Counting what a graph holds: triples, actors by class, facts, voices."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from .vocab import DATA_BASE, TK, label, qname

_ACTOR_CLASSES = """
SELECT DISTINCT ?actor ?class WHERE {
    ?actor tk:mentionedIn ?sentence ; a ?class .
}"""

_FACTS = """
SELECT ?fact ?id ?voice WHERE {
    ?fact a/rdfs:subClassOf* tk:ReportedItem ;
          dcterms:identifier ?id .
    OPTIONAL { ?fact prov:wasAttributedTo ?voice }
}"""


@dataclass
class Summary:
    triples: int
    ontology_triples: int
    actors_by_class: dict[str, int]
    fact_ids: list[str]
    sentences: int
    voices: dict[str, int]

    @property
    def actors(self) -> int:
        return sum(self.actors_by_class.values())

    def lines(self) -> list[str]:
        ids = sorted(self.fact_ids, key=lambda i: int(i[1:]))
        span = f" ({ids[0]}-{ids[-1]})" if ids else ""
        out = [
            f"triples     {self.triples} (ontology {self.ontology_triples}, data {self.triples - self.ontology_triples})",
            f"actors      {self.actors}",
        ]
        width = max((len(name) for name in self.actors_by_class), default=0)
        out += [f"  {name:<{width}}  {count}" for name, count in self.actors_by_class.items()]
        out.append(f"facts       {len(ids)}{span}, stated in {self.sentences} sentences")
        out.append("voices      " + ", ".join(f"{name} {count}" for name, count in self.voices.items()))
        return out


def summarize(graph: Graph, *, data_base: str = DATA_BASE) -> Summary:
    namespaces = {"tk": TK, "rdfs": RDFS, "dcterms": DCTERMS, "prov": PROV}
    classes = Counter(qname(graph, row[1]) for row in graph.query(_ACTOR_CLASSES, initNs=namespaces))
    facts = list(graph.query(_FACTS, initNs=namespaces))
    voices = Counter()
    for _, _, voice in facts:
        voices[label(graph, voice, "en") if voice is not None else "none"] += 1
    return Summary(
        triples=len(graph),
        ontology_triples=sum(1 for s, _, _ in graph if not str(s).startswith(data_base)),
        actors_by_class=dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        fact_ids=sorted({str(row[1]) for row in facts}),
        sentences=len(set(graph.subjects(RDF.type, TK.Sentence))),
        voices=dict(sorted(voices.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
