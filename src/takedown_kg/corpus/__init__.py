"""The corpus: the ontology and one named graph per source, and the one way any command gets them.

A source is a report (or reference data) in a folder of its own under
data/sources/<slug>/: `source.ttl` describing it, its text when held, its
facts in any other `*.ttl`. `open()` answers from the build's store when it
was built from exactly these inputs, and otherwise reads the inputs.

  sources.py    the source folders that --data names (discover)
  files.py      reading RDF files, every error naming file and line
  locations.py  where each IRI is written (for error messages)
  graphs.py     rdflib graphs with the project's prefixes
  dataset.py    the loaded corpus (load, Corpus)
  cache.py      the build's input key, manifest and store
  opening.py    open(): the build's store or the inputs
  texts.py      a text found in the held texts
"""

from ..doors import lazy_door

__getattr__, __all__ = lazy_door(__name__, {
    "open": "opening", "find": "opening", "Inputs": "opening", "recorded_build": "opening",
    "BUILT_QUADS": "opening", "DATA_FILES": "opening",
    "Corpus": "dataset", "load": "dataset", "load_project": "dataset", "build_graph": "dataset",
    "graph_name": "dataset", "prefixes": "dataset", "bind_prefixes": "dataset",
    "Source": "sources", "SOURCE_FILE": "sources", "discover": "sources", "default_data": "sources",
    "valid_slug": "sources", "no_source": "sources",
    "parse_rdf": "files", "read_quads": "files",
    "Location": "locations", "Locations": "locations",
    "LoadedGraph": "graphs", "new_graph": "graphs", "load_files": "graphs", "rebase": "graphs", "move_iri": "graphs",
    "MANIFEST": "cache", "input_key": "cache", "recorded_inputs": "cache", "read_manifest": "cache",
    "write_store": "cache", "link_store": "cache", "remove_other_stores": "cache", "matching_store": "cache",
    "open_store": "cache", "STORE_LINK": "cache",
    "Place": "texts", "locate": "texts",
})
