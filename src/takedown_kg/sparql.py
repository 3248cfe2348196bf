"""Running SPARQL: resolve the query, check it, load the data, run it with a limit."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from . import resources
from .engines import ENGINES, OxigraphEngine, QueryResult, RdflibEngine
from .errors import UsageError
from .isolation import run_with_timeout
from .library import named_queries, named_query
from .safety import check
from .sources import read_text
from .vocab import shorten

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
    """Run a named query, a query file or SPARQL text on the project's graph (or on `data`).

    Returns a QueryResult: iterate it for SELECT rows; .boolean for ASK; .graph for
    CONSTRUCT and DESCRIBE. Bindings are RDF terms, or strings read as in --bind.
    """
    text = resolve(text_or_name)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    terms = {}
    for name, value in (bindings or {}).items():
        if not _VARIABLE.match(name):
            raise UsageError(f"--bind {name}=...: a variable name has letters, digits and _ only")
        terms[name] = value if isinstance(value, Node) else read_term(str(value), name=name)
    _check_bound_names(text, terms)
    checked = check(text, allowed_datasets=_dataset_iris(data, out_dir))
    runner = _load(engine, data, out_dir)
    result = run_with_timeout(lambda: runner.run(checked, terms), timeout)
    result.form = checked.form
    return result


def resolve(text_or_name: str) -> str:
    """The query text for a library name, an existing file (any suffix), or SPARQL text as given."""
    queries = named_queries()
    if text_or_name in queries:
        return queries[text_or_name].text
    if _is_file(text_or_name):
        return read_text(Path(text_or_name))
    if text_or_name.endswith((".rq", ".sparql", ".txt")) and not any(c.isspace() for c in text_or_name):
        return read_text(Path(text_or_name))  # a missing query file: one line naming it
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


def read_term(value: str, *, name: str = "NAME"):
    """An RDF term as written in Turtle (<iri>, prefix:name, "text"@lang, "x"^^type, 42, 4.2, true),
    read by rdflib's own from_n3 with the project's prefixes. Raises a one-line UsageError."""
    from rdflib.util import from_n3

    from .graph import new_graph

    where = f"--bind {name}={value}"
    if value.startswith(("'", '"')) and not _QUOTED.fullmatch(value):
        raise UsageError(f'{where}: a literal is written in double quotes, for example "text" or "text"@ur')
    try:
        with _quiet("rdflib"):
            term = from_n3(value, nsm=new_graph().namespace_manager)
    except KeyError as error:
        raise UsageError(f"{where}: unknown prefix {error.args[0]!r}; see takedown-kg query --prefixes") from None
    except Exception as error:  # rdflib's own ValueErrors and friends: say which --bind
        raise UsageError(f"{where}: {str(error).splitlines()[0] or 'not an RDF term'}") from None
    if term is None or isinstance(term, BNode):
        hint = f"tkd:{value}" if _LOCAL.fullmatch(value) else "tkd:telegram"
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


def _check_bound_names(text: str, terms: dict) -> None:
    """A bound name the query never uses is a typo; both engines would silently ignore it."""
    used = set(re.findall(r"[?$](\w+)", text))
    for name in terms:
        if name not in used:
            import difflib

            close = difflib.get_close_matches(name, sorted(used), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]}?" if close else f"its variables are: {', '.join(sorted(used)) or 'none'}"
            raise UsageError(f"--bind {name}=...: the query has no ?{name}; {hint}")


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
