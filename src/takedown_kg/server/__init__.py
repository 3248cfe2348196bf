"""serve: the graph as a SPARQL 1.1 Protocol endpoint, with a query page.

- dataset.py   open_dataset: the one place that decides what serve answers from
- protocol.py  what a request asks (query, graphs, formats) and the answer's bytes
- workers.py   the pre-forked, sandboxed query processes
- http.py      the HTTP server: routes, limits, access log
- page.py      the query page
"""

from .dataset import Served, open_dataset
from .http import Server

__all__ = ["Served", "Server", "open_dataset"]
