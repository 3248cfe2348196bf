"""Running SPARQL: resolve the query, check it, load the data, run it with a limit."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from . import resources
from .engines import ENGINES, OxigraphEngine, QueryResult, RdflibEngine
from .errors import UsageError
from .isolation import MAX_SECONDS, run_isolated, start_isolated
from .library import named_queries, named_query
from .rdflib_parse import ParsedApart
from .safety import MAX_QUERY_CHARS, check
from .sandbox import Sandbox
from .sources import read_text, regular_file
from .vocab import DATA_BASE, PREFIXES, shorten

DEFAULT_TIMEOUT = 30.0
#: Megabytes of memory a query (with the loading of its data) may use.
DEFAULT_MEMORY_MB = 4096
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
    from . import corpus

    text = resolve(text_or_name)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    seconds = _seconds(timeout)
    limit = _megabytes(memory)
    manifest = corpus.read_manifest(out_dir)
    early = _start_on_the_build(text, bindings, engine, base, source, seconds, limit, out_dir, manifest, results_format)
    try:
        return _query(text, bindings, engine, data, base, source, seconds, limit, out_dir, manifest, early, results_format)
    finally:
        if early is not None:
            early[0].cancel()


def _start_on_the_build(text, bindings, engine, base, source, seconds, limit, out_dir, manifest, results_format):
    """The query begun at once on the build's store, in its sandbox, while the inputs are
    still being checked against the build (listing and stamping a thousand sources takes
    as long as a small query), with the store and the prefixes it was given; None when
    the build cannot be the answer's source."""
    from . import corpus
    from . import store as persistent

    slugs = manifest.get("sources")
    name = manifest.get("store")
    if engine != "oxigraph" or not isinstance(slugs, list) or manifest.get("base") != (base or DATA_BASE):
        return None
    # The manifest is a file anyone may edit: only names a source folder could have reach the query's prefixes.
    if not all(isinstance(slug, str) and corpus.valid_slug(slug) for slug in slugs):
        return None
    if not (out_dir / "graph.nq").is_file() or not isinstance(name, str) or (source is not None and source not in slugs):
        return None
    on_disk = persistent.matching(out_dir, manifest.get("key", ""))
    if on_disk is None or on_disk.name != name:
        return None
    known = corpus.prefixes(base or DATA_BASE, [str(slug) for slug in slugs])
    try:
        terms = bind_terms(text, bindings or {}, prefixes=known)
    except UsageError:
        return None  # said in the user's words by the checked path
    work = partial(_on_store, text, terms, on_disk, known, source, base, (out_dir / "graph.nq").resolve().as_uri(),
                   results_format)
    readable = [out_dir / "graph.nq", resources.ontology_file(), resources.shapes_file(), *resources.checks_dir().glob("*.rq")]
    started = start_isolated(work, seconds=seconds, sandbox=Sandbox(memory=limit, readable=tuple(map(str, readable))))
    return started, on_disk, known


def _on_store(text, terms, on_disk, known, source, base, built_uri, results_format):
    """The answer from the build's store (its graph.nq, `built_uri`, the one dataset a FROM may name)."""
    from . import store as persistent

    checked = check(text, allowed_datasets=frozenset([built_uri]))
    graphs = None if source is None else _graphs(source, base)
    result = _run(OxigraphEngine(persistent.open_read_only(on_disk), prefixes=known, graphs=graphs), checked, terms,
                  results_format)
    result.form, result.warnings, result.prefixes = checked.form, [], known
    return result


def _query(text, bindings, engine, data, base, source, seconds, limit, out_dir, manifest, early, results_format):
    from . import corpus

    found = sources, files = corpus.discover(data or corpus.default_data())
    for path in files:
        regular_file(path, what="--data takes a source folder, a corpus folder or RDF files (.ttl, .nt, .nq, .trig, .jsonld, .rdf)")
    known = corpus.prefixes(base or DATA_BASE, [s.slug for s in sources])
    terms = bind_terms(text, bindings or {}, prefixes=known)
    if source is not None and source not in [s.slug for s in sources]:
        corpus._no_source(source, sources)
    from . import store as persistent

    built = out_dir / "graph.nq"
    key = corpus.input_key(data, base=base, found=found, built=manifest)
    on_disk = persistent.matching(out_dir, key) if built.is_file() else None
    if early is not None and early[1:] == (on_disk, known):
        return early[0].result()
    notes = [] if on_disk is not None or not manifest else [
        f"{out_dir / corpus.MANIFEST} was built from other inputs: reading the inputs themselves "
        f"(run takedown-kg build{' --out ' + str(out_dir) if out_dir != Path('out') else ''} to query a store at once)"]
    inputs = [built] if on_disk is not None else [*(p for s in sources for p in (*s.files, *s.texts)), *files]
    readable = [*inputs, resources.ontology_file(), resources.shapes_file(), *resources.checks_dir().glob("*.rq")]
    allowed = frozenset(p.resolve().as_uri() for p in (inputs if files or on_disk is not None else []))

    def work():
        if on_disk is not None and engine == "oxigraph":
            return _on_store(text, terms, on_disk, known, source, base, built.resolve().as_uri(), results_format)
        checked = check(text, allowed_datasets=allowed)
        if on_disk is not None:
            runner, warnings = _engine(engine, _read_quads(built), known, source, base), []
        else:
            loaded = corpus.load(data, base=base)
            runner = _engine(engine, loaded.store if engine == "oxigraph" else loaded.dataset, known, source, base)
            warnings = _warnings(loaded)
        if engine == "rdflib" and runner.size() > RDFLIB_COMFORT:
            warnings.append(f"the rdflib engine reads {runner.size():,} triples slowly (it is kept for cross-checking); "
                            "--engine oxigraph answers the same query in a fraction of the time")
        result = _run(runner, checked, terms, results_format, parsing.result() if parsing is not None else None)
        result.form = checked.form
        result.warnings = [*notes, *warnings]
        result.prefixes = known
        return result

    sandbox = Sandbox(memory=limit, readable=tuple(map(str, readable)))
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
    from .results import write_answer

    answer = runner.execute(checked, terms) if isinstance(runner, OxigraphEngine) else runner.run(checked, terms, *extra)
    boolean = None
    if checked.form == "ASK":  # for the exit code; Oxigraph's QueryBoolean reads as a bool
        boolean = answer.boolean if isinstance(answer, QueryResult) else bool(answer)
    return QueryResult(checked.form, boolean=boolean, written=write_answer(answer, results_format))


def _read_quads(path: Path):
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    return dataset


#: Triples above which the rdflib engine warns that it is slow (a query on 100,000 takes seconds).
RDFLIB_COMFORT = 100_000


def _graphs(source: str, base: str | None) -> list:
    from .corpus import graph_name
    from .vocab import ONTOLOGY_IRI

    return [graph_name(source, base or DATA_BASE), ONTOLOGY_IRI]


def _engine(engine: str, data, known: dict[str, str], source: str | None, base: str | None):
    """The chosen engine over `data` (an Oxigraph store for oxigraph, an rdflib dataset otherwise),
    seeing the union, or one source's graph and the ontology."""
    graphs = None if source is None else _graphs(source, base)
    if engine == "oxigraph":
        return OxigraphEngine(data, prefixes=known, graphs=graphs)
    return RdflibEngine(data, prefixes=known, graphs=graphs)


def _warnings(loaded) -> list[str]:
    """A warning when curated sources do not conform: the answer may rest on broken data."""
    if not loaded.sources:
        return []
    from .validation import validate

    report = validate(loaded)
    if report.conforms:
        return []
    return [f"the data does not conform ({len(report.lines)} violation(s); first: {report.lines[0]}); "
            "run takedown-kg validate"]


def _seconds(value: float) -> float:
    if not 0 < value <= MAX_SECONDS:  # also refuses nan
        raise UsageError(f"--timeout {value!r}: give a number of seconds above 0 and at most {MAX_SECONDS:g}")
    return float(value)


def _megabytes(value: int) -> int:
    if not isinstance(value, int) or not 64 <= value <= 1 << 20:
        raise UsageError(f"--memory {value!r}: give a whole number of megabytes from 64 to {1 << 20}")
    return value << 20


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


def read_term(value: str, *, name: str = "NAME", prefixes: dict[str, str] | None = None):
    """An RDF term as written in Turtle (<iri>, prefix:name, "text"@lang, "x"^^type, 42, 4.2, true),
    read by rdflib's own from_n3 with the project's prefixes. Raises a one-line UsageError."""
    from rdflib.util import from_n3

    from rdflib import Graph
    from rdflib.namespace import NamespaceManager

    namespaces = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
    for prefix, namespace in (prefixes or PREFIXES).items():
        namespaces.bind(prefix, namespace, override=True, replace=True)
    where = f"--bind {name}={value}"
    if value.startswith(("'", '"')) and not _QUOTED.fullmatch(value):
        raise UsageError(f'{where}: a literal is written in double quotes, for example "text" or "text"@ur')
    try:
        with _quiet("rdflib"):
            term = from_n3(value, nsm=namespaces)
    except KeyError as error:
        raise UsageError(f"{where}: unknown prefix {error.args[0]!r}; see takedown-kg query --prefixes") from None
    except Exception as error:  # rdflib's own ValueErrors and friends: say which --bind
        raise UsageError(f"{where}: {str(error).splitlines()[0] or 'not an RDF term'}") from None
    if term is None or isinstance(term, BNode):
        hint = f"pni:{value} for a fact of the article, tkd:{value} for an actor" if _LOCAL.fullmatch(value) else "tkd:telegram"
        raise UsageError(f'{where}: not an RDF term; write a prefixed name ({hint}), an <IRI>, '
                         f'a "quoted text", a number or true/false')
    if isinstance(term, URIRef) and not _IRI.fullmatch(term):
        raise UsageError(f"{where}: not a valid IRI; an IRI has no spaces, quotes or braces")
    if isinstance(term, Literal) and term.ill_typed:
        raise UsageError(f"{where}: {str(term)!r} is not a valid {shorten(term.datatype)}")
    return term


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^\S+)?')
_LOCAL = re.compile(r"\w[\w.-]*")
_IRI = re.compile(r'[^\s<>"{}|^`\\]*')


@contextmanager
def _quiet(logger: str):
    """rdflib logs a warning with a traceback for an ill-typed literal; the caller reports it instead."""
    log = logging.getLogger(logger)
    level, log.level = log.level, logging.ERROR
    try:
        yield
    finally:
        log.setLevel(level)


def bind_terms(text: str, bindings: dict[str, object], *, prefixes: dict[str, str]) -> dict[str, Node]:
    """The RDF terms `bindings` give the query's variables (values written as in Turtle),
    each name checked against the query's own variables."""
    terms = {}
    for name, value in bindings.items():
        if not _VARIABLE.match(name):
            raise UsageError(f"--bind {name}=...: a variable name has letters, digits and _ only")
        terms[name] = value if isinstance(value, Node) else read_term(str(value), name=name, prefixes=prefixes)
    _check_bound_names(text, terms)
    return terms


def _check_bound_names(text: str, terms: dict) -> None:
    """A bound name the query never uses is a typo; both engines would silently ignore it."""
    used = set(re.findall(r"[?$](\w+)", text))
    for name in terms:
        if name not in used:
            import difflib

            close = difflib.get_close_matches(name, sorted(used), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]}?" if close else f"its variables are: {', '.join(sorted(used)) or 'none'}"
            raise UsageError(f"--bind {name}=...: the query has no ?{name}; {hint}")
