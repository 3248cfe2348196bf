"""serve: the graph as a SPARQL 1.1 Protocol endpoint, with a query page.

- dataset.py   open_dataset: what serve answers from (through corpus.open)
- protocol.py  what a request asks (query, graphs, formats) and the answer's bytes
- workers.py   the pre-forked, sandboxed query processes; an answer's body crosses their pipe raw
- loop.py      HTTP/1.1 on every connection from one thread (selectors): parsing, bounds, keep-alive, the log,
               answers passed on a piece at a time as each client takes them
- dispatch.py  queries handed to the workers from that loop (one sent ahead when all are busy), their answers read in it
- lanes.py     the threads that make the exports and the pages (slow, once each; the network page in a sandboxed child)
- http.py      the server: routes, the names it answers to, limits, access log
- page.py      the query page
"""

from ..doors import lazy_door

__getattr__, __all__ = lazy_door(__name__, {
    "Served": "dataset", "open_dataset": "dataset", "Server": "http", "is_loopback": "http",
    "allowed_host": "http", "Log": "loop",
})
