"""The reference engine: pySHACL over rdflib, which the fast engine is tested against."""

from __future__ import annotations

from contextlib import contextmanager

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from .report import Violation
from .shacl_sparql import rule_name
from .shapes import rule_count, shapes_graph


@contextmanager
def _parse_each_query_once():
    """Let rdflib reuse a parsed query while pyshacl runs.

    pyshacl hands rdflib the same SPARQL constraint text once per focus node,
    and rdflib parses it afresh every time: 80 % of validation went to parsing.
    A prepared query is meant to be reused with other bindings, so the parse
    is cached for the duration of one validation.
    """
    # lazy: rdflib's SPARQL stack loads only where rdflib runs a query
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


def pyshacl_violations(graph: Graph) -> tuple[list[Violation], Graph, int]:
    import pyshacl  # heavy (~1 s): only the reference engine pays for it

    with _parse_each_query_once():
        _, report, _ = pyshacl.validate(
            graph, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=False
        )
    return _violations(report), report, rule_count()


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
