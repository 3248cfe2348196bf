"""Running SPARQL: resolve the query, check it, load the data, run it with a limit."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from rdflib import Dataset

from .. import corpus, resources
from ..checks import conformance_warnings
from ..corpus import graph_name
from ..errors import UsageError
from ..text import read_text
from ..vocab import DATA_BASE, ONTOLOGY_IRI
from .bindings import bind_terms
from .engines import ENGINES, OxigraphEngine, QueryResult, RdflibEngine
from .isolation import run_isolated, start_isolated
from .library import named_queries, named_query
from .limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, memory_limit, time_limit
from .rdflib_parse import ParsedApart
from .results import write_answer
from .safety import MAX_QUERY_CHARS, check
from .sandbox import Sandbox

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def query(
    text_or_name: str,
    *,
    bindings: dict[str, object] | None = None,
    engine: str = "oxigraph",
    data: list[Path] | None = None,
    base: str | None = None,
    source: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY_MB,
    out_dir: Path = Path("out"),
    results_format: str | None = None,
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text on the corpus (or on `data`).

    Returns a QueryResult: iterate it for SELECT rows; .boolean for ASK; .graph for
    CONSTRUCT and DESCRIBE; .warnings says when the data does not validate.
    The query sees the union of all graphs (`GRAPH ?g` reaches each one), or
    one source's graph and the ontology with `source`. `data` and `base` mean
    what they mean for build; the build's outputs in `out_dir` are used when
    they were built from exactly these inputs. Loading the data, checking the
    query and running it happen in a sandboxed child process, stopped after
    `timeout` seconds or past `memory` megabytes. With `results_format` (a name
    of results.RESULT_FORMATS), a SELECT or ASK answer comes back written in it,
    as .written (the bytes serve writes), with .boolean for ASK and no rows.
    """
    text = resolve(text_or_name)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    seconds = time_limit(timeout)
    limit = memory_limit(memory)
    early = _start_on_the_build(text, bindings, engine, base, source, seconds, limit, out_dir, results_format)
    try:
        return _query(text, bindings, engine, data, base, source, seconds, limit, out_dir, early, results_format)
    finally:
        if early is not None:
            early[0].cancel()


def _start_on_the_build(text, bindings, engine, base, source, seconds, limit, out_dir, results_format):
    """The query begun at once on the build's store, in its sandbox, while the inputs are
    still being checked against the build (listing and stamping a thousand sources takes
    as long as a small query), with the store and the prefixes it was given; None when
    the build cannot be the answer's source."""
    recorded = corpus.recorded_build(out_dir, base) if engine == "oxigraph" else None
    if recorded is None or (source is not None and source not in recorded[1]):
        return None
    on_disk, slugs = recorded
    known = corpus.prefixes(base or DATA_BASE, slugs)
    try:
        terms = bind_terms(text, bindings or {}, prefixes=known)
    except UsageError:
        return None  # said in the user's words by the checked path
    built = out_dir / corpus.BUILT_QUADS
    work = partial(_on_store, text, terms, on_disk, known, source, base, built.resolve().as_uri(), results_format)
    started = start_isolated(work, seconds=seconds, sandbox=_sandbox([built], limit))
    return started, on_disk, known


def _sandbox(inputs: list[Path], limit: int) -> Sandbox:
    """A query's sandbox: it may read its inputs and the shipped rules, nothing else."""
    readable = [*inputs, resources.ontology_file(), resources.shapes_file(), *resources.checks_dir().glob("*.rq")]
    return Sandbox(memory=limit, readable=tuple(map(str, readable)))


def _on_store(text, terms, on_disk, known, source, base, built_uri, results_format):
    """The answer from the build's store (its graph.nq, `built_uri`, the one dataset a FROM may name)."""
    checked = check(text, allowed_datasets=frozenset([built_uri]), prefixes=known)
    graphs = None if source is None else _graphs(source, base)
    result = _run(OxigraphEngine(corpus.open_store(on_disk), prefixes=known, graphs=graphs), checked, terms,
                  results_format)
    result.form, result.warnings, result.prefixes = checked.form, list(checked.warnings), known
    return result


def _query(text, bindings, engine, data, base, source, seconds, limit, out_dir, early, results_format):
    inputs = corpus.find(data, base=base, out_dir=out_dir)
    known = inputs.prefixes()
    terms = bind_terms(text, bindings or {}, prefixes=known)
    inputs.check_source(source)
    if early is not None and early[1:] == (inputs.store, known):
        return early[0].result()
    notes = [inputs.note] if inputs.note else []
    built = inputs.built_quads()
    readable = inputs.readable()
    allowed = frozenset(p.resolve().as_uri() for p in (readable if inputs.files or built is not None else []))

    def work():
        if built is not None and engine == "oxigraph":
            return _on_store(text, terms, inputs.store, known, source, base, built.resolve().as_uri(), results_format)
        checked = check(text, allowed_datasets=allowed, prefixes=known)
        shown = known
        if built is not None:
            runner, warnings = _engine(engine, _read_quads(built), known, source, base), []
        else:
            loaded = inputs.read()
            runner = _engine(engine, loaded.store if engine == "oxigraph" else loaded.dataset, known, source, base)
            warnings = conformance_warnings(loaded)
            shown = loaded.described_prefixes()  # the sources that RDF files describe, to show their IRIs short
        if engine == "rdflib" and runner.size() > RDFLIB_COMFORT:
            warnings.append(f"the rdflib engine reads {runner.size():,} triples slowly (it is kept for cross-checking); "
                            "--engine oxigraph answers the same query in a fraction of the time")
        result = _run(runner, checked, terms, results_format, parsing.result() if parsing is not None else None)
        result.form = checked.form
        result.warnings = [*notes, *warnings, *checked.warnings]
        result.prefixes = shown
        return result

    sandbox = _sandbox(readable, limit)
    # rdflib's parser takes longer than the data takes to load: it parses on the other core meanwhile.
    parsing = ParsedApart(text, known, seconds=seconds, sandbox=sandbox) if engine == "rdflib" else None
    try:
        return run_isolated(work, seconds=seconds, sandbox=sandbox)
    finally:
        if parsing is not None:
            parsing.cancel()


def _run(runner, checked, terms, results_format: str | None, prepared=None) -> QueryResult:
    """The runner's answer; a SELECT or ASK answer written in `results_format`, when one is given, here
    in the child, where Oxigraph's answer is written by Oxigraph's own writer as serve writes it: made
    into rdflib terms, its numbers and times would be rdflib's lexical forms ("1000.0" for "1000")."""
    extra = () if prepared is None else (prepared,)
    if results_format is None or checked.form not in ("SELECT", "ASK"):
        return runner.run(checked, terms, *extra)

    answer = runner.execute(checked, terms) if isinstance(runner, OxigraphEngine) else runner.run(checked, terms, *extra)
    boolean = None
    if checked.form == "ASK":  # for the exit code; Oxigraph's QueryBoolean reads as a bool
        boolean = answer.boolean if isinstance(answer, QueryResult) else bool(answer)
    return QueryResult(checked.form, boolean=boolean, written=write_answer(answer, results_format))


def _read_quads(path: Path):
    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    return dataset


#: Triples above which the rdflib engine warns that it is slow (a query on 100,000 takes seconds).
RDFLIB_COMFORT = 100_000


def _graphs(source: str, base: str | None) -> list:
    return [graph_name(source, base or DATA_BASE), ONTOLOGY_IRI]


def _engine(engine: str, data, known: dict[str, str], source: str | None, base: str | None):
    """The chosen engine over `data` (an Oxigraph store for oxigraph, an rdflib dataset otherwise),
    seeing the union, or one source's graph and the ontology."""
    graphs = None if source is None else _graphs(source, base)
    if engine == "oxigraph":
        return OxigraphEngine(data, prefixes=known, graphs=graphs)
    return RdflibEngine(data, prefixes=known, graphs=graphs)


def resolve(text_or_name: str) -> str:
    """The query text for a library name, an existing file (any suffix), or SPARQL text as given."""
    queries = named_queries()
    if text_or_name in queries:
        return queries[text_or_name].text
    # A query of MAX_QUERY_CHARS characters takes at most four bytes each.
    if _is_file(text_or_name):
        return read_text(Path(text_or_name), limit=4 * MAX_QUERY_CHARS)
    if text_or_name.endswith((".rq", ".sparql", ".txt")) and not any(c.isspace() for c in text_or_name):
        return read_text(Path(text_or_name), limit=4 * MAX_QUERY_CHARS)  # a missing query file: one line naming it
    if _NAME.match(text_or_name):
        named_query(text_or_name)  # raises with the closest names
    return text_or_name


def _is_file(text: str) -> bool:
    if "\n" in text or "{" in text or len(text) > 1024:
        return False  # query text, not a path; also keeps long text away from stat()
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


