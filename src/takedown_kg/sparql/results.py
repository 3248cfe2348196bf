"""SELECT and ASK results in the W3C SPARQL 1.1 formats, and as a table for people.

JSON, XML and TSV are written here rather than by rdflib so that both engines
give the same bytes (rdflib has no TSV writer); CSV is rdflib's own writer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, URIRef
from rdflib.namespace import XSD

from ..errors import UsageError
from ..vocab import shorten
from .engines import QueryResult

RESULT_FORMATS = {
    "table": "an aligned table for people (the default)",
    "json": "SPARQL 1.1 Query Results JSON (application/sparql-results+json)",
    "xml": "SPARQL Query Results XML (application/sparql-results+xml)",
    "csv": "SPARQL 1.1 Query Results CSV (text/csv)",
    "tsv": "SPARQL 1.1 Query Results TSV (text/tab-separated-values)",
}
_SPARQL_NS = "http://www.w3.org/2005/sparql-results#"


def write_json(result: QueryResult) -> str:
    if result.form == "ASK":
        document = {"head": {}, "boolean": result.boolean}
    else:
        bindings = [
            {name: _json_term(value) for name, value in zip(result.variables, row, strict=True) if value is not None}
            for row in result.rows
        ]
        document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _parts(term) -> tuple[str, str, str | None, str | None]:
    """(kind, value, language, datatype): kind is uri, bnode or literal; no datatype for plain strings."""
    if isinstance(term, URIRef):
        return "uri", str(term), None, None
    if isinstance(term, BNode):
        return "bnode", str(term), None, None
    datatype = str(term.datatype) if term.datatype and term.datatype != XSD.string else None
    return "literal", str(term), term.language, datatype


def _json_term(term) -> dict:
    kind, value, language, datatype = _parts(term)
    out = {"type": kind, "value": value}
    if language:
        out["xml:lang"] = language
    elif datatype:
        out["datatype"] = datatype
    return out


def write_xml(result: QueryResult) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sparql xmlns="{_SPARQL_NS}">', "  <head>"]
    out += [f"    <variable name={quoteattr(name)}/>" for name in result.variables]
    out.append("  </head>")
    if result.form == "ASK":
        out.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("  <results>")
        for row in result.rows:
            out.append("    <result>")
            for name, value in zip(result.variables, row, strict=True):
                if value is not None:
                    out.append(f"      <binding name={quoteattr(name)}>{_xml_term(value)}</binding>")
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return "\n".join(out) + "\n"


def _xml_term(term) -> str:
    kind, value, language, datatype = _parts(term)
    attribute = f" xml:lang={quoteattr(language)}" if language else f" datatype={quoteattr(datatype)}" if datatype else ""
    return f"<{kind}{attribute}>{escape(value)}</{kind}>"


def write_csv(result: QueryResult) -> str:
    """CSV as the specification asks (and rdflib writes it): lexical forms only, CRLF line ends, RFC 4180 quoting.

    Written here rather than by rdflib's results plugin, whose import alone
    (its SPARQL parser) took half a cold query's time.
    """
    import csv
    import io

    if result.form == "ASK":
        raise UsageError("the CSV and TSV results formats hold no ASK answer; use --format json, xml or table")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if v is None else f"_:{v}" if _parts(v)[0] == "bnode" else str(v) for v in row])
    return out.getvalue()


def write_tsv(result: QueryResult) -> str:
    """TSV as the specification asks: ?names in the header, terms in Turtle syntax."""
    if result.form == "ASK":
        raise UsageError("the CSV and TSV results formats hold no ASK answer; use --format json, xml or table")
    lines = ["\t".join(f"?{name}" for name in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if v is None else _tsv_term(v) for v in row))
    return "\n".join(lines) + "\n"


def _tsv_term(term) -> str:
    kind, value, language, datatype = _parts(term)
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    text = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{text}"' + (f"@{language}" if language else f"^^<{datatype}>" if datatype else "")


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
    widths = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(header)]
    lines = [_line(header, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _line(values: list[str], widths: list[int]) -> str:
    return "  ".join(value + " " * (w - _width(value)) for value, w in zip(values, widths, strict=True))


def _display(term, full: bool, width: int, prefixes: dict[str, str] | None = None) -> str:
    if term is None:
        return ""
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", shorten(term, prefixes))
    text = " ".join(text.split())  # newlines and tabs would break the table
    if not full and len(text) > width:
        text = text[: width - 1] + "…"
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        text = "\u2068" + text + "\u2069"
    return text


# Characters a terminal acts on (C0 but tab and line ends, DEL, C1) or that
# reorder text around them (bidi embeddings, overrides, isolates and marks):
# from data they could rewrite the screen or disguise a value.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _width(text: str) -> int:
    """Columns a string takes in a terminal: combining marks and isolates take none."""
    return sum(
        0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf"
        else 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        for ch in text
    )
