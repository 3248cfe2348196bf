"""Running SPARQL: resolve the query, check it, load the data, run it with a limit."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from . import resources
from .engines import ENGINES, OxigraphEngine, QueryResult, RdflibEngine
from .errors import UsageError
from .isolation import MAX_SECONDS, run_isolated
from .library import named_queries, named_query
from .safety import check
from .sandbox import Sandbox
from .sources import read_text, regular_file
from .vocab import DATA_BASE, PREFIXES

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
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text on the corpus (or on `data`).

    Returns a QueryResult: iterate it for SELECT rows; .boolean for ASK; .graph for
    CONSTRUCT and DESCRIBE; .warnings says when the data does not validate.
    The query sees the union of all graphs (`GRAPH ?g` reaches each one), or
    one source's graph and the ontology with `source`. `data` and `base` mean
    what they mean for build; the build's outputs in `out_dir` are used when
    they were built from exactly these inputs. Loading the data, checking the
    query and running it happen in a sandboxed child process, stopped after
    `timeout` seconds or past `memory` megabytes.
    """
    from . import corpus

    text = resolve(text_or_name)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    seconds = _seconds(timeout)
    limit = _megabytes(memory)
    sources, files = corpus.discover(data or corpus.default_data())
    for path in files:
        regular_file(path, what="--data takes a source folder, a corpus folder or RDF files (.ttl, .nt, .nq, .trig, .jsonld, .rdf)")
    known = corpus.prefixes(base or DATA_BASE, [s.slug for s in sources])
    terms = {name: value if isinstance(value, Node) else parse_term(str(value), known) for name, value in (bindings or {}).items()}
    for name in terms:
        if not _VARIABLE.match(name):
            raise UsageError(f"--bind {name}=...: a variable name has letters, digits and _ only")
    if source is not None and source not in [s.slug for s in sources]:
        raise _unknown_source(source, [s.slug for s in sources])
    built = out_dir / "graph.nq"
    cached = corpus.read_manifest(out_dir).get("key") == corpus.input_key(data, base=base) and built.is_file()
    inputs = [built] if cached else [*(p for s in sources for p in (*s.files, *s.texts)), *files]
    readable = [*inputs, resources.ontology_file(), resources.shapes_file(), *resources.checks_dir().glob("*.rq")]
    allowed = frozenset(p.resolve().as_uri() for p in (inputs if files or cached else []))

    def work():
        checked = check(text, allowed_datasets=allowed)
        if cached:
            runner, warnings = _engine(engine, _read_quads(built), known, source, base), []
        else:
            loaded = corpus.load(data, base=base)
            runner, warnings = _engine(engine, loaded.dataset, known, source, base), _warnings(loaded)
        result = runner.run(checked, terms)
        result.form = checked.form
        result.warnings = warnings
        return result

    return run_isolated(work, seconds=seconds, sandbox=Sandbox(memory=limit, readable=tuple(map(str, readable))))


def _unknown_source(source: str, slugs: list[str]) -> UsageError:
    import difflib

    close = difflib.get_close_matches(source, slugs, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"the sources are: {', '.join(slugs)}"
    return UsageError(f"no source {source!r}; {hint}")


def _read_quads(path: Path):
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    return dataset


def _engine(engine: str, dataset, known: dict[str, str], source: str | None, base: str | None):
    """The chosen engine over `dataset`, seeing the union, or one source's graph and the ontology."""
    from .corpus import graph_name
    from .vocab import ONTOLOGY_IRI

    graphs = None if source is None else [graph_name(source, base or DATA_BASE), ONTOLOGY_IRI]
    if engine == "oxigraph":
        return OxigraphEngine.from_dataset(dataset, prefixes=known, graphs=graphs)
    return RdflibEngine(dataset, prefixes=known, graphs=graphs)


def _warnings(loaded) -> list[str]:
    """A warning when curated sources do not conform: the answer may rest on broken data."""
    if not loaded.sources:
        return []
    from .validation import validate

    report = validate(loaded.union(), sources=loaded.where)
    if report.conforms:
        return []
    return [f"the data does not conform ({len(report.lines)} violation(s); first: {report.lines[0]}); "
            "run takedown-kg validate"]


def _seconds(value: float) -> float:
    if not 0 < value <= MAX_SECONDS:  # also refuses nan
        raise UsageError(f"--timeout {value!r}: give a number of seconds above 0 and at most {MAX_SECONDS:g}")
    return float(value)


def _megabytes(value: int) -> int:
    if not isinstance(value, int) or not 16 <= value <= 1 << 20:
        raise UsageError(f"--memory {value!r}: give a whole number of megabytes from 16 to {1 << 20}")
    return value << 20


def resolve(text_or_name: str) -> str:
    """The query text for a library name, a .rq path, or SPARQL text as given."""
    queries = named_queries()
    if text_or_name in queries:
        return queries[text_or_name].text
    if text_or_name.endswith(".rq"):
        return read_text(Path(text_or_name))
    if _NAME.match(text_or_name):
        named_query(text_or_name)  # raises with the closest names
    return text_or_name


def parse_term(value: str, prefixes: dict[str, str] = PREFIXES):
    """An RDF term written as in Turtle: <iri>, prefix:name, "text"@lang, "x"^^type, 42, 4.2, true."""
    if value.startswith("<") and value.endswith(">"):
        return URIRef(value[1:-1])
    literal = re.fullmatch(r'"(.*)"(?:@([A-Za-z0-9-]+)|\^\^(.+))?', value, re.DOTALL)
    if literal:
        text, lang, datatype = literal.groups()
        return Literal(text, lang=lang, datatype=parse_term(datatype, prefixes) if datatype else None)
    prefixed = re.fullmatch(r"([A-Za-z][\w-]*):([\w.-]*)", value)
    if prefixed and prefixed.group(1) in prefixes:
        return URIRef(prefixes[prefixed.group(1)] + prefixed.group(2))
    if re.fullmatch(r"[+-]?\d+", value):
        return Literal(int(value))
    if value in ("true", "false"):
        return Literal(value == "true")
    try:
        if re.fullmatch(r"[+-]?\d*\.\d+", value):
            return Literal(Decimal(value))
    except InvalidOperation:
        pass
    return Literal(value)
