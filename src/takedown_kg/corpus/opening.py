"""One way to the data: the build's store when it was built from exactly these inputs, else the inputs read.

find() decides, once, from the inputs' key and the build's manifest; every
command and serve asks it. What it found can be read where the caller
chooses (a query reads it inside its sandboxed child, under its limits).
When a build is there but cannot answer, `note` says why in the user's
terms (other data, another base, inference) and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..text import display_path, regular_file
from ..vocab import DATA_BASE, ONTOLOGY_IRI
from .cache import MANIFEST, input_key, matching_store, open_store, read_manifest
from .dataset import Corpus, graph_name, load, prefixes
from .sources import Source, default_data, discover, no_source, valid_slug

#: What --data takes, said when a file it names cannot be read.
DATA_FILES = "--data takes a source folder, a corpus folder or RDF files (.ttl, .nt, .nq, .trig, .jsonld, .rdf)"
#: The build's N-Quads: the whole dataset as one file, what the rdflib engine reads from a build.
BUILT_QUADS = "graph.nq"


@dataclass(frozen=True)
class Inputs:
    """The sources and files a command reads, and the build that holds exactly them, if any."""

    paths: list[Path] | None
    base: str
    sources: list[Source]
    files: list[Path]
    out_dir: Path
    #: The build's store when it was built from exactly these inputs.
    store: Path | None
    #: Why the build in out_dir does not answer, when there is one; None otherwise.
    note: str | None

    def slugs(self) -> list[str]:
        return [source.slug for source in self.sources]

    def prefixes(self) -> dict[str, str]:
        return prefixes(self.base, self.slugs())

    def check_source(self, only: str | None) -> None:
        """A one-line error naming the close slugs when `only` is not one of the sources."""
        if only is not None and only not in self.slugs():
            no_source(only, self.sources)

    def built_quads(self) -> Path | None:
        """The build's graph.nq when the build answers."""
        return self.out_dir / BUILT_QUADS if self.store is not None else None

    def readable(self) -> list[Path]:
        """The files reading these inputs touches (a sandboxed reader may open only those)."""
        if self.store is not None:
            return [self.out_dir / BUILT_QUADS]
        return [*(p for s in self.sources for p in (*s.files, *s.texts)), *self.files]

    def read(self, only: str | None = None) -> Corpus:
        """The corpus (or one source and the ontology): from the build's store when it matches, else parsed."""
        self.check_source(only)
        if self.store is None:
            return load(self.paths, base=self.base, only=only)
        return _from_store(open_store(self.store), self, only)


def find(paths: list[Path] | None = None, *, base: str | None = None, out_dir: Path = Path("out")) -> Inputs:
    """The inputs `paths` name (the shipped corpus by default) and whether the build in `out_dir` holds them."""
    base = base or DATA_BASE
    sources, files = discover(paths or default_data())
    for path in files:
        regular_file(path, what=DATA_FILES)
    manifest = read_manifest(out_dir)
    store = None
    if manifest and (out_dir / BUILT_QUADS).is_file():
        store = matching_store(out_dir, input_key(paths, base=base, found=(sources, files), built=manifest))
    note = None if store is not None or not manifest else _why_not(manifest, base, [s.slug for s in sources], out_dir)
    return Inputs(paths, base, sources, files, out_dir, store, note)


def open(paths: list[Path] | None = None, *, base: str | None = None, only: str | None = None,  # noqa: A001
         out_dir: Path = Path("out")) -> Corpus:
    """The corpus for a command: find() and read() in one step."""
    return find(paths, base=base, out_dir=out_dir).read(only)


def recorded_build(out_dir: Path, base: str | None) -> tuple[Path, list[str]] | None:
    """The store and the sources of the build in `out_dir` as its manifest records them, nothing read
    but the manifest: for a query begun on the build before find() has confirmed it matches."""
    manifest = read_manifest(out_dir)
    slugs, name = manifest.get("sources"), manifest.get("store")
    if not isinstance(slugs, list) or manifest.get("base") != (base or DATA_BASE) or not isinstance(name, str):
        return None
    # The manifest is a file anyone may edit: only names a source folder could have reach a query's prefixes.
    if not all(isinstance(slug, str) and valid_slug(slug) for slug in slugs):
        return None
    store = matching_store(out_dir, str(manifest.get("key", "")))
    if store is None or store.name != name or not (out_dir / BUILT_QUADS).is_file():
        return None
    return store, slugs


def _why_not(manifest: dict, base: str, slugs: list[str], out_dir: Path) -> str:
    """Why the build in `out_dir` cannot answer for these inputs, and what to do about it."""
    shown = display_path(out_dir / MANIFEST)
    out = "" if out_dir == Path("out") else f" --out {display_path(out_dir)}"
    built_base = manifest.get("base")
    if isinstance(built_base, str) and built_base != base:
        return (f"{shown} was built with --base {built_base}: reading the inputs themselves "
                f"(pass --base {built_base} to answer from that build)")
    if str(manifest.get("key", "")).startswith("inferred:"):
        return (f"{shown} was built with --infer, so its store holds inferred statements too: reading the inputs "
                f"themselves (takedown-kg build{out} without --infer makes a store these answers can come from)")
    if manifest.get("sources") != slugs:
        return (f"{shown} was built from other data: reading the inputs themselves (takedown-kg build "
                f"with the same --data{out or ' --out DIR'} makes a store these answers can come from)")
    return (f"{shown} was built before its inputs last changed: reading the inputs themselves "
            f"(run takedown-kg build{out} to answer from a store at once)")


def _from_store(opened, inputs: Inputs, only: str | None) -> Corpus:
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    if only is None:
        return Corpus(list(opened), inputs.sources, inputs.base, inputs.files, _store=opened, built=True)
    sources = [s for s in inputs.sources if s.slug == only]
    own = pyoxigraph.NamedNode(str(graph_name(only, inputs.base)))
    quads = [*opened.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(str(ONTOLOGY_IRI))),
             *opened.quads_for_pattern(None, None, None, own),
             *opened.quads_for_pattern(own, None, None, pyoxigraph.DefaultGraph())]
    return Corpus(quads, sources, inputs.base, inputs.files, built=True)

