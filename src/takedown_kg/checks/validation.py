"""Validating a graph: SHACL shapes, ontology checks and the closed vocabularies."""

from __future__ import annotations

import re
import warnings

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ..corpus import Corpus, Locations, graph_name
from ..terms import oxigraph_store, to_rdflib
from ..text import counted
from ..vocab import CLOSED_NAMESPACES, ONTOLOGY_IRI, SHAPES, TK, qname
from . import shacl_core, shacl_sparql
from .reference import pyshacl_violations
from .report import ValidationReport, Violation
from .shapes import check_files, rule_count

#: The SHACL engines validate() can use: "fast" (the default) and "pyshacl", the
#: reference it is tested against (same verdicts; benchmarks/corpus_scale.py measures both).
ENGINES = ("fast", "pyshacl")


def validate(data, *, locations: Locations | None = None, engine: str = "fast") -> ValidationReport:
    """Check `data` (a Corpus or an rdflib Graph) against the shapes, the ontology
    checks and the closed vocabularies.

    The fast engine runs everything as SPARQL on an Oxigraph store: each core
    constraint (shacl_core) and each SPARQL constraint (shacl_sparql) once over
    all its focus nodes, then the checks and the term rules. The "pyshacl"
    engine runs pySHACL and rdflib on the graph, as the standard reference.
    `locations`, when given, lets each violation name the file and line to fix.
    """
    corpus = data if isinstance(data, Corpus) else None
    graph = None if corpus is not None else data
    # The rules about who says what need the named graphs, which only a corpus has.
    found = _graphs_of_others(corpus)
    if engine == "pyshacl":
        if corpus is not None:
            found += _checks(corpus.dataset, about_graphs=True)
        graph = graph if graph is not None else corpus.union()
        shape_violations, report_graph, shape_count = pyshacl_violations(graph)
        found += [*_unknown_terms(graph), *_ill_typed_literals(graph), *_checks(graph), *shape_violations]
    else:
        if corpus is not None:
            # First, on a store of the graphs that is let go before the union's is made.
            found += _checks(_rows_on(corpus.passing_store()), about_graphs=True)
        store = corpus.union_store if corpus is not None else oxigraph_store(graph)
        shape_violations, report_graph, shape_count = _fast_shacl(store)
        found += [*_unknown_terms_on(store), *_ill_typed_on(store), *_checks(_rows_on(store)), *shape_violations]
    violations = sorted(found, key=lambda v: (v.rule, str(v.focus), v.message))
    lines = []
    if violations:
        # Only a failing check pays for an rdflib copy: names and blank-node owners come from it.
        graph = graph if graph is not None else corpus.union()
        if locations is None and corpus is not None:
            locations = corpus.locations  # read from the files only when there is something to point at
        lines = list(dict.fromkeys(v.describe(graph, locations) for v in violations))
    return ValidationReport(
        conforms=not violations,
        graph=report_graph,
        violations=violations,
        rules_checked=shape_count + len(check_files()) + 3,
        lines=lines,
    )


def _fast_shacl(store) -> tuple[list[Violation], Graph, int]:
    report = Graph()
    report.add((BNode(), RDF.type, SH.ValidationReport))
    for node in report.subjects(RDF.type, SH.ValidationReport):
        report.add((node, SH.conforms, Literal(True)))
    violations = []
    for finding in shacl_sparql.run(store, [*shacl_core.shipped(), *shacl_sparql.shipped()]):
        violations.append(Violation(finding.rule, finding.focus, finding.message))
        _add_result(report, finding)
    return violations, report, rule_count()


def _add_result(report: Graph, finding) -> None:
    """A SPARQL finding as the sh:ValidationResult a SHACL engine would have written."""
    result = BNode()
    for node in report.subjects(RDF.type, SH.ValidationReport):
        report.set((node, SH.conforms, Literal(False)))
        report.add((node, SH.result, result))
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.focusNode, finding.focus))
    report.add((result, SH.resultSeverity, SH.Violation))
    report.add((result, SH.sourceShape, SHAPES[finding.rule]))
    report.add((result, SH.resultMessage, Literal(finding.message)))


def _rows_on(store):
    """A function giving a query's rows on an Oxigraph store, as rdflib terms (its graphs' union as default)."""
    return lambda text: (tuple(map(to_rdflib, row)) for row in store.query(text, use_default_graph_as_union=True))


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


def _checks(rows, *, about_graphs: bool = False) -> list[Violation]:
    """Run the checks about who says what (`about_graphs`), or the others: `rows(text)` gives
    a check's rows (a Graph or Dataset is queried).

    A check's first column is the offending term. A check about who says what
    names, second, the graph the offending statement is in (SELECT ?term ?graph):
    it is run on the dataset with its named graphs, and the line it reports is
    looked for in that graph's files, not where the term is first written.
    """
    rows = _rows_of(rows)
    violations = []
    for path in check_files():
        text = path.read_text(encoding="utf-8")
        if (_ABOUT_GRAPHS.search(text) is not None) != about_graphs:
            continue
        rule, message = path.name[: -len("-violation.rq")], _header(text)
        for row in rows(text):
            term, within = row[0], row[1] if len(row) > 1 else None
            violations.append(Violation(rule, term, message, term if isinstance(term, URIRef) else None, within))
    return violations


#: A check about who says what: it projects the offending term, then the graph that says it.
_ABOUT_GRAPHS = re.compile(r"^\s*SELECT\s+(?:DISTINCT\s+)?\?term\s+\?graph\b", re.IGNORECASE | re.MULTILINE)


def _rows_of(chosen):
    """A function giving a query's rows: `chosen` itself, or the querying of a Graph."""
    if not isinstance(chosen, Graph):
        return chosen

    def rows(text):
        with warnings.catch_warnings():
            # rdflib's GRAPH asks a Dataset for its deprecated contexts().
            warnings.simplefilter("ignore", DeprecationWarning)
            return list(chosen.query(text))

    return rows


def _graphs_of_others(corpus: Corpus | None) -> list[Violation]:
    """A file given with --data that adds statements to a source's named graph or the ontology's.

    What a source says is what its own folder's files say: statements put into
    its graph from elsewhere would be read as its claims. An export of the
    corpus given beside it adds nothing to those graphs, and passes.
    """
    if corpus is None:
        return []
    reserved = {str(ONTOLOGY_IRI), *(str(graph_name(slug, corpus.base)) for slug in corpus.slugs())}
    return [Violation("foreign-graph", URIRef(name), _FOREIGN_GRAPH, URIRef(name), path)
            for path, names in corpus.file_graphs.items() for name in names if name in reserved]


_FOREIGN_GRAPH = ("a file given with --data writes into the named graph of a source or of the ontology, where its "
                  "statements would pass for theirs; give them a graph of its own, or put them in the source's folder")


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


def conformance_warnings(loaded) -> list[str]:
    """A warning when curated sources do not conform: the answer may rest on broken data.
    A corpus read from its build needs no look: the build refuses data that does not conform."""
    if not loaded.sources or loaded.built:
        return []
    report = validate(loaded)
    if report.conforms:
        return []
    return [f"the data does not conform ({counted(len(report.lines), 'violation')}; first: {report.lines[0]}); "
            "run takedown-kg validate"]
