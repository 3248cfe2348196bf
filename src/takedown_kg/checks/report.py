"""What validation found: each broken rule, said with the file and line a curator has to open."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef

from ..corpus import Locations
from ..text import counted
from ..vocab import qname

_IRI = re.compile(r"https?://[^\s<>\"{}|^`]+[^\s<>\"{}|^`.,;:)]")


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, on which node, and what to do about it."""

    rule: str
    focus: object
    message: str
    #: The offending term, where the rule is about a term rather than a node.
    term: URIRef | None = None
    #: Where the offending statement is: a named graph (a source's) or a file given with --data,
    #: whose files are where its line is looked for, when the rule is about who says what.
    within: object = None

    def describe(self, graph: Graph, locations: Locations | None = None) -> str:
        where = ""
        anchor = _named_ancestor(graph, self.focus)
        if locations is not None:
            location = ((self.term is not None and locations.locate(self.term, self.within))
                        or locations.locate(anchor, self.within))
            if location:
                where = f"{location}: "
        name = _name(graph, self.focus)
        if anchor is not None and anchor != self.focus:
            name = f"blank node under {_name(graph, anchor)}"
        message = _IRI.sub(lambda m: _name(graph, URIRef(m.group(0))), self.message)
        return f"{where}{name}: {message} [{self.rule}]"


@dataclass
class ValidationReport:
    """The outcome of validate(): conforms, the SHACL report graph, and text for people."""

    conforms: bool
    graph: Graph
    violations: list[Violation] = field(default_factory=list)
    rules_checked: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.conforms:
            return f"Conforms: {counted(self.rules_checked, 'rule')} checked, no violations."
        head = (f"Does not conform: {counted(len(self.lines), 'violation')} of "
                f"{counted(self.rules_checked, 'rule')} checked.")
        return "\n".join([head, *self.lines])


def _named_ancestor(graph: Graph, node):
    """The nearest IRI a blank node hangs from, which a curator can find in a file."""
    seen = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        node = next(graph.subjects(None, node), None)
    return node


def _name(graph: Graph, node) -> str:
    if isinstance(node, URIRef):
        return qname(graph, node)
    if isinstance(node, BNode):
        return f"blank node _:{node}"
    if isinstance(node, Literal):
        return repr(str(node))
    return str(node)
