"""Checking a SPARQL query before any engine sees it: read-only and local.

Both engines act on a query as written: rdflib fetches SERVICE, FROM and LOAD
targets, and Oxigraph runs SERVICE from Rust where no Python hook reaches. So
every query is read token by token here first, the way a SPARQL lexer reads
it (strings, IRIs and comments are single tokens), and refused if a bare
keyword would write data or reach beyond the loaded graph. Reading tokens
rather than one engine's parse tree gives the same verdict for both engines,
and costs no parser import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QueryError, QueryRefused
from .vocab import PREFIXES

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d][\w.-]*)?:(?:[\w:%\\-]|\.(?=[\w:%-]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UPDATES = {"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


@dataclass(frozen=True)
class CheckedQuery:
    text: str
    form: str  # SELECT, CONSTRUCT, ASK or DESCRIBE
    #: IRIs named by FROM and FROM NAMED (allowed only when they name loaded data).
    datasets: tuple[str, ...]


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) for every token but white space and comments."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind not in ("space", "comment"):
            found.append((kind, match.group()))
    return found


def check(text: str, *, allowed_datasets: frozenset[str] = frozenset()) -> CheckedQuery:
    """Refuse SPARQL Update, SERVICE (anywhere, SILENT too), LOAD and FROM naming foreign data."""
    words = tokens(text)
    prefixes = dict(PREFIXES)
    datasets: list[str] = []
    form = None
    for index, (kind, value) in enumerate(words):
        if kind != "word":
            continue
        keyword = value.upper()
        following = words[index + 1:index + 3]
        if keyword == "PREFIX" and len(following) == 2 and following[1][0] == "iri":
            prefixes[following[0][1].rstrip(":")] = following[1][1][1:-1]
        elif keyword == "SERVICE":
            silent = " SILENT" if following and following[0][1].upper() == "SILENT" else ""
            target = following[1 if silent else 0][1] if len(following) > bool(silent) else ""
            raise QueryRefused(
                f"SERVICE{silent} {target} is refused: queries run on the loaded data only, never over the network"
            )
        elif keyword == "LOAD":
            target = following[0][1] if following else ""
            raise QueryRefused(f"LOAD {target} is refused: queries never read files or URLs")
        elif keyword in _UPDATES:
            clause = f"{keyword} DATA" if following and following[0][1].upper() == "DATA" else keyword
            raise QueryRefused(f"SPARQL Update ({clause}) is refused: queries are read-only")
        elif keyword == "FROM":
            named = bool(following) and following[0][1].upper() == "NAMED"
            target = following[1 if named else 0] if len(following) > named else ("other", "")
            iri = _expand(target, prefixes)
            clause = "FROM NAMED" if named else "FROM"
            if iri not in allowed_datasets:
                raise QueryRefused(
                    f"{clause} <{iri}> is refused: a query may name only the loaded data; drop the clause to query it"
                )
            datasets.append(iri)
        elif keyword in _FORMS and form is None:
            form = keyword
    if form is None:
        raise QueryError("not a query: expected SELECT, CONSTRUCT, ASK or DESCRIBE")
    return CheckedQuery(text, form, tuple(datasets))


def _expand(token: tuple[str, str], prefixes: dict[str, str]) -> str:
    kind, value = token
    if kind == "iri":
        return value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        return prefixes.get(prefix, value) + local if prefix in prefixes else value
    return value


def syntax_error(text: str, line: int, column: int, reason: str) -> QueryError:
    """A QueryError showing the line of the query and a caret under the column."""
    lines = text.splitlines() or [""]
    shown = lines[min(max(line, 1), len(lines)) - 1]
    message = f"syntax error in the query at line {line}, column {column}: {reason}"
    return QueryError(message, lines=[message, f"  {shown}", "  " + " " * max(column - 1, 0) + "^"])
