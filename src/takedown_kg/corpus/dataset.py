"""The corpus: one folder per source, one named graph per source, one loader for every command.

A source is a report (or reference data such as Wikidata identifiers) in a
folder of its own under data/sources/<slug>/: a `source.ttl` describing it,
its text when the text is held (`*.txt`, attached to the report whose
tk:sha256 it matches), and its facts in any other `*.ttl`. Inside a source's
files the empty prefix is the source's own namespace (`@prefix : <> .`), so
its sentences and facts are minted under `<base><slug>/` and two sources
never collide, whatever ids they use. Actors shared by all sources are
written under tkd: as before.

Files given with --data that are not sources keep their own named graphs
(N-Quads and TriG); other files go to the default graph.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import PROV, RDF, SDO, NamespaceManager

from .. import resources
from ..errors import InputError, UsageError
from ..progress import Progress
from ..terms import to_rdflib
from ..text import display_path, read_text
from ..vocab import DATA_BASE, ONTOLOGY_IRI, PREFIXES, TK
from .files import read_quads
from .graphs import LoadedGraph, new_graph
from .graphs import move_iri as _move
from .locations import Locations, locations_in
from .sources import SOURCE_FILE, Source, default_data, discover, no_source, valid_slug


@dataclass
class Corpus:
    """The loaded corpus: the ontology and each source in a named graph of its own.

    The quads are kept as parsed (pyoxigraph terms, lexical forms as written)
    and in load order; the Oxigraph store, the rdflib dataset and the map of
    where each term is written are made from them when first asked for, so a
    build of a thousand sources never pays for an rdflib copy it does not use.
    """

    quads: list
    sources: list[Source]
    base: str
    #: RDF files given as --data instead of sources.
    files: list[Path] = field(default_factory=list)
    #: The named graphs each of those files (N-Quads, TriG) adds statements to, by name.
    file_graphs: dict[Path, list[str]] = field(default_factory=dict)
    #: Read from the build's store, which holds exactly these inputs (and passed validation when built).
    built: bool = False
    _locations: Locations | None = None
    _store: object = None
    _union_store: object = None
    _triples: list | None = None
    _dataset: Dataset | None = None

    @property
    def locations(self) -> Locations:
        """Where each IRI is written (file and line), for error messages."""
        if self._locations is None:
            found = Locations()
            found.update(locations_in(resources.ontology_file(), read_text(resources.ontology_file())),
                         within=ONTOLOGY_IRI)
            for source in self.sources:
                for path in source.files:
                    found.update(locations_in(path, read_text(path), base=f"{DATA_BASE}{source.slug}/"),
                                 within=graph_name(source.slug))
            for path in self.files:
                found.update(locations_in(path, read_text(path), base=path.resolve().as_uri()), within=path)
            if self.base != DATA_BASE:
                found = _moved_locations(found, self.base)
            self._locations = found
        return self._locations

    @property
    def store(self):
        """The quads in an in-memory Oxigraph store (literals in their canonical form)."""
        if self._store is None:
            self._store = self.passing_store()
        return self._store

    def passing_store(self):
        """The quads in an Oxigraph store that is not kept: `store` when it is there already, else a
        new one, freed once its user lets go (validation's checks of the graphs, before the union's
        store is made in the memory it leaves: at a thousand sources, 360 MB the build never holds twice)."""
        if self._store is not None:
            return self._store
        # lazy: Oxigraph loads when quads are first made, not with the module
        import pyoxigraph

        made = pyoxigraph.Store()
        made.bulk_extend(self.quads)
        return made

    @property
    def union_store(self):
        """Every triple once, in the default graph of an Oxigraph store: what SHACL validates.

        Oxigraph's union of named graphs keeps a triple once per graph that holds
        it, so a shared actor declared by a thousand sources would be met a
        thousand times in each join; this store holds it once.
        """
        if self._union_store is None:
            # lazy: Oxigraph loads when quads are first made, not with the module
            import pyoxigraph

            self._union_store = pyoxigraph.Store()
            # Through N-Triples text: Oxigraph reads it faster than Python builds a quad per triple.
            text = pyoxigraph.serialize(self.triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
            self._union_store.bulk_load(text, format=pyoxigraph.RdfFormat.N_TRIPLES)
        return self._union_store

    @property
    def triples(self) -> list:
        """The union of the graphs, each triple once, in load order (what the flat formats write)."""
        if self._triples is None:
            self._triples = list(dict.fromkeys(map(attrgetter("triple"), self.quads)))
        return self._triples

    @property
    def dataset(self) -> Dataset:
        """The quads as an rdflib Dataset (default graph = union), prefixes bound."""
        if self._dataset is None:
            dataset = Dataset(default_union=True)
            bind_prefixes(dataset, self.prefixes())
            graphs: dict = {}
            for quad in self.quads:
                key = getattr(quad.graph_name, "value", None)
                if key not in graphs:
                    graphs[key] = dataset.default_graph if key is None else dataset.graph(URIRef(key))
                graphs[key].add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
            self._dataset = dataset
        return self._dataset

    def union(self) -> Graph:
        """Every triple of every graph in one plain graph (for validation and drawing)."""
        graph = new_graph(base=self.base)
        for slug in self.slugs():
            graph.bind(slug, f"{self.base}{slug}/", override=True, replace=True)

        # From the triples, each once, not through the rdflib dataset: half the page's time for one article.
        graph.addN((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), graph) for t in self.triples)
        return graph

    def slugs(self) -> list[str]:
        return [source.slug for source in self.sources]

    def prefixes(self) -> dict[str, str]:
        """The project's prefixes with each source's own, as queries see them."""
        return prefixes(self.base, self.slugs())

    def described_prefixes(self) -> dict[str, str]:
        """prefixes(), with one for each source graph that the RDF files given as --data describe
        (`<base><slug>/graph a tk:SourceGraph`, as a build's outputs do), to show their IRIs by."""
        if not self.files:
            return self.prefixes()
        # lazy: Oxigraph loads when quads are first made, not with the module
        import pyoxigraph

        kind, source_graph = pyoxigraph.NamedNode(str(RDF.type)), pyoxigraph.NamedNode(str(TK.SourceGraph))
        described = {q.subject.value for q in self.quads if q.object == source_graph and q.predicate == kind}
        slugs = [name[len(self.base):-len("/graph")] for name in sorted(described)
                 if name.startswith(self.base) and name.endswith("/graph")]
        return prefixes(self.base, [*self.slugs(), *(slug for slug in slugs if valid_slug(slug))])


def graph_name(slug: str, base: str = DATA_BASE) -> URIRef:
    """The named graph of a source."""
    return URIRef(f"{base}{slug}/graph")


def prefixes(base: str, slugs: list[str]) -> dict[str, str]:
    found = dict(PREFIXES)
    found["tkd"] = base
    for slug in slugs:
        found.setdefault(slug, f"{base}{slug}/")
    return found


def load(paths: list[Path] | None = None, *, base: str | None = None, only: str | None = None,
         progress: Progress | None = None) -> Corpus:
    """Discover, parse and assemble the corpus; `only` keeps one source (by slug); `progress`, when given,
    is told of each source read (its total is set here)."""
    base = base or DATA_BASE
    if not base.endswith(("/", "#")):
        raise UsageError(f"base IRI {base!r} must end with '/' or '#'")
    if any(c in base for c in '<>"{}|^`\\') or any(c.isspace() for c in base):
        raise UsageError(f"base IRI {base!r} holds a character an IRI cannot have (space, quote, <>{{}}|^`\\); "
                         "write it as in a browser's address bar")
    sources, files = discover(paths or default_data())
    if only is not None:
        sources = [s for s in sources if s.slug == only] or no_source(only, sources)
    quads = read_quads(resources.ontology_file(), graph=ONTOLOGY_IRI)
    descriptions = []
    if progress is not None:
        progress.total += len(sources)
    for source in sources:
        name = graph_name(source.slug)
        own = []
        for path in source.files:
            own += read_quads(path, graph=name, base=f"{DATA_BASE}{source.slug}/")
        own += _texts(source, own, name)
        quads += own
        descriptions += _describe(own, name)
        if progress is not None:
            progress.advance(what=f"reading {source.slug}")
    # The default graph after the named ones, so each graph's statements stay together
    # in the order they were read: the writers keep that order (formats.Statements).
    quads += descriptions
    move = (lambda quad: quad) if base == DATA_BASE else (lambda quad: _moved(quad, base))
    file_graphs, stated = {}, {move(quad) for quad in quads} if files else set()
    for path in files:
        read = read_quads(path, graph=None)
        quads += read
        # The graphs each file adds statements to: validation refuses a source's or the ontology's
        # (an export of them, which adds nothing to what their own files say, passes).
        names = dict.fromkeys(getattr(quad.graph_name, "value", None) for quad in map(move, read) if quad not in stated)
        file_graphs[path] = [name for name in names if name is not None]
    if base != DATA_BASE:
        quads = [_moved(quad, base) for quad in quads]
    # A dataset holds a statement once, however often its files repeat it.
    return Corpus(list(dict.fromkeys(quads)), sources, base, files, file_graphs)


def _texts(source: Source, quads: list, name: URIRef) -> list:
    """Give each held text to the report whose tk:sha256 records it, and only to that one."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    checksum, language = pyoxigraph.NamedNode(str(TK.sha256)), pyoxigraph.NamedNode(str(SDO.inLanguage))
    recorded: dict[str, list] = {}
    for quad in quads:
        if quad.predicate == checksum:
            recorded.setdefault(quad.object.value, []).append(quad.subject)
    languages = {q.subject: q.object.value for q in quads if q.predicate == language}
    added = []
    for path in source.texts:
        text = read_text(path)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest not in recorded:
            raise InputError(f"{display_path(path)}: its SHA-256 {digest[:12]}… matches no report's tk:sha256 in "
                             f"{display_path(source.folder / SOURCE_FILE)}; the text must stay as received")
        for report in recorded[digest]:
            words = pyoxigraph.Literal(text, language=languages[report]) if report in languages else pyoxigraph.Literal(text)
            added.append(pyoxigraph.Quad(report, pyoxigraph.NamedNode(str(SDO.text)), words, pyoxigraph.NamedNode(str(name))))
    return added


def _describe(quads: list, name: URIRef) -> list:
    """Say in the default graph what each named graph is: where it comes from, when recorded."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    graph, default = pyoxigraph.NamedNode(str(name)), pyoxigraph.DefaultGraph()
    kind, source_class = pyoxigraph.NamedNode(str(RDF.type)), pyoxigraph.NamedNode(str(TK.Source))
    recorded_on = pyoxigraph.NamedNode(str(TK.recordedOn))
    said = [pyoxigraph.Quad(graph, kind, pyoxigraph.NamedNode(str(TK.SourceGraph)), default)]
    reports = [q.subject for q in quads if q.predicate == kind and q.object == source_class]
    for report in reports:
        said.append(pyoxigraph.Quad(graph, pyoxigraph.NamedNode(str(PROV.wasDerivedFrom)), report, default))
        dates = [q.object for q in quads if q.subject == report and q.predicate == recorded_on]
        said += [pyoxigraph.Quad(graph, recorded_on, date, default) for date in dates[:1]]
    return said


def _moved_locations(found: Locations, base: str) -> Locations:
    """`found` with every data IRI, graph names included, moved from the default base to `base`."""
    return Locations({_move(k, base): v for k, v in found.subjects.items()},
                     {_move(k, base): v for k, v in found.mentions.items()},
                     {_move(k, base): _moved_locations(v, base) for k, v in found.within.items()})


def _moved(quad, base: str):
    """`quad` with every data IRI, graph name included, moved from the default base to `base`."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    def move(term):
        if isinstance(term, pyoxigraph.NamedNode) and term.value.startswith(DATA_BASE):
            return pyoxigraph.NamedNode(base + term.value[len(DATA_BASE):])
        return term

    return pyoxigraph.Quad(move(quad.subject), quad.predicate, move(quad.object), move(quad.graph_name))


def bind_prefixes(dataset: Dataset, chosen: dict[str, str]) -> None:
    """Bind exactly the project's prefixes (the parsers bind each file's own, `:` among them)."""
    dataset.namespace_manager = NamespaceManager(dataset, bind_namespaces="none")
    for prefix, namespace in chosen.items():
        dataset.bind(prefix, namespace, override=True, replace=True)


def load_project(*, data: list[Path] | None = None, base: str | None = None, source: str | None = None) -> LoadedGraph:
    """The ontology and the corpus (or `data`: source folders, corpus folders, RDF files)
    as one graph, with each held text attached to its report and data IRIs under `base`."""
    corpus = load(data, base=base, only=source)
    return LoadedGraph(corpus=corpus)


def build_graph(*, store: str = "default", base: str | None = None, data: list[Path] | None = None) -> Graph:
    """The project's graph (ontology, every source and their texts) on the named rdflib store.

    `store` is "default" (rdflib's in-memory store) or "oxigraph" (needs
    oxrdflib); `base` replaces the data namespace https://w3id.org/takedown-kg/id/.
    """
    loaded = load_project(base=base, data=data)
    if store.lower() in ("default", "memory"):
        return loaded.graph
    graph = new_graph(store=store, base=base or DATA_BASE)
    for prefix, namespace in loaded.graph.namespaces():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.addN((s, p, o, graph) for s, p, o in loaded.graph)
    return graph
