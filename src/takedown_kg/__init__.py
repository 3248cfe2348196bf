"""takedown-kg: a news report on social-media takedowns as a validated RDF knowledge graph.

The public functions are imported on first use, so that `import takedown_kg`
(and every command) stays fast: SHACL, the drawing libraries and the SPARQL
parser load only where they are needed.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "build": "export",
    "build_graph": "corpus",
    "validate": "checks",
    "ValidationReport": "checks",
    "query": "sparql",
    "QueryResult": "sparql",
    "network_view": "views",
    "ExitCode": "errors",
    "TakedownError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'takedown_kg' has no attribute {name!r}")
