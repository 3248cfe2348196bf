"""The build at corpus scale: each step's CPU and memory at 1, 10, 100 and 1,000 sources,
and queries and exports against raw pyoxigraph on a corpus of about a million triples.

The corpora are synthetic: the article's source folder (data/sources/pni)
copied N times under new slugs, which the loader mints under new IRIs.
Nothing is committed; everything lives in a temporary folder.

- Steps: each size is built in a fresh interpreter that runs the build's own
  functions one by one (load, the three parts of validation, each writer, the
  page, the store) and reports each step's CPU seconds and the process's peak
  resident memory after it. The total is the child's CPU (user + system).
- Validation engines: pySHACL (the reference) against the default engine on
  the same corpus, where pySHACL finishes in reasonable time (--reference-max).
- Query: `takedown-kg query NAME` cold (a fresh process, the build's store in
  out/) against a fresh `python -c` that opens the same store with pyoxigraph
  and runs the same query text: medians of --runs, interleaved.
- Exports: each writer against pyoxigraph's own serialiser of the same quads,
  each in a fresh process that first reads the quads (the same for both);
  CPU seconds of the writing and the process's peak memory.

Run from the repository root:

    python benchmarks/corpus_scale.py [--sizes 1 10 100 1000] [--million 1830] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: A named query whose answer stays the same size (one row per class of actor). The
#: questions written for one article (compliance, account-figures, sources) pair
#: every copy's facts with every other copy's through the shared actors: on a
#: corpus of copies their answers, and their time, grow with the square.
QUERY = "summary"


def corpus(folder: Path, copies: int) -> Path:
    target = folder / f"corpus-{copies}"
    for index in range(copies):
        shutil.copytree(ROOT / "data" / "sources" / "pni", target / f"pni{index:04d}")
    return target


def _child(code: str, *args: str) -> tuple[str, float, float]:
    """(stdout, CPU seconds, peak MB) of `code` run in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done.stdout, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), after.ru_maxrss / 1024


STEPS = r'''
import json, resource, sys, time
from pathlib import Path
from takedown_kg import corpus as C
from takedown_kg.checks import shacl_sparql, validation as V
from takedown_kg.corpus import cache as store
from takedown_kg.export.format_table import Statements, get_format
from takedown_kg.views.network import network_view, page_graph
from takedown_kg.views.draw import render_html

figures = {}
def step(name, work):
    start = time.process_time()
    value = work()
    figures[name] = [time.process_time() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]
    return value

data, out = Path(sys.argv[1]), Path(sys.argv[2])
corpus = step("parse", lambda: C.load([data]))
step("checks of the graphs (Oxigraph)", lambda: V._checks(V._rows_on(corpus.passing_store()), about_graphs=True))
step("store in memory", lambda: corpus.union_store)
from takedown_kg.checks import shacl_core
step("SHACL core (SPARQL on Oxigraph)", lambda: shacl_sparql.run(corpus.union_store, shacl_core.shipped()))
step("SHACL-SPARQL (Oxigraph)", lambda: shacl_sparql.run(corpus.union_store, shacl_sparql.shipped()))
step("checks and terms (Oxigraph)", lambda: (V._checks(V._rows_on(corpus.union_store)), V._unknown_terms_on(corpus.union_store),
                                             V._ill_typed_on(corpus.union_store)))
statements = Statements(corpus.quads, corpus.prefixes())
sizes = {}
for name in ("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"):
    fmt = get_format(name)
    sizes[name] = len(step(f"write {name}", lambda: fmt.write(statements)))
page = step("page", lambda: (lambda g: render_html(network_view(g[0]), g[0], note=g[1]))(page_graph(corpus)))
step("store on disk", lambda: store.write_store(out, "benchmark", corpus.quads))
print(json.dumps({"steps": figures, "triples": len(statements.triples()), "page_bytes": len(page.encode()),
                  "sizes": sizes}))
'''

REFERENCE = r'''
import sys, time
from pathlib import Path
from takedown_kg import corpus as C
from takedown_kg.checks.validation import validate
loaded = C.load([Path(sys.argv[1])])
for engine in ("fast", "pyshacl"):
    start = time.process_time()
    report = validate(loaded, engine=engine)
    print(engine, report.conforms, len(report.violations), time.process_time() - start)
'''

RAW_QUERY = r'''
import sys, pyoxigraph
store = pyoxigraph.Store.read_only(sys.argv[1])
rows = list(store.query(sys.argv[2], use_default_graph_as_union=True))
print(len(rows))
'''

EXPORT = r'''
import resource, sys, time, pyoxigraph
from pathlib import Path
from takedown_kg.corpus.dataset import prefixes
from takedown_kg.export.format_table import Statements, get_format
quads = list(pyoxigraph.parse(path=sys.argv[1], format=pyoxigraph.RdfFormat.N_QUADS))
name, how = sys.argv[2], sys.argv[3]
read = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.process_time()
if how == "pyoxigraph":
    fmt = {"turtle": "TURTLE", "ntriples": "N_TRIPLES", "jsonld": "JSON_LD", "rdfxml": "RDF_XML",
           "trig": "TRIG", "nquads": "N_QUADS"}[name]
    data = quads if name in ("trig", "nquads") else [q.triple for q in quads]
    written = pyoxigraph.serialize(data, format=getattr(pyoxigraph.RdfFormat, fmt))
else:
    written = get_format(name).write(Statements(quads, prefixes("https://w3id.org/takedown-kg/id/", [])))
seconds = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(seconds, peak, read)
'''


def steps(sizes: list[int], work: Path) -> dict[int, dict]:
    found = {}
    for size in sizes:
        data = corpus(work, size)
        output, cpu, peak = _child(STEPS, str(data), str(work / f"store-{size}"))
        found[size] = {**json.loads(output), "cpu": cpu, "peak": peak}
        shutil.rmtree(work / f"store-{size}", ignore_errors=True)
        if size != max(sizes):
            shutil.rmtree(data)
    names = list(found[sizes[0]]["steps"])
    print("CPU seconds per step (peak MB of the process after it)")
    print(f"{'step':<30}" + "".join(f"{size:>18}" for size in sizes))
    for name in names:
        cells = "".join(f"{found[s]['steps'][name][0]:>9.2f} ({found[s]['steps'][name][1]:>5.0f})" for s in sizes)
        print(f"{name:<30}{cells}")
    print(f"{'whole process':<30}" + "".join(f"{found[s]['cpu']:>9.2f} ({found[s]['peak']:>5.0f})" for s in sizes))
    print(f"{'triples':<30}" + "".join(f"{found[s]['triples']:>18,}" for s in sizes))
    print(f"{'page bytes':<30}" + "".join(f"{found[s]['page_bytes']:>18,}" for s in sizes))
    for small, large in zip(sizes, sizes[1:]):
        print(f"whole build CPU {large} / {small} sources: {found[large]['cpu'] / found[small]['cpu']:.1f}x "
              f"for {large / small:.0f}x the sources")
    return found


def reference(size: int, work: Path) -> None:
    data = corpus(work, size) if not (work / f"corpus-{size}").exists() else work / f"corpus-{size}"
    output, _, _ = _child(REFERENCE, str(data))
    print(f"\nvalidation engines at {size} sources (CPU s, same verdict)")
    for line in output.splitlines():
        engine, conforms, violations, seconds = line.split()
        print(f"  {engine:<8} conforms={conforms} violations={violations} {float(seconds):8.2f} s")


def cold_query(work: Path, data: Path, runs: int) -> None:
    """`takedown-kg query QUERY` against raw pyoxigraph on the build in work/out, interleaved, fresh interpreters."""
    from takedown_kg.sparql.library import named_query

    store = work / "out" / json.loads((work / "out" / "build.json").read_text())["store"]
    text = named_query(QUERY).text  # as shipped, its PREFIX lines included
    cli = [sys.executable, "-m", "takedown_kg"]
    ours, raw = [], []
    for _ in range(runs):
        for target, command in ((ours, [*cli, "query", QUERY, "--data", str(data), "--format", "csv"]),
                                (raw, [sys.executable, "-c", RAW_QUERY, str(store), text])):
            start = time.perf_counter()
            subprocess.run(command, cwd=work, check=True, stdout=subprocess.DEVNULL)
            target.append(time.perf_counter() - start)
    print(f"cold query {QUERY}: takedown-kg {statistics.median(ours):.3f} s, raw pyoxigraph "
          f"{statistics.median(raw):.3f} s: {statistics.median(ours) / statistics.median(raw):.2f}x (medians of {runs})")


def million(copies: int, work: Path, runs: int) -> None:
    data = corpus(work, copies) if not (work / f"corpus-{copies}").exists() else work / f"corpus-{copies}"
    cli = [sys.executable, "-m", "takedown_kg"]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([*cli, "build", "--data", str(data)], cwd=work, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    nq = work / "out" / "graph.nq"
    quads = sum(1 for _ in open(nq, "rb"))
    print(f"\n{copies} sources, {quads:,} quads: takedown-kg build {time.perf_counter() - start:.1f} s wall, "
          f"{(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime):.1f} s CPU, "
          f"peak {after.ru_maxrss / 1024:.0f} MB")
    cold_query(work, data, runs)
    print(f"\nexports of {quads:,} quads (CPU s of the writing; MB the writing adds to the peak)")
    print(f"{'format':<10} {'takedown-kg':>18} {'pyoxigraph':>18} {'time x':>7} {'memory x':>9}")
    for name in ("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"):
        cells = {}
        for how in ("takedown-kg", "pyoxigraph"):
            output, _, _ = _child(EXPORT, str(nq), name, how)
            seconds, peak, read = map(float, output.split())
            # Memory of the writing: the peak above what reading the quads took (the same for both).
            cells[how] = (seconds, max(peak - read, 1.0))
        ours_w, raw_w = cells["takedown-kg"], cells["pyoxigraph"]
        print(f"{name:<10} {ours_w[0]:>8.2f} s {ours_w[1]:>5.0f} MB {raw_w[0]:>8.2f} s {raw_w[1]:>5.0f} MB "
              f"{ours_w[0] / raw_w[0]:>7.2f} {ours_w[1] / raw_w[1]:>9.2f}")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    options.add_argument("--reference-at", type=int, default=10, help="sources at which pySHACL is compared (0: skip)")
    options.add_argument("--million", type=int, default=1830, help="sources of the ~1M-triple corpus (0: skip)")
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--query-only", type=Path, metavar="DIR",
                         help="only the cold query comparison, on DIR/corpus built into DIR/out")
    chosen = options.parse_args()
    if chosen.query_only:
        cold_query(chosen.query_only.resolve(), chosen.query_only.resolve() / "corpus", chosen.runs)
        return
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        steps(sorted(chosen.sizes), work)
        if chosen.reference_at:
            reference(chosen.reference_at, work)
        if chosen.million:
            million(chosen.million, work, chosen.runs)


if __name__ == "__main__":
    main()
