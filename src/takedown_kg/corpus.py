"""The corpus: one folder per source, one named graph per source, one loader for every command.

A source is a report (or reference data such as Wikidata identifiers) in a
folder of its own under data/sources/<slug>/: a `source.ttl` describing it,
its text when the text is held (`*.txt`, attached to the report whose
tk:sha256 it matches), and its facts in any other `*.ttl`. Inside a source's
files the empty prefix is the source's own namespace (`@prefix : <> .`), so
its sentences and facts are minted under `<base><slug>/` and two sources
never collide, whatever ids they use. Actors shared by all sources are
written under tkd: as before.

`--data` means the same for every command: a source folder (it has a
source.ttl), a corpus folder (its subfolders are sources), or RDF files
(N-Quads and TriG keep their named graphs; other files go to the default
graph).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SDO

from . import resources
from .errors import InputError, UsageError
from .graph import move_iri as _move
from .sources import SourceMap, display_path, read_quads, read_text, source_map
from .vocab import DATA_BASE, ONTOLOGY_IRI, PREFIXES, TK

SOURCE_FILE = "source.ttl"


@dataclass(frozen=True)
class Source:
    """One source of the corpus, as found on disk."""

    slug: str
    folder: Path
    #: source.ttl first, then the other Turtle files in name order.
    files: tuple[Path, ...]
    texts: tuple[Path, ...]


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
    _where: SourceMap | None = None
    _store: object = None
    _union_store: object = None
    _triples: list | None = None
    _dataset: Dataset | None = None

    @property
    def where(self) -> SourceMap:
        """Where each IRI is written (file and line), for error messages."""
        if self._where is None:
            found = SourceMap()
            found.update(source_map(resources.ontology_file(), read_text(resources.ontology_file())))
            for source in self.sources:
                for path in source.files:
                    found.update(source_map(path, read_text(path), base=f"{DATA_BASE}{source.slug}/"))
            for path in self.files:
                found.update(source_map(path, read_text(path), base=path.resolve().as_uri()))
            if self.base != DATA_BASE:
                found = SourceMap({_move(k, self.base): v for k, v in found.subjects.items()},
                                  {_move(k, self.base): v for k, v in found.mentions.items()})
            self._where = found
        return self._where

    @property
    def store(self):
        """The quads in an in-memory Oxigraph store (literals in their canonical form)."""
        if self._store is None:
            import pyoxigraph

            self._store = pyoxigraph.Store()
            self._store.bulk_extend(self.quads)
        return self._store

    @property
    def union_store(self):
        """Every triple once, in the default graph of an Oxigraph store: what SHACL validates.

        Oxigraph's union of named graphs keeps a triple once per graph that holds
        it, so a shared actor declared by a thousand sources would be met a
        thousand times in each join; this store holds it once.
        """
        if self._union_store is None:
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
            from operator import attrgetter

            self._triples = list(dict.fromkeys(map(attrgetter("triple"), self.quads)))
        return self._triples

    @property
    def dataset(self) -> Dataset:
        """The quads as an rdflib Dataset (default graph = union), prefixes bound."""
        if self._dataset is None:
            from .terms import to_rdflib

            dataset = Dataset(default_union=True)
            _bind(dataset, self.prefixes())
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
        from .terms import to_rdflib

        # From the triples, each once, not through the rdflib dataset: half the page's time for one article.
        graph.addN((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), graph) for t in self.triples)
        return graph

    def slugs(self) -> list[str]:
        return [source.slug for source in self.sources]

    def prefixes(self) -> dict[str, str]:
        """The project's prefixes with each source's own, as queries see them."""
        return prefixes(self.base, self.slugs())


def graph_name(slug: str, base: str = DATA_BASE) -> URIRef:
    """The named graph of a source."""
    return URIRef(f"{base}{slug}/graph")


def prefixes(base: str, slugs: list[str]) -> dict[str, str]:
    found = dict(PREFIXES)
    found["tkd"] = base
    for slug in slugs:
        found.setdefault(slug, f"{base}{slug}/")
    return found


def new_graph(*, base: str = DATA_BASE) -> Graph:
    from .graph import new_graph as make

    return make(base=base)


def default_data() -> list[Path]:
    return [resources.sources_dir()]


def discover(paths: list[Path]) -> tuple[list[Source], list[Path]]:
    """The sources and the plain RDF files that `paths` name (see the module's doc)."""
    sources: list[Source] = []
    files: list[Path] = []
    # Files of a source folder given one by one belong to that source (its base, its graph).
    parts: dict[Path, list[Path]] = {}
    for path in paths:
        shown = display_path(path)
        if path.is_file() and (path.parent / SOURCE_FILE).is_file() and path.suffix == ".ttl":
            parts.setdefault(path.parent, []).append(path)
        elif path.is_dir():
            if (path / SOURCE_FILE).is_file():
                sources.append(_source(path))
                continue
            # A corpus folder holds source folders; the project's data folder holds the corpus in sources/.
            corpus = path / "sources" if (path / "sources").is_dir() else path
            found = _source_folders(corpus)
            if not found:
                raise InputError(f"{shown}: no {SOURCE_FILE} in it or in its folders; "
                                 "--data takes a source folder, a corpus folder or RDF files")
            sources += [_source(sub, names) for sub, names in found]
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise InputError(f"{shown}: no such file or folder; --data takes a source folder, a corpus folder or RDF files")
    for folder, given in parts.items():
        whole = _source(folder)
        chosen = tuple(p for p in whole.files if any(p.samefile(g) for g in given))
        sources.append(Source(whole.slug, folder, chosen, whole.texts))
    seen: dict[str, Path] = {}
    for source in sources:
        if source.slug in seen:
            raise InputError(f"{display_path(source.folder)}: a second source named {source.slug!r} "
                             f"(the first is {display_path(seen[source.slug])}); give each source folder its own name")
        seen[source.slug] = source.folder
    return sources, files


def _source_folders(corpus: Path) -> list[tuple[Path, list[str]]]:
    """The folders of `corpus` holding a source.ttl, by name, each with its sorted listing.

    One listing per folder, read once for both questions: at a thousand sources
    the stat calls and pathlib's glob took most of a cold query's own time.
    """
    found = []
    with os.scandir(corpus) as entries:
        folders = sorted(entry.name for entry in entries if entry.is_dir())
    for name in folders:
        names = sorted(os.listdir(corpus / name))
        if SOURCE_FILE in names and os.path.isfile(os.path.join(corpus, name, SOURCE_FILE)):
            found.append((corpus / name, names))
    return found


def valid_slug(slug: str) -> bool:
    """A source's name: letters, digits, - and _, starting with a letter, not a vocabulary prefix."""
    return slug[:1].isalpha() and all(c.isalnum() or c in "-_" for c in slug) and slug not in PREFIXES


def _source(folder: Path, names: list[str] | None = None) -> Source:
    slug = folder.name
    if not valid_slug(slug):
        raise InputError(f"{display_path(folder)}: a source folder is named with letters, digits, - and _, "
                         f"starting with a letter, and not as a vocabulary prefix ({', '.join(PREFIXES)})")
    names = sorted(os.listdir(folder)) if names is None else names
    turtle = [folder / name for name in names if name.endswith(".ttl") and name != SOURCE_FILE]
    return Source(slug, folder, (folder / SOURCE_FILE, *turtle),
                  tuple(folder / name for name in names if name.endswith(".txt")))


def load(paths: list[Path] | None = None, *, base: str | None = None, only: str | None = None) -> Corpus:
    """Discover, parse and assemble the corpus; `only` keeps one source (by slug)."""
    base = base or DATA_BASE
    if not base.endswith(("/", "#")):
        raise UsageError(f"base IRI {base!r} must end with '/' or '#'")
    if any(c in base for c in '<>"{}|^`\\') or any(c.isspace() for c in base):
        raise UsageError(f"base IRI {base!r} holds a character an IRI cannot have (space, quote, <>{{}}|^`\\); "
                         "write it as in a browser's address bar")
    sources, files = discover(paths or default_data())
    if only is not None:
        sources = [s for s in sources if s.slug == only] or _no_source(only, sources)
    quads = read_quads(resources.ontology_file(), graph=ONTOLOGY_IRI)
    descriptions = []
    for source in sources:
        name = graph_name(source.slug)
        own = []
        for path in source.files:
            own += read_quads(path, graph=name, base=f"{DATA_BASE}{source.slug}/")
        own += _texts(source, own, name)
        quads += own
        descriptions += _describe(own, name)
    # The default graph after the named ones, so each graph's statements stay together
    # in the order they were read: the writers keep that order (formats.Statements).
    quads += descriptions
    for path in files:
        quads += read_quads(path, graph=None)
    if base != DATA_BASE:
        quads = [_moved(quad, base) for quad in quads]
    # A dataset holds a statement once, however often its files repeat it.
    return Corpus(list(dict.fromkeys(quads)), sources, base, files)


def open_or_load(paths: list[Path] | None = None, *, base: str | None = None, only: str | None = None,
                 out_dir: Path = Path("out")) -> Corpus:
    """The corpus from the build's store in `out_dir` when it was built from these very
    inputs (no parsing), else loaded from the inputs."""
    from . import store as persistent

    found = persistent.matching(out_dir, input_key(paths, base=base, built=read_manifest(out_dir)))
    if found is None:
        return load(paths, base=base, only=only)
    import pyoxigraph

    sources, files = discover(paths or default_data())
    opened = persistent.open_read_only(found)
    if only is None:
        return Corpus(list(opened), sources, base or DATA_BASE, files, _store=opened)
    sources = [s for s in sources if s.slug == only] or _no_source(only, sources)
    own = pyoxigraph.NamedNode(str(graph_name(only, base or DATA_BASE)))
    quads = [*opened.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(str(ONTOLOGY_IRI))),
             *opened.quads_for_pattern(None, None, None, own),
             *opened.quads_for_pattern(own, None, None, pyoxigraph.DefaultGraph())]
    return Corpus(quads, sources, base or DATA_BASE, files)


#: The file, beside the build's outputs, that records which inputs they were built from.
MANIFEST = "build.json"


def input_key(paths: list[Path] | None = None, *, base: str | None = None, only: str | None = None,
              found: tuple[list[Source], list[Path]] | None = None, built: dict | None = None) -> str:
    """A digest of everything a built graph depends on: the package, the ontology
    and shapes, every file of every source (or every RDF file), `base` and `only`.

    Two loads with the same key give the same dataset; a cache keyed on it can
    never answer from stale data. `built`, a build's manifest, spares reading
    every file: when each input still has the size, modification time and inode
    that build recorded (its stamp), the key it recorded is the key, as `make`
    and git's index trust a file's stat.
    """
    inputs, prologue = _inputs(paths, base, only, found)
    recorded = (built or {}).get("inputs")
    if isinstance(recorded, dict) and recorded.get("stamp") == input_stamp(inputs, prologue):
        return str(recorded.get("key"))
    return _content_key(inputs, prologue)


def _content_key(inputs: list[tuple[Path, bytes]], prologue: bytes) -> str:
    digest = hashlib.sha256(prologue)
    for path, shown in inputs:
        digest.update(shown)
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def input_stamp(inputs: list[tuple[Path, bytes]], prologue: bytes) -> str:
    """A digest of each input's path, size, modification time and inode: what changes when a file is written."""
    digest = hashlib.sha256(prologue)
    for path, shown in inputs:
        try:
            found = os.stat(path)
        except OSError:
            digest.update(shown + b"unreadable")
        else:
            digest.update(shown + f"{found.st_size}\0{found.st_mtime_ns}\0{found.st_ino}\0".encode())
    return digest.hexdigest()


def recorded_inputs(paths: list[Path] | None = None, *, base: str | None = None) -> dict:
    """What a build records of its inputs: their key and their stamp.

    Stamped before read, and both before the build loads them: a file written
    meanwhile then fails to match the build later, never the other way round.
    """
    inputs, prologue = _inputs(paths, base, None, None)
    stamp = input_stamp(inputs, prologue)
    return {"key": _content_key(inputs, prologue), "stamp": stamp}


def _inputs(paths, base, only, found) -> tuple[list[tuple[Path, bytes]], bytes]:
    """Each input file with the path the key names it by, and what the key starts with."""
    from . import __version__

    sources, files = found or discover(paths or default_data())
    # Each folder resolved once and names joined as text: a thousand sources hold thousands of files.
    groups = [(resources.ontology_file().parent, [resources.ontology_file(), resources.shapes_file()]),
              (resources.checks_dir(), sorted(resources.checks_dir().glob("*.rq"))),
              *((source.folder, [*source.files, *source.texts]) for source in sources),
              *((path.parent, [path]) for path in files)]
    named = []
    for folder, paths in groups:
        real = os.path.realpath(folder)
        named += [(path, f"{real}/{path.name}\0".encode("utf-8")) for path in paths]
    return named, f"{__version__}\0{base or DATA_BASE}\0{only or ''}\0".encode()


def read_manifest(out_dir: Path) -> dict:
    """The manifest of the build in `out_dir`, or {} when there is none (or it is unreadable)."""
    import json

    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _texts(source: Source, quads: list, name: URIRef) -> list:
    """Give each held text to the report whose tk:sha256 records it, and only to that one."""
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


def _moved(quad, base: str):
    """`quad` with every data IRI, graph name included, moved from the default base to `base`."""
    import pyoxigraph

    def move(term):
        if isinstance(term, pyoxigraph.NamedNode) and term.value.startswith(DATA_BASE):
            return pyoxigraph.NamedNode(base + term.value[len(DATA_BASE):])
        return term

    return pyoxigraph.Quad(move(quad.subject), quad.predicate, move(quad.object), move(quad.graph_name))


def _bind(dataset: Dataset, chosen: dict[str, str]) -> None:
    """Bind exactly the project's prefixes (the parsers bind each file's own, `:` among them)."""
    from rdflib.namespace import NamespaceManager

    dataset.namespace_manager = NamespaceManager(dataset, bind_namespaces="none")
    for prefix, namespace in chosen.items():
        dataset.bind(prefix, namespace, override=True, replace=True)



@dataclass(frozen=True)
class Place:
    """Where a text occurs in a source's held text: line (from 1) and code-point span."""

    slug: str
    line: int
    start: int
    end: int


def locate(text: str, *, data: list[Path] | None = None, source: str | None = None) -> list[Place]:
    """Every occurrence of `text` in every held text of the corpus (or of one source)."""
    if not text:
        raise UsageError("give the text to find; an empty text occurs everywhere")
    sources, _ = discover(data or default_data())
    if source is not None:
        sources = [s for s in sources if s.slug == source] or _no_source(source, sources)
    found = []
    for held in sources:
        for path in held.texts:
            body = read_text(path)
            start = body.find(text)
            while start != -1:
                found.append(Place(held.slug, body.count("\n", 0, start) + 1, start, start + len(text)))
                start = body.find(text, start + 1)
    if not found:
        where = f"the text of {source}" if source else "any held text"
        raise UsageError(f"{text!r} does not occur in {where}; copy it character for character")
    return found


def _no_source(slug: str, sources: list[Source]):
    import difflib

    slugs = [s.slug for s in sources]
    close = difflib.get_close_matches(slug, slugs, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"the sources are: {', '.join(slugs)}"
    raise UsageError(f"no source {slug!r}; {hint}")
