"""SELECT and ASK answers in the W3C SPARQL 1.1 results formats, for `query` and `serve` alike,
and as a table for people (`query` only).

One table of formats (RESULT_FORMATS) and one writer (write_answer) serve both commands, and the
bytes are Oxigraph's: an answer of Oxigraph is written by Oxigraph's own writers, so no solution
becomes a Python object (that was two thirds of a serve worker's time); a QueryResult of rdflib
terms (the rdflib engine's answer) is written by the Python writers below, which write what
Oxigraph writes for the same terms, byte for byte (tests/test_query.py holds them to it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from rdflib import BNode, URIRef
from rdflib.namespace import XSD

from ..errors import UsageError
from ..text import display_width, isolated
from ..vocab import shorten
from .engines import QueryResult


@dataclass(frozen=True)
class ResultsFormat:
    name: str
    #: The media types serve answers it for; the first is the one it sends.
    media_types: tuple[str, ...]
    description: str
    #: Whether it holds an ASK answer: the W3C CSV and TSV formats define none.
    holds_boolean: bool


RESULT_FORMATS = {chosen.name: chosen for chosen in (
    ResultsFormat("json", ("application/sparql-results+json", "application/json"),
                  "SPARQL 1.1 Query Results JSON", True),
    ResultsFormat("xml", ("application/sparql-results+xml", "application/xml", "text/xml"),
                  "SPARQL Query Results XML", True),
    ResultsFormat("csv", ("text/csv",), "SPARQL 1.1 Query Results CSV: values only, CRLF line ends", False),
    ResultsFormat("tsv", ("text/tab-separated-values",), "SPARQL 1.1 Query Results TSV: terms as in Turtle", False),
)}
#: `query`'s aligned table for a terminal; serve does not offer it.
TABLE = "table"


def write_answer(answer, name: str) -> bytes:
    """`answer` in the results format `name`: an Oxigraph answer (QuerySolutions, QueryBoolean) by
    Oxigraph's writer, a QueryResult by the Python writer that gives the same bytes."""
    if isinstance(answer, QueryResult):
        # A lone surrogate from the data is shown as \udXXX, never a crash.
        return WRITERS[name](answer).encode("utf-8", "backslashreplace")
    if not RESULT_FORMATS[name].holds_boolean and isinstance(answer, _oxigraph().QueryBoolean):
        raise _no_boolean()
    return answer.serialize(format=_oxigraph_format(name))


def _no_boolean() -> UsageError:
    holding = [name for name, chosen in RESULT_FORMATS.items() if chosen.holds_boolean]
    others = [name.upper() for name, chosen in RESULT_FORMATS.items() if not chosen.holds_boolean]
    return UsageError(f"the {' and '.join(others)} results formats hold no ASK answer; "
                      f"use --format {', '.join(holding)} or {TABLE}")


@cache
def _oxigraph():
    """pyoxigraph, imported when first needed: the table and the Python writers do without it."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    return pyoxigraph


@cache
def _oxigraph_format(name: str):
    return getattr(_oxigraph().QueryResultsFormat, name.upper())


def write_json(result: QueryResult) -> str:
    """On one line without spaces, each term's keys in the order type, value, then xml:lang or datatype."""
    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}, separators=_COMPACT)
    bindings = [{name: _json_term(value) for name, value in zip(result.variables, row, strict=True) if value is not None}
                for row in result.rows]
    document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=_COMPACT)


_COMPACT = (",", ":")


def _parts(term) -> tuple[str, str, str | None, str | None]:
    """(kind, value, language, datatype): kind is uri, bnode or literal; no datatype for plain strings.

    The language is in lower case, as Oxigraph keeps every tag (the same tag: case does not matter in
    BCP 47), so `"x"@en-GB` from the rdflib engine is written as Oxigraph writes it."""
    if isinstance(term, URIRef):
        return "uri", str(term), None, None
    if isinstance(term, BNode):
        return "bnode", str(term), None, None
    datatype = str(term.datatype) if term.datatype and term.datatype != XSD.string else None
    return "literal", str(term), term.language.lower() if term.language else None, datatype


def _json_term(term) -> dict:
    kind, value, language, datatype = _parts(term)
    out = {"type": kind, "value": value}
    if language:
        out["xml:lang"] = language
    elif datatype:
        out["datatype"] = datatype
    return out


def write_xml(result: QueryResult) -> str:
    """One line with no declared encoding; an empty element is written open and shut (<head></head>)."""
    out = [f'<?xml version="1.0"?><sparql xmlns="{_SPARQL_NS}"><head>']
    out += [f'<variable name="{_xml_escape(name)}"/>' for name in result.variables]
    out.append("</head>")
    if result.form == "ASK":
        out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean></sparql>")
        return "".join(out)
    out.append("<results>")
    for row in result.rows:
        out.append("<result>")
        out += [f'<binding name="{_xml_escape(name)}">{_xml_term(value)}</binding>'
                for name, value in zip(result.variables, row, strict=True) if value is not None]
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out)


_SPARQL_NS = "http://www.w3.org/2005/sparql-results#"
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", '"': "&quot;"})
# Oxigraph writes whitespace at either end of a text as character references, which a reader
# that trims the text of an element keeps.
_XML_EDGE_SPACE = re.compile(r"\A[ \t\n\r]+|[ \t\n\r]+\Z")


def _xml_escape(text: str) -> str:
    return text.translate(_XML_ESCAPES)


def _xml_term(term) -> str:
    kind, value, language, datatype = _parts(term)
    attribute = (f' xml:lang="{_xml_escape(language)}"' if language
                 else f' datatype="{_xml_escape(datatype)}"' if datatype else "")
    text = _XML_EDGE_SPACE.sub(lambda edge: "".join(f"&#{ord(c)};" for c in edge.group()), _xml_escape(value))
    return f"<{kind}{attribute}>{text}</{kind}>"


def write_csv(result: QueryResult) -> str:
    """Values only (no language or datatype), CRLF after every line; a literal is quoted when it holds
    a quote, a comma or a line end. An IRI is never quoted, as Oxigraph writes it, even with a comma."""
    if result.form == "ASK":
        raise _no_boolean()
    lines = [",".join(result.variables)]
    lines += [",".join("" if value is None else _csv_term(value) for value in row) for row in result.rows]
    return "".join(line + "\r\n" for line in lines)


def _csv_term(term) -> str:
    kind, value, _, _ = _parts(term)
    if kind == "bnode":
        return f"_:{value}"
    if kind == "literal" and any(c in value for c in '",\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_tsv(result: QueryResult) -> str:
    """?names in the header, terms as in Turtle, LF after every line."""
    if result.form == "ASK":
        raise _no_boolean()
    lines = ["\t".join(f"?{name}" for name in result.variables)]
    lines += ["\t".join("" if value is None else _tsv_term(value) for value in row) for row in result.rows]
    return "".join(line + "\n" for line in lines)


# Numbers and booleans written bare, as Turtle reads them, when their lexical form is Turtle's own
# short form for that datatype ("05" and "+1.50" are; "1" as an xsd:decimal or "1.5" as an xsd:double
# are not, and keep quotes and type).
_BARE = {
    str(XSD.integer): re.compile(r"[+-]?[0-9]+"),
    str(XSD.decimal): re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    str(XSD.double): re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    str(XSD.boolean): re.compile(r"true|false"),
}
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _tsv_term(term) -> str:
    kind, value, language, datatype = _parts(term)
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    bare = _BARE.get(datatype)
    if bare is not None and bare.fullmatch(value):
        return value
    return f'"{value.translate(_TSV_ESCAPES)}"' + (f"@{language}" if language else f"^^<{datatype}>" if datatype else "")


WRITERS = {"json": write_json, "xml": write_xml, "csv": write_csv, "tsv": write_tsv}


def write_table(result: QueryResult, *, full: bool = False, width: int = 48) -> str:
    """An aligned table for a terminal.

    Right-to-left text is isolated in its cell (U+2068 ... U+2069) so a bidi
    terminal does not reorder the columns around it; copy from --format tsv,
    which has no such marks. Control and bidi-override characters from the data
    are shown as \\uXXXX escapes, never sent to the terminal.
    """
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    header = list(result.variables)
    cells = [[_display(v, full, width, result.prefixes) for v in row] for row in result.rows]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cells]) for i, h in enumerate(header)]
    lines = [_line(header, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _line(values: list[str], widths: list[int]) -> str:
    return "  ".join(value + " " * (w - display_width(value)) for value, w in zip(values, widths, strict=True))


def _display(term, full: bool, width: int, prefixes: dict[str, str] | None = None) -> str:
    if term is None:
        return ""
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", shorten(term, prefixes))
    text = " ".join(text.split())  # newlines and tabs would break the table
    if not full and len(text) > width:
        text = text[: width - 1] + "…"
    return isolated(text)


# Characters a terminal acts on (C0 but tab and line ends, DEL, C1) or that
# reorder text around them (bidi embeddings, overrides, isolates and marks):
# from data they could rewrite the screen or disguise a value.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
