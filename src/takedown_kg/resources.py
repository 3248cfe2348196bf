"""Where the shipped ontology, data and queries live, in a wheel or a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # A wheel carries the folders inside the package; a checkout (editable
    # install or PYTHONPATH=src) keeps them at the top of the repository.
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent.parent / name


def ontology_dir() -> Path:
    return _shipped("ontology")


def data_dir() -> Path:
    return _shipped("data")


def queries_dir() -> Path:
    return _PACKAGE / "sparql" / "queries"


def ontology_file() -> Path:
    return ontology_dir() / "takedown.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def checks_dir() -> Path:
    return ontology_dir() / "checks"


def sources_dir() -> Path:
    """The shipped corpus: one folder per source (see the corpus package)."""
    return data_dir() / "sources"
