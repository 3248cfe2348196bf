"""SHACL-SPARQL constraints, each run once over the whole store on Oxigraph.

A SHACL engine runs a SPARQL constraint once per focus node with $this
pre-bound: at a thousand sources that is hundreds of thousands of queries,
and an engine that joins the binding in last makes each of them scan the
graph. The same constraint asked once, with the shape's targets as the
first pattern of its WHERE clause, gives the same rows (the focus node is
?this) in one query. The shapes stay standard SHACL; pySHACL reads the same
file, and tests/test_validation.py checks that both give the same verdicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from ..terms import to_rdflib
from ..vocab import SHAPES
from .shapes import shapes_graph


@dataclass(frozen=True)
class Constraint:
    """One sh:sparql constraint of one node shape, as a whole-store query."""

    rule: str
    message: str
    query: str


@dataclass(frozen=True)
class Finding:
    rule: str
    focus: object
    message: str


_SELECT_HEAD = re.compile(r"^\s*SELECT\s+(?:DISTINCT\s+)?(.*?)\s+WHERE\s*\{", re.IGNORECASE | re.DOTALL)
_THIS = re.compile(r"\$this\b")
_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


def constraints(shapes: Graph) -> list[Constraint]:
    """Every (node shape, SPARQL constraint) pair of `shapes` as a query over all focus nodes."""
    found = []
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        where = targets(shapes, shape)
        if not where:
            continue
        for node in sorted(shapes.objects(shape, SH.sparql), key=str):
            if shapes.value(node, SH.deactivated) is not None and shapes.value(node, SH.deactivated).toPython():
                continue
            select = str(shapes.value(node, SH.select))
            head = _SELECT_HEAD.match(select)
            if head is None:
                raise ValueError(f"{node}: a SPARQL constraint here is written SELECT ... WHERE {{ ... }}")
            projection = _THIS.sub("?this", head.group(1))
            variables = projection if re.search(r"\?this\b", projection) else f"?this {projection}"
            # Distinct first: a node that is the subject of a thousand tk:mentionedIn
            # triples is one focus node, not a thousand.
            target = "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {p} }}" for p in where) + " } }"
            body = _THIS.sub("?this", select[head.end():])
            query = f"{_prologue(shapes, node)}SELECT DISTINCT {variables} WHERE {{ {target} {body}"
            found.append(Constraint(rule_name(node), str(shapes.value(node, SH.message) or "breaks a shape"), query))
    return found


def rule_name(node, path=None) -> str:
    """A rule's name in reports: the shape's or constraint's local name under tks:, as pySHACL's results give it."""
    if isinstance(node, URIRef) and node.startswith(str(SHAPES)):
        return node[len(str(SHAPES)):]
    return f"shape on {path}" if path is not None else "shape"


def targets(shapes: Graph, shape) -> list[str]:
    """The SPARQL patterns that bind ?this to each focus node of `shape`."""
    patterns = [f"?this <{RDF.type}>/<{RDFS.subClassOf}>* <{c}> ." for c in shapes.objects(shape, SH.targetClass)]
    if (shape, RDF.type, RDFS.Class) in shapes:
        patterns.append(f"?this <{RDF.type}>/<{RDFS.subClassOf}>* <{shape}> .")
    patterns += [f"?this <{p}> ?target_value ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    patterns += [f"?target_subject <{p}> ?this ." for p in shapes.objects(shape, SH.targetObjectsOf)]
    patterns += [f"VALUES ?this {{ {n.n3()} }}" for n in shapes.objects(shape, SH.targetNode)]
    return sorted(patterns)


def _prologue(shapes: Graph, node) -> str:
    lines = []
    for declarations in shapes.objects(node, SH.prefixes):
        for declaration in shapes.objects(declarations, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def run(store, chosen: list[Constraint]) -> list[Finding]:
    """Each constraint's rows on `store` (queried as the union of its graphs), as findings."""
    findings = []
    for constraint in chosen:
        answer = store.query(constraint.query, use_default_graph_as_union=True)
        names = [v.value for v in answer.variables]
        for solution in answer:
            bound = {name: to_rdflib(solution[name]) for name in names if solution[name] is not None}
            focus = bound["this"]
            bound.setdefault("value", focus)
            message = _TEMPLATE.sub(lambda m: str(bound[m.group(1)]) if m.group(1) in bound else m.group(0),
                                    constraint.message)
            findings.append(Finding(constraint.rule, focus, message))
    return findings


@lru_cache(maxsize=1)
def shipped() -> tuple[Constraint, ...]:
    return tuple(constraints(shapes_graph()))
