"""The node/edge view for network tools: GraphML (Cytoscape, yEd) and GEXF (Gephi).

Both formats hold only scalar attributes, so lists and records (alternative
labels, details, evidence) are converted to JSON text rather than dropped.
"""

from __future__ import annotations

import io
import json
import re

import networkx as nx
from rdflib import Graph

from .network import network_view

_STRUCTURED = ("alt_labels", "details", "evidence")


def flat_view(graph: Graph) -> nx.MultiDiGraph:
    view = network_view(graph)
    flat = nx.MultiDiGraph()
    for node, data in view.nodes(data=True):
        attributes = {k: json.dumps(v, ensure_ascii=False) if k in _STRUCTURED else v for k, v in data.items()}
        # Gephi and Cytoscape show the "label" attribute on the node.
        flat.add_node(node, label=data["label_en"], **attributes)
    for source, target, key, data in view.edges(keys=True, data=True):
        flat.add_edge(source, target, key=key, **data)
    return flat


def graphml(graph: Graph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(flat_view(graph), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def gexf(graph: Graph) -> bytes:
    view = flat_view(graph)
    for _, data in view.nodes(data=True):
        red, green, blue = (int(data["color"][i:i + 2], 16) for i in (1, 3, 5))
        # Gephi reads colour and size from the viz namespace.
        data["viz"] = {"color": {"r": red, "g": green, "b": blue, "a": 1.0}, "size": data["size"]}
    buffer = io.BytesIO()
    nx.write_gexf(view, buffer, encoding="utf-8", prettyprint=True)
    # The writer stamps today's date; without it, the same graph gives the same file.
    return re.sub(rb' lastmodifieddate="[^"]*"', b"", buffer.getvalue())
