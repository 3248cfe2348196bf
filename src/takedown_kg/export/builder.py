"""The build: load, validate, and write every output format atomically."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from ..checks import ValidationReport, validate
from ..corpus import (
    MANIFEST,
    LoadedGraph,
    link_store,
    load,
    read_manifest,
    recorded_inputs,
    remove_other_stores,
    write_store,
)
from ..errors import ValidationFailed
from ..outputs import write_atomically
from ..progress import Progress
from ..terms import to_oxigraph
from ..vocab import DATA_BASE
from .format_table import Format, Statements, formats
from .summary import Summary, summarize

#: The formats `build` writes, each to graph<suffix>.
BUILD_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads")


@dataclass
class BuildResult:
    loaded: LoadedGraph
    report: ValidationReport
    summary: Summary
    written: list[Path] = field(default_factory=list)
    #: With infer=True: how many triples RDFS entailment added, and the graph that holds them.
    inferred: int = 0
    inferred_graph: URIRef | None = None
    #: The slugs of the sources built.
    slugs: list[str] = field(default_factory=list)

    @property
    def graph(self) -> Graph:
        return self.loaded.graph


def build(out_dir: Path, *, base: str | None = None, data: list[Path] | None = None,
          infer: bool = False, progress: bool = False) -> BuildResult:
    """Build the graph, validate it, and write graph.*, the page and the store into `out_dir`.

    With `infer`, the RDFS entailments go into the named graph <base>inferred
    of graph.trig, graph.nq and the store, apart from what was written.
    Raises ValidationFailed (nothing written) when the data breaks a rule. With `progress`,
    a bar on a terminal's stderr follows the sources read, the validation and each output.
    """
    with Progress("reading", len(BUILD_FORMATS) + 3, wanted=progress) as bar:
        return _build(out_dir, base, data, infer, bar)


def _build(out_dir: Path, base: str | None, data: list[Path] | None, infer: bool, bar: Progress) -> BuildResult:
    inputs = recorded_inputs(data, base=base)
    corpus = load(data, base=base, progress=bar)
    loaded = LoadedGraph(corpus=corpus)
    bar.advance(what="validating")
    report = validate(corpus)
    bar.advance(what="writing")
    if not report.conforms:
        raise ValidationFailed(report.lines[0], lines=report.lines)
    everything, inferred, name = corpus.quads, None, URIRef((base or DATA_BASE) + "inferred")
    if infer:
        # lazy: Oxigraph loads when quads are first made, not with the module
        import pyoxigraph

        from .infer import entailed
        # lazy: owlrl loads only for build --infer

        # A named graph of its own, so what curators wrote and what was inferred never mix.
        inferred = entailed(loaded.graph)
        target = pyoxigraph.NamedNode(str(name))
        # Sorted: an rdflib graph's order follows the hash seed.
        everything = [*corpus.quads, *sorted((pyoxigraph.Quad(*map(to_oxigraph, t), target) for t in inferred), key=str)]
    triples, quads = Statements(corpus.quads, corpus.prefixes(), corpus.triples), Statements(everything, corpus.prefixes())
    chosen: list[Format] = [f for f in formats() if f.name in BUILD_FORMATS]
    files = {out_dir / f"graph{fmt.suffix}": _told(bar, f"writing graph{fmt.suffix}", fmt.write, quads if fmt.quads else triples)
             for fmt in chosen}
    files[out_dir / "graph.html"] = _told(bar, "writing graph.html", _page, corpus)
    # With --infer the outputs hold more than the inputs say: no query takes them for them.
    key = f"inferred:{inputs['key']}" if infer else inputs["key"]
    written_store = write_store(out_dir, key, everything)
    # Written last of all, so a reader trusts graph.nq and the store only once the whole set is in place.
    # "triples": the union's, each once, which serve says at start without counting them again.
    manifest = {"key": key, "base": base or DATA_BASE, "sources": corpus.slugs(), "store": written_store.name,
                "triples": len(corpus.triples), "inputs": inputs}
    files[out_dir / MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    try:
        written = write_atomically(files)
    except BaseException:
        if read_manifest(out_dir).get("store") != written_store.name:
            shutil.rmtree(written_store, ignore_errors=True)
        raise
    shown = link_store(out_dir, written_store)
    remove_other_stores(out_dir, written_store)
    result = BuildResult(loaded, report, summarize(corpus, data_base=base or DATA_BASE),
                         [*written[:-1], shown, written[-1]], slugs=corpus.slugs())
    if inferred is not None:
        result.inferred, result.inferred_graph = len(inferred), name
    return result


def _told(bar: Progress, what: str, write, data):
    """`write(data)`, made when the writer asks for it, told to the bar as it is done."""

    def made() -> bytes:
        bar.advance(what=what)
        return write(data)

    return made


def _page(corpus) -> bytes:
    # lazy: the pages and the writers load only when this output is made
    from ..views import network_view, page_graph, render_html

    drawn, note = page_graph(corpus)
    # The whole union is drawn unless a note says otherwise: then validation's store holds it already.
    return render_html(network_view(drawn), drawn, note=note, store=None if note else corpus.union_store).encode("utf-8")
