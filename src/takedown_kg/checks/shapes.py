"""The rules: the SHACL shapes and the ontology checks shipped with the package."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef

from .. import resources
from ..vocab import SHAPES


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(resources.shapes_file(), format="turtle")


def check_files() -> list[Path]:
    return sorted(resources.checks_dir().glob("*-violation.rq"))


def rule_count() -> int:
    shapes = shapes_graph()
    return len({s for s in shapes.subjects() if isinstance(s, URIRef) and s.startswith(str(SHAPES))})
