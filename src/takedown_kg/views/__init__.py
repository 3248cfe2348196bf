"""Views: the graph for people, as a network page, counts, network files, a comparison and pictures.

  network.py     the node/edge view (networkx) of the graph
  draw.py        the interactive network page (pyvis's vis-network)
  pages.py       the HTML templates and their script hashes
  words.py       the network page's own words, in English and Urdu
  comparison.py  what other reports say of a source's facts
  stats.py       counts and centrality
  netexport.py   GraphML and GEXF
  screenshot.py  PNG through Chromium
"""

from ..doors import lazy_door

__getattr__, __all__ = lazy_door(__name__, {
    "network_view": "network", "load_view": "network", "page_graph": "network", "neighbourhood": "network",
    "render_html": "draw", "write_page": "draw", "draw_corpus": "draw",
    "render_page": "pages", "with_script_hashes": "pages",
    "NETWORK_WORDS": "words", "page_words": "words",
    "compare": "comparison", "COMPARE_FORMATS": "comparison", "table": "comparison",
    "network_stats": "stats",
    "graphml": "netexport", "gexf": "netexport",
    "take": "screenshot", "chromium_path": "screenshot",
})
