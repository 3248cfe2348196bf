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
from .isolation import run_with_timeout
from .library import named_queries, named_query
from .safety import check
from .sources import read_text
from .vocab import PREFIXES

DEFAULT_TIMEOUT = 30.0
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def query(
    text_or_name: str,
    *,
    bindings: dict[str, object] | None = None,
    engine: str = "oxigraph",
    data: list[Path] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    out_dir: Path = Path("out"),
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text on the project's graph (or on `data`).

    Returns a QueryResult: iterate it for SELECT rows; .boolean for ASK; .graph for
    CONSTRUCT and DESCRIBE. Bindings are RDF terms, or strings read as in --bind.
    """
    text = resolve(text_or_name)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    terms = {name: value if isinstance(value, Node) else parse_term(str(value)) for name, value in (bindings or {}).items()}
    for name in terms:
        if not _VARIABLE.match(name):
            raise UsageError(f"--bind {name}=...: a variable name has letters, digits and _ only")
    checked = check(text, allowed_datasets=_dataset_iris(data, out_dir))
    runner = _load(engine, data, out_dir)
    result = run_with_timeout(lambda: runner.run(checked, terms), timeout)
    result.form = checked.form
    return result


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


def _dataset_iris(data: list[Path] | None, out_dir: Path) -> frozenset[str]:
    """The IRIs a FROM clause may name: the files being queried."""
    files = data or [out_dir / "graph.nt"]
    return frozenset(p.resolve().as_uri() for p in files)


def _load(engine: str, data: list[Path] | None, out_dir: Path):
    if data:
        for path in data:
            if not path.is_file():
                raise UsageError(f"{path}: no such file; --data takes RDF files (.ttl, .nt, .jsonld, .rdf)")
        if engine == "oxigraph":
            return OxigraphEngine.from_files(data)
        from .graph import load_files

        return RdflibEngine(load_files(data).graph)
    built = out_dir / "graph.nt"
    if _fresh(built):
        return OxigraphEngine.from_files([built]) if engine == "oxigraph" else _rdflib_from(built)
    from .graph import load_project

    graph = load_project().graph
    return OxigraphEngine.from_graph(graph) if engine == "oxigraph" else RdflibEngine(graph)


def _rdflib_from(path: Path) -> RdflibEngine:
    from .graph import new_graph

    graph = new_graph()
    graph.parse(path, format="nt")
    return RdflibEngine(graph)


def _fresh(built: Path) -> bool:
    """True when out/graph.nt exists and is newer than every shipped source."""
    if not built.is_file():
        return False
    sources = [resources.ontology_file(), resources.article_file(), *resources.data_files()]
    return built.stat().st_mtime >= max(p.stat().st_mtime for p in sources)
