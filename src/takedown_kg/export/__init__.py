"""Export: the build and its outputs, in every RDF format and the network formats.

  builder.py       build(): validate, then write every output whole
  format_table.py  the format table (name, suffix, media type, writer)
  summary.py       the counts the build prints
  infer.py         build --infer (OWL RL)
"""

from ..doors import lazy_door

__getattr__, __all__ = lazy_door(__name__, {
    "build": "builder", "BuildResult": "builder",
    "Format": "format_table", "Statements": "format_table", "formats": "format_table", "find_format": "format_table",
    "format_for": "format_table", "get_format": "format_table",
    "summarize": "summary", "Summary": "summary",
    "entailed": "infer",
})
