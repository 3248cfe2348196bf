"""What serve answers from: the dataset, opened once, in an Oxigraph store.

open_dataset takes what corpus.find() decides, as every command does: the
build's store (out/store) when it was built from exactly these inputs, and
otherwise the corpus loaded in a sandboxed child, as `query` does.

The workers are forked from the server after open_dataset, and query the
store they inherit. The build's store is copied into memory first: an
in-memory store is shared with the workers copy-on-write, while an on-disk
one (RocksDB keeps threads and file handles) would not survive a fork.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import corpus, resources
from ..sparql import Sandbox, run_isolated
from ..text import counted, triple_count
from ..vocab import DATA_BASE


_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


@dataclass
class Served:
    """The dataset behind the endpoint: an Oxigraph store and what names its graphs."""

    store: object  # pyoxigraph.Store
    base: str
    slugs: list[str]
    #: Where it came from, for the line serve prints when it starts.
    origin: str
    #: The build's folder when it was built from exactly these inputs: its files are the exports.
    built: Path | None = None
    #: What `query` would warn about on these inputs (data that does not conform), said once at start.
    warnings: list[str] = field(default_factory=list)
    #: The inputs' sources (corpus.Source) and other RDF files, as corpus.find() found them.
    sources: list = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: The union's triples, each once, when the build or the loader counted them; else counted at start.
    triples: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _dataset: object = field(default=None, repr=False)

    def __post_init__(self):
        # lazy: Oxigraph loads when quads are first made, not with the module
        import pyoxigraph

        # Read once, now: once the workers are forked, the server never touches the
        # store again (a lock held in one thread at a fork would stay held in the child).
        self._graphs = sorted(g.value for g in self.store.named_graphs())
        self._size = len(self.store)
        if self.triples is None or not 0 <= self.triples <= self._size:  # build.json is a file anyone may edit
            # Each triple once across the graphs, the default one too (2.5 s at 700,000 statements).
            union = self.store.query(_TRIPLES, use_default_graph_as_union=True)
            self.triples = int(next(iter(union))[0].value)
        #: Whether the default graph holds anything (the corpus's: what each source's graph is).
        default = pyoxigraph.DefaultGraph()
        self.default_graph = any(True for _ in self.store.quads_for_pattern(None, None, None, default))
        self._quads = self.store.dump(format=pyoxigraph.RdfFormat.N_QUADS)

    @property
    def prefixes(self) -> dict[str, str]:
        return corpus.prefixes(self.base, self.slugs)

    def graphs(self) -> list[str]:
        """The named graphs (the ontology and each source), by name."""
        return list(self._graphs)

    def __len__(self) -> int:
        """The statements of every graph added up (a triple two graphs hold counts twice)."""
        return self._size

    def size(self) -> str:
        """"2,158 triples (2,160 statements in 12 graphs)", as the build says it."""
        return triple_count(self.triples, self._size, len(self._graphs) + self.default_graph)

    def dataset(self):
        """The same quads as an rdflib Dataset with the corpus's prefixes (for the exports), made once."""
        with self._lock:
            if self._dataset is None:
                # lazy: the server's front loads it when first asked, not at start
                from rdflib import Dataset

                dataset = Dataset(default_union=True)
                corpus.bind_prefixes(dataset, self.prefixes)
                dataset.parse(data=self._quads, format="nquads")
                self._dataset = dataset
            return self._dataset

    def corpus(self):
        """The same quads as the corpus.Corpus a command opens on these inputs: what the network page is
        drawn from. Made in a sandboxed child only: the server never touches the store once it has forked."""
        return corpus.Corpus(list(self.store), self.sources, self.base, self.files)

    def union(self):
        """Every triple of every graph in one rdflib Graph (the flat exports)."""
        # lazy: the server's front loads it when first asked, not at start
        from ..corpus import new_graph

        graph = new_graph(base=self.base)
        for slug in self.slugs:
            graph.bind(slug, f"{self.base}{slug}/", override=True, replace=True)
        for part in self.dataset().graphs():
            graph.addN((s, p, o, graph) for s, p, o in part)
        return graph


def open_dataset(data: list[Path] | None = None, *, base: str | None = None, out_dir: Path = Path("out"),
                 seconds: float = 300.0, memory: int = 4096 << 20) -> Served:
    """The corpus (or `data`) in an in-memory Oxigraph store: a copy of the build's store when
    it matches the inputs, else loaded now in a sandboxed child under `seconds` and `memory`."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    inputs = corpus.find(data, base=base, out_dir=out_dir)
    store = pyoxigraph.Store()
    if inputs.store is not None:
        store.bulk_extend(corpus.open_store(inputs.store))
        recorded = corpus.read_manifest(out_dir).get("triples")
        return Served(store, inputs.base, inputs.slugs(), f"{out_dir / corpus.STORE_LINK} (the build of these inputs)",
                      built=out_dir, sources=inputs.sources, files=inputs.files,
                      triples=recorded if isinstance(recorded, int) else None)
    readable = [*inputs.readable(), resources.ontology_file(), resources.shapes_file(), *resources.checks_dir().glob("*.rq")]

    def load() -> tuple[bytes, list[str], list[str], int]:
        # lazy: the server's front loads it when first asked, not at start
        from ..checks import conformance_warnings
        from ..export import get_format

        loaded = inputs.read()
        # The check `query` makes on the same inputs (a build that matches them has passed it).
        return get_format("nquads").write(loaded), loaded.slugs(), conformance_warnings(loaded), len(loaded.triples)

    quads, slugs, warnings, triples = run_isolated(load, seconds=seconds, sandbox=Sandbox(memory=memory, readable=tuple(map(str, readable))))
    store.bulk_load(quads, format=pyoxigraph.RdfFormat.N_QUADS)
    shown = ("the shipped corpus" if data is None
             else f"{counted(len(inputs.sources), 'source')} and {counted(len(inputs.files), 'file')} "
                  "given with --data")
    return Served(store, base or DATA_BASE, slugs, f"{shown}, loaded in memory", warnings=warnings,
                  sources=inputs.sources, files=inputs.files, triples=triples)
