"""The build: load, validate, and write every output format atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from .errors import ValidationFailed
from .formats import Format, formats
from .corpus import MANIFEST, input_key
from .graph import load_project
from .outputs import write_atomically
from .summary import Summary, summarize
from .validation import ValidationReport, validate
from .vocab import DATA_BASE

#: The formats `build` writes, each to graph<suffix>.
BUILD_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads")


@dataclass
class BuildResult:
    graph: Graph
    report: ValidationReport
    summary: Summary
    written: list[Path] = field(default_factory=list)
    #: With infer=True: how many triples RDFS entailment added, and the graph that holds them.
    inferred: int = 0
    inferred_graph: URIRef | None = None
    #: The slugs of the sources built.
    sources: list[str] = field(default_factory=list)


def build(out_dir: Path, *, base: str | None = None, data: list[Path] | None = None,
          infer: bool = False) -> BuildResult:
    """Build the graph, validate it, and write graph.* into `out_dir`.

    With `infer`, also graph.trig: the graph as its default graph and the RDFS
    entailments in the named graph <base>inferred, apart from what was written.
    Raises ValidationFailed (nothing written) when the data breaks a rule.
    """
    loaded = load_project(base=base, data=data)
    report = validate(loaded.graph, sources=loaded.sources)
    if not report.conforms:
        raise ValidationFailed(report.lines[0], lines=report.lines)
    inferred, name = None, URIRef((base or DATA_BASE) + "inferred")
    if infer:
        from .infer import entailed

        # A named graph of its own, so what curators wrote and what was inferred never mix.
        inferred = entailed(loaded.graph)
        target = loaded.corpus.dataset.graph(name)
        target.addN((s, p, o, target) for s, p, o in inferred)
    chosen: list[Format] = [f for f in formats() if f.name in BUILD_FORMATS]
    files = {out_dir / f"graph{fmt.suffix}": fmt.write(loaded.corpus.dataset if fmt.quads else loaded.graph)
             for fmt in chosen}
    from .draw import render_html
    from .network import network_view

    files[out_dir / "graph.html"] = render_html(network_view(loaded.graph), loaded.graph).encode("utf-8")
    # Written last of all, so a query trusts graph.nq only once the whole set is in place.
    # With --infer graph.nq holds more than the inputs say: no query takes it for them.
    key = input_key(data, base=base)
    manifest = {"key": f"inferred:{key}" if infer else key, "base": base or DATA_BASE, "sources": loaded.corpus.slugs()}
    files[out_dir / MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    written = write_atomically(files)
    result = BuildResult(loaded.graph, report, summarize(loaded.graph, data_base=base or DATA_BASE), written,
                         sources=loaded.corpus.slugs())
    if inferred is not None:
        result.inferred, result.inferred_graph = len(inferred), name
    return result
