"""rdflib's parse of a query, made in a process of its own while the data loads.

rdflib's SPARQL parser (pyparsing) takes as long on a named query of the
article as reading the article's data (0.15 to 0.19 s each), and neither
needs the other: a second sandboxed child parses the query while the query's
child reads the data, and sends it the parsed query as bytes. With a core to
spare the two overlap; without, the work is what it was.

rdflib's parse tree does not pickle as it is: a CompValue cannot be made
without its name, and an Expr holds a method bound to itself. The reducers
below rebuild both from their class, their fields and the module-level
function an Expr evaluates with (rdflib's one Expr made with a lambda,
TrueFilter, is shared, and comes back as itself). The prologue travels as
its base and prefixes (its namespace manager holds a graph).
"""

from __future__ import annotations

import copyreg
import io
import pickle
from collections import OrderedDict
from functools import partial
from types import MethodType

from ..errors import QueryError
from .isolation import start_isolated
from .safety import syntax_error


def prepare(text: str, prefixes: dict[str, str]):
    """rdflib's prepared query for `text`, or a one-line QueryError saying where it fails."""
    # lazy: rdflib's SPARQL stack loads only where rdflib runs a query
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.processor import prepareQuery

    try:
        return prepareQuery(text, initNs=prefixes)
    except ParseBaseException as error:
        reason = str(error.msg).replace(
            "{SelectQuery | ConstructQuery | DescribeQuery | AskQuery}", "a SELECT, CONSTRUCT, DESCRIBE or ASK query")
        raise syntax_error(text, error.lineno, error.col, reason) from None
    except RecursionError:  # pyparsing descends once per nested group or parenthesis
        raise QueryError("the query nests deeper than rdflib's parser can follow; nest less, "
                         "or run it with --engine oxigraph") from None
    except Exception as error:  # rdflib raises plain Exceptions, e.g. for an unknown prefix
        raise QueryError(f"the query cannot be run: {error}; see takedown-kg query --prefixes") from None


class ParsedApart:
    """rdflib's parse of `text` begun now in a sandboxed child of its own.

    The query's child, forked after it, inherits its pipe and reads the parse
    from there (result()); the process that began both ends it (cancel()).
    A sandboxed process may not fork, so the query's child could not begin it.
    """

    def __init__(self, text: str, prefixes: dict[str, str], *, seconds: float, sandbox):
        import rdflib.plugins.sparql.evaluate  # noqa: F401 (imported once, here, for both children)

        self.started = start_isolated(partial(_prepared_bytes, text, prefixes), seconds=seconds, sandbox=sandbox)

    def result(self):
        return loads(self.started.read_elsewhere())

    def cancel(self) -> None:
        self.started.cancel()


def _prepared_bytes(text: str, prefixes: dict[str, str]) -> bytes:
    return dumps(prepare(text, prefixes))


def dumps(query) -> bytes:
    # lazy: rdflib's SPARQL stack loads only where rdflib runs a query
    from rdflib.plugins.sparql.parserutils import CompValue, Expr

    prologue = query.prologue
    namespaces = [(prefix, str(name)) for prefix, name in prologue.namespace_manager.namespaces()]
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[CompValue] = pickler.dispatch_table[Expr] = _reduce
    pickler.dump((prologue.base, namespaces, query.algebra))
    return buffer.getvalue()


def loads(data: bytes):
    # lazy: rdflib loads only where this path needs it
    from rdflib import URIRef

    # lazy: rdflib's SPARQL stack loads only where rdflib runs a query
    from rdflib.plugins.sparql.sparql import Prologue, Query

    base, namespaces, algebra = pickle.loads(data)
    prologue = Prologue()
    prologue.base = base
    for prefix, name in namespaces:
        prologue.namespace_manager.bind(prefix, URIRef(name), override=True, replace=True)
    return Query(prologue, algebra)


def _reduce(value):
    # lazy: rdflib's SPARQL stack loads only where rdflib runs a query
    from rdflib.plugins.sparql import operators

    if value is operators.TrueFilter:  # the one Expr rdflib makes with a lambda, shared by every query
        return _true_filter, ()
    fields = dict(vars(value))
    evaluates = "_evalfn" in fields  # an Expr; its method is bound again to the rebuilt value
    bound = fields.pop("_evalfn", None)
    return _rebuild, (type(value), fields, evaluates, getattr(bound, "__func__", None), list(OrderedDict.items(value)))


def _true_filter():
    # lazy: rdflib's SPARQL stack loads only where rdflib runs a query
    from rdflib.plugins.sparql import operators

    return operators.TrueFilter


def _rebuild(cls, fields, evaluates, function, items):
    value = cls.__new__(cls)
    OrderedDict.__init__(value)
    value.__dict__.update(fields)
    if evaluates:
        value._evalfn = MethodType(function, value) if function is not None else None
    for key, item in items:
        OrderedDict.__setitem__(value, key, item)
    return value
