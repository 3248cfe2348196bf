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
from .vocab import PREFIXES

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
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY_MB,
    out_dir: Path = Path("out"),
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text on the project's graph (or on `data`).

    Returns a QueryResult: iterate it for SELECT rows; .boolean for ASK; .graph for
    CONSTRUCT and DESCRIBE. Bindings are RDF terms, or strings read as in --bind.
    Loading the data, checking the query and running it happen in a sandboxed
    child process, stopped after `timeout` seconds or past `memory` megabytes.
    """
    text = resolve(text_or_name)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    seconds = _seconds(timeout)
    limit = _megabytes(memory)
    terms = {name: value if isinstance(value, Node) else parse_term(str(value)) for name, value in (bindings or {}).items()}
    for name in terms:
        if not _VARIABLE.match(name):
            raise UsageError(f"--bind {name}=...: a variable name has letters, digits and _ only")
    files = [regular_file(path, what="--data takes RDF files (.ttl, .nt, .jsonld, .rdf)") for path in data or []]
    built = out_dir / "graph.nt"
    if not files and _fresh(built):
        files, allowed = [built], _dataset_iris([built])
    else:
        allowed = _dataset_iris(files)
    readable = files or [resources.ontology_file(), resources.article_file(), *resources.data_files()]

    def work():
        checked = check(text, allowed_datasets=allowed)
        runner = _load(engine, files)
        result = runner.run(checked, terms)
        result.form = checked.form
        return result

    return run_isolated(work, seconds=seconds, sandbox=Sandbox(memory=limit, readable=tuple(map(str, readable))))


def _seconds(value: float) -> float:
    if not 0 < value <= MAX_SECONDS:  # also refuses nan
        raise UsageError(f"--timeout {value!r}: give a number of seconds above 0 and at most {MAX_SECONDS:g}")
    return float(value)


def _megabytes(value: int) -> int:
    if not isinstance(value, int) or not 64 <= value <= 1 << 20:
        raise UsageError(f"--memory {value!r}: give a whole number of megabytes from 64 to {1 << 20}")
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


def parse_term(value: str):
    """An RDF term written as in Turtle: <iri>, prefix:name, "text"@lang, "x"^^type, 42, 4.2, true."""
    if value.startswith("<") and value.endswith(">"):
        return URIRef(value[1:-1])
    literal = re.fullmatch(r'"(.*)"(?:@([A-Za-z0-9-]+)|\^\^(.+))?', value, re.DOTALL)
    if literal:
        text, lang, datatype = literal.groups()
        return Literal(text, lang=lang, datatype=parse_term(datatype) if datatype else None)
    prefixed = re.fullmatch(r"([A-Za-z][\w-]*):([\w.-]*)", value)
    if prefixed and prefixed.group(1) in PREFIXES:
        return URIRef(PREFIXES[prefixed.group(1)] + prefixed.group(2))
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


def _dataset_iris(files: list[Path]) -> frozenset[str]:
    """The IRIs a FROM clause may name: the files being queried."""
    return frozenset(p.resolve().as_uri() for p in files)


def _load(engine: str, files: list[Path]):
    """The engine with the data loaded: `files`, or the project's graph built in memory."""
    if files:
        if engine == "oxigraph":
            return OxigraphEngine.from_files(files)
        from .graph import load_files

        return RdflibEngine(load_files(files).graph)
    from .graph import load_project

    graph = load_project().graph
    return OxigraphEngine.from_graph(graph) if engine == "oxigraph" else RdflibEngine(graph)


def _fresh(built: Path) -> bool:
    """True when out/graph.nt exists and is newer than every shipped source."""
    if not built.is_file():
        return False
    sources = [resources.ontology_file(), resources.article_file(), *resources.data_files()]
    return built.stat().st_mtime >= max(p.stat().st_mtime for p in sources)
