"""SHACL core constraints compiled to SPARQL, each asked once over the whole store.

The shapes file uses a small part of SHACL core: counts, datatype, class,
ranges, language, pattern, sh:or, sh:lessThan and qualified counts, on
simple paths. Each (shape, constraint) becomes one SELECT whose rows are the
focus nodes that break it, so validation is a few dozen queries whatever
the corpus size. Every negation is written OPTIONAL + !BOUND, which Oxigraph
evaluates once (a NOT EXISTS is evaluated per row over the whole graph).

A shapes file that uses any other part of SHACL is refused when compiled,
never silently passed; pySHACL, the reference, gives the same verdicts on
every broken sample (tests/test_validation.py).
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from .shacl_sparql import Constraint, rule_name, targets
from .shapes import shapes_graph

#: The parts of SHACL a shape may use here; anything else is refused at compile time.
KNOWN = {SH.path, SH.property, SH.message, SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.minInclusive,
         SH.maxInclusive, SH.languageIn, SH.pattern, SH["or"], SH.lessThan, SH.qualifiedValueShape,
         SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf,
         SH.targetNode, SH.sparql, SH.name, SH.description, SH.deactivated, RDF.type, RDFS.comment, RDFS.label}


def constraints(shapes: Graph) -> list[Constraint]:
    """One query per (node shape, constraint) of the core constraints in `shapes`."""
    found = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        where = targets(shapes, shape)
        if not where or _deactivated(shapes, shape):
            continue
        target = "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {p} }}" for p in where) + " } }"
        _known(shapes, shape)
        for member in Collection(shapes, shapes.value(shape, SH["or"])) if shapes.value(shape, SH["or"]) else []:
            _known(shapes, member)
        node_or = shapes.value(shape, SH["or"])
        if node_or is not None:
            found.append(_constraint(shapes, shape, target + _node_or(shapes, node_or)))
        for prop in sorted(shapes.objects(shape, SH.property), key=str):
            if _deactivated(shapes, prop):
                continue
            _known(shapes, prop)
            found += [_constraint(shapes, prop, target + body) for body in _property(shapes, prop)]
    return found


def _deactivated(shapes: Graph, shape) -> bool:
    flag = shapes.value(shape, SH.deactivated)
    return flag is not None and flag.toPython() is True


def _known(shapes: Graph, shape) -> None:
    unknown = {p for p in shapes.predicates(shape, None) if p not in KNOWN}
    if unknown:
        raise ValueError(f"{shape}: SHACL {', '.join(sorted(map(str, unknown)))} is not compiled here; "
                         "add it to shacl_core or validate with --engine pyshacl")


def _constraint(shapes: Graph, shape, body: str) -> Constraint:
    message = str(shapes.value(shape, SH.message) or "breaks a shape")
    return Constraint(rule_name(shape, shapes.value(shape, SH.path)), message,
                      f"SELECT DISTINCT ?this WHERE {{ {body} }}")


def _property(shapes: Graph, prop) -> list[str]:
    """The WHERE-clause bodies (after the target) of each constraint of one property shape."""
    path = shapes.value(prop, SH.path)
    if not isinstance(path, URIRef):
        raise ValueError(f"{prop}: only a property IRI is compiled as sh:path here")
    p = path.n3()
    bodies = []
    low, high = shapes.value(prop, SH.minCount), shapes.value(prop, SH.maxCount)
    if low is not None or high is not None:
        bodies.append(_count(f"?this {p} ?value .", low, high))
    qualified = shapes.value(prop, SH.qualifiedValueShape)
    if qualified is not None:
        _known(shapes, qualified)
        test = _value_test(shapes, qualified)
        low, high = shapes.value(prop, SH.qualifiedMinCount), shapes.value(prop, SH.qualifiedMaxCount)
        bodies.append(_count(f"?this {p} ?value . FILTER ({test})", low, high))
    test = _value_test(shapes, prop)
    if test != "true":
        bodies.append(f"?this {p} ?value . FILTER (!({test}))")
    for other in shapes.objects(prop, SH.lessThan):
        bodies.append(f"?this {p} ?value . ?this {other.n3()} ?other . FILTER (!COALESCE(?value < ?other, false))")
    return bodies


def _count(pattern: str, low, high) -> str:
    having = []
    if low is not None:
        having.append(f"?count < {int(low)}")
    if high is not None:
        having.append(f"?count > {int(high)}")
    # Counted apart from the target, so a focus node with no value counts 0.
    return (f"OPTIONAL {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?found) WHERE {{ {pattern} }} GROUP BY ?this }} "
            f"BIND (COALESCE(?found, 0) AS ?count) FILTER ({' || '.join(having)})")


def _value_test(shapes: Graph, shape) -> str:
    """A SPARQL expression on ?value that holds when the value meets the shape's value constraints."""
    tests = []
    datatype = shapes.value(shape, SH.datatype)
    if datatype is not None:
        lang = ' && LANG(?value) = ""' if datatype == URIRef("http://www.w3.org/2001/XMLSchema#string") else ""
        tests.append(f"(isLiteral(?value) && DATATYPE(?value) = {datatype.n3()}{lang})")
    for cls in shapes.objects(shape, SH["class"]):
        tests.append(_instance(cls))
    minimum, maximum = shapes.value(shape, SH.minInclusive), shapes.value(shape, SH.maxInclusive)
    if minimum is not None:
        tests.append(f"COALESCE(?value >= {minimum.n3()}, false)")
    if maximum is not None:
        tests.append(f"COALESCE(?value <= {maximum.n3()}, false)")
    languages = shapes.value(shape, SH.languageIn)
    if languages is not None:
        tags = [str(tag) for tag in Collection(shapes, languages)]
        tests.append("(isLiteral(?value) && (" + " || ".join(f'LANGMATCHES(LANG(?value), "{t}")' for t in tags) + "))")
    for pattern in shapes.objects(shape, SH.pattern):
        tests.append(f"(!isBlank(?value) && COALESCE(REGEX(STR(?value), {Literal(str(pattern)).n3()}), false))")
    alternatives = shapes.value(shape, SH["or"])
    if alternatives is not None and shapes.value(shape, SH.path) is not None:
        members = list(Collection(shapes, alternatives))
        for member in members:
            _known(shapes, member)
        tests.append("(" + " || ".join(_value_test(shapes, member) for member in members) + ")")
    return " && ".join(tests) or "true"


def _instance(cls) -> str:
    """?value is an instance of `cls` (rdf:type, then rdfs:subClassOf*), as a filter."""
    return f"EXISTS {{ ?value <{RDF.type}>/<{RDFS.subClassOf}>* {cls.n3()} }}"


def _node_or(shapes: Graph, alternatives) -> str:
    """A node shape's sh:or of property shapes with minCount: broken when no member holds."""
    tests = []
    for index, member in enumerate(Collection(shapes, alternatives)):
        path, low = shapes.value(member, SH.path), shapes.value(member, SH.minCount)
        if path is None or low is None or int(low) != 1 or set(shapes.predicates(member)) - {SH.path, SH.minCount}:
            raise ValueError(f"{alternatives}: a node's sh:or is compiled here for [sh:path P; sh:minCount 1] members only")
        tests.append(f"OPTIONAL {{ ?this {path.n3()} ?alternative{index} }}")
    unbound = " && ".join(f"!BOUND(?alternative{i})" for i in range(len(tests)))
    return " ".join(tests) + f" FILTER ({unbound})"


@lru_cache(maxsize=1)
def shipped() -> tuple[Constraint, ...]:
    return tuple(constraints(shapes_graph()))
