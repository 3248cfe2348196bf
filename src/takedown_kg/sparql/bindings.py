"""Values given to a query's variables (--bind NAME=VALUE, serve's bind=), read as Turtle terms."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node
from rdflib.util import from_n3

from ..errors import UsageError
from ..vocab import PREFIXES, shorten

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_term(value: str, *, name: str = "NAME", prefixes: dict[str, str] | None = None):
    """An RDF term as written in Turtle (<iri>, prefix:name, "text"@lang, "x"^^type, 42, 4.2, true),
    read by rdflib's own from_n3 with the project's prefixes. Raises a one-line UsageError."""
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
            # lazy: needed only to suggest a name in an error
            import difflib

            close = difflib.get_close_matches(name, sorted(used), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]}?" if close else f"its variables are: {', '.join(sorted(used)) or 'none'}"
            raise UsageError(f"--bind {name}=...: the query has no ?{name}; {hint}")
