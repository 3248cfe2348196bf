"""Checks: the data against the SHACL shapes, the ontology checks and the closed vocabularies.

  validation.py    validate(): the fast engine (SPARQL on Oxigraph), the checks, the terms
  shacl_core.py    SHACL Core constraints as SPARQL
  shacl_sparql.py  SHACL-SPARQL constraints
  reference.py     pySHACL, the reference the fast engine is tested against
  shapes.py        the shipped shapes and checks
  report.py        what was found, with file and line
"""

from ..doors import lazy_door

__getattr__, __all__ = lazy_door(__name__, {
    "validate": "validation", "conformance_warnings": "validation", "ENGINES": "validation",
    "ValidationReport": "report", "Violation": "report",
    "shapes_graph": "shapes", "check_files": "shapes",
})
