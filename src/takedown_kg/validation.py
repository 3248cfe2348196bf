"""Validating a graph: SHACL shapes, ontology checks and the closed vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

import re
from contextlib import contextmanager

from . import resources
from .shacl_sparql import rule_name
from .sources import SourceMap
from .vocab import CLOSED_NAMESPACES, SHAPES, TK, qname


_IRI = re.compile(r"https?://[^\s<>\"{}|^`]+[^\s<>\"{}|^`.,;:)]")


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, on which node, and what to do about it."""

    rule: str
    focus: object
    message: str
    #: The offending term, where the rule is about a term rather than a node.
    term: URIRef | None = None

    def describe(self, graph: Graph, sources: SourceMap | None = None) -> str:
        where = ""
        anchor = _named_ancestor(graph, self.focus)
        if sources is not None:
            location = (self.term is not None and sources.locate(self.term)) or sources.locate(anchor)
            if location:
                where = f"{location}: "
        name = _name(graph, self.focus)
        if anchor is not None and anchor != self.focus:
            name = f"blank node under {_name(graph, anchor)}"
        message = _IRI.sub(lambda m: _name(graph, URIRef(m.group(0))), self.message)
        return f"{where}{name}: {message} [{self.rule}]"


@dataclass
class ValidationReport:
    """The outcome of validate(): conforms, the SHACL report graph, and text for people."""

    conforms: bool
    graph: Graph
    violations: list[Violation] = field(default_factory=list)
    rules_checked: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.conforms:
            return f"Conforms: {self.rules_checked} rules checked, no violations."
        head = f"Does not conform: {len(self.lines)} violation(s) of {self.rules_checked} rules checked."
        return "\n".join([head, *self.lines])


#: The SHACL engines validate() can use: "fast" (the default) and "pyshacl", the
#: reference it is tested against (same verdicts; benchmarks/corpus_scale.py measures both).
ENGINES = ("fast", "pyshacl")


def validate(data, *, sources: SourceMap | None = None, engine: str = "fast") -> ValidationReport:
    """Check `data` (a Corpus or an rdflib Graph) against the shapes, the ontology
    checks and the closed vocabularies.

    The fast engine runs everything as SPARQL on an Oxigraph store: each core
    constraint (shacl_core) and each SPARQL constraint (shacl_sparql) once over
    all its focus nodes, then the checks and the term rules. The "pyshacl"
    engine runs pySHACL and rdflib on the graph, as the standard reference.
    `sources`, when given, lets each violation name the file and line to fix.
    """
    from .corpus import Corpus

    corpus = data if isinstance(data, Corpus) else None
    graph = None if corpus is not None else data
    if engine == "pyshacl":
        graph = graph if graph is not None else corpus.union()
        shape_violations, report_graph, shape_count = _shacl(graph)
        check_violations, check_count = _checks(graph)
        found = [*_unknown_terms(graph), *_ill_typed_literals(graph), *check_violations, *shape_violations]
    else:
        store = corpus.union_store if corpus is not None else _store_of(graph)
        shape_violations, report_graph, shape_count = _fast_shacl(store)
        check_violations, check_count = _checks_on(store)
        found = [*_unknown_terms_on(store), *_ill_typed_on(store), *check_violations, *shape_violations]
    violations = sorted(found, key=lambda v: (v.rule, str(v.focus), v.message))
    lines = []
    if violations:
        # Only a failing check pays for an rdflib copy: names and blank-node owners come from it.
        graph = graph if graph is not None else corpus.union()
        if sources is None and corpus is not None:
            sources = corpus.where  # read from the files only when there is something to point at
        lines = list(dict.fromkeys(v.describe(graph, sources) for v in violations))
    return ValidationReport(
        conforms=not violations,
        graph=report_graph,
        violations=violations,
        rules_checked=shape_count + check_count + 2,
        lines=lines,
    )


def _store_of(graph: Graph):
    import pyoxigraph

    from .terms import to_oxigraph

    store = pyoxigraph.Store()
    store.bulk_extend(pyoxigraph.Quad(*map(to_oxigraph, triple)) for triple in graph)
    return store


def _fast_shacl(store) -> tuple[list[Violation], Graph, int]:
    from rdflib import BNode, Literal

    from . import shacl_core, shacl_sparql

    report = Graph()
    report.add((BNode(), RDF.type, SH.ValidationReport))
    for node in report.subjects(RDF.type, SH.ValidationReport):
        report.add((node, SH.conforms, Literal(True)))
    violations = []
    for finding in shacl_sparql.run(store, [*shacl_core.shipped(), *shacl_sparql.shipped()]):
        violations.append(Violation(finding.rule, finding.focus, finding.message))
        _add_result(report, finding)
    return violations, report, _rule_count()


def _add_result(report: Graph, finding) -> None:
    """A SPARQL finding as the sh:ValidationResult a SHACL engine would have written."""
    from rdflib import BNode, Literal

    result = BNode()
    for node in report.subjects(RDF.type, SH.ValidationReport):
        report.set((node, SH.conforms, Literal(False)))
        report.add((node, SH.result, result))
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.focusNode, finding.focus))
    report.add((result, SH.resultSeverity, SH.Violation))
    report.add((result, SH.sourceShape, SHAPES[finding.rule]))
    report.add((result, SH.resultMessage, Literal(finding.message)))


def _checks_on(store) -> tuple[list[Violation], int]:
    from .terms import to_rdflib

    return _checks(lambda text: (to_rdflib(row[0]) for row in store.query(text, use_default_graph_as_union=True)))


def _unknown_terms_on(store) -> list[Violation]:
    namespaces = {ns: cls for ns, cls in CLOSED_NAMESPACES.items() if cls is not TK}
    starts = " || ".join(f'STRSTARTS(STR(?term), "{ns}")' for ns in namespaces)
    # Each position on its own: one scan each, no join.
    query = ("SELECT DISTINCT ?term WHERE { { ?term ?p ?o } UNION { ?s ?term ?o } UNION { ?s ?p ?term } "
             f"FILTER (isIRI(?term) && ({starts})) }}")
    found = []
    for (term,) in store.query(query, use_default_graph_as_union=True):
        iri = URIRef(term.value)
        if any(iri.startswith(ns) and iri not in cls for ns, cls in namespaces.items()):
            found.append(Violation("unknown-term", iri, "not a term of its vocabulary; check the spelling", iri))
    return found


def _ill_typed_on(store) -> list[Violation]:
    """As _ill_typed_literals; rdflib's reading of each distinct typed literal decides."""
    from .terms import to_rdflib
    import pyoxigraph

    query = ("SELECT DISTINCT ?value WHERE { ?s ?p ?value FILTER (isLiteral(?value) && "
             "DATATYPE(?value) != <http://www.w3.org/2001/XMLSchema#string> && LANG(?value) = \"\") }")
    bad = [row[0] for row in store.query(query, use_default_graph_as_union=True) if to_rdflib(row[0]).ill_typed]
    if not bad:
        return []
    graph = Graph()
    for value in bad:
        for quad in store.quads_for_pattern(None, None, value):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(value)))
    return _ill_typed_literals(graph)


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(resources.shapes_file(), format="turtle")


def check_files() -> list[Path]:
    return sorted(resources.checks_dir().glob("*-violation.rq"))


@contextmanager
def _parse_each_query_once():
    """Let rdflib reuse a parsed query while pyshacl runs.

    pyshacl hands rdflib the same SPARQL constraint text once per focus node,
    and rdflib parses it afresh every time: 80 % of validation went to parsing.
    A prepared query is meant to be reused with other bindings, so the parse
    is cached for the duration of one validation.
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    original = SPARQLProcessor.query
    prepared: dict = {}

    def query(self, text, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803 (rdflib's names)
        if isinstance(text, str):
            key = (text, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in prepared:
                prepared[key] = translateQuery(parseQuery(text), base, initNs)
            text = prepared[key]
        return original(self, text, initBindings, initNs, base, DEBUG)

    SPARQLProcessor.query = query
    try:
        yield
    finally:
        SPARQLProcessor.query = original


def _shacl(graph: Graph) -> tuple[list[Violation], Graph, int]:
    import pyshacl  # heavy (~1 s): only the reference engine pays for it

    with _parse_each_query_once():
        _, report, _ = pyshacl.validate(
            graph, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=False
        )
    return _violations(report), report, _rule_count()


def _violations(report: Graph) -> list[Violation]:
    violations = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        constraint = report.value(result, SH.sourceConstraint)
        rule_node = constraint if isinstance(constraint, URIRef) else shape
        violations.append(
            Violation(
                rule=rule_name(rule_node, report.value(result, SH.resultPath)),
                focus=report.value(result, SH.focusNode),
                message=str(report.value(result, SH.resultMessage) or "breaks a shape"),
            )
        )
    return violations


def _rule_count() -> int:
    shapes = shapes_graph()
    return len({s for s in shapes.subjects() if isinstance(s, URIRef) and s.startswith(str(SHAPES))})


def _checks(first_column) -> tuple[list[Violation], int]:
    """Run each check (`first_column(text)` gives its offending terms; a Graph is queried)."""
    if isinstance(first_column, Graph):
        graph = first_column
        first_column = lambda text: (row[0] for row in graph.query(text))  # noqa: E731
    files = check_files()
    violations = []
    for path in files:
        rule = path.name[: -len("-violation.rq")]
        text = path.read_text(encoding="utf-8")
        message = _header(text)
        for term in first_column(text):
            violations.append(Violation(rule, term, message, term if isinstance(term, URIRef) else None))
    return violations, len(files)


def _header(query: str) -> str:
    """The first comment line of a check: what the offending rows are."""
    for line in query.splitlines():
        if line.startswith("#"):
            text = line.lstrip("# ").rstrip(".")
            return text[:1].lower() + text[1:]
    return "breaks an ontology check"


def _unknown_terms(graph: Graph) -> list[Violation]:
    # tk: terms are left to the undeclared-term check, which reads the ontology
    # in the graph itself rather than the list compiled into this package.
    namespaces = {ns: cls for ns, cls in CLOSED_NAMESPACES.items() if cls is not TK}
    found: set[URIRef] = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and term not in found:
                for ns, cls in namespaces.items():
                    if term.startswith(ns) and term not in cls:
                        found.add(term)
    return [
        Violation("unknown-term", term, "not a term of its vocabulary; check the spelling", term)
        for term in found
    ]


def _ill_typed_literals(graph: Graph) -> list[Violation]:
    """Literals whose text is not a value of their datatype ("abc"^^xsd:integer).

    A shape catches them only where one covers the property; this covers all.
    """
    found = []
    for subject, predicate, value in graph:
        if isinstance(value, Literal) and value.ill_typed:
            found.append(Violation(
                "ill-typed-literal", subject,
                f"{qname(graph, predicate)} {value.n3(graph.namespace_manager)} is not a valid "
                f"{qname(graph, value.datatype)}; write the value in that datatype's form or change the datatype",
                predicate,
            ))
    return found


def _named_ancestor(graph: Graph, node):
    """The nearest IRI a blank node hangs from, which a curator can find in a file."""
    seen = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        node = next(graph.subjects(None, node), None)
    return node


def _name(graph: Graph, node) -> str:
    if isinstance(node, URIRef):
        return qname(graph, node)
    if isinstance(node, BNode):
        return f"blank node _:{node}"
    if isinstance(node, Literal):
        return repr(str(node))
    return str(node)
