"""The two SPARQL engines, rdflib and Oxigraph, behind one interface.

Both answer with rdflib terms, so results, formats and tests do not depend on
the engine. Queries reach them only after safety.check has accepted them, and
only inside the sandboxed child of isolation.run_isolated.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Dataset, Graph, Variable

from ..corpus import new_graph
from ..errors import QueryError, QueryRefused
from ..terms import oxigraph_store, to_oxigraph, to_rdflib  # noqa: F401 (the engines' API since the start)
from ..vocab import PREFIXES
from .safety import CheckedQuery, syntax_error

ENGINES = ("rdflib", "oxigraph")


@dataclass
class QueryResult:
    """What a query answered: rows for SELECT, a boolean for ASK, triples otherwise."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple] = field(default_factory=list)
    #: Things the user should know about the answer (data that does not conform).
    warnings: list[str] = field(default_factory=list)
    #: The prefixes the query had (the sources' own among them), for showing IRIs short.
    prefixes: dict[str, str] | None = None
    #: The answer already written in the results format query() was asked for (results.write_answer,
    #: in the query's child); rows and variables are then left empty.
    written: bytes | None = None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def graph(self) -> Graph:
        """CONSTRUCT and DESCRIBE results as a graph with the project's prefixes."""
        graph = new_graph()
        for triple in self.triples:
            graph.add(triple)
        return graph


class RdflibEngine:
    name = "rdflib"

    def __init__(self, data: Graph, *, prefixes: dict[str, str] = PREFIXES, graphs: list | None = None):
        """`data` is a graph or a dataset (queried as the union of its graphs);
        `graphs` keeps only those named graphs of a dataset."""
        if graphs is not None and isinstance(data, Dataset):
            chosen = Dataset(default_union=True)
            for name in graphs:
                chosen.graph(name).addN((s, p, o, chosen.graph(name)) for s, p, o in data.graph(name))
            data = chosen
        self.graph = data
        self.prefixes = prefixes

    def size(self) -> int:
        return len(self.graph)

    def run(self, checked: CheckedQuery, bindings: dict[str, object], prepared=None) -> QueryResult:
        """`prepared`: rdflib's parse of the query when it was made elsewhere (rdflib_parse.ParsedApart)."""
        # lazy: rdflib's SPARQL stack loads only where rdflib runs a query
        from rdflib.plugins import sparql

        from .rdflib_parse import prepare

        # Belt and braces: safety.check refuses FROM, LOAD and SERVICE before this point.
        sparql.SPARQL_LOAD_GRAPHS = False
        sparql.CUSTOM_EVALS["takedown-kg: no SERVICE"] = _no_service
        if prepared is None:
            prepared = prepare(checked.text, self.prefixes)
        # Accepted FROM clauses name data already loaded: query it as it is.
        prepared.algebra["datasetClause"] = None
        with warnings.catch_warnings():
            # rdflib's own evaluator still asks a Dataset for its deprecated default_context.
            warnings.simplefilter("ignore", DeprecationWarning)
            result = self.graph.query(prepared, initBindings={Variable(k): v for k, v in bindings.items()})
            form = result.type
            if form == "SELECT":
                variables = [str(v) for v in result.vars]
                if checked.star_order is None:
                    return QueryResult(form, variables, [tuple(row) for row in result])
                # SELECT *: the columns in the order the query names them (rdflib's own order varies)
                shown = _in_query_order(variables, checked.star_order)
                columns = [variables.index(name) for name in shown]
                return QueryResult(form, shown, [tuple(row[i] for i in columns) for row in result])
            if form == "ASK":
                return QueryResult(form, boolean=bool(result.askAnswer))
            return QueryResult(form, triples=list(result.graph))


def _no_service(ctx, part):
    """rdflib's documented hook, asked before each part of a query is evaluated."""
    if part.name == "ServiceGraphPattern":
        raise QueryRefused("SERVICE is refused: queries run on the loaded data only, never over the network")
    raise NotImplementedError  # rdflib's signal to evaluate the part itself


class OxigraphEngine:
    name = "oxigraph"

    def __init__(self, store, *, prefixes: dict[str, str] = PREFIXES, graphs: list | None = None,
                 dataset: tuple[list, list] | None = None):
        """`graphs`, when given, are the only named graphs the query sees (as its default graph too);
        `dataset`, when given, is (default graphs, named graphs) as the SPARQL Protocol's
        default-graph-uri and named-graph-uri name them."""
        self.store = store
        self.prefixes = prefixes
        self.graphs = graphs
        self.dataset = dataset

    @classmethod
    def from_graph(cls, graph, **options) -> "OxigraphEngine":
        """An engine over a store holding an rdflib graph's triples."""
        return cls(oxigraph_store(graph), **options)

    def size(self) -> int:
        return len(self.store)

    def run(self, checked: CheckedQuery, bindings: dict[str, object]) -> QueryResult:
        return as_result(self.execute(checked, bindings))

    def execute(self, checked: CheckedQuery, bindings: dict[str, object]):
        """Oxigraph's own answer (QuerySolutions, QueryBoolean or QueryTriples), which its
        writers serialize without a term passing through Python (serve's SELECT and ASK)."""
        # lazy: Oxigraph loads when quads are first made, not with the module
        import pyoxigraph

        if self.dataset is not None:
            chosen = {"default_graph": [pyoxigraph.NamedNode(str(g)) for g in self.dataset[0]],
                      "named_graphs": [pyoxigraph.NamedNode(str(g)) for g in self.dataset[1]]}
        elif self.graphs is not None:
            named = [pyoxigraph.NamedNode(str(g)) for g in self.graphs]
            chosen = {"default_graph": named, "named_graphs": named}
        else:
            # The union of every graph, the default one included; it also overrides any
            # FROM clause (safety.check allowed FROM only for the loaded data). Oxigraph's
            # own switch for it is twice as fast as listing the graphs.
            chosen = {"default_graph": [pyoxigraph.DefaultGraph(), *self.store.named_graphs()],
                      "named_graphs": list(self.store.named_graphs())} if _has_from(checked.text) else {
                "use_default_graph_as_union": True}
        substitutions = {pyoxigraph.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
        try:
            answer = self.store.query(checked.text, prefixes=self.prefixes, substitutions=substitutions, **chosen)
            if checked.star_at is not None and isinstance(answer, pyoxigraph.QuerySolutions):
                # SELECT *: Oxigraph sorts the columns by name; the query's own order is asked for by name.
                # Nothing was evaluated yet: its solutions are read only when iterated.
                variables = [v.value for v in answer.variables]
                shown = _in_query_order(variables, checked.star_order)
                if shown != variables:
                    at = checked.star_at
                    listed = checked.text[:at] + " ".join(f"?{name}" for name in shown) + checked.text[at + 1:]
                    answer = self.store.query(listed, prefixes=self.prefixes, substitutions=substitutions, **chosen)
        except SyntaxError as error:
            raise _oxigraph_syntax_error(checked.text, str(error)) from None
        except RuntimeError as error:
            if "SELECT projection" in str(error):
                raise QueryError(
                    f"{error}: with --engine oxigraph a bound variable must be selected; add it to SELECT or use --engine rdflib"
                ) from None
            raise
        return answer


def as_result(answer) -> QueryResult:
    """An Oxigraph answer in rdflib terms, as the rdflib engine gives it."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    if isinstance(answer, pyoxigraph.QueryBoolean):
        return QueryResult("ASK", boolean=bool(answer))
    if isinstance(answer, pyoxigraph.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows = [tuple(to_rdflib(solution[v]) for v in variables) for solution in answer]
        return QueryResult("SELECT", variables, rows)
    return QueryResult("CONSTRUCT", triples=[tuple(to_rdflib(t) for t in (x.subject, x.predicate, x.object)) for x in answer])


def _in_query_order(variables: list[str], order: tuple[str, ...]) -> list[str]:
    """`variables` (an engine's columns for SELECT *) in the order the query first names them."""
    rank = {name: index for index, name in enumerate(order)}
    return sorted(variables, key=lambda name: rank.get(name, len(rank)))


@lru_cache(maxsize=256)  # serve's clients repeat their queries; lowering one took a hundredth of its time
def _has_from(text: str) -> bool:
    """Whether a query may carry FROM (then the graphs are listed, which overrides it)."""
    return "from" in text.lower() or "\\u" in text.lower()


def _oxigraph_syntax_error(text: str, message: str) -> QueryError:
    position = re.match(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
    if not position:
        return QueryError(f"the query cannot be run: {message.splitlines()[0]}")
    line, column, reason = int(position.group(1)), int(position.group(2)), " ".join(position.group(3).split())
    # Said in one line where review.review did not say it first (a query checked without prefixes).
    if "Prefix not found" in reason:
        written = re.search(r"([^\s:{}()<>,;.]*):[^\s:]*$", (text.splitlines() or [""])[line - 1][:column - 1])
        return QueryError(f"unknown prefix {written.group(1) if written else ''}: on line {line}")
    if "SELECT contains" in reason or "SELECT * is not authorized with GROUP BY" in reason:
        return QueryError(f"a variable of SELECT is neither grouped nor aggregated (line {line}); select only the "
                          "GROUP BY variables and aggregates of the others, as (SAMPLE(?x) AS ?anyX)")
    if len(reason) > 120:
        reason = reason[:119] + "…"
    return syntax_error(text, line, column, reason)
