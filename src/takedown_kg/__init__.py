"""takedown-kg: a news report on social-media takedowns as a validated RDF knowledge graph."""

from .build import build
from .errors import ExitCode, TakedownError
from .graph import build_graph
from .validation import ValidationReport, validate

__all__ = ["ExitCode", "TakedownError", "ValidationReport", "build", "build_graph", "validate"]
__version__ = "0.1.0"
